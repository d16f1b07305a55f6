"""From a parsed query to Whoosh queries: fields and boosts, synonyms, proximity, filters,
and what to highlight."""

from __future__ import annotations

import re
import weakref
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from itertools import accumulate
from pickle import loads
from typing import Any

from whoosh import query as wq
from whoosh.codec.base import Automata
from whoosh.formats import Positions
from whoosh.matching import NullMatcher, UnionMatcher, WrappingMatcher
from whoosh.query.spans import Span, SpanNear2, SpanWrappingMatcher
from whoosh.system import _INT_SIZE
from whoosh.util import make_binary_tree

from . import analyze, expansion, querylang
from .collect import Deadline
from .complete import Completion
from .errors import BadParameterError, QueryTooExpensiveError
from .highlight import Pattern
from .querylang import And, Fuzzy, Node, Not, Or, Phrase, Prefix, Word, check_date
from .structure import PRIVACY_FACETS, RISK_MARK, end_term, start_term
from .structure.links import cited_term


class UnionOr(wq.Or):
    """Whoosh's Or, always matched by a tree of union matchers.

    For indexes under 5,000 documents Whoosh's Or preloads every sub-query's matches into
    arrays, which costs more than it saves on queries of a few terms over several fields
    (the judged queries: 8.9 -> 7.2 ms, with the same results)."""

    matcher_type = wq.Or.DEFAULT_MATCHER

    def _matcher(self, subs: list[wq.Query], searcher: Any, context: Any) -> Any:
        # Whoosh's DefaultOr orders the tree by each sub-query's estimated size, which asks the
        # term index for every word of every field again at each level of nesting: most of the
        # time of a query with several synonyms (airport body scanners: 81 -> 50 ms). The same
        # union in query order, without the sub-queries that match nothing, scores the same.
        matchers = [m for m in (q.matcher(searcher, context) for q in subs) if m.is_active()]
        if not matchers:
            return NullMatcher()
        matcher = matchers[0] if len(matchers) == 1 else make_binary_tree(UnionMatcher, matchers)
        return WrappingMatcher(matcher, self.boost) if self.boost != 1.0 else matcher


def near_spans(
    positions: Iterable[Sequence[int]], slop: int = 1, ordered: bool = True, mindist: int = 1
) -> list[tuple[int, int]]:
    """Where the terms stand within `slop` of one another, in order: Whoosh's SpanNear2
    matching, on the terms' sorted position lists instead of a Span object per position.

    `positions` is read lazily: the lists after the first mismatch are never asked for.
    Returns the (start, end) spans of the matches, sorted; empty when there is none.
    """
    lists = iter(positions)
    first = next(lists, [])
    if slop == 1 and ordered and mindist == 1:  # an exact phrase: term k at start + k
        starts, last = list(first), 0
        for last, later in enumerate(lists, 1):
            wanted = set(later)
            starts = [p for p in starts if p + last in wanted]
            if not starts:
                return []
        return [(p, p + last) for p in starts]
    spans = {(p, p) for p in first}
    for later in lists:
        found: set[tuple[int, int]] = set()
        for start, end in spans:
            first_q = bisect_left(later, start if ordered else max(0, start - slop))
            for k in range(first_q, len(later)):  # (islice would step over the ones before)
                q = later[k]
                if q < start - slop or (ordered and start > q):
                    continue
                if q > end + slop:
                    break
                dist = 0 if start <= q <= end else (q - end if end < q else start - q)
                if mindist <= dist <= slop:
                    found.add((min(start, q), max(end, q)))
        if not found:
            return []
        spans = found
    return sorted(spans)


def term_positions(matcher: Any) -> list[int]:
    """The positions of a term matcher's current posting (Whoosh's Positions format decoded
    with a running sum instead of a Python loop)."""
    if type(getattr(matcher, "format", None)) is not Positions:
        return matcher.value_as("positions")
    deltas = matcher.value()[_INT_SIZE:]  # a pickled list, maybe stored without its STOP
    return list(accumulate(loads(deltas if deltas.endswith(b".") else deltas + b".")))


class _NearMatcher(SpanNear2.SpanNear2Matcher):
    """SpanNear2's matcher, finding spans with `near_spans`."""

    def _get_spans(self) -> list[Span]:
        found = near_spans(
            (term_positions(m) for m in self.ms), self.slop, self.ordered, self.mindist
        )
        return [Span(start, end) for start, end in found]


