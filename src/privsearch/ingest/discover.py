"""Finding sources: which files are main files, which PDFs belong to a page or manifest.

A main file is a publication or listing page, a text listing, a manifest, or a PDF that no
page or manifest links to. A linked PDF is a dependency of the file that links it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from ..config import Limits
from ..models import Skip
from .federal_register import (
    FederalRegisterDocument,
    looks_like_federal_register,
    read_federal_register,
)
from .html import HtmlPage, NestedTooDeeply, decode_html, parse_html, resolve_link
from .manifest import Manifest, clean_json, gunzip, looks_like_manifest, read_manifest
from .metadata import choose_reference, parse_date
from .pdf import sniff
from .site import Site, forget_sites, site_of
from .text import looks_like_listing

KINDS = {
    ".pdf": "pdf", ".html": "html", ".htm": "html", ".txt": "text", ".jsonl": "manifest",
    ".json": "json",
}  # fmt: skip
KINDS[".jsonl.gz"] = "manifest"  # the only kind read compressed


def kind_of(name: str) -> str:
    """The source kind a file name says ("" for none): by extension, `.jsonl.gz` included."""
    lower = name.lower()
    if lower.endswith(".gz"):
        return KINDS.get(os.path.splitext(lower[:-3])[1] + ".gz", "")
    return KINDS.get(os.path.splitext(lower)[1], "")


def shown(path: Path | str) -> str:
    """A path as text that can be printed and stored: bytes that are not UTF-8 (which Python
    keeps as surrogate escapes) shown as \\xNN."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def _name_problem(path: Path | str) -> str:
    """Why a path cannot be indexed by its name ("" when it can): a record's source and
    attachments are stored as UTF-8 text."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return f"file name is not valid UTF-8: {os.path.basename(shown(path))}"
    return ""


_FILE_TYPES = (
    (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "directory"), (stat.S_ISLNK, "symbolic link"),
)  # fmt: skip


def _not_regular(mode: int) -> str:
    """Why a file of this mode is not read ("" for a regular file)."""
    if stat.S_ISREG(mode):
        return ""
    what = next((name for test, name in _FILE_TYPES if test(mode)), "unknown type")
    return f"not a regular file ({what})"


@dataclass(frozen=True)
class Scope:
    """The folders a run indexes: a file reached through a link is read only inside them
    (unless `allow_outside`). A file given by itself brings its folder."""

    roots: tuple[str, ...]
    allow_outside: bool = False

    @classmethod
    def of(cls, paths: Sequence[Path], allow_outside: bool = False) -> Scope:
        roots = []
        for path in paths:
            real = os.path.realpath(path)
            roots.append(real if os.path.isdir(real) else os.path.dirname(real))
        return cls(tuple(dict.fromkeys(roots)), allow_outside)

    def contains(self, real: str) -> bool:
        return any(real == r or real.startswith(r.rstrip("/") + "/") for r in self.roots)

    def allows(self, real: str) -> bool:
        return self.allow_outside or self.contains(real)


OUTSIDE = "link points outside the folders being indexed"


class Unreadable(Exception):
    """A file that is not read, with the reason (not a regular file, outside the folders)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _opened_path(fd: int, path: str) -> str:
    try:  # what was opened, whatever happened to the path meanwhile (Linux)
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)


def open_checked(path: Path | str, scope: Scope | None = None) -> tuple[BinaryIO, os.stat_result]:
    """Open a file to read it as it is now: a regular file, not through a link that leaves
    `scope`. Never blocks (a FIFO swapped in is refused, not waited on) and never follows a
    link in the last step unless its target is in `scope`. Raises Unreadable or OSError."""
    path = os.fspath(path)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        real = os.path.realpath(path)  # a link now: followed only where it stays inside
        if scope is None or not scope.allows(real):
            raise Unreadable(OUTSIDE if scope else "not a regular file (symbolic link)") from None
        fd = os.open(real, flags)
    try:
        info = os.fstat(fd)
        problem = _not_regular(info.st_mode)
        if problem:
            raise Unreadable(problem)
        if scope is not None and not scope.allows(_opened_path(fd, path)):
            raise Unreadable(OUTSIDE)  # a folder on the way was swapped for a link
        return os.fdopen(fd, "rb"), info
    except BaseException:
        os.close(fd)
        raise


