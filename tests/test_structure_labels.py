"""The hand labels of sections, facets and risks are well-formed, and the benchmark that scores
`privsearch.structure` against them scores right (checked with extractors whose output is known
by construction, never with the real extractors' figures)."""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
GOVERNMENT = SHARED / "pdfs" / "government"
sys.path.insert(0, str(ROOT))

from benchmarks import structure as bench  # noqa: E402
from privsearch.models import Record, Risk, Section  # noqa: E402

CORPUS_LABELS = bench.read_labels(bench.LABELS)
HELD_OUT_2_LABELS = bench.read_labels(bench.HELD_OUT_2_LABELS)
TUNING_2_LABELS = bench.read_labels(bench.TUNING_2_LABELS)
HELD_OUT_3_LABELS = bench.read_labels(bench.HELD_OUT_3_LABELS)
GOVERNMENT_LABELS = bench.read_labels(bench.GOVERNMENT_LABELS)
ALL_LABELS = (
    CORPUS_LABELS + HELD_OUT_2_LABELS + TUNING_2_LABELS + HELD_OUT_3_LABELS + GOVERNMENT_LABELS
)
EARLIER_HELD_OUT = [lab for lab in CORPUS_LABELS if lab["split"] == "held-out"] + HELD_OUT_2_LABELS


@pytest.fixture(scope="module")
def corpus_records() -> dict[str, Record]:
    if not (CORPUS / "expected.jsonl").is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS} (only present beside the repository)")
    return bench.corpus_records(CORPUS)


@pytest.fixture(scope="module")
def government_records() -> dict[str, Record]:
    if not GOVERNMENT.is_dir():
        pytest.skip(f"the government PDFs are not at {GOVERNMENT}")
    return bench.government_records(GOVERNMENT_LABELS, GOVERNMENT)


@pytest.fixture(scope="module")
def labelled(corpus_records, government_records) -> list[tuple[dict, Record]]:
    records = {**corpus_records, **government_records}
    missing = [label["slug"] for label in ALL_LABELS if label["slug"] not in records]
    assert not missing, f"labelled records not found: {missing}"
    return [(label, records[label["slug"]]) for label in ALL_LABELS]


# -- the label files ----------------------------------------------------------------------------


@pytest.mark.parametrize("label", ALL_LABELS, ids=lambda label: label["slug"])
def test_label_uses_the_shared_vocabulary(label):
    assert set(label) == {
        "slug", "id", "doc_type", "component", "split", "sections", "facets", "risks", "note",
    }  # fmt: skip
    assert label["split"] in bench.SPLITS
    for section in label["sections"]:
        assert section["key"] in bench.SECTION_KEYS
        assert section["level"] in (1, 2)
        if section["level"] == 2:
            assert re.fullmatch(r"\d+\.\d+", section["number"])
            assert section["heading"].startswith(section["number"] + " ")
        else:
            assert re.fullmatch(r"(\d+\.0)?", section["number"])
        assert section["heading"] == section["heading"].strip() and section["page"] >= 1
    assert set(label["facets"]) == set(bench.FACETS)
    for facet, values in label["facets"].items():
        assert len(values) == len(set(values)), f"{facet} repeats a value"
        for value in values:
            if facet in bench.FACET_VALUES:
                assert value in bench.FACET_VALUES[facet]
            elif facet == "retention":
                assert bench.RETENTION_FORM.fullmatch(value), value
            else:
                assert bench.AUTHORITY_FORM.fullmatch(value), value
    if "fingerprints" in label["facets"]["pii"] or "face" in label["facets"]["pii"]:
        assert "biometrics" in label["facets"]["pii"]
    for risk in label["risks"]:
        assert set(risk) == {"section", "page", "risk", "mitigation"}
        assert risk["section"] in bench.SECTION_KEYS
        assert risk["section"] in {s["key"] for s in label["sections"] if s["level"] == 1}
        assert len(bench.risk_opening(risk["risk"])) == bench.RISK_PREFIX
        assert not bench.RISK_LABEL.match(risk["risk"])


