"""Ranking metrics over graded judgments (2 = about it, 1 = discusses it, 0 = not relevant).

Ranked lists are lists of document ids, best first; judgments map ids to grades. Ids missing
from the judgments count as 0. A ranked list may repeat an id (two editions of one document):
only its first occurrence counts, so no system gains from returning a document twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


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
