"""Fuzz the query limits: nesting depth and the cost of prefix* and typo~ expansion.

Queries are drawn to be deep (groups and NOTs nested past the limit, fields around groups)
and expensive (many patterns, broad prefixes, typo~2 on long words, thousand-letter words).
Every query must give results or a 400 (QuerySyntaxError, QueryTooExpensiveError,
BadParameterError), never another exception such as RecursionError; and no search may spend
more than its expansion budget (past it by one charge at most) or build more than one typo
automaton per typo~ word.

    python fuzz/fuzz_query_cost.py --index index --examples 2000
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.codec.base import Automata

import privsearch
from privsearch import query, querylang, queryplan

WORDS = ["privacy", "biometric", "border", "co", "re", "in", "de", "pr", "st", "ice", "data"]
# The most one charge adds: building the automaton of the longest typo~ word allowed.
LARGEST_CHARGE = 4 * 2 * querylang.MAX_FUZZY_LENGTH

letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=40)
stem = st.one_of(st.sampled_from(WORDS), letters)
pattern = st.one_of(
    stem.map(lambda s: s + "*"),
    st.tuples(stem, st.sampled_from(["~", "~1", "~2"])).map("".join),
)
term = st.one_of(pattern, stem, st.sampled_from(['"facial recognition"', "title:bio*", "e-verify"]))


@st.composite
def nested(draw: st.DrawFn) -> str:
    """A term inside up to 60 levels of groups, NOTs and fields."""
    text = draw(term)
    for _ in range(draw(st.integers(0, 60))):
        wrap = draw(st.sampled_from(["group", "not", "field", "or"]))
        if wrap == "group":
            text = f"({text})"
        elif wrap == "not":
            text = f"privacy (NOT {text})"
        elif wrap == "field":
            text = f"title:({text})" if "title:" not in text else f"({text})"
        else:
            text = f"({draw(term)} OR {text})"
    return text


queries = st.one_of(
    nested(),
    st.lists(pattern, min_size=1, max_size=40).map(" ".join),
    st.lists(pattern, min_size=1, max_size=40).map(" OR ".join),
    st.tuples(st.sampled_from("abz"), st.integers(30, 999)).map(lambda t: t[0] * t[1]),
    st.tuples(st.sampled_from("abz"), st.integers(30, 990), st.sampled_from(["~", "~2", "*"])).map(
        lambda t: t[0] * t[1] + t[2]
    ),
)


class RecordingBudget(queryplan.ExpansionBudget):
    """The budget every search gets, remembered so its spending can be checked."""

    made: list[RecordingBudget] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        RecordingBudget.made.append(self)


def run(index_dir: Path, examples: int) -> int:
    ix = privsearch.open_index(index_dir)
    failures: list[str] = []
    seen = 0
    automata = 0
    build = Automata.levenshtein_dfa

    def counting_dfa(*args: object, **kwargs: object) -> object:
        nonlocal automata
        automata += 1
        return build(*args, **kwargs)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(text=queries)
    def limits_hold(text: str) -> None:
        nonlocal seen, automata
        seen += 1
        RecordingBudget.made.clear()
        automata = 0
        try:
            ix.search(text)
            ix.page("DHS/ICE/PIA-054", 1, text) if seen % 10 == 0 else None
        except privsearch.PrivsearchError as exc:
            if exc.status != 400 and not isinstance(exc, privsearch.RecordNotFoundError):
                failures.append(f"{text[:200]!r}: status {exc.status}: {exc}")
            if "\n" in str(exc):
                failures.append(f"{text[:200]!r}: a message of several lines: {exc}")
        except Exception:  # noqa: BLE001 - collecting every crash is the point
            failures.append(f"{text[:200]!r}\n{traceback.format_exc(limit=-3)}")
        for budget in RecordingBudget.made:
            if budget.spent > budget.limit + LARGEST_CHARGE:
                failures.append(f"{text[:200]!r}: spent {budget.spent} of {budget.limit}")
        # One per typo~ word, and one per word the spelling corrector looks at, for the search
        # and for its page.
        most = (text.count("~") + query.MAX_CORRECTED_WORDS) * 2
        if automata > most:
            failures.append(f"{text[:200]!r}: {automata} automata, more than {most}")

    original = query.ExpansionBudget
    query.ExpansionBudget = RecordingBudget  # type: ignore[misc]
    Automata.levenshtein_dfa = staticmethod(counting_dfa)  # type: ignore[method-assign]
    started = time.perf_counter()
    try:
        limits_hold()
    finally:
        query.ExpansionBudget = original  # type: ignore[misc]
        Automata.levenshtein_dfa = staticmethod(build)  # type: ignore[method-assign]
        ix.close()
    seconds = time.perf_counter() - started
    print(f"{seen} queries in {seconds:.1f} s, {len(failures)} failure(s)")
    for failure in failures[:10]:
        print(failure)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args()
    return run(args.index, args.examples)


if __name__ == "__main__":
    sys.exit(main())
