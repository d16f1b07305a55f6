"""References one document makes to another: SORN and PIA ids, Federal Register citations,
rules exempting a SORN, "supersedes" statements and earlier versions.

`find_references(record)` gives each (kind, target) once, at the first page it is found on,
with the text as printed there. Targets are normalised as record ids are (`DHS/CBP/PIA-056`,
`DHS/ALL-047`, `DHS/FEMA-005` from "Federal Emergency Management Agency--005") or as a Federal
Register citation, volume "FR" first page (`80 FR 24269` from "80 FR 24,269" or "80 Fed. Reg.
24269"). The document's own id and its own Federal Register citation are not references.

Kinds:

- `cites_sorn`, `cites_pia`, `cites_fr`: a SORN, a PIA or a Federal Register notice named;
- `exemption_rule_for`: the document is a rule exempting a system of records (its title or
  opening says so, `data/link_words.tsv`), and the target is a SORN it names;
- `supersedes`: a sentence says the document replaces, rescinds, supersedes or retires the
  target (a SORN or PIA id, or a Federal Register citation when the sentence gives no id);
- `version_of`: an earlier version of the document's own family the text names by id
  (`DHS/USCIS/PIA-013(a)` in `(b)`). The latest earlier version the index holds, named or
  not, is the graph's business (`privsearch.graph`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..models import Record, Reference
from . import body_length
from .taxonomy import top_level_alternatives

KINDS = ("cites_sorn", "cites_pia", "cites_fr", "exemption_rule_for", "supersedes", "version_of")
_REACH = 170  # characters before a number that a written-out id may take
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_SEPARATORS = _DASHES + "/"
# an id's three digits, found first (digits are rare in prose), then what stands before them
# (`_separator_before`). Only digits after a separator or a space can end an id: the
# lookbehind drops the others (most of them: years, pages, amounts) in the search itself, and
# it stands after the first digit so that the search skips in C from digit to digit.
_NUMBER = re.compile(rf"\d(?<=[{re.escape(_SEPARATORS)}\s]\d)\d\d(?!\d)")
_SHORT_REACH = 40  # characters before the number an abbreviated id ("DHS/USCIS/PIA-013") takes
_LOWERCASE = re.compile(r"[a-z]")
# what may follow an id's number: a sub-number ("-01") and a version letter ("(a)")
_NUMBER_TAIL = re.compile(rf"(?:[{_DASHES}]\d{{2}}(?!\d))?(?:\s*\([a-zA-Z]\))?")
_HOMELAND = re.compile(r"(?:Department\s+of\s+(?:the\s+)?)?Homeland\s+Security", re.I)
# each alternative led by its letter, what must stand before it looked for behind the word:
# a search skips to the letters (a lookbehind or a word boundary first made it try every place)
_DEPARTMENT = re.compile(r"DHS|Department\s+of\s+Homeland|Homeland(?<!of Homeland)")
_CAPITALISED = re.compile(r"[A-Z](?<!\w[A-Z])[A-Za-z&.]*")
_START_TRIES = 8
_UNKNOWN_COMPONENT_ID = re.compile(
    rf"DHS/(?P<components>[A-Z][A-Z&]+)[{_DASHES}]{{1,2}}(?P<number>\d{{3}})(?:[{_DASHES}]\d{{2}})?$"
)
_SPACED_COMPONENTS = re.compile(r"DHS/[A-Z&]+ [A-Z&]+[-/A-Z&]*[-\u2013\u2014]\d{3}")
_YEAR_SUFFIX = re.compile(r"-\d{2}$")  # "DHS/TSA-001-03": a 2003 issuance of DHS/TSA-001
_VERSION_LETTER = re.compile(r"\(([a-z])\)$")

# "85 FR 79999", "80 FR 24,269", "73 Fed. Reg. 12345", "71 Federal Register 38408": found by
# the words and page first (a search for a word skips ahead fast), then the volume before them
_FR_PAGE = r"\s+(?P<page>\d{1,3}(?:,\d{3})+|\d{1,6})(?![\d,]\d)"
# one expression per first letters of a way of writing it: a search skips to them ("Fed. Reg."
# and "Federal Register" share theirs, and no match of one holds a match of the other)
_FR_WORDS = {
    literal: re.compile(literal + rest + _FR_PAGE)
    for literal, rest in (("FR", ""), ("Fed", r"(?:\.?\s*Reg\.?|eral\s+Register)"))
}
_FR_VOLUME = re.compile(r"\b(?P<volume>\d{1,3})\s+$")
# "(Volume 65, Number 70; Pages 19477-78)": the word first and the word boundary before it
# looked for behind it, so that the search skips to the word
_FR_SPELLED = re.compile(
    r"Volume(?<!\wVolume)\s+(?P<volume>\d{1,3}),\s*Number\s+\d+;\s*Pages?\s+(?P<page>\d{1,6})"
)
# a Federal Register document's own citation is printed above its preamble
_PREAMBLE = re.compile(r"^\s*(?:AGENCY|ACTION|SUMMARY)\s*:", re.M)
_OWN_CITATION_REACH = 400
_OWN_CITATION_OPENING = 40
# the full stop first, its lookbehinds after it: the search skips in C from stop to stop
_SENTENCE_END = re.compile(
    r"\.(?<![A-Z]\.)(?<!No\.)(?<!Vol\.)(?<!Reg\.)(?<!Fed\.)(?<!Sec\.)(?<!seq\.)\s+(?=[A-Z(\"“])"
)
_SENTENCE_REACH = 400
_DENIAL = re.compile(r"\b(?:not|nor|neither|no longer)\b", re.I)
_DENIAL_REACH = 40


def find_references(record: Record, lowered: str | None = None) -> tuple[Reference, ...]:
    """Every reference `record` makes to another document, once per (kind, target); `lowered`
    is record.body.lower() when the caller has it already."""
    found: dict[tuple[str, str], Reference] = {}
    is_rule = _is_exemption_rule(record)
    own = _own_ids(record, is_rule)
    is_pia = record.doc_type in ("PIA", "PIA Update")
    named = [(page, _ids_in(page.text), _citations_in(page.text)) for page in record.pages]
    # only a page that names a document is asked whether it says it supersedes one
    asked = [bool(ids or citations) for _, ids, citations in named]
    says = _pages_saying_supersedes(record, lowered, asked)
    for (page, ids, citations), says_replaces in zip(named, says, strict=True):
        text = page.text
        for at, end, target in ids:
            if any(_same_document(target, mine, is_pia) for mine in own):
                continue
            kind = _id_kind(record, target, is_rule)
            if kind != "version_of" and says_replaces and _says_supersedes(text, at):
                kind = "supersedes"
            if (kind, target) not in found:  # where it starts as printed: for the first only
                start = _written_start(text, at, end, target)
                found[(kind, target)] = Reference(kind, target, text[start:end], page.number)
        for start, end, target in citations:
            if _is_own_citation(record, page.number, text, start, target):
                continue
            replaced = says_replaces and _says_supersedes(text, start)
            kind = (
                "supersedes" if replaced and not _id_in_sentence(text, start, ids) else "cites_fr"
            )
            found.setdefault((kind, target), Reference(kind, target, text[start:end], page.number))
    return tuple(found.values())


def version_rank(record_id: str) -> int:
    """0 for a base id, 1 for `(a)`, 2 for `(b)` ..."""
    match = _VERSION_LETTER.search(record_id)
    return ord(match.group(1)) - ord("a") + 1 if match else 0


def reference_targets(target: str) -> list[str]:
    """The terms under which a reference's target is searchable with `cites:`: the target, and
    for an id also without `DHS/` and its family's (a version's base id)."""
    if not target.startswith("DHS/"):
        return [target]
    family = _VERSION_LETTER.sub("", target)
    forms = [target, target[4:], family, family[4:]]
    return list(dict.fromkeys(forms))


def cited_term(typed: str) -> str:
    """The `cites` term for a target as typed: an id in any case, a Federal Register citation
    in any of its forms ("80 Fed. Reg. 24,269" -> "80 fr 24269")."""
    citations = _citations_in(typed)
    target = citations[0][2] if citations else " ".join(typed.split())
    return target.replace(",", " ").lower()


def _ids_in(text: str) -> list[tuple[int, int, str]]:
    """Each SORN or PIA id written in `text`: (where its number starts, where it ends, the
    normalised id)."""
    out: list[tuple[int, int, str]] = []
    for number in _NUMBER.finditer(text):
        at = number.start()
        separator = _separator_before(text, at)
        if not separator:
            continue
        end = _NUMBER_TAIL.match(text, number.end()).end()  # type: ignore[union-attr]
        opener = text.rfind("DHS/", max(0, at - _SHORT_REACH), at)
        if opener >= 0 and not _LOWERCASE.search(text, opener, at):
            # written short, "DHS/USCIS/PIA-013": read alone, and once per process
            target = _remembered_id_ending(text[opener:end], number.group())
            if target:
                out.append((at, end, target))
            continue
        lo = max(0, at - _REACH)
        departments = [m.start() for m in _DEPARTMENT.finditer(text, lo, at)]
        if departments:  # from the department's name on: the same text recurs, read once
            target = _remembered_id_ending(text[departments[-1] : end], number.group())
        elif separator == "-":  # "Federal Emergency Management Agency--008"
            target = _id_ending(text[lo:end], number.group())
        else:
            continue
        if target:
            out.append((at, end, target))
    return out


@lru_cache(maxsize=16384)
def _remembered_id_ending(written: str, digits: str) -> str:
    """`_id_ending` of an id as written from where it may open ("DHS/USCIS/PIA-013",
    "Department of Homeland Security/ALL-004"), remembered: the same written ids recur in a
    document and across documents."""
    return _id_ending(written, digits)


def _separator_before(text: str, at: int) -> str:
    """How three digits at `at` can end a written id: "-" after a name and a dash or slash
    ("ALL-047", "PIA – 056", "Agency--005", "(DHS/CBP)-009"), " " after a capital and a space
    ("DHS/ALL\n026"); "" when they cannot (a digit before them, or other text)."""
    before = text[max(0, at - 4) : at]
    if not before or before[-1].isdigit():
        return ""
    if before[-1].isspace():
        if len(before) > 1 and before[-2].isupper():
            return " "
        before = before[:-1]  # "PIA – 056"
    stripped = before.rstrip(_SEPARATORS)
    if len(stripped) == len(before) or len(before) - len(stripped) > 2:
        return ""
    stripped = stripped.rstrip(" ")
    return "-" if stripped and (stripped[-1].isalpha() or stripped[-1] == ")") else ""


def _id_ending(window: str, digits: str) -> str:
    """The normalised id that ends `window` with the number `digits`, or ""."""
    window = _HOMELAND.sub("DHS", window)
    refs = find_reference_numbers(window, bare=True)
    ending = [r for r in refs if _number_of(r) == digits]
    if ending:
        target = ending[-1]
    else:  # a component the table does not know, as a former one: "DHS/IAIP-001"
        unknown = _UNKNOWN_COMPONENT_ID.search(window)
        if unknown is None or unknown["number"] != digits:
            return ""
        target = f"DHS/{unknown['components'].upper()}-{digits}"
    if is_pia_reference(target):
        return target
    # "DHS/ICE CBP-001-03": a joint system, its components joined by hyphens when so written
    if _SPACED_COMPONENTS.search(window):
        target = "DHS/" + target[4:].replace("/", "-")
    return _YEAR_SUFFIX.sub("", target)


def _number_of(reference: str) -> str:
    """The three digits of a normalised id: "DHS/USCIS/PIA-013-01(a)" -> "013"."""
    if reference.endswith(")") and reference[-3:-2] == "(":
        reference = reference[:-3]
    if reference[-3:-2] == "-" and reference[-2:].isdigit() and reference[-7:-6] == "-":
        reference = reference[:-3]  # a sub-number
    return reference[-3:]


def _written_start(text: str, number_start: int, end: int, target: str) -> int:
    """Where the id ending at `end` starts as printed: at the department's name ("DHS",
    "Department of Homeland Security", "Homeland Security") nearest before it when the text
    from there reads as `target`, else at the latest capitalised word from which it does."""
    lo = max(0, number_start - _REACH)
    digits = text[number_start : number_start + 3]
    department = [m.start() for m in _DEPARTMENT.finditer(text, lo, number_start)]
    if department and _remembered_id_ending(text[department[-1] : end], digits) == target:
        return department[-1]
    words = [m.start() for m in _CAPITALISED.finditer(text, lo, number_start)]
    for start in reversed(words[-_START_TRIES:]):
        if _remembered_id_ending(text[start:end], digits) == target:
            return start
    return number_start


def _citations_in(text: str) -> list[tuple[int, int, str]]:
    """Each Federal Register citation in `text`: (start, end, "VOL FR PAGE")."""
    found: list[tuple[int, int, str]] = []
    for literal, pattern in _FR_WORDS.items():
        if literal not in text:  # most pages: a substring test is far faster
            continue
        for words in pattern.finditer(text):
            if words.start() and text[words.start() - 1].isalnum():
                continue  # "NFR", "OFR": not the word
            volume = _FR_VOLUME.search(text, max(0, words.start() - 8), words.start())
            if volume is not None:
                page = int(words["page"].replace(",", ""))
                found.append((volume.start(), words.end(), f"{int(volume['volume'])} FR {page}"))
    if "Volume" not in text:
        return sorted(found)
    for m in _FR_SPELLED.finditer(text):
        found.append((m.start(), m.end(), f"{int(m['volume'])} FR {int(m['page'])}"))
    return sorted(found)


def _is_own_citation(record: Record, page: int, text: str, start: int, target: str) -> bool:
    if record.detail("citation") and citation_key(record.detail("citation")) == target:
        return True
    if page != min((p.number for p in record.pages), default=page):
        return False
    # above the preamble of a notice, or, without one, where its text starts
    preamble = _PREAMBLE.search(text)
    if preamble is None:
        return start < _OWN_CITATION_OPENING
    return start < min(_OWN_CITATION_REACH, preamble.start())


def citation_key(citation: str) -> str:
    """A Federal Register citation as references name it: "80 Fed. Reg. 24,269" -> "80 FR
    24269"; "" when `citation` holds none."""
    found = _citations_in(citation)
    return found[0][2] if found else ""


