"""Hostile input files: each is indexed or skipped with a stated reason, within the limits.

The crafted files are written here by hand; the tests that read ../shared/pdfs skip, saying
so, when it is absent.
"""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from privsearch import PrivsearchError
from privsearch.config import Limits, load_settings
from privsearch.ingest import read_sources, scan_sources
from privsearch.ingest.html import parse_html
from privsearch.ingest.pdf import extract_pdf
from tests.pdfgen import pdf_bytes, write_text_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared"
ROBUSTNESS = SHARED / "pdfs" / "robustness"
LIMITS = Limits(pdf_timeout=20.0, workers=2)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


# --- writing PDFs by hand ----------------------------------------------------------------------

_pdf = pdf_bytes


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _one_page_pdf(content: bytes, extra: bytes = b"", catalog_extra: bytes = b"") -> bytes:
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
            _stream(content, extra),
        ]
    )


_TEXT = b"BT /F1 12 Tf 50 750 Td (Privacy Impact Assessment for the Hostile Test) Tj ET\n"


def _flate_bomb(megabytes: int) -> bytes:
    """A page whose FlateDecode content stream inflates to `megabytes` MB of spaces."""
    packer = zlib.compressobj(6)
    parts = [packer.compress(_TEXT)]
    chunk = b" " * (1 << 20)
    parts += [packer.compress(chunk) for _ in range(megabytes)]
    parts.append(packer.flush())
    return _one_page_pdf(b"".join(parts), b"/Filter /FlateDecode ")


@pytest.fixture(scope="module")
def gigabyte_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "zip-bomb.pdf"
    path.write_bytes(_flate_bomb(1024))  # about 1 MB on disk, 1 GiB inflated
    return path


def _outcome(folder: Path, limits: Limits = LIMITS) -> dict[str, str]:
    """{file name: "indexed" or the skip reason} for every file a run reports."""
    outcome: dict[str, str] = {}
    for result in read_sources(scan_sources([folder], limits=limits), limits=limits):
        for skip in result.skipped:
            assert skip.reason and "\n" not in skip.reason
            outcome[Path(skip.path).name] = skip.reason
        if result.records:
            outcome[Path(result.source).name] = "indexed"
    return outcome


# --- resource exhaustion -----------------------------------------------------------------------


def test_zip_bomb_stream_is_capped_by_the_stream_limit(gigabyte_bomb: Path) -> None:
    started = time.monotonic()
    reason = extract_pdf(gigabyte_bomb, LIMITS)
    assert reason == (
        "no page could be extracted: a stream is over the decompressed size limit of "
        "75000000 bytes (pdf_max_stream_bytes)"
    )
    assert time.monotonic() - started < 15


def test_stream_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "four-mb.pdf"
    path.write_bytes(_flate_bomb(4))
    small = extract_pdf(path, Limits(pdf_max_stream_bytes=1_000_000))
    assert small == (
        "no page could be extracted: a stream is over the decompressed size limit of "
        "1000000 bytes (pdf_max_stream_bytes)"
    )
    text = extract_pdf(path, Limits(pdf_max_stream_bytes=8_000_000))
    assert not isinstance(text, str)
    assert "Hostile Test" in text.pages[0][1]


def test_worker_over_the_memory_limit_fails_cleanly(gigabyte_bomb: Path, tmp_path: Path) -> None:
    # With the stream cap lifted, inflating the bomb needs a gigabyte: the worker's
    # address-space limit stops it, the file is skipped, and the next file is still read.
    write_text_pdf(tmp_path / "fine.pdf", ["Privacy Impact Assessment for the Next File"])
    (tmp_path / "bomb.pdf").write_bytes(gigabyte_bomb.read_bytes())
    limits = Limits(pdf_memory_mb=64, pdf_max_stream_bytes=4 << 30, workers=1)
    outcome = _outcome(tmp_path, limits)
    assert outcome == {
        "bomb.pdf": "no page could be extracted: exceeded the memory limit of 64 MB "
        "(pdf_memory_mb)",
        "fine.pdf": "indexed",
    }


