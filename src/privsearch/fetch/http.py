"""The one HTTP client the crawler uses: robots.txt, politeness, retries, conditional requests.

`Client.get` returns a whole body (200) or a confirmation that the caller's copy is current
(304), and raises `FetchError` with a one-line reason otherwise. Per host (scheme, name, port):
robots.txt is read once, at most `per_host` requests are in flight, and two requests start at
least `delay` seconds apart (or robots.txt's Crawl-delay, when it is longer).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from protego import Protego

from .. import __version__

USER_AGENT = f"privsearch/{__version__} (+https://github.com/privsearch/privsearch)"

MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 120.0  # seconds; a server asking for longer is given up on for this run
EXPECTATIONS = ("pdf", "html", "json", "text")
_BACKOFF_BASE, _BACKOFF_CAP = 0.5, 30.0
_ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NETWORK_FAILURES: tuple[tuple[type[Exception] | tuple[type[Exception], ...], str], ...] = (
    (httpx.ConnectError, "connection failed"),
    (httpx.RemoteProtocolError, "connection closed early"),
    ((httpx.ReadError, httpx.WriteError), "connection reset"),
)
_LEADING_JUNK = b"\xef\xbb\xbf\x00\t\n\x0c\r "  # a BOM or whitespace some servers put before %PDF-


@dataclass(frozen=True)
class Response:
    """A whole body (status 200), or an empty one saying the caller's copy is current (304)."""

    url: str
    final_url: str
    status: int
    body: bytes
    headers: Mapping[str, str]
    etag: str | None
    last_modified: str | None
    content_type: str


class FetchError(Exception):
    """One URL could not be fetched whole; `reason` is one line for the run summary."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class Disallowed(FetchError):
    """robots.txt disallows the URL (or could not be read); the URL was not requested."""


class BudgetExhausted(FetchError):
    """The request budget (--max-requests) is spent; the URL was not requested."""


class _Retryable(Exception):
    """One attempt failed in a way the next attempt may not."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.status, self.retry_after = reason, status, retry_after


@dataclass(frozen=True)
class _Ask:
    """What the caller asked for: errors name `url`, whichever redirect hop failed."""

    url: str
    headers: dict[str, str]
    expect: str | None
    limit: int


@dataclass(frozen=True)
class _Answer:
    """What one request got: a whole 200 body, or a 304 or redirect without one."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes = b""
    charset: str | None = None

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class _Host:
    """What the client knows about one scheme://host:port."""

    slots: threading.Semaphore
    delay: float
    next_start: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)
    robots_lock: threading.Lock = field(default_factory=threading.Lock)
    robots: Protego | None = None
    robots_error: str | None = None  # why robots.txt could not be read; nothing is allowed


