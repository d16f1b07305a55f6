"""Searching an index of the real DHS corpus: ranking, filters, facets, snippets, pages."""

from __future__ import annotations

import html
import itertools
import re
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.formats import Positions
from whoosh.query.spans import Span, SpanNear2

import privsearch
from privsearch import BadParameterError, QuerySyntaxError, analyze
from privsearch.index import family_of, id_variants, open_whoosh
from privsearch.queryplan import PhraseQuery, near_spans, term_positions


def ids(results: privsearch.SearchResults) -> list[str]:
    return [hit.id for hit in results.results]


def record_text(ix: privsearch.Index, record_id: str, source: str | None = None) -> str:
    record = ix.get(record_id, source)
    return "\n".join([record.title, record.summary, record.body])


def contains_terms(text: str, words: str) -> bool:
    """True if the analyzed text holds the analyzed words as a consecutive sequence."""
    wanted = analyze.analyze(words, mode="query", removestops=False)
    tokens = analyze.analyze(text, mode="query", removestops=False)
    return any(tokens[i : i + len(wanted)] == wanted for i in range(len(tokens)))


def test_facial_recognition_finds_tvs_and_ice_pias(dhs):
    results = dhs.search("facial recognition", per_page=10)
    top = ids(results)
    assert "DHS/ICE/PIA-054" in top, top
    assert {"DHS/CBP/PIA-056", "DHS/CBP/PIA-030"} & set(top), top


def test_typed_words_outrank_synonym_expansion(dhs):
    results = dhs.search("facial recognition", per_page=5)
    for hit in results.results[:3]:
        assert contains_terms(record_text(dhs, hit.id, hit.source), "facial recognition"), hit.id


def test_synonyms_expand_acronyms(dhs):
    by_acronym = set(ids(dhs.search("LPR", per_page=20)))
    assert "DHS/CBP/PIA-049(a)" in by_acronym
    assert "DHS/CBP/PIA-049(a)" in ids(dhs.search("license plate reader", per_page=5))


def test_component_filter(dhs):
    everything = dhs.search("biometric", per_page=50)
    ice = dhs.search("biometric", component="ICE", per_page=50)
    assert 0 < ice.total < everything.total
    assert {hit.component for hit in ice.results} == {"ICE"}
    assert set(ice.facets["component"]) == {"ICE"}
    assert ice.total == everything.facets["component"]["ICE"]
    # case and spelling of the filter value do not matter
    assert dhs.search("biometric", component="ice").total == ice.total


def test_type_and_date_filters(dhs):
    sorns = dhs.search("records", doc_type="sorn", per_page=100)
    assert sorns.total > 0 and {h.doc_type for h in sorns.results} == {"SORN"}
    dated = dhs.search("privacy", since="2018", until="2019-06", per_page=100)
    assert dated.total > 0
    assert all("2018-01-01" <= h.date <= "2019-06-31" for h in dated.results)


@pytest.mark.parametrize("query", ["privacy", "facial recognition", "DNA OR fingerprint"])
def test_facet_counts_add_up_to_total(dhs, query):
    results = dhs.search(query)
    assert results.total > 0
    for name in ("component", "doc_type", "year"):
        assert sum(results.facets[name].values()) == results.total, name


def test_phrase_excludes_scattered_words(dhs):
    words = dhs.search("information sharing agreement", per_page=100)
    phrase = dhs.search('"information sharing agreement"', per_page=100)
    assert 0 < phrase.total < words.total
    for hit in phrase.results:
        assert contains_terms(
            record_text(dhs, hit.id, hit.source), "information sharing agreement"
        ), hit.id
    in_phrase = {(h.id, h.source) for h in phrase.results}
    scattered = [h for h in words.results if (h.id, h.source) not in in_phrase]
    assert scattered
    for hit in scattered:
        text = record_text(dhs, hit.id, hit.source)
        assert not contains_terms(text, "information sharing agreement"), hit.id


class _Positions:
    """A term matcher on one document, as Whoosh's SpanNear2 matcher reads it."""

    def __init__(self, positions: list[int]) -> None:
        self.positions = positions

    def spans(self) -> list[Span]:
        return [Span(p) for p in self.positions]


_POSITION_LISTS = st.lists(
    st.lists(st.integers(0, 40), max_size=8, unique=True).map(sorted), min_size=1, max_size=4
)


def _agree_with_whoosh(positions, slop, ordered, mindist):
    whoosh_matcher = SimpleNamespace(
        ms=[_Positions(p) for p in positions], slop=slop, ordered=ordered, mindist=mindist
    )
    theirs = SpanNear2.SpanNear2Matcher._get_spans(whoosh_matcher)
    ours = near_spans(positions, slop, ordered, mindist)
    assert ours == sorted({(span.start, span.end) for span in theirs})


@settings(max_examples=300, deadline=None)
@given(_POSITION_LISTS, st.integers(0, 12), st.booleans(), st.integers(0, 2))
def test_near_spans_agree_with_whooshs_span_near(positions, slop, ordered, mindist):
    _agree_with_whoosh(positions, slop, ordered, mindist)


@settings(max_examples=300, deadline=None)
@given(_POSITION_LISTS)
def test_exact_phrase_spans_agree_with_whooshs_span_near(positions):
    _agree_with_whoosh(positions, slop=1, ordered=True, mindist=1)


def test_term_positions_decode_as_whoosh_does(dhs_index):
    decoded = 0
    with open_whoosh(dhs_index).searcher() as searcher:
        segments = [segment for segment, _ in searcher.leaf_searchers()]
        for segment, (field, term) in itertools.product(
            segments, [("body", "privaci"), ("body", "the"), ("summary", "secur")]
        ):
            if (field, term) not in segment.reader():
                continue
            matcher = segment.postings(field, term)  # what a search matches, segment by segment
            assert type(matcher.format) is Positions  # the quick path, not the fallback
            while matcher.is_active():
                assert term_positions(matcher) == matcher.value_as("positions")
                decoded += 1
                matcher.next()
    assert decoded > 300


@pytest.mark.parametrize("slop", [1, 2, 12])
def test_phrase_query_finds_and_scores_as_whooshs_phrase(dhs_index, slop):
    phrases = [
        ["privaci", "impact", "assess"], ["facial", "recognit"], ["homeland", "secur"],
        ["custom", "and", "border", "protect"], ["inform", "share", "agreement"],
    ]  # fmt: skip
    found = 0
    with open_whoosh(dhs_index).searcher() as searcher:
        for field in ("title", "summary", "body"):
            for words in phrases:
                ours = searcher.search(PhraseQuery(field, words, slop=slop, boost=2.0), limit=None)
                theirs = searcher.search(wq.Phrase(field, words, slop=slop, boost=2.0), limit=None)
                assert [(h.docnum, h.score) for h in ours] == [(h.docnum, h.score) for h in theirs]
                found += len(ours)
    assert found > 300


def test_phrase_keeps_stopwords(dhs):
    # "use of" is not the same phrase as "use" followed by another word
    results = dhs.search('"privacy act of 1974"', per_page=100)
    assert results.total > 0
    for hit in results.results:
        assert contains_terms(record_text(dhs, hit.id, hit.source), "privacy act of 1974")


def test_page_numbers_point_at_pages_with_the_words(dhs):
    results = dhs.search("license plate", per_page=10)
    checked = 0
    for hit in results.results:
        record = dhs.get(hit.id)
        texts = {page.number: page.text for page in record.pages}
        for number in hit.pages:
            terms = set(analyze.analyze(texts[number]))  # whole compounds and their parts
            assert terms & {"licens", "plate"}, (hit.id, number)
            checked += 1
    assert checked > 0


def test_snippets_mark_matches_and_escape_everything_else(dhs):
    results = dhs.search("biometric", per_page=20)
    for hit in results.results:
        assert "<mark>" in hit.snippet, hit.id
        without_marks = re.sub(r"</?mark>", "", hit.snippet)
        assert "<" not in without_marks and ">" not in without_marks
        marked = re.findall(r"<mark>(.*?)</mark>", hit.snippet)
        assert all(analyze.analyze(html.unescape(m)) for m in marked)


@pytest.mark.parametrize("query", ["PIA-054", "DHS/ICE/PIA-054", "dhs/ice/pia-054", "ICE/PIA-054"])
def test_reference_number_comes_first(dhs, query):
    assert ids(dhs.search(query))[0] == "DHS/ICE/PIA-054"


def test_reference_number_with_version(dhs):
    assert ids(dhs.search("DHS/CBP/PIA-049(a)"))[0] == "DHS/CBP/PIA-049(a)"


def test_collapse_shows_a_family_once(dhs):
    plain = dhs.search("traveler verification service", per_page=50)
    collapsed = dhs.search("traveler verification service", per_page=50, collapse=True)
    families = [family_of(hit.id) for hit in collapsed.results]
    assert len(families) == len(set(families))
    assert len([h for h in plain.results if family_of(h.id) == "DHS/CBP/PIA-030"]) > 1
    tvs = next(h for h in collapsed.results if family_of(h.id) == "DHS/CBP/PIA-030")
    assert tvs.versions and all(family_of(v) == "DHS/CBP/PIA-030" for v in tvs.versions)


