"""Sections, privacy facets and risks found by `privsearch.structure`, against the hand labels.

    python -m benchmarks.structure [--split tuning|held-out|all] [--json] [--corpus DIR]
                                   [--government DIR] [--per-document]

Reads the labels of records of the shared corpus (`structure/labels.jsonl`, the first sample;
`structure/labels-tuning-2.jsonl`; `structure/labels-held-out-2.jsonl`;
`structure/labels-held-out-3.jsonl`) and of the full-length PIAs of other agencies
(`structure/labels-government.jsonl`; see `structure/LABELS.md`), reads each labelled record,
runs `privsearch.structure.structure` on it and reports, for each part apart (below):

- section boundary accuracy: labelled sections found right / labelled sections, overall and per
  key. A section is found right when the extractor gives one with the same key and level on the
  same page, starting within 40 characters of where the labelled heading starts in that page's
  text (`page.text.find(heading)`);
- precision and recall of each facet, micro-averaged over documents (a value counts once per
  document);
- risk pairs found (a risk on the same page whose text starts with the labelled risk's first 40
  characters, whitespace collapsed and a leading "Privacy Risk:" / "Risk:" label dropped) out of
  those labelled, and the risks given that match no label.

The parts of the tuning split: "tuning" (the tuning records of the first sample), "tuning 2",
"earlier held-out" (the first sample's held-out records and the second held-out sample, tuning
data since the third held-out sample was made) and "tuning combined" (the three together). The
parts of the held-out split: "held-out 3" and "government", both wholly held out.
`--per-document` lists each document's misses for the tuning split's documents only, unless
`--split held-out` asks for the held-out documents by name: their per-document results are not
for tuning extractors on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

import privsearch
from privsearch.models import Page, Record, Risk, Section

LABELS_DIR = Path(__file__).parent / "structure"
LABELS = LABELS_DIR / "labels.jsonl"
GOVERNMENT_LABELS = LABELS_DIR / "labels-government.jsonl"
HELD_OUT_2_LABELS = LABELS_DIR / "labels-held-out-2.jsonl"
TUNING_2_LABELS = LABELS_DIR / "labels-tuning-2.jsonl"
HELD_OUT_3_LABELS = LABELS_DIR / "labels-held-out-3.jsonl"
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_GOVERNMENT = Path(__file__).resolve().parents[2] / "shared" / "pdfs" / "government"
SPLITS = ("tuning", "held-out")
PARTS = ("tuning", "held-out", "all")
FACETS = ("pii", "technology", "retention", "authority", "exemption")
TUNING_PARTS = ("tuning", "tuning 2", "earlier held-out")
HELD_OUT_PARTS = ("held-out 3", "government")
PART_SPLIT = {**dict.fromkeys(TUNING_PARTS, "tuning"), **dict.fromkeys(HELD_OUT_PARTS, "held-out")}
SAMPLE_STEP = 4  # every sample takes every 4th row of each group
SECOND_SAMPLE_START = 2  # the third row: the first sample starts with the first, so never overlaps
TUNING_2_START = 1  # the second row: neither earlier sample starts there, so none overlaps
HELD_OUT_3_START = 3  # the fourth row: the three earlier samples start with the first three
SECOND_SAMPLE_SIZE = 45  # at least this many records, each group in proportion to its size
BOUNDARY_TOLERANCE = 40  # characters between the labelled and the found start of a section
RISK_PREFIX = 40  # characters of a risk's opening that must agree

# The vocabulary: section keys and the closed facet value lists. Retention and authority
# values are open, with the normal forms below.
PIA_SECTION_KEYS = (
    "abstract", "overview", "update_reason", "authorities", "characterization", "uses", "notice",
    "retention", "sharing", "redress", "auditing", "technology", "conclusion",
    "responsible_officials",
)  # fmt: skip
FR_SECTION_KEYS = (
    "agency", "action", "summary", "dates", "addresses", "contact", "supplementary", "system_name",
    "security_classification", "system_location", "system_manager", "authority", "purpose",
    "categories_of_individuals", "categories_of_records", "record_source_categories",
    "routine_uses", "storage", "retrieval", "retention", "safeguards", "record_access",
    "contesting", "notification", "exemptions", "history",
)  # fmt: skip
SECTION_KEYS = frozenset(PIA_SECTION_KEYS + FR_SECTION_KEYS)
FACET_VALUES: dict[str, frozenset[str]] = {
    "pii": frozenset({
        "name", "Social Security number", "A-Number", "passport number",
        "driver's license number", "date of birth", "place of birth", "citizenship", "sex",
        "contact information", "financial information", "medical information",
        "criminal history", "immigration status", "employment information", "education",
        "family members", "travel information", "social media identifiers", "location",
        "license plates", "vehicle information", "device identifiers", "user credentials",
        "photographs", "signature", "biometrics", "face", "fingerprints", "iris", "DNA", "voice",
    }),
    "technology": frozenset({
        "facial recognition", "license plate readers", "unmanned aircraft", "body-worn cameras",
        "cell-site simulators", "social media monitoring", "mobile device forensics", "RFID",
        "artificial intelligence", "cloud services", "video surveillance", "GPS tracking",
        "body scanners", "mobile apps", "Rapid DNA", "iris recognition", "fingerprint matching",
        "data mining",
    }),
    "exemption": frozenset(
        {"(j)(2)", "(k)(1)", "(k)(2)", "(k)(3)", "(k)(4)", "(k)(5)", "(k)(6)", "(k)(7)"}
    ),
}  # fmt: skip
RETENTION_FORM = re.compile(r"(?:[1-9]\d*(?:\.[1-9])?|0\.[1-9]) years|under 1 year|permanent")
AUTHORITY_FORM = re.compile(
    r"\d+ U\.S\.C\. § \d+[a-z0-9-]*"
    r"|\d+ C\.F\.R\. § \d+(?:\.\d+[a-z0-9-]*)?|\d+ C\.F\.R\. Part \d+"
    r"|E\.O\. \d+|Pub\. L\. \d+-\d+"
)
RISK_LABEL = re.compile(r"^(?:privacy\s+)?risk\s*:\s*", re.IGNORECASE)


# -- labels and records -------------------------------------------------------------------------


def read_labels(path: Path) -> list[dict[str, Any]]:
    """The labelled documents of one labels file, in file order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def split_by_rule(slug: str) -> str:
    """The shared held-out rule: a slug whose sha1 hex digest ends in 0-4 is held out."""
    return "held-out" if hashlib.sha1(slug.encode()).hexdigest()[-1] in "01234" else "tuning"


