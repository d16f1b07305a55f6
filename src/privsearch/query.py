"""Searching an index: `Index.search` and the record lookups, over `queryplan` (what to ask
Whoosh) and `collect` (how to gather and rank what it answers).

`open_index(path).search(...)` is the one place that searches; the CLI and the HTTP layer call
it and nothing below it.
"""

from __future__ import annotations

import heapq
import math
import os
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import combinations, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import query as wq

from . import analyze, querylang
from .collect import (
    FACETS,
    MULTI_FACETS,
    Columns,
    Deadline,
    count_multi,
    count_values,
    rank,
)
from .complete import Catalog, Completion, Completions, Vocabulary, choose_completions
from .errors import (
    BadParameterError,
    QuerySyntaxError,
    QueryTooExpensiveError,
    RecordNotFoundError,
)
from .explain import Explanation, explain_document
from .highlight import Passage, Pattern, locate_at, mark_all
from .index import (
    family_of,
    graph_of_reader,
    open_whoosh,
    read_copies,
    read_graph,
    read_meta,
    read_stems,
    record_from_stored,
)
from .models import Hit, Record, SearchResults, SuggestedDocument, Suggestions
from .postings import Reads, add_proximity, near_documents, score_documents, scored_matches

if TYPE_CHECKING:
    from .graph import Graph
from .querylang import TEXT_FIELDS, And, Node, Not, Or, Phrase, Word
from .queryplan import (
    Compiler,
    ExpansionBudget,
    PhraseQuery,
    UnionOr,
    build_filters,
    expand_patterns,
    highlight_patterns,
    normalize_facet,
)
from .spelling import WordCheck, check_word, correct_word, is_spellable, typed_documents
from .structure import section_at, section_parts, section_title, start_term

MAX_PER_PAGE = 100
SOFT_AND_BELOW = 10  # with fewer all-word matches, documents with most of the words follow
# ... holding at least this share of the content words, each weighted by its rarity (idf):
# for `license plate readers`, "license" and "readers" without "plate" are not enough
PARTIAL_SHARE = 0.4
# ... at most this many of them after all-word matches, so that a few documents with every
# word are not buried under dozens with some; the same cap for documents holding only the
# quoted phrase of "a phrase" with free words.
PARTIAL_LIMIT = 20
PARTIAL_POOL = 3 * PARTIAL_LIMIT  # best-scoring partial matches looked at for them
NEAR_WORDS = 12  # ... and hold two of the words within this many words of each other
# A partial match's score is multiplied by its (idf-weighted) share of the words to this power.
COORDINATION = 2.0
PATTERN_SHARE = 0.15  # of the time, at most, spent on queries with prefix* or typo~ words
TIME_LIMIT = 5.0  # seconds one search may take to expand its patterns and collect its matches
# Words longer than this get no spelling correction: the corrector compares a word with every
# indexed word of the same first letter, at a cost that grows with the word's length, and no
# word that long is one typo away from a dictionary word.
MAX_CORRECTED_LENGTH = 24
MAX_CORRECTED_WORDS = 4  # unknown words of one query the corrector looks at
MAX_PAGE = 1000
SORTS = ("relevance", "date")
SUGGESTED_DOCUMENTS = 5  # documents /api/suggest offers at most


class _View:
    """What one committed version of the index needs besides its searcher, built once."""

    def __init__(self, reader: Any, copies: dict[str, str] | None) -> None:
        self.lexicon: dict[str, dict[str, str]] = {}
        for name in (*FACETS, *MULTI_FACETS):
            values = [
                v.decode("utf-8") if isinstance(v, bytes) else v for v in reader.lexicon(name)
            ]
            self.lexicon[name] = {normalize_facet(v): v for v in values}
        self.columns = Columns.read(reader, copies)
        self._completions: Completions | None = None
        self._catalog: Catalog | None = None
        self._vocabulary: Vocabulary | None = None
        self._lock = threading.Lock()

    def completions(self, reader: Any) -> Completions:
        """The phrases of the titles, built on first use from `reader` (of this same version)."""
        with self._lock:
            if self._completions is None:
                titles = _column(reader, "title_text")
                self._completions = Completions.build(
                    titles[n].decode("utf-8") for n in reader.all_doc_ids() if titles[n]
                )
            return self._completions

    def catalog(self, reader: Any) -> Catalog:
        """Every document's title and reference number, built on first use."""
        with self._lock:
            if self._catalog is None:
                ids, titles = _column(reader, "id"), _column(reader, "title_text")
                self._catalog = Catalog.build(
                    SuggestedDocument(
                        id=ids[n],
                        title=titles[n].decode("utf-8"),
                        doc_type=self.columns.facets["doc_type"][n],
                        component=self.columns.facets["component"][n],
                        date=self.columns.date[n] or None,
                    )
                    for n in reader.all_doc_ids()
                )
            return self._catalog

    def vocabulary(self, reader: Any) -> Vocabulary:
        """The indexed words a half-typed word may stand for, built on first use."""
        with self._lock:
            if self._vocabulary is None:
                self._vocabulary = Vocabulary.build(reader, TEXT_FIELDS)
            return self._vocabulary