def test_sort_by_date_is_newest_first(dhs):
    results = dhs.search("privacy", sort="date", per_page=30)
    dates = [h.date for h in results.results if h.date]
    assert dates == sorted(dates, reverse=True) and len(dates) > 10


def test_pagination(dhs):
    first = dhs.search("privacy", per_page=5, page=1)
    second = dhs.search("privacy", per_page=5, page=2)
    assert len(first.results) == len(second.results) == 5
    assert not set(ids(first)) & set(ids(second))
    assert first.total == second.total


def test_no_document_with_every_word_falls_back_to_any(dhs):
    results = dhs.search("fingerprint kinship")
    assert results.total > 0
    assert results.notes == (
        "No document contains all the words; showing documents with some of them.",
    )


def test_few_all_word_matches_are_followed_by_partial_ones(dhs):
    results = dhs.search("social media monitoring", per_page=50)

    def has_all(hit: privsearch.Hit) -> bool:
        text = record_text(dhs, hit.id, hit.source)
        return all(contains_terms(text, word) for word in ("social media", "monitoring"))

    complete = [hit for hit in results.results if has_all(hit)]
    assert 0 < len(complete) < 10 < results.total
    assert results.results[: len(complete)] == tuple(complete)
    assert results.notes == (
        f"Only {len(complete)} document(s) contain all the words; documents with most of "
        "them follow.",
    )


def test_did_you_mean(dhs):
    results = dhs.search("biometic")
    assert results.suggestion == "biometric"
    assert dhs.search("biometric").suggestion is None


def test_fuzzy_and_prefix(dhs):
    assert dhs.search("biometic~").total > 0
    assert dhs.search("biomet*").total >= dhs.search("biometric").total


def test_not_excludes(dhs):
    everything = dhs.search("biometric", per_page=100)
    without = dhs.search("biometric NOT fingerprint", per_page=100)
    assert 0 < without.total < everything.total
    for hit in without.results:
        assert not contains_terms(record_text(dhs, hit.id, hit.source), "fingerprint")


def test_field_queries(dhs):
    results = dhs.search("title:biometric", per_page=50)
    assert results.total > 0
    assert all(contains_terms(h.title, "biometric") for h in results.results)
    assert {h.component for h in dhs.search("component:TSA AND screening").results} == {"TSA"}


def test_bad_parameters(dhs):
    with pytest.raises(BadParameterError, match="unknown component 'XYZ'"):
        dhs.search("privacy", component="XYZ")
    with pytest.raises(BadParameterError, match="per_page must be between 1 and 100"):
        dhs.search("privacy", per_page=1000)
    with pytest.raises(BadParameterError, match="invalid since 'last year'"):
        dhs.search("privacy", since="last year")
    with pytest.raises(QuerySyntaxError, match="unknown field"):
        dhs.search("colour:blue")


def test_get_and_family(dhs):
    record = dhs.get("dhs/ice/pia-054")
    assert record.id == "DHS/ICE/PIA-054" and record.component == "ICE" and record.pages
    assert "DHS/CBP/PIA-030(c)" in dhs.family("DHS/CBP/PIA-030(d)")
    with pytest.raises(privsearch.RecordNotFoundError):
        dhs.get("DHS/XYZ/PIA-999")


def test_stats_and_records(dhs):
    stats = dhs.stats()
    assert stats["records"] == sum(stats["component"].values()) == sum(stats["doc_type"].values())
    assert stats["pages"] > 0 and stats["index_bytes"] > 0
    ice = list(dhs.records(component="ICE"))
    assert len(ice) == stats["component"]["ICE"]


def test_id_variants():
    assert id_variants("DHS/ICE/PIA-054(a)") == [
        "DHS/ICE/PIA-054(a)",
        "ICE/PIA-054(a)",
        "PIA-054(a)",
    ]
    assert family_of("DHS/CBP/PIA-001(e)") == "DHS/CBP/PIA-001"
    assert family_of("DHS/ALL/PIA-061-2") == "DHS/ALL/PIA-061"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=120))
def test_search_gives_results_or_a_clean_error(dhs, text):
    try:
        results = dhs.search(text)
    except (QuerySyntaxError, BadParameterError):
        return
    assert results.total >= len(results.results)


def test_prefix_matching_too_many_words_is_refused(dhs, monkeypatch):
    monkeypatch.setattr("privsearch.queryplan.MAX_EXPANSIONS", 5)
    with pytest.raises(privsearch.QueryTooExpensiveError, match="more than 5 different words"):
        dhs.search("co*")
    assert dhs.search("biometr*").total > 0


def test_search_time_limit(dhs_index):
    with privsearch.Index(dhs_index, time_limit=1e-9) as hurried:
        with pytest.raises(privsearch.QueryTooExpensiveError, match="took longer than"):
            hurried.search("privacy")
