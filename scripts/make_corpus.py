"""Build the bundled corpus, corpus/dhs-privacy.jsonl.gz, from the shared DHS records.

The records (../shared/corpus/records.jsonl beside the repository, or the file given) are
public-domain DHS privacy publications: id, title, component, doc_type, date, urls, summary,
sorns and the text of their first pages. Each becomes one manifest row (`privsearch index`
reads `.jsonl.gz` manifests) with its first URL as `url` and its text as `text`. Nothing is
added: a record without a date stays without one, and the ingester infers it from the text
when the text states it.

Records that are only a listing entry (a title and a summary, with neither a date nor any
text of the publication) are left out: there is nothing of the document itself to search or
to date. `privsearch fetch` gets those publications whole from the DHS website.

The output is the same bytes on every run: rows sorted by id, fields in a fixed order, and a
gzip header without a file name or time.

Run from anywhere (standard library only):
    python scripts/make_corpus.py [RECORDS.jsonl] [--out FILE]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT.parent / "shared" / "corpus" / "records.jsonl"
OUT = ROOT / "corpus" / "dhs-privacy.jsonl.gz"


def manifest_row(record: dict) -> dict:
    """One manifest row: the fields privsearch reads, in a fixed order, empty ones left out."""
    urls = record.get("urls") or []
    row = {
        "id": record.get("id"),
        "title": record.get("title"),
        "component": record.get("component"),
        "doc_type": record.get("doc_type"),
        "date": record.get("date"),
        "summary": record.get("summary"),
        "sorns": record.get("sorns"),
        "url": urls[0] if urls else "",
        "text": record.get("fulltext"),
    }
    return {k: v for k, v in row.items() if v}


def is_listing_entry(record: dict) -> bool:
    """A record with neither a date nor any text of the document: only what a listing said."""
    return not record.get("date") and not str(record.get("fulltext") or "").strip()


def read_records(path: Path) -> list[dict]:
    """The records worth bundling: every one but bare listing entries."""
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [record for record in records if not is_listing_entry(record)]


def manifest_bytes(records: Iterable[dict]) -> bytes:
    """The gzip-compressed JSON-lines manifest of `records`, sorted by id."""
    rows = sorted((manifest_row(r) for r in records), key=lambda row: str(row.get("id", "")))
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    buffer = io.BytesIO()
    # mtime=0 and no file name: the header then depends on nothing but the content
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    return buffer.getvalue()


def write_corpus(records_path: Path, out: Path) -> tuple[int, int]:
    """Write the manifest of `records_path` to `out`; (rows, bytes written)."""
    records = read_records(records_path)
    data = manifest_bytes(records)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, out)
    return len(records), len(data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", nargs="?", type=Path, default=RECORDS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not args.records.is_file():
        raise SystemExit(f"no records at {args.records}")
    rows, size = write_corpus(args.records, args.out)
    print(f"Wrote {args.out}: {rows} records, {size:,} bytes.")


if __name__ == "__main__":
    main()
