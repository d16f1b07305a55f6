"""Fuzz the query parser and the search function at scale (hypothesis, many examples).

Every input must give results or a clean PrivsearchError (QuerySyntaxError, BadParameterError,
QueryTooExpensiveError): never another exception. Queries are drawn both as arbitrary text and
from a grammar of the query language's own pieces (operators, fields, quotes, parentheses,
wildcards, reference numbers), which reaches the parser's corners far more often.

    python fuzz/fuzz_search.py --index index --examples 20000
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import privsearch

PIECES = [
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    '"',
    "“",
    "”",
    "*",
    "~",
    "~2",
    ":",
    "title:",
    "summary:",
    "body:",
    "sorn:",
    "component:",
    "type:",
    "id:",
    "year:",
    "foo:",
    "component:ICE",
    "type:SORN",
    "DHS/ICE/PIA-054(a)",
    "PIA-054",
    "8 U.S.C. § 1367",
    "E-Verify",
    "US-VISIT",
    "facial",
    "recognition",
    "biometric",
    "drone",
    "LPR",
    "privacy",
    "the",
    "of",
    "a",
    "i",
    "co*",
    "bio*",
    "biometic~",
    "x" * 70,
    "\x00",
    "\u202e",
    "\ud7ff",
    "🙂",
    "'",
    "\\",
    "--",
    "2019",
    "-",
    "/",
    "(a)",
    "&",
    "S&T",
    "<img src=x onerror=alert(1)>",
]

query_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=40).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
)
components = st.one_of(st.none(), st.sampled_from(["ICE", "cbp", "", " ", "NOPE", "S&T"]))
dates = st.one_of(st.none(), st.sampled_from(["2019", "2019-05", "2019-05-10", "x", "2030"]))


def run(index_dir: Path, examples: int) -> int:
    ix = privsearch.open_index(index_dir)
    failures: list[str] = []
    seen = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        query=query_text,
        component=components,
        since=dates,
        page=st.integers(-1, 1002),
        per_page=st.integers(-1, 101),
        sort=st.sampled_from(["relevance", "date", "x"]),
        collapse=st.booleans(),
    )
    def search_never_crashes(query, component, since, page, per_page, sort, collapse):
        nonlocal seen
        seen += 1
        try:
            results = ix.search(
                query,
                component=component,
                since=since,
                page=page,
                per_page=per_page,
                sort=sort,
                collapse=collapse,
            )
            assert results.total >= len(results.results)
            ix.suggest(query)
        except privsearch.PrivsearchError:
            pass
        except Exception:  # noqa: BLE001 - collecting every crash is the point
            failures.append(f"{query!r}\n{traceback.format_exc()}")

    started = time.perf_counter()
    search_never_crashes()
    seconds = time.perf_counter() - started
    print(f"{seen} queries in {seconds:.0f} s, {len(failures)} crash(es)")
    for failure in failures[:10]:
        print(failure)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--examples", type=int, default=20_000)
    args = parser.parse_args()
    return run(args.index, args.examples)


if __name__ == "__main__":
    sys.exit(main())
