"""What changed between two versions of a document: section by section, paragraph by paragraph.

`diff_records(other, record)` compares two records: their top-level sections are matched by key
(the n-th section of a key with the n-th of the same key, in document order); a section on one
side only is added or removed whole. Inside a pair of sections, paragraphs are compared with
`difflib` on a whitespace- and hyphenation-insensitive form of their text, so that text reflowed
onto other lines or pages does not count as a change; a removed and an added paragraph that share
most of their words are one changed paragraph, with the words added and removed. When either
document has no recognised sections, the two are compared as wholes.

`diff_documents(ix, record_id, other_id)` finds the records in an index; with no `other_id`, the
other is the previous version: the latest earlier edition of the same family that has text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from .errors import (
    BadParameterError,
    NoEarlierVersionError,
    NotComparableError,
    RecordNotFoundError,
)
from .models import Record, Section
from .structure import section_spans, section_title

FRONT_KEY = "front"  # the text before a document's first section (title page, contacts)
WHOLE_KEY = "document"  # the whole text, when a side has no recognised section
_UNIT_TITLES = {FRONT_KEY: "Before the first section", WHOLE_KEY: "Whole document"}
_SIMILAR = 0.5  # how alike two paragraphs' words must be to be one changed paragraph (Dice)
_PAIRING_LIMIT = 2500  # paragraph pairs weighed in one block of removed and added paragraphs
_EDGE_LINES = 4  # how many lines at the top and bottom of a page may be running furniture
_RECURRING_PAGES = 2  # a running header or footer is on at least this many pages
_UNWRAPPED = 200  # a typical line longer than this: the text keeps one paragraph a line
_SHORT_LINE = 0.8  # a line shorter than this share of the typical one ends its paragraph
_DIGITS = re.compile(r"\d+")
# a running header or footer ending in its page number: furniture wherever pypdf puts it
_PAGE_LINE = re.compile(r"(?:.*\s)?(?:Page|PAGE)\s+#(?:\s+of\s+#)?")
_PAGE_NUMBER = re.compile(r"#|-\s*#\s*-")  # a number alone: furniture at a page's top or bottom
# a bullet, or a footnote's number before its first word: a line that starts a paragraph
_PARAGRAPH_START = re.compile(r"[\u2022\u25cf\u25aa\u25a0\u25e6\uf0b7]|o\s|\d{1,3} [A-Z][a-z]")
_WORD = re.compile(r"[A-Za-z]+")
_LAST_WORD = re.compile(r"[A-Za-z]+(?=-$)")
_INNER_HYPHEN = re.compile(r"(?<=\w)[-\u2010\u2011\u2013]\s*(?=\w)")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SENTENCE_END = re.compile(r"(?<=[.;:?!])\s+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- the result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of a document's text: as printed (one line), and the page it starts on."""

    text: str
    page: int
    key: str  # what is compared: `comparison_key(text)`


@dataclass(frozen=True)
class ParagraphChange:
    """A paragraph added, removed or changed. `page` is in the document, `other_page` in the
    document it is compared with; a changed paragraph has both texts and its word changes."""

    change: str  # "added", "removed" or "changed"
    text: str  # the paragraph as the document has it ("" when removed)
    page: int | None
    other_text: str = ""  # the paragraph as the other document has it ("" when added)
    other_page: int | None = None
    # a changed paragraph in order: ("same" | "added" | "removed", words)
    segments: tuple[tuple[str, str], ...] = ()

    @property
    def words_added(self) -> list[str]:
        return [text for op, text in self.segments if op == "added"]

    @property
    def words_removed(self) -> list[str]:
        return [text for op, text in self.segments if op == "removed"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "text": self.text,
            "page": self.page,
            "other_text": self.other_text,
            "other_page": self.other_page,
            "words_added": self.words_added,
            "words_removed": self.words_removed,
            "segments": [{"op": op, "text": text} for op, text in self.segments],
        }


