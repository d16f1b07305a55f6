"""Plain-text renderings of listing pages: one item per top-level bullet.

A rendering looks like the page as a browser shows it: chrome first (banner, breadcrumb, an
intro paragraph), then bullets. Each top-level bullet line is an item title; the indented lines
under it, deeper bullets included, are its summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?:[\u2022\u25e6\u25aa\u25cf\u2023\u2043*+-])[ \t]+(?P<text>\S.*)$"
)


@dataclass(frozen=True)
class TextItem:
    title: str
    summary: str


def _bullets(lines: list[str]) -> list[tuple[int, int]]:
    """(line index, indent width) of every bullet line."""
    found = []
    for i, line in enumerate(lines):
        m = _BULLET_LINE.match(line.expandtabs(4))
        if m:
            found.append((i, len(m.group("indent"))))
    return found


def looks_like_listing(text: str) -> bool:
    """At least two bullets at the outermost bullet indentation."""
    bullets = _bullets(text.splitlines())
    if len(bullets) < 2:
        return False
    top = min(indent for _, indent in bullets)
    return sum(1 for _, indent in bullets if indent == top) >= 2


def parse_text_listing(text: str) -> list[TextItem]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    bullets = _bullets(lines)
    if not bullets:
        return []
    top = min(indent for _, indent in bullets)
    starts = [i for i, indent in bullets if indent == top]
    items = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        m = _BULLET_LINE.match(lines[start].expandtabs(4))
        title = " ".join(m.group("text").split()) if m else lines[start].strip()
        body = []
        for line in lines[start + 1 : end]:
            expanded = line.expandtabs(4)
            stripped = expanded.strip()
            if not stripped:
                if body and body[-1] != "":
                    body.append("")
                continue
            sub = _BULLET_LINE.match(expanded)
            if sub:
                depth = max(0, (len(sub.group("indent")) - top) // 4 - 1)
                body.append("  " * depth + "\u2022 " + " ".join(sub.group("text").split()))
            else:
                body.append(" ".join(stripped.split()))
        summary = "\n".join(body).strip()
        summary = re.sub(r"\n{2,}", "\n", summary)
        items.append(TextItem(title=title, summary=summary))
    return items
