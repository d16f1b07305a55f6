"""The `privsearch` command line: fetch, update, index, search, show, export, stats, ..."""

from __future__ import annotations

import contextlib
import csv
import functools
import json
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

import privsearch
from privsearch import (
    BadParameterError,
    IndexNotFoundError,
    NotComparableError,
    PrivsearchError,
    QuerySyntaxError,
    RecordNotFoundError,
    SearchResults,
)
from privsearch.config import FETCH_SOURCES, load_settings
from privsearch.structure import PRIVACY_FACETS

F = TypeVar("F", bound=Callable[..., Any])

RESULT_FIELDS = (
    "id", "title", "component", "doc_type", "date", "score", "pages", "section", "source", "url",
)  # fmt: skip
EXPORT_FIELDS = (
    "id", "title", "component", "doc_type", "date", "sorns", "source", "url", "pages",
    *PRIVACY_FACETS,
)  # fmt: skip
RISK_FIELDS = ("id", "title", "component", "doc_type", "date", "section", "page", "risk",
               "mitigation")  # fmt: skip


class UsageProblem(click.ClickException):
    """A bad query or option value: one line on stderr, exit status 2."""

    exit_code = 2


def _fail(exc: PrivsearchError) -> click.ClickException:
    message = _safe(exc.message, lines=True)  # it may quote a file name or a query
    if isinstance(exc, (QuerySyntaxError, BadParameterError)):
        return UsageProblem(message)
    return click.ClickException(message)


def translate_errors(func: F) -> F:
    """Turn privsearch errors into one-line messages instead of tracebacks."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PrivsearchError as exc:
            raise _fail(exc) from None

    return wrapper  # type: ignore[return-value]


def index_option(func: F) -> F:
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index folder (default: ./index, or $PRIVSEARCH_INDEX_DIR).",
    )(func)


def _checked_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A date option's value, refused (exit 2, one line) unless it is a real date."""
    if value is None:
        return None
    try:
        return privsearch.check_date(value, f"--{param.name}")
    except BadParameterError as exc:
        raise _fail(exc) from None  # the message quotes the value: made safe to print