class PhraseQuery(wq.Phrase):
    """Whoosh's Phrase (the same documents, spans and scores), matched by `_NearMatcher`:
    about three times faster on phrases of common words."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        field = searcher.schema[self.fieldname] if self.fieldname in searcher.schema else None
        if field is None:
            return NullMatcher()
        if not field.format or not field.format.supports("positions"):
            raise wq.QueryError(f"Phrase search: {self.fieldname!r} field has no positions")
        reader = searcher.reader()
        matchers = []
        for word in self.words:
            try:
                term = field.to_bytes(word)
            except ValueError:
                return NullMatcher()
            if (self.fieldname, term) not in reader:
                return NullMatcher()
            matchers.append(wq.Term(self.fieldname, term).matcher(searcher, context))
        matcher = _NearMatcher(matchers, slop=self.slop, ordered=True, mindist=1)
        return WrappingMatcher(matcher, boost=self.boost) if self.boost != 1.0 else matcher


# BM25F field weights: a word in the title counts most, then the summary, then the body.
FIELD_BOOSTS = {"title": 3.0, "summary": 2.0, "body": 1.0, "sorns": 1.0}
_TEXT_BOOSTS = tuple(FIELD_BOOSTS.items())
ID_BOOST = 12.0  # the query names this document's reference number
FAMILY_BOOST = 3.0  # ... or the document it updates
SYNONYM_WEIGHT = 0.3  # an expansion scores well below the words the user typed
VARIANT_WEIGHT = 0.8  # another form of a hyphenated word ("A-Files" for "A-File")
LEARNED_WEIGHT = 0.1  # a title word the corpus uses for a typed word (expansion.py), at most
LEARNED_EXPANSION = False  # off unless asked for: see docs/query-syntax.md#vocabulary
PROXIMITY = (("title", 2, 4.0), ("summary", 2, 2.0), ("body", 2, 2.0), ("body", 12, 1.0))
MAX_EXPANSIONS = 2000  # words one prefix* or typo~ may stand for
# What one query may spend expanding all its prefix* and typo~ words, in units of one term
# looked up: each seek of a typo's automaton through a field's term list costs 1, each word a
# pattern stands for (per field and segment) costs WORD_COST more, for the posting list it adds
# to the match. `co*`, about the broadest prefix there is, costs 1,484 on the DHS corpus,
# `biometic~` 136; 3,000 is about 0.15 s of CPU, however it is spent.
EXPANSION_BUDGET = 3000
WORD_COST = 3
_YEAR = re.compile(r"^(\d{4}|unknown)$", re.I)


class ExpansionBudget:
    """What one query may spend expanding its patterns, counted in index terms looked at,
    and the deadline of the whole search, which expansion counts against too."""

    CHECK_EVERY = 64  # terms between two looks at the clock

    def __init__(self, limit: int = EXPANSION_BUDGET, deadline: Deadline | None = None) -> None:
        self.limit = limit
        self.deadline = deadline
        self.spent = 0

    def charge(self, terms: int = 1) -> None:
        before = self.spent
        self.spent += terms
        if self.spent > self.limit:
            raise QueryTooExpensiveError(
                "the query's prefix* and typo~ words match too much of the index (its "
                f"expansion budget is {self.limit}); type more of each word or use fewer of them"
            )
        if self.deadline is not None and before // self.CHECK_EVERY != (
            self.spent // self.CHECK_EVERY
        ):
            self.deadline.check()


class _Expanded:
    """A prefix or fuzzy query whose words are found once per search, under its budget,
    instead of by Whoosh at every use (highlighting, size estimates, each segment's matcher):
    the same words, in the same order, so the same matches and scores."""

    fieldname: str
    _by_reader: dict[int, list[Any]]  # bytes from a prefix, str from an automaton, as Whoosh has
    _all: list[Any]

    def expand(self, reader: Any, budget: ExpansionBudget) -> None:
        self._by_reader = {}
        found: set[Any] = set()
        for leaf, _ in reader.leaf_readers():
            words = self._find(leaf, budget) if self.fieldname in leaf.schema else []
            self._by_reader[id(leaf)] = words
            found.update(words)
            if len(found) > MAX_EXPANSIONS:
                raise QueryTooExpensiveError(
                    f"'{self.text}' matches more than {MAX_EXPANSIONS} different words; "  # type: ignore[attr-defined]
                    "type more of the word"
                )
        self._all = sorted(found)
        self._by_reader[id(reader)] = self._all

    def _find(self, leaf: Any, budget: ExpansionBudget) -> list[Any]:
        raise NotImplementedError

    def _btexts(self, ixreader: Any) -> list[Any]:
        words = getattr(self, "_by_reader", {}).get(id(ixreader))
        if words is None:
            # A reader the search did not expand for: only the words it holds.
            words = [w for w in getattr(self, "_all", ()) if (self.fieldname, w) in ixreader]
        return words


class ExpandedPrefix(_Expanded, wq.Prefix):
    def _find(self, leaf: Any, budget: ExpansionBudget) -> list[Any]:
        words = []
        for word in leaf.expand_prefix(self.fieldname, self.text):
            budget.charge(1 + WORD_COST)
            words.append(word)
            if len(words) > MAX_EXPANSIONS:
                break
        return words


class ExpandedFuzzy(_Expanded, wq.FuzzyTerm):
    def _find(self, leaf: Any, budget: ExpansionBudget) -> list[Any]:
        # Whoosh's SegmentReader.terms_within, counting each seek through the term list.
        dfa = budget_dfa(budget, self.text, self.maxdist, self.prefixlength)
        spellfield = leaf.schema[self.fieldname].spelling_fieldname(self.fieldname)
        cursor = leaf.cursor(spellfield)
        words: list[Any] = []
        term = cursor.text()
        if term is None:
            return words
        match = dfa.next_valid_string(term)
        while match:
            budget.charge()
            cursor.find(match)
            term = cursor.text()
            if term is None:
                break
            if match == term:
                budget.charge(WORD_COST)
                words.append(match)
                if len(words) > MAX_EXPANSIONS:
                    break
                term += "\x00"
            match = dfa.next_valid_string(term)
        return words


def budget_dfa(budget: ExpansionBudget, text: str, maxdist: int, prefix: int) -> Any:
    """The Levenshtein automaton of `text`, built once per search for all fields and segments."""
    cache: dict[tuple[str, int, int], Any] = budget.__dict__.setdefault("_dfas", {})
    key = (text, maxdist, prefix)
    if key not in cache:
        budget.charge(4 * maxdist * len(text))  # building it costs about that many seeks
        cache[key] = Automata.levenshtein_dfa(text, maxdist, prefix)
    return cache[key]


class SenseAlternatives(UnionOr):
    """The forms of one meaning of an ambiguous acronym the query alone did not decide on,
    weighted, once the index is known (`resolve`), by how many of this meaning's context words
    the documents using the acronym hold, against the other meanings. Until then: an equal
    share."""

    def __init__(
        self,
        subqueries: list[wq.Query],
        acronym: tuple[str, ...] = (),
        context: tuple[tuple[str, ...], ...] = (),
        share: float = 1.0,
        boost: float = 1.0,
    ) -> None:
        super().__init__(subqueries, boost=boost * share if acronym else boost)
        self.acronym, self.context, self.siblings = acronym, context, [self]

    def resolve(self, reader: Any) -> None:
        if self is not self.siblings[0]:
            return  # the first of its siblings weighs them all
        key = (self.acronym, tuple(s.context for s in self.siblings))
        found = _SENSE_COUNTS.setdefault(reader, {})
        counts = found.get(key)
        if counts is None:
            users = _documents_with(reader, self.acronym)
            counts = found[key] = [
                sum(1 for words in s.context if users & _documents_with(reader, words))
                if users
                else 0
                for s in self.siblings
            ]
        # How many context words each meaning shares with the acronym's documents, smoothed:
        # with no evidence every meaning gets the same, lower weight.
        total = sum(counts) + len(counts)
        for sibling, count in zip(self.siblings, counts, strict=True):
            sibling.boost = (count + 1) / total


# Per version of the index (reader): the context words each meaning of an acronym shares with
# the documents using it. Reading their posting lists costs more than the rest of the query.
_SENSE_COUNTS: weakref.WeakKeyDictionary[Any, dict[Any, list[int]]] = weakref.WeakKeyDictionary()


class LearnedTerms(UnionOr):
    """Optional title words the index associates with the typed terms (expansion.py), found
    once the index is known (`resolve`); empty until then, and when none are found."""

    def __init__(self, typed: Sequence[str], boost: float = 1.0) -> None:
        super().__init__([], boost=boost)
        self.typed = tuple(typed)
        self.origins: dict[tuple[str, ...], str] = {}

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return super().matcher(searcher, context) if self.subqueries else NullMatcher()

    def resolve(self, reader: Any) -> None:
        expander = expansion.expander_for(reader)
        seen = set(self.typed)
        subqueries: list[wq.Query] = []
        for term in self.typed:
            for learned, strength in expander.expand(term):
                if learned in seen:
                    continue
                seen.add(learned)
                self.origins[(learned,)] = f"expansion of {term}"
                weight = LEARNED_WEIGHT * strength
                subqueries.extend(wq.Term(f, learned, boost=b * weight) for f, b in _TEXT_BOOSTS)
        self.subqueries = subqueries


def _documents_with(reader: Any, words: tuple[str, ...]) -> set[int]:
    """Documents holding every one of `words` in some text field."""
    found: set[int] | None = None
    for word in words:
        docs: set[int] = set()
        for fieldname in FIELD_BOOSTS:
            if (fieldname, word) in reader:
                docs.update(reader.postings(fieldname, word).all_ids())
        found = docs if found is None else found & docs
        if not found:
            return set()
    return found or set()


def expand_patterns(searcher: Any, compiled: Compiled, budget: ExpansionBudget) -> None:
    """Find the words of every prefix and fuzzy query in `compiled`, once, under `budget`;
    weigh the meanings of ambiguous acronyms and find the learned expansions."""
    reader = searcher.reader()
    for leaf in _expanding(compiled.query):
        if isinstance(leaf, _Expanded):
            leaf.expand(reader, budget)
        else:
            leaf.resolve(reader)
            if isinstance(leaf, LearnedTerms):
                compiled.origins.update(leaf.origins)


def _expanding(query: wq.Query) -> Iterator[Any]:
    stack = [query]
    while stack:
        q = stack.pop()
        if isinstance(q, (_Expanded, SenseAlternatives, LearnedTerms)):
            yield q
        if q.is_leaf() or isinstance(q, _Expanded):
            continue
        stack.extend(q.children())


@dataclass
class Compiled:
    """A Whoosh query plus what the highlighter needs to know about it."""

    query: wq.Query
    patterns: set[Pattern] = field(default_factory=set)  # term sequences to mark
    needs: list[set[Pattern]] = field(default_factory=list)  # one group per AND-ed clause
    expandables: list[list[wq.Query]] = field(default_factory=list)  # prefix/fuzzy, to mark
    partial: wq.Query | None = None  # any of the words: what follows too few all-word matches
    proximity: wq.Query | None = None  # bonus for the words standing together
    # where each searched term sequence came from: "typed", "synonym of ...", "expansion of ..."
    origins: dict[tuple[str, ...], str] = field(default_factory=dict)


class Compiler:
    """Turns a parsed query into Whoosh queries over the index's fields."""

    def __init__(
        self,
        lexicon: dict[str, dict[str, str]],
        *,
        expand: bool = True,
        learned: bool | None = None,
        completions: Mapping[str, Sequence[Completion]] | None = None,
        sections: Sequence[str] = (),
    ) -> None:
        self.lexicon = lexicon  # field -> {normalized value: stored value}
        # the keys of the sections the words must stand in (`section:`); () for anywhere
        self.sections = tuple(sections)
        # term of a half-typed word's likeliest completion -> every completion, weighted
        self.completions = dict(completions or {})
        self.expand = expand  # synonyms, acronyms' meanings and learned expansions
        self.learned = expand and (LEARNED_EXPANSION if learned is None else learned)
        self.learned = self.learned and not self.sections
        self.patterns: set[Pattern] = set()
        self.needs: list[set[Pattern]] = []
        self.expandables: list[list[wq.Query]] = []
        self.origins: dict[tuple[str, ...], str] = {}

    def compile(self, node: Node) -> Compiled:
        partial = proximity = None
        if querylang.is_plain(node):
            words = [node] if isinstance(node, Word) else list(node.children)  # type: ignore[union-attr]
            clauses, terms = self.run(words)  # type: ignore[arg-type]
            query: wq.Query = wq.And(clauses) if len(clauses) > 1 else clauses[0]
            proximity = _proximity(terms)
            content = [t for t in terms if not analyze.is_stopword(t)]
            if len(content) > 1:
                partial = _any_word(clauses, [self.any_field(t) for t in content])
            if self.learned and content:
                learned = LearnedTerms(content)
                query = wq.AndMaybe(query, learned)
                if partial is not None:
                    partial = wq.AndMaybe(partial, learned)
        else:
            query = self.node(node, negated=False)
        if self.sections:
            query = in_sections(query, self.sections)
            partial = in_sections(partial, self.sections) if partial is not None else None
            proximity = in_sections(proximity, self.sections) if proximity is not None else None
        return Compiled(
            query, self.patterns, self.needs, self.expandables, partial, proximity, self.origins
        )

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
            return UnionOr([self.node(c, negated) for c in node.children])
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
            query = wq.AndNot(query, UnionOr(excluded) if len(excluded) > 1 else excluded[0])
        return query

    def run(self, words: list[Word], negated: bool = False) -> tuple[list[wq.Query], list[str]]:
        """Clauses for adjacent plain words, with synonyms; also the typed terms, in order."""
        terms: list[str] = []
        for word in words:
            terms.extend(analyze.analyze(word.text, mode="query", removestops=False))
        if not terms:
            return [wq.NullQuery], []
        keep_stops = all(analyze.is_stopword(t) for t in terms)
        found = analyze.find_synonyms(terms) if self.expand else []
        matches = {m.start: m for m in found}
        clauses: list[wq.Query] = []
        typed: list[str] = []
        i = 0
        while i < len(terms):
            match = matches.get(i)
            if match is not None:
                span = terms[match.start : match.end]
                original = [self.any_field(t) for t in span]
                alternatives = [self.alternative(alt) for alt in match.alternatives]
                alternatives += self.senses(tuple(span), match.senses)
                clauses.append(
                    UnionOr([wq.And(original) if len(original) > 1 else original[0], *alternatives])
                )
                typed.extend(span)
                used = [*match.alternatives, *(a for s in match.senses for a in s.alternatives)]
                self.mark({tuple(span), *used}, negated)
                if not negated:
                    self.patterns.update(p for t in span for p in self.forms(t))
                self.origins[tuple(span)] = "typed"
                for alternative in used:
                    self.origins.setdefault(alternative, f"synonym of {' '.join(span)}")
                i = match.end
                continue
            term = terms[i]
            i += 1
            if analyze.is_stopword(term) and not keep_stops:
                continue
            clauses.append(self.any_field(term))
            typed.append(term)
            self.origins[(term,)] = "typed"
            self.mark(self.forms(term), negated)
        return clauses or [wq.NullQuery], typed

    def forms(self, term: str) -> set[Pattern]:
        """What to highlight for a typed term: it and its other forms, or, for a half-typed
        word, every word it may stand for."""
        terms = [c.term for c in self.completions.get(term, ())] or [term]
        return {(t,) for t in terms} | {(v,) for t in terms for v in analyze.term_variants(t)}

    def senses(
        self, span: tuple[str, ...], senses: Sequence[analyze.Sense]
    ) -> list[SenseAlternatives]:
        """One weighted group per undecided meaning of an ambiguous acronym."""
        groups = [
            SenseAlternatives(
                [self.alternative(alt) for alt in sense.alternatives],
                acronym=span,
                context=sense.context,
                share=1 / len(senses),
            )
            for sense in senses
        ]
        for group in groups:
            group.siblings = groups
        return groups

    def any_field(self, term: str) -> wq.Query:
        """The term in any text field; for a half-typed word, each of the words it may stand
        for, weighted by how likely it is."""
        completions = self.completions.get(term)
        if not completions:
            return self._any_field(term)
        for c in completions:
            self.origins.setdefault((c.term,), "completion of the last word")
        queries = [(self._any_field(c.term), c.weight) for c in completions]
        return UnionOr([q if w == 1 else q.with_boost(w) for q, w in queries])

    def _any_field(self, term: str) -> wq.Query:
        subqueries: list[wq.Query] = [wq.Term(f, term, boost=b) for f, b in FIELD_BOOSTS.items()]
        # Another form of a hyphenated word: "A-File" finds "A-Files", "e-mail" finds "emails".
        for variant in analyze.term_variants(term):
            self.origins.setdefault((variant,), f"another form of {term}")
            subqueries.extend(
                wq.Term(f, variant, boost=b * VARIANT_WEIGHT) for f, b in FIELD_BOOSTS.items()
            )
        if _could_be_reference(term):
            subqueries.append(wq.Term("ids", term, boost=ID_BOOST))
            subqueries.append(wq.Term("family_ids", term, boost=FAMILY_BOOST))
        return UnionOr(subqueries)

    @staticmethod
    def alternative(terms: tuple[str, ...]) -> wq.Query:
        if len(terms) == 1:
            return UnionOr(
                [wq.Term(f, terms[0], boost=b * SYNONYM_WEIGHT) for f, b in FIELD_BOOSTS.items()]
            )
        return UnionOr(
            [PhraseQuery(f, list(terms), boost=b * SYNONYM_WEIGHT) for f, b in FIELD_BOOSTS.items()]
        )

    def leaf(self, node: Node, negated: bool) -> wq.Query:
        fieldname = getattr(node, "field", None)
        if fieldname in ("component", "doc_type", "year", *PRIVACY_FACETS):
            return wq.Term(fieldname, self.facet_value(fieldname, node.text))  # type: ignore[union-attr]
        if fieldname == "id":
            return wq.Term("ids", node.text.lower())  # type: ignore[union-attr]
        if fieldname == "cites":  # the documents whose references name this target
            return wq.Term("cites", cited_term(node.text))  # type: ignore[union-attr]
        if fieldname == "risk":  # the words of the body inside a risk/mitigation pair
            inside = self.leaf(replace(node, field="body"), negated)  # type: ignore[type-var]
            return in_sections(inside, (RISK_MARK,))
        fields = [fieldname] if fieldname else list(FIELD_BOOSTS)
        if isinstance(node, Phrase):
            terms = analyze.analyze(node.text, mode="query", removestops=False)
            if not terms:
                return wq.NullQuery
            queries = [
                PhraseQuery(f, terms, boost=FIELD_BOOSTS.get(f, 1.0))
                if len(terms) > 1
                else wq.Term(f, terms[0], boost=FIELD_BOOSTS.get(f, 1.0))
                for f in fields
            ]
            self.mark({tuple(terms)}, negated)
        elif isinstance(node, Prefix):
            text = node.text.lower()
            queries = [ExpandedPrefix(f, text, boost=FIELD_BOOSTS.get(f, 1.0)) for f in fields]
            if not negated:
                self.expandables.append(queries)
        elif isinstance(node, Fuzzy):
            terms = analyze.analyze(node.text, mode="query", removestops=False) or [
                node.text.lower()
            ]
            queries = [
                ExpandedFuzzy(f, terms[0], boost=FIELD_BOOSTS.get(f, 1.0), maxdist=node.distance)
                for f in fields
            ]
            if not negated:
                self.expandables.append(queries)
        else:  # a Word in one text field
            terms = analyze.analyze(node.text, mode="query", removestops=False)  # type: ignore[union-attr]
            if not terms:
                return wq.NullQuery
            queries = [
                wq.And([wq.Term(f, t, boost=FIELD_BOOSTS.get(f, 1.0)) for t in terms])
                if len(terms) > 1
                else wq.Term(f, terms[0], boost=FIELD_BOOSTS.get(f, 1.0))
                for f in fields
            ]
            for term in terms:
                self.mark({(term,)}, negated)
        return UnionOr(queries) if len(queries) > 1 else queries[0]

    def facet_value(self, fieldname: str, value: str) -> str:
        return resolve_facet_value(self.lexicon, fieldname, value)


# -- sections ----------------------------------------------------------------------------------


class InSection(wq.WrappingQuery):
    """A query on the body field, matching only where it stands inside a section of one of
    `keys`: the index marks where each section starts and ends with a term of its own
    (`structure.section_marks`), whose positions bound the child's spans."""

    bounded = True  # explain.py: the child counts only where this matches
    boost = 1.0

    def __init__(self, child: wq.Query, keys: Sequence[str]) -> None:
        super().__init__(child)
        self.keys = tuple(keys)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.child, self.keys) == (other.child, other.keys)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.child, self.keys))

    def _rewrap(self, child: wq.Query) -> wq.Query:
        return InSection(child, self.keys)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        child = self.child
        if isinstance(child, _Expanded):  # each word it stands for, bounded alone
            words = child._btexts(searcher.reader())
            child = UnionOr([wq.Term(child.fieldname, w, boost=child.boost) for w in words])
            return UnionOr([InSection(q, self.keys) for q in child.subqueries]).matcher(
                searcher, context
            )
        matcher = child.matcher(searcher, context)
        if not matcher.is_active():
            return matcher
        bounds = _SectionBounds(searcher.reader(), self.keys)
        if not bounds.any:
            return NullMatcher()
        return _InSectionMatcher(matcher, bounds)


