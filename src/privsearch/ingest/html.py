"""HTML pages: publication pages (one record) and listing pages (one record per item).

Parsing goes by structure, not by one site's CSS classes: headings and <title> for the title,
labelled fields ("Associated SORN(s):", "Publication Date:") found in the rendered text, links
to PDFs for attachments, and repeated sibling blocks (each a linked title plus a description)
for listing items.
"""

from __future__ import annotations

import codecs
import gc
import os
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

_DROP = ("script", "style", "noscript", "template", "iframe", "svg", "object", "embed", "canvas")
_CHROME_TAGS = ("nav", "header", "footer", "aside", "form", "button", "select")
_CHROME_WORDS = re.compile(
    r"breadcrumb|banner|footer|pagination|pager|skip|menu|share|sidebar|masthead|site-header", re.I
)
_BLOCK = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
    "article", "dd", "dt", "dl", "blockquote", "main", "body", "pre", "figure", "figcaption",
    "td", "th", "header", "footer", "address",
}  # fmt: skip
_SORN_LABEL = re.compile(r"^\s*Associated\s+SORNs?\s*(?:\(s\))?\s*:?\s*(?P<rest>.*)$", re.I)
_DATE_LABEL = re.compile(
    r"^\s*(?:Last\s+Published\s+Date|Publication\s+Date|Date\s+Published|Published(?:\s+on)?|"
    r"Date\s+of\s+Publication|Release\s+Date|Date)\s*:\s*(?P<rest>.*)$",
    re.I,
)
_OTHER_LABEL = re.compile(r"^\s*[A-Z][\w /()&-]{2,40}:\s*$")
_BULLET = "\u2022 "


@dataclass(frozen=True)
class ListingItem:
    title: str
    summary: str
    href: str = ""


@dataclass(frozen=True)
class HtmlPage:
    """What one HTML file says: either a publication (title, fields, PDFs) or listing items."""

    title: str
    summary: str = ""
    sorns: tuple[str, ...] = ()
    date_text: str = ""
    pdf_links: tuple[str, ...] = ()  # hrefs of linked PDFs, as written
    items: tuple[ListingItem, ...] = ()
    canonical_url: str = ""  # the page's own address: its canonical link, else its og:url
    base_url: str = ""  # what its relative links are relative to: <base href>, else the above

    @property
    def is_listing(self) -> bool:
        return len(self.items) >= 2

    @property
    def is_blank(self) -> bool:
        """Nothing to index: no title, text, fields, links or items."""
        return (
            not (self.title or self.summary or self.sorns or self.date_text or self.pdf_links)
            and not self.items
        )


# --- decoding ------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
# Labels browsers read as something else (WHATWG Encoding): a page cannot be UTF-16 once its
# meta tag was readable as ASCII, and latin-1 means windows-1252.
_LABEL_AS = {
    "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8",
    "utf-32": "utf-8", "x-user-defined": "cp1252",
}  # fmt: skip
# Python codecs that are not web text encodings, or that decode markup into something else.
_NOT_WEB_CODECS = {
    "undefined", "unicode_escape", "raw_unicode_escape", "punycode", "idna", "utf_7",
    "mbcs", "oem", "charmap", "palmos", "rot_13", "unicode_internal",
}  # fmt: skip


def _declared_codec(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    label = m.group(1).decode("ascii", "replace").lower()
    label = _LABEL_AS.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if info.name.replace("-", "_") in _NOT_WEB_CODECS or not getattr(
        info, "_is_text_encoding", True
    ):
        return None
    return info.name


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:256]
    if len(head) < 8:
        return None
    if head[1::2].count(0) > len(head) // 4 and head[0::2].count(0) == 0:
        return "utf-16-le"
    if head[0::2].count(0) > len(head) // 4 and head[1::2].count(0) == 0:
        return "utf-16-be"
    return None


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few bad bytes (a pasted cp1252 quote, a cut sequence): keep it UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.decode("utf-8", "ignore").count("\ufffd")
    good = sum(1 for ch in text if ch > "\x7f" and ch != "\ufffd")
    return text if good > bad else None


