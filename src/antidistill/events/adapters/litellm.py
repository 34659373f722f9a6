"""LiteLLM proxy logs: one ``StandardLoggingPayload`` JSON object per line.

Field names follow LiteLLM's documented StandardLoggingPayload (the object its
proxy hands to every logging callback as ``standard_logging_object``): ``id``,
``call_type``, ``status`` ("success"/"failure"), ``startTime``/``endTime`` (unix
seconds, float), ``model``, ``messages``, ``response``, ``model_parameters``,
``end_user``, ``requester_ip_address``, ``prompt_tokens``/``completion_tokens``,
``response_time``, ``error_information.error_code``, and ``metadata`` with
``user_api_key_hash``, ``user_api_key_org_id``, ``user_api_key_team_id``,
``user_api_key_user_id``. A line may also wrap the payload as
``{"standard_logging_object": {...}}``.

The billing account is read from ``metadata[account_field]``; by default the
first present of org id, team id, user id, key hash (an organisation is what
the spec calls an account; smaller deployments only have teams or keys).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from antidistill.events.adapters import Adapter, dig
from antidistill.events.schema import ENDPOINTS
from antidistill.events.validate import BadRecord, json_type

CHAT, COMPLETIONS, _ = ENDPOINTS

DEFAULT_ACCOUNT_FIELDS = (
    "user_api_key_org_id",
    "user_api_key_team_id",
    "user_api_key_user_id",
    "user_api_key_hash",
)

# LiteLLM call types (sync and async spellings) that are API exchanges we model.
_CALL_TYPES = {
    "completion": CHAT,
    "acompletion": CHAT,
    "text_completion": COMPLETIONS,
    "atext_completion": COMPLETIONS,
}

# model_parameters keys copied into the request body as the client sent them.
_PARAMS = (
    "temperature", "top_p", "max_tokens", "n", "seed", "stop", "logprobs",
    "top_logprobs", "logit_bias", "tools", "response_format", "user",
)


def _text_of(content: Any) -> Any:
    """OpenAI content-part lists -> their text parts joined; other values unchanged."""
    if type(content) is list:
        texts = [p.get("text") for p in content if type(p) is dict and type(p.get("text")) is str]
        return "\n".join(texts)
    return content


def _unix_to_rfc3339(value: Any, field: str) -> str:
    if type(value) not in (int, float):
        raise BadRecord(field, "wrong_type" if value is not None else "missing_field",
                        f"expected unix seconds (number), got {json_type(value)}")
    try:
        return datetime.fromtimestamp(value, timezone.utc).isoformat()
    except (OverflowError, OSError, ValueError) as exc:
        raise BadRecord(field, "bad_timestamp", f"unix time {value!r} out of range: {exc}") from None


class LiteLLMAdapter(Adapter):
    name = "litellm"

    @staticmethod
    def sniff(value: Any) -> bool:
        if type(value) is not dict:
            return False
        if type(value.get("standard_logging_object")) is dict:
            return True
        return "call_type" in value and ("startTime" in value or "messages" in value)

    def _account(self, metadata: dict) -> Any:
        fields = (self.account_field,) if self.account_field else DEFAULT_ACCOUNT_FIELDS
        for field in fields:
            value = metadata.get(field)
            if value not in (None, ""):
                return value
        raise BadRecord(f"metadata.{fields[0]}", "missing_field",
                        f"no account id: none of {', '.join(fields)} is set in metadata")

    def to_events(self, value: Any) -> Iterator[dict]:
        if type(value) is dict and type(value.get("standard_logging_object")) is dict:
            value = value["standard_logging_object"]
        if type(value) is not dict:
            raise BadRecord(None, "wrong_type", f"expected object, got {json_type(value)}")
        call_type = value.get("call_type")
        endpoint = _CALL_TYPES.get(call_type) if type(call_type) is str else None
        if endpoint is None:
            raise BadRecord("call_type", "unknown_endpoint",
                            f"call_type {str(call_type)[:60]!r} is not a chat or text completion")
        metadata = value.get("metadata")
        if type(metadata) is not dict:
            metadata = {}

        request: dict[str, Any] = {}
        if value.get("model") is not None:
            request["model"] = value["model"]
        params = value.get("model_parameters")
        if type(params) is dict:
            for key in _PARAMS:
                if params.get(key) is not None:
                    request[key] = params[key]
        if value.get("end_user") not in (None, ""):
            request["user"] = value["end_user"]
        messages = value.get("messages")
        if endpoint == CHAT:
            if type(messages) is str:
                messages = [{"role": "user", "content": messages}]
            elif type(messages) is dict:
                messages = [messages]
            if type(messages) is list:
                messages = [
                    {**m, "content": _text_of(m.get("content"))} if type(m) is dict else m
                    for m in messages
                ]
            request["messages"] = messages
        else:
            if type(messages) is list and messages:  # text completion logged as chat turns
                last = messages[-1]
                messages = _text_of(last.get("content")) if type(last) is dict else last
            request["prompt"] = messages

        ok = value.get("status") != "failure"
        if ok:
            status = 200
        else:
            code = dig(value, "error_information", "error_code")
            try:
                status = int(code)
            except (TypeError, ValueError):
                status = 500
            if not 100 <= status <= 599:
                status = 500

        response = value.get("response") if ok else None
        if type(response) is str:
            if endpoint == CHAT:
                choice = {"index": 0, "message": {"role": "assistant", "content": response}}
            else:
                choice = {"index": 0, "text": response}
            response = {"choices": [choice]}
        elif type(response) is dict and endpoint == CHAT:
            choices = response.get("choices")
            if type(choices) is list and choices and type(choices[0]) is dict:
                message = choices[0].get("message")
                if type(message) is dict and type(message.get("content")) is list:
                    response = {**response, "choices": [
                        {**choices[0], "message": {**message, "content": _text_of(message["content"])}},
                        *choices[1:],
                    ]}
        if type(response) is dict and "usage" not in response:
            usage = {k: value[k] for k in ("prompt_tokens", "completion_tokens") if value.get(k) is not None}
            if usage:
                response = {**response, "usage": usage}

        start, end = value.get("startTime"), value.get("endTime")
        latency = None
        if type(start) in (int, float) and type(end) in (int, float):
            latency = (end - start) * 1000.0
        elif type(value.get("response_time")) in (int, float):
            latency = value["response_time"] * 1000.0

        yield {
            "request_id": value.get("id"),
            "ts": _unix_to_rfc3339(start, "startTime"),
            "account_id": self._account(metadata),
            "api_key_id": metadata.get("user_api_key_hash"),
            "client_ip": value.get("requester_ip_address") or metadata.get("requester_ip_address"),
            "user_agent": metadata.get("user_agent"),
            "endpoint": endpoint,
            "request": request,
            "response": response if type(response) is dict else None,
            "status": status,
            "latency_ms": latency,
        }
