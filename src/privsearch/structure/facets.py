"""Privacy facets: PII collected, technologies, retention periods, authorities, exemptions."""

from __future__ import annotations

from typing import Sequence

from ..models import Record, Section

FACETS = ("pii", "technology", "retention", "authority", "exemption")


def find_facets(record: Record, sections: Sequence[Section]) -> tuple[tuple[str, str], ...]:
    """The (facet, value) pairs of `record`."""
    return ()
