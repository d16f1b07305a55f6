"""The bundled corpus (a gzip-compressed manifest with the documents' text) and its rebuild."""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
import zlib
from pathlib import Path

import privsearch
from privsearch.config import Limits
from privsearch.ingest import read_paths, read_sources, scan_sources
from tests.conftest import CORPUS, ROOT, SHARED

BUNDLE = CORPUS / "dhs-privacy.jsonl.gz"
RECORDS = SHARED / "corpus" / "records.jsonl"
SCRIPT = ROOT / "scripts" / "make_corpus.py"


def _gz(rows: list[dict]) -> bytes:
    return gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode(), mtime=0)


def _outcome(folder: Path, limits: Limits) -> tuple[dict[str, str], list[privsearch.Record]]:
    """({file name: skip reason}, records) for one run over `folder`."""
    reasons: dict[str, str] = {}
    records: list[privsearch.Record] = []
    for result in read_sources(scan_sources([folder], limits=limits), limits=limits):
        reasons.update((Path(s.path).name, s.reason) for s in result.skipped)
        records.extend(result.records)
    return reasons, records


# --- the bundled corpus ------------------------------------------------------------------------


def test_the_bundled_corpus_is_one_small_manifest() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == ["dhs-privacy.jsonl.gz"]
    assert BUNDLE.stat().st_size < 1_000_000
    rows = [json.loads(line) for line in gzip.decompress(BUNDLE.read_bytes()).splitlines()]
    assert len(rows) == 360 and len({r["id"] for r in rows}) == 360


def test_the_bundled_corpus_indexes_real_dated_records(bundled_index: Path) -> None:
    with privsearch.open_index(bundled_index) as ix:
        stats = ix.stats()
        assert stats["records"] >= 300
        undated = stats["year"].get("unknown", 0)
        assert (stats["records"] - undated) / stats["records"] >= 0.8
        tvs = ix.get("DHS/CBP/PIA-056")
        assert (tvs.component, tvs.doc_type, tvs.date) == ("CBP", "PIA", "2018-11-14")
        assert tvs.url.startswith("https://") and tvs.pages[0].number == 1
        found = ix.search("facial recognition", per_page=20)
        assert {"DHS/CBP/PIA-056", "DHS/ICE/PIA-054"} <= {h.id for h in found.results}
        assert ix.search("DHS/ALL-004").results[0].id == "DHS/ALL-004"


def test_dates_the_bundled_texts_state_are_found() -> None:
    """Rows without a date get the one their text states, not one it only mentions."""
    records = {r.id: r for r in read_paths([CORPUS])}
    assert records["dhs-pia-template-2010-05-11"].date == "2010-05-11"  # "Version date: 05/11/2010"
    assert records["dhs-2010-data-mining-report-to-congress"].date == "2010-12-01"
    assert records["dhs-handbook-safeguarding-sensitive-pii-2012-03"].date == "2012-03-01"
    # a listing page's dates are those of the documents it lists
    assert records["dhs-privacy-documents-ops-page"].date is None
    # "previously published in the Federal Register on August 17, 2015 (80 FR 49256)"
    assert records["DHS/CBP-001"].date is None


# --- gzip manifests and inline text ------------------------------------------------------------


def test_a_gzip_manifest_with_text_rows(tmp_path: Path) -> None:
    rows = [
        {"id": "DHS/CBP/PIA-999", "title": "Privacy Impact Assessment for the Zeppelin Program",
         "text": "Privacy Impact Assessment for the Zeppelin Program\nDHS/CBP/PIA-999\n"
                 "March 3, 2021\nThe program photographs travelers."},
        {"title": "Paged notice", "pages": ["Cover of the notice", "", "Zebra crossings here."],
         "url": "https://example.gov/notice"},
        {"id": "with-pdf", "title": "Both", "pdf": "missing.pdf", "text": "Inline quokka text."},
    ]  # fmt: skip
    (tmp_path / "m.jsonl.gz").write_bytes(_gz(rows))
    reasons, records = _outcome(tmp_path, Limits())
    assert reasons == {}
    by_id = {r.id: r for r in records}
    zeppelin = by_id["DHS/CBP/PIA-999"]
    assert (zeppelin.component, zeppelin.doc_type, zeppelin.date) == ("CBP", "PIA", "2021-03-03")
    assert [(p.number, p.attachment) for p in zeppelin.pages] == [(1, "")]
    assert "photographs travelers" in zeppelin.pages[0].text
    [paged] = [r for r in records if r.title == "Paged notice"]
    assert [p.number for p in paged.pages] == [1, 3] and paged.url == "https://example.gov/notice"
    both = by_id["with-pdf"]
    assert both.pages[0].text == "Inline quokka text."
    assert both.warnings == ("linked PDF not found: missing.pdf",)