def _digest(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def _unread_mark(info: os.stat_result) -> str:
    """What stands for a file's hash when it is too large to be read: its size and time."""
    return f"unread:{info.st_size}:{info.st_mtime_ns}"


def file_hash(path: Path | str, cap: int, scope: Scope | None = None) -> str:
    """The sha256 of a file's bytes; for a file over `cap` bytes (never read), its size and
    modification time instead. Raises Unreadable or OSError."""
    handle, info = open_checked(path, scope)
    with handle:
        return _unread_mark(info) if info.st_size > cap else _digest(handle)


def sha256_file(path: Path) -> str:
    handle, _ = open_checked(path)
    with handle:
        return _digest(handle)


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else type(exc).__name__


def walk(paths: Sequence[Path]) -> tuple[list[Path], list[Skip]]:
    """Files with a known extension under `paths` (resolved, sorted), and what could not be read.

    Follows directory symlinks once per real directory, so loops end, and only within the
    given folders; skips hidden entries below them. Only regular files are returned, and only
    those whose names are valid UTF-8; the others are skipped with the reason.
    """
    found: dict[str, Path] = {}
    skipped: list[Skip] = []
    seen_dirs: set[str] = set()
    roots = [os.path.realpath(p) for p in paths if os.path.isdir(p)]

    def inside(real: str) -> bool:
        # A link may not pull in files from elsewhere on the machine (e.g. a page named
        # notes.html pointing at someone's private files), which the HTTP API would then serve.
        return any(real == root or real.startswith(root.rstrip("/") + "/") for root in roots)

    def keep(real: str, path: Path | str) -> None:
        problem = _name_problem(path) or _name_problem(real)
        if problem:
            skipped.append(Skip(shown(path), problem))
        else:
            found[real] = Path(real)

    for given in paths:
        given = Path(given)
        if _name_problem(given):
            skipped.append(Skip(shown(given.absolute()), _name_problem(given)))
            continue
        try:
            real = given.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            reason = "not found" if isinstance(exc, FileNotFoundError) else "cannot resolve path"
            skipped.append(Skip(str(given.absolute()), reason))
            continue
        if not real.is_dir():
            if kind_of(real.name):
                try:
                    problem = _not_regular(real.stat().st_mode)
                except OSError as exc:
                    problem = f"cannot read file ({_reason(exc)})"
                if problem:
                    skipped.append(Skip(str(given.absolute()), problem))
                else:
                    keep(str(real), given.absolute())
            continue
        for top, dirs, files in os.walk(
            real,
            followlinks=True,
            onerror=lambda e: skipped.append(
                Skip(shown(e.filename), f"cannot read directory ({_reason(e)})")
            ),
        ):
            top_real = os.path.realpath(top)
            if top_real in seen_dirs:
                dirs[:] = []
                continue
            seen_dirs.add(top_real)
            outside = [d for d in dirs if not inside(os.path.realpath(os.path.join(top, d)))]
            skipped.extend(
                Skip(shown(os.path.join(top, d)), OUTSIDE)
                for d in sorted(outside)
                if not d.startswith(".")
            )
            badly_named = [d for d in dirs if _name_problem(d) and d not in outside]
            skipped.extend(
                Skip(shown(os.path.join(top, d)), "folder name is not valid UTF-8")
                for d in sorted(badly_named)
                if not d.startswith(".")
            )
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and d not in outside + badly_named
            )
            for name in files:
                if name.startswith(".") or not kind_of(name):
                    continue
                mode = _mode_of(os.path.join(top_real, name))
                if mode is not None and stat.S_ISREG(mode):  # the common case, one system call
                    real_file = os.path.join(top_real, name)
                    if inside(real_file):
                        keep(real_file, real_file)
                    continue
                path = Path(top) / name
                try:
                    resolved = path.resolve(strict=True)
                    mode = resolved.stat().st_mode
                except (OSError, RuntimeError) as exc:
                    loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", 0) == errno.ELOOP
                    skipped.append(Skip(shown(path), "symlink loop" if loop else "broken link"))
                    continue
                if not inside(str(resolved)):
                    skipped.append(Skip(shown(path), OUTSIDE))
                elif _not_regular(mode):  # a FIFO, device or socket is never opened
                    skipped.append(Skip(shown(path), _not_regular(mode)))
                else:
                    keep(str(resolved), path)
    return [found[k] for k in sorted(found)], skipped


