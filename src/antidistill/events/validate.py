"""Checking one spec-format event and flattening it into an EVENT_SCHEMA row.

Every adapter ends here: it turns its own record into a dict shaped like a line
of ``events.jsonl`` (see ``shared/spec/traffic-log.md``) and :func:`flatten_event`
checks it and produces the typed row detection reads.

Why hand-written checks over orjson rather than pydantic models: we need the
parsed dict anyway (``request_json``/``response_json`` keep the raw bodies with
their unknown fields), we only check the fields we flatten, and the error
messages stay exactly as we want them (JSON type names, a dotted field path
like pydantic's ``loc``, one reason). Measured with
``benchmarks/bench_validation_choice.py`` on 20k simulator lines (loaded
2-CPU machine): ``orjson.loads`` alone 14 us/line; loads + these checks +
flattening + raw-body dumps 44 us/line; loads + a strict pydantic v2 model of
the same fields + raw-body dumps 49 us/line, before any flattening. So
pydantic would be slower and still need the flattening pass.

Everything in a request is attacker-controlled text: nothing here evaluates
anything, it only reads types and copies strings.
"""

from __future__ import annotations

import ipaddress
import math
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import orjson

from antidistill.events.schema import ENDPOINTS

CHAT, COMPLETIONS, PREDICT = ENDPOINTS

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
NON_NEG_INT32 = (0, 2**31 - 1)
NON_NEG_INT64 = (0, 2**63 - 1)


class BadRecord(Exception):
    """One input record that cannot become an event.

    ``kind`` is a short stable category used for counting (``not_json``,
    ``invalid_utf8``, ``line_too_long``, ``missing_field``, ``wrong_type``,
    ``invalid_value``, ``unknown_endpoint``, ...); ``reason`` is the human text.
    """

    def __init__(self, field: str | None, kind: str, reason: str) -> None:
        super().__init__(f"{field or '<record>'}: {reason}")
        self.field = field
        self.kind = kind
        self.reason = reason


