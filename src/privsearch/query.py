"""Searching an index: query compilation, ranking, filters, facets, snippets, suggestions.

`open_index(path).search(...)` is the one place that searches; the CLI and the HTTP layer call
it and nothing below it.
"""

from __future__ import annotations

import heapq
import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from whoosh import collectors
from whoosh import query as wq

from . import analyze, querylang
from .complete import Completions
from .errors import BadParameterError, QueryTooExpensiveError, RecordNotFoundError
from .highlight import Passage, Pattern, locate, mark_all
from .index import family_of, open_whoosh, read_meta, record_from_stored
from .models import Hit, Record, SearchResults
from .querylang import TEXT_FIELDS, And, Fuzzy, Node, Not, Or, Phrase, Prefix, Word

# BM25F field weights: a word in the title counts most, then the summary, then the body.
FIELD_BOOSTS = {"title": 3.0, "summary": 2.0, "body": 1.0, "sorns": 1.0}
ID_BOOST = 12.0  # the query names this document's reference number
FAMILY_BOOST = 3.0  # ... or the document it updates
SYNONYM_WEIGHT = 0.3  # an expansion scores well below the words the user typed
PROXIMITY = (("title", 2, 4.0), ("summary", 2, 2.0), ("body", 2, 2.0), ("body", 12, 1.0))
MAX_PER_PAGE = 100
PROXIMITY_POOL = 300  # best bag-of-words matches that get the proximity bonus
SOFT_AND_BELOW = 10  # with fewer all-word matches, documents with some of the words follow
MAX_EXPANSIONS = 2000  # words one prefix* or typo~ may stand for
TIME_LIMIT = 5.0  # seconds one search may take to collect its matches
MAX_PAGE = 1000
FACETS = ("component", "doc_type", "year")
SORTS = ("relevance", "date")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class _Compiled:
    """A Whoosh query plus what the highlighter needs to know about it."""

    query: wq.Query
    patterns: set[Pattern] = field(default_factory=set)  # term sequences to mark
    needs: list[set[Pattern]] = field(default_factory=list)  # one group per AND-ed clause
    expandables: list[list[wq.Query]] = field(default_factory=list)  # prefix/fuzzy, to mark
    partial: wq.Query | None = None  # any of the words: what follows too few all-word matches
    proximity: wq.Query | None = None  # bonus for the words standing together