def filter_options(func: F) -> F:
    """The query words and --component, --type, --year, --since, --until, --quote: shared by
    search and export."""
    options = [
        click.argument("words", nargs=-1),
        click.option("--component", multiple=True, help="Only this component (CBP, ICE, ...)."),
        click.option("--type", "doc_type", multiple=True, help="Only this type (PIA, SORN, ...)."),
        click.option("--year", multiple=True, help="Only documents of this year (YYYY)."),
        click.option(
            "--since",
            callback=_checked_date,
            help="Published on or after (YYYY, YYYY-MM or YYYY-MM-DD).",
        ),
        click.option(
            "--until",
            callback=_checked_date,
            help="Published on or before (YYYY, YYYY-MM or YYYY-MM-DD).",
        ),
        click.option(
            "--quote", is_flag=True, help="Search every word literally, ignoring query syntax."
        ),
        click.option(
            "--section",
            multiple=True,
            help='Only words inside this kind of section ("routine uses", retention, ...).',
        ),
        click.option(
            "--pii", multiple=True, help="Only systems collecting this (fingerprints, ...)."
        ),
        click.option("--technology", multiple=True, help="Only documents about this technology."),
        click.option("--retention", multiple=True, help="Only records kept this long (7 years)."),
        click.option("--authority", multiple=True, help="Only documents citing this authority."),
        click.option("--exemption", multiple=True, help="Only systems claiming this exemption."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def limit_options(func: F) -> F:
    """The caps on hostile input (SECURITY.md); each also has a PRIVSEARCH_* variable."""
    options = [
        click.option(
            "--workers",
            type=click.IntRange(0, 64),
            help="PDF worker and index writer processes (0 = cores).",
        ),
        click.option(
            "--timeout",
            "pdf_timeout",
            type=click.FloatRange(1),
            help="Seconds per PDF or HTML page.",
        ),
        click.option("--pdf-memory-mb", type=click.IntRange(64), help="Memory per PDF worker."),
        click.option("--pdf-max-pages", type=click.IntRange(1), help="Pages read per PDF."),
        click.option("--pdf-max-chars", type=click.IntRange(1), help="Characters kept per PDF."),
        click.option("--pdf-max-bytes", type=click.IntRange(1), help="Largest PDF file read."),
        click.option(
            "--pdf-max-stream-bytes", type=click.IntRange(1), help="Largest stream, decompressed."
        ),
        click.option(
            "--html-max-bytes", type=click.IntRange(1), help="Largest page, listing or manifest."
        ),
        click.option(
            "--index-memory-mb",
            type=click.IntRange(16),
            help="Postings a run's index writers keep in memory, together.",
        ),
        click.option("--manifest-max-rows", type=click.IntRange(1), help="Rows read per manifest."),
        click.option("--run-max-records", type=click.IntRange(1), help="Records added per run."),
        click.option(
            "--allow-outside-links/--no-allow-outside-links",
            default=None,
            help="Read PDFs that pages and manifests link outside the folders being indexed.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


# What a terminal would act on rather than show: escape sequences (CSI such as clear screen
# or cursor moves, OSC such as set title or hyperlinks, DCS and the other string commands, up
# to their terminator) and, outside them, C0 and C1 control characters and DEL.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LAYOUT_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps tab and newline


def _safe(text: object, *, lines: bool = False) -> str:
    """`text` from a file (a name, a title, a reason quoting one) as a terminal may show it:
    escape sequences removed, other control characters shown as "?". With `lines`, tabs and
    newlines stay (a page's text); without, they become spaces, so that one value cannot
    start a line of its own in a summary."""
    text = _ESCAPE_SEQUENCE.sub("", str(text))
    if lines:
        return _LAYOUT_CONTROL.sub("?", text.replace("\r\n", "\n"))
    return _CONTROL.sub("?", text.replace("\t", " ").replace("\n", " "))


def _echo(message: str = "", *, err: bool = False) -> None:
    """click.echo for every line shown: what it prints cannot drive the terminal."""
    click.echo(_safe(message, lines=True), err=err)


def _json_text(data: object, **kwargs: Any) -> str:
    """JSON as printed: C1 control characters escaped too (JSON escapes only C0 ones)."""
    text = json.dumps(data, **kwargs)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


def _stderr(message: str) -> None:
    _echo(message, err=True)


@click.group()
@click.version_option(privsearch.__version__, prog_name="privsearch")
def cli() -> None:
    """Full-text search over DHS privacy publications (PIAs, SORNs, reports).

    Example: privsearch search "facial recognition" --component ICE
    """


# -- index ------------------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Start over instead of updating the index.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any file was skipped.")
@limit_options
@translate_errors
def index(
    paths: tuple[Path, ...],
    index_dir: Path | None,
    rebuild: bool,
    as_json: bool,
    strict: bool,
    **limits: Any,
) -> None:
    """Index listing pages, publication pages, PDFs and manifests under PATHS.

    A second run reads only new or changed files and drops records whose file is gone.

    Example: privsearch index ../shared/corpus/dhs --index index
    """
    settings = load_settings(index_dir=index_dir, **limits)
    report = _build(list(paths), settings.index_dir, rebuild=rebuild, limits=settings.limits)
    if as_json:
        click.echo(_json_text(report.to_dict(), indent=2))
    else:
        _print_report(report)
    if strict and report.skipped:
        sys.exit(1)


def _build(
    paths: list[Path], index_dir: Path, *, rebuild: bool, limits: Any
) -> privsearch.IndexReport:
    if not sys.stderr.isatty():
        return privsearch.build_index(paths, index_dir, rebuild=rebuild, limits=limits)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("Reading", total=None)

        def progress(event: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return privsearch.build_index(
            paths, index_dir, rebuild=rebuild, limits=limits, progress=progress
        )


def _print_report(report: privsearch.IndexReport) -> None:
    _echo(
        f"Indexed {report.sources_read} source(s) in {report.seconds:.1f} s: "
        f"{report.records_added} record(s) added ({report.pages} page(s) of text), "
        f"{report.records_removed} removed; {report.sources_unchanged} unchanged, "
        f"{report.sources_removed} gone. The index holds {report.records} record(s), "
        f"{report.index_pages} page(s) of text."
    )
    if report.skipped:
        _echo(f"Skipped {len(report.skipped)} file(s):")
        for skip in report.skipped:
            _echo(f"  {_safe(skip.path)}: {_safe(skip.reason)}")
    if report.warnings:
        _echo(f"{len(report.warnings)} warning(s):")
        for warning in report.warnings[:20]:
            _echo(f"  {_safe(warning)}")
        if len(report.warnings) > 20:
            _echo(f"  ... and {len(report.warnings) - 20} more (see --json)")
    _print_watched(report.watches)


# -- fetch and update -------------------------------------------------------------------------


def fetch_options(func: F) -> F:
    """Where to fetch from and how politely: shared by fetch and update."""
    options = [
        click.argument("sources", nargs=-1, type=click.Choice(FETCH_SOURCES)),
        click.option(
            "--mirror",
            "mirror_dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Mirror folder (default: ./mirror, or $PRIVSEARCH_MIRROR_DIR).",
        ),
        click.option("--dhs-url", help="The DHS website's address (default https://www.dhs.gov)."),
        click.option(
            "--federal-register-url",
            help="The Federal Register's address (default https://www.federalregister.gov).",
        ),
        click.option("--since", help="Only publications of this date or later (YYYY-MM-DD)."),
        click.option(
            "--delay",
            type=click.FloatRange(0),
            default=1.0,
            show_default=True,
            help="Seconds between two requests to one host (a larger robots.txt Crawl-delay wins).",
        ),
        click.option(
            "--max-requests", type=click.IntRange(1), help="Stop after this many requests."
        ),
        click.option(
            "--full", is_flag=True, help="Walk every listing page, not only the new ones."
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON."),
        click.option(
            "--strict", is_flag=True, help="Exit with status 1 if anything could not be fetched."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _fetch_arguments(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of privsearch.fetch from the shared options."""
    urls = {"dhs": options["dhs_url"], "federal-register": options["federal_register_url"]}
    return {
        "urls": {name: url for name, url in urls.items() if url},
        "since": options["since"],
        "delay": options["delay"],
        "max_requests": options["max_requests"],
        "full": options["full"],
    }


_PROGRESS_LABELS = {
    "publication": "publication(s) complete",
    "stored": "file(s) stored",
    "unchanged": "unchanged",
    "failed": "failed",
}


def _fetch_progress() -> tuple[Any, Any]:
    """A progress line on a terminal: (context manager, callback), or (None, None)."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import Progress, SpinnerColumn, TextColumn

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True)
    counts: dict[str, int] = {}
    task = bar.add_task("Fetching", total=None)

    def progress(source: str, what: str) -> None:
        counts[what] = counts.get(what, 0) + 1
        done = ", ".join(
            f"{counts.get(key, 0)} {label}"
            for key, label in _PROGRESS_LABELS.items()
            if counts.get(key) or key == "publication"
        )
        bar.update(task, description=f"Fetching: {done}")

    return bar, progress


@cli.command()
@fetch_options
@translate_errors
def fetch(
    sources: tuple[str, ...], mirror_dir: Path | None, as_json: bool, strict: bool, **options: Any
) -> None:
    """Fetch DHS privacy publications into a local mirror that `index` reads.

    SOURCES: dhs (the DHS website's privacy library and its PDFs), federal-register (DHS's
    Privacy Act documents from the Federal Register API); default both. A second run asks only
    for what is new (conditionally: unchanged files are not downloaded again); --full walks
    everything.

    Example: privsearch fetch --mirror mirror && privsearch index mirror
    """
    settings = load_settings(mirror_dir=mirror_dir)
    bar, progress = _fetch_progress()
    with bar or contextlib.nullcontext():
        report = privsearch.fetch(
            list(sources) or list(FETCH_SOURCES),
            settings.mirror_dir,
            progress=progress,
            **_fetch_arguments(options),
        )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_fetch(report)
    if _unreached(report) or (strict and report.failed):
        sys.exit(1)


def _unreached(report: privsearch.FetchReport) -> list[str]:
    """The sources not one listing page of which could be had: a failed run, not a partial one."""
    return [s.source for s in report.sources if not s.listing_pages and not s.complete]


def _print_fetch(report: privsearch.FetchReport) -> None:
    for source in report.sources:
        _echo(
            f"{source.source}: {source.publications_fetched} publication(s) fetched, "
            f"{source.files_stored} file(s) stored, {source.files_unchanged} unchanged; "
            f"{source.listing_pages} listing page(s) read"
            + ("" if source.complete else " (the walk did not finish)")
        )
        for note in source.notes:
            _echo(f"  {_safe(note)}")
    _echo(
        f"{report.requests} request(s), {report.bytes / 1e6:.1f} MB downloaded, "
        f"{report.not_modified} not modified, in {report.seconds:.1f} s."
    )
    if report.failed:
        _echo(f"Failed {len(report.failed)}:")
        for failure in report.failed:
            _echo(f"  {_safe(failure['url'])}: {_safe(failure['reason'])}")


@cli.command()
@fetch_options
@index_option
@translate_errors
def update(
    sources: tuple[str, ...],
    mirror_dir: Path | None,
    index_dir: Path | None,
    as_json: bool,
    strict: bool,
    **options: Any,
) -> None:
    """Fetch, index the mirror, and print what is new or changed since the last update.

    Made to run from cron: the summary of the fetch and of the indexing run, then each new or
    changed publication (date, id, title); --strict exits with status 1 when a file could not
    be fetched or indexed.

    Example: privsearch update --mirror mirror --index index
    """
    settings = load_settings(mirror_dir=mirror_dir, index_dir=index_dir)
    bar, progress = _fetch_progress()
    with bar or contextlib.nullcontext():
        report = privsearch.update(
            list(sources) or list(FETCH_SOURCES),
            settings.mirror_dir,
            settings.index_dir,
            limits=settings.limits,
            progress=progress,
            **_fetch_arguments(options),
        )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_fetch(report.fetch)
        _print_report(report.index)
        _print_changes(report.changes)
    if _unreached(report.fetch) or (strict and (report.fetch.failed or report.index.skipped)):
        sys.exit(1)


def _print_changes(changes: list[dict[str, Any]]) -> None:
    if not changes:
        _echo("Nothing new or changed.")
        return
    _echo(f"{len(changes)} new or changed:")
    for change in sorted(changes, key=lambda c: c["date"] or "", reverse=True):
        when = _safe(change["date"] or "undated")
        _echo(f"  {change['change']:8} {when:10}  {_safe(change['id'])}  {_safe(change['title'])}")


# -- search -----------------------------------------------------------------------------------


def _open(index_dir: Path | None, *, build_if_missing: bool = False) -> privsearch.Index:
    settings = load_settings(index_dir=index_dir)
    try:
        return privsearch.open_index(settings.index_dir)
    except IndexNotFoundError:
        if not build_if_missing or not settings.corpus_dir.is_dir():
            raise
    _stderr(
        f"No index at {settings.index_dir}: building one from {settings.corpus_dir}/ "
        "(once; later searches reuse it)."
    )
    report = privsearch.build_index(
        [settings.corpus_dir], settings.index_dir, limits=settings.limits
    )
    _stderr(f"Indexed {report.records} record(s) in {report.seconds:.1f} s.")
    return privsearch.open_index(settings.index_dir)


def _query_text(words: tuple[str, ...], quote: bool) -> str:
    """The words typed after the command as one query (quoted or not, the same query)."""
    query = " ".join(words)
    return privsearch.quote_query(query) if quote else query


def _filters(given: dict[str, Any]) -> dict[str, Any]:
    """The filter options as `Index.search` takes them: lists, or None when not given."""
    return {
        name: (list(value) or None) if isinstance(value, tuple) else value
        for name, value in given.items()
    }


@cli.command()
@index_option
@filter_options
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date"]),
    default=None,
    help="Order of the results  [default: relevance; date with no words]",
)
@click.option(
    "--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Results per page."
)
@click.option("--page", type=click.IntRange(1, 1000), default=1, show_default=True)
@click.option("--collapse", is_flag=True, help="Show each PIA family (a PIA and its updates) once.")
@click.option(
    "--no-expand",
    "no_expand",
    is_flag=True,
    help="Search the typed words alone: no synonyms, acronym meanings or learned expansions.",
)
@click.option(
    "--no-correct",
    "no_correct",
    is_flag=True,
    help="Search a misspelled word as typed instead of its correction.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Show why each result ranks where it does: the words matched in each field, their "
    "weights, the proximity bonus, synonyms, expansions and corrections.",
)
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per result.")
@translate_errors
def search(
    words: tuple[str, ...],
    index_dir: Path | None,
    quote: bool,
    sort: str | None,
    limit: int,
    page: int,
    collapse: bool,
    no_expand: bool,
    no_correct: bool,
    explain: bool,
    as_json: bool,
    as_csv: bool,
    **filters: Any,
) -> None:
    """Search the index for WORDS (quoted or not). Words must all match; "quoted phrases",
    AND/OR/NOT, field:value (title:, summary:, body:, sorn:, component:, type:, id:, year:,
    section:, risk:, pii:, technology:, retention:, authority:, exemption:), prefix* and
    typo~ work. With no words, list the documents the filters let through, newest first.

    With no index yet, the first search builds one from the bundled corpus/.

    Example: privsearch search license plate readers --component CBP --sort date
    """
    if as_json and as_csv:
        raise UsageProblem("choose one of --json and --csv")
    if explain and as_csv:
        raise UsageProblem("--explain has no CSV form; use it alone or with --json")
    query = _query_text(words, quote)
    with _open(index_dir, build_if_missing=True) as ix:
        results = ix.search(
            query,
            **_filters(filters),
            sort=sort,
            page=page,
            per_page=limit,
            collapse=collapse,
            expand=not no_expand,
            correct=not no_correct,
            explain=explain,
        )
    if as_json:
        click.echo(_json_text(results.to_dict(), indent=2, ensure_ascii=False))
    elif as_csv:
        _write_csv(
            ({**hit.to_dict(), "pages": _pages_text(hit.pages)} for hit in results.results),
            RESULT_FIELDS,
        )
    else:
        _print_results(results, sort or ("date" if not query.strip() else "relevance"))
    if results.past_the_end and as_csv:
        _stderr(_past_the_end(results))


def _past_the_end(results: SearchResults) -> str:
    """Page 40 is past the end: 36 results, 4 pages of 10."""
    return (
        f"Page {results.page} is past the end: {results.total} results, "
        f"{results.pages} page{'s' if results.pages != 1 else ''} of {results.per_page}."
    )


def _pages_text(pages: Iterable[int]) -> str:
    return " ".join(str(p) for p in pages)


def _print_results(results: SearchResults, sort: str = "relevance") -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=not sys.stdout.isatty())

    def text(value: object) -> str:  # a value from the index, as rich markup
        return escape(_safe(value))

    if results.corrected_from is not None and results.suggestion:
        console.print(
            f"Showing results for [bold]{text(results.suggestion)}[/]; search instead for "
            f"[bold]{text(results.corrected_from)}[/] with --no-correct."
        )
    elif results.suggestion:
        console.print(f"Did you mean: [bold]{text(results.suggestion)}[/]?")
    for note in results.notes:
        console.print(f"[yellow]{text(note)}[/]")
    first = (results.page - 1) * results.per_page + 1
    last = first + len(results.results) - 1
    browsing = not results.query.strip()
    if results.past_the_end:
        console.print(text(_past_the_end(results)))
        return
    if not results.results:
        said = "No documents match these filters" if browsing else "No results for "
        console.print(f"{said}{'' if browsing else text(repr(results.query))}.")
        return
    order = {"date": "newest first", "relevance": "by id"}.get(sort, sort)
    counted = f"documents, {order}" if browsing else "results"
    console.print(f"{first}-{last} of {results.total} {counted} ({results.took_ms:.0f} ms)")
    table = Table(show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Document", ratio=3)
    table.add_column("Where", ratio=1)
    for n, hit in enumerate(results.results, start=first):
        snippet = _snippet_markup(hit.snippet)
        title = f"[bold]{text(hit.title)}[/]\n[dim]{text(hit.id)}[/]\n"
        if hit.section:
            title += f"[italic]{text(_section_label(hit))}:[/] "
        title += snippet
        where = f"{text(hit.component)} · {text(hit.doc_type)}\n{text(hit.date or 'undated')}"
        if hit.pages:
            where += f"\npages {_pages_text(hit.pages[:12])}" + (
                " …" if len(hit.pages) > 12 else ""
            )
        if hit.versions:
            where += f"\nalso: {text(', '.join(hit.versions))}"
        if hit.explain is not None:
            lines = privsearch.describe_explanation(hit.explain)
            title += "\n[dim]" + "\n".join(text(line) for line in lines) + "[/]"
        table.add_row(str(n), title, where)
    console.print(table)
    facets = "; ".join(
        _facet_line(name, counts) for name, counts in results.facets.items() if counts
    )
    console.print(f"[dim]{text(facets)}[/]")


def _section_label(hit: privsearch.Hit) -> str:
    """Where a snippet comes from: `Routine Uses, page 4`."""
    return f"{hit.section}, page {hit.snippet_page}" if hit.snippet_page else hit.section


def _facet_line(name: str, counts: dict[str, int], shown: int = 8) -> str:
    """`component: ICE 12, CBP 9, ... and 5 more (--json lists all)`."""
    line = f"{name}: " + ", ".join(f"{k} {v}" for k, v in list(counts.items())[:shown])
    if len(counts) > shown:
        line += f", and {len(counts) - shown} more (--json lists all)"
    return line


def _snippet_markup(snippet: str) -> str:
    """The API's HTML snippet as rich markup: <mark> in bold yellow, entities unescaped."""
    import html

    from rich.markup import escape

    parts = snippet.replace("</mark>", "<mark>").split("<mark>")
    pieces = (escape(_safe(html.unescape(p))) for p in parts)
    return "".join(f"[bold yellow]{p}[/]" if i % 2 else p for i, p in enumerate(pieces))


def _write_csv(rows: Iterable[dict[str, Any]], fieldnames: Iterable[str], out: Any = None) -> None:
    writer = csv.DictWriter(out or sys.stdout, fieldnames=list(fieldnames), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)


# -- records ----------------------------------------------------------------------------------


@cli.command()
@click.argument("record_id")
@index_option
@click.option(
    "--source",
    help="Of several publications that share the id, the one read from this file "
    "(its path, or the end of it).",
)
@click.option(
    "--section",
    help='Print only the sections of this kind ("routine uses", retention, overview, ...).',
)
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@translate_errors
def show(
    record_id: str, index_dir: Path | None, source: str | None, section: str | None, as_json: bool
) -> None:
    """Print one record's metadata, sections, privacy facets and text. RECORD_ID is matched as
    search matches it: DHS/ICE/PIA-054, ICE/PIA-054 or pia-054, in any case.

    Example: privsearch show pia-054 --section retention
    """
    with _open(index_dir) as ix:
        found = ix.publications(record_id, source)
        if len(found) > 1:
            raise UsageProblem(_shared_id(record_id, found))
        record = found[0] if found else ix.get(record_id, source)  # the latter says why not
        versions = ix.family(record.id)
    if section is not None:
        _show_section(record, section, as_json)
        return
    if as_json:
        click.echo(_json_text({**record.to_dict(), "versions": versions}, indent=2))
        return
    _echo(_safe(record.title))
    rows = [
        ("Id", record.id),
        ("Component", record.component),
        ("Type", record.doc_type),
        ("Date", record.date or "undated"),
        ("SORNs", "; ".join(record.sorns)),
        ("Source", record.source),
        ("URL", record.url),
        ("Also at", "; ".join(link for link in record.links if link != record.url)),
        *((name.replace("_", " ").capitalize(), value) for name, value in record.details),
        ("Attachments", "; ".join(record.attachments)),
        ("Versions", ", ".join(versions) if len(versions) > 1 else ""),
        *((FACET_LABELS[name], "; ".join(record.facet(name))) for name in PRIVACY_FACETS),
        ("Sections", _sections_text(record)),
        ("Risks", f"{len(record.risks)} (privsearch risks id:{record.id})" if record.risks else ""),
        ("Warnings", "; ".join(record.warnings)),
    ]
    width = max(len(label) for label, value in rows if value) + 2
    for label, value in rows:
        if value:
            _echo(f"{_safe(label) + ':':{width}}{_safe(value)}")
    if record.summary:
        _echo(f"\n{_safe(record.summary, lines=True)}")
    for page in record.pages:
        _echo(f"\n--- page {page.number} ---\n{_safe(page.text, lines=True)}")


FACET_LABELS = {
    "pii": "PII",
    "technology": "Technology",
    "retention": "Retention",
    "authority": "Authorities",
    "exemption": "Exemptions",
}


def _sections_text(record: privsearch.Record) -> str:
    """`Abstract (p. 1), Overview (p. 1), ...`: the top-level sections, in order."""
    return ", ".join(
        f"{privsearch.section_title(s.key)} (p. {s.page})" for s in record.sections if s.level == 1
    )


def _show_section(record: privsearch.Record, name: str, as_json: bool) -> None:
    """Print the sections of one kind of a record, each with its heading and page."""
    key = privsearch.section_key(name)
    if key is None:
        raise UsageProblem(f"unknown section '{name}' (sections: {', '.join(_section_names())})")
    found = [(s, text) for s, text in privsearch.section_texts(record) if s.key == key]
    if not found:
        has = _sections_text(record) or "none recognised"
        raise UsageProblem(
            f"{record.id} has no {privsearch.section_title(key)} section (it has: {has})"
        )
    if as_json:
        rows = [{**s.to_dict(), "text": text} for s, text in found]
        click.echo(_json_text({"id": record.id, "sections": rows}, indent=2))
        return
    for s, text in found:
        _echo(f"--- {_safe(s.title)} (page {s.page}) ---\n{_safe(text, lines=True)}")


def _section_names() -> list[str]:
    from privsearch.structure.sections import SECTION_TITLES

    return sorted({title.lower() for title in SECTION_TITLES.values()})


def _shared_id(record_id: str, records: list[privsearch.Record]) -> str:
    """What `show` says when an id names several publications: each, and how to pick one."""
    ids = {r.id for r in records}
    if len(ids) > 1:
        lines = [f"'{record_id}' could be {len(ids)} reference numbers; show one of them:"]
        lines += [f"  privsearch show {i}" for i in sorted(ids)]
        return "\n".join(lines)
    tails = _source_tails([r.source for r in records])
    lines = [f"{len(records)} publications share the id {records[0].id}; pick one with --source:"]
    for record, tail in zip(records, tails, strict=True):
        lines.append(f"  {record.date or 'undated':10}  --source {tail}  {_safe(record.title)}")
    return "\n".join(lines)


def _source_tails(sources: list[str]) -> list[str]:
    """The shortest ends of the paths (file name, then parent/file name, ...) that tell the
    sources apart; whole paths when nothing shorter does."""
    parts = [s.replace("\\", "/").split("/") for s in sources]
    for n in range(1, max(map(len, parts)) + 1):
        tails = ["/".join(p[-n:]) for p in parts]
        if len(set(tails)) == len(tails):
            return tails
    return sources


@cli.command()
@index_option
@filter_options
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Write here instead of stdout.",
)
@translate_errors
def export(
    words: tuple[str, ...],
    index_dir: Path | None,
    quote: bool,
    fmt: str,
    output: Any,
    **filters: Any,
) -> None:
    """Write the metadata (id, title, component, type, date, SORNs, source, URL, page count,
    privacy facets) of every record that matches WORDS and the filters, one per line or row:
    the records
    `search` finds, all of them, best first; with no words, every record the filters let
    through, by id.

    Example: privsearch export facial recognition --component ICE --format csv -o ice.csv
    """
    query = _query_text(words, quote)
    with _open(index_dir) as ix:
        rows = (
            {
                "id": r.id,
                "title": r.title,
                "component": r.component,
                "doc_type": r.doc_type,
                "date": r.date,
                "sorns": list(r.sorns),
                "source": r.source,
                "url": r.url,
                "pages": len(r.pages),
                **{name: list(r.facet(name)) for name in PRIVACY_FACETS},
            }
            for r in ix.records(**_filters(filters), query=query)
        )
        if fmt == "csv":
            _write_csv((_joined(row) for row in rows), EXPORT_FIELDS, output)
        else:
            for row in rows:
                output.write(json.dumps(row, ensure_ascii=False) + "\n")


def _joined(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its lists as text, for CSV: `a; b`."""
    return {k: "; ".join(v) if isinstance(v, list) else v for k, v in row.items()}


@cli.command()
@index_option
@filter_options
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=20,
    show_default=True,
    help="Documents at most (best first).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the risks as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per risk.")
@translate_errors
def risks(
    words: tuple[str, ...],
    index_dir: Path | None,
    quote: bool,
    limit: int,
    as_json: bool,
    as_csv: bool,
    **filters: Any,
) -> None:
    """List the privacy risks, and how they are mitigated, that the documents matching WORDS
    and the filters state, best match first. With risk:"..." in WORDS, only documents with a
    risk or mitigation that says it.

    Example: privsearch risks 'risk:"facial recognition"' --component CBP
    """
    if as_json and as_csv:
        raise UsageProblem("choose one of --json and --csv")
    query = _query_text(words, quote)
    with _open(index_dir, build_if_missing=True) as ix:
        found = ix.stated_risks(query, limit=limit, **_filters(filters))
    rows = privsearch.risk_rows(found)
    if as_json:
        click.echo(_json_text({"query": query, "documents": len(found), "risks": rows}, indent=2))
    elif as_csv:
        _write_csv(rows, RISK_FIELDS)
    else:
        _print_risks(found)


def _print_risks(records: list[privsearch.Record]) -> None:
    if not records:
        _echo("No matching document states a privacy risk.")
        return
    total = sum(len(r.risks) for r in records)
    _echo(f"{total} privacy risk(s) in {len(records)} document(s), best match first.")
    for record in records:
        _echo(f"\n{_safe(record.title)}\n{_safe(record.id)} · {record.date or 'undated'}")
        for n, risk in enumerate(record.risks, start=1):
            where = privsearch.section_title(risk.section) if risk.section else "page"
            where = f"{where}, page {risk.page}" if risk.section else f"page {risk.page}"
            _echo(f"  {n}. [{_safe(where)}] Risk: {_safe(risk.risk)}")
            _echo(f"     Mitigation: {_safe(risk.mitigation) or '(none stated)'}")


# -- links between documents ------------------------------------------------------------------


@cli.command()
@click.argument("record_id")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the links as JSON.")
@translate_errors
def related(record_id: str, index_dir: Path | None, as_json: bool) -> None:
    """Print the documents one document is linked to, grouped by kind: the SORNs covering a
    PIA and the PIAs a SORN covers, earlier and later versions, what it supersedes or is
    superseded by, exemption rules, and other citations. A target the index does not hold is
    listed with its id, as not in the index.

    Example: privsearch related DHS/CBP/PIA-007(f)
    """
    with _open(index_dir) as ix:
        data = ix.related(record_id)
    if as_json:
        click.echo(_json_text(data, indent=2))
        return
    _echo(f"{_safe(data['title'])}\n{_safe(data['id'])} · {data['date'] or 'undated'}")
    if not data["related"]:
        _echo("No links to other documents found.")
    for kind, rows in data["related"].items():
        _echo(f"\n{privsearch.LINK_KIND_TITLES[kind]} ({len(rows)})")
        for row in rows:
            where = " · ".join(v for v in (row["doc_type"], row["date"]) if v)
            text = _safe(row["title"]) if row["resolved"] else "(not in the index)"
            _echo(f"  {_safe(row['id'])}  {text}" + (f"  [{where}]" if where else ""))


@cli.command()
@index_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "dot", "csv"]),
    default="json",
    show_default=True,
    help="JSON (documents and links), Graphviz DOT, or one CSV row per link.",
)
@translate_errors
def graph(index_dir: Path | None, fmt: str) -> None:
    """Export the links between every document of the index: which PIA a SORN covers, which
    version follows which, what supersedes, exempts or cites what.

    Example: privsearch graph --format dot | dot -Tsvg > graph.svg
    """
    with _open(index_dir) as ix:
        links = ix.graph()
    if fmt == "json":
        click.echo(_json_text(links.to_dict(), indent=1))
    elif fmt == "dot":
        click.echo(privsearch.graph_dot(links), nl=False)
    else:
        click.echo(privsearch.graph_csv(links), nl=False)


@cli.command()
@index_option
@click.option(
    "--older-than",
    "older_than",
    type=click.FloatRange(0, 100),
    default=3.0,
    show_default=True,
    help="Report PIA families whose newest version is older than this many years.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per finding.")
@translate_errors
def check(index_dir: Path | None, older_than: float, as_json: bool, as_csv: bool) -> None:
    """Report what oversight would look at: PIAs covered by a SORN the index does not hold or
    that is superseded, SORNs no PIA names, PIAs not updated in --older-than years, and PIA
    families whose newest version predates their SORN's last notice.

    Example: privsearch check --older-than 5 --csv > findings.csv
    """
    if as_json and as_csv:
        raise UsageProblem("choose one of --json and --csv")
    with _open(index_dir) as ix:
        rows = privsearch.check_graph(ix.graph(), date.today().isoformat(), older_than)
    if as_json:
        click.echo(_json_text(rows, indent=2))
    elif as_csv:
        _write_csv(rows, ("check", "id", "title", "date", "other", "detail"))
    else:
        _print_findings(rows)


def _print_findings(rows: list[dict[str, Any]]) -> None:
    if not rows:
        _echo("Nothing to report.")
    for name, title in privsearch.CHECKS.items():
        found = [row for row in rows if row["check"] == name]
        if found:
            _echo(f"\n{title}: {len(found)}")
        for row in found:
            other = f" -> {row['other']}" if row["other"] else ""
            _echo(f"  {_safe(row['id'])}{_safe(other)}  {_safe(row['title'])[:70]}"
                  f"  [{row['date'] or 'undated'}]")  # fmt: skip


# -- diff -------------------------------------------------------------------------------------


@cli.command()
@click.argument("record_id")
@click.argument("other_id", required=False)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@translate_errors
def diff(record_id: str, other_id: str | None, index_dir: Path | None, as_json: bool) -> None:
    """Show what changed in RECORD_ID since OTHER_ID (by default its previous version, the
    latest earlier edition of its family): section by section, the paragraphs added (+),
    removed (-) and changed (~, with [-words removed-]{+words added+}), with their pages.

    An id may end in @YYYY-MM-DD to pick one of several publications that share it (a
    republished SORN); without it, the newest is compared.

    Example: privsearch diff DHS/CBP/PIA-007(f)
    """
    with _open(index_dir) as ix:
        try:
            changes = privsearch.diff_documents(ix, record_id, other_id)
        except (RecordNotFoundError, BadParameterError, NotComparableError) as exc:
            raise UsageProblem(_safe(exc.message)) from None
    if as_json:
        click.echo(_json_text(changes.to_dict(), indent=2))
        return
    for line in _diff_lines(changes):
        _echo(line)


def _diff_lines(changes: privsearch.DocumentDiff) -> Iterable[str]:
    """The changes as text: the summary, the two documents, then each changed section."""
    yield changes.summary_line()
    yield f"+ {_edition_text(changes.record)}"
    yield f"- {_edition_text(changes.other)}"
    if not changes.by_section:
        yield "(compared as whole documents: one of them has no recognised sections)"
    for section in changes.sections:
        where = _pages_pair(section.page, section.other_page)
        yield f"\n== {_safe(section.title)} ({section.change}; {where}) =="
        for paragraph in section.paragraphs:
            yield from _paragraph_lines(paragraph)


def _edition_text(record: privsearch.Record) -> str:
    return f"{_safe(record.id)} ({record.date or 'undated'}) {_safe(record.title)}"


def _pages_pair(page: int | None, other_page: int | None) -> str:
    """`p. 4, was p. 3`; one side alone when the other has none."""
    parts = [
        f"p. {page}" if page is not None else "",
        f"was p. {other_page}" if other_page is not None else "",
    ]
    return ", ".join(part for part in parts if part)


def _paragraph_lines(paragraph: Any) -> Iterable[str]:
    """A paragraph change as wrapped lines: `+ p. 4: text`, `- was p. 3: text`, or `~` with
    the changed words marked as `git diff --word-diff` marks them."""
    if paragraph.change == "added":
        head, text = f"+ p. {paragraph.page}: ", paragraph.text
    elif paragraph.change == "removed":
        head, text = f"- was p. {paragraph.other_page}: ", paragraph.other_text
    else:
        head = f"~ {_pages_pair(paragraph.page, paragraph.other_page)}: "
        marks = {"same": "{}", "added": "{{+{}+}}", "removed": "[-{}-]"}
        text = " ".join(marks[op].format(words) for op, words in paragraph.segments)
    yield textwrap.fill(
        _safe(text), width=100, initial_indent=head, subsequent_indent="    ",
        break_long_words=False, break_on_hyphens=False,
    )  # fmt: skip


@cli.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@translate_errors
def stats(index_dir: Path | None, as_json: bool) -> None:
    """Counts by component, type, year, privacy facet and section; pages; index size on disk.

    Example: privsearch stats --index index
    """
    with _open(index_dir) as ix:
        data = ix.stats()
    if as_json:
        click.echo(_json_text(data, indent=2))
        return
    _echo(
        f"{data['records']} records, {data['pages']} pages of text, "
        f"{data['index_bytes'] / 1e6:.1f} MB on disk, last indexed {data['indexed_at']}"
    )
    for name in ("component", "doc_type", "year"):
        counts = ", ".join(f"{_safe(k)} {v}" for k, v in data[name].items())
        _echo(f"{name}: {counts}")
    for name in (*PRIVACY_FACETS, "section"):
        if data[name]:
            _echo(_safe(_facet_line(name, data[name])))


# -- eval -------------------------------------------------------------------------------------


@cli.command("eval")
@click.argument(
    "queries", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print every figure as one JSON document.")
@click.option("--per-query", is_flag=True, help="Also print each query's figures.")
@click.option(
    "-k",
    "k",
    type=click.IntRange(1, 100),
    default=10,
    show_default=True,
    help="Rank cut-off of nDCG.",
)
@translate_errors
def eval_command(
    queries: tuple[Path, ...], index_dir: Path | None, as_json: bool, per_query: bool, k: int
) -> None:
    """Score the index on judged queries: nDCG@k, MRR and recall@20 overall, per category,
    per split and (--per-query) per query. QUERIES are files of one JSON object per line:
    id, category, text, component (or null), split (optional), judgments {record id: 0-2}.

    Example: privsearch eval benchmarks/queries/judged.jsonl --per-query
    """
    from privsearch.evaluate import read_judged

    judged = read_judged(queries)  # a bad file fails here, before any index is opened or built
    with _open(index_dir, build_if_missing=True) as ix:
        result = privsearch.evaluate(ix, judged, k=k)
    if result.unknown_ids:
        _warn_unknown_ids(result.unknown_ids)
    if as_json:
        click.echo(_json_text(result.to_dict(), indent=2, ensure_ascii=False))
        return
    _print_evaluation(result, per_query)


def _warn_unknown_ids(unknown: dict[str, list[str]], shown: int = 20) -> None:
    pairs = [f"{query}: {doc}" for query, docs in unknown.items() for doc in docs]
    more = f" and {len(pairs) - shown} more (--json lists them all)" if len(pairs) > shown else ""
    _stderr(
        f"warning: {len(pairs)} judged record id(s) are not in the index; they count as "
        f"relevant documents it cannot return: {'; '.join(pairs[:shown])}{more}"
    )


def _metric_label(name: str) -> str:
    return name.replace("ndcg", "nDCG").replace("mrr", "MRR")


def _print_evaluation(result: Any, per_query: bool) -> None:
    names = result.metrics
    labels = [_metric_label(n) for n in names]
    header = ["", "queries", *labels]
    rows = [["overall", len(result.queries), *(result.overall[n] for n in names)]]
    if len(result.splits) > 1:
        for split, values in result.splits.items():
            rows.append([f"split {split}", values["queries"], *(values[n] for n in names)])
    for category, values in result.categories.items():
        rows.append([f"category {category}", values["queries"], *(values[n] for n in names)])
    _echo(f"{len(result.queries)} judged queries: {', '.join(labels)}")
    _echo_columns(header, rows)
    if per_query:
        _echo()
        header = ["query", "category", "split", *labels, "text"]
        rows = [
            [
                q.query.id,
                q.query.category,
                q.query.split,
                *(q.scores[n] for n in names),
                q.query.text,
            ]
            for q in result.queries
        ]
        _echo_columns(header, rows)


def _echo_columns(header: list[str], rows: list[list[Any]]) -> None:
    """Rows of text and numbers, left- and right-aligned, numbers to three decimals."""
    cells = [[f"{v:.3f}" if isinstance(v, float) else _safe(v) for v in row] for row in rows]
    widths = [max(len(str(r[i])) for r in [header, *cells]) for i in range(len(header))]
    for row in [header, *cells]:
        parts = [
            str(v).ljust(w) if i == 0 or isinstance(rows[0][i], str) else str(v).rjust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ]
        _echo("  ".join(parts).rstrip())


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--min-df",
    type=click.FloatRange(0, 1),
    default=0.8,
    show_default=True,
    help="Propose words found in at least this share of documents.",
)
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@translate_errors
def stopwords(paths: tuple[Path, ...], min_df: float, limit: int) -> None:
    """Propose domain stopwords: words in nearly every document under PATHS, with their
    document frequency, to review before adding them to the shipped list.

    Example: privsearch stopwords ../shared/corpus/dhs --min-df 0.9
    """
    records = privsearch.read_records(list(paths))
    texts = ["\n".join([r.title, r.summary, r.body]) for r in records]
    proposals = privsearch.propose_stopwords(texts, min_df=min_df, limit=limit)
    _echo(f"{len(texts)} documents; words in at least {min_df:.0%} of them:")
    for word, share in proposals:
        _echo(f"{share:6.1%}  {_safe(word)}")


@cli.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--allow-origin",
    "allow_origins",
    multiple=True,
    help="Let pages from this origin call the API (CORS); repeatable. Default: same origin only.",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(0),
    default=600,
    show_default=True,
    help="API requests a minute per client address (0: no limit).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes (one per core serves most).",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(0.1, 3600),
    default=10.0,
    show_default=True,
    help="Seconds a client has to send a whole request; then 408 and the connection is closed.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1, 100_000),
    default=200,
    show_default=True,
    help="Open connections per server process; past it, 503.",
)
@click.option(
    "--show-paths",
    is_flag=True,
    help="Show sources and attachments as absolute paths (for a server only you use).",
)
@translate_errors
def serve(
    index_dir: Path | None,
    host: str,
    port: int,
    allow_origins: tuple[str, ...],
    rate_limit: int,
    workers: int,
    header_timeout: float,
    max_connections: int,
    show_paths: bool,
) -> None:
    """Serve the HTTP JSON API, the indexed PDFs, the search widget (/widget.js) and its
    landing page (/).

    The server picks up each new version of the index as `privsearch index` commits it.

    Example: privsearch serve --port 8000 --allow-origin https://www.example.gov
    """
    from privsearch.http import serve as run_server

    _open(index_dir, build_if_missing=True).close()
    settings = load_settings(index_dir=index_dir)
    _stderr(f"Serving {settings.index_dir} on http://{host}:{port}/ (Ctrl-C stops)")
    run_server(
        settings.index_dir,
        host=host,
        port=port,
        allow_origins=allow_origins,
        rate_limit=rate_limit,
        workers=workers,
        header_timeout=header_timeout,
        max_connections=max_connections,
        show_paths=show_paths,
    )


# -- watch: saved searches --------------------------------------------------------------------


def _watch_file_errors(func: F) -> F:
    """A saved searches file that cannot be read: one line, exit status 2, the file untouched."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except privsearch.WatchFileError as exc:
            raise UsageProblem(_safe(exc.message, lines=True)) from None

    return wrapper  # type: ignore[return-value]


@cli.group()
def watch() -> None:
    """Saved searches: save a query and its filters, then list what is new or changed in the
    index that matches it. Each `privsearch index` and `privsearch update` says which saved
    searches its new or changed documents match; `watch check` lists them since the last check.

    Example: privsearch watch add facial recognition --component CBP
    """


@watch.command("add")
@index_option
@filter_options
@click.option("--name", help="A short name for it (default: from the words, facial-recognition).")
@click.option("--json", "as_json", is_flag=True, help="Print the saved search as JSON.")
@translate_errors
@_watch_file_errors
def watch_add(
    words: tuple[str, ...],
    index_dir: Path | None,
    quote: bool,
    name: str | None,
    as_json: bool,
    **filters: Any,
) -> None:
    """Save a search for WORDS and the filters of `search`; print its number and name.

    From the next indexing run on, new or changed documents that it finds are reported.

    Example: privsearch watch add "facial recognition" --type PIA --name face
    """
    settings = load_settings(index_dir=index_dir)
    query = _query_text(words, quote)
    saved = privsearch.add_watch(settings.index_dir, query, name=name, **_filters(filters))
    if as_json:
        click.echo(_json_text(saved.to_dict(), indent=2, ensure_ascii=False))
    else:
        _echo(f"Saved search #{saved.number} {saved.name}: {_safe(saved.describe())}")


@watch.command("list")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the saved searches as JSON.")
@translate_errors
@_watch_file_errors
def watch_list(index_dir: Path | None, as_json: bool) -> None:
    """List the saved searches: number, name, words and filters, when saved.

    Example: privsearch watch list --json
    """
    settings = load_settings(index_dir=index_dir)
    saved = privsearch.list_watches(settings.index_dir)
    if as_json:
        click.echo(_json_text([w.to_dict() for w in saved], indent=2, ensure_ascii=False))
        return
    if not saved:
        _echo("No saved searches. Save one with `privsearch watch add WORDS [filters]`.")
        return
    rows = [[f"#{w.number}", w.name, w.describe(), w.created[:10]] for w in saved]
    _echo_columns(["number", "name", "search", "saved"], rows)


@watch.command("remove")
@click.argument("name")
@index_option
@translate_errors
@_watch_file_errors
def watch_remove(name: str, index_dir: Path | None) -> None:
    """Remove the saved search NAME (its name, or its number: 3 or #3).

    Example: privsearch watch remove facial-recognition
    """
    settings = load_settings(index_dir=index_dir)
    removed = privsearch.remove_watch(settings.index_dir, name)
    _echo(f"Removed saved search #{removed.number} {removed.name}.")


@watch.command("check")
@click.argument("names", nargs=-1)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print what each matches as JSON.")
@translate_errors
@_watch_file_errors
def watch_check(names: tuple[str, ...], index_dir: Path | None, as_json: bool) -> None:
    """List, for each saved search (or those NAMES), the new or changed documents it matches
    since it was last checked, newest first; then mark them seen.

    Example: privsearch watch check --json
    """
    settings = load_settings(index_dir=index_dir)
    found = privsearch.check_watches(settings.index_dir, names)
    if as_json:
        click.echo(_json_text([m.to_dict() for m in found], indent=2, ensure_ascii=False))
        return
    if not found:
        _echo("No saved searches. Save one with `privsearch watch add WORDS [filters]`.")
    for matches in found:
        _print_watch_matches(matches.to_dict())


def _print_watched(watched: list[dict[str, Any]]) -> None:
    """The saved searches an indexing run's new or changed documents match."""
    if not watched:
        return
    _echo(f"{len(watched)} saved search(es) match new or changed documents:")
    for matches in watched:
        _print_watch_matches(matches, indent="  ")


def _print_watch_matches(matches: dict[str, Any], indent: str = "") -> None:
    documents = matches["documents"]
    count = f"{len(documents)} new or changed" if documents else "nothing new"
    name = f"#{matches['number']} {matches['name']}"
    _echo(f"{indent}{name} ({_safe(matches['search'])}): {count}")
    for doc in documents:
        when = _safe(doc["date"] or "undated")
        _echo(f"{indent}  {doc['change']:8} {when:10}  {_safe(doc['id'])}  {_safe(doc['title'])}")