@dataclass(frozen=True)
class SectionChange:
    """One section of the two documents that differs: added, removed or changed."""

    key: str
    title: str  # what the kind of section is called ("Routine Uses")
    change: str  # "added", "removed" or "changed"
    heading: str  # the heading as the document prints it ("" when removed)
    page: int | None  # where the section starts in the document
    other_heading: str
    other_page: int | None
    paragraphs: tuple[ParagraphChange, ...]

    def count(self, change: str) -> int:
        return sum(1 for p in self.paragraphs if p.change == change)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "change": self.change,
            "heading": self.heading,
            "page": self.page,
            "other_heading": self.other_heading,
            "other_page": self.other_page,
            "paragraphs": [p.to_dict() for p in self.paragraphs],
        }


@dataclass(frozen=True)
class DocumentDiff:
    """What changed from `other` to `record`: "added" text is in `record` only."""

    record: Record
    other: Record
    by_section: bool  # False: at least one side has no recognised section
    sections: tuple[SectionChange, ...]
    unchanged: tuple[str, ...] = field(default=())  # titles of the sections with no change

    @property
    def summary(self) -> dict[str, int]:
        return {
            "sections_changed": len(self.sections),
            "sections_unchanged": len(self.unchanged),
            "paragraphs_added": sum(s.count("added") for s in self.sections),
            "paragraphs_removed": sum(s.count("removed") for s in self.sections),
            "paragraphs_changed": sum(s.count("changed") for s in self.sections),
        }

    def summary_line(self) -> str:
        """`3 sections changed, 5 paragraphs added, 2 removed, 4 changed`."""
        s = self.summary
        sections = "section" if s["sections_changed"] == 1 else "sections"
        paragraphs = "paragraph" if s["paragraphs_added"] == 1 else "paragraphs"
        return (
            f"{s['sections_changed']} {sections} changed, {s['paragraphs_added']} {paragraphs} "
            f"added, {s['paragraphs_removed']} removed, {s['paragraphs_changed']} changed"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": edition_summary(self.record),
            "other": edition_summary(self.other),
            "by_section": self.by_section,
            "summary": self.summary,
            "sections": [s.to_dict() for s in self.sections],
            "unchanged_sections": list(self.unchanged),
        }


def edition_summary(record: Record) -> dict[str, Any]:
    """What names one edition of a document in a diff: id, title, date, type, pages."""
    return {
        "id": record.id,
        "title": record.title,
        "date": record.date,
        "doc_type": record.doc_type,
        "component": record.component,
        "pages": len(record.pages),
    }


# -- comparing two records --------------------------------------------------------------------


def diff_records(other: Record, record: Record) -> DocumentDiff:
    """What changed from `other` to `record`, section by section where both have sections."""
    by_section = bool(_top_sections(record)) and bool(_top_sections(other))
    # a running header is one in both when either repeats it (a one-page version cannot)
    furniture = _recurring_edges(record) | _recurring_edges(other)
    # a word broken at a line's end is read whole when either version has it whole
    words = _words_of(record) | _words_of(other)
    new_units = _units(record, by_section, furniture, words)
    old_units = _units(other, by_section, furniture, words)
    changes: list[SectionChange] = []
    unchanged: list[str] = []
    for old, new in _paired_units(old_units, new_units):
        change = _unit_change(old, new)
        if change is not None:
            changes.append(change)
        elif new is not None:
            unchanged.append(_unit_title(new.key))
    return DocumentDiff(record, other, by_section, tuple(changes), tuple(unchanged))


def comparison_key(text: str) -> str:
    """`text` as compared: straight quotes, no hyphen inside a word (a word broken at a line's
    end and joined again compares equal to the same word never broken), spaces collapsed."""
    text = _INNER_HYPHEN.sub("", text.translate(_QUOTES))
    return " ".join(text.split())


@dataclass(frozen=True)
class _Unit:
    """A section of one document (or its front matter, or its whole text) and its paragraphs."""

    key: str
    occurrence: int  # 0 for the first section of its key, 1 for the second, ...
    heading: str
    page: int | None
    paragraphs: tuple[Paragraph, ...]

    @property
    def slot(self) -> tuple[str, int]:
        return (self.key, self.occurrence)


def _unit_title(key: str) -> str:
    return _UNIT_TITLES.get(key) or section_title(key)