class _Compiler:
    """Turns a parsed query into Whoosh queries over the index's fields."""

    def __init__(self, lexicon: dict[str, dict[str, str]]) -> None:
        self.lexicon = lexicon  # field -> {normalized value: stored value}
        self.patterns: set[Pattern] = set()
        self.needs: list[set[Pattern]] = []
        self.expandables: list[list[wq.Query]] = []

    def compile(self, node: Node) -> _Compiled:
        partial = proximity = None
        if querylang.is_plain(node):
            words = [node] if isinstance(node, Word) else list(node.children)  # type: ignore[union-attr]
            clauses, terms = self.run(words)  # type: ignore[arg-type]
            query: wq.Query = wq.And(clauses) if len(clauses) > 1 else clauses[0]
            proximity = _proximity(terms)
            content = [t for t in terms if not analyze.is_stopword(t)]
            if len(content) > 1:
                # Each word alone, also those inside a multi-word synonym ("facial", "recognition").
                partial = wq.Or(clauses + [self.any_field(t) for t in content])
        else:
            query = self.node(node, negated=False)
        return _Compiled(query, self.patterns, self.needs, self.expandables, partial, proximity)

    def mark(self, need: set[Pattern], negated: bool) -> None:
        """Remember what to highlight for a clause the documents must match."""
        if not negated:
            self.patterns.update(need)
            self.needs.append(need)

    # -- nodes ----------------------------------------------------------------------------------

    def node(self, node: Node, negated: bool) -> wq.Query:
        if isinstance(node, And):
            return self.conjunction(node, negated)
        if isinstance(node, Or):
            return wq.Or([self.node(c, negated) for c in node.children])
        if isinstance(node, Not):
            return wq.Not(self.node(node.child, not negated))
        if isinstance(node, Word) and node.field is None:
            clauses, _ = self.run([node], negated)
            return clauses[0] if len(clauses) == 1 else wq.And(clauses)
        return self.leaf(node, negated)

    def conjunction(self, node: And, negated: bool) -> wq.Query:
        required: list[wq.Query] = []
        excluded: list[wq.Query] = []
        run: list[Word] = []
        for child in [*node.children, None]:
            if isinstance(child, Word) and child.field is None:
                run.append(child)
                continue
            if run:
                required.extend(self.run(run, negated)[0])
                run = []
            if isinstance(child, Not):
                excluded.append(self.node(child.child, not negated))
            elif child is not None:
                required.append(self.node(child, negated))
        query: wq.Query = wq.And(required) if len(required) > 1 else required[0]
        if excluded:
            query = wq.AndNot(query, wq.Or(excluded) if len(excluded) > 1 else excluded[0])
        return query

    def run(self, words: list[Word], negated: bool = False) -> tuple[list[wq.Query], list[str]]:
        """Clauses for adjacent plain words, with synonyms; also the typed terms, in order."""
        terms: list[str] = []
        for word in words:
            terms.extend(analyze.analyze(word.text, mode="query", removestops=False))
        if not terms:
            return [wq.NullQuery], []
        keep_stops = all(analyze.is_stopword(t) for t in terms)
        matches = {m.start: m for m in analyze.find_synonyms(terms)}
        clauses: list[wq.Query] = []
        typed: list[str] = []
        i = 0
        while i < len(terms):
            match = matches.get(i)
            if match is not None:
                span = terms[match.start : match.end]
                original = [self.any_field(t) for t in span]
                alternatives = [self.alternative(alt) for alt in match.alternatives]
                clauses.append(
                    wq.Or([wq.And(original) if len(original) > 1 else original[0], *alternatives])
                )
                typed.extend(span)
                self.mark({tuple(span), *match.alternatives}, negated)
                if not negated:
                    self.patterns.update((t,) for t in span)
                i = match.end
                continue
            term = terms[i]
            i += 1
            if analyze.is_stopword(term) and not keep_stops:
                continue
            clauses.append(self.any_field(term))
            typed.append(term)
            self.mark({(term,)}, negated)
        return clauses or [wq.NullQuery], typed

    @staticmethod
    def any_field(term: str) -> wq.Query:
        subqueries: list[wq.Query] = [wq.Term(f, term, boost=b) for f, b in FIELD_BOOSTS.items()]
        if _could_be_reference(term):
            subqueries.append(wq.Term("ids", term, boost=ID_BOOST))
            subqueries.append(wq.Term("family_ids", term, boost=FAMILY_BOOST))
        return wq.Or(subqueries)

    @staticmethod
    def alternative(terms: tuple[str, ...]) -> wq.Query:
        if len(terms) == 1:
            return wq.Or(
                [wq.Term(f, terms[0], boost=b * SYNONYM_WEIGHT) for f, b in FIELD_BOOSTS.items()]
            )
        return wq.Or(
            [wq.Phrase(f, list(terms), boost=b * SYNONYM_WEIGHT) for f, b in FIELD_BOOSTS.items()]
        )

    def leaf(self, node: Node, negated: bool) -> wq.Query:
        fieldname = getattr(node, "field", None)
        if fieldname in ("component", "doc_type", "year"):
            return wq.Term(fieldname, self.facet_value(fieldname, node.text))  # type: ignore[union-attr]
        if fieldname == "id":
            return wq.Term("ids", node.text.lower())  # type: ignore[union-attr]
        fields = [fieldname] if fieldname else list(FIELD_BOOSTS)
        if isinstance(node, Phrase):
            terms = analyze.analyze(node.text, mode="query", removestops=False)
            if not terms:
                return wq.NullQuery
            queries = [
                wq.Phrase(f, terms, boost=FIELD_BOOSTS[f])
                if len(terms) > 1
                else wq.Term(f, terms[0], boost=FIELD_BOOSTS[f])
                for f in fields
            ]
            self.mark({tuple(terms)}, negated)
        elif isinstance(node, Prefix):
            text = node.text.lower()
            queries = [wq.Prefix(f, text, boost=FIELD_BOOSTS[f]) for f in fields]
            if not negated:
                self.expandables.append(queries)
        elif isinstance(node, Fuzzy):
            terms = analyze.analyze(node.text, mode="query", removestops=False) or [
                node.text.lower()
            ]
            queries = [
                wq.FuzzyTerm(f, terms[0], boost=FIELD_BOOSTS[f], maxdist=node.distance)
                for f in fields
            ]
            if not negated:
                self.expandables.append(queries)
        else:  # a Word in one text field
            terms = analyze.analyze(node.text, mode="query", removestops=False)  # type: ignore[union-attr]
            if not terms:
                return wq.NullQuery
            queries = [
                wq.And([wq.Term(f, t, boost=FIELD_BOOSTS[f]) for t in terms])
                if len(terms) > 1
                else wq.Term(f, terms[0], boost=FIELD_BOOSTS[f])
                for f in fields
            ]
            for term in terms:
                self.mark({(term,)}, negated)
        return wq.Or(queries) if len(queries) > 1 else queries[0]

    def facet_value(self, fieldname: str, value: str) -> str:
        return resolve_facet_value(self.lexicon, fieldname, value)