def _mode_of(path: str) -> int | None:
    """The mode of `path` itself, not of what a link at it points to."""
    try:
        return os.lstat(path).st_mode
    except OSError:
        return None


@dataclass(frozen=True)
class Inspected:
    """One candidate file, read and classified."""

    path: Path
    kind: str  # "html-page", "html-listing", "text", "manifest", "pdf", or "" (not a source)
    data: bytes = b""
    sha256: str = ""
    page: HtmlPage | None = None
    deps: tuple[Path, ...] = ()  # linked PDFs that exist
    missing: tuple[str, ...] = ()  # linked PDFs that do not
    manifest: Manifest | None = None  # a manifest's rows
    problem: str = ""  # why it cannot be read
    notice: FederalRegisterDocument | None = None  # a Federal Register document, as read
    texts: tuple[Path, ...] = ()  # other files read with it (a notice's full text)
    refused: tuple[tuple[Path, str], ...] = ()  # linked PDFs that are not read, and why


# The scan parses every page to find its PDFs, and the read needs the same parse: each result
# is kept from the one to the other, keyed by path and hash, and dropped when it is read
# (`take`). The bytes kept are bounded; past the bound a page is parsed again when read.
_CACHE: dict[tuple[str, str], Inspected] = {}
_CACHE_MAX_BYTES = 256 * 1024 * 1024
_cached_bytes = 0


def _size_of(item: Inspected) -> int:
    return max(len(item.data), 1)


def _remember(item: Inspected) -> None:
    global _cached_bytes
    key = (str(item.path), item.sha256)
    if key not in _CACHE and _cached_bytes + _size_of(item) <= _CACHE_MAX_BYTES:
        _CACHE[key] = item
        _cached_bytes += _size_of(item)


def _forget(key: tuple[str, str]) -> Inspected | None:
    global _cached_bytes
    item = _CACHE.pop(key, None)
    if item is not None:
        _cached_bytes -= _size_of(item)
    return item


def keep_only(paths: set[str]) -> None:
    """Drop what the scan parsed except the files in `paths` (those about to be read)."""
    for key in [k for k in _CACHE if k[0] not in paths]:
        _forget(key)


def forget_parses() -> None:
    global _cached_bytes
    _CACHE.clear()
    _cached_bytes = 0


def inspect(
    path: Path, limits: Limits, scope: Scope | None = None, *, take: bool = False
) -> Inspected:
    """Read and classify one file (PDFs are only hashed). Its size and type are checked before
    it is read: a file over its cap is not read at all. With `take`, a parse the scan kept is
    used and let go."""
    kind = kind_of(path.name)
    shape = "html-page" if kind == "html" else kind
    cap = limits.pdf_max_bytes if kind == "pdf" else limits.html_max_bytes
    problem = _name_problem(path)
    if problem:
        return Inspected(path, kind, problem=problem)
    try:
        handle, info = open_checked(path, scope)
        with handle:
            if info.st_size > cap:  # pages, listings and manifests are read whole
                too_large = f"too large ({info.st_size} bytes; limit {cap})"
                return Inspected(path, shape, sha256=_unread_mark(info), problem=too_large)
            if kind == "pdf":
                return Inspected(path, "pdf", sha256=_digest(handle))
            data = handle.read(cap + 1)  # at most the cap, even if the file grows meanwhile
    except Unreadable as exc:
        return Inspected(path, kind, problem=exc.reason)
    except OSError as exc:
        return Inspected(path, kind, problem=f"cannot read file ({_reason(exc)})")
    sha = hashlib.sha256(data).hexdigest()
    if len(data) > cap:
        return Inspected(path, shape, sha256=sha, problem=f"too large (over {cap} bytes)")
    key = (str(path), sha)
    cached = _forget(key) if take else _CACHE.get(key)
    if cached:
        return cached
    result = _classify(
        path, kind, data, sha, limits.html_max_bytes, max_rows=limits.manifest_max_rows
    )
    result = _check_links(result, scope)
    if result.kind != "federal-register" and not take:  # its .txt is read with it, each time
        _remember(result)
    return result


