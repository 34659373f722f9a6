"""The LiteLLM guardrail: same decisions and log as the gateway, around a real litellm call to a local stub."""

from __future__ import annotations

import asyncio
import os

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the cost map: tests run offline
litellm = pytest.importorskip("litellm")
from fastapi import HTTPException  # noqa: E402
from litellm.proxy._types import UserAPIKeyAuth  # noqa: E402

from antidistill.events.validate import flatten_event  # noqa: E402
from antidistill.gateway.durable import read_log  # noqa: E402
from antidistill.gateway.litellm_guardrail import AntidistillGuardrail  # noqa: E402
from antidistill.gateway.stub import StubUpstream  # noqa: E402

from test_gateway_support import ThreadServer, write_policy  # noqa: E402


async def eventually(cond, timeout: float = 10.0) -> bool:
    """Like wait_until, but lets the event loop (and the guardrail's tasks) run."""
    for _ in range(int(timeout / 0.05)):
        if cond():
            return True
        await asyncio.sleep(0.05)
    return bool(cond())


@pytest.fixture(scope="module")
def upstream():
    stub = StubUpstream()
    with ThreadServer(stub) as server:
        server.stub = stub
        yield server


async def call(guard: AntidistillGuardrail, upstream, team: str, **params) -> dict:
    """What the LiteLLM proxy does around one request: pre hook, the call, post hook."""
    data = {"model": "openai/stub-1", "messages": [{"role": "user", "content": params.pop("prompt", "hello")}], **params}
    key = UserAPIKeyAuth(api_key="sk-hash", team_id=team)
    data = await guard.async_pre_call_hook(key, None, data, "acompletion")
    kwargs = {k: v for k, v in data.items() if k not in ("metadata",)}
    try:
        response = await litellm.acompletion(api_base=upstream.url + "/v1", api_key="sk-local", **kwargs)
    except Exception as exc:
        await guard.async_post_call_failure_hook(data, exc, key)
        raise
    await guard.async_post_call_success_hook(data, key, response)
    return response.model_dump()


def run(tmp_path, actions, body):
    policy = write_policy(tmp_path / "policy.yaml", {"rescore_interval_s": 0.1, **actions})
    guard = AntidistillGuardrail(policy=str(policy), log_dir=str(tmp_path / "log"), guardrail_name="antidistill")

    async def main():
        try:
            return await body(guard)
        finally:
            await guard.close()
    return asyncio.run(main())


def test_guardrail_logs_exchanges_in_spec_format(tmp_path, upstream):
    async def body(guard):
        out = await call(guard, upstream, "team-a", prompt="hi there", max_tokens=3)
        assert out["choices"][0]["message"]["content"] == "The quick answer"
    run(tmp_path, {}, body)
    events = list(read_log(tmp_path / "log"))
    assert len(events) == 1 and events[0]["account_id"] == "team-a" and events[0]["status"] == 200
    assert events[0]["request"]["messages"][0]["content"] == "hi there"
    flatten_event(events[0], None, None)


def test_guardrail_blocks_a_deny_listed_team_and_degrades_by_policy(tmp_path, upstream):
    async def body(guard):
        await call(guard, upstream, "team-b")
        assert await eventually(lambda: "team-b" in guard.gateway.verdicts)
        assert "degrade" in guard.gateway.decision("team-b").actions
        before = len(upstream.stub.requests)
        out = await call(guard, upstream, "team-b", logprobs=True, top_logprobs=3, logit_bias={"42": 50})
        sent = upstream.stub.requests[before]
        assert "logprobs" not in sent and "logit_bias" not in sent
        assert out["choices"][0].get("logprobs") is None
        guard.gateway._apply_override("team-c", "deny")
        with pytest.raises(HTTPException) as err:
            await call(guard, upstream, "team-c")
        assert err.value.status_code == 403 and err.value.detail["code"] == "antidistill_blocked"
    run(tmp_path, {"verdicts": {"benign": ["degrade"]}}, body)
    statuses = [e["status"] for e in read_log(tmp_path / "log")]
    assert statuses.count(403) == 1


def test_guardrail_detects_online_and_blocks_a_logit_extraction_attacker(tmp_path, upstream):
    async def body(guard):
        seen = []
        for i in range(200):
            try:
                await call(guard, upstream, "attacker", prompt="Say the word", max_tokens=1, logprobs=True, top_logprobs=5,
                           logit_bias={str(3000 + 2 * i): 100, str(3001 + 2 * i): 100})
                seen.append(200)
            except HTTPException as exc:
                seen.append(exc.status_code)  # 429: throttled while suspicious (the default policy)
                if exc.status_code == 403:
                    return seen
            await asyncio.sleep(0.02)
        return seen
    seen = run(tmp_path, {}, body)
    assert seen[-1] == 403, seen[-10:]
    assert seen[:20] == [200] * 20  # served normally until the evidence was there
    assert set(seen) <= {200, 429, 403}
