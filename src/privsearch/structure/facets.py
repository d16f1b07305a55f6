"""Privacy facets: PII collected, technologies, retention periods, authorities, exemptions.

`find_facets(record, sections)` gives a record's (facet, value) pairs for the five facets of
docs/inside-documents.md (`pii`, `technology`, `retention`, `authority`, `exemption`), each
value once:

- `pii`: what the collection parts say is collected (a PIA's Characterization of the
  Information, a SORN's categories of records and of individuals), or, when the record has no
  such sections, the sentences of its opening part (abstract, overview, summary) and of a
  "what information is collected" question or "Categories of records" heading (at the start
  of a line) that say what is collected, included or maintained, in a document that speaks of
  privacy at all. The cue must be a word of running prose: a capitalised one ("Personal
  Identity Verification") is part of a name. A clause that denies it ("does not collect
  SSNs"), a routine use, the names of laws and a word of a capitalised name ("Integrated
  Automated Fingerprint Identification System") do not count.
- `technology`: a technology named in the title, the summary, the abstract (the opening
  characters when the sections are unknown), a SORN's purposes or the old template's
  Technology section, or mentioned at least `_REPEATED` times elsewhere.
- `retention`: periods stated in the retention sections, or near a word about keeping or
  disposing of records (in a document that speaks of privacy), as `N years`, `under 1 year`
  or `permanent`.
- `authority`: U.S.C., C.F.R., Executive Order and Public Law citations, normalised
  (`structure/citations.py`).
- `exemption`: the Privacy Act (j)/(k) exemptions the document claims.

The patterns of `pii` and `technology` are the data files `data/pii.tsv` and
`data/technology.tsv` (their header says the format). To add values or synonyms, write a file
in the same format and either name it in the environment variable PRIVSEARCH_PII_FILE or
PRIVSEARCH_TECHNOLOGY_FILE (read through `privsearch.config.facet_files`), or pass it as
`find_facets(record, sections, taxonomies=load_taxonomies(pii=path))`. Its lines are added to
the shipped ones. Each taxonomy is compiled once per process into one regular expression
(`structure/taxonomy.py`); one pass of the technology one over a body also finds where
retention periods and collection questions may be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from ..models import Record, Section
from . import section_spans
from .citations import find_citations
from .taxonomy import BEFORE_A_WORD, Taxonomies, Taxonomy, compile_taxonomy

FACETS = ("pii", "technology", "retention", "authority", "exemption")
_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

_PII_SECTIONS = frozenset(
    {"characterization", "categories_of_records", "categories_of_individuals"}
)
_ABOUT_SECTIONS = frozenset({"abstract", "summary", "technology", "purpose"})
_RETENTION_SECTIONS = frozenset({"retention"})
_EXEMPTION_SECTIONS = frozenset({"exemptions"})
_OPENING_CHARS = 5000  # without sections: the part of the body read as abstract and overview
_ABOUT_CHARS = 2500  # without sections: the part (title page, abstract) that makes it the subject
_REPEATED = 3  # mentions that make a technology a subject rather than a passing mention
_SHORT_REACH = 150  # a sentence or clause start is looked for this far back first
_REACH = 1500  # how far back or ahead a sentence's start or end is looked for
_CLAUSE_REACH = 400  # the same for a clause


# --- taxonomies -----------------------------------------------------------------------------------


def load_taxonomies(pii: Path | None = None, technology: Path | None = None) -> Taxonomies:
    """The shipped taxonomies, each extended by a user's file when one is given."""
    return Taxonomies(
        pii=compile_taxonomy([_DATA_DIR / "pii.tsv", *([pii] if pii else [])]),
        technology=compile_taxonomy(
            [_DATA_DIR / "technology.tsv", *([technology] if technology else [])], _ANCHORS
        ),
    )


