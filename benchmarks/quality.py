"""Search quality: nDCG@10, MRR and recall@20 of privsearch and its peers on the judged queries.

    python -m benchmarks.quality [--corpus DIR] [--queries FILE...] [--split PART]
                                 [--per-query] [--smoke] [--json FILE] [--baseline FILE]

Every system indexes the same records (privsearch's own ingest of the corpus) and answers the
same queries with the same component filters. The judged queries (every `queries/*.jsonl`) are
reported in two parts: the tuning part, which ranking and vocabulary changes may be tuned on,
and the held-out part, which no change is tuned on and which decides whether a finished change
stays. Each part has a table with a row per query category and one overall, and a cell per
system; the issue's targets are checked against the held-out part, and both parts against a
recorded baseline (`--json` of an earlier run).

`--per-query` prints nDCG@10 per query for the tuning part only, unless `--split held-out` or
`--split all` asks for the held-out queries by name: their per-query scores are not for tuning.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

import privsearch

from .judged import SPLITS, JudgedQuery, load_queries, order_categories, query_files
from .metrics import mean_scores, ndcg_at, score_ranking
from .systems import Privsearch, System, build_peer, open_peer, peer_names, tantivy_available

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dhs"
BASELINE = Path(__file__).parent / "quality-baseline.json"
METRICS = ("ndcg@10", "mrr", "recall@20")
POOL_DEPTH = 20
# The targets on the held-out part: privsearch's nDCG@10 at least these multiples of
# the peer's, and every category at or above the best peer's.
TARGET_RATIOS = {"sqlite-fts5": 1.30, "tantivy": 1.10}
PARTS = ("tuning", "held-out", "all")

Table = dict[str, dict[str, dict[str, float]]]  # system -> category/"overall" -> metric -> mean


def build_systems(
    corpus: Path, workdir: Path, log: Callable[[str], Any] = print
) -> tuple[dict[str, System], list[privsearch.Record]]:
    """privsearch's index of `corpus` and every available peer over the same records."""
    started = time.perf_counter()
    Privsearch.build([corpus], workdir / "privsearch")
    # The ingest reads files in parallel, so its order varies from run to run; the peers break
    # ties by insertion order, so they get the records in one fixed order.
    records = sorted(
        privsearch.read_records([corpus]), key=lambda r: (r.id, r.source, r.date or "")
    )
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
    return score_ranking(ranked, q.judgments, 10)


def per_query_scores(
    runs: dict[str, dict[str, list[str]]], queries: Sequence[JudgedQuery]
) -> dict[str, dict[str, dict[str, float]]]:
    """system -> query id -> metric -> value."""
    return {name: {q.id: score(ranked[q.id], q) for q in queries} for name, ranked in runs.items()}


def evaluate(runs: dict[str, dict[str, list[str]]], queries: Sequence[JudgedQuery]) -> Table:
    """system -> category (and "overall") -> metric -> mean over the queries."""
    return tabulate(per_query_scores(runs, queries), queries)


def tabulate(
    scores: dict[str, dict[str, dict[str, float]]], queries: Sequence[JudgedQuery]
) -> Table:
    """Per-query scores averaged per category and overall ({} for no queries)."""
    if not queries:
        return {}
    table: Table = {}
    for name, by_query in scores.items():
        groups: dict[str, list[dict[str, float]]] = {"overall": []}
        for q in queries:
            groups["overall"].append(by_query[q.id])
            groups.setdefault(q.category, []).append(by_query[q.id])
        table[name] = {cat: mean_scores(values) for cat, values in groups.items()}
    return table


def part_of(queries: Sequence[JudgedQuery], part: str) -> list[JudgedQuery]:
    return list(queries) if part == "all" else [q for q in queries if q.split == part]


def format_table(table: Table, queries: Sequence[JudgedQuery]) -> str:
    """A Markdown table: a row per category, a cell per system: nDCG@10 / MRR / recall@20."""
    systems = list(table)
    counts = Counter(q.category for q in queries)
    rows = ["overall", *order_categories(counts)]
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


