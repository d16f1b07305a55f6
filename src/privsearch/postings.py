"""Scoring a query from whole posting lists: the same documents and scores as Whoosh's
matchers, without a tree of matcher objects stepping through every posting.

Whoosh matches a query with one matcher object per term and a binary tree of union and
intersection matchers above them; every posting costs a dozen method calls on its way up the
tree (`is_active`, `id`, `skip_to`, `score` at each level). The queries privsearch makes are
almost always ANDs and ORs of terms and phrases, each term in four fields: this module
reads each term's postings a block at a time, scores them with the same BM25F formula on the
same numbers, and combines the documents' scores in dictionaries. An AND scores its phrases
last, only on the documents its other parts left, so a phrase's positions are read only where
they can count. Any other kind of query part (a section bound, a prefix, a negation) is left
to Whoosh's matchers, so the results never depend on which way a query was scored.
"""

from __future__ import annotations

import heapq
import weakref
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from pickle import loads
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.system import _INT_SIZE

from . import analyze
from .collect import Deadline, collect_matches
from .collect import score_documents as matcher_scores
from .queryplan import PhraseQuery, UnionOr

Scores = dict[int, float]  # a segment's document number -> score
PROXIMITY_POOL = 300  # best bag-of-words matches that get the proximity bonus


class _Unsupported(Exception):
    """A query part this module does not score; Whoosh's matchers score the whole query."""


class Reads:
    """What one search has read of the postings, so that a term met again (in the query
    with every word, the one with some of them, the proximity bonus, each field of a
    phrase) is read and decoded once."""

    def __init__(self) -> None:
        self.scores: dict[tuple[Any, ...], tuple[list[int], list[float]] | None] = {}
        self.values: dict[tuple[Any, ...], dict[int, bytes]] = {}
        self.positions: dict[tuple[Any, ...], list[int]] = {}
        self.ids: dict[tuple[Any, ...], list[int]] = {}
        self.score_maps: dict[tuple[Any, ...], dict[int, float]] = {}


def scored_matches(
    searcher: Any,
    query: wq.Query,
    filters: wq.Query | None,
    deadline: Deadline,
    reads: Reads | None = None,
) -> list[tuple[int, float]]:
    """Every (document number, score) that matches, best first (ties by document number),
    as `collect.collect_matches` finds them; QueryTooExpensiveError past the deadline.
    `reads` shares what is read between the parts of one search."""
    if not supported(query):
        return collect_matches(searcher, query, filters, deadline)
    try:
        return _scored(searcher, query, filters, deadline, reads or Reads())
    except _Unsupported:
        return collect_matches(searcher, query, filters, deadline)


def _scored(
    searcher: Any, query: wq.Query, filters: wq.Query | None, deadline: Deadline, reads: Reads
) -> list[tuple[int, float]]:
    allowed = set(searcher.docs_for_query(filters)) if filters is not None else None
    found: list[tuple[int, float]] = []
    for subsearcher, offset in searcher.leaf_searchers():
        segment = _Segment(searcher, subsearcher, deadline, reads)
        restrict = None
        if allowed is not None:
            end = offset + subsearcher.doc_count_all()
            restrict = {d - offset for d in allowed if offset <= d < end}
            if not restrict:
                continue
        scores = segment.scores(query, restrict)
        found.extend((d + offset, s) for d, s in scores.items())
    found.sort(key=lambda ds: (-ds[1], ds[0]))
    return found


def score_documents(
    searcher: Any, query: wq.Query, docs: set[int], reads: Reads | None = None
) -> dict[int, float]:
    """The score of `query` in each of `docs` it matches (`collect.score_documents`)."""
    if supported(query):
        try:
            return _scored_in(searcher, query, docs, reads or Reads())
        except _Unsupported:
            pass
    return matcher_scores(searcher, query, docs)


def _scored_in(searcher: Any, query: wq.Query, docs: set[int], reads: Reads) -> dict[int, float]:
    found: dict[int, float] = {}
    for segment, local, offset in _segments_holding(searcher, docs, reads):
        found.update((d + offset, s) for d, s in segment.scores(query, local).items())
    return found