# What the pass over a whole body for technologies also finds (lowercase patterns): where
# retention periods and collection questions may be.
# (Citations and exemptions have passes of their own: they start with capitals or a
# parenthesis, which a search skips to far faster than to a lowercase letter.)
_ANCHORS = (
    (
        "retention",
        r"retain\w*|retention\w*|dispos\w*|destr\w*|delet\w*|purg\w*|kept|archiv\w*|cut ?off|"
        r"erase\w*|maintained for|maintained until|records schedules?|scheduled",
    ),
    (
        "question",
        r"categories of records|what information|what data|what personal|what pii|"
        r"identify the information|identify the data|identify the personal|identify the pii",
    ),
)


@lru_cache(maxsize=1)
def default_taxonomies() -> Taxonomies:
    """The shipped taxonomies with the files PRIVSEARCH_PII_FILE / _TECHNOLOGY_FILE name."""
    from ..config import facet_files

    files = facet_files()
    return load_taxonomies(pii=files.get("pii"), technology=files.get("technology"))


# --- sentences, clauses, negation ----------------------------------------------------------------

# The lookbehinds come after the punctuation so that the search can skip to the punctuation.
_NOT_ABBREVIATION = (
    r"(?<!U\.S\.)(?<!\.C\.)(?<!\.R\.)(?<!\bNo\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bSec\.)"
    r"(?<!\bL\.)(?<!\bv\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bPub\.)(?<!\bO\.)"
)
# One character class first, then the branch it starts (the lookbehind after it): the search
# skips in C to the next such character instead of trying every position.
_SENTENCE_END = re.compile(
    r"[.?!\n](?:(?<=[.?!])" + _NOT_ABBREVIATION + r"[\"'”’)\]]?\s+(?=[\"'“‘(\[]?[A-Z0-9•])"
    r"|(?<=\n)\s*\n)"
)
_CLAUSE_BREAK = re.compile(
    r"[.;?!\n•](?:(?<=[.;?!])" + _NOT_ABBREVIATION + r"(?=\s)|(?<=\n)\s*\n|(?<=•))"
)
_NEGATION = re.compile(r"\b(?:not|never|no(?!\.)|none|neither|nor|cannot)\b|n[’']t\b", re.I)
# Whether a clause holds a _NEGATION, found as fast: its letters spelled in both cases (and the
# other characters IGNORECASE matches them with, "ı" and "İ" for "i") instead of IGNORECASE,
# so that the search skips to an "n" or a "c" in C; the word boundary before a word is looked
# for behind its first letter.
_HAS_NEGATION = re.compile(
    r"[NnCc](?:(?<=\b[Nn])(?:[Oo][Tt]|[Ee][Vv][Ee][Rr]|[Oo](?!\.)|[Oo][Nn][Ee]"
    r"|[Ee][Ii\u0130\u0131][Tt][Hh][Ee][Rr]|[Oo][Rr])\b|(?<=[Nn])[’'][Tt]\b"
    r"|(?<=\b[Cc])[Aa][Nn][Nn][Oo][Tt]\b)"
)
_WITHOUT_REACH = 40
# searched up to the match only
_WITHOUT_BEFORE = re.compile(
    r"\b(?:without|rather\s+than|instead\s+of|as\s+opposed\s+to)\b[^,;.:]*$", re.I
)
_NOT_A_NEGATION = re.compile(
    r"not\s+(?:be\s+)?limited\s+to|not\s+only|whether\s+or\s+not|if\s+not|no\s+later\s+than|"
    r"no\s+longer\s+than|no\s+more\s+than|(?:phone|fax|telephone|account|case|file|record|"
    r"passport|license|docket|identification)\s+no\b",
    re.I,
)
_ACT = re.compile(r"Act\b(?<!\wAct)")  # a literal first: the search skips to it
_ACT_NAME = re.compile(
    r"(?:[A-Z][\w'’.-]*,?\s+(?:(?:of|and|for|the|on|to|in|&)\s+)*){1,10}Act\b(?:\s+of\s+\d{4})?"
)
_ACT_NAME_CHARS = 150


