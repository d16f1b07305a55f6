"""Hostile files and folders: names, sizes, types and links an attacker chooses, files swapped
while a run reads them, and manifests of very many rows. Each is indexed or skipped with its
reason, and never breaks the run or the runs after it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import privsearch
from privsearch.cli import cli
from privsearch.config import Limits, load_settings
from privsearch.ingest import SourcePlan, SourceResult, read_sources, scan_sources
from tests.pdfgen import write_text_pdf

LIMITS = Limits(pdf_timeout=20.0, workers=2)
PAGE = "<html><body><main><h1>{title}</h1><p>A summary of the program.</p>{links}</main></body>"


def _page(path: Path, title: str, *pdfs: str) -> None:
    links = "".join(f'<a href="{pdf}">PDF</a>' for pdf in pdfs)
    path.write_text(PAGE.format(title=title, links=links))


def _read(plan: SourcePlan, limits: Limits = LIMITS) -> list[SourceResult]:
    return list(read_sources(plan, limits=limits))


def _reasons(results: list[SourceResult], plan: SourcePlan) -> dict[str, str]:
    skips = [*plan.skipped, *(s for r in results for s in r.skipped)]
    return {Path(s.path).name: s.reason for s in skips}


def _all_text(results: list[SourceResult]) -> str:
    return " ".join(
        " ".join([r.title, r.summary, *r.attachments, *(p.text for p in r.pages)])
        for result in results
        for r in result.records
    )


def _in_thread(work: Callable[[], object], fifos: list[Path]) -> object:
    """`work()`'s value; fails (rather than hanging the tests) if it waits on a FIFO."""
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(work()), daemon=True)
    thread.start()
    thread.join(60)
    if thread.is_alive():
        for fifo in fifos:  # let the blocked reader go
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        pytest.fail("the run waited on a FIFO")
    return out[0]


# --- (1) file names that are not UTF-8 ---------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_skipped_and_never_breaks_a_run(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    with open(os.path.join(os.fsencode(docs), b"bad-\xff.html"), "wb") as f:
        f.write(b"<h1>x</h1>")
    os.mkdir(os.path.join(os.fsencode(docs), b"folder-\xfe"))
    with open(os.path.join(os.fsencode(docs), b"folder-\xfe", b"inside.html"), "wb") as f:
        f.write(b"<h1>y</h1>")
    _page(docs / "good.html", "A good page")
    (docs / "m.jsonl").write_text('{"title": "Lone \\udcff surrogate", "pdf": "bad-\\udcff.pdf"}\n')
    expected = [
        (f"{docs}/bad-\\xff.html", "file name is not valid UTF-8: bad-\\xff.html"),
        (f"{docs}/folder-\\xfe", "folder name is not valid UTF-8"),
    ]
    for _ in range(2):  # and every later run
        report = privsearch.build_index([docs], tmp_path / "ix", limits=LIMITS)
        assert sorted((s.path, s.reason) for s in report.skipped) == expected
        assert report.records == 2
        json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")  # storable, printable
    index = privsearch.open_index(tmp_path / "ix")
    assert [h.title for h in index.search("good").results] == ["A good page"]
    assert [h.title for h in index.search("surrogate").results] == ["Lone \ufffd surrogate"]
    done = CliRunner().invoke(cli, ["index", str(docs), "--index", str(tmp_path / "ix2")])
    assert done.exit_code == 0, done.output
    assert f"{docs}/bad-\\xff.html: file name is not valid UTF-8: bad-\\xff.html" in done.output


# --- (5) sparse files over the caps ------------------------------------------------------------


