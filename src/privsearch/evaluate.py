"""Judged queries against an index: nDCG@k, MRR and recall@20, overall, per category, per split
and per query, so that a change to the synonyms, stopwords or ranking can be checked.

A file of judged queries holds one JSON object per line (the format of the project's own
`benchmarks/queries/*.jsonl`):

    {"id": "t01", "category": "topic", "text": "facial recognition", "component": null,
     "note": "...", "pool_extra": [], "split": "tuning", "judgments": {"DHS/ICE/PIA-054": 2}}

Grades: 2 = about the query, 1 = discusses it, 0 = not relevant. Ranked lists are lists of
record ids, best first; an id missing from the judgments counts as 0. A ranked list may repeat
an id (two editions of one document): only its first occurrence counts, so no system gains
from returning a document twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BadParameterError, QuerySyntaxError, RecordNotFoundError
from .query import Index, open_index

GRADES = (0, 1, 2)
RECALL_DEPTH = 20  # recall is counted in the top 20, the depth the judgments were pooled to
REQUIRED_FIELDS = ("id", "category", "text", "judgments")
DEFAULT_SPLIT = "tuning"

# -- metrics -------------------------------------------------------------------------------------


def dedupe(ranked: Sequence[str]) -> list[str]:
    """The ids in order, each once (first occurrence kept)."""
    return list(dict.fromkeys(ranked))


def dcg(grades: Sequence[float]) -> float:
    """Discounted cumulative gain with exponential gain: sum((2^g - 1) / log2(rank + 1))."""
    return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(grades, start=1))


def ndcg_at(ranked: Sequence[str], judgments: Mapping[str, int], k: int = 10) -> float:
    """DCG of the top k over the DCG of the ideal ordering of all judged documents; 0 if none."""
    ideal = dcg(sorted((g for g in judgments.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([judgments.get(doc, 0) for doc in dedupe(ranked)[:k]]) / ideal


def reciprocal_rank(
    ranked: Sequence[str], judgments: Mapping[str, int], min_grade: int = 1
) -> float:
    """1 / rank of the first document graded at least `min_grade`; 0 when none is returned."""
    for rank, doc in enumerate(dedupe(ranked), start=1):
        if judgments.get(doc, 0) >= min_grade:
            return 1.0 / rank
    return 0.0


def recall_at(
    ranked: Sequence[str], judgments: Mapping[str, int], k: int = 20, min_grade: int = 1
) -> float:
    """Share of the documents graded at least `min_grade` that appear in the top k."""
    relevant = {doc for doc, g in judgments.items() if g >= min_grade}
    if not relevant:
        return 0.0
    return len(relevant & set(dedupe(ranked)[:k])) / len(relevant)


def metric_names(k: int = 10) -> tuple[str, str, str]:
    return (f"ndcg@{k}", "mrr", f"recall@{RECALL_DEPTH}")


def score_ranking(
    ranked: Sequence[str], judgments: Mapping[str, int], k: int = 10
) -> dict[str, float]:
    """nDCG@k, MRR and recall@20 of one ranked list."""
    ndcg, mrr, recall = metric_names(k)
    return {
        ndcg: ndcg_at(ranked, judgments, k),
        mrr: reciprocal_rank(ranked, judgments),
        recall: recall_at(ranked, judgments, RECALL_DEPTH),
    }


def mean_scores(scores: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The mean of each metric over a list of per-query scores ({} for no queries)."""
    if not scores:
        return {}
    return {name: sum(s[name] for s in scores) / len(scores) for name in scores[0]}


# -- judged queries ------------------------------------------------------------------------------


@dataclass
class JudgedQuery:
    """One judged query: its text, optional component filter and graded record ids."""

    id: str
    category: str
    text: str
    component: str | None = None
    note: str = ""
    pool_extra: list[str] = field(default_factory=list)
    judgments: dict[str, int] = field(default_factory=dict)
    split: str = DEFAULT_SPLIT  # "tuning": changes may be tuned on it; "held-out": never

    def to_dict(self) -> dict[str, Any]:
        """The query as a line of a judged-queries file (judgments best first)."""
        return {
            "id": self.id,
            "category": self.category,
            "text": self.text,
            "component": self.component,
            "note": self.note,
            "pool_extra": list(self.pool_extra),
            "split": self.split,
            "judgments": dict(sorted(self.judgments.items(), key=lambda kv: (-kv[1], kv[0]))),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def _problem(where: str, message: str) -> BadParameterError:
    return BadParameterError(f"{where}: {message}")


def _text_field(data: dict[str, Any], name: str, where: str, *, optional: bool = False) -> Any:
    value = data.get(name)
    if optional and value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        need = "a string or null" if optional else "a non-empty string"
        raise _problem(where, f"'{name}' must be {need}, not {json.dumps(value)}")
    return value


def _judgments(value: Any, where: str, *, check: bool) -> dict[str, int]:
    if not isinstance(value, dict):
        raise _problem(where, "'judgments' must be an object of record id -> grade 0, 1 or 2")
    if not check:
        return dict(value)
    for doc, grade in value.items():
        # bool is an int to Python; true is not a grade
        if isinstance(grade, bool) or grade not in GRADES:
            raise _problem(where, f"grade {json.dumps(grade)} for {doc} (grades are 0, 1 or 2)")
    if not any(grade > 0 for grade in value.values()):
        raise _problem(where, "no document is judged relevant (grade 1 or 2)")
    return dict(value)


def parse_judged_line(line: str, where: str, *, check: bool = True) -> JudgedQuery:
    """One line of a judged-queries file; `where` ("FILE:LINE") starts any error message.

    With `check` false, grades and the presence of a relevant document are not checked (a
    query still being judged).
    """
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _problem(where, f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise _problem(where, "not a JSON object")
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise _problem(where, f"missing field(s): {', '.join(missing)}")
    query_id = _text_field(data, "id", where)
    where = f"{where}: query {query_id}"
    pool_extra = data.get("pool_extra") or []
    if not isinstance(pool_extra, list) or not all(isinstance(t, str) for t in pool_extra):
        raise _problem(where, "'pool_extra' must be a list of strings")
    return JudgedQuery(
        id=query_id,
        category=_text_field(data, "category", where),
        text=_text_field(data, "text", where),
        component=_text_field(data, "component", where, optional=True),
        note=data.get("note") if isinstance(data.get("note"), str) else "",
        pool_extra=pool_extra,
        judgments=_judgments(data["judgments"], where, check=check),
        split=_text_field(data, "split", where, optional=True) or DEFAULT_SPLIT,
    )


def read_judged(
    paths: Path | str | Iterable[Path | str], *, check: bool = True
) -> list[JudgedQuery]:
    """The judged queries of one or more files, in order; raises BadParameterError naming the
    file and line of the first problem (not JSON, a missing field, a bad grade, no relevant
    document, a query id used twice)."""
    files = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    queries: list[JudgedQuery] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadParameterError(f"{path}: cannot read judged queries ({exc})") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            query = parse_judged_line(line, where, check=check)
            if query.id in seen:
                raise _problem(where, f"query id {query.id} is already used at {seen[query.id]}")
            seen[query.id] = where
            queries.append(query)
    if not queries:
        raise BadParameterError(f"no judged queries in {', '.join(map(str, files))}")
    return queries


# -- evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryScore:
    """One query's figures and the top of its ranked list."""

    query: JudgedQuery
    scores: dict[str, float]
    ranked: tuple[str, ...]
    unknown_ids: tuple[str, ...] = ()  # judged ids that are not records of the index

    def to_dict(self, k: int) -> dict[str, Any]:
        q = self.query
        return {
            "id": q.id,
            "category": q.category,
            "split": q.split,
            "text": q.text,
            "component": q.component,
            **{name: round(value, 4) for name, value in self.scores.items()},
            "relevant": sum(1 for g in q.judgments.values() if g > 0),
            "top": [{"id": doc, "grade": q.judgments.get(doc)} for doc in dedupe(self.ranked)[:k]],
            "unknown_ids": list(self.unknown_ids),
        }


@dataclass(frozen=True)
class Evaluation:
    """The figures of a set of judged queries against one index."""

    k: int
    queries: tuple[QueryScore, ...]

    @property
    def metrics(self) -> tuple[str, str, str]:
        return metric_names(self.k)

    @property
    def overall(self) -> dict[str, float]:
        return mean_scores([q.scores for q in self.queries])

    def _grouped(self, key: str) -> dict[str, dict[str, float]]:
        groups: dict[str, list[dict[str, float]]] = {}
        for q in self.queries:
            groups.setdefault(getattr(q.query, key), []).append(q.scores)
        return {name: {**mean_scores(s), "queries": len(s)} for name, s in groups.items()}

    @property
    def categories(self) -> dict[str, dict[str, float]]:
        """category -> mean of each metric and the number of queries, in order of appearance."""
        return self._grouped("category")

    @property
    def splits(self) -> dict[str, dict[str, float]]:
        """split ("tuning", "held-out", ...) -> mean of each metric and the number of queries."""
        return self._grouped("split")

    @property
    def unknown_ids(self) -> dict[str, list[str]]:
        """query id -> the judged ids that are not records of the index (they cannot be found)."""
        return {q.query.id: list(q.unknown_ids) for q in self.queries if q.unknown_ids}

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "recall_depth": RECALL_DEPTH,
            "metrics": list(self.metrics),
            "overall": {
                **{n: round(v, 4) for n, v in self.overall.items()},
                "queries": len(self.queries),
            },
            "splits": _rounded(self.splits),
            "categories": _rounded(self.categories),
            "queries": [q.to_dict(self.k) for q in self.queries],
            "unknown_ids": self.unknown_ids,
        }


def _rounded(groups: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {name: {m: round(v, 4) for m, v in values.items()} for name, values in groups.items()}


def _unknown_ids(index: Index, judgments: Iterable[str], known: dict[str, bool]) -> tuple[str, ...]:
    """The ids that no record of the index has (looked up once each)."""
    missing = []
    for doc in judgments:
        if doc not in known:
            try:
                index.get(doc)
                known[doc] = True
            except RecordNotFoundError:
                known[doc] = False
        if not known[doc]:
            missing.append(doc)
    return tuple(missing)


def _ranked_ids(index: Index, query: JudgedQuery, depth: int) -> list[str]:
    # A query that does not parse or names an unknown component is the file's fault: say which.
    try:
        found = index.search(query.text, component=query.component, per_page=depth)
    except (QuerySyntaxError, BadParameterError) as exc:
        raise BadParameterError(f"query {query.id} ({query.text!r}): {exc.message}") from None
    return [hit.id for hit in found.results]


def evaluate(
    index: Index | Path | str,
    queries: Path | str | Iterable[Path | str | JudgedQuery],
    *,
    k: int = 10,
) -> Evaluation:
    """Run judged queries against an index and score them: nDCG@k, MRR and recall@20.

    `index` is an open Index or its folder; `queries` a judged-queries file, several, or
    JudgedQuery objects. Each query runs as `index.search(text, component=..., per_page=20)`
    (or k, when k is larger). Judged ids that are not records of the index are listed in
    `Evaluation.unknown_ids` rather than refused: they still count as relevant documents
    the index cannot return.

    >>> result = privsearch.evaluate("index", "my-queries.jsonl")
    >>> result.overall["ndcg@10"]
    """
    if not 1 <= k <= 100:
        raise BadParameterError(f"k must be between 1 and 100, not {k}")
    judged = _as_queries(queries)
    if not isinstance(index, Index):
        with open_index(index) as opened:
            return evaluate(opened, judged, k=k)
    depth = max(k, RECALL_DEPTH)
    known: dict[str, bool] = {}
    scored = []
    for q in judged:
        ranked = _ranked_ids(index, q, depth)
        scored.append(
            QueryScore(
                query=q,
                scores=score_ranking(ranked, q.judgments, k),
                ranked=tuple(ranked),
                unknown_ids=_unknown_ids(index, q.judgments, known),
            )
        )
    return Evaluation(k=k, queries=tuple(scored))


def _as_queries(queries: Path | str | Iterable[Path | str | JudgedQuery]) -> list[JudgedQuery]:
    if isinstance(queries, (str, Path)):
        return read_judged(queries)
    items = list(queries)
    if all(isinstance(q, JudgedQuery) for q in items):
        if not items:
            raise BadParameterError("no judged queries to evaluate")
        return items  # type: ignore[return-value]
    if any(isinstance(q, JudgedQuery) for q in items):
        raise BadParameterError("pass either judged-query files or JudgedQuery objects, not both")
    return read_judged(items)  # type: ignore[arg-type]
