"""The crawler's HTTP client against a local server whose answers each test scripts."""

from __future__ import annotations

import email.utils
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from privsearch.fetch.http import (
    USER_AGENT,
    BudgetExhausted,
    Client,
    Disallowed,
    FetchError,
)

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HTML = b"<!doctype html><html><body>Sorry, something went wrong</body></html>"


@dataclass
class Reply:
    """One scripted answer: status, headers, body, and ways to misbehave."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    send: int | None = None  # bytes of the body actually sent before closing the connection
    length: bool = True  # send a Content-Length header
    drop: bool = False  # close the connection without answering
    stall: float = 0.0  # seconds to wait before answering (released when the test ends)
    hold: bool = False  # stay in flight until two requests are, for the concurrency test


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class Site:
    """What the server answers (path -> replies in turn, the last one repeating) and saw."""

    def __init__(self) -> None:
        self.script: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Condition()
        self.in_flight = 0
        self.most_in_flight = 0
        self.released = threading.Event()
        self.port = 0

    def on(self, path: str, *replies: Reply) -> None:
        self.script[path] = list(replies)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def next_reply(self, path: str, headers: dict[str, str]) -> Reply:
        with self.lock:
            self.seen.append(Seen(path, headers))
            replies = self.script.get(path) or [Reply(404, b"not here")]
            return replies.pop(0) if len(replies) > 1 else replies[0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes
    site: Site

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.site.next_reply(self.path, headers)
        if reply.stall:
            self.site.released.wait(reply.stall)
        if reply.drop:
            self.close_connection = True
            return
        with self.site.lock:
            self.site.in_flight += 1
            self.site.most_in_flight = max(self.site.most_in_flight, self.site.in_flight)
            self.site.lock.notify_all()
            if reply.hold:
                self.site.lock.wait_for(lambda: self.site.in_flight >= 2, timeout=5)
        try:
            if reply.hold:
                time.sleep(0.05)  # room for a third request to arrive if nothing stops it
            self._answer(reply)
        finally:
            with self.site.lock:
                self.site.in_flight -= 1

    def _answer(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.length:
            self.send_header("Content-Length", str(len(reply.body)))
        if reply.send is not None or not reply.length:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(reply.body[: reply.send])

    def log_message(self, format: str, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on a stalled reply is expected here


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    handler = type("ScriptedHandler", (Handler,), {"site": site})
    server = QuietServer(("127.0.0.1", 0), handler)
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield site
    site.released.set()
    server.shutdown()
    server.server_close()
    thread.join()


class FakeTime:
    """A clock that only moves when the client sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def client(fake_time: FakeTime) -> Iterator[Client]:
    with Client(delay=0, sleep=fake_time.sleep, clock=fake_time.clock) as client:
        yield client


def make_client(fake_time: FakeTime, **options: object) -> Client:
    options.setdefault("delay", 0)
    return Client(sleep=fake_time.sleep, clock=fake_time.clock, **options)  # type: ignore[arg-type]


def test_get_returns_body_headers_and_validators(site: Site, client: Client) -> None:
    site.on(
        "/doc.pdf",
        Reply(
            body=PDF,
            headers={
                "Content-Type": "Application/PDF; qs=1",
                "ETag": '"v1"',
                "Last-Modified": "Wed, 01 May 2024 10:00:00 GMT",
            },
        ),
    )
    response = client.get(site.url("/doc.pdf"), expect="pdf")
    assert (response.status, response.body) == (200, PDF)
    assert response.url == response.final_url == site.url("/doc.pdf")
    assert response.content_type == "application/pdf"
    assert (response.etag, response.last_modified) == ('"v1"', "Wed, 01 May 2024 10:00:00 GMT")
    assert response.headers["content-type"] == "Application/PDF; qs=1"
    assert client.stats["by_status"] == {404: 1, 200: 1}
    assert client.stats["bytes"] == len(PDF)  # error bodies are not read


def test_user_agent_is_sent_with_every_request(site: Site, client: Client) -> None:
    site.on("/a", Reply(body=b"a"))
    client.get(site.url("/a"))
    assert site.paths() == ["/robots.txt", "/a"]
    assert {s.headers["user-agent"] for s in site.seen} == {USER_AGENT}
    assert USER_AGENT.startswith("privsearch/")


