"""Search-quality and speed benchmarks for privsearch (run from the repository root).

python -m benchmarks.quality      # nDCG@10, MRR, recall@20 against the peers
python -m benchmarks.speed        # ingest, indexing, latency, size, memory, scaling
python -m benchmarks.generate OUT --docs N --chars C   # a synthetic corpus
"""
