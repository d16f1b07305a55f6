"""Sections of PIAs, SORNs and Federal Register preambles: the shared corpus, generated
full-length documents, hand-written shapes of extracted text, and other agencies' real PIAs."""

from __future__ import annotations

import json
import sys

import pytest

import privsearch
from privsearch.models import Page, Record
from privsearch.structure.sections import SECTION_TITLES, find_sections, heading_rows, section_key

from .conftest import DHS, GOVERNMENT_PDFS, ROOT, require_shared

sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="module")
def corpus() -> dict[str, Record]:
    require_shared()
    return {record.id: record for record in privsearch.read_records([DHS])}


def _record(*pages: str, doc_type: str = "PIA") -> Record:
    return Record(
        id="DHS/TEST/PIA-001",
        title="Privacy Impact Assessment for the Test",
        doc_type=doc_type,
        pages=tuple(Page(n, text) for n, text in enumerate(pages, start=1)),
    )


def _shape(record: Record) -> list[tuple[str, int, str, int]]:
    return [(s.key, s.level, s.number, s.page) for s in find_sections(record)]


def _at(record: Record, section) -> str:
    page = next(p for p in record.pages if p.number == section.page)
    return page.text[section.offset :]


# -- the shared corpus: first pages of PIAs, Federal Register preambles of SORNs ----------------


def test_a_pia_has_its_abstract_and_overview_where_their_headings_are(corpus):
    record = corpus["DHS/USCIS/PIA-013-01"]
    sections = find_sections(record)
    assert [(s.key, s.page, s.title) for s in sections] == [
        ("abstract", 2, "Abstract"),
        ("overview", 2, "Overview"),
    ]
    page = record.pages[1].text
    assert [s.offset for s in sections] == [
        page.index("\nAbstract\n") + 1,
        page.index("\nOverview\n") + 1,
    ]


def test_a_sorn_preamble_gives_its_captions_in_order(corpus):
    record = corpus["DHS/ALL-004"]
    sections = find_sections(record)
    assert [(s.key, s.page) for s in sections] == [
        ("agency", 1),
        ("action", 1),
        ("summary", 1),
        ("dates", 2),
        ("addresses", 2),
    ]
    for section in sections:
        assert _at(record, section).startswith(section.title)


def test_captions_run_into_the_paragraph_before_are_found_where_they_are(corpus):
    # two-column Federal Register text: "... Department of Homeland Security. ACTION: Notice of
    # a modified system of records. AGENCY: In accordance with ..." (the captions as printed)
    record = corpus["DHS/ALL-016"]
    sections = find_sections(record)
    assert [s.key for s in sections[:2]] == ["action", "agency"]
    assert all(_at(record, s).startswith(s.title) for s in sections)
    first = record.pages[0].text
    assert first[sections[0].offset - 2 : sections[0].offset] == ". "


def test_every_section_of_the_corpus_starts_at_its_heading_in_document_order(corpus):
    seen = 0
    for record in corpus.values():
        sections = find_sections(record)
        order = [
            (
                record.pages.index(
                    next(
                        p
                        for p in record.pages
                        if p.number == s.page and p.attachment == s.attachment
                    )
                ),
                s.offset,
            )
            for s in sections
        ]
        assert order == sorted(order), record.id
        for section in sections:
            assert " ".join(_at(record, section).split()).startswith(section.title), record.id
            assert section.key in SECTION_TITLES
        seen += len(sections)
    assert seen > 500


def test_only_documents_with_a_template_get_sections(corpus):
    reports = [r for r in corpus.values() if r.doc_type in ("Report", "Policy", "PCR")]
    assert reports and not any(find_sections(r) for r in reports if "AGENCY:" not in r.body)
    assert find_sections(_record("Abstract\nThe program.", doc_type="Report")) == ()


def test_a_pia_without_a_recognised_heading_keeps_no_sections(corpus):
    # a title page straight into the text, no "Abstract" heading
    assert find_sections(corpus["DHS/CBP/PIA-010(a)"]) == ()