def test_image_decoders_are_never_run(tmp_path: Path) -> None:
    # A content stream in JBIG2 declaring a huge bitmap; a decoder "installed" here would
    # leave a mark if pypdf ever ran it.
    marker = tmp_path / "decoder-ran"
    fake = tmp_path / "jbig2dec"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    fake.chmod(0o755)
    path = tmp_path / "docs" / "jbig2.pdf"
    path.parent.mkdir()
    path.write_bytes(
        _one_page_pdf(
            b"\x97JB2\r\n\x1a\n" + b"\x00" * 64,
            b"/Filter /JBIG2Decode /Width 100000 /Height 100000 ",
        )
    )
    from pypdf import apply_configuration  # the parent's setting, inherited by a forked worker

    with apply_configuration(jbig2dec_binary=str(fake)):
        reason = extract_pdf(path, LIMITS)
    assert isinstance(reason, str) and "image decoder" in reason
    assert not marker.exists()


def test_shared_jbig2_bomb_is_skipped_without_decoding() -> None:
    path = ROBUSTNESS / "resource_jbig2-bomb-content-streams.pdf"
    if not path.exists():
        pytest.skip(f"shared test data not found at {path} (expected ../shared beside the repo)")
    reason = extract_pdf(path, Limits(pdf_memory_mb=128))
    assert reason == (
        "no page could be extracted: needs an image decoder, which text extraction does not "
        "use (DependencyError: jbig2dec binary is not available.)"
    )


@pytest.mark.parametrize("depth", [5_000, 200_000])
def test_deeply_nested_pdf_objects(tmp_path: Path, depth: int) -> None:
    (tmp_path / "in-content.pdf").write_bytes(_one_page_pdf(_TEXT + b"[" * depth + b"]" * depth))
    (tmp_path / "in-catalog.pdf").write_bytes(
        _one_page_pdf(_TEXT, catalog_extra=b"/Deep " + b"[" * depth + b"]" * depth)
    )
    (tmp_path / "dicts.pdf").write_bytes(
        _one_page_pdf(_TEXT, catalog_extra=b"/Deep " + b"<< /A " * depth + b"1" + b" >>" * depth)
    )
    started = time.monotonic()
    outcome = _outcome(tmp_path)
    assert outcome["in-content.pdf"] in (
        "indexed",
        "no page could be extracted: objects nested too deeply",
    )
    assert outcome["in-catalog.pdf"] == "corrupt PDF (objects nested too deeply)"
    assert outcome["dicts.pdf"] in ("indexed", "corrupt PDF (objects nested too deeply)")
    assert time.monotonic() - started < 30


def test_5000_page_pdf_is_capped_by_pdf_max_pages(tmp_path: Path) -> None:
    pages = [f"Page {n} of the long report on the program." for n in range(1, 5001)]
    pages[0] = "Privacy Impact Assessment for the Very Long Report"
    pages[1999] += " The last page read mentions the okapi."
    pages[2000] += " The first page left out mentions the narwhal."
    write_text_pdf(tmp_path / "long.pdf", pages)
    text = extract_pdf(tmp_path / "long.pdf", Limits(pdf_timeout=30.0))  # the defaults
    assert not isinstance(text, str)
    assert text.page_count == 5000 and len(text.pages) == 2000
    assert text.warnings == ("only the first 2000 of 5000 pages read (limit pdf_max_pages)",)
    assert "okapi" in text.pages[-1][1]
    assert not any("narwhal" in t for _, t in text.pages)
    smaller = extract_pdf(tmp_path / "long.pdf", Limits(pdf_max_pages=10))
    assert not isinstance(smaller, str) and len(smaller.pages) == 10