def _could_be_reference(term: str) -> bool:
    """Reference numbers and slugs hold a digit, a slash or a hyphen; plain words never match
    the id fields, so they are not asked to."""
    return not term.isalpha()


def _proximity(terms: list[str]) -> wq.Query | None:
    content = [t for t in terms if not analyze.is_stopword(t)]
    if len(content) < 2:
        return None
    return wq.Or([wq.Phrase(f, content, slop=slop, boost=b) for f, slop, b in PROXIMITY])


def _normalize_facet(value: str) -> str:
    return re.sub(r"[\s_\-]+", " ", value.strip().lower())


def resolve_facet_value(lexicon: dict[str, dict[str, str]], fieldname: str, value: str) -> str:
    """Map what a user typed (`ice`, `pia-update`) to the stored value (`ICE`, `PIA Update`)."""
    known = lexicon.get(fieldname, {})
    found = known.get(_normalize_facet(value))
    if found is not None:
        return found
    label = {"doc_type": "type"}.get(fieldname, fieldname)
    choices = ", ".join(sorted(known.values())) or "none indexed"
    raise BadParameterError(f"unknown {label} '{value}' (known: {choices})")


def _date_bound(value: str, upper: bool) -> str:
    if not _DATE.match(value):
        raise BadParameterError(f"invalid date '{value}': use YYYY, YYYY-MM or YYYY-MM-DD")
    if upper and len(value) < 10:
        return value + ("-12-31" if len(value) == 4 else "-31")
    return value


@dataclass(frozen=True)
class _Columns:
    """Column values by document number: what grouping, sorting and facets need."""

    edition: list[str]
    family: list[str]
    date: list[str]
    page_count: list[int]
    facets: dict[str, list[str]]

    @classmethod
    def read(cls, reader: Any) -> _Columns:
        def column(name: str) -> list[Any]:
            # An index with no documents has no segment, and so no columns.
            return list(reader.column_reader(name)) if reader.doc_count_all() else []

        return cls(
            edition=column("edition"),
            family=column("family"),
            date=column("date"),
            page_count=column("page_count"),
            facets={name: column(name) for name in FACETS},
        )


@dataclass(frozen=True)
class _Deadline:
    at: float  # time.perf_counter() value
    seconds: float  # the limit it was set from, for the message


class _DeadlineCollector(collectors.UnlimitedCollector):
    """Collects every match, raising TimeLimit once past the deadline.

    Whoosh's TimeLimitCollector needs signals (main thread only) or sits outside the filter;
    this one works in any thread, under a filter.
    """

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def collect(self, sub_docnum: int) -> Any:
        if time.perf_counter() > self.deadline:
            raise collectors.TimeLimit
        return super().collect(sub_docnum)