def test_robots_is_read_once_and_disallowed_urls_are_never_requested(
    site: Site, client: Client
) -> None:
    site.on("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private/\n"))
    site.on("/public", Reply(body=b"ok"))
    client.get(site.url("/public"))
    with pytest.raises(Disallowed) as caught:
        client.get(site.url("/private/x"))
    client.get(site.url("/public"))
    assert site.paths() == ["/robots.txt", "/public", "/public"]
    assert caught.value.reason == "disallowed by robots.txt"
    assert client.stats["disallowed"] == 1
    assert client.stats["requests"] == 3


def test_robots_group_for_our_product_token_applies(site: Site, client: Client) -> None:
    robots = b"User-agent: privsearch\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    site.on("/robots.txt", Reply(body=robots))
    with pytest.raises(Disallowed):
        client.get(site.url("/anything"))
    assert site.paths() == ["/robots.txt"]


def test_robots_4xx_allows_everything(site: Site, client: Client) -> None:
    site.on("/robots.txt", Reply(410))
    site.on("/a", Reply(body=b"a"))
    assert client.get(site.url("/a")).body == b"a"


def test_robots_5xx_after_retries_refuses_the_host(site: Site, fake_time: FakeTime) -> None:
    site.on("/robots.txt", Reply(500))
    with make_client(fake_time, retries=1) as client:
        with pytest.raises(Disallowed) as caught:
            client.get(site.url("/a"))
        with pytest.raises(Disallowed):
            client.get(site.url("/b"))
    assert site.paths() == ["/robots.txt", "/robots.txt"]
    assert "robots.txt unreadable (HTTP 500 after 2 attempts)" in caught.value.reason
    assert client.stats["disallowed"] == 2


def test_robots_429_refuses_the_host(site: Site, fake_time: FakeTime) -> None:
    site.on("/robots.txt", Reply(429))
    with make_client(fake_time, retries=0) as client, pytest.raises(Disallowed) as caught:
        client.get(site.url("/a"))
    assert caught.value.reason == "robots.txt unreadable (HTTP 429), so the host is off limits"
    assert site.paths() == ["/robots.txt"]


def test_robots_unreachable_refuses_the_host(fake_time: FakeTime) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with make_client(fake_time, retries=1) as client, pytest.raises(Disallowed) as caught:
        client.get(f"http://127.0.0.1:{port}/a")
    assert "connection failed after 2 attempts" in caught.value.reason


def test_requests_to_one_host_start_delay_apart(site: Site, fake_time: FakeTime) -> None:
    site.on("/a", Reply(body=b"a"))
    with make_client(fake_time, delay=2.0) as client:
        client.get(site.url("/a"))
        client.get(site.url("/a"))
        assert fake_time.sleeps == [2.0, 2.0]  # robots.txt at once, then /a twice
        client.get(site.url("/a", host="localhost"))  # another host, another schedule
    assert fake_time.sleeps == [2.0, 2.0, 2.0]


def test_crawl_delay_longer_than_delay_wins(site: Site, fake_time: FakeTime) -> None:
    robots = b"User-agent: privsearch\nCrawl-delay: 7\n\nUser-agent: *\nCrawl-delay: 1\n"
    site.on("/robots.txt", Reply(body=robots))
    site.on("/a", Reply(body=b"a"))
    with make_client(fake_time, delay=2.0) as client:
        client.get(site.url("/a"))
        client.get(site.url("/a"))
    assert fake_time.sleeps == [7.0, 7.0]


def test_crawl_delay_shorter_than_delay_is_ignored(site: Site, fake_time: FakeTime) -> None:
    site.on("/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 0.5\n"))
    site.on("/a", Reply(body=b"a"))
    with make_client(fake_time, delay=2.0) as client:
        client.get(site.url("/a"))
    assert fake_time.sleeps == [2.0]


