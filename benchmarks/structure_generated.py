"""How well and how fast the section and risk finders do, against a known truth.

    python -m benchmarks.generate /tmp/gen-s --docs 300 --chars 50000
    python -m benchmarks.structure_generated /tmp/gen-s [--json]
    python -m benchmarks.structure_generated --labels benchmarks/structure/labels.jsonl

The first form scores a generated corpus against the `structure.jsonl` its generator wrote; the
second scores the shared corpus against the tuning part of the hand labels (the held-out lines
are skipped unread). The rules are those of `structure/LABELS.md`: a section is found when
one with the same key and level starts on the same page within 40 characters of the labelled
heading; a risk when one on the same page starts with the same first 40 characters
(whitespace collapsed). Time is that of
`find_sections` + `find_risks` over every record read, per MB of text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED_DHS = ROOT.parent / "shared" / "corpus" / "dhs"
EXPECTED = ROOT.parent / "shared" / "corpus" / "expected.jsonl"
TOLERANCE = 40


@dataclass
class Score:
    """Counts of found and labelled sections and risks, by section key too."""

    sections_labelled: int = 0
    sections_found: int = 0  # labelled sections the extractor found
    sections_given: int = 0  # sections the extractor gave
    sections_right: int = 0  # sections it gave that match a labelled one
    risks_labelled: int = 0
    risks_found: int = 0
    mitigations_right: int = 0  # of the risks found, those whose mitigation starts the same
    risks_given: int = 0
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "sections": {
                "labelled": self.sections_labelled,
                "recall": ratio(self.sections_found, self.sections_labelled),
                "precision": ratio(self.sections_right, self.sections_given),
            },
            "risks": {
                "labelled": self.risks_labelled,
                "recall": ratio(self.risks_found, self.risks_labelled),
                "mitigation_right": ratio(self.mitigations_right, self.risks_found),
                "given": self.risks_given,
            },
        }


def _start(text: str) -> str:
    return " ".join(text.split())[:TOLERANCE]


def _heading_offset(record: Any, section: dict[str, Any]) -> int | None:
    if "offset" in section:
        return int(section["offset"])
    page = _page(record, section["page"])
    if page is None:
        return None
    at = page.text.find(section["heading"])
    return at if at >= 0 else None


def _page(record: Any, number: int) -> Any:
    return next((p for p in record.pages if p.number == number), None)


def score_document(
    record: Any, truth: dict[str, Any], found: tuple, risks: tuple, score: Score
) -> None:
    """Add one document's comparison to `score`."""
    labelled = []
    for section in truth.get("sections", []):
        offset = _heading_offset(record, section)
        labelled.append((section["key"], section["level"], section["page"], offset))
    score.sections_labelled += len(labelled)
    score.sections_given += len(found)

    def near(s: Any, key: str, level: int, page: int, offset: int | None) -> bool:
        return (
            s.key == key
            and s.level == level
            and s.page == page
            and offset is not None
            and abs(s.offset - offset) <= TOLERANCE
        )

    for key, level, page, offset in labelled:
        if any(near(s, key, level, page, offset) for s in found):
            score.sections_found += 1
        else:
            score.missed.append(f"{truth.get('slug')}: {key}/{level} p{page}@{offset}")
    for s in found:
        if any(near(s, *label) for label in labelled):
            score.sections_right += 1
        else:
            score.wrong.append(
                f"{truth.get('slug')}: {s.key}/{s.level} p{s.page}@{s.offset} {s.title[:50]!r}"
            )
    score.risks_labelled += len(truth.get("risks", []))
    score.risks_given += len(risks)
    unused = list(risks)
    for risk in truth.get("risks", []):
        match = next(
            (
                r
                for r in unused
                if r.page == risk["page"] and _start(r.risk) == _start(risk["risk"])
            ),
            None,
        )
        if match is not None:
            unused.remove(match)
        if match is None:
            score.missed.append(
                f"{truth.get('slug')}: risk p{risk['page']} {_start(risk['risk'])!r}"
            )
            continue
        score.risks_found += 1
        if _start(match.mitigation) == _start(risk["mitigation"]):
            score.mitigations_right += 1


