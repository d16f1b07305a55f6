"""Metadata rules shared by every source kind: reference numbers, dates, components, doc types.

The rules read what a document says about itself (its reference number, its title, the first
lines of its text) and never look at file names beyond using them for slugs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

DOC_TYPES = (
    "PIA",
    "PIA Update",
    "PIA Appendix",
    "SORN",
    "PCR",
    "DPIAC Report",
    "DPIAC Meeting",
    "Report",
    "Policy",
    "Plan",
    "Notice",
    "Other",
)
DEFAULT_COMPONENT = "DHS"
OTHER_AGENCY = "Other"  # the component of a document from no agency the tables know


# --- the component table -------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentTable:
    """The shipped abbreviation -> names table, with the lookups built from it."""

    names: dict[str, tuple[str, ...]]  # abbreviation -> names and aliases

    @property
    def abbreviations(self) -> tuple[str, ...]:
        return tuple(self.names)

    def canonical(self, name: str) -> str | None:
        """The abbreviation for an abbreviation or a name, ignoring case; None if unknown."""
        return _alias_index(self.names).get(_squash(name))


def _squash(text: str) -> str:
    return re.sub(r"[\s.]+", " ", text.replace("&amp;", "&")).strip().lower()


def _alias_index(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    cached = _ALIAS_CACHE.get(id(table))
    if cached is not None:
        return cached
    index: dict[str, str] = {}
    for abbr, names in table.items():
        index.setdefault(_squash(abbr), abbr)
        for name in names:
            index.setdefault(_squash(name), abbr)
    _ALIAS_CACHE[id(table)] = index
    return index


_ALIAS_CACHE: dict[int, dict[str, str]] = {}


@lru_cache(maxsize=1)
def load_components() -> ComponentTable:
    """Read `data/components.tsv` (abbreviation TAB names separated by |; # comments)."""
    return _load_table("components.tsv")


@lru_cache(maxsize=1)
def load_agencies() -> ComponentTable:
    """Read `data/agencies.tsv`: agencies other than DHS, in the components' format."""
    return _load_table("agencies.tsv")


def _load_table(name: str) -> ComponentTable:
    text = (Path(__file__).resolve().parent.parent / "data" / name).read_text("utf-8")
    names: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        abbr, _, rest = line.partition("\t")
        names[abbr.strip()] = tuple(n.strip() for n in rest.split("|") if n.strip())
    return ComponentTable(names)


def _is_acronym(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Z&\-]{2,10}", name))


@lru_cache(maxsize=1)
def _reference_tokens() -> tuple[str, ...]:
    """Tokens that may appear between 'DHS/' and the number: abbreviations, acronym aliases, PIA."""
    table = load_components()
    tokens = set(table.abbreviations) | {"PIA"}
    for names in table.names.values():
        tokens |= {n for n in names if _is_acronym(n)}
    return tuple(sorted(tokens, key=len, reverse=True))


@lru_cache(maxsize=1)
def _long_name_pattern() -> re.Pattern[str]:
    """Multi-word component names, longest first, to rewrite them as abbreviations."""
    table = load_components()
    names = [n for ns in table.names.values() for n in ns if not _is_acronym(n)]
    return re.compile(rf"(?<![\w&])(?:the\s+)?{name_trie(names)}(?![\w&])", re.IGNORECASE)


def name_trie(names: Iterable[str]) -> str:
    """A regex for any of `names`, longest first, any whitespace between words, each leading
    word written once: "customs\\s+(?:and\\s+border\\s+protection|service)". Words are lowercased:
    compile it with IGNORECASE. It matches what the names' longest-first alternation matches,
    without trying every name at every position."""
    trie: dict[str, dict] = {}
    for name in names:
        node = trie
        for word in name.lower().split():
            node = node.setdefault(word, {})
        node[""] = {}  # a name ends here
    return _trie_branches(trie)


def _trie_branches(node: dict[str, dict]) -> str:
    def longest(item: tuple[str, dict]) -> int:
        word, child = item
        return len(word) + max((1 + longest(c) for c in child.items() if c[0]), default=0)

    parts = []
    for word, child in sorted(((w, c) for w, c in node.items() if w), key=longest, reverse=True):
        if not any(child.keys() - {""}):
            parts.append(re.escape(word))
            continue
        rest = rf"\s+{_trie_branches(child)}"
        parts.append(re.escape(word) + (f"(?:{rest})?" if "" in child else rest))
    return parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"


@lru_cache(maxsize=1)
def _any_component_pattern() -> re.Pattern[str]:
    table = load_components()
    words = {n for ns in table.names.values() for n in ns} | set(table.abbreviations)
    # Short all-caps abbreviations must match in capitals ("ALL", "OPS" are also words).
    long_names = sorted(w for w in words if not _is_acronym(w))  # name_trie puts longer first
    # "ALL" only means department-wide inside a reference number, not in capitalized prose.
    acronyms = sorted((w for w in words if _is_acronym(w) and w != "ALL"), key=len, reverse=True)
    alternatives = "|".join([f"(?i:{name_trie(long_names)})"] + [re.escape(a) for a in acronyms])
    return re.compile(rf"(?<![\w&])(?:{alternatives})(?![\w&]|-(?:[A-Z]))")


def abbreviate_components(text: str) -> str:
    """Rewrite 'Department of Homeland Security' as DHS and component names as abbreviations."""
    table = load_components()
    text = re.sub(r"Department\s+of\s+Homeland\s+Security", "DHS", text, flags=re.IGNORECASE)
    text = _long_name_pattern().sub(
        lambda m: table.canonical(re.sub(r"^the\s+", "", m.group(0), flags=re.I)) or m.group(0),
        text,
    )
    # "CBP (CBP)" after the rewrite of "U.S. Customs and Border Protection (CBP)"
    return _repeated_abbreviation_pattern().sub(r"\1", text)


@lru_cache(maxsize=1)
def _repeated_abbreviation_pattern() -> re.Pattern[str]:
    tokens = "|".join(re.escape(t) for t in _reference_tokens())
    return re.compile(rf"\b({tokens})\s*\(\s*\1\s*\)")


def find_components(text: str) -> list[str]:
    """Canonical components named in `text`, in order of first appearance."""
    return list(dict.fromkeys(_components_in(text)))


def _components_in(text: str) -> Iterator[str]:
    table = load_components()
    for m in _any_component_pattern().finditer(text):
        abbr = table.canonical(m.group(0))
        if abbr:
            yield abbr


def _first_owner(text: str) -> str | None:
    """The first component named in `text` other than the Privacy Office, which reviews
    nearly everything and so owns a document only when nobody else is named."""
    return next((c for c in _components_in(text) if c != "PRIV"), None)


# --- reference numbers ---------------------------------------------------------------------

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212_"
_DASH = re.escape(_DASHES)  # for use inside [...]


@lru_cache(maxsize=1)
def _reference_pattern() -> re.Pattern[str]:
    tok = "|".join(re.escape(t) for t in _reference_tokens())
    sep = rf"(?:\s*[/,{_DASH}]\s*|\s+)"
    return re.compile(
        rf"\bDHS(?:\s*[/{_DASH}]\s*|\s+)"
        rf"(?P<comps>(?:{tok})(?:{sep}(?:{tok}))*)(?![A-Za-z])"
        rf"(?:\s*[{_DASH}]+\s*|\s*)"
        rf"(?P<num>\d{{3}})(?!\d)"
        rf"(?P<sub>[{_DASH}]\d{{1,2}}(?![\d/])|\s\d{{1,2}}(?=\s+[A-Za-z]))?"
        rf"(?:\s*\((?P<ver>[a-zA-Z])\))?",
        re.IGNORECASE,
    )


@lru_cache(maxsize=1)
def _bare_reference_pattern() -> re.Pattern[str]:
    """'U.S. Customs and Border Protection--010' (after abbreviation): SORN titles only; a
    joint system lists its components first to last ('USCIS, ICE, CBP--001')."""
    tok = "|".join(re.escape(t) for t in _reference_tokens() if t != "PIA")
    return re.compile(
        rf"(?<![\w/])(?P<comps>(?:{tok})(?:\s*,\s*(?:and\s+)?(?:{tok}))*|DHS)"
        rf"\s*[{_DASH}]{{1,2}}\s*(?P<num>\d{{3}})(?![\d{_DASH}])"
    )


def _format_reference(comps: str, num: str, sub: str | None, ver: str | None) -> str:
    parts = re.split(rf"(\s*[/,{_DASH}]\s*|\s+)", comps.strip())
    tokens = [p.upper() for p in parts[0::2]]
    seps = ["-" if s.strip() and s.strip() in _DASHES else "/" for s in parts[1::2]]
    if "PIA" in tokens:
        seps = ["/"] * len(seps)
    body = tokens[0] + "".join(s + t for s, t in zip(seps, tokens[1:], strict=True))
    ref = f"DHS/{body}-{num}"
    if sub:
        ref += "-" + sub.strip(_DASHES + " ")
    if ver:
        ref += f"({ver.lower()})"
    return ref


# A reference's number: three digits, with no digit either side (names hold no digits).
_THREE_DIGITS = re.compile(r"\d{3}(?<!\d{4})(?!\d)")
_DIGITS = re.compile(r"\d+")


def find_references(text: str, *, bare: bool = False) -> list[str]:
    """Normalized DHS reference numbers in `text`, in order, without repeats.

    With `bare`, also accept a component name directly followed by a number
    ("United States Coast Guard--030"), as Federal Register SORN titles write them.
    """
    text = unicodedata.normalize("NFKC", text)
    if not _THREE_DIGITS.search(text):  # every reference number has one
        return []
    if bare:
        return references_in(abbreviate_components(text), bare=True)
    return references_in(abbreviate_before_numbers(text))


def abbreviate_before_numbers(text: str) -> str:
    """`text` with component names abbreviated where a reference number can use them: in the
    digit-free stretch before each three-digit number. Elsewhere the text is left as is.

    A reference number is "DHS", names and separators, then its three digits, none of them a
    digit, so the reference pattern finds in this text what it finds in the whole text
    abbreviated. Each stretch is rewritten with the digit after it, which a name must not
    run into ("Customs Service010" is not "CBP010").
    """
    out: list[str] = []
    done = 0  # text[:done] is in out
    previous = 0  # end of the previous run of digits
    for m in _DIGITS.finditer(text):
        if m.end() - m.start() == 3 and _may_open_reference(text, previous, m.start()):
            rewritten = abbreviate_components(text[previous : m.start() + 1])[:-1]
            out += [text[done:previous], rewritten]
            done = m.start()
        previous = m.end()
    return "".join(out) + text[done:]


def _may_open_reference(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] holds what a reference number opens with: "DHS", as written or
    as "Department of Homeland Security" (no other name is abbreviated to it). Without it, no
    rewrite can make the number part of a reference."""
    stretch = text[start:end].lower()
    return "dhs" in stretch or "homeland" in stretch


def references_in(text: str, *, bare: bool = False) -> list[str]:
    """The reference numbers in `text` whose component names are already abbreviated."""
    found: list[tuple[int, str]] = []
    for m in _reference_pattern().finditer(text):
        found.append((m.start(), _format_reference(m["comps"], m["num"], m["sub"], m["ver"])))
    if bare:
        for m in _bare_reference_pattern().finditer(text):
            if not any(start <= m.start() < start + 40 for start, _ in found):
                # "Department of Homeland Security--023": a department-wide system
                comps = "ALL" if m["comps"].upper() == "DHS" else m["comps"]
                comps = re.sub(r"\s*,\s*(?:and\s+)?", "-", comps)  # DHS/USCIS-ICE-CBP-001
                found.append((m.start(), _format_reference(comps, m["num"], None, None)))
    found.sort()
    out: list[str] = []
    for _, ref in found:
        if ref not in out:
            out.append(ref)
    return out


def normalize_reference(raw: str) -> str | None:
    """The normal form of a reference number as written: 'DHS-TSA-PIA-044' -> 'DHS/TSA/PIA-044'."""
    refs = find_references(raw, bare=True)
    return refs[0] if refs else None


def reference_component(reference: str) -> str | None:
    """The owning component of a normalized reference: its first token other than PIA."""
    table = load_components()
    for token in re.split(r"[/\-]", reference.removeprefix("DHS/")):
        if token and token != "PIA" and not token[0].isdigit():
            return table.canonical(token)
    return None


def is_pia_reference(reference: str) -> bool:
    return "/PIA" in reference or reference.startswith("DHS/PIA")


# --- dates ---------------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_MONTH = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"  # noqa: E501
# Each pattern opens with a lookahead on its first character: the regex engine then skips the
# positions that cannot start a date (a third of the time of find_date).
_AT_MONTH = "(?=[ADFJMNOSadfjmnos])"
_AT_DIGIT = r"(?=\d)"
_DATE_PATTERNS = (
    re.compile(
        rf"{_AT_MONTH}\b{_MONTH}\s+(?P<day>\d{{1,2}}|\d\s\d(?=,))(?:st|nd|rd|th)?(?:,\s*|\s+)"
        rf"(?P<year>(?:19|20)\d\d)\b",
        re.I,
    ),
    re.compile(rf"{_AT_DIGIT}\b(?P<day>\d{{1,2}})\s+{_MONTH}\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(rf"{_AT_DIGIT}\b(?P<year>(?:19|20)\d\d)-(?P<mnum>\d{{1,2}})-(?P<day>\d{{1,2}})\b"),
    re.compile(rf"{_AT_DIGIT}\b(?P<mnum>\d{{1,2}})/(?P<day>\d{{1,2}})/(?P<year>(?:19|20)\d\d)\b"),
    re.compile(rf"{_AT_MONTH}\b{_MONTH}\s+(?P<year>(?:19|20)\d\d)\b", re.I),
)
_DATE_LABEL = re.compile(
    r"(?:Last\s+Published\s+Date|Publication\s+Date|Published|Date\s+Published|Date)\s*:\s*",
    re.I,
)


def _date_from_match(m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    month = _MONTHS.get(groups["month"].lower().rstrip(".")) if groups.get("month") else None
    if month is None and groups.get("mnum"):
        month = int(groups["mnum"])
    # "August 2018": the month's first day; "May 2 1,2009": a day split by text extraction
    # (by a line break too)
    day = int("".join(groups["day"].split())) if groups.get("day") else 1
    try:
        return date(int(groups["year"]), month or 0, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """The ISO date written in `text` ('November 14, 2018', '11/14/2018', 'August 2018', ...)."""
    return _first_date(_DATE_LABEL.sub("", text.strip(), count=1))


# What stands before or after a date that is not the document's own but one it mentions: an
# earlier act ("Executive Order 11348 of April 20, 1969"), a cited document ("dated ...",
# "supersedes ... (Oct. 2005)", "(August 17, 2015, 80 FR 49256)", "80 FR 49256, Aug. 17, 2015"),
# a deadline ("on or before"), either end of a period ("from December 2008 through November
# 2009", "between ... and ..."), an event told in a sentence ("On February 12, 2013, the
# President signed"), a date in brackets after a name ("the Incident Handling Center (March 29,
# 2007)" or a number "Pub. L. No. 113-126 (July 7, 2014)"), an event ("issued on August 27,
# 2004", "In July 2007, ..."), or one of the documents a page lists ("July 30, 2012 (PDF, 37
# pages)"); either end of a period written with a dash ("April 1 – September 30, 2016").
_MENTION_BEFORE = re.compile(
    r"(?:\b(?:of|dated|before|after|since|from|between|through|until|effective)\s*\(?"
    r"|\b(?:issued|signed|enacted|established|announced)\s+on\s+"
    r"|[A-Za-z.;]\s\(|\bNo\.\s*[\d\-]+\s\(|\S[-/_]"
    r"|\b(?:between|from)\s[^\n]{3,30}\s(?:and|to|through|until)\s*"
    r"|(?:^|[.;:!?]\s|\n)\s*(?:On|In)\s*"
    r"|\d\s+FR\s+\d[\d,]*\s*,?\s*"
    r"|\d\s*[\u2013\u2014]\s*"
    r"|\bsupersed(?:e|es|ed|ing)\b[^\n]{0,150})$",
    re.I,
)
# ... or the start of a period written with a dash ("(October 1, 2012 – March 30, 2013)",
# a report's period, with its own date after it)
_MENTION_AFTER = re.compile(
    r"\)?,?\s*(?:\(?\d+\s+FR\s+\d|(?:through|to|until)\s+[A-Z\d]|[\u2013\u2014]\s*[A-Z\d])", re.I
)
_LISTED_FILE = re.compile(r"\)?,?\s*\(PDF\b", re.I)


def _lists_files(text: str) -> bool:
    return len(re.findall(r"\(PDF\b", text, re.I)) > 1


def _is_mention(text: str, start: int, end: int, listing: bool = False) -> bool:
    """A date that `text` mentions rather than dates itself with (see _MENTION_BEFORE); in a
    `listing` (a page listing several files), the date of each file listed."""
    before = text[max(0, start - 160) : start]
    return bool(
        _MENTION_BEFORE.search(before)
        or _MENTION_AFTER.match(text, end)
        or listing
        and _LISTED_FILE.match(text, end)
    )


def find_date(text: str, listing: bool | None = None) -> str | None:
    """The first complete date in `text` that it does not merely mention (an earlier act, a
    cited document, a deadline, a period, an event), else the first such month-and-year.
    `listing`: whether the text lists several files (by default, whether it lists two PDFs)."""
    best: tuple[int, str] | None = None
    if listing is None:
        listing = _lists_files(text)
    for pattern in _DATE_PATTERNS[:-1]:
        for m in pattern.finditer(text):
            if _is_mention(text, m.start(), m.end(), listing):
                continue
            iso = _date_from_match(m)
            if iso:
                if best is None or m.start() < best[0]:
                    best = (m.start(), iso)
                break
    if best:
        return best[1]
    for m in _DATE_PATTERNS[-1].finditer(text):
        if not _is_mention(text, m.start(), m.end(), listing):
            return _date_from_match(m)
    return None


# --- doc types and components --------------------------------------------------------------

_UPDATE_PHRASES = re.compile(
    r"Privacy\s+Impact\s+Assessment\s+Update|\bPIA\s+update\b|\bthis\s+update\b"
    r"|\b(?:is|are|has|have)\s+(?:been\s+)?updat(?:ing|ed)\s+(?:this|the|its|their)\s+"
    r"(?:[\w\-\u2019'()]+\s+){0,6}?(?:PIA|Privacy\s+Impact\s+Assessment)\b"
    r"|\b(?:publishing|issuing|conducting)\s+this\s+updated?\s+(?:PIA|Privacy\s+Impact\s+Assessment)",
    re.I,
)


def _has(pattern: str, text: str) -> bool:
    return _ignoring_case(pattern).search(text) is not None


@lru_cache(maxsize=256)
def _ignoring_case(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def _says_updated(text: str) -> bool:
    """Whether `text` says it updates a PIA (every phrase holds "updat"); a running header
    ("Privacy Impact Assessment Update CBP/PIA-068 ... Page 1") repeats a template's words, the
    title block says what the document is."""
    if "updat" not in text.lower():
        return False
    return _UPDATE_PHRASES.search(_RUNNING_PAGE_HEADER.sub("", text)) is not None


# A line atop or below every page that ends with its page number
_RUNNING_PAGE_HEADER = re.compile(r"^[^\n]{0,200}\bPage\s+\d+(?:\s+of\s+\d+)?[ \t]*$", re.M)


def _type_from_title(title: str, lead: str = "") -> str | None:
    """The kind a title names outright, or None when the title alone does not say."""
    rules = (
        (r"Privacy\s+Compliance\s+Review", "PCR"),
        (r"^Privacy\s+Documents\b|Privacy\s+Act\s+Issuances|Notices\s*\(SORNs\)", "Other"),
        (r"Implementation\s+of\s+Exemptions|Proposed\s+Rule|Final\s+Rule", "Other"),
        (r"Unified\s+Agenda\s+of\s+Federal\s+Regulatory", "Other"),  # a rule planned
        (r"Computer\s+Matching\s+Program|Rescindment|Privacy\s+Act\s+Statement", "Notice"),
        (r"Privacy\s+Threshold\s+Analysis|\btemplate\b|\bannounces\b|\bTestimony\b", "Other"),
        (r"Systems\s+of\s+Records\s+Published\s+Between", "Other"),
    )
    for pattern, doc_type in rules:
        if _has(pattern, title):
            return doc_type
    if _has(r"Data\s+Privacy\s+and\s+Integrity\s+Advisory\s+Committee|\bDPIAC\b", title):
        if _has(r"\bmeeting\b|minutes|transcript|agenda", title):
            return "DPIAC Meeting"
        if _has(r"white\s+paper|\breport\b|recommendation", f"{title}\n{lead}"):
            return "DPIAC Report"
        return "Other" if _has(r"charter", title) else "DPIAC Meeting"
    return None


def classify_doc_type(reference: str | None, title: str, text: str = "") -> str:
    """One of DOC_TYPES, from the reference number, the title and the opening text.

    The title decides when it names a kind; otherwise the opening of the text is read as if it
    were the title (PDF title pages often lose the first line to a running header).
    """
    head = text[:3000]
    both = f"{title}\n{head}"
    federal_register = _has(r"Federal\s+Register|\bFR\s+Doc|\bAGENCY:", head[:600])
    named = _type_from_title(title, head[:600])
    if named:
        return named
    if _has(r"\bUse\s+(?:the\s+attached|this)\s+template\b", head[:600]):
        return "Other"  # a blank form to fill in, not an assessment
    block = _title_block_lines(head)
    if re.search(r"^\W*Official\s+Guidance\b", head[:300], re.M | re.I):
        return "Policy"  # guidance on writing a kind of document, not one of them
    if _has(r"^Privacy\s+Impact\s+Assessment\b.*\bUpdate$", " ".join(block.split())):
        return "PIA Update"  # the title block's last line, lost from a title cut short
    pia_words = _has(r"Privacy\s+Impact\s+Assessment|\bPIA\b", title)
    if reference and (is_pia_reference(reference) or (pia_words and "(" in reference)):
        if _has(r"\bAppendix\b", title):
            return "PIA Appendix"
        if re.search(r"\([a-z]\)$", reference) or _says_updated(both):
            return "PIA Update"
        return "PIA"
    if reference and not is_pia_reference(reference):
        if federal_register or _has(r"System\s+of\s+Records|Privacy\s+Act", both):
            return "SORN"
    if pia_words:
        if federal_register or _has(r";\s*Privacy\s+Impact\s+Assessment|Assessment\s*;", title):
            return "Notice"
        if _has(r"\bAppendix\b", title):
            return "PIA Appendix"
        return "PIA Update" if _says_updated(both) else "PIA"
    if _has(r"System(?:s)?\s+of\s+Records|^Privacy\s+Act\b", title):
        return "SORN" if _has(r"System(?:s)?\s+of\s+Records", title + head[:1500]) else "Notice"
    if _has(r"^\W*(?:I\s+am|We\s+are)\s+pleased\s+to\s+present\b[^.]{0,120}\bReport\b", head[:400]):
        return "Report"  # the foreword of a report
    if _has(r"\bOIG-\d\d-\d+", f"{title}\n{head[:400]}"):
        return "Report"  # an Inspector General report number
    if _has(r"\breports?\b|Impact\s+Assessment", title) and not _has(
        r"Privacy\s+&\s+FOIA|Investigations|\bpage\b", title
    ):
        return "Report"
    if _has(
        r"\bPolicy\b|\bDirective\b|\bInstruction\b|\bHandbook\b|\bMemorandum\b"
        r"|\bDelegation\b|\bGuide\b|\bManual\b|\bGuidance\b",
        title,
    ):
        return "Policy"
    if _has(r"\bPlan\b", title):
        return "Plan"
    if _has(r"\bNotice\b|Undertakings", title):
        return "Notice"
    lead = head[:600]
    if _has(r"Contact\s+Point.{0,400}Reviewing\s+Official", lead.replace("\n", " ")):
        # the title page layout of every DHS PIA
        return "PIA Update" if _says_updated(both) else "PIA"
    if lead.strip() and lead.strip() != title.strip():
        again = classify_doc_type(reference, lead, "")
        if again in ("PIA", "PIA Update", "PIA Appendix", "PCR", "SORN"):
            return again
    if _says_updated(both):
        return "PIA Update"
    return "Notice" if federal_register else "Other"


def _title_block_lines(head: str) -> str:
    """The lines a title page opens with, up to its first date line (at most six lines)."""
    lines = []
    for line in head[:800].split("\n")[:6]:
        if parse_date(line) or not line.strip():
            break
        lines.append(line.strip())
    return "\n".join(lines)


_PRIVACY_OFFICE = re.compile(
    r"Privacy\s+Office|Chief\s+Privacy\s+Officer|Data\s+Privacy\s+and\s+Integrity|\bDPIAC\b|"
    r"\bFOIA\b|Privacy\s+(?:and\s+Civil\s+Liberties\s+)?Policy|Privacy\s+Compliance(?!\s+Review)|"
    r"Privacy\s+Incident|System\s+of\s+Records\s+Notices|Privacy\s+(?:Investigations|Reviews)\b",
    re.I,
)


def infer_component(
    reference: str | None, title: str, text: str = "", doc_type: str | None = None
) -> str:
    """The owning component: from the reference number, else the names in title and text."""
    found = _named_component(reference, title, text)
    # A system of records belongs to a component or to the whole department; the Privacy
    # Office only publishes department-wide notices.
    if doc_type == "SORN" and found in ("PRIV", DEFAULT_COMPONENT):
        return "ALL"
    return found


_MEMORANDUM_FOR = re.compile(r"\bMEMORANDUM\s+FOR\s*:?", re.I)


def _addressed_to_many(head: str) -> bool:
    """A memorandum to the heads of several components is the department's, not theirs."""
    m = _MEMORANDUM_FOR.search(head[:800])
    if not m:
        return False
    to = re.split(r"\bFROM\s*:|\bSUBJECT\s*:", head[m.end() : m.end() + 1200])[0]
    return len(set(_components_in(to))) >= 3


_OPENS_WITH_PRIVACY_OFFICE = re.compile(
    r"^\s*(?:The\s+)?(?:(?:U\.S\.\s+)?Department\s+of\s+Homeland\s+Security\s*(?:\(DHS\)\s*)?"
    r"|DHS\s+)?Privacy\s+Office\b(?!,?\s+(?:Contact|Review|U\.S\.|Department|Washington))",
    re.I,
)


def _opens_with_privacy_office(head: str) -> bool:
    """Whether a text opens with the Privacy Office as its subject (a report it writes)."""
    return _OPENS_WITH_PRIVACY_OFFICE.match(head) is not None


# A compilation of the department's notices (the Register's yearly "Privacy Act Issuances")
_COMPILATION = re.compile(
    r"Privacy\s+Act\s+Issuances|Systems\s+of\s+Records\s+Published\s+Between", re.I
)


def _named_component(reference: str | None, title: str, text: str) -> str:
    if _COMPILATION.search(title):
        return "ALL"
    if reference:
        owner = reference_component(reference)
        if owner:
            return owner
    if not mentions_dhs(f"{title}\n{text[:3000]}"):
        # Not a DHS document: the agency it names first, a DHS component among them (a
        # report of the Secret Service and the FBI). A text that names none is from no DHS
        # component; a listing entry too short to name anyone is left to the rules below.
        agency = _first_agency(f"{title}\n{text[:3500]}")
        if agency or len(text.strip()) >= _NAMES_ITS_AGENCY:
            return agency or OTHER_AGENCY
    in_title = _first_owner(title)
    if in_title:
        return in_title
    if _PRIVACY_OFFICE.search(title):
        return "PRIV"
    head = text[:2000]
    agency = re.search(r"\bAGENCY:\s*(.{0,200}?)(?:\bACTION:|\bSUMMARY:|\n)", head, re.S)
    if agency:
        named = _first_owner(agency.group(1))
        if named:
            return named
    # The Privacy Office reviews nearly everything: on a title page it is the reviewer, and in
    # a notice the publishing office, not the owner; it counts only when nobody else is named,
    # or when a text opens with it as its subject ("The DHS Privacy Office is providing ...").
    if _opens_with_privacy_office(head):
        return "PRIV"
    if _addressed_to_many(head):
        return "ALL"
    named = _first_owner(head)
    if named:
        return named
    if _PRIVACY_OFFICE.search(head):
        return "PRIV"
    # A publication that names nobody, listed among DHS's: the department as a whole.
    return "ALL"


# Letters of text within which a document names the agency it is from, if it names one.
_NAMES_ITS_AGENCY = 600
_DHS_NAMED = re.compile(r"Homeland\s+Security|\bDHS\b|\bTSA\b|\bFEMA\b|\bUSCIS\b|\bICE\b")


def mentions_dhs(text: str) -> bool:
    """Whether a text says it is from DHS: it names the department or a component known by
    its acronym alone (a component's long name, "Secret Service", also appears elsewhere)."""
    return _DHS_NAMED.search(text) is not None


@lru_cache(maxsize=1)
def _agency_pattern() -> re.Pattern[str]:
    agencies = load_agencies()
    names = {n for ns in agencies.names.values() for n in ns}
    # DHS components by their long names only: outside DHS, "ICE" or "CIS" mean other things.
    names |= {n for ns in load_components().names.values() for n in ns if not _is_acronym(n)}
    long_names = sorted(w for w in names if not _is_acronym(w))
    acronyms = sorted((w for w in names if _is_acronym(w)), key=len, reverse=True)
    alternatives = "|".join([f"(?i:{name_trie(long_names)})"] + [re.escape(a) for a in acronyms])
    # "Internal Revenue Service2007": a name may run into a number where a PDF lost a space
    return re.compile(rf"(?<![\w&])(?:{alternatives})(?![A-Za-z&])")


def _first_agency(text: str) -> str | None:
    """The first agency named in `text`, another department's, or a DHS component named in
    its opening lines (other than the Privacy Office: every agency has one). Further on, a
    component is what the document talks about ("sites installed for the Coast Guard")."""
    agencies, components = load_agencies(), load_components()
    for m in _agency_pattern().finditer(text):
        name = m.group(0)
        found = agencies.canonical(name)
        if not found and m.start() < _NAMES_ITS_AGENCY:
            found = components.canonical(name)
        if found and found not in ("PRIV", "ALL"):
            return found
    return None


def slugify(text: str, *, max_length: int = 80) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "untitled"


# --- putting it together -------------------------------------------------------------------

# Only these kinds carry their reference number as their identity; other documents (an
# exemption rule, a compliance review) cite a system's number without being that system.
ID_DOC_TYPES = frozenset({"PIA", "PIA Update", "PIA Appendix", "SORN"})

_PIA_KIND = re.compile(r"Privacy\s+Impact\s+Assessment|\bPIA\b", re.I)
_SORN_KIND = re.compile(r"Systems?\s+of\s+Records|Privacy\s+Act\s+of\s+1974", re.I)
_TITLE_PAGE_STOP = re.compile(
    r"^(?:DHS\s+Reference|DHS[/\-][A-Z&]|Contact\s+Point|Responsible\s+Official|Reviewing\s+Official"
    r"|AGENCY:|ACTION:|SUMMARY:|Page\s+\d|Version|Revised|Table\s+of\s+Contents|\d+\s*$)",
    re.I,
)
_FR_NOISE = re.compile(
    r"^(?:\[?Federal\s+Register|\[?FR\s+Doc|\[?Docket|\[?DOCID|\[?wais|DEPARTMENT\s+OF\s+HOMELAND"
    r"\s+SECURITY$|Office\s+of\s+the\s+Secretary$|From\s+the\s+Federal|Publishing\s+Office|"
    r"Notices$|Page\s+\d|\[?Pages?\s+\d|\d{5}\s+Federal|\[?DHS[/-]|RIN\s+\d{4}[\u2013-]\w{4}$)",
    re.I,
)


_LETTERHEAD = re.compile(
    r"^(?:The\s+)?Privacy\s+Office$|Department\s+of\s+Homeland(?:\s+Security)?$|Washington,?\s+D\.?C"
    r"|^Homeland\s+Security$|^(?:U\.S\.\s+)?Department\s+of\s+Homeland\s+Security$|@|www\.|"
    r"^\(?\d{3}\)?[\s-]\d{3}-\d{4}|^Deputy\s+Secretary|^Secretary$|^Security\s+Washington",
    re.I,
)


# "... with the exception of investigations ..., which are covered by DHS/OIG-002": the
# number of another system, named to say what this one leaves out
_OTHER_SYSTEM = re.compile(
    r"\b(?:covered|governed)\s+(?:by|under)\s+(?:the\s+)?DHS\s*/\s*[\w./\-]+", re.I
)


def choose_reference(title: str, summary: str = "", text: str = "") -> str | None:
    """The document's own reference number: from its title, else its title page, else the first
    number of the right kind (a PIA number for a PIA, a SORN number for a SORN) in the text."""
    sornish = bool(_SORN_KIND.search(title))
    refs = find_references(title, bare=sornish)
    top = text[:400]
    if refs:
        # A page titled "DHS/TSA/PIA-046 ..." whose PDF says "DHS/TSA/PIA-046(c)" is the update.
        versions = [r for r in find_references(top) if r.startswith(refs[0] + "(")]
        return versions[0] if versions else refs[0]
    refs = find_references(top, bare=bool(_SORN_KIND.search(top)))
    if refs:
        return refs[0]
    head = f"{title}\n{text[:600]}"
    if _PIA_KIND.search(head):
        wanted = is_pia_reference
    elif _SORN_KIND.search(head):

        def wanted(ref: str) -> bool:
            return not is_pia_reference(ref)

    else:
        return None
    for chunk in (summary[:1500], text[:3000]):
        for ref in find_references(_OTHER_SYSTEM.sub(" ", chunk)):
            if wanted(ref):
                return ref
    return None


# What may stand before a date that closes a summary as its dateline ("... risks. February
# 2020", "..., published December 18, 2015."), not as the end of a sentence about something
# else ("... since the Department issued its 2008 report in December 2008.").
_DATELINE_BEFORE = re.compile(
    r"(?:^|[.;:,(\-\u2013\u2014]\s*|\n\s*|\b(?:published|issued|updated|released)\s+)$", re.I
)


def _edge_date(text: str) -> str | None:
    """A date opening or closing a listing summary ("December 18, 2015. The ...")."""
    text = text.strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return _date_from_match(m)
        tail = len(text) - len(text[-40:])
        for m in pattern.finditer(text, tail):
            if (
                not text[m.end() :].strip(" .)")
                and _DATELINE_BEFORE.search(text, 0, m.start())
                and not _is_mention(text, m.start(), m.end())
            ):
                return _date_from_match(m)
    return None


def _title_block(text: str, fallback: str = "") -> str:
    """The title block of a first page: the lines before the reference number, date or
    contact block; for a Federal Register notice, the line(s) after the header and docket."""
    lines = [
        line.strip()
        for line in text[:2500].split("\n")
        if line.strip() and not _FORM_FURNITURE.match(line.strip())
    ]
    if not lines:
        return fallback
    if any(line.startswith("AGENCY:") for line in lines[:25]):
        before = []
        for line in lines:
            if line.startswith(("AGENCY:", "ACTION:", "SUMMARY:")):
                break
            before.append(line)
        kept: list[str] = []
        for line in before:
            if _FR_NOISE.search(line) or re.search(r"\]\s*$", line):
                kept = []
                tail = re.split(r"\]\s*", line)[-1].strip()
                if tail and not _FR_NOISE.search(tail):
                    kept.append(tail)
                continue
            kept.append(line)
        title = " ".join(kept)
        if title:
            return title[:300]
    kept = []
    for line in lines[:10]:
        if not kept and _LETTERHEAD.search(line):
            continue
        if _TITLE_PAGE_STOP.search(line) or find_date(line) and len(line) < 40:
            break
        if kept and (
            len(line) > 90 or line.endswith(".") or re.match(r"(?:[A-Z]|\d+|[IVX]+)\.\s", line)
        ):
            break  # body text or an outline heading has begun
        kept.append(line)
    title = " ".join(kept).strip() or fallback or lines[0]
    return title[:300]


_FILE_NAME_TITLE = re.compile(r"[\w.\-]*\.(?:exe|dll|tmp|indd|qxd|fm)|[\w\-]+|untitled", re.I)


def metadata_title(title: str) -> str:
    """A PDF's own /Title, unless it is a file name ("10811.exe", "Microsoft Word - x.docx"
    keeps "x")."""
    title = re.sub(r"^Microsoft\s+(?:Word|PowerPoint|Excel)\s+-\s+", "", title.strip())
    title = re.sub(r"\.(?:docx?|pptx?|xlsx?|wpd|rtf|pdf)$", "", title, flags=re.I)
    if _FILE_NAME_TITLE.fullmatch(title):
        return ""  # a file name or a placeholder, not a title
    return title.replace("_", " ")


def title_from_text(text: str, fallback: str = "") -> str:
    """A PDF's title from its first page: the lines before the reference number, date or
    contact block; for a Federal Register notice, the line(s) after the header and docket.
    Running headers, document numbers, form furniture and date lines are never the title."""
    text = _RUNNING_HEADER.sub("", text[:3000])
    special = _directive_title(text) or _gpo_title(text)
    if special:
        return special
    text = _MEMO_DATE.sub("", text)
    subject = _MEMO_SUBJECT.search(text[:2500])
    if subject and _MEMO_FOR.search(text[:800]):
        return _cut_at_body(" ".join(subject.group(1).split()))[:300] or fallback
    title = _inline_notice_title(text) or _title_block(text, fallback)
    title = _without_form_header(_DOCUMENT_NUMBER.sub("", title))
    title = _cut_at_date(_LEADING_PAGE_NUMBER.sub("", _TRAILING_PAGE_NUMBER.sub("", title)))
    title = _cut_at_body(_CITATION.split(title)[0].strip())
    if re.match(r"(?:\d{1,2}\s+)?for\s+the\b", title, re.I):
        # "Privacy Impact Assessment", repeated atop every page, was taken for a running head
        updated = _says_updated(text[:1500]) or re.search(r"PIA\W{0,3}\d{3}\([a-z]\)", text[:600])
        kind = "Privacy Impact Assessment Update" if updated else "Privacy Impact Assessment"
        title = kind + " " + re.sub(r"^\d{1,2}\s+", "", title)
    if _is_sentence(title) or _is_cut_short(title):
        return fallback or title
    return _with_system_name(title.strip(" ;,:"), text) or fallback


# "36950 Federal Register / Vol. 83, No. 147 / Tuesday, July 31, 2018 / Notices" atop a page
_RUNNING_HEADER = re.compile(
    r"^\s*(?:\d+\s+)?Federal\s+Register\s*/\s*Vol\.\s*\d+,\s*No\.\s*\d+\s*/\s*\w+day,?"
    r"(?:\s*\w+\.?\s+\d{1,2},\s*\d{4}\s*/\s*(?:Notices|Rules(?:\s+and\s+Regulations)?"
    r"|Proposed\s+Rules|Presidential\s+Documents))?\s*(?:\d+\s*\n)?",
    re.I,
)
_DOCUMENT_NUMBER = re.compile(r"^\s*(?:FR\s+Doc\.?\s*)?\d{4}-\d{4,6}\.?\s+")
_FORM_FURNITURE = re.compile(
    r"(?:Userid|Fileid|Leadpct|PAGER/SGML|Pt\.\s*size|Draft\s*\W*\s*Ok\s+to\s+Print)\b", re.I
)
_MEMO_DATE = re.compile(
    rf"^(?:[^\n]{{0,120}}?\bWashington,?\s+D\.?C\.?\s*\d{{5}}[^\n]{{0,40}}?)?\s*{_MONTH}"
    r"\s+\d{1,2},\s*(?:19|20)\d\d\b",
    re.I,
)
_MEMO_FOR = re.compile(r"\bMEMORANDUM\s+FOR\b", re.I)
_MEMO_SUBJECT = re.compile(r"\bSUBJECT:\s*([^.]{10,200})", re.S)
# Words that open a sentence of body text run on after a title ("Privacy Compliance The DHS
# Privacy Office partners ...") when they follow a word that does not lead into them.
_BODY_OPENS = re.compile(
    r"(?<=[\w)])\s+(?=(?:The|This|These|Below,|More\s+information|In\s+accordance|Any|Our|We"
    r"|I\s+am|Here|Each|A\s+[a-z]+\s|[A-Z][\w-]+\s+[a-z]+\s+(?:are|is|was|were|will|have|has)\s"
    r"|[A-Z]{4,}(?:,\s*[A-Z][\w.]*)?\s+[\u2014\u2013-]\s)\b)"
)
_LEADS_IN = frozenset("for of to in on and at by with the a an or".split())
_SENTENCE = re.compile(
    r"^(?:The|This|These|I|We|In|Security)\b.{20,}?\b(?:is|are|was|were|requires?|signed|present"
    r"|establishes|providing|serves)\b",
)
_GENERIC_SORN_TITLE = re.compile(r"^Privacy\s+Act\s+of\s+1974;\s+Systems?\s+of\s+Records$", re.I)
_SYSTEM_TITLED = re.compile(
    r"system\s+of\s+records\s+(?:notice\s+)?titled,?\s*[\"\u201c\u2018']{1,2}\s*"
    r"(?P<name>(?:Department\s+of\s+Homeland\s+Security|DHS)\s*/[^\"\u201d\u2019]{5,200}?)"
    r"\.?\s*[\"\u201d\u2019]",
    re.I,
)


_NOTICE_FIELD = re.compile(r"\b(?:AGENCY|ACTION|SUMMARY):")
_NOTICE_LEAD = re.compile(
    r"^(?:\s*(?:DEPARTMENT\s+OF\s+HOMELAND\s+SECURITY|Office\s+of\s+the\s+Secretary"
    r"|\[[^\]]{0,80}\]|Billing\s+Code\s+[\d-]+|RIN\s+\d{4}[\u2013-]\w{4})\s*)+",
    re.I,
)
_NOTICE_AGENCY_TAIL = re.compile(
    r"\s*(?:(?:The\s+)?Privacy\s+Office,?\s*)?(?:U\.S\.\s+)?Department\s+of\s+Homeland\s+"
    r"Security\.?$",
    re.I,
)


def _inline_notice_title(text: str) -> str:
    """A Federal Register notice's title when the page's lines run together: what stands
    before its AGENCY/ACTION/SUMMARY fields, without the department and docket lines."""
    lines = text[:2500].split("\n")
    if any(line.lstrip().startswith(("AGENCY:", "ACTION:")) for line in lines[:25]):
        return ""  # laid out one field a line: the line-based reading handles it
    flat = " ".join(text[:1500].split())
    m = _NOTICE_FIELD.search(flat)
    if not m or m.start() > 600:
        return ""
    title = _DOCUMENT_NUMBER.sub("", _NOTICE_LEAD.sub("", flat[: m.start()])).strip()
    title = _NOTICE_AGENCY_TAIL.sub("", title).strip(" .;,")
    return title if len(title.split()) >= 3 else ""


# "Campus Attacks Page 5" (a page number after it)
_TRAILING_PAGE_NUMBER = re.compile(r"\s+Page\s+\d+(?:\s+of\s+\d+)?\s*$", re.I)
# "1 The Student And Exchange Visitor ..." (a page number before the title)
_LEADING_PAGE_NUMBER = re.compile(r"^\d{1,3}\s+(?=[A-Z][a-z])")
# "... System of Records 85 Fed. Reg. 80806 (Dec. 14, 2020)": a citation of the notice itself
_CITATION = re.compile(r"\s\d+\s+(?:Fed\.\s*Reg\.|FR)\s+\d")


def _is_cut_short(title: str) -> bool:
    """Whether a would-be title is a fragment: it begins in the middle of a sentence or stops
    before its last word ("Privacy Impact Assessment for the")."""
    words = title.split()
    return bool(words) and (title[0].islower() or words[-1].lower() in _LEADS_IN)


_DIRECTIVE = re.compile(
    r"DHS\s+Directives\s+System\s+(?P<kind>Directive|Instruction)\s+Number:\s*(?P<number>[\d-]+)"
)
_CAPITALS_LINE = re.compile(r"\n((?:[A-Z][A-Z,&'\-]*[ \n]+){2,}[A-Z][A-Z,&'\-]*)\s*\n")
_SMALL_WORDS = frozenset("a an and as at by for from in of on or the to with".split())


def _directive_title(text: str) -> str:
    """A DHS directive's title: the capitals line under its number block, with its number
    ("DHS Instruction 110-01-001, Privacy Policy for Operational Use of Social Media")."""
    m = _DIRECTIVE.search(text[:600])
    if not m:
        return ""
    caps = _CAPITALS_LINE.search(text[m.end() : 1500])
    if not caps:
        return ""
    name = _title_case(" ".join(caps.group(1).split()))
    return f"DHS {m['kind']} {m['number']}, {name}"


def _title_case(text: str) -> str:
    words = text.lower().split()
    return " ".join(
        w if i and w in _SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


# "[Privacy Act Issuances (2003)] [From the U.S. Government Publishing Office, www.gpo.gov]"
_GPO_BRACKETS = re.compile(
    r"^\s*\[(?P<title>[^\]]{5,200})\]\s*\[From\s+the\s+U\.S\.\s+Government\s+(?:Printing|"
    r"Publishing)\s+Office[^\]]*\]\s*(?P<agency>(?:DEPARTMENT|OFFICE)\s+OF(?:\s+[A-Z]+)+)?"
)


def _gpo_title(text: str) -> str:
    m = _GPO_BRACKETS.match(text)
    if not m:
        return ""
    agency = m["agency"]
    if agency:
        agency = _title_case(re.sub(r"\s+[A-Z][a-z].*$", "", agency))
        return f"{m['title'].strip()} - {agency}"
    return m["title"].strip()


# "Version date: December , 2008 Page 1 of 8" atop each page of a DHS form
_FORM_HEADER = re.compile(
    r"\s*\bVersion\s+(?:date|number)\b\s*:?\s*(?:[\w/ ,.-]{0,30}?\s*Page\s+\d+\s+of\s+\d+)?\s*",
    re.I,
)


def _without_form_header(title: str) -> str:
    """A title without a form's version header; of a name written twice around it ("Privacy
    Threshold Analysis ... PRIVACY THRESHOLD ANALYSIS (PTA)"), the fuller one."""
    parts = [p.strip() for p in _FORM_HEADER.split(title) if p.strip()]
    if len(parts) == 2 and parts[1].lower().startswith(parts[0].lower()):
        return parts[1]
    return " ".join(parts) if parts else title


# A date with its year lost ("... Assessment February 5, SEVP ...")
_DAY_WITHOUT_YEAR = re.compile(rf"{_AT_MONTH}\b{_MONTH}\s+\d{{1,2}},(?=\s|$)", re.I)


def _cut_at_date(title: str) -> str:
    """A title that runs on into its date line ("... System (FCMS) August 11, 2009 Contact
    Point ...") ends before the date."""
    for pattern in (*_DATE_PATTERNS[:2], _DAY_WITHOUT_YEAR):
        m = pattern.search(title)
        before = title[: m.start()].split() if m else []
        # "... Published Between January 2, 2024 and ...": a date the title is about
        if m and len(before) >= 3 and before[-1].lower() not in _DATE_IN_TITLE:
            return title[: m.start()].rstrip(" ,;:-(")
    return title


_DATE_IN_TITLE = frozenset("between from through and to of on since until before after".split())


def _cut_at_body(title: str) -> str:
    for m in _BODY_OPENS.finditer(title):
        before = title[: m.start()].split()
        after = title[m.end() :].split()[:5]
        # "The Privacy Office Official Guidance" goes on the title; "The following are" or
        # "The DHS Privacy Office partners with" is a sentence.
        sentence = after[:1] != ["The"] or any(w[:1].islower() for w in after[1:])
        if len(before) >= 2 and before[-1].lower() not in _LEADS_IN and sentence:
            return title[: m.start()].rstrip(" ,;:-")
    return title


def _is_sentence(title: str) -> bool:
    """Whether a would-be title is a sentence of body text (a first page without a title)."""
    return len(title.split()) >= 10 and _SENTENCE.search(title) is not None


def _with_system_name(title: str, text: str) -> str:
    """A notice titled only "Privacy Act of 1974; System of Records", with the name of the
    system it publishes, as the Register's contents list it."""
    if not _GENERIC_SORN_TITLE.match(title):
        return title
    m = _SYSTEM_TITLED.search(" ".join(text[:3000].split()))
    return f"{title} ({m.group('name').strip()})" if m else title


@dataclass(frozen=True)
class Described:
    id: str
    title: str
    component: str
    doc_type: str
    date: str | None
    reference: str | None


def describe(
    *,
    title: str,
    fallback_id: str,
    summary: str = "",
    text: str = "",
    date_text: str = "",
) -> Described:
    """Infer id, component, doc type and date for one record from what it says about itself."""
    reference = choose_reference(title, summary, text)
    doc_type = classify_doc_type(reference, title, f"{text[:2000]}\n{summary}")
    component = infer_component(reference, title, f"{text[:2000]}\n{summary}", doc_type)
    when = infer_date(date_text, text, summary, doc_type)
    record_id = reference if reference and doc_type in ID_DOC_TYPES else fallback_id
    return Described(record_id, title, component, doc_type, when, reference)


def infer_date(
    date_text: str = "", text: str = "", summary: str = "", doc_type: str = ""
) -> str | None:
    """A document's date: as its page labels it, else as its text labels its publication
    ("Last Published Date: April 5, 2018", wherever on its first pages), else the first date
    in its text, else a date it labels otherwise ("DATE submitted for review: ..."), else one
    that opens or closes its summary; for a system of records notice, else the day its
    comment period of 30 days began."""
    when = parse_date(date_text) if date_text.strip() else None
    if not when and text:
        when = (
            _labelled_date(text, _PUBLISHED_LABEL)
            or find_date(text[:1500], listing=_lists_files(text))
            or _labelled_date(text, _OTHER_DATE_LABEL)
        )
    when = when or _edge_date(summary)
    if not when and doc_type == "SORN" and text:
        when = _comment_period_start(text)
    return when


# A label, not prose: "Last Published Date: April 5, 2018", not "the PIA published on ...".
_PUBLISHED_LABEL = re.compile(
    r"\b(?:Last\s+Published\s+Date|Publication\s+Date|Date\s+Published|Date\s+of\s+Publication)"
    r"\s*:\s*",
    re.I,
)
_OTHER_DATE_LABEL = re.compile(
    r"\b(?:DATE\s+submitted\s+for\s+review|Issue\s+Date|Date\s+Issued|Date\s+of\s+Approval"
    r"|Date\s+Approved|Effective\s+Date|Version\s+Date)\s*:\s*",
    re.I,
)


def _labelled_date(text: str, label: re.Pattern[str]) -> str | None:
    """The date right after the first `label` in `text` that has one."""
    for m in label.finditer(text):
        when = _date_at(text[m.end() : m.end() + 40])
        if when:
            return when
    return None


def _date_at(text: str) -> str | None:
    """The date `text` starts with."""
    return _first_date(text, at_start=True)


def _first_date(text: str, at_start: bool = False) -> str | None:
    """The first of the date patterns that finds a real date in `text` (or at its start)."""
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text) if at_start else pattern.search(text)
        if m and (iso := _date_from_match(m)):
            return iso
    return None


# A system of records notice gives the public 30 days to comment on its routine uses (5 U.S.C.
# 552a(e)(11)); a notice that states only that deadline was published 30 days before it.
_COMMENTS_DUE = re.compile(
    r"\bDATES:\s*(?:Submit\s+)?comments\s+(?:must\s+be\s+(?:submitted|received)\s+)?"
    r"(?:on\s+or\s+)?before\s+",
    re.I,
)
_COMMENT_DAYS = 30


def _comment_period_start(text: str) -> str | None:
    m = _COMMENTS_DUE.search(" ".join(text[:6000].split()))
    if not m:
        return None
    flat = " ".join(text[:6000].split())
    due = _date_at(flat[m.end() : m.end() + 40])
    if not due:
        return None
    return (date.fromisoformat(due) - timedelta(days=_COMMENT_DAYS)).isoformat()
