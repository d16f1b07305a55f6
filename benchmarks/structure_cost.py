"""Where the time of indexing sections, facets and risks goes, one writer in one process.

    python -m benchmarks.structure_cost /tmp/records.pickle [--runs 5]

The records are those `benchmarks.structure_same records` pickles. Each line is the CPU time
per MB of body text (the best of `--runs`) of one part of what a writer process does for a
document beyond what it did before documents had a structure: finding it (`structure()`, and
its three finders alone), the rest of `index._structured` (the record rebuilt from the
document, the section marks, the stored rows and facet values), the marks among the body's
positions (`analyze.index_positions` with and without them), and writing the fields
`_structured` adds (the same documents written with and without them: the postings of the
facets, their columns and the stored sections, facets and risks).
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from whoosh import index

from benchmarks.structure_same import best_of
from privsearch import analyze
from privsearch.index import _document, _structured, build_schema, facet_column
from privsearch.models import Record
from privsearch.structure import PRIVACY_FACETS, section_marks, structure
from privsearch.structure.facets import find_facets
from privsearch.structure.risks import find_risks
from privsearch.structure.sections import find_sections

_ADDED_FIELDS = frozenset(
    {"sections", "facets", "risks", *PRIVACY_FACETS, *(facet_column(n) for n in PRIVACY_FACETS)}
)


def _write(documents: list[dict[str, Any]]) -> Callable[[], None]:
    def work() -> None:
        folder = tempfile.mkdtemp(prefix="structure-cost-")
        try:
            writer = index.create_in(folder, build_schema()).writer(limitmb=256)
            for document in documents:
                writer.add_document(**document)
            writer.commit()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return work


def costs(records: Sequence[Record], runs: int) -> dict[str, float]:
    """CPU seconds of each part, the best of `runs`."""
    documents = [_document(record, n) for n, record in enumerate(records, start=1)]
    found = [structure(record) for record in records]
    marks = [section_marks(record) for record in found]
    written = [_structured(document) for document in documents]
    unmarked = [{**document, "body": str(document["body"])} for document in written]
    without = [{k: v for k, v in d.items() if k not in _ADDED_FIELDS} for d in unmarked]
    bodies = [document["body"] for document in documents]
    parts: dict[str, Callable[[], Any]] = {
        "sections": lambda: [find_sections(r) for r in records],
        "facets": lambda: [find_facets(r, f.sections) for r, f in zip(records, found, strict=True)],
        "risks": lambda: [find_risks(r, f.sections) for r, f in zip(records, found, strict=True)],
        "structure()": lambda: [structure(r) for r in records],
        "_structured (structure() included)": lambda: [_structured(d) for d in documents],
        "body positions, unmarked": lambda: [analyze.index_positions(b) for b in bodies],
        "body positions, marked": lambda: [
            analyze.index_positions(b, m) for b, m in zip(bodies, marks, strict=True)
        ],
        "writing, with the added fields": _write(unmarked),
        "writing, without them": _write(without),
    }
    for work in parts.values():  # compile and cache everything first
        work()
    return {name: best_of(runs, work) for name, work in parts.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    records = pickle.loads(args.records.read_bytes())
    megabytes = sum(len(r.body) for r in records) / 1e6
    print(f"{len(records)} records, {megabytes:.1f} MB; CPU ms per MB, best of {args.runs}")
    for name, seconds in costs(records, args.runs).items():
        print(f"{name:36s} {1000 * seconds / megabytes:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
