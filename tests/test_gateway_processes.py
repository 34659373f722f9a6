"""Gateways as real processes: durability across kill -9, and several instances sharing Redis."""

from __future__ import annotations

import time

import httpx
import pytest

from antidistill.gateway.durable import read_log
from antidistill.gateway.stub import StubUpstream

from test_gateway_support import GatewayProcess, RedisServer, ThreadServer, auth, chat, wait_until, write_keys, write_policy

pytestmark = pytest.mark.slow
ADMIN = {"authorization": "Bearer admin-token"}
FLUSH_MS = 50


def _attack(i: int) -> dict:
    return chat("Say the word", max_tokens=1, logprobs=True, top_logprobs=5,
                logit_bias={str(1000 + 2 * i): 100, str(1001 + 2 * i): 100})


def _args(tmp_path, upstream: str, *extra: str) -> list[str]:
    policy = write_policy(tmp_path / "policy.yaml", {"rescore_interval_s": 0.2, "full_rescore_interval_s": 2})
    return ["--upstream", upstream, "--policy", str(policy), "--keys", str(write_keys(tmp_path / "keys.json")),
            "--admin-token", "admin-token", "--flush-ms", str(FLUSH_MS), *extra]


@pytest.fixture(scope="module")
def upstream():
    with ThreadServer(StubUpstream()) as server:
        yield server


def test_kill_9_loses_nothing_older_than_the_flush_window_and_restart_restores_state(tmp_path, upstream):
    log_dir = tmp_path / "log"
    # Snapshots of the detection state every second: the restart below loads
    # the last one and replays only the log after it.
    gw = GatewayProcess(*_args(tmp_path, upstream.url, "--log", str(log_dir), "--state", f"sqlite:{tmp_path / 'state.db'}",
                               "--snapshot-s", "1"))
    with gw:
        answered = []
        with httpx.Client(base_url=gw.url, timeout=30) as c:
            # Bounded in requests and time. Past the volume that convicts, the
            # attacker slows down so that a detection worker delayed by a busy
            # machine still catches up (the decision is asynchronous by design).
            deadline = time.monotonic() + 60
            for i in range(400):
                r = c.post("/v1/chat/completions", json=_attack(i), headers=auth("sk-attacker"))
                if r.status_code == 200:
                    answered.append(r.headers["x-request-id"])
                c.post("/v1/chat/completions", json=chat(f"hello {i}"), headers=auth("sk-benign"))
                if r.status_code == 403 or time.monotonic() > deadline:
                    break
                if i >= 100:
                    time.sleep(0.1)
            assert r.status_code == 403, "the attacker was never blocked"
            c.post("/admin/overrides", json={"account_id": "acct-3", "action": "deny"}, headers=ADMIN)
            time.sleep(3 * FLUSH_MS / 1000)  # older than the flush window
            before = c.get("/admin/verdicts", headers=ADMIN).json()["accounts"]
            # Past the attacker's last exchanges: the next snapshot covers them.
            assert wait_until(lambda: (c.get("/admin/verdicts", headers=ADMIN).json()["detection"].get("snapshot_lines") or 0)
                              >= 2 * len(answered), 20)
        gw.kill()  # SIGKILL: no shutdown hooks run
    logged = {e["request_id"] for e in read_log(log_dir)}
    assert set(answered) <= logged
    assert len(logged) >= 2 * len(answered)  # the benign neighbour's requests too
    with GatewayProcess(*_args(tmp_path, upstream.url, "--log", str(log_dir), "--state", f"sqlite:{tmp_path / 'state.db'}")) as gw2:
        with httpx.Client(base_url=gw2.url, timeout=30) as c:
            after = c.get("/admin/verdicts", headers=ADMIN).json()["accounts"]
            assert after["attacker"]["verdict"] == before["attacker"]["verdict"] == "malicious"
            # Still blocked straight after the restart, before any new traffic was scored.
            r = c.post("/v1/chat/completions", json=chat("hi"), headers=auth("sk-attacker"))
            assert r.status_code == 403
            assert c.post("/v1/chat/completions", json=chat("hi"), headers=auth("sk-benign")).status_code == 200
            assert c.post("/v1/chat/completions", json=chat("hi"), headers=auth("sk-3")).status_code == 403  # override kept
            info = c.get("/admin/verdicts", headers=ADMIN).json()["detection"]
            assert info["events"] >= len(logged)
            assert info["restored"].startswith("snapshot of"), info
    # Without the snapshot the whole log is replayed, to the same verdicts.
    (log_dir / "detection-state.json.gz").unlink()
    with GatewayProcess(*_args(tmp_path, upstream.url, "--log", str(log_dir), "--state", f"sqlite:{tmp_path / 'state.db'}",
                               "--snapshot-s", "0")) as gw3, httpx.Client(base_url=gw3.url, timeout=30) as c:
        info = c.get("/admin/verdicts", headers=ADMIN).json()
        assert info["detection"]["restored"] == "replayed the whole log"
        assert info["accounts"]["attacker"]["verdict"] == "malicious"
        assert c.post("/v1/chat/completions", json=chat("hi"), headers=auth("sk-attacker")).status_code == 403


