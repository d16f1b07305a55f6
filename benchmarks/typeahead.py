"""Type-ahead latency: `Index.suggest` and `Index.search(..., prefix=True)` at every keystroke.

    python -m benchmarks.typeahead [--index DIR] [--smoke]

Indexes ../shared/corpus/dhs (or opens --index), then types every judged query one character
at a time, as the widget asks: suggestions for each keystroke, and a prefix search for each. The
tables behind both are built once per index version, on first use; that first call is timed
apart. Times are of the engine in this process (no HTTP), in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

import privsearch

from .judged import load_queries

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "dhs"


def keystrokes(queries: list[str]) -> list[str]:
    """What a box holds after each keystroke of each query, from its second character."""
    return [query[:n] for query in queries for n in range(2, len(query) + 1)]


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "max_ms": round(ordered[-1], 3),
    }


def timed(call: Callable[[str], Any], texts: list[str]) -> list[float]:
    """The time of each call; a half-typed query may be wrong (an open quote), as in the box."""
    times = []
    for text in texts:
        started = time.perf_counter()
        try:
            call(text)
        except privsearch.PrivsearchError:
            pass
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(index: Path, queries: list[str]) -> dict[str, Any]:
    texts = keystrokes(queries)
    with privsearch.open_index(index) as ix:
        started = time.perf_counter()
        ix.suggest("pr")
        first_suggest = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        ix.search("pr", prefix=True)
        first_search = (time.perf_counter() - started) * 1000
        return {
            "records": ix.stats()["records"],
            "keystrokes": len(texts),
            "first_suggest_ms": round(first_suggest, 1),
            "first_prefix_search_ms": round(first_search, 1),
            "suggest": summary(timed(ix.suggest, texts)),
            "prefix_search": summary(timed(lambda t: ix.search(t, prefix=True), texts)),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="a DHS index (default: build one)")
    parser.add_argument("--smoke", action="store_true", help="three queries only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    queries = [q.text for q in load_queries()]
    if args.smoke:
        queries = queries[:3]
    with tempfile.TemporaryDirectory() as scratch:
        index = args.index
        if index is None:
            index = Path(scratch) / "index"
            privsearch.build_index([CORPUS], index)
        figures = run(index, queries)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"{figures['records']} records, {figures['keystrokes']} keystrokes "
        f"(first call, tables built: suggest {figures['first_suggest_ms']} ms, "
        f"prefix search {figures['first_prefix_search_ms']} ms)"
    )
    for name in ("suggest", "prefix_search"):
        s = figures[name]
        print(f"{name:14} median {s['median_ms']:8.3f} ms  p95 {s['p95_ms']:8.3f} ms  "
              f"max {s['max_ms']:8.3f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
