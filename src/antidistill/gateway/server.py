"""The gateway's own HTTP/1.1 server protocol (httptools), run by uvicorn.

Why: under uvicorn's own protocol every request costs an ASGI scope dict, an
``asyncio.Event``, a request/response-cycle object, receive/send message
dicts and two socket writes per answer (head, then body). Measured on this
2-core machine with the same fixed answer and the benchmark's load
generator: ~85 us of CPU per request in uvicorn's protocol, ~26 us in a bare
httptools protocol. The gateway's proxied endpoints are served here
directly: the handler (:func:`antidistill.gateway.app.proxy`) gets a
:class:`~antidistill.gateway.app.Channel` whose whole answers go out with one
``write``. Everything else (``/v1/models``, health, metrics, admin) is run
through the ASGI app, as any ASGI server would.

uvicorn still runs the server: sockets, signals, lifespan (the gateway's
start and stop), graceful shutdown; it takes this class as its ``http``
protocol (``uvicorn.run(app, http=GatewayProtocol)``) and the app must be a
:class:`~antidistill.gateway.app.GatewayApp`.

HTTP handled: keep-alive (HTTP/1.1 by default, HTTP/1.0 only when asked),
pipelined requests (answered in order; reading pauses while one waits),
``Content-Length`` and chunked request bodies (whole, up to the policy's
``max_body_bytes``, else 413), ``Expect: 100-continue``, idle keep-alive
timeout, back-pressure on streamed answers (a slow reader pauses the relay),
a client that goes away mid-answer, unparseable requests (400 and close).
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from collections import deque
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HEADER_RE as _BAD_NAME
from uvicorn.protocols.http.httptools_impl import HEADER_VALUE_RE as _BAD_VALUE
from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from antidistill.gateway.app import (
    PROXIED,
    Channel,
    GatewayApp,
    Refused,
    _check_declared_size,
    _ClientGone,
    _error_body,
    _too_large,
    proxy,
)
from antidistill.gateway.upstream import Wakeup

log = logging.getLogger("antidistill.gateway.server")

_CLOSE = b"connection: close\r\n"
_PAUSE_READING_AT = 1 << 20  # bytes of request body buffered


def _status_line(status: int) -> bytes:
    line = STATUS_LINE.get(status)
    return line if line is not None else b"HTTP/1.1 %d \r\n" % status


def _head_block(headers) -> bytes:
    return b"".join([b"%s: %s\r\n" % (k, v) for k, v in headers])


class _Request(Channel):
    """One request on a connection; the proxy handler's :class:`Channel`."""

    __slots__ = (
        "body_parts",
        "chunked",
        "client",
        "complete",
        "conn",
        "expect_continue",
        "gone_",
        "headers",
        "header_list",
        "keep_alive",
        "limit",
        "method",
        "path",
        "query",
        "raw_path",
        "responded",
        "size",
        "too_large",
        "version",
        "waiter",
    )

    def __init__(self, conn: GatewayProtocol, method: str, raw_path: bytes, query: bytes, header_list, version: str,
                 keep_alive: bool) -> None:
        self.conn = conn
        self.method = method
        self.raw_path = raw_path
        path = raw_path.decode("ascii")
        self.path = urllib.parse.unquote(path) if "%" in path else path
        self.query = query
        self.header_list = header_list
        self.headers = dict(header_list)
        self.client = conn.client
        self.version = version
        self.keep_alive = keep_alive
        self.expect_continue = self.headers.get(b"expect", b"").lower() == b"100-continue"
        self.body_parts: list[bytes] = []
        self.size = 0
        self.limit = conn.body_limit()
        self.too_large = False
        self.complete = False
        self.waiter = Wakeup(conn.loop)
        self.responded = False  # the answer is out whole
        self.chunked = False  # a streamed answer in chunked transfer coding
        self.gone_ = False

    # --- fed by the parser ----------------------------------------------------
    def feed(self, data: bytes) -> None:
        if self.too_large:
            return
        self.size += len(data)
        if self.size > self.limit:
            self.too_large = True
            self.body_parts = []
        else:
            self.body_parts.append(data)
        if self.size > _PAUSE_READING_AT:
            self.conn.pause_reading()  # until the handler takes the body
        self.waiter.set()

    def finish_body(self) -> None:
        self.complete = True
        self.waiter.set()

    def lost(self) -> None:
        self.gone_ = True
        self.waiter.set()

    # --- Channel --------------------------------------------------------------
    async def body(self, limit: int) -> bytes:
        _check_declared_size(self.headers, limit)
        if self.expect_continue and not self.complete and not self.gone_:
            self.expect_continue = False
            self.conn.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        while not self.complete and not self.too_large and not self.gone_ and self.size <= limit:
            self.conn.resume_reading()
            await self.waiter.wait()
        if self.too_large or self.size > limit:
            raise _too_large(limit)
        if not self.complete:
            raise _ClientGone()
        parts = self.body_parts
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def send_whole(self, status: int, content: bytes, ctype: bytes, extra: list[tuple[bytes, bytes]]) -> None:
        self.send_now(status, content, ctype, extra)

    def send_now(self, status: int, content: bytes, ctype: bytes, extra) -> None:
        conn = self.conn
        close = not self.keep_alive or not self.complete or conn.closing
        data = b"".join([_status_line(status), conn.default_head(), b"content-type: ", ctype, b"\r\ncontent-length: %d\r\n" % len(content),
                         _head_block(extra) if extra else b"", _CLOSE if close else b"", b"\r\n",
                         b"" if self.method == "HEAD" else content])
        conn.write(data)
        self.responded = True
        conn.response_done(self, close)

    async def start_stream(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        conn = self.conn
        self.chunked = self.version == "1.1"
        if not self.chunked:
            self.keep_alive = False  # HTTP/1.0: the end of the connection ends the body
        close = not self.keep_alive or not self.complete or conn.closing
        conn.write(b"".join([_status_line(status), conn.default_head(), _head_block(headers),
                             b"transfer-encoding: chunked\r\n" if self.chunked else b"", _CLOSE if close else b"", b"\r\n"]))
        self.keep_alive = not close

    async def send_chunk(self, chunk: bytes) -> None:
        if not chunk or self.gone_:
            return
        conn = self.conn
        conn.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if self.chunked else chunk)
        if conn.write_paused:
            await conn.drain()

    async def end_stream(self, ended: bool) -> None:
        conn = self.conn
        if not ended or self.gone_:
            conn.close()
            return
        if self.chunked:
            conn.write(b"0\r\n\r\n")
        self.responded = True
        conn.response_done(self, not self.keep_alive)

    def gone(self) -> bool:
        return self.gone_