def _check_links(item: Inspected, scope: Scope | None) -> Inspected:
    """The item with only the linked PDFs that may be read: regular files with UTF-8 names,
    inside the folders being indexed (the others in `refused`, with the reason)."""
    if not item.deps:
        return item
    deps: list[Path] = []
    refused: list[tuple[Path, str]] = []
    for dep in item.deps:
        real = os.path.realpath(dep)
        reason = _link_problem(real, scope)
        if reason:
            refused.append((dep, reason))
        else:
            deps.append(Path(real))
    if not refused:
        return replace(item, deps=tuple(dict.fromkeys(deps)))
    return replace(item, deps=tuple(dict.fromkeys(deps)), refused=tuple(refused))


def _link_problem(real: str, scope: Scope | None) -> str:
    """Why a linked file (resolved) is not read ("" when it is)."""
    if _name_problem(real):
        return _name_problem(real)
    if scope is not None and not scope.allows(real):
        return f"{OUTSIDE} (allow with --allow-outside-links)"
    try:
        return _not_regular(os.stat(real).st_mode)
    except OSError as exc:
        return f"cannot read file ({_reason(exc)})"


def check_pdf(path: Path, limits: Limits, scope: Scope | None) -> str:
    """Why a PDF should not be handed to a worker ("" when it may be): checked when the read
    starts, as a file may have been swapped since the scan."""
    problem = _link_problem(os.path.realpath(path), scope)
    if problem:
        return problem
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        return f"cannot read file ({_reason(exc)})"
    if size > limits.pdf_max_bytes:
        return f"too large ({size} bytes; limit {limits.pdf_max_bytes})"
    return ""


def _split_links(
    paths: list[Path | None], hrefs: Sequence[str]
) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    deps: dict[Path, None] = {}  # in order, once each: a manifest may list thousands
    missing: list[str] = []
    for href, path in zip(hrefs, paths, strict=True):
        if path is None:
            continue
        if path.is_file():
            deps.setdefault(path)
        else:
            missing.append(href)
    return tuple(deps), tuple(missing)


def _not_html(data: bytes) -> str:
    """Why bytes named .html are not a web page ("" when they may be one)."""
    head = data[:1024]
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return ""
    if b"%PDF-" in head:
        return "not HTML (the file is a PDF; name it .pdf to index it)"
    what = sniff(head)
    if what == "binary data" and (head[0::2].count(0) == 0 or head[1::2].count(0) == 0):
        return ""  # NULs in every other byte: UTF-16 without a BOM
    if what not in ("HTML", "text"):
        return f"not HTML (the file looks like {what})"
    return ""