def _segments_holding(
    searcher: Any, docs: set[int], reads: Reads
) -> Iterator[tuple[_Segment, set[int], int]]:
    """Each segment holding some of `docs`, with those documents (numbered in the segment)
    and the segment's offset, for work without a deadline on a few known documents."""
    deadline = Deadline.after(float("inf"))
    for subsearcher, offset in searcher.leaf_searchers():
        end = offset + subsearcher.doc_count_all()
        local = {d - offset for d in docs if offset <= d < end}
        if local:
            yield _Segment(searcher, subsearcher, deadline, reads), local, offset


def add_proximity(
    searcher: Any,
    matches: list[tuple[int, float]],
    proximity: wq.Query,
    reads: Reads | None = None,
) -> list[tuple[int, float]]:
    """Add the proximity bonus to the best PROXIMITY_POOL matches.

    Phrase matching reads positions, the costliest part of scoring; doing it for a few
    hundred candidates, not for every match, keeps common words cheap.
    """
    pool = {d for d, _ in heapq.nlargest(PROXIMITY_POOL, matches, key=lambda m: m[1])}
    bonus = score_documents(searcher, proximity, pool, reads)
    return [(d, s + bonus.get(d, 0.0)) for d, s in matches]


def phrase_documents(searcher: Any, query: PhraseQuery, reads: Reads | None = None) -> set[int]:
    """The documents holding a phrase: what `searcher.docs_for_query(query)` finds."""
    deadline = Deadline.after(float("inf"))
    return {d for d, _ in scored_matches(searcher, query, None, deadline, reads)}


def near_documents(
    searcher: Any,
    pairs: Iterable[tuple[str, str, str]],
    slop: int,
    docs: set[int],
    reads: Reads | None = None,
) -> set[int]:
    """Those of `docs` where, for one of the (field, term, term) `pairs`, the two terms stand
    within `slop` words of each other in that field, in either order: what Whoosh's SpanNear
    finds, unordered, with the two terms at different positions."""
    found: set[int] = set()
    pairs = list(pairs)
    for segment, local, offset in _segments_holding(searcher, docs, reads or Reads()):
        found.update(d + offset for d in segment.near(pairs, slop, local))
    return found


def supported(query: wq.Query) -> bool:
    """Whether every part of `query` is a term, a phrase, an AND or an OR of them."""
    kind = type(query)
    if kind is wq.Term or kind is PhraseQuery:
        return True
    if kind is wq.And or isinstance(query, UnionOr):
        return all(supported(q) for q in query.subqueries)
    return False


