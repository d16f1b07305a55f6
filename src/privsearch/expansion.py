"""Words the indexed documents themselves use for a query's words, learned from the index.

A document's title names its subject in the official words ("Border Searches of Electronic
Devices"); its text also uses the everyday ones ("laptops", "phones"). At index time each
document keeps the content terms of its title in a column (`title_terms`). At query time a
typed word is expanded to the title terms that are far more common among the documents whose
text holds the word than in the collection (their lift), most frequent first: `laptop` ->
`devic`, `electron`, `border`. The expansions are optional terms weighted well below the
typed words: they reorder the documents that match, never add or remove any.

The work per word is one posting list and a count over the titles of the documents in it,
done once per word and version of the index; words in more than `MAX_SHARE` of the documents
are not expanded (they say nothing about a subject, and they would cost the most).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import Counter
from typing import Any

from . import analyze

__all__ = ["TITLE_TERMS", "Expander", "expander_for", "title_terms"]

TITLE_TERMS = "title_terms"  # the column of each document's title terms, space-separated
MIN_DOCS = 2  # a word in fewer documents has too little evidence to learn from
MAX_SHARE = 0.25  # ... in more of them, it names no subject
MIN_COUNT = 2  # documents a title term must share with the word
MIN_LIFT = 3.0  # how much likelier the title term is among the word's documents
# Title words of many documents are the titles' own boilerplate ("privacy impact assessment",
# "threshold analysis", "system of records"): they name a kind of document, not a subject.
MAX_TITLE_SHARE = 0.03
MAX_TERMS = 3  # expansions per word
_MAX_CACHED = 4096  # words remembered per version of the index


def title_terms(title: str) -> bytes:
    """The content terms of a title, once each, as the `title_terms` column stores them."""
    terms = analyze.analyze(title, mode="query", removestops=True)
    kept = dict.fromkeys(t for t in terms if t.isalpha() and len(t) > 2)
    return " ".join(kept).encode("utf-8")


class Expander:
    """The learned expansions of one version of the index (one reader)."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self._titles: list[tuple[str, ...]] | None = None
        self._title_df: Counter[str] = Counter()
        self._found: dict[str, tuple[tuple[str, float], ...]] = {}
        self._lock = threading.Lock()

    def _load_titles(self) -> list[tuple[str, ...]]:
        with self._lock:
            if self._titles is None:
                titles: list[tuple[str, ...]] = []
                if self.reader.has_column(TITLE_TERMS):
                    column = self.reader.column_reader(TITLE_TERMS)
                    titles = [
                        tuple(value.decode("utf-8").split()) if value else () for value in column
                    ]
                for terms in titles:
                    self._title_df.update(terms)
                self._titles = titles
            return self._titles

    def expand(self, term: str, field: str = "body") -> tuple[tuple[str, float], ...]:
        """Up to MAX_TERMS (title term, strength in (0, 1]) for a typed term; () for none."""
        found = self._found.get(term)
        if found is None:
            found = self._learn(term, field)
            if len(self._found) >= _MAX_CACHED:
                self._found.clear()
            self._found[term] = found
        return found

    def _learn(self, term: str, field: str) -> tuple[tuple[str, float], ...]:
        reader = self.reader
        documents = reader.doc_count_all()
        if not documents or analyze.is_stopword(term) or not term.isalpha():
            return ()
        df = reader.doc_frequency(field, term)
        if df < MIN_DOCS or df > MAX_SHARE * documents:
            return ()
        titles = self._load_titles()
        if len(titles) != documents:
            return ()
        counts: Counter[str] = Counter()
        for docnum in reader.postings(field, term).all_ids():
            counts.update(titles[docnum])
        scored = []
        for candidate, count in counts.items():
            if candidate == term or count < MIN_COUNT:
                continue
            if self._title_df[candidate] > MAX_TITLE_SHARE * documents:
                continue
            lift = (count / df) / (self._title_df[candidate] / documents)
            if lift >= MIN_LIFT:
                scored.append((count * math.log(lift), candidate, count / df))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return tuple((candidate, share) for _, candidate, share in scored[:MAX_TERMS])


_EXPANDERS: weakref.WeakKeyDictionary[Any, Expander] = weakref.WeakKeyDictionary()
_EXPANDERS_LOCK = threading.Lock()


def expander_for(reader: Any) -> Expander:
    """The expander of this reader's version of the index, made on first use."""
    with _EXPANDERS_LOCK:
        expander = _EXPANDERS.get(reader)
        if expander is None:
            expander = _EXPANDERS[reader] = Expander(reader)
        return expander
