"""The judged queries: every `queries/*.jsonl` file, loaded, saved and checked.

One JSON object per line:

    {"id": "t01", "category": "topic", "text": "facial recognition", "component": null,
     "note": "what an analyst wants", "pool_extra": ["..."], "split": "tuning",
     "judgments": {"DHS/ICE/PIA-054": 2}}

`judgments` grades every document any compared system returned in its top 20 (2 = about this,
1 = discusses it, 0 = not relevant); `pool_extra` lists further queries whose results were
added to the pool (e.g. the corrected spelling of a misspelled query), so relevant documents
that every system misses still get judged. `split` is "tuning" (a change may be tuned on the
query) or "held-out" (no change is ever tuned on it; its score is reported apart).

The format and its parser are the package's (`privsearch.evaluate`), shared with
`privsearch eval`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from privsearch.evaluate import JudgedQuery, read_judged

__all__ = [
    "CATEGORIES",
    "QUERIES",
    "QUERIES_DIR",
    "SPLITS",
    "JudgedQuery",
    "held_out_by_rule",
    "load_queries",
    "order_categories",
    "problems",
    "query_files",
    "save_queries",
]

QUERIES_DIR = Path(__file__).parent / "queries"
QUERIES = QUERIES_DIR / "judged.jsonl"  # the original 51 queries
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


def query_files() -> list[Path]:
    """Every judged-queries file of `queries/`, judged.jsonl first, then by name."""
    return sorted(QUERIES_DIR.glob("*.jsonl"), key=lambda p: (p != QUERIES, p.name))


def load_queries(paths: Path | Iterable[Path] | None = None) -> list[JudgedQuery]:
    """The queries of `paths` (default: every file of `queries/`), in file order.

    Grades and relevant documents are not checked here (a query may be still being judged);
    `problems()` and `privsearch eval` check them.
    """
    return read_judged(query_files() if paths is None else paths, check=False)


def save_queries(queries: list[JudgedQuery], path: Path = QUERIES) -> None:
    path.write_text("".join(q.to_json() + "\n" for q in queries), encoding="utf-8")


def order_categories(categories: Iterable[str]) -> list[str]:
    """The categories present, the original eight in their order first, then any others."""
    present = set(categories)
    known = [c for c in CATEGORIES if c in present]
    return known + sorted(present - set(CATEGORIES))


def problems(queries: list[JudgedQuery], known_ids: set[str]) -> list[str]:
    """What is wrong with the queries: unknown ids, bad grades, duplicate ids, no relevant doc."""
    found = []
    seen: set[str] = set()
    for q in queries:
        if q.id in seen:
            found.append(f"{q.id}: duplicate query id")
        seen.add(q.id)
        if q.split not in SPLITS:
            found.append(f"{q.id}: unknown split {q.split!r}")
        if not q.category.strip():
            found.append(f"{q.id}: no category")
        if not any(g > 0 for g in q.judgments.values()):
            found.append(f"{q.id}: no document judged relevant")
        for doc, grade in q.judgments.items():
            if isinstance(grade, bool) or grade not in (0, 1, 2):
                found.append(f"{q.id}: grade {grade!r} for {doc}")
            if doc not in known_ids:
                found.append(f"{q.id}: {doc} is not a record id of the corpus")
    return found