def test_extracted_characters_are_capped(tmp_path: Path) -> None:
    write_text_pdf(tmp_path / "wordy.pdf", ["word " * 400 for _ in range(10)])
    text = extract_pdf(tmp_path / "wordy.pdf", Limits(pdf_max_chars=3000))
    assert not isinstance(text, str)
    assert sum(len(t) for _, t in text.pages) == 3000
    assert "text truncated at 3000 characters" in text.warnings


def test_oversized_pdf_is_skipped_unread(tmp_path: Path) -> None:
    write_text_pdf(tmp_path / "a.pdf", ["Privacy Impact Assessment " * 50])
    size = (tmp_path / "a.pdf").stat().st_size
    assert _outcome(tmp_path, Limits(pdf_max_bytes=1000)) == {
        "a.pdf": f"too large ({size} bytes; limit 1000)"
    }


# --- files that are not what they say ----------------------------------------------------------


def test_files_that_are_not_what_their_extension_says(tmp_path: Path) -> None:
    html = b"<!DOCTYPE html><html><head><title>A page</title></head><body><h1>Hi</h1></body></html>"
    (tmp_path / "page-named.pdf").write_bytes(html)
    (tmp_path / "image-named.pdf").write_bytes(PNG + b"\x00" * 100)
    (tmp_path / "text-named.pdf").write_bytes(b"just some words\n")
    write_text_pdf(tmp_path / "pdf-named.html", ["Privacy Impact Assessment for a Renamed PDF"])
    (tmp_path / "image-named.html").write_bytes(PNG + b"\x00" * 100)
    (tmp_path / "binary-named.txt").write_bytes(b"\x00\x01\x02" * 50)
    assert _outcome(tmp_path) == {
        "page-named.pdf": "not a PDF (no %PDF header; the file looks like HTML)",
        "image-named.pdf": "not a PDF (no %PDF header; the file looks like a PNG image)",
        "text-named.pdf": "not a PDF (no %PDF header; the file looks like text)",
        "pdf-named.html": "not HTML (the file is a PDF; name it .pdf to index it)",
        "image-named.html": "not HTML (the file looks like a PNG image)",
    }  # binary-named.txt: a .txt that is not a listing is not a source, like any prose file


def test_empty_and_blank_pages_are_skipped_with_a_reason(tmp_path: Path) -> None:
    blank = "nothing to index (no title, text or links on the page)"
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "spaces.html").write_bytes(b" \n\t\n")
    (tmp_path / "comment.html").write_bytes(b"<!-- nothing here yet -->\n")
    (tmp_path / "bodyless.html").write_bytes(b"<html><head></head><body>  </body></html>")
    (tmp_path / "code.html").write_bytes(b"<body><script>var a = 1;</script><style>p{}</style>")
    (tmp_path / "titled.html").write_bytes(b"<html><head><title>Only a title</title></head></html>")
    (tmp_path / "linked.html").write_bytes(b'<body><a href="missing.pdf">the PIA</a></body>')
    assert _outcome(tmp_path) == {
        "empty.html": "empty file",
        "spaces.html": "empty file",
        "comment.html": blank,
        "bodyless.html": blank,
        "code.html": blank,
        "titled.html": "indexed",
        "linked.html": "indexed",  # with a warning that its PDF is missing
    }


def test_pdf_without_its_header_is_still_read(tmp_path: Path) -> None:
    data = _one_page_pdf(_TEXT)
    (tmp_path / "headless.pdf").write_bytes(b"%\xe2\xe3\xcf\xd3\n" + data[len(b"%PDF-1.4\n") :])
    assert _outcome(tmp_path) == {"headless.pdf": "indexed"}