# -- generated full-length documents: the truth is known by construction ----------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[dict[str, Record], list[dict]]:
    require_shared()
    from benchmarks.generate import generate

    out = tmp_path_factory.mktemp("generated")
    generate(out, 24, 30000, seed=6)
    records = {r.id: r for r in privsearch.read_records([out])}
    truths = [json.loads(line) for line in (out / "structure.jsonl").read_text().splitlines()]
    return records, truths


def test_generated_documents_follow_their_templates(generated):
    records, truths = generated
    types = {t["doc_type"] for t in truths if t["sections"]}
    assert {"PIA", "SORN"} <= types
    for truth in truths:
        record = records[truth["reference"]]
        for section in truth["sections"]:
            page = record.pages[section["page"] - 1]
            assert page.text[section["offset"] :].startswith(section["heading"])


def test_generated_sections_are_found_exactly(generated):
    records, truths = generated
    checked = 0
    for truth in truths:
        if not truth["sections"]:
            continue
        found = find_sections(records[truth["reference"]])
        assert [(s.key, s.level, s.number, s.page, s.offset) for s in found] == [
            (t["key"], t["level"], t["number"], t["page"], t["offset"]) for t in truth["sections"]
        ], truth["slug"]
        checked += len(found)
    assert checked > 300


# -- hand-written shapes of extracted text ------------------------------------------------------

FURNITURE = "Privacy Impact Assessment\nDHS/TEST/PIA-001 Test Program\nPage {}\n"


def test_a_heading_split_over_two_lines_is_one_section():
    record = _record(
        FURNITURE.format(3)
        + "Section 2.0 Characterization of the\nInformation\nThe following questions define "
        "the scope.\n2.1 Identify the information the project collects.\nNames and dates of "
        "birth.\n"
    )
    assert _shape(record) == [("characterization", 1, "2.0", 1), ("characterization", 2, "2.1", 1)]
    assert find_sections(record)[0].title == "Section 2.0 Characterization of the"


def test_a_table_of_contents_is_not_the_sections():
    contents = (
        "Table of Contents\nAbstract ............................ 1\n"
        "Overview ........................... 1\n"
        "Section 1.0 Authorities and Other Requirements ........ 2\n"
        "1.1 What legal authorities apply? ........ 2\n"
        "Section 2.0 Characterization of the Information ........ 3\n"
    )
    plain_contents = (
        "Contents\nSection 1.0 Authorities and Other Requirements 2\n"
        "Section 2.0 Characterization of the Information 3\nSection 3.0 Uses of the Information 4\n"
    )
    body = (
        FURNITURE.format(1) + "Abstract\nThe program collects names.\nOverview\nIt runs a "
        "system.\nSection 1.0 Authorities and Other Requirements\n1.1 What legal authorities "
        "apply?\nThe Homeland Security Act.\n"
    )
    run_together = "Abstract Overview Section 1.0 Authorities and Other Requirements\n"
    record = _record(contents + run_together, plain_contents, body)
    assert _shape(record) == [
        ("abstract", 1, "", 3),
        ("overview", 1, "", 3),
        ("authorities", 1, "1.0", 3),
        ("authorities", 2, "1.1", 3),
    ]


def test_a_contents_page_of_the_corpus_is_no_section(corpus):
    # "INTRODUCTION SYSTEM OVERVIEW... 3" on the title page lists the parts
    (sevis,) = [r for r in corpus.values() if r.doc_type == "PIA" and "(SEVIS) Privacy" in r.title]
    assert [(s.key, s.page, s.title) for s in find_sections(sevis)] == [
        ("overview", 2, "Introduction")
    ]


def test_a_contents_page_does_not_hide_the_sections_after_it():
    contents = (
        "Contents\nSection 1.0 Authorities and Other Requirements ........ 2\n"
        "Section 2.0 Characterization of the Information ........ 3\n"
    )
    answer = "The Homeland Security Act of 2002 authorizes the collection. " * 60
    body = (
        "Abstract\nThe program.\nSection 1.0 Authorities and Other Requirements\n1.1 What "
        f"authorities apply?\n{answer}\nSection 6.0 Information Sharing ........ 14\n"
    )
    assert _shape(_record(contents, body)) == [
        ("abstract", 1, "", 2),
        ("authorities", 1, "1.0", 2),
        ("authorities", 2, "1.1", 2),
    ]


