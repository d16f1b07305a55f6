"""Spelling: which typed words the documents hold, and a confident correction for those they
do not.

A word counts as present only as typed: the `spell` field holds the unstemmed words of every
document, so `biometic` is not present merely because "Zimmer Biomet" stems like it. A
correction is offered only when it is far more common than the typed word (CORRECTION_RATIO),
is not a stop word or a short word, and reads well beside the other words of the query; the
caller then checks that it makes the query match better.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import analyze
from .postings import Reads, phrase_documents
from .querylang import TEXT_FIELDS
from .queryplan import PhraseQuery

# A correction must be in at least this many times as many documents as the typed word: a
# typo is rare, the word it stands for common. Ten keeps `biometic` (1 document on the mixed
# collection, through "Zimmer Biomet") -> biometric (dozens), and leaves a rare real word alone.
CORRECTION_RATIO = 10
MIN_CORRECTION_DOCS = 2  # documents a correction must be in, however rare the typed word
MIN_CORRECTED_LETTERS = 4  # shorter words (and acronyms) are too ambiguous to correct
CANDIDATES = 8  # close words, the closest and commonest, compared beside the other words
# The spell field's words: a letter, then lowercase letters (index.SpellingWords).
_SPELLABLE = re.compile(r"[a-z]{3,}")


@dataclass(frozen=True)
class WordCheck:
    """What the index says about one typed word."""

    text: str
    present: bool  # in the documents as typed (or, for what the spell field cannot hold, at all)
    documents: int  # documents holding the word or another form of it (at least 1 if present)
    correction: str | None = None


def typed_documents(reader: Any, word: str) -> int:
    """Documents holding the word or another form of it (readers/reader), in any text field."""
    terms = analyze.analyze(word, mode="query", removestops=False)
    return max(
        (reader.doc_frequency(f, t) for t in terms for f in TEXT_FIELDS),
        default=0,
    )


def is_spellable(word: str) -> bool:
    """Whether the spell field could hold the word: plain lowercase letters, three or more."""
    return _SPELLABLE.fullmatch(word.lower()) is not None and not _is_acronym(word)


def _is_acronym(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


def check_word(reader: Any, word: str) -> WordCheck:
    """Whether `word` is in the documents as typed, and in how many in some form."""
    if is_spellable(word) and reader.doc_frequency("spell", word.lower()) > 0:
        return WordCheck(word, True, 1)  # the common case, at the cost of one lookup
    documents = typed_documents(reader, word)
    return WordCheck(word, documents > 0 and not is_spellable(word), documents)


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit (biometirc)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _max_distance(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def _useful(candidate: str, typed: str) -> bool:
    """Not a stop word, not a word shorter than the typed one by two letters or more, not
    another form of the typed word."""
    if len(candidate) < max(MIN_CORRECTED_LETTERS, len(typed) - 1):
        return False  # "drones" -> "done": a shorter, emptier word
    if analyze.is_stopword(candidate):
        return False
    terms = analyze.analyze(candidate, mode="query", removestops=False)
    if not terms or any(analyze.is_stopword(t) for t in terms):
        return False
    return terms != analyze.analyze(typed, mode="query", removestops=False)


def _beside(searcher: Any, candidate: str, neighbours: Sequence[str], reads: Reads) -> int:
    """Documents where the candidate stands next to a neighbouring typed word, either side."""
    mine = analyze.analyze(candidate, mode="query", removestops=False)
    found: set[int] = set()
    for neighbour in neighbours:
        theirs = analyze.analyze(neighbour, mode="query", removestops=True)
        if not mine or not theirs:
            continue
        for words in ([theirs[-1], mine[0]], [mine[-1], theirs[0]]):
            found.update(phrase_documents(searcher, PhraseQuery("body", words), reads))
    return len(found)


def correct_word(searcher: Any, check: WordCheck, neighbours: Sequence[str] = ()) -> str | None:
    """A confident correction for a word the documents do not hold as typed, or None.

    Among close words (an edit or two away, the same first letter) far more common than the
    typed word, the one that stands next to the query's other words in the most documents
    wins, then the closest, then the most common: `license plat` -> plate, not plan or part.
    """
    word = check.text.lower()
    if check.present or not is_spellable(check.text) or len(word) < MIN_CORRECTED_LETTERS:
        return None
    reader = searcher.reader()
    needed = max(MIN_CORRECTION_DOCS, CORRECTION_RATIO * check.documents)
    scored: list[tuple[int, int, int, str]] = []
    for candidate in reader.terms_within("spell", word, _max_distance(word), prefix=1):
        if candidate == word or not _useful(candidate, word):
            continue
        distance = osa_distance(word, candidate)
        if distance > _max_distance(word):
            continue
        documents = reader.doc_frequency("spell", candidate)
        if documents < needed:
            continue
        scored.append((0, distance, -documents, candidate))
    if not scored:
        return None
    scored.sort()
    if neighbours and len(scored) > 1:
        reads = Reads()  # the neighbours' postings, read once for all candidates
        scored = sorted(
            (-_beside(searcher, c, neighbours, reads), d, n, c)
            for _, d, n, c in scored[:CANDIDATES]
        )
    return scored[0][3]