def _own_ids(record: Record, is_rule: bool) -> list[str]:
    """The record's own id, and the ids its title gives it (a Federal Register SORN filed under
    another id); a rule's title names the systems it exempts instead."""
    if is_rule:
        return [record.id]
    return [record.id, *find_reference_numbers(_HOMELAND.sub("DHS", record.title), bare=True)]


def _id_kind(record: Record, target: str, is_rule: bool) -> str:
    if _family(target) == _family(record.id) and version_rank(target) < version_rank(record.id):
        return "version_of"
    if is_pia_reference(target):
        return "cites_pia"
    return "exemption_rule_for" if is_rule else "cites_sorn"


@lru_cache(maxsize=16384)  # asked of every id named, and the same ids recur
def _same_document(target: str, record_id: str, is_pia: bool) -> bool:
    """Whether `target` is the record's own id; a PIA's also when written with "PIA" and filed
    without it (the Watchlist Service update is filed as DHS/ALL-027(b) and prints
    DHS/ALL/PIA-027(b)). A SORN's PIA (DHS/ALL-041, DHS/ALL/PIA-041) is another document."""
    if is_pia:
        return _without_pia(target) == _without_pia(record_id)
    return _YEAR_SUFFIX.sub("", target.upper().replace("/", "-")) == _YEAR_SUFFIX.sub(
        "", record_id.upper().replace("/", "-")
    )