def _bounds(
    text: str, start: int, end: int, breaks: re.Pattern[str], reach: int = _REACH
) -> tuple[int, int]:
    """The span of the sentence or clause (as `breaks` ends them) holding text[start:end]."""
    begin = _last_break(text, start, breaks, _SHORT_REACH)
    if begin is None:
        begin = _last_break(text, start, breaks, reach)
    if begin is None:
        begin = max(0, start - reach)
    after = breaks.search(text, end, end + reach)
    return begin, after.start() if after else min(len(text), end + reach)


def _last_break(text: str, start: int, breaks: re.Pattern[str], reach: int) -> int | None:
    """Where the last break before `start`, within `reach` characters, ends."""
    last = None
    for last in breaks.finditer(text, max(0, start - reach), start):  # noqa: B007 - the last
        pass
    return last.end() if last else None


def _negated(text: str, start: int, end: int) -> bool:
    """Whether the clause holding text[start:end] denies something, or a "without" ("rather
    than", "instead of", "as opposed to") just before it denies that thing ("photographs
    without names": the names)."""
    if _WITHOUT_BEFORE.search(text, max(0, start - _WITHOUT_REACH), start):
        return True
    begin, finish = _bounds(text, start, end, _CLAUSE_BREAK, _CLAUSE_REACH)
    clause = text[begin:finish]
    return bool(
        _HAS_NEGATION.search(clause) and _HAS_NEGATION.search(_NOT_A_NEGATION.sub(" ", clause))
    )


def _sentences(text: str) -> list[str]:
    return _SENTENCE_END.split(text)


def _without_act_names(text: str) -> str:
    """`text` with the names of laws ("the Social Security Act") blanked out, offsets kept."""
    spans = []
    for act in _ACT.finditer(text):
        name = _ACT_NAME.search(text, max(0, act.start() - _ACT_NAME_CHARS), act.end() + 12)
        if name and name.start() <= act.start():
            spans.append((name.start(), name.end()))
    for start, end in reversed(spans):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


# --- the text each facet reads -------------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    """A record's body, lowercased once, and where its sections lie in it."""

    record: Record
    body: str
    lowered: str
    sections: tuple[tuple[Section, int, int], ...]
    technology: tuple[tuple[str, re.Match[str]], ...]  # every mention of a technology
    anchors: dict[str, list[int]]  # where the same pass found each kind of _ANCHORS

    @classmethod
    def of(
        cls,
        record: Record,
        sections: Sequence[Section],
        technology: Taxonomy,
        body: str | None = None,
        lowered: str | None = None,
    ) -> _Document:
        body = record.body if body is None else body
        lowered = body.lower() if lowered is None else lowered
        spans = tuple(section_spans(record, sections)) if sections else ()
        anchors: dict[str, list[int]] = {}
        mentions = tuple(technology.find(body, lowered, anchors=anchors))
        return cls(record, body, lowered, spans, mentions, anchors)

    @cached_property
    def speaks_of_privacy(self) -> bool:
        """Whether the document speaks of privacy at all (asked by two facets; its search may
        read the whole body)."""
        return _privacy_in(self)

    def spans(self, keys: frozenset[str]) -> list[tuple[int, int]]:
        """The spans of the body covered by the sections whose key is in `keys`, merged."""
        merged: list[tuple[int, int]] = []
        for start, end in sorted((a, b) for s, a, b in self.sections if s.key in keys):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