def test_a_row_prefers_its_pdf_to_its_inline_text(tmp_path: Path) -> None:
    from tests.pdfgen import write_text_pdf

    write_text_pdf(tmp_path / "doc.pdf", ["Page one wombat", "Page two wombat"])
    row = {"id": "doc", "title": "Doc", "pdf": "doc.pdf", "text": "Inline text only."}
    (tmp_path / "m.jsonl.gz").write_bytes(_gz([row]))
    [record] = read_paths([tmp_path])
    assert [p.number for p in record.pages] == [1, 2]
    assert "wombat" in record.pages[0].text and record.attachments == (str(tmp_path / "doc.pdf"),)


def test_a_corrupt_gzip_and_a_gzip_bomb_are_skipped_and_the_run_goes_on(tmp_path: Path) -> None:
    good = _gz([{"id": "good", "title": "A good manifest row"}])
    (tmp_path / "good.jsonl.gz").write_bytes(good)
    (tmp_path / "truncated.jsonl.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "garbage.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"not deflate data" * 8)
    # 50 MB of zeros compress to about 50 KB
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(tmp_path / "bomb.jsonl.gz", "wb") as f:
        block = b"\0" * (1 << 20)
        for _ in range(50):
            f.write(bomb.compress(block))
        f.write(bomb.flush())
    assert (tmp_path / "bomb.jsonl.gz").stat().st_size < 100_000
    (tmp_path / "page.html").write_text("<html><h1>A page that is read</h1><p>Text.</p></html>")
    reasons, records = _outcome(tmp_path, Limits(html_max_bytes=1_000_000))
    assert reasons["bomb.jsonl.gz"] == "too large when decompressed (over 1000000 bytes)"
    assert reasons["truncated.jsonl.gz"] == "corrupt gzip (the file ends early)"
    assert reasons["garbage.jsonl.gz"].startswith("corrupt gzip (Error -3")
    assert sorted(r.title for r in records) == ["A good manifest row", "A page that is read"]


def test_the_cli_reports_a_bad_gzip_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "bad.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00\x00")
    (tmp_path / "docs" / "ok.jsonl.gz").write_bytes(_gz([{"id": "ok", "title": "Fine"}]))
    run = subprocess.run(
        [sys.executable, "-m", "privsearch", "index", str(tmp_path / "docs"),
         "--index", str(tmp_path / "ix"), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["records"] == 1
    # (the scan and the read each report it, as for any file skipped unread)
    assert {(Path(s["path"]).name, s["reason"]) for s in report["skipped"]} == {
        ("bad.jsonl.gz", "corrupt gzip (the file ends early)")
    }


# --- the rebuild script ------------------------------------------------------------------------


def _script():
    spec = importlib.util.spec_from_file_location("make_corpus", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rebuild_script_writes_the_same_bytes_twice(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text(
        json.dumps({"id": "b", "title": "B", "urls": ["https://x/b", "https://y/b"],
                    "fulltext": "Text of b", "date": None, "sorns": ["DHS/ALL-001"]}) + "\n"
        + json.dumps({"id": "a", "title": "A", "urls": [], "summary": "S"}) + "\n"
    )  # fmt: skip
    first, second = tmp_path / "one" / "c.jsonl.gz", tmp_path / "two" / "c.jsonl.gz"
    for out in (first, second):
        subprocess.run([sys.executable, str(SCRIPT), str(records), "--out", str(out)], check=True)
    assert first.read_bytes() == second.read_bytes()
    rows = [json.loads(line) for line in gzip.decompress(first.read_bytes()).splitlines()]
    assert rows == [
        {"id": "a", "title": "A", "summary": "S"},
        {"id": "b", "title": "B", "sorns": ["DHS/ALL-001"], "url": "https://x/b",
         "text": "Text of b"},
    ]  # fmt: skip


def test_the_committed_corpus_is_what_the_script_writes() -> None:
    import pytest

    if not RECORDS.is_file():
        pytest.skip(f"the shared records are not at {RECORDS} (only present beside the repository)")
    assert _script().manifest_bytes(_script().read_records(RECORDS)) == BUNDLE.read_bytes()
