"""Snippets and page hits for the results shown, from the stored page texts.

Whoosh's highlighter stops at 32K characters by default; this one reads every page, but only of
the hits on the page of results, and skips pages that cannot contain a query term.

What to mark is given as patterns: analyzed term sequences. A one-term pattern marks every
occurrence of the term; a longer one (a phrase, a multi-word synonym) marks only the words in
that order.
"""

from __future__ import annotations

import bisect
import html
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

from . import analyze

SNIPPET_CHARS = 240
_CONTEXT_BEFORE = 60
_WHITESPACE = re.compile(r"\s+")
_WINDOW_BEFORE = 40  # characters read before a probe's occurrence
_WINDOW_AFTER = 100  # ... and after it: room for the rest of a multi-word pattern
_MAX_OCCURRENCES = 20  # of one probe on one page: enough to place a snippet
_MAX_PROBED = 400  # occurrences of one probe read on one page, the pattern's word or not
_WORDS_AFTER = 3  # words read after a pattern's own, for a term spanning words (5 U.S.C. 552a)

_TITLE_PAGE = re.compile(r"\bcontact points?\b|\breviewing official\b", re.IGNORECASE)
_TITLE_PAGE_CHARS = 3000  # a cover's contact block is near its start
_RUNNING_HEADER_CHARS = 200  # the top of a page, where a report repeats its title

Pattern = tuple[str, ...]


@dataclass(frozen=True)
class Passage:
    """A stretch of text that may hold matches: a PDF page, or the summary (page 0)."""

    page: int
    text: str
    offset: int = 0  # where `text` starts in its page's text (a part of the page)


@dataclass(frozen=True)
class _Match:
    pattern: Pattern
    start: int
    end: int


def _probe(term: str) -> str:
    """A prefix of every word the term can stand for, to find candidates with str.find (in C).

    Snowball stems differ from the words they come from only in their last letter (privacy ->
    privaci), so all but that letter, six at most, is a prefix of the word."""
    if not term.isalpha():
        return re.split(r"[-/.()]", term)[0][:6]
    if len(term) <= 3:  # a short word stands for itself, but for a final e (use: using)
        return term[:2] if len(term) == 3 and term.endswith("e") else term
    return term[: min(6, len(term) - 1)]  # mine: mining


Token = tuple[str, int, int]  # an analyzed term, its start and end in the text


def _candidates(text: str, patterns: Collection[Pattern]) -> tuple[str, list[Pattern]]:
    """The lowercased text, and the patterns whose first word's probe occurs in it."""
    lower = text.lower()
    return lower, [p for p in patterns if _probe(p[0]) in lower]


def _by_probe(candidates: list[Pattern]) -> dict[str, list[Pattern]]:
    grouped: dict[str, list[Pattern]] = defaultdict(list)
    for pattern in candidates:
        grouped[_probe(pattern[0])].append(pattern)
    return grouped


def _may_match(wanted: Collection[Pattern]) -> Callable[[str], bool]:
    """Whether a word may stand for a term of `wanted`: only one that starts with a probe."""
    prefixes = tuple({_probe(term) for pattern in wanted for term in pattern})
    return lambda word: word.startswith(prefixes)


def _analyzed(text: str, start: int, end: int, may_match: Callable[[str], bool]) -> list[Token]:
    return [
        (term, start + s, start + e)
        for term, s, e in analyze.tokens_with_offsets(text[start:end], may_match)
    ]


def _in_text_order(tokens: list[Token]) -> list[Token]:
    return sorted(tokens, key=lambda t: (t[1], -t[2]))


def _occurrences(
    text: str, lower: str, probe: str, wanted: list[Pattern]
) -> Iterator[tuple[int, int, int, list[Token]]]:
    """Where one of `wanted`'s first words stands, found from `probe`: (the probe's offset,
    start, end, tokens) of the stretch from that word to the few words after it a pattern
    needs, at most _MAX_OCCURRENCES of them. An occurrence of the probe inside a word ("ice"
    in "service") or starting another word ("in" for "I-9") does not count."""
    words = max(len(p) for p in wanted) + _WORDS_AFTER
    firsts = {p[0] for p in wanted}
    may_match = _may_match(wanted)
    seen = 0
    for pos, start, end in _word_starts(lower, probe, words):
        tokens = _analyzed(text, start, end, may_match)
        if firsts.intersection(t[0] for t in tokens):
            yield pos, start, end, tokens
            seen += 1
            if seen == _MAX_OCCURRENCES:
                return


