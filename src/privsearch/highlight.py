"""Snippets and page hits for the results shown, from the stored page texts.

Whoosh's highlighter stops at 32K characters by default; this one reads every page, but only of
the hits on the page of results, and skips pages that cannot contain a query term.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from . import analyze

SNIPPET_CHARS = 240
_CONTEXT_BEFORE = 60
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Passage:
    """A stretch of text that may hold matches: a PDF page, or the summary (page 0)."""

    page: int
    text: str


@dataclass(frozen=True)
class _Match:
    term: str
    start: int
    end: int


def _might_contain(text_lower: str, terms: Collection[str]) -> bool:
    # Stems and compound terms are nearly always substrings of the words they come from, so a
    # substring test (fast, in C) rules out most pages before they are tokenized.
    return any(_probe(term) in text_lower for term in terms)


def _probe(term: str) -> str:
    return term[:4] if term.isalpha() else term.split("-")[0].split("/")[0][:4]


def _matches(text: str, terms: Collection[str]) -> list[_Match]:
    if not terms or not _might_contain(text.lower(), terms):
        return []
    return [_Match(t, s, e) for t, s, e in analyze.tokens_with_offsets(text) if t in terms]


def _needs_met(found: set[str], needs: Sequence[Collection[str]]) -> int:
    return sum(1 for need in needs if found.intersection(need))


def locate(
    passages: Sequence[Passage], terms: Collection[str], needs: Sequence[Collection[str]]
) -> tuple[str, tuple[int, ...]]:
    """Return (snippet HTML, matching PDF page numbers) for one document.

    `terms` are the analyzed query terms to mark; `needs` are groups of terms of which a page
    should hold one each (all the words of an AND query, any word of an OR query). The pages
    reported are those that meet the most needs; the snippet comes from the best of them.
    """
    terms = set(terms)
    scored: list[tuple[int, int, Passage, list[_Match]]] = []
    for passage in passages:
        found = _matches(passage.text, terms)
        if found:
            met = _needs_met({m.term for m in found}, needs) if needs else 1
            scored.append((met, len({m.term for m in found}), passage, found))
    if not scored:
        first = next((p for p in passages if p.text.strip()), None)
        return (_plain_snippet(first.text) if first else ""), ()
    best_met = max(s[0] for s in scored)
    pages = tuple(sorted({s[2].page for s in scored if s[0] == best_met and s[2].page > 0}))
    _, _, passage, found = max(scored, key=lambda s: (s[0], s[1], -s[2].page))
    return _snippet(passage.text, found), pages


def _plain_snippet(text: str) -> str:
    cut = text[:SNIPPET_CHARS]
    suffix = "…" if len(text) > SNIPPET_CHARS else ""
    return _escape(cut).strip() + suffix


def _best_window(found: list[_Match]) -> int:
    """Index of the match that starts the densest window of distinct terms."""
    best, best_score = 0, (-1, -1)
    for i, first in enumerate(found):
        window = [m for m in found[i:] if m.end <= first.start + SNIPPET_CHARS - _CONTEXT_BEFORE]
        score = (len({m.term for m in window}), len(window))
        if score > best_score:
            best, best_score = i, score
    return best


def _snippet(text: str, found: list[_Match]) -> str:
    found = sorted(found, key=lambda m: (m.start, -m.end))
    anchor = found[_best_window(found)]
    start = max(0, anchor.start - _CONTEXT_BEFORE)
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.find(" ", end)
        end = space if 0 <= space < end + 20 else end
    spans = _merge_spans([(m.start, m.end) for m in found if m.start >= start and m.end <= end])
    parts: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for s, e in spans:
        parts.append(_escape(text[cursor:s]))
        parts.append(f"<mark>{_escape(text[s:e])}</mark>")
        cursor = e
    parts.append(_escape(text[cursor:end]))
    parts.append("…" if end < len(text) else "")
    return "".join(parts).strip()


def _escape(text: str) -> str:
    return html.escape(_WHITESPACE.sub(" ", text))


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged
