"""`privsearch fetch` and `update` against the offline replica of both sources (../shared/site):
faults, politeness, conditional re-fetch, kill -9, and the mirror indexed end to end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import privsearch
from privsearch.cli import cli
from privsearch.fetch.dhs import read_listing
from privsearch.fetch.mirror import Mirror
from privsearch.ingest.site import site_path
from privsearch.models import Record

from .conftest import SHARED

SITE = SHARED / "site"
REPLICA = SITE / "replica"


def _require_site() -> None:
    if not (SITE / "serve.py").is_file():
        pytest.skip(f"the site replica is not at {SITE} (only present beside the repository)")


class Server:
    """The replica's own server, in a subprocess on a free port."""

    def __init__(self, replica: Path, faults: bool, port: int = 0) -> None:
        args = [sys.executable, str(SITE / "serve.py"), str(replica), "--port", str(port)]
        self.process = subprocess.Popen(
            args + (["--faults"] if faults else []), stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        self.url = line.split(" on ")[-1].strip()
        assert self.url.startswith("http://127.0.0.1:"), line

    def stats(self) -> dict[str, int]:
        import httpx

        return httpx.get(f"{self.url}/__stats").json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()


def _serve(replica: Path = REPLICA, faults: bool = False, port: int = 0) -> Iterator[Server]:
    _require_site()
    server = Server(replica, faults, port)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def faulty_server() -> Iterator[Server]:
    yield from _serve(faults=True)


@pytest.fixture
def server() -> Iterator[Server]:
    yield from _serve()


def _fetch_args(mirror: Path, url: str, *more: str) -> list[str]:
    """The command line other tools rely on, as written."""
    return [
        "fetch", "--mirror", str(mirror), "--dhs-url", url, "--federal-register-url", url,
        "--delay", "0", *more,
    ]  # fmt: skip


def _fetch_json(mirror: Path, url: str, *more: str) -> dict:
    result = CliRunner().invoke(cli, _fetch_args(mirror, url, "--json", *more))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def fetched(faulty_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The replica fetched once with faults on, then indexed."""
    mirror = tmp_path_factory.mktemp("mirror")
    report = _fetch_json(mirror, faulty_server.url)
    stats_after_first = faulty_server.stats()
    index_dir = tmp_path_factory.mktemp("index")
    result = CliRunner().invoke(cli, ["index", str(mirror), "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    return {
        "mirror": mirror,
        "report": report,
        "stats": stats_after_first,
        "index": index_dir,
        "indexed": json.loads(result.output),
    }


def _expected() -> list[dict]:
    return [json.loads(line) for line in (SITE / "expected.jsonl").read_text().splitlines()]


def _records(index_dir: Path) -> list[Record]:
    with privsearch.open_index(index_dir) as ix:
        return list(ix.records(None, None, None, None))


def _by_address(records: list[Record]) -> dict[str, list[Record]]:
    """Records by the DHS page they come from and by Federal Register document number."""
    found: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        for link in record.links or (record.url,):
            if "/publication/" in link:
                found["dhs:" + link.rsplit("/publication/", 1)[1]].append(record)
        if record.detail("document_number"):
            found["fr:" + record.detail("document_number")].append(record)
    return found


def test_fetch_with_faults_is_complete_and_polite(fetched: dict) -> None:
    report, stats = fetched["report"], fetched["stats"]
    assert not [f for s in report["sources"] for f in s["failed"]], report
    assert all(source["complete"] for source in report["sources"])
    assert stats["robots_violations"] == 0  # the listing links /private/: never asked for
    assert stats["faults_sent"] > 0 and stats["refetched_after_fault"] == stats["faults_sent"]
    assert stats["peak_concurrency"] <= 2  # both sources are one host here
    assert stats["pdf_200"] == 206  # every PDF once: the cut-short ones again, never kept cut
    for pdf in (fetched["mirror"] / "dhs").rglob("*.pdf"):
        original = REPLICA / "files" / "pdf" / pdf.name
        assert pdf.read_bytes() == original.read_bytes(), pdf
    assert not list((fetched["mirror"] / ".privsearch" / "tmp").iterdir())
    assert report["user_agent"].startswith(f"privsearch/{privsearch.__version__}")


def test_every_expected_record_is_found_once_with_its_metadata(fetched: dict) -> None:
    records = _records(fetched["index"])
    found = _by_address(records)
    expected = _expected()
    assert len(records) == len(expected) == fetched["indexed"]["records"]
    wrong: dict[str, list[str]] = defaultdict(list)
    for e in expected:
        keys = [f"dhs:{e['slug']}"] if "dhs" in e["where"] else []
        keys += [f"fr:{e['fr_number']}"] if "federal-register" in e["where"] else []
        matches = {id(r): r for key in keys for r in found.get(key, [])}
        assert len(matches) == 1, (e["id"], keys, [r.id for r in matches.values()])
        record = next(iter(matches.values()))
        if len(keys) == 2:  # one publication reached twice: one record with both links
            assert any("/publication/" in link for link in record.links)
            assert record.detail("document_number") == e["fr_number"]
        for name in ("component", "doc_type", "date"):
            if getattr(record, name) != e[name] and (name != "date" or e["date"]):
                wrong[name].append(f"{e['id']}: {getattr(record, name)} (want {e[name]})")
        if e["id"].startswith("DHS/") and record.id != e["id"]:
            wrong["id"].append(f"{record.id} (want {e['id']})")
    n = len(expected)
    for name, misses in wrong.items():  # the same bar as the ingest of the shared corpus
        assert 1 - len(misses) / n >= 0.95, (name, misses)


def test_federal_register_records_keep_their_identifiers(fetched: dict) -> None:
    records = _records(fetched["index"])
    notices = [r for r in records if r.detail("document_number")]
    assert len(notices) == 118
    assert all(r.url and r.detail("federal_register_type") for r in notices)
    cited = [r for r in notices if r.detail("citation")]
    assert len(cited) >= 90
    titles = [r.title for r in notices]
    assert "Privacy Act of 1974; System of Records" not in titles
    with privsearch.open_index(fetched["index"]) as ix:
        record = cited[0]
        by_citation = ix.search(f'"{record.detail("citation")}"')
        assert record.id in [hit.id for hit in by_citation.results]
        by_number = ix.search(record.detail("document_number"))
        assert by_number.results and by_number.results[0].id == record.id


def test_every_fetched_record_links_where_it_was_published(fetched: dict) -> None:
    records = _records(fetched["index"])
    site = json.loads((fetched["mirror"] / "dhs" / ".privsearch-site").read_text())["url"]
    documents = json.loads((REPLICA / "fr-documents.json").read_text())
    html_urls = {d["document_number"]: d["html_url"] for d in documents}
    assert all(r.url for r in records)  # 348 of 348: 276 pages and 72 Register documents
    pages = {r.source: r for r in records if r.source.endswith(".html")}
    for source, record in pages.items():
        slug = Path(source).stem
        assert record.url == f"{site}/publication/{slug}", source
    notices = [r for r in records if r.detail("document_number") and r.source.endswith(".json")]
    assert notices
    for record in notices:
        assert record.url == html_urls[record.detail("document_number")]


def test_a_second_fetch_downloads_no_pdf_again(fetched: dict) -> None:
    server_stats = fetched["stats"]
    url = fetched["report"]["sources"][0]["url"]
    again = _fetch_json(fetched["mirror"], url)
    assert all(s["publications_fetched"] == 0 for s in again["sources"])
    assert again["requests"] <= 10  # robots.txt, the first listing pages, two 404 collections
    full = _fetch_json(fetched["mirror"], url, "--full")
    assert not [f for s in full["sources"] for f in s["failed"]]
    assert all(s["files_stored"] == 0 for s in full["sources"])
    assert full["not_modified"] >= 482  # pages, PDFs and texts: every one conditional
    import httpx

    after = httpx.get(f"{url}/__stats").json()
    assert after["pdf_200"] == server_stats["pdf_200"]


def test_kill_9_mid_fetch_loses_nothing(server: Server, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    command = [sys.executable, "-m", "privsearch", *_fetch_args(mirror, server.url)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pdfs = list((mirror / "dhs").rglob("*.pdf")) if (mirror / "dhs").is_dir() else []
        if len(pdfs) >= 40:
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    _assert_whole(mirror)
    report = _fetch_json(mirror, server.url)
    assert not [f for s in report["sources"] for f in s["failed"]]
    assert all(source["complete"] for source in report["sources"])
    _assert_whole(mirror)
    assert len(list((mirror / "dhs").rglob("*.pdf"))) == 206
    assert len(list((mirror / "federal-register").glob("*.txt"))) == 118


def _assert_whole(mirror: Path) -> None:
    """Every file in the mirror is the replica's file, byte for byte; no temporary file left
    where the index would read it."""
    routes = json.loads((REPLICA / "routes.json").read_text())
    by_name = {Path(r["file"]).name: r["file"] for r in routes.values()}
    for path in mirror.rglob("*"):
        if ".privsearch" in path.relative_to(mirror).parts or not path.is_file():
            continue
        if path.suffix in (".pdf", ".txt"):
            original = REPLICA / "files" / by_name[path.name]
            assert path.read_bytes() == original.read_bytes(), path
        elif path.suffix == ".json":
            assert json.loads(path.read_text())["document_number"] == path.stem


def test_a_second_fetch_into_one_mirror_says_it_is_busy(server: Server, tmp_path: Path) -> None:
    with Mirror(tmp_path):
        result = CliRunner().invoke(cli, _fetch_args(tmp_path, server.url))
    assert result.exit_code == 1
    assert "being fetched by another process" in result.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--since", "2019-13"], "not a date: '2019-13'"),
        (["--dhs-url", "ftp://example.org"], "not an http(s) address"),
        (["--delay", "-1"], "Invalid value for '--delay'"),
        (["nowhere"], "'nowhere' is not one of 'dhs', 'federal-register'"),
    ],
)
def test_bad_options_get_one_line_and_status_2(
    options: list[str], message: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(cli, ["fetch", "--mirror", str(tmp_path), *options])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_update_reports_what_is_new(tmp_path: Path) -> None:
    _require_site()
    replica = tmp_path / "replica"
    shutil.copytree(REPLICA, replica)
    listed = _publish(
        replica, "dhs-test-new-pia", "Privacy Impact Assessment for the Quantum Widget"
    )
    for process in _serve(replica):
        mirror, index_dir = tmp_path / "mirror", tmp_path / "index"
        args = ["update", "--mirror", str(mirror), "--index", str(index_dir)]
        args += ["--dhs-url", process.url, "--federal-register-url", process.url, "--delay", "0"]
        first = CliRunner().invoke(cli, [*args, "--json"])
        assert first.exit_code == 0, first.output
        assert len(json.loads(first.output)["changes"]) == len(_expected())
        second = CliRunner().invoke(cli, args)
        assert second.exit_code == 0, second.output
        assert "Nothing new or changed." in second.output
        listed()  # the listing now names it, newest first
        third = CliRunner().invoke(cli, args)
        assert third.exit_code == 0, third.output
        assert "1 new or changed:" in third.output
        assert "Privacy Impact Assessment for the Quantum Widget" in third.output
        assert "2026-12-01" in third.output


def _publish(replica: Path, slug: str, title: str) -> Callable[[], None]:
    """A new publication page in the replica, and what lists it at the top of the listing
    (the server reads its routes once, its files at every request)."""

    def list_it() -> None:
        listing = replica / "files" / "listing" / "0.html"
        item = (
            f'<li class="usa-collection__item"><h3 class="usa-collection__heading">'
            f'<a href="/publication/{slug}">{title}</a></h3>'
            f'<p class="usa-collection__meta">December 1, 2026</p></li>'
        )
        top = '<ul class="usa-collection">'
        listing.write_text(listing.read_text().replace(top, top + item, 1))

    page = replica / "files" / "publication" / f"{slug}.html"
    page.write_text(
        f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1>"
        "<p>The Quantum Widget collects names and fingerprints.</p>"
        "<div>Publication Date: December 1, 2026</div></main></body></html>"
    )
    routes = json.loads((replica / "routes.json").read_text())
    routes[f"/publication/{slug}"] = {"file": f"publication/{slug}.html", "type": "text/html"}
    (replica / "routes.json").write_text(json.dumps(routes))
    return list_it


def test_listing_items_and_pager_are_found_by_structure() -> None:
    """A listing in another template (a table, no pager classes) still gives its items."""
    html = b"""<html><body><table><tr><td><a href="/publication/a-pia">A PIA</a></td>
    <td>March 3, 2020</td></tr><tr><td><a href="/publication/b-sorn">B SORN</a></td>
    <td>May 4, 2019</td></tr><tr><td><a href="https://elsewhere.example/publication/c">C</a>
    </td></tr></table><div><a href="/publications-library/privacy?page=3">3</a>
    <a href="/publications-library/privacy?page=2">more</a></div></body></html>"""
    page = read_listing(html, "https://www.dhs.gov/publications-library/privacy?page=1",
                        "https://www.dhs.gov")  # fmt: skip
    urls = [item.url for item in page.items]
    assert urls == [
        "https://www.dhs.gov/publication/a-pia",
        "https://www.dhs.gov/publication/b-sorn",
    ]
    assert page.next_url == "https://www.dhs.gov/publications-library/privacy?page=2"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.dhs.gov/../../etc/passwd",
        "https://www.dhs.gov/a/..%2F..%2F..%2Fetc%2Fpasswd",
        "https://www.dhs.gov/%2e%2e/%2e%2e/x.pdf",
        "https://www.dhs.gov/.privsearch/state.sqlite",
        "https://www.dhs.gov/a/%00%0a%1b[2J.pdf?x=../../y",
        "https://www.dhs.gov/",
    ],
)
def test_a_url_cannot_name_a_file_outside_its_site_folder(url: str, tmp_path: Path) -> None:
    for page in (True, False):
        path = (tmp_path / site_path(url, page=page)).resolve()
        assert path.is_relative_to(tmp_path.resolve()) and path != tmp_path.resolve()
        assert not any(part.startswith(".") for part in path.relative_to(tmp_path).parts)
        assert all(ch.isprintable() for ch in str(path))


def test_a_search_past_the_api_window_is_walked_year_by_year(tmp_path: Path) -> None:
    """The Federal Register API answers 10,000 results at most: a larger search is split."""
    import httpx

    from privsearch.fetch import federal_register as fr
    from privsearch.fetch.http import Client
    from privsearch.fetch.run import SourceRun

    asked: list[dict[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        params = dict(request.url.params)
        asked.append(params)
        year = params.get("conditions[publication_date][year]")
        count = 12_000 if year is None else 1
        doc = {
            "document_number": f"{year or 'x'}-00001",
            "title": "Privacy Act of 1974; System of Records",
            "publication_date": f"{year or 2020}-05-01",
        }
        body = {"count": count, "total_pages": 1, "results": [doc], "next_page_url": None}
        return httpx.Response(200, json=body)

    client = Client(delay=0, transport=httpx.MockTransport(answer))
    with Mirror(tmp_path) as mirror, client:
        run = SourceRun(
            "federal-register", "https://fr.example", client, mirror, since="2021-01-01"
        )
        pages = list(fr._results(run))
    years = [p.get("conditions[publication_date][year]") for p in asked]
    assert years[0] is None and years[1] == str(time.gmtime().tm_year)
    assert years[-1] == "2021" and len(pages) == len(years) - 1
    assert all(p["conditions[publication_date][gte]"] == "2021-01-01" for p in asked)


def test_since_fetches_only_newer_publications_and_stops_paging(
    server: Server, tmp_path: Path
) -> None:
    report = _fetch_json(tmp_path, server.url, "--since", "2023-01-01")
    dhs, fr = report["sources"]
    assert dhs["publications_fetched"] == 6 and dhs["listing_pages"] == 2
    assert any("older than 2023-01-01" in note for note in dhs["notes"])
    assert fr["publications_fetched"] == 3
    dates = sorted(
        json.loads(p.read_text())["publication_date"]
        for p in (tmp_path / "federal-register").glob("*.json")
    )
    assert len(dates) == 3 and dates[0] >= "2023-01-01"


def test_max_requests_stops_and_the_next_run_goes_on(server: Server, tmp_path: Path) -> None:
    first = _fetch_json(tmp_path, server.url, "--max-requests", "40")
    assert first["requests"] == 40
    assert not all(source["complete"] for source in first["sources"])
    assert not [f for s in first["sources"] for f in s["failed"]]  # not asked is not failed
    assert any("budget of 40 spent" in n for s in first["sources"] for n in s["notes"])
    second = _fetch_json(tmp_path, server.url)
    assert all(source["complete"] for source in second["sources"])
    assert not [f for s in second["sources"] for f in s["failed"]]
    assert len(list((tmp_path / "dhs").rglob("*.pdf"))) == 206
    assert len(list((tmp_path / "federal-register").glob("*.json"))) == 118


def test_a_listing_page_that_fails_leaves_the_walk_incomplete(tmp_path: Path) -> None:
    """The next run must walk past that page again instead of stopping at the first page of
    publications it already has."""
    _require_site()
    replica = tmp_path / "replica"
    shutil.copytree(REPLICA, replica)
    routes = json.loads((replica / "routes.json").read_text())
    gone = routes.pop("/publications-library/privacy?page=5")
    (replica / "routes.json").write_text(json.dumps(routes))
    mirror = tmp_path / "mirror"
    for process in _serve(replica):
        port = int(process.url.rsplit(":", 1)[1])
        first = _fetch_json(mirror, process.url, "dhs")
        assert not first["sources"][0]["complete"]
        assert first["sources"][0]["listing_pages"] == 5
        assert "404" in first["sources"][0]["failed"][0]["reason"]
        strict = CliRunner().invoke(cli, _fetch_args(mirror, process.url, "dhs", "--strict"))
        assert strict.exit_code == 1 and "Failed 1:" in strict.output
    routes["/publications-library/privacy?page=5"] = gone
    (replica / "routes.json").write_text(json.dumps(routes))
    for process in _serve(replica, port=port):  # the same address: the same publications
        second = _fetch_json(mirror, process.url, "dhs")
        assert second["sources"][0]["complete"] and second["sources"][0]["listing_pages"] == 28
        assert second["sources"][0]["publications_fetched"] == 276 - 50


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_a_page_joins_its_own_notice_when_two_share_a_day_and_a_number(
    order: tuple[str, str], tmp_path: Path
) -> None:
    """The EBAR SORN and its exemption rule: one day, one reference number, two publications.
    Each page joins the notice with its own title, whichever page is read first."""
    _require_site()
    documents = json.loads((REPLICA / "fr-documents.json").read_text())
    by_number = {d["document_number"]: d for d in documents}
    folder = tmp_path / "federal-register"
    folder.mkdir()
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, number in zip(order, ("2020-04979", "2020-92587"), strict=True):
        (folder / f"{number}.json").write_text(json.dumps(by_number[number]))
        shutil.copy(REPLICA / "files" / "fr" / f"{number}.txt", folder / f"{number}.txt")
        title = by_number[number]["title"]
        (pages / f"{name}.html").write_text(
            f"<html><body><main><h1>{title}</h1><p>{by_number[number]['abstract']}</p>"
            "<div>Publication Date: March 16, 2020</div></main></body></html>"
        )
    records = privsearch.read_records([tmp_path])
    assert len(records) == 2
    for record in records:
        number = record.detail("document_number")
        assert record.title == by_number[number]["title"]
        assert record.source.endswith(".html")


def test_a_source_that_cannot_be_reached_fails_the_run(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = CliRunner().invoke(cli, _fetch_args(tmp_path, url, "federal-register"))
    assert result.exit_code == 1, result.output
    assert "robots.txt unreadable" in result.output and "the walk did not finish" in result.output
    assert not list((tmp_path).glob("federal-register/*"))