class _Segment:
    """One segment's postings, scored as its Whoosh searcher scores them."""

    def __init__(self, top: Any, searcher: Any, deadline: Deadline, reads: Reads) -> None:
        self.top, self.searcher, self.reader = top, searcher, searcher.reader()
        self.deadline, self.reads = deadline, reads
        self.deleted = self.reader.deleted_docs_set if self.reader.has_deletions() else set()

    def scores(self, query: wq.Query, restrict: set[int] | None) -> Scores:
        """The score of `query` in each document of the segment it matches (of `restrict`'s,
        when given: the others are left out)."""
        kind = type(query)
        if kind is wq.Term:
            return self.term(query.fieldname, query.text, query.boost, restrict)
        if kind is PhraseQuery:
            return self.phrase(query, restrict)
        if kind is wq.And:
            return self.conjunction(query, restrict)
        return self.union(query, restrict)

    def conjunction(self, query: wq.And, restrict: set[int] | None) -> Scores:
        subs = query.subqueries
        if not subs:
            return {}
        if len(subs) == 1:  # Whoosh's compound matcher drops a lone part's group boost
            return self.scores(subs[0], restrict)
        # Phrases last: their positions are read only in documents every other part holds.
        order = sorted(range(len(subs)), key=lambda i: _holds_phrase(subs[i]))
        parts: list[Scores | None] = [None] * len(subs)
        for i in order:
            part = self.scores(subs[i], restrict)
            if not part:
                return {}
            parts[i] = part
            restrict = set(part) if restrict is None else restrict.intersection(part)
            if not restrict:
                return {}
        boost = query.boost
        totals: Scores = {}
        for docnum in restrict or ():
            total = 0.0
            for part in parts:
                total += part[docnum]  # type: ignore[index]
            totals[docnum] = total * boost if boost != 1.0 else total
        return totals

    def union(self, query: wq.Query, restrict: set[int] | None) -> Scores:
        subs = query.subqueries
        if not subs:
            return {}
        if len(subs) == 1:
            return self.scores(subs[0], restrict)
        totals: Scores = {}
        for sub in subs:
            for docnum, score in self.scores(sub, restrict).items():
                totals[docnum] = totals.get(docnum, 0.0) + score
        boost = query.boost
        if boost != 1.0:
            totals = {d: s * boost for d, s in totals.items()}
        return totals

    def term(self, fieldname: str, text: Any, boost: float, restrict: set[int] | None) -> Scores:
        self.deadline.check()
        scored = self._term_scores(fieldname, text)
        if scored is None:
            return {}
        ids, scores = scored
        if restrict is not None:
            found = {d: s for d, s in zip(ids, scores, strict=True) if d in restrict}
        else:
            found = dict(zip(ids, scores, strict=True))
        if boost != 1.0:
            found = {d: s * boost for d, s in found.items()}
        return found

    def phrase(self, query: PhraseQuery, restrict: set[int] | None) -> Scores:
        """The documents holding the phrase's words one after the other (or, with a slop,
        within that many words, in order), each scored as the sum of its words' scores there
        (as Whoosh's phrase matcher scores it)."""
        field = (
            self.searcher.schema[query.fieldname]
            if query.fieldname in self.searcher.schema
            else None
        )
        if field is None or not query.words:
            return {}
        if type(field.format) is not Positions:
            raise _Unsupported(query.fieldname)
        texts = []
        for word in query.words:
            try:
                texts.append(field.to_bytes(word))
            except ValueError:
                return {}
            if (query.fieldname, texts[-1]) not in self.reader:
                return {}
        scored = [self._term_scores(query.fieldname, text) for text in texts]
        if query.slop == 1 and tuple(query.words) in getattr(field, "phrases", ()):
            return self._indexed_phrase(query, texts, restrict)
        candidates = restrict
        for ids, _ in scored:  # type: ignore[misc]
            candidates = set(ids) if candidates is None else candidates.intersection(ids)
            if not candidates:
                return {}
        assert candidates is not None
        terms = [(query.fieldname, text) for text in texts]
        by_term = [self._score_map(query.fieldname, text) for text in texts]
        found: Scores = {}
        slop = query.slop
        for docnum in candidates:
            lists = (self._positions(fieldname, text, docnum) for fieldname, text in terms)
            if _in_order(lists) if slop == 1 else _near_in_order(lists, slop):
                found[docnum] = _tree_sum([scores[docnum] for scores in by_term])
        if query.boost != 1.0:
            found = {d: s * query.boost for d, s in found.items()}
        return found

    def _indexed_phrase(
        self,
        query: PhraseQuery,
        texts: list[bytes],
        restrict: set[int] | None,
    ) -> Scores:
        """A phrase the index holds as a term (`analyze.phrase_term`): its documents are that
        term's, with no position read; the scores are still its words' (as `phrase` gives)."""
        ids = self._term_ids(query.fieldname, analyze.phrase_term(query.words))
        if restrict is not None:
            ids = [d for d in ids if d in restrict]
        by_term = [self._score_map(query.fieldname, text) for text in texts]
        boost = query.boost
        found: Scores = {}
        for docnum in ids:
            total = _tree_sum([scores[docnum] for scores in by_term])
            found[docnum] = total * boost if boost != 1.0 else total
        return found

    def near(self, pairs: list[tuple[str, str, str]], slop: int, docs: set[int]) -> set[int]:
        found: set[int] = set()
        for fieldname, first, second in pairs:
            self.deadline.check()
            lists = [self._term_scores(fieldname, term) for term in (first, second)]
            if lists[0] is None or lists[1] is None:
                continue
            both = docs.difference(found).intersection(lists[0][0]).intersection(lists[1][0])
            field = self.searcher.schema[fieldname]
            texts = [field.to_bytes(first), field.to_bytes(second)]
            for docnum in both:
                positions = [self._positions(fieldname, text, docnum) for text in texts]
                if _within(*positions, slop):
                    found.add(docnum)
        return found

    # -- postings ---------------------------------------------------------------------------

    def _score_map(self, fieldname: str, btext: bytes) -> dict[int, float]:
        """A term's unboosted score in each document that holds it, for reading only (kept
        for the rest of the search); the term must be in the segment."""
        key = (id(self.reader), fieldname, btext)
        found = self.reads.score_maps.get(key)
        if found is None:
            ids, scores = self._term_scores(fieldname, btext)  # type: ignore[misc]
            found = self.reads.score_maps[key] = dict(zip(ids, scores, strict=True))
        return found

    def _term_ids(self, fieldname: str, text: str) -> list[int]:
        """The documents of a term that is not scored (a phrase term), deleted ones left out."""
        key = (id(self.reader), fieldname, text)
        ids = self.reads.ids.get(key)
        if ids is None:
            btext = text.encode("utf-8")
            found = (fieldname, btext) in self.reader
            ids = _postings(self.reader, fieldname, btext, self.deleted)[0] if found else []
            self.reads.ids[key] = ids
        return ids

    def _term_scores(self, fieldname: str, text: Any) -> tuple[list[int], list[float]] | None:
        """A term's documents and unboosted scores in this segment; None if it has none."""
        if fieldname not in self.searcher.schema:
            return None
        try:  # the same key for the term of a Term query (text) and of a phrase (bytes)
            btext = self.searcher.schema[fieldname].to_bytes(text)
        except ValueError:
            return None
        key = (id(self.reader), fieldname, btext)
        if key not in self.reads.scores:
            self.reads.scores[key] = self._read_term_scores(fieldname, btext)
        return self.reads.scores[key]

    def _read_term_scores(self, fieldname: str, text: Any) -> tuple[list[int], list[float]] | None:
        if fieldname not in self.searcher.schema:
            return None
        field = self.searcher.schema[fieldname]
        try:
            btext = field.to_bytes(text)
        except ValueError:
            return None
        if (fieldname, btext) not in self.reader:
            return None
        scorer = self.top.weighting.scorer(self.searcher, fieldname, btext)
        ids, weights = _postings(self.reader, fieldname, btext, self.deleted)
        if type(scorer) is WeightScorer:
            return ids, weights
        if type(scorer) is not BM25FScorer:
            raise _Unsupported(type(scorer).__name__)
        norms = _norms(self.searcher, self.reader, fieldname, scorer)
        idf, k1_plus = scorer.idf, scorer.K1 + 1
        # Whoosh's bm25(): idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))).
        return ids, [
            idf * ((tf * k1_plus) / (tf + norms[d])) for d, tf in zip(ids, weights, strict=True)
        ]

    def _positions(self, fieldname: str, btext: bytes, docnum: int) -> list[int]:
        """The positions of a term in a document that holds it."""
        key = (id(self.reader), fieldname, btext)
        values = self.reads.values.get(key)
        if values is None:
            values = self.reads.values[key] = {
                docnum: value
                for ids, _, block_values in _blocks(self.reader, fieldname, btext, True)
                for docnum, value in zip(ids, block_values, strict=True)  # type: ignore[arg-type]
            }
        at = (*key, docnum)
        positions = self.reads.positions.get(at)
        if positions is None:
            positions = self.reads.positions[at] = _decoded(values[docnum])
        return positions