def _classify(
    path: Path, kind: str, data: bytes, sha: str, limit: int, *, max_rows: int = 50_000
) -> Inspected:
    if kind == "html":
        problem = "empty file" if not data or data.isspace() else _not_html(data)
        if problem:
            return Inspected(path, "html-page", sha256=sha, problem=problem)
        from .html import HtmlLimitError, WorkersUnavailable, parse_html_isolated

        try:
            try:  # in a worker process, under the time and memory limits PDFs have
                page = parse_html_isolated(data)
            except WorkersUnavailable:  # no processes here: the size cap alone bounds it
                page = parse_html(decode_html(data))
        except (NestedTooDeeply, RecursionError):
            problem = "cannot parse HTML (elements nested too deeply)"
            return Inspected(path, "html-page", sha256=sha, problem=problem)
        except HtmlLimitError as exc:
            problem = f"cannot parse HTML ({exc})"
            return Inspected(path, "html-page", sha256=sha, problem=problem)
        except Exception as exc:  # the parser is lenient; this guards against the unexpected
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            return Inspected(path, "html-page", sha256=sha, problem=f"cannot parse HTML ({reason})")
        if page.is_blank:
            problem = "nothing to index (no title, text or links on the page)"
            return Inspected(path, "html-page", sha256=sha, problem=problem)
        if page.is_listing:
            return Inspected(path, "html-listing", data, sha, page)
        hrefs = page.pdf_links
        site = site_of(path)
        links = [_resolve(h, path.parent, site) for h in hrefs]
        deps, missing = _split_links(links, hrefs)
        return Inspected(path, "html-page", data, sha, page, deps, missing)
    if kind == "manifest" and path.name.lower().endswith(".gz"):
        try:
            data = gunzip(data, limit)
        except ValueError as exc:
            return Inspected(path, "manifest", sha256=sha, problem=str(exc))
    if kind == "json":
        return _classify_json(path, data, sha, limit)
    text = data.decode("utf-8", errors="replace")
    if kind == "text":
        return Inspected(path, "text" if looks_like_listing(text) else "", data, sha)
    if kind == "manifest":
        if not looks_like_manifest(text):
            return Inspected(path, "", data, sha)
        manifest = read_manifest(text, path, max_rows)
        hrefs = [row.pdf for row in manifest.rows]
        deps, missing = _split_links(list(manifest.pdfs), hrefs)
        return Inspected(path, "manifest", data, sha, deps=deps, missing=missing, manifest=manifest)
    return Inspected(path, "", data, sha)


def _resolve(href: str, folder: Path, site: Site | None) -> Path | None:
    """A link's file: relative to the page, or in a mirrored site for /rooted or absolute ones."""
    path = resolve_link(href, folder)
    if path is None and site is not None:
        path = site.path_of(href)
    return path


def _classify_json(path: Path, data: bytes, sha: str, limit: int) -> Inspected:
    """A Federal Register document (API metadata) with its full text beside it as .txt."""
    try:
        meta = json.loads(data.decode("utf-8", errors="replace"))
    except ValueError:
        return Inspected(path, "", data, sha)
    if not looks_like_federal_register(meta):
        return Inspected(path, "", data, sha)
    meta = clean_json(meta)  # "\\udcff" in JSON is a string that cannot be stored
    text_path = path.with_suffix(".txt")
    text, texts = "", ()
    # The full text beside it, if it is a file of that folder (not a link to one elsewhere).
    if text_path.is_file() and os.path.realpath(text_path) == str(path.parent / text_path.name):
        try:
            handle, _ = open_checked(text_path)
            with handle:
                raw = handle.read(limit + 1)
        except Unreadable as exc:
            return Inspected(path, "federal-register", sha256=sha, problem=exc.reason)
        except OSError as exc:
            return Inspected(path, "federal-register", sha256=sha, problem=_reason(exc))
        if len(raw) > limit:  # bytes, as the cap counts them (not characters once decoded)
            problem = f"full text too large (over {limit} bytes): {text_path.name}"
            return Inspected(path, "federal-register", sha256=sha, problem=problem)
        text = raw.decode("utf-8", errors="replace")
        texts = (text_path,)
    try:
        notice = read_federal_register(meta, text)
    except ValueError as exc:
        return Inspected(path, "federal-register", sha256=sha, problem=str(exc))
    return Inspected(path, "federal-register", data, sha, notice=notice, texts=texts)


@dataclass(frozen=True)
class Discovery:
    sources: dict[str, Inspected]  # main files by path
    hashes: dict[str, dict[str, str]]  # main file -> {file: sha256} for it and its PDFs
    skipped: list[Skip]
    # publication page -> the Federal Register documents that are the same publication
    companions: dict[str, tuple[str, ...]] = field(default_factory=dict)


