"""The HTTP API, in process: every endpoint, every error path, CORS, updates while serving."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from fastapi.testclient import TestClient

import privsearch
from privsearch.http import RateLimiter, ResponseCache, create_app
from tests.conftest import DHS, TEST_LIMITS, require_shared
from tests.pdfgen import write_text_pdf

ORIGIN = "https://www.example.gov"


@pytest.fixture(scope="module")
def client(dhs_index: Path) -> TestClient:
    app = create_app(dhs_index, allow_origins=[ORIGIN], rate_limit=0)
    with TestClient(app) as test_client:
        yield test_client


def assert_error(response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ok", "error", "status"}
    assert body["ok"] is False and body["status"] == status
    assert fragment in body["error"]


def test_search_has_the_cli_json_contract(client, dhs):
    response = client.get("/api/search", params={"q": "facial recognition", "per_page": 3})
    assert response.status_code == 200
    data = response.json()
    expected = dhs.search("facial recognition", per_page=3).to_dict()
    assert [r["id"] for r in data["results"]] == [r["id"] for r in expected["results"]]
    assert data["total"] == expected["total"] and data["facets"] == expected["facets"]
    assert {"query", "total", "page", "per_page", "took_ms", "suggestion", "facets"} <= set(data)


def test_search_filters_sort_and_paging(client):
    params = {"q": "privacy", "component": ["ICE", "CBP"], "type": "PIA", "sort": "date"}
    data = client.get("/api/search", params={**params, "per_page": 5, "page": 2}).json()
    assert data["page"] == 2 and len(data["results"]) == 5
    assert {r["component"] for r in data["results"]} <= {"ICE", "CBP"}
    assert {r["doc_type"] for r in data["results"]} == {"PIA"}
    assert set(data["facets"]["component"]) <= {"ICE", "CBP"}
    dated = client.get("/api/search", params={"q": "privacy", "since": "2019", "until": "2020"})
    assert all("2019" <= r["date"][:4] <= "2020" for r in dated.json()["results"])


def test_suggest(client):
    data = client.get("/api/suggest", params={"q": "facial rec"}).json()
    assert set(data) == {"query", "suggestions", "documents", "references"}
    assert data["suggestions"][0] == "Facial Recognition"
    assert data["documents"][0]["id"] == "DHS/ICE/PIA-054"
    assert set(data["documents"][0]) == {"id", "title", "doc_type", "component", "date"}
    nothing = client.get("/api/suggest", params={"q": "zzzzqq"}).json()
    assert nothing == {"query": "zzzzqq", "suggestions": [], "documents": [], "references": []}


def test_suggest_reference_numbers(client):
    data = client.get("/api/suggest", params={"q": "PIA-05", "limit": 20}).json()
    assert "DHS/ICE/PIA-054" in data["references"]
    assert data["suggestions"] == []


def test_search_with_prefix_completes_the_last_word(client):
    typed = client.get("/api/search", params={"q": "facial recog", "prefix": "true"}).json()
    assert typed["results"][0]["id"] == "DHS/ICE/PIA-054"
    assert typed["suggestion"] is None and typed["not_found"] == []
    whole = client.get("/api/search", params={"q": "facial recog"}).json()
    assert whole["suggestion"] is not None or whole["not_found"]
    assert_error(client.get("/api/search", params={"q": "x", "prefix": "maybe"}), 400, "prefix")


def test_documents_with_slashes_in_ids(client):
    for path in ("/api/documents/DHS%2FICE%2FPIA-054", "/api/documents/DHS/ICE/PIA-054"):
        data = client.get(path).json()
        assert data["id"] == "DHS/ICE/PIA-054" and data["component"] == "ICE"
        assert data["pages"] and {"number", "chars", "pdf"} == set(data["pages"][0])
    page = client.get("/api/documents/DHS%2FICE%2FPIA-054/pages/2", params={"q": "facial"}).json()
    assert page["page"] == 2 and "facial" in page["text"].lower()
    assert "<mark>" in page["html"]
    assert page["html"].replace("<mark>", "").replace("</mark>", "").count("<") == 0
    typed = {"q": "facial recog", "prefix": "true"}
    typing = client.get("/api/documents/DHS%2FICE%2FPIA-054/pages/1", params=typed).json()
    assert re.search(r"<mark>[^<]*recognition[^<]*</mark>", typing["html"], re.I)


def test_facets_and_health(client, dhs):
    facets = client.get("/api/facets").json()
    stats = dhs.stats()
    assert facets["total"] == stats["records"] == sum(facets["component"].values())
    health = client.get("/healthz").json()
    assert health["ok"] is True and health["records"] == stats["records"]
    assert health["indexed_at"]


def test_openapi_lists_the_endpoints(client):
    spec = client.get("/openapi.json").json()
    assert {
        "/api/search",
        "/api/suggest",
        "/api/facets",
        "/api/documents/{record_id}",
        "/api/documents/{record_id}/pages/{number}",
        "/healthz",
    } <= set(spec["paths"])


@pytest.mark.parametrize(
    ("url", "status", "fragment"),
    [
        ("/api/search?since=2019-13", 400, "invalid since '2019-13': there is no month 13"),
        ("/api/search?q=%22facial", 400, "unbalanced quote"),
        ("/api/search?q=foo:bar", 400, "unknown field 'foo'"),
        ("/api/search?q=privacy&per_page=1000", 400, "per_page"),
        ("/api/search?q=privacy&page=0", 400, "page"),
        ("/api/search?q=privacy&sort=random", 400, "sort"),
        ("/api/search?q=privacy&component=NOPE", 400, "unknown component 'NOPE'"),
        ("/api/search?q=privacy&type=NOPE", 400, "unknown type 'NOPE'"),
        ("/api/search?q=privacy&since=yesterday", 400, "since"),
        ("/api/search?q=privacy&since=2020&until=2019", 400, "is after"),
        ("/api/search?q=" + "a" * 1001, 400, "q"),
        ("/api/suggest", 400, "q: Field required"),
        ("/api/documents/DHS%2FNOPE-1", 404, "no record with id 'DHS/NOPE-1'"),
        ("/api/documents/DHS%2FICE%2FPIA-054/pages/99", 404, "has no page 99"),
        ("/api/documents/DHS%2FICE%2FPIA-054/pages/x", 400, "number"),
        ("/api/nothing-here", 404, "not found"),
    ],
)
def test_errors_are_json_4xx(client, url, status, fragment):
    assert_error(client.get(url), status, fragment)


def test_wrong_method_is_json(client):
    assert_error(client.post("/api/search?q=x"), 405, "method not allowed")


def test_cors_only_for_allowed_origins(client):
    allowed = client.get("/api/search", params={"q": "dna"}, headers={"Origin": ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    other = client.get("/api/search", params={"q": "dna"}, headers={"Origin": "https://evil.test"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/api/search",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN


def test_no_cors_by_default(dhs_index):
    with TestClient(create_app(dhs_index)) as plain:
        response = plain.get("/api/search", params={"q": "dna"}, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_demo_page_and_widget_script(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    script = client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")


def _links(page: str, css_class: str) -> list[tuple[str, str]]:
    """(href, text) of the links inside the element with `css_class`."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(page)
    return [
        (a.get("href"), a.text_content())
        for a in tree.xpath(f'//*[contains(@class, "{css_class}")]//a')
    ]


