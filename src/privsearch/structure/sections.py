"""The sections of PIAs and SORNs: their headings, start pages and template keys.

The heading shapes are rows of `data/sections.tsv`. For each set of document types the rows
are compiled once into one regular expression, and a record is read in one pass of it over its
text; a few checks on the matches then drop the headings of a table of contents and numbered
questions that belong to no recognised part.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from ..models import Record, Section

_DATA = Path(__file__).resolve().parent.parent / "data" / "sections.tsv"
TEMPLATE_TYPES = ("PIA", "PIA Update", "SORN")
# Two-column Federal Register text runs a caption into the paragraph before it.
_SENTENCE_END = ".;)0-9\"'\u201d\u2019"
_LEADERS = re.compile(r"(?:\.[ \t]?){3,}[ \t]*\d|\u2026[ \t]*\d|_{4,}[ \t]*\d")
_CONTENTS_SPAN = 3000  # two entries of one table of contents are not further apart
_PAGE_NUMBER_AT_END = re.compile(r"[ \t]\d{1,3}[ \t]*$")
_SORN_FIRST_CAPTION = re.compile(
    r"^[ \t]*(?:SYSTEM NAME|System name)(?: AND NUMBER| and number)?:", re.M
)
# what follows a heading run into its line when the line lists the parts: other unnumbered
# heading words, then a numbered part ("Abstract Overview Section 1.0 Authorities ...")
_NEXT_HEADING = re.compile(
    r"(?:[ \t]+(?:Abstract|ABSTRACT|Overview|OVERVIEW|Introduction|INTRODUCTION|Background"
    r"|BACKGROUND))*[ \t]+(?:Section\s+\d|SECTION\s+\d|\d{1,2}\.0\s)"
)
_NUMBER = re.compile(r"(?:(?:Section|SECTION)\s+)?(\d{1,2}(?:\.\d{1,2})?)")


@dataclass(frozen=True)
class HeadingRow:
    """One row of `data/sections.tsv`."""

    key: str
    level: int
    doc_types: frozenset[str]
    pattern: str
    title: str
    runs_in: bool  # also found mid-line, after the end of a sentence


class _Heading(NamedTuple):  # a tuple: made several times as fast as a frozen dataclass
    key: str
    level: int
    number: str
    title: str
    start: int  # in the body
    line_end: int  # where the heading's line ends in the body
    bare: bool  # nothing but the heading on its line


@lru_cache(maxsize=1)
def heading_rows() -> tuple[HeadingRow, ...]:
    """The rows of `data/sections.tsv`, in order."""
    rows = []
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, level, doc_types, pattern, *title = line.split("\t")
        rows.append(
            HeadingRow(
                key=key.strip(),
                level=int(level),
                doc_types=frozenset(t.strip() for t in doc_types.split(",")),
                pattern=pattern.removeprefix("~"),
                title=(title[0] if title else "").strip(),
                runs_in=pattern.startswith("~"),
            )
        )
    return tuple(rows)


def _titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    for row in heading_rows():
        if row.key != "*":
            titles.setdefault(row.key, row.title)
    return titles


SECTION_TITLES: dict[str, str] = _titles()


_SMALL_WORDS = frozenset({"of", "the", "and", "for", "in", "by", "a"})


def _words(name: str) -> tuple[str, ...]:
    """The words of a section name, lowercased, without small words and plural endings
    ("Routine_Uses" -> ("routine", "use"))."""
    words = re.sub(r"[^a-z0-9]+", " ", name.lower()).split()
    return tuple(_singular(w) for w in words if w not in _SMALL_WORDS)


def _singular(word: str) -> str:
    """A plural made singular: "uses" -> "use", "addresses" -> "address"."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=1)
def _names() -> dict[tuple[str, ...], str]:
    """Each key's names: the key itself and its display title."""
    names: dict[tuple[str, ...], str] = {}
    for key, title in SECTION_TITLES.items():
        names.setdefault(_words(key), key)
        names.setdefault(_words(title), key)
    return names