def decode_html(data: bytes) -> str:
    """Bytes to text: BOM, then <meta charset>, then UTF-8, then cp1252 with replacement.

    Never raises: invalid bytes become U+FFFD. A mostly-UTF-8 page with a few stray bytes
    stays UTF-8 rather than turning every accented letter into cp1252 mojibake.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff")
    wide = _utf16_without_bom(data)
    if wide:
        return data.decode(wide, errors="replace")
    declared = _declared_codec(data)
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _mostly_utf8(data) or data.decode("cp1252", errors="replace")


# --- parsing -------------------------------------------------------------------------------


class NestedTooDeeply(ValueError):
    """The page nests elements deeper than the parser follows."""


# Characters the parser lets through but that lxml refuses as element text once the tree is
# edited (control characters other than whitespace; form feed counts as a space in HTML).
_NOT_XML_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


_BODY_END = re.compile(r"</\s*(?:body|html)\s*>", re.I)

_PARSERS = threading.local()


def _parser() -> lxml.html.HTMLParser:
    """This thread's parser (a parser must not be used by two threads at once)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        # huge_tree: a text node may be longer than libxml2's 10 MB default (the page size
        # cap bounds it instead), and elements nest up to 2,048 deep rather than 256.
        parser = _PARSERS.parser = lxml.html.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
            huge_tree=True,
        )  # fmt: skip
    return parser


def _element_tree(text: str) -> HtmlElement | None:
    """The page's element tree, comments and processing instructions left out; None when it
    holds no element at all. Raises NestedTooDeeply rather than returning a cut-off tree."""
    # The text goes in as UTF-8 bytes with that encoding named, so a <meta charset> or an
    # XML declaration cannot make the parser decode it a second time.
    parser = _parser()
    # Browsers show what follows </body> or </html> as part of the body; libxml2 drops it.
    text = _BODY_END.sub("", _NOT_XML_TEXT.sub(" ", text))
    data = text.encode("utf-8", "replace")
    try:
        doc = lxml.html.document_fromstring(data, parser=parser)
    except etree.ParserError:  # "Document is empty"
        return None
    if any("Excessive depth" in error.message for error in parser.error_log):
        raise NestedTooDeeply("elements nested too deeply")
    _drop_trees(_outermost(doc, _DROP))
    return doc


def _outermost(node: HtmlElement, names: tuple[str, ...]) -> list[HtmlElement]:
    """The elements below `node` named so, but none inside another one."""
    found = []
    stack = _child_tags(node)
    while stack:
        tag = stack.pop()
        if tag.tag in names:
            found.append(tag)
        else:
            stack.extend(_child_tags(tag))
    return found


def _words(node: HtmlElement) -> str:
    """The text below `node`, its words separated by single spaces."""
    return " ".join(" ".join(node.itertext()).split())


# --- rendering -----------------------------------------------------------------------------


def _render(node: HtmlElement, depth: int = 0, skip: HtmlElement | None = None) -> str:
    tag = node.tag
    if node is skip or not isinstance(tag, str):  # _DROP elements are gone already
        return ""
    if tag == "br":
        return "\n"
    nested = depth + 1 if tag in ("ul", "ol") else depth
    parts = [node.text or ""]
    for child in node:
        parts.append(_render(child, nested, skip))
        parts.append(child.tail or "")
    inner = "".join(parts)
    if tag == "li":
        body = " ".join(inner.split()) if "\n" not in inner.strip() else inner.strip()
        first, _, rest = body.partition("\n")
        indent = "  " * max(0, depth - 1)
        return f"\n{indent}{_BULLET}{' '.join(first.split())}\n{rest}\n"
    if tag in _BLOCK:
        return f"\n{inner}\n"
    return inner


