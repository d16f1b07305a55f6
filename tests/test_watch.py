"""Saved searches (`privsearch watch`) on a copy of the shared DHS corpus, changed between two
indexing runs: which new or changed documents each saved search reports is known by
construction (the documents added, the pages altered)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import privsearch
from privsearch.cli import cli
from privsearch.fetch import FetchReport
from privsearch.index import IndexReport
from privsearch.update import UpdateReport
from tests.conftest import DHS, require_shared

# Two new documents in a manifest of their own: one about facial recognition (CBP), one not
# (FEMA); and a sentence added to two publication pages: one that "facial recognition" finds
# (ICE/PIA-054), one that it does not (USCG-017).
NEW_DOCUMENTS = [
    {
        "id": "DHS/CBP/PIA-099", "component": "CBP", "doc_type": "PIA", "date": "2026-11-30",
        "title": "Privacy Impact Assessment for Facial Recognition at Land Ports of Entry",
        "text": "CBP compares travelers' photographs using facial recognition at land ports.",
    },
    {
        "id": "DHS/FEMA/PIA-098", "component": "FEMA", "doc_type": "PIA", "date": "2026-11-29",
        "title": "Privacy Impact Assessment for Flood Claims Intake",
        "text": "FEMA collects the names and addresses of flood insurance claimants.",
    },
]  # fmt: skip
LATER_DOCUMENT = {
    "id": "DHS/TSA/PIA-097", "component": "TSA", "doc_type": "PIA", "date": "2026-12-02",
    "title": "Privacy Impact Assessment for Facial Recognition at Security Checkpoints",
    "text": "TSA matches travelers' faces with facial recognition at checkpoints.",
}  # fmt: skip
ICE_PAGE = "pages/dhs-ice-pia-054.html"
USCG_PAGE = "pages/dhs-uscg-017.html"


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def write_manifest(path: Path, documents: list[dict]) -> None:
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")


def add_sentence(page: Path, sentence: str) -> None:
    html = page.read_text(encoding="utf-8")
    assert html.count("</p>") >= 1
    page.write_text(html.replace("</p>", f" {sentence}</p>", 1), encoding="utf-8")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Index a copy of the corpus, save three searches, change the corpus, index it again
    (--json), check twice, then add one more document and index it again (the summary)."""
    require_shared()
    root = tmp_path_factory.mktemp("watched")
    corpus, index = root / "dhs", str(root / "index")
    shutil.copytree(DHS, corpus)
    for path in corpus.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # the shared copy is read-only
    run("index", str(corpus), "--index", index)
    saved = [
        run("watch", "add", "facial", "recognition", "--index", index).output,
        run("watch", "add", "--component", "FEMA", "--type", "PIA", "--index", index).output,
        run("watch", "add", "flood insurance", "--component", "CBP", "--name", "cbp-flood",
            "--index", index).output,
    ]  # fmt: skip
    write_manifest(corpus / "new.jsonl", NEW_DOCUMENTS)
    add_sentence(corpus / ICE_PAGE, "The vendors were reviewed again in 2026.")
    add_sentence(corpus / USCG_PAGE, "The Coast Guard keeps these claims for seven years.")
    second = json.loads(run("index", str(corpus), "--index", index, "--json").output)
    first_check = json.loads(run("watch", "check", "--index", index, "--json").output)
    second_check = run("watch", "check", "--index", index).output
    write_manifest(corpus / "later.jsonl", [LATER_DOCUMENT])
    third = run("index", str(corpus), "--index", index).output
    third_check = json.loads(run("watch", "check", "--index", index, "--json").output)
    with privsearch.open_index(index) as ix:
        facial = {(r.id, r.source) for r in ix.records(query="facial recognition")}
    return {
        "corpus": corpus, "index": index, "saved": saved, "second": second,
        "first_check": first_check, "second_check": second_check, "third": third,
        "third_check": third_check, "facial": facial,
    }  # fmt: skip


def ids(matches: dict) -> list[tuple[str, str]]:
    return [(d["change"], d["id"]) for d in matches["documents"]]


def by_name(found: list[dict]) -> dict[str, dict]:
    return {m["name"]: m for m in found}


def test_add_prints_each_saved_search_number_and_name(scenario):
    assert scenario["saved"] == [
        'Saved search #1 facial-recognition: "facial recognition"\n',
        "Saved search #2 fema-pia: component=FEMA type=PIA\n",
        'Saved search #3 cbp-flood: "flood insurance" component=CBP\n',
    ]


