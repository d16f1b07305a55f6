"""Metadata rules: reference numbers, dates, components, doc types, text cleanup, parsers."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsearch.ingest.html import decode_html, parse_html
from privsearch.ingest.metadata import (
    abbreviate_before_numbers,
    abbreviate_components,
    classify_doc_type,
    describe,
    find_components,
    find_date,
    find_references,
    infer_component,
    load_components,
    name_trie,
    normalize_reference,
    parse_date,
    references_in,
    title_from_text,
)
from privsearch.ingest.pdf import clean_text
from privsearch.ingest.text import looks_like_listing, parse_text_listing


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("DHS/CBP/PIA-056", "DHS/CBP/PIA-056"),
        ("DHS/ICE/PIA-054(a)", "DHS/ICE/PIA-054(a)"),
        ("DHS/USCIS-007", "DHS/USCIS-007"),
        ("DHS/All-016 Correspondence Records", "DHS/ALL-016"),
        ("DHS-TSA-PIA-044 Vetting of Security Personnel", "DHS/TSA/PIA-044"),
        ("DHS/ALL/PIA 061 HSIN 3.0 Shared Spaces", "DHS/ALL/PIA-061"),
        ("DHS/ALL/PIA 061 2 Homeland Security Information Network", "DHS/ALL/PIA-061-2"),
        ("DHS/CBP/PIA \u2013 024(a) Arrival and Departure", "DHS/CBP/PIA-024(a)"),
        ("DHS/ALL/PIA-061-2", "DHS/ALL/PIA-061-2"),
        ("DHS/USCIS/PIA-013-01(a)", "DHS/USCIS/PIA-013-01(a)"),
        ("Department of Homeland Security/ALL-004 General", "DHS/ALL-004"),
        ("Department of Homeland Security/ALL--024 Facility", "DHS/ALL-024"),
        ("DHS/U.S. Customs and Border Protection (CBP)-001 Import", "DHS/CBP-001"),
        (
            "Department of Homeland Security/Federal Emergency Management Agency--008",
            "DHS/FEMA-008",
        ),
        ("Department of Homeland Security-DHS/ALL 020 Internal Affairs", "DHS/ALL-020"),
        ("Privacy Act of 1974; United States Secret Service--004 Protection", "DHS/USSS-004"),
        ("Privacy Act of 1974; Department of Homeland Security--023 Personnel", "DHS/ALL-023"),
        ("[DHS/ICE-CBP-CIS-001]", "DHS/ICE-CBP-CIS-001"),
        (
            "Privacy Act of 1974; U.S. Citizenship and Immigration Services, Immigration and "
            "Customs Enforcement, Customs and Border Protection--001 Alien File",
            "DHS/USCIS-ICE-CBP-001",
        ),
        ("DHS/NPPD/USVISIT/PIA-002", "DHS/NPPD/USVISIT/PIA-002"),
        ("DHS/PIA/NPPD-027", "DHS/PIA/NPPD-027"),
        ("DHS/ICE/PIA\n020(d) January 24, 2013", "DHS/ICE/PIA-020(d)"),
        ("DHS/NPPD/PIA-001The EINSTEIN Program", "DHS/NPPD/PIA-001"),
        ("DHS/S&T/PIA-005 - Project Hostile Intent", "DHS/S&T/PIA-005"),
        (
            "Department of Homeland Security/U.S. Citizenship and Immigration Services, U.S. "
            "Immigration and Customs Enforcement, U.S. Customs and Border Protection--001 Alien",
            "DHS/USCIS/ICE/CBP-001",
        ),
    ],
)
def test_normalize_reference(written: str, normal: str) -> None:
    assert normalize_reference(written) == normal


@pytest.mark.parametrize(
    "text", ["Docket No. DHS-2008-0166", "DHS Privacy Office 2009 Data Mining Report", "Form I-9"]
)
def test_no_reference(text: str) -> None:
    assert normalize_reference(text) is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("November 14, 2018", "2018-11-14"),
        ("11/14/2018", "2018-11-14"),
        ("2018-11-14", "2018-11-14"),
        ("Publication Date: November 27, 2012", "2012-11-27"),
        ("Last Published Date: January 3, 2020", "2020-01-03"),
        ("August 2018", "2018-08-01"),
        ("Sept. 3, 2019", "2019-09-03"),
        ("14 November 2018", "2018-11-14"),
        ("Publication Date: ", None),
        ("February 30, 2019", None),
        ("no date here", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_component_table_names_and_abbreviations() -> None:
    table = load_components()
    assert table.canonical("U.S. Customs and Border Protection") == "CBP"
    assert table.canonical("CBP") == "CBP"
    assert table.canonical("united states coast guard") == "USCG"
    assert table.canonical("Science & Technology Directorate") == "S&T"
    assert table.canonical("US-VISIT") == "NPPD"
    assert table.canonical("Bureau of Nothing") is None


@pytest.mark.parametrize(
    ("reference", "title", "text", "component"),
    [
        ("DHS/ALL/PIA-061", "", "", "ALL"),
        ("DHS/CBP/PIA-056", "", "", "CBP"),
        ("DHS/ICE-CBP-CIS-001", "", "", "ICE"),
        ("DHS/PIA/NPPD-027", "", "", "NPPD"),
        (None, "Privacy Impact Assessment for the ICE Pattern Analysis", "", "ICE"),
        (None, "DHS Privacy Office 2009 Data Mining Report to Congress", "", "PRIV"),
        # the Chief Privacy Officer's investigations, though the page lists one by the OIG
        (
            None,
            "Privacy Investigations & Reviews",
            "the DHS Chief Privacy Officer is authorized to make such investigations.\n"
            "OIG Privacy Incident Report and Assessment, February 2011",
            "PRIV",
        ),
        (
            None,
            "Privacy Impact Assessment for the Watch Service",
            "Contact Point Jane Doe Federal Emergency Management Agency\n"
            "Reviewing Official John Doe Chief Privacy Officer",
            "FEMA",
        ),
        # a listing entry that names nobody: the department as a whole, never "DHS"
        (None, "Something Unrelated", "", "ALL"),
        # a text from another agency gets that agency; one that names none, no DHS component
        (None, "Form 1040", "Department of the Treasury Internal Revenue Service " * 20, "IRS"),
        (None, "Opinion", "UNITED STATES COURT OF APPEALS FOR THE FIRST CIRCUIT " * 20, "Courts"),
        (
            None,
            "Board agenda",
            "Welcome to the meeting of the school district board. " * 20,
            "Other",
        ),
        # outside DHS, a component met further on is a subject, not the author
        (None, "GPS noise", "Sites were built " * 60 + "for the Coast Guard. " * 5, "Other"),
    ],
)
def test_infer_component(reference: str | None, title: str, text: str, component: str) -> None:
    assert infer_component(reference, title, text) == component


def test_sorn_of_the_privacy_office_is_department_wide() -> None:
    text = "AGENCY: Privacy Office, Office of the Secretary, Department of Homeland Security."
    assert infer_component(None, "Privacy Act; Redress System of Records", text, "SORN") == "ALL"


def test_find_components_in_order() -> None:
    found = find_components("run by the Office of Operations Coordination and Planning with CBP")
    assert found == ["OPS", "CBP"]


@pytest.mark.parametrize(
    ("reference", "title", "text", "doc_type"),
    [
        ("DHS/CBP/PIA-056", "Privacy Impact Assessment for the Traveler Verification", "", "PIA"),
        ("DHS/ICE/PIA-054(a)", "Privacy Impact Assessment for X", "", "PIA Update"),
        (None, "Privacy Impact Assessment Update for the Watchlist Service", "", "PIA Update"),
        ("DHS/CBP/PIA-030", "TVS", "CBP is updating this Privacy Impact Assessment", "PIA Update"),
        ("DHS/ICE/PIA-055", "RAVEn", "ICE will regularly update the appendices to this PIA", "PIA"),
        ("DHS/ALL/PIA-001", "DHS/ALL/PIA-001 Appendix B", "", "PIA Appendix"),
        ("DHS/ALL-004", "Privacy Act of 1974; DHS/ALL-004 GITAARS System of Records", "", "SORN"),
        (None, "Privacy Act; IDENT System of Records", "", "SORN"),
        (None, "Privacy Compliance Review of the Media Monitoring Initiative", "", "PCR"),
        (None, "Privacy Act of 1974: Implementation of Exemptions; DHS/ALL-025", "", "Other"),
        (None, "Privacy Act of 1974; Computer Matching Program (DHS/USCIS and X)", "", "Notice"),
        (None, "DHS Privacy Office 2010 Data Mining Report to Congress", "", "Report"),
        (None, "Privacy Policy Guidance Memorandum 2008-01", "", "Policy"),
        (None, "National Vetting Center Implementation Plan", "", "Plan"),
        (None, "DPIAC March 21, 2007 Morning Minutes", "", "DPIAC Meeting"),
        (None, "A White Paper (Data Privacy and Integrity Advisory Committee)", "", "DPIAC Report"),
        (None, "Privacy Threshold Analysis (PTA): Direct Housing Program Forms", "", "Other"),
        (None, "Privacy Impact Assessment; Secure Flight Test Phase", "", "Notice"),
        (None, "1 for the Fusion System", "1 for the Fusion System November 17, 2008 Contact Point "
         "Jane Doe Reviewing Official John Doe", "PIA"),
        (None, "Cybersecurity and Privacy", "", "Other"),
    ],
)  # fmt: skip
def test_classify_doc_type(reference: str | None, title: str, text: str, doc_type: str) -> None:
    assert classify_doc_type(reference, title, text) == doc_type


def test_exemption_rule_does_not_take_the_system_number_as_its_id() -> None:
    d = describe(
        title="Privacy Act of 1974: Implementation of Exemptions; Department of Homeland "
        "Security/ALL-025 Law Enforcement Authority",
        fallback_id="exemptions-rule",
    )
    assert (d.id, d.component, d.doc_type, d.reference) == (
        "exemptions-rule",
        "ALL",
        "Other",
        "DHS/ALL-025",
    )


def test_title_from_pia_title_page() -> None:
    text = (
        "Privacy Impact Assessment for the Traveler\nVerification Service\n"
        "DHS/CBP/PIA-056\nNovember 14, 2018\nContact Point Jane Doe"
    )
    assert (
        title_from_text(text) == "Privacy Impact Assessment for the Traveler Verification Service"
    )
    d = describe(title=title_from_text(text), fallback_id="x", text=text)
    assert (d.id, d.component, d.doc_type, d.date) == (
        "DHS/CBP/PIA-056",
        "CBP",
        "PIA",
        "2018-11-14",
    )


def test_title_from_federal_register_notice() -> None:
    text = (
        "[Federal Register Volume 72, Number 107 (Tuesday,\n June 5, 2007)] [Notices]\n"
        " DEPARTMENT OF HOMELAND SECURITY\n Office of the Secretary\n[Docket No. DHS-2007-0027]\n"
        "Privacy Act; IDENT System of Records\nAGENCY: Privacy Office.\nACTION: Notice."
    )
    assert title_from_text(text) == "Privacy Act; IDENT System of Records"


def test_clean_text() -> None:
    raw = "The infor-\nmation is\x00 kept   in  an e-\nmail system.\n\n\n\nAn e-mail address.\x07"
    cleaned = clean_text(raw)
    assert "information" in cleaned
    assert "e-mail system" in cleaned  # the hyphen is real: "e-mail" also occurs within a line
    assert "\x00" not in cleaned and "\x07" not in cleaned
    assert "  " not in cleaned and "\n\n\n" not in cleaned


def _clean_text_line_by_line(text: str) -> str:
    """clean_text spelled out one line at a time: the reference the fast version must match."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", "", text)
    text = text.replace("\u00a0", " ").replace("\u00ad", "")
    text = "\n".join(re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n"))

    def join(m: re.Match[str]) -> str:
        first, second = m.group(1), m.group(2)
        if len(first) < 2 or f"{first}-{second}" in text:
            return f"{first}-{second}"
        return first + second

    text = re.sub(r"\b([a-z]+)-\n\s*([a-z]{2,})\b", join, text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_PAGE_PIECES = st.sampled_from(
    ["ab", "cd", "x", "Data", "e", "mail", "-", "-\n", "\n", " ", "  ", "\t", "\u2003", "_", "9"]
    + ["\u00e9", "\r\n", "\x0c", "\u00ad", "e-mail", "infor-\n  mation", "\x85", "\n\n\n"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PAGE_PIECES, max_size=30).map("".join) | st.text())
def test_clean_text_matches_its_line_by_line_definition(raw: str) -> None:
    assert clean_text(raw) == _clean_text_line_by_line(raw)


def _component_names() -> list[str]:
    """The names written out (not acronyms), which abbreviate_components rewrites."""
    table = load_components()
    names = [n for names in table.names.values() for n in names]
    return [n for n in names if not re.fullmatch(r"[A-Z&\-]{2,10}", n)]


def _names_pattern(alternatives: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w&])(?:the\s+)?{alternatives}(?![\w&])", re.I)


def _longest_first(names: list[str]) -> str:
    names = sorted(names, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names) + ")"


_NAME_PIECES = st.sampled_from(
    [*_component_names(), "the", "The", " ", "\n", "-", "&", "/", "x", "Office", "U.S.", "of"]
    + ["Customs", "and", "Service", "Services", "Security", "-010", "CUSTOMS AND BORDER"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_NAME_PIECES, max_size=25).map(" ".join) | st.lists(_NAME_PIECES).map("".join))
def test_name_trie_matches_what_the_longest_first_alternation_matches(text: str) -> None:
    slow = _names_pattern(_longest_first(_component_names()))
    fast = _names_pattern(name_trie(_component_names()))
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)]


