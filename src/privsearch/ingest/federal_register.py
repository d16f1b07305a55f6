"""Federal Register documents: the API's metadata object and the document's raw text.

A mirrored document is two files side by side: `<document_number>.json`, the object the
Federal Register API (v1) returns for it, and `<document_number>.txt`, its raw text. This module
turns one such pair into a `FederalRegisterDocument`; the shared rules of `metadata.py` decide
the reference number, component and doc type, with a few rules of its own for what only a
Federal Register notice says (its SUMMARY, its ACTION line, its GPO header).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from privsearch.ingest.metadata import (
    abbreviate_components,
    classify_doc_type,
    find_components,
    find_references,
    infer_component,
    load_components,
    normalize_reference,
    parse_date,
    title_from_text,
)

# The rules read only the opening of a document: notices run to hundreds of pages.
RULE_WINDOW = 20_000
_DOCUMENT_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{2,40}")


@dataclass(frozen=True)
class FederalRegisterDocument:
    """One Federal Register document as the ingester needs it."""

    document_number: str
    title: str  # the title to show: the system's number and name for a generic SORN title
    notice_title: str  # the title as published
    reference: str | None  # the DHS reference number the document is about
    component: str
    doc_type: str  # one of metadata.DOC_TYPES
    date: str | None  # ISO publication date
    citation: str  # "90 FR 48948", or ""
    fr_type: str  # "Notice", "Rule", "Proposed Rule"
    action: str
    docket_ids: tuple[str, ...]
    abstract: str
    html_url: str
    pdf_url: str
    agencies: tuple[str, ...]
    text: str  # the raw text as published (line endings normalised)


def looks_like_federal_register(data: object) -> bool:
    """True for a parsed JSON object that is a Federal Register API document."""
    if not isinstance(data, Mapping):
        return False
    number = data.get("document_number")
    if not isinstance(number, str) or not number.strip():
        return False
    api_fields = ("type", "publication_date", "html_url", "raw_text_url", "agencies")
    return isinstance(data.get("title"), str) and any(data.get(f) for f in api_fields)


def read_federal_register(meta: Mapping[str, Any], text: str) -> FederalRegisterDocument:
    """Raises ValueError with a one-line reason for metadata that is not usable."""
    if not isinstance(meta, Mapping):
        raise ValueError(f"not a Federal Register document: a JSON {type(meta).__name__}")
    number = _string(meta.get("document_number"))
    if not number:
        raise ValueError("no document_number")
    if not _DOCUMENT_NUMBER.fullmatch(number):
        raise ValueError(f"not a Federal Register document number: {number[:60]!r}")
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    head = text[:RULE_WINDOW]
    notice_title = clean_title(_string(meta.get("title"))) or clean_title(title_from_text(head))
    if not notice_title:
        raise ValueError(f"{number}: no title in the metadata or the text")
    abstract = _squash(_string(meta.get("abstract")))
    summary = abstract or _section(head, "SUMMARY")
    action = _squash(_string(meta.get("action"))) or _action_line(head)
    fr_type = _squash(_string(meta.get("type")))
    agencies = _agency_names(meta.get("agencies"))

    reference = _own_reference(notice_title, summary, head)
    doc_type = _doc_type(reference, notice_title, fr_type, (action, _action_line(head)), head)
    if not head and summary:
        doc_type = _doc_type(reference, notice_title, fr_type, (action,), summary)
    component = _component(reference, notice_title, agencies, head or summary, doc_type)
    return FederalRegisterDocument(
        document_number=number,
        title=display_title(notice_title, doc_type, reference, summary, head, action),
        notice_title=notice_title,
        reference=reference,
        component=component,
        doc_type=doc_type,
        date=_publication_date(_string(meta.get("publication_date")), head),
        citation=_citation(meta, head),
        fr_type=fr_type,
        action=action,
        docket_ids=tuple(_squash(d) for d in _strings(meta.get("docket_ids")) if d.strip()),
        abstract=abstract,
        html_url=_string(meta.get("html_url")),
        pdf_url=_string(meta.get("pdf_url")),
        agencies=agencies,
        text=text,
    )


# --- fields --------------------------------------------------------------------------------


def _string(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [v for v in value if isinstance(v, str)]
    return []


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def clean_title(title: str) -> str:
    """A title with entities decoded, GPO's ``typewriter quotes'' as “curly” ones, one space."""
    title = html.unescape(html.unescape(title))  # the API sometimes escapes twice
    title = title.replace("``", "\u201c").replace("''", "\u201d")
    return _squash(title)


