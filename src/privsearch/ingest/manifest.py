"""JSON-lines manifests: one record per line; `pdf` paths are relative to the manifest.

Given fields are trusted (after normalizing their form); missing ones are inferred like any
other document's. A row may carry its document's text: `text` (one page) or `pages` (a list,
numbered from 1). A manifest may be gzip-compressed (`.jsonl.gz`).
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_FIELDS = "id title summary component doc_type date sorns url pdf text pages".split()


@dataclass(frozen=True)
class ManifestRow:
    line: int
    fields: dict[str, Any]

    def text(self, name: str) -> str:
        value = self.fields.get(name)
        return " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""

    @property
    def pdf(self) -> str:
        value = self.fields.get("pdf")
        if isinstance(value, list):
            value = value[0] if value else ""
        return value.strip() if isinstance(value, str) else ""

    @property
    def sorns(self) -> tuple[str, ...]:
        value = self.fields.get("sorns")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return ()
        return tuple(" ".join(str(v).split()) for v in value if str(v).strip())

    @property
    def page_texts(self) -> tuple[str, ...]:
        """The document's text given inline, page by page (`pages`, else `text` as one page)."""
        value = self.fields.get("pages")
        if not isinstance(value, list):
            value = [self.fields.get("text")]
        return tuple(v if isinstance(v, str) else "" for v in value)


def gunzip(data: bytes, limit: int) -> bytes:
    """The bytes of a gzip file, decompressed a piece at a time and never more than `limit` of
    them (a small file may stand for gigabytes). Raises ValueError with the reason."""
    out = bytearray()
    rest = data
    while True:
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            # max_length is at least 1 here (0 would mean no limit)
            out += stream.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            raise ValueError(f"corrupt gzip ({exc})") from None
        if len(out) > limit:
            raise ValueError(f"too large when decompressed (over {limit} bytes)")
        if not stream.eof:
            raise ValueError("corrupt gzip (the file ends early)")
        rest = stream.unused_data.lstrip(b"\0")  # another member follows, or padding
        if not rest:
            return bytes(out)


def looks_like_manifest(text: str) -> bool:
    """The first non-empty line, and most of the next few, are JSON objects with a title or id."""
    verdicts: list[bool] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        verdicts.append(isinstance(obj, dict) and bool({"title", "id"} & obj.keys()))
        if len(verdicts) >= 5:
            break
    return bool(verdicts) and verdicts[0] and sum(verdicts) * 2 >= len(verdicts)


def clean_json(value: Any) -> Any:
    """`value` with every string made storable: JSON can spell a lone surrogate ("\\udcff"),
    which UTF-8 cannot encode; each becomes U+FFFD."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean_json(k): clean_json(v) for k, v in value.items()}
    return value


_PROBLEMS_SHOWN = 20  # unusable lines listed one by one; the rest are counted


def parse_manifest(text: str, max_rows: int | None = None) -> tuple[list[ManifestRow], list[str]]:
    """Rows from the first `max_rows` non-empty lines, and why lines are left out: one problem
    each for the first unusable lines, then one for how many more, and one for the lines past
    `max_rows`."""
    rows: list[ManifestRow] = []
    problems: list[str] = []
    unusable = 0
    read = 0
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if max_rows is not None and read >= max_rows:
            rest = sum(1 for later in lines[number - 1 :] if later.strip())
            problems.append(
                f"{rest} line(s) from line {number} on left out: a manifest is read up to "
                f"{max_rows} lines (manifest_max_rows)"
            )
            break
        read += 1
        try:
            obj = json.loads(line)
        except ValueError as exc:
            problem = f"line {number}: invalid JSON ({exc.msg})"
        else:
            if isinstance(obj, dict) and (
                str(obj.get("title") or "").strip() or str(obj.get("id") or "").strip()
            ):
                fields = {k: clean_json(obj.get(k)) for k in _FIELDS if k in obj}
                rows.append(ManifestRow(number, fields))
                continue
            problem = f"line {number}: " + (
                "neither title nor id" if isinstance(obj, dict) else "not a JSON object"
            )
        unusable += 1
        if unusable <= _PROBLEMS_SHOWN:
            problems.append(problem)
    if unusable > _PROBLEMS_SHOWN:
        problems.insert(_PROBLEMS_SHOWN, f"{unusable - _PROBLEMS_SHOWN} more unusable line(s)")
    return rows, problems


@dataclass(frozen=True)
class Manifest:
    """A manifest as parsed: its rows, its unusable lines, and each row's PDF on disk."""

    rows: tuple[ManifestRow, ...]
    problems: tuple[str, ...]
    pdfs: tuple[Path | None, ...]  # resolved; None for a row without a PDF or with a URL


def read_manifest(text: str, location: Path, max_rows: int | None = None) -> Manifest:
    """Parse the manifest at `location` (its PDF paths are relative to its folder), reading
    at most `max_rows` rows."""
    rows, problems = parse_manifest(text, max_rows)
    return Manifest(tuple(rows), tuple(problems), tuple(pdf_paths(rows, location.parent)))


def pdf_paths(rows: Sequence[ManifestRow], folder: Path) -> list[Path | None]:
    """Each row's PDF path, resolved as Path.resolve() does, each folder resolved once."""
    real_folders: dict[str, str] = {}
    out: list[Path | None] = []
    for row in rows:
        if not row.pdf or "://" in row.pdf:
            out.append(None)
            continue
        parent, _, name = row.pdf.rpartition("/")
        if row.pdf.startswith("/") or name in ("", ".", ".."):
            out.append((folder / row.pdf).resolve())
            continue
        if parent not in real_folders:
            real_folders[parent] = os.path.realpath(folder / parent)
        path = os.path.join(real_folders[parent], name)
        out.append(Path(os.path.realpath(path) if os.path.islink(path) else path))
    return out
