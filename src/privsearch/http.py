"""The HTTP JSON API and the widget's files: a thin shell over `privsearch.Index`.

`create_app(index_dir)` returns an ASGI app; `privsearch serve` runs it with uvicorn. Every
error is JSON, `{"ok": false, "error": "...", "status": 4xx}`, never a 500 for anything a client
can send.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .config import export_serve_options, serve_options
from .errors import PrivsearchError
from .httpschema import (
    DocumentBody,
    FacetsBody,
    HealthBody,
    PageBody,
    SearchBody,
    SuggestBody,
    errors,
)
from .query import MAX_PER_PAGE, TIME_LIMIT, Index
from .querylang import MAX_QUERY_LENGTH

log = logging.getLogger("privsearch.http")
DEFAULT_RATE_LIMIT = 600  # API requests a minute per client address

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

QueryText = Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, description="Query")]
Filter = Annotated[list[str] | None, Query(max_length=20)]
Source = Annotated[
    str | None, Query(max_length=4096, description="The source of a search result, to pick it")
]
DateBound = Annotated[
    str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY[-MM[-DD]]")
]


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return "invalid request: " + "; ".join(parts)


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


class ResponseCache:
    """The latest answers, by index version and request: popular searches repeat, and an
    answer stays right until the index changes."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: tuple[Any, ...], answer: dict[str, Any]) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


def create_app(
    index_dir: Path | str,
    allow_origins: Sequence[str] = (),
    *,
    rate_limit: int = DEFAULT_RATE_LIMIT,
    time_limit: float = TIME_LIMIT,
) -> FastAPI:
    """The API over the index at `index_dir`.

    CORS only for `allow_origins`; at most `rate_limit` API requests a minute per client
    address (0: no limit); a search may collect matches for `time_limit` seconds.
    """
    ix = Index(index_dir, time_limit=time_limit)
    cache = ResponseCache()
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
            CORSMiddleware,
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

    @app.exception_handler(PrivsearchError)
    async def _privsearch_error(request: Request, exc: PrivsearchError) -> JSONResponse:
        if exc.status >= 500:
            log.error("error answering %s", request.url.path, exc_info=exc)
        return error_response(exc.status, exc.message)

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

    @app.get("/api/search", summary="Search", response_model=SearchBody, responses=errors(400, 429))
    def search(
        q: QueryText,
        component: Filter = None,
        type: Filter = None,  # noqa: A002 - the public parameter name
        since: DateBound = None,
        until: DateBound = None,
        sort: Literal["relevance", "date"] = "relevance",
        page: Annotated[int, Query(ge=1, le=1000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 10,
        collapse: bool = False,
    ) -> dict[str, Any]:
        """Ranked results, facet counts over all matches and a "did you mean" suggestion:
        the same JSON as `privsearch search --json`."""
        key = (
            ix.generation(),
            q,
            tuple(component or ()),
            tuple(type or ()),
            since,
            until,
            sort,
            page,
            per_page,
            collapse,
        )
        cached = cache.get(key)
        if cached is not None:
            return cached
        results = ix.search(
            q,
            component=component,
            doc_type=type,
            since=since,
            until=until,
            sort=sort,
            page=page,
            per_page=per_page,
            collapse=collapse,
        )
        answer = results.to_dict()
        cache.put(key, answer)
        return answer

    @app.get(
        "/api/suggest",
        summary="Completions for search-as-you-type",
        response_model=SuggestBody,
        responses=errors(400, 429),
    )
    def suggest(
        q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)],
        limit: Annotated[int, Query(ge=1, le=20)] = 8,
    ) -> dict[str, Any]:
        return {"query": q, "suggestions": ix.suggest(q, limit)}

    @app.get(
        "/api/facets",
        summary="Every facet value with its count",
        response_model=FacetsBody,
        responses=errors(429),
    )
    def facets() -> dict[str, Any]:
        stats = ix.stats()
        return {
            "total": stats["records"],
            **{k: stats[k] for k in ("component", "doc_type", "year")},
        }

    @app.get(
        "/api/documents/{record_id:path}/pages/{number}",
        summary="One PDF page's text",
        response_model=PageBody,
        responses=errors(400, 404, 429),
    )
    def document_page(
        record_id: str,
        number: int,
        q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH)] = None,
        source: Source = None,
    ) -> dict[str, Any]:
        """The page's text, and as HTML with the words of `q` in <mark>."""
        return ix.page(record_id, number, q, source)

    @app.get(
        "/api/documents/{record_id:path}",
        summary="A record's metadata",
        response_model=DocumentBody,
        responses=errors(400, 404, 429),
    )
    def document(record_id: str, source: Source = None) -> dict[str, Any]:
        """The record with this id; `source` (a result's `source`) picks one of several
        publications that share an id."""
        record = ix.get(record_id, source)
        data = record.to_dict()
        data["pages"] = [{"number": p.number, "chars": len(p.text)} for p in record.pages]
        data["versions"] = ix.family(record.id)
        return data

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
    def demo() -> Response:
        return Response(
            _static("demo.html"),
            media_type="text/html; charset=utf-8",
            headers=HTML_SECURITY_HEADERS,
        )

    return app


def app_from_environment() -> FastAPI:
    """The app of a `privsearch serve --workers N` worker process."""
    options = serve_options()
    return create_app(
        options["index_dir"], options["allow_origins"], rate_limit=options["rate_limit"]
    )


def serve(
    index_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    allow_origins: Sequence[str] = (),
    rate_limit: int = DEFAULT_RATE_LIMIT,
    workers: int = 1,
) -> None:
    """Run the API with uvicorn until interrupted, in `workers` processes."""
    import uvicorn

    if workers <= 1:
        app = create_app(index_dir, allow_origins, rate_limit=rate_limit)
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
        return
    export_serve_options(
        {
            "index_dir": str(index_dir),
            "allow_origins": list(allow_origins),
            "rate_limit": rate_limit,
        }
    )
    uvicorn.run(
        "privsearch.http:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
    )