def section_key(name: str) -> str | None:
    """The section key a user's words name ("routine uses", "Routine_Uses", "retention",
    "categories of records"); None when they name none, or several."""
    as_key = "_".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())
    if as_key in SECTION_TITLES:  # the key itself: "authority" is not "authorities"
        return as_key
    words = _words(name)
    if not words:
        return None
    names = _names()
    if words in names:
        return names[words]
    keys = {key for named, key in names.items() if set(words) <= set(named)}
    return keys.pop() if len(keys) == 1 else None


def _row_types(record: Record) -> frozenset[str]:
    """Which rows of the table apply to `record`."""
    if record.doc_type in ("PIA", "PIA Update"):
        return frozenset({record.doc_type})
    if record.doc_type == "SORN":
        return frozenset({"SORN", "FR"})
    types = set()
    if any("AGENCY:" in page.text and "ACTION:" in page.text for page in record.pages[:4]):
        types.add("FR")  # the preamble of a Federal Register notice or rule
    if any(_has_sorn_caption(page.text) for page in record.pages):
        types.add("SORN")  # a system of records notice inside another document
    return frozenset(types)


@dataclass(frozen=True)
class _Expression:
    """The expression of the rows that apply to a set of document types, twice: `scan`
    without names, to find the headings (about twice as fast: a named group is a branch the
    engine cannot skip by its first character), and `named`, matched again at each heading
    found to tell which row it is."""

    scan: re.Pattern[str]
    named: re.Pattern[str]
    rows: tuple[HeadingRow, ...]


def _expression(rows: tuple[HeadingRow, ...], names: bool) -> str:
    """One expression for `rows`: group `l<i>` for a heading at the start of a line, `r<i>`
    for a caption run into a line after the end of a sentence (plain groups without names)."""
    at_line = "|".join(
        f"(?P<l{i}>{row.pattern})" if names else f"(?:{row.pattern})" for i, row in enumerate(rows)
    )
    run_in = "|".join(
        f"(?P<r{i}>{row.pattern})" if names else f"(?:{row.pattern})"
        for i, row in enumerate(rows)
        if row.runs_in
    )
    # One character class leads every branch, so that the engine skips to the next newline or
    # sentence end in C; a capital or a digit must follow (every heading starts so).
    if not run_in:
        return rf"\n[ \t]*(?=[A-Z0-9])(?:{at_line})"
    return (
        rf"[\n{_SENTENCE_END}](?:(?<=\n)[ \t]*(?=[A-Z0-9])(?:{at_line})"
        rf"|(?<!\n)[ \t]+(?=[A-Z])(?:{run_in}))"
    )


def _has_sorn_caption(text: str) -> bool:
    """Whether a line of `text` starts with a SORN's first caption ("System name:"); the
    expression runs only on a text that holds its words."""
    if "SYSTEM NAME" not in text and "System name" not in text:
        return False
    return bool(_SORN_FIRST_CAPTION.search(text))


@lru_cache(maxsize=8)
def _compiled(types: frozenset[str]) -> _Expression:
    """The expressions of every row that applies to `types`."""
    rows = tuple(row for row in heading_rows() if row.doc_types & types)
    return _Expression(
        scan=re.compile(_expression(rows, names=False), re.MULTILINE),
        named=re.compile(_expression(rows, names=True), re.MULTILINE),
        rows=rows,
    )


def find_sections(record: Record, body: str | None = None) -> tuple[Section, ...]:
    """The sections of `record`, in document order (none when its structure is unknown);
    `body` is record.body when the caller has it already."""
    types = _row_types(record)
    if not types or not record.pages:
        return ()
    expression = _compiled(types)
    body = "\n" + (record.body if body is None else body)  # a heading at the very start too
    named, rows = expression.named, expression.rows
    # the names change nothing of what matches where: the named expression matched where the
    # plain one matched finds the same heading, and says which row it is
    headings = [
        _heading(named.match(body, found.start()), rows, body)  # type: ignore[arg-type]
        for found in expression.scan.finditer(body)
    ]
    headings = _without_contents(headings, body)
    headings = _questions_in_parts(headings)
    starts = _page_starts(record)
    return tuple(_placed(record, heading, starts) for heading in headings)