def _top_sections(record: Record) -> list[Section]:
    return [s for s in record.sections if s.level == 1]


def _words_of(record: Record) -> set[str]:
    """The words of a record's text, lowercased."""
    return {w.lower() for w in _WORD.findall(record.body)}


def _units(
    record: Record, by_section: bool, furniture: frozenset[str], words: set[str]
) -> list[_Unit]:
    """The record's front matter and top-level sections (or its whole text) with their
    paragraphs, in document order; lines of the `furniture` shapes at a page's top or bottom
    left out; a word broken at a line's end joined whole when it is one of `words`."""
    text = _Text(record, furniture, words)
    total = sum(len(p.text) for p in record.pages) + 2 * max(len(record.pages) - 1, 0)
    if not by_section:
        first = record.pages[0].number if record.pages else None
        return [_Unit(WHOLE_KEY, 0, "", first, tuple(text.paragraphs(0, total)))]
    spans = section_spans(record, _top_sections(record))
    units = []
    if spans and spans[0][1] > 0:
        front = tuple(text.paragraphs(0, spans[0][1]))
        if front:
            units.append(_Unit(FRONT_KEY, 0, "", front[0].page, front))
    seen: dict[str, int] = {}
    for section, start, end in spans:
        occurrence = seen.get(section.key, 0)
        seen[section.key] = occurrence + 1
        paragraphs = tuple(text.paragraphs(start, end))
        units.append(_Unit(section.key, occurrence, section.title, section.page, paragraphs))
    return units


def _paired_units(old: list[_Unit], new: list[_Unit]) -> list[tuple[_Unit | None, _Unit | None]]:
    """Each unit of `new` with the unit of `old` in the same slot, in `new`'s order; a unit
    only `old` has comes after the pair of the unit before it in `old`."""
    old_by_slot = {unit.slot: unit for unit in old}
    new_slots = {unit.slot for unit in new}
    pairs: list[tuple[_Unit | None, _Unit | None]] = [(old_by_slot.get(u.slot), u) for u in new]
    for i, unit in enumerate(old):
        if unit.slot in new_slots:
            continue
        before = old[i - 1].slot if i else None
        at = next((k + 1 for k, (o, _) in enumerate(pairs) if o and o.slot == before), 0)
        pairs.insert(at, (unit, None))
    return pairs


def _unit_change(old: _Unit | None, new: _Unit | None) -> SectionChange | None:
    """How a pair of units differs; None when their paragraphs are the same."""
    if old is None and new is not None:
        return _section_change(None, new, "added", tuple(_added(p) for p in new.paragraphs))
    if new is None and old is not None:
        return _section_change(old, None, "removed", tuple(_removed(p) for p in old.paragraphs))
    if old is None or new is None:
        return None
    paragraphs = tuple(_paragraph_changes(old.paragraphs, new.paragraphs))
    return _section_change(old, new, "changed", paragraphs) if paragraphs else None


def _section_change(
    old: _Unit | None, new: _Unit | None, change: str, paragraphs: tuple[ParagraphChange, ...]
) -> SectionChange:
    key = new.key if new else old.key if old else ""
    return SectionChange(
        key=key,
        title=_unit_title(key),
        change=change,
        heading=new.heading if new else "",
        page=new.page if new else None,
        other_heading=old.heading if old else "",
        other_page=old.page if old else None,
        paragraphs=paragraphs,
    )


def _added(paragraph: Paragraph) -> ParagraphChange:
    return ParagraphChange("added", paragraph.text, paragraph.page)


def _removed(paragraph: Paragraph) -> ParagraphChange:
    return ParagraphChange("removed", "", None, paragraph.text, paragraph.page)


def _paragraph_changes(
    old: Sequence[Paragraph], new: Sequence[Paragraph]
) -> Iterator[ParagraphChange]:
    """The paragraphs removed, added and changed from `old` to `new`, in order."""
    old, new = _joined_as_in(old, new), _joined_as_in(new, old)
    for tag, i1, i2, j1, j2 in _opcodes([p.key for p in old], [p.key for p in new]):
        if tag == "equal":
            continue
        yield from _block_changes(old[i1:i2], new[j1:j2])