def run(
    records: Iterable[Any], truths: dict[str, dict[str, Any]], key: Any
) -> tuple[Score, dict[str, float]]:
    """Score `records` against `truths` (by `key(record)`), and time the finders on all of
    them (also on those without a truth)."""
    from privsearch.structure.risks import find_risks
    from privsearch.structure.sections import find_sections

    score = Score()
    seconds = 0.0
    chars = 0
    for record in records:
        chars += sum(len(page.text) for page in record.pages)
        started = time.perf_counter()
        sections = find_sections(record)
        risks = find_risks(record, sections)
        seconds += time.perf_counter() - started
        truth = truths.get(key(record))
        if truth is not None:
            score_document(record, truth, sections, risks, score)
    timing = {
        "mb": chars / 1e6,
        "seconds": seconds,
        "ms_per_mb": 1000 * seconds / max(chars / 1e6, 1e-9),
    }
    return score, timing


def generated(corpus: Path) -> tuple[Score, dict[str, float]]:
    """Score a corpus written by `benchmarks.generate` against its `structure.jsonl`."""
    import privsearch

    truths = {}
    for line in (corpus / "structure.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            truth = json.loads(line)
            truths[truth["reference"]] = truth
    records = privsearch.read_records([corpus])
    return run(records, truths, lambda record: record.id)


def is_held_out(slug: str) -> bool:
    """The labels' fixed rule: the documents whose slug's sha1 hex digest ends in 0-4."""
    return hashlib.sha1(slug.encode("utf-8")).hexdigest()[-1] in "01234"


def tuning_labels(path: Path) -> dict[str, dict[str, Any]]:
    """The tuning lines of the hand labels; held-out lines are passed over without parsing."""
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if '"split": "tuning"' not in line.replace('"split":"tuning"', '"split": "tuning"'):
            continue
        label = json.loads(line)
        if label.get("split") == "tuning" and not is_held_out(label["slug"]):
            labels[label["slug"]] = label
    return labels


def labelled(path: Path) -> tuple[Score, dict[str, float]]:
    """Score the shared corpus against the tuning part of the hand labels."""
    import privsearch

    labels = tuning_labels(path)
    files = {}
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            files[row["slug"]] = {str((SHARED_DHS / name).resolve()) for name in row["files"]}
    records = privsearch.read_records([SHARED_DHS])
    slug_of = {}
    for slug, label in labels.items():
        held = [
            r
            for r in records
            if {str(Path(s).resolve()) for s in (r.source, *r.sources)} & files.get(slug, set())
        ]
        chosen = next((r for r in held if r.id == label["id"]), held[0] if held else None)
        if chosen is not None:
            slug_of[id(chosen)] = slug

    def key(record: Any) -> str | None:
        return slug_of.get(id(record))

    return run(records, labels, key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus", type=Path, nargs="?", help="a corpus written by benchmarks.generate"
    )
    parser.add_argument("--labels", type=Path, help="hand labels (only their tuning part is read)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", type=int, default=0, help="list this many misses and wrong finds")
    args = parser.parse_args(argv)
    if args.labels:
        score, timing = labelled(args.labels)
    elif args.corpus:
        score, timing = generated(args.corpus)
    else:
        parser.error("give a generated corpus or --labels")
    figures = {**score.to_dict(), "time": {k: round(v, 3) for k, v in timing.items()}}
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        s, r, t = figures["sections"], figures["risks"], figures["time"]
        print(
            f"sections: {s['labelled']} labelled, recall {s['recall']}, precision {s['precision']}"
        )
        print(
            f"risks: {r['labelled']} labelled, recall {r['recall']}, "
            f"mitigations right {r['mitigation_right']}, {r['given']} given"
        )
        print(f"time: {t['seconds']} s for {t['mb']} MB of text, {t['ms_per_mb']} ms per MB")
    for line in (score.missed[: args.show] + score.wrong[: args.show]) if args.show else ():
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