def json_type(value: Any) -> str:
    """The JSON name of a Python value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _wrong(path: str, expected: str, value: Any) -> BadRecord:
    return BadRecord(path, "wrong_type", f"expected {expected}, got {json_type(value)}")


def req_str(obj: dict, key: str, path: str) -> str:
    """A required non-empty string."""
    try:
        value = obj[key]
    except KeyError:
        raise BadRecord(path, "missing_field", "required field is missing") from None
    if type(value) is not str:
        raise _wrong(path, "string", value)
    if not value:
        raise BadRecord(path, "invalid_value", "must not be empty")
    return value


def opt_str(obj: dict, key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None or type(value) is str:
        return value
    raise _wrong(path, "string or null", value)


def opt_int(obj: dict, key: str, path: str, bounds: tuple[int, int] = INT64) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    # bool is a subclass of int in Python but not an integer in JSON.
    if type(value) is not int:
        raise _wrong(path, "integer", value)
    if not bounds[0] <= value <= bounds[1]:
        raise BadRecord(path, "out_of_range", f"{value} is outside [{bounds[0]}, {bounds[1]}]")
    return value


def opt_num(obj: dict, key: str, path: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    t = type(value)
    if t is float:
        if not math.isfinite(value):
            raise BadRecord(path, "invalid_value", "must be a finite number")
        return value
    if t is int:
        return float(value)
    raise _wrong(path, "number", value)


def opt_bool(obj: dict, key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None or type(value) is bool:
        return value
    raise _wrong(path, "boolean", value)


def _opt_container(obj: dict, key: str, path: str, kind: type, name: str):
    value = obj.get(key)
    if value is None or type(value) is kind:
        return value
    raise _wrong(path, f"{name} or null", value)


def opt_obj(obj: dict, key: str, path: str) -> dict | None:
    return _opt_container(obj, key, path, dict, "object")


def opt_list(obj: dict, key: str, path: str) -> list | None:
    return _opt_container(obj, key, path, list, "array")


# RFC 3339 date-time (section 5.6), allowing a space for "T" as its note does.
# fromisoformat alone would also take ISO forms RFC 3339 rejects ("20260402",
# a date without time), so the shape is checked first.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})"
)


_UTC_MIN = datetime(1, 1, 2, tzinfo=timezone.utc)
_UTC_MAX = datetime(9999, 12, 30, tzinfo=timezone.utc)


def parse_ts(value: Any, path: str = "ts") -> datetime:
    """RFC 3339 string (or an aware/naive datetime) -> naive UTC datetime.

    A string must carry its offset (``Z`` or ``+hh:mm``) as RFC 3339 requires;
    a naive ``datetime`` (Parquet timestamps without a zone) is taken as UTC.
    """
    dt = parse_ts_aware(value, path)
    offset = dt.utcoffset()
    if offset is None:
        return dt
    try:
        return dt.replace(tzinfo=None) - offset
    except OverflowError:
        raise BadRecord(path, "bad_timestamp", f"{value!s:.40} is out of range in UTC") from None


def parse_ts_aware(value: Any, path: str = "ts") -> datetime:
    """Like :func:`parse_ts` but leaves the offset on (naive means UTC).

    For rows bound for Arrow: converting an aware datetime to a zone-less
    ``timestamp`` column, Arrow itself shifts it to UTC, and that saves the
    ``replace(tzinfo=None)`` call, which costs more than all the parsing.
    """
    if type(value) is str:
        if not _RFC3339.fullmatch(value):
            raise BadRecord(path, "bad_timestamp", f"not an RFC 3339 date-time with offset: {value[:40]!r}")
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            dt = _fromisoformat_slow(value, path)
    elif isinstance(value, datetime):
        dt = value
    else:
        raise _wrong(path, "RFC 3339 string", value)
    if dt.tzinfo is not None and not _UTC_MIN <= dt <= _UTC_MAX:
        raise BadRecord(path, "bad_timestamp", f"{value!s:.40} is out of range in UTC")
    return dt


def _fromisoformat_slow(value: str, path: str) -> datetime:
    """Spellings RFC 3339 allows that fromisoformat may refuse: lower-case t/z,
    more than six fraction digits."""
    text = value.replace("t", "T")
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    if "." in text:  # Python keeps microseconds: drop digits past the sixth
        head, _, tail = text.partition(".")
        digits = tail[:-6]
        text = f"{head}.{digits[:6]:0<6}{tail[-6:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRecord(path, "bad_timestamp", f"invalid date-time {value[:40]!r}: {exc}") from None


@lru_cache(maxsize=65536)
def _check_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _message_text(message: Any, path: str) -> tuple[str | None, str | None]:
    """(role, content) of one chat message; content is a string or null."""
    if type(message) is not dict:
        raise _wrong(path, "object", message)
    role = message.get("role")
    if type(role) is not str:
        if role is None:
            raise BadRecord(f"{path}.role", "missing_field", "required field is missing")
        raise _wrong(f"{path}.role", "string", role)
    content = message.get("content")
    # null content is legal in OpenAI bodies (assistant turns carrying tool calls).
    if content is not None and type(content) is not str:
        raise _wrong(f"{path}.content", "string or null", content)
    return role, content


def _sort_key_token(token: str) -> tuple[int, str]:
    return (len(token), token)  # numeric order for canonical decimal ids


def _flatten_chat(req: dict) -> tuple:
    messages = req.get("messages")
    if messages is None:
        raise BadRecord("request.messages", "missing_field", "required field is missing")
    if type(messages) is not list:
        raise _wrong("request.messages", "array", messages)
    systems: list[str] = []
    prompt = None
    n_user = 0
    for i, message in enumerate(messages):
        role, content = _message_text(message, f"request.messages[{i}]")
        if role == "system" or role == "developer":
            if content is not None:
                systems.append(content)
        elif role == "user":
            n_user += 1
            prompt = content
    system_prompt = "\n".join(systems) if systems else None
    return system_prompt, prompt, len(messages), n_user


def _tools(req: dict) -> tuple[int | None, list[str] | None]:
    tools = opt_list(req, "tools", "request.tools")
    if tools is None:
        return None, None
    names = []
    for i, tool in enumerate(tools):
        if type(tool) is not dict:
            raise _wrong(f"request.tools[{i}]", "object", tool)
        fn = tool.get("function")
        name = fn.get("name") if type(fn) is dict else tool.get("name")
        if name is not None:
            if type(name) is not str:
                raise _wrong(f"request.tools[{i}].function.name", "string", name)
            names.append(name)
    return len(tools), names


def _logit_bias(req: dict) -> list[str] | None:
    bias = opt_obj(req, "logit_bias", "request.logit_bias")
    if bias is None:
        return None
    for token, weight in bias.items():
        path = f"request.logit_bias.{token[:40]}"
        if not token.isdecimal() or not token.isascii():
            raise BadRecord(path, "invalid_value", "key must be a token id (decimal digits)")
        if type(weight) not in (int, float):
            raise _wrong(path, "number", weight)
        if not -100 <= weight <= 100:
            raise BadRecord(path, "out_of_range", f"{weight} is outside [-100, 100]")
    return sorted(bias, key=_sort_key_token)


def _response_format(req: dict) -> str | None:
    fmt = req.get("response_format")
    if fmt is None or type(fmt) is str:
        return fmt
    if type(fmt) is not dict:
        raise _wrong("request.response_format", "object", fmt)
    return opt_str(fmt, "type", "request.response_format.type")


def _flatten_response(endpoint: str, resp: dict) -> tuple:
    text = finish = None
    if endpoint != PREDICT:
        choices = opt_list(resp, "choices", "response.choices")
        if choices:
            first = choices[0]
            if type(first) is not dict:
                raise _wrong("response.choices[0]", "object", first)
            if endpoint == CHAT:
                message = opt_obj(first, "message", "response.choices[0].message")
                if message is not None:
                    text = opt_str(message, "content", "response.choices[0].message.content")
            else:
                text = opt_str(first, "text", "response.choices[0].text")
            finish = opt_str(first, "finish_reason", "response.choices[0].finish_reason")
    else:
        opt_list(resp, "predictions", "response.predictions")
    usage = opt_obj(resp, "usage", "response.usage")
    if usage is not None:
        p_tok = opt_int(usage, "prompt_tokens", "response.usage.prompt_tokens", NON_NEG_INT64)
        c_tok = opt_int(usage, "completion_tokens", "response.usage.completion_tokens", NON_NEG_INT64)
    else:
        p_tok = c_tok = None
    return text, finish, p_tok, c_tok


def _dumps(value: Any) -> bytes:
    # Left as UTF-8 bytes: the Arrow batch builder casts binary to string with
    # no copy, where a str would be decoded here and encoded again by Arrow.
    return orjson.dumps(value)


def flatten_request(endpoint: str, req: Any) -> tuple:
    """Check an event's ``request`` (the body sent to ``endpoint``, one of
    ENDPOINTS) and return its columns of the row, in EVENT_SCHEMA order
    (``model`` ... ``n_instances``). Raises :class:`BadRecord` naming the first
    offending field, as :func:`flatten_event` does (it calls this).

    The gateway checks each request body with this alone: the contract's own
    check, without building (and serialising) a whole event around it.
    """
    if req is None:
        raise BadRecord("request", "missing_field", "required field is missing")
    if type(req) is not dict:
        raise _wrong("request", "object", req)

    system_prompt = prompt = None
    n_messages = n_user = n_instances = None
    if endpoint == CHAT:
        system_prompt, prompt, n_messages, n_user = _flatten_chat(req)
    elif endpoint == COMPLETIONS:
        if "prompt" not in req:
            raise BadRecord("request.prompt", "missing_field", "required field is missing")
        prompt = opt_str(req, "prompt", "request.prompt")
    else:
        instances = req.get("instances")
        if instances is None:
            raise BadRecord("request.instances", "missing_field", "required field is missing")
        if type(instances) is not list:
            raise _wrong("request.instances", "array", instances)
        n_instances = len(instances)

    model = opt_str(req, "model", "request.model")
    end_user = opt_str(req, "user", "request.user")
    temperature = opt_num(req, "temperature", "request.temperature")
    top_p = opt_num(req, "top_p", "request.top_p")
    max_tokens = opt_int(req, "max_tokens", "request.max_tokens", NON_NEG_INT64)
    n = opt_int(req, "n", "request.n", NON_NEG_INT32)
    seed = opt_int(req, "seed", "request.seed", INT64)
    top_logprobs = opt_int(req, "top_logprobs", "request.top_logprobs", NON_NEG_INT32)
    if endpoint == COMPLETIONS and type(req.get("logprobs")) is int:
        # The legacy Completions API takes `logprobs` as a count (0-5) of top
        # tokens; any count asks for the sampled tokens' logprobs too.
        top_logprobs = opt_int(req, "logprobs", "request.logprobs", NON_NEG_INT32)
        logprobs = True
    else:
        logprobs = opt_bool(req, "logprobs", "request.logprobs")
    bias_tokens = _logit_bias(req)
    n_tools, tool_names = _tools(req)
    response_format = _response_format(req)
    return (model, end_user, system_prompt, prompt, n_messages, n_user, temperature, top_p, max_tokens, n, seed,
            logprobs, top_logprobs, bias_tokens, n_tools, tool_names, response_format, n_instances)


def flatten_event(event: Any, source_file: str | None, source_line: int | None) -> tuple:
    """Check one spec-format event and return its row, in EVENT_SCHEMA order.

    ``request_json``/``response_json`` come out as compact UTF-8 ``bytes`` and
    ``ts`` may keep its UTC offset; Arrow turns both into the schema's types
    (see ``EventStream._batch``). Raises :class:`BadRecord` naming the first
    offending field.
    """
    if type(event) is not dict:
        raise _wrong(None, "object", event)
    request_id = req_str(event, "request_id", "request_id")
    if "ts" not in event:
        raise BadRecord("ts", "missing_field", "required field is missing")
    ts = parse_ts_aware(event["ts"])
    account_id = req_str(event, "account_id", "account_id")
    endpoint = req_str(event, "endpoint", "endpoint")
    if endpoint not in ENDPOINTS:
        raise BadRecord("endpoint", "unknown_endpoint", f"unknown endpoint {endpoint[:80]!r}; expected one of {', '.join(ENDPOINTS)}")
    if "status" not in event:
        raise BadRecord("status", "missing_field", "required field is missing")
    status = opt_int(event, "status", "status", (100, 599))
    if status is None:
        raise _wrong("status", "integer", None)
    api_key_id = opt_str(event, "api_key_id", "api_key_id")
    client_ip = opt_str(event, "client_ip", "client_ip")
    if client_ip is not None and not _check_ip(client_ip):
        raise BadRecord("client_ip", "invalid_value", f"not an IPv4 or IPv6 address: {client_ip[:60]!r}")
    user_agent = opt_str(event, "user_agent", "user_agent")
    latency = opt_num(event, "latency_ms", "latency_ms")

    req = event.get("request")
    request_cols = flatten_request(endpoint, req)

    resp = event.get("response")
    if resp is not None and type(resp) is not dict:
        raise _wrong("response", "object or null", resp)
    if resp is not None:
        text, finish, p_tok, c_tok = _flatten_response(endpoint, resp)
        response_json = _dumps(resp)
    else:
        text = finish = p_tok = c_tok = response_json = None

    return (
        request_id, ts, account_id, api_key_id, client_ip, user_agent, endpoint,
        status, latency, *request_cols, text, finish, p_tok, c_tok,
        _dumps(req), response_json, source_file, source_line,
    )