def test_slugs_are_unique():
    assert len({label["slug"] for label in ALL_LABELS}) == len(ALL_LABELS)


def test_split_follows_the_held_out_rule():
    for label in CORPUS_LABELS:
        assert label["split"] == bench.split_by_rule(label["slug"]), label["slug"]
    assert {label["split"] for label in GOVERNMENT_LABELS} == {"held-out"}
    assert {label["split"] for label in HELD_OUT_2_LABELS} == {"held-out"}
    assert {label["split"] for label in TUNING_2_LABELS} == {"tuning"}
    assert {label["split"] for label in HELD_OUT_3_LABELS} == {"held-out"}
    assert [label["slug"] for label in GOVERNMENT_LABELS] == [
        "gsa-pia-afa-2017", "usda-fs-epermits-pia-fy18", "usda-fs-epermits-pia-fy19",
    ]  # fmt: skip


def test_sample_follows_its_rule(corpus_records):
    expected = bench.read_expected(CORPUS)
    assert [label["slug"] for label in CORPUS_LABELS] == bench.sample_slugs(
        expected, corpus_records
    )
    assert_rows_of_expected(CORPUS_LABELS, expected)
    groups = Counter(bench.sample_group(label["doc_type"]) for label in CORPUS_LABELS)
    assert groups["PIA"] >= 22 and groups["SORN"] >= 22 and len(CORPUS_LABELS) >= 66
    assert len({label["component"] for label in CORPUS_LABELS}) >= 8


def test_second_sample_follows_its_rule(corpus_records):
    expected = bench.read_expected(CORPUS)
    slugs = [label["slug"] for label in HELD_OUT_2_LABELS]
    assert slugs == bench.second_sample_slugs(expected, corpus_records)
    assert_rows_of_expected(HELD_OUT_2_LABELS, expected)
    groups = bench.sample_groups(expected, corpus_records)
    rows_with_text = sum(len(group) for group in groups.values())
    assert len(slugs) >= bench.SECOND_SAMPLE_SIZE
    for name, group in groups.items():
        chosen = [slug for slug in slugs if slug in group]
        # every 4th row from the third, as many as the group's share of 45 (rounded up)
        assert [group.index(slug) for slug in chosen] == list(range(2, 4 * len(chosen), 4))
        assert len(chosen) == math.ceil(bench.SECOND_SAMPLE_SIZE * len(group) / rows_with_text)
        assert len(chosen) >= 10, name
    assert len({label["component"] for label in HELD_OUT_2_LABELS}) >= 8


def test_tuning_2_follows_its_rule(corpus_records):
    # every 4th row from the second, to the end of each group
    assert_every_fourth_row(TUNING_2_LABELS, bench.tuning_2_slugs, 1, corpus_records)
    counts = Counter(bench.sample_group(label["doc_type"]) for label in TUNING_2_LABELS)
    assert counts == {"PIA": 23, "SORN": 26, "other": 21}


def test_held_out_3_follows_its_rule(corpus_records):
    # every 4th row from the fourth, to the end of each group
    assert_every_fourth_row(HELD_OUT_3_LABELS, bench.held_out_3_slugs, 3, corpus_records)
    counts = Counter(bench.sample_group(label["doc_type"]) for label in HELD_OUT_3_LABELS)
    assert counts == {"PIA": 22, "SORN": 25, "other": 21}


def assert_every_fourth_row(labels, slugs_of, first: int, corpus_records) -> None:
    """`labels` are the sample `slugs_of` chooses: every 4th row of each group from row
    `first`, with their rows' id, type and component, from at least 8 components."""
    expected = bench.read_expected(CORPUS)
    slugs = [label["slug"] for label in labels]
    assert slugs == slugs_of(expected, corpus_records)
    assert_rows_of_expected(labels, expected)
    for group in bench.sample_groups(expected, corpus_records).values():
        chosen = [slug for slug in slugs if slug in group]
        assert [group.index(slug) for slug in chosen] == list(range(first, len(group), 4))
    assert len({label["component"] for label in labels}) >= 8


