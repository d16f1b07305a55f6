"""Why a result ranks where it does: each matching term's share of its score, field by field,
the proximity bonus, and where each term came from (typed, a synonym, an expansion).

The figures are not estimated: every scoring leaf of the query that ran is matched again
against the one document, with the same searcher and weighting, so the parts add up to the
score the search gave (`Explanation.total`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from whoosh import query as wq

TYPED = "typed"


@dataclass(frozen=True)
class Contribution:
    """One query term (or phrase) matching one field of the document."""

    field: str
    terms: tuple[str, ...]  # one word, a phrase's words, or a pattern and the words it matched
    kind: str  # "word", "phrase", "pattern" or "reference"
    weight: float  # the boost the term carries in this field (field weight x synonym weight)
    count: int  # times it occurs in the field (0 where the index keeps no counts)
    score: float  # what it adds to the document's score
    origin: str  # "typed", or what it was expanded from: "synonym of ...", "expansion of ..."

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["terms"] = list(self.terms)
        data["score"] = round(self.score, 4)
        return data


@dataclass(frozen=True)
class Explanation:
    """The parts of one result's score."""

    matches: tuple[Contribution, ...]
    proximity: tuple[Contribution, ...] = ()  # query words standing close together
    notes: tuple[str, ...] = field(default=())  # corrections and words left out, search-wide

    @property
    def total(self) -> float:
        return sum(c.score for c in self.matches) + sum(c.score for c in self.proximity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.total, 4),
            "matches": [c.to_dict() for c in self.matches],
            "proximity_bonus": round(sum(c.score for c in self.proximity), 4),
            "proximity": [c.to_dict() for c in self.proximity],
            "notes": list(self.notes),
        }


def explain_document(
    searcher: Any,
    query: wq.Query,
    proximity: wq.Query | None,
    docnum: int,
    origins: Mapping[tuple[str, ...], str],
    notes: tuple[str, ...] = (),
) -> Explanation:
    """The contributions of `query`'s leaves (and of the proximity query) to `docnum`'s score."""
    matches = tuple(_contributions(searcher, query, docnum, origins))
    near = tuple(_contributions(searcher, proximity, docnum, origins)) if proximity else ()
    return Explanation(matches, near, notes)


def describe_explanation(data: Mapping[str, Any]) -> list[str]:
    """An explanation (`Hit.explain`, the JSON form) as short lines, largest parts first
    (its notes, the same for every result, are left to the caller)."""
    lines = []
    for c in sorted(data["matches"], key=lambda c: -c["score"]):
        times = f", {c['count']}x" if c["count"] else ""
        origin = "" if c["origin"] == TYPED else f"  ({c['origin']})"
        lines.append(
            f"{c['score']:7.3f}  {c['field']}: {' '.join(c['terms'])}  "
            f"[{c['kind']}, weight {c['weight']:g}{times}]{origin}"
        )
    for c in sorted(data["proximity"], key=lambda c: -c["score"]):
        lines.append(f"{c['score']:7.3f}  {c['field']}: {' '.join(c['terms'])}  [words close]")
    lines.append(f"{data['score']:7.3f}  total")
    return lines


def _contributions(
    searcher: Any, query: wq.Query, docnum: int, origins: Mapping[tuple[str, ...], str]
) -> list[Contribution]:
    origins = {**_origins_within(query), **origins}
    _, found = _explain_node(searcher, query, docnum, 1.0, origins)
    return _combined(found)


def _combined(found: list[Contribution]) -> list[Contribution]:
    """One line per term and field: a query that holds a word twice (as a clause and on its
    own) scores it twice, and says so once, with the sum."""
    merged: dict[tuple[Any, ...], Contribution] = {}
    for c in found:
        key = (c.field, c.terms, c.kind, c.origin)
        same = merged.get(key)
        merged[key] = (
            c
            if same is None
            else replace(same, weight=same.weight + c.weight, score=same.score + c.score)
        )
    return list(merged.values())


