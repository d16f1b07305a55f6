"""The sections of PIAs and SORNs: their headings, start pages and template keys."""

from __future__ import annotations

from ..models import Record, Section


def find_sections(record: Record) -> tuple[Section, ...]:
    """The sections of `record`, in document order (none when its structure is unknown)."""
    return ()