def _without_pia(reference: str) -> str:
    """The reference without "PIA" and with one kind of separator between its components."""
    return _YEAR_SUFFIX.sub("", reference.replace("/PIA-", "-").upper().replace("/", "-"))


@lru_cache(maxsize=16384)  # asked twice of every id named
def _family(reference: str) -> str:
    return _VERSION_LETTER.sub("", _without_pia(reference).lower())


def _sentence(text: str, at: int) -> tuple[int, int]:
    """The span of the sentence holding position `at`."""
    lo = max(0, at - _SENTENCE_REACH)
    starts = [m.end() for m in _SENTENCE_END.finditer(text, lo, at)]
    start = starts[-1] if starts else lo
    after = _SENTENCE_END.search(text, at, min(len(text), at + _SENTENCE_REACH))
    return start, after.start() if after else min(len(text), at + _SENTENCE_REACH)


def _says_supersedes(text: str, at: int) -> bool:
    """Whether the sentence around `at` says something is replaced, and does not deny it
    ("does not rescind, revoke or supersede")."""
    start, end = _sentence(text, at)
    for word in _supersede_words().finditer(text, start, end):
        if not _DENIAL.search(text, max(start, word.start() - _DENIAL_REACH), word.start()):
            return True
    return False


def _id_in_sentence(text: str, at: int, ids: list[tuple[int, int, str]]) -> bool:
    start, end = _sentence(text, at)
    return any(start <= s < end for s, _, _ in ids)