# on lowercased text; a heading or a question may break over lines
_COLLECTION_QUESTION = re.compile(
    r"(?<![\w-])(?:categories\s+of\s+records(?:\s+in\s+the\s+system)?:?|"
    r"(?:what|identify\s+the)\s+(?:information|data|personal\s+information|pii)[^.?]{0,60}"
    r"(?:collect|maintain)[^?\n]{0,200}\??)"
)
_NEXT_QUESTION = re.compile(
    r"\n\s*(?:\d+\.\d+\s|[A-Z][A-Z ,()]{8,}:|Section \d|[^\n]{10,200}\?\s*\n)"
)
_QUESTION_CHARS = 2500
_QUESTIONS = 2  # a document asks what it collects once or twice; more are other questions
# on lowercased text, with the alternatives that share a first letter together (for speed)
_COLLECTION_CUE = re.compile(
    BEFORE_A_WORD + r"(?:c(?:ollect|onsist\w* of|ontain|aptur|ompris)|includ|such as|maintain|"
    r"g(?:ather)|obtain|stor(?:e|es|ed|ing)\b|re(?:tain|cords? of\b)|us(?:e|es|ed|ing)\b|"
    r"verif|handl)"
)
# on lowercased text: a search stops at the first, early in a document about privacy. One
# expression per leading word: a search skips to its word, where one for them all would stop
# at every "p" and "s" of a document that holds none (the whole body searched).
_PRIVACY_TERMS = tuple(
    re.compile(term)
    for term in (
        r"privacy\s+impact",
        r"personal(?:ly\s+identifiable|\s+information)",
        r"pii\b",
        r"systems?\s+of\s+records",
    )
)
_PRIVACY_TYPES = frozenset({"PIA", "PIA Update", "SORN", "PCR", "Notice"})
_PRIVACY_WORDS = re.compile(r"privacy|personally identifiable|system of records|\bPII\b", re.I)
# sentences about routine uses, commenting on a notice or discrimination say nothing of what is
# collected; nor do those that tell the reader what to provide ("you must provide your full
# name") or whom to ask ("the FOIA Officer, whose contact information"): they are about a
# request for records, not the system. On lowercased text; the word boundary before "you" and
# "foia" is looked for behind their first letter, so that the search skips to first letters
# instead of trying every place.
_NOT_ABOUT_COLLECTION = re.compile(
    r"routine\s+use|comment|discriminat|y(?<!\wy)our?\b|f(?<!\wf)oia\b|privacy\s+office\b"
)


# what may stand before a heading or a question on its line: a number, a letter, a bullet
_LINE_LEAD = re.compile(r"[ \t]*(?:(?:\d+(?:\.\d+)*|[A-Za-z])[.)]?|\(\w{1,3}\)|•)?[ \t]*")


def _starts_a_line(body: str, at: int) -> bool:
    """Whether body[at:] starts a heading or a question: only a number or a bullet before it
    on its line ("categories of records" in running prose is no heading)."""
    return bool(_LINE_LEAD.fullmatch(body, body.rfind("\n", 0, at) + 1, at))


def _answers_to_collection_questions(doc: _Document) -> list[str]:
    """What follows a "what information is collected" question or a SORN's categories of
    records heading, up to the next question or heading."""
    out: list[str] = []
    for at in doc.anchors.get("question", ()):
        question = _COLLECTION_QUESTION.match(doc.lowered, at)
        if not question or not _starts_a_line(doc.body, at):
            continue
        if len(out) == _QUESTIONS:
            break
        end = question.end()
        stop = _NEXT_QUESTION.search(doc.body, end + 1, end + _QUESTION_CHARS)
        out.append(doc.body[end : stop.start() if stop else end + _QUESTION_CHARS])
    return out


def _speaks_of_privacy(doc: _Document) -> bool:
    return doc.speaks_of_privacy


def _privacy_in(doc: _Document) -> bool:
    return (
        doc.record.doc_type in _PRIVACY_TYPES
        or any(term.search(doc.lowered) for term in _PRIVACY_TERMS)
        or bool(_PRIVACY_WORDS.search(doc.record.title + " " + doc.record.summary))
    )


def _verb_cues(text: str, lowered: str) -> Iterator[int]:
    """Where a collection cue stands as a word of running prose: a capitalised one ("Personal
    Identity Verification", "ICE Use of Facial Recognition") is part of a name or a title."""
    for match in _COLLECTION_CUE.finditer(lowered):
        at = match.start() + 1
        if not text[at].isupper():
            yield at


_OPENING_SECTIONS = frozenset({"abstract", "overview"})


def _opening_start(doc: _Document) -> int:
    """Where the opening part starts: at a PIA's abstract or overview when the sections are
    known, so that its title page (names, contact block) is not read as sentences of it; at the
    start of the body otherwise (a Federal Register preamble may put the summary's text before
    its heading)."""
    spans = doc.spans(_OPENING_SECTIONS)
    return spans[0][0] if spans else 0


