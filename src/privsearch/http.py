"""The HTTP JSON API and the widget's files: a thin shell over `privsearch.Index`.

`create_app(index_dir)` returns an ASGI app; `privsearch serve` runs it with uvicorn, over the
connection limits of `httpserver`. Every error is JSON, `{"ok": false, "error": "...",
"status": 4xx}`, never a 500 for anything a client can send, and every answer carries
`X-Content-Type-Options: nosniff`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from queue import Queue
from typing import Annotated, Any, Literal

import anyio
import anyio.to_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .config import export_serve_options, serve_options
from .diff import diff_documents, edition_summary, previous_version
from .errors import PrivsearchError
from .httpschema import (
    AtomResponse,
    DiffBody,
    DocumentBody,
    ExplainedSearchBody,
    FacetsBody,
    HealthBody,
    JSONFeedBody,
    JSONFeedResponse,
    PageBody,
    RelatedBody,
    RisksBody,
    SearchBody,
    SuggestBody,
    errors,
    feed_responses,
)
from .originals import Folders, pdf_file, public_hit, public_record
from .pages import embed_page, landing_page
from .query import MAX_PER_PAGE, TIME_LIMIT, Index
from .querylang import MAX_QUERY_LENGTH
from .structure import PRIVACY_FACETS, risk_rows, section_title

log = logging.getLogger("privsearch.http")
DEFAULT_RATE_LIMIT = 600  # API requests a minute per client address
DEFAULT_HEADER_TIMEOUT = 10.0  # seconds for a client to send a whole request
DEFAULT_MAX_CONNECTIONS = 200  # open connections per server process
WARM_LIMIT = 512  # answers computed again after a commit, most recently used first
SEARCH_SLOTS = 2  # searches one server process computes at once; the others wait their turn

# Served with the demo page and any other HTML: the widget needs nothing but its own origin.
HTML_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

Filter = Annotated[list[str] | None, Query(max_length=20)]
Source = Annotated[
    str | None, Query(max_length=4096, description="The source of a search result, to pick it")
]
# Checked by querylang.check_date, whose message says what is wrong (no month 13).
DateBound = Annotated[str | None, Query(max_length=10, description="YYYY[-MM[-DD]]")]
BrowseText = Annotated[
    str, Query(max_length=MAX_QUERY_LENGTH, description="Query; empty lists the documents")
]


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "error": message, "status": status},
        status_code=status,
        headers={"X-Content-Type-Options": "nosniff"},
    )


class _NoSniff:
    """`X-Content-Type-Options: nosniff` on every answer, so that no browser takes a JSON
    answer (which can quote document text) or an error for HTML or script."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send_with_header)


