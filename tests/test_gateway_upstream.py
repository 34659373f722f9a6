"""The gateway's upstream client against scripted raw HTTP servers: framing, reuse, retries, faults."""

from __future__ import annotations

import asyncio

import pytest

from antidistill.gateway.upstream import Upstream, UpstreamBroken, UpstreamTimeout, UpstreamUnreachable, header

from test_gateway_support import free_port


def ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s" % (len(body), extra, body)


class Scripted:
    """A loopback server; ``handle(n, request_bytes)`` says what connection n answers to each request."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self) -> Scripted:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        n = self.connections
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length) if length else b""
                self.requests.append(head + body)
                if not await self.handle(n, len(self.requests), head + body, writer):
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def run(coro):
    return asyncio.run(coro)


def test_keep_alive_reuses_one_connection_and_sends_body_and_headers():
    async def handle(conn, n, request, writer):
        writer.write(ok(b'{"n": %d}' % n))
        return True

    async def main():
        async with Scripted(handle) as srv:
            up = Upstream(srv.url + "/base/")
            for i in range(5):
                status, headers, body = await up.request("POST", "/v1/chat/completions", b'{"x": %d}' % i,
                                                         {"content-type": "application/json"})
                assert (status, body) == (200, b'{"n": %d}' % (i + 1))
                assert header(headers, b"content-type") == b"application/json"
            await up.close()
            assert srv.connections == 1
            first = srv.requests[0]
            assert first.startswith(b"POST /base/v1/chat/completions HTTP/1.1\r\n")
            assert b"\r\ncontent-length: 8\r\n" in first and first.endswith(b'{"x": 0}')
            assert f"host: 127.0.0.1:{srv.url.rsplit(':', 1)[1]}".encode() in first

    run(main())


def test_chunked_and_close_delimited_answers_are_read_whole():
    async def chunked(conn, n, request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        return True

    async def until_close(conn, n, request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of it")
        await writer.drain()
        return False  # the end of the connection ends the body

    async def main():
        async with Scripted(chunked) as srv:
            up = Upstream(srv.url)
            assert (await up.request("GET", "/v1/models"))[2] == b"hello world"
            assert (await up.request("GET", "/v1/models"))[2] == b"hello world"
            await up.close()
            assert srv.connections == 1
        async with Scripted(until_close) as srv:
            up = Upstream(srv.url)
            assert (await up.request("GET", "/v1/models"))[2] == b"all of it"
            assert (await up.request("GET", "/v1/models"))[2] == b"all of it"  # on a new connection
            await up.close()
            assert srv.connections == 2

    run(main())


def test_a_reused_connection_the_server_dropped_is_retried_once_on_a_new_one():
    async def handle(conn, n, request, writer):
        if conn == 1 and n == 2:
            return False  # closes the kept-alive connection as the second request arrives, unanswered
        writer.write(ok(b"{}"))
        return True

    async def main():
        async with Scripted(handle) as srv:
            up = Upstream(srv.url)
            assert (await up.request("POST", "/v1/completions", b"{}"))[0] == 200
            assert (await up.request("POST", "/v1/completions", b"{}"))[0] == 200
            await up.close()
            assert srv.connections == 2 and len(srv.requests) == 3

    run(main())


def test_faults_are_told_apart_unreachable_timeout_broken():
    async def slow(conn, n, request, writer):
        await asyncio.sleep(2)
        return False

    async def cut(conn, n, request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part")
        await writer.drain()
        return False

    async def main():
        up = Upstream(f"http://127.0.0.1:{free_port()}")
        with pytest.raises(UpstreamUnreachable):
            await up.request("GET", "/v1/models")
        async with Scripted(slow) as srv:
            up = Upstream(srv.url, read_timeout_s=0.2)
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(UpstreamTimeout):
                await up.request("POST", "/v1/chat/completions", b"{}")
            assert loop.time() - started < 1.5
        async with Scripted(cut) as srv:
            up = Upstream(srv.url)
            with pytest.raises(UpstreamBroken):
                await up.request("POST", "/v1/chat/completions", b"{}")

    run(main())


def test_a_stream_yields_chunks_as_they_come_and_the_connection_is_reused_after():
    gate = asyncio.Event

    async def main():
        release = gate()

        async def handle(conn, n, request, writer):
            if n == 1:
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
                writer.write(b"9\r\ndata: 1\n\n\r\n")
                await writer.drain()
                await release.wait()  # the second chunk only once the first was read
                writer.write(b"9\r\ndata: 2\n\n\r\n0\r\n\r\n")
            else:
                writer.write(ok(b"{}"))
            return True

        async with Scripted(handle) as srv:
            up = Upstream(srv.url)
            resp = await up.stream("POST", "/v1/chat/completions", b"{}")
            assert resp.status == 200 and resp.header("content-type") == "text/event-stream"
            got = []
            async for chunk in resp.iter_chunks():
                got.append(chunk)
                release.set()
            resp.release()
            assert b"".join(got) == b"data: 1\n\ndata: 2\n\n" and len(got) >= 2
            assert (await up.request("POST", "/v1/completions", b"{}"))[0] == 200
            await up.close()
            assert srv.connections == 1

    run(main())