def _explain_node(
    searcher: Any,
    node: wq.Query,
    docnum: int,
    factor: float,
    origins: Mapping[tuple[str, ...], str],
) -> tuple[bool, list[Contribution]]:
    """Whether `node` matches the document, and what its leaves add to the score: a leaf
    adds only where every AND above it matches too. `factor` is the product of the boosts of
    the groups above (a compound query's matcher scales its children's scores by its boost)."""
    if isinstance(node, wq.Not):
        return True, []  # the document is a result: what it excludes is absent
    if getattr(node, "bounded", False):  # words inside some sections: there, or not at all
        if _match(searcher, node, docnum) is None:
            return False, []
        return _explain_node(searcher, node.child, docnum, factor, origins)  # type: ignore[attr-defined]
    if node.is_leaf():
        if not getattr(node, "fieldname", None):
            return False, []
        contribution = _leaf_contribution(searcher, node, docnum, factor, origins)
        return contribution is not None, [contribution] if contribution else []
    inner = factor * node.boost
    children = list(node.children())
    if isinstance(node, (wq.AndNot, wq.AndMaybe, wq.Require)):
        matched, found = _explain_node(searcher, children[0], docnum, inner, origins)
        if not matched:
            return False, []
        if isinstance(node, wq.AndMaybe):
            found += _explain_node(searcher, children[1], docnum, inner, origins)[1]
        return True, found
    results = [_explain_node(searcher, child, docnum, inner, origins) for child in children]
    if isinstance(node, wq.And):
        if not all(matched for matched, _ in results):
            return False, []
    elif not any(matched for matched, _ in results):
        return False, []
    return True, [c for matched, found in results if matched for c in found]


def _leaf_contribution(
    searcher: Any,
    leaf: wq.Query,
    docnum: int,
    factor: float,
    origins: Mapping[tuple[str, ...], str],
) -> Contribution | None:
    found = _match(searcher, leaf, docnum)
    if found is None:
        return None
    score, count, words = found
    terms = _terms_of(leaf)
    return Contribution(
        field=leaf.fieldname,
        terms=terms + tuple(words),
        kind=_kind(leaf),
        weight=round(leaf.boost * factor, 4),
        count=count,
        score=score * factor,
        origin=origins.get(terms, TYPED),
    )


def _origins_within(query: wq.Query) -> dict[tuple[str, ...], str]:
    """Origins that parts of the query found once the index was known (learned expansions)."""
    found: dict[tuple[str, ...], str] = {}
    stack = [query]
    while stack:
        node = stack.pop()
        found.update(getattr(node, "origins", {}) or {})
        if not node.is_leaf():
            stack.extend(node.children())
    return found


def _match(searcher: Any, leaf: wq.Query, docnum: int) -> tuple[float, int, list[str]] | None:
    """(score, count, matched words of a pattern) of one leaf for one document, or None."""
    context = searcher.context()
    for subsearcher, offset in searcher.leaf_searchers():
        if not offset <= docnum < offset + subsearcher.doc_count_all():
            continue
        local = docnum - offset
        matcher = leaf.matcher(subsearcher, context)
        if matcher.is_active() and matcher.id() < local:
            matcher.skip_to(local)
        if not matcher.is_active() or matcher.id() != local:
            return None
        count = (
            round(matcher.weight() / leaf.boost) if isinstance(leaf, wq.Term) and leaf.boost else 0
        )
        words = _pattern_words(leaf, subsearcher, local)
        return matcher.score(), count, words
    return None


def _pattern_words(leaf: wq.Query, subsearcher: Any, local: int) -> list[str]:
    """For a prefix* or typo~ leaf: which of the words it stands for this document holds."""
    if not isinstance(leaf, wq.MultiTerm):
        return []
    reader = subsearcher.reader()
    held = []
    for word in leaf._btexts(reader):  # the words the search expanded the pattern to
        text = word.decode("utf-8") if isinstance(word, bytes) else word
        postings = reader.postings(leaf.fieldname, text)
        if postings.is_active():
            postings.skip_to(local)
            if postings.is_active() and postings.id() == local:
                held.append(text)
    return held[:10]


def _terms_of(leaf: wq.Query) -> tuple[str, ...]:
    if isinstance(leaf, wq.Phrase):
        return tuple(leaf.words)
    if isinstance(leaf, wq.FuzzyTerm):
        return (f"{leaf.text}~{leaf.maxdist}",)
    if isinstance(leaf, wq.Prefix):
        return (f"{leaf.text}*",)
    text = leaf.text
    return (text.decode("utf-8") if isinstance(text, bytes) else str(text),)


def _kind(leaf: wq.Query) -> str:
    if isinstance(leaf, wq.Phrase):
        return "phrase"
    if isinstance(leaf, wq.MultiTerm):
        return "pattern"
    if leaf.fieldname in ("ids", "family_ids"):
        return "reference"
    return "word"