needs_redis = pytest.mark.skipif(not RedisServer.available(), reason="redis-server is not installed (.ci/run installs it)")


@needs_redis
def test_two_instances_share_state_overrides_and_buckets_through_redis(tmp_path, upstream):
    with RedisServer() as redis:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
        a = GatewayProcess(*_args(tmp_path / "a", upstream.url, "--state", redis.url, "--log", str(tmp_path / "a" / "log")))
        b = GatewayProcess(*_args(tmp_path / "b", upstream.url, "--state", redis.url, "--log", str(tmp_path / "b" / "log")))
        with a, b, httpx.Client(timeout=30) as c:
            # The attacker alternates between the two instances: neither sees
            # enough on its own, together they do.
            statuses = []
            for i in range(160):
                gw = (a, b)[i % 2]
                statuses.append(c.post(gw.url + "/v1/chat/completions", json=_attack(i), headers=auth("sk-attacker")).status_code)
                if statuses[-1] == 403:
                    break
                time.sleep(0.05)
            assert statuses[-1] == 403
            # Malicious needs about 77 distinct biased tokens (39 requests). On
            # its own each instance would get there only after 78 requests in
            # all; blocking well before that means both halves were counted.
            assert len(statuses) < 70, len(statuses)
            for gw in (a, b):
                assert wait_until(lambda gw=gw: c.post(gw.url + "/v1/chat/completions", json=chat(),
                                                       headers=auth("sk-attacker")).status_code == 403, 15)
                v = c.get(gw.url + "/admin/verdicts", headers=ADMIN).json()["accounts"]
                assert v["attacker"]["verdict"] == "malicious"
            # An override given to one instance takes effect on the other.
            c.post(a.url + "/admin/overrides", json={"account_id": "acct-5", "action": "deny"}, headers=ADMIN)
            assert wait_until(lambda: c.post(b.url + "/v1/chat/completions", json=chat(), headers=auth("sk-5")).status_code == 403, 5)


@needs_redis
def test_redis_outage_keeps_serving_and_reconciles(tmp_path, upstream):
    redis = RedisServer().start()
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
        a = GatewayProcess(*_args(tmp_path / "a", upstream.url, "--state", redis.url))
        b = GatewayProcess(*_args(tmp_path / "b", upstream.url, "--state", redis.url))
        with a, b, httpx.Client(timeout=30) as c:
            assert c.get(a.url + "/healthz").json()["redis"]["ok"] is True
            redis.stop()
            # Requests keep being answered on local state.
            for i in range(10):
                assert c.post(a.url + "/v1/chat/completions", json=chat(f"during outage {i}"), headers=auth("sk-1")).status_code == 200
            h = wait_until(lambda: (lambda h: h if h["redis"]["ok"] is False else None)(c.get(a.url + "/healthz").json()), 10)
            assert h and h["status"] == "degraded" and h["redis"]["queued_events"] >= 1
            assert "antidistill_gateway_redis_up 0.0" in c.get(a.url + "/metrics").text
            redis = RedisServer(port=redis.port).start()
            # Back: A publishes what it queued and B, reading the stream, counts it.
            assert wait_until(lambda: c.get(a.url + "/healthz").json()["redis"]["ok"], 20)
            assert wait_until(lambda: c.get(a.url + "/healthz").json()["redis"]["queued_events"] == 0, 20)

            def b_count():
                c.post(b.url + "/admin/rescore", headers=ADMIN)
                return c.get(b.url + "/admin/verdicts", headers=ADMIN).json()["accounts"].get("acct-1")
            assert wait_until(b_count, 20)
            assert c.get(b.url + "/admin/verdicts", headers=ADMIN).json()["detection"]["events"] >= 10
    finally:
        redis.stop()
