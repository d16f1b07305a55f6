"""The limits that bound what one query may cost: nesting depth, prefix* and typo~ expansion,
long words. Each is checked through the Python API, the command line and HTTP, and by what
the search did (automata built, index terms looked at), never by how long it took."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from whoosh import query as wq
from whoosh import reading
from whoosh.codec.base import Automata

import privsearch
from privsearch import query, querylang, queryplan
from privsearch.cli import cli
from privsearch.http import create_app
from tests.conftest import ROOT

DEEP = "(" * 300 + "privacy" + ")" * 300
SIXTY_FOUR_TYPOS = " ".join(f"w{n}ord~2" for n in range(64))
LONG_WORD = "a" * 1000
PAGE = "/api/documents/DHS%2FICE%2FPIA-054/pages/1"


@pytest.fixture(scope="module")
def client(dhs_index: Path) -> TestClient:
    with TestClient(create_app(dhs_index, rate_limit=0)) as test_client:
        yield test_client


@pytest.fixture
def automata(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every Levenshtein automaton built, and every word compared letter by letter."""
    built: list[tuple] = []
    build = Automata.levenshtein_dfa
    compare = reading.IndexReader.terms_within

    def counting_build(*args):
        built.append(("automaton", *args))
        return build(*args)

    def counting_compare(self, fieldname, text, *args, **kwargs):
        built.append(("compared", fieldname, text))
        return compare(self, fieldname, text, *args, **kwargs)

    monkeypatch.setattr(Automata, "levenshtein_dfa", staticmethod(counting_build))
    monkeypatch.setattr(reading.IndexReader, "terms_within", counting_compare)
    return built


@pytest.fixture
def budgets(monkeypatch: pytest.MonkeyPatch) -> list:
    """The expansion budget of every search made during the test."""
    made: list = []

    class Recording(queryplan.ExpansionBudget):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(query, "ExpansionBudget", Recording)
    return made


def assert_error(response, fragment: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body == {"ok": False, "error": body["error"], "status": 400}
    assert fragment in body["error"] and "\n" not in body["error"]


# -- nesting --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        DEEP,
        "(" * 33 + "a" + ")" * 33,
        "privacy " + "(NOT (privacy " * 60 + "x" + "))" * 60,
        "title:" + "(" * 200 + "a" + ")" * 200,
        "(" * 999,
    ],
)
def test_deep_nesting_is_a_syntax_error(dhs, text):
    with pytest.raises(privsearch.QuerySyntaxError, match="more than 32 levels deep"):
        dhs.search(text)
    with pytest.raises(privsearch.QuerySyntaxError, match="more than 32 levels deep"):
        dhs.page("DHS/ICE/PIA-054", 1, text)


def test_nesting_up_to_the_limit_searches(dhs):
    nested = "(" * querylang.MAX_DEPTH + "privacy" + ")" * querylang.MAX_DEPTH
    assert dhs.search(nested).total == dhs.search("privacy").total
    assert dhs.search("privacy NOT (drone " * 16 + "x" + ")" * 16).total > 0


