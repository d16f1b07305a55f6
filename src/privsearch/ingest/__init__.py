"""Ingest: files on disk -> Records, one source (main file) at a time.

    plan = scan_sources([Path("corpus")], known=previous_hashes)
    for result in read_sources(plan):
        ...  # result.records, result.skipped, result.files

A source is a main file: a publication or listing page, a text listing, a manifest, or a PDF
that nothing links to. PDFs linked from a page or manifest are read into that source's records.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..config import Limits
from ..models import Page, Record, Skip
from .discover import (
    Inspected,
    Scope,
    Unreadable,
    check_pdf,
    discover,
    file_hash,
    inspect,
    keep_only,
    shown,
)
from .federal_register import FederalRegisterDocument, stated_document_url
from .html import ListingItem, worker_for_run
from .manifest import Manifest, ManifestRow
from .merge import group_copies, merge_copies
from .metadata import (
    DOC_TYPES,
    ID_DOC_TYPES,
    OTHER_AGENCY,
    Described,
    describe,
    infer_date,
    load_components,
    mentions_dhs,
    metadata_title,
    normalize_reference,
    parse_date,
    slugify,
    title_from_text,
)
from .pdf import DEFAULT_LIMITS, NO_TEXT_LAYER, PdfPool, PdfText
from .site import site_of
from .text import parse_text_listing

__all__ = [
    "SourcePlan",
    "SourceResult",
    "group_copies",
    "merge_copies",
    "read_paths",
    "read_sources",
    "scan_sources",
]


@dataclass(frozen=True)
class SourceResult:
    source: str  # absolute path of the main file (page, listing, manifest, or standalone PDF)
    files: dict[str, str]  # every file read for it (main + linked PDFs) -> sha256 of its bytes
    records: tuple[Record, ...]  # ids unique within one source
    skipped: tuple[Skip, ...]  # files (or linked PDFs) left out, with reason
    pages: int  # PDF pages read
    incomplete: bool = False  # records were left out: the next run must read the source again


@dataclass(frozen=True)
class SourcePlan:
    to_read: tuple[Path, ...]  # main files to (re)read: new, or it or one of its files changed
    unchanged: tuple[str, ...]  # known sources whose files all still hash the same
    removed: tuple[str, ...]  # known sources gone, or no longer a main file
    skipped: tuple[Skip, ...]  # discovery problems
    hashes: Mapping[str, str] = field(default_factory=dict)  # files of to_read -> sha256
    # publication page -> Federal Register documents read into its record
    companions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scope: Scope | None = None  # the folders files reached through links must stay in


def scan_sources(
    paths: Sequence[Path],
    known: Mapping[str, Mapping[str, str]] | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    pool: PdfPool | None = None,
) -> SourcePlan:
    """Find the main files under `paths` and compare them with the previous run's hashes.

    With a `pool`, the PDFs that the read will need start being read during the scan.
    """
    known = known or {}
    scope = Scope.of(paths, limits.allow_outside_links)
    found = discover(paths, limits, _read_ahead(pool, known) if pool else None, scope)
    to_read: list[Path] = []
    unchanged: list[str] = []
    hashes: dict[str, str] = {}
    for source, files in found.hashes.items():
        if source in known and dict(known[source]) == files:
            unchanged.append(source)
        else:
            to_read.append(Path(source))
            hashes.update(files)
    removed = tuple(sorted(s for s in known if s not in found.hashes))
    skipped = tuple(found.skipped)
    keep_only({str(p) for p in to_read})  # the parses the read will use, no others
    return SourcePlan(
        tuple(to_read), tuple(sorted(unchanged)), removed, skipped, hashes, found.companions,
        scope,
    )  # fmt: skip


def _read_ahead(
    pool: PdfPool, known: Mapping[str, Mapping[str, str]]
) -> Callable[[Inspected], None]:
    """A PDF whose path and hash no previous source had is read whatever links to it: every
    source holding it has changed. Those are read while the scan goes on."""
    seen = {(path, sha) for files in known.values() for path, sha in files.items()}

    def on_inspected(item: Inspected) -> None:
        if item.kind == "pdf" and not item.problem and (str(item.path), item.sha256) not in seen:
            pool.prefetch(str(item.path))
        pool.pump()

    return on_inspected


# --- reading -------------------------------------------------------------------------------


@dataclass
class _Job:
    """One main file being read; finished when all of its PDFs are back from the pool."""

    item: Inspected
    pdfs: list[Path] = field(default_factory=list)
    hashes: Mapping[str, str] = field(default_factory=dict)  # as scanned
    results: dict[str, PdfText | str] = field(default_factory=dict)
    notices: tuple[FederalRegisterDocument, ...] = ()  # the same publication, in the Register
    others: tuple[Path, ...] = ()  # other files read with it: notices and their full texts
    limits: Limits = DEFAULT_LIMITS

    @property
    def ready(self) -> bool:
        return all(str(p) in self.results for p in self.pdfs)


@dataclass
class _ManifestJob:
    """A manifest being read: its rows come out in batches, as their PDFs come back, so that
    a manifest of thousands of PDFs is indexed while it is being read."""

    item: Inspected
    manifest: Manifest
    hashes: Mapping[str, str]  # as scanned
    seen_ids: dict[str, int] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)  # linked PDF -> why not read

    def batch(
        self,
        indexes: Sequence[int],
        pdf: Path | None,
        result: PdfText | str | None,
        problems: Sequence[str] = (),
    ) -> SourceResult:
        source = str(self.item.path)
        files: dict[str, str] = {}
        skipped = [Skip(source, p) for p in problems]
        text = result if isinstance(result, PdfText) else None
        if pdf is not None:
            sha = _file_hash(pdf, self.hashes)
            if sha:
                files[str(pdf)] = sha
            if isinstance(result, str):
                skipped.append(Skip(str(pdf), result))
        records = []
        for i in indexes:
            row, path = self.manifest.rows[i], self.manifest.pdfs[i]
            note = ""
            if path is not None and text is None:
                if isinstance(result, str):
                    note = f"attachment {path.name} skipped: {result}"
                elif str(path) in self.refused:
                    note = f"linked PDF {row.pdf} not read: {self.refused[str(path)]}"
                else:
                    note = f"linked PDF not found: {row.pdf}"
            records.append(self._unique(_manifest_row(row, self.item.path, text, note)))
        pages = len(text.pages) if text else 0
        return SourceResult(source, files, tuple(records), tuple(skipped), pages)

    def _unique(self, record: Record) -> Record:
        n = self.seen_ids.get(record.id, 0) + 1
        self.seen_ids[record.id] = n
        return record if n == 1 else _replace_id(record, f"{record.id}-{n}")


def read_sources(
    plan: SourcePlan, *, limits: Limits = DEFAULT_LIMITS, pool: PdfPool | None = None
) -> Iterator[SourceResult]:
    """Read every main file of `plan`, yielding results as they complete: one per file, or for
    a manifest several, each with some of its rows (the first also with the manifest itself).
    PDFs are read in `pool` (the one the scan read ahead in), else in a pool of its own.

    At most `limits.run_max_records` records are yielded: the source that reaches the limit
    keeps the records up to it, and the sources not read yet are left for a later run (the
    first of them is reported, with how many others)."""
    left = limits.run_max_records
    started: set[str] = set()
    results = _read_sources(plan, limits, pool)
    try:
        for result in results:
            started.add(result.source)
            if len(result.records) < left or not result.records:
                left -= len(result.records)
                yield result
                continue
            cut = len(result.records) - left
            reason = (
                f"this run reached its limit of {limits.run_max_records} records "
                f"(run_max_records): {cut} record(s) of this file left out"
            )
            skips = (*result.skipped, Skip(result.source, reason)) if cut else result.skipped
            yield SourceResult(
                result.source, result.files, result.records[:left], skips, result.pages, bool(cut)
            )
            break
        else:
            return
    finally:
        results.close()
    unread = [str(p) for p in plan.to_read if str(p) not in started]
    if unread:
        others = f", nor {len(unread) - 1} other file(s)" if len(unread) > 1 else ""
        reason = (
            f"not read: this run reached its limit of {limits.run_max_records} records "
            f"(run_max_records){others}; a later run reads them"
        )
        yield SourceResult(unread[0], {}, (), (Skip(unread[0], reason),), 0)


def _read_sources(plan: SourcePlan, limits: Limits, pool: PdfPool | None) -> Iterator[SourceResult]:
    waiting: dict[str, list[_Job | tuple[_ManifestJob, list[int]]]] = {}
    # The workers are reading ahead meanwhile: keep them supplied between records.
    tick = pool.pump if pool else None
    for path in plan.to_read:
        if tick:
            tick()
        path = Path(os.path.abspath(path))  # as scanned: resolved, links and all
        item = inspect(path, limits, plan.scope, take=True)
        if item.problem or not item.kind:
            reason = item.problem or "not a page, listing, manifest or PDF"
            files = {str(path): item.sha256} if item.sha256 else {}
            yield SourceResult(str(path), files, (), (Skip(shown(path), reason),), 0)
            continue
        if item.kind == "manifest":
            yield from _start_manifest(item, plan.hashes, waiting, limits, plan.scope)
            continue
        job = _Job(item, [path] if item.kind == "pdf" else list(item.deps), plan.hashes)
        job.limits = limits
        companions = [
            inspect(Path(p), limits, plan.scope) for p in plan.companions.get(str(path), ())
        ]
        job.notices = tuple(c.notice for c in companions if c.notice is not None)
        job.others = (*item.texts, *(f for c in companions for f in (c.path, *c.texts)))
        for pdf in job.pdfs:  # checked again: a file may have been swapped since the scan
            problem = check_pdf(pdf, limits, plan.scope)
            if problem:
                job.results[str(pdf)] = problem
        if job.ready:
            yield _finish(job, tick)
            continue
        for pdf in job.pdfs:
            if str(pdf) not in job.results:
                waiting.setdefault(str(pdf), []).append(job)
    if not waiting:
        return
    with contextlib.nullcontext(pool) if pool else PdfPool(limits) as pdfs:
        for pdf, result in pdfs.extract(list(waiting)):
            for listener in waiting.pop(pdf, []):
                if isinstance(listener, tuple):
                    manifest, rows = listener
                    yield manifest.batch(rows, Path(pdf), result)
                    continue
                listener.results[pdf] = result
                if listener.ready:
                    yield _finish(listener)


def _start_manifest(
    item: Inspected,
    hashes: Mapping[str, str],
    waiting: dict[str, list[_Job | tuple[_ManifestJob, list[int]]]],
    limits: Limits,
    scope: Scope | None,
) -> Iterator[SourceResult]:
    """The manifest's own result (its rows without a PDF to read, or with one that cannot
    be), and its PDFs put on the waiting list."""
    assert item.manifest is not None
    refused = {str(path): reason for path, reason in item.refused}
    job = _ManifestJob(item, item.manifest, hashes, refused=refused)
    existing = {str(p) for p in item.deps}
    now: list[int] = []
    by_pdf: dict[str, list[int]] = {}
    for i, path in enumerate(item.manifest.pdfs):
        if path is not None and str(path) in existing:
            by_pdf.setdefault(str(path), []).append(i)
        else:
            now.append(i)
    first = job.batch(now, None, None, item.manifest.problems)
    yield SourceResult(first.source, {str(item.path): item.sha256}, first.records, first.skipped, 0)
    for pdf, indexes in by_pdf.items():
        problem = check_pdf(Path(pdf), limits, scope)  # swapped since the scan?
        if problem:
            yield job.batch(indexes, Path(pdf), problem)
        else:
            waiting.setdefault(pdf, []).append((job, indexes))


def read_paths(paths: Sequence[Path], *, limits: Limits = DEFAULT_LIMITS) -> list[Record]:
    """Every publication under `paths`, read in full (no incrementality): one record each,
    its copies (a listing entry and its page, a PDF read twice) merged."""
    records: list[Record] = []
    with worker_for_run(), PdfPool(limits) as pool:
        plan = scan_sources(paths, limits=limits, pool=pool)
        for result in read_sources(plan, limits=limits, pool=pool):
            records.extend(result.records)
    # Sources finish in any order: put them in the order of `paths`, then of their names, so
    # that the copy kept first (its id, its title) is the same on every run.
    # Sources are real paths (links resolved), so the roots must be too.
    roots = [
        os.path.join(os.path.realpath(p), "") if os.path.isdir(p) else os.path.realpath(p)
        for p in paths
    ]

    def order(record: Record) -> tuple[int, str]:
        source = record.source
        return next(
            (i for i, root in enumerate(roots) if source.startswith(root)), len(roots)
        ), source

    return merge_copies(sorted(records, key=order))


def _unique(records: list[Record]) -> tuple[Record, ...]:
    seen: dict[str, int] = {}
    out = []
    for record in records:
        n = seen.get(record.id, 0) + 1
        seen[record.id] = n
        out.append(record if n == 1 else _replace_id(record, f"{record.id}-{n}"))
    return tuple(out)


def _replace_id(record: Record, new_id: str) -> Record:
    return replace(record, id=new_id)


def _finish(job: _Job, tick: Callable[[], None] | None = None) -> SourceResult:
    item = job.item
    source = str(item.path)
    files = {source: item.sha256}
    for other in job.others:
        sha = _file_hash(other, job.hashes, job.limits)
        if sha:
            files[str(other)] = sha
    skipped: list[Skip] = []
    pdf_texts: list[PdfText] = []
    notes: list[str] = [f"linked PDF not found: {href}" for href in item.missing]
    notes += [f"linked PDF {path.name} not read: {reason}" for path, reason in item.refused]
    for pdf in job.pdfs:
        result = job.results[str(pdf)]
        sha = files.get(str(pdf)) or _file_hash(pdf, job.hashes, job.limits)
        if sha:
            files[str(pdf)] = sha
        if isinstance(result, str):
            skipped.append(Skip(str(pdf), result))
            if item.kind != "pdf":
                notes.append(f"attachment {pdf.name} skipped: {result}")
        else:
            pdf_texts.append(result)
    if item.kind == "pdf":
        records = [_pdf_record(item.path, pdf_texts[0])] if pdf_texts else []
    elif item.kind == "html-page":
        records = [_with_notices(_page_record(item, pdf_texts, notes), job.notices)]
    elif item.kind == "federal-register":
        records = [_notice_record(item)] if item.notice else []
    else:  # listings; manifests are read by _ManifestJob
        records = _listing_records(item, tick)
    pages = sum(len(t.pages) for t in pdf_texts)
    return SourceResult(source, files, _unique(records), tuple(skipped), pages)


def _file_hash(
    path: Path, scanned: Mapping[str, str], limits: Limits = DEFAULT_LIMITS
) -> str | None:
    """A file's sha256 as scanned, else as it is now; None if it cannot be read. (A file
    changed since the scan is read again next run: its hash then differs.)"""
    if str(path) in scanned:
        return scanned[str(path)]
    try:
        return file_hash(path, max(limits.pdf_max_bytes, limits.html_max_bytes))
    except (OSError, Unreadable):
        return None


def _pages(texts: Sequence[PdfText]) -> tuple[Page, ...]:
    return tuple(Page(n, text, t.path) for t in texts for n, text in t.pages if text)


def _first_text(texts: Sequence[PdfText]) -> str:
    for t in texts:
        body = "\n".join(text for _, text in t.pages[:3])
        if body.strip():
            return body
    return ""


def _record(
    d: Described,
    *,
    summary: str,
    source: str,
    pages: tuple[Page, ...] = (),
    sorns: Sequence[str] = (),
    attachments: Sequence[str] = (),
    url: str = "",
    warnings: Sequence[str] = (),
) -> Record:
    # A Federal Register notice read from a PDF or a page states its document number: the
    # Register's address for it, when nothing else gives the publication's.
    stated = stated_document_url("\n".join(page.text for page in pages[:3]))
    links = tuple(dict.fromkeys(a for a in (url, stated) if a)) if stated else ()
    return Record(
        id=d.id,
        title=d.title,
        summary=summary,
        pages=pages,
        component=d.component,
        doc_type=d.doc_type,
        date=d.date,
        sorns=tuple(sorns),
        source=source,
        attachments=tuple(attachments),
        url=url or stated,
        warnings=tuple(dict.fromkeys(warnings)),
        links=links,
    )


def _pdf_record(path: Path, pdf: PdfText) -> Record:
    text = _first_text([pdf])
    stem_title = path.stem.replace("-", " ").replace("_", " ").strip()
    given = metadata_title(pdf.title)
    title = title_from_text(text, given or stem_title) if text else given or stem_title
    title = _fuller_title(title, given)
    d = describe(title=title, fallback_id=slugify(path.stem), text=text)
    if d.component == "ALL" and not mentions_dhs(f"{title}\n{text}"):
        # A PDF nothing links to, too short to name its agency, and not DHS's by its words:
        # the department-wide default of a DHS listing does not apply to it.
        d = replace(d, component=OTHER_AGENCY)
    site = site_of(path)  # a PDF of a mirrored site: its address there
    return _record(
        d,
        summary="",
        source=str(path),
        pages=_pages([pdf]),
        attachments=(str(path),),
        url=site.url_of(path) if site else "",
        warnings=pdf.warnings,
    )


def _fuller_title(title: str, given: str) -> str:
    """The PDF's own /Title when it is the title block's heading with the name the form was
    filled in for ("Privacy Threshold Analysis (PTA)" -> "...: TSA PreCheck Application")."""
    heading = re.sub(r"\W+", " ", title).strip().lower()
    fuller = re.sub(r"\W+", " ", given).strip().lower()
    if heading and fuller.startswith(heading + " ") and len(fuller) > len(heading) + 3:
        return given
    return title


def _page_record(item: Inspected, pdfs: list[PdfText], notes: list[str]) -> Record:
    page = item.page
    assert page is not None
    text = _first_text(pdfs)
    title = page.title or (title_from_text(text) if text else "") or item.path.stem
    d = describe(
        title=title,
        fallback_id=slugify(item.path.stem),
        summary=page.summary,
        text=text,
        date_text=page.date_text,
    )
    warnings = [*notes, *(w for t in pdfs for w in t.warnings)]
    site = site_of(item.path)
    url = page.canonical_url or (site.url_of(item.path) if site else "")
    return _record(
        d,
        summary=page.summary,
        source=str(item.path),
        pages=_pages(pdfs),
        sorns=page.sorns,
        attachments=[t.path for t in pdfs],
        url=url,
        warnings=warnings,
    )


_PAGE_MARK = re.compile(r"\[\[Page \d+\]\]")


def _notice_pages(notice: FederalRegisterDocument) -> tuple[Page, ...]:
    """A notice's full text, split where the printed Register's pages begin ([[Page N]])."""
    parts = [part.strip() for part in _PAGE_MARK.split(notice.text)]
    return tuple(Page(n, text) for n, text in enumerate(parts, start=1) if text)


def _notice_details(notice: FederalRegisterDocument) -> tuple[tuple[str, str], ...]:
    pairs = (
        ("document_number", notice.document_number),
        ("citation", notice.citation),
        ("publication_date", notice.date or ""),
        ("federal_register_type", notice.fr_type),
        ("action", notice.action),
        ("docket_ids", "; ".join(notice.docket_ids)),
        ("notice_title", notice.notice_title),
    )
    return tuple((name, value) for name, value in pairs if value)


def _notice_links(notice: FederalRegisterDocument) -> tuple[str, ...]:
    return tuple(link for link in (notice.html_url, notice.pdf_url) if link)


def _notice_record(item: Inspected) -> Record:
    """One Federal Register document: its metadata, and its full text as its pages."""
    notice = item.notice
    assert notice is not None
    record_id = (
        notice.reference
        if notice.reference and notice.doc_type in ID_DOC_TYPES
        else slugify(f"fr-{notice.date or ''}-{notice.title}")
    )
    links = _notice_links(notice)
    return Record(
        id=record_id,
        title=notice.title,
        summary=notice.abstract,
        pages=_notice_pages(notice),
        component=notice.component,
        doc_type=notice.doc_type,
        date=notice.date,
        source=str(item.path),
        url=links[0] if links else "",
        links=links,
        details=_notice_details(notice),
    )


def _with_notices(record: Record, notices: Sequence[FederalRegisterDocument]) -> Record:
    """A publication page's record with what its Federal Register notice adds: its links and
    identifiers, and its text when the page has no PDF text."""
    if not notices:
        return record
    notice = notices[0]
    links = tuple(dict.fromkeys(link for link in (record.url, *_notice_links(notice)) if link))
    return replace(
        record,
        summary=record.summary or notice.abstract,
        pages=record.pages or _notice_pages(notice),
        date=record.date or notice.date,
        url=record.url or (links[0] if links else ""),
        links=links,
        details=_notice_details(notice),
    )


def _listing_records(item: Inspected, tick: Callable[[], None] | None = None) -> list[Record]:
    """A record per listed item; `tick` is called between them."""
    if item.kind == "text":
        text = item.data.decode("utf-8", errors="replace")
        entries = [ListingItem(i.title, i.summary) for i in parse_text_listing(text)]
    else:
        assert item.page is not None
        entries = list(item.page.items)
    base = _listing_base(item)
    records = []
    for entry in entries:
        d = describe(title=entry.title, fallback_id=slugify(entry.title), summary=entry.summary)
        url = _entry_address(entry.href, base)
        records.append(_record(d, summary=entry.summary, source=str(item.path), url=url))
        if tick:
            tick()
    return records


def _listing_base(item: Inspected) -> str:
    """The address a listing's relative links resolve against: the one it states for
    itself, else its address in a mirrored site; "" when unknown (a saved file)."""
    if item.page is not None and item.page.base_url:
        return item.page.base_url
    site = site_of(item.path)
    return site.url_of(item.path) if site else ""


def _entry_address(href: str, base: str) -> str:
    """A listed item's address: its link, made absolute against `base` when relative."""
    href = href.strip()
    if not href or href.startswith("#"):
        return ""
    address = urljoin(base, href) if base else href
    return address if urlsplit(address).scheme in ("http", "https") else ""