def test_name_trie_on_real_text() -> None:
    records = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "records.jsonl"
    if not records.exists():
        pytest.skip(f"shared test data not found at {records}")
    lines = records.read_text("utf-8").splitlines()[:150]
    text = "\n".join(json.loads(line)["fulltext"][:20_000] for line in lines)
    slow = _names_pattern(_longest_first(_component_names()))
    fast = _names_pattern(name_trie(_component_names()))
    spans = [m.span() for m in slow.finditer(text)]
    assert len(spans) > 100
    assert [m.span() for m in fast.finditer(text)] == spans


_REFERENCE_PIECES = st.sampled_from(
    [*_component_names(), "DHS", "Department of Homeland Security", "PIA", "CBP", "ICE", "ALL"]
    + ["/", "-", "--", "\u2013", " ", "\n", "(a)", " (b)", "010", "054", "2", "12", "1999", "x"]
    + ["the", "CBP (CBP)", "(", ")", ",", "&", "Privacy Act", "7"]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_REFERENCE_PIECES, max_size=30).map("".join))
def test_abbreviating_before_numbers_finds_what_abbreviating_everything_finds(text: str) -> None:
    expected = references_in(abbreviate_components(text))
    assert references_in(abbreviate_before_numbers(text)) == expected


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("DHS/U.S. Customs and Border Protection-010", ["DHS/CBP-010"]),
        ("DHS/Customs Service010", []),  # a name does not run into its number
        (
            "1 DHS/the Coast Guard 2 DHS/ICE-011 and DHS/Coast Guard-060",
            ["DHS/ICE-011", "DHS/USCG-060"],
        ),
        ("Department of Homeland Security/CBP (CBP) PIA-056 of 2018", ["DHS/CBP/PIA-056"]),
    ],
)
def test_references_after_names(text: str, found: list[str]) -> None:
    assert find_references(text) == found
    assert references_in(abbreviate_components(text)) == found