def test_the_index_run_reports_the_new_and_changed_documents_each_search_matches(scenario):
    changes = scenario["second"]
    # The run re-read the manifest and the two pages, and nothing else.
    assert changes["sources_read"] == 3
    watched = by_name(changes["watches"])
    assert set(watched) == {"facial-recognition", "fema-pia"}  # cbp-flood matches none
    assert ids(watched["facial-recognition"]) == [
        ("new", "DHS/CBP/PIA-099"),
        ("changed", "DHS/ICE/PIA-054"),
    ]
    assert ids(watched["fema-pia"]) == [("new", "DHS/FEMA/PIA-098")]
    document = watched["facial-recognition"]["documents"][0]
    assert document["title"] == NEW_DOCUMENTS[0]["title"]
    assert document["date"] == "2026-11-30" and document["component"] == "CBP"


def test_a_changed_document_the_search_does_not_find_is_not_reported(scenario):
    uscg = [s for (i, s) in scenario["facial"] if i == "DHS/USCG-017"]
    assert uscg == []  # "facial recognition" does not find the altered Coast Guard notice
    reported = [d["id"] for m in scenario["second"]["watches"] for d in m["documents"]]
    assert "DHS/USCG-017" not in reported
    assert "DHS/FEMA/PIA-098" not in [d["id"] for d in by_name(scenario["second"]["watches"])[
        "facial-recognition"]["documents"]]  # fmt: skip


def test_check_lists_what_is_new_since_the_last_check_then_nothing(scenario):
    first = by_name(scenario["first_check"])
    assert ids(first["facial-recognition"]) == [
        ("new", "DHS/CBP/PIA-099"),
        ("changed", "DHS/ICE/PIA-054"),
    ]
    assert ids(first["fema-pia"]) == [("new", "DHS/FEMA/PIA-098")]
    assert ids(first["cbp-flood"]) == []
    assert scenario["second_check"] == (
        '#1 facial-recognition ("facial recognition"): nothing new\n'
        "#2 fema-pia (component=FEMA type=PIA): nothing new\n"
        '#3 cbp-flood ("flood insurance" component=CBP): nothing new\n'
    )


def test_a_later_run_reports_only_its_own_documents(scenario):
    assert (
        "1 saved search(es) match new or changed documents:\n"
        '  #1 facial-recognition ("facial recognition"): 1 new or changed\n'
        "    new      2026-12-02  DHS/TSA/PIA-097  "
        "Privacy Impact Assessment for Facial Recognition at Security Checkpoints\n"
    ) in scenario["third"]
    third = by_name(scenario["third_check"])
    assert ids(third["facial-recognition"]) == [("new", "DHS/TSA/PIA-097")]
    assert ids(third["fema-pia"]) == [] and ids(third["cbp-flood"]) == []


def test_checked_runs_are_not_kept(scenario):
    stored = json.loads((Path(scenario["index"]) / "watches.json").read_text())
    assert stored["runs"] == []  # every saved search has seen every run
    assert [w["seen"] for w in stored["watches"]] == [stored["last_run"]] * 3


def test_update_reports_the_matches_beside_the_changes():
    watched = [{"number": 1, "name": "face", "documents": [{"id": "DHS/CBP/PIA-099"}]}]
    report = UpdateReport(FetchReport(mirror="m"), IndexReport(index_dir="i", watches=watched))
    data = report.to_dict()
    assert data["watches"] == watched and "watches" not in data["index"]


def test_update_lists_the_saved_searches_a_new_publication_matches(tmp_path):
    from tests.test_fetch import REPLICA, _publish, _serve

    replica = tmp_path / "replica"
    shutil.copytree(REPLICA, replica)
    listed = _publish(
        replica, "dhs-test-new-pia", "Privacy Impact Assessment for the Quantum Widget"
    )
    for server in _serve(replica):
        index = str(tmp_path / "index")
        args = ["update", "--mirror", str(tmp_path / "mirror"), "--index", index]
        args += ["--dhs-url", server.url, "--federal-register-url", server.url, "--delay", "0"]
        run(*args)
        run("watch", "add", "fingerprints", "--name", "prints", "--index", index)
        run("watch", "add", "quantum", "--type", "SORN", "--index", index)
        listed()  # the listing now names the new publication, which collects fingerprints
        data = json.loads(run(*args, "--json").output)
        assert [c["title"] for c in data["changes"]] == [
            "Privacy Impact Assessment for the Quantum Widget"
        ]
        assert [(m["name"], ids(m)) for m in data["watches"]] == [
            ("prints", [("new", data["changes"][0]["id"])])
        ]  # the other saved search wants SORNs only
        assert "watches" not in data["index"]


# -- managing saved searches, and errors --------------------------------------------------------


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of a few publication pages of the corpus."""
    require_shared()
    corpus = tmp_path_factory.mktemp("small-corpus")
    for name in ("dhs-ice-pia-054.html", "dhs-uscg-017.html", "dhs-tsa-pia-046.html"):
        shutil.copy(DHS / "pages" / name, corpus / name)
    index = tmp_path_factory.mktemp("small-index")
    privsearch.build_index([corpus], index)
    return index


@pytest.fixture
def index(small_index: Path, tmp_path: Path) -> str:
    """A copy of the small index, for one test's saved searches."""
    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    return str(copy)