class _SectionBounds:
    """Where the sections of some keys stand in each document, read from their marks."""

    def __init__(self, reader: Any, keys: Sequence[str]) -> None:
        self.reader, self.keys = reader, keys
        self._marks = self._matchers()
        self.any = bool(self._marks)
        self._at = -1

    def _matchers(self) -> list[tuple[Any, Any]]:
        marks = []
        for key in self.keys:
            start, end = start_term(key), end_term(key)
            if ("body", start) in self.reader and ("body", end) in self.reader:
                marks.append(
                    (self.reader.postings("body", start), self.reader.postings("body", end))
                )
        return marks

    def spans(self, docnum: int) -> list[tuple[int, int]]:
        """The (first position, position after the last) of each section of the keys."""
        if docnum < self._at:  # asked again from the start: read the marks again
            self._marks = self._matchers()
        self._at = docnum
        found: list[tuple[int, int]] = []
        for starts, ends in self._marks:
            for matcher in (starts, ends):
                if matcher.is_active() and matcher.id() < docnum:
                    matcher.skip_to(docnum)
            if _on(starts, docnum) and _on(ends, docnum):
                found.extend(zip(term_positions(starts), term_positions(ends), strict=False))
        return found


def _on(matcher: Any, docnum: int) -> bool:
    return matcher.is_active() and matcher.id() == docnum


