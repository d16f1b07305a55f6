"""Searching an index: `Index.search` and the record lookups, over `queryplan` (what to ask
Whoosh) and `collect` (how to gather and rank what it answers).

`open_index(path).search(...)` is the one place that searches; the CLI and the HTTP layer call
it and nothing below it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from whoosh import query as wq

from . import analyze, querylang
from .collect import FACETS, Columns, Deadline, add_proximity, collect_matches, count_values, rank
from .complete import Completions
from .errors import BadParameterError, QueryTooExpensiveError, RecordNotFoundError
from .highlight import Passage, Pattern, locate, mark_all
from .index import family_of, open_whoosh, read_meta, record_from_stored
from .models import Hit, Record, SearchResults
from .querylang import TEXT_FIELDS, And, Node, Or, Word
from .queryplan import (
    Compiler,
    ExpansionBudget,
    build_filters,
    expand_patterns,
    highlight_patterns,
    normalize_facet,
)

MAX_PER_PAGE = 100
SOFT_AND_BELOW = 10  # with fewer all-word matches, documents with some of the words follow
PATTERN_SHARE = 0.15  # of the time, at most, spent on queries with prefix* or typo~ words
TIME_LIMIT = 5.0  # seconds one search may take to expand its patterns and collect its matches
# Words longer than this get no spelling correction: the corrector compares a word with every
# indexed word of the same first letter, at a cost that grows with the word's length, and no
# word that long is one typo away from a dictionary word.
MAX_CORRECTED_LENGTH = 24
MAX_CORRECTED_WORDS = 4  # unknown words of one query the corrector looks at
MAX_PAGE = 1000
SORTS = ("relevance", "date")


class _View:
    """What one committed version of the index needs besides its searcher, built once."""

    def __init__(self, reader: Any) -> None:
        self.lexicon: dict[str, dict[str, str]] = {}
        for name in FACETS:
            values = [
                v.decode("utf-8") if isinstance(v, bytes) else v for v in reader.lexicon(name)
            ]
            self.lexicon[name] = {normalize_facet(v): v for v in values}
        self.columns = Columns.read(reader)
        self._completions: Completions | None = None
        self._lock = threading.Lock()

    def completions(self, reader: Any) -> Completions:
        """The completion table, built on first use from `reader` (of this same version)."""
        with self._lock:
            if self._completions is None:
                column = reader.column_reader("title_text") if reader.doc_count_all() else []
                titles = [t.decode("utf-8") for t in column if t]
                self._completions = Completions.build(titles)
            return self._completions


class Index:
    """An open privsearch index.

    Safe to share between threads: each thread searches with its own Whoosh searcher, and
    every search sees the newest committed version of the index, so a server keeps answering
    while `privsearch index` updates it.
    """

    def __init__(self, path: Path | str, *, time_limit: float = TIME_LIMIT) -> None:
        self.path = Path(path)
        self.time_limit = time_limit
        self._ix = open_whoosh(self.path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Any] = []  # every searcher handed out, to close them all
        self._views: dict[int, _View] = {}
        self._patterns_turn = threading.Lock()  # see _turn
        self._patterns_rest_until = 0.0  # perf_counter() before which the next may not start

    # -- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            for searcher in self._open:
                searcher.close()
            self._open.clear()
            self._views.clear()
        self._local = threading.local()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _current(self) -> Any:
        """This thread's searcher, moved to the newest committed version of the index."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._ix.searcher()
        elif not searcher.up_to_date():
            # Not searcher.refresh(): it shares segment readers with the old searcher, which
            # closing the old one would close under the new one.
            fresh = self._ix.searcher()
            with self._lock:
                self._open.remove(searcher)
            searcher.close()
            searcher = fresh
        else:
            return searcher
        with self._lock:
            self._open.append(searcher)
        self._local.searcher = searcher
        return searcher

    def generation(self) -> int:
        """The version of the index that searches see now; it grows with every commit."""
        return int(self._ix.latest_generation())

    def _view(self, searcher: Any) -> _View:
        generation = searcher.reader().generation()
        with self._lock:
            view = self._views.get(generation)
            if view is None:
                view = _View(searcher.reader())
                # Keep the newest versions only; threads move to the newest on their next search.
                self._views = {g: v for g, v in self._views.items() if g > generation - 2}
                self._views[generation] = view
            return view

    # -- searching -------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        component: str | list[str] | None = None,
        doc_type: str | list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        collapse: bool = False,
        correct: bool = True,
    ) -> SearchResults:
        """Search; raises QuerySyntaxError or BadParameterError for what a caller got wrong.

        When nothing matches and a close spelling of the query does (`biometic`), the results
        are those of the corrected query, with a note saying so, unless `correct` is false.
        """
        started = time.perf_counter()
        deadline = Deadline.after(self.time_limit)
        _check_paging(page, per_page, sort)
        tree = querylang.parse_query(query)
        with self._turn(tree, deadline):
            return self._search(
                query,
                tree,
                deadline,
                started,
                component=component,
                doc_type=doc_type,
                since=since,
                until=until,
                sort=sort,
                page=page,
                per_page=per_page,
                collapse=collapse,
                correct=correct,
            )

    @contextmanager
    def _turn(self, tree: Node, deadline: Deadline) -> Iterator[None]:
        """Wait for this process's turn to run a query with prefix* or typo~ words.

        Such queries cost up to a hundred times an ordinary one. They run one at a time, and
        together for at most PATTERN_SHARE of the time: after one that ran for t seconds, the
        next waits t * (1 / PATTERN_SHARE - 1) seconds, so that a burst of them, from one
        client or many, leaves ordinary searches most of the interpreter (benchmarks/burst.py).
        The wait counts against the query's time limit.
        """
        if not querylang.has_patterns(tree) or getattr(self._local, "turn", False):
            yield
            return
        if not self._patterns_turn.acquire(timeout=max(0.0, deadline.at - time.perf_counter())):
            raise deadline.error()
        try:
            rest = self._patterns_rest_until - time.perf_counter()
            if rest > 0:
                if time.perf_counter() + rest > deadline.at:
                    raise QueryTooExpensiveError(
                        "the server is busy with other queries with prefix* or typo~ words; "
                        f"try again in {rest:.0f} s or search without them"
                    )
                time.sleep(rest)
            started = time.perf_counter()
            self._local.turn = True
            try:
                yield
            finally:
                ended = time.perf_counter()
                self._patterns_rest_until = ended + (ended - started) * (1 / PATTERN_SHARE - 1)
                self._local.turn = False
        finally:
            self._patterns_turn.release()

    def _search(
        self,
        query: str,
        tree: Node,
        deadline: Deadline,
        started: float,
        *,
        component: str | list[str] | None,
        doc_type: str | list[str] | None,
        since: str | None,
        until: str | None,
        sort: str,
        page: int,
        per_page: int,
        collapse: bool,
        correct: bool,
    ) -> SearchResults:
        searcher = self._current()
        view = self._view(searcher)
        compiled = Compiler(view.lexicon).compile(tree)
        filters = build_filters(view.lexicon, component, doc_type, since, until)
        notes: list[str] = []
        columns = view.columns
        expand_patterns(searcher, compiled, ExpansionBudget(deadline=deadline))
        patterns, needs = highlight_patterns(searcher, compiled)
        matches = collect_matches(searcher, compiled.query, filters, deadline)
        if compiled.proximity is not None and sort == "relevance":
            matches = add_proximity(searcher, matches, compiled.proximity)
        ranked = rank(matches, columns, sort, collapse)
        if len(ranked) < SOFT_AND_BELOW and compiled.partial is not None:
            # Few documents hold every word: follow them with those that hold some.
            partial = collect_matches(searcher, compiled.partial, filters, deadline)
            shown = {columns.family[d] if collapse else columns.edition[d] for d, _ in ranked}
            more = [
                (d, s)
                for d, s in rank(partial, columns, sort, collapse)
                if (columns.family[d] if collapse else columns.edition[d]) not in shown
            ]
            if more:
                notes.append(
                    "No document contains all the words; showing documents with some of them."
                    if not ranked
                    else f"Only {len(ranked)} document(s) contain all the words; documents "
                    "with some of them follow."
                )
            ranked += more
        total = len(ranked)
        hits = [
            self._hit(searcher, docnum, score, patterns, needs, collapse)
            for docnum, score in ranked[(page - 1) * per_page : page * per_page]
        ]
        facets = {name: count_values(columns.facets[name], ranked) for name in FACETS}
        suggestion = self._suggest(searcher, tree, query)
        if total == 0 and suggestion and correct:
            corrected = self.search(
                suggestion,
                component=component,
                doc_type=doc_type,
                since=since,
                until=until,
                sort=sort,
                page=page,
                per_page=per_page,
                collapse=collapse,
                correct=False,
            )
            if corrected.total:
                return replace(
                    corrected,
                    query=query,
                    suggestion=suggestion,
                    took_ms=(time.perf_counter() - started) * 1000,
                    notes=(f'No results for "{query}"; showing results for "{suggestion}".',)
                    + corrected.notes,
                )
        return SearchResults(
            query=query,
            total=total,
            page=page,
            per_page=per_page,
            took_ms=(time.perf_counter() - started) * 1000,
            results=tuple(hits),
            facets=facets,
            suggestion=suggestion,
            notes=tuple(notes),
        )

    def _hit(
        self,
        searcher: Any,
        docnum: int,
        score: float,
        patterns: set[Pattern],
        needs: list[set[Pattern]],
        collapse: bool,
    ) -> Hit:
        stored = searcher.stored_fields(docnum)
        passages = [Passage(0, stored.get("summary", ""))]
        passages += [Passage(number, text) for number, text, _ in stored.get("pages", [])]
        snippet, pages = locate(passages, patterns, needs)
        versions: tuple[str, ...] = ()
        if collapse:
            versions = tuple(
                sorted(
                    {d["id"] for d in searcher.documents(family=stored["family"])} - {stored["id"]}
                )
            )
        return Hit(
            id=stored["id"],
            title=stored.get("title", ""),
            component=stored.get("component", ""),
            doc_type=stored.get("doc_type", ""),
            date=stored.get("date") or None,
            score=round(score, 4),
            snippet=snippet,
            pages=pages,
            source=stored.get("source", ""),
            url=stored.get("url", ""),
            versions=versions,
        )

    def _suggest(self, searcher: Any, tree: Node, query: str) -> str | None:
        """A corrected query when a typed word is unknown and a close, common word exists."""
        reader = searcher.reader()
        corrector = searcher.corrector("spell")
        suggestion = query
        looked = 0
        for word in _plain_words(tree):
            lower = word.lower()
            if not lower.isalpha() or not 3 <= len(lower) <= MAX_CORRECTED_LENGTH:
                continue
            if looked == MAX_CORRECTED_WORDS or _is_known(reader, lower):
                continue
            looked += 1
            candidates = corrector.suggest(lower, limit=1, maxdist=2, prefix=1)
            if candidates and candidates[0] != lower:
                suggestion = re.sub(
                    rf"(?<!\w){re.escape(word)}(?!\w)", candidates[0], suggestion, count=1
                )
        return suggestion if suggestion != query else None

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions for what a user has typed so far ("facial rec" -> "facial recognition")."""
        if len(prefix) > querylang.MAX_QUERY_LENGTH:
            raise BadParameterError(f"q is longer than {querylang.MAX_QUERY_LENGTH} characters")
        searcher = self._current()
        return self._view(searcher).completions(searcher.reader()).complete(prefix, limit)

    def page(
        self, record_id: str, number: int, query: str | None = None, source: str | None = None
    ) -> dict[str, Any]:
        """One PDF page of a record: its text, and as HTML with the query's matches marked."""
        record = self.get(record_id, source)
        page = next((p for p in record.pages if p.number == number), None)
        if page is None:
            raise RecordNotFoundError(f"{record.id} has no page {number}")
        patterns: set[Pattern] = set()
        if query:
            deadline = Deadline.after(self.time_limit)
            tree = querylang.parse_query(query)
            with self._turn(tree, deadline):
                searcher = self._current()
                compiled = Compiler(self._view(searcher).lexicon).compile(tree)
                expand_patterns(searcher, compiled, ExpansionBudget(deadline=deadline))
                patterns, _ = highlight_patterns(searcher, compiled)
        return {
            "id": record.id,
            "page": number,
            "pages": len(record.pages),
            "text": page.text,
            "html": mark_all(page.text, patterns),
        }

    # -- records ---------------------------------------------------------------------------------

    def get(self, record_id: str, source: str | None = None) -> Record:
        """The record with this id (case-insensitive) read from `source`, or else the fullest
        copy when several sources hold one."""
        searcher = self._current()
        wanted = record_id.strip().lower()
        docnums = searcher.docs_for_query(wq.Term("ids", wanted))
        found = [d for d in map(searcher.stored_fields, docnums) if d["id"].lower() == wanted]
        if source is not None:
            found = [d for d in found if d.get("source") == source]
        if not found:
            where = f" from {source}" if source is not None else ""
            raise RecordNotFoundError(f"no record with id '{record_id}'{where}")
        best = max(found, key=lambda d: (d.get("page_count", 0), len(d.get("summary", ""))))
        return record_from_stored(best)

    def records(
        self,
        component: str | list[str] | None = None,
        doc_type: str | list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Iterator[Record]:
        """Every record matching the filters, ordered by id."""
        searcher = self._current()
        view = self._view(searcher)
        filters = build_filters(view.lexicon, component, doc_type, since, until)
        query = filters or wq.Every()
        # The edition column ("id|date") orders by id without loading any stored document.
        docnums = sorted(searcher.docs_for_query(query), key=lambda n: view.columns.edition[n])
        for docnum in docnums:
            yield record_from_stored(searcher.stored_fields(docnum))

    def stats(self) -> dict[str, Any]:
        """Counts by component, type and year; pages; size on disk; when last indexed."""
        searcher = self._current()
        columns = self._view(searcher).columns
        every = [(n, 0.0) for n in searcher.reader().all_doc_ids()]
        pages = sum(columns.page_count[n] for n, _ in every)
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
        meta = read_meta(self.path)
        return {
            "records": searcher.doc_count(),
            "pages": pages,
            "index_bytes": size,
            "indexed_at": meta.get("indexed_at"),
            "sources": len(meta.get("sources", {})),
            "component": count_values(columns.facets["component"], every),
            "doc_type": count_values(columns.facets["doc_type"], every),
            "year": dict(sorted(count_values(columns.facets["year"], every).items())),
        }

    def family(self, record_id: str) -> list[str]:
        """Ids of every version of the document family `record_id` belongs to."""
        searcher = self._current()
        return sorted({d["id"] for d in searcher.documents(family=family_of(record_id))})


def _check_paging(page: int, per_page: int, sort: str) -> None:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadParameterError(f"per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}")
    if not 1 <= page <= MAX_PAGE:
        raise BadParameterError(f"page must be between 1 and {MAX_PAGE}, not {page}")
    if sort not in SORTS:
        raise BadParameterError(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")


def _is_known(reader: Any, word: str) -> bool:
    """True if the word, or another form of it (readers/reader), is in the index."""
    if reader.doc_frequency("spell", word) > 0:
        return True
    terms = analyze.analyze(word, mode="query", removestops=False)
    return any(reader.doc_frequency(f, t) > 0 for t in terms for f in TEXT_FIELDS)


def _plain_words(tree: Node) -> Iterator[str]:
    if isinstance(tree, Word) and tree.field is None:
        yield tree.text
    elif isinstance(tree, (And, Or)):
        for child in tree.children:
            yield from _plain_words(child)


def open_index(path: Path | str = "index") -> Index:
    """Open the index at `path` for searching."""
    return Index(path)
