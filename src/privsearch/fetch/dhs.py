"""The DHS website: the Privacy publications listing, each publication page, and its PDFs.

The listing (`/publications-library/privacy`, newest first, `?page=N`) links one page per
publication (`/publication/<slug>`), which links its PDFs (`/sites/default/files/...pdf`).
Items, pagers and attachments are found by structure and URL patterns, not by one template's
class names: templates change over the years. Files are kept under `dhs/` by URL path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html
from lxml import etree

from ..ingest.html import decode_html, parse_html
from ..ingest.metadata import parse_date
from ..ingest.site import site_path
from .run import SourceRun

NAME = "dhs"
FOLDER = "dhs"
LISTING = "/publications-library/privacy"
# The PIA and SORN collections list some publications the library does not; a site without
# them (a 404) is noted, not failed.
COLLECTIONS = ("/privacy-impact-assessments", "/system-records-notices-sorns")
_MAX_LISTING_PAGES = 1000
_NEXT_WORDS = re.compile(r"^\s*(next|older|›|»|>)", re.I)


@dataclass(frozen=True)
class Listed:
    """One item of a listing page: a publication page or a PDF, and the date shown with it."""

    url: str
    date: str | None
    is_pdf: bool = False


@dataclass(frozen=True)
class ListingPage:
    items: tuple[Listed, ...]
    next_url: str | None


def read_listing(body: bytes, url: str, base: str) -> ListingPage:
    """The publications a listing page links, in order, and the URL of the next page."""
    text = decode_html(body)
    page = parse_html(text)
    items: dict[str, Listed] = {}
    for item in page.items:
        target = _on_site(urljoin(url, item.href), base) if item.href else None
        if target:
            items.setdefault(target, Listed(target, _date_line(item.summary), _is_pdf(target)))
    doc = _tree(text)
    if doc is not None:  # links by URL pattern, for a template whose items parse_html misses
        for a in doc.iter("a"):
            target = _on_site(urljoin(url, a.get("href") or ""), base)
            if target and (_is_publication(target) or _is_pdf(target)) and target not in items:
                items[target] = Listed(target, None, _is_pdf(target))
    return ListingPage(tuple(items.values()), _next_page(doc, url) if doc is not None else None)


def _date_line(text: str) -> str | None:
    """The date an item shows on a line of its own ("June 27, 2023"); a description's dates
    ("... issued October 28, 2015") are not the publication's, and undated items are kept."""
    dates = [parse_date(line) for line in text.splitlines() if len(line.strip()) <= 40]
    return next((d for d in reversed(dates) if d), None)


def read_publication(body: bytes, url: str, base: str) -> list[str]:
    """The PDFs a publication page links, as absolute URLs on the same site."""
    page = parse_html(decode_html(body))
    links = (_on_site(urljoin(url, href), base) for href in page.pdf_links)
    return list(dict.fromkeys(link for link in links if link))


def _tree(text: str) -> etree._Element | None:
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "replace"))
    except (etree.ParserError, ValueError):
        return None


def _on_site(url: str, base: str) -> str | None:
    """`url` without its fragment if it is on the site at `base`, else None."""
    parts, site = urlsplit(url), urlsplit(base)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != site.netloc.lower():
        return None
    return parts._replace(fragment="").geturl()


def _is_pdf(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(".pdf")


def _is_publication(url: str) -> bool:
    return "/publication/" in urlsplit(url).path


def _page_number(url: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get("page")
    return int(values[0]) if values and values[0].isdigit() else None


def _next_page(doc: etree._Element, url: str) -> str | None:
    """The pager's next page: a rel=next link, a "Next" link, or the lowest higher page number."""
    here = urlsplit(url)
    current = _page_number(url) or 0
    candidates: list[tuple[int, int, str]] = []
    for a in doc.iter("a"):
        href = a.get("href")
        if not href:
            continue
        target = urljoin(url, href)
        parts = urlsplit(target)
        number = _page_number(target)
        if parts.path != here.path or number is None or number <= current:
            continue
        rel = (a.get("rel") or "").lower().split()
        says_next = "next" in rel or bool(_NEXT_WORDS.match(a.text_content() or ""))
        candidates.append((0 if says_next else 1, number, parts._replace(fragment="").geturl()))
    return min(candidates)[2] if candidates else None


def _listing_pages(run: SourceRun, start: str, optional: bool) -> Iterator[ListingPage]:
    """Each page of one listing, following its pager; a page that cannot be had ends the walk."""
    url: str | None = start
    seen: set[str] = set()
    while url and url not in seen and len(seen) < _MAX_LISTING_PAGES:
        seen.add(url)
        body = run.get_listing(url, optional=optional and url == start)
        if body is None:
            return
        page = read_listing(body, url, run.base)
        run.report.listing_pages += 1
        yield page
        url = page.next_url


def fetch_dhs(run: SourceRun) -> None:
    """Walk the listing and the collections, fetching each publication not yet complete here."""
    run.mirror.write_site_marker(FOLDER, run.base)
    # What an earlier run could not complete is tried first: an incremental walk may stop
    # before the page that lists it.
    retry = [Listed(url, None, _is_pdf(url)) for url in run.retry]
    run.map(lambda item: _fetch_item(run, item), [i for i in retry if run.wanted(_key(i.url))])
    listings = [run.base + LISTING] + [run.base + c for c in COLLECTIONS]
    for number, start in enumerate(listings):
        _walk(run, start, optional=number > 0)
    run.finish_walk()


def _walk(run: SourceRun, start: str, optional: bool) -> None:
    for page in _listing_pages(run, start, optional):
        fresh = [item for item in page.items if not run.too_old(item.date)]
        pending = [item for item in fresh if run.wanted(_key(item.url))]
        run.report.publications_seen += len(page.items)
        run.map(lambda item: _fetch_item(run, item), pending)
        if page.items and not fresh:
            run.note_stop(f"{start}: stopped at items older than {run.since}")
            return
        if page.items and not pending and run.may_stop_early():
            run.note_stop(f"{start}: stopped at a page of publications already here")
            return


def _key(url: str) -> str:
    return f"{NAME}:{url}"


def _fetch_item(run: SourceRun, item: Listed) -> None:
    if not _fetched_whole(run, item):
        run.unfinished(item.url)


def _fetched_whole(run: SourceRun, item: Listed) -> bool:
    """Fetch one listed publication (its page and PDFs, or a listed PDF); True if complete."""
    if item.is_pdf:
        if not run.download(item.url, FOLDER + "/" + site_path(item.url, page=False), expect="pdf"):
            return False
        run.done(_key(item.url))
        return True
    page_path = FOLDER + "/" + site_path(item.url, page=True)
    if not run.download(item.url, page_path, expect="html"):
        return False
    body = run.mirror.read(item.url)
    pdfs = read_publication(body or b"", item.url, run.base)
    results = [
        run.download(pdf, FOLDER + "/" + site_path(pdf, page=False), expect="pdf") for pdf in pdfs
    ]
    if not all(results):
        return False
    run.done(_key(item.url))
    return True
