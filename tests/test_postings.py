"""Scoring from whole posting lists gives what Whoosh's matchers give, on the real corpus."""

from __future__ import annotations

import shutil

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

import privsearch
from benchmarks.judged import load_queries
from privsearch import analyze, highlight, postings, querylang
from privsearch.collect import Deadline, collect_matches
from privsearch.collect import score_documents as matcher_scores
from privsearch.highlight import Passage
from privsearch.index import open_whoosh
from privsearch.query import _Filters
from privsearch.querylang import TEXT_FIELDS
from privsearch.queryplan import Compiler, ExpansionBudget, PhraseQuery, expand_patterns, near_spans

from .conftest import DHS, TEST_LIMITS


def _same(ours: list[tuple[int, float]], theirs: list[tuple[int, float]]) -> bool:
    """The same documents with the same scores but for the last bits (the sum of an AND's
    parts is taken in another order), ours best first."""
    mine, whooshs = dict(ours), dict(theirs)
    return (
        mine.keys() == whooshs.keys()
        and all(abs(mine[d] - s) <= 1e-9 * max(1.0, abs(s)) for d, s in whooshs.items())
        and [s for _, s in ours] == sorted(mine.values(), reverse=True)
    )


def _compiled(ix: privsearch.Index, text: str) -> list[wq.Query]:
    searcher = ix._current()
    compiled = Compiler(ix._view(searcher).lexicon).compile(querylang.parse_query(text))
    expand_patterns(searcher, compiled, ExpansionBudget())
    return [q for q in (compiled.query, compiled.partial, compiled.proximity) if q is not None]


def _holds_phrase(query: wq.Query) -> bool:
    return type(query) is PhraseQuery or any(_holds_phrase(q) for q in query.children())


def test_judged_queries_score_as_with_whooshs_matchers(dhs):
    searcher = dhs._current()
    compared = phrases = 0
    for judged in load_queries():
        filters = wq.Term("component", judged.component) if judged.component else None
        for query in _compiled(dhs, judged.text):
            if not postings.supported(query):
                continue
            ours = postings.scored_matches(searcher, query, filters, Deadline.after(60))
            theirs = collect_matches(searcher, query, filters, Deadline.after(60))
            assert _same(ours, theirs), judged.text
            compared += 1
            phrases += _holds_phrase(query)
    assert compared > 300 and phrases > 100


def test_proximity_bonus_scores_as_with_whooshs_matchers(dhs):
    searcher = dhs._current()
    checked = 0
    for text in ("privacy impact assessment", "personally identifiable information"):
        query, *_, proximity = _compiled(dhs, text)
        pool = {d for d, _ in postings.scored_matches(searcher, query, None, Deadline.after(60))}
        ours = postings.score_documents(searcher, proximity, pool)
        theirs = matcher_scores(searcher, proximity, pool)
        best_first = sorted(ours.items(), key=lambda ds: (-ds[1], ds[0]))
        assert _same(best_first, list(theirs.items())), text
        checked += len(theirs)
    assert checked > 10


def test_parts_it_does_not_score_are_left_to_whoosh(dhs):
    searcher = dhs._current()
    for query in (wq.Prefix("body", "biometr"), wq.Not(wq.Term("body", "privaci"))):
        query = wq.And([wq.Term("body", "record"), query])
        assert not postings.supported(query)
        ours = postings.scored_matches(searcher, query, None, Deadline.after(60))
        assert ours == collect_matches(searcher, query, None, Deadline.after(60))
        assert ours