def test_deep_nesting_on_the_command_line_is_one_line_and_status_2(dhs_index):
    result = CliRunner().invoke(cli, ["search", DEEP, "--index", str(dhs_index)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: the query nests groups or NOTs more than 32 levels")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_deep_nesting_over_http_is_a_json_400(client):
    assert_error(client.get("/api/search", params={"q": DEEP}), "more than 32 levels deep")
    assert_error(client.get(PAGE, params={"q": DEEP}), "more than 32 levels deep")


# -- prefix and typo expansion ------------------------------------------------------------------


def test_64_typo_words_are_refused_before_any_expansion(client, dhs, automata, budgets):
    response = client.get("/api/search", params={"q": SIXTY_FOUR_TYPOS})
    assert_error(response, "the query has 64 prefix* and typo~ words; the limit is 16")
    assert_error(client.get(PAGE, params={"q": SIXTY_FOUR_TYPOS}), "the limit is 16")
    with pytest.raises(privsearch.QueryTooExpensiveError, match="the limit is 16"):
        dhs.search(" OR ".join(f"pr{c}*" for c in "abcdefghijklmnopq"))
    assert automata == [] and budgets == []


def test_typo_words_within_the_count_stop_at_the_expansion_budget(client, automata, budgets):
    words = "privacy biometric border customs immigration security records enforcement retention"
    many = " ".join(f"{w}~2" for w in words.split())
    assert_error(client.get("/api/search", params={"q": many}), "expansion budget")
    (budget,) = budgets
    assert budget.limit < budget.spent <= budget.limit + 4 * 2 * querylang.MAX_FUZZY_LENGTH
    # Each typo~ word's automaton is built once, not once per field, segment and use.
    built = [b for b in automata if b[0] == "automaton"]
    assert len(built) == len({b[1:] for b in built}) <= 9


def test_broad_prefixes_stop_at_the_expansion_budget(dhs, budgets):
    broad = " OR ".join(f"{p}*" for p in ("co", "re", "in", "de", "pr", "st", "se", "ex"))
    with pytest.raises(privsearch.QueryTooExpensiveError, match="expansion budget"):
        dhs.search(broad)
    assert budgets[0].spent <= budgets[0].limit + 1 + queryplan.WORD_COST


def test_expansion_counts_against_the_time_limit(dhs_index, monkeypatch):
    collected = []
    monkeypatch.setattr(query, "scored_matches", lambda *args: collected.append(args) or [])
    with privsearch.Index(dhs_index, time_limit=1e-9) as hurried:
        with pytest.raises(privsearch.QueryTooExpensiveError, match="took longer than"):
            hurried.search("co*")
    assert collected == []  # out of time while expanding, before collecting a match


def test_everyday_patterns_are_within_the_budget(dhs, budgets):
    for text in ("co*", "biometic~", "privcy~2 bio*", "title:(face* OR biometric~)"):
        assert dhs.search(text).total > 0
    assert max(b.spent for b in budgets) < queryplan.EXPANSION_BUDGET


@pytest.mark.parametrize(
    ("fieldname", "make"),
    [
        ("body", lambda f: wq.Prefix(f, "biom")),
        ("title", lambda f: wq.Prefix(f, "co")),
        ("body", lambda f: wq.FuzzyTerm(f, "privcy", maxdist=2)),
        ("summary", lambda f: wq.FuzzyTerm(f, "survel")),
    ],
)
def test_expanded_patterns_match_and_score_as_whoosh_does(dhs, fieldname, make):
    whooshs = make(fieldname)
    ours = (
        queryplan.ExpandedPrefix(fieldname, whooshs.text)
        if isinstance(whooshs, wq.Prefix)
        else queryplan.ExpandedFuzzy(fieldname, whooshs.text, maxdist=whooshs.maxdist)
    )
    searcher = dhs._current()
    ours.expand(searcher.reader(), queryplan.ExpansionBudget())
    expected = {h.docnum: h.score for h in searcher.search(whooshs, limit=None)}
    assert expected
    assert {h.docnum: h.score for h in searcher.search(ours, limit=None)} == expected


# -- long words -----------------------------------------------------------------------------------


def test_a_1000_letter_word_is_not_spell_checked(client, dhs, automata):
    assert dhs.search(LONG_WORD).total == 0
    response = client.get("/api/search", params={"q": LONG_WORD})
    assert response.status_code == 200 and response.json()["total"] == 0
    assert automata == []  # no automaton, no word compared with the term list


def test_a_long_typo_word_is_refused_without_an_automaton(client, automata):
    response = client.get("/api/search", params={"q": "a" * 500 + "~2"})
    assert_error(response, "typo~ matching works on words of at most 32")
    assert automata == []


def test_spelling_correction_looks_at_a_few_words(dhs, automata):
    words = " ".join(f"qz{c}xwvut" for c in "abcdefghij")
    dhs.search(words)
    compared = {b[2] for b in automata if b[0] == "compared"}
    assert 0 < len(compared) <= query.MAX_CORRECTED_WORDS
    assert dhs.search("biometic").suggestion == "biometric"  # still corrected


# -- the fuzz target --------------------------------------------------------------------------


def test_query_cost_fuzz_target_runs(dhs_index, capsys):
    spec = importlib.util.spec_from_file_location(
        "fuzz_query_cost", ROOT / "fuzz" / "fuzz_query_cost.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.run(dhs_index, examples=25) == 0, capsys.readouterr().out


def test_queries_with_patterns_get_at_most_their_share_of_the_time(dhs_index: Path) -> None:
    """After a query with prefix* or typo~ words that ran t seconds, the next one waits
    t * (1 / PATTERN_SHARE - 1): a stream of them leaves ordinary searches most of the time.
    Checked by the waits asked for, not by timing."""
    from unittest import mock

    from privsearch import query as query_module

    with privsearch.open_index(dhs_index) as ix:
        with mock.patch.object(query_module.time, "sleep") as sleep:
            ix.search("biomet*")
            assert not sleep.called and ix._patterns_rest_until > query_module.time.perf_counter()
            ix.search("facial*")
            assert sleep.call_count == 1
            waited = sleep.call_args.args[0]
            ix._patterns_rest_until = query_module.time.perf_counter() + 60
            ix.search("biometric data")  # ordinary searches never wait
            assert sleep.call_count == 1
        assert 0 < waited <= 10
        with pytest.raises(privsearch.QueryTooExpensiveError, match="busy with other queries"):
            ix.search("license*")
        assert ix.search("license plate").total > 0