def test_landing_page_shows_what_the_index_holds_before_anything_is_typed(client, dhs):
    page = client.get("/").text
    stats = dhs.stats()
    years = sorted(y for y in stats["year"] if y.isdigit())
    assert (
        f"{stats['records']:,} publications from {len(stats['component'])} components, "
        f"{stats['pages']:,} pages of text, published {years[0]} to {years[-1]}."
    ) in page
    assert '<div slot="idle" class="landing">' in page  # shown by the widget until a search
    examples = [text for _, text in _links(page, "landing-examples")]
    assert "facial recognition" in examples
    assert all(dhs.search(q, per_page=1).total for q in examples)  # none that finds nothing
    newest = dhs.search("", sort="date", per_page=8).results
    assert [text for _, text in _links(page, "landing-newest")] == [h.title for h in newest]
    assert [href for href, _ in _links(page, "landing-newest")][0] == "?ps-q=" + quote_plus(
        newest[0].id
    )
    assert newest[0].date >= max(h.date or "" for h in dhs.search("privacy", per_page=50).results)
    assert "<script>" not in page and "style=" not in page  # nothing the CSP would block
    assert "embed" not in page.split("<main")[1].split("</main>")[0].lower()


def test_embed_instructions_have_a_page_of_their_own(client):
    page = client.get("/embed")
    assert (
        page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]
    )
    assert "&lt;privsearch-search&gt;&lt;/privsearch-search&gt;" in page.text
    assert "--allow-origin" in page.text


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/embed",
        "/widget.js",
        "/healthz",
        "/api/search?q=dna",
        "/api/facets",
        "/api/suggest?q=fac",
        "/openapi.json",
        "/api/search?q=",
        "/api/nothing-here",
    ],
)
def test_head_answers_wherever_get_does(client, url):
    got, head = client.get(url), client.head(url)
    assert head.status_code == got.status_code
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


