"""Federal Register documents: the API's metadata plus the raw text, read into one document."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from privsearch.ingest.federal_register import (
    FederalRegisterDocument,
    looks_like_federal_register,
    read_federal_register,
)
from privsearch.ingest.metadata import DOC_TYPES

from .conftest import SHARED

SITE = SHARED / "site"
REPLICA = SITE / "replica"

GENERIC = "Privacy Act of 1974; System of Records"
ALL_047 = (
    "DHS/ALL-047 Records Related to DHS Personnel, Contractors, Volunteers, and Visitors "
    "During a Declared Public Health Emergency"
)
ALL_047_TEXT = f"""[Federal Register Volume 85, Number 186 (Thursday, September 24, 2020)]
[Notices]
[Pages 60184-60190]
From the Federal Register Online via the Government Publishing Office [www.gpo.gov]
[FR Doc No: 2020-21107]

DEPARTMENT OF HOMELAND SECURITY

[Docket No. DHS-2020-0032]

{GENERIC}

AGENCY: Department of Homeland Security.

ACTION: Notice of a new system of records.

SUMMARY: In accordance with the Privacy Act of 1974, the Department of Homeland Security (DHS)
proposes to establish a new DHS system of records titled, ``DHS/ALL-047 Records Related to DHS
Personnel, Contractors, Volunteers, and Visitors During a Declared Public Health Emergency
System of Records.'' This system of records covers records that are not covered by DHS/OIG-002.