class GatewayProtocol(asyncio.Protocol):
    """One client connection to the gateway (see the module doc)."""

    def __init__(self, config, server_state, app_state: dict[str, Any], _loop: asyncio.AbstractEventLoop | None = None) -> None:
        if not config.loaded:
            config.load()
        self.asgi = config.loaded_app
        app = self.asgi
        while not isinstance(app, GatewayApp) and hasattr(app, "app"):
            app = app.app  # uvicorn's middlewares around it, if any
        if not isinstance(app, GatewayApp):
            raise TypeError("GatewayProtocol serves a GatewayApp")
        self.gateway = app.gateway
        self.loop = _loop or asyncio.get_event_loop()
        self.server_state = server_state
        self.app_state = app_state
        self.keepalive_s = config.timeout_keep_alive
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.client: tuple[str, int] | None = None
        self.server: tuple[str, int] | None = None
        self.closing = False
        self.read_paused = False
        self.write_paused = False
        self._drain = Wakeup(self.loop)
        #: the request being answered, and the ones that arrived behind it
        self.current: _Request | None = None
        self.pipeline: deque[_Request] = deque()
        #: the request the parser is reading
        self.parsing: _Request | None = None
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._idle_since = 0.0
        self._idle_timer: asyncio.TimerHandle | None = None
        self._default: tuple[Any, bytes] = (None, b"")

    # --- asyncio.Protocol -----------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport
        self.server_state.connections.add(self)
        peer = transport.get_extra_info("peername")
        self.client = (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) and len(peer) >= 2 else None
        sock = transport.get_extra_info("sockname")
        self.server = (str(sock[0]), int(sock[1])) if isinstance(sock, tuple) and len(sock) >= 2 else None
        self._idle()

    def data_received(self, data: bytes) -> None:
        self._idle_since = 0.0
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail_request(400, "protocol upgrades are not supported")
        except httptools.HttpParserError as exc:
            self._fail_request(400, f"invalid HTTP request ({exc})")

    def eof_received(self) -> bool | None:
        return None  # close

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.server_state.connections.discard(self)
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        for req in (self.current, self.parsing, *self.pipeline):
            if req is not None:
                req.lost()
        self._wake_drain()

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self._wake_drain()

    # --- parser callbacks -----------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        p = self.parser
        version = p.get_http_version()
        url = httptools.parse_url(self._url)
        req = _Request(self, p.get_method().decode("ascii"), url.path, url.query or b"", self._headers, version,
                       version != "1.0" and p.should_keep_alive())
        self.parsing = req
        if self.current is None:
            self._begin(req)
        else:
            self.pipeline.append(req)
            self.pause_reading()

    def on_body(self, body: bytes) -> None:
        if self.parsing is not None:
            self.parsing.feed(body)

    def on_message_complete(self) -> None:
        if self.parsing is not None:
            self.parsing.finish_body()
            self.parsing = None

    # --- requests -------------------------------------------------------------
    def body_limit(self) -> int:
        return self.gateway.actions.max_body_bytes

    def _begin(self, req: _Request) -> None:
        self.current = req
        if req.path in PROXIED and req.method == "POST":
            coro = self._run_proxy(req)
        else:
            coro = _ASGICall(self, req).run()
        task = self.loop.create_task(coro)
        tasks = self.server_state.tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _run_proxy(self, req: _Request) -> None:
        try:
            await proxy(self.gateway, req)
        except Exception:  # noqa: BLE001 - a bug must cost one answer, not the connection's loop
            log.exception("proxy handler failed")
            if not req.responded and not req.chunked and not self.closing:
                exc = Refused(500, "internal_error", "the gateway failed on this request")
                req.send_now(500, _error_body(exc), b"application/json", [])
            else:
                self.close()
        if not req.responded and not self.closing:
            self.close()  # the handler ended without an answer (client gone)

    def response_done(self, req: _Request, close: bool) -> None:
        """The answer to ``req`` is out: close, or go on with the next request."""
        self.server_state.total_requests += 1
        if close or self.closing:
            self.close()
            return
        self.current = None
        if not req.complete:  # answered before its body was read whole: the stream is out of step
            self.close()
            return
        if self.pipeline:
            nxt = self.pipeline.popleft()
            if not self.pipeline:
                self.resume_reading()
            self._begin(nxt)
        else:
            self.resume_reading()
            self._idle()

    def _fail_request(self, status: int, message: str) -> None:
        if self.current is None or self.current.responded:
            body = message.encode()
            self.write(b"".join([_status_line(status), self.default_head(), b"content-type: text/plain; charset=utf-8\r\n",
                                 b"content-length: %d\r\n" % len(body), _CLOSE, b"\r\n", body]))
        self.close()

    # --- writing --------------------------------------------------------------
    def default_head(self) -> bytes:
        """uvicorn's default headers (date, server) as one block, re-encoded when uvicorn changes them (every second)."""
        current = self.server_state.default_headers
        cached = self._default
        if cached[0] is not current:
            cached = self._default = (current, _head_block(current))
        return cached[1]

    def write(self, data: bytes) -> None:
        t = self.transport
        if t is not None and not t.is_closing():
            t.write(data)

    async def drain(self) -> None:
        while self.write_paused and not self.closing:
            await self._drain.wait()

    def _wake_drain(self) -> None:
        self._drain.set()

    def pause_reading(self) -> None:
        if not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.read_paused and self.transport is not None and not self.closing:
            self.read_paused = False
            self.transport.resume_reading()

    def close(self) -> None:
        self.closing = True
        t = self.transport
        if t is not None and not t.is_closing():
            t.close()

    # --- idle keep-alive timeout (re-armed lazily, not per request) ------------
    def _idle(self) -> None:
        self._idle_since = self.loop.time()
        if self._idle_timer is None:
            self._idle_timer = self.loop.call_at(self._idle_since + self.keepalive_s, self._on_idle_timer)

    def _on_idle_timer(self) -> None:
        self._idle_timer = None
        if self.closing:
            return
        since = self._idle_since
        if self.current is None and since and self.loop.time() - since >= self.keepalive_s:
            self.close()
            return
        self._idle_timer = self.loop.call_at(max(since, self.loop.time()) + self.keepalive_s, self._on_idle_timer)

    # --- uvicorn's graceful shutdown --------------------------------------------
    def shutdown(self) -> None:
        if self.current is None:
            self.close()
        else:
            self.closing_after_answer()

    def closing_after_answer(self) -> None:
        req = self.current
        if req is not None:
            req.keep_alive = False


