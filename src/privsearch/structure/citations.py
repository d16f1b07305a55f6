"""Citations of statutes, regulations, executive orders and public laws, normalised.

`find_citations(text)` gives each citation once, in the order of the text: "8 U.S.C. 1103, 1225"
as `8 U.S.C. § 1103` and `8 U.S.C. § 1225` (subsections and "et seq." dropped, a range of
sections as its first), "6 CFR part 5" as `6 C.F.R. Part 5`, "6 C.F.R. 5.21" as
`6 C.F.R. § 5.21`, "Executive Order 12333" as `E.O. 12333`, "Public Law 107-296" as
`Pub. L. 107-296`, and "Sections 1367 and 1101 of title 8" as `8 U.S.C. § 1367` and
`8 U.S.C. § 1101`. Named acts without a citation and Federal Register citations are left out.
"""

from __future__ import annotations

import re

# a range may break after its hyphen at a line end ("§§ 4001-\n4129")
_SECTION_NUMBER = r"\d+[a-z]{0,2}(?:-\s?\d+[a-z]?)?(?![\w-])"
_SUBSECTIONS = r"(?:\s*\([a-zA-Z0-9]{1,4}\))*"
_NOT_A_TITLE = r"(?!\d+\s*(?:U\.?\s?S\.?\s?C|C\.?\s?F\.?\s?R|FR\b|Stat\b|U\.S\.\s))"
# a separator is required between two numbers: with every part optional, a long list of numbers
# could be split in exponentially many ways
_MORE_SECTIONS = (
    rf"(?:{_SUBSECTIONS}\s*(?:,\s*(?:and|or|&)?|;|and|or|&)\s*(?:§+\s*)?"
    rf"{_NOT_A_TITLE}{_SECTION_NUMBER})"
)
_SECTION_WORD = r"(?:§+|[Ss]ec(?:tions?|s?\.)|[Ss]ections?)"
_USC = re.compile(
    rf"\b(?P<title>\d{{1,2}})\s+U\.?\s?S\.?\s?C\.?(?:A\.?)?\s*{_SECTION_WORD}?\s*"
    rf"(?P<sections>{_SECTION_NUMBER}{_MORE_SECTIONS}*)"
    rf"|\b[Ss]ections?\s+(?P<of_sections>{_SECTION_NUMBER}{_MORE_SECTIONS}*)"
    rf"\s+of\s+[Tt]itle\s+(?P<of_title>\d{{1,2}})\b"
)
_CFR = re.compile(
    rf"\b(?P<title>\d{{1,2}})\s+C\.?\s?F\.?\s?R\.?\s*"
    r"(?:(?:[Pp]arts?|[Pp]t\.)\s*(?P<parts>\d+[a-z]?(?:\s*(?:,|and|or)\s*\d+[a-z]?)*)"
    rf"|{_SECTION_WORD}?\s*(?P<section>\d+[a-z]?(?:\.\d+[a-z]?)?))"
)
_EO = re.compile(
    r"\b(?:Executive\s+Order|Exec\.\s*Order|E\.\s?O\.|(?-i:EO))\s*(?:No\.?\s*)?(?P<n>\d{4,5})\b",
    re.I,
)
_PUBLIC_LAW = re.compile(
    r"\b(?:Pub(?:lic|\.)?\s*L(?:aw|\.)?|(?-i:P\.\s?L\.|PL))\s*(?:No\.?\s*)?"
    r"(?P<congress>\d{2,3})\s*[-–—]\s*(?P<n>\d{1,4})\b",
    re.I,
)
# where a citation may be: capitals, which the search skips to (case-sensitive on purpose); a
# line may break inside "Executive Order" or "Public Law"
_CITATION_ANCHOR = re.compile(
    r"U\.?\s?S\.?\s?C(?![A-Za-z])|C\.?\s?F\.?\s?R(?![A-Za-z])|"
    r"E(?:xecutive\s+Order|xec\.|\.\s?O\.|O\b)|P(?:ub\.|ublic\s+Law|\.\s?L\.|L\b)"
)
# The same, one expression per first letter: a search for one letter runs several times as
# fast as one for any of four. No anchor holds another's first letter, but "U.S.C" may end
# where "C.F.R" starts ("U.S.C.F.R"): `_anchors` keeps the first, as one search would.
_ANCHORS_BY_LETTER = tuple(
    re.compile(alternative) for alternative in _CITATION_ANCHOR.pattern.split("|")[:2]
) + (
    re.compile(r"E(?:xecutive\s+Order|xec\.|\.\s?O\.|O\b)"),
    re.compile(r"P(?:ub\.|ublic\s+Law|\.\s?L\.|L\b)"),
)
_TITLE_ANCHOR = re.compile(r"of\s+[Tt]itle\s+\d")
_CITATION_BEFORE = 12  # characters before the anchor a citation may start ("42 U.S.C.")
_CITATION_AFTER = 300  # and after it it may run ("8 U.S.C. 1103, 1225, and 1324")
_TITLE_OF_SECTIONS_BEFORE = 200  # "Sections 1367 and 1101 of title 8"