def test_abbreviating_before_numbers_on_real_text() -> None:
    records = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "records.jsonl"
    if not records.exists():
        pytest.skip(f"shared test data not found at {records}")
    found = 0
    for line in records.read_text("utf-8").splitlines():
        text = unicodedata.normalize("NFKC", json.loads(line)["fulltext"][:20_000])
        expected = references_in(abbreviate_components(text))
        assert references_in(abbreviate_before_numbers(text)) == expected
        found += len(expected)
    assert found > 150


def test_text_listing_keeps_nested_bullets() -> None:
    text = (
        "Breadcrumb\n\n  1. Home\n  2. News\n\nPrivacy\n\nIntro paragraph.\n\n"
        "  \u2022 First item\n\n    Its summary.\n\n    \u2022 Sub one\n    \u2022 Sub two\n"
        "  \u2022 Second item\n\n    Another summary.\n"
    )
    assert looks_like_listing(text)
    items = parse_text_listing(text)
    assert [i.title for i in items] == ["First item", "Second item"]
    assert items[0].summary == "Its summary.\n\u2022 Sub one\n\u2022 Sub two"
    assert not looks_like_listing("just some prose\nwith lines\n")


def test_html_listing_by_structure_not_classes() -> None:
    html = """<html><head><title>Library</title></head><body><nav><ul><li><a href="/">Home</a></li>
    <li><a href="/x">News</a></li></ul></nav><main><h1>Library</h1><p>Intro text for the page.</p>
    <section><article><h2><a href="/a">DHS/CBP/PIA-056 Traveler Verification</a></h2>
    <p>CBP is deploying a system.</p><ul><li>Nested one</li><li>Nested two</li></ul></article>
    <article><h2><a href="/b">Second Publication</a></h2><p>Second summary text here.</p></article>
    </section></main></body></html>"""
    page = parse_html(html)
    assert page.is_listing
    assert [i.title for i in page.items] == [
        "DHS/CBP/PIA-056 Traveler Verification",
        "Second Publication",
    ]
    assert "\u2022 Nested one" in page.items[0].summary