def render_text(node: HtmlElement, skip: HtmlElement | None = None) -> str:
    """Visible text with one block per line; list items as bullets indented by depth."""
    lines = []
    for line in _render(node, 0, skip).split("\n"):
        indent = len(line) - len(line.lstrip(" ")) if line.lstrip().startswith(_BULLET) else 0
        text = " ".join(line.split())
        if text:
            lines.append(" " * indent + text)
    return "\n".join(lines)


# --- structure -----------------------------------------------------------------------------


def _tags(node: HtmlElement, *names: str) -> Iterator[HtmlElement]:
    """The elements below `node` (not `node` itself) in document order, or those named so."""
    return node.iterdescendants(*names) if names else node.iterdescendants(etree.Element)


def _child_tags(node: HtmlElement) -> list[HtmlElement]:
    return list(node.iterchildren(etree.Element))


def _links(node: HtmlElement) -> list[HtmlElement]:
    """The <a> elements with an href below `node`."""
    return [a for a in _tags(node, "a") if a.get("href") is not None]


def _first(node: HtmlElement, *names: str) -> HtmlElement | None:
    return next(_tags(node, *names), None)


def _classes(tag: HtmlElement) -> list[str]:
    return (tag.get("class") or "").split()


def _is_chrome(tag: HtmlElement) -> bool:
    if tag.tag in _CHROME_TAGS or tag.get("role") in ("navigation", "banner", "contentinfo"):
        return True
    marks = " ".join([*_classes(tag), tag.get("id") or ""])
    return bool(marks.strip() and _CHROME_WORDS.search(marks))


_MAIN_ID = re.compile(r"^(main-content|content|main)$", re.I)


def _content_root(doc: HtmlElement) -> HtmlElement:
    candidates = (
        lambda: _first(doc, "main"),
        lambda: next((t for t in _tags(doc) if t.get("role") == "main"), None),
        lambda: next((t for t in _tags(doc) if _MAIN_ID.match(t.get("id") or "")), None),
        lambda: _first(doc, "body"),
    )
    root = next((found for find in candidates if (found := find()) is not None), doc)
    chrome = []
    stack = _child_tags(root)
    while stack:  # chrome goes with everything in it, so its insides are not looked at
        tag = stack.pop()
        if _is_chrome(tag):
            chrome.append(tag)
        else:
            stack.extend(_child_tags(tag))
    _drop_trees(chrome)
    return root


def _drop_trees(nodes: list[HtmlElement]) -> None:
    """`drop_tree` for each of `nodes` (none inside another), in one pass over each parent.

    Dropping them one by one appends each one's tail to its previous sibling's: with
    thousands of siblings that copies the parent's text once per sibling.
    """
    by_parent: dict[HtmlElement, set[HtmlElement]] = {}
    for node in nodes:
        parent = node.getparent()
        if parent is not None:
            by_parent.setdefault(parent, set()).add(node)
    for parent, gone in by_parent.items():
        head: list[str] = [parent.text or ""]  # the parent's text, then the kept tails
        kept: HtmlElement | None = None
        parts = head
        for child in parent:
            if child in gone:
                if child.tail:
                    parts.append(child.tail)
                continue
            if kept is not None and len(parts) > 1:
                kept.tail = "".join(parts)
            elif kept is None and len(head) > 1:
                parent.text = "".join(head)
            kept, parts = child, [child.tail or ""]
        if kept is not None and len(parts) > 1:
            kept.tail = "".join(parts)
        elif kept is None and len(head) > 1:
            parent.text = "".join(head)
        for child in gone:
            child.tail = None
            parent.remove(child)


def _page_title(doc: HtmlElement, root: HtmlElement) -> str:
    h1 = _first(root, "h1")
    if h1 is None:
        h1 = _first(doc, "h1")
    if h1 is not None and (words := _words(h1)):
        return words
    title_tag = _first(doc, "title")
    if title_tag is not None and (title := _words(title_tag)):
        return re.split(r"\s+[|\u2013\u2014]\s+", title)[0] if " | " in title else title
    og = next((m for m in _tags(doc, "meta") if m.get("property") == "og:title"), None)
    if og is not None and og.get("content"):
        return " ".join(og.get("content", "").split())
    h2 = _first(root, "h2", "h3")
    return _words(h2) if h2 is not None else ""