def _column(reader: Any, name: str) -> list[Any]:
    # An index with no documents has no segment, and so no columns.
    return list(reader.column_reader(name)) if reader.doc_count_all() else []


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
        self._graphs: dict[int, Graph] = {}  # the links between documents, by index version
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
                copies = read_copies(self.path, generation)
                view = _View(searcher.reader(), copies)
                if copies is None:
                    # Committed a moment ago: the copies of this version are being found.
                    return view
                analyze.remember_stems(read_stems(self.path))  # spares loading nltk
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
        sort: str | None = None,
        page: int = 1,
        per_page: int = 10,
        collapse: bool = False,
        correct: bool = True,
        expand: bool = True,
        explain: bool = False,
        year: str | list[str] | None = None,
        prefix: bool = False,
        section: str | list[str] | None = None,
        pii: str | list[str] | None = None,
        technology: str | list[str] | None = None,
        retention: str | list[str] | None = None,
        authority: str | list[str] | None = None,
        exemption: str | list[str] | None = None,
    ) -> SearchResults:
        """Search; raises QuerySyntaxError or BadParameterError for what a caller got wrong.

        `section` (a section's name, "routine uses", or its key) bounds the words to the
        sections of that kind, as `section:"routine uses"` in the query does; the privacy
        facets (`pii`, `technology`, `retention`, `authority`, `exemption`) filter like
        `component`: a document must hold one of the values given for each.

        An empty query lists the documents the filters (`component`, `doc_type`, `year`,
        `since`, `until`) let through, newest first unless `sort` says otherwise; with words,
        `sort` defaults to relevance.

        `expand=False` searches for the typed words alone: no synonyms, no meanings of
        acronyms, no learned expansions. `explain=True` gives each hit the parts of its score
        (`Hit.explain`): the words matched in each field with their weights, the proximity
        bonus, and where each searched term came from.

        When nothing matches and a close spelling of the query does (`biometic`), the results
        are those of the corrected query, with a note saying so, unless `correct` is false.

        `prefix=True` searches as a query is typed: unless the query ends with a space, its
        last plain word is the start of a word (`facial recog`), standing for the indexed words
        it starts, the likeliest weighted most, and is never spelling-corrected.
        """
        started = time.perf_counter()
        deadline = Deadline.after(self.time_limit)
        privacy = _privacy(pii, technology, retention, authority, exemption)
        filters = _Filters(component, doc_type, since, until, year, privacy, _listed(section))
        tree, filters = _words_and_sections(query, filters)
        browsing = tree is None
        sort = sort or ("date" if browsing else "relevance")
        _check_paging(page, per_page, sort)
        if tree is None:
            listed = self._browse(query, filters, started, sort, page, per_page, collapse)
            return _unscored(listed) if explain else listed
        with self._turn(tree, deadline):
            return self._search(
                query,
                tree,
                deadline,
                started,
                filters=filters,
                sort=sort,
                page=page,
                per_page=per_page,
                collapse=collapse,
                correct=correct,
                expand=expand,
                explain=explain,
                prefix=prefix,
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
        filters: _Filters,
        sort: str,
        page: int,
        per_page: int,
        collapse: bool,
        correct: bool,
        expand: bool = True,
        explain: bool = False,
        prefix: bool = False,
    ) -> SearchResults:
        found = self._rank(query, tree, deadline, filters, sort, collapse, correct, expand, prefix)
        searcher, view, chosen = found.searcher, found.view, found.chosen
        ranked = chosen.ranked
        shown = ranked[(page - 1) * per_page : page * per_page]
        hits = [
            self._hit(searcher, view, docnum, score, chosen, collapse) for docnum, score in shown
        ]
        if explain and chosen.plan is not None:
            said = tuple(found.notes)
            if found.corrected_from:
                said += (
                    f'Spelling: searched for "{found.suggestion}" instead of '
                    f'"{found.corrected_from}".',
                )
            hits = [
                replace(hit, explain=chosen.plan.explain(searcher, docnum, said).to_dict())
                for hit, (docnum, _) in zip(hits, shown, strict=True)
            ]
        columns = view.columns
        return SearchResults(
            query=query,
            total=len(ranked),
            page=page,
            per_page=per_page,
            took_ms=(time.perf_counter() - started) * 1000,
            results=tuple(hits),
            facets=columns.counts(ranked),
            suggestion=found.suggestion,
            notes=tuple(found.notes),
            corrected_from=found.corrected_from,
            not_found=tuple(found.missing),
        )

    def _rank(
        self,
        query: str,
        tree: Node,
        deadline: Deadline,
        filter_values: _Filters,
        sort: str,
        collapse: bool,
        correct: bool,
        expand: bool,
        prefix: bool,
    ) -> _Ranking:
        """Every document the query finds, ranked, with the corrections and notes that go
        with them: a search before its page is cut and its hits are made."""
        searcher = self._current()
        view = self._view(searcher)
        filters = filter_values.build(view.lexicon)
        sections = filter_values.section_keys()
        typing: str | None = None  # the half-typed word, completed
        completions: dict[str, list[Completion]] = {}
        if prefix:
            tree, typing, completions = self._complete_last_word(searcher, view, query, tree)

        def run(node: Node) -> _Run:
            return self._run(
                searcher, view, node, filters, deadline, sort, collapse, expand, completions,
                sections,
            )  # fmt: skip

        corrections, missing = self._inspect(searcher, view, tree, expand, typing)
        typed_tree = _without_words(tree, missing)
        chosen: _Run | None = None
        suggestion = corrected_from = None
        if corrections:
            fixed_query = _replace_words(query, corrections)
            fixed = run(_without_words(_corrected(tree, corrections), missing))
            # Words no document holds in any form: the query as typed matches nothing whole.
            absent = [w for w, check in corrections.items() if check.documents == 0]
            typed_complete = 0 if absent else run(typed_tree).complete
            # A correction must make the query match better: more documents with every word.
            if fixed.complete > typed_complete:
                suggestion = fixed_query
                if correct:
                    chosen, corrected_from = fixed, query
            if chosen is None and absent:
                # Searched as typed, those words are left out like any other word not found.
                missing += [w.text for w in _top_words(tree) if w.text in absent]
                typed_tree = _without_words(tree, missing)
        if chosen is None:
            chosen = run(typed_tree)
        notes = list(chosen.notes)
        if missing:
            notes.insert(0, "Not found: " + ", ".join(missing) + ".")
        return _Ranking(searcher, view, chosen, suggestion, corrected_from, notes, missing)

    def _browse(
        self,
        query: str,
        filters: _Filters,
        started: float,
        sort: str,
        page: int,
        per_page: int,
        collapse: bool,
    ) -> SearchResults:
        """The documents the filters let through, each publication once, in `sort` order;
        the facets count what is listed."""
        searcher = self._current()
        view = self._view(searcher)
        query_filter = filters.build(view.lexicon) or wq.Every()
        docnums = searcher.docs_for_query(query_filter)
        ranked = rank([(d, 0.0) for d in docnums], view.columns, sort, collapse)
        run = _Run(ranked, len(ranked), set(), [], [])
        shown = ranked[(page - 1) * per_page : page * per_page]
        return SearchResults(
            query=query,
            total=len(ranked),
            page=page,
            per_page=per_page,
            took_ms=(time.perf_counter() - started) * 1000,
            results=tuple(
                self._hit(searcher, view, docnum, score, run, collapse) for docnum, score in shown
            ),
            facets=view.columns.counts(ranked),
        )

    def _run(
        self,
        searcher: Any,
        view: _View,
        tree: Node,
        filters: wq.Query | None,
        deadline: Deadline,
        sort: str,
        collapse: bool,
        expand: bool = True,
        completions: dict[str, list[Completion]] | None = None,
        sections: tuple[str, ...] = (),
    ) -> _Run:
        """The ranked documents for one query: those with every word first, then, where it
        helps, those with most of the words, or with the quoted phrase alone."""
        columns = view.columns
        compiler = Compiler(view.lexicon, expand=expand, completions=completions, sections=sections)
        compiled = compiler.compile(tree)
        expand_patterns(searcher, compiled, ExpansionBudget(deadline=deadline))
        patterns, needs = highlight_patterns(searcher, compiled)
        reads = Reads()  # each term read once by the parts of this search
        matches = scored_matches(searcher, compiled.query, filters, deadline, reads)
        if compiled.proximity is not None and sort == "relevance":
            matches = add_proximity(searcher, matches, compiled.proximity, reads)
        ranked = rank(matches, columns, sort, collapse)
        complete = len(ranked)
        notes: list[str] = []
        plan = _Plan(compiled.query, compiled.proximity, compiled.origins)
        if complete < SOFT_AND_BELOW and compiled.partial is not None:
            words = sum(1 for w in _top_words(tree) if not _only_stopwords(w.text))
            found = scored_matches(searcher, compiled.partial, filters, deadline, reads)
            # Those holding most of the words score best: the best few are enough to look at.
            pool = heapq.nlargest(PARTIAL_POOL, found, key=lambda ds: ds[1])
            coverage = self._coverage(searcher, view, tree, {d for d, _ in pool}, expand)
            if complete and words > 2:
                # After a few all-word matches, only documents with most of the words follow,
                # at most PARTIAL_LIMIT of them.
                kept = coverage.enough(searcher, reads)
                found = [(d, s) for d, s in pool if d in kept]
            factors = coverage.factors(found)
            found = [(d, s * factors[d]) for d, s in found]
            more = _unshown(rank(found, columns, sort, collapse), ranked, columns, collapse)
            if complete:
                more = more[:PARTIAL_LIMIT]
            plan.partial = (compiled.partial, {d for d, _ in more})
            plan.factors = factors
            if more:
                notes.append(
                    "No document contains all the words; showing documents with some of them."
                    if not complete
                    else f"Only {complete} document(s) contain all the words; documents "
                    "with most of them follow."
                )
            ranked = ranked + more
        phrases = _phrases_alone(tree)
        if phrases is not None:
            alone = Compiler(
                view.lexicon, expand=expand, completions=completions, sections=sections
            ).compile(phrases)
            found = scored_matches(searcher, alone.query, filters, deadline, reads)
            more = _unshown(rank(found, columns, sort, collapse), ranked, columns, collapse)
            more = more[:PARTIAL_LIMIT]
            plan.alone = (alone.query, {d for d, _ in more})
            if more:
                notes.append(
                    f"Only {complete} document(s) contain the phrase and every word; documents "
                    "with the phrase alone follow."
                    if complete
                    else "No document contains the phrase and every word; showing documents "
                    "with the phrase alone."
                )
            ranked = ranked + more
        return _Run(ranked, complete, patterns, needs, notes, plan, sections)

    def _hit(
        self,
        searcher: Any,
        view: _View,
        docnum: int,
        score: float,
        run: _Run,
        collapse: bool,
    ) -> Hit:
        stored = searcher.stored_fields(docnum)
        record = record_from_stored(stored) if stored.get("sections") else None
        if record is not None and run.sections:  # words bounded to sections: found there
            passages = [Passage(n, text, at) for n, at, text in section_parts(record, run.sections)]
        else:
            passages = [Passage(0, stored.get("summary", ""))]
            passages += [Passage(number, text) for number, text, _ in stored.get("pages", [])]
        snippet, pages, where = locate_at(passages, run.patterns, run.needs)
        section = section_at(record, *where) if record is not None and where else None
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
            # An undated copy shows the date another copy of the publication gives.
            date=stored.get("date") or view.columns.date[docnum] or None,
            score=round(score, 4),
            snippet=snippet,
            pages=pages,
            source=stored.get("source", ""),
            url=stored.get("url", ""),
            versions=versions,
            attachments=tuple(stored.get("attachments", [])),
            page_file=_page_file(stored.get("pages", []), pages),
            section=section_title(section.key) if section is not None else "",
            snippet_page=where[0] if where else 0,
        )

    def _inspect(
        self, searcher: Any, view: _View, tree: Node, expand: bool = True, typing: str | None = None
    ) -> tuple[dict[str, WordCheck], list[str]]:
        """The typed words to correct (with their corrections), and the words of the query
        that no document holds in any form and that have no synonym (dropped from it). The
        word being typed (`typing`) is never corrected."""
        reader = searcher.reader()
        top = _top_words(tree)
        corrections: dict[str, WordCheck] = {}
        missing: list[str] = []
        looked = 0
        for word in _plain_words(tree):
            if not 0 < len(word.text) <= MAX_CORRECTED_LENGTH or _only_stopwords(word.text):
                continue
            check = check_word(reader, word.text)
            if check.present:
                continue
            # A word no document holds may still be known: a synonym ("drones": UAS). Such a
            # word is never corrected; searched without synonyms, it is not found.
            known = check.documents > 0 or self._matches(searcher, view, word)
            if known and check.documents == 0:
                if not expand and word in top:
                    missing.append(word.text)
                continue
            if looked < MAX_CORRECTED_WORDS and is_spellable(word.text) and word.text != typing:
                looked += 1
                fix = correct_word(searcher, check, _neighbours(top, word))
                if fix is not None:
                    corrections[word.text] = replace(check, correction=fix)
                    continue
            if not known and word in top and not (expand and _in_synonym(top, word)):
                missing.append(word.text)
        return corrections, missing

    def _matches(self, searcher: Any, view: _View, node: Node, expand: bool = True) -> bool:
        """Whether any document matches `node` alone (through a synonym, say)."""
        query = Compiler(view.lexicon, expand=expand).compile(node).query
        return next(iter(searcher.docs_for_query(query)), None) is not None

    def _coverage(
        self, searcher: Any, view: _View, tree: Node, docs: set[int], expand: bool = True
    ) -> _Coverage:
        """How much of the query's content words each of `docs` holds.

        Each word weighs the square root of its rarity (idf), so that a report holding
        "privacy impact assessment" but not "E-Verify" holds little of `E-Verify privacy impact
        assessment`; the square root tempers it, as in a query worded by a layman the rarest
        word is as often an odd one as the key one. A synonym standing for several words counts
        for all of them, and stands for them close together.
        """
        words = list(_top_words(tree))
        reader = searcher.reader()
        total_docs = max(1, reader.doc_count())
        held: list[set[int]] = []
        weights: list[float] = []
        for word in words:
            if _only_stopwords(word.text):
                held.append(set())
                weights.append(0.0)
                continue
            frequency = typed_documents(reader, word.text)
            query = _word_query(view, word, frequency, expand)
            held.append(_matching(searcher, query, docs))
            weights.append(math.sqrt(math.log((total_docs + 1) / (frequency + 0.5))))
        together: set[int] = set()  # documents where a synonym stands for several words
        for start, end, forms in _synonym_spans(words) if expand else ():
            found = _matching(searcher, forms, docs)
            together |= found
            for i in range(start, end):
                held[i] |= found
        shares: dict[int, float] = defaultdict(float)
        whole = sum(weights) or 1.0
        for found, weight in zip(held, weights, strict=True):
            for docnum in found:
                shares[docnum] += weight / whole
        return _Coverage(docs, dict(shares), together, words)

    def _complete_last_word(
        self, searcher: Any, view: _View, query: str, tree: Node
    ) -> tuple[Node, str | None, dict[str, list[Completion]]]:
        """For a query being typed: the query with its last plain word replaced by its
        likeliest completion, that word, and the completions by the term it stands for. The
        query as typed when it ends with a space or with no plain word; with no completion,
        the word as typed."""
        last = _last_word(tree)
        if last is None or query[-1:].isspace():
            return tree, None, {}
        reader = searcher.reader()
        candidates = view.vocabulary(reader).candidates(last.text)
        others = [w for w in _top_words(tree)[:-1] if not _only_stopwords(w.text)]
        beside: dict[str, int] | None = None
        if candidates and others:
            queries = [_word_query(view, w, typed_documents(reader, w.text)) for w in others]
            context = set(searcher.docs_for_query(wq.And(queries)))
            beside = {c.term: len(_documents_with(reader, c.term) & context) for c in candidates}
        found = choose_completions(candidates, beside)
        if not found:
            return tree, last.text, {}
        best = found[0]
        if analyze.analyze(best.word, mode="query", removestops=False) != [best.term]:
            return tree, last.text, {}
        return _with_last_word(tree, Word(best.word)), best.word, {best.term: found}

    def suggest(self, prefix: str, limit: int = 8) -> Suggestions:
        """What a half-typed query may become: phrases from the titles ("facial rec" ->
        "Facial Recognition"), documents whose title holds the typed words (at most
        SUGGESTED_DOCUMENTS) and reference numbers (`PIA-05` -> DHS/ICE/PIA-054)."""
        if len(prefix) > querylang.MAX_QUERY_LENGTH:
            raise BadParameterError(f"q is longer than {querylang.MAX_QUERY_LENGTH} characters")
        searcher = self._current()
        view, reader = self._view(searcher), searcher.reader()
        catalog = view.catalog(reader)
        return Suggestions(
            query=prefix,
            phrases=tuple(view.completions(reader).complete(prefix, limit)),
            documents=tuple(catalog.documents(prefix, min(limit, SUGGESTED_DOCUMENTS))),
            references=tuple(catalog.reference_numbers(prefix, limit)),
        )

    def page(
        self,
        record_id: str,
        number: int,
        query: str | None = None,
        source: str | None = None,
        *,
        prefix: bool = False,
    ) -> dict[str, Any]:
        """One PDF page of a record: its text, and as HTML with the query's matches marked;
        with `prefix`, the last word of the query marked as `search(prefix=True)` completes it."""
        record = self.get(record_id, source)
        page = next((p for p in record.pages if p.number == number), None)
        if page is None:
            raise RecordNotFoundError(f"{record.id} has no page {number}")
        patterns: set[Pattern] = set()
        within: list[tuple[int, int]] | None = None  # the page's stretches the words count in
        tree: Node | None = None
        if query:
            tree, named = _without_sections(querylang.parse_query(query))
            if named:
                keys = _Filters(None, None, None, None, None, section=named).section_keys()
                parts = section_parts(record, keys)
                within = [(at, at + len(text)) for n, at, text in parts if n == number]
        if tree is not None:
            deadline = Deadline.after(self.time_limit)
            with self._turn(tree, deadline):
                searcher = self._current()
                view = self._view(searcher)
                completions: dict[str, list[Completion]] = {}
                if prefix:
                    tree, _, completions = self._complete_last_word(searcher, view, query, tree)
                compiled = Compiler(view.lexicon, completions=completions).compile(tree)
                expand_patterns(searcher, compiled, ExpansionBudget(deadline=deadline))
                patterns, _ = highlight_patterns(searcher, compiled)
        return {
            "id": record.id,
            "page": number,
            "pages": len(record.pages),
            "text": page.text,
            "html": mark_all(page.text, patterns, within),
        }

    # -- records ---------------------------------------------------------------------------------

    def get(self, record_id: str, source: str | None = None) -> Record:
        """The record with this id read from `source`, or else the fullest copy when several
        sources hold one.

        The id is matched as search matches it: case-insensitive, whole (`DHS/ICE/PIA-054`) or
        short (`ICE/PIA-054`, `pia-054`). A short id that stands for several reference numbers
        (`pia-003`) is a BadParameterError listing them. `source` is a record's source, or
        its end (`pages/dhs-all-004.html`)."""
        searcher = self._current()
        found = [searcher.stored_fields(d) for d in self._docnums_for_id(searcher, record_id)]
        found = _from_source(found, source)
        ids = sorted({d["id"] for d in found})
        if len(ids) > 1:
            raise BadParameterError(
                f"'{record_id}' could be {', '.join(ids[:-1])} or {ids[-1]}: give the whole id"
            )
        if not found:
            where = f" from {source}" if source is not None else ""
            raise RecordNotFoundError(f"no record with id '{record_id}'{where}")
        return record_from_stored(max(found, key=_fullness))

    def publications(self, record_id: str, source: str | None = None) -> list[Record]:
        """Every publication `record_id` names (matched as `get` matches it), newest first, each
        as its fullest copy: one, unless several publications share the id (a SORN and its
        reissue) or a short id stands for several reference numbers."""
        searcher = self._current()
        editions = self._view(searcher).columns.edition
        copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for docnum in self._docnums_for_id(searcher, record_id):
            stored = searcher.stored_fields(docnum)
            if _from_source([stored], source):
                copies[editions[docnum]].append(stored)
        records = [record_from_stored(max(group, key=_fullness)) for group in copies.values()]
        return sorted(records, key=lambda r: (r.date or "", r.id), reverse=True)

    def _docnums_for_id(self, searcher: Any, record_id: str) -> list[int]:
        """The documents with this id, or else those one of whose short ids it is."""
        wanted = record_id.strip().lower()
        docnums = list(searcher.docs_for_query(wq.Term("ids", wanted)))
        exact = [d for d in docnums if searcher.stored_fields(d)["id"].lower() == wanted]
        return exact or docnums

    def records(
        self,
        component: str | list[str] | None = None,
        doc_type: str | list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        year: str | list[str] | None = None,
        query: str = "",
        *,
        section: str | list[str] | None = None,
        pii: str | list[str] | None = None,
        technology: str | list[str] | None = None,
        retention: str | list[str] | None = None,
        authority: str | list[str] | None = None,
        exemption: str | list[str] | None = None,
    ) -> Iterator[Record]:
        """Every record matching the filters, ordered by id; with a `query`, every record
        `search` finds for it, best first. The filters are those of `search`."""
        privacy = _privacy(pii, technology, retention, authority, exemption)
        filters = _Filters(component, doc_type, since, until, year, privacy, _listed(section))
        tree, filters = _words_and_sections(query, filters)
        if tree is not None:
            yield from self._found_records(query, tree, filters)
            return
        searcher = self._current()
        view = self._view(searcher)
        matching = filters.build(view.lexicon) or wq.Every()
        # The edition column ("id|date") orders by id without loading any stored document.
        docnums = sorted(searcher.docs_for_query(matching), key=lambda n: view.columns.edition[n])
        for docnum in docnums:
            yield record_from_stored(searcher.stored_fields(docnum))

    def stated_risks(self, query: str = "", *, limit: int = 20, **filters: Any) -> list[Record]:
        """The records `records(query=query, **filters)` gives that state a privacy risk, best
        first (by id with no words), at most `limit` of them."""
        found = (r for r in self.records(query=query, **filters) if r.risks)
        return list(islice(found, limit))

    def _found_records(self, query: str, tree: Node, filters: _Filters) -> Iterator[Record]:
        """Every record `search` finds for `query`, best first: ranked once, no snippets."""
        deadline = Deadline.after(self.time_limit)
        with self._turn(tree, deadline):
            found = self._rank(
                query, tree, deadline, filters, "relevance", False, True, True, False
            )
        for docnum, _ in found.chosen.ranked:
            yield record_from_stored(found.searcher.stored_fields(docnum))

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
            **{name: count_multi(columns.multi[name], every) for name in MULTI_FACETS},
            "section": _section_counts(searcher.reader()),
        }

    def sources(self, record_id: str) -> list[str]:
        """The source of every record with this id (case-insensitive), in index order."""
        searcher = self._current()
        wanted = record_id.strip().lower()
        docnums = searcher.docs_for_query(wq.Term("ids", wanted))
        found = [searcher.stored_fields(n) for n in docnums]
        return [d.get("source", "") for d in found if d["id"].lower() == wanted]

    def shares_id(self, record_id: str) -> bool:
        """Whether several records have this id (one document is read only when they might)."""
        searcher = self._current()
        docnums = list(searcher.docs_for_query(wq.Term("ids", record_id.strip().lower())))
        return len(docnums) > 1 and len(self.sources(record_id)) > 1

    def roots(self) -> list[str]:
        """The folders and files the index was built from, as absolute paths."""
        meta = read_meta(self.path)
        roots = meta.get("roots")
        if isinstance(roots, list) and roots:
            return [str(r) for r in roots]
        sources = [s for s in meta.get("sources", {}) if os.path.isabs(s)]
        # An index built before roots were kept: the folder all its sources are in.
        return [os.path.commonpath(sources)] if sources else []

    def graph(self) -> Graph:
        """The links between the documents of the version searches see now: from the file the
        indexing run wrote, or built once for this version when there is none."""
        searcher = self._current()
        generation = searcher.reader().generation()
        with self._lock:
            graph = self._graphs.get(generation)
        if graph is None:
            graph = read_graph(self.path, generation) or graph_of_reader(searcher.reader())
            with self._lock:
                self._graphs = {generation: graph}
        return graph

    def related(self, record_id: str) -> dict[str, Any]:
        """A document (matched as `get` matches it) and its links to others, grouped by kind."""
        from .graph import related_payload

        return related_payload(self.graph(), self.get(record_id))

    def family(self, record_id: str) -> list[str]:
        """Ids of every version of the document family `record_id` belongs to."""
        searcher = self._current()
        return sorted({d["id"] for d in searcher.documents(family=family_of(record_id))})


