"""Search-as-you-type completions: words and key phrases from the titles in the index.

Titles name what a document is about ("Facial Recognition Pilot", "License Plate Reader
Technology"), so their one- to three-word runs make good completions. The table is built once
per index version from a column (no stored documents are loaded) and answers a prefix with a
binary search, fast enough for every keystroke.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from . import analyze

MAX_WORDS = 3
_EDGE_PUNCTUATION = ",.;:!?\"'“”‘’[]{}"
_SPACES = re.compile(r"\s+")


def _normalize(text: str) -> str:
    return _SPACES.sub(" ", text.strip().lower())


def _words(title: str) -> list[str]:
    words = (w.strip(_EDGE_PUNCTUATION) for w in title.split())
    return [w for w in words if w and any(c.isalnum() for c in w)]


@dataclass(frozen=True)
class Completions:
    keys: tuple[str, ...]  # lowercase phrases, sorted
    labels: tuple[str, ...]  # each phrase as first written in a title
    counts: tuple[int, ...]  # titles it occurs in

    @classmethod
    def build(cls, titles: Iterable[str]) -> Completions:
        counts: Counter[str] = Counter()
        labels: dict[str, str] = {}
        for title in titles:
            words = _words(title)
            seen: set[str] = set()
            for size in range(1, MAX_WORDS + 1):
                for i in range(len(words) - size + 1):
                    run = words[i : i + size]
                    if analyze.is_stopword(run[0].lower()) or analyze.is_stopword(run[-1].lower()):
                        continue
                    label = " ".join(run)
                    key = label.lower()
                    if key not in seen:
                        seen.add(key)
                        counts[key] += 1
                        labels.setdefault(key, label)
        keys = tuple(sorted(counts))
        return cls(keys, tuple(labels[k] for k in keys), tuple(counts[k] for k in keys))

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """Phrases that start with `prefix`, the most common first, then the shortest."""
        wanted = _normalize(prefix)
        if not wanted:
            return []
        low = bisect.bisect_left(self.keys, wanted)
        high = bisect.bisect_left(self.keys, wanted + "\U0010ffff")
        ranked = sorted(range(low, high), key=lambda i: (-self.counts[i], len(self.keys[i])))
        return [self.labels[i] for i in ranked[:limit]]