class _JSONRefusingCORS(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered in the API's error shape rather than
    in plain text."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        message = bytes(response.body).decode("utf-8", "replace")
        refusal = error_response(response.status_code, message.replace("Disallowed", "disallowed"))
        for name, value in response.headers.items():
            if name.lower().startswith("access-control-") or name.lower() == "vary":
                refusal.headers[name] = value
        return refusal


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return "invalid request: " + "; ".join(parts)


class _HeadAsGet:
    """HEAD wherever GET answers: the GET answer's status and headers, without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def _html(body: bytes) -> Response:
    return Response(body, media_type="text/html; charset=utf-8", headers=HTML_SECURITY_HEADERS)


def _static(name: str) -> bytes:
    return resources.files("privsearch").joinpath("static", name).read_bytes()


class RateLimiter:
    """A token bucket per client address: `per_minute` requests, in bursts of a tenth of that."""

    MAX_CLIENTS = 100_000  # addresses remembered; the idlest are forgotten first

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(1.0, per_minute / 10.0)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            if len(self._buckets) > self.MAX_CLIENTS:
                idle = sorted(self._buckets, key=lambda c: self._buckets[c][1])
                for key in idle[: len(idle) // 2]:
                    del self._buckets[key]
            return allowed


CacheKey = tuple[str, tuple[Any, ...]]  # (endpoint, its parameters)


class ResponseCache:
    """Serialized answers by request, each with the index version it was computed on.

    A commit does not empty it: the most recently used answers are computed again on the new
    version in the background (what Solr calls autowarming), and until one is, its previous
    answer is served, for at most `warm_seconds`. Requests that are not in the cache see the
    new version at once. So a commit makes no request wait for a burst of recomputation.
    """

    def __init__(
        self, size: int = 2048, warm_seconds: float = 5.0, max_bytes: int = 64 * 1024 * 1024
    ) -> None:
        self.size = size
        self.warm_seconds = warm_seconds
        self.max_bytes = max_bytes  # in all; one answer larger than a 64th of it is not kept
        self._bytes = 0
        self._answers: OrderedDict[CacheKey, tuple[int, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._warming: tuple[int, float] | None = None  # (generation, since when)
        self._warmed = -1  # the newest generation warmed (or found with nothing to warm)

    def get(self, key: CacheKey, generation: int, now: float | None = None) -> bytes | None:
        """The answer to send for `generation`, or None when it must be computed."""
        with self._lock:
            entry = self._answers.get(key)
            if entry is None:
                return None
            self._answers.move_to_end(key)
            version, body = entry
            if version >= generation:
                return body
            warming = self._warming
            now = time.monotonic() if now is None else now
            if warming and warming[0] == generation and now - warming[1] < self.warm_seconds:
                return body
            return None

    def put(self, key: CacheKey, generation: int, body: bytes) -> None:
        if len(body) > self.max_bytes // 64:  # a huge page of text: not worth the memory
            return
        with self._lock:
            current = self._answers.get(key)
            if current is not None and current[0] > generation:
                return  # a newer answer is there already
            if current is not None:
                self._bytes -= len(current[1])
            self._answers[key] = (generation, body)
            self._answers.move_to_end(key)
            self._bytes += len(body)
            while len(self._answers) > self.size or self._bytes > self.max_bytes:
                self._bytes -= len(self._answers.popitem(last=False)[1][1])

    def start_warming(
        self, generation: int, limit: int, now: float | None = None
    ) -> list[CacheKey] | None:
        """Begin warming the cache for `generation`: the keys of the older answers to compute
        again, most recently used first; None when that generation is warm or warming."""
        with self._lock:
            if generation <= self._warmed or (self._warming and self._warming[0] >= generation):
                return None
            stale = [k for k, (v, _) in reversed(self._answers.items()) if v < generation]
            if not stale:
                self._warmed = generation
                return None
            self._warming = (generation, time.monotonic() if now is None else now)
            return stale[:limit]

    def finish_warming(self, generation: int) -> None:
        with self._lock:
            if self._warming and self._warming[0] == generation:
                self._warming = None
            self._warmed = max(self._warmed, generation)


class _Warmer:
    """One background thread that computes again, on a new index version, the answers the
    cache held for the previous one."""

    def __init__(
        self, cache: ResponseCache, ix: Index, compute: Callable[[CacheKey], bytes], limit: int
    ) -> None:
        self.cache, self.ix, self.compute, self.limit = cache, ix, compute, limit
        self._jobs: Queue[tuple[int, list[CacheKey]]] = Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def notice(self, generation: int) -> None:
        """A request saw `generation`: warm the cache for it unless that is done or underway."""
        keys = self.cache.start_warming(generation, self.limit)
        if keys is None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="privsearch-warm", daemon=True
                )
                self._thread.start()
        self._jobs.put((generation, keys))

    def _run(self) -> None:
        while True:
            generation, keys = self._jobs.get()
            for key in keys:
                if self.ix.generation() > generation:
                    break  # a newer commit: its own warming takes over
                try:
                    body = self.compute(key)
                except Exception:  # noqa: BLE001 - an answer that fails now is computed on demand
                    continue
                self.cache.put(key, generation, body)
            self.cache.finish_warming(generation)


class _SearchSlots:
    """At most `slots` searches and risk lists computed at once in this process, the others
    waiting in turn; other answers and queries with prefix* or typo~ words are not held.

    A server process runs Python on about one core: searches computed in many threads at
    once share it, and each then costs more CPU (benchmarks/load.py --index at full scale,
    32 connections: 40-120 ms a search with about 16 at once in each of two processes, 28-34
    ms with at most 1 to 8, and no answers past the time limit; BENCHMARKS.md). Queries with
    patterns already take turns inside `Index.search`, for a share of the time; were they
    held here too, a few of them waiting for that turn would hold every slot.
    """

    LIMITED = ("search", "risks")  # kinds whose first parameter is the query

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._limiter: tuple[asyncio.AbstractEventLoop, anyio.CapacityLimiter] | None = None

    def limiter(self, key: CacheKey) -> anyio.CapacityLimiter | None:
        """The limiter `key` is computed under; None for the worker threads' own limit."""
        kind, params = key
        if kind not in self.LIMITED or _may_have_patterns(params[0]):
            return None
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._limiter[0] is not loop:
            self._limiter = (loop, anyio.CapacityLimiter(self.slots))
        return self._limiter[1]


def _may_have_patterns(query: str) -> bool:
    """Whether the query may hold a prefix* or typo~ word (a quoted * or ~ counts too)."""
    return "*" in query or "~" in query


FilterKey = tuple[tuple[str, Any], ...]


def _filter_key(**given: list[str] | str | None) -> FilterKey:
    """The filters of a request as a hashable part of its cache key (lists as tuples, filters
    not given left out); `_filter_kwargs` gives them back as `Index.search` takes them."""
    return tuple((name, tuple(v) if isinstance(v, list) else v) for name, v in given.items() if v)


def _filter_kwargs(filters: FilterKey) -> dict[str, Any]:
    return {name: list(v) if isinstance(v, tuple) else v for name, v in filters}


def _json(model: type[BaseModel], data: dict[str, Any]) -> bytes:
    """`data` as the JSON FastAPI would send for `model`."""
    return model.model_validate(data).model_dump_json().encode("utf-8")


def create_app(
    index_dir: Path | str,
    allow_origins: Sequence[str] = (),
    *,
    rate_limit: int = DEFAULT_RATE_LIMIT,
    time_limit: float = TIME_LIMIT,
    show_paths: bool = False,
    search_slots: int = SEARCH_SLOTS,
) -> FastAPI:
    """The API over the index at `index_dir`.

    CORS only for `allow_origins`; at most `rate_limit` API requests a minute per client
    address (0: no limit); a search may collect matches for `time_limit` seconds. Paths are
    shown relative to the indexed folders unless `show_paths`. At most `search_slots`
    searches are computed at once (`_SearchSlots`).
    """
    ix = Index(index_dir, time_limit=time_limit)
    cache = ResponseCache()
    folders = _FoldersOf(ix, index_dir, show_paths)
    app = FastAPI(
        title="privsearch",
        version=__version__,
        description="Full-text search over DHS privacy publications.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.index = ix
    if allow_origins:
        app.add_middleware(
            _JSONRefusingCORS,
            allow_origins=list(allow_origins),
            allow_methods=["GET"],
            allow_headers=["*"],
            max_age=600,
        )

    if rate_limit > 0:
        limiter = RateLimiter(rate_limit)

        @app.middleware("http")
        async def _rate_limit(request: Request, call_next: Any) -> Response:
            client = request.client.host if request.client else "unknown"
            if request.url.path.startswith("/api/") and not limiter.allow(client):
                response = error_response(
                    429, f"too many requests: the limit is {rate_limit} a minute per client"
                )
                response.headers["Retry-After"] = str(max(1, round(60 / rate_limit)))
                return response
            return await call_next(request)

    app.add_middleware(_NoSniff)  # added last: outermost, so it sees the other middlewares' answers

    @app.exception_handler(PrivsearchError)
    async def _privsearch_error(request: Request, exc: PrivsearchError) -> JSONResponse:
        if exc.status >= 500:
            log.error("error answering %s", request.url.path, exc_info=exc)
        return error_response(exc.status, folders.scrub(exc.message))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = {404: "not found", 405: "method not allowed"}.get(exc.status_code, exc.detail)
        response = error_response(exc.status_code, str(message))
        response.headers.update(exc.headers or {})  # "Allow" on a 405
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error answering %s", request.url.path, exc_info=exc)
        return error_response(500, "internal error")

    def compute_search(
        q: str,
        filters: FilterKey,
        sort: str | None,
        page: int,
        per_page: int,
        collapse: bool,
        expand: bool = True,
        correct: bool = True,
        explain: bool = False,
        prefix: bool = False,
    ) -> bytes:
        results = ix.search(
            q,
            **_filter_kwargs(filters),
            sort=sort,
            page=page,
            per_page=per_page,
            collapse=collapse,
            expand=expand,
            correct=correct,
            explain=explain,
            prefix=prefix,
        )
        data = results.to_dict()
        shown = folders.current()
        data["results"] = [
            public_hit(hit, hit_data, shown, ix.shares_id(hit.id))
            for hit, hit_data in zip(results.results, data["results"], strict=True)
        ]
        return _json(ExplainedSearchBody if explain else SearchBody, data)

    def compute_risks(q: str, filters: FilterKey, limit: int) -> bytes:
        found = ix.stated_risks(q, limit=limit, **_filter_kwargs(filters))
        return _json(RisksBody, {"query": q, "documents": len(found), "risks": risk_rows(found)})

    def compute_suggest(q: str, limit: int) -> bytes:
        return _json(SuggestBody, ix.suggest(q, limit).to_dict())

    def compute_facets() -> bytes:
        stats = ix.stats()
        kinds = ("component", "doc_type", "year", *PRIVACY_FACETS, "section")
        counts = {k: stats[k] for k in kinds}
        return _json(FacetsBody, {"total": stats["records"], **counts})

    def stored_source(record_id: str, source: str | None) -> str | None:
        """The stored source a client's `source` (relative, as the API shows it) names."""
        return folders.current().pick(source, ix.sources(record_id))

    def compute_page(
        record_id: str, number: int, q: str | None, source: str | None, prefix: bool = False
    ) -> bytes:
        page = ix.page(record_id, number, q, stored_source(record_id, source), prefix=prefix)
        return _json(PageBody, page)

    def compute_document(record_id: str, source: str | None) -> bytes:
        record = ix.get(record_id, stored_source(record_id, source))
        data = record.to_dict()
        data["pages"] = [{"number": p.number, "chars": len(p.text)} for p in record.pages]
        data["versions"] = ix.family(record.id)
        previous = previous_version(ix, record) if record.pages else None  # else nothing to compare
        data["previous_version"] = edition_summary(previous) if previous else None
        for risk in data["risks"]:
            risk["section_title"] = section_title(risk["section"]) if risk["section"] else ""
        shared = ix.shares_id(record.id)
        return _json(DocumentBody, public_record(record, data, folders.current(), shared))

    def compute_related(record_id: str) -> bytes:
        return _json(RelatedBody, ix.related(record_id))

    def locate_pdf(record_id: str, source: str | None, n: int) -> Path:
        return pdf_file(ix.get(record_id, stored_source(record_id, source)), n)

    computers: dict[str, Callable[..., bytes]] = {
        "search": compute_search,
        "risks": compute_risks,
        "suggest": compute_suggest,
        "facets": compute_facets,
        "page": compute_page,
        "document": compute_document,
        "related": compute_related,
        "landing": lambda: landing_page(ix),
    }

    def compute(key: CacheKey) -> bytes:
        kind, params = key
        return computers[kind](*params)

    warmer = _Warmer(cache, ix, compute, limit=WARM_LIMIT)
    slots = _SearchSlots(search_slots)

    async def cached(kind: str, *params: Any) -> bytes:
        """From the cache when it can; otherwise computed in a worker thread, then cached."""
        key = (kind, params)
        generation = ix.generation()
        warmer.notice(generation)
        body = cache.get(key, generation)
        if body is None:
            body = await anyio.to_thread.run_sync(compute, key, limiter=slots.limiter(key))
            cache.put(key, generation, body)
        return body

    async def answer(kind: str, *params: Any) -> Response:
        return Response(await cached(kind, *params), media_type="application/json")

    _add_feed_routes(app, ix, folders, computers, cached)

    @app.get("/api/search", summary="Search", response_model=SearchBody, responses=errors(400, 429))
    async def search(
        q: BrowseText = "",
        component: Filter = None,
        type: Filter = None,  # noqa: A002 - the public parameter name
        year: Filter = None,
        since: DateBound = None,
        until: DateBound = None,
        sort: Literal["relevance", "date"] | None = None,
        page: Annotated[int, Query(ge=1, le=1000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 10,
        collapse: bool = False,
        expand: bool = True,
        correct: bool = True,
        explain: bool = False,
        prefix: bool = False,
        section: Filter = None,
        pii: Filter = None,
        technology: Filter = None,
        retention: Filter = None,
        authority: Filter = None,
        exemption: Filter = None,
    ) -> Response:
        """Ranked results, facet counts over all matches and a "did you mean" suggestion:
        the same JSON as `privsearch search --json`. `expand=false` searches the typed words
        alone (no synonyms, acronym meanings or learned expansions); `correct=false` searches
        a misspelled word as typed instead of its correction (`corrected_from` says when the
        results are for the correction); `explain=true` adds to each result the parts of its
        score (`explain`); `prefix=true` searches as the query is typed: its last word, unless
        `q` ends with a space, stands for the indexed words it starts, and is never corrected.

        `section` bounds the words to the sections of that kind ("routine uses", retention), as
        `section:` in `q` does; `pii`, `technology`, `retention`, `authority` and `exemption`
        filter by the privacy facets, like `component`.

        With `q` empty or left out, the documents the filters (`component`, `type`, `year`,
        `since`, `until`, `section` and the privacy facets) let through, newest first unless
        `sort` says otherwise, each publication once, the facets counted over them. A `page`
        past the last one answers `total` and `pages` with no results."""
        filters = _filter_key(
            component=component, doc_type=type, year=year, since=since, until=until,
            section=section, pii=pii, technology=technology, retention=retention,
            authority=authority, exemption=exemption,
        )  # fmt: skip
        params = (sort, page, per_page, collapse, expand, correct, explain, prefix)
        return await answer("search", q, filters, *params)

    @app.get(
        "/api/risks",
        summary="The privacy risks and mitigations the matching documents state",
        response_model=RisksBody,
        responses=errors(400, 429),
    )
    async def risks(
        q: BrowseText = "",
        component: Filter = None,
        type: Filter = None,  # noqa: A002 - the public parameter name
        year: Filter = None,
        since: DateBound = None,
        until: DateBound = None,
        limit: Annotated[int, Query(ge=1, le=100, description="Documents at most")] = 20,
        section: Filter = None,
        pii: Filter = None,
        technology: Filter = None,
        retention: Filter = None,
        authority: Filter = None,
        exemption: Filter = None,
    ) -> Response:
        """One row per privacy risk stated by the documents `q` and the filters find (those
        of `/api/search`), best match first: the same JSON as `privsearch risks --json`. With
        `risk:"..."` in `q`, the documents with a risk or mitigation that says it."""
        filters = _filter_key(
            component=component, doc_type=type, year=year, since=since, until=until,
            section=section, pii=pii, technology=technology, retention=retention,
            authority=authority, exemption=exemption,
        )  # fmt: skip
        return await answer("risks", q, filters, limit)

    @app.get(
        "/api/suggest",
        summary="Phrases, documents and reference numbers for search-as-you-type",
        response_model=SuggestBody,
        responses=errors(400, 429),
    )
    async def suggest(
        q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)],
        limit: Annotated[int, Query(ge=1, le=20)] = 8,
    ) -> Response:
        """Phrases from the titles that start with `q`, in the case the titles write them;
        documents whose title holds the typed words (at most 5); reference numbers with a
        part that starts with `q` (`PIA-05` -> DHS/ICE/PIA-054)."""
        return await answer("suggest", q, limit)

    @app.get(
        "/api/facets",
        summary="Every facet value with its count",
        response_model=FacetsBody,
        responses=errors(429),
    )
    async def facets() -> Response:
        return await answer("facets")

    @app.get(
        "/api/documents/{record_id:path}/pages/{number}",
        summary="One PDF page's text",
        response_model=PageBody,
        responses=errors(400, 404, 429),
    )
    async def document_page(
        record_id: str,
        number: int,
        q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH)] = None,
        source: Source = None,
        prefix: bool = False,
    ) -> Response:
        """The page's text, and as HTML with the words of `q` in <mark>; `prefix=true` marks
        the words the last word of `q` stands for, as a search with `prefix=true` reads it."""
        return await answer("page", record_id, number, q, source, prefix)

    @app.get(
        "/api/documents/{record_id:path}/related",
        summary="A record's links to other documents",
        response_model=RelatedBody,
        responses=errors(400, 404, 429),
    )
    async def document_related(record_id: str) -> Response:
        """The documents this one is linked to, grouped by kind, as `privsearch related --json`
        gives them: each with its id, title, date, type and whether the index holds it."""
        return await answer("related", record_id)

    @app.get(
        "/api/documents/{record_id:path}/pdf",
        summary="A record's PDF",
        response_class=FileResponse,
        responses={200: {"content": {"application/pdf": {}}}, **errors(400, 404, 429)},
    )
    async def document_pdf(
        record_id: str,
        source: Source = None,
        n: Annotated[int, Query(ge=1, le=1000, description="Which of its PDFs, from 1")] = 1,
    ) -> Response:
        """The PDF the record was read from (its source, else its first attached PDF; `n`
        picks another attachment), inline, with byte ranges. Only a record's own files are
        served: 404 when it has none or the file is gone."""
        path = await run_in_threadpool(locate_pdf, record_id, source, n)
        return FileResponse(
            path,
            media_type="application/pdf",
            filename=path.name,
            content_disposition_type="inline",
            headers={"Cache-Control": "no-cache"},
        )

    # -- what changed between two versions (before the route that takes any path) --

    def compute_diff(record_id: str, other: str | None, source: str | None) -> bytes:
        picked = stored_source(record_id, source) if source is not None else None
        return _json(DiffBody, diff_documents(ix, record_id, other, picked).to_dict())

    computers["diff"] = compute_diff

    @app.get(
        "/api/documents/{record_id:path}/diff",
        summary="What changed since another version",
        response_model=DiffBody,
        responses=errors(400, 404, 422, 429),
    )
    async def document_diff(
        record_id: str,
        other: Annotated[
            str | None,
            Query(
                max_length=4096,
                description="The id to compare with (ID or ID@YYYY-MM-DD); default: the "
                "previous version, the latest earlier edition of the family",
            ),
        ] = None,
        source: Source = None,
    ) -> Response:
        """Section by section, the paragraphs added, removed and changed (with their words)
        from `other` to the document; 404 when it has no earlier version, 422 when a side has
        no text. An id may end in `@YYYY-MM-DD` to pick one of several publications that
        share it (the newest otherwise)."""
        return await answer("diff", record_id, other, source)

    @app.get(
        "/api/documents/{record_id:path}",
        summary="A record's metadata",
        response_model=DocumentBody,
        responses=errors(400, 404, 429),
    )
    async def document(record_id: str, source: Source = None) -> Response:
        """The record with this id; `source` (a result's `source`) picks one of several
        publications that share an id."""
        return await answer("document", record_id, source)

    @app.get("/healthz", summary="Index status", response_model=HealthBody)
    def healthz() -> dict[str, Any]:
        stats = ix.stats()
        return {
            "ok": True,
            "records": stats["records"],
            "indexed_at": stats["indexed_at"],
            "version": __version__,
        }

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        return Response(
            _static("widget.js"),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
        )

    @app.get("/", include_in_schema=False)
    async def landing() -> Response:
        """The widget, and what the index holds until something is typed."""
        return _html(await cached("landing"))

    @app.get("/embed", include_in_schema=False)
    def embed() -> Response:
        return _html(embed_page())

    app.add_middleware(_HeadAsGet)  # added last: it sees every request first
    return app


FEED_CANDIDATES = 100  # the search's first results by date that a feed's newest are taken from
FeedLimit = Annotated[int, Query(ge=1, le=FEED_CANDIDATES, description="Entries at most")]


def _add_feed_routes(
    app: FastAPI,
    ix: Index,
    folders: _FoldersOf,
    computers: dict[str, Callable[..., bytes]],
    cached: Callable[..., Any],
) -> None:
    """`/api/search.atom` and `/api/search.json`: a search as an Atom 1.0 or JSON Feed 1.1
    document, newest document first (`feeds.py`)."""
    from . import feeds

    def compute_feed(kind: str, q: str, filters: FilterKey, limit: int, base_url: str) -> bytes:
        results = ix.search(q, **_filter_kwargs(filters), sort="date", per_page=FEED_CANDIDATES)
        # A search ranks the documents with every word before those with most of them, each
        # part newest first: a feed is newest first throughout.
        hits = sorted(results.results, key=lambda h: h.date or "", reverse=True)[:limit]
        shown = folders.current()
        entries = []
        for hit in hits:
            shared = ix.shares_id(hit.id)
            data = public_hit(hit, hit.to_dict(), shown, shared)
            summary = ix.get(hit.id, hit.source).summary
            entries.append(feeds.feed_entry(data, summary, base_url, shared))
        route = "api/search.atom" if kind == "atom" else "api/search.json"
        feed = feeds.feed_for(
            q, _filter_kwargs(filters), entries, base_url=base_url, route=route,
            updated=ix.stats()["indexed_at"],
        )  # fmt: skip
        return feeds.atom(feed) if kind == "atom" else feeds.json_feed(feed)

    computers["feed"] = compute_feed

    async def feed(kind: str, request: Request, q: str, limit: int, **given: Any) -> Response:
        filters = _filter_key(**given)
        body = await cached("feed", kind, q, filters, limit, str(request.base_url))
        media_type = (AtomResponse if kind == "atom" else JSONFeedResponse).media_type
        return Response(body, media_type=f"{media_type}; charset=utf-8")

    app.get(
        "/api/search.atom",
        summary="A search as an Atom feed",
        response_class=AtomResponse,
        responses=feed_responses(AtomResponse.media_type),
    )(_feed_endpoint("atom", "search_atom", _ATOM_DOC, feed))
    app.get(
        "/api/search.json",
        summary="A search as a JSON Feed",
        response_class=JSONFeedResponse,
        responses=feed_responses(JSONFeedResponse.media_type, JSONFeedBody),
    )(_feed_endpoint("json", "search_json_feed", _JSON_FEED_DOC, feed))


