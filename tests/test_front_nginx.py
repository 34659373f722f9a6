"""``antidistill gateway --front nginx``: a real nginx in front, started by the gateway process these tests start.

What nginx serves itself (plain valid requests of accounts it may serve,
block, throttle, upstream faults) must answer and log as the Python path
does; what it cannot judge (bodies it is not sure are valid, degrade, ...)
must reach the Python path unchanged.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from test_gateway_support import GatewayProcess, RedisServer, ThreadServer, auth, chat, free_port, wait_until, write_keys, write_policy
from test_gateway_validate import mutated_requests

from antidistill.events.validate import flatten_event
from antidistill.gateway.actions import Refused
from antidistill.gateway.app import _check
from antidistill.gateway.durable import read_log
from antidistill.gateway.front import nginx_binary
from antidistill.gateway.stub import StubUpstream

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(nginx_binary() is None, reason="nginx with its Lua module is not installed "
                                                      "(Debian: nginx libnginx-mod-http-lua lua-cjson; .ci/run installs them)"),
]
ADMIN = {"authorization": "Bearer admin-token"}
FLUSH_MS = 20


def front(tmp_path, upstream: str, actions: dict | None = None, *extra: str) -> GatewayProcess:
    policy = write_policy(tmp_path / "policy.yaml", {"rescore_interval_s": 0.1, **(actions or {})})
    return GatewayProcess("--front", "nginx", "--upstream", upstream, "--policy", str(policy),
                          "--keys", str(write_keys(tmp_path / "keys.json")), "--admin-token", "admin-token",
                          "--log", str(tmp_path / "log"), "--flush-ms", str(FLUSH_MS), *extra)


def logged(tmp_path, n: int, timeout: float = 15) -> list[dict]:
    got = wait_until(lambda: (lambda ev: ev if len(ev) >= n else None)(list(read_log(tmp_path / "log"))), timeout)
    return got or list(read_log(tmp_path / "log"))


@pytest.fixture(scope="module")
def stub():
    with ThreadServer(StubUpstream()) as server:
        yield server


def test_nginx_proxies_and_every_exchange_is_logged_in_spec_format(tmp_path, stub):
    with front(tmp_path, stub.url) as gw, httpx.Client(base_url=gw.url, timeout=30) as c:
        ids = []
        for i in range(40):
            r = c.post("/v1/chat/completions", json=chat(f"hi {i}", logprobs=True, top_logprobs=2),
                       headers={**auth(f"sk-{i % 3}"), "user-agent": "tester/1"})
            assert r.status_code == 200 and r.headers["server"] == "nginx"
            assert r.json()["choices"][0]["message"]["content"].startswith("The quick answer")
            ids.append(r.headers["x-request-id"])
        r = c.post("/v1/completions", json={"model": "m", "prompt": "Once upon", "max_tokens": 3}, headers=auth("sk-2"))
        assert r.json()["choices"][0]["text"] == "The quick answer"
        ids.append(r.headers["x-request-id"])
        r = c.post("/v1/predict", json={"instances": [[2.0, 1.0], [-3.0, 0.5]]}, headers=auth("sk-1"))
        assert [p["label"] for p in r.json()["predictions"]] == [1, 0]
        ids.append(r.headers["x-request-id"])
        # Lines nginx cannot copy as they are (a key given twice, a user agent
        # that is not ASCII): Python writes them, in the same order.
        r = c.post("/v1/chat/completions", content=b'{"model": "a", "model": "b", "messages": [{"role": "user", "content": "x"}]}',
                   headers={**auth("sk-1"), "user-agent": "t\xe9ster".encode("latin-1")})
        assert r.status_code == 200
        ids.append(r.headers["x-request-id"])
        assert c.get("/v1/models", headers=auth("sk-1")).json()["data"][0]["id"] == "stub-1"  # through Python
        events = logged(tmp_path, len(ids))
        health = c.get("/healthz").json()
    assert [e["request_id"] for e in events] == ids  # complete, once each, in order
    assert events[-1]["request"]["model"] == "b" and events[-1]["user_agent"] == "t\xe9ster"
    # scan reads the log (its DuckDB loader refuses repeated keys): nothing quarantined
    out = tmp_path / "scan"
    subprocess.run([sys.executable, "-c", "from antidistill.cli import app; app()", "scan", *map(str, sorted((tmp_path / "log").glob("events-*.jsonl"))),
                    "--out", str(out)], check=True, capture_output=True)
    assert (out / "quarantine.jsonl").read_text() == ""
    first = events[0]
    assert first["account_id"] == "acct-0" and first["client_ip"] == "127.0.0.1" and first["user_agent"] == "tester/1"
    assert first["request"]["messages"][0]["content"] == "hi 0" and first["status"] == 200
    assert first["response"]["choices"][0]["logprobs"]["content"] and first["latency_ms"] > 0
    assert events[-2]["endpoint"] == "/v1/predict" and events[-2]["response"]["predictions"][0]["label"] == 1
    for e in events:
        flatten_event(e, None, None)  # each line passes the contract's own check
    assert health["front"]["nginx"] and health["front"]["records_failed"] == 0


def test_an_sse_stream_passes_through_and_is_logged_whole(tmp_path, stub):
    body = chat("stream please", stream=True, max_tokens=5, logprobs=True)
    direct = httpx.post(stub.url + "/v1/chat/completions", json=body).content
    with front(tmp_path, stub.url) as gw, httpx.Client(base_url=gw.url, timeout=30) as c:
        chunks = []
        with c.stream("POST", "/v1/chat/completions", json=body, headers=auth("sk-1")) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            rid = r.headers["x-request-id"]
            chunks.extend(r.iter_raw())
        events = logged(tmp_path, 1)
    relayed = b"".join(chunks)
    strip = lambda b: [orjson.loads(x[6:]) | {"created": 0} for x in b.split(b"\n\n") if x.startswith(b"data: {")]  # noqa: E731
    assert strip(relayed) == strip(direct) and relayed.endswith(b"data: [DONE]\n\n")
    assert events[0]["request_id"] == rid
    resp = events[0]["response"]
    assert resp["choices"][0]["message"]["content"] == "The quick answer is that"
    assert len(resp["choices"][0]["logprobs"]["content"]) == 5 and resp["usage"]["completion_tokens"] == 5
    flatten_event(events[0], None, None)


def test_nginx_throttles_and_blocks_from_the_table_and_overrides_act_at_once(tmp_path, stub):
    actions = {"verdicts": {"benign": ["throttle"]}, "throttle": {"rate_per_s": 2.0, "burst": 3}}
    with front(tmp_path, stub.url, actions) as gw, httpx.Client(base_url=gw.url, timeout=30) as c:
        post = lambda key="sk-1": c.post("/v1/chat/completions", json=chat(), headers=auth(key))  # noqa: E731
        post()  # the account gets a verdict, and a throttle entry in nginx's table
        assert wait_until(lambda: c.get("/admin/accounts/acct-1", headers=ADMIN).json()["actions"] == ["throttle"], 15)
        time.sleep(2)  # a full bucket
        codes = [post().status_code for _ in range(8)]
        assert codes[:3] == [200, 200, 200] and 429 in codes
        r = next(r for r in (post() for _ in range(3)) if r.status_code == 429)
        assert r.headers["server"] == "nginx" and int(r.headers["retry-after"]) >= 1
        assert r.json()["error"]["code"] == "antidistill_throttled"
        assert post("sk-2").status_code == 200  # its own bucket
        time.sleep(1.1)
        assert post().status_code == 200  # refilled
        # Overrides: effective for the very next request.
        assert c.post("/admin/overrides", json={"account_id": "acct-1", "action": "deny"}, headers=ADMIN).status_code == 200
        r = post()
        assert r.status_code == 403 and r.json()["error"]["source"] == "deny-list" and r.headers["server"] == "nginx"
        c.post("/admin/overrides", json={"account_id": "acct-1", "action": "allow"}, headers=ADMIN)
        assert [post().status_code for _ in range(6)] == [200] * 6
        events = logged(tmp_path, 22)
        metrics = c.get("/metrics").text
    throttled = [e for e in events if e["status"] == 429]
    blocked = [e for e in events if e["status"] == 403]
    assert throttled and throttled[0]["gateway"]["actions"] == ["throttle"] and throttled[0]["response"] is None
    assert blocked[0]["gateway"]["gen_ai.security.decision.reason"] == "admin deny-list"
    assert blocked[0]["gateway"]["gen_ai.security.decision.type"] == "deny"
    assert events[-1]["gateway"]["gen_ai.security.policy.name"] == "allow-list"
    assert 'antidistill_gateway_actions_total{action="throttle",dry_run="false"}' in metrics


def test_online_detection_blocks_an_attacker_at_nginx(tmp_path, stub):
    with front(tmp_path, stub.url) as gw, httpx.Client(base_url=gw.url, timeout=30) as c:
        deadline = time.monotonic() + 60
        for i in range(400):
            r = c.post("/v1/chat/completions", json=chat("Say the word", max_tokens=1, logprobs=True, top_logprobs=5,
                                                         logit_bias={str(1000 + 2 * i): 100, str(1001 + 2 * i): 100}),
                       headers=auth("sk-attacker"))
            assert c.post("/v1/chat/completions", json=chat(f"hello {i}"), headers=auth("sk-benign")).status_code == 200
            if r.status_code == 403 or time.monotonic() > deadline:
                break
            if i >= 100:
                time.sleep(0.05)
        assert r.status_code == 403 and r.headers["server"] == "nginx"
        assert r.json()["error"]["verdict"] == "malicious"


def test_degrade_is_served_by_the_python_path(tmp_path):
    s = StubUpstream()
    with ThreadServer(s) as up, front(tmp_path, up.url, {"verdicts": {"benign": ["degrade"]}}) as gw, \
            httpx.Client(base_url=gw.url, timeout=30) as c:
        c.post("/v1/chat/completions", json=chat(), headers=auth("sk-1"))
        assert wait_until(lambda: c.get("/admin/accounts/acct-1", headers=ADMIN).json()["actions"] == ["degrade"], 15)
        r = c.post("/v1/chat/completions", json=chat("x", logprobs=True, top_logprobs=5, logit_bias={"123": 100}, n=4),
                   headers=auth("sk-1"))
        assert r.status_code == 200 and r.headers["x-antidistill-actions"] == "degrade"
        sent = s.requests[-1]
        assert "logprobs" not in sent and "logit_bias" not in sent and sent["n"] == 1
        events = logged(tmp_path, 2)
    assert events[-1]["client_ip"] == "127.0.0.1"  # nginx passed the client's address on
    assert "stripped logit_bias" in events[-1]["gateway"]["changes"]


def test_bad_input_gets_the_python_paths_answers(tmp_path):
    s = StubUpstream()
    with ThreadServer(s) as up, front(tmp_path, up.url, {"max_body_bytes": 2000}) as gw, \
            httpx.Client(base_url=gw.url, timeout=30) as c:
        r = c.post("/v1/chat/completions", content=b"{not json", headers=auth("sk-1"))
        assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]
        r = c.post("/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": 5}]}, headers=auth("sk-1"))
        assert r.status_code == 400 and r.json()["error"]["param"] == "request.messages[0].content"
        r = c.post("/v1/chat/completions", content=b'{"messages": [], "max_tokens": 1.0}', headers=auth("sk-1"))
        assert r.status_code == 400 and r.json()["error"]["param"] == "request.max_tokens"
        r = c.post("/v1/chat/completions", json=chat("x" * 5000), headers=auth("sk-1"))
        assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
        assert "5" in r.json()["error"]["message"]  # the declared size, as Python says it

        def chunks():
            yield b'{"messages": [{"role": "user", "content": "'
            yield b"y" * 5000
            yield b'"}]}'

        r = c.post("/v1/chat/completions", content=chunks(), headers=auth("sk-1"))
        assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
        r = c.post("/v1/chat/completions", json=chat("x" * 5000), headers=auth("sk-nobody"))
        assert r.status_code == 401  # who is asking comes first, as in Python
        assert c.post("/v1/chat/completions", json=chat(), headers=auth("sk-nobody")).status_code == 401
        assert c.get("/v1/chat/completions", headers=auth("sk-1")).status_code == 405
        assert s.requests == []  # nothing refused reached the model


def test_nginx_serves_only_what_the_contract_accepts(tmp_path):
    """Mutated requests of every endpoint: through the front, refused exactly when the contract's check refuses them."""
    s = StubUpstream()
    no_actions = {"verdicts": {}, "tactics": {}}  # this traffic looks like an attack; only the contract is tested here
    with ThreadServer(s) as up, front(tmp_path, up.url, no_actions) as gw, httpx.Client(base_url=gw.url, timeout=30) as c:

        @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
        @given(mutated_requests())
        def check(case):
            endpoint, body = case
            r = c.post(endpoint, content=orjson.dumps(body), headers=auth("sk-1"))
            try:
                _check(endpoint, body)
            except Refused as exc:
                assert (r.status_code, r.json()) == (exc.status, exc.body()), (endpoint, body)
            else:  # served (the stub fails on some odd predict instances: its 500 is passed on)
                assert r.status_code in (200, 500), (endpoint, body, r.text)

        check()
        # Spellings cjson reads alike but the contract does not take: Python decides them.
        for raw, want in ((b'{"messages": [], "n": 2.0}', 400), (b'{"messages": [], "n": 2e0}', 400),
                          (b'{"messages": [], "n": 2}', 200), (b'{"prompt": "a", "logprobs": 1.5}', 400),
                          (b'{"messages": {}}', 400), (b'{"messages": []}', 200), (b'{"instances": {}}', 400),
                          (b'{"messages": [], "temperature": 1.}', 400), (b'{"messages": [{"role": "u\\ud800"}]}', 400),
                          (b'{"messages": [{"role": "user", "content": "\xff"}]}', 400),
                          (b'{"messages": [{"role": "user", "content": "caf\xc3\xa9"}]}', 200)):
            path = "/v1/completions" if b"prompt" in raw else "/v1/predict" if b"instances" in raw else "/v1/chat/completions"
            assert c.post(path, content=raw, headers=auth("sk-1")).status_code == want, raw