def by_file_lines(
    scores: dict[str, dict[str, dict[str, float]]],
    queries: Sequence[JudgedQuery],
    origins: dict[str, str],
) -> list[str]:
    """nDCG@10 of each system over the queries of each file, when a part spans several."""
    files: dict[str, list[JudgedQuery]] = {}
    for q in queries:
        files.setdefault(origins.get(q.id, "?"), []).append(q)
    if len(files) < 2:
        return []
    systems = list(scores)
    lines = ["| file (queries): nDCG@10 | " + " | ".join(systems) + " |"]
    lines.append("|---|" + "---|" * len(systems))
    for name, subset in files.items():
        cells = [
            f"{sum(scores[s][q.id]['ndcg@10'] for q in subset) / len(subset):.3f}" for s in systems
        ]
        lines.append(f"| {name} ({len(subset)}) | " + " | ".join(cells) + " |")
    return [*lines, ""]


def unjudged_line(runs: dict[str, dict[str, list[str]]], queries: Sequence[JudgedQuery]) -> str:
    """How many top-10 results of each system nobody has judged (they count as not relevant):
    a change that brings many in needs `pool.py` and grades before its score means much."""
    counts = {
        name: sum(
            1 for q in queries for doc in dict.fromkeys(ranked[q.id][:10]) if doc not in q.judgments
        )
        for name, ranked in runs.items()
    }
    return "unjudged documents in the top 10s: " + ", ".join(f"{n} {c}" for n, c in counts.items())


def target_lines(table: Table) -> list[str]:
    """Where privsearch stands against the issue's targets (meant for the held-out part)."""
    out = []
    ours = table["privsearch"]["overall"]["ndcg@10"]
    for peer, ratio in TARGET_RATIOS.items():
        if peer not in table:
            out.append(f"nDCG@10 vs {peer}: not measured ({peer} is not installed)")
            continue
        theirs = table[peer]["overall"]["ndcg@10"]
        got = ours / theirs if theirs else float("inf")
        met = "met" if got >= ratio else "MISSED"
        out.append(
            f"nDCG@10 privsearch {ours:.3f} vs {peer} {theirs:.3f}: {got:.3f}x "
            f"(target at least {ratio:.2f}x: {met})"
        )
    peers = [s for s in table if s != "privsearch"]
    below = []
    for cat, mine in table["privsearch"].items():
        if cat == "overall":
            continue
        best_peer = max(peers, key=lambda s: table[s][cat]["ndcg@10"])
        theirs = table[best_peer][cat]["ndcg@10"]
        if mine["ndcg@10"] < theirs:
            below.append(
                f"{cat} {mine['ndcg@10']:.3f} vs {best_peer} {theirs:.3f} "
                f"({mine['ndcg@10'] - theirs:+.3f})"
            )
    if below:
        out.append(f"every category at or above the best peer: MISSED in {len(below)}:")
        out.extend(f"  {line}" for line in below)
    else:
        out.append("every category at or above the best peer: met")
    return out


def baseline_lines(
    scores: dict[str, dict[str, dict[str, float]]],
    queries: Sequence[JudgedQuery],
    baseline: dict[str, Any],
) -> list[str]:
    """privsearch's nDCG@10 per part against a recorded run, over the queries both have."""
    then = baseline.get("per_query", {}).get("privsearch", {})
    label = baseline.get("code", {}).get("commit") or "the baseline"
    out = []
    for part in SPLITS:
        common = [q for q in part_of(queries, part) if q.id in then]
        if not common:
            continue
        before = sum(then[q.id]["ndcg@10"] for q in common) / len(common)
        now = sum(scores["privsearch"][q.id]["ndcg@10"] for q in common) / len(common)
        verdict = "dropped" if now < before - 1e-9 else "did not drop"
        out.append(
            f"{part} part ({len(common)} queries): nDCG@10 {now:.3f} vs {before:.3f} at {label} "
            f"({now - before:+.3f}, {verdict})"
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
            f"{q.id} [{q.split}] {q.text!r}{' [' + q.component + ']' if q.component else ''} | "
            + " | ".join(cells)
        )
    return lines


