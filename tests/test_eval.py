"""`privsearch eval` and `privsearch.evaluate`: the project's judged queries against the DHS
index, figures that agree with the benchmarks', the documented example, and bad files."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import privsearch
from privsearch.cli import cli
from privsearch.evaluate import JudgedQuery, read_judged
from tests.conftest import CORPUS, ROOT

sys.path.insert(0, str(ROOT))

from benchmarks import quality  # noqa: E402
from benchmarks.judged import QUERIES  # noqa: E402
from benchmarks.systems import Privsearch  # noqa: E402

COMMANDS_PAGE = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
FIRST_QUERY = json.loads(QUERIES.read_text(encoding="utf-8").splitlines()[0])


def run(*args: str, ok: bool = True, env: dict[str, str] | None = None):
    result = CliRunner().invoke(cli, ["eval", *args], env=env, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def write_lines(path: Path, *objects: object) -> Path:
    path.write_text(
        "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objects),
        encoding="utf-8",
    )
    return path


# -- the project's judged queries, against the benchmarks' own figures ---------------------------


@pytest.fixture(scope="module")
def benchmark_table(dhs_index):
    """The quality benchmark's privsearch figures for the judged queries, on the same index."""
    queries = read_judged(QUERIES)
    system = Privsearch(dhs_index)
    try:
        runs = quality.run_queries({"privsearch": system}, queries)
    finally:
        system.close()
    return quality.evaluate(runs, queries)["privsearch"], queries


def test_json_figures_agree_with_the_benchmark(dhs_index, benchmark_table):
    table, queries = benchmark_table
    data = json.loads(run(str(QUERIES), "--index", str(dhs_index), "--json").stdout)
    assert data["overall"]["queries"] == len(queries)
    for metric in ("ndcg@10", "mrr", "recall@20"):
        assert data["overall"][metric] == pytest.approx(table["overall"][metric], abs=1e-4)
        for category, values in data["categories"].items():
            assert values[metric] == pytest.approx(table[category][metric], abs=1e-4)
    assert sum(v["queries"] for v in data["categories"].values()) == len(queries)
    assert set(data["splits"]) == {"tuning", "held-out"}
    assert [q["id"] for q in data["queries"]] == [q.id for q in queries]
    assert data["unknown_ids"] == {}


def test_json_lists_each_querys_top_ids_with_their_grades(dhs_index):
    data = json.loads(run(str(QUERIES), "--index", str(dhs_index), "--json", "-k", "5").stdout)
    first = data["queries"][0]
    assert data["k"] == 5 and "ndcg@5" in first and "ndcg@10" not in first
    assert first["id"] == FIRST_QUERY["id"] and first["text"] == FIRST_QUERY["text"]
    assert 0 < len(first["top"]) <= 5
    for entry in first["top"]:
        assert entry["grade"] == FIRST_QUERY["judgments"].get(entry["id"])


def test_the_table_shows_overall_splits_categories_and_queries(dhs_index, benchmark_table):
    table, queries = benchmark_table
    out = run(str(QUERIES), "--index", str(dhs_index), "--per-query").stdout
    overall = f"{table['overall']['ndcg@10']:.3f}"
    assert re.search(rf"^overall +{len(queries)} +{overall} ", out, re.M)
    assert re.search(r"^split held-out +\d+ ", out, re.M)
    for category in {q.category for q in queries}:
        assert re.search(rf"^category {category} +\d+ +\d\.\d{{3}}", out, re.M)
    for q in queries:
        assert re.search(rf"^{q.id} +{q.category} +{q.split} .* {re.escape(q.text)}$", out, re.M)


def test_python_api_takes_an_index_or_its_folder_and_files_or_queries(dhs, dhs_index):
    from_folder = privsearch.evaluate(dhs_index, QUERIES)
    queries = read_judged(QUERIES)[:5]
    from_objects = privsearch.evaluate(dhs, queries)
    assert [q.query.id for q in from_objects.queries] == [q.id for q in queries]
    assert from_objects.queries == from_folder.queries[:5]
    assert set(from_folder.overall) == {"ndcg@10", "mrr", "recall@20"}
    assert "evaluate" in privsearch.__all__


def test_a_query_the_index_answers_perfectly_scores_one(dhs, tmp_path):
    top = [hit.id for hit in dhs.search("license plate readers", per_page=3).results]
    judged = JudgedQuery("q", "topic", "license plate readers", judgments={top[0]: 2, top[1]: 1})
    result = privsearch.evaluate(dhs, [judged])
    assert result.overall == {"ndcg@10": 1.0, "mrr": 1.0, "recall@20": 1.0}
    reversed_grades = JudgedQuery("q", "topic", "license plate readers", judgments={top[1]: 2})
    assert privsearch.evaluate(dhs, [reversed_grades]).overall["mrr"] == 0.5


# -- the documented example --------------------------------------------------------------------


def _eval_section() -> str:
    return COMMANDS_PAGE.split("**`privsearch eval ", 1)[1].split("\n**`privsearch ", 1)[0]


def _masked(text: str) -> list[str]:
    """Lines with the figures masked (they move with the ranking) and spacing collapsed."""
    return [" ".join(re.sub(r"\d\.\d{3}", "#", line).split()) for line in text.splitlines()]


def test_the_documented_example_runs_as_shown(dhs_index, tmp_path):
    section = _eval_section()
    lines = re.search(r"```jsonl\n(.*?)```", section, re.S).group(1)
    console = re.search(r"```console\n\$ (.*?)\n(.*?)```", section, re.S)
    command, shown = console.group(1).split(), console.group(2)
    assert command[:3] == ["privsearch", "eval", "my-queries.jsonl"]
    path = tmp_path / "my-queries.jsonl"
    path.write_text(lines, encoding="utf-8")
    out = run(str(path), *command[3:], "--index", str(dhs_index)).stdout
    assert _masked(out) == _masked(shown)
    # the example's judged ids are records of the corpus, so no warning
    assert privsearch.evaluate(dhs_index, path).unknown_ids == {}