def test_upstream_down_is_502_and_slow_is_504(tmp_path):
    (tmp_path / "down").mkdir()
    with front(tmp_path / "down", f"http://127.0.0.1:{free_port()}") as gw, httpx.Client(base_url=gw.url, timeout=30) as c:
        r = c.post("/v1/chat/completions", json=chat(), headers=auth("sk-1"))
        assert r.status_code == 502 and r.json()["error"]["code"] == "upstream_unreachable"
        r = c.post("/v1/chat/completions", json=chat(stream=True), headers=auth("sk-1"))
        assert r.status_code == 502 and r.json()["error"]["code"] == "upstream_unreachable"
        events = logged(tmp_path / "down", 2)
        assert [e["status"] for e in events] == [502, 502] and events[0]["response"] is None
    (tmp_path / "slow").mkdir()
    with ThreadServer(StubUpstream(delay_s=2.0)) as up, \
            front(tmp_path / "slow", up.url, None, "--upstream-timeout", "0.3") as gw, httpx.Client(base_url=gw.url, timeout=30) as c:
        started = time.monotonic()
        r = c.post("/v1/chat/completions", json=chat(), headers=auth("sk-1"))
        assert r.status_code == 504 and r.json()["error"]["code"] == "upstream_timeout"
        assert time.monotonic() - started < 1.5
    with ThreadServer(StubUpstream(fail_status=500)) as up, front(tmp_path, up.url) as gw:
        r = httpx.post(gw.url + "/v1/chat/completions", json=chat(), headers=auth("sk-1"))
        assert r.status_code == 500 and r.json()["error"]["message"] == "stub failure"