class Client:
    """A polite, retrying HTTP client; safe to share between threads."""

    def __init__(
        self,
        *,
        delay: float = 1.0,
        max_requests: int | None = None,
        allowed_hosts: Iterable[str] = (),
        timeout: float = 30.0,
        max_bytes: int = 200 * 1024 * 1024,
        retries: int = 4,
        user_agent: str = USER_AGENT,
        per_host: int = 2,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if delay < 0 or retries < 0 or max_bytes < 0 or per_host < 1:
            raise ValueError("delay, retries and max_bytes must be >= 0 and per_host >= 1")
        self._delay, self._max_requests, self._max_bytes = delay, max_requests, max_bytes
        self._allowed_hosts = {host.lower() for host in allowed_hosts}
        self._retries, self._per_host = retries, per_host
        self._product = user_agent.split("/")[0].strip()  # the token robots.txt groups name
        self._sleep, self._clock, self._random = sleep, clock, random.Random()
        # trust_env=False: settings come from arguments, never from proxy or SSL variables
        self._http = httpx.Client(
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            transport=transport,
            trust_env=False,
        )
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()  # guards _hosts and _stats
        self._stats: dict[str, Any] = {
            **dict.fromkeys(("requests", "bytes", "not_modified", "retries", "disallowed"), 0),
            "by_status": {},
        }

    @property
    def stats(self) -> dict[str, Any]:
        """A snapshot of the counters: requests, bytes, not_modified, retries, by_status, ..."""
        with self._lock:
            return {**self._stats, "by_status": dict(self._stats["by_status"])}

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        expect: str | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        """Fetch `url` whole, or raise FetchError saying why not."""
        if expect is not None and expect not in EXPECTATIONS:
            raise ValueError(f"expect must be one of {EXPECTATIONS}, not {expect!r}")
        validators = {"If-None-Match": etag, "If-Modified-Since": last_modified}
        headers = {name: value for name, value in validators.items() if value}
        limit = self._max_bytes if max_bytes is None else max_bytes
        answer = self._follow(_Ask(url, headers, expect, limit), obey_robots=True)
        if answer.status == 304:
            self._count("not_modified")
        else:  # only a 304 may fall back on the validators the caller sent
            etag = last_modified = None
        return Response(
            url=url,
            final_url=answer.url,
            status=answer.status,
            body=answer.body,
            headers=answer.headers,
            etag=answer.headers.get("etag", etag),
            last_modified=answer.headers.get("last-modified", last_modified),
            content_type=answer.media_type,
        )

    def _follow(self, ask: _Ask, obey_robots: bool) -> _Answer:
        """Request `ask.url`, following up to MAX_REDIRECTS redirects to allowed hosts."""
        current = _checked_url(ask.url, ask.url)
        for _hop in range(MAX_REDIRECTS + 1):
            host = self._host(current)
            if obey_robots:
                self._check_robots(ask.url, current, host)
            answer = self._fetch(ask, current, host)
            if answer.status not in _REDIRECTS:
                return answer
            current = self._redirect_target(ask.url, answer)
        raise FetchError(ask.url, f"more than {MAX_REDIRECTS} redirects")

    def _redirect_target(self, url: str, answer: _Answer) -> str:
        """Where a redirect points, if it is somewhere this client may go."""
        location, status = answer.headers.get("location"), answer.status
        if not location:
            raise FetchError(url, f"HTTP {status} without a Location", status)
        target = httpx.URL(_checked_url(url, str(httpx.URL(answer.url).join(location))))
        # allowed_hosts may name a host ("www.dhs.gov") or a host and port ("127.0.0.1:8000")
        names = {target.host, target.netloc.decode("ascii")}
        if self._allowed_hosts and not names & (self._allowed_hosts | {httpx.URL(url).host}):
            raise FetchError(url, f"redirect to a host not allowed: {target.host}", status)
        return str(target)

    def _host(self, url: str) -> _Host:
        parts = httpx.URL(url)
        key = f"{parts.scheme}://{parts.host}:{parts.port or _DEFAULT_PORTS[parts.scheme]}"
        with self._lock:
            if key not in self._hosts:
                self._hosts[key] = _Host(threading.Semaphore(self._per_host), self._delay)
            return self._hosts[key]

    def _check_robots(self, url: str, current: str, host: _Host) -> None:
        """Raise Disallowed, without requesting it, when robots.txt keeps us from `current`."""
        self._load_robots(url, current, host)
        if host.robots_error is not None:
            reason = f"robots.txt unreadable ({host.robots_error}), so the host is off limits"
        elif host.robots is None or host.robots.can_fetch(current, self._product):
            return
        else:
            reason = "disallowed by robots.txt" + (f" ({current})" if current != url else "")
        self._count("disallowed")
        raise Disallowed(url, reason)

    def _load_robots(self, url: str, current: str, host: _Host) -> None:
        """Read the host's robots.txt once (RFC 9309: a 4xx allows all, a failure allows none)."""
        with host.robots_lock:
            if host.robots is not None or host.robots_error is not None:
                return
            robots_url = str(httpx.URL(current).copy_with(path="/robots.txt", query=None))
            try:
                answer = self._follow(_Ask(robots_url, {}, None, _ROBOTS_MAX_BYTES), False)
                host.robots = Protego.parse(answer.body.decode("utf-8", "replace"))
            except BudgetExhausted as exc:
                raise BudgetExhausted(url, exc.reason) from None
            except FetchError as exc:
                # 429 is the server asking us to slow down, not saying there are no rules
                if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                    host.robots = Protego.parse("")
                else:
                    host.robots_error = exc.reason
            asked = host.robots.crawl_delay(self._product) if host.robots else None
            if asked is not None and asked > host.delay:
                with host.lock:
                    host.next_start += asked - host.delay
                    host.delay = asked

    def _fetch(self, ask: _Ask, current: str, host: _Host) -> _Answer:
        """Request `current` until an attempt succeeds or the retries are spent."""
        for attempt in range(self._retries + 1):
            try:
                answer = self._attempt(ask, current, host)
                problem = _content_problem(answer, ask.expect)
                if problem:
                    raise _Retryable(problem, answer.status)
                return answer
            except _Retryable as failure:
                if attempt == self._retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    raise FetchError(ask.url, failure.reason + tries, failure.status) from failure
                self._wait_before_retry(ask.url, host, failure, attempt)
        raise AssertionError("unreachable")

    def _wait_before_retry(self, url: str, host: _Host, failure: _Retryable, attempt: int) -> None:
        wait = failure.retry_after
        if wait is not None and wait > MAX_RETRY_AFTER:
            reason = f"{failure.reason}, Retry-After {wait:.0f} s is over {MAX_RETRY_AFTER:.0f} s"
            raise FetchError(url, reason, failure.status)
        self._count("retries")
        if wait is None:
            backoff = min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt)
            self._sleep(backoff * (1 + self._random.random() / 2))
        else:  # Retry-After speaks for the host: every thread waits for it, in _polite_slot
            with host.lock:
                host.next_start = max(host.next_start, self._clock() + wait)

    def _attempt(self, ask: _Ask, current: str, host: _Host) -> _Answer:
        """Send one request and read its whole answer."""
        self._spend_request(ask.url)
        with self._polite_slot(host):
            try:
                with self._http.stream("GET", current, headers=ask.headers) as response:
                    self._count("by_status", status=response.status_code)
                    try:
                        return _read(ask, response)
                    finally:
                        self._count("bytes", response.num_bytes_downloaded)
            except httpx.TimeoutException:
                raise _Retryable("timeout") from None
            except httpx.TransportError as exc:
                raise _Retryable(_describe(exc)) from None
            except httpx.DecodingError:
                raise _Retryable("undecodable Content-Encoding") from None

    @contextmanager
    def _polite_slot(self, host: _Host) -> Iterator[None]:
        """Hold one of the host's slots, starting no sooner than its delay allows."""
        with host.slots:
            with host.lock:
                now = self._clock()
                start = max(now, host.next_start)
                host.next_start = start + host.delay
            if start > now:
                self._sleep(start - now)
            yield

    def _spend_request(self, url: str) -> None:
        with self._lock:
            if self._max_requests is not None and self._stats["requests"] >= self._max_requests:
                raise BudgetExhausted(url, f"request budget of {self._max_requests} spent")
            self._stats["requests"] += 1

    def _count(self, name: str, amount: int = 1, status: int | None = None) -> None:
        with self._lock:
            if status is None:
                self._stats[name] += amount
            else:
                self._stats[name][status] = self._stats[name].get(status, 0) + amount