def _matches(
    searcher: Any, query: wq.Query, filters: wq.Query | None, deadline: _Deadline
) -> list[tuple[int, float]]:
    """Every (document number, score) that matches; QueryTooExpensiveError past the deadline."""
    timed = _DeadlineCollector(deadline.at)
    # The filter wraps last, so that it sees the documents first.
    collector = collectors.FilterCollector(timed, allow=filters) if filters else timed
    try:
        searcher.search_with_collector(query, collector)
    except collectors.TimeLimit:
        raise QueryTooExpensiveError(
            f"the query took longer than {deadline.seconds:g} s; make it more specific"
        ) from None
    return list(timed.results().items())


def _add_proximity(
    searcher: Any, matches: list[tuple[int, float]], proximity: wq.Query
) -> list[tuple[int, float]]:
    """Add the proximity bonus to the best PROXIMITY_POOL matches.

    Phrase matching reads positions, the costliest thing Whoosh does; scoring it for a few
    hundred candidates, not for every match, keeps common words cheap.
    """
    pool = sorted(d for d, _ in heapq.nlargest(PROXIMITY_POOL, matches, key=lambda m: m[1]))
    bonus: dict[int, float] = {}
    context = searcher.context()
    for subsearcher, offset in searcher.leaf_searchers():
        end = offset + subsearcher.doc_count_all()
        matcher = proximity.matcher(subsearcher, context)
        for docnum in (d for d in pool if offset <= d < end):
            if not matcher.is_active():
                break
            if matcher.id() < docnum - offset:
                matcher.skip_to(docnum - offset)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum - offset:
                bonus[docnum] = matcher.score()
    return [(d, s + bonus.get(d, 0.0)) for d, s in matches]


def _rank(
    matches: list[tuple[int, float]], columns: _Columns, sort: str, collapse: bool
) -> list[tuple[int, float]]:
    """One (document, score) per group, best first.

    Without `collapse` a group is one edition: copies of the same publication (same id and
    date, read from a listing and from its PDF, say) show once, as the copy with the most pages.
    With `collapse` a group is a document family (a PIA and its updates), shown as its best
    match. A group ranks by its best score.
    """
    key = columns.family if collapse else columns.edition
    groups: dict[str, tuple[int, float, float]] = {}  # key -> (docnum, own score, best score)
    for docnum, score in matches:
        k = key[docnum]
        current = groups.get(k)
        if current is None:
            groups[k] = (docnum, score, score)
            continue
        best = max(score, current[2])
        if collapse:
            better = score > current[1]
        else:
            better = (columns.page_count[docnum], score) > (
                columns.page_count[current[0]],
                current[1],
            )
        groups[k] = (docnum, score, best) if better else (current[0], current[1], best)
    ranked = [(docnum, best) for docnum, _, best in groups.values()]
    if sort == "date":
        ranked.sort(key=lambda ds: (columns.date[ds[0]], ds[1]), reverse=True)
    else:
        ranked.sort(key=lambda ds: (-ds[1], ds[0]))
    return ranked


def _count(values: list[str], ranked: list[tuple[int, float]]) -> dict[str, int]:
    counts = Counter(values[docnum] for docnum, _ in ranked)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _filters(
    lexicon: dict[str, dict[str, str]],
    component: str | list[str] | None,
    doc_type: str | list[str] | None,
    since: str | None,
    until: str | None,
) -> wq.Query | None:
    clauses: list[wq.Query] = []
    for name, values in (("component", component), ("doc_type", doc_type)):
        values = [values] if isinstance(values, str) else list(values or [])
        values = [v for v in values if v.strip()]  # an empty filter is no filter
        if not values:
            continue
        terms = [wq.Term(name, resolve_facet_value(lexicon, name, v)) for v in values]
        clauses.append(wq.Or(terms) if len(terms) > 1 else terms[0])
    if since or until:
        low = _date_bound(since, upper=False) if since else None
        high = _date_bound(until, upper=True) if until else None
        if low and high and low > high:
            raise BadParameterError(f"--since {since} is after --until {until}")
        clauses.append(wq.TermRange("date", low or "0", high or "9999-12-31"))
    if not clauses:
        return None
    return wq.And(clauses) if len(clauses) > 1 else clauses[0]