def discover(
    paths: Sequence[Path],
    limits: Limits,
    on_inspected: Callable[[Inspected], None] | None = None,
    scope: Scope | None = None,
) -> Discovery:
    """The main files under `paths` and their hashes; `on_inspected` sees each file read."""
    forget_sites()
    forget_parses()
    scope = scope or Scope.of(paths, limits.allow_outside_links)
    files, skipped = walk(paths)
    inspected = []
    for path in files:
        inspected.append(inspect(path, limits, scope))
        if on_inspected:
            on_inspected(inspected[-1])
    linked: set[Path] = set()
    for item in inspected:
        if item.problem:
            skipped.append(Skip(shown(item.path), item.problem))
        linked.update(item.deps)
        linked.update(item.texts)
        skipped.extend(_refused_links(item))
    companions = pair_notices(inspected)
    by_path = {str(item.path): item for item in inspected}
    for notices in companions.values():
        linked.update(Path(n) for n in notices)
    sources: dict[str, Inspected] = {}
    hashes: dict[str, dict[str, str]] = {}
    dep_hash: dict[Path, str] = {i.path: i.sha256 for i in inspected if i.kind == "pdf"}
    for item in inspected:
        if not item.kind or item.problem and not item.sha256 or item.path in linked:
            continue
        files_of = {str(item.path): item.sha256}
        for notice in companions.get(str(item.path), ()):
            files_of[notice] = by_path[notice].sha256
            files_of.update(_hashes(by_path[notice].texts, limits, scope))
        files_of.update(_hashes(item.texts, limits, scope))
        for dep in item.deps:
            if not dep_hash.get(dep):
                try:  # a linked PDF not found by the walk (e.g. outside, when allowed)
                    dep_hash[dep] = file_hash(dep, limits.pdf_max_bytes, scope)
                except (OSError, Unreadable):
                    continue
            files_of[str(dep)] = dep_hash[dep]
        sources[str(item.path)] = item
        hashes[str(item.path)] = files_of
    return Discovery(sources, hashes, skipped, companions)


_REFUSED_SHOWN = 5  # linked files refused, per source, listed one by one


def _refused_links(item: Inspected) -> list[Skip]:
    """The run summary's lines for an item's refused links: a few, then how many more."""
    out = [Skip(shown(path), f"{reason}; linked from {shown(item.path)}")
           for path, reason in item.refused[:_REFUSED_SHOWN]]  # fmt: skip
    if len(item.refused) > _REFUSED_SHOWN:
        more = len(item.refused) - _REFUSED_SHOWN
        out.append(Skip(shown(item.path), f"{more} more linked PDF(s) not read, as above"))
    return out


def _hashes(paths: Sequence[Path], limits: Limits, scope: Scope | None) -> dict[str, str]:
    out = {}
    for path in paths:
        try:
            out[str(path)] = file_hash(path, limits.html_max_bytes, scope)
        except (OSError, Unreadable):
            continue
    return out


def _pairing_title(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def pair_notices(inspected: Sequence[Inspected]) -> dict[str, tuple[str, ...]]:
    """Publication pages and the Federal Register documents that are the same publication:
    published the same day, with the same title or the same reference number.

    Each page takes one document and each document joins one page at most, the closest
    matches first (same title and reference, then same title, then same reference).
    """
    notices: dict[str, list[Inspected]] = {}
    for item in inspected:
        if item.notice is not None and item.notice.date and not item.problem:
            notices.setdefault(item.notice.date, []).append(item)
    if not notices:
        return {}
    candidates: list[tuple[int, str, str]] = []
    for item in inspected:
        if item.kind != "html-page" or item.page is None or item.problem:
            continue
        page = item.page
        when = parse_date(page.date_text) if page.date_text else None
        if not when or when not in notices:
            continue
        reference = choose_reference(page.title, page.summary)
        title = _pairing_title(page.title)
        for candidate in notices[when]:
            notice = candidate.notice
            assert notice is not None
            score = 2 if _pairing_title(notice.notice_title) == title else 0
            score += 1 if reference and notice.reference == reference else 0
            if score:
                candidates.append((-score, str(item.path), str(candidate.path)))
    pairs: dict[str, tuple[str, ...]] = {}
    taken: set[str] = set()
    for _, page_path, notice_path in sorted(candidates):
        if page_path not in pairs and notice_path not in taken:
            pairs[page_path] = (notice_path,)
            taken.add(notice_path)
    return pairs


def iter_known_removed(known: dict[str, object], current: dict[str, object]) -> Iterator[str]:
    for source in sorted(known):
        if source not in current:
            yield source
