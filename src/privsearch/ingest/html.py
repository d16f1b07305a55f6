"""HTML pages: publication pages (one record) and listing pages (one record per item).

Parsing goes by structure, not by one site's CSS classes: headings and <title> for the title,
labelled fields ("Associated SORN(s):", "Publication Date:") found in the rendered text, links
to PDFs for attachments, and repeated sibling blocks (each a linked title plus a description)
for listing items.
"""

from __future__ import annotations

import codecs
import re
import warnings
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag

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
    canonical_url: str = ""

    @property
    def is_listing(self) -> bool:
        return len(self.items) >= 2


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


# --- rendering -----------------------------------------------------------------------------


def _render(node: Tag | NavigableString, depth: int = 0, skip: Tag | None = None) -> str:
    if isinstance(node, NavigableString):
        return str(node) if type(node) is NavigableString else ""
    if node is skip or node.name in _DROP:
        return ""
    if node.name == "br":
        return "\n"
    nested = depth + 1 if node.name in ("ul", "ol") else depth
    inner = "".join(_render(child, nested, skip) for child in node.children)
    if node.name == "li":
        body = " ".join(inner.split()) if "\n" not in inner.strip() else inner.strip()
        first, _, rest = body.partition("\n")
        indent = "  " * max(0, depth - 1)
        return f"\n{indent}{_BULLET}{' '.join(first.split())}\n{rest}\n"
    if node.name in _BLOCK:
        return f"\n{inner}\n"
    return inner


def render_text(node: Tag, skip: Tag | None = None) -> str:
    """Visible text with one block per line; list items as bullets indented by depth."""
    lines = []
    for line in _render(node, 0, skip).split("\n"):
        indent = len(line) - len(line.lstrip(" ")) if line.lstrip().startswith(_BULLET) else 0
        text = " ".join(line.split())
        if text:
            lines.append(" " * indent + text)
    return "\n".join(lines)


# --- structure -----------------------------------------------------------------------------


# find_all and find build filter objects on every call; these walk the tree directly.


def _tags(node: Tag) -> list[Tag]:
    """Every element below `node`, in document order: find_all(True)."""
    return [t for t in node.descendants if isinstance(t, Tag)]


def _child_tags(node: Tag) -> list[Tag]:
    """The elements directly below `node`: find_all(True, recursive=False)."""
    return [t for t in node.children if isinstance(t, Tag)]


def _links(node: Tag) -> list[Tag]:
    """The <a> elements with an href below `node`: find_all("a", href=True)."""
    return [t for t in _tags(node) if t.name == "a" and t.get("href") is not None]


def _first(node: Tag, names: Collection[str]) -> Tag | None:
    """The first element below `node` named one of `names`: find(names)."""
    return next((t for t in node.descendants if isinstance(t, Tag) and t.name in names), None)