def read_expected(corpus: Path) -> list[dict[str, Any]]:
    """The rows of `corpus/expected.jsonl`, in file order."""
    return read_labels(corpus / "expected.jsonl")


def match_records(expected: Sequence[dict[str, Any]], records: Iterable[Record], root: Path):
    """Each expected row's record, by slug: the record whose `source` is one of the row's
    `files` (and whose id is the row's, where several records share that file)."""
    by_file: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        source = Path(record.source).resolve()
        if source.is_relative_to(root):
            by_file[source.relative_to(root).as_posix()].append(record)
    found = {}
    for row in expected:
        candidates = [r for name in row["files"] for r in by_file.get(name, [])]
        if len(candidates) > 1:
            candidates = [r for r in candidates if r.id == row["id"]]
        if len(candidates) == 1:
            found[row["slug"]] = candidates[0]
    return found


def corpus_records(corpus: Path) -> dict[str, Record]:
    """Every record of `corpus/dhs` that maps to one row of `corpus/expected.jsonl`, by slug."""
    root = (corpus / "dhs").resolve()
    return match_records(read_expected(corpus), privsearch.read_records([root]), root)


def government_records(labels: Iterable[dict[str, Any]], pdfs: Path) -> dict[str, Record]:
    """The record of each labelled government PDF (`<slug>.pdf` in `pdfs`), by slug."""
    found = {}
    for label in labels:
        path = pdfs / f"{label['slug']}.pdf"
        if path.is_file():
            records = list(privsearch.read_records([path]))
            if records:
                found[label["slug"]] = records[0]
    return found