def assert_rows_of_expected(labels, expected) -> None:
    """Each label's id, type and component are its row's in expected.jsonl."""
    rows = {row["slug"]: row for row in expected}
    for label in labels:
        row = rows[label["slug"]]
        assert (label["id"], label["doc_type"], label["component"]) == (
            row["id"], row["doc_type"], row["component"],
        )  # fmt: skip


def test_samples_never_overlap(corpus_records):
    samples = {
        0: {label["slug"] for label in CORPUS_LABELS},
        2: {label["slug"] for label in HELD_OUT_2_LABELS},
        1: {label["slug"] for label in TUNING_2_LABELS},
        3: {label["slug"] for label in HELD_OUT_3_LABELS},
    }
    assert all(samples.values())
    for start, sample in samples.items():
        for other in set(samples) - {start}:
            assert not sample & samples[other], (start, other)
    groups = bench.sample_groups(bench.read_expected(CORPUS), corpus_records)
    for start, sample in samples.items():
        for group in groups.values():
            assert {group.index(slug) % 4 for slug in sample & set(group)} == {start}


def test_second_sample_never_overlaps_the_first(corpus_records):
    first = {label["slug"] for label in CORPUS_LABELS}
    second = {label["slug"] for label in HELD_OUT_2_LABELS}
    assert first and second and not first & second
    groups = bench.sample_groups(bench.read_expected(CORPUS), corpus_records)
    for group in groups.values():
        assert {group.index(slug) % 4 for slug in first & set(group)} == {0}
        assert {group.index(slug) % 4 for slug in second & set(group)} == {2}


def test_every_heading_stands_on_its_page(labelled):
    for label, record in labelled:
        for section in label["sections"]:
            page = bench.page_of(record, section["page"])
            assert page is not None, (label["slug"], section)
            at = page.text.find(section["heading"])
            assert at >= 0, (label["slug"], section)
            end = at + len(section["heading"])
            # a heading, not a piece of a longer word
            assert at == 0 or not page.text[at - 1].isalnum(), (label["slug"], section)
            assert end == len(page.text) or not page.text[end].isalnum(), (label["slug"], section)


def test_sections_are_in_document_order(labelled):
    for label, record in labelled:
        places = [(s["page"], bench.heading_offset(record, s)) for s in label["sections"]]
        assert places == sorted(places), label["slug"]


def test_every_risk_starts_on_its_page(labelled):
    for label, record in labelled:
        for risk in label["risks"]:
            page = bench.page_of(record, risk["page"])
            next_page = bench.page_of(record, risk["page"] + 1)
            text = " ".join(page.text.split())
            assert bench.risk_opening(risk["risk"]) in text, (label["slug"], risk)
            following = text + " " + " ".join((next_page.text if next_page else "").split())
            assert " ".join(risk["mitigation"].split())[:40] in following, (label["slug"], risk)


# -- the scoring --------------------------------------------------------------------------------


def _oracle(labelled):
    """An extractor that returns exactly the labels (known right by construction)."""
    by_record = {(record.source, record.id): label for label, record in labelled}

    def extract(record: Record) -> Record:
        label = by_record[(record.source, record.id)]
        sections = tuple(
            Section(
                key=s["key"],
                title=s["heading"],
                page=s["page"],
                offset=bench.heading_offset(record, s),
                level=s["level"],
                number=s["number"],
            )
            for s in label["sections"]
        )
        facets = tuple((f, v) for f in bench.FACETS for v in label["facets"][f])
        risks = tuple(
            Risk(
                risk="Privacy Risk: " + r["risk"],
                mitigation=r["mitigation"],
                section=r["section"],
                page=r["page"],
            )
            for r in label["risks"]
        )
        return replace(record, sections=sections, facets=facets, risks=risks)

    return extract


