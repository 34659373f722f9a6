"""The gateway's own HTTP/1.1 protocol, spoken to over raw sockets: framing, keep-alive, pipelining, limits."""

from __future__ import annotations

import socket
import time

import orjson
import pytest

from test_gateway import Rig
from test_gateway_support import chat


def _request(path: str, body: bytes | None = None, key: str = "sk-1", version: str = "1.1", extra: str = "",
             method: str = "POST") -> bytes:
    head = f"{method} {path} HTTP/{version}\r\nhost: gw\r\nauthorization: Bearer {key}\r\n{extra}"
    if body is not None:
        head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + (body or b"")


class Reader:
    """Reads HTTP/1.1 answers off a socket (Content-Length or chunked bodies)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise EOFError("connection closed")
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise EOFError("connection closed")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def answer(self, head_only: bool = False) -> tuple[int, dict[bytes, bytes], bytes]:
        status = int(self._line().split()[1])
        headers: dict[bytes, bytes] = {}
        while line := self._line():
            k, v = line.split(b":", 1)
            headers[k.strip().lower()] = v.strip()
        if head_only or status < 200:
            return status, headers, b""
        if headers.get(b"transfer-encoding") == b"chunked":
            body = b""
            while size := int(self._line(), 16):
                body += self._exactly(size)
                self._exactly(2)
            self._exactly(2)
            return status, headers, body
        if b"content-length" in headers:
            return status, headers, self._exactly(int(headers[b"content-length"]))
        while self._fill():
            pass
        body, self.buf = self.buf, b""
        return status, headers, body

    def closed(self, timeout: float = 5.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


@pytest.fixture()
def rig(tmp_path):
    with Rig(tmp_path, {"max_body_bytes": 2000}) as r:
        yield r


def _connect(rig) -> tuple[socket.socket, Reader]:
    sock = socket.create_connection(("127.0.0.1", rig.server.port), timeout=10)
    return sock, Reader(sock)


def test_keep_alive_answers_several_requests_on_one_connection(rig):
    sock, rd = _connect(rig)
    with sock:
        for i in range(3):
            sock.sendall(_request("/v1/chat/completions", orjson.dumps(chat(f"hello {i}"))))
            status, headers, body = rd.answer()
            assert status == 200 and orjson.loads(body)["choices"][0]["message"]["content"].startswith("The quick")
            assert headers[b"x-request-id"].startswith(b"gw-") and b"date" in headers and b"connection" not in headers
    assert [e["request"]["messages"][0]["content"] for e in rig.logged(3)] == ["hello 0", "hello 1", "hello 2"]


def test_pipelined_requests_are_answered_in_order(rig):
    sock, rd = _connect(rig)
    with sock:
        sock.sendall(_request("/v1/chat/completions", orjson.dumps(chat("first")))
                     + _request("/healthz", method="GET")
                     + _request("/v1/chat/completions", orjson.dumps(chat("third")), key="sk-nobody"))
        first, health, third = rd.answer(), rd.answer(), rd.answer()
    assert first[0] == 200 and orjson.loads(first[2])["object"] == "chat.completion"
    assert health[0] == 200 and orjson.loads(health[2])["detection_worker"] is True
    assert third[0] == 401 and orjson.loads(third[2])["error"]["code"] == "invalid_api_key"


def test_http_1_0_gets_its_answer_and_the_connection_closes(rig):
    sock, rd = _connect(rig)
    with sock:
        sock.sendall(_request("/v1/chat/completions", orjson.dumps(chat("old client")), version="1.0"))
        status, headers, body = rd.answer()
        assert status == 200 and headers[b"connection"] == b"close" and orjson.loads(body)["choices"]
        assert rd.closed()


def test_a_streamed_answer_to_http_1_0_ends_with_the_connection(rig):
    sock, rd = _connect(rig)
    with sock:
        sock.sendall(_request("/v1/chat/completions", orjson.dumps(chat("stream", stream=True, max_tokens=3)), version="1.0"))
        status, headers, body = rd.answer()
    assert status == 200 and b"transfer-encoding" not in headers and body.endswith(b"data: [DONE]\n\n")


def test_expect_100_continue_is_answered_before_the_body(rig):
    body = orjson.dumps(chat("after continue"))
    sock, rd = _connect(rig)
    with sock:
        head = _request("/v1/chat/completions", body, extra="expect: 100-continue\r\n")
        sock.sendall(head[:-len(body)])
        assert rd.answer()[0] == 100
        sock.sendall(body)
        status, _, answer = rd.answer()
    assert status == 200 and orjson.loads(answer)["choices"]


def test_a_declared_oversized_body_is_refused_without_reading_it_and_the_connection_closes(rig):
    sock, rd = _connect(rig)
    with sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer sk-1\r\n"
                     b"content-length: 50000\r\n\r\n" + b"x" * 100)
        status, headers, body = rd.answer()
        assert status == 413 and orjson.loads(body)["error"]["code"] == "body_too_large"
        assert headers[b"connection"] == b"close" and rd.closed()


def test_an_unknown_key_is_refused_before_the_body_matters(rig):
    sock, rd = _connect(rig)
    with sock:
        sock.sendall(_request("/v1/chat/completions", b"x" * 5000, key="sk-nobody"))
        assert rd.answer()[0] == 401


def test_garbage_is_a_400_and_the_connection_closes(rig):
    sock, rd = _connect(rig)
    with sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        status, headers, _ = rd.answer()
        assert status == 400 and headers[b"connection"] == b"close" and rd.closed()
    # and the gateway goes on serving others
    assert rig.post("/v1/chat/completions", chat()).status_code == 200


def test_head_and_query_strings_go_through_the_asgi_app(rig):
    sock, rd = _connect(rig)
    with sock:
        sock.sendall(_request("/healthz", method="HEAD"))
        status, headers, _ = rd.answer(head_only=True)
        assert status == 200 and int(headers[b"content-length"]) > 0
        sock.sendall(b"GET /admin/verdicts?verdict=malicious HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer admin-token\r\n\r\n")
        status, _, body = rd.answer()
    assert status == 200 and orjson.loads(body)["accounts"] == {}


def test_a_client_that_leaves_mid_stream_is_logged_and_others_are_served(rig):
    sock, rd = _connect(rig)
    sock.sendall(_request("/v1/chat/completions", orjson.dumps(chat("leaving", stream=True))))
    sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(e["request"]["messages"][0]["content"] == "leaving" for e in rig.logged(1)):
        time.sleep(0.1)
    assert any(e["request"]["messages"][0]["content"] == "leaving" for e in rig.logged(1))
    assert rig.post("/v1/chat/completions", chat("next")).status_code == 200


def test_an_idle_keep_alive_connection_is_closed(tmp_path):
    with Rig(tmp_path, server={"timeout_keep_alive": 0.3}) as rig:
        sock, rd = _connect(rig)
        with sock:
            sock.sendall(_request("/v1/chat/completions", orjson.dumps(chat())))
            assert rd.answer()[0] == 200
            started = time.monotonic()
            assert rd.closed(timeout=5) and time.monotonic() - started < 3
