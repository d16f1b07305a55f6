"""Search-as-you-type: prefix search of the last word, and suggestions (phrases, documents,
reference numbers), on the DHS corpus."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsearch import PrivsearchError
from privsearch.complete import Candidate, Completions, choose_completions

MARKED = re.compile(r"<mark>(.*?)</mark>", re.S)


def marked_words(results) -> set[str]:
    return {m.lower() for hit in results.results for m in MARKED.findall(hit.snippet)}


# -- prefix search ---------------------------------------------------------------------------------


def test_a_half_typed_last_word_finds_what_the_whole_word_finds(dhs):
    typed = dhs.search("facial recog", prefix=True)
    assert typed.results[0].id == "DHS/ICE/PIA-054"
    whole = dhs.search("facial recognition")
    assert [h.id for h in typed.results[:3]] == [h.id for h in whole.results[:3]]
    assert typed.suggestion is None and typed.corrected_from is None and not typed.not_found


def test_without_prefix_the_half_word_is_a_word_of_its_own(dhs):
    # The behaviour prefix=True exists for: "recog" searched whole is corrected or left out.
    plain = dhs.search("facial recog")
    assert plain.suggestion is not None or plain.not_found


def test_a_prefix_highlights_the_words_it_completes_to_not_itself(dhs):
    results = dhs.search("fac", prefix=True)
    assert results.total > 0
    words = marked_words(results)
    assert words and "fac" not in words
    assert all(w.startswith("fac") for w in words)


def test_an_open_page_marks_what_the_half_typed_word_stands_for(dhs):
    marked = re.compile(r"<mark>[^<]*recognition[^<]*</mark>", re.I)
    typed = dhs.page("DHS/ICE/PIA-054", 1, "facial recog", prefix=True)["html"]
    assert marked.search(typed)
    assert not re.search(r"<mark>[^<]*\brecog\b", typed, re.I)
    as_words = dhs.page("DHS/ICE/PIA-054", 1, "facial recog")["html"]
    assert not marked.search(as_words) and "<mark>" in as_words  # facial alone


def test_the_likeliest_completion_is_the_one_beside_the_other_words(dhs):
    # "plan" is in more documents than "plate", but not beside "license".
    results = dhs.search("license pla", prefix=True)
    assert results.results[0].id == "DHS/CBP/PIA-049(a)"
    assert "plate" in marked_words(dhs.search("license pla", prefix=True, per_page=3))


def test_a_trailing_space_ends_the_word(dhs):
    typed = dhs.search("facial ", prefix=True)
    assert [h.id for h in typed.results] == [h.id for h in dhs.search("facial").results]


def test_a_prefix_nothing_starts_is_not_corrected_but_left_out(dhs):
    results = dhs.search("facial zzqx", prefix=True)
    assert results.not_found == ("zzqx",) and results.suggestion is None
    assert results.total > 0


def test_only_the_word_being_typed_escapes_correction(dhs):
    results = dhs.search("biometic dat", prefix=True)
    assert results.suggestion == "biometric dat"


@pytest.mark.parametrize("query", ['"facial recognition"', "title:facial", "PIA-05", "fac*"])
def test_a_query_not_ending_with_a_plain_word_is_searched_as_typed(dhs, query):
    assert dhs.search(query, prefix=True).total == dhs.search(query).total


def test_completions_are_weighted_by_their_share_and_drop_the_rare():
    candidates = [Candidate("facilit", "facilitate", 27), Candidate("facial", "facial", 7)]
    candidates.append(Candidate("fac", "fac", 1))
    chosen = choose_completions(candidates)
    assert [(c.term, c.weight) for c in chosen] == [("facilit", 1.0), ("facial", 0.259)]
    beside = choose_completions(candidates, {"facial": 4, "facilit": 1})
    assert [c.term for c in beside] == ["facial", "facilit"]


# -- suggestions -----------------------------------------------------------------------------------


def test_suggestions_are_whole_phrases_in_proper_case(dhs):
    phrases = dhs.suggest("facial rec").phrases
    assert phrases[0] == "Facial Recognition"
    assert "Rapid DNA Operational" not in dhs.suggest("rapid").phrases  # cut short of "Use"
    assert "Rapid DNA" in dhs.suggest("rapid").phrases
    assert dhs.suggest("lic").phrases[0] == "License Plate Reader Technology"


def test_suggestions_are_never_lone_weak_or_stop_words(dhs):
    assert "first" not in {p.lower() for p in dhs.suggest("first").phrases}
    assert dhs.suggest("the").phrases == ()


def test_shouting_titles_give_their_words_in_proper_case():
    titles = [
        "DATA PRIVACY AND INTEGRITY ADVISORY COMMITTEE MEETING",
        "Data Privacy and Integrity Advisory Committee Report",
        "LICENSES OKLAHOMA DRIVERS",
        "Oklahoma Drivers and ICE Licenses",
    ]
    completions = Completions.build(titles)
    assert completions.complete("data") == ["Data Privacy"]
    found = completions.complete("integrity")
    assert found[0] == "Integrity Advisory Committee"
    assert "Integrity Advisory Committee Meeting" in found  # a shouting title's, in proper case
    assert completions.complete("licenses okla") == ["Licenses Oklahoma Drivers"]
    assert all(not p.isupper() for p in completions.complete("d"))


def test_suggest_offers_documents_to_open(dhs):
    documents = dhs.suggest("facial rec").documents
    assert documents[0].id == "DHS/ICE/PIA-054"
    assert set(documents[0].to_dict()) == {"id", "title", "doc_type", "component", "date"}
    assert all("facial rec" in d.title.lower() for d in documents)


def test_suggest_offers_reference_numbers(dhs):
    references = dhs.suggest("PIA-05").references
    assert "DHS/ICE/PIA-054" in references
    assert all("/PIA-05" in r.upper() for r in references)
    assert set(dhs.suggest("USCIS-00").references) == {
        "DHS/USCIS-004",
        "DHS/USCIS-006",
        "DHS/USCIS-007",
    }
    assert dhs.suggest("pia-05").references == dhs.suggest("PIA-05").references
    assert dhs.suggest("facial").references == ()


def test_suggest_shape(dhs):
    data = dhs.suggest("ice fac").to_dict()
    assert set(data) == {"query", "suggestions", "documents", "references"}
    assert data["query"] == "ice fac"
    assert all(s.startswith("ice ") for s in data["suggestions"])


# -- anything typed --------------------------------------------------------------------------------

_TYPED = st.text(alphabet=st.sampled_from('abcfilrs -/05"*:()~ABCPI'), max_size=16) | st.text(
    max_size=16
)


@given(_TYPED)
@settings(max_examples=150, deadline=None)
def test_anything_typed_is_searched_or_refused_with_a_message(dhs, text):
    """Every keystroke's query is answered, or refused with a PrivsearchError (an open quote)."""
    try:
        results = dhs.search(text, prefix=True)
    except PrivsearchError as error:
        assert error.status < 500
    else:
        assert results.query == text
    assert dhs.suggest(text).query == text


def test_an_explained_prefix_search_names_the_completions(dhs):
    hit = dhs.search("fac", prefix=True, explain=True, per_page=1).results[0]
    assert hit.explain["score"] == pytest.approx(hit.score, abs=1e-3)
    origins = {m["origin"] for m in hit.explain["matches"]}
    assert origins == {"completion of the last word"}
