"""Field-level checks and flattening of spec events (antidistill.events.validate)."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from antidistill.events import EVENT_SCHEMA, BadRecord, flatten_event
from antidistill.events.validate import parse_ts

DATA = Path(__file__).parent / "data"
EVENTS = [orjson.loads(line) for line in (DATA / "spec_events.jsonl").read_bytes().splitlines()]
NAMES = [f.name for f in EVENT_SCHEMA]


def row(event: dict) -> dict:
    return dict(zip(NAMES, flatten_event(event, "f.jsonl", 7)))


def bad(event: dict) -> BadRecord:
    with pytest.raises(BadRecord) as info:
        flatten_event(event, "f.jsonl", 7)
    return info.value


def mutate(index: int, path: str, value, *, delete: bool = False) -> dict:
    event = copy.deepcopy(EVENTS[index])
    *parents, leaf = path.split(".")
    target = event
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        leaf = int(leaf)
    if delete:
        del target[leaf]
    else:
        target[leaf] = value
    return event


def test_chat_flattening():
    r = row(EVENTS[0])
    assert r["system_prompt"] == "You are helpful.\nAnswer in English."
    assert r["prompt"] == "Think step by step: why is the sky blue?"
    assert (r["n_messages"], r["n_user_turns"]) == (5, 2)
    assert r["logit_bias_tokens"] == ["198", "1000", "50256"]  # numeric order
    assert (r["n_tools"], r["tool_names"]) == (2, ["search", "calc"])
    assert r["response_format"] == "json_schema"
    assert (r["temperature"], r["top_p"], r["max_tokens"], r["n"], r["seed"]) == (0.7, 0.95, 512, 2, 42)
    assert (r["logprobs"], r["top_logprobs"], r["end_user"]) == (True, 5, "end-user-9")
    assert (r["response_text"], r["finish_reason"]) == ("Rayleigh scattering.", "stop")
    assert (r["prompt_tokens"], r["completion_tokens"]) == (31, 4)
    assert orjson.loads(r["request_json"]) == EVENTS[0]["request"]  # unknown fields kept raw
    assert orjson.loads(r["response_json"]) == EVENTS[0]["response"]
    assert (r["source_file"], r["source_line"], r["status"], r["latency_ms"]) == ("f.jsonl", 7, 200, 812.5)


def test_completion_predict_and_failed():
    c = row(EVENTS[1])
    assert (c["prompt"], c["response_text"], c["finish_reason"], c["n_messages"]) == (
        "Once upon a time", " there was", "length", None)
    p = row(EVENTS[2])
    assert (p["n_instances"], p["prompt"], p["response_text"]) == (3, None, None)
    f = row(EVENTS[3])
    assert (f["response_json"], f["response_text"], f["status"]) == (None, None, 429)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-02T13:05:09.120Z", datetime(2026, 4, 2, 13, 5, 9, 120000)),
        ("2026-04-02T15:05:09+02:00", datetime(2026, 4, 2, 13, 5, 9)),
        ("2026-04-02 08:05:09-05:00", datetime(2026, 4, 2, 13, 5, 9)),
        ("2026-04-02t13:05:09.123456789z", datetime(2026, 4, 2, 13, 5, 9, 123456)),
    ],
)
def test_ts_accepts_rfc3339_and_converts_to_utc(text, expected):
    assert parse_ts(text) == expected


@pytest.mark.parametrize("text", ["2026-04-02", "2026-04-02T13:05:09", "20260402T130509Z",
                                  "2026-02-30T00:00:00Z", "yesterday", "9999-12-31T23:59:59-01:00"])
def test_ts_rejects_non_rfc3339(text):
    with pytest.raises(BadRecord) as info:
        parse_ts(text)
    assert info.value.kind == "bad_timestamp"


def test_ts_in_event_is_utc():
    assert row(EVENTS[1])["ts"].utcoffset().total_seconds() == 7200  # Arrow shifts it
    assert parse_ts(EVENTS[1]["ts"]) == datetime(2026, 4, 2, 13, 5, 9)


@pytest.mark.parametrize(
    ("index", "path", "value", "field", "kind"),
    [
        (0, "status", "200", "status", "wrong_type"),
        (0, "status", 200.0, "status", "wrong_type"),
        (0, "status", True, "status", "wrong_type"),
        (0, "status", 1000, "status", "out_of_range"),
        (0, "ts", 1775135109, "ts", "wrong_type"),
        (0, "ts", "2026-04-02", "ts", "bad_timestamp"),
        (0, "request_id", 5, "request_id", "wrong_type"),
        (0, "request_id", "", "request_id", "invalid_value"),
        (0, "endpoint", "/v1/embeddings", "endpoint", "unknown_endpoint"),
        (0, "client_ip", "not-an-ip", "client_ip", "invalid_value"),
        (0, "latency_ms", "fast", "latency_ms", "wrong_type"),
        (0, "request", [], "request", "wrong_type"),
        (0, "response", "ok", "response", "wrong_type"),
        (0, "request.messages", {"role": "user"}, "request.messages", "wrong_type"),
        (0, "request.messages.2.content", ["part"], "request.messages[2].content", "wrong_type"),
        (0, "request.messages.2", "hi", "request.messages[2]", "wrong_type"),
        (0, "request.messages.2.role", 3, "request.messages[2].role", "wrong_type"),
        (0, "request.temperature", "hot", "request.temperature", "wrong_type"),
        (0, "request.max_tokens", 1.5, "request.max_tokens", "wrong_type"),
        (0, "request.seed", 2**64, "request.seed", "out_of_range"),
        (0, "request.n", -1, "request.n", "out_of_range"),
        (0, "request.logprobs", "yes", "request.logprobs", "wrong_type"),
        (0, "request.logit_bias.198", 101, "request.logit_bias.198", "out_of_range"),
        (0, "request.logit_bias.198", -100.5, "request.logit_bias.198", "out_of_range"),
        (0, "request.logit_bias.198", "5", "request.logit_bias.198", "wrong_type"),
        (0, "request.logit_bias.hello", 1, "request.logit_bias.hello", "invalid_value"),
        (0, "request.tools", {"a": 1}, "request.tools", "wrong_type"),
        (0, "request.tools.0.function.name", 7, "request.tools[0].function.name", "wrong_type"),
        (0, "request.response_format", 5, "request.response_format", "wrong_type"),
        (0, "request.user", 5, "request.user", "wrong_type"),
        (0, "response.choices", "x", "response.choices", "wrong_type"),
        (0, "response.choices.0.message.content", 5, "response.choices[0].message.content", "wrong_type"),
        (0, "response.usage.prompt_tokens", "31", "response.usage.prompt_tokens", "wrong_type"),
        (1, "request.prompt", ["a", "b"], "request.prompt", "wrong_type"),
        (2, "request.instances", "x", "request.instances", "wrong_type"),
    ],
)
def test_wrong_values_name_field_and_reason(index, path, value, field, kind):
    error = bad(mutate(index, path, value))
    assert (error.field, error.kind) == (field, kind)
    assert error.reason


@pytest.mark.parametrize(
    ("index", "path"),
    [(0, "request_id"), (0, "ts"), (0, "account_id"), (0, "endpoint"), (0, "status"),
     (0, "request"), (0, "request.messages"), (1, "request.prompt"), (2, "request.instances")],
)
def test_missing_required_field(index, path):
    error = bad(mutate(index, path, None, delete=True))
    assert (error.field, error.kind) == (path, "missing_field")


@pytest.mark.parametrize(
    "path",
    ["api_key_id", "client_ip", "user_agent", "latency_ms", "response", "request.model",
     "request.temperature", "request.logit_bias", "request.tools", "response.usage", "response.choices"],
)
def test_missing_optional_fields_are_fine(path):
    r = row(mutate(0, path, None, delete=True))
    assert r["request_id"] == "r-chat-1"


def test_legacy_completions_logprobs_count():
    r = row(mutate(1, "request.logprobs", 3))
    assert (r["logprobs"], r["top_logprobs"]) == (True, 3)
    assert bad(mutate(1, "request.logprobs", -1)).kind == "out_of_range"
    assert bad(mutate(0, "request.logprobs", 3)).kind == "wrong_type"  # chat takes a boolean


def test_not_an_object():
    assert bad([1, 2]).kind == "wrong_type"  # type: ignore[arg-type]