def _soup(text: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bs4 warns about markup that looks like a URL/file
        soup = BeautifulSoup(text, "html.parser")
    for tag in [t for t in _tags(soup) if t.name in _DROP]:
        tag.decompose()
    return soup


def _is_decomposed(tag: Tag) -> bool:
    # Not `tag.decomposed`: on a tag without the private flag, bs4 falls back to
    # `tag.find("_decomposed")`, a search of the whole subtree (quadratic on deep pages).
    return bool(vars(tag).get("_decomposed"))


def _is_chrome(tag: Tag) -> bool:
    if tag.name in _CHROME_TAGS or tag.get("role") in ("navigation", "banner", "contentinfo"):
        return True
    marks = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")])
    return bool(marks and _CHROME_WORDS.search(marks))


def _content_root(soup: BeautifulSoup) -> Tag:
    root = (
        soup.find("main")
        or soup.find(attrs={"role": "main"})
        or soup.find(id=re.compile(r"^(main-content|content|main)$", re.I))
        or soup.body
        or soup
    )
    for tag in _tags(root):
        if not _is_decomposed(tag) and _is_chrome(tag):
            tag.decompose()
    return root


def _page_title(soup: BeautifulSoup, root: Tag) -> str:
    h1 = root.find("h1") or soup.find("h1")
    if h1 and h1.get_text(strip=True):
        return " ".join(h1.get_text(" ").split())
    if soup.title and soup.title.get_text(strip=True):
        title = " ".join(soup.title.get_text(" ").split())
        return re.split(r"\s+[|\u2013\u2014]\s+", title)[0] if " | " in title else title
    og = soup.find("meta", attrs={"property": "og:title"})
    if og and og.get("content"):
        return " ".join(str(og["content"]).split())
    h2 = root.find(["h2", "h3"])
    return " ".join(h2.get_text(" ").split()) if h2 else ""


def _is_pdf_href(href: str) -> bool:
    return urlsplit(href).path.lower().endswith(".pdf")


_HEADINGS = ("h2", "h3", "h4", "h5", "h6")


def _as_item(tag: Tag) -> ListingItem | None:
    heading = _first(tag, _HEADINGS)
    link = _first(heading, ("a",)) if heading else None
    title_el: Tag | None = heading
    if title_el is None:
        link = next(iter(_links(tag)), None)
        title_el = link
    if title_el is None:
        return None
    title = " ".join(title_el.get_text(" ").split())
    if len(title) < 3:
        return None
    summary = render_text(tag, skip=title_el)
    if summary.startswith(_BULLET):  # the item's own <li> bullet
        summary = summary[len(_BULLET) :]
    if len(summary) < 15 and not (heading and link):
        return None
    href = str(link.get("href") or "") if link else ""
    return ListingItem(title=title, summary=summary, href=href)


def _listing_items(root: Tag) -> tuple[ListingItem, ...]:
    """The largest run of sibling blocks that each hold a linked title and a description."""
    best: list[ListingItem] = []
    for parent in [root, *_tags(root)]:
        groups: dict[tuple[str, tuple[str, ...]], list[Tag]] = defaultdict(list)
        for child in _child_tags(parent):
            groups[(child.name, tuple(sorted(child.get("class") or [])))].append(child)
        for siblings in groups.values():
            if len(siblings) < 2 or len(siblings) <= len(best):
                continue
            items = [item for item in map(_as_item, siblings) if item]
            if len(items) >= 2 and len(items) * 5 >= len(siblings) * 3:
                best = items
    return tuple(best)


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


def parse_html(text: str) -> HtmlPage:
    """Parse decoded HTML into a publication page or a listing."""
    soup = _soup(text)
    canonical = soup.find("link", rel="canonical")
    canonical_url = str(canonical.get("href") or "") if canonical else ""
    if not canonical_url.startswith(("http://", "https://")):
        canonical_url = ""
    root = _content_root(soup)
    title = _page_title(soup, root)
    pdf_links: list[str] = []
    for a in _links(root):
        href = str(a["href"]).strip()
        if _is_pdf_href(href) and href not in pdf_links:
            pdf_links.append(href)
    items = _listing_items(root)
    if len(items) >= 2:
        return HtmlPage(title=title, items=items, canonical_url=canonical_url)

    # A publication: take the attachment blocks and the title out of the text first.
    for a in _links(root):
        if _is_pdf_href(str(a["href"])):
            holder = a.find_parent("table")
            if holder is None or holder.find_parent() is None:
                holder = a.parent if isinstance(a.parent, Tag) else a
                link_text = a.get_text(" ", strip=True)
                if len(holder.get_text(" ", strip=True)) - len(link_text) > 40:
                    holder = a
            if not _is_decomposed(holder):
                holder.decompose()
    h1 = root.find("h1")
    if h1:
        h1.decompose()
    lines, sorns, date_text = _fields(render_text(root))
    summary = "\n".join(line for line in lines if line.strip() != title).strip()
    if not summary:
        meta = soup.find("meta", attrs={"name": "description"})
        summary = " ".join(str(meta.get("content") or "").split()) if meta else ""
    return HtmlPage(
        title=title,
        summary=summary,
        sorns=tuple(dict.fromkeys(sorns)),
        date_text=date_text,
        pdf_links=tuple(pdf_links),
        canonical_url=canonical_url,
    )


def resolve_link(href: str, base_dir: Path) -> Path | None:
    """A relative link's file on disk, or None for absolute or site-rooted URLs."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    return (base_dir / unquote(parts.path)).resolve()
