"""The benchmarks' metric code, the judged queries, and smoke runs of both benchmark scripts."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
DHS = SHARED / "corpus" / "dhs"
sys.path.insert(0, str(ROOT))

from benchmarks import metrics  # noqa: E402
from benchmarks.judged import CATEGORIES, load_queries, problems  # noqa: E402


def require_shared() -> None:
    if not DHS.is_dir():
        pytest.skip(f"the shared DHS corpus is not at {DHS} (only present beside the repository)")


# -- metrics, against values worked out by hand ---------------------------------------------------

JUDGED = {"a": 2, "c": 1, "d": 2, "e": 0}


def test_dcg_uses_exponential_gain_and_log2_discount():
    # (2^2 - 1)/log2(2) + (2^0 - 1)/log2(3) + (2^1 - 1)/log2(4) = 3 + 0 + 0.5
    assert metrics.dcg([2, 0, 1]) == pytest.approx(3.5)


def test_ndcg_divides_by_the_ideal_ordering_of_all_judged_documents():
    # ideal: grades 2, 2, 1 -> 3 + 3/log2(3) + 1/2
    ideal = 3 + 3 / math.log2(3) + 0.5
    assert metrics.ndcg_at(["a", "b", "c"], JUDGED) == pytest.approx(3.5 / ideal)
    assert metrics.ndcg_at(["a", "d", "c"], JUDGED) == pytest.approx(1.0)
    assert metrics.ndcg_at(["b", "e"], JUDGED) == 0.0
    assert metrics.ndcg_at(["a"], {"a": 0}) == 0.0  # nothing relevant: 0, not a division error


def test_ndcg_cuts_at_k():
    ranked = ["x1", "x2", "a"]
    assert metrics.ndcg_at(ranked, {"a": 2}, k=2) == 0.0
    assert metrics.ndcg_at(ranked, {"a": 2}, k=3) == pytest.approx(1 / math.log2(4))


def test_a_repeated_id_counts_once():
    # ["a", "a", "b"] is scored as ["a", "b"]: b sits at rank 2, gain 3/log2(3), ideal 3.
    assert metrics.ndcg_at(["a", "a", "b"], {"b": 2}) == pytest.approx(1 / math.log2(3))
    assert metrics.reciprocal_rank(["a", "a", "b"], {"b": 1}) == 0.5


def test_reciprocal_rank():
    assert metrics.reciprocal_rank(["a", "b"], JUDGED) == 1.0
    assert metrics.reciprocal_rank(["b", "e", "c"], JUDGED) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(["b", "e"], JUDGED) == 0.0
    assert metrics.reciprocal_rank(["c", "a"], JUDGED, min_grade=2) == 0.5


def test_recall_at_k():
    assert metrics.recall_at(["a", "c", "x"], JUDGED) == pytest.approx(2 / 3)
    assert metrics.recall_at(["x", "a"], JUDGED, k=1) == 0.0
    assert metrics.recall_at(["a", "d"], JUDGED, min_grade=2) == 1.0
    assert metrics.recall_at(["a"], {"a": 0}) == 0.0


# -- the judged queries ---------------------------------------------------------------------------


def test_judged_queries_cover_every_category():
    queries = load_queries()
    assert len(queries) >= 40
    assert {q.category for q in queries} == set(CATEGORIES)
    assert any(q.component for q in queries)


def test_every_judged_id_is_a_record_of_the_corpus():
    require_shared()
    import privsearch

    known = {record.id for record in privsearch.read_records([DHS])}
    assert problems(load_queries(), known) == []


# -- smoke runs (a handful of queries, a tiny generated corpus) ----------------------------------


def test_quality_smoke(capsys):
    require_shared()
    from benchmarks import quality

    assert quality.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "| overall (8) | " in out
    assert "sqlite-fts5" in out and "whoosh-defaults" in out and "grep" in out


def test_speed_smoke(capsys):
    require_shared()
    from benchmarks import speed

    assert speed.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "### Scale smoke" in out
    assert "privsearch p95 / SQLite FTS5 p95" in out
    assert "privsearch indexing speed / Whoosh defaults" in out


def test_generator_writes_a_manifest_privsearch_reads(tmp_path):
    require_shared()
    import privsearch
    from benchmarks.generate import generate

    stats = generate(tmp_path, 4, 9000, seed=2)
    assert stats["docs"] == 4 and stats["pages"] >= 8
    records = privsearch.read_records([tmp_path])
    assert len(records) == 4
    assert all(len(r.pages) >= 2 and len(r.body) > 3000 for r in records)
    assert len({r.id for r in records}) == 4
