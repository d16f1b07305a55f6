"""Connection-level limits of `privsearch serve` over real sockets (slow clients, too many
connections), and the headers and error shape of every kind of answer."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from privsearch.http import SEARCH_SLOTS, create_app
from tests.test_api_schema import serving

ORIGIN = "https://www.example.gov"
# How long a test waits for the server to close a connection: far longer than the timeouts
# the servers below are started with, so that a slow machine cannot fail a test.
PATIENCE = 30.0


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=PATIENCE)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection; fails if it never does."""
    received = b""
    for _ in range(10_000):
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        except TimeoutError:
            pytest.fail(f"the server kept the connection open for {PATIENCE:g} s: {received!r}")
        if not chunk:
            return received
        received += chunk
    pytest.fail("the server kept sending")


def _assert_json_error(raw: bytes, status: int) -> dict[str, str]:
    """`raw`, an HTTP answer, is `status` with the API's error body; its headers."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} "), raw
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    error = json.loads(body)
    assert set(error) == {"ok", "error", "status"} and error["ok"] is False
    assert error["status"] == status
    return headers


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=PATIENCE) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# Requests that never finish, with the answer each gets before the connection is closed: half
# a request line, a request line, some headers; headers and a promised body that never comes
# (answered 405 at once, as POST is not allowed, and closed when the body is overdue).
UNFINISHED = [
    (b"GET /api/sea", 408),
    (b"GET /api/search?q=dna HTTP/1.1\r\n", 408),
    (b"GET /api/search?q=dna HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n", 408),
    (b"POST /api/search?q=dna HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 900\r\n\r\nq", 405),
]


def test_unfinished_requests_are_closed_after_the_header_timeout(bundled_index: Path):
    with serving(bundled_index, "--header-timeout", "3", "--rate-limit", "0") as url:
        slow = []
        for number in range(40):
            request, status = UNFINISHED[number % len(UNFINISHED)]
            sock = _connect(url)
            sock.sendall(request)
            slow.append((sock, status))
        # Meanwhile ordinary requests are answered.
        assert _get(f"{url}/healthz")[0] == 200
        status, body = _get(f"{url}/api/search?q=facial+recognition")
        assert status == 200 and json.loads(body)["total"] > 0

        # A client that sends one byte at a time never completes its headers: the deadline is
        # for the whole request, not for the silence between bytes.
        with _connect(url) as trickle:
            trickle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            for _ in range(int(PATIENCE / 0.25)):
                try:  # once the server has closed, a send is refused
                    trickle.sendall(b"x")
                except OSError:
                    break
                time.sleep(0.25)
            else:
                pytest.fail(f"a client sending a byte every 0.25 s was served for {PATIENCE:g} s")

        for sock, status in slow:
            with sock:
                _assert_json_error(_read_until_closed(sock), status)
        assert _get(f"{url}/healthz")[0] == 200


def test_connections_past_the_cap_get_a_503_and_are_then_closed(bundled_index: Path):
    options = ("--max-connections", "4", "--header-timeout", "60", "--rate-limit", "0")
    with serving(bundled_index, *options) as url:
        slow = []
        try:
            for _ in range(4):
                slow.append(_connect(url))
                slow[-1].sendall(UNFINISHED[2][0])
            with _connect(url) as extra:
                extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                headers = _assert_json_error(_read_until_closed(extra), 503)
            assert headers["retry-after"] == "1" and headers["connection"] == "close"

            # Past twice the cap a connection is closed without waiting for its request.
            for _ in range(8):
                slow.append(_connect(url))
            _read_until_closed(slow[-1])
        finally:
            for sock in slow:
                sock.close()
        # Once the slow connections are gone, requests are answered again.
        for _ in range(100):
            if _get(f"{url}/healthz")[0] == 200:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the server kept answering 503 after the connections were closed")


def test_the_servers_own_answers_are_json(bundled_index: Path):
    with serving(bundled_index) as url, _connect(url) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        _assert_json_error(_read_until_closed(sock), 400)


@pytest.fixture(scope="module")
def client(bundled_index: Path) -> TestClient:
    with TestClient(create_app(bundled_index, allow_origins=[ORIGIN], rate_limit=0)) as test:
        yield test


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"Origin": "https://evil.test", "Access-Control-Request-Method": "GET"}, "origin"),
        ({"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"}, "method"),
    ],
)
def test_a_refused_cors_preflight_is_a_json_error(client, headers, fragment):
    response = client.options("/api/search", headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json() == {
        "ok": False,
        "error": f"disallowed CORS {fragment}",
        "status": 400,
    }


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/search?q=dna", 200),
        ("GET", "/api/suggest?q=dn", 200),
        ("GET", "/api/facets", 200),
        ("GET", "/healthz", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/widget.js", 200),
        ("GET", "/", 200),
        ("GET", "/api/search?q=%22unclosed", 400),
        ("GET", "/api/documents/no-such-id", 404),
        ("GET", "/nowhere", 404),
        ("POST", "/api/search?q=dna", 405),
    ],
)
def test_every_answer_says_nosniff(client, method, path, status):
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"


def test_cors_and_rate_limit_answers_say_nosniff(client, bundled_index: Path):
    preflight = client.options(
        "/api/search", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["x-content-type-options"] == "nosniff"
    with TestClient(create_app(bundled_index, rate_limit=1)) as limited:
        statuses = [limited.get("/api/facets") for _ in range(3)]
    refused = statuses[-1]
    assert refused.status_code == 429
    assert refused.headers["x-content-type-options"] == "nosniff"


def _most_searches_at_once(bundled_index: Path, queries: list[str]) -> int:
    """The most searches a server process ran at once, each query sent from its own client
    at the same moment (every search made slow, so that those let in together overlap)."""
    app = create_app(bundled_index, rate_limit=0)
    ix = app.state.index
    search = ix.search
    running, most, lock = 0, 0, threading.Lock()

    def slow_search(*args, **kwargs):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.2)
        with lock:
            running -= 1
        return search(*args, **kwargs)

    ix.search = slow_search
    with TestClient(app) as client:
        statuses: list[int] = []

        def send(q: str) -> None:
            statuses.append(client.get("/api/search", params={"q": q}).status_code)

        senders = [threading.Thread(target=send, args=(q,)) for q in queries]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
    assert statuses == [200] * len(queries)
    return most


def test_a_server_process_computes_at_most_search_slots_searches_at_once(bundled_index: Path):
    queries = ["privacy", "border", "biometric", "records", "retention", "sharing"]
    assert _most_searches_at_once(bundled_index, queries) == SEARCH_SLOTS


def test_queries_with_patterns_are_not_held_by_the_search_slots(bundled_index: Path):
    # They take turns inside Index.search: held here too, waiting ones would fill the slots.
    queries = ["priv*", "bord*", "biometrc~", "recor*"]
    assert _most_searches_at_once(bundled_index, queries) > SEARCH_SLOTS