def _heading(match: re.Match[str], rows: tuple[HeadingRow, ...], body: str) -> _Heading:
    name = match.lastgroup or ""
    row = rows[int(name[1:])]
    start, end = match.span(name)
    line_end = body.find("\n", end)
    line_end = len(body) if line_end < 0 else line_end
    text = match.group(name)
    number_match = (
        _NUMBER.match(text) if (row.level == 2 or text[:1].isdigit() or text[:1] in "sS") else None
    )
    number = number_match.group(1) if number_match and number_match.group(1) else ""
    rest = body[end:line_end]
    if text.rstrip().endswith(":") or not rest.strip():
        title, bare = text, not rest.strip()
    elif number:  # a numbered heading or question: the whole line
        title, bare = text + rest, True
    else:  # run into its first sentence
        title, bare = text, False
    key = row.key
    return _Heading(key, row.level, number, " ".join(title.split()), start - 1, line_end - 1, bare)


def _without_contents(headings: list[_Heading], body: str) -> list[_Heading]:
    """Drop the headings of a table of contents: dotted leaders and a page number after them,
    a bare heading straight after another (on the next line), or a heading run into the next
    heading's words on its line."""
    contents = set()
    for i, heading in enumerate(headings):
        line = body[heading.start + 1 : heading.line_end + 1]
        next_line_end = body.find("\n", heading.line_end + 2)
        two_lines = body[heading.start + 1 : next_line_end if next_line_end > 0 else len(body)]
        if (
            _has_leaders(two_lines)
            or (heading.level == 1 and heading.bare and _PAGE_NUMBER_AT_END.search(line))
            or (_runs_into(heading) and _NEXT_HEADING.match(line, len(heading.title)))
        ):
            contents.add(i)
    for i in range(1, len(headings)):
        before, after = headings[i - 1], headings[i]
        if not (before.bare and after.level == 1 and before.level == 1):
            continue
        between = body[before.line_end + 1 : after.start + 1]
        if between.count("\n") <= 1 and not between.strip():
            contents.update((i - 1, i))
    dropped = _with_listed_questions(contents, headings)
    return [h for i, h in enumerate(headings) if i not in dropped]


def _with_listed_questions(contents: set[int], headings: list[_Heading]) -> set[int]:
    """`contents` and the numbered questions listed between two of its parts (a contents
    page lists them without leaders at times)."""
    out = set(contents)
    flagged = sorted(contents)
    for a, b in zip(flagged, flagged[1:], strict=False):
        if headings[b].start - headings[a].start < _CONTENTS_SPAN:
            out.update(i for i in range(a + 1, b) if headings[i].level == 2)
    return out


def _runs_into(heading: _Heading) -> bool:
    """Whether a heading runs into text on its line without a colon ("Abstract The ...")."""
    return not heading.bare and not heading.number and not heading.title.endswith(":")


def _has_leaders(text: str) -> bool:
    """Dotted (or underscored) leaders and a page number after them, as a contents line has."""
    if "..." not in text and ". . ." not in text and "\u2026" not in text and "____" not in text:
        return False
    return bool(_LEADERS.search(text))


def _questions_in_parts(headings: list[_Heading]) -> list[_Heading]:
    """Keep a numbered question only inside a recognised part with its leading number, after
    the questions before it; it takes the part's key."""
    kept: list[_Heading] = []
    part: _Heading | None = None
    last_minor = 0
    for heading in headings:
        if heading.level == 1:
            part, last_minor = heading, 0
            kept.append(heading)
            continue
        major, _, minor = heading.number.partition(".")
        if part is None or not part.number or part.number.split(".")[0] != major:
            continue
        if not minor.isdigit() or not last_minor < int(minor) <= last_minor + 3:
            continue
        last_minor = int(minor)
        kept.append(
            _Heading(
                part.key,
                2,
                heading.number,
                heading.title,
                heading.start,
                heading.line_end,
                heading.bare,
            )
        )
    return kept


def _page_starts(record: Record) -> list[int]:
    starts, at = [], 0
    for page in record.pages:
        starts.append(at)
        at += len(page.text) + 2
    return starts


def _placed(record: Record, heading: _Heading, starts: list[int]) -> Section:
    i = bisect_right(starts, heading.start) - 1
    page = record.pages[i]
    return Section(
        key=heading.key,
        title=heading.title,
        page=page.number,
        offset=heading.start - starts[i],
        attachment=page.attachment,
        level=heading.level,
        number=heading.number,
    )