def test_html_publication_fields() -> None:
    html = """<html><head><title>DHS/ICE/PIA-054(a) Thing | Homeland Security</title>
    <script>alert(1)</script><style>p{}</style></head><body><div class="banner">An official
    website of the United States government</div><div id="content"><h1>DHS/ICE/PIA-054(a) Thing</h1>
    <p>ICE is updating this PIA.</p><p><b>Associated SORN(s):</b></p><ul><li>DHS/ICE-011 CARIER</li>
    <li>DHS/ICE-001 SEVIS</li></ul><p>Attachment: <a href="docs/thing.pdf">Thing</a></p>
    <div>Last Published Date: March 3, 2019</div></div></body></html>"""
    page = parse_html(html)
    assert not page.is_listing
    assert page.title == "DHS/ICE/PIA-054(a) Thing"
    assert page.sorns == ("DHS/ICE-011 CARIER", "DHS/ICE-001 SEVIS")
    assert page.date_text == "March 3, 2019"
    assert page.pdf_links == ("docs/thing.pdf",)
    assert page.summary == "ICE is updating this PIA."
    assert "alert" not in page.summary and "official website" not in page.summary


def test_decode_html_charsets() -> None:
    assert decode_html(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>") == "<p>caf\u00e9</p>"
    latin = b'<meta charset="iso-8859-1"><p>caf\xe9 \x93q\x94</p>'
    assert "caf\u00e9 \u201cq\u201d" in decode_html(latin)
    assert "caf\u00e9" in decode_html(b"<p>caf\xe9</p>")  # not UTF-8: cp1252 fallback
    assert decode_html(b'<meta charset="x-unknown"><p>ok</p>').endswith("<p>ok</p>")


def test_a_date_that_cites_an_earlier_act_is_not_the_documents_date():
    text = "implemented by Executive Order 11348 of April 20, 1969 and Reorganizing Plan No. 26"
    assert find_date(text) is None
    assert find_date("Privacy Act of 1974. Issued November 14, 2018.") == "2018-11-14"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # what the shared corpus's PDFs write around dates that are not their own
        ("Homeland Security Presidential Directive 12 (HSPD-12), issued on August 27, 2004", None),
        (
            "Pursuant to the Act for Fiscal Year 2014, Pub. L. No. 113-126 (July 7,\n2014), the",
            None,
        ),
        ("In July 2007, the U.S. Department of Homeland Security (DHS) and the Council", None),
        ("Argued April 23, 2013\u2014Decided June 13, 2013", "2013-06-13"),
        # a day split in two by text extraction ("May 2 1,2009")
        (
            "Department of Homeland\nSecurity Washington, DC May 2 1,2009 Re: DHS",
            "2009-05-21",
        ),
        ("Washington, DC May 2\n1, 2009 Re: DHS", "2009-05-21"),  # split by a line break
    ],
)
def test_dates_a_text_mentions_and_dates_it_states(text: str, day: str | None) -> None:
    assert find_date(text) == day
