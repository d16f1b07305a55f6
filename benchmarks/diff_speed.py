"""How fast `diff_records` compares two long versions of a document.

    python -m benchmarks.diff_speed [--pages 100] [--changed 0.03] [--runs 3]

Two generated PIAs of about `--pages` pages each (the templates of `benchmarks.generate`, with
sentences of the shared corpus's records): the second is the first with a share of its
sentences edited (a word replaced), laid out again, so that its lines and pages reflow. The
time is that of `diff_records` alone (the sections are found beforehand, as the index stores
them); the best of `--runs` runs is reported, with what the diff found.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

from benchmarks.generate import PAGE_CHARS, load_source
from benchmarks.templates import Layout, templated_document
from privsearch.diff import diff_records
from privsearch.models import Page, Record
from privsearch.structure import structure

LAYOUT = Layout("PIA", "DHS/CBP/PIA-999", "Benchmark System", "June 1, 2020", "CBP")


def _edited(rng: random.Random, sentences: list[str], share: float) -> tuple[list[str], int]:
    """The sentences with `share` of them given another word in the middle; how many."""
    out, edited = [], 0
    for sentence in sentences:
        words = sentence.split()
        if len(words) > 4 and rng.random() < share:
            words[len(words) // 2] = "revised"
            sentence, edited = " ".join(words), edited + 1
        out.append(sentence)
    return out, edited


def _record(record_id: str, cover: str, pages: list[str]) -> Record:
    texts = [cover, *pages]
    return structure(
        Record(
            record_id,
            "Benchmark",
            pages=tuple(Page(i + 1, t) for i, t in enumerate(texts)),
            doc_type="PIA",
        )
    )


def run(pages: int, changed: float, runs: int) -> dict[str, object]:
    sentences = load_source().plain_sentences
    edited, count = _edited(random.Random(7), sentences, changed)
    target = pages * PAGE_CHARS
    old = _record("old", *templated_document(random.Random(16), sentences, LAYOUT, target)[:2])
    new = _record("new", *templated_document(random.Random(16), edited, LAYOUT, target)[:2])
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        found = diff_records(old, new)
        times.append(time.perf_counter() - start)
    return {
        "pages": [len(old.pages), len(new.pages)],
        "characters": [len(old.body), len(new.body)],
        "sections": [len(old.sections), len(new.sections)],
        "sentences_edited": count,
        "seconds_best": round(min(times), 3),
        "summary": found.summary,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--changed", type=float, default=0.03)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    json.dump(run(args.pages, args.changed, args.runs), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
