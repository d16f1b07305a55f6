"""Privacy risks and their mitigations, as DHS PIAs state them.

A risk is a "Privacy Risk:" (or "Risk:") statement; its mitigation the "Mitigation:" statement
that follows it before the next risk or section. Their text is cleaned of the page furniture
(running headers and footers) a page break puts in it, and joined across the break.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from ..models import Record, Risk, Section
from . import body_offset, page_starts

# The label words after their capital; a label must also start with its capital ("Risk:",
# "Mitigation:") and start a line, or follow the end of a sentence when line breaks were lost
# (`_label_start`). A pattern with one literal first letter lets the engine skip to candidates
# in C; labels in capitals are looked for only in a text that has them.
_LABEL = re.compile(r"isks?[ \t]*:|itigations?[ \t]*:")
_LABEL_CAPS = re.compile(r"ISKS?[ \t]*:|ITIGATIONS?[ \t]*:")
_PRIVACY = re.compile(r"(?:Privacy|PRIVACY)[ \t]+\Z")
_SENTENCE_END = '.;)"\u201d'
_DIGITS = re.compile(r"\d+")
_PAGE_LINE = re.compile(r"(?:Page|PAGE)\s+#(?:\s+of\s+#)?|#|-\s*#\s*-")
_EDGE_LINES = 4  # how many lines at the top and bottom of a page may be furniture


def find_risks(
    record: Record, sections: Sequence[Section], body: str | None = None
) -> tuple[Risk, ...]:
    """The risk/mitigation pairs `record` states, in document order; `body` is record.body
    when the caller has it already."""
    if not any("isk" in page.text or "ISK" in page.text for page in record.pages):
        return ()
    body = record.body if body is None else body
    labels = _labels(body)
    if not any(kind == "risk" for kind, _, _ in labels):
        return ()
    starts = page_starts(record)
    ordered_starts = _starts_in_order(record)
    placed = sorted((body_offset(record, s, starts), s.key) for s in sections)
    boundaries = [at for at, _ in placed]
    furniture = _Furniture(record)
    risks = []
    for i, (kind, start, end) in enumerate(labels):
        if kind != "risk":
            continue
        stop = _next_boundary(boundaries, start, len(body))
        following = labels[i + 1] if i + 1 < len(labels) else None
        risk_end = pair_end = min(following[1], stop) if following else stop
        mitigation = ""
        if following and following[0] == "mitigation" and following[1] < stop:
            after = labels[i + 2] if i + 2 < len(labels) else None
            mitigation_end = pair_end = min(after[1], stop) if after else stop
            mitigation = _clean(body[following[2] : mitigation_end], furniture)
        index = bisect_right(ordered_starts, start) - 1
        page = record.pages[index]
        at = bisect_right(boundaries, start) - 1
        risks.append(
            Risk(
                risk=_clean(body[end:risk_end], furniture),
                mitigation=mitigation,
                section=placed[at][1] if at >= 0 else "",
                page=page.number,
                attachment=page.attachment,
                offset=start - ordered_starts[index],
                length=pair_end - start,
            )
        )
    return tuple(risks)


def _labels(body: str) -> list[tuple[str, int, int]]:
    """Each "Risk:" or "Mitigation:" label of `body`: its kind ("risk", "mitigation"), where it
    starts and where its statement starts."""
    matches = list(_LABEL.finditer(body))
    if "RISK" in body:
        matches = sorted(matches + list(_LABEL_CAPS.finditer(body)), key=lambda m: m.start())
    labels = []
    for match in matches:
        at = match.start() - 1
        kind = {"R": "risk", "M": "mitigation"}.get(body[at] if at >= 0 else "")
        start = _label_start(body, at, kind == "risk") if kind else None
        if kind and start is not None:
            labels.append((kind, start, match.end()))
    return labels


def _starts_in_order(record: Record) -> list[int]:
    """Where each of `record.pages` starts in its body."""
    out, at = [], 0
    for page in record.pages:
        out.append(at)
        at += len(page.text) + 2
    return out


def _label_start(body: str, at: int, risk: bool) -> int | None:
    """Where the label whose word starts at `at` starts ("Privacy Risk:" takes its first
    word), or None when it neither starts a line nor follows the end of a sentence."""
    start = at
    if risk:
        privacy = _PRIVACY.search(body, max(0, at - 12), at)
        start = privacy.start() if privacy else at
    before = start
    while before > 0 and body[before - 1] in " \t":
        before -= 1
    if before == 0 or body[before - 1] == "\n":
        return start
    if before == start - 1 and body[before - 1] in _SENTENCE_END:
        return start
    return None


def _next_boundary(boundaries: list[int], start: int, default: int) -> int:
    """Where the next section after `start` begins."""
    i = bisect_right(boundaries, start)
    return boundaries[i] if i < len(boundaries) else default


def _shape(line: str) -> str:
    """A line with its numbers made one symbol and its spaces collapsed."""
    return " ".join(_DIGITS.sub("#", line).split())


class _Furniture:
    """The shapes of the lines at the top or bottom of pages that recur on other pages
    (running headers and footers, page numbers); worked out when a text first crosses a page
    break."""

    def __init__(self, record: Record) -> None:
        self._record = record
        self._shapes: frozenset[str] | None = None

    def __contains__(self, shape: str) -> bool:
        if self._shapes is None:
            self._shapes = self._recurring()
        return shape in self._shapes

    def _recurring(self) -> frozenset[str]:
        seen: dict[str, int] = {}
        for page in self._record.pages:
            lines = [line for line in page.text.splitlines() if line.strip()]
            edges = {_shape(line) for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]}
            for shape in edges:
                seen[shape] = seen.get(shape, 0) + 1
        return frozenset(shape for shape, count in seen.items() if count >= 2)


def _clean(text: str, furniture: _Furniture) -> str:
    """`text` on one line, without the furniture lines of a page break it crosses (pages are
    joined by a blank line in a record's body)."""
    if "\n\n" not in text:
        return " ".join(text.split())
    kept = [
        line
        for line in text.splitlines()
        if (shape := _shape(line)) not in furniture and not _PAGE_LINE.fullmatch(shape)
    ]
    return " ".join(" ".join(kept).split())