_ATOM_DOC = (
    "The documents `/api/search` finds for `q` and the filters, newest first, as an Atom\n"
    "1.0 feed: each entry's id, title, date, links to its publication page and PDF, its\n"
    "summary and the snippet that matched (HTML). Errors are JSON, as everywhere."
)
_JSON_FEED_DOC = (
    "The same feed as `/api/search.atom`, as JSON Feed 1.1: `items` with `id`, `url`,\n"
    "`title`, `date_published`, `summary`, `content_html` (the snippet), `tags` and the\n"
    "PDF in `attachments`."
)


def _feed_endpoint(kind: str, name: str, doc: str, feed: Callable[..., Any]) -> Callable[..., Any]:
    """A feed route's function: the search's parameters, handed to `feed` for `kind`."""

    async def endpoint(
        request: Request,
        q: BrowseText = "",
        component: Filter = None,
        type: Filter = None,  # noqa: A002 - the public parameter name
        year: Filter = None,
        since: DateBound = None,
        until: DateBound = None,
        limit: FeedLimit = 20,
        section: Filter = None,
        pii: Filter = None,
        technology: Filter = None,
        retention: Filter = None,
        authority: Filter = None,
        exemption: Filter = None,
    ) -> Response:
        return await feed(
            kind, request, q, limit, component=component, doc_type=type, year=year,
            since=since, until=until, section=section, pii=pii, technology=technology,
            retention=retention, authority=authority, exemption=exemption,
        )  # fmt: skip

    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    return endpoint


