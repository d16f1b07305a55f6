"""`--explain` / `explain=true`: the parts of each result's score, which add up to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from benchmarks.judged import QUERIES, load_queries
from privsearch.cli import cli
from privsearch.http import create_app

CLOSE = 1e-3  # scores are rounded to 4 decimals


def _judged_texts() -> list[str]:
    files = sorted(QUERIES.parent.glob("*.jsonl"))
    return [q.text for f in files for q in load_queries(f)]


def test_the_parts_add_up_to_every_score(dhs):
    """On every judged query, each result's explanation sums to its score: the parts are
    the query's own terms matched again against the document, not estimates."""
    checked = 0
    for text in _judged_texts():
        for hit in dhs.search(text, per_page=5, explain=True).results:
            assert hit.explain is not None
            parts = sum(c["score"] for c in hit.explain["matches"])
            parts += hit.explain["proximity_bonus"]
            assert parts == pytest.approx(hit.score, rel=CLOSE, abs=CLOSE), (text, hit.id)
            assert hit.explain["score"] == pytest.approx(hit.score, rel=CLOSE, abs=CLOSE)
            checked += 1
    assert checked > 300


def test_fields_weights_and_counts_are_those_of_the_document(dhs):
    hit = dhs.search("license plate readers", per_page=1, explain=True).results[0]
    assert hit.id == "DHS/CBP/PIA-049(a)"
    by_field = {(c["field"], c["terms"][0]): c for c in hit.explain["matches"]}
    title = by_field[("title", "plate")]
    assert title["kind"] == "word" and title["origin"] == "typed"
    assert title["weight"] > by_field[("body", "plate")]["weight"]  # a title word counts most
    record = dhs.get(hit.id)
    assert by_field[("body", "plate")]["count"] >= record.body.lower().count("plate") // 2
    assert hit.explain["proximity_bonus"] > 0  # the three words stand together
    assert not dhs.search("license plate readers", per_page=1).results[0].explain


def test_synonyms_meanings_and_patterns_say_where_they_came_from(dhs):
    hit = dhs.search("LPR vehicle", per_page=1, explain=True).results[0]
    origins = {c["origin"] for c in hit.explain["matches"]}
    assert "synonym of lpr" in origins and "typed" in origins
    assert any(c["terms"] == ["licens", "plate", "reader"] for c in hit.explain["matches"])

    hit = dhs.search("facial recogni*", per_page=1, explain=True).results[0]
    [pattern, *_] = [c for c in hit.explain["matches"] if c["kind"] == "pattern"]
    assert pattern["terms"][0] == "recogni*" and len(pattern["terms"]) > 1  # the words it matched

    hit = dhs.search("DHS/CBP/PIA-056", per_page=1, explain=True).results[0]
    assert any(c["kind"] == "reference" and c["field"] == "ids" for c in hit.explain["matches"])


def test_a_correction_and_words_not_found_are_said(dhs):
    results = dhs.search("biometirc data sharing", explain=True)
    assert results.corrected_from == "biometirc data sharing"
    assert any("biometirc" in note for note in results.results[0].explain["notes"])
    results = dhs.search("quantum license plate readers", explain=True)
    assert any("quantum" in note for note in results.results[0].explain["notes"])


def test_results_that_follow_are_explained_by_what_they_matched(dhs):
    """Documents after the all-word matches (most of the words, or the phrase alone) are
    explained by the query that found them, and still add up."""
    results = dhs.search('"Section 1367" victims trafficking', per_page=20, explain=True)
    assert results.notes
    for hit in results.results:
        parts = sum(c["score"] for c in hit.explain["matches"]) + hit.explain["proximity_bonus"]
        assert parts == pytest.approx(hit.score, rel=CLOSE, abs=CLOSE), hit.id


def test_cli_explain(dhs_index: Path):
    runner = CliRunner()
    args = ["search", "license plate readers", "--index", str(dhs_index), "--limit", "2"]
    result = runner.invoke(cli, [*args, "--explain"])
    assert result.exit_code == 0, result.output
    assert "total" in result.output and "title: plate" in result.output
    data = json.loads(runner.invoke(cli, [*args, "--explain", "--json"]).output)
    assert all("explain" in r for r in data["results"])
    assert "explain" not in json.loads(runner.invoke(cli, [*args, "--json"]).output)["results"][0]
    bad = runner.invoke(cli, [*args, "--explain", "--csv"])
    assert bad.exit_code == 2 and "--explain" in bad.output and "Traceback" not in bad.output


def test_api_explain(dhs_index: Path, dhs):
    with TestClient(create_app(dhs_index, rate_limit=0)) as client:
        params = {"q": "LPR vehicle", "per_page": 3}
        data = client.get("/api/search", params={**params, "explain": "true"}).json()
        expected = dhs.search("LPR vehicle", per_page=3, explain=True).to_dict()
        assert [r["explain"] for r in data["results"]] == [
            r["explain"] for r in expected["results"]
        ]
        plain = client.get("/api/search", params=params).json()
        assert all("explain" not in r for r in plain["results"])
        bad = client.get("/api/search", params={**params, "explain": "perhaps"})
        assert bad.status_code == 400 and bad.json()["ok"] is False