def test_at_most_per_host_requests_in_flight(site: Site, client: Client) -> None:
    site.on("/first", Reply(body=b"first"))
    site.on("/slow", Reply(body=b"done", hold=True))
    client.get(site.url("/first"))  # robots.txt read before the threads start
    results: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: results.append(client.get(site.url("/slow")).body))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [b"done"] * 6
    assert site.most_in_flight == 2
    assert client.stats["requests"] == 1 + 1 + 6  # robots.txt, the direct get, six threads
    assert client.stats["by_status"] == {404: 1, 200: 7}


def test_conditional_request_304(site: Site, client: Client) -> None:
    site.on("/doc", Reply(304, headers={"ETag": '"v1"'}))
    modified = "Wed, 01 May 2024 10:00:00 GMT"
    response = client.get(site.url("/doc"), etag='"v1"', last_modified=modified, expect="pdf")
    assert (response.status, response.body, response.etag) == (304, b"", '"v1"')
    assert site.seen[-1].headers["if-none-match"] == '"v1"'
    assert site.seen[-1].headers["if-modified-since"] == modified
    assert "if-none-match" not in site.seen[0].headers  # not on robots.txt
    assert client.stats["not_modified"] == 1


def test_304_without_validators_keeps_the_ones_sent(site: Site, client: Client) -> None:
    site.on("/doc", Reply(304))
    response = client.get(site.url("/doc"), etag='"v1"', last_modified="yesterday")
    assert (response.status, response.etag, response.last_modified) == (304, '"v1"', "yesterday")


def test_retry_after_seconds_is_honoured(site: Site, client: Client, fake_time: FakeTime) -> None:
    site.on("/busy", Reply(429, headers={"Retry-After": "7"}), Reply(body=b"ok"))
    assert client.get(site.url("/busy")).body == b"ok"
    assert fake_time.sleeps == [7.0]
    assert client.stats["retries"] == 1
    assert client.stats["by_status"] == {404: 1, 429: 1, 200: 1}


def test_retry_after_http_date_is_honoured(site: Site, client: Client, fake_time: FakeTime) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    site.on("/busy", Reply(503, headers={"Retry-After": when}), Reply(body=b"ok"))
    assert client.get(site.url("/busy")).body == b"ok"
    [slept] = fake_time.sleeps
    assert 20 < slept <= 30


def test_retry_after_over_the_cap_fails_without_waiting(
    site: Site, client: Client, fake_time: FakeTime
) -> None:
    site.on("/busy", Reply(503, headers={"Retry-After": "3600"}))
    with pytest.raises(FetchError) as caught:
        client.get(site.url("/busy"))
    assert caught.value.reason == "HTTP 503, Retry-After 3600 s is over 120 s"
    assert caught.value.status == 503
    assert fake_time.sleeps == []
    assert site.paths() == ["/robots.txt", "/busy"]


def test_server_errors_are_retried_with_backoff_then_fail(site: Site, fake_time: FakeTime) -> None:
    site.on("/broken", Reply(500))
    with make_client(fake_time, retries=3) as client, pytest.raises(FetchError) as caught:
        client.get(site.url("/broken"))
    assert caught.value.reason == "HTTP 500 after 4 attempts"
    assert caught.value.status == 500
    assert site.paths().count("/broken") == 4
    for slept, base in zip(fake_time.sleeps, [0.5, 1.0, 2.0], strict=True):
        assert base <= slept <= base * 1.5


@pytest.mark.parametrize("status", [403, 404, 410])
def test_client_errors_fail_at_once(site: Site, client: Client, status: int) -> None:
    site.on("/gone", Reply(status))
    with pytest.raises(FetchError) as caught:
        client.get(site.url("/gone"))
    assert (caught.value.reason, caught.value.status) == (f"HTTP {status}", status)
    assert site.paths() == ["/robots.txt", "/gone"]


def test_dropped_connection_is_retried(site: Site, client: Client) -> None:
    site.on("/flaky", Reply(drop=True), Reply(body=b"ok"))
    assert client.get(site.url("/flaky")).body == b"ok"
    assert client.stats["retries"] == 1


def test_timeout_is_retried(site: Site, fake_time: FakeTime) -> None:
    site.on("/slow", Reply(body=b"late", stall=10), Reply(body=b"ok"))
    with make_client(fake_time, timeout=0.2) as client:
        assert client.get(site.url("/slow")).body == b"ok"
        assert client.stats["retries"] == 1