# -- bad files and options ---------------------------------------------------------------------


def _error(tmp_path: Path, *objects: object) -> str:
    path = write_lines(tmp_path / "q.jsonl", *objects)
    result = run(str(path), "--index", str(tmp_path / "no-index"), ok=False)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    return result.stderr.strip().replace(str(path), "FILE")


def test_a_line_that_is_not_json(tmp_path):
    assert _error(tmp_path, FIRST_QUERY, "{oops") == (
        "Error: FILE:2: not JSON (Expecting property name enclosed in double quotes at column 2)"
    )


def test_a_line_that_is_not_an_object(tmp_path):
    assert _error(tmp_path, [1, 2]) == "Error: FILE:1: not a JSON object"


def test_missing_fields(tmp_path):
    assert _error(tmp_path, {"id": "a", "text": "x"}) == (
        "Error: FILE:1: missing field(s): category, judgments"
    )


def test_a_grade_outside_0_to_2(tmp_path):
    bad = {**FIRST_QUERY, "judgments": {"DHS/ICE/PIA-054": 3}}
    assert _error(tmp_path, bad) == (
        f"Error: FILE:1: query {FIRST_QUERY['id']}: grade 3 for DHS/ICE/PIA-054 "
        "(grades are 0, 1 or 2)"
    )
    bad = {**FIRST_QUERY, "judgments": {"DHS/ICE/PIA-054": "2"}}
    assert 'grade "2" for DHS/ICE/PIA-054' in _error(tmp_path, bad)


def test_a_query_with_no_relevant_document(tmp_path):
    bad = {**FIRST_QUERY, "judgments": {"DHS/ICE/PIA-054": 0}}
    assert _error(tmp_path, bad) == (
        f"Error: FILE:1: query {FIRST_QUERY['id']}: no document is judged relevant (grade 1 or 2)"
    )


def test_a_query_id_used_twice(tmp_path):
    assert _error(tmp_path, FIRST_QUERY, FIRST_QUERY) == (
        f"Error: FILE:2: query id {FIRST_QUERY['id']} is already used at FILE:1"
    )


def test_an_empty_text(tmp_path):
    assert _error(tmp_path, {**FIRST_QUERY, "text": " "}) == (
        f"Error: FILE:1: query {FIRST_QUERY['id']}: 'text' must be a non-empty string, not \" \""
    )


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")
    result = run(str(path), ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: no judged queries in {path}"


def test_a_missing_file_and_a_bad_k(tmp_path):
    result = run(str(tmp_path / "nope.jsonl"), ok=False)
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = run(str(QUERIES), "-k", "0", ok=False)
    assert result.exit_code == 2 and "-k" in result.stderr
    with pytest.raises(privsearch.BadParameterError, match="k must be between 1 and 100"):
        privsearch.evaluate(tmp_path, QUERIES, k=0)


def test_unknown_record_ids_are_a_warning_listing_them(dhs_index, tmp_path):
    judgments = {**FIRST_QUERY["judgments"], "DHS/NOPE/PIA-999": 2, "no-such-record": 0}
    path = write_lines(tmp_path / "q.jsonl", {**FIRST_QUERY, "judgments": judgments})
    result = run(str(path), "--index", str(dhs_index))
    first = FIRST_QUERY["id"]
    assert result.stderr.strip() == (
        "warning: 2 judged record id(s) are not in the index; they count as relevant documents "
        f"it cannot return: {first}: DHS/NOPE/PIA-999; {first}: no-such-record"
    )
    assert re.search(r"^overall +1 ", result.stdout, re.M)
    data = json.loads(run(str(path), "--index", str(dhs_index), "--json").stdout)
    assert data["unknown_ids"] == {first: ["DHS/NOPE/PIA-999", "no-such-record"]}


def test_a_query_that_does_not_parse_names_the_query(dhs_index, tmp_path):
    path = write_lines(tmp_path / "q.jsonl", {**FIRST_QUERY, "text": "title:(facial"})
    result = run(str(path), "--index", str(dhs_index), ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: query {FIRST_QUERY['id']} ('title:(facial'): ")


def test_an_unknown_component_names_the_query(dhs_index, tmp_path):
    path = write_lines(tmp_path / "q.jsonl", {**FIRST_QUERY, "component": "XYZ"})
    result = run(str(path), "--index", str(dhs_index), ok=False)
    assert result.exit_code == 2
    text = FIRST_QUERY["text"]
    assert result.stderr.startswith(
        f"Error: query {FIRST_QUERY['id']} ({text!r}): unknown component 'XYZ'"
    )


# -- a missing index -----------------------------------------------------------------------------


def test_with_no_index_it_builds_one_as_search_does(tmp_path):
    path = write_lines(
        tmp_path / "q.jsonl",
        {"id": "a", "category": "topic", "text": "facial recognition",
         "judgments": {"DHS/ICE/PIA-054": 2}},
    )  # fmt: skip
    index_dir = tmp_path / "index"
    env = {"PRIVSEARCH_CORPUS_DIR": str(CORPUS)}
    result = run(str(path), "--index", str(index_dir), env=env)
    assert "No index at" in result.stderr and "building one from" in result.stderr
    assert re.search(r"^overall +1 ", result.stdout, re.M)
    env = {"PRIVSEARCH_CORPUS_DIR": str(tmp_path / "no-corpus")}
    result = run(str(path), "--index", str(tmp_path / "none"), env=env, ok=False)
    assert result.exit_code == 1 and "no index at" in result.stderr
