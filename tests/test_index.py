"""The index on disk: versions, busy writers, crashes, long documents."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

import privsearch
from privsearch import IndexBusyError, IndexVersionError
from privsearch.index import META_FILE, write_records
from privsearch.models import Page, Record
from tests.conftest import CORPUS, DHS, TEST_LIMITS, require_shared
from tests.pdfgen import write_text_pdf


def _filler(n: int) -> str:
    return f"Page {n}. The program collects names and addresses for routine uses. " * 12


def test_hit_deep_in_a_long_pdf_is_highlighted_with_its_page(tmp_path):
    pages = [_filler(n) for n in range(1, 46)]
    pages[0] = "Privacy Impact Assessment for the Long Document\nDHS/TSA/PIA-999\n" + pages[0]
    pages[39] += " Only this page mentions the narwhal tracking database."
    (tmp_path / "docs").mkdir()
    write_text_pdf(tmp_path / "docs" / "long.pdf", pages)
    index_dir = tmp_path / "index"
    privsearch.build_index([tmp_path / "docs"], index_dir, limits=TEST_LIMITS)
    with privsearch.open_index(index_dir) as ix:
        record = ix.get("DHS/TSA/PIA-999")
        assert len(record.pages) == 45 and len(record.body) > 32_000
        results = ix.search("narwhal tracking")
    hit = results.results[0]
    assert hit.id == "DHS/TSA/PIA-999"
    assert hit.pages == (40,)
    assert "<mark>narwhal</mark> <mark>tracking</mark>" in hit.snippet


def test_unique_token_is_found_after_indexing(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    write_text_pdf(docs / "a.pdf", ["Privacy Impact Assessment for Alpha", "common words here"])
    write_text_pdf(docs / "b.pdf", ["Privacy Impact Assessment for Beta", "zqxjkv appears once"])
    privsearch.build_index([docs], tmp_path / "index", limits=TEST_LIMITS)
    with privsearch.open_index(tmp_path / "index") as ix:
        results = ix.search("zqxjkv")
    assert [Path(h.source).name for h in results.results] == ["b.pdf"]


def test_index_built_with_other_analysis_settings_is_refused(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    write_text_pdf(docs / "a.pdf", ["Privacy Impact Assessment for Alpha"])
    index_dir = tmp_path / "index"
    privsearch.build_index([docs], index_dir, limits=TEST_LIMITS)
    meta = json.loads((index_dir / META_FILE).read_text())
    meta["analyzer_version"] = "0+old"
    (index_dir / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError, match="re-index with `privsearch index --rebuild"):
        privsearch.open_index(index_dir)
    with pytest.raises(IndexVersionError):
        privsearch.build_index([docs], index_dir, limits=TEST_LIMITS)
    report = privsearch.build_index([docs], index_dir, rebuild=True, limits=TEST_LIMITS)
    assert report.records == 1
    assert privsearch.open_index(index_dir).search("alpha").total == 1


def test_second_writer_is_told_the_index_is_busy(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    write_text_pdf(docs / "a.pdf", ["Privacy Impact Assessment for Alpha"])
    index_dir = tmp_path / "index"
    privsearch.build_index([docs], index_dir, limits=TEST_LIMITS)
    write_text_pdf(docs / "b.pdf", ["Privacy Impact Assessment for Beta"])
    writer = whoosh_index.open_dir(str(index_dir)).writer()
    try:
        with pytest.raises(IndexBusyError, match="being written by another process"):
            privsearch.build_index([docs], index_dir, limits=TEST_LIMITS)
    finally:
        writer.cancel()
    assert privsearch.build_index([docs], index_dir, limits=TEST_LIMITS).records == 2


def test_read_only_index_folder_is_a_clear_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    docs = tmp_path / "docs"
    docs.mkdir()
    write_text_pdf(docs / "a.pdf", ["Privacy Impact Assessment for Alpha"])
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    index_dir.chmod(0o500)
    try:
        with pytest.raises(privsearch.PrivsearchError, match="cannot write to the index folder"):
            privsearch.build_index([docs], index_dir, limits=TEST_LIMITS)
    finally:
        index_dir.chmod(0o700)


def test_index_path_that_is_a_file_is_a_clear_error(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    write_text_pdf(docs / "a.pdf", ["Privacy Impact Assessment for Alpha"])
    clash = tmp_path / "index"
    clash.write_text("not a folder")
    with pytest.raises(privsearch.PrivsearchError, match="cannot write to the index folder"):
        privsearch.build_index([docs], clash, limits=TEST_LIMITS)
    assert clash.read_text() == "not a folder"


_BUILD = """
import sys
from pathlib import Path
import privsearch
privsearch.build_index([Path(sys.argv[1])], Path(sys.argv[2]), rebuild=True)
"""


def test_a_list_of_sources_older_than_the_index_is_not_trusted(tmp_path):
    # A run killed after its commit, before it wrote the list of sources, leaves the previous
    # run's list: here a rebuild without a.pdf, then the list that still names a.pdf as read.
    index_dir = tmp_path / "index"
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write_text_pdf(first / "a.pdf", ["Privacy Impact Assessment for the Okapi Registry"])
    write_text_pdf(second / "b.pdf", ["Privacy Impact Assessment for the Pangolin Ledger"])
    privsearch.build_index([first], index_dir, limits=TEST_LIMITS)
    stale_list = (index_dir / META_FILE).read_text()
    privsearch.build_index([second], index_dir, rebuild=True, limits=TEST_LIMITS)
    (index_dir / META_FILE).write_text(stale_list)

    report = privsearch.build_index([first, second], index_dir, limits=TEST_LIMITS)

    assert report.sources_read == 2
    with privsearch.open_index(index_dir) as ix:
        assert ix.search("okapi").total == 1 and ix.search("pangolin").total == 1
        assert ix.stats()["records"] == 2


def test_killed_run_leaves_the_previous_index_searchable(tmp_path):
    require_shared()
    index_dir = tmp_path / "index"
    small = tmp_path / "small"
    small.mkdir()
    write_text_pdf(small / "a.pdf", ["Privacy Impact Assessment for the Okapi Registry"])
    privsearch.build_index([small], index_dir, limits=TEST_LIMITS)
    before = privsearch.open_index(index_dir).search("okapi")
    assert before.total == 1

    old_state = 0
    for delay in (0.3, 0.8, 1.3, 1.8, 2.3):
        proc = subprocess.Popen(
            [sys.executable, "-c", _BUILD, str(DHS), str(index_dir)],
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        # Killed before its commit, the run left the previous index; after it, the new one.
        # Never anything in between.
        with privsearch.open_index(index_dir) as ix:
            records = ix.stats()["records"]
            if records == 1:
                old_state += 1
                assert [h.id for h in ix.search("okapi").results] == [h.id for h in before.results]
            else:
                assert records == 348 and ix.search("okapi").total == 0
        if records != 1:
            break
    assert old_state >= 1

    report = privsearch.build_index([small, DHS], index_dir, limits=TEST_LIMITS)
    assert report.records > 300
    with privsearch.open_index(index_dir) as ix:
        assert ix.search("okapi").total == 1
        assert ix.search("DHS/ICE/PIA-054").results[0].id == "DHS/ICE/PIA-054"


def test_an_empty_index_answers(tmp_path):
    (tmp_path / "nothing").mkdir()
    privsearch.build_index([tmp_path / "nothing"], tmp_path / "index", limits=TEST_LIMITS)
    with privsearch.open_index(tmp_path / "index") as ix:
        results = ix.search("privacy")
        assert results.total == 0 and results.facets["component"] == {}
        assert ix.suggest("pri").phrases == () and ix.stats()["records"] == 0
        assert ix.search("pri", prefix=True).total == 0


# --- writer processes ----------------------------------------------------------------------------

# Indexes in writer processes from the first megabyte of text on, whatever the corpus size.
PARALLEL = replace(TEST_LIMITS, workers=2, parallel_index_mb=0.001)
SERIAL = replace(TEST_LIMITS, parallel_index_mb=1000)

_QUERIES = [
    "facial recognition",
    '"Section 1367"',
    "PIA-054",
    "biometic",
    "license plate readers",
    "body worn cameras",
    "social media",
    "E-Verify",
]


def _answers(index_dir: Path) -> list[tuple]:
    with privsearch.open_index(index_dir) as ix:
        answers = []
        for query in _QUERIES:
            found = ix.search(query, per_page=50)
            results = found.results
            hits = [(h.id, h.source, round(h.score, 6), h.pages, h.snippet) for h in results]
            answers.append((query, found.total, hits, found.facets, found.suggestion))
        answers.append(ix.suggest("fac"))
        answers.append(sorted((r.source, r.id, r.title, r.body) for r in ix.records()))
        return answers


def test_writer_processes_build_the_same_index_as_one_writer(tmp_path):
    require_shared()
    privsearch.build_index([DHS], tmp_path / "serial", limits=SERIAL)
    report = privsearch.build_index([DHS], tmp_path / "parallel", limits=PARALLEL)
    assert report.records == 348
    # The documents went to more than one segment, all published by the run's one commit.
    segments = whoosh_index.open_dir(str(tmp_path / "parallel"))._segments()
    assert len(segments) >= 2
    assert sum(s.doc_count() for s in segments) == 348
    assert _answers(tmp_path / "parallel") == _answers(tmp_path / "serial")
    # Incremental runs over a multi-segment index: nothing changed, then one source gone.
    again = privsearch.build_index([DHS], tmp_path / "parallel", limits=PARALLEL)
    assert again.sources_read == 0 and again.records == 348


def test_writer_processes_share_the_runs_memory_and_spill_the_same_index(tmp_path, monkeypatch):
    require_shared()
    from privsearch import index as pindex

    started = []
    start_worker = pindex._SegmentWorker.__init__

    def start_and_note(self, ctx, jobs, ix, schema, limitmb):
        started.append((ctx.get_start_method(), limitmb))
        start_worker(self, ctx, jobs, ix, schema, limitmb)

    monkeypatch.setattr(pindex._SegmentWorker, "__init__", start_and_note)
    # Half a megabyte of postings each: every writer spills its postings to disk many times.
    limits = replace(PARALLEL, index_memory_mb=1)
    privsearch.build_index([DHS], tmp_path / "spilled", limits=limits)
    # The run's limit is shared, and the writers are not forked from the run (whose memory,
    # a caller's records, they would otherwise come to hold a second copy of).
    assert [limitmb for _, limitmb in started] == [0.5, 0.5]
    assert all(method != "fork" for method, _ in started)
    privsearch.build_index([DHS], tmp_path / "serial", limits=SERIAL)
    assert _answers(tmp_path / "spilled") == _answers(tmp_path / "serial")


def test_records_sent_to_writer_processes_are_left_as_they_were(tmp_path):
    # Pickled as it is, a string that is not ASCII keeps its UTF-8 form: a caller's records
    # would hold their text twice after an indexing run.
    text = "Les données personnelles — nom, adresse et numéro de passeport. " * 800
    records = [
        Record(id=f"DHS/PIA-{n:03}", title=f"Évaluation {n}", pages=(Page(1, f"{text} n{n}"),))
        for n in range(8)
    ]
    sizes = [sys.getsizeof(page.text) for record in records for page in record.pages]
    limits = replace(PARALLEL, parallel_index_mb=0.01)
    assert write_records(records, tmp_path / "index", limits=limits) == 8
    assert [sys.getsizeof(page.text) for record in records for page in record.pages] == sizes
    with privsearch.open_index(tmp_path / "index") as ix:
        assert ix.search("passeport", per_page=20).total == 8
        assert ix.get("DHS/PIA-003").body == f"{text} n3"
    assert len(whoosh_index.open_dir(str(tmp_path / "index"))._segments()) == 2


def test_a_writer_process_that_dies_fails_the_run_and_keeps_the_index(tmp_path, monkeypatch):
    require_shared()
    index_dir = tmp_path / "index"
    privsearch.build_index([CORPUS], index_dir, limits=SERIAL)
    before = _answers(index_dir)

    from privsearch import index as pindex

    start_worker = pindex._SegmentWorker.__init__

    def start_and_kill(self, *args):  # as the kernel's OOM killer might
        start_worker(self, *args)
        os.kill(self.process.pid, signal.SIGKILL)

    monkeypatch.setattr(pindex._SegmentWorker, "__init__", start_and_kill)
    with pytest.raises(privsearch.PrivsearchError, match="writer process ended early .*SIGKILL"):
        privsearch.build_index([DHS], index_dir, rebuild=True, limits=PARALLEL)
    assert _answers(index_dir) == before
    # Nothing of the failed run is left beside the index.
    toc = whoosh_index.open_dir(str(index_dir))._read_toc()
    names = {s.segment_id() for s in toc.segments}
    assert all(
        not f.endswith(".seg") or f.rsplit(".", 1)[0] in names for f in os.listdir(index_dir)
    )


def _session_processes(session: int) -> list[int]:
    """Processes whose process group is `session` (every process a run started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields_after_name = stat.rsplit(")", 1)[1].split()
            if int(fields_after_name[2]) == session and fields_after_name[0] != "Z":
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_writer_processes_end_when_their_run_is_killed(tmp_path):
    require_shared()
    env = {**os.environ, "PRIVSEARCH_PARALLEL_INDEX_MB": "0.001", "PRIVSEARCH_WORKERS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "privsearch", "index", str(DHS), "--index", str(tmp_path / "ix")],
        start_new_session=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until the run has started its workers (the run, a fork server, two PDF workers and
    # two writers), then kill the run alone, not its group.
    deadline = time.monotonic() + 60
    while len(_session_processes(proc.pid)) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before its workers could be seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _session_processes(proc.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "worker processes outlived the killed run"


def test_a_run_that_changes_nothing_makes_no_new_version(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    write_text_pdf(docs / "a.pdf", ["Privacy Impact Assessment for the Okapi Registry"])
    privsearch.build_index([docs], tmp_path / "index", limits=SERIAL)
    with privsearch.open_index(tmp_path / "index") as ix:
        first = ix.generation()
        privsearch.build_index([docs], tmp_path / "index", limits=SERIAL)
        assert ix.generation() == first  # servers keep their caches
        write_text_pdf(docs / "b.pdf", ["Privacy Impact Assessment for the Narwhal Tracker"])
        privsearch.build_index([docs], tmp_path / "index", limits=SERIAL)
        assert ix.generation() > first
        assert ix.search("narwhal").total == 1


def test_a_run_leaves_no_worker_holding_the_callers_files(tmp_path):
    """The HTML and PDF workers end with the run: a pipe the caller opened before it (to a
    child of its own) closes when the caller closes it, and no process of ours is left."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "page.html").write_text(
        "<html><head><title>Privacy Impact Assessment for the Harbor Camera System</title>"
        "</head><body><h1>Harbor Camera System</h1><p>Cameras record the harbor.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    write_text_pdf(docs / "notice.pdf", ["Privacy Act of 1974; System of Records for harbors"])
    import multiprocessing

    reader = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        report = privsearch.build_index([docs], tmp_path / "ix", limits=TEST_LIMITS)
        assert report.records == 2 and not report.skipped
        assert multiprocessing.active_children() == []
        reader.stdin.close()
        assert reader.wait(timeout=20) == 0
    finally:
        reader.kill()