def has_text(record: Record) -> bool:
    return any(page.text.strip() for page in record.pages)


def sample_group(doc_type: str) -> str:
    if doc_type in ("PIA", "PIA Update"):
        return "PIA"
    return "SORN" if doc_type == "SORN" else "other"


def sample_groups(
    expected: Sequence[dict[str, Any]], records: dict[str, Record]
) -> dict[str, list[str]]:
    """The slugs of the rows whose record has text, in file order, grouped as PIA/PIA Update,
    SORN and every other type."""
    groups: dict[str, list[str]] = {"PIA": [], "SORN": [], "other": []}
    for row in expected:
        record = records.get(row["slug"])
        if record is not None and has_text(record):
            groups[sample_group(row["doc_type"])].append(row["slug"])
    return groups


def sample_slugs(expected: Sequence[dict[str, Any]], records: dict[str, Record]) -> list[str]:
    """The labelled sample's rule: every 4th row of each group (`sample_groups`) from the
    first."""
    groups = sample_groups(expected, records)
    return [slug for group in groups.values() for slug in group[::SAMPLE_STEP]]


def second_sample_slugs(
    expected: Sequence[dict[str, Any]], records: dict[str, Record]
) -> list[str]:
    """The second held-out sample's rule: every 4th row of each group (`sample_groups`) from the
    third, each group cut to its first ceil(SECOND_SAMPLE_SIZE * group rows / all rows)."""
    groups = sample_groups(expected, records)
    rows = sum(len(group) for group in groups.values())
    slugs = []
    for group in groups.values():
        share = -(-SECOND_SAMPLE_SIZE * len(group) // rows)  # ceiling division
        slugs += group[SECOND_SAMPLE_START::SAMPLE_STEP][:share]
    return slugs


def tuning_2_slugs(expected: Sequence[dict[str, Any]], records: dict[str, Record]) -> list[str]:
    """The second tuning sample's rule: every 4th row of each group (`sample_groups`) from the
    second, all of them."""
    groups = sample_groups(expected, records)
    return [slug for group in groups.values() for slug in group[TUNING_2_START::SAMPLE_STEP]]


def held_out_3_slugs(expected: Sequence[dict[str, Any]], records: dict[str, Record]) -> list[str]:
    """The third held-out sample's rule: every 4th row of each group (`sample_groups`) from the
    fourth, all of them."""
    groups = sample_groups(expected, records)
    return [slug for group in groups.values() for slug in group[HELD_OUT_3_START::SAMPLE_STEP]]


# -- scoring one document -----------------------------------------------------------------------


def page_of(record: Record, number: int) -> Page | None:
    return next((page for page in record.pages if page.number == number), None)


def heading_offset(record: Record, section: dict[str, Any]) -> int:
    """Where the labelled heading starts in its page's text (-1 when it is not there)."""
    page = page_of(record, section["page"])
    return -1 if page is None else page.text.find(section["heading"])


def section_found(label: dict[str, Any], offset: int, found: Iterable[Section]) -> bool:
    """Whether an extracted section has the label's key and level, on its page, starting within
    BOUNDARY_TOLERANCE characters of the labelled heading's `offset`."""
    return offset >= 0 and any(
        s.key == label["key"]
        and s.level == label["level"]
        and s.page == label["page"]
        and abs(s.offset - offset) <= BOUNDARY_TOLERANCE
        for s in found
    )


def risk_opening(text: str) -> str:
    """The first RISK_PREFIX characters of a risk statement, whitespace collapsed and a leading
    "Privacy Risk:" / "Risk:" label dropped."""
    return RISK_LABEL.sub("", " ".join(text.split()))[:RISK_PREFIX]


def risk_matches(label: dict[str, Any], risk: Risk) -> bool:
    return risk.page == label["page"] and risk_opening(risk.risk) == risk_opening(label["risk"])


def score_document(label: dict[str, Any], record: Record) -> dict[str, Any]:
    """What the extractor found of one labelled document: sections found and missed, facet
    values right, wrong and missed, risks found, missed and given without a label."""
    found_sections = list(record.sections)
    sections = []
    for section in label["sections"]:
        hit = section_found(section, heading_offset(record, section), found_sections)
        sections.append({**section, "found": hit})
    facets = {}
    for facet in FACETS:
        labelled = set(label["facets"].get(facet, []))
        given = set(record.facet(facet))
        facets[facet] = {
            "right": sorted(labelled & given),
            "wrong": sorted(given - labelled),
            "missed": sorted(labelled - given),
        }
    given_risks = list(record.risks)
    risks = [{**r, "found": any(risk_matches(r, g) for g in given_risks)} for r in label["risks"]]
    unlabelled = [
        {"page": g.page, "section": g.section, "risk": risk_opening(g.risk)}
        for g in given_risks
        if not any(risk_matches(r, g) for r in label["risks"])
    ]
    return {
        "slug": label["slug"],
        "split": label["split"],
        "sections": sections,
        "facets": facets,
        "risks": risks,
        "unlabelled_risks": unlabelled,
    }


# -- totals -------------------------------------------------------------------------------------


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def totals(scored: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Section accuracy (overall, per key, per level), facet precision and recall (micro over
    documents) and risk counts of a set of scored documents."""
    labelled, right = Counter(), Counter()
    for doc in scored:
        for s in doc["sections"]:
            for bucket in ("all", f"key:{s['key']}", f"level:{s['level']}"):
                labelled[bucket] += 1
                right[bucket] += s["found"]
    facets = {}
    for facet in FACETS:
        tp = sum(len(doc["facets"][facet]["right"]) for doc in scored)
        fp = sum(len(doc["facets"][facet]["wrong"]) for doc in scored)
        fn = sum(len(doc["facets"][facet]["missed"]) for doc in scored)
        facets[facet] = {
            "labelled": tp + fn,
            "given": tp + fp,
            "right": tp,
            "precision": ratio(tp, tp + fp),
            "recall": ratio(tp, tp + fn),
        }
    risks_labelled = sum(len(doc["risks"]) for doc in scored)
    risks_found = sum(r["found"] for doc in scored for r in doc["risks"])
    return {
        "documents": len(scored),
        "sections": {
            "labelled": labelled["all"],
            "found": right["all"],
            "accuracy": ratio(right["all"], labelled["all"]),
            "per_key": per_bucket(labelled, right, "key:"),
            "per_level": per_bucket(labelled, right, "level:"),
        },
        "facets": facets,
        "risks": {
            "labelled": risks_labelled,
            "found": risks_found,
            "recall": ratio(risks_found, risks_labelled),
            "unlabelled_given": sum(len(doc["unlabelled_risks"]) for doc in scored),
        },
    }


def per_bucket(labelled: Counter, right: Counter, prefix: str) -> dict[str, dict[str, Any]]:
    return {
        name[len(prefix) :]: {
            "labelled": labelled[name],
            "found": right[name],
            "accuracy": ratio(right[name], labelled[name]),
        }
        for name in sorted(labelled)
        if name.startswith(prefix)
    }


LabelledPairs = list[tuple[dict[str, Any], Record | None]]


def tuning_parts(
    labels: Path, tuning_2_labels: Path | None, held_out_2_labels: Path | None
) -> dict[str, list[dict[str, Any]]]:
    """The tuning split's labels by part: the tuning records of `labels`, the second tuning
    sample, and the earlier held-out records (those of `labels` and the second held-out
    sample). A `None` path leaves its sample out."""
    first = read_labels(labels)
    parts = {"tuning": [label for label in first if label["split"] == "tuning"]}
    if tuning_2_labels is not None:
        parts["tuning 2"] = read_labels(tuning_2_labels)
    earlier = [label for label in first if label["split"] == "held-out"]
    if held_out_2_labels is not None:
        earlier += read_labels(held_out_2_labels)
    parts["earlier held-out"] = earlier
    return parts


def pair_records(labels: Iterable[dict[str, Any]], records: dict[str, Record]) -> LabelledPairs:
    return [(label, records.get(label["slug"])) for label in labels]


def score_part(
    part: str, pairs: LabelledPairs, extract: Callable[[Record], Record], result: dict[str, Any]
) -> list[dict[str, Any]]:
    """The scores of one part's documents; each is also kept in `result["documents"]`, and a
    labelled document without its record in `result["missing"]`."""
    scored = []
    for label, record in pairs:
        if record is None:
            result["missing"].append(label["slug"])
            continue
        doc = {**score_document(label, extract(record)), "part": part}
        scored.append(doc)
        result["documents"][label["slug"]] = doc
    return scored


def evaluate_structure(
    parts: Sequence[str] = PARTS,
    corpus: Path = DEFAULT_CORPUS,
    government: Path | None = DEFAULT_GOVERNMENT,
    labels: Path = LABELS,
    government_labels: Path = GOVERNMENT_LABELS,
    extract: Callable[[Record], Record] | None = None,
    held_out_2_labels: Path | None = HELD_OUT_2_LABELS,
    tuning_2_labels: Path | None = TUNING_2_LABELS,
    held_out_3_labels: Path | None = HELD_OUT_3_LABELS,
) -> dict[str, Any]:
    """The scores of `extract` (default `privsearch.structure.structure`) on the labelled
    documents: {part: totals for each part scored, "documents": {slug: per-document score, with
    its "part"}, "missing": [labelled slugs whose record was not found]}.

    `parts` picks the splits ("all" = both). The tuning split scores "tuning", "tuning 2",
    "earlier held-out" and "tuning combined" (the three together); the held-out split scores
    "held-out 3" and "government". `tuning_2_labels=None`, `held_out_2_labels=None`,
    `held_out_3_labels=None` and `government=None` leave those samples out.
    """
    if extract is None:
        from privsearch.structure import structure as extract
    splits = SPLITS if "all" in parts else tuple(s for s in SPLITS if s in parts)
    records = corpus_records(corpus)
    groups: dict[str, LabelledPairs] = {}
    if "tuning" in splits:
        for part, part_labels in tuning_parts(labels, tuning_2_labels, held_out_2_labels).items():
            groups[part] = pair_records(part_labels, records)
    if "held-out" in splits and held_out_3_labels is not None:
        groups["held-out 3"] = pair_records(read_labels(held_out_3_labels), records)
    if "held-out" in splits and government is not None:
        gov_labels = read_labels(government_labels)
        groups["government"] = pair_records(gov_labels, government_records(gov_labels, government))
    result: dict[str, Any] = {"documents": {}, "missing": []}
    scored = {part: score_part(part, pairs, extract, result) for part, pairs in groups.items()}
    for part, docs in scored.items():
        result[part] = totals(docs)
    if "tuning" in splits:
        result["tuning combined"] = totals(
            [doc for part in TUNING_PARTS for doc in scored.get(part, [])]
        )
    return result


# -- report -------------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def group_lines(name: str, t: dict[str, Any]) -> list[str]:
    s, r = t["sections"], t["risks"]
    lines = [
        f"{name}: {t['documents']} documents",
        f"  sections found right  {percent(s['accuracy'])}  ({s['found']}/{s['labelled']})",
    ]
    buckets = [(f"level {level}", v) for level, v in s["per_level"].items()]
    for name, v in buckets + list(s["per_key"].items()):
        lines.append(f"    {name:<28}{percent(v['accuracy'])}  ({v['found']}/{v['labelled']})")
    lines.append("  facet         precision  recall   (right / given / labelled)")
    for facet, v in t["facets"].items():
        lines.append(
            f"    {facet:<12}{percent(v['precision'])}    {percent(v['recall'])}"
            f"  ({v['right']} / {v['given']} / {v['labelled']})"
        )
    lines.append(
        f"  risks found           {percent(r['recall'])}  ({r['found']}/{r['labelled']}); "
        f"{r['unlabelled_given']} given without a label"
    )
    return lines


def document_lines(doc: dict[str, Any]) -> list[str]:
    """One document's misses: sections not found, facet values wrong or missed, risks."""
    lines = []
    for s in doc["sections"]:
        if not s["found"]:
            lines.append(f"    section missed: {s['key']} (level {s['level']}) p{s['page']} "
                         f"{s['heading'].splitlines()[0][:60]!r}")  # fmt: skip
    for facet, v in doc["facets"].items():
        if v["missed"]:
            lines.append(f"    {facet} missed: {', '.join(v['missed'])}")
        if v["wrong"]:
            lines.append(f"    {facet} not labelled: {', '.join(v['wrong'])}")
    for r in doc["risks"]:
        if not r["found"]:
            opening = risk_opening(r["risk"])
            lines.append(f"    risk missed: {r['section']} p{r['page']} {opening!r}")
    for r in doc["unlabelled_risks"]:
        lines.append(f"    risk not labelled: p{r['page']} {r['risk']!r}")
    return [f"  {doc['slug']}", *lines] if lines else []


REPORT_GROUPS = (*TUNING_PARTS, "tuning combined", *HELD_OUT_PARTS)


def shown_documents(result: dict[str, Any], shown: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The scored documents of the parts whose split is in `shown`, by slug."""
    return {
        slug: doc for slug, doc in result["documents"].items() if PART_SPLIT[doc["part"]] in shown
    }


def report_lines(result: dict[str, Any], per_document: bool, shown: Sequence[str]) -> list[str]:
    lines = []
    for group in REPORT_GROUPS:
        if group in result:
            lines += [*group_lines(group, result[group]), ""]
    if result["missing"]:
        lines += [f"records not found: {', '.join(result['missing'])}", ""]
    if per_document:
        lines.append(f"Misses per document ({', '.join(shown)}):")
        for doc in shown_documents(result, shown).values():
            lines += document_lines(doc)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split",
        choices=PARTS,
        default="all",
        help="score only this split (default: both; tuning = the first sample's tuning records, "
        "the second tuning sample and the earlier held-out records, apart and together; "
        "held-out = the third held-out sample and the government PIAs)",
    )
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="holds dhs/ and expected.jsonl"
    )
    parser.add_argument(
        "--government", type=Path, default=DEFAULT_GOVERNMENT, help="the government PIAs' PDFs"
    )
    parser.add_argument("--per-document", action="store_true", help="list each document's misses")
    args = parser.parse_args(argv)
    if not (args.corpus / "expected.jsonl").is_file():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    government = args.government if args.government.is_dir() else None
    if government is None:
        print(f"government PIAs not found at {args.government}: left out", file=sys.stderr)
    result = evaluate_structure((args.split,), args.corpus, government)
    # Held-out documents' misses are listed only when asked for by name: not for tuning.
    shown = ("held-out",) if args.split == "held-out" else ("tuning",)
    if args.json:
        if not args.per_document:
            result = {k: v for k, v in result.items() if k != "documents"}
        else:
            result["documents"] = shown_documents(result, shown)
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        print("\n".join(report_lines(result, args.per_document, shown)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
