"""What is inside a document: its sections, privacy facets, stated risks and references.

`structure(record)` returns the record with `sections`, `facets`, `risks` and `references`
(to other documents, `links.py`) filled in; the
index calls it on every record where it writes it (`index._structured`, in the writer processes
of a large run), stores what it finds, and queries read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..models import Record, Section

PRIVACY_FACETS = ("pii", "technology", "retention", "authority", "exemption")
FACET_SEPARATOR = "\x1f"  # between a document's values of one facet, in its index column
_START, _END = "\x01", "\x02"  # a section mark's first character: where it starts, ends
RISK_MARK = "risk"  # the key of the marks around each risk/mitigation pair (`risk:`)


def start_term(key: str) -> str:
    """The index term that marks where a section of `key` starts in the body."""
    return _START + key


def end_term(key: str) -> str:
    """The index term that marks where a section of `key` ends in the body."""
    return _END + key


def structure(record: Record) -> Record:
    """The record with its sections, privacy facets, risks and references found."""
    from .facets import find_facets
    from .links import find_references
    from .risks import find_risks
    from .sections import find_sections

    body = record.body  # joined from the pages at each reading: once for all
    lowered = body.lower()  # read by the facets and the references
    sections = find_sections(record, body)
    return replace(
        record,
        sections=sections,
        facets=find_facets(record, sections, body=body, lowered=lowered),
        risks=find_risks(record, sections, body),
        references=find_references(record, lowered),
    )


def page_starts(record: Record) -> dict[tuple[str, int], int]:
    """Where each page's text starts in `record.body`, by (attachment, page number)."""
    starts: dict[tuple[str, int], int] = {}
    at = 0
    for page in record.pages:
        starts.setdefault((page.attachment, page.number), at)
        at += len(page.text) + 2  # body joins pages with a blank line
    return starts


def body_length(record: Record) -> int:
    """The length of `record.body`, without joining its pages."""
    return sum(len(page.text) for page in record.pages) + 2 * max(len(record.pages) - 1, 0)


def body_offset(record: Record, section: Section, starts: dict | None = None) -> int:
    """Where `section` starts in `record.body`."""
    starts = page_starts(record) if starts is None else starts
    return starts.get((section.attachment, section.page), 0) + section.offset


def section_spans(
    record: Record, sections: Sequence[Section] | None = None
) -> list[tuple[Section, int, int]]:
    """Each section with the span of `record.body` it covers: from its heading to the start of
    the next section of the same or a higher level (or the end of the body)."""
    sections = record.sections if sections is None else sections
    starts = page_starts(record)
    length = body_length(record)
    placed = [(body_offset(record, s, starts), s) for s in sections]
    out = []
    for i, (start, section) in enumerate(placed):
        end = next(
            (later for later, other in placed[i + 1 :] if other.level <= section.level),
            length,
        )
        out.append((section, start, max(start, end)))
    return out


def section_texts(
    record: Record, sections: Sequence[Section] | None = None
) -> list[tuple[Section, str]]:
    """Each section with its text, heading included."""
    body = record.body
    return [(section, body[start:end]) for section, start, end in section_spans(record, sections)]


def section_marks(record: Record) -> list[tuple[int, str]]:
    """Where each top-level section of `record` starts and ends in its body, as (character
    offset, mark term) pairs in order: what the index records so that a query can ask for
    words inside one kind of section."""
    marks: list[tuple[int, str]] = []
    for section, start, end in section_spans(record):
        if section.level == 1 and end > start:
            marks.append((start, start_term(section.key)))
            marks.append((end, end_term(section.key)))
    starts = page_starts(record)
    for risk in record.risks:
        start = starts.get((risk.attachment, risk.page), 0) + risk.offset
        if risk.length > 0:
            marks.append((start, start_term(RISK_MARK)))
            marks.append((start + risk.length, end_term(RISK_MARK)))
    return sorted(marks, key=lambda mark: (mark[0], mark[1][0] == _START))


def section_at(record: Record, page: int, offset: int) -> Section | None:
    """The top-level section holding character `offset` of page number `page`, if any."""
    starts = page_starts(record)
    at = next((start for (_, number), start in starts.items() if number == page), None)
    if at is None:
        return None
    where = at + offset
    found = None
    for section, start, end in section_spans(record):
        if section.level == 1 and start <= where < end:
            found = section
    return found


def section_parts(record: Record, keys: Sequence[str]) -> list[tuple[int, int, str]]:
    """The text of the top-level sections of `keys`, cut at page breaks: (page number, offset
    in that page's text, text) in document order."""
    spans = [
        (s, e)
        for section, s, e in section_spans(record)
        if section.level == 1 and section.key in keys
    ]
    parts: list[tuple[int, int, str]] = []
    at = 0
    for page in record.pages:
        end = at + len(page.text)
        for start, stop in spans:
            lo, hi = max(start, at), min(stop, end)
            if lo < hi:
                parts.append((page.number, lo - at, page.text[lo - at : hi - at]))
        at = end + 2
    return parts


def section_title(key: str) -> str:
    """What a section of `key` is called in a snippet's label: "Routine Uses"."""
    from .sections import SECTION_TITLES

    return SECTION_TITLES.get(key) or key.replace("_", " ").capitalize()


def risk_rows(records: Sequence[Record]) -> list[dict[str, Any]]:
    """One row per risk the records state: the document, where, the risk, its mitigation."""
    return [
        {
            "id": record.id,
            "title": record.title,
            "component": record.component,
            "doc_type": record.doc_type,
            "date": record.date,
            "section": section_title(risk.section) if risk.section else "",
            "page": risk.page,
            "risk": risk.risk,
            "mitigation": risk.mitigation,
        }
        for record in records
        for risk in record.risks
    ]