def _agency_names(value: object) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        value = [value] if isinstance(value, str | Mapping) else []
    names: list[str] = []
    for agency in value:
        if isinstance(agency, Mapping):
            name = _string(agency.get("name")) or _string(agency.get("raw_name"))
        else:
            name = _string(agency)
        if name and name not in names:
            names.append(_squash(name))
    return tuple(names)


_LABEL = r"(?:AGENCY|ACTION|SUMMARY|DATES?|ADDRESSES|FOR FURTHER INFORMATION CONTACT|SUPPLEMENTARY INFORMATION)"  # noqa: E501


def _action_line(head: str) -> str:
    """The ACTION: line, when the text has one that reads like an action (GPO text; PDF text
    often moves the labels away from what they label)."""
    m = re.search(rf"\bACTION:[ \t]*([^\n]{{3,200}}?)(?=\s+{_LABEL}:|\n|$)", head)
    if not m:
        return ""
    action = _squash(m.group(1))
    return action if len(action) <= 120 and not re.match(rf"{_LABEL}:", action) else ""


def _section(head: str, label: str) -> str:
    """The paragraph after `label`: in GPO text, up to the next label."""
    m = re.search(rf"\b{label}:\s*(.+?)(?=\s+{_LABEL}:|\n\n|$)", head, re.S)
    return _squash(m.group(1))[:3000] if m else ""


# --- dates and citations -------------------------------------------------------------------

_FIXED_HOLIDAYS = {(1, 1), (7, 4), (12, 25)}


def _publication_date(published: str, head: str) -> str | None:
    """The API's publication date when it can be an issue date, else the header's date.

    Since DHS began (2003) the Federal Register appears on federal business days only; a
    publication date on a weekend or on New Year's Day, Independence Day or Christmas Day is a
    placeholder, not the date the document appeared.
    """
    when = parse_date(published) if published else None
    if when and _is_issue_day(date.fromisoformat(when)):
        return when
    return _header_date(head)


