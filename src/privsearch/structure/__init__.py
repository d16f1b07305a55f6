"""What is inside a document: its sections, privacy facets and stated risks.

`structure(record)` returns the record with `sections`, `facets` and `risks` filled in; the
ingest calls it on every record it reads, so the index stores them and queries read them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from ..models import Record, Section


def structure(record: Record) -> Record:
    """The record with its sections, privacy facets and risks found."""
    from .facets import find_facets
    from .risks import find_risks
    from .sections import find_sections

    sections = find_sections(record)
    return replace(
        record,
        sections=sections,
        facets=find_facets(record, sections),
        risks=find_risks(record, sections),
    )


def page_starts(record: Record) -> dict[tuple[str, int], int]:
    """Where each page's text starts in `record.body`, by (attachment, page number)."""
    starts: dict[tuple[str, int], int] = {}
    at = 0
    for page in record.pages:
        starts.setdefault((page.attachment, page.number), at)
        at += len(page.text) + 2  # body joins pages with a blank line
    return starts


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
    body_length = sum(len(page.text) for page in record.pages) + 2 * max(len(record.pages) - 1, 0)
    placed = [(body_offset(record, s, starts), s) for s in sections]
    out = []
    for i, (start, section) in enumerate(placed):
        end = next(
            (later for later, other in placed[i + 1 :] if other.level <= section.level),
            body_length,
        )
        out.append((section, start, max(start, end)))
    return out


def section_texts(
    record: Record, sections: Sequence[Section] | None = None
) -> list[tuple[Section, str]]:
    """Each section with its text, heading included."""
    body = record.body
    return [(section, body[start:end]) for section, start, end in section_spans(record, sections)]