def _usc_cites(match: re.Match[str]) -> list[str]:
    if match.group("of_title"):
        title, listed = match.group("of_title"), match.group("of_sections")
    else:
        title, listed = match.group("title"), match.group("sections")
    if not 1 <= int(title) <= 54:
        return []
    numbers = re.findall(_SECTION_NUMBER, re.sub(r"\([a-zA-Z0-9]{1,4}\)", " ", listed))
    return [f"{int(title)} U.S.C. § {_range_start(n)}" for n in numbers]


def _range_start(number: str) -> str:
    """The first section of a range ("477-482" -> "477", "931c-931d" -> "931c"); a section
    whose number holds a hyphen ("2000ee-1") as it is."""
    number = re.sub(r"\s", "", number)
    first, _, last = number.partition("-")
    first_digits, last_digits = re.match(r"\d+", first), re.match(r"\d+", last)
    if last_digits and first_digits and int(last_digits.group()) >= int(first_digits.group()):
        return first
    return number


def _cfr_cites(match: re.Match[str]) -> list[str]:
    title = int(match.group("title"))
    if not 1 <= title <= 50:
        return []
    if match.group("parts"):
        return [f"{title} C.F.R. Part {p}" for p in re.findall(r"\d+[a-z]?", match.group("parts"))]
    section = match.group("section")
    return [f"{title} C.F.R. § {section}" if "." in section else f"{title} C.F.R. Part {section}"]


def _eo_cites(match: re.Match[str]) -> list[str]:
    return [f"E.O. {match.group('n')}"]


def _public_law_cites(match: re.Match[str]) -> list[str]:
    return [f"Pub. L. {match.group('congress')}-{match.group('n')}"]


_CITATION_KINDS = {"U": (_USC, _usc_cites), "C": (_CFR, _cfr_cites), "E": (_EO, _eo_cites)}
_CITATION_KINDS["P"] = (_PUBLIC_LAW, _public_law_cites)


def _citation_at(
    body: str, anchor: re.Match[str], pattern: re.Pattern[str], before: int, after: int
) -> re.Match[str] | None:
    """The citation of `pattern` that holds `anchor`, looked for around it only."""
    for match in pattern.finditer(body, max(0, anchor.start() - before), anchor.end() + after):
        if match.start() <= anchor.start() < match.end():
            return match
    return None


def _anchors(body: str) -> list[re.Match[str]]:
    """The matches of _CITATION_ANCHOR.finditer(body), found a letter at a time."""
    found = sorted(
        (m for anchor in _ANCHORS_BY_LETTER for m in anchor.finditer(body)),
        key=lambda m: m.start(),
    )
    out: list[re.Match[str]] = []
    for match in found:
        if not out or match.start() >= out[-1].end():
            out.append(match)
    return out


def _title_anchors(body: str) -> list[re.Match[str]]:
    """The matches of _TITLE_ANCHOR.finditer(body), found from each "itle" in it: a search
    for a word is far faster than one for "of" at every "o"."""
    found = []
    at = body.find("itle", 1)
    while at >= 0:
        if body[at - 1] in "Tt":
            begin = at - 1  # where the spaces before "Title" start: "of" must end there
            while begin > 0 and body[begin - 1].isspace():
                begin -= 1
            match = _TITLE_ANCHOR.match(body, begin - 2) if 2 <= begin < at - 1 else None
            if match:
                found.append(match)
        at = body.find("itle", at + 4)
    return found


def find_citations(body: str) -> list[str]:
    """The statutes, regulations, executive orders and public laws `body` cites, normalised
    ("8 U.S.C. § 1367", "6 C.F.R. Part 5", "E.O. 12333", "Pub. L. 107-296"), in order."""
    cites: list[tuple[int, str]] = []
    done = 0  # where the last citation found ends: a list's later anchors are inside it
    for anchor in _anchors(body):
        if anchor.start() < done:
            continue
        pattern, values = _CITATION_KINDS[anchor.group()[0]]
        match = _citation_at(body, anchor, pattern, _CITATION_BEFORE, _CITATION_AFTER)
        if match:
            cites += [(match.start(), value) for value in values(match)]
            done = match.end()
    for anchor in _title_anchors(body):
        match = _citation_at(body, anchor, _USC, _TITLE_OF_SECTIONS_BEFORE, _CITATION_BEFORE)
        if match:
            cites += [(match.start(), value) for value in _usc_cites(match)]
    return list(dict.fromkeys(value for _, value in sorted(cites, key=lambda cite: cite[0])))