def _word_starts(lower: str, probe: str, words: int) -> Iterator[tuple[int, int, int]]:
    """(offset, start, end) of each occurrence of `probe` at the start of a word (at most
    _MAX_PROBED of them): the stretch from the start of the word holding it to the end of
    the `words`-th word."""
    pos = lower.find(probe)
    probed = 0
    while pos >= 0 and probed < _MAX_PROBED:
        if pos == 0 or not lower[pos - 1].isalnum():
            probed += 1
            end = pos
            for _ in range(words):
                end = lower.find(" ", end + 1)
                if end < 0:
                    end = len(lower)
                    break
            yield pos, lower.rfind(" ", 0, pos) + 1, end
        pos = lower.find(probe, pos + len(probe))


def _find(text: str, patterns: Collection[Pattern]) -> list[_Match]:
    """Every match of a pattern in the stretches around its first word's occurrences
    (tokenizing a whole long page for a few matches would cost more than the search)."""
    lower, candidates = _candidates(text, patterns)
    spans: list[tuple[int, int]] = []
    for probe, wanted in _by_probe(candidates).items():
        for pos, start, end, _ in _occurrences(text, lower, probe, wanted):
            spans.append((start, end))
            spans.append((pos - _WINDOW_BEFORE, pos + len(probe) + _WINDOW_AFTER))
    if not spans:
        return []
    may_match = _may_match(candidates)
    tokens = [
        t for start, end in _widened(lower, spans) for t in _analyzed(text, start, end, may_match)
    ]
    return _matches(_in_text_order(tokens), candidates)


