"""Ranking metrics over graded judgments (2 = about it, 1 = discusses it, 0 = not relevant).

The definitions live in the package (`privsearch.evaluate`, which `privsearch eval` uses), so
the benchmarks and a user's own evaluation count the same way; they are re-exported here.
"""

from __future__ import annotations

from privsearch.evaluate import (
    dcg,
    dedupe,
    mean_scores,
    metric_names,
    ndcg_at,
    recall_at,
    reciprocal_rank,
    score_ranking,
)

__all__ = [
    "dcg",
    "dedupe",
    "mean_scores",
    "metric_names",
    "ndcg_at",
    "recall_at",
    "reciprocal_rank",
    "score_ranking",
]
