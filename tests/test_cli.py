"""The privsearch command line, end to end on real files."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from privsearch.cli import cli
from tests.conftest import CORPUS, DHS, DHS_B, SHARED, require_shared
from tests.pdfgen import write_text_pdf

RESULT_KEYS = {
    "id",
    "title",
    "component",
    "doc_type",
    "date",
    "score",
    "snippet",
    "pages",
    "source",
}


def run(*args: str, env: dict[str, str] | None = None, ok: bool = True):
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def search_json(index: Path, *args: str) -> dict:
    return json.loads(run("search", *args, "--index", str(index), "--json").stdout)


def test_search_json_contract(dhs_index):
    data = search_json(dhs_index, "biometric", "--limit", "5")
    assert {
        "query",
        "total",
        "page",
        "per_page",
        "took_ms",
        "suggestion",
        "results",
        "facets",
    } <= set(data)
    assert data["query"] == "biometric" and data["per_page"] == 5 and data["page"] == 1
    assert len(data["results"]) == 5
    for hit in data["results"]:
        assert RESULT_KEYS <= set(hit)
    assert set(data["facets"]) == {
        "component", "doc_type", "year", "pii", "technology", "retention", "authority", "exemption"
    }  # fmt: skip
    assert sum(data["facets"]["component"].values()) == data["total"]


def test_search_filters_and_sort(dhs_index):
    data = search_json(
        dhs_index,
        "privacy",
        "--component",
        "ICE",
        "--type",
        "PIA",
        "--sort",
        "date",
        "--limit",
        "50",
    )
    assert data["total"] > 0
    assert {(h["component"], h["doc_type"]) for h in data["results"]} == {("ICE", "PIA")}
    dates = [h["date"] for h in data["results"] if h["date"]]
    assert dates == sorted(dates, reverse=True)


def test_search_table_output(dhs_index):
    out = run("search", "license plate", "--index", str(dhs_index)).stdout
    assert "DHS/CBP/PIA-049(a)" in out
    assert "results (" in out


def test_the_facet_line_says_how_many_values_it_leaves_out(dhs_index):
    out = run("search", "privacy", "--index", str(dhs_index), "--limit", "1").stdout
    components = search_json(dhs_index, "privacy")["facets"]["component"]
    assert len(components) > 8
    line = " ".join(out.split()).split("component: ")[1].split(";")[0]
    assert line.endswith(f", and {len(components) - 8} more (--json lists all)")
    assert line.startswith(", ".join(f"{k} {v}" for k, v in list(components.items())[:8]))


def test_search_csv(dhs_index):
    out = run("search", "biometric", "--csv", "--limit", "3", "--index", str(dhs_index)).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3
    assert {"id", "title", "component", "doc_type", "date", "score", "pages", "source"} <= set(
        rows[0]
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"facial recognition', "Error: unbalanced quote at character 1"),
        ("foo:bar", "Error: unknown field 'foo'"),
        ("(drones", "Error: unbalanced parenthesis"),
    ],
)
def test_bad_query_is_one_line_and_status_2(dhs_index, query, message):
    result = run("search", query, "--index", str(dhs_index), ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_quote_option_searches_literally(dhs_index):
    result = run("search", "foo:bar", "--quote", "--index", str(dhs_index), "--json")
    assert json.loads(result.stdout)["query"] == '"foo:bar"'


def test_bad_filter_is_status_2(dhs_index):
    result = run("search", "privacy", "--component", "NOPE", "--index", str(dhs_index), ok=False)
    assert result.exit_code == 2
    assert "unknown component 'NOPE'" in result.stderr


def test_show_and_export(dhs_index):
    out = run("show", "DHS/ICE/PIA-054", "--index", str(dhs_index)).stdout
    assert "Component:   ICE" in out and "--- page 1 ---" in out
    record = json.loads(run("show", "dhs/ice/pia-054", "--json", "--index", str(dhs_index)).stdout)
    assert record["id"] == "DHS/ICE/PIA-054" and record["pages"]
    missing = run("show", "DHS/NOPE-1", "--index", str(dhs_index), ok=False)
    assert missing.exit_code == 1 and "no record with id 'DHS/NOPE-1'" in missing.stderr

    lines = run("export", "--component", "ICE", "--index", str(dhs_index)).stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert rows and {r["component"] for r in rows} == {"ICE"}
    assert {"id", "title", "component", "doc_type", "date", "sorns", "source", "pages"} <= set(
        rows[0]
    )
    table = run("export", "--format", "csv", "--type", "SORN", "--index", str(dhs_index)).stdout
    sorns = list(csv.DictReader(io.StringIO(table)))
    assert sorns and {r["doc_type"] for r in sorns} == {"SORN"}


def test_stats(dhs_index):
    data = json.loads(run("stats", "--json", "--index", str(dhs_index)).stdout)
    assert data["records"] == sum(data["doc_type"].values()) > 300
    assert data["pages"] > 0
    assert "records" in run("stats", "--index", str(dhs_index)).stdout


def test_missing_index_is_a_clear_error(tmp_path):
    result = run("show", "X", "--index", str(tmp_path / "none"), ok=False)
    assert result.exit_code == 1
    assert "no index at" in result.stderr and "Traceback" not in result.output


def test_first_search_builds_the_index_from_the_bundled_corpus(tmp_path):
    index_dir = tmp_path / "index"
    env = {"PRIVSEARCH_CORPUS_DIR": str(CORPUS)}
    result = run("search", "facial recognition", "--index", str(index_dir), env=env)
    assert "No index at" in result.stderr and "building one from" in result.stderr
    assert "DHS/ICE/PIA-054" in result.stdout and "DHS/CBP/PIA-056" in result.stdout
    again = run("search", "facial recognition", "--index", str(index_dir), env=env)
    assert "building" not in again.stderr


def test_bundled_corpus_texts_give_page_numbers(bundled_index):
    data = search_json(bundled_index, "DHS/CBP/PIA-056")
    assert data["results"][0]["id"] == "DHS/CBP/PIA-056"
    data = search_json(bundled_index, "biometric entry exit")
    assert any(hit["pages"] == [1] for hit in data["results"])


def _copy_subset(target: Path) -> Path:
    """A few pages, their PDFs, a manifest row's PDFs and standalone PDFs, copied to target."""
    for sub in ("pages", "docs", "standalone"):
        (target / sub).mkdir(parents=True)
    for name in ("dhs-ice-pia-054", "dhs-all-016"):
        shutil.copy(DHS / "pages" / f"{name}.html", target / "pages")
        shutil.copy(DHS / "docs" / f"{name}.pdf", target / "docs")
    for name in ("dhs-cbp-pia-049-a", "dhs-cbp-pia-017", "dhs-all-011"):
        shutil.copy(DHS / "standalone" / f"{name}.pdf", target / "standalone")
    return target