def test_encrypted_pdfs(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    write_text_pdf(tmp_path / "plain.pdf", ["Privacy Impact Assessment for the Vault"])
    for name, password in (("empty-password.pdf", ""), ("real-password.pdf", "s3cret")):
        writer = PdfWriter(clone_from=PdfReader(tmp_path / "plain.pdf"))
        writer.encrypt(user_password=password, owner_password="owner", algorithm="AES-256")
        writer.write(tmp_path / name)
    (tmp_path / "plain.pdf").unlink()
    assert _outcome(tmp_path) == {
        "empty-password.pdf": "indexed",
        "real-password.pdf": "encrypted (password required)",
    }


# --- the file system ---------------------------------------------------------------------------


def test_symlink_loops_end(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "up").symlink_to(docs)  # a directory loop
    (docs / "sub" / "self").symlink_to(docs / "sub")
    (docs / "loop.html").symlink_to(docs / "loop.html")  # a link to itself
    (docs / "a.html").symlink_to(docs / "b.html")
    (docs / "b.html").symlink_to(docs / "a.html")
    write_text_pdf(docs / "sub" / "real.pdf", ["Privacy Impact Assessment for the Loop"])
    started = time.monotonic()
    plan = scan_sources([docs])
    assert [p.name for p in plan.to_read] == ["real.pdf"]
    assert sorted((Path(s.path).name, s.reason) for s in plan.skipped) == [
        ("a.html", "symlink loop"),
        ("b.html", "symlink loop"),
        ("loop.html", "symlink loop"),
    ]
    assert time.monotonic() - started < 5


def test_links_out_of_the_indexed_folders_are_not_followed(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir()
    (private / "diary.html").write_text("<html><body><h1>My diary</h1><p>Secrets.</p></body>")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.html").symlink_to(private / "diary.html")
    (docs / "elsewhere").symlink_to(private)
    write_text_pdf(docs / "real.pdf", ["Privacy Impact Assessment for the Inside File"])
    plan = scan_sources([docs])
    assert [p.name for p in plan.to_read] == ["real.pdf"]
    assert sorted((Path(s.path).name, s.reason) for s in plan.skipped) == [
        ("elsewhere", "link points outside the folders being indexed"),
        ("notes.html", "link points outside the folders being indexed"),
    ]
    both = scan_sources([docs, private])  # named explicitly, the folder is read (once)
    assert sorted(p.name for p in both.to_read) == ["diary.html", "real.pdf"]


def test_a_worker_killed_by_a_signal_is_reported_by_name() -> None:
    from privsearch.ingest.pdf import _crash_reason

    assert _crash_reason(-9) == "extraction crashed (worker killed by SIGKILL)"
    assert _crash_reason(-11) == "extraction crashed (worker killed by SIGSEGV)"
    assert _crash_reason(1) == "extraction crashed (worker exit code 1)"


def test_files_that_disappear_between_scan_and_read(tmp_path: Path) -> None:
    write_text_pdf(tmp_path / "gone.pdf", ["Privacy Impact Assessment for the Vanishing"])
    write_text_pdf(tmp_path / "attached.pdf", ["Privacy Impact Assessment for the Attachment"])
    (tmp_path / "gone.html").write_text("<html><body><h1>Gone</h1><p>Text.</p></body></html>")
    (tmp_path / "page.html").write_text(
        '<html><body><main><h1>A page</h1><p>Its summary text.</p><a href="attached.pdf">PDF</a>'
        "</main></body></html>"
    )
    plan = scan_sources([tmp_path])
    for name in ("gone.pdf", "gone.html", "attached.pdf"):
        (tmp_path / name).unlink()
    results = {Path(r.source).name: r for r in read_sources(plan, limits=LIMITS)}
    reasons = {Path(s.path).name: s.reason for r in results.values() for s in r.skipped}
    assert reasons == {
        "gone.pdf": "cannot read file (no such file or directory)",
        "gone.html": "cannot read file (no such file or directory)",
        "attached.pdf": "cannot read file (no such file or directory)",
    }
    [page] = results["page.html"].records  # the page itself is still indexed, with a note
    assert page.title == "A page"
    assert "attachment attached.pdf skipped: cannot read file (no such file or directory)" in (
        page.warnings
    )


# --- HTML --------------------------------------------------------------------------------------


def _page(title: str, body: str = "A summary of the program and its uses.") -> str:
    return (
        f"<html><head>{{meta}}<title>x</title></head><body><h1>{title}</h1><p>{body}</p>"
        "</body></html>"
    )


@pytest.mark.parametrize(
    ("name", "data", "title"),
    [
        ("cp1252-no-meta", _page("Caf\u00e9 \u201cquoted\u201d").format(meta="").encode("cp1252"),
         "Caf\u00e9 \u201cquoted\u201d"),
        ("meta-says-utf8-is-cp1252",
         _page("Caf\u00e9 \u2014 \u00fcber").format(meta='<meta charset="utf-8">').encode("cp1252"),
         "Caf\u00e9 \u2014 \u00fcber"),
        ("meta-says-utf16-is-utf8",
         _page("Caf\u00e9 \u00fcber").format(meta='<meta charset="utf-16">').encode("utf-8"),
         "Caf\u00e9 \u00fcber"),
        ("meta-unknown-label",
         _page("Caf\u00e9").format(meta='<meta charset="x-no-such-thing">').encode("utf-8"),
         "Caf\u00e9"),
        ("meta-python-only-codec",
         _page("A \\u0041 literal").format(meta='<meta charset="unicode_escape">').encode(),
         "A \\u0041 literal"),
        ("utf16-le-bom", _page("Caf\u00e9 \u201cq\u201d").format(meta="").encode("utf-16"),
         "Caf\u00e9 \u201cq\u201d"),
        ("utf16-be-bom", codecs.BOM_UTF16_BE + _page("Stra\u00dfe").format(meta="").encode(
            "utf-16-be"), "Stra\u00dfe"),
        ("utf16-no-bom", _page("Na\u00efve").format(meta="").encode("utf-16-le"), "Na\u00efve"),
        ("utf8-with-invalid-bytes",
         _page("R\u00e9sum\u00e9 na\u00efve caf\u00e9").format(meta="").encode() + b"\xff\xfe\xc3",
         "R\u00e9sum\u00e9 na\u00efve caf\u00e9"),
        ("mixed-utf8-and-cp1252",
         _page("R\u00e9sum\u00e9 of na\u00efve caf\u00e9s").format(meta="").encode()
         + "<p>\u201cquoted\u201d</p>".encode("cp1252"),
         "R\u00e9sum\u00e9 of na\u00efve caf\u00e9s"),
    ],
)  # fmt: skip
def test_html_in_any_encoding_is_read(tmp_path: Path, name: str, data: bytes, title: str) -> None:
    (tmp_path / f"{name}.html").write_bytes(data)
    [result] = list(read_sources(scan_sources([tmp_path]), limits=LIMITS))
    assert not result.skipped
    [record] = result.records
    assert record.title == title


def test_html_over_the_size_cap_is_skipped_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    with open(big, "wb") as f:
        f.write(b"<html><body><h1>Fifty megabytes</h1>")
        f.write(b"<p>Padding paragraph of the page.</p>\n" * (50 * 1024 * 1024 // 38))
        f.write(b"</body></html>")
    size = big.stat().st_size
    assert size > 50_000_000
    assert _outcome(tmp_path, Limits()) == {"big.html": f"too large ({size} bytes; limit 10485760)"}


_PARSE_IN_CHILD = """
import resource, sys
from pathlib import Path
from privsearch.config import Limits
from privsearch.ingest import read_paths
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
records = read_paths([Path(sys.argv[1])], limits=Limits(html_max_bytes=2_000_000))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(records), len(records[0].summary), (after - before) // 1024)
"""


def test_html_just_under_a_smaller_cap_parses_in_bounded_memory(tmp_path: Path) -> None:
    body = "".join(
        f"<p>Paragraph {n} on the retention of biometric records.</p>\n" for n in range(32_000)
    )
    head, tail = b"<html><body><main><h1>Just under the cap</h1>", b"</main></body></html>"
    core = head + body.encode() + tail
    html = head + body.encode() + b"<p>" + b"x" * (1_999_000 - len(core) - 7) + b"</p>" + tail
    assert 1_990_000 < len(html) <= 2_000_000
    (tmp_path / "under.html").write_bytes(html)
    done = subprocess.run(
        [sys.executable, "-c", _PARSE_IN_CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    records, summary_chars, grown_mb = map(int, done.stdout.split())
    assert records == 1 and summary_chars > 1_000_000
    assert grown_mb < 300, f"parsing a 2 MB page grew the process by {grown_mb} MB"


def test_deeply_nested_html_is_skipped_quickly(tmp_path: Path) -> None:
    depth = 100_000
    (tmp_path / "deep.html").write_text(
        "<html><body><h1>Deep</h1>" + "<div>" * depth + "x" + "</div>" * depth + "</body></html>"
    )
    started = time.monotonic()
    assert _outcome(tmp_path) == {"deep.html": "cannot parse HTML (elements nested too deeply)"}
    assert time.monotonic() - started < 30


def test_control_characters_do_not_reach_titles_or_summaries(tmp_path: Path) -> None:
    page = "<html><body><h1>Ctl\x01 title\x0cword</h1><p>Body\x00 text\x07 here and\x0bthere.</p>"
    (tmp_path / "ctl.html").write_text(page + "</body></html>")
    [result] = list(read_sources(scan_sources([tmp_path]), limits=LIMITS))
    [record] = result.records
    assert (record.title, record.summary) == ("Ctl title word", "Body text here and there.")


def test_a_text_longer_than_the_parsers_default_limit_is_kept_whole(tmp_path: Path) -> None:
    words = "retention " * 1_030_000  # one text node of 10.3 million characters
    (tmp_path / "long.html").write_text(f"<html><body><h1>Long</h1><p>{words}</p></body></html>")
    [result] = list(read_sources(scan_sources([tmp_path]), limits=LIMITS))
    [record] = result.records
    assert record.title == "Long" and len(record.summary) == len(words) - 1


def test_a_page_linking_many_pdfs_lists_each_once_in_order() -> None:
    cells = (f"<tr><td><a href='d{n % 30_000}.pdf'>Doc {n}</a></td></tr>" for n in range(40_000))
    rows = "".join(cells)
    page = parse_html(f"<html><body><main><h1>Many</h1><table>{rows}</table></main></body></html>")
    assert page.pdf_links == tuple(f"d{n}.pdf" for n in range(30_000))
    assert page.summary == ""  # the attachment table is not summary text


# --- settings ----------------------------------------------------------------------------------


def test_limits_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVSEARCH_PDF_MAX_STREAM_BYTES", "1000000")
    monkeypatch.setenv("PRIVSEARCH_PDF_MEMORY_MB", "256")
    monkeypatch.setenv("PRIVSEARCH_PDF_TIMEOUT", "2.5")
    limits = load_settings(pdf_timeout=9.0).limits
    assert (limits.pdf_max_stream_bytes, limits.pdf_memory_mb, limits.pdf_timeout) == (
        1_000_000,
        256,
        9.0,  # a flag wins over the environment
    )
    monkeypatch.setenv("PRIVSEARCH_PDF_MAX_PAGES", "many")
    with pytest.raises(PrivsearchError, match=r"^PRIVSEARCH_PDF_MAX_PAGES='many' is not a valid"):
        load_settings()
    monkeypatch.setenv("PRIVSEARCH_PDF_MAX_PAGES", "0")
    with pytest.raises(PrivsearchError, match="limit pdf_max_pages must be positive, not 0"):
        load_settings()


def test_env_limit_reaches_the_pdf_worker(tmp_path: Path) -> None:
    (tmp_path / "four-mb.pdf").write_bytes(_flate_bomb(4))
    env = {**os.environ, "PRIVSEARCH_PDF_MAX_STREAM_BYTES": "1000000"}
    done = subprocess.run(
        [sys.executable, "-m", "privsearch", "index", str(tmp_path), "--index",
         str(tmp_path / "ix"), "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "decompressed size limit of 1000000 bytes" in done.stdout