def _is_pdf_href(href: str) -> bool:
    return urlsplit(href).path.lower().endswith(".pdf")


_HEADINGS = ("h2", "h3", "h4", "h5", "h6")


class _Outline:
    """What every element below a root holds, found in one pass from the leaves up: the size
    of its text as `_words` gives it, how many elements its subtree has, and its first
    heading and links. Questions about nested elements then cost the same at any depth,
    rather than a walk of the subtree each time (a page nesting blocks hundreds deep would
    be walked once per level)."""

    def __init__(self, root: HtmlElement) -> None:
        self.order = list(root.iter(etree.Element))  # document order, root first
        self.position = {node: n for n, node in enumerate(self.order)}
        self.sizes: dict[HtmlElement, list[int]] = {}  # [letters, words]
        self.extent: dict[HtmlElement, int] = {}  # elements in the subtree, itself included
        self.heading: dict[HtmlElement, HtmlElement | None] = {}  # first h2-h6 below
        self.anchor: dict[HtmlElement, HtmlElement | None] = {}  # first <a> below
        self.link: dict[HtmlElement, HtmlElement | None] = {}  # first <a href> below
        for node in reversed(self.order):  # children before their parents
            letters, words = _text_size(node.text)
            count = 1
            heading = anchor = link = None
            for child in node.iterchildren(etree.Element):
                child_letters, child_words = self.sizes[child]
                tail_letters, tail_words = _text_size(child.tail)
                letters += child_letters + tail_letters
                words += child_words + tail_words
                count += self.extent[child]
                if heading is None:
                    heading = child if child.tag in _HEADINGS else self.heading[child]
                if anchor is None:
                    anchor = child if child.tag == "a" else self.anchor[child]
                if link is None:
                    is_link = child.tag == "a" and child.get("href") is not None
                    link = child if is_link else self.link[child]
            self.sizes[node] = [letters, words]
            self.extent[node] = count
            self.heading[node], self.anchor[node], self.link[node] = heading, anchor, link

    def words_length(self, node: HtmlElement) -> int:
        """len(_words(node)), without reading its text again."""
        return _joined_length(self.sizes[node])


# An item this small is rendered to measure its description; a larger one is measured by the
# words it holds (which differs from its rendering only by bullets and inline joins).
_RENDERED_ITEM = 64


def _item_title(tag: HtmlElement, outline: _Outline) -> tuple[HtmlElement, HtmlElement | None]:
    """A listing item's title element (its first heading, else its first link) and link."""
    heading = outline.heading[tag]
    if heading is not None:
        return heading, outline.anchor[heading]
    link = outline.link[tag]
    return link, link


def _makes_item(tag: HtmlElement, outline: _Outline) -> bool:
    """Whether `_as_item(tag)` gives an item, found without rendering large blocks."""
    title_el, link = _item_title(tag, outline)
    if title_el is None or outline.words_length(title_el) < 3:
        return False
    if title_el is not link and link is not None:  # a heading with a link: always an item
        return True
    if outline.extent[tag] <= _RENDERED_ITEM:
        return _as_item(tag, outline) is not None
    besides = [a - b for a, b in zip(outline.sizes[tag], outline.sizes[title_el], strict=True)]
    return _joined_length((besides[0], besides[1])) >= 15


def _as_item(tag: HtmlElement, outline: _Outline) -> ListingItem | None:
    title_el, link = _item_title(tag, outline)
    heading = title_el if title_el is not None and title_el.tag in _HEADINGS else None
    if title_el is None:
        return None
    title = _words(title_el)
    if len(title) < 3:
        return None
    summary = render_text(tag, skip=title_el)
    if summary.startswith(_BULLET):  # the item's own <li> bullet
        summary = summary[len(_BULLET) :]
    if len(summary) < 15 and not (heading is not None and link is not None):
        return None
    href = str(link.get("href") or "") if link is not None else ""
    return ListingItem(title=title, summary=summary, href=href)


