"""The sample, target shapes and corpus look-ups behind the hand labels of links between documents.

The labels themselves (`links/labels.jsonl` and the wholly held-out `links/labels-held-out-2.jsonl`,
described in `links/LABELS.md`) were made by reading the page texts; this module only recomputes
what a label file is checked against: which rows the sampling rule walks and where each sample
starts and stops, what a normalised target looks like, and which ids and Federal Register
citations the shared corpus holds (`in_corpus`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import privsearch
from benchmarks.structure import has_text, match_records, read_expected, sample_group
from privsearch.models import Record

LABELS = Path(__file__).resolve().parent / "links" / "labels.jsonl"
# the rest of the walk after the document where LABELS stops, every document held out
HELD_OUT_2_LABELS = LABELS.with_name("labels-held-out-2.jsonl")
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

KINDS = ("cites_sorn", "cites_pia", "cites_fr", "exemption_rule_for", "supersedes", "version_of")
# every 3rd PIA/PIA Update and every 3rd SORN, every 5th row of the other types
GROUP_STEP = {"PIA": 3, "SORN": 3, "other": 5}
LINK_TARGET = 100  # the walk stops with the document that brings the labelled links to this many

_COMPONENT = r"(?!PIA-)[A-Z][A-Z&-]*[A-Z]"  # ALL, CBP, S&T, US-VISIT, ICE-CBP-CIS
SORN_ID = re.compile(rf"DHS/{_COMPONENT}(?:/{_COMPONENT})*-\d{{3}}")
PIA_ID = re.compile(r"DHS/[A-Z&]+(?:/[A-Z&]+)*/PIA-\d{3}(?:-\d{2})?(?:\([a-z]\))?")
FR_CITATION = re.compile(r"\d{1,3} FR [1-9]\d{0,5}")
# a corpus record's own id where the publication has no DHS id (an early PIA, a listing page)
RECORD_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")
TARGET_SHAPES = {
    "cites_sorn": (SORN_ID,),
    "cites_pia": (PIA_ID,),
    "cites_fr": (FR_CITATION,),
    "exemption_rule_for": (SORN_ID,),
    "supersedes": (SORN_ID, PIA_ID, FR_CITATION),
    "version_of": (SORN_ID, PIA_ID, RECORD_SLUG),
}


def read_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    """The labelled documents, in file order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def read_corpus(corpus: Path = DEFAULT_CORPUS) -> tuple[list[dict[str, Any]], list[Record]]:
    """The rows of `corpus/expected.jsonl` and every record read from `corpus/dhs`."""
    return read_expected(corpus), list(privsearch.read_records([corpus / "dhs"]))


def records_by_slug(
    expected: Sequence[dict[str, Any]], records: Iterable[Record], corpus: Path = DEFAULT_CORPUS
) -> dict[str, Record]:
    """Each expected row's record, matched by `source` as in `benchmarks.structure`."""
    return match_records(expected, records, (corpus / "dhs").resolve())


def sample_passes(
    expected: Sequence[dict[str, Any]], records: dict[str, Record]
) -> list[list[str]]:
    """The rows whose record has text, in file order, split into passes: pass 0 holds every
    3rd PIA/PIA Update and SORN and every 5th other row from the first, pass 1 the same from the
    second, and so on."""
    seen = dict.fromkeys(GROUP_STEP, 0)
    passes: list[list[str]] = [[] for _ in range(max(GROUP_STEP.values()))]
    for row in expected:
        record = records.get(row["slug"])
        if record is None or not has_text(record):
            continue
        group = sample_group(row["doc_type"])
        passes[seen[group] % GROUP_STEP[group]].append(row["slug"])
        seen[group] += 1
    return [slugs for slugs in passes if slugs]


def sample_walk(expected: Sequence[dict[str, Any]], records: dict[str, Record]) -> list[str]:
    """Every row in the order labelling walks them: pass 0, then pass 1, ..."""
    return [slug for slugs in sample_passes(expected, records) for slug in slugs]


def walk_after(
    expected: Sequence[dict[str, Any]], records: dict[str, Record], last: str
) -> list[str]:
    """The documents the walk reaches after `last`, in walk order: where a sample that continues
    one stopped at `last` goes."""
    walk = sample_walk(expected, records)
    return walk[walk.index(last) + 1 :]


def normalise_fr(citation: str) -> str:
    """`85 FR 79999`, `85 Fed. Reg. 79,999` and the like as volume, `FR`, first page."""
    match = re.match(r"\s*(\d+)\s*(?:FR|Fed\.?\s*Reg\.?)\s*([\d,]+)", citation)
    if match is None:
        return citation.strip()
    return f"{match.group(1)} FR {match.group(2).replace(',', '')}"


def in_corpus_targets(records: Iterable[Record]) -> set[str]:
    """Every id and every Federal Register citation (from `details`) a corpus record has."""
    found: set[str] = set()
    for record in records:
        found.add(record.id)
        found.update(normalise_fr(value) for name, value in record.details if name == "citation")
    return found


def target_shape_ok(kind: str, target: str) -> bool:
    return any(shape.fullmatch(target) for shape in TARGET_SHAPES.get(kind, ()))
