"""Browsing (an empty query with filters), the command line as people type it, short and shared
ids, dates and pages past the end: in the core, the CLI and the API, on the shared DHS corpus."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import privsearch
from privsearch import BadParameterError, check_date
from privsearch.cli import cli
from privsearch.http import create_app


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def search_json(index: Path, *args: str) -> dict:
    return json.loads(run("search", *args, "--index", str(index), "--json").stdout)


def newest_first(dates: list[str | None]) -> bool:
    """Dated documents newest first, then the undated ones."""
    dated = [d for d in dates if d]
    return dated == sorted(dated, reverse=True) and dates == dated + [None] * dates.count(None)


@pytest.fixture(scope="module")
def client(dhs_index: Path) -> TestClient:
    with TestClient(create_app(dhs_index, rate_limit=0)) as test_client:
        yield test_client


# -- browsing in the core ---------------------------------------------------------------------


def test_browse_lists_ice_sorns_newest_first(dhs: privsearch.Index) -> None:
    listed = dhs.search("", component="ICE", doc_type="SORN", per_page=100)
    assert listed.total >= 10 and len(listed.results) == listed.total
    assert {(h.component, h.doc_type) for h in listed.results} == {("ICE", "SORN")}
    assert newest_first([h.date for h in listed.results])
    # every ICE SORN, each publication once (a page and its PDF are one)
    assert {h.id for h in listed.results} == {r.id for r in dhs.records("ICE", "SORN")}
    editions = {(h.id, h.date) for h in listed.results}
    assert len(editions) == listed.total
    # the newest is the ICE SORN with the latest date in the index
    latest = max(r.date or "" for r in dhs.records("ICE", "SORN"))
    assert listed.results[0].date == latest


def test_browse_counts_facets_over_what_it_lists(dhs: privsearch.Index) -> None:
    listed = dhs.search("", component="ICE", doc_type="SORN", per_page=100)
    assert listed.facets["component"] == {"ICE": listed.total}
    assert listed.facets["doc_type"] == {"SORN": listed.total}
    years = Counter((h.date or "")[:4] or "unknown" for h in listed.results)
    assert listed.facets["year"] == dict(years)
    everything = dhs.search("", per_page=1)
    assert everything.total > listed.total
    assert sum(everything.facets["component"].values()) == everything.total


def test_browse_by_year_and_date_range(dhs: privsearch.Index) -> None:
    in_2019 = dhs.search("", year="2019", per_page=100)
    assert in_2019.total and {(h.date or "")[:4] for h in in_2019.results} == {"2019"}
    two_years = dhs.search("", year=["2019", "2020"], per_page=1)
    assert two_years.total > in_2019.total
    assert set(two_years.facets["year"]) == {"2019", "2020"}
    spring = dhs.search("", since="2019-03", until="2019-06-15", per_page=100)
    dates = [h.date or "" for h in spring.results]
    assert dates and all("2019-03-01" <= d <= "2019-06-15" for d in dates)
    assert spring.total < in_2019.total


def test_browse_explains_that_nothing_was_scored(dhs: privsearch.Index, client) -> None:
    listed = dhs.search("", component="ICE", explain=True, per_page=3)
    assert [h.explain for h in listed.results] == [
        {
            "score": 0.0,
            "matches": [],
            "proximity_bonus": 0.0,
            "proximity": [],
            "notes": ["No words to score: the documents are listed by the filters."],
        }
    ] * 3
    response = client.get("/api/search", params={"component": "ICE", "explain": "true"})
    assert response.status_code == 200 and response.json()["results"][0]["explain"]["score"] == 0


def test_browse_sort_relevance_orders_by_id(dhs: privsearch.Index) -> None:
    by_date = dhs.search("", component="ICE", doc_type="SORN", per_page=100)
    by_id = dhs.search("", component="ICE", doc_type="SORN", per_page=100, sort="relevance")
    ids = [h.id for h in by_id.results]
    assert ids == sorted(ids) and sorted(ids) == sorted(h.id for h in by_date.results)


def test_words_still_rank_by_relevance(dhs: privsearch.Index) -> None:
    ranked = dhs.search("facial recognition")
    scores = [h.score for h in ranked.results]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2019", "2019-02", "2019-02-28", "2020-02-29", "2019-12-31"])
def test_check_date_takes_real_dates(value: str) -> None:
    assert check_date(value, "since") == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2019-13", "invalid since '2019-13': there is no month 13"),
        ("2019-00", "invalid since '2019-00': there is no month 00"),
        ("2019-02-30", "invalid since '2019-02-30': 2019-02 has no day 30"),
        ("2019-02-29", "invalid since '2019-02-29': 2019-02 has no day 29"),
        ("20x9", "invalid since '20x9': use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("2019-1-5", "invalid since '2019-1-5': use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("yesterday", "invalid since 'yesterday': use YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_check_date_refuses_what_is_no_date(value: str, message: str) -> None:
    with pytest.raises(BadParameterError) as caught:
        check_date(value, "since")
    assert caught.value.message == message


def test_search_refuses_a_bad_date(dhs: privsearch.Index) -> None:
    with pytest.raises(BadParameterError, match="there is no month 13"):
        dhs.search("biometric", since="2019-13")
    with pytest.raises(BadParameterError, match="2019-02 has no day 30"):
        dhs.search("", until="2019-02-30")
    with pytest.raises(BadParameterError, match="invalid year '20x9'"):
        dhs.search("", year="20x9")


# -- ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["pia-054", "PIA-054", "ICE/PIA-054", "dhs/ice/pia-054"])
def test_get_resolves_short_ids_as_search_does(dhs: privsearch.Index, typed: str) -> None:
    assert dhs.search(typed).results[0].id == "DHS/ICE/PIA-054"
    assert dhs.get(typed).id == "DHS/ICE/PIA-054"


def test_a_short_id_of_several_reference_numbers_lists_them(dhs: privsearch.Index) -> None:
    with pytest.raises(BadParameterError) as caught:
        dhs.get("pia-003")
    assert caught.value.message == (
        "'pia-003' could be DHS/ALL/PIA-003, DHS/ICE/PIA-003 or DHS/USSS/PIA-003: give the whole id"
    )


def test_publications_sharing_an_id(dhs: privsearch.Index) -> None:
    found = dhs.publications("dhs/all-004")
    assert [r.date for r in found] == ["2012-11-27", "2009-09-29"]
    assert {r.id for r in found} == {"DHS/ALL-004"}
    older = dhs.get("DHS/ALL-004", "pages/" + Path(found[1].source).name)
    assert older.date == "2009-09-29"
    assert [r.date for r in dhs.publications("DHS/ALL-004", "dhs-all-004.html")] == ["2012-11-27"]


# -- the command line -------------------------------------------------------------------------


def test_cli_browses_with_filters_alone(dhs_index: Path) -> None:
    data = search_json(dhs_index, "--component", "ICE", "--type", "SORN", "--limit", "100")
    assert data["query"] == "" and data["total"] >= 10 and data["pages"] == 1
    assert newest_first([h["date"] for h in data["results"]])
    assert {h["component"] for h in data["results"]} == {"ICE"}
    table = run("search", "--component", "ICE", "--type", "SORN", "--index", str(dhs_index))
    assert f"1-10 of {data['total']} documents, newest first" in table.stdout


def test_cli_unquoted_words_are_the_quoted_query(dhs_index: Path) -> None:
    unquoted = search_json(dhs_index, "facial", "recognition", "--component", "ICE")
    quoted = search_json(dhs_index, "facial recognition", "--component", "ICE")
    assert unquoted["query"] == quoted["query"] == "facial recognition"
    assert [h["id"] for h in unquoted["results"]] == [h["id"] for h in quoted["results"]]
    assert unquoted["results"]
    # --quote still searches each word literally
    literal = search_json(dhs_index, "--quote", "facial", "recognition")
    assert literal["query"] == '"facial" "recognition"'


@pytest.mark.parametrize("typed", ["pia-054", "ICE/PIA-054", "Dhs/Ice/Pia-054"])
def test_cli_show_resolves_short_ids(dhs_index: Path, typed: str) -> None:
    out = run("show", typed, "--index", str(dhs_index)).stdout
    assert "Id:          DHS/ICE/PIA-054" in out


def test_cli_show_says_when_an_id_is_shared_and_takes_source(dhs_index: Path) -> None:
    shared = run("show", "DHS/ALL-004", "--index", str(dhs_index), ok=False)
    assert shared.exit_code == 2
    lines = shared.stderr.splitlines()
    assert lines[0] == "Error: 2 publications share the id DHS/ALL-004; pick one with --source:"
    assert lines[1].startswith("  2012-11-27  --source dhs-all-004.html  Privacy Act of 1974")
    assert lines[2].startswith("  2009-09-29  --source privacy-act-of-1974-department-of-")
    older = lines[2].split("--source ")[1].split()[0]
    picked = json.loads(
        run("show", "DHS/ALL-004", "--source", older, "--json", "--index", str(dhs_index)).stdout
    )
    assert picked["date"] == "2009-09-29" and picked["source"].endswith("/" + older)
    several = run("show", "pia-003", "--index", str(dhs_index), ok=False)
    assert several.exit_code == 2
    assert several.stderr.splitlines() == [
        "Error: 'pia-003' could be 3 reference numbers; show one of them:",
        "  privsearch show DHS/ALL/PIA-003",
        "  privsearch show DHS/ICE/PIA-003",
        "  privsearch show DHS/USSS/PIA-003",
    ]
    args = ("show", "DHS/ALL-004", "--source", "nowhere.html", "--index", str(dhs_index))
    gone = run(*args, ok=False)
    assert gone.exit_code == 1
    assert "no record with id 'DHS/ALL-004' from nowhere.html" in gone.stderr


@pytest.mark.parametrize("command", ["search", "export"])
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--since", "2019-13", "invalid --since '2019-13': there is no month 13"),
        ("--until", "2019-02-30", "invalid --until '2019-02-30': 2019-02 has no day 30"),
        ("--since", "20x9", "invalid --since '20x9': use YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_cli_refuses_a_bad_date(dhs_index, command, option, value, message) -> None:
    result = run(command, "biometric", option, value, "--index", str(dhs_index), ok=False)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert result.stdout == ""


def test_cli_page_past_the_end(dhs_index: Path) -> None:
    total = search_json(dhs_index, "biometric")["total"]
    pages = -(-total // 10)
    assert 10 < total < 400
    out = run("search", "biometric", "--page", "40", "--index", str(dhs_index)).stdout
    assert out.strip() == f"Page 40 is past the end: {total} results, {pages} pages of 10."
    data = search_json(dhs_index, "biometric", "--page", "40")
    assert data["results"] == [] and data["total"] == total and data["pages"] == pages


def test_cli_export_takes_the_query_and_filters(dhs_index: Path) -> None:
    found = search_json(dhs_index, "facial", "recognition", "--limit", "100")
    table = run("export", "facial", "recognition", "--format", "csv", "--index", str(dhs_index))
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [r["id"] for r in rows] == [h["id"] for h in found["results"]]
    assert len(rows) == found["total"] > 5
    args = ("facial", "recognition", "--component", "CBP", "--since", "2018")
    narrowed = run("export", *args, "--format", "csv", "--index", str(dhs_index)).stdout
    cbp = list(csv.DictReader(io.StringIO(narrowed)))
    assert cbp and len(cbp) < len(rows)
    assert {r["component"] for r in cbp} == {"CBP"} and min(r["date"] for r in cbp) >= "2018"
    everything = run("export", "--index", str(dhs_index)).stdout.splitlines()
    assert len(everything) == len(list(privsearch.open_index(dhs_index).records()))


# -- the API ----------------------------------------------------------------------------------


def test_api_browses_without_q(client: TestClient) -> None:
    listed = client.get("/api/search", params={"component": "ICE", "type": "SORN"}).json()
    assert listed["query"] == "" and listed["total"] >= 10
    assert listed["pages"] == -(-listed["total"] // 10)
    assert newest_first([h["date"] for h in listed["results"]])
    assert listed["facets"]["component"] == {"ICE": listed["total"]}
    by_year = client.get("/api/search", params={"year": "2019", "q": ""}).json()
    assert by_year["total"] and {h["date"][:4] for h in by_year["results"]} == {"2019"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2019-13", "invalid since '2019-13': there is no month 13"),
        ("q=biometric&until=2019-02-30", "invalid until '2019-02-30': 2019-02 has no day 30"),
        ("q=biometric&since=20x9", "invalid since '20x9': use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("year=20x9", "invalid year '20x9': use YYYY (or unknown)"),
    ],
)
def test_api_refuses_a_bad_date(client: TestClient, query: str, message: str) -> None:
    response = client.get("/api/search?" + query)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": message, "status": 400}


def test_api_page_past_the_end(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "biometric"}).json()
    past = client.get("/api/search", params={"q": "biometric", "page": 40})
    assert past.status_code == 200
    data = past.json()
    assert data["results"] == [] and data["total"] == first["total"]
    assert data["page"] == 40 and data["pages"] == first["pages"] == -(-first["total"] // 10)


def test_api_documents_resolve_short_ids(client: TestClient) -> None:
    for typed in ("pia-054", "ICE%2FPIA-054", "DHS%2FICE%2FPIA-054"):
        response = client.get(f"/api/documents/{typed}")
        assert response.status_code == 200 and response.json()["id"] == "DHS/ICE/PIA-054"
    several = client.get("/api/documents/pia-003")
    assert several.status_code == 400 and "give the whole id" in several.json()["error"]
