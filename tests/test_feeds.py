"""A search as a feed (`/api/search.atom`, `/api/search.json`), in process, over the shared DHS
corpus plus one publication newer than any of it: feedparser reads the Atom feed."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from fastapi.testclient import TestClient

import privsearch
from privsearch.http import create_app
from privsearch.httpschema import JSONFeedBody
from tests.conftest import DHS, TEST_LIMITS, require_shared

NEWEST = {
    "id": "DHS/CBP/PIA-099", "component": "CBP", "doc_type": "PIA", "date": "2026-11-30",
    "title": "Privacy Impact Assessment for Facial Recognition at Land Ports of Entry",
    "summary": "CBP photographs travelers at land ports of entry.",
    "text": "CBP compares travelers' photographs using facial recognition at land ports.",
}  # fmt: skip


@pytest.fixture(scope="module")
def feed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_shared()
    extra = tmp_path_factory.mktemp("newest")
    (extra / "newest.jsonl").write_text(json.dumps(NEWEST) + "\n", encoding="utf-8")
    path = tmp_path_factory.mktemp("feed-index")
    privsearch.build_index([DHS, extra], path, limits=TEST_LIMITS)
    return path


@pytest.fixture(scope="module")
def client(feed_index: Path) -> TestClient:
    with TestClient(create_app(feed_index, rate_limit=0)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def ix(feed_index: Path) -> privsearch.Index:
    with privsearch.open_index(feed_index) as index:
        yield index


def atom(client: TestClient, **params) -> feedparser.FeedParserDict:
    response = client.get("/api/search.atom", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def newest_first(ix: privsearch.Index, query: str, limit: int = 20, **filters) -> list[str]:
    """What the feed must list: every document `search` finds, by date, newest first."""
    found = [(r.date or "", r.id) for r in ix.records(query=query, **filters)]
    return [record_id for _, record_id in sorted(found, key=lambda f: f[0], reverse=True)][:limit]


def raw_contents(client: TestClient, **params) -> dict[str, str]:
    """Each Atom entry's id and its content as the server wrote it."""
    root = ElementTree.fromstring(client.get("/api/search.atom", params=params).content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    return {e.findtext("a:id", namespaces=ns): e.findtext("a:content", namespaces=ns)
            for e in root.findall("a:entry", ns)}  # fmt: skip


def hit_snippets(ix: privsearch.Index, query: str) -> list[tuple[str, str]]:
    return [(h.id, h.snippet) for h in ix.search(query, sort="date", per_page=100).results]


def entry_id(entry) -> str:
    """The record id in an entry's id (`http://testserver/api/documents/DHS%2FICE%2FPIA-054`)."""
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(entry.id).path.removeprefix("/api/documents/"))


def test_atom_feed_lists_the_matching_documents_newest_first(client, ix):
    feed = atom(client, q="facial recognition")
    expected = newest_first(ix, "facial recognition")
    assert len(expected) >= 10
    assert [entry_id(e) for e in feed.entries] == expected
    assert expected[0] == "DHS/CBP/PIA-099"  # the publication newer than the whole corpus
    published = [e.published for e in feed.entries]
    assert published == sorted(published, reverse=True)
    assert feed.feed.title == 'DHS privacy publications: "facial recognition"'
    assert feed.feed.id == "http://testserver/api/search.atom?q=facial+recognition"
    assert feed.feed.updated == ix.stats()["indexed_at"]  # when the index last changed
    # two publications share the id DHS/TSA/PIA-046: each is an entry of its own
    tsa = [e.id for e in feed.entries if entry_id(e) == "DHS/TSA/PIA-046"]
    assert len(tsa) == 2 and len(set(tsa)) == 2 and all("?source=pages%2F" in i for i in tsa)