def _bytes_read() -> int:
    with open("/proc/self/io") as f:
        return int(next(line for line in f if line.startswith("rchar:")).split()[1])


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs /proc/self/io (Linux)")
def test_sparse_files_over_the_caps_are_skipped_unread(tmp_path: Path) -> None:
    for name in ("huge.pdf", "huge.html"):
        with open(tmp_path / name, "wb") as f:
            f.truncate(8 << 30)  # 8 GiB of holes: costs nothing on disk, a minute to read
    _page(tmp_path / "page.html", "A page linking the huge PDF", "huge.pdf")
    before = _bytes_read()
    plan = scan_sources([tmp_path], limits=LIMITS)
    results = _read(plan)
    assert _bytes_read() - before < 50_000_000, "a file over its cap was read"
    reasons = _reasons(results, plan)
    assert reasons["huge.pdf"] == f"too large ({8 << 30} bytes; limit {200 * 1024 * 1024})"
    assert reasons["huge.html"] == f"too large ({8 << 30} bytes; limit {10 * 1024 * 1024})"
    [page] = [r for result in results for r in result.records]
    assert page.title == "A page linking the huge PDF"


# --- (6) files that are not regular, or swapped during a run -----------------------------------


def test_fifos_and_links_to_them_are_skipped_with_a_reason(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.html")
    os.mkfifo(tmp_path / "pipe.pdf")
    (tmp_path / "to-pipe.jsonl").symlink_to(tmp_path / "pipe.html")
    _page(tmp_path / "page.html", "A page")
    plan = _in_thread(lambda: scan_sources([tmp_path], limits=LIMITS), [])
    assert sorted((Path(s.path).name, s.reason) for s in plan.skipped) == [
        ("pipe.html", "not a regular file (FIFO)"),
        ("pipe.pdf", "not a regular file (FIFO)"),
        ("to-pipe.jsonl", "not a regular file (FIFO)"),
    ]
    assert [p.name for p in plan.to_read] == ["page.html"]


def test_a_file_swapped_for_a_link_outside_after_the_scan_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write_text_pdf(outside / "secret.pdf", ["Privacy Impact Assessment of the okapi secret"])
    _page(outside / "secret.html", "The narwhal secret")
    docs = tmp_path / "docs"
    docs.mkdir()
    _page(docs / "page.html", "A page", "a.pdf")
    write_text_pdf(docs / "a.pdf", ["Privacy Impact Assessment for the Attachment"])
    write_text_pdf(docs / "b.pdf", ["Privacy Impact Assessment for the Standalone"])
    _page(docs / "c.html", "Another page")
    plan = scan_sources([docs], limits=LIMITS)
    for name, target in (("a.pdf", "secret.pdf"), ("b.pdf", "secret.pdf"), ("c.html", "")):
        (docs / name).unlink()
        (docs / name).symlink_to(outside / (target or "secret.html"))
    results = _read(plan)
    text = _all_text(results)
    assert "okapi" not in text and "narwhal" not in text and "secret" not in text
    reasons = _reasons(results, plan)
    assert reasons["b.pdf"] == reasons["c.html"] == "link points outside the folders being indexed"
    assert reasons["a.pdf"].startswith("link points outside the folders being indexed")
    [page] = [r for result in results for r in result.records if r.title == "A page"]
    assert page.attachments == ()


def test_a_file_swapped_for_a_fifo_after_the_scan_does_not_hang_the_run(tmp_path: Path) -> None:
    _page(tmp_path / "page.html", "A page", "a.pdf")
    write_text_pdf(tmp_path / "a.pdf", ["Privacy Impact Assessment for the Attachment"])
    _page(tmp_path / "c.html", "Another page")
    (tmp_path / "m.jsonl").write_text('{"title": "A row"}\n')
    plan = scan_sources([tmp_path], limits=LIMITS)
    fifos = [tmp_path / n for n in ("a.pdf", "c.html", "m.jsonl")]
    for fifo in fifos:
        fifo.unlink()
        os.mkfifo(fifo)
    results = _in_thread(lambda: _read(plan), fifos)
    reasons = _reasons(results, plan)
    assert reasons == {n.name: "not a regular file (FIFO)" for n in fifos}
    [page] = [r for result in results for r in result.records]
    assert "attachment a.pdf skipped: not a regular file (FIFO)" in page.warnings


def test_a_swapped_file_leaves_the_index_usable(tmp_path: Path) -> None:
    _page(tmp_path / "c.html", "A page")
    _page(tmp_path / "d.html", "Another page")
    import privsearch.ingest as indexing  # build_index takes read_sources from here

    real_read = indexing.read_sources

    def swap_then_read(plan, **kwargs):  # type: ignore[no-untyped-def]
        (tmp_path / "c.html").unlink()
        os.mkfifo(tmp_path / "c.html")
        return real_read(plan, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(indexing, "read_sources", swap_then_read)
    try:
        report = _in_thread(
            lambda: privsearch.build_index([tmp_path], tmp_path / "ix", limits=LIMITS),
            [tmp_path / "c.html"],
        )
    finally:
        mp.undo()
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
        ("c.html", "not a regular file (FIFO)")
    ]
    again = privsearch.build_index([tmp_path], tmp_path / "ix", limits=LIMITS)  # not busy
    assert again.records == 1


# --- (7) links out of the indexed folders ------------------------------------------------------


def test_pdfs_linked_outside_the_indexed_folders_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write_text_pdf(outside / "secret.pdf", ["Privacy Impact Assessment of the okapi secret"])
    docs = tmp_path / "docs"
    docs.mkdir()
    _page(docs / "page.html", "A page", "../outside/secret.pdf")
    rows = [{"title": "Relative row", "pdf": "../outside/secret.pdf"},
            {"title": "Absolute row", "pdf": str(outside / "secret.pdf")}]  # fmt: skip
    (docs / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    plan = scan_sources([docs], limits=LIMITS)
    results = _read(plan)
    assert "okapi" not in _all_text(results)
    outside_reason = (
        "link points outside the folders being indexed (allow with --allow-outside-links)"
    )
    assert sorted(s.reason for s in plan.skipped) == [
        f"{outside_reason}; linked from {docs / 'm.jsonl'}",
        f"{outside_reason}; linked from {docs / 'page.html'}",
    ]
    warnings = {r.title: r.warnings for result in results for r in result.records}
    assert warnings["A page"] == (f"linked PDF secret.pdf not read: {outside_reason}",)
    assert warnings["Relative row"] == (
        f"linked PDF ../outside/secret.pdf not read: {outside_reason}",
    )

    allowed = Limits(pdf_timeout=20.0, workers=2, allow_outside_links=True)
    plan = scan_sources([docs], limits=allowed)
    assert not plan.skipped
    assert _all_text(_read(plan, allowed)).count("okapi") == 3

    runner = CliRunner()
    refused = runner.invoke(cli, ["index", str(docs), "--index", str(tmp_path / "a"), "--json"])
    assert refused.exit_code == 0 and "okapi" not in refused.output
    assert outside_reason in refused.output
    given = runner.invoke(
        cli, ["index", str(docs), "--index", str(tmp_path / "b"), "--allow-outside-links"]
    )
    assert given.exit_code == 0 and "Skipped" not in given.output
    hits = privsearch.open_index(tmp_path / "b").search("okapi").results
    assert {h.title for h in hits} == {"A page", "Relative row", "Absolute row"}


# --- (10) manifests of very many rows ----------------------------------------------------------


def test_manifest_rows_and_run_records_are_bounded(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a", "b"):
        lines = (json.dumps({"id": f"{name}-{n}", "title": f"Row {n}"}) for n in range(120))
        (docs / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    limits = Limits(workers=1, manifest_max_rows=50)
    results = _read(scan_sources([docs], limits=limits), limits)
    assert sum(len(r.records) for r in results) == 100
    skips = [(Path(s.path).name, s.reason) for r in results for s in r.skipped]
    assert skips == [
        (f"{n}.jsonl", "70 line(s) from line 51 on left out: a manifest is read up to 50 lines "
         "(manifest_max_rows)")
        for n in ("a", "b")
    ]  # fmt: skip

    capped = Limits(workers=1, manifest_max_rows=50, run_max_records=30)
    results = _read(scan_sources([docs], limits=capped), capped)
    assert sum(len(r.records) for r in results) == 30
    assert [(Path(s.path).name, s.reason) for r in results for s in r.skipped][-2:] == [
        ("a.jsonl", "this run reached its limit of 30 records (run_max_records): 20 record(s) "
         "of this file left out"),
        ("b.jsonl", "not read: this run reached its limit of 30 records (run_max_records); a "
         "later run reads them"),
    ]  # fmt: skip


def test_record_limits_from_the_environment_and_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (Limits().manifest_max_rows, Limits().run_max_records) == (50_000, 200_000)
    assert Limits().allow_outside_links is False
    monkeypatch.setenv("PRIVSEARCH_MANIFEST_MAX_ROWS", "7")
    monkeypatch.setenv("PRIVSEARCH_ALLOW_OUTSIDE_LINKS", "1")
    limits = load_settings(run_max_records=9).limits
    assert (limits.manifest_max_rows, limits.run_max_records, limits.allow_outside_links) == (
        7, 9, True,
    )  # fmt: skip
    assert load_settings(allow_outside_links=False).limits.allow_outside_links is False
    monkeypatch.delenv("PRIVSEARCH_ALLOW_OUTSIDE_LINKS")
    lines = (json.dumps({"title": f"Row {n}"}) for n in range(20))
    (tmp_path / "m.jsonl").write_text("\n".join(lines) + "\n")
    done = CliRunner().invoke(
        cli,
        ["index", str(tmp_path), "--index", str(tmp_path / "ix"), "--json",
         "--run-max-records", "5"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["records"] == 5
    assert [s["reason"] for s in report["skipped"]] == [
        "13 line(s) from line 8 on left out: a manifest is read up to 7 lines (manifest_max_rows)",
        "this run reached its limit of 5 records (run_max_records): 2 record(s) of this file "
        "left out",
    ]


# --- parsing each page once --------------------------------------------------------------------


def test_each_page_is_parsed_once_per_run_whatever_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = sys.modules["privsearch.ingest.discover"]

    body = "".join(f"<p>Paragraph {n} on retention.</p>" for n in range(100_000))
    (tmp_path / "big.html").write_text(f"<html><body><h1>Big</h1>{body}</body></html>")
    assert (tmp_path / "big.html").stat().st_size > 3_000_000
    _page(tmp_path / "small.html", "Small")
    calls: list[str] = []
    real = module._classify

    def counting(path: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, "_classify", counting)
    results = _read(scan_sources([tmp_path], limits=LIMITS))
    assert sorted(calls) == ["big.html", "small.html"]
    assert sorted(r.title for result in results for r in result.records) == ["Big", "Small"]
    assert not module._CACHE  # nothing kept after the read


def test_a_pdf_swapped_for_a_fifo_or_a_link_in_the_worker_is_refused(tmp_path: Path) -> None:
    """The PDF worker opens what it reads itself, without following a link or waiting on a
    FIFO: a file swapped after every earlier check is still refused, with its reason."""
    from privsearch.ingest.pdf import _extract

    fifo = tmp_path / "swapped.pdf"
    os.mkfifo(fifo)
    assert _extract(str(fifo), Limits()) == {"ok": False, "reason": "not a regular file"}
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.4\n%%EOF\n")
    link = tmp_path / "link.pdf"
    link.symlink_to(outside)
    result = _extract(str(link), Limits())
    assert result == {"ok": False, "reason": "not a regular file (symbolic link)"}


def test_a_fifo_in_place_of_a_site_marker_is_not_waited_on(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<h1>A page</h1><p>Some text about privacy.</p>")
    os.mkfifo(tmp_path / ".privsearch-site")
    records = privsearch.read_records([tmp_path])
    assert [r.title for r in records] == ["A page"] and records[0].url == ""


def test_a_run_cut_short_by_its_record_limit_is_completed_by_the_next(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a", "b"):
        lines = (json.dumps({"id": f"{name}-{n}", "title": f"Row {n}"}) for n in range(40))
        (docs / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    index_dir = tmp_path / "index"
    capped = Limits(workers=1, run_max_records=30)
    assert privsearch.build_index([docs], index_dir, limits=capped).records == 30
    assert privsearch.build_index([docs], index_dir, limits=capped).records == 30
    again = privsearch.build_index([docs], index_dir, limits=Limits(workers=1))
    assert again.records == 80 and again.sources_read == 2
    assert privsearch.build_index([docs], index_dir, limits=Limits(workers=1)).sources_read == 0