def _widened(lower: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches merged and widened to whole words."""
    widened = []
    for start, end in _merge_spans(spans):
        start = lower.rfind(" ", 0, max(start, 0)) + 1
        space = lower.find(" ", end)
        widened.append((start, space if space >= 0 else len(lower)))
    return _merge_spans(widened)


def _kinds(text: str, patterns: Collection[Pattern]) -> set[Pattern]:
    """The patterns found in `text`, with less work than `_find`: a pattern found once is
    not looked for again, and each occurrence is read with only the words it needs."""
    lower, candidates = _candidates(text, patterns)
    kinds: set[Pattern] = set()
    for probe, wanted in _by_probe(candidates).items():
        for _, _, _, tokens in _occurrences(text, lower, probe, wanted):
            kinds.update(m.pattern for m in _matches(_in_text_order(tokens), wanted))
            wanted = [p for p in wanted if p not in kinds]
            if not wanted:
                break
    return kinds


def _matches(tokens: list[Token], candidates: list[Pattern]) -> list[_Match]:
    """Every occurrence of a pattern among `tokens` (in text order)."""
    by_first: dict[str, list[Pattern]] = defaultdict(list)
    for pattern in candidates:
        by_first[pattern[0]].append(pattern)
    starts = [t[1] for t in tokens]
    found: list[_Match] = []
    for i, (term, start, end) in enumerate(tokens):
        for pattern in by_first.get(term, ()):
            stop = end if len(pattern) == 1 else _follow(tokens, starts, i, pattern)
            if stop is not None:
                found.append(_Match(pattern, start, stop))
    return found


def _follow(
    tokens: list[tuple[str, int, int]], starts: list[int], i: int, pattern: Pattern
) -> int | None:
    """End offset of `pattern` read from token i on, word after word, or None."""
    end = tokens[i][2]
    for term in pattern[1:]:
        j = bisect.bisect_left(starts, end)
        if j >= len(tokens):
            return None
        at = tokens[j][1]
        match = next((t for t in tokens[j:] if t[1] == at and t[0] == term), None)
        if match is None:
            return None
        end = match[2]
    return end


def _needs_met(found: set[Pattern], needs: Sequence[Collection[Pattern]]) -> int:
    return sum(1 for need in needs if found.intersection(need))


def locate(
    passages: Sequence[Passage],
    patterns: Collection[Pattern],
    needs: Sequence[Collection[Pattern]],
) -> tuple[str, tuple[int, ...]]:
    """Return (snippet HTML, matching PDF page numbers) for one document (see `locate_at`)."""
    snippet, pages, _ = locate_at(passages, patterns, needs)
    return snippet, pages


def locate_at(
    passages: Sequence[Passage],
    patterns: Collection[Pattern],
    needs: Sequence[Collection[Pattern]],
) -> tuple[str, tuple[int, ...], tuple[int, int] | None]:
    """Return (snippet HTML, matching PDF page numbers, where the snippet's first match
    stands: its page and offset in that page's text, or None) for one document.

    `needs` are the groups of patterns of which a page should hold one each (one group per word
    of an AND query; a single group for an OR query). The pages reported are those that meet
    the most needs; the snippet comes from the best of them.
    """
    scored: list[tuple[int, int, Passage]] = []
    for passage in passages:
        kinds = _kinds(passage.text, patterns)
        if kinds:
            met = _needs_met(kinds, needs) if needs else len(kinds)
            scored.append((met, len(kinds), passage))
    if not scored:
        first = next((p for p in passages if p.text.strip()), None)
        return (_plain_snippet(first.text) if first else ""), (), None
    best_met = max(s[0] for s in scored)
    pages = tuple(sorted({s[2].page for s in scored if s[0] == best_met and s[2].page > 0}))
    # A page that meets as many needs as the title page shows the passage that matched,
    # rather than the title repeated above a contact block.
    _, _, passage = max(scored, key=lambda s: (s[0], not _is_title_page(s[2]), s[1], -s[2].page))
    found = _find(passage.text, patterns)
    if not found:  # a term read across words in a short stretch may read otherwise in a long one
        return _plain_snippet(passage.text), pages, None
    snippet, at = _snippet(passage.text, found)
    return snippet, pages, (passage.page, passage.offset + at)


def _is_title_page(passage: Passage) -> bool:
    """A report's cover: its first page (or the summary) naming contact points, reviewing
    officials or a signature block near its start."""
    return passage.page <= 1 and _TITLE_PAGE.search(passage.text[:_TITLE_PAGE_CHARS]) is not None


def mark_all(
    text: str,
    patterns: Collection[Pattern],
    within: Sequence[tuple[int, int]] | None = None,
) -> str:
    """The whole text as HTML, every occurrence of a pattern in <mark>; with `within`,
    only those inside one of these (start, end) stretches of it."""
    found = [(m.start, m.end) for m in _find(text, patterns)]
    if within is not None:
        found = [(s, e) for s, e in found if any(lo <= s and e <= hi for lo, hi in within)]
    spans = _merge_spans(found)
    parts: list[str] = []
    cursor = 0
    for s, e in spans:
        parts.append(html.escape(text[cursor:s]))
        parts.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    parts.append(html.escape(text[cursor:]))
    return "".join(parts)


def _escape(text: str) -> str:
    return html.escape(_WHITESPACE.sub(" ", text))


def _plain_snippet(text: str) -> str:
    suffix = "…" if len(text) > SNIPPET_CHARS else ""
    return _escape(text[:SNIPPET_CHARS]).strip() + suffix


def _best_window(found: list[_Match]) -> int:
    """Index of the match that starts the densest window of distinct patterns."""
    best, best_score = 0, (-1, False, -1)
    for i, first in enumerate(found):
        limit = first.start + SNIPPET_CHARS - _CONTEXT_BEFORE
        window = [m for m in found[i:] if m.end <= limit]
        # Past a page's running header (its title repeated), as dense a window is better.
        score = (
            len({m.pattern for m in window}),
            first.start >= _RUNNING_HEADER_CHARS,
            len(window),
        )
        if score > best_score:
            best, best_score = i, score
    return best


def _snippet(text: str, found: list[_Match]) -> tuple[str, int]:
    """The snippet's HTML, and where its anchoring match starts in `text`."""
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
    return "".join(parts).strip(), anchor.start


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged
