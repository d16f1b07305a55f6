"""Fuzz the HTML parser with nested and link-heavy pages (hypothesis, many examples).

Every page must parse into an HtmlPage or be refused as nested too deeply: never another
exception. And the parser's work must stay linear in the page: Python function calls and text
pieces read (`work`), at most WORK_PER_BYTE per byte of the page plus a constant. Pages are
drawn from a grammar of the shapes that have been slow before: thousands of links in one
block, PDF links at every level of a deep nest, sibling blocks with headings nested in each
other (listing candidates), chrome and script elements with text after them, tables.

    python fuzz/fuzz_html.py --examples 5000
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement

from privsearch.ingest.html import HtmlPage, NestedTooDeeply, parse_html

WORK_PER_BYTE = 25  # measured: ordinary and hostile pages stay under 6
WORK_CONSTANT = 20_000

_WORDS = st.sampled_from(["", "a", "Privacy", "Impact Assessment", "x" * 50, "DHS/ALL-001", " "])
_TAGS = st.sampled_from(["div", "p", "li", "ul", "section", "span", "td", "h2", "h3", "nav"])
_HREFS = st.sampled_from(["a.pdf", "dir/b.PDF?x=1", "/c.pdf", "https://x.gov/d.pdf", "e.html", ""])


@st.composite
def _block(draw: st.DrawFn, depth: int = 0) -> str:
    """One block: text, links, and (up to a few levels) blocks inside it."""
    tag = draw(_TAGS)
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["text", "link", "block", "script", "table"]))
        if kind == "text":
            parts.append(draw(_WORDS))
        elif kind == "link":
            parts.append(f'<a href="{draw(_HREFS)}">{draw(_WORDS)}</a>{draw(_WORDS)}')
        elif kind == "script":
            parts.append(f"<script>x</script>{draw(_WORDS)}")
        elif kind == "table":
            parts.append(f'<table><tr><td><a href="{draw(_HREFS)}">t</a></td></tr></table>')
        elif depth < 4:
            parts.append(draw(_block(depth + 1)))
    return f"<{tag}>{''.join(parts)}</{tag}>"


@st.composite
def pages(draw: st.DrawFn) -> str:
    """A page: a few random blocks, one of them repeated many times, nested many levels."""
    blocks = draw(st.lists(_block(), max_size=4))
    repeated = draw(_block())
    times = draw(st.integers(0, 300))
    nesting = draw(st.integers(0, 300))
    wrapper = draw(st.sampled_from(["div", "section", "li"]))
    sibling = draw(st.sampled_from(["", "<div><h2>abc</h2></div>", '<a href="x.pdf">x</a>']))
    body = f"<{wrapper}>{sibling}" * nesting + repeated * times + f"</{wrapper}>" * nesting
    title = draw(st.sampled_from(["", "<title>T | DHS</title>"]))
    main = draw(st.sampled_from(["main", "div"]))
    return f"<html><head>{title}</head><body><{main}>{''.join(blocks)}{body}</{main}></body></html>"


def work(parse: Callable[[str], Any], text: str) -> tuple[Any, int]:
    """(what `parse(text)` returns or raises, the Python calls and text pieces it took)."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):  # a generator resuming counts as a call too
            count += 1

    original = HtmlElement.itertext

    def itertext(self: HtmlElement, *args: Any, **kwargs: Any) -> Iterator[str]:
        yield from original(self, *args, **kwargs)

    HtmlElement.itertext = itertext  # type: ignore[method-assign]
    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        try:
            result: Any = parse(text)
        except (NestedTooDeeply, RecursionError) as exc:
            result = exc
    finally:
        sys.setprofile(previous)
        HtmlElement.itertext = original  # type: ignore[method-assign]
    return result, count


def check_page(text: str) -> None:
    """The property: a page, or a clean refusal, within the work bound."""
    result, calls = work(parse_html, text)
    assert isinstance(result, (HtmlPage, NestedTooDeeply, RecursionError)), result
    bound = WORK_PER_BYTE * len(text.encode("utf-8")) + WORK_CONSTANT
    assert calls <= bound, f"{calls} calls for a page of {len(text)} characters"


def run(examples: int) -> int:
    failures: list[str] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(pages())
    def fuzz(text: str) -> None:
        try:
            check_page(text)
        except Exception:
            failures.append(traceback.format_exc())
            raise

    started = time.monotonic()
    try:
        fuzz()
    except Exception:
        print(failures[-1] if failures else traceback.format_exc(), file=sys.stderr)
        return 1
    print(f"{examples} pages parsed in {time.monotonic() - started:.0f} s: no failure")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000)
    sys.exit(run(parser.parse_args().examples))


if __name__ == "__main__":
    main()