class _InSectionMatcher(SpanWrappingMatcher):
    def __init__(self, child: Any, bounds: _SectionBounds) -> None:
        self.bounds = bounds
        super().__init__(child)

    def copy(self) -> Any:
        return self.__class__(self.child.copy(), self.bounds)

    def _replacement(self, newchild: Any) -> Any:
        return self.__class__(newchild, self.bounds)

    def _get_spans(self) -> list[Span]:
        sections = self.bounds.spans(self.child.id())
        if not sections:
            return []
        return [
            span
            for span in self.child.spans()
            if any(start <= span.start and span.end < end for start, end in sections)
        ]


def in_sections(query: wq.Query, keys: Sequence[str]) -> wq.Query:
    """`query` with every word and phrase it searches for bounded to the sections of `keys`:
    in the body, inside those sections; in any other text field, nowhere. Reference numbers
    and facet values still match the whole document."""
    if isinstance(query, (wq.Term, wq.Phrase, _Expanded)) and query.fieldname in _BOUNDED:
        return InSection(query, keys) if query.fieldname == "body" else wq.NullQuery
    if isinstance(query, wq.BinaryQuery):
        query.a, query.b = in_sections(query.a, keys), in_sections(query.b, keys)
        query.subqueries = (query.a, query.b)
    elif isinstance(query, wq.CompoundQuery):
        query.subqueries = [in_sections(q, keys) for q in query.subqueries]
    elif isinstance(query, wq.Not):
        query.query = in_sections(query.query, keys)
    elif isinstance(query, wq.WrappingQuery) and not isinstance(query, InSection):
        query.child = in_sections(query.child, keys)
    return query


