"""Privacy risks and their mitigations: a real PIA, generated full-length documents, and
hand-written shapes of extracted text."""

from __future__ import annotations

import json
import sys

import pytest

import privsearch
from privsearch.models import Page, Record
from privsearch.structure.risks import find_risks
from privsearch.structure.sections import find_sections

from .conftest import DHS, GOVERNMENT_PDFS, ROOT, require_shared

sys.path.insert(0, str(ROOT))


def _record(*pages: str, doc_type: str = "PIA") -> Record:
    return Record(
        id="DHS/TEST/PIA-001",
        title="Privacy Impact Assessment for the Test",
        doc_type=doc_type,
        pages=tuple(Page(n, text) for n, text in enumerate(pages, start=1)),
    )


def _risks(record: Record):
    return find_risks(record, find_sections(record))


HEADER = "Privacy Impact Assessment\nDHS/TEST/PIA-001 Test Program\nPage {}\n"
FOOTER = "\nwww.dhs.gov/privacy"


def test_page_furniture_between_a_risk_and_its_mitigation_is_dropped():
    record = _record(
        HEADER.format(1) + "Section 2.0 Characterization of the Information\n2.4 Privacy Impact "
        "Analysis: Related to Characterization of the Information\nPrivacy Risk: There is a risk "
        "that the program collects\n" + FOOTER,
        HEADER.format(2) + "more information than it needs.\nMitigation: The program collects "
        "only the fields\nof the form.\nSection 3.0 Uses of the Information\n3.1 Describe the "
        "uses.\nThe uses." + FOOTER,
        HEADER.format(3) + "Nothing more." + FOOTER,
    )
    (risk,) = _risks(record)
    assert risk.risk == "There is a risk that the program collects more information than it needs."
    assert risk.mitigation == "The program collects only the fields of the form."
    assert (risk.section, risk.page) == ("characterization", 1)


def test_a_risk_without_a_mitigation_and_the_short_label():
    record = _record(
        "Section 6.0 Information Sharing\nRisk: Information may be shared beyond its purpose.\n"
        "Privacy Risk: Partners may keep the records too long.\nMitigation: Agreements limit "
        "retention.\nSection 7.0 Redress\nThe program offers redress.\n"
    )
    first, second = _risks(record)
    assert (first.risk, first.mitigation) == ("Information may be shared beyond its purpose.", "")
    assert (second.risk, second.mitigation) == (
        "Partners may keep the records too long.",
        "Agreements limit retention.",
    )
    assert first.section == second.section == "sharing"
    plural = _record(
        "Section 7.0 Redress\nPRIVACY RISKS: Requests may go unanswered.\n"
        "MITIGATIONS: Requests are tracked.\n"
    )
    assert [(r.risk, r.mitigation) for r in _risks(plural)] == [
        ("Requests may go unanswered.", "Requests are tracked.")
    ]


def test_labels_run_into_a_line_are_found_after_the_end_of_a_sentence():
    record = _record(
        "Section 5.0 Data Retention by the Project 5.2 Privacy Impact Analysis: Related to "
        "Retention. Privacy Risk: Records may be kept longer than needed. Mitigation: The "
        "schedule is enforced by the system.\n"
    )
    (risk,) = _risks(record)
    assert risk.risk == "Records may be kept longer than needed."
    assert risk.mitigation == "The schedule is enforced by the system."
    assert risk.section == "retention"


def test_risks_mentioned_in_prose_are_no_pairs():
    record = _record(
        "Abstract\nThis PIA evaluates the privacy risks and mitigations of the system. The risk: "
        "mitigation tables follow the template. Each Risk Mitigation row is reviewed.\n"
    )
    assert _risks(record) == ()


def test_the_shared_corpus_states_no_pairs():
    # its PIAs hold only their first pages, where two abstracts mention "privacy risks and
    # mitigations" in prose
    require_shared()
    records = privsearch.read_records([DHS])
    assert not any(_risks(record) for record in records)


def test_the_gsa_pia_states_six_pairs():
    require_shared()
    (record,) = privsearch.read_records([GOVERNMENT_PDFS / "gsa-pia-afa-2017.pdf"])
    risks = _risks(record)
    assert [(r.section, r.page) for r in risks] == [
        ("characterization", 7),
        ("uses", 8),
        ("notice", 9),
        ("retention", 10),
        ("sharing", 11),
        ("redress", 12),
    ]
    first = risks[0]
    assert first.risk.startswith("If role-based access is no applied or enforced properly")
    # the mitigation runs over the page break; the running header "Version 08/18/2017" goes
    assert first.mitigation.startswith("The AFA applications are in a Moderate FISMA boundary")
    assert "boundary with role-based access that is reviewed by system owners." in first.mitigation
    assert "Version" not in first.mitigation
    assert first.mitigation.endswith("shared between the two systems.")
    assert risks[4].mitigation.startswith("No. The only data from AFA")
    # each mitigation stops where the next section starts
    assert all("Section" not in r.mitigation for r in risks)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    require_shared()
    from benchmarks.generate import generate

    out = tmp_path_factory.mktemp("generated-risks")
    generate(out, 20, 30000, seed=9)
    records = {r.id: r for r in privsearch.read_records([out])}
    truths = [json.loads(line) for line in (out / "structure.jsonl").read_text().splitlines()]
    return records, truths


def test_generated_pairs_are_found_whole_across_page_breaks(generated):
    records, truths = generated
    pairs = crossing = 0
    for truth in truths:
        record = records[truth["reference"]]
        found = [(r.section, r.page, r.risk, r.mitigation) for r in _risks(record)]
        expected = [
            (
                t["section"],
                t["page"],
                " ".join(t["risk"].split()),
                " ".join(t["mitigation"].split()),
            )
            for t in truth["risks"]
        ]
        assert found == expected, truth["slug"]
        pairs += len(found)
        crossing += sum(
            1
            for r in _risks(record)
            if r.mitigation and r.mitigation[-30:] not in record.pages[r.page - 1].text
        )
    assert pairs > 60 and crossing > 0