def _is_exemption_rule(record: Record) -> bool:
    opening = record.pages[0].text[:1500] if record.pages else ""
    return _rule_words().search(f"{record.title}\n{opening}") is not None


@lru_cache(maxsize=1)
def _link_patterns() -> dict[str, list[str]]:
    """The patterns of `data/link_words.tsv` as written, by kind."""
    path = Path(__file__).resolve().parent.parent / "data" / "link_words.tsv"
    patterns: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, _, pattern = line.partition("\t")
            patterns.setdefault(kind.strip(), []).append(pattern.strip())
    return patterns


@lru_cache(maxsize=1)
def _link_words() -> dict[str, re.Pattern[str]]:
    """The patterns of `data/link_words.tsv`, one expression per kind."""
    return {
        kind: re.compile("|".join(f"(?:{p})" for p in patterns), re.I)
        for kind, patterns in _link_patterns().items()
    }


def find_reference_numbers(text: str, *, bare: bool = False) -> list[str]:
    """`ingest.metadata.find_references`, imported when first used: the index imports this
    module, and a search must not load the readers `ingest` brings."""
    from ..ingest.metadata import find_references

    return find_references(text, bare=bare)


def is_pia_reference(reference: str) -> bool:
    return "/PIA" in reference or reference.startswith("DHS/PIA")