class _ASGICall:
    """One request that is not proxied (models, health, metrics, admin), run through the ASGI app."""

    def __init__(self, conn: GatewayProtocol, req: _Request) -> None:
        self.conn = conn
        self.req = req
        self.started = False
        self.chunked = False
        self.head: bytes | None = None
        self.body = b""
        self.sent_body = False

    async def run(self) -> None:
        conn, req = self.conn, self.req
        try:
            self.body = await req.body(req.limit)
        except Refused as exc:
            req.send_now(exc.status, _error_body(exc), b"application/json", [])
            return
        except _ClientGone:
            conn.close()
            return
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": req.version,
                 "server": conn.server, "client": req.client, "scheme": "http", "root_path": "", "headers": req.header_list,
                 "state": dict(conn.app_state), "method": req.method, "path": req.path, "raw_path": req.raw_path,
                 "query_string": req.query}
        try:
            await conn.asgi(scope, self.receive, self.send)
        except Exception:  # noqa: BLE001 - as uvicorn: a 500 if nothing was sent yet, else close
            log.exception("request to %s failed", req.path)
            if not self.started and not conn.closing:
                req.send_now(500, b"Internal Server Error", b"text/plain; charset=utf-8", [])
            else:
                conn.close()
            return
        if not req.responded and not conn.closing:
            if not self.started:
                log.error("ASGI app returned without an answer to %s", req.path)
                req.send_now(500, b"Internal Server Error", b"text/plain; charset=utf-8", [])
            else:
                conn.close()  # the answer was left incomplete

    async def receive(self) -> dict[str, Any]:
        req = self.req
        if not self.sent_body:
            self.sent_body = True
            body, self.body = self.body, b""
            return {"type": "http.request", "body": body, "more_body": False}
        while not req.gone_:
            await req.waiter.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        conn, req = self.conn, self.req
        kind = message["type"]
        if conn.closing or req.gone_:
            return
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError("http.response.start sent twice")
            self.started = True
            status = message["status"]
            headers = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", [])]
            for k, v in headers:
                if _BAD_NAME.search(k) or _BAD_VALUE.search(v):
                    raise RuntimeError("invalid HTTP header in the answer")
            names = {k for k, _ in headers}
            if b"content-length" not in names and status >= 200 and status not in (204, 304):
                if req.version == "1.1":
                    self.chunked = True
                    headers.append((b"transfer-encoding", b"chunked"))
                else:
                    req.keep_alive = False
            close = not req.keep_alive or not req.complete or conn.closing
            if close:
                headers.append((b"connection", b"close"))
            req.keep_alive = not close
            self.head = b"".join([_status_line(status), conn.default_head(), _head_block(headers), b"\r\n"])
        elif kind == "http.response.body":
            if not self.started:
                raise RuntimeError("http.response.body before http.response.start")
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if req.method == "HEAD":
                body = b""
            out = [self.head] if self.head is not None else []
            self.head = None
            if body:
                out.append(b"%x\r\n%s\r\n" % (len(body), body) if self.chunked else body)
            if not more and self.chunked:
                out.append(b"0\r\n\r\n")
            if out:
                conn.write(b"".join(out))
            if more:
                if conn.write_paused:
                    await conn.drain()
            else:
                req.responded = True
                conn.response_done(req, not req.keep_alive)
