"""Whether indexing still writes exactly what it wrote: every stored field, posting and column.

    python -m benchmarks.index_same save /tmp/records.pickle /tmp/index-expected.pickle
    python -m benchmarks.index_same check /tmp/records.pickle /tmp/index-expected.pickle
    python -m benchmarks.index_same check --workers 2 /tmp/records.pickle /tmp/expected.pickle
    python -m benchmarks.index_same time /tmp/records.pickle [--runs 3]

The records are those `benchmarks.structure_same records` pickles. Each command indexes them
in one process with one writer (`write_records`, one segment, so that every run numbers the
documents alike), sections, facets and risks found as a build finds them. `save` keeps a
digest of each part of the index: each document's stored fields, field lengths and column
values (by the document's key), and each term's postings in each field (documents, weights and
positions); `check` compares part by part and exits 1 on any difference, naming the first ones;
`time` gives the CPU time of indexing them (the best of `--runs`). With `--workers N` (N > 1),
`save` and `check` index the records as a large run does, in N writer processes, one segment
each: the parts are named by document key, so the index compares with one a single writer made.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from privsearch.config import Limits
from privsearch.index import write_records

_SHOWN = 10  # differences named in full


def _digest(value: Any) -> str:
    return hashlib.sha1(pickle.dumps(value, protocol=4)).hexdigest()


def _parts(index_dir: Path) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every part of the index at `index_dir`, named independently of document numbers."""
    from whoosh import index

    ix = index.open_dir(str(index_dir))
    with ix.reader() as reader:
        keys = {n: stored["key"] for n, stored in reader.iter_docs()}
        for n, stored in reader.iter_docs():
            yield ("stored", keys[n]), sorted(stored.items())
        schema = ix.schema
        for name in schema.names():
            field = schema[name]
            if field.scorable:
                for n, key in keys.items():
                    yield ("length", name, key), reader.doc_field_length(n, name)
            if field.column_type and reader.has_column(name):
                column = reader.column_reader(name)
                for n, key in keys.items():
                    yield ("column", name, key), column[n]
        for name, term in reader.all_terms():
            matcher = reader.postings(name, term)
            postings = []
            while matcher.is_active():
                postings.append((keys[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            yield ("postings", name, repr(term)), sorted(postings)


def index_digests(records_file: Path, workers: int = 1) -> dict[tuple[str, ...], str]:
    """The digest of each part of the index of the pickled records, written by `workers`."""
    records = pickle.loads(records_file.read_bytes())
    folder = Path(tempfile.mkdtemp(prefix="index-same-"))
    try:
        write_records(records, folder / "index", limits=Limits(workers=workers))
        return {name: _digest(value) for name, value in _parts(folder / "index")}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check(records_file: Path, expected_file: Path, workers: int = 1) -> int:
    """The number of parts of the index that differ from the saved ones."""
    expected = pickle.loads(expected_file.read_bytes())
    now = index_digests(records_file, workers)
    differ = sorted(
        (name for name in expected.keys() | now.keys() if expected.get(name) != now.get(name)),
        key=repr,
    )
    for name in differ[:_SHOWN]:
        state = "missing" if name not in now else "new" if name not in expected else "differs"
        print(f"{state}: {name}")
    print(f"{len(now)} parts of the index, {len(differ)} differences", file=sys.stderr)
    return len(differ)


def time_indexing(records_file: Path, runs: int) -> None:
    records = pickle.loads(records_file.read_bytes())
    megabytes = sum(len(r.body) for r in records) / 1e6
    timings = []
    for run in range(runs + 1):  # the first run fills the caches: not counted
        folder = Path(tempfile.mkdtemp(prefix="index-same-"))
        try:
            start = time.process_time()
            write_records(records, folder / "index", limits=Limits(workers=1))
            if run:
                timings.append(time.process_time() - start)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"{len(records)} records, {megabytes:.1f} MB: {min(timings):.2f} s CPU (best of {runs})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("save", "check", "time"))
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="writer processes (save, check)")
    args = parser.parse_args(argv)
    if args.command == "save":
        digests = index_digests(args.files[0], args.workers)
        args.files[1].write_bytes(pickle.dumps(digests))
        print(f"{len(digests)} parts of the index to {args.files[1]}", file=sys.stderr)
    elif args.command == "check":
        return 1 if check(args.files[0], args.files[1], args.workers) else 0
    else:
        time_indexing(args.files[0], args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