def test_a_heading_word_inside_a_sentence_is_no_heading():
    record = _record(
        "This assessment gives an overview of the program and its notice.\n"
        "Overview of the system follows in the next part of the abstract.\n"
        "the Abstract\nabstract\n"
        "Information Sharing\n"  # a sub-heading of a PIA's overview, not Section 6.0
        "Notice\n"  # only a PIA Update has its parts without numbers
        "In Section 5.0 retention is discussed.\n"
        "3.5 Million records were read in 2019.\n"  # a number, not a question of a part
    )
    assert _shape(record) == []


def test_run_in_headings_are_found_with_a_colon_or_a_capital_after_them():
    record = _record(
        "Page 1 Abstract The Department of Homeland Security operates the system.\n"
        "Overview: The system was built in 2010.\n"
        "for IFS. Overview Background IFS is an ICE-operated system.\n"  # a sub-heading after it
    )
    assert _shape(record) == [
        ("abstract", 1, "", 1),
        ("overview", 1, "", 1),
        ("overview", 1, "", 1),
    ]
    sorn = _record(
        "AGENCY: Privacy Office, DHS.\nACTION: Notice of a new system of records.\nSUMMARY: The "
        "Department proposes a system. This will be included in the inventory of record "
        "systems. DATES: Submit comments on or before May 13, 2010.\nFOR FURTHER\n"
        "INFORMATION CONTACT: Privacy Office.\n",
        doc_type="SORN",
    )
    assert [s.key for s in find_sections(sorn)] == [
        "agency",
        "action",
        "summary",
        "dates",
        "contact",
    ]


def test_sorn_captions_in_capitals_may_run_in_but_older_captions_must_start_a_line():
    sorn = _record(
        "SYSTEM NAME AND NUMBER: DHS/TEST-001 Test Records.\nSECURITY CLASSIFICATION: "
        "Unclassified. SYSTEM LOCATION: Records are kept at headquarters. Records are kept "
        "in the system. Storage: is not a caption here.\nRetention and disposal: Records are "
        "kept seven years.\n",
        doc_type="SORN",
    )
    assert [s.key for s in find_sections(sorn)] == [
        "system_name",
        "security_classification",
        "system_location",
        "retention",
    ]


def test_a_heading_at_the_foot_of_a_page_keeps_its_page_and_offset():
    first = (
        FURNITURE.format(4)
        + "The records are kept for seven years.\nSection 5.0 Data Retention by the Project"
    )
    second = (
        FURNITURE.format(5) + "5.1 Explain how long the information is retained.\nSeven years.\n"
    )
    record = _record(first, second)
    sections = find_sections(record)
    assert _shape(record) == [("retention", 1, "5.0", 1), ("retention", 2, "5.1", 2)]
    assert sections[0].offset == first.index("Section 5.0")
    assert sections[1].offset == second.index("5.1")


def test_questions_of_an_unknown_part_are_left_out():
    record = _record(
        "Section 9.0 Technology\n9.1 What type of project is the program?\nA web application.\n"
        "Section 10.0 Third Party Websites/Applications\n10.1 Has the System Owner reviewed the "
        "memoranda?\nYes.\n"
    )
    assert _shape(record) == [("technology", 1, "9.0", 1), ("technology", 2, "9.1", 1)]


def test_a_pia_update_has_its_parts_without_numbers():
    record = _record(
        "Reason for the PIA Update\nThe program adds a source.\nPrivacy Impact Analysis\n"
        "Authorities and Other Requirements\nNo changes.\nCharacterization of the Information\n"
        "New data.\nNotice\nNotice is given.\nData Retention by the project\nNo changes.\n",
        doc_type="PIA Update",
    )
    assert [s.key for s in find_sections(record)] == [
        "update_reason",
        "authorities",
        "characterization",
        "notice",
        "retention",
    ]


# -- the names users give sections --------------------------------------------------------------