def _listing_items(root: HtmlElement, outline: _Outline) -> tuple[ListingItem, ...]:
    """The largest run of sibling blocks that each hold a linked title and a description.

    The blocks of each run are checked cheaply; only the run kept is rendered.
    """
    best: list[HtmlElement] = []
    for parent in outline.order:
        groups: dict[tuple[str, tuple[str, ...]], list[HtmlElement]] = defaultdict(list)
        for child in _child_tags(parent):
            groups[(child.tag, tuple(sorted(_classes(child))))].append(child)
        for siblings in groups.values():
            if len(siblings) < 2 or len(siblings) <= len(best):
                continue
            makes = [tag for tag in siblings if _makes_item(tag, outline)]
            if len(makes) >= 2 and len(makes) * 5 >= len(siblings) * 3:
                best = makes
    items = [item for item in (_as_item(tag, outline) for tag in best) if item]
    return tuple(items) if len(items) >= 2 else ()


def _fields(text: str) -> tuple[list[str], list[str], str]:
    """Split rendered page text into summary lines, associated SORNs and the date text."""
    summary: list[str] = []
    sorns: list[str] = []
    date_text = ""
    in_sorns = False
    for line in text.split("\n"):
        stripped = line.strip()
        m = _SORN_LABEL.match(stripped)
        if m:
            in_sorns = True
            rest = m.group("rest").strip()
            if rest:
                sorns.extend(s.strip() for s in re.split(r";|\s\|\s", rest) if s.strip())
            continue
        m = _DATE_LABEL.match(stripped)
        if m:
            in_sorns = False
            date_text = date_text or m.group("rest").strip() or " "
            continue
        if in_sorns and stripped.startswith(_BULLET):
            sorns.append(stripped[len(_BULLET) :].strip())
            continue
        in_sorns = False
        if _OTHER_LABEL.match(stripped):
            continue
        summary.append(line)
    return summary, sorns, date_text.strip()


def _text_size(text: str | None) -> tuple[int, int]:
    """(letters, words) of `text`, the parts of the length of its words joined by spaces."""
    if not text:
        return 0, 0
    words = text.split()
    return sum(map(len, words)), len(words)


def _joined_length(size: tuple[int, int]) -> int:
    return size[0] + max(0, size[1] - 1)


def _attachment_blocks(root: HtmlElement, outline: _Outline) -> list[HtmlElement]:
    """What to take out of a publication's text with its PDF links, none inside another: the
    nearest table around a link, else its parent when that holds little else (40 characters
    besides the link: "Report.pdf (PDF, 2 pages)"), else the link alone.

    One pass over the tree: a parent's text size goes down by each link taken out of it, so a
    parent of thousands of links is not read once per link.
    """
    order, position, extent = outline.order, outline.position, outline.extent
    sizes = {node: list(size) for node, size in outline.sizes.items()}
    table: dict[HtmlElement, HtmlElement | None] = {root: None}  # nearest below root
    holders: list[HtmlElement] = []
    taken_until = 0  # elements before this position in `order` are taken out already
    for n, node in enumerate(order):
        parent = node.getparent()
        if node is root:
            continue
        table[node] = parent if parent is not root and parent.tag == "table" else table[parent]
        if n < taken_until or node.tag != "a" or not _is_pdf_href(node.get("href", "")):
            continue
        holder = table[node]
        if holder is None:
            holder = parent
            link_size = sizes[node]
            if _joined_length(sizes[parent]) - _joined_length(link_size) > 40:
                holder = node
                sizes[parent][0] -= link_size[0]
                sizes[parent][1] -= link_size[1]
        holders.append(holder)
        taken_until = max(taken_until, position[holder] + extent[holder])
    outermost: list[HtmlElement] = []
    end = 0
    for holder in sorted(holders, key=position.__getitem__):
        if position[holder] >= end:
            outermost.append(holder)
            end = position[holder] + extent[holder]
    return outermost