def _joined_as_in(paragraphs: Sequence[Paragraph], other: Sequence[Paragraph]) -> list[Paragraph]:
    """`paragraphs` with two neighbours joined where `other` runs the sentence that ends one
    on into the sentence that starts the next: where a paragraph's end was read from one
    layout's line lengths and not from the other's, both are cut alike (applied both ways, the
    two keep the paragraph ends they agree on, and those around changed text)."""
    runs_on = set()
    for paragraph in other:
        sentences = _sentences(paragraph.key)
        runs_on.update(zip(sentences, sentences[1:], strict=False))
    out: list[Paragraph] = []
    last_sentence = ""
    for paragraph in paragraphs:
        sentences = _sentences(paragraph.key)
        if out and (last_sentence, sentences[0]) in runs_on:
            text = f"{out[-1].text} {paragraph.text}"
            out[-1] = Paragraph(text, out[-1].page, f"{out[-1].key} {paragraph.key}")
        else:
            out.append(paragraph)
        last_sentence = sentences[-1]
    return out


def _sentences(text: str) -> list[str]:
    return _SENTENCE_END.split(text)


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes from `a` to `b`, always worked out in the same order of the two (difflib
    breaks ties by position), so that swapping them swaps insertions and deletions exactly."""
    if a <= b:
        return SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    swapped = {"insert": "delete", "delete": "insert"}
    return [
        (swapped.get(tag, tag), j1, j2, i1, i2)
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, b, a, autojunk=False).get_opcodes()
    ]


def _block_changes(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> Iterator[ParagraphChange]:
    """A block of removed and added paragraphs, those alike paired as changed ones; none when
    the block's text is the same, cut into paragraphs elsewhere (text laid out again)."""
    if comparison_key(" ".join(p.text for p in old)) == comparison_key(
        " ".join(p.text for p in new)
    ):
        return
    pairs = _alike_pairs(old, new)
    i = j = 0
    for oi, nj in [*pairs, (len(old), len(new))]:
        yield from (_removed(p) for p in old[i:oi])
        yield from (_added(p) for p in new[j:nj])
        if oi < len(old):
            yield _changed(old[oi], new[nj])
        i, j = oi + 1, nj + 1


