"""The connections under `privsearch serve`: uvicorn's HTTP/1.1 protocol (h11) with the two
limits uvicorn does not have.

- A deadline for each request: its line, headers and any body must all arrive within
  `header_timeout` seconds of the connection opening (or of the previous answer on a kept-alive
  connection). Past it the server answers 408 and closes the connection. uvicorn's own
  `timeout_keep_alive` does not cover this: it only starts after a response and every byte the
  client sends cancels it, so a client that sends half a request line, or one header byte every
  few seconds, would hold its connection, and the worker's file descriptors, for ever.
- A cap on open connections per server process: the connections past `max_connections` are
  answered 503 as soon as their request arrives, and those past twice the cap are closed at
  once, so a flood of idle sockets costs a bounded number of file descriptors. uvicorn's
  `limit_concurrency` also answers 503, but in plain text, and only once a request is complete.

Every answer the server gives itself is the API's JSON error shape.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 503: b"Service Unavailable"}
# The client's side of the connection while its request is still on the way.
_RECEIVING = (h11.IDLE, h11.SEND_BODY)


def _error_head_and_body(status: int, message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"ok": False, "error": message, "status": status}).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"connection", b"close"),
    ]
    if status == 503:
        headers.append((b"retry-after", b"1"))
    return headers, body


async def _over_capacity(scope: Any, receive: Any, send: Any) -> None:
    """The app of a connection past the cap: a 503, then the connection is closed."""
    headers, body = _error_head_and_body(503, "too many open connections: try again in a moment")
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request and a cap on connections.

    Give uvicorn `functools.partial(GuardedH11Protocol, header_timeout=..., max_connections=...)`
    as its `http` protocol (a partial of a module-level class can be sent to worker processes).
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        header_timeout: float,
        max_connections: int,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout = header_timeout
        self.max_connections = max_connections
        self._request_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        open_connections = len(self.connections)  # this one included
        if open_connections > 2 * self.max_connections:
            transport.close()  # not worth a file descriptor until it has sent its request
            return
        if open_connections > self.max_connections:
            self.app = _over_capacity
        self._watch_request()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_request()  # a kept-alive connection: the next request has its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        self._send_error(400, "invalid HTTP request")

    def _watch_request(self) -> None:
        """Start the deadline when a request is awaited, stop it once the request is in."""
        if self.transport.is_closing():
            self._cancel_deadline()
        elif self.conn.their_state in _RECEIVING:
            if self._request_deadline is None:
                self._request_deadline = self.loop.call_later(
                    self.header_timeout, self._request_timed_out
                )
        else:
            self._cancel_deadline()

    def _cancel_deadline(self) -> None:
        if self._request_deadline is not None:
            self._request_deadline.cancel()
            self._request_deadline = None

    def _request_timed_out(self) -> None:
        self._request_deadline = None
        if self.transport.is_closing():
            return
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            self._send_error(408, f"the request did not arrive within {self.header_timeout:g} s")
        else:  # an answer was sent already (the client is still sending a body it did not need)
            self.transport.close()

    def _send_error(self, status: int, message: str) -> None:
        """Answer `status` in the API's error shape and close, whatever h11 thinks of the
        request so far (it may have none: this is written to the socket directly)."""
        headers, body = _error_head_and_body(status, message)
        head = b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])
        head += b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        self.transport.write(head + b"\r\n" + body)
        self.transport.close()