def test_incremental_reindex_touches_only_changed_files(tmp_path):
    require_shared()
    docs = _copy_subset(tmp_path / "docs")
    index_dir = str(tmp_path / "index")
    first = json.loads(run("index", str(docs), "--index", index_dir, "--json").stdout)
    assert first["sources_read"] == 5 and first["records"] == 5

    again = json.loads(run("index", str(docs), "--index", index_dir, "--json").stdout)
    assert again["sources_read"] == 0 and again["sources_unchanged"] == 5
    assert again["records"] == 5

    write_text_pdf(
        docs / "standalone" / "dhs-cbp-pia-017.pdf",
        ["Privacy Impact Assessment for the Zebra Crossing System", "DHS/CBP/PIA-017 zebra"],
    )
    (docs / "standalone" / "dhs-all-011.pdf").unlink()
    changed = json.loads(run("index", str(docs), "--index", index_dir, "--json").stdout)
    assert changed["sources_read"] == 1 and changed["sources_removed"] == 1
    assert changed["sources_unchanged"] == 3 and changed["records"] == 4
    assert search_json(Path(index_dir), "zebra")["results"][0]["id"] == "DHS/CBP/PIA-017"
    assert search_json(Path(index_dir), "DHS/ALL-011")["total"] == 0 or all(
        h["id"] != "DHS/ALL-011" for h in search_json(Path(index_dir), "DHS/ALL-011")["results"]
    )

    rebuilt = json.loads(
        run("index", str(docs), "--index", index_dir, "--rebuild", "--json").stdout
    )
    assert rebuilt["sources_read"] == 4 and rebuilt["records"] == 4


def test_changed_linked_pdf_rereads_its_page(tmp_path):
    require_shared()
    docs = _copy_subset(tmp_path / "docs")
    index_dir = str(tmp_path / "index")
    run("index", str(docs), "--index", index_dir)
    write_text_pdf(docs / "docs" / "dhs-ice-pia-054.pdf", ["DHS/ICE/PIA-054", "quagga mussel"])
    changed = json.loads(run("index", str(docs), "--index", index_dir, "--json").stdout)
    assert changed["sources_read"] == 1 and changed["records"] == 5
    hit = search_json(Path(index_dir), "quagga")["results"][0]
    assert hit["id"] == "DHS/ICE/PIA-054" and hit["pages"] == [2]


def test_template_b_is_indexed_like_template_a(tmp_path):
    require_shared()
    index_dir = tmp_path / "index-b"
    summary = json.loads(run("index", str(DHS_B), "--index", str(index_dir), "--json").stdout)
    assert summary["records"] > 300
    top = [h["id"] for h in search_json(index_dir, "facial recognition")["results"]]
    assert "DHS/ICE/PIA-054" in top


