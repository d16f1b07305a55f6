"""Whether `structure()` still finds exactly what it found, and how fast each finder is.

    python -m benchmarks.structure_same records /tmp/records.pickle PATH...
    python -m benchmarks.structure_same save /tmp/records.pickle /tmp/expected.pickle
    python -m benchmarks.structure_same check /tmp/records.pickle /tmp/expected.pickle
    python -m benchmarks.structure_same time /tmp/records.pickle

`records` reads the records of PATHs once (reading PDFs is slow) and pickles them; `save`
keeps the sections, facets, risks and references `structure()` finds on each; `check` compares,
record by record and field by field, and exits 1 on any difference; `time` gives each finder's
CPU time per MB of body text (the best of three passes).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from privsearch import read_records
from privsearch.models import Record
from privsearch.structure import structure
from privsearch.structure.facets import find_facets
from privsearch.structure.links import find_references
from privsearch.structure.risks import find_risks
from privsearch.structure.sections import find_sections


def _found(record: Record) -> tuple:
    done = structure(record)
    return done.sections, done.facets, done.risks, done.references


_FIELDS = ("sections", "facets", "risks", "references")


def save_records(out: Path, paths: Sequence[Path]) -> None:
    records = [r for path in paths for r in read_records([path])]
    out.write_bytes(pickle.dumps(records))
    print(f"{len(records)} records to {out}", file=sys.stderr)


def save_expected(records_file: Path, out: Path) -> None:
    records = pickle.loads(records_file.read_bytes())
    expected = {_key(i, r): _found(r) for i, r in enumerate(records)}
    out.write_bytes(pickle.dumps(expected))
    print(f"{len(expected)} outputs to {out}", file=sys.stderr)


def _key(i: int, record: Record) -> str:
    return f"{i}:{record.id}"


def check(records_file: Path, expected_file: Path) -> int:
    """The number of differences between the sections, facets, risks and references found now
    and the saved ones (one per record and field)."""
    records = pickle.loads(records_file.read_bytes())
    expected = pickle.loads(expected_file.read_bytes())
    differ = 0
    for i, record in enumerate(records):
        now = _found(record)
        before = expected[_key(i, record)]
        for name, a, b in zip(_FIELDS, before, now, strict=True):
            if a != b:
                differ += 1
                print(f"{record.id}: {name} differ\n  before {a}\n  now    {b}")
    print(f"{len(records)} records, {differ} differences", file=sys.stderr)
    return differ


def best_of(runs: int, work: Callable[[], None]) -> float:
    """The least CPU time `work` takes in `runs` runs, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def time_finders(records_file: Path) -> None:
    records = pickle.loads(records_file.read_bytes())
    megabytes = sum(len(r.body) for r in records) / 1e6
    sections = {r.id: find_sections(r) for r in records}
    for r in records:  # compile and cache everything first
        structure(r)
    finders: dict[str, Callable[[], None]] = {
        "sections": lambda: [find_sections(r) for r in records],
        "facets": lambda: [find_facets(r, sections[r.id]) for r in records],
        "risks": lambda: [find_risks(r, sections[r.id]) for r in records],
        "references": lambda: [find_references(r) for r in records],
        "structure": lambda: [structure(r) for r in records],
    }
    print(f"{len(records)} records, {megabytes:.1f} MB")
    for name, work in finders.items():
        seconds = best_of(3, work)
        print(f"{name:10s} {1000 * seconds / megabytes:6.1f} ms/MB")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("records", "save", "check", "time"))
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "records":
        save_records(args.files[0], args.files[1:])
    elif args.command == "save":
        save_expected(args.files[0], args.files[1])
    elif args.command == "check":
        return 1 if check(args.files[0], args.files[1]) else 0
    else:
        time_finders(args.files[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
