"""Search-as-you-type: what a half-typed query may become.

Three tables, built once per index version from columns and term lists (no stored document is
loaded), each answering a keystroke with a binary search or a scan of a few hundred titles:

- `Completions`: phrases from the titles ("Facial Recognition", "License Plate Reader"), whole
  and in their proper case, for the suggestion list;
- `Catalog`: the documents whose title holds the typed words, and the reference numbers that
  start with the typed text (`PIA-05` -> DHS/ICE/PIA-054);
- `Vocabulary`: the indexed words a half-typed last word may stand for, weighted by how many
  documents hold them, for `Index.search(..., prefix=True)`.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import analyze
from .models import SuggestedDocument

MAX_WORDS = 5  # words in one suggested phrase
# Lone words that name no subject, however often titles use them: "First Quarter" is a
# phrase worth suggesting, "first" alone is not.
_WEAK_WORDS = frozenset(
    "first second third fourth new use uses update updated general other final annual "
    "report reports initial interim revised amended joint part".split()
)
# Nor may a phrase start or end with a word that joins others: "Border Protection Regarding".
_JOINING_WORDS = frozenset("regarding concerning including using versus via per".split())
# Ingest cuts a title at this many characters, maybe in the middle of a word ("TSA's Recen").
CUT_TITLE = 300
_DASHES = re.compile(r"--+|[–—]")
_EDGE_PUNCTUATION = ",.;:!?\"'“”‘’[]{}"
_ENDS_SEGMENT = tuple(",;:)]")
_STARTS_SEGMENT = tuple("([")
_PHRASE_WORD = re.compile(r"[A-Za-z][A-Za-z'’&.\-]*")
_SPACES = re.compile(r"\s+")
_TITLE_WORDS = re.compile(r"[a-z0-9]+")
_PREFIXABLE = re.compile(r"[A-Za-z]+")
_NO_DATE = "0000"

# The prefix of a half-typed word stands for at most this many indexed words, each in at least
# this share of the documents holding the most common one: `fac` is facilitate, facilities and
# facial, not the one stray "fac" of a title cut short.
MAX_COMPLETIONS = 8
MIN_COMPLETION_SHARE = 0.1
CANDIDATES = 32  # commonest words looked at for the likeliest beside the other typed words


def _normalize(text: str) -> str:
    return _SPACES.sub(" ", text.strip().lower())


def _is_shouting(title: str) -> bool:
    """An all-capitals title ("LICENSES OKLAHOMA ..."): its case says nothing of its words."""
    letters = [c for c in title if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _segments(title: str) -> list[list[str]]:
    """Runs of words a phrase may be drawn from: punctuation, numbers and reference numbers
    ("DHS/ICE/PIA-054") end a run."""
    segments: list[list[str]] = [[]]
    tokens = _DASHES.sub(" - ", title).split()
    if len(title) >= CUT_TITLE:
        tokens = tokens[:-1]
    for token in tokens:
        if token.startswith(_STARTS_SEGMENT):
            segments.append([])
        word = token.strip(_EDGE_PUNCTUATION + "()")
        if _PHRASE_WORD.fullmatch(word) and not word.endswith(("-", "&")):
            segments[-1].append(word.rstrip("."))
        else:
            segments.append([])
        if token.endswith(_ENDS_SEGMENT):
            segments.append([])
    return [s for s in segments if s]


def _edge_word(word: str) -> bool:
    """Whether a phrase may start or end with the word."""
    lowered = word.lower()
    return lowered not in _JOINING_WORDS and not analyze.is_stopword(lowered)


@dataclass(frozen=True)
class Completions:
    """Phrases from the titles, each in the case the titles write it."""

    keys: tuple[str, ...]  # lowercase phrases, sorted
    labels: tuple[str, ...]  # each phrase as the titles write it
    counts: tuple[int, ...]  # titles it occurs in

    @classmethod
    def build(cls, titles: Iterable[str]) -> Completions:
        """Keep the phrases that stand as units: not always part of a longer one ("Facial
        Recognition", not "Facility Anti-Terrorism" without "Standards"), and held by several
        titles or ending a run of words (before punctuation or a stop word) in one."""
        counts: Counter[str] = Counter()
        ended: set[str] = set()  # phrases some title ends a run with
        whole: set[str] = set()  # ... and starts one with
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        word_forms: dict[str, Counter[str]] = defaultdict(Counter)
        acronyms: set[str] = set()  # words some title writes in capitals: "CBP License ..."
        for title in titles:
            shouting = _is_shouting(title)
            seen: set[str] = set()
            for words in _segments(title):
                if not shouting:
                    for word in words:
                        word_forms[word.lower()][word] += 1
                        if len(word) >= 2 and word.isupper():
                            acronyms.add(word.lower())
                for i, j, run in _runs(words):
                    label = " ".join(run)
                    key = label.lower()
                    if not shouting:
                        forms[key][label] += 1
                    if key not in seen:
                        seen.add(key)
                        counts[key] += 1
                    if j == len(words) or not _edge_word(words[j]):
                        ended.add(key)
                        before = words[i - 1] if i else ""
                        if not before or not _edge_word(before) or before.isupper():
                            whole.add(key)
        extended: Counter[str] = Counter()  # the most titles a one-word-longer phrase is in
        for key, count in counts.items():
            words = key.split(" ")
            if len(words) > 1:
                parts = [" ".join(words[:-1])]
                if words[0] not in acronyms:  # a component's name before a phrase qualifies it
                    parts.append(" ".join(words[1:]))
                for part in parts:
                    extended[part] = max(extended[part], count)
        kept = sorted(
            key
            for key, count in counts.items()
            if _keep(key, count, extended[key], key in ended, key in whole)
        )
        labels = tuple(_label(key, forms.get(key), word_forms) for key in kept)
        return cls(tuple(kept), labels, tuple(counts[k] for k in kept))

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """Phrases that start with `prefix`, the most common first, then the shortest; when
        none does, the typed words before the longest tail that starts some ("ice facial rec"
        -> "ice Facial Recognition")."""
        wanted = _normalize(prefix)
        if not wanted:
            return []
        typed = prefix.strip().split()
        for skip in range(len(typed)):
            tail = " ".join(wanted.split(" ")[skip:])
            found = self._starting(tail, limit)
            if found:
                head = " ".join(typed[:skip])
                return [f"{head} {label}" if head else label for label in found]
        return []

    def _starting(self, wanted: str, limit: int) -> list[str]:
        low = bisect.bisect_left(self.keys, wanted)
        high = bisect.bisect_left(self.keys, wanted + "\U0010ffff")
        ranked = heapq.nsmallest(
            limit, range(low, high), key=lambda i: (-self.counts[i], len(self.keys[i]))
        )
        return [self.labels[i] for i in ranked]


def _runs(words: list[str]) -> Iterable[tuple[int, int, list[str]]]:
    for size in range(1, MAX_WORDS + 1):
        for i in range(len(words) - size + 1):
            run = words[i : i + size]
            if _edge_word(run[0]) and _edge_word(run[-1]):
                yield i, i + size, run


def _keep(key: str, count: int, extended: int, ended: bool, whole: bool) -> bool:
    """A phrase not always part of a longer one, in several titles or ending a run of one; a
    phrase as long as they get only when it is a whole run, as it may have been cut short; no
    word twice in a row ("System System of Records", where a name meets a suffix)."""
    words = key.split(" ")
    if extended >= count or any(a == b for a, b in zip(words, words[1:], strict=False)):
        return False
    if " " not in key:
        return count >= 2 and len(key) >= 3 and key not in _WEAK_WORDS
    if key.count(" ") + 1 >= MAX_WORDS and not whole:
        return False
    return count >= 2 or ended


def _label(key: str, forms: Counter[str] | None, word_forms: dict[str, Counter[str]]) -> str:
    """The commonest way titles write the phrase, capitalized words first; for a phrase only
    all-capitals titles hold, each word as other titles write it. A word in capitals that
    titles mostly write otherwise is written their way ("USE ONLY" -> "Use Only"); acronyms,
    which titles write in capitals, stay."""
    if forms:
        label = max(forms.items(), key=lambda fc: (fc[1], sum(w[:1].isupper() for w in fc[0])))
        written = label[0].split(" ")
    else:
        written = [w.upper() for w in key.split(" ")]
    words = []
    for i, word in enumerate(written):
        if not word.isupper() or len(word) < 2:
            words.append(word)
            continue
        known = word_forms.get(word.lower())
        commonest = max(known.items(), key=lambda fc: fc[1])[0] if known else word.capitalize()
        if commonest.isupper() and analyze.is_stopword(word.lower()):
            commonest = word.capitalize() if i == 0 else word.lower()  # "ONLY" is no acronym
        words.append(commonest)
    return " ".join(words)


# -- documents and reference numbers ---------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    """Every document's title and reference number, for the Documents and References lists."""

    rows: tuple[SuggestedDocument, ...]  # one per id and title, newest first
    words: tuple[tuple[str, ...], ...]  # each row's title words, lowercase
    titles: tuple[str, ...]  # each row's title, lowercase, words single-spaced
    references: tuple[str, ...]  # ids that are reference numbers (DHS/ICE/PIA-054), newest first

    @classmethod
    def build(cls, rows: Iterable[SuggestedDocument]) -> Catalog:
        """One row per id and title: the copies of a publication share both, but the editions
        of a document that does not number its updates share an id under new titles."""
        unique: dict[tuple[str, str], SuggestedDocument] = {}
        for row in rows:
            known = unique.get((row.id, row.title))
            if known is None or (not known.date and row.date):
                unique[(row.id, row.title)] = row
        ordered = sorted(unique.values(), key=lambda r: (r.date or _NO_DATE, r.id), reverse=True)
        words = tuple(tuple(_TITLE_WORDS.findall(r.title.lower())) for r in ordered)
        return cls(
            tuple(ordered),
            words,
            tuple(" ".join(w) for w in words),
            tuple(dict.fromkeys(r.id for r in ordered if "/" in r.id)),
        )

    def documents(self, text: str, limit: int = 5) -> list[SuggestedDocument]:
        """Documents whose title holds every typed word (the last one maybe half-typed) or
        whose reference number starts with the text: the typed words side by side first, then
        the newest."""
        typed = _TITLE_WORDS.findall(text.lower())
        if not typed or len("".join(typed)) < 2:
            return []
        phrase = " ".join(typed)
        reference = _reference_text(text)
        scored: list[tuple[int, int, int]] = []
        for n, words in enumerate(self.words):
            row_id = self.rows[n].id
            by_id = reference is not None and "/" in row_id and _starts_reference(row_id, reference)
            if not by_id and not _holds_all(words, typed):
                continue
            together = by_id or _holds_phrase(self.titles[n], phrase)
            scored.append((0 if together else 1, -_whole_words(words, typed[:-1]), n))
        found: dict[str, SuggestedDocument] = {}  # one per id: opening it opens that id
        for _, _, n in sorted(scored):
            found.setdefault(self.rows[n].id, self.rows[n])
            if len(found) == limit:
                break
        return list(found.values())

    def reference_numbers(self, text: str, limit: int = 8) -> list[str]:
        """Reference numbers with a part that starts with the text, the newest document's
        first: `PIA-05` -> DHS/ICE/PIA-054, `USCIS-00` -> DHS/USCIS-007."""
        reference = _reference_text(text)
        if reference is None:
            return []
        found = (r for r in self.references if _starts_reference(r, reference))
        return [r for r, _ in zip(found, range(limit), strict=False)]


def _reference_text(text: str) -> str | None:
    """The typed text as the start of a reference number, or None when it cannot be one (more
    than one word, or no digit, slash or hyphen in it)."""
    wanted = text.strip().lower()
    if not wanted or " " in wanted or not any(c.isdigit() or c in "/-" for c in wanted):
        return None
    return wanted


def _starts_reference(reference: str, wanted: str) -> bool:
    lowered = reference.lower()
    at = lowered.find(wanted)
    while at >= 0:
        if at == 0 or lowered[at - 1] in "/-":
            return True
        at = lowered.find(wanted, at + 1)
    return False


def _holds_all(words: Sequence[str], typed: Sequence[str]) -> bool:
    """Every typed word but stop words is a title word, the last maybe only the start of one."""
    *whole, last = typed
    return all(w in words or analyze.is_stopword(w) for w in whole) and any(
        w.startswith(last) for w in words
    )


def _holds_phrase(title: str, phrase: str) -> bool:
    at = title.find(phrase)
    return at == 0 or (at > 0 and title[at - 1] == " ")


def _whole_words(words: Sequence[str], typed: Sequence[str]) -> int:
    return sum(1 for w in typed if w in words)


# -- the words a half-typed word stands for --------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """An indexed term a half-typed word may stand for, and its weight (1 for the likeliest)."""

    term: str
    word: str  # the word as documents write it, unstemmed where the index knows it
    weight: float


@dataclass(frozen=True)
class Vocabulary:
    """The terms of the text fields with the documents holding each, and the unstemmed words
    of the spelling vocabulary with their terms."""

    terms: tuple[str, ...]  # sorted
    documents: tuple[int, ...]  # documents holding each term, in its commonest field
    words: tuple[str, ...]  # unstemmed words, sorted
    word_terms: tuple[str, ...]  # the term of each word
    surface: dict[str, str]  # term -> its commonest unstemmed word

    @classmethod
    def build(cls, reader: Any, fields: Sequence[str]) -> Vocabulary:
        documents: dict[str, int] = {}
        for name in fields:
            if name not in reader.schema:
                continue
            for term, info in reader.iter_field(name):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                if _PREFIXABLE.fullmatch(text):
                    documents[text] = max(documents.get(text, 0), info.doc_frequency())
        words: list[tuple[str, str]] = []
        surface: dict[str, tuple[int, str]] = {}
        if "spell" in reader.schema:
            for term, info in reader.iter_field("spell"):
                word = term.decode("utf-8") if isinstance(term, bytes) else term
                found = analyze.analyze(word, mode="query", removestops=False)
                if len(found) != 1 or found[0] not in documents:
                    continue
                words.append((word, found[0]))
                frequency = info.doc_frequency()
                if frequency > surface.get(found[0], (0, ""))[0]:
                    surface[found[0]] = (frequency, word)
        terms = sorted(documents)
        words.sort()
        return cls(
            tuple(terms),
            tuple(documents[t] for t in terms),
            tuple(w for w, _ in words),
            tuple(t for _, t in words),
            {t: w for t, (_, w) in surface.items()},
        )

    def candidates(self, prefix: str) -> list[Candidate]:
        """The terms of the words that start with `prefix` (a whole word counts as one of
        them), the commonest first, at most CANDIDATES; none for what is not plain letters."""
        wanted = prefix.lower()
        if not _PREFIXABLE.fullmatch(wanted):
            return []
        found: dict[str, int] = {}
        for i in _prefix_range(self.terms, wanted):
            found[self.terms[i]] = self.documents[i]
        for i in _prefix_range(self.words, wanted):
            term = self.word_terms[i]
            found[term] = self.documents[bisect.bisect_left(self.terms, term)]
        ranked = heapq.nsmallest(
            CANDIDATES,
            ((-n, t) for t, n in found.items() if not analyze.is_stopword(t)),
        )
        return [Candidate(t, self.surface.get(t, t), -n) for n, t in ranked]


@dataclass(frozen=True)
class Candidate:
    term: str
    word: str
    documents: int  # documents holding the term


def choose_completions(
    candidates: Sequence[Candidate], beside: Mapping[str, int] | None = None
) -> list[Completion]:
    """The likeliest completions, weighted by their share of the likeliest one's documents:
    of the documents holding the query's other words (`beside`, term -> documents), when
    any candidate is in one of them (`license pla`: plate, not plan), else of all."""
    if beside and any(beside.values()):
        scored = [(beside.get(c.term, 0), c.documents, c) for c in candidates]
    else:
        scored = [(c.documents, c.documents, c) for c in candidates]
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].term))
    if not scored or scored[0][0] == 0:
        return []
    top = scored[0][0]
    return [
        Completion(c.term, c.word, round(n / top, 3))
        for n, _, c in scored[:MAX_COMPLETIONS]
        if n >= MIN_COMPLETION_SHARE * top
    ]


def _prefix_range(keys: Sequence[str], prefix: str) -> range:
    return range(bisect.bisect_left(keys, prefix), bisect.bisect_left(keys, prefix + "\U0010ffff"))
