"""Indexing of already extracted records alone, as `benchmarks.speed` measures it for one scale.

    python -m benchmarks.index_only RECORDS [--system privsearch|whoosh-defaults] [--runs 1]
        [--workdir DIR] [--index-memory-mb MB] [--workers N]

RECORDS is a pickled list of records (`benchmarks.speed` keeps one per scale in
`WORKDIR/run-SCALE/records.pickle`; `privsearch.read_records` gives one). Each run indexes
them in a fresh process (`speed._run_child`, kind "index"), and prints its wall seconds, the
CPU seconds of all its processes, the main process's peak RSS, the whole process tree's peak
PSS, and each process's own peak PSS (all sampled from /proc every 50 ms).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from .speed import _run_child


def measure(
    records: Path, system: str, workdir: Path, limits: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The figures of one indexing run of `system` over the pickled `records`."""
    task = {
        "kind": "index",
        "system": system,
        "records": str(records),
        "workdir": str(workdir),
        "limits": limits or {},
    }
    return _run_child(task)


def _line(result: dict[str, Any]) -> str:
    processes = ", ".join(
        f"{name} {mb:.0f}" for name, mb in sorted(result["process_peaks_mb"].items())
    )
    return (
        f"{result['seconds']:.1f} s, {result['tree_cpu_seconds']:.1f} s CPU (all processes), "
        f"main RSS "
        f"{result['maxrss_mb']:.0f} MB (records loaded: {result['loaded_rss_mb']:.0f}), "
        f"tree peak PSS {result['tree_peak_mb']:.0f} MB (per process, MB: {processes})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path)
    parser.add_argument("--system", default="privsearch", choices=("privsearch", "whoosh-defaults"))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="where the index goes (default: temp)")
    parser.add_argument("--index-memory-mb", type=int)
    parser.add_argument("--workers", type=int)
    args = parser.parse_args(argv)
    limits = {
        name: value
        for name, value in (("index_memory_mb", args.index_memory_mb), ("workers", args.workers))
        if value is not None
    }
    with tempfile.TemporaryDirectory(prefix="index-only-") as tmp:
        workdir = args.workdir or Path(tmp)
        for _ in range(args.runs):
            print(_line(measure(args.records.resolve(), args.system, workdir, limits)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