def _collection_texts(doc: _Document) -> list[str]:
    """The texts that say what a record's system collects: its collection sections, or else
    the collecting sentences of its opening part and the answers to its collection questions
    (in a document that speaks of privacy at all)."""
    spans = doc.spans(_PII_SECTIONS)
    if spans:
        return [doc.body[start:end] for start, end in spans]
    if not _speaks_of_privacy(doc):
        return []  # a court opinion, a form or a report mentions people without a system
    chosen = []
    begin = _opening_start(doc)
    end = begin + _OPENING_CHARS
    opening = (doc.body[begin:end], doc.lowered[begin:end])
    for text, lowered in ((doc.record.summary, doc.record.summary.lower()), opening):
        cues = _verb_cues(text, lowered)
        for start, end in _merged_sentences(text, cues):
            if not _NOT_ABOUT_COLLECTION.search(lowered, start, end):
                chosen.append(text[start:end])
    return chosen + _answers_to_collection_questions(doc)


# --- pii and technology --------------------------------------------------------------------------


def _pii(doc: _Document, taxonomy: Taxonomy) -> list[str]:
    found: list[str] = []
    text = _without_act_names("\n\n".join(_collection_texts(doc)))  # a blank line ends a clause
    for value, match in taxonomy.find(text):
        if value in found or _in_a_name(text, match):
            continue
        if not _negated(text, match.start(), match.end()):
            found.append(value)
    return found


_NAME_GOES_ON = re.compile(r"\s[A-Z][a-z]")


def _in_a_name(text: str, match: re.Match[str]) -> bool:
    """Whether a match is a word of a capitalised name ("Credential Authentication Technology",
    "Integrated Automated Fingerprint Identification System"): a capitalised word (not an
    acronym) followed by another, which a list of categories separates by punctuation."""
    word = match.group()
    return word[0].isupper() and not word.isupper() and bool(_NAME_GOES_ON.match(text, match.end()))


def _technology(doc: _Document, taxonomy: Taxonomy) -> list[str]:
    about = doc.spans(_ABOUT_SECTIONS) or [(0, min(len(doc.body), _ABOUT_CHARS))]
    found: list[str] = []
    for text in (doc.record.title, doc.record.summary):
        for value, match in taxonomy.find(text):
            if value not in found and not _negated(text, match.start(), match.end()):
                found.append(value)
    mentions: dict[str, int] = {}
    for value, match in doc.technology:
        if value in found or _negated(doc.body, match.start(), match.end()):
            continue
        if any(start <= match.start() < end for start, end in about):
            found.append(value)
            continue
        mentions[value] = mentions.get(value, 0) + 1
        if mentions[value] >= _REPEATED:
            found.append(value)
    return found


# --- retention -----------------------------------------------------------------------------------

_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_NUMBERS = (
    {word: n for n, word in enumerate(_UNITS, 1)}
    | {word: 10 * n for n, word in enumerate(_TENS, 2)}
    | {"a": 1, "an": 1, "one hundred": 100, "hundred": 100}
)
_NUMBER_WORD = (
    rf"(?:one hundred|hundred|(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[:9])}))?|"
    rf"{'|'.join(sorted(_UNITS, key=len, reverse=True))}|an?)"
)
_PERIOD = re.compile(
    rf"\b(?:(?P<digits>\d+(?:\.\d+)?)|(?P<words>{_NUMBER_WORD})(?:\s*\((?P<also>\d+)\))?)"
    r"[\s-]*(?P<unit>years?|yrs?\b\.?|months?|mos?\.|weeks?|days?)\b"
    r"|\b(?P<permanent>permanently|permanent(?=\s*(?:records?\b|retention|[.;,)]|and\b)))",
    re.I,
)
# Where a period's unit ("year", "yr", "month", "mo.", "week", "day") or "permanent" may start
# in the lowercased text. _PERIOD starts at a word boundary and so is tried at every position;
# these start with one of five letters, which the search skips to in C. A period's number
# stands before its unit: digits, or a number word of at most _NUMBER_WORD_CHARS characters,
# then only spaces, digits, hyphens and parentheses; no unit starts inside it.
_UNIT_START = re.compile(r"y(?=ear|r)|m(?=onth|o)|w(?=eek)|d(?=ay)|p(?=ermanent)")
_NUMBER_WORD_CHARS = max(
    len(word)
    for word in [*_UNITS, "one hundred", "an"]
    + [f"{tens}-{unit}" for tens in _TENS for unit in _UNITS[:9]]
)
_PERIOD_BEFORE = 150  # how far from a word about retention its period may stand
_PERIOD_AFTER = 250
_DAYS = {"y": 365.0, "m": 365 / 12, "w": 7.0, "d": 1.0}


