"""Faults around an indexing run: kill -9 at random points, a full or read-only disk, two
runs at once. The previous index must always open and answer what it answered before."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

import privsearch
from privsearch.cli import cli
from privsearch.config import Limits
from tests.pdfgen import write_text_pdf

LIMITS = Limits(pdf_timeout=20.0, workers=2)
_WORDS = [f"{a}{b}{c}word" for a in "bcdfghk" for b in "aeiou" for c in "lmnprst"]


def _write_batch(folder: Path, batch: int, docs: int, rng: random.Random) -> None:
    """`docs` PDFs of varied words, each holding the token of its batch."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(docs):
        pages = [f"Privacy Impact Assessment for Batch {batch} Document {n}"]
        pages += [" ".join(rng.choices(_WORDS, k=500)) for _ in range(6)]
        pages[-1] += f" batchtoken{batch}x"
        write_text_pdf(folder / f"b{batch:02d}-d{n:02d}.pdf", pages)


def _index_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "privsearch", "index", *args]


def _ids(index_dir: Path, query: str) -> set[str]:
    with privsearch.open_index(index_dir) as ix:
        return {hit.id for hit in ix.search(query, per_page=100).results}


# --- kill -9 -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_kill_9_at_random_points_never_damages_the_index(tmp_path: Path) -> None:
    seed = int(os.environ.get("PRIVSEARCH_FAULT_SEED", "20261125"))
    rng = random.Random(seed)
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    per_batch = 6
    _write_batch(corpus, 0, per_batch, rng)
    # A first run compiles and caches the code; time a run as the later ones will be.
    warm_up = _index_command(str(corpus), "--index", str(tmp_path / "warm-up"))
    subprocess.run(warm_up, check=True, capture_output=True)
    started = time.monotonic()
    subprocess.run(_index_command(str(corpus), "--index", str(index_dir)), check=True)
    seconds_per_doc = (time.monotonic() - started) / per_batch
    answered = {"batchtoken0x": _ids(index_dir, "batchtoken0x")}
    assert len(answered["batchtoken0x"]) == per_batch
    pending: list[int] = []
    outcomes = []
    for batch in range(1, 11):
        _write_batch(corpus, batch, per_batch, rng)
        pending.append(batch)
        expected_run = 0.5 + seconds_per_doc * per_batch * len(pending)
        delay = rng.uniform(0.1, 1.3) * expected_run
        # Every other run writes in worker processes, whose segments it publishes in one
        # commit; the others write with their own writer only.
        parallel = {"PRIVSEARCH_PARALLEL_INDEX_MB": "0.01" if batch % 2 else "1000"}
        proc = subprocess.Popen(
            _index_command(str(corpus), "--index", str(index_dir)),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **parallel},
        )
        time.sleep(delay)
        # A run that already finished may still have a PDF worker server winding down.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        # The index opens and answers everything the last complete run answered...
        for query, ids in answered.items():
            assert _ids(index_dir, query) == ids, (seed, batch, delay, query)
        # ...and the batches of the killed run are in it all together or not at all.
        found = {b: len(_ids(index_dir, f"batchtoken{b}x")) for b in pending}
        assert set(found.values()) <= {0, per_batch}, (seed, batch, delay, found)
        assert len(set(found.values())) == 1, (seed, batch, delay, found)
        committed = found[pending[0]] == per_batch
        outcomes.append("committed" if committed else "old index")
        if committed:
            for b in pending:
                answered[f"batchtoken{b}x"] = _ids(index_dir, f"batchtoken{b}x")
            pending = []
    print("kill -9 outcomes:", outcomes)
    assert "old index" in outcomes, outcomes  # the kills did land mid-run

    done = subprocess.run(
        _index_command(str(corpus), "--index", str(index_dir), "--json"),
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["records"] == 11 * per_batch  # every document once: no duplicates
    for batch in range(11):
        assert len(_ids(index_dir, f"batchtoken{batch}x")) == per_batch


# --- a full or read-only disk ------------------------------------------------------------------


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB tmpfs, mounted for the test (needs root and a mount namespace that allows it)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    mountpoint = tmp_path / "small-fs"
    mountpoint.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True)


def _small_index(docs: Path, index_dir: Path) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    write_text_pdf(docs / "okapi.pdf", ["Privacy Impact Assessment for the Okapi Registry"])
    privsearch.build_index([docs], index_dir, limits=LIMITS)
    assert _ids(index_dir, "okapi") == {"DHS/PIA-okapi"} or len(_ids(index_dir, "okapi")) == 1