def _holds_phrase(query: wq.Query) -> bool:
    if type(query) is PhraseQuery:
        return True
    return any(_holds_phrase(q) for q in getattr(query, "subqueries", ()))


def _tree_sum(values: Sequence[float]) -> float:
    """The sum in the order of Whoosh's binary tree of intersection matchers."""
    n = len(values)
    if n == 1:
        return values[0]
    if n == 2:
        return values[0] + values[1]
    if n == 3:
        return values[0] + (values[1] + values[2])
    half = n // 2
    return _tree_sum(values[:half]) + _tree_sum(values[half:])


def _decoded(value: bytes) -> list[int]:
    deltas = value[_INT_SIZE:]  # a pickled list, maybe stored without its STOP
    return list(accumulate(loads(deltas if deltas.endswith(b".") else deltas + b".")))


def _in_order(positions: Iterable[list[int]]) -> bool:
    """Whether the phrase's words (their positions in a document, read as needed) stand one
    after the other somewhere."""
    starts: set[int] | None = None
    for k, found in enumerate(positions):
        # Where the phrase would start for each place of word k, kept if it is one already.
        starts = set(found) if starts is None else starts.intersection(map((-k).__add__, found))
        if not starts:
            return False
    return True


def _near_in_order(positions: Iterable[list[int]], slop: int) -> bool:
    """Whether the words (their sorted positions in a document, read as needed) stand in
    order, each 1 to `slop` words after the one before: where `queryplan.near_spans` finds a
    span, found without making the spans."""
    ends: list[int] | None = None  # where a run of the words so far can end
    for found in positions:
        if ends is None:
            ends = found
            continue
        last = ends
        ends = [q for q in found if (i := bisect_left(last, q - slop)) < len(last) and last[i] < q]
        if not ends:
            return False
    return bool(ends)


