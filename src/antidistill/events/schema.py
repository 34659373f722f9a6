"""The normalised event table that every later stage reads.

The log contract (``shared/spec/traffic-log.md``) keeps the raw request and
response bodies. Ingestion flattens the parts that detection needs into typed
columns so that the feature pipeline can run as plain columnar queries on any
engine (DuckDB, Spark) without parsing JSON again. The raw bodies are kept too
(``request_json``/``response_json``) so evidence can always show the original.
"""

from __future__ import annotations

import pyarrow as pa

#: Endpoints the contract knows.
ENDPOINTS = ("/v1/chat/completions", "/v1/completions", "/v1/predict")

EVENT_SCHEMA = pa.schema(
    [
        # envelope
        pa.field("request_id", pa.string(), nullable=False),
        pa.field("ts", pa.timestamp("us"), nullable=False),  # UTC, naive
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("api_key_id", pa.string()),
        pa.field("client_ip", pa.string()),
        pa.field("user_agent", pa.string()),
        pa.field("endpoint", pa.string(), nullable=False),
        pa.field("status", pa.int32(), nullable=False),
        pa.field("latency_ms", pa.float64()),
        # request, flattened
        pa.field("model", pa.string()),
        pa.field("end_user", pa.string()),  # request.user
        pa.field("system_prompt", pa.string()),  # all system messages joined
        pa.field("prompt", pa.string()),  # last user message, or `prompt`
        pa.field("n_messages", pa.int32()),
        pa.field("n_user_turns", pa.int32()),
        pa.field("temperature", pa.float64()),
        pa.field("top_p", pa.float64()),
        pa.field("max_tokens", pa.int64()),
        pa.field("n", pa.int32()),
        pa.field("seed", pa.int64()),
        pa.field("logprobs", pa.bool_()),
        pa.field("top_logprobs", pa.int32()),
        pa.field("logit_bias_tokens", pa.list_(pa.string())),  # sorted token ids
        pa.field("n_tools", pa.int32()),
        pa.field("tool_names", pa.list_(pa.string())),
        pa.field("response_format", pa.string()),  # its "type", if any
        pa.field("n_instances", pa.int32()),  # /v1/predict batch size
        # response, flattened
        pa.field("response_text", pa.string()),  # first choice's content
        pa.field("finish_reason", pa.string()),
        pa.field("prompt_tokens", pa.int64()),
        pa.field("completion_tokens", pa.int64()),
        # raw bodies and provenance
        pa.field("request_json", pa.string(), nullable=False),
        pa.field("response_json", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

ACCOUNT_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("created", pa.timestamp("us")),
        pa.field("email_domain", pa.string()),
        pa.field("payment_fingerprint", pa.string()),
        pa.field("declared_org", pa.string()),
        pa.field("country", pa.string()),
        pa.field("tier", pa.string()),
    ]
)

#: A quarantined input line: where it was, which field, why, and the raw text.
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_line", pa.int64(), nullable=False),
        pa.field("field", pa.string()),
        # short category counted in summaries: not_json, missing_field, wrong_type, ...
        pa.field("kind", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw", pa.string()),
    ]
)

#: Tactic names used in scan output and simulator labels.
TACTICS = (
    "reasoning-harvest",
    "capability-sweep",
    "preference-harvest",
    "agentic-harvest",
    "logit-extraction",
    "classifier-extraction",
    "prompt-extraction",
)
