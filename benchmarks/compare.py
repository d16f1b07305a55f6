"""Before and after: one corpus indexed and searched by two versions of privsearch.

    python -m benchmarks.compare CORPUS --base OLD/src [--new src] [--workdir DIR]
        [--rounds 2] [--queries 500] [--json FILE]

Each version (`--base`, `--new`: the `src` folder of a checkout) builds its own index of CORPUS
from scratch, in a process of its own (`privsearch index CORPUS --rebuild`), then searches it:
the judged queries of `benchmarks/queries/` and `--queries` generated ones (as `speed.py` makes
them), each once to warm up, then twice timed, with snippets, pages and facets
(`Index.search(text, component=...)`, top 10). The versions take turns, `--rounds` times
(base, new, base, new, ...), so that a change in the machine's load falls on both. Reports the
wall time of each build and the p50/p95/p99/mean of each round's searches, and their ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

ROOT = Path(__file__).resolve().parents[1]


def _env(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(src.resolve()), str(ROOT)])
    return env


def build(src: Path, corpus: Path, index_dir: Path) -> float:
    """Seconds of wall time `privsearch index CORPUS --rebuild` takes with the code in `src`."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "privsearch", "index", str(corpus), "--index", str(index_dir),
         "--rebuild", "--json"],
        env=_env(src), check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def search_latencies(src: Path, index_dir: Path, queries_file: Path) -> list[float]:
    """Milliseconds per timed search, in a process running the code in `src`."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.compare", "--child", str(index_dir), str(queries_file)],
        env=_env(src), check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def _child(index_dir: Path, queries_file: Path) -> int:
    import privsearch

    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    ix = privsearch.open_index(index_dir)

    def run(text: str, component: str | None) -> None:
        try:
            ix.search(text, component=component)
        except privsearch.PrivsearchError:
            pass

    for text, component in queries:
        run(text, component)
    timed = []
    for _ in range(2):
        for text, component in queries:
            started = time.perf_counter()
            run(text, component)
            timed.append((time.perf_counter() - started) * 1000)
    print(json.dumps(timed))
    return 0


def _queries(index_dir: Path, generated: int) -> list[tuple[str, str | None]]:
    import privsearch

    from .judged import load_queries
    from .speed import generated_queries

    judged = [(q.text, q.component) for q in load_queries(None)]
    records = list(privsearch.open_index(index_dir).records())
    return judged + generated_queries(records, generated, exclude=set(judged))


def _percentiles(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "p50": round(at(0.5), 1),
        "p95": round(at(0.95), 1),
        "p99": round(at(0.99), 1),
        "mean": round(statistics.fmean(ordered), 1),
    }


def compare(
    corpus: Path, base: Path, new: Path, workdir: Path, rounds: int, generated: int
) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    versions = {"base": base, "new": new}
    result: dict[str, Any] = {name: {"build_s": [], "search": []} for name in versions}
    for _ in range(rounds):
        for name, src in versions.items():
            seconds = build(src, corpus, workdir / f"index-{name}")
            result[name]["build_s"].append(round(seconds, 1))
            print(f"{name}: built in {seconds:.1f} s", file=sys.stderr)
    queries_file = workdir / "queries.json"
    queries_file.write_text(json.dumps(_queries(workdir / "index-new", generated)))
    for _ in range(rounds):
        for name, src in versions.items():
            figures = _percentiles(search_latencies(src, workdir / f"index-{name}", queries_file))
            result[name]["search"].append(figures)
            print(f"{name}: {figures}", file=sys.stderr)
    for name in versions:
        result[name]["build_median_s"] = statistics.median(result[name]["build_s"])
    result["ratios"] = {
        "build": round(result["new"]["build_median_s"] / result["base"]["build_median_s"], 3),
        "p95": [
            round(n["p95"] / b["p95"], 3)
            for b, n in zip(result["base"]["search"], result["new"]["search"], strict=True)
        ],
    }
    result["queries"] = len(json.loads(queries_file.read_text()))
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(Path(argv[1]), Path(argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--base", type=Path, required=True, help="src/ of the version before")
    parser.add_argument("--new", type=Path, default=ROOT / "src", help="src/ of the version after")
    parser.add_argument("--workdir", type=Path, default=Path("compare-work"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--queries", type=int, default=500, help="generated queries")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    result = compare(args.corpus, args.base, args.new, args.workdir, args.rounds, args.queries)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