def test_deleted_documents_are_left_out(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DHS, corpus)
    index = tmp_path / "index"
    privsearch.build_index([corpus], index, limits=TEST_LIMITS)
    pdfs = sorted(corpus.rglob("*.pdf"))
    for pdf in pdfs[: len(pdfs) // 3]:
        pdf.unlink()
    privsearch.build_index([corpus], index, limits=TEST_LIMITS)
    with open_whoosh(index).searcher() as searcher:
        assert any(leaf.reader().has_deletions() for leaf, _ in searcher.leaf_searchers())
        for phrase in (["homeland", "secur"], ["privaci", "impact", "assess"]):  # indexed: the 2nd
            query = wq.Or([wq.Term("body", "privaci"), PhraseQuery("body", phrase)])
            ours = postings.scored_matches(searcher, query, None, Deadline.after(60))
            assert _same(ours, collect_matches(searcher, query, None, Deadline.after(60)))
            assert ours


def test_words_near_each_other_are_found_where_whooshs_span_near_finds_them(dhs):
    searcher = dhs._current()
    docs = set(range(searcher.doc_count_all()))
    pairs = [
        ("body", "licens", "plate"),
        ("body", "biometr", "share"),
        ("body", "privaci", "record"),
        ("title", "privaci", "system"),
        ("summary", "inform", "collect"),
    ]
    found = 0
    for slop in (1, 4, 12):
        for field, first, second in pairs:
            ours = postings.near_documents(searcher, [(field, first, second)], slop, docs)
            terms = [wq.Term(field, first), wq.Term(field, second)]
            spans = wq.SpanNear2(terms, slop=slop, ordered=False, mindist=1)
            assert ours == set(searcher.docs_for_query(spans)), (field, first, second, slop)
            found += len(ours)
    some = set(list(docs)[::3])  # only those asked about
    ours = postings.near_documents(searcher, pairs, 12, some)
    assert ours and ours <= some
    assert found > 300


_POSITION_LISTS = st.lists(
    st.lists(st.integers(0, 40), min_size=1, max_size=8, unique=True).map(sorted),
    min_size=2,
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(_POSITION_LISTS, st.integers(1, 12))
def test_words_in_order_within_a_distance_are_found_where_spans_are(positions, slop):
    assert postings._near_in_order(iter(positions), slop) == bool(near_spans(positions, slop))
    assert postings._in_order(iter(positions)) == bool(near_spans(positions, 1))


@settings(max_examples=400, deadline=None)
@given(_POSITION_LISTS, st.integers(1, 12))
def test_two_words_near_each_other_either_way_are_found_where_spans_are(positions, slop):
    first, second = positions[:2]
    spans = near_spans([first, second], slop, ordered=False, mindist=1)
    assert postings._within(first, second, slop) == bool(spans)


# -- phrases indexed as terms ----------------------------------------------------------------


def _phrase_documents(searcher, fields=TEXT_FIELDS) -> dict[tuple[str, tuple[str, ...]], list]:
    """For each field and indexed phrase: the documents and scores our scoring finds."""
    found = {}
    for phrase in sorted(analyze.indexed_phrases()):
        for field in fields:
            query = PhraseQuery(field, list(phrase))
            found[field, phrase] = postings.scored_matches(
                searcher, query, None, Deadline.after(60)
            )
    return found


def test_an_indexed_phrase_finds_what_its_words_positions_give(dhs):
    searcher = dhs._current()
    reader = searcher.reader()
    held = 0
    for (field, phrase), ours in _phrase_documents(searcher).items():
        query = PhraseQuery(field, list(phrase))
        assert _same(ours, collect_matches(searcher, query, None, Deadline.after(60))), phrase
        assert postings.phrase_documents(searcher, query) == set(searcher.docs_for_query(query))
        if ours:  # found from the phrase's own term, not from positions
            assert (field, analyze.phrase_term(phrase).encode()) in reader
            held += 1
    assert held > 60


def test_an_index_without_phrase_terms_gives_the_same_results(tmp_path, monkeypatch, dhs):
    index = tmp_path / "index"
    monkeypatch.setattr(analyze, "indexed_phrases", frozenset)  # as an older index was written
    privsearch.build_index([DHS], index, limits=TEST_LIMITS)
    with open_whoosh(index).searcher() as searcher:
        assert not searcher.schema["body"].phrases
        assert not any(term.startswith(b"\x03") for term in searcher.reader().lexicon("body"))
        without = _by_key(searcher, _phrase_documents(searcher, ["body", "title"]))
    current = dhs._current()
    assert without == _by_key(current, _phrase_documents(current, ["body", "title"]))
    for text in ("ICE facial recognition services PIA", "data breach", "HSIN"):
        assert _hits(privsearch.open_index(index), text) == _hits(dhs, text)
    monkeypatch.undo()
    privsearch.build_index([DHS], index, rebuild=True, limits=TEST_LIMITS)  # records them
    with open_whoosh(index).searcher() as searcher:
        assert searcher.schema["body"].phrases == analyze.indexed_phrases()
        assert (b"\x03privaci impact assess") in list(searcher.reader().lexicon("body"))


def _by_key(searcher, found: dict) -> dict:
    """The documents found, named by their keys (two indexes number them differently)."""
    return {
        where: sorted((searcher.stored_fields(d)["key"], score) for d, score in matches)
        for where, matches in found.items()
    }


def _hits(ix: privsearch.Index, text: str) -> list[tuple[str, float, str]]:
    return [(hit.id, hit.score, hit.snippet) for hit in ix.search(text, per_page=20).results]


# -- pages and snippets ----------------------------------------------------------------------


def _pattern(text: str) -> tuple[str, ...]:
    return tuple(privsearch.analyze.analyze(text, mode="query"))


def _page_with(words: str, filler: str, repeat: int = 60) -> Passage:
    return Passage(3, f"{filler} " * repeat + words + " " + f"{filler} " * 5)


def test_a_word_is_found_past_many_words_with_its_start():
    # "in" starts "I-9" as seen by the probe: dozens of them do not hide the form's name.
    page = _page_with("the employer keeps Form I-9 on file", "in information inside")
    snippet, pages, _ = highlight.locate_at([page], {_pattern("I-9")}, [])
    assert pages == (3,) and "<mark>I-9</mark>" in snippet


def test_a_short_stem_is_found_in_the_longer_word_it_comes_from():
    # "mining" is indexed as "mine", which is not how the word starts.
    page = _page_with("the data mining report", "privacy")
    assert _pattern("mining") == ("mine",)
    snippet, pages, _ = highlight.locate_at([page], {_pattern("mining")}, [])
    assert pages == (3,) and "<mark>mining</mark>" in snippet


def test_a_probe_inside_a_word_finds_nothing():
    page = Passage(2, "the service office issued a notice " * 40)
    assert highlight.locate_at([page], {_pattern("ICE")}, [])[1] == ()


def _whole_page_pages(passages: list[Passage], patterns: set, needs: list) -> tuple[int, ...]:
    """The pages `locate_at` should give, from every word of every page analyzed."""
    met = {}
    for passage in passages:
        tokens = highlight._analyzed(passage.text, 0, len(passage.text), lambda word: True)
        kinds = {m.pattern for m in highlight._matches(tokens, list(patterns))}
        if kinds:
            met[passage.page] = highlight._needs_met(kinds, needs) if needs else len(kinds)
    best = max(met.values(), default=0)
    return tuple(sorted(n for n, k in met.items() if k == best and n > 0))


def test_pages_are_those_a_reading_of_every_word_gives(dhs):
    """The search reads only around the words' occurrences; the pages it gives for each hit
    are those that reading every word of every page gives."""
    same = checked = 0
    queries = ("data mining report to Congress", "Form I-9", "E-Verify", "license plate readers")
    for text in queries:
        tree = querylang.parse_query(text)
        found = dhs._rank(text, tree, Deadline.after(60), _Filters(*[None] * 5, {}, ()),
                          "relevance", False, True, True, False)  # fmt: skip
        patterns, needs = found.chosen.patterns, found.chosen.needs
        for docnum, _ in found.chosen.ranked[:10]:
            record = dhs.get(found.searcher.stored_fields(docnum)["id"])
            passages = [Passage(0, record.summary)]
            passages += [Passage(page.number, page.text) for page in record.pages]
            pages = highlight.locate_at(passages, patterns, needs)[1]
            same += pages == _whole_page_pages(passages, patterns, needs)
            checked += 1
    assert checked >= 25 and same == checked
