"""Vocabulary: acronyms read by their context, other forms of hyphenated words, and the
expansions learned from the index."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

import privsearch
from privsearch import analyze, expansion, querylang
from privsearch.index import SCHEMA_VERSION, build_schema
from privsearch.queryplan import (
    Compiler,
    ExpansionBudget,
    LearnedTerms,
    SenseAlternatives,
    expand_patterns,
)


def _terms(text: str) -> list[str]:
    return analyze.analyze(text, mode="query", removestops=False)


def _forms(text: str) -> set[tuple[str, ...]]:
    return {tuple(_terms(phrase)) for phrase in text.split("|")}


PLATES = _forms("license plate reader|automated license plate reader|ALPR")
RESIDENTS = _forms("lawful permanent resident|permanent resident")


def _text(record: privsearch.Record) -> str:
    return "\n".join([record.title, record.summary, record.body])


def _leaves(query: wq.Query, kind: type) -> list:
    found, stack = [], [query]
    while stack:
        q = stack.pop()
        if isinstance(q, kind):
            found.append(q)
        if not q.is_leaf():
            stack.extend(q.children())
    return found


# --- acronyms with several meanings --------------------------------------------------------


@pytest.mark.parametrize(
    "query, meant, not_meant",
    [
        ("LPR vehicle", PLATES, RESIDENTS),
        ("LPR camera", PLATES, RESIDENTS),
        ("LPR green card", RESIDENTS, PLATES),
        ("naturalization of an LPR", RESIDENTS, PLATES),
    ],
)
def test_an_ambiguous_acronym_takes_the_meaning_its_neighbours_point_to(query, meant, not_meant):
    terms = _terms(query)
    (match,) = [m for m in analyze.find_synonyms(terms) if terms[m.start : m.end] == ["lpr"]]
    assert meant <= set(match.alternatives)
    assert not not_meant & set(match.alternatives)
    assert match.senses == ()


def test_a_lone_ambiguous_acronym_keeps_every_meaning_undecided():
    (match,) = analyze.find_synonyms(_terms("LPR"))
    assert match.alternatives == ()
    senses = [set(s.alternatives) for s in match.senses]
    assert len(senses) == 2
    assert any(PLATES <= s for s in senses) and any(RESIDENTS <= s for s in senses)


def test_the_other_forms_never_search_for_the_ambiguous_acronym():
    for phrase in ("license plate reader", "ALPR", "lawful permanent resident"):
        terms = _terms(phrase)
        (match,) = analyze.find_synonyms(terms)
        assert ("lpr",) not in match.alternatives
    (match,) = analyze.find_synonyms(_terms("ALPR"))
    assert tuple(_terms("license plate reader")) in match.alternatives


def test_acronyms_of_meanings_stay_unstemmed():
    assert _terms("ANPR ALPR LPRs") == ["anpr", "alpr", "lpr"]


def test_a_lone_acronym_weighs_its_meanings_by_the_corpus(dhs):
    searcher = dhs._current()
    compiled = Compiler(dhs._view(searcher).lexicon).compile(querylang.parse_query("LPR"))
    senses = _leaves(compiled.query, SenseAlternatives)
    assert len(senses) == 2
    assert all(s.boost == pytest.approx(0.5) for s in senses)  # before the index is known
    expand_patterns(searcher, compiled, ExpansionBudget())
    boosts = [s.boost for s in senses]
    assert all(0 < b < 1 for b in boosts) and sum(boosts) == pytest.approx(1.0)


def test_lpr_with_vehicle_finds_license_plate_readers_first(dhs):
    top = dhs.search("LPR vehicle").results[0]
    assert re.search(r"license plate", _text(dhs.get(top.id)), re.I)


def test_lpr_with_green_card_finds_lawful_permanent_residents_first(dhs):
    results = dhs.search("LPR green card").results
    assert results
    top = _text(dhs.get(results[0].id))
    assert re.search(r"permanent resident", top, re.I)
    assert not re.search(r"license plate", top, re.I)


# --- other forms of hyphenated and coined words -------------------------------------------


@pytest.mark.parametrize(
    "term, variants",
    [
        ("a-files", {"a-file", "afil"}),
        ("a-file", {"afil"}),
        ("e-mail", {"email"}),
        ("e-mails", {"e-mail", "email"}),
        ("i-94s", {"i-94"}),
        ("non-citizens", {"non-citizen", "noncitizen"}),
    ],
)
def test_hyphenated_words_have_their_other_forms(term, variants):
    assert set(analyze.term_variants(term)) == variants
    index_terms = set(analyze.analyze(term, mode="index"))
    assert {term, *variants} <= index_terms


@pytest.mark.parametrize(
    "text", ["DHS/CBP/PIA-056", "I-9", "PIA-054(a)", "DHS/ALL-038", "2017-01", "body-worn"]
)
def test_reference_numbers_and_long_prefixes_keep_one_form(text):
    (whole,) = _terms(text)
    assert analyze.term_variants(whole) == ()
    assert analyze.analyze(text, mode="index")[0] == whole


def test_e_verify_stays_whole():
    assert _terms("E-Verify's") == ["e-verify"]
    assert analyze.analyze("E-Verify", mode="index")[0] == "e-verify"


def test_a_file_finds_a_files_and_back(dhs):
    records = list(dhs.records())
    plural_only = {
        r.id for r in records if "A-Files" in _text(r) and not re.search(r"A-File\b", _text(r))
    }
    assert plural_only
    found = {h.id for h in dhs.search("A-File", per_page=100).results}
    assert plural_only <= found
    assert found == {h.id for h in dhs.search("A-Files", per_page=100).results}


def test_e_mail_and_emails_find_each_other(dhs):
    records = list(dhs.records())
    hyphened = {
        r.id for r in records if re.search(r"\be-mail", _text(r)) and "email" not in _text(r)
    }
    closed = {
        r.id for r in records if re.search(r"\bemail", _text(r), re.I) and "e-mail" not in _text(r)
    }
    assert hyphened and closed
    assert hyphened <= {h.id for h in dhs.search("emails", per_page=100).results}
    assert closed <= {h.id for h in dhs.search("e-mail", per_page=100).results}


def test_the_other_forms_are_highlighted(dhs):
    hits = dhs.search("A-File", per_page=100).results
    assert any(
        "A-Files" in re.sub(r"</?mark>", "", h.snippet) and "<mark>" in h.snippet for h in hits
    )


# --- everyday words for official terms ------------------------------------------------------


@pytest.mark.parametrize(
    "everyday, official",
    [
        ("data breach", "privacy incident"),
        ("laptop", "electronic device"),
        ("body scanner", "advanced imaging technology"),
        ("phone tracking", "cell-site simulator"),
        ("license plate camera", "license plate reader"),
        ("watch list", "watchlist"),
        ("ID badge", "personal identity verification"),
        ("travel papers", "travel documents"),
        ("flying lessons", "flight training"),
        ("bail", "bond"),
    ],
)
def test_everyday_words_are_synonyms_of_official_terms(everyday, official):
    (match,) = analyze.find_synonyms(_terms(everyday))
    assert tuple(_terms(official)) in match.alternatives


def test_phones_and_laptops_searched_at_the_border_reach_border_searches_of_devices(dhs):
    top = dhs.search("phones and laptops searched at the border").results[0]
    assert "border searches of electronic devices" in top.title.lower()


@pytest.mark.parametrize(
    "query, official",
    [("data breach", "privacy incident"), ("body scanners", "advanced imaging technology")],
)
def test_everyday_words_find_the_official_term(dhs, query, official):
    titles = [h.title.lower() for h in dhs.search(query, per_page=5).results]
    assert any(official in t for t in titles)


# --- learned expansions --------------------------------------------------------------------


def test_title_terms_are_the_content_words_of_the_title():
    terms = expansion.title_terms("Privacy Impact Assessment for the Facial Recognition Service")
    assert terms.split() == [b"privaci", b"impact", b"assess", b"facial", b"recognit", b"servic"]
    assert expansion.title_terms("of the and") == b""


def test_the_index_keeps_each_title_s_terms():
    assert "title_terms" in build_schema().names()
    assert SCHEMA_VERSION >= 3


def test_expansions_are_learned_from_the_index(dhs):
    expander = expansion.expander_for(dhs._current().reader())
    assert "recognit" in [t for t, _ in expander.expand("facial")]
    assert expander.expand("zzyzx") == ()
    assert expander.expand("the") == ()  # stop words are never expanded
    for _, strength in expander.expand("facial"):
        assert 0 < strength <= 1


def test_learned_expansions_are_optional_terms_weighted_below_typed_words(dhs):
    searcher = dhs._current()
    lexicon = dhs._view(searcher).lexicon
    tree = querylang.parse_query("facial recognition")
    compiled = Compiler(lexicon, learned=True).compile(tree)
    assert isinstance(compiled.query, wq.AndMaybe)
    expand_patterns(searcher, compiled, ExpansionBudget())
    (learned,) = _leaves(compiled.query, LearnedTerms)
    # The typed words expand to each other here, and are never searched for twice.
    assert all(q.text not in ("facial", "recognit") for q in learned.subqueries)
    plain = Compiler(lexicon, learned=True).compile(querylang.parse_query("cbp"))
    expand_patterns(searcher, plain, ExpansionBudget())
    for q in _leaves(plain.query, LearnedTerms)[0].subqueries:
        assert q.boost <= 3.0 * 0.1
        assert plain.origins[(q.text,)] == "expansion of cbp"
    # The same documents match, with or without them.
    docs = set(searcher.docs_for_query(compiled.query))
    assert docs == set(searcher.docs_for_query(Compiler(lexicon).compile(tree).query))


def test_expansion_can_be_switched_off(dhs):
    lexicon = dhs._view(dhs._current()).lexicon
    tree = querylang.parse_query("drones")
    on = Compiler(lexicon, learned=True).compile(tree)
    off = Compiler(lexicon, expand=False).compile(tree)
    assert ("unman", "aircraft", "system") in on.patterns
    assert off.patterns == {("drone",)}
    assert not _leaves(off.query, LearnedTerms)
    assert off.origins == {("drone",): "typed"}


# --- the switch, through the API, the CLI and HTTP --------------------------------------------


def _ids(results: privsearch.SearchResults) -> set[str]:
    return {h.id for h in results.results}


def test_search_without_expansion_finds_the_typed_words_alone(dhs):
    expanded = dhs.search("UAS", per_page=100)
    typed = dhs.search("UAS", per_page=100, expand=False)
    assert typed.total < expanded.total
    assert _ids(typed) < _ids(expanded)
    for hit in typed.results:
        assert re.search(r"\bUAS\b", _text(dhs.get(hit.id)), re.I)


def test_no_expand_on_the_command_line_and_expand_false_over_http(dhs, dhs_index):
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from privsearch.cli import cli
    from privsearch.http import create_app

    typed = dhs.search("UAS", per_page=100, expand=False).total
    expanded = dhs.search("UAS", per_page=100).total

    def cli_total(*flags: str) -> int:
        args = ["search", "UAS", "--index", str(dhs_index), "--json", *flags]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["total"]

    assert cli_total("--no-expand") == typed and cli_total() == expanded
    with TestClient(create_app(dhs_index, rate_limit=0)) as client:
        for value, total in (("false", typed), ("true", expanded)):
            response = client.get("/api/search", params={"q": "UAS", "expand": value})
            assert response.status_code == 200 and response.json()["total"] == total
        response = client.get("/api/search", params={"q": "UAS", "expand": "maybe"})
        assert response.status_code == 400 and response.json()["ok"] is False


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aeiosz-A9/ ()LPRs'\u2010"), max_size=30))
def test_every_other_form_of_a_query_term_is_indexed_with_it(text):
    index_terms = set(analyze.analyze(text, mode="index"))
    for term in analyze.analyze(text, mode="query", removestops=False):
        assert set(analyze.term_variants(term)) <= index_terms