def _within(first: list[int], second: list[int], slop: int) -> bool:
    """Whether a position of one sorted list is within `slop` of a different position of the
    other, either way."""
    if len(first) > len(second):
        first, second = second, first
    n = len(second)
    for p in first:
        k = bisect_left(second, p - slop)
        while k < n and second[k] <= p + slop:
            if second[k] != p:
                return True
            k += 1
    return False


def _blocks(
    reader: Any, fieldname: str, btext: bytes, with_values: bool = False
) -> Iterator[tuple[Sequence[int], Sequence[float], Sequence[bytes] | None]]:
    """A term's postings a block at a time: (document numbers, weights, values or None),
    deleted documents included."""
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if type(matcher) is not W3LeafMatcher:
        raise _Unsupported(type(matcher).__name__)
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        values = None
        if with_values:
            if matcher._values is None:
                matcher._read_values()
            values = matcher._values
        yield matcher._ids, matcher._weights, values
        matcher._next_block()


def _postings(
    reader: Any, fieldname: str, btext: bytes, deleted: set[int]
) -> tuple[list[int], list[float]]:
    ids: list[int] = []
    weights: list[float] = []
    for block_ids, block_weights, _ in _blocks(reader, fieldname, btext):
        ids.extend(block_ids)
        weights.extend(block_weights)
    if deleted:
        kept = [i for i, d in enumerate(ids) if d not in deleted]
        ids, weights = [ids[i] for i in kept], [weights[i] for i in kept]
    return ids, weights


# Per segment reader and field: K1 * ((1 - B) + B * length / average length) of each document,
# the part of BM25F that depends on the document alone.
_NORMS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], list[float]]] = (
    weakref.WeakKeyDictionary()
)


def _norms(searcher: Any, reader: Any, fieldname: str, scorer: BM25FScorer) -> list[float]:
    key = (fieldname, scorer.avgfl, scorer.B, scorer.K1)
    cached = _NORMS.setdefault(reader, {})
    norms = cached.get(key)
    if norms is None:
        k1, b, avgfl = scorer.K1, scorer.B, scorer.avgfl
        length_of = searcher.doc_field_length
        lengths = (length_of(d, fieldname, 1) for d in range(reader.doc_count_all()))
        # A document without the field has no length (and no posting there to score).
        norms = cached[key] = [
            k1 * ((1 - b) + b * length / avgfl) if length is not None else 0.0 for length in lengths
        ]
    return norms
