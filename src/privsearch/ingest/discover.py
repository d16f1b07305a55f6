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
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Limits
from ..models import Skip
from .federal_register import (
    FederalRegisterDocument,
    looks_like_federal_register,
    read_federal_register,
)
from .html import HtmlPage, NestedTooDeeply, decode_html, parse_html, resolve_link
from .manifest import Manifest, gunzip, looks_like_manifest, read_manifest
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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else type(exc).__name__


def walk(paths: Sequence[Path]) -> tuple[list[Path], list[Skip]]:
    """Files with a known extension under `paths` (resolved, sorted), and what could not be read.

    Follows directory symlinks once per real directory, so loops end, and only within the
    given folders; skips hidden entries below them.
    """
    found: dict[str, Path] = {}
    skipped: list[Skip] = []
    seen_dirs: set[str] = set()
    roots = [os.path.realpath(p) for p in paths if os.path.isdir(p)]

    def inside(real: str) -> bool:
        # A link may not pull in files from elsewhere on the machine (e.g. a page named
        # notes.html pointing at someone's private files), which the HTTP API would then serve.
        return any(real == root or real.startswith(root.rstrip("/") + "/") for root in roots)

    for given in paths:
        given = Path(given)
        try:
            real = given.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            reason = "not found" if isinstance(exc, FileNotFoundError) else "cannot resolve path"
            skipped.append(Skip(str(given.absolute()), reason))
            continue
        if real.is_file():
            if kind_of(real.name):
                found[str(real)] = real
            continue
        for top, dirs, files in os.walk(
            real,
            followlinks=True,
            onerror=lambda e: skipped.append(
                Skip(str(e.filename), f"cannot read directory ({_reason(e)})")
            ),
        ):
            top_real = os.path.realpath(top)
            if top_real in seen_dirs:
                dirs[:] = []
                continue
            seen_dirs.add(top_real)
            outside = [d for d in dirs if not inside(os.path.realpath(os.path.join(top, d)))]
            skipped.extend(
                Skip(os.path.join(top, d), "link points outside the folders being indexed")
                for d in sorted(outside)
                if not d.startswith(".")
            )
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in outside)
            for name in files:
                if name.startswith(".") or not kind_of(name):
                    continue
                real = _plain_file(os.path.join(top_real, name))
                if real is not None:  # the common case, one system call
                    if inside(real):
                        found[real] = Path(real)
                    continue
                path = Path(top) / name
                try:
                    resolved = path.resolve(strict=True)
                except (OSError, RuntimeError) as exc:
                    loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", 0) == errno.ELOOP
                    skipped.append(Skip(str(path), "symlink loop" if loop else "broken link"))
                    continue
                if not inside(str(resolved)):
                    skipped.append(Skip(str(path), "link points outside the folders being indexed"))
                elif resolved.is_file():
                    found[str(resolved)] = resolved
    return [found[k] for k in sorted(found)], skipped


def _plain_file(path: str) -> str | None:
    """`path` if it is a regular file and not a link (in a folder already resolved)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    return path if stat.S_ISREG(mode) else None


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


_CACHE: dict[tuple[str, str], Inspected] = {}


def inspect(path: Path, limits: Limits) -> Inspected:
    """Read and classify one file (PDFs are only hashed)."""
    kind = kind_of(path.name)
    try:
        if kind == "pdf":
            return Inspected(path, "pdf", sha256=sha256_file(path))
        size = path.stat().st_size
        if size > limits.html_max_bytes:  # pages, listings and manifests are read whole
            return Inspected(
                path, "html-page" if kind == "html" else kind, sha256=sha256_file(path),
                problem=f"too large ({size} bytes; limit {limits.html_max_bytes})",
            )  # fmt: skip
        with open(path, "rb") as f:  # at most the cap, even if the file grows meanwhile
            data = f.read(limits.html_max_bytes + 1)
        if len(data) > limits.html_max_bytes:
            return Inspected(
                path, "html-page" if kind == "html" else kind, sha256=sha256_file(path),
                problem=f"too large (over {limits.html_max_bytes} bytes)",
            )  # fmt: skip
    except OSError as exc:
        return Inspected(path, kind, problem=f"cannot read file ({_reason(exc)})")
    sha = hashlib.sha256(data).hexdigest()
    cached = _CACHE.get((str(path), sha))
    if cached:
        return cached
    result = _classify(path, kind, data, sha, limits.html_max_bytes)
    # scan_sources parses pages to find their PDFs; read_sources then reuses the parse
    if result.kind != "federal-register" and max(len(data), len(result.data)) <= 2 * 1024 * 1024:
        if len(_CACHE) >= 2048:
            _CACHE.clear()
        _CACHE[(str(path), sha)] = result
    return result


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


def _classify(path: Path, kind: str, data: bytes, sha: str, limit: int) -> Inspected:
    if kind == "html":
        problem = "empty file" if not data or data.isspace() else _not_html(data)
        if problem:
            return Inspected(path, "html-page", sha256=sha, problem=problem)
        try:
            page = parse_html(decode_html(data))
        except (NestedTooDeeply, RecursionError):
            problem = "cannot parse HTML (elements nested too deeply)"
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
        manifest = read_manifest(text, path)
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
    text_path = path.with_suffix(".txt")
    text, texts = "", ()
    # The full text beside it, if it is a file of that folder (not a link to one elsewhere).
    if text_path.is_file() and os.path.realpath(text_path) == str(path.parent / text_path.name):
        try:
            with open(text_path, "rb") as handle:
                text = handle.read(limit + 1).decode("utf-8", errors="replace")
        except OSError as exc:
            return Inspected(path, "federal-register", sha256=sha, problem=_reason(exc))
        if len(text) > limit:
            problem = f"full text too large (over {limit} bytes): {text_path.name}"
            return Inspected(path, "federal-register", sha256=sha, problem=problem)
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
) -> Discovery:
    """The main files under `paths` and their hashes; `on_inspected` sees each file read."""
    forget_sites()
    files, skipped = walk(paths)
    inspected = []
    for path in files:
        inspected.append(inspect(path, limits))
        if on_inspected:
            on_inspected(inspected[-1])
    linked: set[Path] = set()
    for item in inspected:
        if item.problem:
            skipped.append(Skip(str(item.path), item.problem))
        linked.update(item.deps)
        linked.update(item.texts)
    companions = pair_notices(inspected)
    by_path = {str(item.path): item for item in inspected}
    for notices in companions.values():
        linked.update(Path(n) for n in notices)
    sources: dict[str, Inspected] = {}
    hashes: dict[str, dict[str, str]] = {}
    dep_hash: dict[Path, str] = {i.path: i.sha256 for i in inspected if i.kind == "pdf"}
    for item in inspected:
        if not item.kind or item.problem and not item.sha256:
            continue
        if item.path in linked:
            continue
        files_of = {str(item.path): item.sha256}
        for notice in companions.get(str(item.path), ()):
            files_of[notice] = by_path[notice].sha256
            files_of.update(_hashes(by_path[notice].texts))
        files_of.update(_hashes(item.texts))
        for dep in item.deps:
            if dep not in dep_hash:
                try:
                    dep_hash[dep] = sha256_file(dep)
                except OSError:
                    continue
            files_of[str(dep)] = dep_hash[dep]
        sources[str(item.path)] = item
        hashes[str(item.path)] = files_of
    return Discovery(sources, hashes, skipped, companions)


def _hashes(paths: Sequence[Path]) -> dict[str, str]:
    out = {}
    for path in paths:
        try:
            out[str(path)] = sha256_file(path)
        except OSError:
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
