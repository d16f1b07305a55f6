"""Collecting matches with Whoosh's matchers under a deadline (for the queries `postings.py`
does not score), grouping copies and families, facet counts from column values."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from whoosh import collectors
from whoosh import query as wq

from .errors import QueryTooExpensiveError
from .structure import FACET_SEPARATOR, PRIVACY_FACETS

FACETS = ("component", "doc_type", "year")
# facets with any number of values per document, counted from a column of joined values
MULTI_FACETS = PRIVACY_FACETS


@dataclass(frozen=True)
class Columns:
    """Column values by document number: what grouping, sorting and facets need."""

    edition: list[str]
    family: list[str]
    date: list[str]
    page_count: list[int]
    facets: dict[str, list[str]]
    multi: dict[str, list[tuple[str, ...]]]  # MULTI_FACETS: each document's values

    @classmethod
    def read(cls, reader: Any, copies: dict[str, str] | None = None) -> Columns:
        """The columns of `reader`; `copies` (edition -> the edition it is a copy of, from
        index.write_copies) makes the copies of one publication one edition, whose date an
        undated copy takes."""

        def column(name: str) -> list[Any]:
            # An index with no documents has no segment, and so no columns.
            return list(reader.column_reader(name)) if reader.doc_count_all() else []

        edition, date = column("edition"), column("date")
        facets = {name: column(name) for name in FACETS}
        multi = {name: _split_values(reader, column, name) for name in MULTI_FACETS}
        if copies:
            edition = [copies.get(e, e) for e in edition]
            for docnum, key in enumerate(edition):
                dated = key.rpartition("|")[2]
                if dated and not date[docnum]:
                    date[docnum] = dated
                    facets["year"][docnum] = dated[:4]
        return cls(
            edition=edition,
            family=column("family"),
            date=date,
            page_count=column("page_count"),
            facets=facets,
            multi=multi,
        )

    def counts(self, ranked: list[tuple[int, float]]) -> dict[str, dict[str, int]]:
        """Every facet's values counted over `ranked`, commonest first."""
        found = {name: count_values(self.facets[name], ranked) for name in FACETS}
        found.update({name: count_multi(self.multi[name], ranked) for name in MULTI_FACETS})
        return found


def _split_values(reader: Any, column: Any, name: str) -> list[tuple[str, ...]]:
    """A multi-valued facet's values per document (none for an index without its column)."""
    from .index import facet_column

    if not reader.has_column(facet_column(name)):
        return [()] * reader.doc_count_all()
    return [
        tuple(v.decode("utf-8").split(FACET_SEPARATOR)) if v else ()
        for v in column(facet_column(name))
    ]


@dataclass(frozen=True)
class Deadline:
    at: float  # time.perf_counter() value
    seconds: float  # the limit it was set from, for the message

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.perf_counter() + seconds, seconds)

    def error(self) -> QueryTooExpensiveError:
        return QueryTooExpensiveError(
            f"the query took longer than {self.seconds:g} s; make it more specific"
        )

    def check(self) -> None:
        """Raise QueryTooExpensiveError once past the deadline."""
        if time.perf_counter() > self.at:
            raise self.error()


class DeadlineCollector(collectors.UnlimitedCollector):
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


def collect_matches(
    searcher: Any, query: wq.Query, filters: wq.Query | None, deadline: Deadline
) -> list[tuple[int, float]]:
    """Every (document number, score) that matches; QueryTooExpensiveError past the deadline."""
    timed = DeadlineCollector(deadline.at)
    # The filter wraps last, so that it sees the documents first.
    collector = collectors.FilterCollector(timed, allow=filters) if filters else timed
    try:
        searcher.search_with_collector(query, collector)
    except collectors.TimeLimit:
        raise deadline.error() from None
    return list(timed.results().items())


def score_documents(searcher: Any, query: wq.Query, docs: set[int]) -> dict[int, float]:
    """The score of `query` in each of `docs` it matches, skipping straight to each: a few
    candidates are checked without reading the postings of every document that holds a
    common word."""
    scores: dict[int, float] = {}
    wanted = sorted(docs)
    context = searcher.context()
    for subsearcher, offset in searcher.leaf_searchers():
        end = offset + subsearcher.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if not local:
            continue
        matcher = query.matcher(subsearcher, context)
        for docnum in local:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                scores[docnum + offset] = matcher.score()
    return scores


def rank(
    matches: list[tuple[int, float]], columns: Columns, sort: str, collapse: bool
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
    # Ties go by the group's key, not by document number: the order of documents on disk
    # depends on which writer process indexed them.
    if sort == "date":
        ranked.sort(key=lambda ds: (columns.date[ds[0]], ds[1], key[ds[0]]), reverse=True)
    else:
        ranked.sort(key=lambda ds: (-ds[1], key[ds[0]]))
    return ranked


def count_multi(values: list[tuple[str, ...]], ranked: list[tuple[int, float]]) -> dict[str, int]:
    counts = Counter(value for docnum, _ in ranked for value in values[docnum])
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def count_values(values: list[str], ranked: list[tuple[int, float]]) -> dict[str, int]:
    counts = Counter(values[docnum] for docnum, _ in ranked)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
