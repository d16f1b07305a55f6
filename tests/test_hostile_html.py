"""Hostile pages and what a run says about them: HTML parsed in linear time and in a worker
under time and memory limits, an honest run summary (each skipped file once, the real reason
for a zip bomb, pages counted as `stats` counts them), nothing from a file driving the
terminal, and no segment files left behind by runs that change nothing."""

from __future__ import annotations

import json
import multiprocessing
import re
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from privsearch import build_index
from privsearch.cli import cli
from privsearch.config import Limits
from privsearch.ingest import html, pdf
from privsearch.ingest.html import parse_html
from privsearch.ingest.pdf import extract_pdf
from tests.pdfgen import pdf_bytes, write_text_pdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fuzz"))
import fuzz_html  # noqa: E402

LIMITS = Limits(pdf_timeout=20.0, workers=1)
TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _page(body: str) -> str:
    return (
        f"<html><head><title>T</title></head><body><main><h1>Title</h1>{body}</main></body></html>"
    )


# --- (4) linear time --------------------------------------------------------------------------

SHAPES: dict[str, Callable[[int], str]] = {
    # thousands of PDF links in one block: each link read its parent's whole text again
    "links in one block": lambda n: _page(
        "<div>"
        + "".join(f'<a href="d{i}.pdf">Document number {i}</a> tail ' for i in range(n))
        + "</div>"
    ),
    # the same, nested: the links' block many levels down
    "links under nested blocks": lambda n: _page(
        "<div>" * (n // 10)
        + "".join(f'<a href="d{i}.pdf">Doc {i}</a> ' for i in range(n))
        + "</div>" * (n // 10)
    ),
    # sibling blocks with a heading at every level: each level rendered all the levels below
    "listing candidates nested in each other": lambda n: _page(
        "<div><div><h2>abc</h2></div><div>" * (n // 10)
        + "<p>word</p>" * n
        + "</div></div>" * (n // 10)
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_parsing_work_grows_linearly_with_the_page(shape: str) -> None:
    # Work counted, not timed: Python calls and text pieces read, for a page and one twice
    # its size. Quadratic parsing does about 4 times the work; linear about 2 times.
    _, small = fuzz_html.work(parse_html, SHAPES[shape](500))
    _, large = fuzz_html.work(parse_html, SHAPES[shape](1000))
    assert large <= 2.4 * small, (small, large)


def test_sixteen_thousand_links_in_one_block_parse_quickly() -> None:
    # The page the review timed at 103 s; a generous guard, not a benchmark.
    page = SHAPES["links in one block"](16_000)
    started = time.monotonic()
    parsed = parse_html(page)
    assert len(parsed.pdf_links) == 16_000
    assert time.monotonic() - started < 30


def test_attachment_blocks_are_taken_out_as_before() -> None:
    # One pass gives what taking the blocks out one at a time gave.
    page = parse_html(
        _page(
            '<p>Read the report.</p><p><a href="a.pdf">Report</a> (PDF, 2 pages)</p>'
            '<p>A long paragraph that mentions <a href="b.pdf">the appendix</a> in passing, '
            "with much more text around the link than a caption would have.</p>"
            '<table><tr><td><a href="c.pdf">Table</a></td><td>row text</td></tr></table>'
            "<p>Closing words.</p>"
        )
    )
    assert page.pdf_links == ("a.pdf", "b.pdf", "c.pdf")
    assert page.summary.split("\n") == [
        "Read the report.",
        "A long paragraph that mentions in passing, with much more text around the link "
        "than a caption would have.",
        "Closing words.",
    ]


def test_fuzz_html_target_runs() -> None:
    assert fuzz_html.run(15) == 0


# --- (4) a worker with time and memory limits ---------------------------------------------------


@pytest.fixture
def fresh_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A worker forked after the test's patches, so that it has them (a worker started by a
    fork server, as a process with threads gets, would import the module afresh)."""
    monkeypatch.setattr(pdf, "worker_context", lambda: multiprocessing.get_context("fork"))
    html._WORKER.stop()
    yield
    html._WORKER.stop()
    html.set_worker_limits(Limits().pdf_timeout, Limits().pdf_memory_mb)


def _index_json(folder: Path, index_dir: Path, *options: str) -> dict:
    result = CliRunner().invoke(
        cli, ["index", str(folder), "--index", str(index_dir), "--json", *options]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _write_page(path: Path, title: str) -> None:
    path.write_text(f"<html><body><h1>{title}</h1><p>Some text about it.</p></body></html>")


def test_a_page_past_the_time_limit_is_skipped_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_worker: None
) -> None:
    real = html.parse_html

    def slow_on_one_page(text: str) -> html.HtmlPage:
        if "Endless" in text:
            time.sleep(30)
        return real(text)

    monkeypatch.setattr(html, "parse_html", slow_on_one_page)
    (tmp_path / "docs").mkdir()
    _write_page(tmp_path / "docs" / "slow.html", "Endless page")
    _write_page(tmp_path / "docs" / "fine.html", "Ordinary page")
    started = time.monotonic()
    report = _index_json(tmp_path / "docs", tmp_path / "index", "--timeout", "2")
    assert time.monotonic() - started < 25
    assert report["skipped"] == [
        {
            "path": str(tmp_path / "docs" / "slow.html"),
            "reason": "cannot parse HTML (timed out after 2 s)",
        }
    ]
    assert report["records_added"] == 1  # the page after it is read in a new worker


def test_a_page_past_the_memory_limit_is_skipped_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_worker: None
) -> None:
    real = html.parse_html

    def greedy_on_one_page(text: str) -> html.HtmlPage:
        if "Greedy" in text:
            hoard = [bytearray(1 << 20) for _ in range(2048)]  # 2 GiB
            del hoard
        return real(text)

    monkeypatch.setattr(html, "parse_html", greedy_on_one_page)
    (tmp_path / "docs").mkdir()
    _write_page(tmp_path / "docs" / "greedy.html", "Greedy page")
    _write_page(tmp_path / "docs" / "fine.html", "Ordinary page")
    report = _index_json(tmp_path / "docs", tmp_path / "index", "--pdf-memory-mb", "128")
    assert report["skipped"] == [
        {
            "path": str(tmp_path / "docs" / "greedy.html"),
            "reason": "cannot parse HTML (exceeded the memory limit of 128 MB (pdf_memory_mb))",
        }
    ]
    assert report["records_added"] == 1


# --- (8) an honest summary ----------------------------------------------------------------------


def test_each_skipped_file_is_listed_once(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "empty.html").write_bytes(b"")
    (tmp_path / "docs" / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    _write_page(tmp_path / "docs" / "fine.html", "Ordinary page")
    report = _index_json(tmp_path / "docs", tmp_path / "index")
    assert sorted((Path(s["path"]).name, s["reason"]) for s in report["skipped"]) == [
        ("empty.html", "empty file"),
        ("image.html", "not HTML (the file looks like a PNG image)"),
    ]
    out = CliRunner().invoke(
        cli, ["index", str(tmp_path / "docs"), "--index", str(tmp_path / "i2")]
    )
    assert "Skipped 2 file(s):" in out.stdout


def _xobject_bomb(megabytes: int) -> bytes:
    """A page whose only content draws a Form XObject whose stream inflates to `megabytes`
    MB (pypdf reads past a form it cannot decode, with a warning only)."""
    text = b"BT /F1 12 Tf 72 720 Td (Hostile Test) Tj ET\n"
    packer = zlib.compressobj(6)
    parts = [packer.compress(text)]
    parts += [packer.compress(b" " * (1 << 20)) for _ in range(megabytes)]
    bomb = b"".join([*parts, packer.flush()])
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    form = (
        b"<< /Length %d /Type /XObject /Subtype /Form /BBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Filter /FlateDecode >>\nstream\n"
        % len(bomb)
        + bomb
        + b"\nendstream"
    )
    draw = b"/X1 Do\n"
    return pdf_bytes(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            font,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font "
            b"<< /F1 3 0 R >> /XObject << /X1 6 0 R >> >> /Contents 5 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream",
            form,
        ]
    )


def test_a_zip_bomb_in_a_form_is_reported_as_the_stream_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(_xobject_bomb(4))
    limits = Limits(pdf_max_stream_bytes=1_000_000, workers=1)
    assert extract_pdf(path, limits) == (
        "no page could be extracted: a stream is over the decompressed size limit of "
        "1000000 bytes (pdf_max_stream_bytes)"
    )
    whole = extract_pdf(path, Limits(pdf_max_stream_bytes=8_000_000, workers=1))
    assert not isinstance(whole, str) and whole.pages == ((1, "Hostile Test"),)


def test_the_summary_counts_pages_as_stats_does(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_text_pdf(docs / "two-pages.pdf", ["Privacy Impact Assessment one", "Page two text"])
    rows = [
        {"id": "inline-1", "title": "Inline Document", "pages": ["First page", "Second page"]},
        {"id": "inline-2", "title": "Another Inline Document", "text": "Only page"},
    ]
    (docs / "manifest.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    report = _index_json(docs, tmp_path / "index")
    stats = CliRunner().invoke(cli, ["stats", "--index", str(tmp_path / "index"), "--json"])
    assert report["pages"] == report["index_pages"] == json.loads(stats.stdout)["pages"] == 5
    out = CliRunner().invoke(cli, ["index", str(docs), "--index", str(tmp_path / "i2")]).stdout
    assert "(5 page(s) of text)" in out and "5 page(s) of text." in out


# --- (9) nothing from a file drives the terminal ------------------------------------------------


def test_file_names_and_titles_cannot_drive_the_terminal(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "clear\x1b[2Jscreen.html").write_bytes(b"")  # skipped: its name is printed
    write_text_pdf(
        docs / "bell\x07name.pdf",
        ["Zanzibar retention schedule\nThe program keeps records."],
        title="\x1b]0;pwned\x07Zanzibar Report",
    )
    index_dir = tmp_path / "index"
    runner = CliRunner()
    outputs = [runner.invoke(cli, ["index", str(docs), "--index", str(index_dir)])]
    outputs.append(runner.invoke(cli, ["search", "zanzibar", "--index", str(index_dir)]))
    hit = json.loads(
        runner.invoke(cli, ["search", "zanzibar", "--index", str(index_dir), "--json"]).stdout
    )["results"][0]
    outputs.append(runner.invoke(cli, ["show", hit["id"], "--index", str(index_dir)]))
    outputs.append(runner.invoke(cli, ["stats", "--index", str(index_dir)]))
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert not TERMINAL_CONTROL.search(result.output), repr(result.output)
    summary = outputs[0].output
    assert "clearscreen.html: empty file" in summary
    since = "X\x1b]0;pwned\x07"  # quoted back in the error message
    error = runner.invoke(cli, ["search", "a", "--since", since, "--index", str(index_dir)])
    assert error.exit_code == 2 and "invalid --since 'X'" in error.output
    assert not TERMINAL_CONTROL.search(error.output), repr(error.output)


def test_escape_sequences_are_removed_and_control_characters_shown() -> None:
    from privsearch.cli import _safe

    assert _safe("a\x1b]0;title\x07b\x1b[2Jc\x9b1;2Hd\x07e\x00f") == "abcd?e?f"
    assert _safe("one\ntwo\tthree") == "one two three"
    assert _safe("one\r\ntwo\tthree", lines=True) == "one\ntwo\tthree"


# --- (12) no orphan segments --------------------------------------------------------------------


def test_runs_that_change_nothing_leave_no_files_behind(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _write_page(docs / "page.html", "Ordinary page")
    index_dir = tmp_path / "index"
    build_index([docs], index_dir, limits=LIMITS)
    after_first = sorted(p.name for p in index_dir.iterdir())
    for _ in range(3):
        build_index([docs], index_dir, limits=LIMITS)
    assert sorted(p.name for p in index_dir.iterdir()) == after_first
    _write_page(docs / "other.html", "Another page")
    build_index([docs], index_dir, limits=LIMITS)
    segments = [
        p for p in index_dir.iterdir() if p.name.startswith("MAIN_") and "LOCK" not in p.name
    ]
    assert all(p.suffix == ".seg" for p in segments), segments