@pytest.mark.parametrize("writers", ["one writer", "writer processes"])
def test_full_disk_is_a_clear_error_and_keeps_the_index(
    tmp_path: Path, small_fs: Path, writers: str
) -> None:
    docs, index_dir = tmp_path / "docs", small_fs / "index"
    _small_index(docs, index_dir)
    before = _ids(index_dir, "okapi")
    _write_batch(docs, 1, 60, random.Random(1))  # far more index than 1 MB holds
    free_before = shutil.disk_usage(small_fs).free
    limits = replace(LIMITS, parallel_index_mb=1000 if writers == "one writer" else 0.01)
    with pytest.raises(privsearch.PrivsearchError) as caught:
        privsearch.build_index([docs], index_dir, limits=limits)
    assert caught.value.message == (
        f"cannot write to the index folder {index_dir}: No space left on device [ENOSPC]; "
        "the previous index is unchanged"
    )
    assert _ids(index_dir, "okapi") == before
    assert _ids(index_dir, "batchtoken1x") == set()
    # the failed run's half-written files are gone: the space is free again
    assert shutil.disk_usage(small_fs).free >= free_before - 64 * 1024

    result = CliRunner().invoke(cli, ["index", str(docs), "--index", str(index_dir)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot write to the index folder {index_dir}: No space left on device "
        "[ENOSPC]; the previous index is unchanged\n"
    )
    assert _ids(index_dir, "okapi") == before


def test_read_only_file_system_is_a_clear_error(tmp_path: Path, small_fs: Path) -> None:
    docs, index_dir = tmp_path / "docs", small_fs / "index"
    _small_index(docs, index_dir)
    before = _ids(index_dir, "okapi")
    write_text_pdf(docs / "new.pdf", ["Privacy Impact Assessment for the Narwhal Tracker"])
    done = subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount the tmpfs read-only: {done.stderr.decode().strip()}")
    result = CliRunner().invoke(cli, ["index", str(docs), "--index", str(index_dir)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot write to the index folder {index_dir}: Read-only file system\n"
    )
    assert _ids(index_dir, "okapi") == before
    assert _ids(index_dir, "narwhal") == set()


def test_disk_full_while_writing_segments_is_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs everywhere: the storage's file creation fails as on a full disk.
    from whoosh.filedb.filestore import FileStorage

    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    _small_index(docs, index_dir)
    before = _ids(index_dir, "okapi")
    write_text_pdf(docs / "new.pdf", ["Privacy Impact Assessment for the Narwhal Tracker"])
    real_create = FileStorage.create_file

    def full_disk(self: FileStorage, name: str, **kwargs: object) -> object:
        if name.endswith(".toc") or ".seg" in name or "_" in name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), name)
        return real_create(self, name, **kwargs)

    monkeypatch.setattr(FileStorage, "create_file", full_disk)
    result = CliRunner().invoke(cli, ["index", str(docs), "--index", str(index_dir)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot write to the index folder {index_dir}: No space left on device "
        "[ENOSPC]; the previous index is unchanged\n"
    )
    monkeypatch.undo()
    assert _ids(index_dir, "okapi") == before
    assert _ids(index_dir, "narwhal") == set()
    privsearch.build_index([docs], index_dir, limits=LIMITS)  # space again: the work is done
    assert len(_ids(index_dir, "narwhal")) == 1


def test_disk_full_while_saving_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    _small_index(docs, index_dir)
    write_text_pdf(docs / "new.pdf", ["Privacy Impact Assessment for the Narwhal Tracker"])
    meta_before = (index_dir / "privsearch.json").read_text()

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(privsearch.PrivsearchError, match="privsearch.json could not be written"):
        privsearch.build_index([docs], index_dir, limits=LIMITS)
    monkeypatch.undo()
    assert (index_dir / "privsearch.json").read_text() == meta_before
    assert not list(index_dir.glob(".privsearch-*.json"))  # no temporary file left behind
    assert len(_ids(index_dir, "okapi")) == 1 and len(_ids(index_dir, "narwhal")) == 1
    report = privsearch.build_index([docs], index_dir, limits=LIMITS)
    assert report.records == 2  # read again, not added twice


# --- two runs at once --------------------------------------------------------------------------


def test_second_run_is_told_the_index_is_busy(tmp_path: Path) -> None:
    import fcntl

    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    _small_index(docs, index_dir)
    with open(index_dir / ".privsearch-lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a running `privsearch index` holds it
        done = subprocess.run(
            _index_command(str(docs), "--index", str(index_dir)), capture_output=True, text=True
        )
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: the index at {index_dir} is being written by another process; try again when "
        "it finishes\n"
    )


def test_two_real_runs_at_once_never_write_together(tmp_path: Path) -> None:
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    _write_batch(docs, 1, 12, random.Random(2))
    procs = [
        subprocess.Popen(
            _index_command(str(docs), "--index", str(index_dir), "--json"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    busy = f"Error: the index at {index_dir} is being written by another process"
    reports = []
    for code, out, err in results:
        if code == 0:
            reports.append(json.loads(out))
        else:
            assert code == 1 and err.startswith(busy), err
    assert reports, results
    # One run read the documents; a run that waited for it found them all unchanged.
    assert sorted(r["sources_read"] for r in reports) == sorted([12] + [0] * (len(reports) - 1))
    assert all(r["records"] == 12 for r in reports)
    assert len(_ids(index_dir, "batchtoken1x")) == 12