def _pages_saying_supersedes(record: Record, lowered: str | None, asked: list[bool]) -> list[bool]:
    """Whether each page `asked` of may say it supersedes something (holds a supersedes word;
    False for the others). The pages are read where they stand in `lowered` (the body
    lowercased, pages joined by a blank line) when it is given and lowercasing kept every
    position, else lowercased one by one."""
    positions_kept = lowered is not None and len(lowered) == body_length(record)
    whole = lowered if positions_kept else None
    says: list[bool] = []
    start = 0
    for page, ask in zip(record.pages, asked, strict=True):
        end = start + len(page.text)
        if not ask:
            says.append(False)
        elif whole is not None:
            says.append(_holds_supersede_word(whole, start, end))
        else:
            says.append(_holds_supersede_word(page.text.lower()))
        start = end + 2
    return says


def _holds_supersede_word(lowered: str, start: int = 0, end: int | None = None) -> bool:
    """Whether lowercased text holds a supersedes word between `start` and `end`: searched with
    a case-sensitive expression (several times as fast as a case-blind one), and only where
    the letters one of them starts with are there (finding letters is faster still)."""
    end = len(lowered) if end is None else end
    stems = _supersede_stems()
    if stems and not any(lowered.find(stem, start, end) >= 0 for stem in stems):
        return False
    return _lowercase_supersede_words().search(lowered, start, end) is not None


@lru_cache(maxsize=1)
def _lowercase_supersede_words() -> re.Pattern[str]:
    return re.compile(_supersede_words().pattern)


@lru_cache(maxsize=1)
def _supersede_stems() -> tuple[str, ...]:
    """The letters each alternative of the supersedes patterns starts with ("supersed",
    "rescind", "rescission", "replac", "retir"): every supersedes word starts with one of
    them. Empty when an alternative may start otherwise: then there is nothing to look for."""
    stems = [
        _leading_letters(alternative)
        for pattern in _link_patterns()["supersedes"]
        for alternative in top_level_alternatives(pattern)
    ]
    return () if "" in stems else tuple(dict.fromkeys(stems))


_LETTERS = re.compile(r"[a-z]*")


def _leading_letters(pattern: str) -> str:
    """The lowercase letters every match of `pattern` starts with: "rescind(?:s|ed)?\\b" ->
    "rescind"; "retire?" -> "retir" (a letter made optional is not among them)."""
    letters = _LETTERS.match(pattern).group()  # type: ignore[union-attr]
    after = pattern[len(letters) : len(letters) + 1]
    return letters[:-1] if after and after in "?*{" else letters


def _supersede_words() -> re.Pattern[str]:
    return _link_words()["supersedes"]


def _rule_words() -> re.Pattern[str]:
    return _link_words()["exemption_rule"]
