"""The same online detection and actions inside a LiteLLM proxy, as a guardrail.

LiteLLM calls ``async_pre_call_hook`` before it sends a request to the model
and ``async_post_call_success_hook`` / ``async_post_call_failure_hook`` after.
This guardrail reads the cached decision for the caller's account (block ->
403, throttle -> 429, degrade -> the request is stripped in place, watermark
-> a header to the upstream), then records the finished exchange in the
spec's log format and hands it to the detection worker, exactly as the
gateway does (it *is* the gateway's :class:`~antidistill.gateway.app.Gateway`
state, without the HTTP server).

Configure it in LiteLLM's ``config.yaml``::

    guardrails:
      - guardrail_name: antidistill
        litellm_params:
          guardrail: antidistill.gateway.litellm_guardrail.AntidistillGuardrail
          mode: pre_call
          default_on: true

and point ``ANTIDISTILL_POLICY`` / ``ANTIDISTILL_LOG_DIR`` at a policy and a
log directory. The account is LiteLLM's team id, else its user id, else the
key's hash: the billing unit LiteLLM itself knows.
"""

from __future__ import annotations

import copy
import os
import time
from typing import Any

from fastapi import HTTPException
from litellm.integrations.custom_guardrail import CustomGuardrail

from antidistill.gateway.actions import ALLOW, Refused, degrade_request
from antidistill.gateway.app import Gateway, GatewayConfig, _check
from antidistill.gateway.online import utc_now_rfc3339

_ENDPOINTS = {"completion": "/v1/chat/completions", "acompletion": "/v1/chat/completions",
              "text_completion": "/v1/completions", "atext_completion": "/v1/completions"}
_META = "antidistill"


def _account(user_api_key_dict: Any) -> str | None:
    for attr in ("team_id", "user_id", "token", "api_key"):
        value = getattr(user_api_key_dict, attr, None)
        if value:
            return str(value)
    return None


class AntidistillGuardrail(CustomGuardrail):
    """Online model-theft detection and policy actions as a LiteLLM guardrail."""

    def __init__(self, policy: str | None = None, log_dir: str | None = None, detection: str = "thread", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        config = GatewayConfig(upstream="", policy_path=policy or os.environ.get("ANTIDISTILL_POLICY"),
                               log_dir=log_dir or os.environ.get("ANTIDISTILL_LOG_DIR"), detection=detection,
                               account_header="litellm-account")
        self.gateway = Gateway(config)
        self._started = False

    async def _ensure_started(self) -> None:
        if not self._started:
            self._started = True
            await self.gateway.start()

    async def close(self) -> None:
        if self._started:
            await self.gateway.stop()
            self._started = False

    async def async_pre_call_hook(self, user_api_key_dict, cache, data: dict, call_type) -> dict:
        await self._ensure_started()
        gw = self.gateway
        endpoint = _ENDPOINTS.get(str(call_type))
        account = _account(user_api_key_dict)
        if endpoint is None or account is None:
            return data  # not an exchange the log contract describes (embeddings, images, ...)
        request = {k: copy.deepcopy(v) for k, v in data.items() if k in ("model", "messages", "prompt", "temperature", "top_p",
                                                                       "max_tokens", "n", "seed", "stop", "logprobs", "top_logprobs",
                                                                       "logit_bias", "tools", "response_format", "user", "stream")}
        meta = {"account": account, "endpoint": endpoint, "request": request, "ts": utc_now_rfc3339(),
                "started": time.perf_counter(), "request_id": gw.next_request_id(), "decision": ALLOW, "notes": []}
        try:
            _check(endpoint, request)
        except Refused:
            # Bodies the log contract cannot hold (multimodal content parts, ...)
            # pass untouched: LiteLLM validates them, we only watch what we can read.
            return data
        data.setdefault("metadata", {})[_META] = meta
        try:
            decision = meta["decision"] = gw.decision(account)
            if decision.blocks:
                raise Refused(403, "antidistill_blocked", f"request refused: {decision.reason}")
            if decision.enforced("throttle") and await gw.take_token(account) > 0:
                raise Refused(429, "antidistill_throttled", f"rate limited: {decision.reason}")
            if decision.enforced("degrade"):
                meta["notes"].extend(degrade_request(endpoint, data, gw.actions.degrade))
            if decision.enforced("watermark") and gw.actions.watermark.upstream_header:
                data.setdefault("extra_headers", {})[gw.actions.watermark.upstream_header] = gw.actions.watermark.key_id
                meta["notes"].append("watermark requested")
        except Refused as exc:
            self._record(meta, exc.status, None)
            raise HTTPException(status_code=exc.status, detail=exc.body()["error"]) from None
        return data

    async def async_post_call_success_hook(self, data: dict, user_api_key_dict, response) -> Any:
        meta = (data.get("metadata") or {}).get(_META)
        if meta:
            body = response.model_dump() if hasattr(response, "model_dump") else dict(response)
            self._record(meta, 200, body)
        return response

    async def async_post_call_failure_hook(self, request_data: dict, original_exception: Exception, user_api_key_dict,
                                           traceback_str: str | None = None) -> None:
        meta = (request_data.get("metadata") or {}).get(_META)
        if meta and not meta.get("recorded"):
            self._record(meta, int(getattr(original_exception, "status_code", 500) or 500), None)

    def _record(self, meta: dict, status: int, response: dict | None) -> None:
        if meta.get("recorded"):
            return
        meta["recorded"] = True
        decision = meta["decision"]
        event = {"request_id": meta["request_id"], "ts": meta["ts"], "account_id": meta["account"], "endpoint": meta["endpoint"],
                 "request": meta["request"], "response": response, "status": status,
                 "latency_ms": round((time.perf_counter() - meta["started"]) * 1000, 3)}
        if decision is not ALLOW or meta["notes"]:
            event["gateway"] = {**decision.log_attrs, "changes": meta["notes"]}
        self.gateway.record(event)
