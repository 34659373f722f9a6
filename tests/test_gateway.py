"""The gateway in front of a stub upstream: proxying, streaming, every action, faults."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest

from antidistill.events.validate import flatten_event
from antidistill.gateway.app import GatewayConfig, build_app
from antidistill.gateway.durable import read_log
from antidistill.gateway.server import GatewayProtocol
from antidistill.gateway.stub import StubUpstream

from test_gateway_support import ThreadServer, auth, chat, free_port, wait_until, write_keys, write_policy

ADMIN = {"authorization": "Bearer admin-token"}


class Rig:
    """A stub upstream and a gateway in front of it, both in this process.

    The gateway runs on its own HTTP protocol, as ``antidistill gateway`` runs
    it; ``http="auto"`` runs it on uvicorn's, through the plain ASGI interface.
    """

    def __init__(self, tmp_path, actions: dict | None = None, stub: StubUpstream | None = None, upstream: str | None = None,
                 http=GatewayProtocol, server: dict | None = None, **cfg) -> None:
        self.http = http
        self.server_config = server or {}
        self.stub = stub or StubUpstream()
        self.tmp = tmp_path
        policy = write_policy(tmp_path / "policy.yaml", {"rescore_interval_s": 0.1, **(actions or {})})
        self.upstream_server = ThreadServer(self.stub) if upstream is None else None
        self._upstream = upstream
        self.cfg = dict(policy_path=str(policy), keys_file=str(write_keys(tmp_path / "keys.json")), log_dir=str(tmp_path / "log"),
                        admin_token="admin-token", detection="thread", flush_ms=10, **cfg)

    def __enter__(self):
        if self.upstream_server:
            self.upstream_server.__enter__()
        upstream = self._upstream or self.upstream_server.url
        self.app = build_app(GatewayConfig(upstream=upstream, **self.cfg))
        self.gw = self.app.state.gateway
        self.server = ThreadServer(self.app, http=self.http, **self.server_config).__enter__()
        self.client = httpx.Client(base_url=self.server.url, timeout=30)
        return self

    def __exit__(self, *exc):
        self.client.close()
        self.server.__exit__(*exc)
        if self.upstream_server:
            self.upstream_server.__exit__(*exc)

    def post(self, path, body, key="sk-1", **kw):
        return self.client.post(path, json=body, headers=auth(key), **kw)

    def logged(self, n: int) -> list[dict]:
        self.gw.log.flush()
        return wait_until(lambda: (lambda ev: ev if len(ev) >= n else None)(list(read_log(self.tmp / "log"))), 10) or list(read_log(self.tmp / "log"))


@pytest.mark.parametrize("http", [GatewayProtocol, "auto"], ids=["own-protocol", "asgi"])
def test_chat_completion_is_proxied_and_logged_in_spec_format(tmp_path, http):
    with Rig(tmp_path, http=http) as rig:
        r = rig.post("/v1/chat/completions", chat("hi there", logprobs=True, top_logprobs=2))
        assert r.status_code == 200
        body = r.json()
        assert body["choices"][0]["message"]["content"].startswith("The quick answer")
        assert body["choices"][0]["logprobs"]["content"]
        rid = r.headers["x-request-id"]
        r2 = rig.post("/v1/completions", {"model": "m", "prompt": "Once upon", "max_tokens": 3}, key="sk-2")
        assert r2.json()["choices"][0]["text"] == "The quick answer"
        events = rig.logged(2)
    assert [e["request_id"] for e in events][:1] == [rid]
    first = events[0]
    assert first["account_id"] == "acct-1" and first["client_ip"] == "127.0.0.1" and first["status"] == 200
    assert first["request"]["messages"][0]["content"] == "hi there"
    assert first["response"]["choices"][0]["logprobs"]
    for e in events:
        flatten_event(e, None, None)  # each line passes the contract's own check


@pytest.mark.parametrize("http", [GatewayProtocol, "auto"], ids=["own-protocol", "asgi"])
def test_sse_stream_is_relayed_byte_for_byte_and_logged_whole(tmp_path, http):
    with Rig(tmp_path, http=http) as rig:
        body = chat("stream please", stream=True, max_tokens=5, logprobs=True)
        direct = httpx.post(rig.upstream_server.url + "/v1/chat/completions", json=body).content
        chunks = []
        with rig.client.stream("POST", "/v1/chat/completions", json=body, headers=auth("sk-1")) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            for chunk in r.iter_raw():
                chunks.append(chunk)
        events = rig.logged(1)
    relayed = b"".join(chunks)
    # Identical except the per-second "created" stamp the stub puts in chunks.
    strip = lambda b: [orjson.loads(x[6:]) | {"created": 0} for x in b.split(b"\n\n") if x.startswith(b"data: {")]  # noqa: E731
    assert strip(relayed) == strip(direct)
    assert relayed.endswith(b"data: [DONE]\n\n")
    resp = events[0]["response"]
    assert resp["choices"][0]["message"]["content"] == "The quick answer is that"
    assert resp["choices"][0]["finish_reason"] == "length"
    assert len(resp["choices"][0]["logprobs"]["content"]) == 5
    assert resp["usage"]["completion_tokens"] == 5


def test_predict_and_models_pass_through(tmp_path):
    with Rig(tmp_path) as rig:
        r = rig.post("/v1/predict", {"instances": [[2.0, 1.0], [-3.0, 0.5]]})
        assert r.status_code == 200 and [p["label"] for p in r.json()["predictions"]] == [1, 0]
        m = rig.client.get("/v1/models", headers=auth("sk-1"))
        assert m.json()["data"][0]["id"] == "stub-1"
        assert rig.client.get("/v1/models").status_code == 401


def test_deny_list_blocks_at_once_with_a_json_reason_and_allow_list_wins(tmp_path):
    with Rig(tmp_path, {"verdicts": {"benign": ["block"]}}) as rig:
        # Every account is blocked by this policy...
        assert wait_until(lambda: rig.post("/v1/chat/completions", chat()).status_code == 403, 10)
        r = rig.post("/v1/chat/completions", chat())
        err = r.json()["error"]
        assert err["code"] == "antidistill_blocked" and err["verdict"] == "benign" and "request refused" in err["message"]
        # ...except an allow-listed one, from the next request on.
        assert rig.client.post("/admin/overrides", json={"account_id": "acct-1", "action": "allow"}, headers=ADMIN).status_code == 200
        assert rig.post("/v1/chat/completions", chat()).status_code == 200
        # A deny-list entry blocks an account the policy would serve.
        rig.client.post("/admin/overrides", json={"account_id": "acct-1", "action": "deny"}, headers=ADMIN)
        r = rig.post("/v1/chat/completions", chat())
        assert r.status_code == 403 and r.json()["error"]["source"] == "deny-list"
        assert rig.client.get("/admin/overrides", headers=ADMIN).json() == {"acct-1": "deny"}
        assert rig.client.get("/admin/overrides").status_code == 401
        events = rig.logged(3)
    blocked = [e for e in events if e["status"] == 403]
    assert blocked and blocked[-1]["gateway"]["gen_ai.security.decision.type"] == "deny"
    assert blocked[-1]["gateway"]["gen_ai.security.decision.reason"] == "admin deny-list"


def test_throttle_is_a_token_bucket_per_account(tmp_path):
    actions = {"verdicts": {"benign": ["throttle"]}, "throttle": {"rate_per_s": 2.0, "burst": 3}}
    with Rig(tmp_path, actions) as rig:
        rig.post("/v1/chat/completions", chat())  # first request: the account gets a verdict
        assert wait_until(lambda: "throttle" in rig.gw.decision("acct-1").actions, 10)
        codes = [rig.post("/v1/chat/completions", chat()).status_code for _ in range(8)]
        assert codes[:1] == [200] and 429 in codes
        r = next(r for r in (rig.post("/v1/chat/completions", chat()) for _ in range(3)) if r.status_code == 429)
        assert int(r.headers["retry-after"]) >= 1 and r.json()["error"]["code"] == "antidistill_throttled"
        # Another account has its own bucket.
        assert rig.post("/v1/chat/completions", chat(), key="sk-2").status_code == 200
        time.sleep(1.1)  # the bucket refills at 2 tokens per second
        assert rig.post("/v1/chat/completions", chat()).status_code == 200


def test_degrade_strips_logprobs_bias_and_n_and_makes_predictions_label_only(tmp_path):
    with Rig(tmp_path, {"verdicts": {"benign": ["degrade"]}}) as rig:
        rig.post("/v1/chat/completions", chat())
        assert wait_until(lambda: "degrade" in rig.gw.decision("acct-1").actions, 10)
        r = rig.post("/v1/chat/completions", chat("x", logprobs=True, top_logprobs=5, logit_bias={"123": 100}, n=4))
        assert r.status_code == 200
        sent = rig.stub.requests[-1]
        assert "logprobs" not in sent and "top_logprobs" not in sent and "logit_bias" not in sent and sent["n"] == 1
        assert r.json()["choices"][0]["logprobs"] is None and len(r.json()["choices"]) == 1
        p = rig.post("/v1/predict", {"instances": [[2.0, 1.0]]})
        assert p.json() == {"predictions": [{"label": 1}]}
        events = rig.logged(3)
    degraded = [e for e in events if e.get("gateway", {}).get("changes")]
    # The log keeps what the client asked for and what it was given.
    assert degraded[0]["request"]["logit_bias"] == {"123": 100}
    assert "stripped logit_bias" in degraded[0]["gateway"]["changes"]
    assert degraded[-1]["response"] == {"predictions": [{"label": 1}]}
    assert degraded[0]["gateway"]["gen_ai.security.decision.type"] == "modify"


def test_degrade_can_refuse_logit_bias(tmp_path):
    actions = {"verdicts": {"benign": ["degrade"]}, "degrade": {"logit_bias": "refuse"}}
    with Rig(tmp_path, actions) as rig:
        rig.post("/v1/chat/completions", chat())
        assert wait_until(lambda: "degrade" in rig.gw.decision("acct-1").actions, 10)
        r = rig.post("/v1/chat/completions", chat(logit_bias={"5": 1}))
        assert r.status_code == 400 and r.json()["error"]["code"] == "logit_bias_refused"
        assert rig.post("/v1/chat/completions", chat()).status_code == 200


def test_monitor_mode_is_a_dry_run_that_logs_what_it_would_do(tmp_path):
    with Rig(tmp_path, {"mode": "monitor", "verdicts": {"benign": ["block"]}}) as rig:
        rig.post("/v1/chat/completions", chat())
        assert wait_until(lambda: "block" in rig.gw.decision("acct-1").actions, 10)
        assert rig.post("/v1/chat/completions", chat()).status_code == 200
        events = rig.logged(2)
        metrics = rig.client.get("/metrics").text
    audit = [e for e in events if "gateway" in e]
    assert audit and audit[-1]["gateway"]["dry_run"] is True
    assert audit[-1]["gateway"]["gen_ai.security.decision.type"] == "audit"
    assert 'antidistill_gateway_actions_total{action="block",dry_run="true"}' in metrics


def test_watermark_is_requested_from_the_upstream(tmp_path):
    with Rig(tmp_path, {"verdicts": {"benign": ["watermark"]}}) as rig:
        rig.post("/v1/chat/completions", chat())
        assert wait_until(lambda: "watermark" in rig.gw.decision("acct-1").actions, 10)
        before = rig.stub.watermarked
        assert rig.post("/v1/chat/completions", chat()).status_code == 200
        assert rig.stub.watermarked == before + 1


def test_policy_reload_without_restart(tmp_path):
    with Rig(tmp_path) as rig:
        assert rig.post("/v1/chat/completions", chat()).status_code == 200
        write_policy(tmp_path / "policy.yaml", {"verdicts": {"benign": ["block"]}})
        r = rig.client.post("/admin/reload", headers=ADMIN)
        assert r.status_code == 200
        assert wait_until(lambda: rig.post("/v1/chat/completions", chat()).status_code == 403, 10)
        (tmp_path / "policy.yaml").write_text("verdicts: [")
        bad = rig.client.post("/admin/reload", headers=ADMIN)
        assert bad.status_code == 400 and "not valid YAML" in bad.json()["error"]["message"]
        assert rig.post("/v1/chat/completions", chat()).status_code == 403  # the old policy stays


def test_online_detection_blocks_a_logit_extraction_attacker_and_serves_the_neighbour(tmp_path):
    with Rig(tmp_path) as rig:
        statuses = []
        for i in range(150):
            body = chat("Say the word", max_tokens=1, logprobs=True, top_logprobs=5,
                        logit_bias={str(1000 + 2 * i): 100, str(1001 + 2 * i): 100})
            statuses.append(rig.post("/v1/chat/completions", body, key="sk-attacker").status_code)
            rig.post("/v1/chat/completions", chat(f"Is review {i} positive?", max_tokens=1, logprobs=True,
                                                  logit_bias={"9642": 100, "2822": 100}), key="sk-benign")
            if statuses[-1] == 403:
                break
            time.sleep(0.02)
        assert statuses[-1] == 403, statuses[-20:]
        assert statuses[0] == 200
        verdicts = rig.client.get("/admin/verdicts", headers=ADMIN).json()["accounts"]
        assert verdicts["attacker"]["verdict"] == "malicious" and "logit-extraction" in verdicts["attacker"]["tactics"]
        assert verdicts["benign-user"]["verdict"] == "benign"
        assert rig.post("/v1/chat/completions", chat("hello", max_tokens=1, logprobs=True,
                                                     logit_bias={"9642": 100}), key="sk-benign").status_code == 200


def test_detector_error_fails_open_or_closed_as_the_policy_says(tmp_path):
    import yaml

    for mode, expect in (("open", 200), ("closed", 403)):
        d = tmp_path / mode
        d.mkdir()
        policy = write_policy(d / "broken.yaml", {"fail_mode": mode, "rescore_interval_s": 0.1})
        raw = yaml.safe_load(policy.read_text())
        raw["detectors"]["logit-extraction"]["distinct_bias_tokens_scale"] = "not-a-number"  # breaks scoring
        policy.write_text(yaml.safe_dump(raw, allow_unicode=True))
        with Rig(d, {"fail_mode": mode}) as rig:
            rig.gw.config.policy_path = str(policy)  # switched to at run time, as an operator would
            rig.client.post("/admin/reload", headers=ADMIN)
            rig.post("/v1/chat/completions", chat(logit_bias={"7": 5}, logprobs=True))
            assert wait_until(lambda: rig.gw.detector_failed, 15)
            r = rig.post("/v1/chat/completions", chat())
            assert r.status_code == expect, (mode, r.text)
            health = rig.client.get("/healthz").json()
            assert health["detectors_ok"] is False and health["status"] == "degraded"
            if expect == 403:
                assert r.json()["error"]["source"] == "fail-closed"


@pytest.mark.parametrize("http", [GatewayProtocol, "auto"], ids=["own-protocol", "asgi"])
def test_bad_input_is_refused_with_the_problem_named(tmp_path, http):
    with Rig(tmp_path, {"max_body_bytes": 2000}, http=http) as rig:
        r = rig.client.post("/v1/chat/completions", content=b"{not json", headers=auth("sk-1"))
        assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]
        r = rig.post("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": 5}]})
        assert r.status_code == 400 and r.json()["error"]["param"] == "request.messages[0].content"
        r = rig.post("/v1/chat/completions", {"model": "m"})
        assert r.status_code == 400 and "request.messages" in r.json()["error"]["message"]
        r = rig.post("/v1/chat/completions", chat(logit_bias={"abc": 1}))
        assert r.status_code == 400 and "token id" in r.json()["error"]["message"]
        r = rig.post("/v1/chat/completions", chat("x" * 5000))
        assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
        r = rig.post("/v1/chat/completions", chat(), key="sk-nobody")
        assert r.status_code == 401
        # Refused requests never reached the upstream.
        assert rig.stub.requests == []


def test_upstream_down_is_502_and_slow_is_504(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    (tmp_path / "down").mkdir()
    with Rig(tmp_path / "down", upstream=dead) as rig:
        r = rig.post("/v1/chat/completions", chat())
        assert r.status_code == 502 and r.json()["error"]["code"] == "upstream_unreachable"
        r = rig.post("/v1/chat/completions", chat(stream=True))
        assert r.status_code == 502
        events = rig.logged(1)
        assert events[0]["status"] == 502 and events[0]["response"] is None
    (tmp_path / "slow").mkdir()
    with Rig(tmp_path / "slow", stub=StubUpstream(delay_s=2.0), read_timeout_s=0.3) as rig:
        started = time.monotonic()
        r = rig.post("/v1/chat/completions", chat())
        assert r.status_code == 504 and r.json()["error"]["code"] == "upstream_timeout"
        assert time.monotonic() - started < 1.5


def test_upstream_errors_are_passed_on_with_their_status(tmp_path):
    with Rig(tmp_path, stub=StubUpstream(fail_status=500)) as rig:
        r = rig.post("/v1/chat/completions", chat())
        assert r.status_code == 500 and r.json()["error"]["message"] == "stub failure"


def test_health_and_metrics(tmp_path):
    with Rig(tmp_path) as rig:
        rig.post("/v1/chat/completions", chat())
        h = rig.client.get("/healthz").json()
        assert h["status"] == "ok" and h["detection_worker"] is True and h["log"]["flush_ms"] == 10
        m = rig.client.get("/metrics").text
        assert 'antidistill_gateway_requests_total{endpoint="/v1/chat/completions",status="200"} 1.0' in m
        assert "antidistill_gateway_request_seconds_bucket" in m


def test_an_account_header_from_a_trusted_proxy_names_the_account(tmp_path):
    with Rig(tmp_path, account_header="x-account-id") as rig:
        r = rig.client.post("/v1/chat/completions", json=chat(), headers={"x-account-id": "org-42"})
        assert r.status_code == 200
        assert rig.logged(1)[0]["account_id"] == "org-42"


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/predict"])
def test_admin_api_needs_the_token(tmp_path, path):
    with Rig(tmp_path) as rig:
        assert rig.client.get("/admin/verdicts").status_code == 401
        assert rig.client.get("/admin/verdicts", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert rig.client.get("/admin/verdicts", headers=ADMIN).status_code == 200
        assert rig.client.post(path, json={}, headers=auth("sk-1")).status_code == 400


def test_an_end_user_of_a_platform_is_acted_on_and_the_platform_is_not(tmp_path):
    from antidistill.gateway.actions import Verdict
    from antidistill.gateway.online import end_user_key

    with Rig(tmp_path, {"throttle": {"rate_per_s": 0.5, "burst": 2}}) as rig:
        # What the detection worker sends for a platform account (acct-1) whose
        # end users are judged one by one, as the scan judges them.
        rig.gw._on_verdicts({"acct-1": Verdict(),
                             end_user_key("acct-1", "harvester"): Verdict("suspicious", 0.6, ("reasoning-harvest",)),
                             end_user_key("acct-1", "thief"): Verdict("malicious", 0.9, ("logit-extraction",))}, {})
        r = rig.post("/v1/chat/completions", chat("hi", user="thief"))
        assert r.status_code == 403 and "end user thief" in r.json()["error"]["message"]
        codes = [rig.post("/v1/chat/completions", chat("why?", user="harvester")).status_code for _ in range(6)]
        assert codes[0] == 200 and 429 in codes
        # The platform's other end users, and its requests without one, are served.
        assert all(rig.post("/v1/chat/completions", chat("hello", user=f"dev-{i}")).status_code == 200 for i in range(6))
        assert rig.post("/v1/chat/completions", chat("hello")).status_code == 200
        # An admin override can name one end user.
        r = rig.client.post("/admin/overrides", json={"account_id": "acct-1", "end_user": "dev-1", "action": "deny"}, headers=ADMIN)
        assert r.status_code == 200 and r.json()["end_user"] == "dev-1"
        assert rig.post("/v1/chat/completions", chat("hello", user="dev-1")).status_code == 403
        assert rig.post("/v1/chat/completions", chat("hello", user="dev-2")).status_code == 200
        verdicts = rig.client.get("/admin/verdicts", headers=ADMIN).json()["accounts"]
        assert verdicts["acct-1"]["verdict"] == "benign" and verdicts["acct-1"]["actions"] == []
        assert verdicts["acct-1"]["end_users"]["thief"]["actions"] == ["block"]
        events = rig.logged(10)
    thief = next(e for e in events if e["request"].get("user") == "thief")
    assert thief["status"] == 403 and thief["gateway"]["gen_ai.security.policy.name"] == "end-user verdict"


@pytest.mark.parametrize("http", [GatewayProtocol, "auto"], ids=["own-protocol", "asgi"])
def test_a_chunked_request_body_is_read_whole_and_its_size_limited(tmp_path, http):
    with Rig(tmp_path, {"max_body_bytes": 2000}, http=http) as rig:
        body = orjson.dumps(chat("a chunked hello"))
        # A generator body goes out with Transfer-Encoding: chunked (no Content-Length).
        r = rig.client.post("/v1/chat/completions", content=iter([body[:10], body[10:]]), headers=auth("sk-1"))
        assert r.status_code == 200
        big = orjson.dumps(chat("x" * 3000))
        r = rig.client.post("/v1/chat/completions", content=iter([big[i:i + 500] for i in range(0, len(big), 500)]),
                            headers=auth("sk-1"))
        assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
        assert [e["request"]["messages"][0]["content"] for e in rig.logged(1)] == ["a chunked hello"]


class _FakeUpstream:
    ANSWER = b'{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}'

    async def request(self, method, path, body, headers):
        return 200, [(b"content-type", b"application/json")], self.ANSWER


def test_the_answer_goes_out_before_the_exchange_is_recorded_and_is_recorded_even_if_sending_fails(tmp_path):
    """The log line is built and queued after the answer is written (not on its time), the same line as before."""
    import asyncio

    from antidistill.gateway.app import Channel, Gateway, proxy

    gw = Gateway(GatewayConfig(upstream="http://127.0.0.1:1", keys_file=str(write_keys(tmp_path / "keys.json"))))
    gw.upstream = _FakeUpstream()

    class Ch(Channel):
        def __init__(self, fail: bool) -> None:
            self.headers = {b"authorization": b"Bearer sk-1"}
            self.path, self.client, self.fail, self.queued_at_answer = "/v1/chat/completions", ("127.0.0.1", 1), fail, None

        async def body(self, limit):
            return orjson.dumps(chat("hello"))

        async def send_whole(self, status, content, ctype, extra):
            self.queued_at_answer = len(gw._queue)
            if self.fail:
                raise OSError("client went away")

    ok = Ch(fail=False)
    asyncio.run(proxy(gw, ok))
    assert ok.queued_at_answer == 0 and len(gw._queue) == 1
    failing = Ch(fail=True)
    with pytest.raises(OSError):
        asyncio.run(proxy(gw, failing))
    assert failing.queued_at_answer == 1 and len(gw._queue) == 2
    lines = [orjson.loads(line) for line in gw._queue]
    assert [e["status"] for e in lines] == [200, 200] and all(e["latency_ms"] >= 0 for e in lines)
    assert lines[0]["response"]["choices"][0]["message"]["content"] == "ok"


def test_with_a_log_detection_gets_each_flush_once_durable_in_log_order_and_the_last_lines_at_stop(tmp_path):
    """The log's flusher hands detection the lines it just made durable: never a line the log does not hold yet."""
    import asyncio

    from antidistill.gateway.app import Channel, Gateway, proxy
    from antidistill.gateway.durable import iter_lines

    log_dir = tmp_path / "log"
    gw = Gateway(GatewayConfig(upstream="http://127.0.0.1:1", keys_file=str(write_keys(tmp_path / "keys.json")),
                               log_dir=str(log_dir), flush_ms=5))

    class Upstream(_FakeUpstream):
        async def close(self):
            pass

    class Worker:
        def __init__(self) -> None:
            self.batches: list[list[bytes]] = []
            self.durable_when_added: list[bool] = []
            self.stopped_after: int | None = None

        def add(self, lines):
            on_disk = list(iter_lines(log_dir))
            self.durable_when_added.append(on_disk[-len(lines):] == lines)
            self.batches.append(lines)

        def stop(self):
            self.stopped_after = sum(map(len, self.batches))

    class Ch(Channel):
        def __init__(self, i: int) -> None:
            self.headers = {b"authorization": b"Bearer sk-1"}
            self.path, self.client, self.i = "/v1/chat/completions", ("127.0.0.1", 1), i

        async def body(self, limit):
            return orjson.dumps(chat(f"hello {self.i}"))

        async def send_whole(self, status, content, ctype, extra):
            pass

    gw.upstream, gw.worker = Upstream(), Worker()
    gw.log.start()

    async def run():
        for i in range(60):
            await proxy(gw, Ch(i))
            if i % 7 == 0:
                await asyncio.sleep(0.01)  # some group commits while requests come in
        await gw.stop()

    asyncio.run(run())
    sent = [line for batch in gw.worker.batches for line in batch]
    assert sent == list(iter_lines(log_dir)) and len(sent) == 60
    assert [orjson.loads(line)["request"]["messages"][0]["content"] for line in sent] == [f"hello {i}" for i in range(60)]
    assert all(gw.worker.durable_when_added) and len(gw.worker.batches) > 1
    assert gw.worker.stopped_after == 60 and gw._queue == []
