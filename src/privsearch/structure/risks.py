"""Privacy risks and their mitigations, as DHS PIAs state them."""

from __future__ import annotations

from typing import Sequence

from ..models import Record, Risk, Section


def find_risks(record: Record, sections: Sequence[Section]) -> tuple[Risk, ...]:
    """The risk/mitigation pairs `record` states, in document order."""
    return ()
