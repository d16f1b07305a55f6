"""One publication, one result: copies of a publication read from different sources (the two
page templates of the DHS corpus indexed together; a listing entry and its page) show once,
with the date any copy gives."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import privsearch
from benchmarks.judged import QUERIES, load_queries
from privsearch.index import COPIES_FILE
from tests.conftest import DHS, DHS_B, TEST_LIMITS, build_shared_index


@pytest.fixture(scope="module")
def both_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shared_index(tmp_path_factory, "both-templates", [DHS, DHS_B])


@pytest.fixture(scope="module")
def both(both_index: Path) -> privsearch.Index:
    with privsearch.open_index(both_index) as ix:
        yield ix


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def test_the_named_examples_show_once_with_their_date(both):
    [hit] = both.search("DHS/ICE/PIA-050").results
    assert hit.date == "2019-11-15"  # the listing copy is undated; the page gives the date
    [hit] = both.search("DHS/ICE/PIA-050", collapse=True).results
    assert hit.date == "2019-11-15"
    pcr = [
        h
        for h in both.search('"Section 1367"', per_page=50).results
        if "1367" in h.title and h.doc_type == "PCR"
    ]
    assert len(pcr) == 1 and pcr[0].date == "2019-02-04"


def test_no_publication_is_listed_twice(both):
    """On every judged query, the first twenty results of the two templates indexed together
    never hold one publication twice (the same title and date, or the same reference number
    once undated and once dated)."""
    files = sorted(QUERIES.parent.glob("*.jsonl"))
    for text in [q.text for f in files for q in load_queries(f)]:
        hits = both.search(text, per_page=20).results
        titled = [(_norm(h.title), h.date) for h in hits]
        assert len(titled) == len(set(titled)), text
        for hit in hits:
            if hit.id.startswith("DHS/") and hit.date is None:
                assert not [h for h in hits if h.id == hit.id and h.date], (text, hit.id)


def test_facets_and_sorting_use_the_publication_date(both):
    results = both.search("DHS/ICE/PIA-050")
    assert results.facets["year"] == {"2019": 1}
    by_date = both.search("ICE privacy impact assessment", sort="date", per_page=100).results
    dates = [h.date or "" for h in by_date]
    assert dates == sorted(dates, reverse=True)


def test_the_copies_describe_the_committed_version(both_index: Path, both):
    data = json.loads((both_index / COPIES_FILE).read_text(encoding="utf-8"))
    assert data["generation"] == both.generation()
    assert data["copies"]  # the two templates hold copies that differ in id or date
    for copy, key in data["copies"].items():
        # Joined to a dated edition whenever one of the copies is dated.
        assert copy != key and (key.split("|")[1] or not copy.split("|")[1])
    report = privsearch.build_index([DHS, DHS_B], both_index, limits=TEST_LIMITS)
    assert report.sources_unchanged and not report.sources_read
    assert json.loads((both_index / COPIES_FILE).read_text(encoding="utf-8")) == data