def code_version() -> dict[str, Any]:
    """Where the privsearch measured comes from: its folder and, in a git checkout, its commit."""
    src = Path(privsearch.__file__).resolve().parent
    info: dict[str, Any] = {"privsearch": str(src), "version": privsearch.__version__}
    try:
        commit = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return info
    info["commit"] = commit + ("+changes" if dirty else "")
    return info


def smoke_queries(queries: Sequence[JudgedQuery]) -> list[JudgedQuery]:
    """The first query of each category in each part."""
    firsts: dict[tuple[str, str], JudgedQuery] = {}
    for q in queries:
        firsts.setdefault((q.split, q.category), q)
    return list(firsts.values())


def report(
    runs: dict[str, dict[str, list[str]]],
    queries: Sequence[JudgedQuery],
    parts: Sequence[str],
    baseline: dict[str, Any] | None,
    origins: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """The printed report and its JSON form; `origins` maps query ids to their file's name."""
    scores = per_query_scores(runs, queries)
    lines: list[str] = []
    tables: dict[str, Table] = {}
    for part in parts:
        subset = part_of(queries, part)
        if not subset:
            continue
        tables[part] = table = tabulate(scores, subset)
        pairs = sum(len(q.judgments) for q in subset)
        relevant = sum(1 for q in subset for g in q.judgments.values() if g > 0)
        lines += [
            f"## {part} part: {len(subset)} judged queries, {pairs} graded pairs, {relevant} "
            "relevant; cells: nDCG@10 / MRR / recall@20 (best nDCG in bold)",
            "",
            format_table(table, subset),
            "",
            *by_file_lines(scores, subset, origins or {}),
            unjudged_line(runs, subset),
            "",
        ]
        if part == "held-out":
            lines += ["Targets on the held-out part:", *target_lines(table), ""]
    if baseline is not None:
        lines += ["Against the baseline:", *baseline_lines(scores, queries, baseline), ""]
    data = {
        "code": code_version(),
        "queries": len(queries),
        "splits": {q.id: q.split for q in queries},
        "parts": tables,
        "per_query": scores,
    }
    return lines, data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--queries", type=Path, nargs="+", help="judged-queries files (default: queries/*.jsonl)"
    )
    parser.add_argument(
        "--split",
        choices=PARTS,
        help="report only this part (default: the tuning part, the held-out part and both)",
    )
    parser.add_argument("--smoke", action="store_true", help="one query per category and part")
    parser.add_argument("--per-query", action="store_true", help="also print nDCG@10 per query")
    parser.add_argument("--json", type=Path, help="write the tables and per-query scores here")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=BASELINE,
        help="an earlier --json to compare with (default: quality-baseline.json)",
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    files = args.queries or query_files()
    try:
        queries = load_queries(files)
        origins = {q.id: path.name for path in files for q in load_queries(path)}
    except privsearch.PrivsearchError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    if args.smoke:
        queries = smoke_queries(queries)
    if args.split in SPLITS:
        queries = part_of(queries, args.split)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    log(f"{len(queries)} judged queries from {', '.join(p.name for p in files)}")
    if not tantivy_available():
        log("tantivy is not installed: skipped (pip install tantivy to compare with it)")
    baseline = None
    if args.baseline and args.baseline.is_file():
        baseline = json.loads(args.baseline.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="privsearch-quality-") as tmp:
        systems, _ = build_systems(args.corpus, Path(tmp), log)
        try:
            runs = run_queries(systems, queries)
        finally:
            for system in systems.values():
                system.close()
    parts = [args.split] if args.split else list(PARTS)
    lines, data = report(runs, queries, parts, baseline, origins)
    print("\n".join(lines))
    if args.per_query:
        # Held-out queries' scores are shown only when asked for by name: they are not for tuning.
        shown = queries if args.split in ("held-out", "all") else part_of(queries, "tuning")
        print("\n".join(per_query_lines(runs, shown)))
    if args.json:
        args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