class _View:
    """What one committed version of the index needs besides its searcher, built once."""

    def __init__(self, reader: Any) -> None:
        self.lexicon: dict[str, dict[str, str]] = {}
        for name in FACETS:
            values = [
                v.decode("utf-8") if isinstance(v, bytes) else v for v in reader.lexicon(name)
            ]
            self.lexicon[name] = {_normalize_facet(v): v for v in values}
        self.columns = _Columns.read(reader)
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
        return int(self._current().reader().generation())

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
        _check_paging(page, per_page, sort)
        tree = querylang.parse_query(query)
        searcher = self._current()
        view = self._view(searcher)
        compiled = _Compiler(view.lexicon).compile(tree)
        filters = _filters(view.lexicon, component, doc_type, since, until)
        notes: list[str] = []
        columns = view.columns
        patterns, needs = _highlight_patterns(searcher, compiled)
        deadline = _Deadline(time.perf_counter() + self.time_limit, self.time_limit)
        matches = _matches(searcher, compiled.query, filters, deadline)
        if compiled.proximity is not None and sort == "relevance":
            matches = _add_proximity(searcher, matches, compiled.proximity)
        ranked = _rank(matches, columns, sort, collapse)
        if len(ranked) < SOFT_AND_BELOW and compiled.partial is not None:
            # Few documents hold every word: follow them with those that hold some.
            partial = _matches(searcher, compiled.partial, filters, deadline)
            shown = {columns.family[d] if collapse else columns.edition[d] for d, _ in ranked}
            more = [
                (d, s)
                for d, s in _rank(partial, columns, sort, collapse)
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
        facets = {name: _count(columns.facets[name], ranked) for name in FACETS}
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
        for word in _plain_words(tree):
            lower = word.lower()
            if not lower.isalpha() or len(lower) < 3 or _is_known(reader, lower):
                continue
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
            compiled = _Compiler(self._view(self._current()).lexicon).compile(
                querylang.parse_query(query)
            )
            patterns, _ = _highlight_patterns(self._current(), compiled)
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
        filters = _filters(self._view(searcher).lexicon, component, doc_type, since, until)
        query = filters or wq.Every()
        docnums = sorted(
            searcher.docs_for_query(query), key=lambda n: searcher.stored_fields(n)["id"]
        )
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
            "component": _count(columns.facets["component"], every),
            "doc_type": _count(columns.facets["doc_type"], every),
            "year": dict(sorted(_count(columns.facets["year"], every).items())),
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


def _highlight_patterns(
    searcher: Any, compiled: _Compiled
) -> tuple[set[Pattern], list[set[Pattern]]]:
    """The compiled patterns, plus the index terms that prefix and fuzzy leaves expand to.

    A prefix or fuzzy term that expands to more than MAX_EXPANSIONS words is refused: it would
    make a huge OR query.
    """
    reader = searcher.reader()
    patterns = set(compiled.patterns)
    needs = list(compiled.needs)
    for leaves in compiled.expandables:
        expanded: set[Pattern] = set()
        for leaf in leaves:
            words = list(itertools.islice(leaf._btexts(reader), MAX_EXPANSIONS + 1))
            if len(words) > MAX_EXPANSIONS:
                raise QueryTooExpensiveError(
                    f"'{leaf.text}' matches more than {MAX_EXPANSIONS} different words; "
                    "type more of the word"
                )
            expanded.update((w.decode("utf-8") if isinstance(w, bytes) else w,) for w in words)
        if expanded:
            patterns |= expanded
            needs.append(expanded)
    return patterns, needs


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
