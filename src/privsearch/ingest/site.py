"""Mirrored websites on disk: where a site's URLs are kept, and a page's address from its file.

A folder holding a `.privsearch-site` file (JSON: {"url": "https://www.dhs.gov"}) mirrors that
site by URL path: `/publication/x` is `publication/x.html`, `/sites/a/b.pdf` is `sites/a/b.pdf`.
`privsearch fetch` writes such folders; links like `/sites/a/b.pdf` in its pages then resolve to
the files beside them, and each page's record gets its address on the web.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

SITE_MARKER = ".privsearch-site"
_PAGE_SUFFIX = ".html"


@dataclass(frozen=True)
class Site:
    root: Path  # the folder holding the marker
    url: str  # the site's address, without a trailing slash

    def path_of(self, url: str) -> Path | None:
        """The file an absolute or site-rooted link to a PDF or file is kept as, if on this site."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            site = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != site.netloc.lower():
                return None
        elif not parts.path.startswith("/"):
            return None
        return self.root / site_path(parts._replace(scheme="", netloc="").geturl(), page=False)

    def url_of(self, path: Path) -> str:
        """The address of the page kept as `path` (below the root)."""
        relative = path.relative_to(self.root).as_posix()
        if relative.endswith(_PAGE_SUFFIX):
            relative = relative[: -len(_PAGE_SUFFIX)]
        return f"{self.url}/{quote(relative, safe='/-_.~()!,;=+@')}"


def site_path(url: str, *, page: bool) -> str:
    """Where a URL of a mirrored site is kept below the site's folder: its path, made safe.

    `/publication/dhs-cbp-022` -> `publication/dhs-cbp-022.html` (pages get .html);
    `/sites/default/files/publications/x.pdf` -> the same path. A query string becomes part of
    the name; `..` and empty segments are dropped, so a URL cannot point outside the folder.
    """
    parts = urlsplit(url)
    segments = [_safe_segment(unquote(s)) for s in parts.path.split("/")]
    segments = [s for s in segments if s] or ["index"]
    if parts.query:
        segments[-1] += "_" + _safe_segment(parts.query.replace("=", "-").replace("&", "_"))
    if page:
        segments[-1] += _PAGE_SUFFIX
    return "/".join(segments)


def _safe_segment(segment: str) -> str:
    if segment in ("", ".", ".."):
        return ""
    # An encoded slash (%2F) is part of the name, not a folder: no `..` can climb out.
    unsafe = '/\\:*?"<>|'
    cleaned = "".join(ch if ch.isprintable() and ch not in unsafe else "_" for ch in segment)
    return cleaned[:180].lstrip(".") or "_"


def site_of(path: Path) -> Site | None:
    """The mirrored site a file belongs to, from the nearest marker above it; None if none."""
    return _site_of_folder(str(path.parent))


@lru_cache(maxsize=4096)
def _site_of_folder(folder: str) -> Site | None:
    url = _marker_url(os.path.join(folder, SITE_MARKER))
    if url:
        return Site(Path(folder), url.rstrip("/"))
    parent = os.path.dirname(folder)
    return None if parent == folder else _site_of_folder(parent)


def _marker_url(marker: str) -> str | None:
    """The address a marker file names; None for none, or for anything but a small regular
    file (a link or a FIFO in its place is not followed or waited on)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(marker, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        url = json.loads(os.read(fd, 4096)).get("url")
    except (OSError, ValueError, AttributeError):
        return None
    finally:
        os.close(fd)
    return url if isinstance(url, str) and urlsplit(url).scheme in ("http", "https") else None


def forget_sites() -> None:
    """Look for markers afresh (a fetch may have written one since the last scan)."""
    _site_of_folder.cache_clear()
