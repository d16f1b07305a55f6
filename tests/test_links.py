"""Links between documents: the references found at index time, `cites:`, the graph, and the
`related` and `graph` commands and the `/api/documents/{id}/related` endpoint, on the shared
corpus (the ESTA PIAs DHS/CBP/PIA-007*, the Watchlist Service PIAs) and on documents whose
references are known by construction."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import privsearch
from privsearch.cli import cli
from privsearch.graph import Entry, Node, build_graph, title_key
from privsearch.http import create_app
from privsearch.models import Page, Record
from privsearch.structure.links import cited_term, find_references

ESTA = ["cbp-esta-pia-2008-06-02", "DHS/CBP/PIA-007(d)", "DHS/CBP/PIA-007(f)", "DHS/CBP/PIA-007(h)"]
WATCHLIST = [
    "dhs-watchlist-service-pia-2010-07-14",
    "dhs-watchlist-service-pia-update-2010-09-07",
    "DHS/ALL-027(b)",
]


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def refs(text: str, **fields) -> set[tuple[str, str]]:
    record = Record(
        id=fields.pop("id", "DHS/ZZ/PIA-001"),
        title=fields.pop("title", "A PIA"),
        pages=(Page(1, text),),
        doc_type=fields.pop("doc_type", "PIA"),
        **fields,
    )
    return {(r.kind, r.target) for r in find_references(record)}


# -- references, by construction -------------------------------------------------------------


def test_ids_are_found_in_their_written_forms_and_normalised() -> None:
    text = (
        "This PIA is covered by DHS/ALL-047 Records Related to DHS Personnel, and by the\n"
        "Department of Homeland Security/Federal Emergency Management Agency--008 Disaster\n"
        "Recovery Assistance Files. See also DHS/ICE/PIA-054(a) and DHS/CBP/PIA – 056."
    )
    assert refs(text) == {
        ("cites_sorn", "DHS/ALL-047"),
        ("cites_sorn", "DHS/FEMA-008"),
        ("cites_pia", "DHS/ICE/PIA-054(a)"),
        ("cites_pia", "DHS/CBP/PIA-056"),
    }


def test_federal_register_citations_in_every_form_give_one_target() -> None:
    text = (
        "SUMMARY: DHS updates its notice.\nThe notice was published at 80 FR 24,269 and "
        "corrected at 73 Fed. Reg. 12345; the rule at 71 Federal Register 38408 (Volume 65, "
        "Number 70; Pages 19477-78)."
    )
    found = refs(text, doc_type="SORN", id="DHS/ZZ-001")
    assert found == {("cites_fr", t) for t in ("80 FR 24269", "73 FR 12345", "71 FR 38408",
                                               "65 FR 19477")}  # fmt: skip
    assert cited_term("80 Fed. Reg. 24,269") == "80 fr 24269"


def test_own_id_and_own_citation_are_not_references() -> None:
    text = "85 FR 79999 - Privacy Act of 1974\nAGENCY: DHS.\nThis notice, DHS/ZZ-001, is new."
    assert refs(text, id="DHS/ZZ-001", doc_type="SORN") == set()
    own = Record(id="DHS/ZZ-002", title="A notice", pages=(Page(1, "It cites 85 FR 79999."),),
                 details=(("citation", "85 FR 79999"),))  # fmt: skip
    assert find_references(own) == ()


def test_supersedes_needs_the_word_and_no_denial() -> None:
    said = "This notice rescinds and replaces DHS/ZZ-009 Old Records (70 FR 111)."
    assert refs(said, id="DHS/ZZ-010", doc_type="SORN") == {
        ("supersedes", "DHS/ZZ-009"),
        ("cites_fr", "70 FR 111"),  # the id is what is superseded; its citation is cited
    }
    only_citation = "This notice supersedes the notice published at 70 FR 111."
    assert refs(only_citation, id="DHS/ZZ-010", doc_type="SORN") == {("supersedes", "70 FR 111")}
    denied = "This notice does not rescind, revoke or supersede DHS/ZZ-009 Old Records."
    assert refs(denied, id="DHS/ZZ-010", doc_type="SORN") == {("cites_sorn", "DHS/ZZ-009")}


def test_an_exemption_rule_names_the_systems_it_exempts() -> None:
    rule = Record(
        id="rule-1",
        title="Privacy Act of 1974: Implementation of Exemptions; DHS/ALL-025 Law Enforcement",
        pages=(Page(1, "ACTION: Final rule.\nDHS exempts DHS/ALL-025 from (k)(2)."),),
        doc_type="Other",
    )
    assert {(r.kind, r.target) for r in find_references(rule)} == {
        ("exemption_rule_for", "DHS/ALL-025")
    }


def test_an_update_naming_an_earlier_version_is_a_version_of_it() -> None:
    text = "This update to DHS/TSA/PIA-901(a) and DHS/TSA/PIA-901(c) follows new rules."
    assert refs(text, id="DHS/TSA/PIA-901(b)", doc_type="PIA Update") == {
        ("version_of", "DHS/TSA/PIA-901(a)"),
        ("cites_pia", "DHS/TSA/PIA-901(c)"),  # a later one is only cited
    }


# -- the graph, by construction --------------------------------------------------------------


def test_graph_resolves_ids_and_citations_and_keeps_unknown_targets() -> None:
    from privsearch.models import Reference

    pia = Entry(Node("DHS/ZZ/PIA-001", "Zed PIA", "PIA"), (
        Reference("cites_sorn", "DHS/ZZ-001", "DHS/ZZ-001", 2),
        Reference("cites_sorn", "DHS/ZZ-404", "DHS/ZZ-404", 3),
        Reference("cites_fr", "85 FR 79999", "85 FR 79999", 3),
    ))  # fmt: skip
    sorn = Entry(Node("DHS/ZZ-001", "Zed SORN", "SORN", date="2020-01-01", citation="85 FR 79999"))
    graph = build_graph([pia, sorn])
    related = graph.related("DHS/ZZ/PIA-001")
    assert [(r["id"], r["resolved"]) for r in related["covered_by_sorn"]] == [
        ("DHS/ZZ-001", True),
        ("DHS/ZZ-404", False),
    ]
    assert [r["id"] for r in related["cites"]] == ["DHS/ZZ-001"]  # the SORN, by its citation
    back = graph.related("DHS/ZZ-001")
    assert [r["id"] for r in back["covers"]] == ["DHS/ZZ/PIA-001"]
    assert [r["id"] for r in back["cited_by"]] == ["DHS/ZZ/PIA-001"]


def test_title_key_names_the_system() -> None:
    title = (
        "Privacy Impact Assessment Update for the Electronic System for Travel Authorization (ESTA)"
    )
    assert title_key(title) == "electronic system for travel authorization"


# -- the shared corpus -----------------------------------------------------------------------


def test_cites_finds_the_citing_documents(dhs: privsearch.Index) -> None:
    assert [h.id for h in dhs.search("cites:DHS/CBP/PIA-056").results] == ["DHS/CBP/PIA-076"]
    by_citation = dhs.search('cites:"80 Fed. Reg. 49,256"').results
    assert [h.id for h in by_citation] == ["DHS/CBP-001"]
    rule = dhs.search("cites:ALL-025").results  # without DHS/, as id: takes it
    assert len(rule) == 1 and "Exemptions" in rule[0].title


def test_references_are_stored_with_kind_text_and_page(dhs: privsearch.Index) -> None:
    record = dhs.get("DHS/CBP-001")
    assert [(r.kind, r.target, r.text, r.page) for r in record.references] == [
        ("cites_fr", "80 FR 49256", "80\nFR 49256", 1),
        ("cites_fr", "81 FR 14369", "81 FR 14369", 2),
    ]


def version_chain(ix: privsearch.Index, first: str) -> list[str]:
    chain, current = [first], first
    while later := ix.related(current)["related"].get("has_version"):
        current = later[0]["id"]
        chain.append(current)
    return chain


def test_version_families_join_ids_and_earlier_pias_without_one(dhs: privsearch.Index) -> None:
    assert version_chain(dhs, ESTA[0]) == ESTA
    assert version_chain(dhs, WATCHLIST[0])[:3] == WATCHLIST
    versions = dhs.related("DHS/CBP/PIA-007(f)")["related"]["version_of"]
    assert [(v["id"], v["date"], v["resolved"]) for v in versions] == [
        ("DHS/CBP/PIA-007(d)", "2014-11-03", True)
    ]


def test_graph_file_is_written_for_the_version_it_describes(dhs_index: Path) -> None:
    data = json.loads((dhs_index / "graph.json").read_text())
    with privsearch.open_index(dhs_index) as ix:
        assert data["generation"] == ix.generation()
        assert len(data["links"]) == len(ix.graph().links) > 100


def test_graph_is_built_when_the_file_is_missing(dhs_index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(dhs_index, copy)
    expected = json.loads((copy / "graph.json").read_text())["links"]
    (copy / "graph.json").unlink()
    with privsearch.open_index(copy) as ix:
        assert ix.graph().to_rows()["links"] == expected


# -- command line and API --------------------------------------------------------------------


def test_related_json_and_table(dhs_index: Path) -> None:
    args = ("DHS/CBP/PIA-007(f)", "--index", str(dhs_index), "--json")
    data = json.loads(run("related", *args).stdout)
    assert data["id"] == "DHS/CBP/PIA-007(f)" and data["total"] == 2
    assert [r["id"] for r in data["related"]["version_of"]] == ["DHS/CBP/PIA-007(d)"]
    assert [r["id"] for r in data["related"]["has_version"]] == ["DHS/CBP/PIA-007(h)"]
    table = run("related", "cbp/pia-007(f)", "--index", str(dhs_index)).stdout
    assert "Version of (1)\n  DHS/CBP/PIA-007(d)  Privacy Impact Assessment Update" in table


def test_related_lists_targets_not_in_the_index(dhs_index: Path) -> None:
    data = json.loads(run("related", "DHS/CBP-001", "--index", str(dhs_index), "--json").stdout)
    assert data["related"]["cites"] == [
        {"id": "80 FR 49256", "title": "", "date": None, "doc_type": "", "resolved": False,
         "text": "80\nFR 49256", "page": 1},
        {"id": "81 FR 14369", "title": "", "date": None, "doc_type": "", "resolved": False,
         "text": "81 FR 14369", "page": 2},
    ]  # fmt: skip
    assert "(not in the index)" in run("related", "DHS/CBP-001", "--index", str(dhs_index)).stdout


def test_related_unknown_id_is_one_line(dhs_index: Path) -> None:
    result = run("related", "DHS/NO/PIA-999", "--index", str(dhs_index), ok=False)
    assert result.exit_code == 1
    assert result.output == "Error: no record with id 'DHS/NO/PIA-999'\n"


def test_graph_exports_agree(dhs_index: Path) -> None:
    data = json.loads(run("graph", "--index", str(dhs_index)).stdout)
    rows = list(csv.DictReader(io.StringIO(run("graph", "--format", "csv", "--index",
                                               str(dhs_index)).stdout)))  # fmt: skip
    dot = run("graph", "--format", "dot", "--index", str(dhs_index)).stdout
    assert len(rows) == len(data["links"]) == dot.count(" -> ")
    assert {"kind": "version_of", "source": "DHS/CBP/PIA-007(f)", "target": "DHS/CBP/PIA-007(d)",
            "resolved": True, "text": "", "page": 0} in data["links"]  # fmt: skip
    assert '"DHS/CBP/PIA-007(f)" -> "DHS/CBP/PIA-007(d)" [label=version_of];' in dot
    assert dot.startswith("digraph privsearch {") and dot.rstrip().endswith("}")


@pytest.fixture(scope="module")
def client(dhs_index: Path):
    with TestClient(create_app(dhs_index, rate_limit=0)) as test_client:
        yield test_client


def test_api_related_answers_as_the_command_line(client, dhs_index: Path) -> None:
    for record_id in ("DHS/CBP/PIA-007(f)", "DHS/CBP-001", WATCHLIST[1]):
        response = client.get(f"/api/documents/{record_id}/related")
        assert response.status_code == 200
        cli_json = json.loads(run("related", record_id, "--index", str(dhs_index), "--json").stdout)
        assert response.json() == cli_json


def test_api_related_unknown_id_is_a_404_error(client) -> None:
    response = client.get("/api/documents/DHS/NO/PIA-999/related")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error": "no record with id 'DHS/NO/PIA-999'",
                               "status": 404}  # fmt: skip


def test_api_related_is_described_and_the_document_keeps_its_route(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/documents/{record_id}/related" in paths
    document = client.get("/api/documents/DHS/CBP-001").json()
    assert document["id"] == "DHS/CBP-001"
    assert [r["target"] for r in document["references"]] == ["80 FR 49256", "81 FR 14369"]


# -- oversight checks ------------------------------------------------------------------------


def test_checks_find_each_kind_of_problem_by_construction() -> None:
    from privsearch.graph import check_graph
    from privsearch.models import Reference

    def cites(*sorns: str) -> tuple[Reference, ...]:
        return tuple(Reference("cites_sorn", s, s, 1) for s in sorns)

    entries = [
        # an old family (base 2015, (a) 2016) covered by a SORN republished in 2020
        Entry(Node("DHS/TSA/PIA-901", "Alpha", "PIA", date="2015-01-01"), cites("DHS/TSA-901")),
        Entry(Node("DHS/TSA/PIA-901(a)", "Alpha", "PIA Update", date="2016-01-01")),
        Entry(Node("DHS/TSA-901", "Alpha SORN", "SORN", date="2020-05-01")),
        # a recent PIA covered by a SORN that is not indexed and one a newer SORN supersedes
        Entry(
            Node("DHS/TSA/PIA-902", "Beta", "PIA", date="2025-01-01"),
            cites("DHS/TSA-404", "DHS/TSA-902"),
        ),  # fmt: skip
        Entry(Node("DHS/TSA-902", "Beta SORN", "SORN", date="2019-01-01")),
        Entry(
            Node("DHS/TSA-903", "Gamma SORN", "SORN", date="2024-01-01"),
            (Reference("supersedes", "DHS/TSA-902", "DHS/TSA-902", 1),),
        ),
    ]
    rows = check_graph(build_graph(entries), today="2026-01-01", older_than_years=3)
    found = {(r["check"], r["id"], r["other"]) for r in rows}
    assert found == {
        ("sorn_not_in_index", "DHS/TSA/PIA-902", "DHS/TSA-404"),
        ("sorn_superseded", "DHS/TSA/PIA-902", "DHS/TSA-902"),
        ("sorn_not_cited", "DHS/TSA-903", ""),
        ("pia_not_updated", "DHS/TSA/PIA-901(a)", ""),
        ("pia_older_than_sorn", "DHS/TSA/PIA-901(a)", "DHS/TSA-901"),
    }


def test_check_command_on_the_shared_corpus(dhs_index: Path) -> None:
    def findings(*args: str) -> list[dict]:
        return json.loads(run("check", "--index", str(dhs_index), "--json", *args).stdout)

    old = {(r["check"], r["id"]) for r in findings("--older-than", "1")}
    # the ESTA family's newest version, of June 2023, reported once for the family
    assert ("pia_not_updated", "DHS/CBP/PIA-007(h)") in old
    assert not any(i in {"DHS/CBP/PIA-007(d)", "DHS/CBP/PIA-007(f)", ESTA[0]} for _, i in old)
    assert ("pia_not_updated", "DHS/CBP/PIA-007(h)") not in {
        (r["check"], r["id"]) for r in findings("--older-than", "50")
    }
    assert ("sorn_not_cited", "DHS/ALL-004") in old
    rows = list(
        csv.DictReader(io.StringIO(run("check", "--index", str(dhs_index), "--csv").stdout))
    )
    assert rows and set(rows[0]) == {"check", "id", "title", "date", "other", "detail"}
    table = run("check", "--index", str(dhs_index), "--older-than", "1").stdout
    assert "SORN no PIA in the index names:" in table and "DHS/CBP/PIA-007(h)" in table
    both = run("check", "--index", str(dhs_index), "--json", "--csv", ok=False)
    assert both.exit_code == 2 and both.output.strip() == "Error: choose one of --json and --csv"


def test_benchmark_scores_the_tuning_part_per_kind() -> None:
    from benchmarks.links import quality
    from tests.conftest import SHARED, require_shared

    require_shared()
    result = quality(SHARED / "corpus")
    tuning = result["tuning"]
    assert tuning["documents"] == 176 and set(tuning["by_kind"]) == {
        "cites_sorn", "cites_pia", "cites_fr", "exemption_rule_for", "supersedes", "version_of",
    }  # fmt: skip
    assert tuning["overall"]["tp"] + tuning["overall"]["fn"] == 82  # every labelled link
    assert tuning["overall"]["precision"] >= 0.9 and tuning["overall"]["recall"] >= 0.95
    for part in ("held_out", "held_out_2", "held_out_all"):
        assert set(result[part]) == {"documents", "overall"}  # totals only
    second = result["held_out_2"]["overall"]
    assert result["held_out_2"]["documents"] == 40 and second["tp"] + second["fn"] == 22
    both = result["held_out_all"]
    assert both["documents"] == result["held_out"]["documents"] + 40