def test_short_body_is_retried_then_accepted(site: Site, client: Client) -> None:
    site.on("/doc.pdf", Reply(body=PDF, send=10), Reply(body=PDF))
    assert client.get(site.url("/doc.pdf"), expect="pdf").body == PDF
    assert site.paths().count("/doc.pdf") == 2


def test_short_body_every_time_fails_with_the_count(site: Site, fake_time: FakeTime) -> None:
    site.on("/doc.pdf", Reply(body=PDF, send=10))
    with make_client(fake_time, retries=1) as client, pytest.raises(FetchError) as caught:
        client.get(site.url("/doc.pdf"))
    assert caught.value.reason == f"incomplete body: got 10 of {len(PDF)} bytes after 2 attempts"


def test_html_where_a_pdf_was_expected_fails_after_retries(site: Site, fake_time: FakeTime) -> None:
    site.on("/doc.pdf", Reply(body=HTML, headers={"Content-Type": "text/html; charset=utf-8"}))
    with make_client(fake_time, retries=2) as client, pytest.raises(FetchError) as caught:
        client.get(site.url("/doc.pdf"), expect="pdf")
    assert caught.value.reason == "not a PDF (got text/html) after 3 attempts"
    assert site.paths().count("/doc.pdf") == 3


def test_pdf_after_a_bom_and_whitespace_is_a_pdf(site: Site, client: Client) -> None:
    site.on("/doc.pdf", Reply(body=b"\xef\xbb\xbf\r\n  " + PDF))
    assert client.get(site.url("/doc.pdf"), expect="pdf").status == 200


def test_error_page_then_pdf_succeeds(site: Site, client: Client) -> None:
    site.on("/doc.pdf", Reply(body=HTML), Reply(body=PDF))
    assert client.get(site.url("/doc.pdf"), expect="pdf").body == PDF


@pytest.mark.parametrize(
    ("expect", "body", "reason"),
    [
        ("html", PDF, "not HTML (got a PDF)"),
        ("html", b"\x89PNG\r\n\x1a\n\x00\x00", "not HTML (got binary content)"),
        ("json", HTML, "not JSON (got no Content-Type)"),
        ("text", b"caf\xe9", "not text (utf-8 cannot decode byte 3)"),
    ],
)
def test_unexpected_content_fails(
    site: Site, fake_time: FakeTime, expect: str, body: bytes, reason: str
) -> None:
    site.on("/x", Reply(body=body))
    with make_client(fake_time, retries=0) as client, pytest.raises(FetchError) as caught:
        client.get(site.url("/x"), expect=expect)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("expect", "body"),
    [("html", HTML), ("json", b'{"results": []}'), ("text", "café".encode())],
)
def test_expected_content_passes(site: Site, client: Client, expect: str, body: bytes) -> None:
    site.on("/x", Reply(body=body))
    assert client.get(site.url("/x"), expect=expect).body == body


def test_text_in_the_declared_charset_passes(site: Site, client: Client) -> None:
    site.on("/x", Reply(body=b"caf\xe9", headers={"Content-Type": "text/plain; charset=latin-1"}))
    assert client.get(site.url("/x"), expect="text").body == b"caf\xe9"


def test_gzip_body_is_whole_and_decoded(site: Site, client: Client) -> None:
    site.on("/doc", Reply(body=gzip.compress(HTML), headers={"Content-Encoding": "gzip"}))
    assert client.get(site.url("/doc"), expect="html").body == HTML


def test_declared_length_over_max_bytes_fails_at_once(site: Site, fake_time: FakeTime) -> None:
    site.on("/big", Reply(body=b"x" * 1000))
    with make_client(fake_time, max_bytes=100) as client, pytest.raises(FetchError) as caught:
        client.get(site.url("/big"))
    assert caught.value.reason == "too large: 1000 bytes, over the 100-byte limit"
    assert site.paths() == ["/robots.txt", "/big"]