def test_hostile_pdfs_are_indexed_or_skipped_with_a_reason(tmp_path):
    robustness = SHARED / "pdfs" / "robustness"
    if not robustness.is_dir():
        pytest.skip(f"{robustness} is not present")
    index_dir = str(tmp_path / "index")
    result = run(
        "index", str(robustness), "--index", index_dir, "--json", "--timeout", "8", "--workers", "2"
    )
    summary = json.loads(result.stdout)
    skipped = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert all(reason.strip() for reason in skipped.values())
    exported = run("export", "--index", index_dir).stdout.splitlines()
    indexed = {Path(json.loads(line)["source"]).name for line in exported}
    for pdf in robustness.glob("*.pdf"):
        assert (pdf.name in indexed) != (pdf.name in skipped), pdf.name
    assert "notpdf_zero-bytes.pdf" in skipped
    assert "enc_aes-256-r6_empty-user-pw.pdf" in indexed
    assert "password" in skipped["enc_rc4-128-r3_user-pw-asdfzxcv.pdf"]
    # one readable line per file: the failed pages grouped by reason, no raw PDF bytes quoted
    assert not [m for m in [*skipped.values(), *summary["warnings"]] if "b'" in m or "@" in m]
    newsletter = [w for w in summary["warnings"] if "cap-newsletter_pdfreaderror" in w]
    assert len(newsletter) == 1
    assert newsletter[0].endswith(
        ": 3 of 10 pages failed to extract: 1, 3, 4 (PdfReadError: Invalid Elementary Object)"
    )
    stats = json.loads(run("stats", "--index", index_dir, "--json").stdout)
    assert (stats["records"], stats["pages"]) == (summary["records"], summary["index_pages"])
    strict = run("index", str(robustness), "--index", index_dir, "--strict", ok=False)
    assert strict.exit_code == 1


def test_stopwords_proposes_common_words():
    require_shared()
    # the pages and the folder of the PDFs they link (links outside the folders given are not read)
    out = run("stopwords", str(DHS / "pages"), str(DHS / "docs"), "--min-df", "0.5").stdout
    assert "documents; words in at least 50% of them" in out
    assert len(out.splitlines()) > 1


def test_search_corrects_a_misspelled_word_among_correct_ones(dhs_index):
    result = run("search", "biometirc data sharing", "--index", str(dhs_index), "--limit", "3")
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Showing results for biometric data sharing; search instead for biometirc data "
        "sharing with --no-correct."
    )
    data = search_json(dhs_index, "biometirc data sharing")
    assert data["corrected_from"] == "biometirc data sharing"
    assert data["suggestion"] == "biometric data sharing"
    assert data["not_found"] == []


def test_search_no_correct_searches_as_typed(dhs_index):
    args = ("search", "biometirc data sharing", "--index", str(dhs_index), "--no-correct")
    lines = run(*args).stdout.splitlines()
    assert lines[:2] == ["Did you mean: biometric data sharing?", "Not found: biometirc."]
    data = search_json(dhs_index, "biometirc data sharing", "--no-correct")
    assert data["corrected_from"] is None and data["not_found"] == ["biometirc"]
    assert [r["id"] for r in data["results"]] == [
        r["id"] for r in search_json(dhs_index, "data sharing")["results"]
    ]


def test_search_says_which_words_no_document_holds(dhs_index):
    result = run("search", "quantum license plate readers", "--index", str(dhs_index))
    assert result.stdout.splitlines()[0] == "Not found: quantum."
    assert "Did you mean" not in result.stdout and "Showing results for" not in result.stdout
    data = search_json(dhs_index, "quantum license plate readers")
    assert data["not_found"] == ["quantum"] and data["total"] > 0


def test_a_search_loads_only_what_it_needs(bundled_index):
    """A search reads the index with Whoosh alone: no stemmer, PDF reader or HTTP client."""
    probe = (
        "import sys\n"
        "from privsearch.cli import cli\n"
        "try:\n"
        f"    cli(['search', 'facial recognition programs', '--index', {str(bundled_index)!r}])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert "DHS/ICE/PIA-054" in result.stdout
    loaded = set(json.loads(result.stdout.splitlines()[-1].replace("'", '"')))
    assert "whoosh" in loaded and "privsearch" in loaded
    assert not loaded & {"nltk", "pypdf", "lxml", "httpx", "fastapi", "uvicorn"}
    assert (bundled_index / "stems.json").is_file()


def test_a_word_missing_from_the_stems_table_is_still_stemmed(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    index = tmp_path / "index"
    run("index", str(tmp_path / "corpus"), "--index", str(index))
    (index / "stems.json").unlink()
    with_table_gone = search_json(index, "recognizing faces")
    run("index", str(tmp_path / "corpus"), "--index", str(index), "--rebuild")
    assert (index / "stems.json").is_file()
    assert [r["id"] for r in search_json(index, "recognizing faces")["results"]] == [
        r["id"] for r in with_table_gone["results"]
    ]
    assert with_table_gone["total"] > 0
