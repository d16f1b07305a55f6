"""What changed between two versions: `privsearch.diff` on real families of the shared corpus
and on documents whose changes are known by construction, the `diff` command and the API.

The texts asserted on were read in the two documents of each pair (their pages as the shared
corpus's records hold them): the ESTA PIA updates DHS/CBP/PIA-007(d), (f) and (h), the
Watchlist Service PIA of July 2010, its update of September 2010 and DHS/ALL-027(b), and the
two publications of the SORN DHS/ALL-004.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

import privsearch
from privsearch.cli import cli
from privsearch.diff import comparison_key, diff_documents, diff_records, previous_version
from privsearch.http import create_app
from privsearch.models import Page, Record, Section
from privsearch.structure import structure

ESTA_D, ESTA_F, ESTA_H = "DHS/CBP/PIA-007(d)", "DHS/CBP/PIA-007(f)", "DHS/CBP/PIA-007(h)"
ESTA_2008 = "cbp-esta-pia-2008-06-02"
WATCHLIST_2010 = "dhs-watchlist-service-pia-2010-07-14"
WATCHLIST_UPDATE = "dhs-watchlist-service-pia-update-2010-09-07"
SUMMARY_LINE = re.compile(
    r"\d+ sections? changed, \d+ paragraphs? added, \d+ removed, \d+ changed"
)  # fmt: skip


def paragraphs(changes: privsearch.DocumentDiff, change: str, key: str | None = None) -> list:
    return [
        p
        for section in changes.sections
        if key is None or section.key == key
        for p in section.paragraphs
        if p.change == change
    ]


def section(changes: privsearch.DocumentDiff, key: str):
    return next(s for s in changes.sections if s.key == key)


# -- real versions ------------------------------------------------------------------------------


def test_the_esta_update_of_2016_against_the_one_before(dhs):
    changes = diff_documents(dhs, ESTA_F)
    assert (changes.other.id, changes.other.date) == (ESTA_D, "2014-11-03")
    assert changes.by_section
    abstract = section(changes, "abstract")
    assert (abstract.change, abstract.page, abstract.other_page) == ("changed", 2, 2)
    [changed] = abstract.paragraphs
    assert changed.change == "changed" and (changed.page, changed.other_page) == (2, 2)
    # 2014: "last updated on June 5, 2013, to provide notice of changes to the ESTA application
    # questionnaire"; 2016: "last updated on February 17, 2016, to provide notice and privacy
    # risk assessment ... who have traveled to Somalia, Libya, and Yemen"
    assert "June 5, 2013," in changed.words_removed
    assert "February 17, 2016," in changed.words_added
    assert any("Somalia, Libya," in words for words in changed.words_added)
    assert "and privacy risk assessment" in changed.words_added
    # Overview: "section 711 requires DHS" became "section 711 required CBP", "biographical"
    # became "biographic"
    overview = [p for p in section(changes, "overview").paragraphs if p.change == "changed"]
    assert "requires DHS" in overview[0].words_removed
    assert "required CBP" in overview[0].words_added
    assert ("biographical", "biographic") in zip(
        overview[0].words_removed, overview[0].words_added, strict=False
    )
    # the 2014 text goes on to a paragraph the 2016 one does not have
    removed = [p.other_text for p in paragraphs(changes, "removed", "overview")]
    assert removed == [
        "ESTA is a web-based system that DHS/CBP developed in 2008 to determine the eli"
    ]


def test_words_outside_the_changes_are_kept_in_order(dhs):
    changed = section(diff_documents(dhs, ESTA_F), "abstract").paragraphs[0]
    rebuilt_new = " ".join(text for op, text in changed.segments if op != "removed")
    rebuilt_old = " ".join(text for op, text in changed.segments if op != "added")
    assert rebuilt_new == changed.text and rebuilt_old == changed.other_text


def test_the_watchlist_service_update_names_its_new_recipients(dhs):
    # neither document has headings the extractor knows: they are compared as wholes
    changes = diff_documents(dhs, WATCHLIST_UPDATE, WATCHLIST_2010)
    assert not changes.by_section
    assert [s.key for s in changes.sections] == ["document"]
    changed = paragraphs(changes, "changed")
    added = " ".join(w for p in changed for w in p.words_added)
    removed = " ".join(w for p in changed for w in p.words_removed)
    assert (
        "DHS is issuing this privacy impact assessment update to identify two additional" in added
    )
    assert "TSC remains the authoritative source of watchlist data" in removed
    assert "John Kropf Deputy" in added and "Mary Ellen Callahan" in removed
    official = next(p for p in changed if p.text.startswith("Reviewing Official"))
    assert (official.page, official.other_page) == (1, 1)


def new_words(changes: privsearch.DocumentDiff) -> str:
    """Everything the document has and the other has not: added paragraphs and words."""
    added = [p.text for p in paragraphs(changes, "added")]
    return " ".join(added + [w for p in paragraphs(changes, "changed") for w in p.words_added])


def old_words(changes: privsearch.DocumentDiff) -> str:
    removed = [p.other_text for p in paragraphs(changes, "removed")]
    return " ".join(removed + [w for p in paragraphs(changes, "changed") for w in p.words_removed])


def test_the_next_watchlist_update_has_a_new_contact_line(dhs):
    changes = diff_documents(dhs, "DHS/ALL-027(b)", WATCHLIST_UPDATE)
    assert not changes.by_section  # DHS/ALL-027(b) has an Abstract, the other no section
    assert (
        "Contact Point Justin Matthes Director, Information Screening Policy Screening "
        "Coordination Office"
    ) in new_words(changes)
    assert "Contact Point Justin Matthes Director, Transborder" in old_words(changes)
    assert "Screening Initiatives Screening Coordination Office" in old_words(changes)
    added = [p.text for p in paragraphs(changes, "added")]
    removed = [p.other_text for p in paragraphs(changes, "removed")]
    assert "July 19, 2011" in added and "September 7, 2010" in removed


def test_a_republished_sorn_is_compared_with_its_earlier_publication(dhs):
    changes = diff_documents(dhs, "DHS/ALL-004")
    assert (changes.record.date, changes.other.date) == ("2012-11-27", "2009-09-29")
    agency = section(changes, "agency")
    assert [p.other_text for p in agency.paragraphs if p.change == "removed"] == [
        "AGENCY: Privacy Office; DHS."
    ]
    assert [p.text for p in agency.paragraphs if p.change == "added"] == [
        "AGENCY: Privacy Office, Department of Homeland Security."
    ]
    action = section(changes, "action").paragraphs[0]
    assert (action.words_removed, action.words_added) == (
        ["system", "records"],
        ["System", "Records"],
    )


def test_a_document_compared_with_itself_has_no_change(dhs):
    changes = diff_documents(dhs, ESTA_F, ESTA_F)
    assert changes.sections == ()
    assert changes.summary == {
        "sections_changed": 0,
        "sections_unchanged": 3,
        "paragraphs_added": 0,
        "paragraphs_removed": 0,
        "paragraphs_changed": 0,
    }
    assert changes.unchanged == ("Before the first section", "Abstract", "Overview")


@pytest.mark.parametrize(
    "pair", [(ESTA_F, ESTA_D), (ESTA_H, ESTA_F), (WATCHLIST_UPDATE, WATCHLIST_2010)]
)
def test_swapping_the_documents_swaps_added_and_removed(dhs, pair):
    forward = diff_documents(dhs, pair[0], pair[1])
    backward = diff_documents(dhs, pair[1], pair[0])
    assert sorted(p.text for p in paragraphs(forward, "added")) == sorted(
        p.other_text for p in paragraphs(backward, "removed")
    )
    assert sorted(p.other_text for p in paragraphs(forward, "removed")) == sorted(
        p.text for p in paragraphs(backward, "added")
    )
    assert sorted((p.text, p.other_text) for p in paragraphs(forward, "changed")) == sorted(
        (p.other_text, p.text) for p in paragraphs(backward, "changed")
    )
    for p in paragraphs(forward, "changed"):
        twin = next(q for q in paragraphs(backward, "changed") if q.other_text == p.text)
        assert (p.words_added, p.words_removed) == (twin.words_removed, twin.words_added)
    assert forward.summary["paragraphs_added"] == backward.summary["paragraphs_removed"]


# -- which version is the previous one ------------------------------------------------------------


def test_the_previous_version_is_the_latest_earlier_edition(dhs):
    assert diff_documents(dhs, ESTA_H).other.id == ESTA_F
    # two publications share the id DHS/CBP/PIA-007(d): the newest is compared with the other
    newest = diff_documents(dhs, ESTA_D)
    assert (newest.record.date, newest.other.id, newest.other.date) == (
        "2014-11-03", ESTA_D, "2014-09-11",
    )  # fmt: skip
    picked = diff_documents(dhs, f"{ESTA_F}", f"{ESTA_D}@2014-09-11")
    assert picked.other.date == "2014-09-11"


def test_an_edition_with_no_text_is_not_a_previous_version(dhs):
    # DHS/CBP/PIA-030 (2018) has only its listing entry; (d) and (c) have text
    record = dhs.get("DHS/CBP/PIA-030(d)")
    assert previous_version(dhs, record).id == "DHS/CBP/PIA-030(c)"
    assert previous_version(dhs, dhs.get("DHS/CBP/PIA-030(c)")) is None


def test_an_earlier_version_without_a_reference_number_is_found_by_the_links(dhs):
    # The 2008 ESTA PIA was published without an id; the graph of links joins it by its title.
    assert diff_documents(dhs, f"{ESTA_D}@2014-09-11").other.id == ESTA_2008
    assert diff_documents(dhs, "DHS/ALL-027(b)").other.id == WATCHLIST_UPDATE


def test_a_first_version_has_no_previous_one(dhs):
    with pytest.raises(privsearch.NoEarlierVersionError, match=f"{ESTA_2008} has no earlier"):
        diff_documents(dhs, ESTA_2008)
    with pytest.raises(privsearch.RecordNotFoundError, match="dated 2015-01-01"):
        diff_documents(dhs, f"{ESTA_D}@2015-01-01")
    with pytest.raises(privsearch.NotComparableError, match="has no text to compare"):
        diff_documents(dhs, "DHS/CBP/PIA-052(a)")


# -- reflowed text, by construction -----------------------------------------------------------

PARAGRAPHS = [
    "Abstract",
    "The Electronic System for Travel Authorization (ESTA) is a web-based application and "
    "screening system used to determine whether certain foreign nationals are eligible to "
    "travel to the United States under the Visa Waiver Program.",
    "Overview",
    "In the wake of the terrorist attack on the Nation on September 11, 2001, Congress enacted "
    "the Implementing Recommendations of the 9/11 Commission Act of 2007. Section 711 of that "
    "Act sought to address the security vulnerabilities associated with Visa Waiver Program "
    "travelers who are not subject to the same degree of screening as other visitors.",
    "ESTA is a web-based system that CBP developed in 2008 to determine the eligibility of "
    "visitors to travel to the United States under the Visa Waiver Program.",
]


def wrapped(text: str, width: int, hyphenate: bool) -> list[str]:
    """`text` in lines of at most `width` characters; with `hyphenate`, a long word that does
    not fit is broken after the letters that do, as a word processor hyphenates."""
    lines, line = [], ""
    words = text.split()
    while words:
        word = words.pop(0)
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
            continue
        room = width - len(line) - 2  # a space and the hyphen
        if hyphenate and line and word.isalpha() and 3 <= room <= len(word) - 3:
            line, words = f"{line} {word[:room]}-", [word[room:], *words]
        elif line:
            words.insert(0, word)
        else:
            line = word
        lines.append(line)
        line = ""
    return [*lines, line] if line else lines


def laid_out(paragraphs: list[str], width: int, lines_a_page: int, hyphenate: bool) -> Record:
    """A PIA whose paragraphs are wrapped at `width` (a line's last word broken by a hyphen
    when `hyphenate`) and cut into pages of `lines_a_page` lines, with running headers."""
    lines = [line for paragraph in paragraphs for line in wrapped(paragraph, width, hyphenate)]
    chunks = [lines[i : i + lines_a_page] for i in range(0, len(lines), lines_a_page)]
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        head = ["Privacy Impact Assessment Update", "DHS/CBP/PIA-999 Example System"]
        pages.append(Page(n, "\n".join([*head, *chunk, f"Page {n}"])))
    record = Record("DHS/CBP/PIA-999", "Example", pages=tuple(pages), doc_type="PIA Update")
    return structure(record)


def test_reflowed_and_rehyphenated_text_is_no_change():
    narrow = laid_out(PARAGRAPHS, 60, 7, hyphenate=True)
    wide = laid_out(PARAGRAPHS, 95, 5, hyphenate=False)
    assert [s.key for s in narrow.sections] == ["abstract", "overview"]
    assert narrow.pages[0].text != wide.pages[0].text
    changes = diff_records(wide, narrow)
    assert changes.by_section and changes.sections == ()
    assert changes.summary["sections_unchanged"] == 2


def test_one_changed_sentence_is_one_changed_paragraph_with_its_words():
    edited = list(PARAGRAPHS)
    edited[3] = edited[3].replace("other visitors", "other international visitors")
    edited.append("ESTA now offers a mobile application.")
    changes = diff_records(laid_out(PARAGRAPHS, 95, 5, False), laid_out(edited, 60, 7, True))
    overview = section(changes, "overview")
    changed = [p for p in overview.paragraphs if p.change == "changed"]
    added = [p for p in overview.paragraphs if p.change == "added"]
    assert len(changed) == 1
    # broken "internatio-" "nal" across a line, a word the document has nowhere else
    assert [comparison_key(w) for w in changed[0].words_added] == ["international"]
    assert changed[0].words_removed == []
    assert [p.text for p in added] == ["ESTA now offers a mobile application."]
    assert changes.summary_line() == "1 section changed, 1 paragraph added, 0 removed, 1 changed"


WORDS = st.sampled_from(
    "privacy system records notice data retention biometric screening traveler agency "
    "information collection authority purpose routine uses categories individuals".split()
)


def tag(n: int) -> str:
    """Letters of their own for each n: "qb", "qc", ... (not digits: a running header's shape
    ignores numbers)."""
    letters = ""
    while n:
        n, digit = divmod(n, 26)
        letters = chr(ord("a") + digit) + letters
    return "q" + letters


def numbered(paragraphs: list[list[list[str]]]) -> list[str]:
    """Paragraphs of sentences, each sentence's words marked as its own (so that no two lines
    of the document are alike, as in real text: lines alike at the same edge of pages are
    taken for a running header)."""
    count = iter(range(1, 10_000))
    return [
        " ".join(_sentence(words, tag(next(count))) for words in sentences)
        for sentences in paragraphs
    ]


def _sentence(words: list[str], mark: str) -> str:
    return " ".join(f"{word}{mark}" for word in words).capitalize() + "."


TEXTS = st.lists(
    st.lists(st.lists(WORDS, min_size=3, max_size=14, unique=True), min_size=1, max_size=5),
    min_size=1,
    max_size=12,
).map(numbered)


@settings(max_examples=40, deadline=None)
@given(TEXTS, TEXTS, st.integers(40, 100), st.integers(40, 100), st.booleans())
def test_diff_properties_on_generated_documents(a, b, width_a, width_b, hyphenate):
    one = laid_out(a, width_a, 9, hyphenate=False)
    other = laid_out(b, width_b, 7, hyphenate=hyphenate)
    # the same paragraphs laid out again (other widths, pages, broken words) are no change
    assert diff_records(one, laid_out(a, width_b, 7, hyphenate=hyphenate)).sections == ()
    forward, backward = diff_records(one, other), diff_records(other, one)
    assert forward.summary["paragraphs_added"] == backward.summary["paragraphs_removed"]
    assert forward.summary["paragraphs_changed"] == backward.summary["paragraphs_changed"]
    for p in paragraphs(forward, "changed"):
        assert " ".join(t for op, t in p.segments if op != "removed") == p.text
        assert " ".join(t for op, t in p.segments if op != "added") == p.other_text
    if a == b:
        assert forward.sections == ()


def test_sections_on_one_side_are_added_or_removed_whole():
    base = laid_out(PARAGRAPHS, 95, 50, False)
    page = base.pages[0]
    cut = page.text.index("Overview")
    shorter = Record(
        base.id, base.title, pages=(Page(1, page.text[:cut].rstrip() + "\nPage 1"),),
        doc_type=base.doc_type,
        sections=(Section("abstract", "Abstract", 1, page.text.index("Abstract")),),
    )  # fmt: skip
    changes = diff_records(shorter, base)
    [overview] = changes.sections
    assert (overview.key, overview.change, overview.page, overview.other_page) == (
        "overview", "added", 1, None,
    )  # fmt: skip
    assert [p.text for p in overview.paragraphs] == ["Overview", *PARAGRAPHS[3:]]
    assert diff_records(base, shorter).sections[0].change == "removed"


def test_comparison_key_ignores_reflowing_only():
    assert comparison_key("web-\nbased  system") == comparison_key("web-based system")
    assert comparison_key("scree-\nning") == comparison_key("screening")
    assert comparison_key("CBP\u2019s") == comparison_key("CBP's")
    assert comparison_key("required CBP") != comparison_key("requires CBP")


# -- the command ------------------------------------------------------------------------------


def run(dhs_index: Path, *args: str, ok: bool = True):
    result = CliRunner().invoke(
        cli, ["diff", *args, "--index", str(dhs_index)], catch_exceptions=not ok
    )
    return result


def test_cli_prints_the_summary_then_each_section(dhs_index, dhs):
    result = run(dhs_index, ESTA_F)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert SUMMARY_LINE.fullmatch(lines[0])
    assert lines[0] == diff_documents(dhs, ESTA_F).summary_line()
    assert lines[1].startswith(f"+ {ESTA_F} (2016-06-09)")
    assert lines[2].startswith(f"- {ESTA_D} (2014-11-03)")
    assert "== Abstract (changed; p. 2, was p. 2) ==" in lines
    assert "[-requires DHS-] {+required CBP+}" in " ".join(result.output.split())
    assert "- was p. 2: ESTA is a web-based system that DHS/CBP developed in 2008" in result.output


def test_cli_json_is_the_structure(dhs_index, dhs):
    result = run(dhs_index, ESTA_F, ESTA_D, "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data == diff_documents(dhs, ESTA_F, ESTA_D).to_dict()
    assert data["other"]["id"] == ESTA_D and data["document"]["date"] == "2016-06-09"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["DHS/NONE/PIA-000"], "Error: no record with id 'DHS/NONE/PIA-000'"),
        ([ESTA_2008], f"Error: {ESTA_2008} has no earlier version in the index"),
        ([ESTA_F, "nothing-here"], "Error: no record with id 'nothing-here'"),
        (
            [ESTA_F, f"{ESTA_D}@14-9-11"],
            f"Error: '{ESTA_D}@14-9-11': a date after @ is written YYYY-MM-DD",
        ),
        (["DHS/CBP/PIA-052(a)"], "Error: DHS/CBP/PIA-052(a) (2021-07-01) has no text to compare"),
    ],
)
def test_cli_bad_ids_are_one_line_and_exit_2(dhs_index, args, message):
    result = run(dhs_index, *args)
    assert result.exit_code == 2
    assert result.output.strip() == message
    assert "Traceback" not in result.output


# -- the API ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(dhs_index: Path) -> TestClient:
    with TestClient(create_app(dhs_index, rate_limit=0)) as test_client:
        yield test_client


def assert_error(response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"ok": False, "error": message, "status": status}


def test_api_diff_is_the_cli_json(client, dhs_index):
    response = client.get(f"/api/documents/{ESTA_F}/diff")
    assert response.status_code == 200
    cli_json = json.loads(run(dhs_index, ESTA_F, "--json").output)
    assert response.json() == cli_json
    other = client.get(f"/api/documents/{ESTA_H}/diff", params={"other": f"{ESTA_D}@2014-09-11"})
    compared = other.json()["other"]
    assert (compared["id"], compared["date"], compared["pages"]) == (ESTA_D, "2014-09-11", 2)


def test_api_errors_are_json(client):
    assert_error(
        client.get(f"/api/documents/{ESTA_2008}/diff"),
        404,
        f"{ESTA_2008} has no earlier version in the index",
    )
    assert_error(
        client.get("/api/documents/DHS/NONE/PIA-000/diff"),
        404,
        "no record with id 'DHS/NONE/PIA-000'",
    )
    assert_error(
        client.get("/api/documents/DHS/CBP/PIA-052(a)/diff"),
        422,
        "DHS/CBP/PIA-052(a) (2021-07-01) has no text to compare",
    )
    assert_error(
        client.get(f"/api/documents/{ESTA_F}/diff", params={"other": "x@y"}),
        400,
        "'x@y': a date after @ is written YYYY-MM-DD",
    )
    assert (
        client.get(f"/api/documents/{ESTA_F}/diff", params={"other": "a" * 5000}).status_code == 400
    )


def test_api_never_shows_file_paths(client, dhs_index):
    body = client.get(f"/api/documents/{ESTA_F}/diff").text
    assert str(dhs_index) not in body and "/work/" not in body and ".pdf" not in body
    missing = client.get(f"/api/documents/{ESTA_F}/diff", params={"source": "standalone/none.pdf"})
    assert missing.status_code == 404 and "/work/" not in missing.text


def test_the_document_names_its_previous_version(client):
    data = client.get(f"/api/documents/{ESTA_H}").json()
    assert data["previous_version"]["id"] == ESTA_F
    assert data["previous_version"]["date"] == "2016-06-09"
    first = client.get(f"/api/documents/{ESTA_D}", params={"source": "manifest.jsonl"}).json()
    assert first["previous_version"]["date"] == "2014-09-11"
    assert client.get(f"/api/documents/{WATCHLIST_2010}").json()["previous_version"] is None
    # DHS/CBP/PIA-052(a) is a listing entry: an earlier version with text, but nothing to compare
    assert client.get("/api/documents/DHS/CBP/PIA-052(a)").json()["previous_version"] is None


def test_the_openapi_schema_has_the_diff(client):
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/documents/{record_id}/diff"]["get"]
    assert {"other", "source"} <= {p["name"] for p in operation["parameters"]}
    assert {"200", "404", "422"} <= set(operation["responses"])
    assert "DiffBody" in schema["components"]["schemas"]


def test_api_source_picks_one_of_the_publications_sharing_an_id(client):
    # DHS/CBP/PIA-007(d) was published twice: the manifest's row is the November 2014 one
    newer = client.get(f"/api/documents/{ESTA_D}/diff", params={"source": "manifest.jsonl"})
    assert newer.status_code == 200
    assert (newer.json()["document"]["date"], newer.json()["other"]["date"]) == (
        "2014-11-03", "2014-09-11",
    )  # fmt: skip
    september = (
        "standalone/privacy-impact-assessment-update-for-the-electronic-system-for-travel-"
        "authorizat.pdf"
    )
    assert client.get(f"/api/documents/{ESTA_D}", params={"source": september}).json()["date"] == (
        "2014-09-11"
    )
    # the September draft's previous version is the 2008 PIA, not the November publication
    draft = client.get(f"/api/documents/{ESTA_D}/diff", params={"source": september}).json()
    assert (draft["document"]["date"], draft["other"]["id"]) == ("2014-09-11", ESTA_2008)