BROWSE_NOTE = "No words to score: the documents are listed by the filters."


def _unscored(listed: SearchResults) -> SearchResults:
    """A listing with each hit's explanation: nothing scored it."""
    explanation = Explanation(matches=(), notes=(BROWSE_NOTE,)).to_dict()
    hits = tuple(replace(hit, explain=explanation) for hit in listed.results)
    return replace(listed, results=hits, notes=(*listed.notes, BROWSE_NOTE))


def _fullness(stored: dict[str, Any]) -> tuple[int, int]:
    """How much of a publication a copy holds: pages, then summary length."""
    return stored.get("page_count", 0), len(stored.get("summary", ""))


def _from_source(found: list[dict[str, Any]], source: str | None) -> list[dict[str, Any]]:
    """Those of `found` read from `source`: the whole source, or its last path parts."""
    if source is None:
        return found
    tail = "/" + source.replace("\\", "/").lstrip("/")
    return [d for d in found if d.get("source") == source or d.get("source", "").endswith(tail)]


def _check_paging(page: int, per_page: int, sort: str) -> None:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadParameterError(f"per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}")
    if not 1 <= page <= MAX_PAGE:
        raise BadParameterError(f"page must be between 1 and {MAX_PAGE}, not {page}")
    if sort not in SORTS:
        raise BadParameterError(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")


@dataclass(frozen=True)
class _Filters:
    """The filters of a search, as given."""

    component: str | list[str] | None
    doc_type: str | list[str] | None
    since: str | None
    until: str | None
    year: str | list[str] | None
    privacy: dict[str, list[str]] = field(default_factory=dict)  # privacy facet -> values
    section: tuple[str, ...] = ()  # the sections' names, as given

    def section_keys(self) -> tuple[str, ...]:
        """The keys of the sections named (BadParameterError for a name no section has)."""
        return tuple(dict.fromkeys(_section_key(name) for name in self.section))

    def build(self, lexicon: dict[str, dict[str, str]]) -> wq.Query | None:
        return build_filters(
            lexicon, self.component, self.doc_type, self.since, self.until, self.year,
            self.privacy, self.section_keys(),
        )  # fmt: skip


def _listed(values: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    values = [values] if isinstance(values, str) else list(values or [])
    return tuple(v for v in values if v.strip())


def _privacy(
    pii: str | list[str] | None,
    technology: str | list[str] | None,
    retention: str | list[str] | None,
    authority: str | list[str] | None,
    exemption: str | list[str] | None,
) -> dict[str, list[str]]:
    given = zip(MULTI_FACETS, (pii, technology, retention, authority, exemption), strict=True)
    return {name: list(_listed(values)) for name, values in given if _listed(values)}


def _section_counts(reader: Any) -> dict[str, int]:
    """How many documents have a section of each kind, by its title, commonest first."""
    from .structure.sections import SECTION_TITLES

    counts: dict[str, int] = {}
    for key, title in SECTION_TITLES.items():
        found = reader.doc_frequency("body", start_term(key))
        if found:
            counts[title] = counts.get(title, 0) + found
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _section_key(name: str) -> str:
    from .structure.sections import SECTION_TITLES, section_key

    key = section_key(name)
    if key is None:
        known = ", ".join(sorted({t.lower() for t in SECTION_TITLES.values()}))
        raise BadParameterError(f"unknown section '{name}' (sections: {known})")
    return key


def _words_and_sections(query: str, filters: _Filters) -> tuple[Node | None, _Filters]:
    """The query parsed without its `section:` terms (None when it has no words), and the
    filters with the sections those name."""
    if not query.strip():
        return None, filters
    tree, named = _without_sections(querylang.parse_query(query))
    return tree, replace(filters, section=(*filters.section, *named))


def _without_sections(tree: Node) -> tuple[Node | None, tuple[str, ...]]:
    """The query without its `section:` terms, and the sections they name. They bound the
    whole query, so they stand at its top level only."""
    children = list(tree.children) if isinstance(tree, And) else [tree]
    named = tuple(c.text for c in children if _is_section(c))  # type: ignore[union-attr]
    rest = [c for c in children if not _is_section(c)]
    if any(_is_section(leaf) for c in rest for leaf in querylang.leaves(c)):
        raise QuerySyntaxError(
            "section: bounds the whole query and cannot stand inside a group, OR or NOT",
            'Write it once beside the words, e.g. section:"routine uses" law enforcement',
        )
    if not rest:
        return None, named
    if len(rest) == 1:
        return rest[0], named
    return And(tuple(rest), tree.explicit), named  # type: ignore[union-attr]


def _is_section(node: Node) -> bool:
    return getattr(node, "field", None) == "section"


@dataclass
class _Ranking:
    """What `Index._rank` found: the run chosen (typed or corrected) and what to say of it."""

    searcher: Any
    view: _View
    chosen: _Run
    suggestion: str | None
    corrected_from: str | None
    notes: list[str]
    missing: list[str]


@dataclass
class _Run:
    """One query's ranked documents and what to highlight in them."""

    ranked: list[tuple[int, float]]
    complete: int  # how many of `ranked` match every word
    patterns: set[Pattern]
    needs: list[set[Pattern]]
    notes: list[str]
    plan: _Plan | None = None  # the queries that scored them, for --explain
    sections: tuple[str, ...] = ()  # the keys of the sections the words were bounded to


@dataclass
class _Plan:
    """The queries a run scored its documents with: the documents with every word by `query`
    and `proximity`, those that follow by `partial` or by `alone` (the quoted phrase alone)."""

    query: wq.Query
    proximity: wq.Query | None
    origins: dict[tuple[str, ...], str]
    partial: tuple[wq.Query, set[int]] | None = None
    alone: tuple[wq.Query, set[int]] | None = None
    factors: dict[int, float] = field(default_factory=dict)  # partial matches' coordination

    def explain(self, searcher: Any, docnum: int, notes: tuple[str, ...]) -> Explanation:
        if self.partial is not None and docnum in self.partial[1]:
            # The coordination factor scales the whole query, as a boost on it would.
            query = self.partial[0]
            query = query.with_boost(query.boost * self.factors.get(docnum, 1.0))
            return explain_document(searcher, query, None, docnum, self.origins, notes)
        if self.alone is not None and docnum in self.alone[1]:
            return explain_document(searcher, self.alone[0], None, docnum, self.origins, notes)
        return explain_document(searcher, self.query, self.proximity, docnum, self.origins, notes)


@dataclass
class _Coverage:
    """The idf-weighted share of the query's content words each of `docs` holds (0 to 1)."""

    docs: set[int]
    shares: dict[int, float]
    together: set[int]  # documents where a synonym stands for several of the words
    words: list[Word]

    def enough(self, searcher: Any, reads: Reads) -> set[int]:
        """Those of `docs` that hold most of the words, two of them close together.

        Two words are close within NEAR_WORDS of each other, either order: a report with
        "license fees" on one page and "readers" on another is no match for `license plate
        readers`.
        """
        enough = {d for d in self.docs if self.shares.get(d, 0.0) >= PARTIAL_SHARE}
        close = _close_pairs(searcher, self.words, enough - self.together, reads)
        return self.together & enough | close

    def factors(self, found: list[tuple[int, float]]) -> dict[int, float]:
        """What each partial match's score is multiplied by: its share of the words, raised
        to COORDINATION (a document with three of four words before one with two of them,
        however often it repeats those). Documents past the pool looked at get the lowest
        factor of the pool, as they scored below all of it."""
        factors = {d: s**COORDINATION for d, s in self.shares.items() if d in self.docs}
        lowest = min(factors.values(), default=1.0)
        return {d: factors.get(d, lowest) for d, _ in found}


def _close_pairs(searcher: Any, words: list[Word], docs: set[int], reads: Reads) -> set[int]:
    """Those of `docs` with two of the words within NEAR_WORDS of each other in a field."""
    terms = [
        found[0]
        for found in (analyze.analyze(w.text, mode="query", removestops=True) for w in words)
        if found
    ]
    pairs = [
        (f, a, b)
        for a, b in combinations(dict.fromkeys(terms), 2)
        for f in ("title", "summary", "body")
    ]
    return near_documents(searcher, pairs, NEAR_WORDS, docs, reads) if pairs and docs else set()


def _word_query(view: _View, word: Word, frequency: int, expand: bool = True) -> wq.Query:
    """The documents holding a word in any form: its terms in any text field, or, for a word
    no document holds (`drones`), what the query plan makes of it (its synonyms)."""
    terms = analyze.analyze(word.text, mode="query", removestops=False)
    if not frequency or not terms:
        return Compiler(view.lexicon, expand=expand).compile(word).query
    return UnionOr([wq.Term(f, t) for t in terms for f in TEXT_FIELDS])


def _matching(searcher: Any, query: wq.Query, docs: set[int]) -> set[int]:
    """Those of `docs` that `query` matches."""
    return set(score_documents(searcher, query, docs))


def _unshown(
    more: list[tuple[int, float]], ranked: list[tuple[int, float]], columns: Columns, collapse: bool
) -> list[tuple[int, float]]:
    """The documents of `more` whose edition (or family) `ranked` does not hold yet."""
    key = columns.family if collapse else columns.edition
    shown = {key[d] for d, _ in ranked}
    return [(d, s) for d, s in more if key[d] not in shown]


def _plain_words(tree: Node) -> Iterator[Word]:
    if isinstance(tree, Word) and tree.field is None:
        yield tree
    elif isinstance(tree, (And, Or)):
        for child in tree.children:
            yield from _plain_words(child)


def _top_words(tree: Node) -> list[Word]:
    """The unfielded words a query requires directly (not inside OR, NOT or groups)."""
    if isinstance(tree, Word):
        return [tree] if tree.field is None else []
    if isinstance(tree, And) and not tree.explicit:
        return [c for c in tree.children if isinstance(c, Word) and c.field is None]
    return []


def _neighbours(words: list[Word], word: Word) -> list[str]:
    if word not in words:
        return []
    i = words.index(word)
    return [w.text for w in words[max(0, i - 1) : i] + words[i + 1 : i + 2]]


def _only_stopwords(text: str) -> bool:
    terms = analyze.analyze(text, mode="query", removestops=False)
    return all(analyze.is_stopword(t) for t in terms)


def _in_synonym(words: list[Word], word: Word) -> bool:
    """Whether the word is part of a multi-word synonym ("lie detection")."""
    i = words.index(word)
    return any(start <= i < end for start, end, _ in _synonym_spans(words))


def _synonym_spans(words: list[Word]) -> list[tuple[int, int, wq.Query]]:
    """[start, end) ranges of two or more words that a synonym group knows as one, each with
    a query for the group's other forms (for telling which documents hold them, not for
    scoring)."""
    owner: list[int] = []
    terms: list[str] = []
    for i, word in enumerate(words):
        found = analyze.analyze(word.text, mode="query", removestops=False)
        terms.extend(found)
        owner.extend([i] * len(found))
    spans = []
    for match in analyze.find_synonyms(terms):
        first, last = owner[match.start], owner[match.end - 1]
        if last > first:
            forms: list[wq.Query] = [
                PhraseQuery(f, list(alt)) if len(alt) > 1 else wq.Term(f, alt[0])
                for alt in match.alternatives
                for f in TEXT_FIELDS
            ]
            spans.append((first, last + 1, UnionOr(forms)))
    return spans


def _without_words(tree: Node, texts: list[str]) -> Node:
    """The query without the top-level words `texts`, unless nothing would be left."""
    if not texts or not isinstance(tree, And) or tree.explicit:
        return tree
    kept = tuple(
        c
        for c in tree.children
        if not (isinstance(c, Word) and c.field is None and c.text in texts)
    )
    if not any(not isinstance(c, Not) for c in kept):
        return tree
    return kept[0] if len(kept) == 1 else replace(tree, children=kept)


def _corrected(tree: Node, corrections: dict[str, WordCheck]) -> Node:
    """The query with each corrected word replaced."""
    if isinstance(tree, Word) and tree.field is None and tree.text in corrections:
        return Word(corrections[tree.text].correction or tree.text)
    if isinstance(tree, (And, Or)):
        return replace(tree, children=tuple(_corrected(c, corrections) for c in tree.children))
    return tree


def _replace_words(query: str, corrections: dict[str, WordCheck]) -> str:
    for word, check in corrections.items():
        query = re.sub(
            rf"(?<![\w\"]){re.escape(word)}(?![\w\"~*])", check.correction or word, query, count=1
        )
    return query


def _phrases_alone(tree: Node) -> Node | None:
    """For "a phrase" with free words, the query without the free words, else None."""
    if not isinstance(tree, And) or tree.explicit:
        return None
    children = tree.children
    if not any(isinstance(c, Phrase) for c in children):
        return None
    kept = tuple(c for c in children if not (isinstance(c, Word) and c.field is None))
    if len(kept) == len(children):
        return None
    return kept[0] if len(kept) == 1 else replace(tree, children=kept)


def _documents_with(reader: Any, term: str) -> set[int]:
    """Documents holding the index term in any text field."""
    found: set[int] = set()
    for name in TEXT_FIELDS:
        if (name, term) in reader:
            found.update(reader.postings(name, term).all_ids())
    return found


def _last_word(tree: Node) -> Word | None:
    """The plain word a query ends with, if it ends with one."""
    if isinstance(tree, And) and tree.children:
        tree = tree.children[-1]
    return tree if isinstance(tree, Word) and tree.field is None else None


def _with_last_word(tree: Node, word: Word) -> Node:
    if isinstance(tree, And):
        return replace(tree, children=(*tree.children[:-1], word))
    return word


def open_index(path: Path | str = "index") -> Index:
    """Open the index at `path` for searching."""
    return Index(path)


def _page_file(stored_pages: list[list[Any]], matched: tuple[int, ...]) -> str:
    """The PDF holding the first matched page ("" when the record has one body source)."""
    if not matched:
        return ""
    return next((str(att) for number, _, att in stored_pages if number == matched[0]), "")