def test_kill_9_of_the_gateway_loses_no_exchange_and_a_restart_writes_none_twice(tmp_path, stub):
    rotate = ("--front-rotate-mb", "0.02")  # nginx starts a new record file every ~20 KB: a few times here
    gw = front(tmp_path, stub.url, None, *rotate)
    with gw, httpx.Client(base_url=gw.url, timeout=30) as c:
        ids = []
        for i in range(300):
            ids.append(c.post("/v1/chat/completions", json=chat(f"a {i}"), headers=auth("sk-1")).headers["x-request-id"])
            if i == 150:  # all logged so far, and the record file was renewed on the way
                assert wait_until(lambda: len(list(read_log(tmp_path / "log"))) == len(ids), 10)
        os.kill(gw.proc.pid, signal.SIGKILL)  # the Python process only: nginx follows it down by itself
        gw.proc.wait(timeout=10)
    assert wait_until(lambda: not any(_nginx_of(tmp_path)), 10)
    with front(tmp_path, stub.url, None, *rotate) as gw2, httpx.Client(base_url=gw2.url, timeout=30) as c:
        ids.append(c.post("/v1/chat/completions", json=chat("after"), headers=auth("sk-1")).headers["x-request-id"])
        events = logged(tmp_path, len(ids))
        assert wait_until(lambda: not (tmp_path / "log" / "front-records.old.jsonl").exists(), 10)
    got = [e["request_id"] for e in events]
    assert sorted(got) == sorted(ids)  # every answered exchange, none twice
    assert (tmp_path / "log" / "front-records.jsonl").stat().st_size < 60_000  # renewed, not grown