_BOUNDED = frozenset(FIELD_BOOSTS)  # a risk: the whole list of risks, as without a section


def section_filter(keys: Sequence[str]) -> wq.Query:
    """Documents with a section of one of `keys`."""
    terms = [wq.Term("body", start_term(key)) for key in keys]
    return UnionOr(terms) if len(terms) > 1 else terms[0]


def _any_word(clauses: list[wq.Query], words: list[wq.Query]) -> wq.Query:
    """Any of the clauses, and each word alone, also those inside a multi-word synonym
    ("facial", "recognition"). A word that is a clause of its own counts twice, as the
    clause doubled in weight: the same score, reading its postings once."""
    pending = list(words)
    parts: list[wq.Query] = []
    for clause in clauses:
        if clause in pending:
            pending.remove(clause)
            clause = clause.with_boost(clause.boost * 2)
        parts.append(clause)
    return UnionOr(parts + pending)


def _could_be_reference(term: str) -> bool:
    """Reference numbers and slugs hold a digit, a slash or a hyphen; plain words never match
    the id fields, so they are not asked to."""
    return not term.isalpha()


def _proximity(terms: list[str]) -> wq.Query | None:
    content = [t for t in terms if not analyze.is_stopword(t)]
    if len(content) < 2:
        return None
    return UnionOr([PhraseQuery(f, content, slop=slop, boost=b) for f, slop, b in PROXIMITY])