def test_section_key_resolves_a_users_words():
    assert section_key("routine uses") == "routine_uses"
    assert section_key("Routine_Uses") == "routine_uses"
    assert section_key("ROUTINE USES") == "routine_uses"
    assert section_key("routine use") == "routine_uses"
    assert section_key("exemption") == "exemptions"
    assert section_key("retention") == "retention"
    assert section_key("Data Retention") == "retention"
    assert section_key("categories of records") == "categories_of_records"
    assert section_key("characterization of the information") == "characterization"
    assert section_key("categories") is None  # of records, or of individuals?
    assert section_key("weather") is None
    assert section_key("") is None
    assert section_key("authority") == "authority"  # the SORN's, not the PIA's "authorities"
    for key, title in SECTION_TITLES.items():
        assert section_key(key) == key and section_key(title) == key


def test_every_key_has_a_display_title_and_every_row_compiles():
    import re

    assert SECTION_TITLES["routine_uses"] == "Routine Uses"
    assert SECTION_TITLES["retention"] == "Data Retention"
    assert SECTION_TITLES["categories_of_records"] == "Categories of Records"
    for row in heading_rows():
        re.compile(row.pattern)
        assert row.level in (1, 2) and row.doc_types <= {"PIA", "PIA Update", "SORN", "FR"}
        assert row.key == "*" or (row.key in SECTION_TITLES and SECTION_TITLES[row.key])


# -- other agencies' real PIAs: whatever is recognised must be right ----------------------------


def _government(name: str) -> Record:
    require_shared()
    (record,) = privsearch.read_records([GOVERNMENT_PDFS / name])
    return record


def test_the_gsa_pia_in_the_current_template():
    record = _government("gsa-pia-afa-2017.pdf")
    sections = find_sections(record)
    parts = [(s.key, s.number, s.page) for s in sections if s.level == 1]
    assert parts == [
        ("abstract", "", 2),
        ("overview", "", 2),
        ("authorities", "1.0", 5),
        ("characterization", "2.0", 6),
        ("uses", "3.0", 8),
        ("notice", "4.0", 9),
        ("retention", "5.0", 9),
        ("sharing", "6.0", 10),
        ("redress", "7.0", 11),
        ("auditing", "8.0", 12),
    ]
    questions = [s.number for s in sections if s.level == 2]
    counts = {"1": 5, "2": 5, "3": 4, "4": 3, "5": 2, "6": 5, "7": 4, "8": 4}
    assert questions == [f"{part}.{n}" for part, k in counts.items() for n in range(1, k + 1)]
    for section in sections:
        assert " ".join(_at(record, section).split()).startswith(section.title)
        if section.level == 2:
            part = next(
                p for p in reversed(parts) if p[1].split(".")[0] == section.number.split(".")[0]
            )
            assert section.key == part[0]


def test_the_usda_pia_in_the_older_template():
    record = _government("usda-fs-epermits-pia-fy18.pdf")
    sections = find_sections(record)
    parts = [(s.key, s.title) for s in sections if s.level == 1]
    assert parts == [
        ("abstract", "Abstract"),
        ("overview", "Overview"),
        ("characterization", "Section 1.0 Characterization of the Information"),
        ("uses", "Section 2.0 Uses of the Information"),
        ("retention", "Section 3.0 Retention"),
        ("sharing", "Section 4.0 Internal Sharing and Disclosure"),
        ("sharing", "Section 5.0 External Sharing and Disclosure"),
        ("notice", "Section 6.0 Notice"),
        ("redress", "Section 7.0 Access, Redress and Correction"),
        ("auditing", "Section 8.0 Technical Access and Security"),
        ("technology", "Section 9.0 Technology"),
        ("responsible_officials", "Responsible Officials"),
        ("responsible_officials", "Approval Signature"),
    ]
    # the Overview's own "Information Sharing" sub-heading is no part, and Section 10.0 (Third
    # Party Websites) has no key, so neither it nor its questions become sections
    assert not any(s.number.startswith("10.") for s in sections)
    assert all(_at(record, s).startswith(s.title.split()[0]) for s in sections)
