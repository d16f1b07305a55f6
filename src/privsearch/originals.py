"""The files behind the records, as the API shows and serves them.

A path is shown relative to the folder given to `privsearch index` that holds it (the record's
root), never as the server's absolute path. A record's PDF is served only when it is the
record's own source or one of its attachments, a regular file, and still a PDF: the id picks a
record, the record names its files, and nothing a client sends is ever joined to a path.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from .errors import RecordNotFoundError
from .models import Hit, Record

PDF_MAGIC = b"%PDF-"
_MAGIC_WINDOW = 1024  # bytes a PDF may carry before its header (readers accept that much)


class Folders:
    """The indexed folders (and files), to show paths relative to them."""

    def __init__(self, roots: Sequence[str], *, keep: bool = False) -> None:
        # Deepest first, so that a path under two roots is shown relative to the nearer one.
        self.roots = sorted({r.rstrip(os.sep) or os.sep for r in roots}, key=len, reverse=True)
        self.keep = keep

    @classmethod
    def absolute(cls) -> Folders:
        """Paths shown as they are (`privsearch serve --show-paths`)."""
        return cls([], keep=True)

    def relative(self, path: str) -> str:
        """`path` relative to its root; a file given itself by its name; an address as is."""
        if self.keep or not path or not os.path.isabs(path):
            return path
        for root in self.roots:
            if path == root:
                return os.path.basename(root)
            prefix = root if root.endswith(os.sep) else root + os.sep
            if path.startswith(prefix):
                return path[len(prefix) :]
        return os.path.basename(path)  # outside every root (a link followed out): its name only

    def scrub(self, text: str) -> str:
        """`text` with every root's absolute path left out (for error messages)."""
        for root in self.roots:
            if root != os.sep:
                text = text.replace(root + os.sep, "").replace(root, os.path.basename(root))
        return text

    def pick(self, given: str | None, sources: Sequence[str]) -> str | None:
        """The stored source `given` names: by its relative form or as stored."""
        if given is None:
            return None
        return next((s for s in sources if given in (s, self.relative(s))), given)


def record_pdfs(record: Record | Hit) -> list[str]:
    """The record's PDFs: its source when that is one, then its attached PDFs."""
    files = (record.source, *record.attachments)
    return list(dict.fromkeys(f for f in files if os.path.isabs(f) and _is_pdf_name(f)))


def pdf_file(record: Record, n: int = 1) -> Path:
    """The record's `n`th PDF (from 1), checked to be a file that is still a PDF."""
    pdfs = record_pdfs(record)
    if not pdfs:
        raise RecordNotFoundError(f"{record.id} has no PDF")
    if not 1 <= n <= len(pdfs):
        raise RecordNotFoundError(f"{record.id} has {len(pdfs)} PDF(s), not a PDF number {n}")
    path = Path(pdfs[n - 1])
    try:
        if not path.is_file():
            raise RecordNotFoundError(f"the PDF of {record.id} is no longer there")
        with path.open("rb") as handle:
            head = handle.read(_MAGIC_WINDOW)
    except OSError as exc:
        raise RecordNotFoundError(f"the PDF of {record.id} cannot be read") from exc
    if PDF_MAGIC not in head:
        raise RecordNotFoundError(f"the PDF of {record.id} is no longer a PDF")
    return path


def pdf_path(record_id: str, source: str | None = None, n: int = 1) -> str:
    """The API path that serves a record's `n`th PDF; `source` when the id is shared."""
    params: list[tuple[str, str]] = []
    if source:
        params.append(("source", source))
    if n != 1:
        params.append(("n", str(n)))
    query = f"?{urlencode(params)}" if params else ""
    return f"/api/documents/{quote(record_id, safe='')}/pdf{query}"


def public_hit(hit: Hit, data: dict[str, Any], folders: Folders, shared: bool) -> dict[str, Any]:
    """A hit's JSON with paths relative to the indexed folders, its `pdf` and `pdf_page_url`."""
    source = folders.relative(hit.source)
    pdfs = record_pdfs(hit)
    pdf = pdf_path(hit.id, source if shared else None) if pdfs else None
    page_url = None
    if pdfs and hit.pages:
        file = hit.page_file or pdfs[0]
        n = pdfs.index(file) + 1 if file in pdfs else 1
        page_url = f"{pdf_path(hit.id, source if shared else None, n)}#page={hit.pages[0]}"
    return {
        **data,
        "source": source,
        "attachments": [folders.relative(a) for a in hit.attachments],
        "pdf": pdf,
        "pdf_page_url": page_url,
    }


def public_record(record: Record, data: dict[str, Any], folders: Folders, shared: bool) -> dict:
    """A record's JSON with paths relative to the indexed folders and its `pdf`."""
    source = folders.relative(record.source)
    pdfs = record_pdfs(record)
    paths = [pdf_path(record.id, source if shared else None, n) for n in range(1, len(pdfs) + 1)]
    pages = [
        {**page_data, "pdf": _page_pdf(page.attachment or record.source, pdfs, paths)}
        for page, page_data in zip(record.pages, data.get("pages", []), strict=True)
    ]
    return {
        **data,
        "pages": pages,
        "source": source,
        "attachments": [folders.relative(a) for a in record.attachments],
        "sources": [folders.relative(s) for s in data.get("sources", [])],
        "warnings": [folders.scrub(w) for w in data.get("warnings", [])],
        "pdf": paths[0] if paths else None,
        "pdfs": paths,
    }


def _page_pdf(file: str, pdfs: list[str], paths: list[str]) -> str | None:
    """The API path of the PDF a page was read from (null for a page of text)."""
    return paths[pdfs.index(file)] if file in pdfs else None


def _is_pdf_name(path: str) -> bool:
    return path.lower().endswith(".pdf")