def _alike_pairs(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> list[tuple[int, int]]:
    """Pairs (i, j) of paragraphs that share most of their words, in order on both sides: the
    most alike pair first, then the best pairs before it and after it (the same pairs whichever
    side is `old`)."""
    if not old or not new or len(old) * len(new) > _PAIRING_LIMIT:
        return []
    if [p.key for p in old] > [p.key for p in new]:
        return [(i, j) for j, i in _alike_pairs(new, old)]
    words_old = [set(p.key.lower().split()) for p in old]
    words_new = [set(p.key.lower().split()) for p in new]
    scores = {
        (i, j): _likeness(a, b) for i, a in enumerate(words_old) for j, b in enumerate(words_new)
    }

    def best(i1: int, i2: int, j1: int, j2: int) -> list[tuple[int, int]]:
        candidates = [
            (scores[i, j], -abs(i - j), i, j) for i in range(i1, i2) for j in range(j1, j2)
        ]
        if not candidates:
            return []
        score, _, i, j = max(candidates)
        if score < _SIMILAR:
            return []
        return [*best(i1, i, j1, j), (i, j), *best(i + 1, i2, j + 1, j2)]

    return best(0, len(old), 0, len(new))


def _likeness(a: set[str], b: set[str]) -> float:
    """How alike two paragraphs' sets of words are: twice the words both have over the words
    each has (Dice's coefficient; 1 for the same words, 0 for none in common)."""
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def _changed(old: Paragraph, new: Paragraph) -> ParagraphChange:
    return ParagraphChange(
        "changed", new.text, new.page, old.text, old.page, tuple(_word_segments(old, new))
    )


def _word_segments(old: Paragraph, new: Paragraph) -> list[tuple[str, str]]:
    """The words of a changed paragraph in order, each run marked same, added or removed:
    sentence by sentence first (a long paragraph with one changed sentence costs little), then
    word by word inside the sentences that differ."""
    old_sentences, new_sentences = _SENTENCE_END.split(old.text), _SENTENCE_END.split(new.text)
    keys = ([comparison_key(s) for s in old_sentences], [comparison_key(s) for s in new_sentences])
    runs: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in _opcodes(*keys):
        if tag == "equal":
            runs.append(("same", " ".join(new_sentences[j1:j2])))
        else:
            old_words = " ".join(old_sentences[i1:i2]).split()
            runs.extend(_word_runs(old_words, " ".join(new_sentences[j1:j2]).split()))
    return _merged(runs)


def _word_runs(old_words: list[str], new_words: list[str]) -> Iterator[tuple[str, str]]:
    for tag, i1, i2, j1, j2 in _opcodes(
        [_word_key(w) for w in old_words], [_word_key(w) for w in new_words]
    ):
        if tag == "equal":
            yield ("same", " ".join(new_words[j1:j2]))
            continue
        if i2 > i1:
            yield ("removed", " ".join(old_words[i1:i2]))
        if j2 > j1:
            yield ("added", " ".join(new_words[j1:j2]))


def _word_key(word: str) -> str:
    return _INNER_HYPHEN.sub("", word.translate(_QUOTES))


def _merged(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Runs with neighbours of the same kind joined, empty ones left out."""
    out: list[tuple[str, str]] = []
    for op, text in runs:
        if out and out[-1][0] == op:
            out[-1] = (op, f"{out[-1][1]} {text}")
        elif text:
            out.append((op, text))
    return out


# -- paragraphs from a record's pages ---------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    start: int  # where the line starts in record.body
    page: int
    text: str
    furniture: bool  # a running header or footer, or a page number


def _text_lines(record: Record, recurring: frozenset[_EdgeLine]) -> list[_Line]:
    """Every line of the record's pages, placed in its body, running furniture marked: lines of
    the `recurring` shapes where they recur at a page's top or bottom, page numbers, footers
    ending in one."""
    lines: list[_Line] = []
    at = 0
    for page in record.pages:
        page_lines = page.text.split("\n")
        filled = [k for k, line in enumerate(page_lines) if line.strip()]
        place = {k: _edge_places(j, len(filled)) for j, k in enumerate(filled)}
        offset = at
        for k, line in enumerate(page_lines):
            shape = _shape(line)
            places = place.get(k, ())
            at_edge = bool(places) and (
                any((edge, index, shape) in recurring for edge, index in places)
                or bool(_PAGE_NUMBER.fullmatch(shape))
            )
            furniture = at_edge or bool(_PAGE_LINE.fullmatch(shape))
            lines.append(_Line(offset, page.number, line, furniture))
            offset += len(line) + 1
        at += len(page.text) + 2  # body joins pages with a blank line
    return lines


def _edge_places(j: int, count: int) -> tuple[tuple[str, int], ...]:
    """Where the `j`th of a page's `count` filled lines is among its edge lines: ("top", its
    place from the top) and/or ("bottom", its place from the bottom)."""
    places = []
    if j < _EDGE_LINES:
        places.append(("top", j))
    if count - 1 - j < _EDGE_LINES:
        places.append(("bottom", count - 1 - j))
    return tuple(places)


def _shape(line: str) -> str:
    """A line with its numbers made one symbol and its spaces collapsed."""
    return " ".join(_DIGITS.sub("#", line).split())


_EdgeLine = tuple[str, int, str]  # ("top" or "bottom", place from that edge, shape)


def _recurring_edges(record: Record) -> frozenset[_EdgeLine]:
    """The running headers and footers: a shape at the same place from the top, or from the
    bottom, of at least half the pages (and two), that does not end a sentence or clause (a
    paragraph's last line may happen to end two pages the same way; a header does not). The
    place counts: a line of text that happens to recur at some page's edge is not a header."""
    seen: dict[_EdgeLine, int] = {}
    for page in record.pages:
        filled = [line for line in page.text.split("\n") if line.strip()]
        found = {
            (edge, index, _shape(line))
            for j, line in enumerate(filled)
            for edge, index in _edge_places(j, len(filled))
        }
        for key in found:
            seen[key] = seen.get(key, 0) + 1
    enough = max(_RECURRING_PAGES, (len(record.pages) + 1) // 2)
    return frozenset(
        key for key, count in seen.items() if count >= enough and key[2][-1:] not in ".,;"
    )


def _ends_in_broken_word(text: str) -> bool:
    """Whether `text` ends in a letter and a hyphen: a word broken at the end of a line."""
    return text.endswith("-") and text[-2:-1].isalpha()


def _typical_width(lines: Sequence[_Line]) -> int:
    """The length of a full line of the record's text (the 90th percentile of its lines')."""
    lengths = sorted(
        len(line.text.strip()) for line in lines if line.text.strip() and not line.furniture
    )
    return lengths[(len(lengths) * 9) // 10] if lengths else 0


class _Text:
    """A record's lines, placed in its body, with the length of a full line."""

    def __init__(self, record: Record, furniture: frozenset[str], words: set[str]) -> None:
        self.lines = _text_lines(record, furniture)
        self.starts = [line.start for line in self.lines]
        self.width = _typical_width(self.lines)
        self.words = words

    def paragraphs(self, start: int, end: int) -> Iterator[Paragraph]:
        """The paragraphs of the text from `start` to `end` of the record's body: a paragraph
        ends at a blank line, at a line well short of a full one (its last line, or a heading),
        and before a bulleted line or a footnote; page breaks and running furniture do not
        end one."""
        unwrapped = self.width > _UNWRAPPED
        parts: list[str] = []
        page = 0
        first = max(0, bisect_right(self.starts, start) - 1)
        pieces = self._pieces(first, start, end)
        for n, (line, text) in enumerate(pieces):
            if not text:
                if parts:
                    yield self._paragraph(parts, page)
                    parts = []
                continue
            if parts and _PARAGRAPH_START.match(text):
                yield self._paragraph(parts, page)
                parts = []
            if not parts:
                page = line.page
            parts.append(text)
            following = pieces[n + 1][1] if n + 1 < len(pieces) else ""
            if unwrapped or self._ends_paragraph(line.text.strip(), following):
                yield self._paragraph(parts, page)
                parts = []
        if parts:
            yield self._paragraph(parts, page)

    def _paragraph(self, parts: list[str], page: int) -> Paragraph:
        """Lines joined into one paragraph. A word broken by a hyphen at a line's end loses the
        hyphen when the document, or the version it is compared with, has the word whole
        elsewhere ("individ-" "uals"), and keeps it otherwise ("web-" "based")."""
        lines = [parts[0]]
        for part in parts[1:]:
            last = lines[-1]
            if _ends_in_broken_word(last) and part[:1].islower():
                lines[-1] = f"{last[:-1]}{self._hyphen(last, part)}{part}"
            else:
                lines.append(part)
        text = " ".join(" ".join(lines).split())
        return Paragraph(text, page, comparison_key(text))

    def _hyphen(self, line: str, following: str) -> str:
        """ "" when the word broken between `line` and `following` is a word of the document."""
        head = _LAST_WORD.search(line).group()  # type: ignore[union-attr]
        tail = _WORD.match(following)
        whole = (head + (tail.group() if tail else "")).lower()
        return "" if whole in self.words else "-"

    def _pieces(self, first: int, start: int, end: int) -> list[tuple[_Line, str]]:
        """The lines from `start` to `end` but furniture, each with its text in that span."""
        pieces = []
        for line in self.lines[first:]:
            if line.start >= end:
                break
            if line.start + len(line.text) < start or line.furniture:
                continue
            text = line.text[max(0, start - line.start) : max(0, end - line.start)].strip()
            pieces.append((line, text))
        return pieces

    def _ends_paragraph(self, line: str, following: str) -> bool:
        """Whether a paragraph ends with `line`: well short of a full line, or ending a sentence
        where the next line's first word would have fitted; not when a word breaks there."""
        if _ends_in_broken_word(line):
            return False
        if len(line) < _SHORT_LINE * self.width:
            return True
        next_word = following.split(" ", 1)[0]
        return line[-1:] in ".:;?!" and len(line) + 1 + len(next_word) <= self.width


# -- finding the documents in an index ---------------------------------------------------------


def diff_documents(
    ix: Any, record_id: str, other_id: str | None = None, source: str | None = None
) -> DocumentDiff:
    """What changed from `other_id` (by default the previous version) to `record_id` in the
    index `ix`. An id may end in `@YYYY-MM-DD` to pick one of several publications that share
    it; without one, the newest is taken."""
    record = find_version(ix, record_id, source)
    if other_id is None:
        other = previous_version(ix, record)
        if other is None:
            raise NoEarlierVersionError(f"{record.id} has no earlier version in the index")
    else:
        other = find_version(ix, other_id)
    for side in (record, other):
        if not side.pages:
            raise NotComparableError(f"{_edition_name(side)} has no text to compare")
    return diff_records(other, record)


def find_version(ix: Any, reference: str, source: str | None = None) -> Record:
    """The record `reference` names (`ID` or `ID@YYYY-MM-DD`): the newest publication of the
    id, or the one of that date."""
    record_id, date = _split_reference(reference)
    found = ix.publications(record_id, source)
    if not found or len({r.id for r in found}) > 1:
        return ix.get(record_id, source)  # raises, saying why
    if date is None:
        return found[0]
    dated = [r for r in found if (r.date or "undated") == date]
    if not dated:
        dates = ", ".join(r.date or "undated" for r in found)
        raise RecordNotFoundError(f"no publication of {found[0].id} dated {date} (dates: {dates})")
    return dated[0]


def _split_reference(reference: str) -> tuple[str, str | None]:
    record_id, at, date = reference.strip().rpartition("@")
    if at and (_DATE.fullmatch(date) or date == "undated"):
        return record_id, date
    if at:
        raise BadParameterError(f"'{reference}': a date after @ is written YYYY-MM-DD")
    return reference.strip(), None


def _edition_name(record: Record) -> str:
    return f"{record.id} ({record.date or 'undated'})"


def previous_version(ix: Any, record: Record) -> Record | None:
    """The latest edition of `record`'s family published before it that has text, if any;
    the family is its id's, or else the versions the graph of links joins it to (an early PIA
    published without a reference number, named by its title)."""
    earlier = _earlier_editions(ix, record, ix.family(record.id))
    if not earlier:
        earlier = _earlier_editions(ix, record, _linked_versions(ix, record))
    return max(earlier, key=_edition_order, default=None)


def _earlier_editions(ix: Any, record: Record, ids: Iterable[str]) -> list[Record]:
    return [
        other
        for other_id in ids
        for other in ix.publications(other_id)
        if other.id == other_id and other.pages and _is_earlier(other, record)
    ]


def _linked_versions(ix: Any, record: Record) -> list[str]:
    """The ids the graph of links says `record` is a later version of."""
    return [
        other["id"]
        for other in ix.graph().related(record.id).get("version_of", [])
        if other["resolved"]
    ]


def _edition_order(record: Record) -> tuple[tuple[int, str], str]:
    return (_suffix_rank(record.id), record.date or "")


def _is_earlier(other: Record, record: Record) -> bool:
    """Whether `other` is an earlier edition: by date when both have one (the update letter
    breaks a tie), by the update letter or number otherwise."""
    if other.id == record.id and other.date == record.date:
        return False
    if other.date and record.date and other.date != record.date:
        return other.date < record.date
    return _suffix_rank(other.id) < _suffix_rank(record.id)


_SUFFIX = re.compile(r"(?:\((\w{1,3})\)|-(\d{1,2}))$")


def _suffix_rank(record_id: str) -> tuple[int, str]:
    """Where an id's update suffix puts it in its family: none < (a) < (b) < ... < (aa);
    -1 < -2 < ... < -10."""
    if not record_id.startswith("DHS/"):
        return (0, "")
    match = _SUFFIX.search(record_id)
    if not match:
        return (0, "")
    letters, number = match.groups()
    suffix = letters.lower() if letters else number.zfill(2)
    return (len(suffix) if letters else 1, suffix)
