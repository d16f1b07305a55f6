"""Privacy risks and their mitigations, as DHS PIAs state them.

A risk is a "Privacy Risk:" (or "Risk:") statement; its mitigation the "Mitigation:" statement
that follows it before the next risk or section. Their text is cleaned of the page furniture
(running headers and footers) a page break puts in it, and joined across the break.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Sequence

from ..models import Record, Risk, Section
from . import body_offset, page_starts

# At the start of a line, or after the end of a sentence when line breaks were lost; the
# leading character class lets the engine skip to candidates in C (the text searched starts
# with a newline).
_LABEL = re.compile(
    r"[\n.;)\"\u201d](?:(?<=\n)[ \t]*|(?<!\n) [ \t]*)(?:"
    r"(?P<risk>(?:(?:Privacy|PRIVACY)[ \t]+)?(?:Risk|RISK)[ \t]*:)"
    r"|(?P<mitigation>(?:Mitigation|MITIGATION)s?[ \t]*:))"
)
_DIGITS = re.compile(r"\d+")
_PAGE_LINE = re.compile(r"(?:Page|PAGE)\s+#(?:\s+of\s+#)?|#|-\s*#\s*-")
_EDGE_LINES = 4  # how many lines at the top and bottom of a page may be furniture


def find_risks(record: Record, sections: Sequence[Section]) -> tuple[Risk, ...]:
    """The risk/mitigation pairs `record` states, in document order."""
    if not any("Risk" in page.text or "RISK" in page.text for page in record.pages):
        return ()
    body = record.body
    labels = [
        (m.lastgroup, m.start(m.lastgroup or 0) - 1, m.end() - 1)
        for m in _LABEL.finditer("\n" + body)
    ]
    if not any(kind == "risk" for kind, _, _ in labels):
        return ()
    starts = page_starts(record)
    ordered_starts = sorted(starts.values())
    placed = sorted((body_offset(record, s, starts), s.key) for s in sections)
    boundaries = [at for at, _ in placed]
    furniture = _furniture(record)
    risks = []
    for i, (kind, start, end) in enumerate(labels):
        if kind != "risk":
            continue
        stop = _next_boundary(boundaries, start, len(body))
        following = labels[i + 1] if i + 1 < len(labels) else None
        risk_end = min(following[1], stop) if following else stop
        mitigation = ""
        if following and following[0] == "mitigation" and following[1] < stop:
            after = labels[i + 2] if i + 2 < len(labels) else None
            mitigation_end = min(after[1], stop) if after else stop
            mitigation = _clean(body[following[2] : mitigation_end], furniture)
        page = record.pages[bisect_right(ordered_starts, start) - 1]
        at = bisect_right(boundaries, start) - 1
        risks.append(
            Risk(
                risk=_clean(body[end:risk_end], furniture),
                mitigation=mitigation,
                section=placed[at][1] if at >= 0 else "",
                page=page.number,
                attachment=page.attachment,
            )
        )
    return tuple(risks)


def _next_boundary(boundaries: list[int], start: int, default: int) -> int:
    """Where the next section after `start` begins."""
    i = bisect_right(boundaries, start)
    return boundaries[i] if i < len(boundaries) else default


def _shape(line: str) -> str:
    """A line with its numbers made one symbol and its spaces collapsed."""
    return " ".join(_DIGITS.sub("#", line).split())


def _furniture(record: Record) -> frozenset[str]:
    """The shapes of the lines at the top or bottom of pages that recur on other pages
    (running headers and footers, page numbers)."""
    seen: dict[str, int] = {}
    for page in record.pages:
        lines = [line for line in page.text.splitlines() if line.strip()]
        edges = {_shape(line) for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]}
        for shape in edges:
            seen[shape] = seen.get(shape, 0) + 1
    return frozenset(shape for shape, count in seen.items() if count >= 2)


def _clean(text: str, furniture: frozenset[str]) -> str:
    """`text` without furniture lines, on one line."""
    lines = (line for line in text.splitlines())
    kept = [
        line
        for line in lines
        if (shape := _shape(line)) not in furniture and not _PAGE_LINE.fullmatch(shape)
    ]
    return " ".join(" ".join(kept).split())
