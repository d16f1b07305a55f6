"""Taxonomies of facet values: data files of patterns, compiled into one fast search each.

A taxonomy file has one line per pattern group, tab-separated: `value`, a Python regular
expression matched case-insensitively as whole words (spaces match any whitespace; (?-i:...)
matches its case exactly), and optionally `near=PATTERN` (kept only when that pattern occurs
within 150 characters) and `also=VALUE,VALUE` (values added whenever the line matches). The
shipped files are `data/pii.tsv` and `data/technology.tsv`; their header says the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_NEAR = 150  # characters either side searched for a `near=` pattern


@dataclass(frozen=True)
class _Line:
    value: str
    pattern: re.Pattern[str]  # the line's pattern as written, case-insensitive, whole words
    near: re.Pattern[str] | None
    also: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """One facet's values and their patterns.

    Finding runs one alternation of every line over the lowercased text, then checks each of
    its few matches against the lines as written (which decides their (?-i:...) parts and
    names the line it belongs to). Python's regular expressions are several times faster so:
    without IGNORECASE, without capturing groups, starting with the space or punctuation
    before a word,
    and with the alternatives that start with the same letter put behind it (for the
    alternatives that start with a letter, as the shipped files' do).
    """

    scan: re.Pattern[str]  # a space or punctuation, then an alternative
    scan_start: re.Pattern[str]  # an alternative at the start of the text
    lines: tuple[_Line, ...]
    lines_by_letter: dict[str, tuple[_Line, ...]]  # the lines an alternative starting so may be
    anchors: tuple[tuple[str, re.Pattern[str]], ...] = ()  # other things the scan finds, by kind

    def find(
        self, text: str, lowered: str | None = None, anchors: dict[str, list[int]] | None = None
    ) -> Iterator[tuple[str, re.Match[str]]]:
        """(value, match) for every match in `text`, `also=` values included; `lowered` is
        text.lower() when the caller has it already. The positions of the `anchors` the same
        pass finds are added to `anchors` by kind."""
        lowered = text.lower() if lowered is None else lowered
        for at, end in self._candidates(lowered):
            kind = self._anchor_kind(lowered[at:end])
            if kind:
                if anchors is not None:
                    anchors.setdefault(kind, []).append(at)
                continue
            found = self._line_at(text, at, lowered[at])
            if found is None:
                continue
            line, match = found
            if line.near is not None and not line.near.search(
                text, max(0, match.start() - _NEAR), match.end() + _NEAR
            ):
                continue
            yield line.value, match
            for value in line.also:
                yield value, match

    def _candidates(self, lowered: str) -> Iterator[tuple[int, int]]:
        first = self.scan_start.match(lowered)
        if first:
            yield 0, first.end()
        for candidate in self.scan.finditer(lowered):
            yield candidate.start() + 1, candidate.end()

    def _anchor_kind(self, found: str) -> str | None:
        for kind, pattern in self.anchors:
            if pattern.fullmatch(found):
                return kind
        return None

    def _line_at(self, text: str, at: int, letter: str) -> tuple[_Line, re.Match[str]] | None:
        for line in self.lines_by_letter.get(letter, self.lines):
            match = line.pattern.match(text, at)
            if match:
                return line, match
        return None


@dataclass(frozen=True)
class Taxonomies:
    pii: Taxonomy
    technology: Taxonomy


def read_lines(path: Path) -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        value, pattern, *options = raw.split("\t")
        near, also = None, ()
        for option in options:
            key, _, rest = option.partition("=")
            if key == "near":
                near = rest
            elif key == "also":
                also = tuple(v.strip() for v in rest.split(",") if v.strip())
            else:
                raise ValueError(f"{path}:{number}: unknown column {option!r}")
        lines.append((value.strip(), pattern.strip(), near, also))
    return lines


_UPPER_OUTSIDE_ESCAPES = re.compile(r"\\.|[A-Z]")


def _any_whitespace(pattern: str) -> str:
    """`pattern` with each space outside character classes and lookbehinds matching any run of
    whitespace (PDF text breaks lines inside phrases), and each optional space (" ?") any run
    or none."""
    out, at, in_class, behind = [], 0, False, []
    depth = 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            out.append(pattern[at : at + 2])
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
            if pattern.startswith(("(?<!", "(?<="), at):
                behind.append(depth)
        elif char == ")":
            if behind and behind[-1] == depth:
                behind.pop()
            depth -= 1
        elif char == " " and not behind:
            optional = pattern.startswith(" ?", at)  # "birth ?dates?": "birthdates" too
            out.append(r"\s*" if optional else r"\s+")
            at += 2 if optional else 1
            continue
        out.append(char)
        at += 1
    return "".join(out)


def _scan_form(pattern: str) -> str:
    """`pattern` as it matches lowercased text: letters lowercased (escapes kept), (?-i:...)
    parts made plain groups."""
    lowered = _UPPER_OUTSIDE_ESCAPES.sub(
        lambda m: m.group() if m.group().startswith("\\") else m.group().lower(), pattern
    )
    return lowered.replace("(?-i:", "(?:")


def top_level_alternatives(pattern: str) -> list[str]:
    """`pattern` split at its top-level |."""
    cuts = [at for at, char, depth in _outside_classes(pattern) if char == "|" and depth == 0]
    return [
        pattern[a:b]
        for a, b in zip([0, *(c + 1 for c in cuts)], [*cuts, len(pattern)], strict=True)
    ]


def _outside_classes(pattern: str) -> Iterator[tuple[int, str, int]]:
    """Each character of `pattern` outside escapes and character classes: where it stands,
    what it is, and how deep in groups the pattern is after it."""
    depth, in_class, at = 0, False, 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            depth += {"(": 1, ")": -1}.get(char, 0)
            yield at, char, depth
        at += 1


def _unwrapped(alternative: str) -> str:
    """ "(?:x)" as "x" when the group is the whole alternative and holds no top-level |."""
    if alternative.startswith("(?:") and alternative.endswith(")"):
        inner = alternative[3:-1]
        if len(top_level_alternatives(inner)) == 1 and "(" not in inner and ")" not in inner:
            return inner
    return alternative


def _first_letter(alternative: str) -> str | None:
    """The letter every match of `alternative` starts with (None when it may start otherwise)."""
    first, rest = alternative[:1], alternative[1:]
    return first if first.isalnum() and rest[:1] not in ("?", "*", "+", "{") else None


def _letter_in_group(alternative: str) -> tuple[str, str] | None:
    """The letter a group that starts `alternative` starts with, and the alternative without
    it: "(?:ai)(?:/ml)?" -> ("a", "(?:i)(?:/ml)?"), "(?:imeis?|imsis?)" -> ("i",
    "(?:meis?|msis?)"); None when it may start otherwise."""
    if not alternative.startswith("(?:"):
        return None
    close = _group_end(alternative)
    if close < 0 or alternative[close + 1 : close + 2] in ("?", "*", "+", "{"):
        return None
    inner = top_level_alternatives(alternative[3:close])
    letters = {_first_letter(a) for a in inner}
    if len(letters) != 1 or None in letters:
        return None
    rests = "|".join(a[1:] for a in inner)
    return letters.pop() or "", f"(?:{rests}){alternative[close + 1 :]}"


def _group_end(pattern: str) -> int:
    """Where the group that starts `pattern` closes (-1 when it does not)."""
    closing = (at for at, char, depth in _outside_classes(pattern) if char == ")" and depth == 0)
    return next(closing, -1)


# an alternative that starts with an optional group of plain characters: "(?:e-)?auth..."
_OPTIONAL_HEAD = re.compile(r"\(\?:(?P<head>[^()|\[\]\\?*+{}.^$]+)\)\?(?![?+])(?P<rest>.*)", re.S)


def _by_first_letter(alternatives: list[str]) -> str:
    """One alternation with the alternatives that start with the same letter put together
    behind it, so that a position is tried against a few alternatives instead of all. An
    alternative that starts with a group of a letter ("(?:gps)\\s+...", or an optional one,
    "(?:e-)?authentication" as "e-authentication" then "authentication") joins that letter's
    alternatives after them: it came after them all, and only they may match where it may
    (up to the first alternative that may start with any letter, which must stay before the
    ones after it)."""
    groups: dict[str, list[str]] = {}
    others = []
    for alternative in map(_unwrapped, alternatives):
        letter = _first_letter(alternative)
        if letter:
            groups.setdefault(letter, []).append(alternative[1:])
        else:
            others.append(alternative)
    while others:
        optional = _OPTIONAL_HEAD.fullmatch(others[0])
        if optional:  # "(?:e-)?x" tries "e-x", then "x": two alternatives in that order
            others[0:1] = [optional["head"] + optional["rest"], optional["rest"]]
            continue
        letter = _first_letter(others[0])
        split = (letter, others[0][1:]) if letter else _letter_in_group(others[0])
        if not split or split[0] not in groups:
            break
        groups[split[0]].append(split[1])
        others.pop(0)
    factored = [f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items()]
    return "|".join(factored + others)


def _lines_by_letter(
    lines: Sequence[_Line], scan_forms: Sequence[str]
) -> dict[str, tuple[_Line, ...]]:
    """For each letter an alternative may start with, the lines that may match there (in file
    order); the lines with an alternative of unknown start are among them all."""
    letters: list[set[str] | None] = []
    for form in scan_forms:
        firsts = {_first_letter(_unwrapped(a)) for a in top_level_alternatives(form)}
        letters.append(None if None in firsts else {f for f in firsts if f})
    every = set().union(*(f for f in letters if f))
    return {
        letter: tuple(
            line for line, f in zip(lines, letters, strict=True) if f is None or letter in f
        )
        for letter in every
    }


# The characters a word is found after: a short explicit set is searched for much faster than
# "any character but a letter, a digit or a hyphen".
BEFORE_A_WORD = "[ \\n\\t\\r\\f\\v\\xa0\"'“‘(\\[/—–,;:.•*]"


def compile_taxonomy(paths: Iterable[Path], anchors: Sequence[tuple[str, str]] = ()) -> Taxonomy:
    """One taxonomy from the lines of `paths` (see the header of data/pii.tsv); its scan also
    finds the (kind, lowercase pattern) `anchors`, so that one pass over a text serves both
    (their spaces, as the lines', match any whitespace)."""
    lines = [
        (value, _any_whitespace(pattern), near, also)
        for path in paths
        for value, pattern, near, also in read_lines(path)
    ]
    anchors = [(kind, _any_whitespace(pattern)) for kind, pattern in anchors]
    for _, pattern, _, _ in lines:
        if re.compile(pattern).groups:
            raise ValueError(f"pattern {pattern!r} has a capturing group: write (?:...)")
    scan_forms = [_scan_form(pattern) for _, pattern, _, _ in lines]
    alternatives = [
        alternative
        for form in scan_forms + [pattern for _, pattern in anchors]
        for alternative in top_level_alternatives(form)
    ]
    alternation = _by_first_letter(alternatives)
    compiled = tuple(
        _Line(
            value=value,
            pattern=re.compile(rf"(?<![\w-])(?:{pattern})(?!\w)", re.IGNORECASE),
            near=re.compile(near, re.IGNORECASE) if near else None,
            also=also,
        )
        for value, pattern, near, also in lines
    )
    return Taxonomy(
        scan=re.compile(rf"{BEFORE_A_WORD}(?:{alternation})(?!\w)"),
        scan_start=re.compile(rf"(?:{alternation})(?!\w)"),
        lines=compiled,
        lines_by_letter=_lines_by_letter(compiled, scan_forms),
        anchors=tuple((kind, re.compile(pattern)) for kind, pattern in anchors),
    )
