"""Search quality: nDCG@10, MRR and recall@20 of privsearch and its peers on the judged queries.

    python -m benchmarks.quality [--corpus DIR] [--smoke] [--json FILE]

Every system indexes the same records (privsearch's own ingest of the corpus) and answers the
same queries with the same component filters; the table has one row per query category and
one overall, and a cell per system.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

import privsearch

from .judged import CATEGORIES, QUERIES, JudgedQuery, load_queries
from .metrics import ndcg_at, recall_at, reciprocal_rank
from .systems import Privsearch, System, build_peer, open_peer, peer_names, tantivy_available

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dhs"
METRICS = ("ndcg@10", "mrr", "recall@20")
POOL_DEPTH = 20


def build_systems(
    corpus: Path, workdir: Path, log=print
) -> tuple[dict[str, System], list[privsearch.Record]]:
    """privsearch's index of `corpus` and every available peer over the same records."""
    started = time.perf_counter()
    Privsearch.build([corpus], workdir / "privsearch")
    records = privsearch.read_records([corpus])
    log(
        f"read {len(records)} records and built privsearch in {time.perf_counter() - started:.1f} s"
    )
    systems: dict[str, System] = {"privsearch": Privsearch(workdir / "privsearch")}
    for name in peer_names():
        build_peer(name, records, workdir)
        systems[name] = open_peer(name, records, workdir)
    return systems, records


def run_queries(
    systems: dict[str, System], queries: Sequence[JudgedQuery], depth: int = POOL_DEPTH
) -> dict[str, dict[str, list[str]]]:
    """system -> query id -> ranked ids."""
    return {
        name: {q.id: system.search(q.text, q.component, depth) for q in queries}
        for name, system in systems.items()
    }


def score(ranked: list[str], q: JudgedQuery) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at(ranked, q.judgments, 10),
        "mrr": reciprocal_rank(ranked, q.judgments),
        "recall@20": recall_at(ranked, q.judgments, 20),
    }


def evaluate(
    runs: dict[str, dict[str, list[str]]], queries: Sequence[JudgedQuery]
) -> dict[str, dict[str, dict[str, float]]]:
    """system -> category (and "overall") -> metric -> mean over the queries."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name, ranked in runs.items():
        sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for q in queries:
            for metric, value in score(ranked[q.id], q).items():
                sums[q.category][metric].append(value)
                sums["overall"][metric].append(value)
        table[name] = {
            cat: {m: sum(v) / len(v) for m, v in metrics.items()} for cat, metrics in sums.items()
        }
    return table


def format_table(
    table: dict[str, dict[str, dict[str, float]]], queries: Sequence[JudgedQuery]
) -> str:
    """A Markdown table: a row per category, a cell per system: nDCG@10 / MRR / recall@20."""
    systems = list(table)
    counts = defaultdict(int)
    for q in queries:
        counts[q.category] += 1
    rows = ["overall", *[c for c in CATEGORIES if counts[c]]]
    lines = [
        "| category (queries) | " + " | ".join(systems) + " |",
        "|---|" + "---|" * len(systems),
    ]
    for cat in rows:
        n = len(queries) if cat == "overall" else counts[cat]
        cells = []
        best = max(table[s][cat]["ndcg@10"] for s in systems)
        for s in systems:
            m = table[s][cat]
            cell = f"{m['ndcg@10']:.3f} / {m['mrr']:.2f} / {m['recall@20']:.2f}"
            cells.append(f"**{cell}**" if m["ndcg@10"] == best else cell)
        lines.append(f"| {cat} ({n}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def target_lines(table: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """Where privsearch stands against the quality targets."""
    out = []
    ours = table["privsearch"]["overall"]["ndcg@10"]
    for peer in ("sqlite-fts5", "whoosh-defaults"):
        if peer in table:
            theirs = table[peer]["overall"]["ndcg@10"]
            gain = (ours / theirs - 1) * 100 if theirs else float("inf")
            need = "at least +15%" if peer == "sqlite-fts5" else "above"
            met = gain >= 15 if peer == "sqlite-fts5" else ours > theirs
            out.append(
                f"nDCG@10 privsearch {ours:.3f} vs {peer} {theirs:.3f}: {gain:+.1f}% "
                f"(target {need}: {'met' if met else 'MISSED'})"
            )
    peers = [s for s in table if s != "privsearch"]
    for cat in table["privsearch"]:
        if cat == "overall":
            continue
        best_peer = max(peers, key=lambda s: table[s][cat]["ndcg@10"])
        theirs = table[best_peer][cat]["ndcg@10"]
        mine = table["privsearch"][cat]["ndcg@10"]
        if mine < theirs:
            out.append(
                f"category {cat}: privsearch {mine:.3f} below {best_peer} {theirs:.3f} "
                f"({(mine - theirs):+.3f})"
            )
    return out


def per_query_lines(
    runs: dict[str, dict[str, list[str]]], queries: Sequence[JudgedQuery]
) -> list[str]:
    systems = list(runs)
    lines = ["query | " + " | ".join(systems)]
    for q in queries:
        cells = [f"{ndcg_at(runs[s][q.id], q.judgments):.2f}" for s in systems]
        lines.append(
            f"{q.id} {q.text!r}{' [' + q.component + ']' if q.component else ''} | "
            + " | ".join(cells)
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--smoke", action="store_true", help="one query per category")
    parser.add_argument("--per-query", action="store_true", help="also print nDCG@10 per query")
    parser.add_argument("--json", type=Path, help="write the table as JSON here")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    queries = load_queries(args.queries)
    if args.smoke:
        firsts: dict[str, JudgedQuery] = {}
        for q in queries:
            firsts.setdefault(q.category, q)
        queries = list(firsts.values())
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    if not tantivy_available():
        log("tantivy is not installed: skipped (pip install tantivy to compare with it)")
    with tempfile.TemporaryDirectory(prefix="privsearch-quality-") as tmp:
        systems, _ = build_systems(args.corpus, Path(tmp), log)
        try:
            runs = run_queries(systems, queries)
        finally:
            for system in systems.values():
                system.close()
    table = evaluate(runs, queries)
    print(f"{len(queries)} judged queries; cells: nDCG@10 / MRR / recall@20 (best nDCG in bold)")
    print(format_table(table, queries))
    print()
    for line in target_lines(table):
        print(line)
    if args.per_query:
        print()
        print("\n".join(per_query_lines(runs, queries)))
    if args.json:
        args.json.write_text(json.dumps(table, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
