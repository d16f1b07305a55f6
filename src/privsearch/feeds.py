"""A search as a feed: Atom 1.0 (RFC 4287) and JSON Feed 1.1, newest document first.

The HTTP API serves them (`/api/search.atom`, `/api/search.json`) so that a feed reader follows
a search: each entry is a matching document with its id, title, date, links to its page and
PDF, its summary and the snippet that matched. The Atom document is written with the standard
library's ElementTree: the feed's shape is fixed and small, and ElementTree escapes text and
attributes; characters XML 1.0 does not allow (a PDF's control characters) are dropped first.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from . import __version__
from .watch import describe_search

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
AUTHOR = "U.S. Department of Homeland Security"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedEntry:
    """One matching document, with absolute addresses."""

    id: str  # the address of the document in the API: stable while the index holds it
    title: str
    date: str | None  # YYYY-MM-DD (or YYYY, YYYY-MM); None when undated
    link: str  # its publication page, else its PDF, else its JSON in the API
    pdf: str | None  # its PDF, at the first page that matched when known
    summary: str  # plain text
    snippet: str  # HTML: escaped text, the matches in <mark>
    component: str
    doc_type: str


@dataclass(frozen=True)
class Feed:
    """A search's feed: what it is for, where it lives, and its entries newest first."""

    title: str
    feed_url: str  # the feed's own address
    home_url: str  # the same search in the browser
    updated: str  # RFC 3339: when the index last changed
    entries: Sequence[FeedEntry]


def feed_entry(hit: dict[str, Any], summary: str, base_url: str, shared: bool) -> FeedEntry:
    """An entry for a search result as the API shows it (`public_hit`): `pdf` and
    `pdf_page_url` are API paths, made absolute against `base_url`; `shared` when other
    publications have its id, so that its address names its source."""
    document = _api_document_url(hit["id"], hit.get("source") if shared else None)
    pdf = hit.get("pdf_page_url") or hit.get("pdf")
    pdf_url = urljoin(base_url, pdf) if pdf else None
    page = hit.get("url") if _is_web_address(hit.get("url") or "") else None
    return FeedEntry(
        id=urljoin(base_url, document),
        title=hit["title"] or hit["id"],
        date=hit.get("date"),
        link=page or pdf_url or urljoin(base_url, document),
        pdf=pdf_url,
        summary=summary,
        snippet=hit.get("snippet") or "",
        component=hit.get("component") or "",
        doc_type=hit.get("doc_type") or "",
    )


def feed_for(
    query: str,
    filters: dict[str, Any],
    entries: Sequence[FeedEntry],
    *,
    base_url: str,
    route: str,
    updated: str | None,
) -> Feed:
    """The feed of a search: its title says the query and filters; `route` is the feed's path
    (`api/search.atom`), its address rebuilt from the query and filters alone."""
    params = [("q", query)] if query else []
    for name, value in filters.items():
        key = "type" if name == "doc_type" else name
        params += [(key, v) for v in ([value] if isinstance(value, str) else value)]
    search = describe_search(query, filters) or "every document"
    home = [("ps-" + key, value) for key, value in params]
    return Feed(
        title=f"DHS privacy publications: {search}",
        feed_url=urljoin(base_url, route) + (f"?{urlencode(params)}" if params else ""),
        home_url=urljoin(base_url, "/") + (f"?{urlencode(home)}" if home else ""),
        updated=updated or _newest(entries),
        entries=entries,
    )


# -- Atom -------------------------------------------------------------------------------------


def atom(feed: Feed) -> bytes:
    """The feed as an Atom 1.0 document."""
    root = ET.Element("feed", {"xmlns": ATOM_NAMESPACE, "xml:lang": "en"})
    _text(root, "id", feed.feed_url)
    _text(root, "title", feed.title)
    _text(root, "updated", feed.updated)
    ET.SubElement(root, "link", rel="self", type="application/atom+xml", href=feed.feed_url)
    ET.SubElement(root, "link", rel="alternate", type="text/html", href=feed.home_url)
    author = ET.SubElement(root, "author")
    _text(author, "name", AUTHOR)
    _text(root, "generator", "privsearch", version=__version__)
    for entry in feed.entries:
        _atom_entry(root, entry, feed.updated)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _atom_entry(root: ET.Element, entry: FeedEntry, fallback_date: str) -> None:
    element = ET.SubElement(root, "entry")
    _text(element, "id", entry.id)
    _text(element, "title", entry.title)
    date = rfc3339(entry.date)
    _text(element, "updated", date or fallback_date)  # required: an undated one takes the index's
    if date:
        _text(element, "published", date)
    ET.SubElement(element, "link", rel="alternate", href=_clean(entry.link))
    if entry.pdf:
        ET.SubElement(
            element, "link", rel="related", type="application/pdf", href=_clean(entry.pdf)
        )
    for term in (entry.component, entry.doc_type):
        if term:
            ET.SubElement(element, "category", term=_clean(term))
    if entry.summary:
        _text(element, "summary", entry.summary)
    if entry.snippet:
        _text(element, "content", entry.snippet, type="html")


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = _clean(text)
    return element


# -- JSON Feed --------------------------------------------------------------------------------


def json_feed(feed: Feed) -> bytes:
    """The feed as a JSON Feed 1.1 document."""
    data = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.feed_url,
        "language": "en",
        "authors": [{"name": AUTHOR}],
        "items": [_json_item(entry) for entry in feed.entries],
    }
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _json_item(entry: FeedEntry) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id, "url": entry.link, "title": entry.title}
    item["content_html"] = entry.snippet or html.escape(entry.title)
    if entry.summary:
        item["summary"] = entry.summary
    if date := rfc3339(entry.date):
        item["date_published"] = date
    item["tags"] = [t for t in (entry.component, entry.doc_type) if t]
    if entry.pdf:
        item["attachments"] = [{"url": entry.pdf, "mime_type": "application/pdf"}]
    return item


# -- dates and addresses ----------------------------------------------------------------------


def rfc3339(date: str | None) -> str | None:
    """`2020-05-13` as `2020-05-13T00:00:00Z` (a year or a month as its first day); None when
    it is not such a date."""
    if not date or not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
        return None
    year, month, day = (date.split("-") + ["01", "01"])[:3]
    return f"{year}-{month}-{day}T00:00:00Z"


def _newest(entries: Sequence[FeedEntry]) -> str:
    dates = [d for d in (rfc3339(e.date) for e in entries) if d]
    return max(dates, default="1970-01-01T00:00:00Z")


def _api_document_url(record_id: str, source: str | None) -> str:
    path = f"/api/documents/{quote(record_id, safe='')}"
    return path + (f"?{urlencode({'source': source})}" if source else "")


def _is_web_address(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https") and bool(urlsplit(url).netloc)


def _clean(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)