def _period_value(match: re.Match[str]) -> str | None:
    """A period as the facet writes it: `N years`, `under 1 year` or `permanent`."""
    if match.group("permanent"):
        return "permanent"
    if match.group("digits"):
        number = float(match.group("digits"))
    elif match.group("also"):
        number = float(match.group("also"))
    else:
        words = re.sub(r"[\s-]+", " ", match.group("words").lower())
        number = float(
            _WORD_NUMBERS.get(words) or sum(_WORD_NUMBERS.get(p, 0) for p in words.split())
        )
    if number <= 0:
        return None
    years = number * _DAYS[match.group("unit")[0].lower()] / 365.0
    if years < 1 - 1e-9:
        return "under 1 year"
    text = f"{round(years, 1):.1f}".removesuffix(".0")
    return f"{text} years"  # "1 years" too: the labels write every period so


def _merged_sentences(text: str, positions: Iterable[int]) -> list[tuple[int, int]]:
    """The sentences holding each of `positions`, merged where they overlap."""
    spans: list[tuple[int, int]] = []
    for at in positions:
        if spans and at < spans[-1][1]:
            continue
        spans.append(_bounds(text, at, at, _SENTENCE_END))
    return spans


def _retention_spans(doc: _Document) -> list[tuple[int, int]]:
    """Around each word about keeping or disposing of records, the part of its sentence a
    period of it may stand in (tables have no sentences: the reach is bounded)."""
    spans: list[tuple[int, int]] = []
    for at in doc.anchors.get("retention", ()):
        if spans and at < spans[-1][1]:
            continue
        start, end = _bounds(doc.body, at, at, _SENTENCE_END)
        spans.append((max(start, at - _PERIOD_BEFORE), min(end, at + _PERIOD_AFTER)))
    return spans


def _retention(doc: _Document) -> list[str]:
    spans = doc.spans(_RETENTION_SECTIONS)
    if not spans:
        if not _speaks_of_privacy(doc):
            return []  # a permit, a copy or a sample kept for a while is not a record's period
        spans = _retention_spans(doc)
    found: list[str] = []
    for start, end in spans:
        for match in _periods(doc, start, end):
            value = _period_value(match)
            if value and value not in found:
                found.append(value)
    return found


def _periods(doc: _Document, start: int, end: int) -> Iterator[re.Match[str]]:
    """The matches of _PERIOD.finditer(doc.body, start, end), found by trying _PERIOD only
    just before each place a unit may start (see _UNIT_START)."""
    body = doc.body
    if len(doc.lowered) != len(body):  # lowercasing made a character two: positions differ
        yield from _PERIOD.finditer(body, start, end)
        return
    at = start  # where the search for the next period starts, as finditer's does
    for unit in _UNIT_START.finditer(doc.lowered, start, end):
        if unit.start() < at:
            continue
        first = max(at, unit.start() - _number_run(body, unit.start(), at) - _NUMBER_WORD_CHARS)
        for begin in range(first, unit.start() + 1):
            match = _PERIOD.match(body, begin, end)
            if match:
                yield match
                at = match.end()
                break


def _number_run(body: str, at: int, floor: int) -> int:
    """How many characters before `at` (down to `floor`) are spaces, digits, periods, hyphens
    or parentheses: what may stand between a period's number word and its unit, or make its
    number."""
    begin = at
    while begin > floor and (
        body[begin - 1].isspace() or body[begin - 1].isdecimal() or body[begin - 1] in ".()-"
    ):
        begin -= 1
    return at - begin


