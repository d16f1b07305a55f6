"""The Federal Register API (v1): DHS's Privacy Act documents, metadata and full text.

`/api/v1/documents.json` is searched for the Department's documents (notices, rules, proposed
rules) about the Privacy Act, newest first; each document's metadata is kept as
`federal-register/<document_number>.json` and its `raw_text_url` as `<document_number>.txt`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from .run import SourceRun, dumps

NAME = "federal-register"
FOLDER = "federal-register"
AGENCY = "homeland-security-department"
TERM = '"Privacy Act of 1974"'
TYPES = ("NOTICE", "RULE", "PRORULE")
FIELDS = (
    "abstract", "action", "agencies", "citation", "dates", "docket_ids", "document_number",
    "end_page", "html_url", "pdf_url", "publication_date", "raw_text_url", "start_page", "title",
    "type", "volume",
)  # fmt: skip
PER_PAGE = 100
_MAX_PAGES = 500
# The API answers at most 10,000 results for one search (and counts no further): a larger one
# is walked a year at a time, newest first, from this year back to the Department's first.
WINDOW = 10_000
FIRST_YEAR = 2003
_DOCUMENT_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Documents about the Privacy Act: SORNs, exemption rules, computer matching notices.
_PRIVACY_ACT = re.compile(r"Privacy\s+Act|System\s+of\s+Records|Computer\s+Matching", re.I)


def search_url(base: str, page: int, since: str | None = None, year: int | None = None) -> str:
    """The API's search for DHS Privacy Act documents (of one year), newest first."""
    params: list[tuple[str, str]] = [
        ("conditions[agencies][]", AGENCY),
        ("conditions[term]", TERM),
        *(("conditions[type][]", t) for t in TYPES),
        *(("fields[]", f) for f in FIELDS),
        ("order", "newest"),
        ("per_page", str(PER_PAGE)),
        ("page", str(page)),
    ]
    if since:
        params.append(("conditions[publication_date][gte]", since))
    if year:
        params.append(("conditions[publication_date][year]", str(year)))
    return f"{base}/api/v1/documents.json?{urlencode(params)}"


def document_url(base: str, number: str) -> str:
    return f"{base}/api/v1/documents/{number}.json"


def is_privacy_act_document(doc: Mapping[str, Any]) -> bool:
    """A result about the Privacy Act (the API's term search also finds passing mentions)."""
    return bool(_PRIVACY_ACT.search(str(doc.get("title") or "")))


def _results(run: SourceRun, year: int | None = None) -> Iterator[list[dict[str, Any]]]:
    """Each page of search results, as a list of documents; a page that fails ends the walk.
    A search past the API's window is walked a year at a time instead."""
    for page in range(1, _MAX_PAGES + 1):
        url = search_url(run.base, page, run.since, year)
        body = run.get_listing(url, expect="json")
        if body is None:
            return
        run.report.listing_pages += 1
        data = json.loads(body)
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            run.cut_short(f"{url}: no list of results in the answer")
            return
        if page == 1 and year is None and _count(data) >= WINDOW:
            yield from _by_year(run)
            return
        yield [doc for doc in results if isinstance(doc, dict)]
        if not data.get("next_page_url") or page >= _count(data, "total_pages", page):
            return


def _count(data: Mapping[str, Any], name: str = "count", default: int = 0) -> int:
    value = data.get(name)
    return value if isinstance(value, int) else default


def _by_year(run: SourceRun) -> Iterator[list[dict[str, Any]]]:
    first = max(FIRST_YEAR, int(run.since[:4])) if run.since else FIRST_YEAR
    for year in range(date.today().year, first - 1, -1):
        yield from _results(run, year)


def fetch_federal_register(run: SourceRun) -> None:
    """Page through the search, fetching each document not yet complete here."""
    run.map(lambda number: _retry_document(run, number), run.retry)
    for documents in _results(run):
        run.report.publications_seen += len(documents)
        usable = [doc for doc in documents if _usable(run, doc)]
        fresh = [doc for doc in usable if not run.too_old(str(doc.get("publication_date") or ""))]
        pending = [doc for doc in fresh if _changed(run, doc)]
        run.map(lambda doc: _fetch_document(run, doc), pending)
        if documents and not fresh:
            run.note_stop(f"stopped at documents older than {run.since}")
            break
        if documents and not pending and run.may_stop_early():
            run.note_stop("stopped at a page of documents already here")
            break
    run.finish_walk()


def _usable(run: SourceRun, doc: Mapping[str, Any]) -> bool:
    number = str(doc.get("document_number") or "")
    if not _DOCUMENT_NUMBER.match(number):
        run.report.failed.append({"url": run.base, "reason": f"bad document number {number!r}"})
        return False
    return is_privacy_act_document(doc)


def _key(doc: Mapping[str, Any]) -> str:
    return f"{NAME}:{doc['document_number']}"


def _changed(run: SourceRun, doc: Mapping[str, Any]) -> bool:
    """Not complete here, or its metadata differs from the copy kept (or --full)."""
    if run.wanted(_key(doc)):
        return True
    kept = run.mirror.read(document_url(run.base, doc["document_number"]))
    return kept != dumps(doc)


def _fetch_document(run: SourceRun, doc: Mapping[str, Any]) -> None:
    number = doc["document_number"]
    run.mirror.unmark_done(_key(doc))
    run.store(document_url(run.base, number), f"{FOLDER}/{number}.json", dumps(doc))
    text_url = str(doc.get("raw_text_url") or "")
    if text_url and not _same_site(text_url, run.base):
        run.report.notes.append(f"{number}: full text at another site, not fetched: {text_url}")
        text_url = ""
    if text_url and not run.download(text_url, f"{FOLDER}/{number}.txt", expect="text"):
        run.unfinished(number)
        return
    run.done(_key(doc))


def _retry_document(run: SourceRun, number: str) -> None:
    """A document an earlier run could not complete, asked for by its number."""
    if not _DOCUMENT_NUMBER.match(number) or not run.wanted(f"{NAME}:{number}"):
        return
    doc = run.get_json(document_url(run.base, number))
    if not isinstance(doc, dict) or doc.get("document_number") != number:
        run.unfinished(number)
        return
    _fetch_document(run, doc)


def _same_site(url: str, base: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(base).netloc.lower()