def normalize_facet(value: str) -> str:
    return re.sub(r"[\s_\-]+", " ", value.strip().lower())


def resolve_facet_value(lexicon: dict[str, dict[str, str]], fieldname: str, value: str) -> str:
    """Map what a user typed (`ice`, `pia-update`) to the stored value (`ICE`, `PIA Update`)."""
    known = lexicon.get(fieldname, {})
    found = known.get(normalize_facet(value))
    if found is not None:
        return found
    label = {"doc_type": "type", "pii": "PII category"}.get(fieldname, fieldname)
    raise BadParameterError(f"unknown {label} '{value}' ({_known_values(known, value)})")


def _known_values(known: dict[str, str], value: str, listed: int = 20) -> str:
    """`known: a, b, c` when there are few; else how many, and the closest to `value`."""
    if not known:
        return "known: none indexed"
    if len(known) <= listed:
        return "known: " + ", ".join(sorted(known.values()))
    close = get_close_matches(normalize_facet(value), list(known), n=5, cutoff=0.6)
    nearest = "; closest: " + ", ".join(known[c] for c in close) if close else ""
    return f"{len(known)} known, listed by privsearch stats --json{nearest}"


def _date_bound(value: str, name: str, upper: bool) -> str:
    check_date(value, name)
    if upper and len(value) < 10:
        return value + ("-12-31" if len(value) == 4 else "-31")
    return value