def test_labels_score_themselves_perfectly(labelled):
    result = bench.evaluate_structure(("all",), CORPUS, GOVERNMENT, extract=_oracle(labelled))
    assert result["missing"] == []
    assert len(result["documents"]) == len(ALL_LABELS)
    assert result["tuning 2"]["documents"] == len(TUNING_2_LABELS)
    assert result["earlier held-out"]["documents"] == len(EARLIER_HELD_OUT)
    assert result["held-out 3"]["documents"] == len(HELD_OUT_3_LABELS)
    assert result["tuning combined"]["documents"] == len(CORPUS_LABELS + HELD_OUT_2_LABELS) + len(
        TUNING_2_LABELS
    )
    for group in bench.REPORT_GROUPS:
        totals = result[group]
        assert totals["sections"]["accuracy"] == 1.0
        for facet in totals["facets"].values():
            assert facet["precision"] in (1.0, None) and facet["recall"] in (1.0, None)
        assert totals["risks"]["found"] == totals["risks"]["labelled"]
        assert totals["risks"]["unlabelled_given"] == 0
    assert result["government"]["risks"]["labelled"] == 44
    assert result["held-out 3"]["facets"]["exemption"]["right"] == 4  # TSA-006 and TSA-002


def test_an_extractor_that_finds_nothing_scores_nothing(labelled):
    result = bench.evaluate_structure(("tuning",), CORPUS, GOVERNMENT, extract=lambda r: r)
    # the tuning split only: no third held-out sample, no government
    assert set(result) == {
        "documents", "missing", "tuning", "tuning 2", "earlier held-out", "tuning combined",
    }  # fmt: skip
    totals = result["tuning"]
    assert totals["documents"] == sum(1 for lab in CORPUS_LABELS if lab["split"] == "tuning")
    for part in (*bench.TUNING_PARTS, "tuning combined"):
        totals = result[part]
        assert totals["sections"]["found"] == 0 and totals["sections"]["labelled"] > 0
        assert totals["facets"]["pii"]["recall"] == 0.0
        assert totals["facets"]["pii"]["precision"] is None
    held_out = bench.evaluate_structure(("held-out",), CORPUS, GOVERNMENT, extract=lambda r: r)
    assert set(held_out) == {"documents", "missing", "held-out 3", "government"}
    assert held_out["held-out 3"]["sections"]["found"] == 0
    assert held_out["held-out 3"]["sections"]["labelled"] > 0


def test_wrong_facet_values_lower_precision_only(labelled):
    oracle = _oracle(labelled)

    def extract(record: Record) -> Record:
        found = oracle(record)
        return replace(found, facets=found.facets + (("pii", "DNA"),))

    result = bench.evaluate_structure(("held-out",), CORPUS, None, extract=extract)
    pii = result["held-out 3"]["facets"]["pii"]
    wrong = sum("DNA" not in lab["facets"]["pii"] for lab in HELD_OUT_3_LABELS)
    assert wrong > 0
    assert pii["recall"] == 1.0
    assert pii["given"] == pii["labelled"] + wrong
    assert pii["precision"] == pii["labelled"] / (pii["labelled"] + wrong)
    assert "government" not in result and "tuning" not in result


def test_earlier_held_out_samples_are_tuning_data(labelled):
    result = bench.evaluate_structure(("tuning",), CORPUS, None, extract=lambda r: r)
    earlier = result["earlier held-out"]
    assert earlier["documents"] == len(EARLIER_HELD_OUT) == 13 + len(HELD_OUT_2_LABELS)
    assert earlier["sections"]["labelled"] == sum(len(lab["sections"]) for lab in EARLIER_HELD_OUT)
    assert earlier["facets"]["pii"]["labelled"] == sum(
        len(lab["facets"]["pii"]) for lab in EARLIER_HELD_OUT
    )
    lines = bench.report_lines(result, False, ("tuning",))
    assert f"earlier held-out: {len(EARLIER_HELD_OUT)} documents" in lines
    assert "held-out 3" not in result and "held-out 2" not in result
    alone = bench.evaluate_structure(
        ("tuning",), CORPUS, None, extract=lambda r: r, held_out_2_labels=None
    )
    assert alone["earlier held-out"]["documents"] == 13
    assert alone["tuning"] == result["tuning"]