def _own_address(doc: HtmlElement) -> str:
    """The address a page states for itself: <link rel=canonical>, else <meta property=og:url>
    (an absolute http(s) address; "" when it states none)."""
    canonical = (
        t.get("href") or ""
        for t in _tags(doc, "link")
        if "canonical" in (t.get("rel") or "").lower().split()
    )
    og_url = (
        t.get("content") or ""
        for t in _tags(doc, "meta")
        if (t.get("property") or t.get("name") or "").strip().lower() == "og:url"
    )
    for address in (*canonical, *og_url):
        if _is_web_address(address.strip()):
            return address.strip()
    return ""


def _is_web_address(address: str) -> bool:
    parts = urlsplit(address)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def parse_html(text: str) -> HtmlPage:
    """Parse decoded HTML into a publication page or a listing.

    Raises NestedTooDeeply for a page nested deeper than the parser follows.
    """
    doc = _element_tree(text)
    if doc is None:
        return HtmlPage(title="")
    canonical_url = _own_address(doc)
    base = next((t.get("href") or "" for t in _tags(doc, "base") if t.get("href")), "")
    base_url = base.strip() if _is_web_address(base.strip()) else canonical_url
    root = _content_root(doc)
    title = _page_title(doc, root)
    hrefs = (a.get("href", "").strip() for a in _links(root))
    pdf_links = list(dict.fromkeys(href for href in hrefs if _is_pdf_href(href)))
    outline = _Outline(root)
    items = _listing_items(root, outline)
    if len(items) >= 2:
        return HtmlPage(title=title, items=items, canonical_url=canonical_url, base_url=base_url)

    # A publication: take the attachment blocks and the title out of the text first.
    holders = _attachment_blocks(root, outline)
    if any(holder is root for holder in holders):
        root.clear()
    else:
        _drop_trees(holders)
    h1 = _first(root, "h1")
    if h1 is not None:
        h1.drop_tree()
    lines, sorns, date_text = _fields(render_text(root))
    summary = "\n".join(line for line in lines if line.strip() != title).strip()
    if not summary:
        meta = next((m for m in _tags(doc, "meta") if m.get("name") == "description"), None)
        summary = " ".join((meta.get("content") or "").split()) if meta is not None else ""
    return HtmlPage(
        title=title,
        summary=summary,
        sorns=tuple(dict.fromkeys(sorns)),
        date_text=date_text,
        pdf_links=tuple(pdf_links),
        canonical_url=canonical_url,
        base_url=base_url,
    )


# --- parsing in a worker process ----------------------------------------------------------


class HtmlLimitError(ValueError):
    """A page the worker could not parse within its limits (the message says which)."""


@dataclass(frozen=True)
class _WorkerLimits:
    timeout: float = 60.0
    memory_mb: int = 1024


_LIMITS = _WorkerLimits()


def set_worker_limits(timeout: float, memory_mb: int) -> None:
    """The time and memory one page may take in the HTML worker (a run's PDF limits)."""
    global _LIMITS
    if (timeout, memory_mb) != (_LIMITS.timeout, _LIMITS.memory_mb):
        _LIMITS = _WorkerLimits(timeout, memory_mb)
        _WORKER.stop()  # its memory limit was set when it started


def _parse_bytes(data: bytes) -> HtmlPage:
    return parse_html(decode_html(data))


def _html_worker_main(conn: Connection, memory_mb: int) -> None:
    from .pdf import _limit_memory

    gc.freeze()
    _limit_memory(memory_mb)
    parent = os.getppid()
    while True:
        try:
            while not conn.poll(1.0):  # a forked worker watches its parent (see pdf.py)
                if os.getppid() != parent:
                    return
            data = conn.recv_bytes()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            result: Any = ("ok", _parse_bytes(data))
        except (NestedTooDeeply, RecursionError):
            result = ("deep", "")
        except MemoryError:
            result = ("memory", "")
        except Exception as exc:  # the worker must survive any one page
            result = ("error", " ".join(f"{type(exc).__name__}: {exc}".split())[:200])
        del data
        try:
            conn.send(result)
        except MemoryError:
            conn.send(("memory", ""))