def _read(ask: _Ask, response: httpx.Response) -> _Answer:
    """The answer to one request: a whole 200 body, a 304 or a redirect; anything else raises."""
    status = response.status_code
    if status in _REDIRECTS or status == 304:
        return _Answer(str(response.url), status, response.headers)
    if status != 200:
        raise _status_failure(ask.url, response)
    declared = _content_length(response)
    if declared is not None and declared > ask.limit:
        reason = f"too large: {declared} bytes, over the {ask.limit}-byte limit"
        raise FetchError(ask.url, reason, status)
    chunks, size = [], 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > ask.limit:
                raise FetchError(ask.url, f"too large: over the {ask.limit}-byte limit", status)
            chunks.append(chunk)
    except httpx.RemoteProtocolError:
        raise _Retryable(_incomplete(response.num_bytes_downloaded, declared), status) from None
    # Content-Length counts bytes on the wire, before any Content-Encoding is undone (a
    # transport that hands over a body already read, as httpx.MockTransport does, counts none)
    wire = response.num_bytes_downloaded
    if not wire and "content-encoding" not in response.headers:
        wire = size
    if declared is not None and wire != declared:
        raise _Retryable(_incomplete(wire, declared), status)
    body = b"".join(chunks)
    return _Answer(str(response.url), status, response.headers, body, response.charset_encoding)


def _status_failure(url: str, response: httpx.Response) -> Exception:
    status = response.status_code
    if status in (429, 503):
        return _Retryable(f"HTTP {status}", status, _retry_after(response))
    if status >= 500:
        return _Retryable(f"HTTP {status}", status)
    return FetchError(url, f"HTTP {status}", status)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds a Retry-After header asks for (a number or an HTTP date), None if unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else None


def _incomplete(got: int, declared: int | None) -> str:
    if declared is None:
        return f"incomplete body: connection closed after {got} bytes"
    return f"incomplete body: got {got} of {declared} bytes"


def _describe(exc: httpx.TransportError) -> str:
    """A few words for a network failure."""
    for kinds, words in _NETWORK_FAILURES:
        if isinstance(exc, kinds):
            return words
    return type(exc).__name__


def _checked_url(url: str, target: str) -> str:
    """`target` if it is an http(s) URL with a host, else FetchError for `url`."""
    try:
        parts = httpx.URL(target)
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"invalid URL {target!r}: {exc}") from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.host:
        raise FetchError(url, f"not an http(s) URL: {target}")
    return target


def _is_pdf(body: bytes) -> bool:
    return body[:1024].lstrip(_LEADING_JUNK).startswith(b"%PDF-")


def _content_problem(answer: _Answer, expect: str | None) -> str | None:
    """Why a 200 body is not the kind of content the caller expects, or None."""
    if answer.status != 200 or expect is None:
        return None
    body, got = answer.body, answer.media_type or "no Content-Type"
    if expect == "pdf" and not _is_pdf(body):
        detail = ", empty body" if not body else f", starting {body[:16]!r}" if "pdf" in got else ""
        return f"not a PDF (got {got}{detail})"
    if expect == "html" and _is_pdf(body):
        return "not HTML (got a PDF)"
    if expect == "html" and b"\x00" in body[:1024]:
        return f"not HTML (got binary {answer.media_type or 'content'})"
    if expect == "json":
        try:
            json.loads(body)
        except (ValueError, RecursionError):
            return f"not JSON (got {got})"
    if expect == "text":
        try:
            body.decode(answer.charset or "utf-8")
        except LookupError:  # a charset Python does not know: UTF-8 is the web's default
            return _content_problem(replace(answer, charset=None), expect)
        except UnicodeDecodeError as exc:
            return f"not text ({exc.encoding} cannot decode byte {exc.start})"
    return None
