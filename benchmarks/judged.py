"""The judged queries: loading, saving and checking `queries/judged.jsonl`.

One JSON object per line:

    {"id": "t01", "category": "topic", "text": "facial recognition", "component": null,
     "note": "what an analyst wants", "pool_extra": ["..."], "judgments": {"DHS/ICE/PIA-054": 2}}

`judgments` grades every document any compared system returned in its top 20 (2 = about this,
1 = discusses it, 0 = not relevant); `pool_extra` lists further queries whose results were
added to the pool (e.g. the corrected spelling of a misspelled query), so relevant documents
that every system misses still get judged. `split` is "tuning" (a change may be tuned on the
query) or "held-out" (no change is ever tuned on it; its score is reported apart).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

QUERIES = Path(__file__).parent / "queries" / "judged.jsonl"
CATEGORIES = (
    "topic",
    "known-item",
    "reference",
    "acronym",
    "misspelling",
    "phrase",
    "vocabulary",
    "filtered",
)

SPLITS = ("tuning", "held-out")


def held_out_by_rule(ids_in_category: list[str], query_id: str) -> bool:
    """The original queries' split: within a category, in id order, every third query from the
    second on is held out (t02, t05, t08, ...)."""
    return sorted(ids_in_category).index(query_id) % 3 == 1


@dataclass
class JudgedQuery:
    id: str
    category: str
    text: str
    component: str | None = None
    note: str = ""
    pool_extra: list[str] = field(default_factory=list)
    judgments: dict[str, int] = field(default_factory=dict)
    split: str = "tuning"  # "tuning": changes may be tuned on it; "held-out": never

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "category": self.category,
                "text": self.text,
                "component": self.component,
                "note": self.note,
                "pool_extra": self.pool_extra,
                "split": self.split,
                "judgments": dict(sorted(self.judgments.items(), key=lambda kv: (-kv[1], kv[0]))),
            },
            ensure_ascii=False,
        )


def load_queries(path: Path = QUERIES) -> list[JudgedQuery]:
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            queries.append(JudgedQuery(**json.loads(line)))
    return queries


def save_queries(queries: list[JudgedQuery], path: Path = QUERIES) -> None:
    path.write_text("".join(q.to_json() + "\n" for q in queries), encoding="utf-8")


def problems(queries: list[JudgedQuery], known_ids: set[str]) -> list[str]:
    """What is wrong with a query file: unknown ids, bad grades, duplicate ids, no relevant doc."""
    found = []
    seen: set[str] = set()
    for q in queries:
        if q.id in seen:
            found.append(f"{q.id}: duplicate query id")
        seen.add(q.id)
        if q.split not in SPLITS:
            found.append(f"{q.id}: unknown split {q.split!r}")
        if q.category not in CATEGORIES:
            found.append(f"{q.id}: unknown category {q.category!r}")
        if not any(g > 0 for g in q.judgments.values()):
            found.append(f"{q.id}: no document judged relevant")
        for doc, grade in q.judgments.items():
            if grade not in (0, 1, 2):
                found.append(f"{q.id}: grade {grade!r} for {doc}")
            if doc not in known_ids:
                found.append(f"{q.id}: {doc} is not a record id of the corpus")
    return found