class _HtmlWorker:
    """One process that parses pages one at a time, under an address-space limit, and is
    killed when a page takes longer than the time limit (and started again for the next)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Connection | None = None

    def _start(self, limits: _WorkerLimits) -> Connection:
        from .pdf import worker_context

        ctx = worker_context()
        conn, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_html_worker_main, args=(child, limits.memory_mb), daemon=True
        )
        self._process.start()
        child.close()
        self._conn = conn
        return conn

    def stop(self) -> None:
        with self._lock:
            self._kill()

    def _kill(self) -> None:
        from .pdf import kill_worker

        if self._process is not None:
            kill_worker(self._process, self._conn)
        self._process = self._conn = None

    def parse(self, data: bytes, limits: _WorkerLimits) -> HtmlPage:
        """The page parsed in the worker; raises NestedTooDeeply, or HtmlLimitError with the
        reason it could not be parsed."""
        from .pdf import exit_reason

        with self._lock:
            conn = self._conn
            alive = conn is not None and self._process.is_alive()
            if not alive:
                self._kill()
                conn = self._start(limits)
            assert conn is not None
            try:
                conn.send_bytes(data)
                deadline = time.monotonic() + limits.timeout
                while not conn.poll(max(0.0, min(1.0, deadline - time.monotonic()))):
                    if time.monotonic() >= deadline:
                        self._kill()
                        raise HtmlLimitError(f"timed out after {limits.timeout:g} s")
                    if not self._process.is_alive() and not conn.poll():
                        break
                status, value = conn.recv()
            except (EOFError, OSError):
                process = self._process
                process.join(timeout=5)
                how = exit_reason(process.exitcode)
                self._kill()
                raise HtmlLimitError(_crash_reason(how, limits)) from None
        if status == "ok":
            return value
        if status == "deep":
            raise NestedTooDeeply("elements nested too deeply")
        if status == "memory":
            self.stop()  # a worker near its limit is not kept
            raise HtmlLimitError(_memory_reason(limits))
        raise HtmlLimitError(value)


def _memory_reason(limits: _WorkerLimits) -> str:
    return f"exceeded the memory limit of {limits.memory_mb} MB (pdf_memory_mb)"


def _crash_reason(how: str, limits: _WorkerLimits) -> str:
    # The address-space limit makes an allocation fail; libxml2 or Python may then end the
    # process rather than raise.
    return f"parsing crashed (worker {how}; memory limit {limits.memory_mb} MB, pdf_memory_mb)"


_WORKER = _HtmlWorker()


class WorkersUnavailable(RuntimeError):
    """No worker process can be started here (the platform or its limits forbid it)."""


@contextmanager
def worker_for_run() -> Iterator[None]:
    """Stop the HTML worker when a run ends, so that no process of ours outlives the run
    holding the files the caller had open when it started (a pipe to another child of the
    caller's, which would then never see its end)."""
    try:
        yield
    finally:
        _WORKER.stop()


def parse_html_isolated(data: bytes) -> HtmlPage:
    """Decode and parse a page in the HTML worker process, under the run's time and memory
    limits (`set_worker_limits`). Raises NestedTooDeeply, HtmlLimitError with the reason the
    page was given up on, or WorkersUnavailable."""
    try:
        return _WORKER.parse(data, _LIMITS)
    except (ImportError, NotImplementedError, PermissionError, BlockingIOError) as exc:
        raise WorkersUnavailable(str(exc)) from exc


def resolve_link(href: str, base_dir: Path) -> Path | None:
    """A relative link's file on disk, or None for absolute or site-rooted URLs."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    return (base_dir / unquote(parts.path)).resolve()