def test_tuning_combined_is_the_three_tuning_parts_together(labelled):
    result = bench.evaluate_structure(("tuning",), CORPUS, None, extract=_oracle(labelled))
    parts = [result[part] for part in bench.TUNING_PARTS]
    combined = result["tuning combined"]
    assert result["tuning 2"]["documents"] == len(TUNING_2_LABELS)
    assert combined["documents"] == sum(part["documents"] for part in parts)
    assert combined["sections"]["labelled"] == sum(part["sections"]["labelled"] for part in parts)
    for facet in bench.FACETS:
        for count in ("labelled", "given", "right"):
            assert combined["facets"][facet][count] == sum(
                part["facets"][facet][count] for part in parts
            )
    assert result["tuning 2"]["facets"]["exemption"]["right"] > 0
    assert result["earlier held-out"]["facets"]["pii"]["labelled"] > 0
    lines = bench.report_lines(result, False, ("tuning",))
    assert f"tuning 2: {len(TUNING_2_LABELS)} documents" in lines
    assert f"tuning combined: {combined['documents']} documents" in lines
    alone = bench.evaluate_structure(
        ("tuning",), CORPUS, None, extract=lambda r: r, tuning_2_labels=None
    )
    assert "tuning 2" not in alone
    assert alone["tuning combined"]["documents"] == combined["documents"] - len(TUNING_2_LABELS)


def test_misses_per_document_name_only_the_asked_split(labelled):
    result = bench.evaluate_structure(("all",), CORPUS, GOVERNMENT, extract=lambda r: r)
    tuning_slugs = {lab["slug"] for lab in CORPUS_LABELS + TUNING_2_LABELS + HELD_OUT_2_LABELS}
    held_out_slugs = {lab["slug"] for lab in HELD_OUT_3_LABELS + GOVERNMENT_LABELS}
    assert set(bench.shown_documents(result, ("tuning",))) == tuning_slugs
    assert set(bench.shown_documents(result, ("held-out",))) == held_out_slugs
    # every labelled document with a section misses it here, so each is named in its listing
    named = {line.strip() for line in bench.report_lines(result, True, ("tuning",))}
    assert named & tuning_slugs and not named & held_out_slugs
    named = {line.strip() for line in bench.report_lines(result, True, ("held-out",))}
    assert named & held_out_slugs and not named & tuning_slugs


LABEL = {"key": "summary", "level": 1, "number": "", "page": 2, "heading": "SUMMARY:"}


@pytest.mark.parametrize(
    ("found", "right"),
    [
        (Section("summary", "SUMMARY:", 2, 140), True),
        (Section("summary", "SUMMARY:", 2, 100 + 40), True),
        (Section("summary", "SUMMARY:", 2, 100 - 40), True),
        (Section("summary", "SUMMARY:", 2, 100 + 41), False),
        (Section("summary", "SUMMARY:", 3, 100), False),
        (Section("dates", "SUMMARY:", 2, 100), False),
        (Section("summary", "SUMMARY:", 2, 100, level=2), False),
    ],
)
def test_section_boundary_rule(found, right):
    assert bench.section_found(LABEL, 100, [found]) is right
    assert bench.section_found(LABEL, -1, [found]) is False  # a heading not on its page


def test_risk_rule_compares_openings_without_their_label():
    label = {"page": 4, "risk": "If role-based access is no applied or enforced properly, data"}
    same = "Privacy Risk:  If role-based access is no\napplied or enforced properly, and more"
    assert bench.risk_matches(label, Risk(same, "", "uses", 4))
    assert bench.risk_matches(label, Risk("Risk: " + label["risk"], "", "uses", 4))
    assert not bench.risk_matches(label, Risk(same, "", "uses", 5))
    assert not bench.risk_matches(label, Risk("If role-based access is not applied", "", "", 4))