class _FoldersOf:
    """The folders an index was built from, read again when the index changes."""

    def __init__(self, ix: Index, index_dir: Path | str, show_paths: bool = False) -> None:
        self.ix = ix
        self.index_dir = str(Path(index_dir).resolve())
        self.show_paths = show_paths
        self._folders = (-1, Folders([self.index_dir]))
        self._lock = threading.Lock()

    def current(self) -> Folders:
        if self.show_paths:
            return Folders.absolute()
        generation = self.ix.generation()
        with self._lock:
            if self._folders[0] != generation:
                self._folders = (generation, Folders([*self.ix.roots(), self.index_dir]))
            return self._folders[1]

    def scrub(self, message: str) -> str:
        """An error message without the server's paths."""
        try:
            folders = self.current()
        except Exception:  # noqa: BLE001 - an unreadable index: still hide its path
            folders = Folders([self.index_dir])
        return folders.scrub(message)


def app_from_environment() -> FastAPI:
    """The app of a `privsearch serve --workers N` worker process."""
    options = serve_options()
    return create_app(
        options["index_dir"],
        options["allow_origins"],
        rate_limit=options["rate_limit"],
        show_paths=options.get("show_paths", False),
    )


def serve(
    index_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    allow_origins: Sequence[str] = (),
    rate_limit: int = DEFAULT_RATE_LIMIT,
    workers: int = 1,
    *,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    show_paths: bool = False,
) -> None:
    """Run the API with uvicorn until interrupted, in `workers` processes.

    A request must arrive whole within `header_timeout` seconds (408 past it); each process
    holds at most `max_connections` open connections (503 past it), see `httpserver`.
    """
    import uvicorn

    from .httpserver import GuardedH11Protocol

    server_options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "proxy_headers": False,
        # uvicorn has no deadline for a request to arrive: its h11 protocol, with one.
        "http": functools.partial(
            GuardedH11Protocol, header_timeout=header_timeout, max_connections=max_connections
        ),
        "ws": "none",  # no WebSocket routes: an upgrade would leave the request deadline behind
    }
    if workers <= 1:
        app = create_app(index_dir, allow_origins, rate_limit=rate_limit, show_paths=show_paths)
        uvicorn.run(app, **server_options)
        return
    export_serve_options(
        {
            "index_dir": str(index_dir),
            "allow_origins": list(allow_origins),
            "rate_limit": rate_limit,
            "show_paths": show_paths,
        }
    )
    uvicorn.run(
        "privsearch.http:app_from_environment", factory=True, workers=workers, **server_options
    )