def test_searches_keep_working_while_the_index_is_updated(tmp_path):
    require_shared()
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("dhs-cbp-pia-049-a", "dhs-cbp-pia-017"):
        shutil.copy(DHS / "standalone" / f"{name}.pdf", docs)
    index_dir = tmp_path / "index"
    privsearch.build_index([docs], index_dir, limits=TEST_LIMITS)
    app = create_app(index_dir, rate_limit=0)
    errors: list[str] = []
    totals: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        try:
            with TestClient(app) as worker:
                while not stop.is_set():
                    response = worker.get("/api/search", params={"q": "license plate"})
                    if response.status_code != 200:
                        errors.append(response.text)
                    totals.append(response.json()["total"])
                    suggestions = worker.get("/api/suggest", params={"q": "lic"})
                    if suggestions.status_code != 200:
                        errors.append(suggestions.text)
        except Exception as exc:  # noqa: BLE001 - any failure in a client thread fails the test
            errors.append(repr(exc))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for n in range(3):
            write_text_pdf(
                docs / f"new-{n}.pdf",
                [f"Privacy Impact Assessment for License Plate Pilot {n}", "license plate data"],
            )
            privsearch.build_index([docs], index_dir, limits=TEST_LIMITS)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert totals and min(totals) >= 1
    with TestClient(app) as after:
        # The answer cache follows the index: a new query sees the new version at once, and a
        # repeated one within the seconds its answer takes to be computed again.
        final = after.get("/api/search", params={"q": "license plate pilot"}).json()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            total = after.get("/api/search", params={"q": "license plate"}).json()["total"]
            if total > min(totals):
                break
            time.sleep(0.05)
        assert total > min(totals)
        records = after.get("/healthz").json()["records"]
    pilots = {r.id for r in privsearch.read_records([docs]) if "Pilot" in r.title}
    assert len(pilots) == 3 and {r["id"] for r in final["results"]} >= pilots
    assert records == 5


def test_expensive_queries_get_a_clear_error(client, dhs_index):
    many = " OR ".join(f"word{n}" for n in range(70))
    assert_error(client.get("/api/search", params={"q": many}), 400, "the limit is 64")
    assert_error(client.get("/api/search", params={"q": "*a*"}), 400, "unsupported wildcard")
    with TestClient(create_app(dhs_index, rate_limit=0, time_limit=1e-9)) as hurried:
        response = hurried.get("/api/search", params={"q": "privacy"})
    assert_error(response, 400, "the query took longer than")


def test_rate_limit_per_client(dhs_index):
    with TestClient(create_app(dhs_index, rate_limit=60)) as limited:
        statuses = [limited.get("/api/suggest", params={"q": "bio"}).status_code for _ in range(8)]
        assert statuses[:6] == [200] * 6 and statuses[-1] == 429
        refused = limited.get("/api/search", params={"q": "dna"})
        assert_error(refused, 429, "the limit is 60 a minute per client")
        assert refused.headers["retry-after"] == "1"
        assert limited.get("/healthz").status_code == 200


def test_rate_limiter_refills_and_keeps_clients_apart():
    limiter = RateLimiter(per_minute=60)
    assert all(limiter.allow("a", now=0.0) for _ in range(6))
    assert not limiter.allow("a", now=0.0)
    assert limiter.allow("b", now=0.0)
    assert limiter.allow("a", now=1.0) and not limiter.allow("a", now=1.0)


def test_a_result_opens_the_publication_it_came_from(client):
    """Two publications can share an id (a PIA and an update that does not number itself)."""
    results = client.get("/api/search", params={"q": "travel document checker", "per_page": 20})
    hits = [h for h in results.json()["results"] if h["id"] == "DHS/TSA/PIA-046"]
    assert len({h["source"] for h in hits}) == 2
    for hit in hits:
        params = {"source": hit["source"]}
        record = client.get("/api/documents/DHS%2FTSA%2FPIA-046", params=params).json()
        assert (record["title"], record["source"]) == (hit["title"], hit["source"])
    missing = client.get("/api/documents/DHS%2FTSA%2FPIA-046", params={"source": "/nowhere"})
    assert_error(missing, 404, "no record with id 'DHS/TSA/PIA-046' from /nowhere")


