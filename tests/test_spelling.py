"""Spelling: which corrections are offered, when the results are for them, and what is never
corrected, on the shared DHS corpus and the mixed collection."""

from __future__ import annotations

import re

import pytest

from privsearch import analyze
from privsearch.spelling import CORRECTION_RATIO, osa_distance

from .test_query import contains_terms, record_text


def ids(results) -> list[str]:
    return [hit.id for hit in results.results]


@pytest.mark.parametrize("query", ["drones", "FRT", "BWC"])
def test_no_silly_suggestion_for_known_words_and_acronyms(dhs, query):
    results = dhs.search(query)
    assert results.total > 0
    assert results.suggestion is None and results.corrected_from is None
    assert results.not_found == ()


def test_a_truncated_word_is_never_corrected_to_an_unrelated_common_one(dhs):
    results = dhs.search("license plat")
    # "part" and "plan" are more common than "plate", but not beside "license".
    assert results.suggestion in (None, "license plate")
    assert results.total > 0


def test_suggestions_are_never_stop_words(dhs):
    for query in ("becuase privacy", "thier privacy", "drones", "whcih records"):
        suggestion = dhs.search(query, correct=False).suggestion or ""
        for word in suggestion.split():
            terms = analyze.analyze(word, mode="query", removestops=False)
            typed = query.split()
            assert word in typed or not any(analyze.is_stopword(t) for t in terms), (query, word)


def test_a_misspelled_word_among_correct_ones_is_corrected(dhs):
    results = dhs.search("biometirc data sharing", per_page=20)
    assert results.corrected_from == "biometirc data sharing"
    assert results.suggestion == "biometric data sharing"
    assert results.not_found == ()
    first = results.results[0]
    text = record_text(dhs, first.id, first.source)
    assert re.search(r"biometric", text, re.I) and contains_terms(text, "sharing")
    # Documents about data sharing alone no longer come first.
    typed = dhs.search("data sharing", per_page=5)
    assert ids(results)[:5] != ids(typed)


def test_searching_as_typed_leaves_the_unknown_word_out_and_offers_the_correction(dhs):
    results = dhs.search("biometirc data sharing", correct=False)
    assert results.corrected_from is None
    assert results.suggestion == "biometric data sharing"
    assert results.not_found == ("biometirc",)
    assert results.notes[0] == "Not found: biometirc."
    assert ids(results) == ids(dhs.search("data sharing"))


def test_a_lone_misspelling_shows_the_corrections_results(dhs):
    results = dhs.search("biometic")
    assert results.corrected_from == "biometic" and results.suggestion == "biometric"
    assert ids(results) == ids(dhs.search("biometric"))


def test_a_word_present_only_by_its_stem_is_corrected_on_the_mixed_collection(mixed):
    # "Zimmer Biomet" in a layoff notice stems like "biometic"; the word as typed is in none.
    as_typed = mixed.search("biometic", correct=False)
    assert as_typed.total >= 1 and as_typed.suggestion == "biometric"
    results = mixed.search("biometic", per_page=20)
    assert results.corrected_from == "biometic"
    assert results.total > 10
    for hit in results.results[:10]:
        assert re.search(r"biometric", record_text(mixed, hit.id, hit.source), re.I), hit.id


def test_a_rare_word_present_as_typed_is_never_corrected(dhs, mixed):
    for ix in (dhs, mixed):
        reader = ix._current().reader()
        # Rare words the text holds as words of their own ("connell" is in the spelling
        # vocabulary from "O'Connell", which is indexed whole, as oconnell).
        rare = [
            word
            for word in reader.lexicon("spell")
            if len(word) >= 5
            and reader.doc_frequency("spell", word) == 1
            and word.decode().isalpha()
            and reader.doc_frequency("body", analyze.stem(word.decode()))
        ][::97][:25]
        assert len(rare) >= 10
        for word in (w.decode() for w in rare):
            results = ix.search(word)
            assert results.corrected_from is None and results.suggestion is None, word
            assert results.total >= 1, word
    assert mixed.search("biomet").corrected_from is None


def test_a_correction_must_be_far_more_common(dhs):
    assert CORRECTION_RATIO >= 10
    reader = dhs._current().reader()
    results = dhs.search("survelliance")
    assert results.suggestion == "surveillance"
    assert reader.doc_frequency("spell", "surveillance") >= 2


def test_edit_distance_counts_a_swap_as_one():
    assert osa_distance("biometirc", "biometric") == 1
    assert osa_distance("plat", "plate") == 1
    assert osa_distance("drones", "done") == 2
    assert osa_distance("", "abc") == 3