def test_list_and_remove_by_name_or_number(index):
    run("watch", "add", "facial recognition", "--index", index)
    run("watch", "add", "facial recognition", "--component", "TSA", "--index", index)
    run("watch", "add", "coast guard", "--name", "uscg", "--index", index)
    listed = json.loads(run("watch", "list", "--json", "--index", index).output)
    assert [(w["number"], w["name"]) for w in listed] == [
        (1, "facial-recognition"), (2, "facial-recognition-2"), (3, "uscg"),
    ]  # fmt: skip
    assert listed[1]["filters"] == {"component": ["TSA"]}
    table = run("watch", "list", "--index", index).output.splitlines()
    assert table[0].split() == ["number", "name", "search", "saved"]
    assert table[2].split()[:4] == ["#2", "facial-recognition-2", '"facial', 'recognition"']
    checked = json.loads(run("watch", "check", "uscg", "--json", "--index", index).output)
    assert [(m["name"], m["documents"]) for m in checked] == [("uscg", [])]
    unknown = run("watch", "check", "nope", "--index", index, ok=False)
    assert unknown.exit_code == 2 and unknown.stderr.startswith("Error: no saved search is named")
    assert run("watch", "remove", "uscg", "--index", index).output == (
        "Removed saved search #3 uscg.\n"
    )
    assert run("watch", "remove", "#1", "--index", index).output == (
        "Removed saved search #1 facial-recognition.\n"
    )
    left = json.loads(run("watch", "list", "--json", "--index", index).output)
    assert [w["name"] for w in left] == ["facial-recognition-2"]
    missing = run("watch", "remove", "nope", "--index", index, ok=False)
    assert missing.exit_code == 2
    assert missing.stderr == (
        "Error: no saved search is named 'nope' (saved: #2 facial-recognition-2)\n"
    )


def test_a_bad_query_is_one_line_and_status_2_and_saves_nothing(index):
    result = run("watch", "add", '"facial recognition', "--index", index, ok=False)
    assert result.exit_code == 2
    assert result.stderr == (
        'Error: unbalanced quote at character 1. Close the phrase with a second " or remove '
        "the quote\n"
    )
    bad_filter = run("watch", "add", "privacy", "--component", "NOPE", "--index", index, ok=False)
    assert bad_filter.exit_code == 2 and "unknown component 'NOPE'" in bad_filter.stderr
    nothing = run("watch", "add", "--index", index, ok=False)
    assert nothing.exit_code == 2
    assert nothing.stderr == "Error: a saved search needs words or at least one filter\n"
    taken = run("watch", "add", "privacy", "--name", "p", "--index", index)
    assert taken.exit_code == 0
    again = run("watch", "add", "biometrics", "--name", "p", "--index", index, ok=False)
    assert again.exit_code == 2 and again.stderr == "Error: a saved search is named 'p' already\n"
    assert [w.name for w in privsearch.list_watches(Path(index))] == ["p"]


def test_a_corrupt_file_is_one_line_status_2_and_left_as_it_is(index, tmp_path):
    path = Path(index) / "watches.json"
    path.write_text('{"format": 1, "watches": [', encoding="utf-8")
    for args in (["list"], ["check"], ["add", "privacy"], ["remove", "1"]):
        result = run("watch", *args, "--index", index, ok=False)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"Error: the saved searches in {path} are not readable")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert path.read_text(encoding="utf-8") == '{"format": 1, "watches": ['


def test_an_index_run_with_a_corrupt_file_warns_and_keeps_it(index, tmp_path):
    require_shared()
    path = Path(index) / "watches.json"
    path.write_text("not json", encoding="utf-8")
    pages = tmp_path / "more"
    pages.mkdir()
    shutil.copy(DHS / "pages" / "dhs-ice-pia-055.html", pages)
    report = json.loads(run("index", str(pages), "--index", index, "--json").output)
    assert report["records_added"] == 1 and report["watches"] == []
    assert any("saved searches" in w and "not readable" in w for w in report["warnings"])
    assert path.read_text(encoding="utf-8") == "not json"


def test_no_saved_searches_no_file(index, tmp_path):
    require_shared()
    pages = tmp_path / "more"
    pages.mkdir()
    shutil.copy(DHS / "pages" / "dhs-ice-pia-055.html", pages)
    report = privsearch.build_index([pages], Path(index))
    assert report.records_added == 1 and report.watches == []
    assert not (Path(index) / "watches.json").exists()
    assert run("watch", "check", "--index", index).output.startswith("No saved searches.")
    assert not (Path(index) / "watches.json").exists()