# --- the answer cache across index versions --------------------------------------------------


def test_cache_serves_the_previous_answer_only_while_it_warms():
    cache = ResponseCache(size=3, warm_seconds=5.0)
    old, new = ("search", ("privacy",)), ("search", ("drones",))
    cache.put(old, 1, b"old answer")
    assert cache.get(old, 1) == b"old answer"
    assert cache.get(new, 1) is None
    # Version 2 is committed: until warming starts, an answer of version 1 is not sent.
    assert cache.get(old, 2, now=100.0) is None
    assert cache.start_warming(2, limit=10, now=100.0) == [old]
    assert cache.start_warming(2, limit=10, now=100.5) is None  # underway already
    assert cache.get(old, 2, now=104.0) == b"old answer"  # while it warms
    assert cache.get(old, 2, now=105.5) is None  # warming took too long: compute it now
    cache.put(old, 2, b"new answer")
    cache.put(old, 1, b"late answer of version 1")  # a slower computation finishing late
    assert cache.get(old, 2) == b"new answer"
    cache.finish_warming(2)
    assert cache.start_warming(2, limit=10) is None
    # Most recently used first, at most `limit`; the least recently used fall out.
    for n in range(5):
        cache.put(("suggest", (n,)), 2, b"x")
    assert len(cache.start_warming(3, limit=2, now=0.0)) == 2
    assert cache.get(old, 3, now=1.0) is None  # evicted


def test_cache_is_bounded_in_bytes():
    cache = ResponseCache(size=100, max_bytes=6400)
    cache.put(("page", ("huge",)), 1, b"x" * 101)  # over a 64th of the budget: not kept
    assert cache.get(("page", ("huge",)), 1) is None
    for n in range(100):
        cache.put(("page", (n,)), 1, b"x" * 100)
    kept = [n for n in range(100) if cache.get(("page", (n,)), 1) is not None]
    assert kept == list(range(36, 100))  # the most recent 6,400 bytes


def test_a_commit_is_warmed_in_the_background(tmp_path):
    require_shared()
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(DHS / "standalone" / "dhs-cbp-pia-049-a.pdf", docs)
    index_dir = tmp_path / "index"
    privsearch.build_index([docs], index_dir, limits=TEST_LIMITS)
    with TestClient(create_app(index_dir, rate_limit=0)) as client:
        first = client.get("/api/search", params={"q": "okapi"}).json()
        assert first["total"] == 0
        write_text_pdf(docs / "okapi.pdf", ["Privacy Impact Assessment for the Okapi Registry"])
        privsearch.build_index([docs], index_dir, limits=TEST_LIMITS)
        # The first request after the commit starts the warming; the answer it gets may be
        # the previous version's, but the cache holds the new one moments later.
        client.get("/api/search", params={"q": "okapi"})
        deadline = time.monotonic() + 10
        while client.get("/api/search", params={"q": "okapi"}).json()["total"] != 1:
            assert time.monotonic() < deadline, "the new version was never served"
            time.sleep(0.05)


def test_search_corrects_a_misspelled_word_and_can_search_it_as_typed(client, dhs):
    params = {"q": "biometirc data sharing"}
    corrected = client.get("/api/search", params=params).json()
    assert corrected["corrected_from"] == "biometirc data sharing"
    assert corrected["suggestion"] == "biometric data sharing"
    expected = dhs.search("biometirc data sharing").to_dict()
    assert [r["id"] for r in corrected["results"]] == [r["id"] for r in expected["results"]]
    as_typed = client.get("/api/search", params={**params, "correct": "false"}).json()
    assert as_typed["corrected_from"] is None
    assert as_typed["suggestion"] == "biometric data sharing"
    assert as_typed["not_found"] == ["biometirc"]
    assert as_typed["notes"][0] == "Not found: biometirc."
    bad = client.get("/api/search", params={**params, "correct": "maybe"})
    assert bad.status_code == 400 and bad.json()["ok"] is False


def test_search_lists_words_no_document_holds(client):
    data = client.get("/api/search", params={"q": "quantum license plate readers"}).json()
    assert data["not_found"] == ["quantum"] and data["total"] > 0
    plain = client.get("/api/search", params={"q": "license plate readers"}).json()
    assert [r["id"] for r in data["results"]] == [r["id"] for r in plain["results"]]
