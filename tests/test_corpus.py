"""The bundled corpus (a gzip-compressed manifest with the documents' text) and its rebuild."""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import privsearch
from privsearch.config import Limits
from privsearch.ingest import read_paths, read_sources, scan_sources
from privsearch.ingest.metadata import find_date, infer_date
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
    assert len(rows) == 309 and len({r["id"] for r in rows}) == 309
    # bare listing entries (neither a date nor any text) are not bundled; the rest are
    assert all(row.get("date") or row.get("text") for row in rows)


def test_the_bundled_corpus_indexes_real_dated_records(bundled_index: Path) -> None:
    with privsearch.open_index(bundled_index) as ix:
        stats = ix.stats()
        assert stats["records"] >= 300
        # 279 rows give a date; 6 more state theirs in their text (the other 24 state none)
        dated = stats["records"] - stats["year"].get("unknown", 0)
        assert dated >= 285 and dated / stats["records"] >= 0.85
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
        + json.dumps({"id": "a", "title": "A", "urls": [], "summary": "S", "date": "2020-01-02"})
        + "\n"
        + json.dumps({"id": "c", "title": "A listing entry only", "summary": "S"}) + "\n"
    )  # fmt: skip
    first, second = tmp_path / "one" / "c.jsonl.gz", tmp_path / "two" / "c.jsonl.gz"
    for out in (first, second):
        subprocess.run([sys.executable, str(SCRIPT), str(records), "--out", str(out)], check=True)
    assert first.read_bytes() == second.read_bytes()
    rows = [json.loads(line) for line in gzip.decompress(first.read_bytes()).splitlines()]
    assert rows == [
        {"id": "a", "title": "A", "date": "2020-01-02", "summary": "S"},
        {"id": "b", "title": "B", "sorns": ["DHS/ALL-001"], "url": "https://x/b",
         "text": "Text of b"},
    ]  # fmt: skip


def test_the_committed_corpus_is_what_the_script_writes() -> None:
    if not RECORDS.is_file():
        pytest.skip(f"the shared records are not at {RECORDS} (only present beside the repository)")
    assert _script().manifest_bytes(_script().read_records(RECORDS)) == BUNDLE.read_bytes()


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("DATES: Submit comments on or before August 26, 2015.", None),
        ("previously published on August 17, 2015 (80 FR 49256).", None),
        ("(69 FR 57345, Sept. 24, 2004)", None),
        ("This year's report, covering the period December 2011 through December 2012", None),
        ("Systems of Records Published Between January 2, 2024 and December 31, 2025", None),
        (
            "This Directive supersedes DHS Directive 0470.2, Privacy Act Compliance (Oct. 2005).",
            None,
        ),
        ("the Incident Handling Center (March 29, 2007), and", None),
        ("https://www.govinfo.gov/content/pkg/FR-2024-01-22/pdf/x.pdf", None),
        ("80 Fed. Reg. 72081 (Nov. 18, 2015)\n\nAGENCY: Privacy Office", "2015-11-18"),
        ("Federal Register Volume 77, Number 228 (Tuesday, November 27, 2012)", "2012-11-27"),
        ("Privacy Impact Assessment Version date: 05/11/2010", "2010-05-11"),
        ("Homeport Internet Portal November 16, 2012 (PDF, 5 pages, 127 KB).", "2012-11-16"),
    ],
)
def test_a_date_the_text_only_mentions_is_not_its_own(text: str, iso: str | None) -> None:
    assert find_date(text) == iso


def test_the_dates_of_files_a_page_lists_are_not_the_pages() -> None:
    page = "Privacy Documents\n\nA, July 30, 2012 (PDF, 37 pages)\n\nB, May 4, 2010 (PDF, 3 pages)"
    assert find_date(page) is None
    assert infer_date(text=page[:60] + "\n" + "x" * 2000 + page[60:]) is None


def test_a_summary_closes_with_its_date_only_on_a_line_of_its_own() -> None:
    assert infer_date(summary="The PIA documents the change. May 2017") == "2017-05-01"
    assert infer_date(summary="Notice of the program, published December 18, 2015.") == "2015-12-18"
    assert infer_date(summary="since the Department issued its report in December 2008.") is None
    assert infer_date(summary='the "Vetting Enterprise," dated February 6, 2018.') is None
