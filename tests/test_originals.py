"""Opening the original: each record's address on the web, its PDF served by the API, and
paths shown relative to the indexed folders, never as the server's own."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import privsearch
from privsearch.http import create_app
from privsearch.originals import Folders
from tests.conftest import DHS, DHS_B, GOVERNMENT_PDFS, TEST_LIMITS, require_shared
from tests.pdfgen import write_text_pdf

REGISTER = "https://www.federalregister.gov/d/"


@pytest.fixture(scope="module")
def client(dhs_index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(dhs_index, rate_limit=0)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def mixed_client(mixed_index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(mixed_index, rate_limit=0)) as test_client:
        yield test_client


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"ok", "error", "status"} and body["status"] == status
    return body


# -- where a record was published -------------------------------------------------------------


def _records(folder: Path) -> list[privsearch.Record]:
    return [r for r in privsearch.read_records([folder], limits=TEST_LIMITS) if r.id]


@pytest.mark.parametrize("folder", [DHS, DHS_B], ids=["template-a", "template-b"])
def test_a_notice_links_the_register_document_its_text_states(folder: Path) -> None:
    require_shared()
    records = _records(folder)
    page = next(r for r in records if r.source.endswith("pages/dhs-all-004.html"))
    # its PDF's head: "[FR Doc No: 2012-28675]"
    assert page.url == REGISTER + "2012-28675"
    standalone = next(r for r in records if r.source.endswith("standalone/dhs-all-011.pdf"))
    assert standalone.url == REGISTER + "2018-06986"
    with_url = sum(1 for r in records if r.url)
    assert with_url >= 85, with_url  # 35 before: only the manifest's rows had one


def test_a_manifest_row_keeps_its_url() -> None:
    require_shared()
    record = next(r for r in _records(DHS) if r.id == "DHS/CBP/PIA-056")
    assert record.url == "https://omb.report/icr/202305-1651-001/doc/131867701"


@pytest.mark.parametrize("folder", [DHS, DHS_B], ids=["template-a", "template-b"])
def test_a_page_of_a_mirrored_site_links_its_address(folder: Path, tmp_path: Path) -> None:
    require_shared()
    site = tmp_path / "dhs"
    (site / "publication").mkdir(parents=True)
    (site / "docs").mkdir()
    (site / ".privsearch-site").write_text(json.dumps({"url": "https://www.dhs.gov"}))
    shutil.copy(folder / "pages" / "dhs-all-004.html", site / "publication" / "dhs-all-004.html")
    shutil.copy(folder / "docs" / "dhs-all-004.pdf", site / "docs" / "dhs-all-004.pdf")
    (record,) = _records(tmp_path)
    assert record.url == "https://www.dhs.gov/publication/dhs-all-004"
    assert record.links == (record.url, REGISTER + "2012-28675")
    assert record.attachments == (str(site / "docs" / "dhs-all-004.pdf"),)


def test_og_url_and_a_listings_base_give_addresses(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '<html><head><meta property="og:url" content="https://www.dhs.gov/publication/x">'
        "<title>Privacy Impact Assessment for the Example System</title></head><body>"
        "<h1>Privacy Impact Assessment for the Example System</h1><p>It collects names.</p>"
        "</body></html>"
    )
    items = "".join(
        f'<li><h3><a href="/publication/item-{n}">DHS/CBP/PIA-09{n} Item {n}</a></h3>'
        f"<p>Summary of item {n}.</p></li>"
        for n in range(3)
    )
    (tmp_path / "listing.html").write_text(
        '<html><head><link rel="canonical" href="https://www.dhs.gov/publications-library">'
        f"<title>Privacy</title></head><body><main><ul>{items}</ul></main></body></html>"
    )
    records = {r.title: r for r in _records(tmp_path)}
    assert records["Privacy Impact Assessment for the Example System"].url == (
        "https://www.dhs.gov/publication/x"
    )
    listed = [r for r in records.values() if "Item" in r.title]
    assert len(listed) == 3
    addresses = {f"https://www.dhs.gov/publication/item-{n}" for n in range(3)}
    assert {r.url for r in listed} == addresses


# -- the PDF endpoint ---------------------------------------------------------------------------


def test_a_standalone_pdf_is_served_whole(client: TestClient) -> None:
    response = client.get("/api/documents/DHS%2FALL-011/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="dhs-all-011.pdf"'
    assert response.content.startswith(b"%PDF")
    assert response.content == (DHS / "standalone" / "dhs-all-011.pdf").read_bytes()


def test_a_page_record_serves_its_attached_pdf(client: TestClient) -> None:
    document = client.get("/api/documents/DHS%2FICE%2FPIA-054").json()
    assert document["source"] == "pages/dhs-ice-pia-054.html"
    assert document["attachments"] == ["docs/dhs-ice-pia-054.pdf"]
    assert document["pdf"] == "/api/documents/DHS%2FICE%2FPIA-054/pdf"
    assert {page["pdf"] for page in document["pages"]} == {document["pdf"]}
    response = client.get(document["pdf"])
    assert response.content == (DHS / "docs" / "dhs-ice-pia-054.pdf").read_bytes()


def test_head_and_byte_ranges(client: TestClient) -> None:
    whole = client.get("/api/documents/DHS%2FALL-011/pdf")
    head = client.head("/api/documents/DHS%2FALL-011/pdf")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(whole.content))
    part = client.get("/api/documents/DHS%2FALL-011/pdf", headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == whole.content[:8]


def test_a_shared_id_names_its_source(client: TestClient, dhs: privsearch.Index) -> None:
    sources = dhs.sources("DHS/ALL-039")
    assert len(sources) == 2
    served = set()
    for source in sources:
        relative = source.split("/corpus/dhs/", 1)[1]
        document = client.get("/api/documents/DHS%2FALL-039", params={"source": relative}).json()
        assert document["source"] == relative
        assert "source=standalone%2F" in document["pdf"]
        response = client.get(document["pdf"])
        assert response.content == Path(source).read_bytes()
        served.add(response.content)
    assert len(served) == 2


def test_a_record_without_a_pdf_is_404(client: TestClient) -> None:
    document = client.get("/api/documents/DHS%2FTSA%2FPIA-046").json()
    assert document["attachments"] == [] and document["pdf"] is None
    body = assert_json_error(client.get("/api/documents/DHS%2FTSA%2FPIA-046/pdf"), 404)
    assert body["error"] == "DHS/TSA/PIA-046 has no PDF"
    assert_json_error(client.get("/api/documents/DHS%2FALL-011/pdf?n=2"), 404)
    assert_json_error(client.get("/api/documents/DHS%2FALL-011/pdf?n=0"), 400)
    assert_json_error(client.get("/api/documents/no-such-record/pdf"), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/documents/..%2F..%2Fetc%2Fpasswd/pdf",
        "/api/documents/%2Fetc%2Fpasswd/pdf",
        "/api/documents/DHS%2FALL-011/pdf?source=/etc/passwd",
        "/api/documents/DHS%2FALL-011/pdf?source=../../../../etc/passwd",
        "/api/documents/DHS%2FALL-011/pdf?source=standalone/../../../../etc/passwd",
        "/api/documents/DHS%2FALL-011/pdf?source=manifest.jsonl",
    ],
)
def test_nothing_but_a_records_own_files_is_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/json")
    assert b"root:" not in response.content
    assert str(DHS.resolve()) not in response.text


def test_a_pdf_gone_or_replaced_is_404(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    folder.mkdir()
    pdf = folder / "dhs-zz-pia-001.pdf"
    write_text_pdf(pdf, ["Privacy Impact Assessment for the Example System\nMay 1, 2020"])
    index_dir = tmp_path / "index"
    privsearch.build_index([folder], index_dir, limits=TEST_LIMITS)
    with TestClient(create_app(index_dir, rate_limit=0)) as client:
        (hit,) = client.get("/api/search", params={"q": "example system"}).json()["results"]
        assert hit["source"] == hit["attachments"][0] == "dhs-zz-pia-001.pdf"
        assert client.get(hit["pdf"]).content == pdf.read_bytes()
        pdf.write_text("#!/bin/sh\necho not a PDF\n")
        body = assert_json_error(client.get(hit["pdf"]), 404)
        assert body["error"].endswith("is no longer a PDF")
        pdf.unlink()
        body = assert_json_error(client.get(hit["pdf"]), 404)
        assert body["error"].endswith("is no longer there")
        assert str(tmp_path) not in body["error"]


# -- hits link their PDF --------------------------------------------------------------------------


def test_a_hit_links_its_pdf_at_the_first_matching_page(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "facial recognition", "per_page": 20}).json()
    with_pages = [h for h in data["results"] if h["pages"] and h["pdf"]]
    assert with_pages
    for hit in with_pages:
        assert hit["pdf_page_url"] == f"{hit['pdf']}#page={hit['pages'][0]}"
        assert client.get(hit["pdf"]).content.startswith(b"%PDF")
    without = [h for h in data["results"] if not h["attachments"]]
    assert all(h["pdf"] is None and h["pdf_page_url"] is None for h in without)


# -- no server path in any answer ------------------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _assert_no_server_path(response: Any, roots: list[Path]) -> None:
    for root in roots:
        assert str(root.resolve()) not in response.text
    for text in _strings(response.json()):
        assert not text.startswith("/") or text.startswith("/api/"), text


def test_no_answer_shows_a_server_path(mixed_client: TestClient, mixed_index: Path) -> None:
    roots = [DHS, GOVERNMENT_PDFS, mixed_index]
    seen_sources = set()
    for query in ("facial recognition", "court order", "privacy act", "biometric", "census"):
        search = mixed_client.get("/api/search", params={"q": query, "per_page": 50})
        _assert_no_server_path(search, roots)
        for hit in search.json()["results"]:
            seen_sources.add(hit["source"])
            params = {"source": hit["source"]}
            document = mixed_client.get(f"/api/documents/{hit['id']}", params=params)
            assert document.status_code == 200, (hit["id"], document.text)
            _assert_no_server_path(document, roots)
            for page in hit["pages"][:1]:
                shown = mixed_client.get(f"/api/documents/{hit['id']}/pages/{page}", params=params)
                assert shown.status_code == 200
                _assert_no_server_path(shown, roots)
    assert any(s.startswith("standalone/") for s in seen_sources)
    assert any("/" not in s and s.endswith(".pdf") for s in seen_sources)  # a government PDF
    missing = mixed_client.get("/api/documents/DHS%2FALL-011", params={"source": "nowhere.pdf"})
    assert_json_error(missing, 404)


def test_folders_show_paths_relative_to_the_nearest_root() -> None:
    folders = Folders(["/srv/library", "/srv/library/dhs", "/srv/one.pdf"])
    assert folders.relative("/srv/library/dhs/pages/a.html") == "pages/a.html"
    assert folders.relative("/srv/library/other/b.pdf") == "other/b.pdf"
    assert folders.relative("/srv/one.pdf") == "one.pdf"
    assert folders.relative("/elsewhere/c.pdf") == "c.pdf"
    assert folders.relative("https://www.dhs.gov/x.pdf") == "https://www.dhs.gov/x.pdf"
    message = "cannot read /srv/library/dhs/pages/a.html in /srv/library/dhs"
    assert folders.scrub(message) == "cannot read pages/a.html in dhs"
    sources = ["/srv/library/dhs/pages/a.html", "/srv/library/dhs/manifest.jsonl"]
    assert folders.pick("pages/a.html", sources) == sources[0]
    assert folders.pick("../a.html", sources) == "../a.html"


def test_the_document_number_a_notice_states() -> None:
    from privsearch.ingest.federal_register import stated_document_url

    head = "[Federal Register Volume 77, Number 228] GPO [www.gpo.gov] [FR\nDoc No: 2012-28675]"
    assert stated_document_url(head) == REGISTER + "2012-28675"
    filed = "... of records.\n[FR Doc. E9\u201323522 Filed 9\u201329\u201309; 8:45 am]"
    assert stated_document_url(filed) == REGISTER + "E9-23522"
    compilation = "[FR Doc. 2011-1 Filed 1-3-11]\n...\n[FR Doc. 2011-2 Filed 1-3-11]"
    assert stated_document_url(compilation) == ""
    assert stated_document_url("See the notice published as FR Doc 2012-28675.") == ""


def test_show_paths_gives_absolute_paths(dhs_index: Path) -> None:
    with TestClient(create_app(dhs_index, rate_limit=0, show_paths=True)) as client:
        document = client.get("/api/documents/DHS%2FALL-011").json()
        pdf = str((DHS / "standalone" / "dhs-all-011.pdf").resolve())
        assert document["source"] == pdf and document["attachments"] == [pdf]
        assert client.get("/api/documents/DHS%2FALL-011", params={"source": pdf}).status_code == 200