def test_each_entry_has_its_id_title_date_links_summary_and_snippet(client, ix):
    feed = atom(client, q="facial recognition")
    entries = {entry_id(e): e for e in feed.entries}
    ice = entries["DHS/ICE/PIA-054"]
    record = ix.get("DHS/ICE/PIA-054")
    assert ice.title == record.title
    assert ice.published == "2020-05-13T00:00:00Z" and ice.updated == ice.published
    pdf = [link.href for link in ice.links if link.get("type") == "application/pdf"]
    assert len(pdf) == 1
    assert pdf[0].startswith("http://testserver/api/documents/DHS%2FICE%2FPIA-054/pdf#page=")
    assert record.url == "" and ice.link == pdf[0]  # no page on the web: its PDF
    cbp = entries["DHS/CBP/PIA-056"]
    assert cbp.link == ix.get("DHS/CBP/PIA-056").url  # its page on the web
    assert cbp.link.startswith("https://")
    assert ice.summary == record.summary and record.summary
    assert ice.content[0].type == "text/html"  # feedparser drops <mark>: read the XML itself
    snippet = raw_contents(client, q="facial recognition")[ice.id]
    assert "<mark>facial recognition</mark>" in snippet.lower()
    assert snippet == dict(hit_snippets(ix, "facial recognition"))["DHS/ICE/PIA-054"]
    assert {t.term for t in ice.tags} == {"ICE", "PIA"}
    newest = entries["DHS/CBP/PIA-099"]
    assert newest.summary == NEWEST["summary"]
    # no page on the web and no PDF: the link is the document in the API
    assert newest.link == "http://testserver/api/documents/DHS%2FCBP%2FPIA-099"


def test_the_pdf_the_feed_links_is_served(client):
    feed = atom(client, q="facial recognition")
    ice = next(e for e in feed.entries if entry_id(e) == "DHS/ICE/PIA-054")
    pdf = next(link.href for link in ice.links if link.get("type") == "application/pdf")
    response = client.get(pdf.removeprefix("http://testserver").split("#")[0])
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_filters_and_limit(client, ix):
    feed = atom(client, q="privacy", component="ICE", type="SORN", limit=3)
    expected = newest_first(ix, "privacy", 3, component="ICE", doc_type="SORN")
    assert len(expected) == 3
    assert [entry_id(e) for e in feed.entries] == expected
    assert all({t.term for t in e.tags} == {"ICE", "SORN"} for e in feed.entries)
    assert feed.feed.title == 'DHS privacy publications: "privacy" component=ICE type=SORN'


def test_no_words_is_the_newest_documents(client, ix):
    feed = atom(client, technology="facial recognition", limit=5)
    assert [entry_id(e) for e in feed.entries] == newest_first(
        ix, "", 5, technology="facial recognition"
    )
    assert len(feed.entries) == 5


def test_json_feed_has_the_same_entries(client, ix):
    response = client.get("/api/search.json", params={"q": "facial recognition"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/feed+json; charset=utf-8"
    data = response.json()
    JSONFeedBody.model_validate(data)  # the shape the OpenAPI description gives
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["feed_url"] == "http://testserver/api/search.json?q=facial+recognition"
    items = data["items"]
    atom_ids = [e.id for e in atom(client, q="facial recognition").entries]
    assert [item["id"] for item in items] == atom_ids
    dates = [item["date_published"] for item in items]
    assert dates == sorted(dates, reverse=True)
    ice = next(i for i in items if i["id"].endswith("DHS%2FICE%2FPIA-054"))
    assert ice["url"] == ice["attachments"][0]["url"]  # no page on the web: its PDF
    assert ice["url"].startswith("http://testserver/api/documents/DHS%2FICE%2FPIA-054/pdf#page=")
    assert ice["summary"] == ix.get("DHS/ICE/PIA-054").summary
    assert "<mark>" in ice["content_html"]
    assert ice["attachments"][0]["mime_type"] == "application/pdf"
    assert ice["tags"] == ["ICE", "PIA"]


@pytest.mark.parametrize("route", ["/api/search.atom", "/api/search.json"])
@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"q": '"facial recognition'}, "unbalanced quote at character 1"),
        ({"q": "privacy", "section": "nowhere"}, "nowhere"),
        ({"q": "privacy", "since": "2019-13"}, "there is no month 13"),
        ({"q": "privacy", "limit": "0"}, "limit"),
        ({"q": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_requests_are_json_errors(client, route, params, fragment):
    response = client.get(route, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"ok", "error", "status"} and body["ok"] is False
    assert fragment in body["error"]
    assert "/tmp" not in body["error"] and str(DHS) not in body["error"]


def test_both_routes_are_in_the_openapi_description(client):
    paths = client.get("/openapi.json").json()["paths"]
    atom_answers = paths["/api/search.atom"]["get"]["responses"]
    assert "application/atom+xml" in atom_answers["200"]["content"]
    assert "application/json" in atom_answers["400"]["content"]
    json_answers = paths["/api/search.json"]["get"]["responses"]
    schema = json_answers["200"]["content"]["application/feed+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/JSONFeedBody"}
    names = {p["name"] for p in paths["/api/search.atom"]["get"]["parameters"]}
    assert {"q", "component", "type", "since", "until", "pii", "limit"} <= names
