"""The gateway's upstream client: pooled keep-alive HTTP/1.1 on asyncio + httptools.

Why not aiohttp (used before): per proxied request its client machinery
(request/response objects, header multidicts, payload writers, timers) cost
more CPU than the rest of the gateway together. Measured on this 2-core
machine against the stub upstream, sequential pooled POSTs from one process:
see the numbers in ``BENCHMARKS.md`` (gateway section). This client does only
what a reverse proxy in front of one OpenAI-compatible server needs:

* one request at a time per connection, connections kept alive and reused
  most-recent-first, at most ``max_connections`` open; idle ones are closed
  after ``keepalive_s`` (below uvicorn's default 5 s server-side timeout, so
  the gateway rarely reuses a connection the server is about to close);
* responses framed by Content-Length, chunked transfer coding or the end of
  the connection, parsed by ``httptools`` (llhttp, the parser uvicorn uses);
* whole responses (:meth:`Upstream.request`) or streamed ones
  (:meth:`Upstream.stream`, for SSE: body chunks as they arrive, with
  back-pressure: reading pauses while 1 MiB is buffered and unread);
* timeouts: connecting (``connect_timeout_s``) and waiting for the next bytes
  of the answer (``read_timeout_s``), both raised as :class:`UpstreamTimeout`;
  anything else that goes wrong is :class:`UpstreamUnreachable` (nothing was
  answered) or :class:`UpstreamBroken` (the answer was cut off);
* a request that fails on a *reused* connection before a single byte of the
  answer arrived (the server closed the idle connection as the request went
  out) is sent once more on a new connection: the server never read it.

The request body and headers are written with one ``write`` call.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httptools

_PAUSE_AT = 1 << 20  # bytes buffered and unread before reading from the upstream pauses


class UpstreamError(Exception):
    """The upstream could not give a whole answer."""


class UpstreamUnreachable(UpstreamError):
    """Nothing was answered: connection refused, reset, closed before the answer."""


class UpstreamTimeout(UpstreamError):
    """Connecting or waiting for the answer took longer than allowed."""


class UpstreamBroken(UpstreamError):
    """The answer started but was cut off or could not be parsed."""


class Wakeup:
    """One task waits (:meth:`wait`) until a protocol callback says something happened (:meth:`set`)."""

    __slots__ = ("_fut", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._fut: asyncio.Future | None = None

    async def wait(self) -> None:
        self._fut = self.loop.create_future()
        try:
            await self._fut
        finally:
            self._fut = None

    def set(self) -> None:
        f = self._fut
        if f is not None and not f.done():
            f.set_result(None)


class _Conn(asyncio.Protocol):
    """One keep-alive connection; one exchange at a time."""

    __slots__ = (
        "buffered",
        "busy",
        "chunks",
        "closed",
        "complete",
        "error",
        "got_bytes",
        "headers",
        "headers_done",
        "idle_since",
        "keep_alive",
        "last_rx",
        "loop",
        "parser",
        "paused",
        "pool",
        "read_timeout",
        "reused",
        "status",
        "streaming",
        "timer",
        "transport",
        "waiter",
    )

    def __init__(self, pool: Upstream) -> None:
        self.pool = pool
        self.loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.waiter = Wakeup(self.loop)
        #: an exchange is in progress (sent, not yet handed back with done_with)
        self.busy = False
        # One parser for the connection's successive answers (it reads one
        # message after the other); after a parse error the connection closes.
        self.parser = httptools.HttpResponseParser(self)
        self._reset(False)

    def _reset(self, streaming: bool) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.got_bytes = False
        self.headers_done = False
        self.complete = False
        self.keep_alive = True
        self.error: UpstreamError | None = None
        self.streaming = streaming
        self.paused = False
        self.read_timeout = self.pool.read_timeout_s
        self.last_rx = 0.0

    # --- asyncio.Protocol -------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        self.last_rx = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamBroken("the upstream switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(UpstreamBroken(f"unparseable answer from the upstream ({exc})"))

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._cancel_timer()
        self.pool._forget(self)
        if self.complete or not self.busy:
            return
        if self.headers_done and self._close_delimited():
            self.on_message_complete()  # the body ran until the connection closed
            return
        if not self.got_bytes:
            self._fail(UpstreamUnreachable(f"connection closed before an answer ({exc or 'closed by the upstream'})"))
        else:
            self._fail(UpstreamBroken("connection closed in the middle of the answer"))

    def pause_writing(self) -> None:  # request bodies are small; the kernel buffers them
        pass

    def resume_writing(self) -> None:
        pass

    # --- httptools callbacks ----------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if 100 <= self.status < 200:  # an interim answer (100 Continue): wait for the real one
            self.headers = []
            return
        self.headers_done = True
        self.keep_alive = self.parser.should_keep_alive()
        if self.streaming:
            self._wake()

    def on_body(self, body: bytes) -> None:
        if not self.headers_done:
            return
        self.chunks.append(body)
        self.buffered += len(body)
        if self.streaming:
            if self.buffered >= _PAUSE_AT and not self.paused and self.transport is not None:
                self.paused = True
                self.transport.pause_reading()
            self._wake()

    def on_message_complete(self) -> None:
        if not self.headers_done:
            return
        self.complete = True
        self._wake()

    # --- helpers ------------------------------------------------------------
    def _close_delimited(self) -> bool:
        names = {n for n, _ in self.headers}
        return b"content-length" not in names and b"transfer-encoding" not in names

    def _wake(self) -> None:
        self.waiter.set()

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self._cancel_timer()
        self.close()
        self._wake()

    def close(self) -> None:
        self._cancel_timer()
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()
        self.pool._forget(self)

    def _arm_timer(self) -> None:
        # Lazy: one timer per connection at a time, not one per exchange. It
        # fires at most every read_timeout and then looks at the exchange in
        # progress, if any (data_received only stamps the time of the last bytes).
        self.last_rx = self.loop.time()
        if self.timer is None:
            self.timer = self.loop.call_at(self.last_rx + self.read_timeout, self._on_timer)

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _on_timer(self) -> None:
        self.timer = None
        if self.complete or self.closed or self.error is not None:
            return  # no exchange in progress; the next one arms the timer again
        due = self.last_rx + self.read_timeout
        now = self.loop.time()
        if self.paused or now < due:
            self.timer = self.loop.call_at(max(due, now + 0.001) if not self.paused else now + self.read_timeout,
                                           self._on_timer)
            return
        self._fail(UpstreamTimeout(f"no answer from the upstream for {self.read_timeout:g} s"))

    # --- one exchange -------------------------------------------------------
    def send(self, data: bytes, streaming: bool) -> None:
        self._reset(streaming)
        self.busy = True
        self.transport.write(data)
        self._arm_timer()

    async def wait(self) -> None:
        """Until something happened (headers, body bytes, the end, an error)."""
        await self.waiter.wait()

    def take_body(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        self.buffered = 0
        return data

    def take_chunks(self) -> list[bytes]:
        out = list(self.chunks)
        self.chunks.clear()
        self.buffered = 0
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self.last_rx = self.loop.time()
            self.transport.resume_reading()
        return out

    def done_with(self) -> None:
        """The exchange is over: back to the pool if reusable, else closed."""
        self.busy = False
        if self.complete and self.keep_alive and self.error is None and not self.closed:
            self.pool._release(self)
        else:
            self.close()


class StreamedResponse:
    """An upstream answer whose body is read chunk by chunk (see :meth:`Upstream.stream`)."""

    def __init__(self, conn: _Conn) -> None:
        self._conn = conn
        self.status = conn.status
        self.headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in conn.headers]
        self._released = False

    def header(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for n, v in self.headers:
            if n == name:
                return v
        return default

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        """Body bytes as the upstream sends them (de-chunked); raises UpstreamError if cut off."""
        conn = self._conn
        while True:
            if conn.chunks:
                for chunk in conn.take_chunks():
                    yield chunk
                continue
            if conn.error is not None:
                raise conn.error
            if conn.complete:
                return
            await conn.wait()

    async def read(self) -> bytes:
        return b"".join([c async for c in self.iter_chunks()])

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._conn.done_with()


class Upstream:
    """A pool of keep-alive connections to one upstream base URL."""

    def __init__(self, base_url: str, *, connect_timeout_s: float = 2.0, read_timeout_s: float = 60.0,
                 max_connections: int = 256, keepalive_s: float = 4.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream must be an http:// or https:// URL, got {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self.prefix = parts.path.rstrip("/")
        default_port = self.port == (443 if parts.scheme == "https" else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = (host if default_port else f"{host}:{self.port}").encode("latin-1")
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.max_connections = max_connections
        self.keepalive_s = keepalive_s
        self.loop = asyncio.get_running_loop()
        self._idle: list[_Conn] = []
        self._open = 0
        self._all: set[_Conn] = set()
        self._waiters: collections.deque[asyncio.Future] = collections.deque()
        self._closed = False
        #: request line + host header per (method, path), encoded once
        self._starts: dict[tuple[str, str], bytes] = {}

    # --- pool -----------------------------------------------------------------
    def _forget(self, conn: _Conn) -> None:
        if conn in self._all:
            self._all.discard(conn)
            self._open -= 1
            if conn in self._idle:
                self._idle.remove(conn)
            self._wake_waiter()

    def _release(self, conn: _Conn) -> None:
        if self._closed:
            conn.close()
            return
        conn.idle_since = self.loop.time()
        conn.reused = True
        if self._waiters:
            self._idle.append(conn)
            self._wake_waiter()
        else:
            self._idle.append(conn)

    def _wake_waiter(self) -> None:
        while self._waiters:
            w = self._waiters.popleft()
            if not w.done():
                w.set_result(None)
                return

    async def _acquire(self, fresh: bool = False) -> _Conn:
        while True:
            if not fresh:
                now = self.loop.time()
                while self._idle:
                    conn = self._idle.pop()
                    if not conn.closed and now - conn.idle_since < self.keepalive_s:
                        return conn
                    conn.close()
            if self._open < self.max_connections:
                return await self._connect()
            w = self.loop.create_future()
            self._waiters.append(w)
            await w

    async def _connect(self) -> _Conn:
        self._open += 1
        conn = _Conn(self)
        self._all.add(conn)
        try:
            await asyncio.wait_for(self.loop.create_connection(lambda: conn, self.host, self.port, ssl=self.ssl),
                                   self.connect_timeout_s)
        except TimeoutError:
            self._forget(conn)
            raise UpstreamTimeout(f"connecting to the upstream took longer than {self.connect_timeout_s:g} s") from None
        except OSError as exc:
            self._forget(conn)
            raise UpstreamUnreachable(f"cannot connect to the upstream ({type(exc).__name__})") from None
        except BaseException:
            self._forget(conn)
            raise
        return conn

    def _head(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> bytes:
        start = self._starts.get((method, path))
        if start is None:
            start = self._starts[(method, path)] = f"{method} {self.prefix}{path} HTTP/1.1\r\n".encode("latin-1") + b"host: " + self.host_header + b"\r\n"
        head = "".join([f"{k}: {v}\r\n" for k, v in headers.items()]).encode("latin-1")
        if body is None:
            return b"".join((start, head, b"\r\n"))
        return b"".join((start, head, b"content-length: %d\r\n\r\n" % len(body), body))

    async def _start(self, data: bytes, streaming: bool) -> _Conn:
        """Send the request; return the connection once its answer's headers (or whole answer) arrived."""
        fresh = False
        while True:
            conn = await self._acquire(fresh)
            retry_ok = conn.reused
            try:
                conn.send(data, streaming)
                while not (conn.headers_done if streaming else conn.complete) and conn.error is None:
                    await conn.wait()
            except BaseException:
                conn.close()
                raise
            if conn.error is None:
                return conn
            conn.close()
            if retry_ok and not conn.got_bytes and isinstance(conn.error, UpstreamUnreachable):
                fresh = True  # the server had closed this idle connection: it never read the request
                continue
            raise conn.error

    # --- public -----------------------------------------------------------------
    async def request(self, method: str, path: str, body: bytes | None = None,
                      headers: dict[str, str] | None = None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """One whole exchange: (status, headers with lower-case names, body)."""
        conn = await self._start(self._head(method, path, body, headers or {}), False)
        status, hdrs, content = conn.status, conn.headers, conn.take_body()
        conn.done_with()
        return status, hdrs, content

    async def stream(self, method: str, path: str, body: bytes | None = None,
                     headers: dict[str, str] | None = None) -> StreamedResponse:
        """Send a request and return once the answer's headers are in; call ``release()`` when done."""
        conn = await self._start(self._head(method, path, body, headers or {}), True)
        return StreamedResponse(conn)

    async def close(self) -> None:
        self._closed = True
        for conn in list(self._all):
            conn.close()


def header(headers: list[tuple[bytes, bytes]], name: bytes, default: bytes | None = None) -> bytes | None:
    """The first value of a (lower-case) header in a response's header list."""
    for n, v in headers:
        if n == name:
            return v
    return default
