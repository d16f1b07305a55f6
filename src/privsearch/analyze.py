"""The one analyzer privsearch uses to index text and to read queries.

The pipeline is a Whoosh chain of three stages (lunr's Pipeline):

1. `_CompoundTokenizer` finds words, reference numbers and citations with one compiled regex.
   A compound such as ``DHS/ICE/PIA-054(a)`` is emitted whole, without its ``(a)`` suffix, and
   by its parts (``dhs``, ``ice``, ``pia-054(a)``, ``pia-054``, ``pia``, ``054``), all at one
   position, so phrase queries still line up across it. In query mode only the whole is
   emitted: the index already holds every part. A hyphenated word is also indexed in its
   other forms (`term_variants`): ``A-Files`` as ``a-file``, ``e-mails`` as ``e-mail`` and
   ``email``, so that each form finds the others.
2. `_QueryStopFilter` drops stop words from queries only when the caller asks for it. Whoosh's
   parser asks for single words (``removestops=True``) and not for quoted phrases, so ``use of
   force`` drops ``of`` while ``"use of force"`` keeps it. The index keeps every stop word.
3. `_StemFilter` applies the Snowball English stemmer, memoized, to plain alphabetic words that
   are neither stop words nor known acronyms. Numbers and compound wholes are never stemmed.
   An acronym's plural becomes the acronym (``LPRs`` -> ``lpr``), which Snowball would keep.

Synonyms (`find_synonyms`) are applied by the query stage, not here: the analyzer itself maps
one text to one token stream, which keeps the index and the query side in step. An acronym
with several meanings (``LPR``) takes the one the query's other words point to.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from whoosh.analysis import Analyzer, Filter, Token, Tokenizer

__all__ = [
    "ANALYZER_VERSION",
    "Sense",
    "SynonymMatch",
    "analyze",
    "build_analyzer",
    "find_synonyms",
    "index_positions",
    "indexed_phrases",
    "is_stopword",
    "phrase_positions",
    "phrase_term",
    "propose_stopwords",
    "stem",
    "term_variants",
    "tokens_with_offsets",
]

# --- the token grammar -------------------------------------------------------------------------

# Letters and digits. The modifier-letter primes that PDF extraction leaves in "Departmentʹs"
# count as word characters for Python, so they are excluded here and treated as apostrophes.
_ALNUM = r"[^\W_\u02b9\u02bc]"
_LETTER = r"[^\W\d_\u02b9\u02bc]"
_MARKS = r"[\u0300-\u036f]"  # combining accents of decomposed (NFD) text stay inside the word
_APOSTROPHES = "'\u2018\u2019\u02b9\u02bc"
_HYPHENS = "\\-\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"
_LONG_DASHES = "\u2014\u2015"
_SPACE = "[ \u00a0]"

# A word may carry inner apostrophes ("don't", "O'Neill") but not a possessive 's.
_ATOM = rf"{_ALNUM}+(?:{_MARKS}+{_ALNUM}*)*(?:[{_APOSTROPHES}](?!s(?!{_ALNUM})){_ALNUM}+)*"
_CONNECTOR = (
    rf"(?:[{_HYPHENS}/&_@]"
    # "www.dhs.gov", "5.33"; not "end.Next", where a PDF lost a space
    r"|\.(?=[a-z0-9])"
    # the Federal Register prints "DHS/USCIS--013" and "Services—011" for a hyphen before digits
    rf"|(?:--|[{_LONG_DASHES}])(?=\d)"
    # "PIA – 024", "DHS– 2017": a dash set off by spaces between an acronym and a number
    rf"|(?<=[A-Z]{{2}}){_SPACE}?[{_HYPHENS}{_LONG_DASHES}]{_SPACE}?(?=\d))"
)
_SUFFIX = rf"(?:\({_ALNUM}{{1,4}}\))*"  # "PIA-054(a)", "552a(k)(1)", "SORN(s)"
_TOKEN_RE = re.compile(
    # dotted abbreviations: "U.S.C." -> usc, "U.S." -> us, "e.g." -> eg
    rf"(?P<abbr>{_LETTER}(?:\.{_LETTER})+\.?)(?!{_ALNUM})"
    # "§ 1367" is read as "section 1367", so the query Section 1367 finds "8 U.S.C. § 1367"
    r"|(?P<section>\u00a7)"
    # "1,000,000" -> 1000000
    rf"|(?P<number>\d{{1,3}}(?:,\d{{3}})+)(?!{_ALNUM})"
    rf"|(?P<word>{_ATOM}(?:{_CONNECTOR}{_ATOM})*{_SUFFIX})(?:[{_APOSTROPHES}]s(?!{_ALNUM}))?"
)
_ATOM_RE = re.compile(_ATOM)
_DASH_RUN_RE = re.compile(r"-{2,}")

_FOLD_TABLE = str.maketrans(
    {
        **{c: None for c in _APOSTROPHES},  # "don't" -> dont, "O'Neill" -> oneill
        **{c: "-" for c in _HYPHENS.replace("\\", "") + _LONG_DASHES},
        "\u00a0": None,
        " ": None,
    }
)

# Longer "words" are extraction debris (base64, run-together lines), not search terms.
_MAX_TERM_CHARS = 64


def _fold(text: str) -> str:
    """Lowercase, NFKC-normalize and strip accents, apostrophes and spaces; dashes become '-'."""
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text).lower()
        if not text.isascii():
            text = "".join(
                c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
            )
    return text.translate(_FOLD_TABLE)


def _fold_compound(text: str) -> str:
    text = _fold(text)
    return _DASH_RUN_RE.sub("-", text) if "--" in text else text


@lru_cache(maxsize=1 << 16)
def _compound_pieces(raw: str) -> tuple[tuple[str, int, int], ...]:
    """The whole compound, its suffix-less forms, its '/'-segments and their words.

    Each piece is (folded text, start, end) with offsets into `raw`; the first is the whole.
    Reference numbers recur throughout a corpus, hence the cache.
    """
    pieces: list[tuple[str, int, int]] = [(_fold_compound(raw), 0, len(raw))]
    seen = {pieces[0][0]}

    def add(text: str, start: int, end: int) -> None:
        if text and text not in seen:
            seen.add(text)
            pieces.append((text, start, end))

    paren = raw.find("(")
    suffix_starts = [i for i, c in enumerate(raw) if c == "("] if paren > 0 else []
    for cut in reversed(suffix_starts):
        add(_fold_compound(raw[:cut]), 0, cut)
    core_end = paren if paren > 0 else len(raw)

    segments = []
    start = 0
    while True:
        slash = raw.find("/", start, core_end)
        segments.append((start, slash if slash >= 0 else core_end))
        if slash < 0:
            break
        start = slash + 1
    for variant in _inflections(pieces[0][0]):
        add(variant, 0, len(raw))
    for seg_start, seg_end in segments:
        segment = raw[seg_start:seg_end]
        if len(segments) > 1 and not segment.isalnum():
            if seg_end == core_end:
                add(_fold_compound(raw[seg_start:]), seg_start, len(raw))
                for cut in reversed(suffix_starts):
                    add(_fold_compound(raw[seg_start:cut]), seg_start, cut)
            else:
                add(_fold_compound(segment), seg_start, seg_end)
        for atom in _ATOM_RE.finditer(segment):
            add(_fold(atom.group()), seg_start + atom.start(), seg_start + atom.end())
    return tuple(pieces)


_HYPHENATED_RE = re.compile(r"^[^\W_]+(?:-[^\W_]+)+$")
_PLURAL_NUMBER_RE = re.compile(r"^(\d+)s$")  # "I-94s" -> "I-94"
_JOINABLE_PREFIX_CHARS = 3  # "e-mail" -> email, "non-citizen" -> noncitizen; not "body-worn"


def _inflections(whole: str) -> list[str]:
    """Other index forms of a folded hyphenated word, so that its inflections find each other.

    "a-files" -> "a-file" (the singular) and, for a short prefix joined to a word,
    the closed-up spelling ("e-mails" -> "emails", stemmed later to "email" like the plain
    word). Reference numbers end in digits and are left as they are, bar a plural "s".
    """
    if "-" not in whole or not _HYPHENATED_RE.match(whole):
        return []
    head, _, last = whole.rpartition("-")
    found = []
    if last.isalpha():
        singular = _singular(last) if last not in _UNSTEMMED else None
        if singular:
            found.append(f"{head}-{singular}")
        if "-" not in head and head.isalpha() and len(head) <= _JOINABLE_PREFIX_CHARS:
            found.append(head + last)
    else:
        number = _PLURAL_NUMBER_RE.match(last)
        if number:
            found.append(f"{head}-{number.group(1)}")
    return found


def _singular(word: str) -> str | None:
    """The singular of an English plural ("files" -> file, "policies" -> policy), else None.

    The whole of a hyphenated word is not stemmed (it may be a name: "E-Verify"), so its
    plural is taken off by these rules instead, into the form people type.
    """
    if len(word) < 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return None
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1]


def term_variants(term: str) -> tuple[str, ...]:
    """The other index forms of a query-mode term that stand for the same word, analyzed
    ("a-files" -> "a-file", "afil"; "e-mail" -> "email"); () for most terms."""
    variants = []
    for form in _inflections(term):
        if form.isalpha() and form not in _UNSTEMMED:
            form = stem(form)
        if form != term and form not in variants:
            variants.append(form)
    return tuple(variants)


class _CompoundTokenizer(Tokenizer):
    """Words, reference numbers and citations; compounds whole and by parts at one position."""

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool | None = None,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        # Whoosh passes removestops explicitly for single words and omits it for phrases, so
        # "not said" means keep: an exact phrase matches its stop words too.
        t = Token(positions, chars, removestops=bool(removestops), mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = _fold(value)
            if not t.text:
                return
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return

        whole_only = mode == "query"
        pos = start_pos
        for match in _TOKEN_RE.finditer(value):
            kind = match.lastgroup
            raw = match.group(kind)  # type: ignore[arg-type]
            if kind == "word" and not raw.isalnum():
                start = match.start(kind)  # type: ignore[arg-type]
                pieces = _compound_pieces(raw)
                if whole_only:
                    # An over-long whole (a URL, say) is not indexed; ask for its words instead.
                    long_whole = len(pieces[0][0]) > _MAX_TERM_CHARS
                    pieces = [p for p in pieces if p[0].isalnum()] if long_whole else pieces[:1]
                for text, rel_start, rel_end in pieces:
                    if not 0 < len(text) <= _MAX_TERM_CHARS:
                        continue
                    t.text = text
                    if keeporiginal:
                        t.original = raw[rel_start:rel_end]
                    if positions:
                        t.pos = pos
                    if chars:
                        t.startchar = start_char + start + rel_start
                        t.endchar = start_char + start + rel_end
                    yield t
                pos += 1
                continue

            if kind == "word":
                text = raw.lower() if raw.isascii() else _fold(raw)
            elif kind == "abbr":
                text = _fold(raw.replace(".", ""))
            elif kind == "section":
                text = "section"
            else:
                text = raw.replace(",", "")
            if 0 < len(text) <= _MAX_TERM_CHARS:
                t.text = text
                if keeporiginal:
                    t.original = raw
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + match.start(kind)  # type: ignore[arg-type]
                    t.endchar = start_char + match.end(kind)  # type: ignore[arg-type]
                yield t
            pos += 1


def index_positions(value: str, marks: Sequence[tuple[int, str]] = ()) -> dict[str, list[int]]:
    """Each index-mode term of `value` with its positions: what the analyzer's token stream
    gives Whoosh's Positions format, computed without a Token per word.

    Indexing spends most of its time here. The text is read by whitespace-separated chunks,
    each analyzed once per process and then looked up: the token grammar never crosses
    whitespace except in a dash set off by spaces ("PIA – 024"), which is closed up first.
    `tests/test_analyze.py` checks that this agrees with the token stream.

    `marks` are (character offset, term) pairs, sorted by offset: each term is given the
    position of the first word at or after its offset (the end of the text for an offset past
    it; the word's own when the offset falls inside it), so that a query can tell where in the
    text a stretch such as a section starts.
    """
    positions: dict[str, list[int]] = {}
    known = _CHUNK_TERMS
    if len(known) >= _MAX_CACHED_CHUNKS:
        known.clear()
    if not marks:
        _add_positions(_closed_dashes(value), positions, 0, known)
        return positions
    # Each part is read as a text of its own, its spaced dashes closed in it alone; a part
    # holds one only where the whole text has a dash before a digit (found in one search),
    # and no part ends inside a word such a dash joins.
    dashes = [dash.start() for dash in _dash_candidates(value)]
    joins = _joined_spans(value) if dashes else []
    cuts = [0, *(_outside_joins(_word_boundary(value, o), value, joins) for o, _ in marks)]
    cuts.append(len(value))
    pos = 0
    for i in range(len(cuts) - 1):
        if i:
            _add_position(positions, marks[i - 1][1], pos)
        part = value[cuts[i] : cuts[i + 1]]
        if _any_within(dashes, cuts[i], cuts[i + 1]):
            part = _closed_dashes(part)
        pos = _add_positions(part, positions, pos, known)
    return positions


def _any_within(offsets: list[int], start: int, end: int) -> bool:
    """Whether one of the sorted `offsets` lies in [start, end)."""
    i = bisect_left(offsets, start)
    return i < len(offsets) and offsets[i] < end


def _word_boundary(value: str, offset: int) -> int:
    """`offset`, moved back to the start of the whitespace-separated chunk it falls in."""
    offset = max(0, min(offset, len(value)))
    if offset == len(value) or value[offset].isspace():
        return offset
    while offset > 0 and not value[offset - 1].isspace():
        offset -= 1
    return offset


def _add_position(positions: dict[str, list[int]], term: str, pos: int) -> None:
    found = positions.get(term)
    if found is None:
        positions[term] = [pos]
    elif found[-1] != pos:
        found.append(pos)


def _add_positions(
    value: str,
    positions: dict[str, list[int]],
    pos: int,
    known: dict[str, tuple[tuple[str, ...], ...]],
) -> int:
    """Add the terms of `value`, its spaced dashes closed, to `positions`, numbered from `pos`;
    return the next position."""
    for chunk in value.split():
        tokens = known.get(chunk)
        if tokens is None:
            tokens = known[chunk] = tuple(
                _index_terms(*groups) for groups in _TOKEN_RE.findall(chunk)
            )
        for terms in tokens:
            for term in terms:
                found = positions.get(term)
                if found is None:
                    positions[term] = [pos]
                else:
                    found.append(pos)
            pos += 1
    return pos


# The index-mode terms of each whitespace-separated chunk seen: texts repeat their words.
_CHUNK_TERMS: dict[str, tuple[tuple[str, ...], ...]] = {}
_MAX_CACHED_CHUNKS = 1 << 18  # tens of MB at most; cleared rather than grown
# The one construct of the token grammar that spans a space: "PIA – 024", "DHS– 2017".
_SPACED_DASH_RE = re.compile(rf"(?<=[A-Z]{{2}})(\s?)([{_HYPHENS}{_LONG_DASHES}])(\s?)(?=\d)")


# Where a spaced dash may be: a dash before a digit, or before a space and a digit. The search
# skips to a dash in C, where _SPACED_DASH_RE, whose lookbehind comes first, is tried at every
# position of the text (about 15 ms per MB, twice that when a marked text is cut into parts);
# to a hyphen, the one dash of most texts, several times as fast as to any of a class.
_DASH_BEFORE_DIGIT_RE = re.compile(rf"[{_HYPHENS}{_LONG_DASHES}](?=\s?\d)")
_HYPHEN_BEFORE_DIGIT_RE = re.compile(r"-(?=\s?\d)")
_OTHER_DASHES = _HYPHENS.replace("\\-", "") + _LONG_DASHES


def _closed_dashes(value: str) -> str:
    """`_SPACED_DASH_RE.sub(_close_dash, value)`."""
    pieces: list[str] = []
    copied = 0  # value[:copied] is in pieces
    for match in _spaced_dashes(value):
        pieces += (value[copied : match.start()], _close_dash(match))
        copied = match.end()
    if not pieces:
        return value
    pieces.append(value[copied:])
    return "".join(pieces)


def _spaced_dashes(value: str) -> Iterator[re.Match[str]]:
    """The matches of `_SPACED_DASH_RE` in `value`, the expression tried only where one may
    start: at a dash before a digit, or at the character before that dash (a match is a dash
    and the spaces around it, so it starts at most one character before its dash)."""
    end = 0
    for dash in _dash_candidates(value):
        for start in (dash.start() - 1, dash.start()):
            match = _SPACED_DASH_RE.match(value, start) if start >= end else None
            if match:
                yield match
                end = match.end()
                break


def _joined_spans(value: str) -> list[tuple[int, int]]:
    """Where a spaced dash joins the words on either side into one ("PIA – 024")."""
    spans = []
    for match in _spaced_dashes(value):
        if _close_dash(match) != match.group():
            spans.append((match.start(), match.end()))
    return spans


def _outside_joins(cut: int, value: str, spans: list[tuple[int, int]]) -> int:
    """`cut`, moved back to the start of the word a spaced dash joins when it falls in it."""
    for start, end in reversed(spans):
        if start <= cut <= end:
            cut = _word_boundary(value, start - 1)
    return cut


def _dash_candidates(value: str) -> Iterator[re.Match[str]]:
    """Each dash of `value` before a digit (or before a space and a digit)."""
    if any(dash in value for dash in _OTHER_DASHES):
        return _DASH_BEFORE_DIGIT_RE.finditer(value)
    return _HYPHEN_BEFORE_DIGIT_RE.finditer(value)


def _close_dash(match: re.Match[str]) -> str:
    """The dash of a spaced connector without its spaces, if the grammar would join it."""
    if all(not space or space in " \u00a0" for space in (match.group(1), match.group(3))):
        return match.group(2)
    return match.group()


def _index_terms(abbr: str, section: str, number: str, word: str) -> tuple[str, ...]:
    """The index-mode terms of one match of the token grammar (one group is non-empty)."""
    if word:
        if word.isalnum():
            texts: Iterable[str] = [word.lower() if word.isascii() else _fold(word)]
        else:
            texts = [text for text, _, _ in _compound_pieces(word)]
    elif abbr:
        texts = [_fold(abbr.replace(".", ""))]
    elif section:
        texts = ["section"]
    else:
        texts = [number.replace(",", "")]
    return tuple(
        stem(text) if text.isalpha() and text not in _UNSTEMMED else text
        for text in texts
        if 0 < len(text) <= _MAX_TERM_CHARS
    )


class _QueryStopFilter(Filter):
    """Drops stop words from a query when asked to; the index keeps them for exact phrases."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:  # type: ignore[override]
        stops = _STOPWORDS
        for t in tokens:
            if not (t.removestops and t.mode == "query"):
                # One stream shares one Token whose flags never change: pass the rest through.
                yield t
                yield from tokens
                return
            if t.text not in stops:
                yield t


class _StemFilter(Filter):
    """Snowball English on plain words; numbers, compounds, acronyms and stop words stay."""

    is_morph = True

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:  # type: ignore[override]
        stems = _STEMS
        unstemmed = _UNSTEMMED
        for t in tokens:
            word = t.text
            if word.isalpha() and word not in unstemmed:
                stemmed = stems.get(word)
                t.text = stemmed if stemmed is not None else stem(word)
            yield t


# --- word lists ----------------------------------------------------------------------------------


# Read beside this module rather than through the package, so the analyzer loads on its own.
_DATA_DIR = Path(__file__).with_name("data")


def _data_lines(name: str) -> list[str]:
    text = (_DATA_DIR / name).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _load_component_abbreviations() -> set[str]:
    # "ALL" marks department-wide records; it is not an acronym anyone searches for.
    rows = (line.split("\t", 1)[0] for line in _data_lines("components.tsv"))
    return {_fold(abbr) for abbr in rows if abbr and abbr != "ALL"}


def _load_acronyms() -> frozenset[str]:
    acronyms = {_fold(line) for line in _data_lines("acronyms.txt")}
    acronyms |= _load_component_abbreviations()
    for line in _data_lines("synonyms.txt"):
        for term in line.partition("@")[0].split("|"):
            term = term.strip()
            if term.isupper() and term.isalpha():  # "FRT", "UAV": acronyms by spelling
                acronyms.add(_fold(term))
    return frozenset(acronyms)


_ENGLISH_STOPWORDS = frozenset(_fold(w) for w in _data_lines("stopwords.txt"))
_DOMAIN_LINES = _data_lines("domain_stopwords.txt")
_DOMAIN_STOPWORDS = frozenset(_fold(w) for w in _DOMAIN_LINES if not w.startswith("!"))
# Words reviewed and kept searchable; `propose_stopwords` does not offer them again.
_DOMAIN_KEEP = frozenset(_fold(w[1:]) for w in _DOMAIN_LINES if w.startswith("!"))
_STOPWORDS = _ENGLISH_STOPWORDS | _DOMAIN_STOPWORDS
_ACRONYMS = _load_acronyms()
_UNSTEMMED = _STOPWORDS | _ACRONYMS

# Bump when the tokenizer, folding or stemming rules change. 3: other forms of hyphenated
# words, plurals of acronyms.
_GRAMMAR_REVISION = "3"
ANALYZER_VERSION = (
    _GRAMMAR_REVISION
    + "+"
    + hashlib.sha1(
        "\n".join(["snowball-english", *sorted(_STOPWORDS), "--", *sorted(_ACRONYMS)]).encode()
    ).hexdigest()[:10]
)

# --- stemming -----------------------------------------------------------------------------------

_STEMS: dict[str, str] = {}
_MAX_CACHED_STEMS = 1 << 19  # a few hundred thousand words; clear rather than grow unbounded


def stem(word: str) -> str:
    """The Snowball English stem of a lowercase word, memoized; an acronym's plural is the
    acronym ("lprs" -> lpr, "ptas" -> pta), which Snowball leaves alone."""
    stemmed = _STEMS.get(word)
    if stemmed is None:
        if len(_STEMS) >= _MAX_CACHED_STEMS:
            _STEMS.clear()
        singular = _acronym_singular(word)
        stemmed = _STEMS[word] = singular or _snowball().stem(word)
    return stemmed


@cache
def _snowball() -> Any:
    # nltk is imported on the first word no index table knows (remember_stems): importing it
    # takes longer than a whole search.
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


def stems_of(words: Iterable[str]) -> dict[str, str]:
    """The stem of each word the stemmer would change or keep (plain lowercase words only)."""
    return {w: stem(w) for w in words if w.isalpha() and w.islower() and w not in _UNSTEMMED}


def listed_words() -> set[str]:
    """The words of the shipped synonym list, which every search may expand to."""
    return {
        _fold(word)
        for line in _data_lines("synonyms.txt")
        for word in re.findall(r"[^\W\d_]+", line.partition("@")[0] + " " + line.partition("@")[2])
    }


def remember_stems(stems: dict[str, str]) -> None:
    """Take words' stems worked out before (an index's table), sparing nltk for those words."""
    if len(_STEMS) + len(stems) >= _MAX_CACHED_STEMS:
        _STEMS.clear()
    _STEMS.update(stems)


_VOWELS = frozenset("aeiouy")


def _acronym_singular(word: str) -> str | None:
    """The acronym of a plural such as "lprs" or "ptas": a known acronym, or letters without
    a vowel, followed by "s"."""
    if len(word) < 3 or word[-1] != "s" or word[-2] == "s":
        return None
    singular = word[:-1]
    if singular in _ACRONYMS or not _VOWELS.intersection(singular):
        return singular
    return None


# --- public API ---------------------------------------------------------------------------------


def build_analyzer() -> Analyzer:
    """The analyzer for the title, summary, body and sorns fields (index and query)."""
    return _CompoundTokenizer() | _QueryStopFilter() | _StemFilter()


_ANALYZER = build_analyzer()
_UNSTEMMED_ANALYZER = _CompoundTokenizer() | _QueryStopFilter()


def analyze(text: str, mode: str = "index", removestops: bool = True) -> list[str]:
    """The terms the analyzer emits for `text` in `mode` ("index" or "query")."""
    if mode not in ("index", "query"):
        raise ValueError(f"mode must be 'index' or 'query', not {mode!r}")
    return [t.text for t in _ANALYZER(text, mode=mode, removestops=removestops)]


def tokens_with_offsets(
    text: str, stem_if: Callable[[str], bool] | None = None
) -> list[tuple[str, int, int]]:
    """Index-mode terms with their (startchar, endchar) in `text`, for snippets and highlights.

    With `stem_if`, a word whose stem is not known already is stemmed only if `stem_if(word)`
    says it may stand for a wanted term, and is left as it is otherwise: the words around a
    match then never cost loading the stemmer.
    """
    if stem_if is None:
        return [
            (t.text, t.startchar, t.endchar)
            for t in _ANALYZER(text, mode="index", chars=True, removestops=False)
        ]
    terms = []
    for t in _UNSTEMMED_ANALYZER(text, mode="index", chars=True, removestops=False):
        word = t.text
        if word.isalpha() and word not in _UNSTEMMED:
            known = _STEMS.get(word)
            word = known if known is not None else stem(word) if stem_if(word) else word
        terms.append((word, t.startchar, t.endchar))
    return terms


def is_stopword(term: str) -> bool:
    """Whether an analyzed term is a stop word (English or domain); stop words are unstemmed."""
    return term in _STOPWORDS


# --- synonyms -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sense:
    """One meaning of an ambiguous acronym: its other forms and the words that point to it."""

    alternatives: tuple[tuple[str, ...], ...]
    context: tuple[tuple[str, ...], ...]  # query terms (or runs of terms) that select it


@dataclass(frozen=True)
class SynonymMatch:
    """Terms [start, end) of a query that a synonym group knows, and the group's other forms.

    `senses` holds the meanings of an ambiguous acronym that the rest of the query did not
    decide between (a lone ``LPR``); the query plan weighs them by how the corpus uses it.
    """

    start: int
    end: int
    alternatives: tuple[tuple[str, ...], ...]
    senses: tuple[Sense, ...] = ()


_SynonymTable = dict[tuple[str, ...], tuple[tuple[tuple[str, ...], ...], tuple[Sense, ...]]]


def _analyzed_group(phrases: str) -> list[tuple[str, ...]]:
    group: list[tuple[str, ...]] = []
    for phrase in phrases.split("|"):
        terms = tuple(analyze(phrase, mode="query", removestops=False))
        if terms and terms not in group:
            group.append(terms)
    return group


def _read_synonym_groups() -> tuple[list[list[tuple[str, ...]]], list[Sense]]:
    """Plain groups, and groups with an "@ context" (senses of an acronym, still unsplit)."""
    plain: list[list[tuple[str, ...]]] = []
    senses: list[Sense] = []
    for line in _data_lines("synonyms.txt"):
        phrases, _, context = line.partition("@")
        group = _analyzed_group(phrases)
        if context.strip():
            words = tuple(
                dict.fromkeys(
                    terms
                    for word in context.split(",")
                    if (terms := tuple(analyze(word, mode="query", removestops=True)))
                )
            )
            senses.append(Sense(tuple(group), words))
        elif len(group) > 1:
            plain.append(group)
    return plain, senses


@cache
def _synonym_table() -> tuple[_SynonymTable, int]:
    plain, context_groups = _read_synonym_groups()
    # A form found in two groups with contexts is ambiguous: it is given a sense only by its
    # context, and it is never searched for on behalf of the other forms of its groups.
    seen: dict[tuple[str, ...], int] = {}
    for sense in context_groups:
        for terms in sense.alternatives:
            seen[terms] = seen.get(terms, 0) + 1
    ambiguous = {terms for terms, count in seen.items() if count > 1}
    groups = plain + [[t for t in s.alternatives if t not in ambiguous] for s in context_groups]
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for group in groups:
        for terms in group:
            alternatives = table.setdefault(terms, [])
            alternatives.extend(t for t in group if t != terms and t not in alternatives)
    senses: dict[tuple[str, ...], list[Sense]] = {}
    for sense in context_groups:
        for terms in sense.alternatives:
            if terms in ambiguous:
                others = tuple(t for t in sense.alternatives if t not in ambiguous)
                senses.setdefault(terms, []).append(Sense(others, sense.context))
    merged: _SynonymTable = {
        terms: (tuple(table.get(terms, ())), tuple(senses.get(terms, ())))
        for terms in {*table, *senses}
        if table.get(terms) or senses.get(terms)
    }
    longest = max((len(terms) for terms in merged), default=0)
    return merged, longest


def _context_score(sense: Sense, terms: Sequence[str], start: int, end: int) -> int:
    """How many of the sense's context words (or runs of words) the rest of the query holds."""
    rest = [*terms[:start], *terms[end:]]
    found = 0
    for words in sense.context:
        n = len(words)
        if any(tuple(rest[i : i + n]) == words for i in range(len(rest) - n + 1)):
            found += 1
    return found


def _resolve_senses(
    senses: tuple[Sense, ...], terms: Sequence[str], start: int, end: int
) -> tuple[tuple[tuple[str, ...], ...], tuple[Sense, ...]]:
    """The alternatives of the senses the query's other words point to, or, when they point
    to none (or tie), every sense left undecided."""
    if not senses:
        return (), ()
    scores = [_context_score(s, terms, start, end) for s in senses]
    best = max(scores)
    chosen = [s for s, score in zip(senses, scores, strict=True) if score == best]
    if best == 0 or len(chosen) > 1:
        return (), senses
    return chosen[0].alternatives, ()


def find_synonyms(terms: Sequence[str]) -> list[SynonymMatch]:
    """Spans of `terms` (query-mode terms, stop words kept) that have synonyms.

    Longer spans win over shorter ones they overlap; the result is in query order and never
    overlaps. Each match's alternatives exclude the span's own form. An ambiguous acronym
    takes the sense its neighbours point to ("LPR vehicle", "LPR green card"); alone, its
    senses are left in `SynonymMatch.senses`.
    """
    table, longest = _synonym_table()
    terms = tuple(terms)
    candidates = []
    for start in range(len(terms)):
        for length in range(min(longest, len(terms) - start), 0, -1):
            entry = table.get(terms[start : start + length])
            if entry:
                candidates.append((length, start, entry))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    taken = [False] * len(terms)
    matches = []
    for length, start, (alternatives, senses) in candidates:
        if any(taken[start : start + length]):
            continue
        taken[start : start + length] = [True] * length
        chosen, undecided = _resolve_senses(senses, terms, start, start + length)
        merged = alternatives + tuple(a for a in chosen if a not in alternatives)
        matches.append(SynonymMatch(start, start + length, merged, undecided))
    return sorted(matches, key=lambda m: m.start)


# --- phrases indexed as terms ------------------------------------------------------------------

_PHRASE_MARK = "\x03"  # a phrase term's first character (section marks use \x01 and \x02)


@cache
def indexed_phrases() -> frozenset[tuple[str, ...]]:
    """The runs of two or more query-mode terms that the synonym groups search for as phrases:
    the index records where each occurs as a term of its own (`phrase_term`), so that a search
    finds their documents without reading the words' positions."""
    table, _ = _synonym_table()
    phrases: set[tuple[str, ...]] = set()
    for terms, (alternatives, senses) in table.items():
        forms = [terms, *alternatives, *(a for s in senses for a in s.alternatives)]
        phrases.update(form for form in forms if len(form) > 1)
    return frozenset(phrases)


def phrase_term(terms: Sequence[str]) -> str:
    """The index term that stands for a phrase of `terms` (see `indexed_phrases`)."""
    return _PHRASE_MARK + " ".join(terms)


def phrase_positions(
    positions: dict[str, list[int]], phrases: frozenset[tuple[str, ...]]
) -> dict[str, list[int]]:
    """Where each of `phrases` starts in a text whose terms are at `positions`: a phrase's
    terms at consecutive positions, as a phrase search matches them. Keyed by `phrase_term`."""
    by_first = _phrases_by_first(phrases)
    if len(positions) < len(by_first):  # a title or a summary: look up its few terms
        firsts = [term for term in positions if term in by_first]
    else:
        firsts = [term for term in by_first if term in positions]
    found: dict[str, list[int]] = {}
    for phrase in (phrase for first in firsts for phrase in by_first[first]):
        lists = [positions.get(term) for term in phrase]
        if not all(lists):
            continue
        starts: set[int] | None = None
        for k in sorted(range(len(phrase)), key=lambda k: len(lists[k])):  # type: ignore[arg-type]
            shifted = map((-k).__add__, lists[k])  # type: ignore[arg-type]
            starts = set(shifted) if starts is None else starts.intersection(shifted)
            if not starts:
                break
        if starts:
            found[phrase_term(phrase)] = sorted(starts)
    return found


@lru_cache(maxsize=4)
def _phrases_by_first(phrases: frozenset[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases):
        grouped.setdefault(phrase[0], []).append(phrase)
    return grouped


# --- maintaining the stop word lists -----------------------------------------------------------


def _plain_words(text: str) -> Iterator[str]:
    """Index-mode words before stemming, so proposals can go straight into a word list."""
    for t in _CompoundTokenizer()(text, mode="index"):
        word = t.text
        if len(word) > 1 and word.isalpha():
            yield word


def propose_stopwords(
    texts: Iterable[str], *, min_df: float = 0.8, limit: int = 50
) -> list[tuple[str, float]]:
    """Words in at least `min_df` of `texts` that are not stop words yet, most frequent first
    (ties alphabetically).

    Returns (word, document frequency as a fraction). Words already reviewed and kept (the
    ``!word`` lines of domain_stopwords.txt) are not proposed again.
    """
    document_frequency: Counter[str] = Counter()
    documents = 0
    for text in texts:
        documents += 1
        document_frequency.update(set(_plain_words(text)))
    if not documents:
        return []
    proposals = []
    for word, count in sorted(document_frequency.items(), key=lambda item: (-item[1], item[0])):
        share = count / documents
        if share < min_df or len(proposals) >= limit:
            break
        if word not in _STOPWORDS and word not in _DOMAIN_KEEP:
            proposals.append((word, share))
    return proposals