def _windows(positions: Iterable[int], before: int, after: int) -> list[tuple[int, int]]:
    """[position - before, position + after) around each position, merged where they overlap."""
    windows: list[tuple[int, int]] = []
    for at in positions:
        start, end = max(0, at - before), at + after
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


# --- exemptions ----------------------------------------------------------------------------------

_EXEMPTION_LIST = re.compile(
    r"(?P<anchor>552a\s*|subsections?\s+|sections?\s+)"
    r"(?P<list>\(\s*[jk]\s*\)\s*\(\s*\d\s*\)"
    r"(?:\s*(?:,|;|and|or|,\s*and|,\s*or)\s*(?:552a\s*)?\(\s*[jk]\s*\)\s*\(\s*\d\s*\))*)",
    re.I,
)
_EXEMPTION_ANCHOR = re.compile(r"\([jkJK]\)")  # in every list, after "552a" too
_EXEMPTION_BEFORE = 30  # characters before "(k)" a list of exemptions may start
_EXEMPTION_AFTER = 200
_ONE_EXEMPTION = re.compile(r"\(\s*([jk])\s*\)\s*\(\s*(\d)\s*\)", re.I)
_EXEMPTION_VALUES = frozenset({"(j)(2)"} | {f"(k)({n})" for n in range(1, 8)})
_EXEMPT = re.compile(r"exempt", re.I)
_PRIVACY_ACT = re.compile(r"Privacy Act|552a", re.I)
_NO_EXEMPTION = re.compile(
    r"\b(?:no|not|none|neither)\b[^.]{0,60}\bexempt|\bexempt\w*\b[^.]{0,30}\b(?:none|not)\b", re.I
)


def _claimed(body: str, match: re.Match[str], in_exemption_section: bool) -> bool:
    """Whether the sentence of an exemption list claims it as the Privacy Act's."""
    begin, end = _bounds(body, match.start(), match.end(), _SENTENCE_END)
    sentence = body[begin:end]
    if not match.group("anchor").startswith("552a") and not _PRIVACY_ACT.search(sentence):
        return False
    if not in_exemption_section and not _EXEMPT.search(sentence):
        return False
    return not _NO_EXEMPTION.search(sentence)


def _exemption(doc: _Document) -> list[str]:
    body = doc.body
    spans = doc.spans(_EXEMPTION_SECTIONS)
    in_section = bool(spans)
    if not spans:
        anchors = (m.start() for m in _EXEMPTION_ANCHOR.finditer(body))
        spans = _windows(anchors, _EXEMPTION_BEFORE, _EXEMPTION_AFTER)
    found: list[str] = []
    for start, end in spans:
        for match in _EXEMPTION_LIST.finditer(body, start, end):
            if not _claimed(body, match, in_section):
                continue
            for letter, number in _ONE_EXEMPTION.findall(match.group("list")):
                value = f"({letter.lower()})({number})"
                if value in _EXEMPTION_VALUES and value not in found:
                    found.append(value)
    return found


# --- all together --------------------------------------------------------------------------------


def find_facets(
    record: Record,
    sections: Sequence[Section],
    taxonomies: Taxonomies | None = None,
    body: str | None = None,
    lowered: str | None = None,
) -> tuple[tuple[str, str], ...]:
    """The (facet, value) pairs of `record`, facet by facet in the order of FACETS; `body` is
    record.body and `lowered` body.lower() when the caller has them already."""
    taxonomies = taxonomies or default_taxonomies()
    doc = _Document.of(record, sections, taxonomies.technology, body, lowered)
    values = {
        "pii": _pii(doc, taxonomies.pii),
        "technology": _technology(doc, taxonomies.technology),
        "retention": _retention(doc),
        "authority": find_citations(doc.body),
        "exemption": _exemption(doc),
    }
    return tuple((facet, value) for facet in FACETS for value in values[facet])