def _year_terms(years: list[str]) -> list[wq.Query]:
    """`year` filter terms: a year of four digits, or `unknown` for undated documents."""
    for year in years:
        if not _YEAR.match(year):
            raise BadParameterError(f"invalid year '{year}': use YYYY (or unknown)")
    return [wq.Term("year", year.lower()) for year in years]


def build_filters(
    lexicon: dict[str, dict[str, str]],
    component: str | list[str] | None,
    doc_type: str | list[str] | None,
    since: str | None,
    until: str | None,
    year: str | list[str] | None = None,
    privacy: Mapping[str, str | list[str] | None] | None = None,
    sections: Sequence[str] = (),
) -> wq.Query | None:
    """The filters of a search as one query: each given facet's values ORed, the facets
    ANDed; `privacy` holds the privacy facets' values; `sections` (keys) keeps documents with
    one of those sections."""
    clauses: list[wq.Query] = []
    named = [("component", component), ("doc_type", doc_type), *(privacy or {}).items()]
    for name, values in named:
        values = [values] if isinstance(values, str) else list(values or [])
        values = [v for v in values if v.strip()]  # an empty filter is no filter
        if not values:
            continue
        terms = [wq.Term(name, resolve_facet_value(lexicon, name, v)) for v in values]
        clauses.append(UnionOr(terms) if len(terms) > 1 else terms[0])
    years = [year] if isinstance(year, str) else list(year or [])
    years = [y.strip() for y in years if y.strip()]
    if years:
        terms = _year_terms(years)
        clauses.append(UnionOr(terms) if len(terms) > 1 else terms[0])
    if since or until:
        low = _date_bound(since, "since", upper=False) if since else None
        high = _date_bound(until, "until", upper=True) if until else None
        if low and high and low > high:
            raise BadParameterError(f"--since {since} is after --until {until}")
        clauses.append(wq.TermRange("date", low or "0", high or "9999-12-31"))
    if sections:
        clauses.append(section_filter(sections))
    if not clauses:
        return None
    return wq.And(clauses) if len(clauses) > 1 else clauses[0]


def highlight_patterns(
    searcher: Any, compiled: Compiled
) -> tuple[set[Pattern], list[set[Pattern]]]:
    """The compiled patterns, plus the index terms that prefix and fuzzy leaves expand to
    (found by `expand_patterns` beforehand)."""
    reader = searcher.reader()
    patterns = set(compiled.patterns)
    needs = list(compiled.needs)
    for leaves in compiled.expandables:
        expanded: set[Pattern] = set()
        for leaf in leaves:
            words = leaf._btexts(reader)
            expanded.update((w.decode("utf-8") if isinstance(w, bytes) else w,) for w in words)
        if expanded:
            patterns |= expanded
            needs.append(expanded)
    return patterns, needs
