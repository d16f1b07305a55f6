"""The benchmarks' metric code, the judged queries, the peers' setup, and smoke runs of both
benchmark scripts."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
DHS = SHARED / "corpus" / "dhs"
sys.path.insert(0, str(ROOT))

from benchmarks import metrics  # noqa: E402
from benchmarks.judged import (  # noqa: E402
    CATEGORIES,
    QUERIES,
    SPLITS,
    load_queries,
    problems,
    query_files,
)


def require_shared() -> None:
    if not DHS.is_dir():
        pytest.skip(f"the shared DHS corpus is not at {DHS} (only present beside the repository)")


# -- metrics, against values worked out by hand ---------------------------------------------------

JUDGED = {"a": 2, "c": 1, "d": 2, "e": 0}


def test_dcg_uses_exponential_gain_and_log2_discount():
    # (2^2 - 1)/log2(2) + (2^0 - 1)/log2(3) + (2^1 - 1)/log2(4) = 3 + 0 + 0.5
    assert metrics.dcg([2, 0, 1]) == pytest.approx(3.5)


def test_ndcg_divides_by_the_ideal_ordering_of_all_judged_documents():
    # ideal: grades 2, 2, 1 -> 3 + 3/log2(3) + 1/2
    ideal = 3 + 3 / math.log2(3) + 0.5
    assert metrics.ndcg_at(["a", "b", "c"], JUDGED) == pytest.approx(3.5 / ideal)
    assert metrics.ndcg_at(["a", "d", "c"], JUDGED) == pytest.approx(1.0)
    assert metrics.ndcg_at(["b", "e"], JUDGED) == 0.0
    assert metrics.ndcg_at(["a"], {"a": 0}) == 0.0  # nothing relevant: 0, not a division error


def test_ndcg_cuts_at_k():
    ranked = ["x1", "x2", "a"]
    assert metrics.ndcg_at(ranked, {"a": 2}, k=2) == 0.0
    assert metrics.ndcg_at(ranked, {"a": 2}, k=3) == pytest.approx(1 / math.log2(4))


def test_a_repeated_id_counts_once():
    # ["a", "a", "b"] is scored as ["a", "b"]: b sits at rank 2, gain 3/log2(3), ideal 3.
    assert metrics.ndcg_at(["a", "a", "b"], {"b": 2}) == pytest.approx(1 / math.log2(3))
    assert metrics.reciprocal_rank(["a", "a", "b"], {"b": 1}) == 0.5


def test_reciprocal_rank():
    assert metrics.reciprocal_rank(["a", "b"], JUDGED) == 1.0
    assert metrics.reciprocal_rank(["b", "e", "c"], JUDGED) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(["b", "e"], JUDGED) == 0.0
    assert metrics.reciprocal_rank(["c", "a"], JUDGED, min_grade=2) == 0.5


def test_recall_at_k():
    assert metrics.recall_at(["a", "c", "x"], JUDGED) == pytest.approx(2 / 3)
    assert metrics.recall_at(["x", "a"], JUDGED, k=1) == 0.0
    assert metrics.recall_at(["a", "d"], JUDGED, min_grade=2) == 1.0
    assert metrics.recall_at(["a"], {"a": 0}) == 0.0


# -- the judged queries ---------------------------------------------------------------------------


def test_the_metrics_are_the_packages():
    from privsearch import evaluate as package  # noqa: F401  (the function)
    from privsearch.evaluate import ndcg_at

    assert metrics.ndcg_at is ndcg_at


def test_judged_queries_cover_every_category():
    queries = load_queries()
    assert len(queries) >= 40
    assert set(CATEGORIES) <= {q.category for q in queries}
    assert any(q.component for q in queries)


def test_every_query_file_is_loaded_and_both_parts_are_present():
    files = query_files()
    assert files[0] == QUERIES and all(p.suffix == ".jsonl" for p in files)
    queries = load_queries()
    assert len(queries) == sum(len(load_queries(p)) for p in files)
    assert {q.split for q in queries} == set(SPLITS)
    for category in CATEGORIES:
        splits = {q.split for q in queries if q.category == category}
        assert splits == set(SPLITS), category


def test_load_queries_names_the_file_and_line_of_a_bad_line(tmp_path):
    import privsearch

    path = tmp_path / "more.jsonl"
    path.write_text(QUERIES.read_text(encoding="utf-8").splitlines()[0] + "\n{oops\n")
    with pytest.raises(privsearch.BadParameterError, match=r"more\.jsonl:2: not JSON"):
        load_queries(path)


def test_every_judged_id_is_a_record_of_the_corpus():
    require_shared()
    import privsearch

    known = {record.id for record in privsearch.read_records([DHS])}
    assert problems(load_queries(), known) == []


# -- smoke runs (a handful of queries, a tiny generated corpus) ----------------------------------


# -- the peers, set up as a competent user would ------------------------------------------------


@pytest.fixture(scope="module")
def peers(tmp_path_factory):
    require_shared()
    import privsearch
    from benchmarks import systems

    records = privsearch.read_records([DHS])
    workdir = tmp_path_factory.mktemp("peers")
    opened = {}
    for name in ("sqlite-fts5", "whoosh-defaults"):
        systems.build_peer(name, records, workdir)
        opened[name] = systems.open_peer(name, records, workdir)
    yield opened
    for system in opened.values():
        system.close()


@pytest.mark.parametrize("name", ["sqlite-fts5", "whoosh-defaults"])
def test_a_peer_ors_the_words_when_anding_them_finds_nothing(peers, name):
    peer = peers[name]
    both = peer.search("license plate", limit=20)
    assert both
    # "biometirc" is in no document: ANDed, nothing; ORed, documents with the other words,
    # those with both first
    fallback = peer.search("biometirc license plate", limit=20)
    assert fallback and fallback[0] in both
    # the fallback is only a fallback: words that all match still AND
    anded = peer.search("license plate readers", limit=50)
    assert set(anded) <= set(peer.search("readers", limit=200))


# -- the quality report --------------------------------------------------------------------------


def _judged(qid, split, category="topic"):
    from privsearch.evaluate import JudgedQuery

    return JudgedQuery(qid, category, "x", judgments={"a": 2, "b": 1}, split=split)


def test_the_report_separates_the_parts_and_checks_the_targets_on_the_held_out_one():
    from benchmarks import quality

    queries = [_judged("q1", "tuning"), _judged("q2", "held-out"), _judged("q3", "held-out")]
    runs = {
        "privsearch": {"q1": ["a", "b"], "q2": ["a", "b"], "q3": ["a", "b"]},
        "sqlite-fts5": {"q1": ["a", "b"], "q2": ["x", "a"], "q3": ["a", "b"]},
        "tantivy": {"q1": ["b", "a"], "q2": ["a", "b"], "q3": ["a", "b"]},
    }
    lines, data = quality.report(runs, queries, quality.PARTS, baseline=None)
    text = "\n".join(lines)
    assert "## tuning part: 1 judged queries" in text
    assert "## held-out part: 2 judged queries" in text
    assert data["parts"]["tuning"]["privsearch"]["overall"]["ndcg@10"] == 1.0
    fts5 = data["parts"]["held-out"]["sqlite-fts5"]["overall"]["ndcg@10"]
    ratio = 1.0 / fts5
    assert f"vs sqlite-fts5 {fts5:.3f}: {ratio:.3f}x (target at least 1.30x: " in text
    assert "vs tantivy 1.000: 1.000x (target at least 1.10x: MISSED)" in text
    assert "every category at or above the best peer: met" in text
    assert "| file (queries)" not in text  # one file: no breakdown
    unjudged = "unjudged documents in the top 10s: privsearch 0, sqlite-fts5 1, tantivy 0"
    assert text.count(unjudged) == 2  # "x" in the held-out part and in all of it
    origins = {"q1": "a.jsonl", "q2": "a.jsonl", "q3": "b.jsonl"}
    lines, _ = quality.report(runs, queries, ["held-out"], None, origins)
    text = "\n".join(lines)
    assert "| a.jsonl (1) | 1.000 | " in text and "| b.jsonl (1) | 1.000 | 1.000 | 1.000 |" in text


def test_the_report_compares_each_part_with_the_baseline_over_the_queries_both_have():
    from benchmarks import quality

    queries = [_judged("q1", "tuning"), _judged("q2", "held-out"), _judged("new", "held-out")]
    runs = {"privsearch": {"q1": ["b", "a"], "q2": ["a", "b"], "new": []}}
    baseline = {
        "code": {"commit": "abc1234"},
        "per_query": {"privsearch": {"q1": {"ndcg@10": 1.0}, "q2": {"ndcg@10": 0.5}}},
    }
    lines, _ = quality.report(runs, queries, ["tuning"], baseline)
    text = "\n".join(lines)
    now = metrics.ndcg_at(["b", "a"], {"a": 2, "b": 1})
    assert f"tuning part (1 queries): nDCG@10 {now:.3f} vs 1.000 at abc1234 (" in text
    assert f"({now - 1:+.3f}, dropped)" in text
    held_out = "held-out part (1 queries): nDCG@10 1.000 vs 0.500 at abc1234 (+0.500, did not drop)"
    assert held_out in text


def test_the_recorded_baseline_is_of_the_judged_queries():
    from benchmarks import quality

    baseline = json.loads(quality.BASELINE.read_text(encoding="utf-8"))
    ids = {q.id for q in load_queries()}
    assert set(baseline["per_query"]["privsearch"]) <= ids
    assert baseline["code"]["commit"]


def test_quality_smoke(capsys):
    require_shared()
    from benchmarks import quality

    assert quality.main(["--smoke", "--baseline", "none"]) == 0
    out = capsys.readouterr().out
    n = len(quality.smoke_queries(load_queries()))
    assert f"## all part: {n} judged queries" in out
    assert "## tuning part:" in out and "## held-out part:" in out
    assert "Targets on the held-out part:" in out
    assert "sqlite-fts5" in out and "whoosh-defaults" in out and "grep" in out


def test_quality_per_query_shows_held_out_queries_only_when_asked(capsys):
    require_shared()
    from benchmarks import quality

    assert quality.main(["--smoke", "--per-query", "--baseline", "none"]) == 0
    out = capsys.readouterr().out
    assert "[tuning]" in out and "[held-out]" not in out
    assert quality.main(["--smoke", "--split", "held-out", "--per-query"]) == 0
    out = capsys.readouterr().out
    assert "[held-out]" in out and "[tuning]" not in out and "## tuning part" not in out


def test_speed_smoke(capsys):
    require_shared()
    from benchmarks import speed

    assert speed.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "### Scale smoke" in out
    assert "privsearch p95 / SQLite FTS5 p95" in out
    assert "privsearch indexing speed / Whoosh defaults" in out


def test_index_only_reports_the_runs_time_and_memory(tmp_path, capsys):
    import pickle

    import privsearch
    from benchmarks import index_only

    records = privsearch.read_records([ROOT / "corpus"])
    (tmp_path / "records.pickle").write_bytes(pickle.dumps(records))
    figures = index_only.measure(tmp_path / "records.pickle", "privsearch", tmp_path)
    # The run and its two writers (and their fork server) were each seen, and counted.
    assert len(figures["process_peaks_mb"]) >= 3
    assert figures["tree_peak_mb"] >= figures["process_peaks_mb"]["main"] > 10
    assert figures["tree_cpu_seconds"] > 0 and figures["seconds"] > 0
    with privsearch.open_index(tmp_path / "privsearch-indexonly") as ix:
        assert ix.stats()["records"] == len(records)
    assert index_only.main([str(tmp_path / "records.pickle"), "--workers", "1"]) == 0
    assert "tree peak PSS" in capsys.readouterr().out


def test_generator_writes_a_manifest_privsearch_reads(tmp_path):
    require_shared()
    import privsearch
    from benchmarks.generate import generate

    stats = generate(tmp_path, 4, 9000, seed=2)
    assert stats["docs"] == 4 and stats["pages"] >= 8
    records = privsearch.read_records([tmp_path])
    assert len(records) == 4
    assert all(len(r.pages) >= 2 and len(r.body) > 3000 for r in records)
    assert len({r.id for r in records}) == 4


def test_typeahead_benchmark_smoke(dhs_index, capsys):
    from benchmarks import typeahead

    assert typeahead.keystrokes(["ice", "a b"]) == ["ic", "ice", "a ", "a b"]
    assert typeahead.main(["--index", str(dhs_index), "--smoke", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["records"] > 300 and figures["keystrokes"] > 10
    assert set(figures["suggest"]) == {"n", "median_ms", "p95_ms", "max_ms"}
    assert figures["prefix_search"]["n"] == figures["keystrokes"]


def test_startup_smoke(bundled_index, tmp_path, capsys):
    from benchmarks import startup

    out_json = tmp_path / "startup.json"
    assert (
        startup.main(["--repeats", "1", "--index", str(bundled_index), "--json", str(out_json)])
        == 0
    )
    figures = json.loads(out_json.read_text())
    assert figures["search"]["median"] > 0 and figures["serve_ready"] > 0
    assert figures["serve_first_search"] >= figures["serve_ready"]
    assert any(module.startswith("whoosh") for module, _ in figures["slowest_imports"])
    assert "serve: ready in" in capsys.readouterr().out


def test_the_load_benchmark_sends_distinct_searches_the_api_answers(bundled_index):
    from fastapi.testclient import TestClient

    from benchmarks.load import distinct_searches
    from privsearch.http import create_app

    judged = {q.text for q in load_queries()}
    searches, made_of = distinct_searches(bundled_index, 4 * len(judged) + 200)
    paths = [s.path() for s in searches]
    assert len(set(paths)) == len(paths) == 4 * len(judged) + 200
    assert made_of.startswith(f"{len(paths)} distinct searches")
    assert judged < {s.text for s in searches}  # and generated queries past them
    assert {s.page for s in searches} == {1, 2}
    assert {s.sort for s in searches} == {None, "date"}
    with TestClient(create_app(bundled_index, rate_limit=0)) as client:
        answers = [client.get(path) for path in paths[:40]]
    assert [a.status_code for a in answers] == [200] * 40
    assert answers[0].json()["query"] == searches[0].text


def test_the_load_benchmark_resumes_past_every_path_a_wrk_thread_took():
    from benchmarks.load import _walked

    # Thread k of 2 takes lines k, k + 2, ...: thread 1 took lines 1, 3, 5, thread 2 lines 2, 4.
    output = "walk thread 1 used 3 ran_out 0\nwalk thread 2 used 2 ran_out 0\n"
    assert _walked(output, 2) == (5, False)
    assert _walked(output.replace("used 2 ran_out 0", "used 2 ran_out 1"), 2) == (5, True)
