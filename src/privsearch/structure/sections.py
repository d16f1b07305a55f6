"""The sections of PIAs and SORNs: their headings, start pages and template keys."""

from __future__ import annotations

from ..models import Record, Section


def find_sections(record: Record) -> tuple[Section, ...]:
    """The sections of `record`, in document order (none when its structure is unknown)."""
    return ()


# key -> the title a snippet shows for a section of that key
SECTION_TITLES: dict[str, str] = {
    "abstract": "Abstract",
    "overview": "Overview",
    "retention": "Data Retention",
    "routine_uses": "Routine Uses",
    "categories_of_records": "Categories of Records",
}


def section_key(name: str) -> str | None:
    """The key of the section a user names ("routine uses", "Routine_Uses"), or None."""
    wanted = " ".join(name.replace("_", " ").lower().split())
    for key, title in SECTION_TITLES.items():
        if wanted in (key.replace("_", " "), title.lower()):
            return key
    return None
