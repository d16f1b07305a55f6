"""The HTML pages `privsearch serve` shows people: the landing page at `/` and `/embed`.

The landing page carries the widget and, in its `idle` slot (shown beside the filters, which
count the documents by component, type and year, until something is typed or chosen), what the
index holds, example searches that find something here, and the newest publications.
Everything from the index is escaped (`html.escape`); the pages use no inline script or style,
so the strict Content-Security-Policy of `http.HTML_SECURITY_HEADERS` holds.
"""

from __future__ import annotations

import html
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from .query import Index

# Searches a first-time visitor can try; only those that find something in this index are shown.
EXAMPLE_SEARCHES = (
    "facial recognition",
    "license plate readers",
    "Section 1367",
    "body-worn cameras",
    "social media",
    "DNA",
    "DHS/ICE/PIA-054",
)
NEWEST = 8  # publications listed under "Newest publications"
_PARAM = "ps-"  # the widget's prefix for its state in the page address


def _template(name: str) -> str:
    return resources.files("privsearch").joinpath("static", name).read_text(encoding="utf-8")


def _link(**params: str) -> str:
    """A link to this page with the widget's state set: `?ps-q=...&ps-component=...`."""
    return "?" + urlencode({_PARAM + key: value for key, value in params.items()})


def _holdings(stats: dict[str, Any]) -> str:
    """One sentence: how many publications, components and pages, over which years (the
    filters beside it count them by component, type and year)."""
    years = [y for y in stats["year"] if y.isdigit()]
    span = f", published {years[0]} to {years[-1]}" if years else ""
    return (
        '<section class="landing-holdings" aria-labelledby="landing-holdings">'
        '<h2 id="landing-holdings">What the index holds</h2>'
        f"<p>{stats['records']:,} publications from {len(stats['component']):,} components, "
        f"{stats['pages']:,} pages of text{span}. Choose a filter to list them, newest "
        "first, or search.</p></section>"
    )


def _examples(ix: Index) -> str:
    found = [(q, ix.search(q, per_page=1).total) for q in EXAMPLE_SEARCHES]
    items = "".join(
        f'<li><a href="{html.escape(_link(q=q))}">{html.escape(q)}</a> '
        f'<span class="landing-count">{total:,} result{"s" if total != 1 else ""}</span></li>'
        for q, total in found
        if total
    )
    if not items:
        return ""
    return (
        '<section class="landing-examples" aria-labelledby="landing-examples">'
        f'<h2 id="landing-examples">Try a search</h2><ul>{items}</ul></section>'
    )


def _newest(ix: Index) -> str:
    hits = ix.search("", sort="date", per_page=NEWEST).results
    rows = []
    for hit in hits:
        meta = " · ".join(v for v in (hit.id, hit.component, hit.doc_type, hit.date or "") if v)
        rows.append(
            f'<li><a href="{html.escape(_link(q=hit.id))}">{html.escape(hit.title)}</a>'
            f'<span class="landing-meta">{html.escape(meta)}</span></li>'
        )
    if not rows:
        return ""
    return (
        '<section class="landing-newest" aria-labelledby="landing-newest">'
        f'<h2 id="landing-newest">Newest publications</h2><ol>{"".join(rows)}</ol></section>'
    )


def landing_page(ix: Index) -> bytes:
    """The page at `/`: the widget, then what the index holds until something is typed."""
    parts = (_holdings(ix.stats()), _examples(ix), _newest(ix))
    landing = f'<div slot="idle" class="landing">{"".join(parts)}</div>'
    return _template("demo.html").replace("<!-- landing -->", landing).encode("utf-8")


def embed_page() -> bytes:
    """The page at `/embed`: how to put the search on another site."""
    return _template("embed.html").encode("utf-8")