def _nginx_of(tmp_path) -> list[int]:
    """nginx processes writing this test's records (the front's master and workers)."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if open(f"/proc/{pid}/comm").read().strip() == "nginx":
                fds = os.listdir(f"/proc/{pid}/fd")
                if any(os.readlink(f"/proc/{pid}/fd/{fd}").startswith(str(tmp_path)) for fd in fds):
                    out.append(int(pid))
        except OSError:
            continue
    return out


@pytest.mark.skipif(not RedisServer.available(), reason="redis-server is not installed (.ci/run installs it)")
def test_two_fronts_share_detection_and_overrides_through_redis(tmp_path, stub):
    with RedisServer() as redis:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
        a, b = (front(tmp_path / name, stub.url, None, "--state", redis.url) for name in ("a", "b"))
        with a, b, httpx.Client(timeout=30) as c:
            # The attacker alternates between the two: each front's lines reach
            # the other's detection through Redis, so both halves count.
            statuses = []
            for i in range(160):
                r = c.post((a, b)[i % 2].url + "/v1/chat/completions", headers=auth("sk-attacker"),
                           json=chat("Say the word", max_tokens=1, logprobs=True, top_logprobs=5,
                                     logit_bias={str(1000 + 2 * i): 100, str(1001 + 2 * i): 100}))
                statuses.append(r.status_code)
                if r.status_code == 403:
                    break
                time.sleep(0.05)
            assert statuses[-1] == 403 and len(statuses) < 70, statuses
            for gw in (a, b):
                assert wait_until(lambda gw=gw: c.post(gw.url + "/v1/chat/completions", json=chat(),
                                                       headers=auth("sk-attacker")).status_code == 403, 15)
            c.post(a.url + "/admin/overrides", json={"account_id": "acct-5", "action": "deny"}, headers=ADMIN)
            assert wait_until(lambda: c.post(b.url + "/v1/chat/completions", json=chat(), headers=auth("sk-5")).status_code == 403, 5)
            r = c.post(b.url + "/v1/chat/completions", json=chat(), headers=auth("sk-5"))
            assert r.headers["server"] == "nginx" and r.json()["error"]["source"] == "deny-list"