def _is_issue_day(day: date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS


_HEADER_DATE = re.compile(
    r"\[?Federal\s+Register(?:\s+Volume\s+\d+,\s+(?:Number|Issue)\s+\d+\s*)?[:\s]*\(?"
    r"(?:[A-Z][a-z]+day,\s+)?([A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4})"
    r"|Federal\s+Register\s*/?\s*Vol\.\s*\d+,\s*No\.\s*\d+\s*/?\s*[A-Z][a-z]+day,\s+"
    r"([A-Z][a-z]+\s+\d{1,2},\s+\d{4})"
)


def _header_date(head: str) -> str | None:
    """The issue date the GPO or PDF header of the text gives."""
    m = _HEADER_DATE.search(head[:800])
    return parse_date(m.group(1) or m.group(2)) if m else None


_CITATION_AT_START = re.compile(r"^\s*(\d{1,3})\s+FR\s+(\d{1,6})\b")
# a line of its own near the top: "85 Fed. Reg. 80806 (Dec. 14, 2020)"
_CITATION_LINE = re.compile(
    r"^(?:Federal\s+Register\b[^\n]{0,30}?\s)?(\d{1,3})\s+Fed\.\s*Reg\.\s+(\d{1,6})\b", re.M
)
_VOLUME = re.compile(r"Federal\s+Register\b[^\n\]]{0,40}?\b(?:Volume|Vol\.)\s*(\d{1,3})\b")
_FIRST_PAGE = (
    re.compile(r"\[\s*Pages?\s+(\d{1,6})\b"),
    re.compile(r"\bPage\s*Range\s*(\d{1,6})\b"),
    re.compile(r"^\s*Page\s+(\d{1,6})\b", re.M),
    re.compile(r"\[\[Page\s+(\d{1,6})\]\]"),
    # PDF running heads: "74116 Federal Register / Vol. 80 ..." or "... / Notices 1171"
    re.compile(r"^\s*(\d{1,6})\s+(?:Federal\s+Register|Notices|Proposed\s+Rules|Rules\s+and)"),
    re.compile(
        r"Federal\s+Register\s*/[^\n]{0,80}/\s*(?:Notices|Proposed\s+Rules|Rules\s+and"
        r"\s+Regulations)\s+(\d{1,6})\b"
    ),
)


def _citation(meta: Mapping[str, Any], head: str) -> str:
    """ "90 FR 48948": the API's citation, else its volume and first page, else the header's."""
    given = _squash(_string(meta.get("citation")))
    if given:
        return given
    volume, page = _string(meta.get("volume")), _string(meta.get("start_page"))
    if volume.isdigit() and page.isdigit():
        return f"{int(volume)} FR {int(page)}"
    return _header_citation(head[:1500])


def _header_citation(top: str) -> str:
    m = _CITATION_AT_START.match(top) or _CITATION_LINE.search(top[:600])
    if m:
        return f"{m.group(1)} FR {m.group(2)}"
    volume = _VOLUME.search(top)
    if not volume:
        return ""
    for pattern in _FIRST_PAGE:
        page = pattern.search(top)
        if page:
            return f"{volume.group(1)} FR {page.group(1)}"
    return ""


# --- what the document is about ------------------------------------------------------------

_QUOTED_TITLE = re.compile(
    r"\btitled,?\s*(?:``|\u2018\u2018|\u201c|\")\s*(?P<name>[^`\u201c\u201d\"]{3,400}?)"
    r"\s*(?:''|\u2019\u2019|\u201d|\")"
)
_UNQUOTED_TITLE = re.compile(
    r"\btitled,?\s+(?P<name>(?:DHS|Department\s+of\s+Homeland\s+Security)\b[^;\n]{3,300})"
)
# where an unquoted name ends: a full stop that is not the one of "U.S."
_NAME_END = re.compile(r"(?<!U\.S)\.(?:''|\u2019\u2019|\u201d)?(?:\s|$)|;")
_SYSTEM_NAME = re.compile(
    r"\bSYSTEM\s+NAME(?:\s+AND\s+NUMBER)?:?\s*\n?\s*(?P<name>[^\n]{3,300})"
    r"|\bSystem\s+name(?:\s+and\s+number)?:\s*(?P<name2>[^\n]{3,300})"
)


def _summary_names(summary: str) -> list[str]:
    """The system titles a SUMMARY quotes ("... system of records titled, ``...''"), in order."""
    names = [m["name"] for m in _QUOTED_TITLE.finditer(summary)]
    names += [_NAME_END.split(m["name"])[0] for m in _UNQUOTED_TITLE.finditer(summary)]
    return [_squash(n).rstrip(" .,;") for n in names]


def _system_name_line(head: str) -> str:
    m = _SYSTEM_NAME.search(head)
    return _squash(m["name"] or m["name2"]).rstrip(" .,;") if m else ""


def _own_reference(title: str, summary: str, head: str) -> str | None:
    """The reference number of the system the document is about: from its title, else the
    system title its SUMMARY quotes, else its SYSTEM NAME AND NUMBER, else its text's title.

    Other numbers in the text are left alone: a notice that cites another system (the one
    that covers the Inspector General's investigations, say) is not that system.
    """
    text_title = title_from_text(head[:3000]) if head else ""
    names = [*_summary_names(summary), _system_name_line(head), text_title]
    # "... is establishing one new system of records, DHS/TSA 019, ... known as ``...''"
    named = re.search(r"\bsystem\s+of\s+records,\s+(DHS\b.{3,30})", summary[:600], re.I)
    if named:
        names.append(named.group(1))
    candidates = [title, *names]
    for candidate in candidates:
        refs = _title_references(candidate) if candidate else []
        if refs:
            return refs[0]
        lenient = _lenient_reference(candidate) if candidate else None
        if lenient:
            return lenient
    return None


def _title_references(title: str) -> list[str]:
    bare = bool(re.search(r"Privacy\s+Act|Systems?\s+of\s+Records|\bDHS\b|Homeland", title, re.I))
    return find_references(_prefix_listed_components(abbreviate_components(title)), bare=bare)


def _lenient_reference(name: str) -> str | None:
    """A number the reference rules miss for a slip of the pen: "DHS//ICE-011",
    "Border ProtectionDHS/CBP-022", "U.S. Customs and Border Protection (DHS/CBP)-022": the
    component written right before the number, in a name that opens with the department."""
    text = re.sub(r"[\u2010-\u2015]", "-", abbreviate_components(name))
    m = re.search(r"\bDHS\b", text)
    if not m:
        return None
    found = _component_number_pattern().search(text, m.end())
    return normalize_reference(f"DHS/{found['comp']}-{found['num']}") if found else None


@lru_cache(maxsize=1)
def _component_tokens() -> str:
    table = load_components()
    tokens = set(table.abbreviations) - {"ALL"}
    acronyms = {n for ns in table.names.values() for n in ns if re.fullmatch(r"[A-Z&]{2,10}", n)}
    return "|".join(re.escape(t) for t in sorted(tokens | acronyms, key=len, reverse=True))


@lru_cache(maxsize=1)
def _component_number_pattern() -> re.Pattern[str]:
    tok = _component_tokens()
    return re.compile(rf"(?<![A-Za-z&])(?P<comp>{tok}|ALL)\)?\s*-{{1,2}}\s*(?P<num>\d{{3}})(?!\d)")


@lru_cache(maxsize=1)
def _listed_components_pattern() -> re.Pattern[str]:
    """Two or more component abbreviations in a list right before a number, after the names
    are abbreviated ("USCIS, ICE, CBP--001"), with the "DHS/" before them when there is one."""
    tok = _component_tokens()
    return re.compile(
        rf"(?<![\w&])(?P<dhs>DHS\s*/\s*)?(?P<list>(?:{tok})(?:\s*,\s*(?:and\s+)?(?:{tok}))+)"
        rf"(?=\s*[-\u2010-\u2015]{{1,2}}\s*\d{{3}}(?!\d))"
    )


def _prefix_listed_components(title: str) -> str:
    """A system shared by several components, numbered without "DHS/" ("U.S. Citizenship and
    Immigration Services, Immigration and Customs Enforcement, Customs and Border
    Protection--001"), written as the department's number: "DHS/USCIS, ICE, CBP--001"."""

    def prefix(m: re.Match[str]) -> str:
        if m["dhs"]:
            return m.group(0)
        return "DHS/" + re.sub(r",\s*and\s+", ", ", m["list"])

    return _listed_components_pattern().sub(prefix, title)


_RULE_WORDS = re.compile(
    r"Implementation\s+of\s+Exemptions|proposed\s+rulemaking|\b(?:final|interim|direct\s+final)"
    r"\s+rule\b",
    re.I,
)
_NOTICE_WORDS = re.compile(r"\bRescind|\bRescission|\bmatching\s+program|Computer\s+Matching", re.I)


def _doc_type(
    reference: str | None, title: str, fr_type: str, actions: tuple[str, ...], head: str
) -> str:
    """A rule (exemptions from the Privacy Act for a system) is "Other"; a rescission or a
    computer matching program is a "Notice"; the rest is classified as metadata.py does
    (a system of records notice with its number is a SORN)."""
    words = "\n".join((title, *actions))
    if fr_type.lower() in ("rule", "proposed rule") or _RULE_WORDS.search(words):
        return "Other"
    if _NOTICE_WORDS.search(words):
        return "Notice"
    return classify_doc_type(reference, title, head)


def _component(
    reference: str | None, title: str, agencies: tuple[str, ...], head: str, doc_type: str
) -> str:
    """The owning component: the reference's, else the first named in the title, the API's
    agencies, the AGENCY: line or a component's privacy officer as contact, else metadata.py's
    reading of the text."""
    if not reference:
        agency = re.search(r"\bAGENCY:\s*([^\n]{0,200}?)(?=\s+(?:ACTION|SUMMARY):|\n|$)", head)
        officers = re.findall(r"([^\n,;:]{2,80}?)\s+Privacy\s+Officer\b", head[:6000])
        for source in (title, *agencies, agency.group(1) if agency else "", *officers):
            owner = _owner(source)
            if owner:
                return owner
    return infer_component(reference, title, head, doc_type)


def _owner(text: str) -> str | None:
    text = re.sub(r"[\u2010-\u2015]", "-", text)  # "US\u2013VISIT" in PDF text
    return next((c for c in find_components(text) if c != "PRIV"), None)


# --- the title to show ---------------------------------------------------------------------

_GENERIC_TITLE = re.compile(
    r"^(?P<head>Privacy\s+Act(?:\s+of\s+1974)?(?:\s*[;:,]\s*(?:Systems?\s+of\s+Records"
    r"|Computer\s+Matching\s+Program))?)\s*\.?\s*(?:\((?P<paren>.*))?$",
    re.I | re.S,
)
_THREE_DIGITS = re.compile(r"(?<!\d)\d{3}(?!\d)")


def display_title(
    notice_title: str,
    doc_type: str,
    reference: str | None,
    summary: str = "",
    head: str = "",
    action: str = "",
) -> str:
    """The title to show. A notice titled only "Privacy Act of 1974; System of Records" (with
    perhaps a parenthesis) is shown by what it is about: a SORN by its system's number and
    name, another notice by its title with its action and the systems it names."""
    m = _GENERIC_TITLE.match(notice_title)
    if not m:
        return notice_title
    paren = _inside_parenthesis(m["paren"] or "")
    names = _summary_names(summary)
    if doc_type == "SORN":
        for candidate in (paren, *names, _system_name_line(head)):
            numbered = _numbered_name(candidate) if candidate else None
            if numbered:
                return numbered
        name = paren or next(iter(names), "") or _system_name_line(head)
        if not name:
            return notice_title
        return notice_title if paren else f"{notice_title} ({name})"
    if paren:
        return notice_title
    systems = [r for r in (normalize_reference(n) for n in names) if r]
    extras = [part for part in (action.rstrip(". "), ", ".join(dict.fromkeys(systems))) if part]
    return f"{notice_title} ({': '.join(extras)})" if extras else notice_title


def _inside_parenthesis(rest: str) -> str:
    """What a title's closing parenthesis holds, given the text after its opening one (the
    closing one may be missing, or the last of several)."""
    rest = rest.strip()
    if rest.endswith(")") and rest.count(")") > rest.count("("):
        rest = rest[:-1]
    return rest.strip()


def _numbered_name(name: str) -> str | None:
    """ "Department of Homeland Security/U.S. Citizenship and Immigration Services (USCIS)-004
    Systematic Alien Verification ..." as "DHS/USCIS-004 Systematic Alien Verification ...";
    None when the name carries no reference number near its start."""
    name = clean_title(name).strip(' .,;\u201c\u201d"')
    for m in _THREE_DIGITS.finditer(name[:250]):
        ref = normalize_reference(name[: m.end()])
        if ref:
            rest = re.sub(r"^[\s,:\-\u2010-\u2015]+", "", name[m.end() :])
            return f"{ref} {rest}".strip()
    return None


# The document number a notice's printed text states: GPO's header "[FR Doc No: 2012-28675]"
# near its start, or its filing line "[FR Doc. 2012-28675 Filed 11-26-12; 8:45 am]".
_NUMBER = r"((?:E\d|\d{2}|\d{4})\s*[-\u2010-\u2015]\s*\d{1,6})"
_HEADER_NUMBER = re.compile(r"\[\s*FR\s+Doc\.?\s*(?:No\.?)?\s*:?\s*" + _NUMBER + r"\s*\]", re.I)
_FILED_NUMBER = re.compile(r"\bFR\s+Doc\.?\s*(?:No\.?)?\s*:?\s*" + _NUMBER + r"\s+Filed\b", re.I)
_HEADER_CHARS = 2000
DOCUMENT_ADDRESS = "https://www.federalregister.gov/d/{}"  # the Register's link to a document


def stated_document_url(text: str) -> str:
    """The Federal Register's address of the notice whose text this is, from the document
    number the text states; "" when it states none, or several (a compilation of notices)."""
    found = [m.group(1) for m in _HEADER_NUMBER.finditer(text[:_HEADER_CHARS])]
    found += [m.group(1) for m in _FILED_NUMBER.finditer(text)]
    numbers = {re.sub(r"\s+", "", re.sub(r"[\u2010-\u2015]", "-", n)).upper() for n in found}
    return DOCUMENT_ADDRESS.format(numbers.pop()) if len(numbers) == 1 else ""