def _given_doc_type(value: str) -> str | None:
    for doc_type in DOC_TYPES:
        if value.strip().lower() == doc_type.lower():
            return doc_type
    return None


def _inline_text(row: ManifestRow) -> PdfText | None:
    """The text a manifest row gives inline, as if read from a PDF (pages numbered from 1)."""
    pages = tuple((n, text) for n, text in enumerate(row.page_texts, start=1) if text.strip())
    return PdfText("", pages, len(row.page_texts)) if pages else None


def _manifest_row(row: ManifestRow, manifest: Path, pdf: PdfText | None, note: str) -> Record:
    body = pdf if pdf and pdf.has_text else _inline_text(row) or pdf  # the PDF, when it has text
    text = _first_text([body]) if body else ""
    title = row.text("title") or (title_from_text(text) if text else "")
    given_id = row.text("id")
    reference = (
        normalize_reference(given_id)
        if given_id.upper().startswith(("DHS", "DEPARTMENT"))
        else None
    )
    fallback = reference or given_id or slugify(title or f"{manifest.stem}-line-{row.line}")
    component = (
        load_components().canonical(row.text("component")) if row.text("component") else None
    )
    doc_type = _given_doc_type(row.text("doc_type"))
    date = parse_date(row.text("date")) if row.text("date") else None
    if given_id and component and doc_type:  # the row says all but perhaps the date
        if not row.text("date"):
            date = infer_date(text=text, summary=row.text("summary"))
        d = Described(fallback, title or fallback, component, doc_type, date, reference)
    else:
        d = describe(
            title=title or fallback,
            fallback_id=fallback,
            summary=row.text("summary"),
            text=text,
            date_text=row.text("date"),
        )
        d = Described(
            id=fallback if (reference or given_id) else d.id,
            title=title or fallback,
            component=component or d.component,
            doc_type=doc_type or d.doc_type,
            date=date if row.text("date") else d.date,
            reference=reference or d.reference,
        )
    return _record(
        d,
        summary=row.text("summary"),
        source=str(manifest),
        pages=_pages([body]) if body else (),
        sorns=row.sorns,
        attachments=(pdf.path,) if pdf else (),
        url=row.text("url"),
        warnings=[*(pdf.warnings if pdf else ()), *([note] if note else [])],
    )


_ = NO_TEXT_LAYER  # re-exported for callers that check warnings