SYSTEM NAME AND NUMBER:
{ALL_047}.
"""


def _meta(**fields: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "document_number": "2020-21107",
        "title": GENERIC,
        "type": "Notice",
        "abstract": None,
        "publication_date": "2020-09-24",
        "html_url": "https://www.federalregister.gov/d/2020-21107",
        "pdf_url": "https://www.govinfo.gov/content/pkg/FR-2020-09-24/pdf/2020-21107.pdf",
        "agencies": [{"raw_name": "DEPARTMENT OF HOMELAND SECURITY", "name": "Homeland Security"}],
        "docket_ids": ["DHS-2020-0032"],
        "action": None,
    }
    meta.update(fields)
    return meta


def test_a_generic_sorn_title_is_shown_as_the_system_it_names() -> None:
    doc = read_federal_register(_meta(), ALL_047_TEXT)
    assert doc.title.startswith(ALL_047)
    assert doc.notice_title == GENERIC
    assert (doc.reference, doc.component, doc.doc_type) == ("DHS/ALL-047", "ALL", "SORN")
    assert doc.date == "2020-09-24"
    assert doc.citation == "85 FR 60184"
    assert doc.action == "Notice of a new system of records."  # the text's ACTION: line
    assert doc.agencies == ("Homeland Security",)
    assert doc.docket_ids == ("DHS-2020-0032",)
    assert doc.text == ALL_047_TEXT  # kept as published


def test_the_system_name_section_names_the_system_when_the_summary_does_not() -> None:
    text = ALL_047_TEXT.replace("titled, ``", "called ``")
    doc = read_federal_register(_meta(), text)
    assert doc.title == ALL_047
    assert doc.reference == "DHS/ALL-047"


def test_the_abstract_stands_in_for_a_missing_text() -> None:
    abstract = (
        "In accordance with the Privacy Act of 1974, DHS proposes to modify a DHS system of "
        "records titled, ``Department of Homeland Security/U.S. Citizenship and Immigration "
        "Services (USCIS)-004 Systematic Alien Verification for Entitlements Program (SAVE).''"
    )
    doc = read_federal_register(_meta(abstract=f"  {abstract}\n", type="Notice"), "")
    assert (
        doc.title == "DHS/USCIS-004 Systematic Alien Verification for Entitlements Program (SAVE)"
    )
    assert (doc.reference, doc.component, doc.doc_type) == ("DHS/USCIS-004", "USCIS", "SORN")
    assert doc.abstract == abstract
    assert (doc.text, doc.citation, doc.action) == ("", "", "")


def test_the_api_fields_win_over_the_text() -> None:
    meta = _meta(citation="85 FR 60185", action="Notice of a modified system of records.")
    doc = read_federal_register(meta, ALL_047_TEXT)
    assert (doc.citation, doc.action) == ("85 FR 60185", "Notice of a modified system of records.")
    doc = read_federal_register(_meta(volume=85, start_page="60186"), ALL_047_TEXT)
    assert doc.citation == "85 FR 60186"


@pytest.mark.parametrize(
    ("header", "citation"),
    [
        ("[Federal Register: March 8, 2011 (Volume 76, Number 45)]\n[Proposed Rules]\n"
         "[Page 12609-12611]", "76 FR 12609"),
        ("74116 Federal Register / Vol. 80, No. 228 / Friday, November 27, 2015 / Notices",
         "80 FR 74116"),
        ("Federal Register / Vol. 87, No. 6 / Monday, January 10, 2022 / Notices 1171",
         "87 FR 1171"),
        ("83 FR 19020 - Privacy Act of 1974: Implementation of Exemptions", "83 FR 19020"),
        ("Privacy Act of 1974; System of Records\n\n85 Fed. Reg. 80806 (Dec. 14, 2020)",
         "85 FR 80806"),
        ("DEPARTMENT OF HOMELAND SECURITY", ""),
    ],
)  # fmt: skip
def test_citation_from_the_text_header(header: str, citation: str) -> None:
    doc = read_federal_register(_meta(), f"{header}\n\n{ALL_047_TEXT.split(']', 5)[-1]}")
    assert doc.citation == citation


def test_rescission_matching_and_rules_are_not_sorns() -> None:
    rescind = ALL_047_TEXT.replace(
        "ACTION: Notice of a new system of records.",
        "ACTION: Rescindment of a System of Records notice.",
    )
    doc = read_federal_register(_meta(), rescind)
    assert doc.doc_type == "Notice"
    assert doc.title == f"{GENERIC} (Rescindment of a System of Records notice: DHS/ALL-047)"
    rule = _meta(
        type="Proposed Rule",
        title="Privacy Act of 1974: Implementation of Exemptions; Department of Homeland "
        "Security/ALL-047 Records Related to DHS Personnel System of Records",
    )
    doc = read_federal_register(rule, "")
    assert (doc.doc_type, doc.reference, doc.component) == ("Other", "DHS/ALL-047", "ALL")
    matching = _meta(title="Privacy Act of 1974; Computer Matching Program (DHS/USCIS and X)")
    assert read_federal_register(matching, "").doc_type == "Notice"
    assert read_federal_register(matching, "").component == "USCIS"


def test_a_notice_citing_another_system_is_not_that_system() -> None:
    title = (
        "Privacy Act of 1974; Department of Homeland Security Internal Affairs System of Records"
    )
    text = ALL_047_TEXT.replace("titled, ``DHS/ALL-047", "titled, ``Internal Affairs")
    text = text.replace(ALL_047, "Internal Affairs")
    doc = read_federal_register(_meta(title=title), text)
    assert (doc.reference, doc.doc_type) == (None, "SORN")
    assert doc.title == title


def test_titles_are_cleaned() -> None:
    title = "Privacy Act of 1974;\n  Computer Matching Program (``DHS&amp;USCIS'' &#8212; SSA)"
    doc = read_federal_register(_meta(title=title), "")
    assert doc.notice_title == (
        "Privacy Act of 1974; Computer Matching Program (\u201cDHS&USCIS\u201d \u2014 SSA)"
    )


def test_missing_and_odd_fields_are_tolerated() -> None:
    meta = {
        "document_number": "E8-29799",
        "title": "Privacy Act of 1974; United States Coast Guard--006 Great Lakes Pilot System",
        "type": None,
        "publication_date": None,
        "agencies": ["Homeland Security Department", None, {"raw_name": "COAST GUARD"}],
        "docket_ids": None,
    }
    doc = read_federal_register(meta, None)  # type: ignore[arg-type]
    assert isinstance(doc, FederalRegisterDocument)
    assert (doc.reference, doc.component, doc.doc_type) == ("DHS/USCG-006", "USCG", "SORN")
    assert (doc.date, doc.fr_type, doc.docket_ids, doc.html_url) == (None, "", (), "")
    assert doc.agencies == ("Homeland Security Department", "COAST GUARD")


def test_a_publication_date_that_cannot_be_an_issue_day_gives_way_to_the_header() -> None:
    # The Federal Register does not appear on New Year's Day or at weekends.
    assert read_federal_register(_meta(publication_date="2010-01-01"), "").date is None
    doc = read_federal_register(_meta(publication_date="2020-09-26"), ALL_047_TEXT)
    assert doc.date == "2020-09-24"


def test_the_title_comes_from_the_text_when_the_metadata_has_none() -> None:
    doc = read_federal_register(_meta(title=None), ALL_047_TEXT)
    assert doc.notice_title == GENERIC
    assert doc.title.startswith(ALL_047)


@pytest.mark.parametrize(
    ("meta", "reason"),
    [
        ([], "not a Federal Register document"),
        ({"title": "x"}, "no document_number"),
        ({"document_number": "../../etc", "title": "x"}, "not a Federal Register document number"),
        ({"document_number": "2020-1"}, "no title"),
    ],
)
def test_unusable_metadata_raises_with_a_reason(meta: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as info:
        read_federal_register(meta, "")
    assert "\n" not in str(info.value)


def test_looks_like_federal_register() -> None:
    assert looks_like_federal_register(_meta())
    assert not looks_like_federal_register({"document_number": "2020-1", "title": "x"})
    assert not looks_like_federal_register({"title": "x", "type": "Notice"})
    assert not looks_like_federal_register([_meta()])
    assert not looks_like_federal_register({"results": [_meta()], "count": 1})


def test_a_huge_text_is_read_quickly() -> None:
    text = ALL_047_TEXT + "routine uses of records maintained in the system. " * 200_000
    start = time.perf_counter()
    doc = read_federal_register(_meta(), text)
    assert time.perf_counter() - start < 2.0
    assert doc.reference == "DHS/ALL-047" and doc.text == text


# --- against the replica of the API ---------------------------------------------------------


@pytest.fixture(scope="module")
def replica() -> list[tuple[dict, FederalRegisterDocument]]:
    if not (REPLICA / "fr-documents.json").is_file():
        pytest.skip(f"the site replica is not at {REPLICA} (only present beside the repository)")
    out = []
    for meta in json.loads((REPLICA / "fr-documents.json").read_text("utf-8")):
        path: Path = REPLICA / "files" / "fr" / f"{meta['document_number']}.txt"
        text = path.read_text("utf-8") if path.is_file() else ""
        out.append((meta, read_federal_register(meta, text)))
    return out


def test_replica_documents_match_expected(
    replica: list[tuple[dict, FederalRegisterDocument]],
) -> None:
    lines = (SITE / "expected.jsonl").read_text("utf-8").splitlines()
    expected = {e["fr_number"]: e for e in map(json.loads, lines) if e.get("fr_number")}
    misses = []
    for meta, doc in replica:
        assert looks_like_federal_register(meta)
        e = expected[doc.document_number]
        assert doc.doc_type in DOC_TYPES
        got = (doc.component, doc.doc_type, doc.date)
        want = (e["component"], e["doc_type"], e["date"])
        # Slug ids are for documents that are not a system's own notice, or older versions
        # of one: only reference-number ids are compared.
        if e["id"].startswith("DHS/"):
            got, want = (*got, doc.reference), (*want, e["id"])
        if got != want:
            misses.append(f"{doc.document_number}: {got} (want {want})")
    assert len(replica) == 118
    assert not misses, "\n".join(misses)


def test_replica_titles_are_distinct_but_for_versions_of_one_system(
    replica: list[tuple[dict, FederalRegisterDocument]],
) -> None:
    by_title: dict[str, set[str | None]] = defaultdict(set)
    for _, doc in replica:
        assert doc.title != GENERIC
        by_title[doc.title].add(doc.reference)
    shared = {t: refs for t, refs in by_title.items() if len(refs) > 1 or refs == {None}}
    assert not {t: r for t, r in shared.items() if len(r) > 1}
    assert len(by_title) >= 116


def test_replica_citations_agree_with_the_html_urls(
    replica: list[tuple[dict, FederalRegisterDocument]],
) -> None:
    cited = [doc for _, doc in replica if doc.citation]
    assert len(cited) >= 95
    for doc in cited:
        volume, _, page = doc.citation.split()
        year = int(doc.html_url.split("/documents/")[1][:4])
        assert int(volume) == year - 1935, doc.document_number  # volume 1 was 1936
        assert page.isdigit()