def test_undeclared_length_over_max_bytes_stops_reading(site: Site, client: Client) -> None:
    site.on("/big", Reply(body=b"x" * 5_000_000, length=False))
    with pytest.raises(FetchError) as caught:
        client.get(site.url("/big"), max_bytes=1000)
    assert caught.value.reason == "too large: over the 1000-byte limit"
    assert site.paths() == ["/robots.txt", "/big"]
    assert client.stats["bytes"] < 5_000_000


def test_max_requests_counts_every_request(site: Site, fake_time: FakeTime) -> None:
    site.on("/a", Reply(body=b"a"))
    with make_client(fake_time, max_requests=3) as client:
        client.get(site.url("/a"))
        client.get(site.url("/a"))
        with pytest.raises(BudgetExhausted):
            client.get(site.url("/b"))
        assert client.stats["requests"] == 3
    assert site.paths() == ["/robots.txt", "/a", "/a"]


def test_max_requests_spent_on_robots_names_the_url_asked_for(
    site: Site, fake_time: FakeTime
) -> None:
    site.on("/a", Reply(body=b"a"))
    with make_client(fake_time, max_requests=2) as client:
        client.get(site.url("/a"))
        with pytest.raises(BudgetExhausted) as caught:
            client.get(site.url("/a", host="localhost"))  # its robots.txt is over budget
    assert caught.value.url == site.url("/a", host="localhost")
    assert caught.value.reason == "request budget of 2 spent"
    assert site.paths() == ["/robots.txt", "/a"]


def test_redirects_are_followed_and_counted(site: Site, client: Client) -> None:
    site.on("/old", Reply(301, headers={"Location": "/new"}))
    site.on("/new", Reply(body=b"moved"))
    response = client.get(site.url("/old"))
    assert (response.url, response.final_url) == (site.url("/old"), site.url("/new"))
    assert response.body == b"moved"
    assert site.paths() == ["/robots.txt", "/old", "/new"]


@pytest.mark.parametrize("allowed", ["www.dhs.gov", "localhost:1"])
def test_redirect_to_another_host_is_refused(site: Site, fake_time: FakeTime, allowed: str) -> None:
    site.on("/old", Reply(302, headers={"Location": site.url("/new", host="localhost")}))
    with make_client(fake_time, allowed_hosts=[allowed]) as client:
        with pytest.raises(FetchError) as caught:
            client.get(site.url("/old"))
    assert caught.value.reason == "redirect to a host not allowed: localhost"
    assert site.paths() == ["/robots.txt", "/old"]


@pytest.mark.parametrize("allowed", ["localhost", "LOCALHOST:{port}"])
def test_redirect_to_an_allowed_host_reads_its_robots(
    site: Site, fake_time: FakeTime, allowed: str
) -> None:
    site.on("/old", Reply(302, headers={"Location": site.url("/new", host="localhost")}))
    site.on("/new", Reply(body=b"moved"))
    allowed_hosts = [allowed.format(port=site.port)]
    with make_client(fake_time, allowed_hosts=allowed_hosts) as client:
        assert client.get(site.url("/old")).final_url == site.url("/new", host="localhost")
    assert site.paths() == ["/robots.txt", "/old", "/robots.txt", "/new"]
    assert site.seen[2].headers["host"] == f"localhost:{site.port}"


def test_redirect_into_a_disallowed_path_is_not_followed(site: Site, client: Client) -> None:
    site.on("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private\n"))
    site.on("/old", Reply(301, headers={"Location": "/private/doc"}))
    with pytest.raises(Disallowed) as caught:
        client.get(site.url("/old"))
    assert caught.value.url == site.url("/old")
    assert site.paths() == ["/robots.txt", "/old"]


def test_too_many_redirects(site: Site, client: Client) -> None:
    site.on("/loop", Reply(302, headers={"Location": "/loop"}))
    with pytest.raises(FetchError) as caught:
        client.get(site.url("/loop"))
    assert caught.value.reason == "more than 5 redirects"
    assert site.paths().count("/loop") == 6


def test_not_an_http_url(client: Client) -> None:
    with pytest.raises(FetchError) as caught:
        client.get("file:///etc/passwd")
    assert caught.value.reason == "not an http(s) URL: file:///etc/passwd"
    assert client.stats["requests"] == 0
