"""One publication, one record: copies read from several files (both page templates of the
shared corpus, a listing entry and its page, a manifest row and a PDF) merged, editions kept
apart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from privsearch.config import Limits
from privsearch.ingest import merge_copies, read_paths
from privsearch.models import Page, Record

# Resolved, as the records' sources are: ../shared may be a link.
SHARED = (Path(__file__).resolve().parents[2] / "shared").resolve()
CORPUS = SHARED / "corpus"
LIMITS = Limits(pdf_timeout=20.0, workers=2)
TEXT = "The system collects names, dates of birth and travel document numbers. " * 10


@pytest.fixture(scope="module")
def both_templates() -> list[Record]:
    """The same publications in two page templates, read as one collection."""
    if not (CORPUS / "dhs").is_dir():
        pytest.skip(f"shared test data not found at {CORPUS}")
    return read_paths([CORPUS / "dhs", CORPUS / "dhs-b"], limits=LIMITS)


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _holding(records: list[Record], stem: str) -> list[Record]:
    return [
        r for r in records if stem in {Path(f).stem for f in (*r.sources, r.source, *r.attachments)}
    ]


def test_both_templates_give_one_record_per_publication(both_templates: list[Record]) -> None:
    expected = [
        json.loads(line) for line in (CORPUS / "expected.jsonl").read_text("utf-8").splitlines()
    ]
    assert len(both_templates) == len(expected)
    for e in expected:
        stems = {
            Path(f).stem
            for f in e["files"]
            if not f.startswith("listings/") and f != "manifest.jsonl"
        }
        found = (
            {id(r) for stem in stems for r in _holding(both_templates, stem)}
            if stems
            else {id(r) for r in both_templates if _norm(r.title) == _norm(e["title"])}
        )
        assert len(found) == 1, e["id"]


def test_a_listing_entry_and_its_page_are_one_record(both_templates: list[Record]) -> None:
    # dhs has the page (dated), dhs-b only the listing entry (undated)
    [record] = [r for r in both_templates if r.id == "DHS/ICE/PIA-050"]
    assert record.date == "2019-11-15"
    sources = {str(Path(s).relative_to(CORPUS)) for s in record.sources}
    assert sources == {
        "dhs/pages/dhs-ice-pia-050.html",
        "dhs-b/listings/privacy-publications-page-2.txt",
    }
    assert "Rapid DNA" in record.summary


def test_copies_of_a_pdf_are_one_record_and_drafts_stay_apart(
    both_templates: list[Record],
) -> None:
    # a manifest row (dhs) and a standalone PDF (dhs-b) of the update; its draft of September
    # 2014, with the same number and another date and text, is another publication
    editions = sorted(
        (r.date, len(r.sources)) for r in both_templates if r.id == "DHS/CBP/PIA-007(d)"
    )
    assert editions == [("2014-09-11", 2), ("2014-11-03", 2)]


def test_copies_with_different_ids_keep_the_one_already_used(both_templates: list[Record]) -> None:
    # the Section 1367 review: a standalone PDF in dhs, a manifest row with its own id in dhs-b
    [record] = _holding(
        both_templates,
        "privacy-compliance-review-of-the-privacy-incidents-affecting-individuals-protect",
    )
    assert (
        record.id
        == "privacy-compliance-review-of-the-privacy-incidents-affecting-individuals-protect"
    )
    assert (record.doc_type, record.date) == ("PCR", "2019-02-04")
    assert len(record.sources) == 2


def test_editions_with_their_own_number_stay_apart(both_templates: list[Record]) -> None:
    ids = [r.id for r in both_templates if r.id.startswith("DHS/TSA/PIA-046")]
    # PIA-046 (2019), its page of 2020 (another title) and the update PIA-046(c)
    assert sorted(ids) == ["DHS/TSA/PIA-046", "DHS/TSA/PIA-046", "DHS/TSA/PIA-046(c)"]


def _record(**fields: object) -> Record:
    base: dict[str, object] = {"id": "DHS/CBP/PIA-099", "title": "Privacy Impact Assessment"}
    return Record(**(base | fields))  # type: ignore[arg-type]


def test_the_merged_record_keeps_the_best_of_each() -> None:
    listing = _record(source="listing.html", summary="Short.", url="https://www.dhs.gov/a")
    page = _record(
        source="page.html",
        summary="A longer summary of the system.",
        date="2021-07-22",
        pages=(Page(1, TEXT, "a.pdf"),),
        attachments=("a.pdf",),
        links=("https://www.dhs.gov/a", "https://www.federalregister.gov/d/1"),
        sorns=("DHS/CBP-011",),
    )
    [merged] = merge_copies([listing, page])
    assert merged.date == "2021-07-22"
    assert merged.summary == "A longer summary of the system."
    assert merged.pages == page.pages and merged.attachments == ("a.pdf",)
    assert merged.links == ("https://www.dhs.gov/a", "https://www.federalregister.gov/d/1")
    assert merged.sources == ("listing.html", "page.html")
    assert merged.sorns == ("DHS/CBP-011",)


def test_a_month_agrees_with_a_day_of_it_and_other_dates_do_not() -> None:
    month = _record(source="listing.html", date="2021-07-01")
    day = _record(source="page.html", date="2021-07-22")
    other = _record(source="other.html", date="2022-03-04")
    merged = merge_copies([month, day, other])
    assert [(r.date, r.sources) for r in merged] == [
        ("2021-07-01", ("listing.html", "page.html")),
        ("2022-03-04", ()),
    ]


def test_the_same_text_is_one_document_and_a_slug_gives_way_to_a_reference() -> None:
    pdf = _record(id="privacy-impact-assessment-for-x", source="x.pdf", pages=(Page(1, TEXT),))
    row = _record(source="manifest.jsonl", title="PIA for X", pages=(Page(1, TEXT),))
    [merged] = merge_copies([pdf, row])
    assert merged.id == "DHS/CBP/PIA-099" and merged.source == "manifest.jsonl"


def test_one_file_listing_a_pdf_twice_means_two_publications() -> None:
    first = _record(id="own-1", source="m.jsonl", pages=(Page(1, TEXT),))
    second = _record(id="own-2", source="m.jsonl", pages=(Page(1, TEXT),))
    assert len(merge_copies([first, second])) == 2


def test_two_texts_with_one_title_and_no_number_stay_apart() -> None:
    a = _record(
        id="pta-a", title="Privacy Threshold Analysis", source="a.pdf", pages=(Page(1, TEXT),)
    )
    b = _record(
        id="pta-b",
        title="Privacy Threshold Analysis",
        source="b.pdf",
        pages=(Page(1, "Other. " * 80),),
    )
    listing = _record(id="pta", title="Privacy Threshold Analysis", source="l.html")
    merged = merge_copies([a, b, listing])
    assert [r.id for r in merged] == ["pta-a", "pta-b"]  # the bare entry joins the first


def test_an_extract_of_a_document_is_the_document(tmp_path: Path) -> None:
    """The Federal Register's document 2020-17221 and its first page saved apart: one record,
    with all 15 pages."""
    folder = SHARED / "pdfs" / "government"
    if not folder.is_dir():
        pytest.skip(f"shared test data not found at {folder}")
    for name in (
        "fedreg-2020-17221_faa-737max-ad-nprm.pdf",
        "fedreg-2020-17221-p1_faa-737max-ad-nprm.pdf",
    ):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    [record] = read_paths([tmp_path], limits=LIMITS)
    assert len(record.pages) == 15 and len(record.sources) == 2
    assert record.title == "Airworthiness Directives; The Boeing Company Airplanes"
    assert record.date == "2020-08-06"
