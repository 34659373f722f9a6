"""Loading event logs into DuckDB with the parsing, checking and flattening done in SQL.

This module owns the fast path from spec-format ``events.jsonl`` /
``.jsonl.gz`` files (``shared/spec/traffic-log.md``) to an EVENT_SCHEMA table
in a DuckDB connection, for ``scan``. Python only reads and numbers lines (in
a thread, ahead of DuckDB: ISA-L's inflate and numpy over 1 MB blocks, with the Python
reader's own loop taking over at anything unusual, see ``_LineSource``);
DuckDB's JSON functions parse every line, check it and flatten it, a chunk at
a time in a thread of their own while the chunk before is inserted
(``_Loader._parsed_ahead``). An in-memory database does not checkpoint (compress) while it
loads (``_no_checkpoints``).

The SQL checks are a *conservative* transcription of
:func:`antidistill.events.validate.flatten_event`: a line SQL accepts gets the
very row the Python path would give it, and every other line goes through the
Python path itself (``EventStream``'s mapping and quarantine). That covers the
bad lines, so quarantine records (file, line, field, kind, reason, raw) are the
Python path's own, and the rare good lines whose row SQL cannot vouch for:
numbers that orjson and DuckDB spell differently (exponents, 16+ digits, below
1e-5), control-character escapes, repeated keys in the objects read, NaN or
trailing commas (DuckDB accepts them, orjson does not), nesting deeper than
orjson takes, IP addresses that are not dotted IPv4 and fail the Python
check (run once per distinct address), timestamps outside years 2..9998 or
in spellings DuckDB's TIMESTAMPTZ cast might read otherwise, lines over the
line limit or not UTF-8. Nothing is dropped: every line is a row, a
quarantine record or a blank line.

Known difference: a key repeated deeper inside a request or response body
(not in an object the flattening reads) stays twice in ``request_json`` /
``response_json``, where orjson keeps the last value once; both parse back
to the same value with orjson. With ``bodies="predict"`` this now holds for
the bodies of /v1/predict lines too (see _predict_sql).

Duplicate request ids keep the first accepted occurrence in file and line
order, as ``iter_event_batches(..., dedupe=True)`` does (same set of ids,
filled in line order). Files in another format (LiteLLM, OTel) and Parquet
files go through ``EventStream`` unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import itertools
import os
import queue
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from isal import isal_zlib

from antidistill.events.adapters import get_adapter
from antidistill.events.readers import (
    DEFAULT_MAX_LINE_BYTES,
    GZIP_BUFFER,
    RAW_KEEP_CHARS,
    RawRecord,
    Source,
    _decode_error,
)
from antidistill.events.schema import ENDPOINTS, EVENT_SCHEMA
from antidistill.events.stream import (
    EventStream,
    FileSummary,
    ProgressCallback,
    QuarantineRecord,
    Summary,
    TooManyBadRecords,
    resolve_format,
)
from antidistill.events.validate import BadRecord, _check_ip

CHAT, COMPLETIONS, PREDICT = ENDPOINTS
#: Bytes of lines handed to DuckDB at once, and rows per Arrow batch inside
#: (DuckDB works on the batches of one chunk in parallel). Memory holds about
#: three chunks (one read ahead) and DuckDB's work on one.
CHUNK_BYTES = 32 * 1024 * 1024
BATCH_ROWS = 2048
#: Which lines keep their raw bodies (``request_json``, ``response_json``):
#: all, or only prediction-API lines (what ``scan`` reads of bodies).
BODIES = ("all", "predict")

# -- the SQL ------------------------------------------------------------------

_ANY = None  # any JSON type, or missing
_STR, _OBJ, _ARR = ("VARCHAR",), ("OBJECT",), ("ARRAY",)
_OPT_STR, _OPT_OBJ, _OPT_ARR = ("-", "NULL", "VARCHAR"), ("-", "NULL", "OBJECT"), ("-", "NULL", "ARRAY")
_OPT_NUM = ("-", "NULL", "BIGINT", "UBIGINT", "DOUBLE")
_OPT_UINT = ("-", "NULL", "UBIGINT")  # json_type says UBIGINT for integers >= 0, BIGINT below


def _by_endpoint(chat, completions, predict) -> dict[str, tuple[str, ...] | None]:
    return {CHAT: chat, COMPLETIONS: completions, PREDICT: predict}


# The JSON types flatten_event accepts at each path, per endpoint ("-":
# missing). json_type() gives them all in one parse of the line; the
# signature "endpoint|type,type,..." is then checked with one regex. Values
# are checked separately where a type is not enough (ranges, ids, bodies).
_TYPES: dict[str, tuple[str, ...] | dict] = {
    "$": _OBJ,
    "$.request_id": _STR,
    "$.ts": _STR,
    "$.account_id": _STR,
    "$.api_key_id": _OPT_STR,
    "$.client_ip": _OPT_STR,
    "$.user_agent": _OPT_STR,
    "$.endpoint": _STR,
    "$.status": ("UBIGINT",),
    "$.latency_ms": _OPT_NUM,
    "$.request": _OBJ,
    "$.response": _OPT_OBJ,
    "$.request.model": _OPT_STR,
    "$.request.user": _OPT_STR,
    "$.request.messages": _by_endpoint(_ARR, _ANY, _ANY),
    "$.request.prompt": _by_endpoint(_ANY, ("NULL", "VARCHAR"), _ANY),
    "$.request.instances": _by_endpoint(_ANY, _ANY, _ARR),
    "$.request.temperature": _OPT_NUM,
    "$.request.top_p": _OPT_NUM,
    "$.request.max_tokens": _OPT_UINT,
    "$.request.n": _OPT_UINT,
    "$.request.seed": ("-", "NULL", "BIGINT", "UBIGINT"),
    "$.request.top_logprobs": _OPT_UINT,
    # the legacy Completions API takes a count of top tokens here
    "$.request.logprobs": _by_endpoint(("-", "NULL", "BOOLEAN"), ("-", "NULL", "BOOLEAN", "UBIGINT"),
                                       ("-", "NULL", "BOOLEAN")),
    "$.request.logit_bias": _OPT_OBJ,
    "$.request.tools": _OPT_ARR,
    "$.request.response_format": ("-", "NULL", "VARCHAR", "OBJECT"),
    "$.request.response_format.type": _OPT_STR,
    "$.response.choices": _by_endpoint(_OPT_ARR, _OPT_ARR, _ANY),
    "$.response.choices[0]": _by_endpoint(("-", "OBJECT"), ("-", "OBJECT"), _ANY),
    "$.response.choices[0].message": _by_endpoint(_OPT_OBJ, _ANY, _ANY),
    "$.response.choices[0].message.content": _by_endpoint(_OPT_STR, _ANY, _ANY),
    "$.response.choices[0].text": _by_endpoint(_ANY, _OPT_STR, _ANY),
    "$.response.choices[0].finish_reason": _by_endpoint(_OPT_STR, _OPT_STR, _ANY),
    "$.response.predictions": _by_endpoint(_ANY, _ANY, _OPT_ARR),
    "$.response.usage": _OPT_OBJ,
    "$.response.usage.prompt_tokens": _OPT_UINT,
    "$.response.usage.completion_tokens": _OPT_UINT,
}
_TYPE_PATHS = list(_TYPES)


def _signature_regex(cast: bool = True) -> str:
    """Full-match regex for the signature "endpoint|[type, type, ...]" over the _TYPES paths.

    The list is json_type()'s cast to VARCHAR, where a missing path is NULL
    and the JSON null type the quoted string 'NULL' (see _types_check);
    ``cast=False``: the older spelling "endpoint|type,type,..." with "-" for
    a missing path."""
    spelling = {"-": "NULL", "NULL": "'NULL'"} if cast else {}

    def one(endpoint: str) -> str:
        parts = []
        for allowed in _TYPES.values():
            allowed = allowed.get(endpoint) if isinstance(allowed, dict) else allowed
            parts.append("[^,]*" if allowed is None else "(" + "|".join(spelling.get(a, a) for a in allowed) + ")")
        if cast:
            return endpoint.replace(".", r"\.") + r"\|\[" + ", ".join(parts) + r"\]"
        return endpoint.replace(".", r"\.") + r"\|" + ",".join(parts)
    return "|".join(f"({one(e)})" for e in ENDPOINTS)


@functools.cache
def _types_check() -> str:
    """SQL: the line's JSON types are ones flatten_event accepts.

    The list of types becomes one string by a cast (no lambda per element:
    about 7% of the parse query) where this DuckDB casts lists as the
    regex expects, telling a missing path (NULL) from the JSON null type
    ('NULL'); else element by element, as before."""
    con = duckdb.connect()
    try:
        cast_ok = con.execute("SELECT ['NULL', NULL, 'VARCHAR']::VARCHAR").fetchone()[0] == "['NULL', NULL, VARCHAR]"
    finally:
        con.close()
    if cast_ok:
        return f"regexp_full_match(v.endpoint || '|' || ty::VARCHAR, {_sql_str(_signature_regex())})"
    return (f"regexp_full_match(v.endpoint || '|' || array_to_string(list_transform(ty, t -> coalesce(t, '-')), ','), "
            f"{_sql_str(_signature_regex(cast=False))})")


# json_keys() of the objects whose keys are read: a repeated key there means
# orjson (last one wins) and DuckDB (first one wins) read different values.
_KEY_PATHS = [
    "$", "$.request", "$.response", "$.request.response_format", "$.request.logit_bias",
    "$.response.choices[0]", "$.response.choices[0].message", "$.response.usage",
]
# from_json() structure: scalars as text (their JSON type is known from
# json_type()), the parts read per element as JSON.
_STRUCTURE = {
    **{k: "VARCHAR" for k in ("request_id", "ts", "account_id", "api_key_id", "client_ip", "user_agent",
                              "endpoint", "status")},
    "latency_ms": "DOUBLE",
    "request": {
        **{k: "VARCHAR" for k in ("model", "user", "prompt", "logprobs")},
        **{k: "DOUBLE" for k in ("temperature", "top_p")},
        **{k: "BIGINT" for k in ("max_tokens", "n", "seed", "top_logprobs")},
        "messages": [{"role": "JSON", "content": "JSON"}],
        "tools": [{"function": "JSON", "name": "JSON"}],
        "logit_bias": "JSON",
        "response_format": "JSON",
        "instances": "JSON",
    },
    "response": {
        "choices": [{"message": {"content": "VARCHAR"}, "text": "VARCHAR", "finish_reason": "VARCHAR"}],
        "usage": {"prompt_tokens": "BIGINT", "completion_tokens": "BIGINT"},
    },
}

# Raw-text patterns that send a line to Python: number spellings where
# orjson.dumps and DuckDB's JSON writer differ (exponents, 16 or more digits,
# magnitudes below 1e-5), literals and trailing commas DuckDB accepts and
# orjson refuses, and control-character escapes (written \u001f by orjson,
# \u001F by DuckDB). The number patterns start where a JSON number can
# start; text inside strings that looks alike only costs a Python check.
# DuckDB (yyjson) also takes nan, inf, Infinity in any case, which orjson refuses.
_NUMBER = r"\s*-?([0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+\s*[,\]}]|[0-9]{16}|0\.00000|(?i:nan|inf))"
_RISKY = "|".join([
    r"[:,\[]" + _NUMBER,
    r",\s*[\]}]",
    r"\\u00[01]",
])
# The same set of lines as _RISKY, as patterns that each start with one
# literal byte: RE2 skips to that byte instead of running its automaton over
# every byte of the line (about a third of the cost on log lines).
_RISKY_PARTS = [
    ":" + _NUMBER,
    r",(" + _NUMBER + r"|\s*[\]}])",
    r"\[" + _NUMBER,
    r"\\u00[01]",
]
#: orjson refuses documents nested deeper than this (DuckDB takes them): lines
#: with more brackets go to Python.
_MAX_DEPTH = 1024

# RFC 3339 as validate.parse_ts takes it, narrowed to where DuckDB's own
# TIMESTAMPTZ cast gives the same instant (checked against parse_ts on random
# date-times): hours below 24, minutes and seconds below 60, offsets below
# 24:00, years 2..9998 (so parse_ts's UTC range check cannot fail).
_TS_RE = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
          r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])")
_IPV4_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4_RE = rf"{_IPV4_OCTET}(\.{_IPV4_OCTET}){{3}}"
INT32_MAX = 2**31 - 1


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join(_sql_str(i) for i in items) + "]"


def _ty(path: str) -> str:
    return f"ty[{_TYPE_PATHS.index(path) + 1}]"


def _keys(path: str) -> str:
    return f"keys[{_KEY_PATHS.index(path) + 1}]"


def _distinct(keys: str) -> str:
    """No key twice in the list ``keys`` (NULL: no object there). Lists of
    one or two keys, most of them, are decided without list_unique's hash set."""
    return (f"coalesce(CASE WHEN len({keys}) <= 1 THEN true WHEN len({keys}) = 2 THEN {keys}[1] <> {keys}[2] "
            f"ELSE len({keys}) = list_unique({keys}) END, true)")


def _all(items: str, test: str) -> str:
    """Every element ``x`` of a list (NULL: no list) passes ``test`` (NULL fails)."""
    return f"coalesce(list_bool_and(list_transform({items}, x -> coalesce({test}, false))), true)"


def _checks() -> dict[str, str]:
    """What a line must meet, beyond its types, for its SQL row to be the Python path's row."""
    req = "v.request"
    return {
        "types": _types_check(),
        "plain": "NOT (" + " OR ".join(f"regexp_matches(text, {_sql_str(p)})" for p in _RISKY_PARTS) + ")",
        # one lambda over the objects' key lists (no list_extract of each)
        "keys": _all("keys", _distinct("x")),
        "ids": "v.request_id <> '' AND v.account_id <> ''",
        "ts": "ts_utc IS NOT NULL",
        "status": "TRY_CAST(v.status AS INTEGER) BETWEEN 100 AND 599",
        "int32": f"coalesce({req}.n, 0) <= {INT32_MAX} AND coalesce({req}.top_logprobs, 0) <= {INT32_MAX} "
                 f"AND ({_ty('$.request.logprobs')} IS DISTINCT FROM 'UBIGINT' OR TRY_CAST({req}.logprobs AS BIGINT) <= {INT32_MAX})",
        # roles are strings, contents strings or null (JSON text: strings start with ")
        "messages": (_all(f"{req}.messages", "starts_with(x.role, '\"') AND coalesce(starts_with(x.content, '\"'), true)")
                     + " AND " + _all("msg_keys", _distinct("x"))),
        "logit_bias": (_all(_keys("$.request.logit_bias"), "regexp_full_match(x, '[0-9]+')") + " AND "
                       + _all(f"json_extract({req}.logit_bias, '$.*')",
                              "regexp_full_match(x, '-?[0-9][0-9.eE+-]*') AND TRY_CAST(x AS DOUBLE) BETWEEN -100 AND 100")),
        "tools": (_all("tool_types", "x = 'OBJECT'") + " AND "
                  + _all("tool_name_json", "x IS NULL OR x = 'null' OR starts_with(x, '\"')") + " AND "
                  + _all("tool_keys", _distinct("x"))),
    }


def _columns() -> dict[str, str]:
    """SQL for each EVENT_SCHEMA column but ``source_file``, as flatten_event computes it."""
    req, resp = "v.request", "v.response"
    msgs, rf, c0 = f"{req}.messages", f"{req}.response_format", f"{resp}.choices[1]"
    chat, has_resp = f"v.endpoint = '{CHAT}'", f"{_ty('$.response')} = 'OBJECT'"
    systems = f"list_filter({msgs}, m -> m.role IN ('\"system\"', '\"developer\"') AND m.content IS NOT NULL)"
    users = f"list_filter({msgs}, m -> m.role = '\"user\"')"
    tools_given = f"{_ty('$.request.tools')} = 'ARRAY'"
    legacy_logprobs = f"v.endpoint = '{COMPLETIONS}' AND {_ty('$.request.logprobs')} = 'UBIGINT'"
    return {
        "request_id": "v.request_id",
        "ts": "ts_utc",
        "account_id": "v.account_id",
        "api_key_id": "v.api_key_id",
        "client_ip": "v.client_ip",
        "user_agent": "v.user_agent",
        "endpoint": "v.endpoint",
        "status": "TRY_CAST(v.status AS INTEGER)",
        "latency_ms": "v.latency_ms",
        "model": f"{req}.model",
        "end_user": f"{req}.user",
        "system_prompt": (f"CASE WHEN {chat} AND len({systems}) > 0 THEN array_to_string(list_transform({systems}, "
                          f"m -> json_extract_string(m.content, '$')), chr(10)) END"),
        "prompt": (f"CASE WHEN {chat} THEN json_extract_string({users}[-1].content, '$') "
                   f"WHEN v.endpoint = '{COMPLETIONS}' THEN {req}.prompt END"),
        "n_messages": f"CASE WHEN {chat} THEN len({msgs}) END::INTEGER",
        "n_user_turns": f"CASE WHEN {chat} THEN len({users}) END::INTEGER",
        "temperature": f"{req}.temperature",
        "top_p": f"{req}.top_p",
        "max_tokens": f"{req}.max_tokens",
        "n": f"TRY_CAST({req}.n AS INTEGER)",
        "seed": f"{req}.seed",
        "logprobs": f"CASE WHEN {legacy_logprobs} THEN true ELSE TRY_CAST({req}.logprobs AS BOOLEAN) END",
        "top_logprobs": (f"TRY_CAST(CASE WHEN {legacy_logprobs} THEN TRY_CAST({req}.logprobs AS BIGINT) "
                         f"ELSE {req}.top_logprobs END AS INTEGER)"),
        # token ids in numeric order: by length, then text (they are all digits)
        "logit_bias_tokens": (f"CASE WHEN {_ty('$.request.logit_bias')} = 'OBJECT' THEN list_transform(list_sort("
                              f"list_transform({_keys('$.request.logit_bias')}, k -> {{'n': length(k), 'k': k}})), "
                              f"s -> s.k) END"),
        "n_tools": f"CASE WHEN {tools_given} THEN len({req}.tools) END::INTEGER",
        "tool_names": (f"CASE WHEN {tools_given} THEN list_transform(list_filter(tool_name_json, "
                       f"t -> t IS NOT NULL AND t <> 'null'), t -> json_extract_string(t, '$')) END"),
        "response_format": (f"CASE {_ty('$.request.response_format')} WHEN 'VARCHAR' THEN json_extract_string({rf}, '$') "
                            f"WHEN 'OBJECT' THEN json_extract_string({rf}, '$.type') END"),
        "n_instances": f"CASE WHEN v.endpoint = '{PREDICT}' THEN json_array_length({req}.instances) END::INTEGER",
        "response_text": (f"CASE WHEN {has_resp} AND {chat} THEN {c0}.message.content "
                          f"WHEN {has_resp} AND v.endpoint = '{COMPLETIONS}' THEN {c0}.text END"),
        "finish_reason": f"CASE WHEN {has_resp} AND v.endpoint <> '{PREDICT}' THEN {c0}.finish_reason END",
        "prompt_tokens": f"CASE WHEN {has_resp} THEN {resp}.usage.prompt_tokens END",
        "completion_tokens": f"CASE WHEN {has_resp} THEN {resp}.usage.completion_tokens END",
        # '' and NULL where bodies are not kept (see load_events' ``bodies``)
        "request_json": "coalesce(bodies[1]::VARCHAR, '')",
        "response_json": f"CASE WHEN {has_resp} THEN bodies[2]::VARCHAR END",
        "source_line": "line",
    }


@functools.cache
def _chunk_sql(guarded: bool, bodies: str = "all") -> str:
    """``_ad_lines`` (line, text) -> ``ok``, ``ip_check`` and the row of each line.

    Unguarded, a line that is not JSON makes the query fail (the caller then
    runs the guarded one, which checks every line first). ``bodies``: which
    lines keep their request and response bodies (``"all"``, or
    ``"predict"``: only ``/v1/predict`` lines; the others are not even
    extracted). Built on first use (not at import: the types check probes
    DuckDB once, see _types_check)."""
    keep_body = "ty[1] = 'OBJECT'" if bodies == "all" else f"ty[1] = 'OBJECT' AND v.endpoint = '{PREDICT}'"
    ok = " AND ".join(f"coalesce(({c}), false)" for c in _checks().values())
    types = f"json_type(text, {_sql_list(_TYPE_PATHS)})"
    tools_given = f"{_ty('$.request.tools')} = 'ARRAY'"
    return f"""
WITH typed AS (
  SELECT line, text, {f"CASE WHEN json_valid(text) THEN {types} END" if guarded else types} AS ty
  FROM _ad_lines
), parsed AS (
  SELECT line, text, ty,
    CASE WHEN ty[1] = 'OBJECT' THEN from_json(text, {_sql_str(orjson.dumps(_STRUCTURE).decode())}) END AS v,
    CASE WHEN ty[1] = 'OBJECT' THEN json_keys(text, {_sql_list(_KEY_PATHS)}) END AS keys,
    CASE WHEN {_ty('$.request.messages')} = 'ARRAY' THEN json_keys(text, '$.request.messages[*]') END AS msg_keys,
    CASE WHEN {tools_given} THEN json_type(text, '$.request.tools[*]') END AS tool_types,
    CASE WHEN {tools_given} THEN list_concat(json_keys(text, '$.request.tools[*]'),
                                             json_keys(text, '$.request.tools[*].function')) END AS tool_keys
  FROM typed
), derived AS (
  SELECT *,
    CASE WHEN {keep_body} THEN json_extract(text, ['$.request', '$.response']) END AS bodies,
    list_transform(v.request.tools, t -> CASE WHEN starts_with(t.function, '{{') THEN json_extract(t.function, '$.name')
                                             ELSE t.name END) AS tool_name_json,
    CASE WHEN regexp_full_match(v.ts, {_sql_str(_TS_RE)}) AND v.ts[:4] BETWEEN '0002' AND '9998'
         THEN timezone('UTC', TRY_CAST(v.ts AS TIMESTAMPTZ)) END AS ts_utc
  FROM parsed
), checked AS (
  SELECT *, ty[1] = 'OBJECT' AND {ok} AS ok FROM derived
)
SELECT line, ok,
  CASE WHEN ok AND {_ty('$.client_ip')} = 'VARCHAR' AND NOT regexp_full_match(v.client_ip, {_sql_str(_IPV4_RE)})
       THEN v.client_ip END AS ip_check,
  {", ".join(f"{expr} AS {name}" for name, expr in _columns().items())}
FROM checked
"""


# -- the fast path: DuckDB's own reader -----------------------------------------
#
# read_json parses each line once, into typed columns of just the fields
# flatten_event reads. Where it cannot show a line's row is the Python path's
# own, the line goes to Python, so this path only has to be sure of what it
# accepts:
#
# * Without ignore_errors, read_json fails on anything but an object per line,
#   on an object or array where a field's STRUCT or list is declared (and the
#   reverse), and on a key repeated in an object it reads into a STRUCT; the
#   loader then tries the lines again in pieces (see _Loader._fast), and
#   what is left goes to _parse. A key repeated among keys it does not read
#   changes no column.
# * It does cast scalars silently (the number 5 to the VARCHAR '5', an object
#   to its JSON text, the string "5" to a BIGINT, 5.5 to 6, true to 1). So the
#   fields read as VARCHAR are those of _STRING_KEYS, and a line where any key
#   of that name holds something other than a string or null (found in the
#   raw text: _FAST_PARTS) is not shown to it; the other scalars are read as
#   JSON, whose text tells the type.
# * A JSON null and a missing field both read as NULL: only the completions
#   prompt tells them apart, and a NULL prompt goes to Python.
# * What yyjson takes and orjson refuses (nan and inf literals, trailing
#   commas, numbers beyond a double) and text where the two may differ are in
#   the lines _RISKY_PARTS find. These lines and those of _FAST_PARTS are
#   found in the reader thread (_Chunk.prepare) and read_json is shown
#   ``null`` in their place (_Chunk.write_lines).
# * Lines of /v1/predict keep their bodies, which these STRUCTs do not give:
#   they are shown as ``null`` here too, and read by a read_json of their own
#   (_predict_sql).
# * It gives one row per line, in order (WITH ORDINALITY; DuckDB skips only
#   blank lines, which never reach it); the row count is checked against the
#   line count.

_STRING_KEYS = ("request_id", "ts", "account_id", "api_key_id", "client_ip", "user_agent", "endpoint",
                "model", "user", "prompt", "role", "content", "text", "finish_reason")
_FAST_PARTS = [
    # a key read as VARCHAR whose value is not a string or null (nor nan: _RISKY_PARTS)
    '"(' + "|".join(k for k in _STRING_KEYS if k != "content") + r')"\s*:\s*[^"\sn]',
    # the same for "content", but for a list of objects (logprobs have one: a
    # message content that is one is told by its text, see _fast_checks)
    r'"content"\s*:\s*([^"\sn\[]|\[\s*[^\s{])',
    # a key (or anything) spelled with escapes of printable ASCII characters
    r"\\u00[2-7]",
]
_FAST_READ = {
    **{k: "VARCHAR" for k in ("request_id", "ts", "account_id", "api_key_id", "client_ip", "user_agent", "endpoint")},
    "status": "JSON",
    "latency_ms": "JSON",
    "request": ("STRUCT(model VARCHAR, \"user\" VARCHAR, prompt VARCHAR, messages STRUCT(role VARCHAR, content VARCHAR)[], "
                + ", ".join(f"{k} JSON" for k in ("temperature", "top_p", "max_tokens", "n", "seed", "top_logprobs",
                                                  "logprobs", "logit_bias", "tools", "response_format")) + ")"),
    "response": ("STRUCT(choices STRUCT(message STRUCT(content VARCHAR), text VARCHAR, finish_reason VARCHAR)[], "
                 "usage STRUCT(prompt_tokens JSON, completion_tokens JSON))"),
}
_JSON_NUMBER = r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?"


def _not_objects(x: str) -> str:
    """A content (VARCHAR) that is not a list of objects read_json cast to text."""
    return f"({x} IS NULL OR NOT starts_with({x}, '[{{') OR NOT json_valid({x}))"


def _int_ok(x: str, sql_type: str, signed: bool = False) -> str:
    """``x`` (JSON text) is missing, null or an integer that fits ``sql_type`` (non-negative unless ``signed``)."""
    return f"({x} IS NULL OR (regexp_full_match({x}, '{'-?' if signed else ''}[0-9]+') AND TRY_CAST({x} AS {sql_type}) IS NOT NULL))"


def _num_ok(x: str) -> str:
    """``x`` (JSON text) is missing, null or a finite number."""
    return f"({x} IS NULL OR (regexp_full_match({x}, '{_JSON_NUMBER}') AND isfinite(TRY_CAST({x} AS DOUBLE))))"


def _fast_checks() -> dict[str, str]:
    """What a line read by read_json must meet for its row to be the Python path's row."""
    r, s = "request", "response"
    chat, completions = f"endpoint = '{CHAT}'", f"endpoint = '{COMPLETIONS}'"
    logprobs = f"{r}.logprobs::VARCHAR"
    return {
        "ids": "request_id <> '' AND account_id <> ''",
        "endpoint": f"endpoint IN ('{CHAT}', '{COMPLETIONS}')",
        "ts": "ts_utc IS NOT NULL",
        "status": "regexp_full_match(status, '[0-9]+') AND TRY_CAST(status::VARCHAR AS INTEGER) BETWEEN 100 AND 599",
        "numbers": " AND ".join(_num_ok(f"{x}::VARCHAR") for x in ("latency_ms", f"{r}.temperature", f"{r}.top_p")),
        "ints": " AND ".join([_int_ok(f"{r}.max_tokens::VARCHAR", "BIGINT"), _int_ok(f"{r}.n::VARCHAR", "INTEGER"),
                              _int_ok(f"{r}.seed::VARCHAR", "BIGINT", signed=True),
                              _int_ok(f"{r}.top_logprobs::VARCHAR", "INTEGER")]),
        "logprobs": (f"{logprobs} IS NULL OR {logprobs} IN ('true', 'false') "
                     f"OR ({completions} AND {_int_ok(logprobs, 'INTEGER')})"),
        "request": f"{r} IS NOT NULL",
        "messages": (f"NOT {chat} OR ({r}.messages IS NOT NULL AND "
                     f"{_all(f'{r}.messages', 'x.role IS NOT NULL AND ' + _not_objects('x.content'))})"),
        "prompt": f"NOT {completions} OR {r}.prompt IS NOT NULL",
        # the rarer fields: their checks only where they are given
        "logit_bias": (f"CASE WHEN {r}.logit_bias IS NULL THEN true ELSE starts_with({r}.logit_bias, '{{') AND "
                       + _all(f"json_keys({r}.logit_bias)", "regexp_full_match(x, '[0-9]+')") + " AND "
                       + _distinct(f"json_keys({r}.logit_bias)") + " AND "
                       + _all(f"json_extract({r}.logit_bias, '$.*')",
                              "regexp_full_match(x, '-?[0-9][0-9.eE+-]*') AND TRY_CAST(x AS DOUBLE) BETWEEN -100 AND 100")
                       + " END"),
        "tools": (f"CASE WHEN {r}.tools IS NULL THEN true ELSE starts_with({r}.tools, '[') AND "
                  + _all(f"json_type({r}.tools, '$[*]')", "x = 'OBJECT'") + " AND "
                  + _all("tool_name_json", "x IS NULL OR x = 'null' OR starts_with(x, '\"')") + " AND "
                  + _all(f"list_concat(json_keys({r}.tools, '$[*]'), json_keys({r}.tools, '$[*].function'))", _distinct("x"))
                  + " END"),
        "response_format": (f"CASE WHEN {r}.response_format IS NULL OR starts_with({r}.response_format, '\"') THEN true "
                            f"ELSE starts_with({r}.response_format, '{{') AND "
                            f"coalesce(json_type({r}.response_format, '$.type') IN ('NULL', 'VARCHAR'), true) AND "
                            f"{_distinct(f'json_keys({r}.response_format)')} END"),
        # choices: none, or the first an object
        "response": (f"{s} IS NULL OR ((coalesce(len({s}.choices), 0) = 0 OR (c0 IS NOT NULL AND {_not_objects('c0.message.content')})) "
                     f"AND {_int_ok(f'{s}.usage.prompt_tokens::VARCHAR', 'BIGINT')} "
                     f"AND {_int_ok(f'{s}.usage.completion_tokens::VARCHAR', 'BIGINT')})"),
    }


def _fast_columns() -> dict[str, str]:
    """SQL for each EVENT_SCHEMA column but ``source_file`` from read_json's columns, as flatten_event computes it."""
    r, s = "request", "response"
    chat = f"endpoint = '{CHAT}'"
    msgs, rf, logprobs = f"{r}.messages", f"{r}.response_format", f"{r}.logprobs::VARCHAR"
    legacy_logprobs = f"endpoint = '{COMPLETIONS}' AND {logprobs} NOT IN ('true', 'false')"
    return {
        "request_id": "request_id",
        "ts": "ts_utc",
        "account_id": "account_id",
        "api_key_id": "api_key_id",
        "client_ip": "client_ip",
        "user_agent": "user_agent",
        "endpoint": "endpoint",
        "status": "TRY_CAST(status::VARCHAR AS INTEGER)",
        "latency_ms": "TRY_CAST(latency_ms::VARCHAR AS DOUBLE)",
        "model": f"{r}.model",
        "end_user": f"{r}.\"user\"",
        "system_prompt": "CASE WHEN len(systems) > 0 THEN array_to_string(systems, chr(10)) END",
        "prompt": f"CASE WHEN {chat} THEN users[-1] ELSE {r}.prompt END",
        "n_messages": f"CASE WHEN {chat} THEN len({msgs}) END::INTEGER",
        "n_user_turns": f"CASE WHEN {chat} THEN len(users) END::INTEGER",
        "temperature": f"TRY_CAST({r}.temperature::VARCHAR AS DOUBLE)",
        "top_p": f"TRY_CAST({r}.top_p::VARCHAR AS DOUBLE)",
        "max_tokens": f"TRY_CAST({r}.max_tokens::VARCHAR AS BIGINT)",
        "n": f"TRY_CAST({r}.n::VARCHAR AS INTEGER)",
        "seed": f"TRY_CAST({r}.seed::VARCHAR AS BIGINT)",
        "logprobs": f"CASE WHEN {legacy_logprobs} THEN true ELSE {logprobs} = 'true' END",
        "top_logprobs": (f"TRY_CAST(CASE WHEN {legacy_logprobs} THEN {logprobs} "
                         f"ELSE {r}.top_logprobs::VARCHAR END AS INTEGER)"),
        # token ids in numeric order: by length, then text (they are all digits)
        "logit_bias_tokens": (f"CASE WHEN {r}.logit_bias IS NOT NULL THEN list_transform(list_sort(list_transform("
                              f"json_keys({r}.logit_bias), k -> {{'n': length(k), 'k': k}})), s -> s.k) END"),
        "n_tools": f"json_array_length({r}.tools)::INTEGER",
        "tool_names": (f"CASE WHEN {r}.tools IS NOT NULL THEN list_transform(list_filter(tool_name_json, "
                       f"t -> t IS NOT NULL AND t <> 'null'), t -> json_extract_string(t, '$')) END"),
        "response_format": (f"CASE WHEN starts_with({rf}, '\"') THEN json_extract_string({rf}, '$') "
                            f"WHEN starts_with({rf}, '{{') THEN json_extract_string({rf}, '$.type') END"),
        "n_instances": "NULL::INTEGER",
        "response_text": f"CASE WHEN {s} IS NOT NULL THEN CASE WHEN {chat} THEN c0.message.content ELSE c0.text END END",
        "finish_reason": f"CASE WHEN {s} IS NOT NULL THEN c0.finish_reason END",
        "prompt_tokens": f"TRY_CAST({s}.usage.prompt_tokens::VARCHAR AS BIGINT)",
        "completion_tokens": f"TRY_CAST({s}.usage.completion_tokens::VARCHAR AS BIGINT)",
        "request_json": "''",
        "response_json": "NULL::VARCHAR",
        "source_line": "line",
    }


def _checked_rows(ok: str, columns: dict[str, str]) -> str:
    """The end of _fast_sql and _predict_sql (``ts_utc``, then the rest of the
    query): the rows of read_json's (``raw``, with ``line``), with ``ok``,
    ``ip_check`` and ``columns``."""
    return f"""CASE WHEN regexp_full_match(ts, {_sql_str(_TS_RE)}) AND ts[:4] BETWEEN '0002' AND '9998'
         THEN timezone('UTC', TRY_CAST(ts AS TIMESTAMPTZ)) END AS ts_utc
  FROM raw
), checked AS (
  SELECT *, {ok} AS ok FROM derived
)
SELECT line, ok,
  CASE WHEN ok AND client_ip IS NOT NULL AND NOT regexp_full_match(client_ip, {_sql_str(_IPV4_RE)})
       THEN client_ip END AS ip_check,
  {", ".join(f"{expr} AS {name}" for name, expr in columns.items())}
FROM checked
"""


@functools.cache
def _fast_sql() -> str:
    """The lines of the file ``$path`` (numbered from ``$first``; see
    _Chunk.write_lines) -> line, ok, ip_check and the row, as _chunk_sql
    gives them, for ``bodies="predict"``; fails (InvalidInputException)
    where read_json cannot read a line strictly."""
    ok = " AND ".join(f"coalesce(({c}), false)" for c in _fast_checks().values())
    columns = "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in _FAST_READ.items()) + "}"
    chat, msgs = f"endpoint = '{CHAT}'", "request.messages"
    return f"""
WITH raw AS (
  SELECT * FROM read_json($path, format = 'newline_delimited', columns = {columns},
                          maximum_object_size = $max_object) WITH ORDINALITY
), derived AS (
  SELECT ordinality + $first - 1 AS line, raw.*, response.choices[1] AS c0,
    CASE WHEN {chat} THEN list_transform(list_filter({msgs}, m -> m.role = 'user'), m -> m.content) END AS users,
    CASE WHEN {chat} THEN list_transform(list_filter({msgs}, m -> m.role IN ('system', 'developer') AND m.content IS NOT NULL),
                                         m -> m.content) END AS systems,
    CASE WHEN request.tools IS NOT NULL AND starts_with(request.tools, '[') THEN list_transform(
      from_json(request.tools, '[{{"function": "JSON", "name": "JSON"}}]'),
      t -> CASE WHEN starts_with(t.function, '{{') THEN json_extract(t.function, '$.name') ELSE t.name END) END AS tool_name_json,
    {_checked_rows(ok, _fast_columns())}"""


# -- the fast path for /v1/predict lines -----------------------------------------
#
# A prediction line is mostly its bodies (about 8 kB of numbers), which the
# row keeps (``bodies="predict"``) and read_json's STRUCTs would drop. These
# lines (found in the reader thread by _PREDICT_HINT, and not risky) are read
# by a read_json of their own, with the bodies as JSON: yyjson writes them
# back compact, as orjson.dumps does for the numbers and strings that the
# risky lines exclude (the same writer as _chunk_sql's json_extract). Only the
# plainest shape is vouched for: a request whose only key is ``instances``
# (an array), and no response, or one with no key but ``predictions`` (an
# array or null). Anything else goes to Python, as before. A key repeated
# deeper inside a body stays twice (see the module's known difference).

#: a raw line that may be a /v1/predict line (RE2 skips to the "/" of it)
_PREDICT_HINT = '/v1/predict"'
_PREDICT_READ = {
    **{k: "VARCHAR" for k in ("request_id", "ts", "account_id", "api_key_id", "client_ip", "user_agent", "endpoint")},
    "status": "JSON",
    "latency_ms": "JSON",
    "request": "JSON",
    "response": "JSON",
}


def _predict_checks() -> dict[str, str]:
    """What a /v1/predict line read by _predict_sql must meet for its row to be the Python path's row."""
    fast = _fast_checks()
    return {
        "ids": fast["ids"],
        "endpoint": f"endpoint = '{PREDICT}'",
        "ts": fast["ts"],
        "status": fast["status"],
        "numbers": _num_ok("latency_ms::VARCHAR"),
        # only ``instances``, an array: written compact, so the text starts so
        "request": "req_keys = ['instances'] AND starts_with(request::VARCHAR, '{\"instances\":[')",
        "response": ("response IS NULL OR resp_keys = [] OR (resp_keys = ['predictions'] AND "
                     "(starts_with(response::VARCHAR, '{\"predictions\":[') OR response::VARCHAR = '{\"predictions\":null}'))"),
    }


@functools.cache
def _predict_sql() -> str:
    """The /v1/predict lines of the file ``$path`` (line ``i`` is line ``$lines[i]``)
    -> line, ok, ip_check and the row, as _fast_sql gives them; fails
    (InvalidInputException) where read_json cannot read a line strictly."""
    ok = " AND ".join(f"coalesce(({c}), false)" for c in _predict_checks().values())
    columns = "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in _PREDICT_READ.items()) + "}"
    sql_types = {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
                 pa.bool_(): "BOOLEAN", pa.list_(pa.string()): "VARCHAR[]"}
    nulls = {name: f"NULL::{sql_types.get(EVENT_SCHEMA.field(name).type, 'VARCHAR')}" for name in _fast_columns()}
    row = {
        **nulls,
        **{k: v for k, v in _fast_columns().items()
           if k in ("request_id", "ts", "account_id", "api_key_id", "client_ip", "user_agent", "endpoint", "status",
                    "latency_ms", "source_line")},
        "n_instances": "json_array_length(request, '$.instances')::INTEGER",
        "request_json": "request::VARCHAR",
        "response_json": "response::VARCHAR",
    }
    return f"""
WITH raw AS (
  SELECT * FROM read_json($path, format = 'newline_delimited', columns = {columns},
                          maximum_object_size = $max_object) WITH ORDINALITY
), derived AS (
  SELECT ($lines::BIGINT[])[ordinality] AS line, raw.*,
    CASE WHEN starts_with(request::VARCHAR, '{{') THEN json_keys(request) END AS req_keys,
    CASE WHEN starts_with(response::VARCHAR, '{{') THEN json_keys(response) END AS resp_keys,
    {_checked_rows(ok, {name: row[name] for name in _fast_columns()})}"""


_INSERT_COLUMNS = ", ".join("$source_file" if n == "source_file" else n for n in EVENT_SCHEMA.names)


# -- reading lines ------------------------------------------------------------

#: The Python reader (``Source._line_records``) reads a gzip stream through a
#: buffer of this many decompressed bytes: when a refill fails, the lines of
#: that whole window are lost, so the fast reader below takes a line only once
#: its window has been decompressed whole.
_WINDOW = GZIP_BUFFER
_READ = 1 << 20  # bytes read from the file at once
_SPACE = (ord(" "), ord("\t"), ord("\n"), ord("\r"), ord("\v"), ord("\f"))  # what bytes.strip() strips


@dataclass
class _Chunk:
    """Consecutive lines of one file: those for SQL as an Arrow table, the rest as records."""

    first: int
    last: int = 0
    size: int = 0  # bytes of the lines for SQL
    numbers: list[pa.Array] = field(default_factory=list)  # (line numbers, texts) in pieces, in line order
    texts: list[pa.Array] = field(default_factory=list)
    python: list[RawRecord] = field(default_factory=list)  # for the Python path, in line order
    blank: list[int] = field(default_factory=list)
    position: int = 0
    table: pa.Table | None = None
    #: per row of ``table``: a line _RISKY_PARTS or _FAST_PARTS find (read_json is not shown it; see _fast_sql)
    risky: np.ndarray | None = None
    #: per row of ``table``: a line that is not risky and looks like a /v1/predict line (read by _predict_sql)
    predict: np.ndarray | None = None
    #: rows the fast path vouched for (``ok``) in the parser's ``_ad_fast``
    fast_ok: int | None = None
    _text: pa.Array | None = None  # the text column in one array
    _line_numbers: list[int] = field(default_factory=list)  # lines added one at a time, not yet a piece
    _line_texts: list[bytes] = field(default_factory=list)

    def add(self, number: int, line: bytes) -> None:
        self._line_numbers.append(number)
        self._line_texts.append(line)
        self.size += len(line)

    def add_piece(self, numbers: pa.Array, texts: pa.Array, size: int) -> None:
        self._flush()
        self.numbers.append(numbers)
        self.texts.append(texts)
        self.size += size

    def _flush(self) -> None:
        if self._line_numbers:
            self.numbers.append(pa.array(self._line_numbers, pa.int64()))
            self.texts.append(pa.array(self._line_texts, pa.binary()))
            self._line_numbers, self._line_texts = [], []

    def prepare(self, risky: bool = False) -> _Chunk:
        """Arrow table of the lines; lines that are not UTF-8 go to the Python path.
        ``risky``: also flag the lines _RISKY_PARTS or _FAST_PARTS find (for the fast path)."""
        self._flush()
        numbers = pa.concat_arrays(self.numbers) if self.numbers else pa.array([], pa.int64())
        binary = pa.concat_arrays(self.texts) if self.texts else pa.array([], pa.binary())
        self.numbers = self.texts = []  # the table holds the same
        try:
            text = binary.cast(pa.string())
        except pa.ArrowInvalid:
            keep = []
            for number, line in zip(numbers.to_pylist(), binary.to_pylist()):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    self.python.append(parse_record(number, line))
                    keep.append(False)
                else:
                    keep.append(True)
            self.python.sort(key=lambda r: r.line)
            keep = pa.array(keep)
            numbers, text = numbers.filter(keep), binary.filter(keep).cast(pa.string())
        if risky:
            flags = np.zeros(len(text), dtype=bool)
            for pattern in [*_RISKY_PARTS, *_FAST_PARTS]:
                flags |= pc.match_substring_regex(text, pattern).to_numpy(zero_copy_only=False)
            self.risky = flags
            self.predict = pc.match_substring_regex(text, _PREDICT_HINT).to_numpy(zero_copy_only=False) & ~flags
        self._text = text
        table = pa.table({"line": numbers, "text": text})
        self.table = pa.Table.from_batches(table.to_batches(max_chunksize=BATCH_ROWS), table.schema)
        return self

    def write_lines(self, out, start: int, stop: int) -> tuple[int, int]:
        """Write rows ``start:stop`` of ``table`` to the binary file ``out``, one
        per line, with ``null`` in place of risky lines and of the line numbers
        between them that are not in the table (blank, or for Python): line
        ``first + i`` is line ``i + 1`` of ``out``. Returns (first, count)."""
        numbers = self.table.column("line").to_numpy()[start:stop]
        text = self._text
        offsets = np.frombuffer(text.buffers()[1], np.int32)[text.offset + start:text.offset + stop + 1]
        data = memoryview(text.buffers()[2])
        risky = self.risky[start:stop] if self.risky is not None else np.zeros(stop - start, dtype=bool)
        if self.predict is not None:  # read by _predict_sql instead
            risky = risky | self.predict[start:stop]
        gap = np.concatenate(([0], np.diff(numbers) - 1))  # line numbers missing before each row
        at = 0  # the next row to write
        for k in [*np.flatnonzero(risky | (gap > 0)).tolist(), len(numbers)]:
            if k > at:  # rows at..k-1: consecutive, none risky
                piece = data[offsets[at]:offsets[k]]
                out.write(piece)
                if piece[-1] != 10:  # the file's last line, without newline
                    out.write(b"\n")
            if k == len(numbers):
                break
            out.write(b"null\n" * int(gap[k]))
            if risky[k]:
                out.write(b"null\n")
                at = k + 1
            else:
                at = k
        return int(numbers[0]), int(numbers[-1] - numbers[0] + 1)

    def write_rows(self, out, rows: np.ndarray) -> list[int]:
        """Write these rows of ``table`` to the binary file ``out``, one per
        line; returns their line numbers (line ``i + 1`` of ``out`` is the ``i``-th)."""
        text = self._text
        offsets = np.frombuffer(text.buffers()[1], np.int32)[text.offset:text.offset + len(text) + 1]
        data = memoryview(text.buffers()[2])
        for k in rows.tolist():
            piece = data[offsets[k]:offsets[k + 1]]
            out.write(piece)
            if piece[-1] != 10:  # the file's last line, without newline
                out.write(b"\n")
        return self.table.column("line").to_numpy()[rows].tolist()

    def lines(self, numbers: list[int]) -> list[RawRecord]:
        """The lines with these numbers (ascending), parsed by the Python reader."""
        where = dict(zip(self.table.column("line").to_pylist(), range(self.table.num_rows)))
        text = self.table.column("text")
        return [parse_record(n, text[where[n]].as_py().encode()) for n in numbers]


def _last_read(chunk: _Chunk) -> int:
    """The number of the last line read (into this chunk or before it)."""
    return chunk.last or chunk.first - 1


def parse_record(number: int, line: bytes) -> RawRecord:
    """One line as the Python reader makes it: parsed, or with the parse error."""
    try:
        return RawRecord(number, value=orjson.loads(line), raw=line)
    except orjson.JSONDecodeError as exc:
        return RawRecord(number, raw=line, error=_decode_error(line, exc))


class _LineSource(Source):
    """``Source``'s JSON Lines reading without the parsing: chunks of raw lines.

    A fast reader (inflate and numpy over blocks, no Python per line) takes the
    lines of a well-formed file; at anything unusual (a line over the limit, a
    gzip stream that is corrupt, truncated, or not one member and nothing
    else) it stops, and the Python reader's own loop reads the file again
    from the line after the last one taken, so that every line and record
    (and where a broken file stops) is what ``Source`` gives."""

    #: flag the lines _RISKY_PARTS or _FAST_PARTS find (see _Chunk.prepare)
    flag_risky = False

    def chunks(self) -> Iterator[_Chunk]:
        chunk = _Chunk(1)
        with self.path.open("rb") as raw:
            self._raw = raw
            chunk, done = yield from self._fast_chunks(raw, chunk)
        if not done:
            with self.path.open("rb") as raw:
                self._raw = raw
                chunk = yield from self._exact_chunks(raw, chunk)
        chunk.position = self.position
        yield chunk.prepare(self.flag_risky)

    def _fast_chunks(self, raw, chunk: _Chunk):
        """Chunks while the fast reader can read; returns (the chunk being filled, whether it read to the end)."""
        # ISA-L's inflate: zlib's contract (and checks) at about twice its speed,
        # on the one thread that reads ahead of DuckDB.
        inflate = isal_zlib.decompressobj(31) if self.kind == "gzip" else None  # 31: one gzip member
        pending = b""  # decompressed bytes from the start of the first line not taken
        total = 0  # decompressed bytes so far
        while True:
            data = raw.read(_READ)
            end = not data
            if inflate is None:
                out = data
            else:
                if inflate.eof and not end:
                    return chunk, False  # bytes after the member
                try:
                    out = inflate.decompress(data)
                except isal_zlib.error:
                    return chunk, False
                if inflate.unused_data or (end and not inflate.eof):
                    return chunk, False  # another member, trailing bytes, or truncated
            total += len(out)
            buf = pending + out if pending else out
            if end:
                cut = len(buf)
            else:  # whole lines of finished windows
                cut = buf.rfind(b"\n", 0, max((total // _WINDOW) * _WINDOW - (total - len(buf)), 0)) + 1
            if cut and not self._take(buf[:cut], chunk):
                return chunk, False
            pending = buf[cut:]
            if end:
                return chunk, True
            if len(pending) > self.max_line_bytes and b"\n" not in pending[: self.max_line_bytes + 1]:
                return chunk, False  # a line over the limit
            if chunk.size >= CHUNK_BYTES:
                chunk.position = self.position
                yield chunk.prepare(self.flag_risky)
                chunk = _Chunk(chunk.last + 1)

    def _take(self, data: bytes, chunk: _Chunk) -> bool:
        """Add the lines of ``data`` (whole lines) to ``chunk``; False if it
        stopped before one over the line limit (left to the Python reader)."""
        a = np.frombuffer(data, np.uint8)
        ends = np.flatnonzero(a == 10) + 1
        if not len(ends) or ends[-1] != len(data):  # the file's last line, without a newline
            ends = np.append(ends, len(data))
        starts = np.concatenate(([0], ends[:-1]))
        lengths = ends - starts
        over = np.flatnonzero(lengths > self.max_line_bytes)
        n = int(over[0]) if len(over) else len(ends)
        if n == 0:
            return False
        starts, ends, lengths = starts[:n], ends[:n], lengths[:n]
        first = _last_read(chunk) + 1
        numbers = np.arange(first, first + n, dtype=np.int64)
        keep = np.ones(n, dtype=bool)
        for i in np.flatnonzero(np.isin(a[starts], _SPACE)):  # perhaps blank
            if not data[starts[i]:ends[i]].strip():
                chunk.blank.append(int(numbers[i]))
                keep[i] = False
        # maybe nested deeper than orjson takes: more opening brackets than that depth
        opening = np.flatnonzero((a[: ends[-1]] == ord("[")) | (a[: ends[-1]] == ord("{")))
        nested = np.bincount(np.searchsorted(ends, opening, side="right"), minlength=n)
        for i in np.flatnonzero((nested > _MAX_DEPTH) & (lengths > 2 * _MAX_DEPTH)).tolist():
            chunk.python.append(parse_record(int(numbers[i]), data[starts[i]:ends[i]]))
            keep[i] = False
        offsets = pa.py_buffer(np.concatenate((starts, ends[-1:])).astype(np.int32))
        texts = pa.Array.from_buffers(pa.binary(), n, [None, offsets, pa.py_buffer(data)])
        if not keep.all():
            texts, numbers = texts.filter(pa.array(keep)), numbers[keep]
        chunk.add_piece(pa.array(numbers), texts, int(lengths[keep].sum()))
        chunk.last = first + n - 1
        return n == len(ends) and not len(over)

    def _exact_chunks(self, raw, chunk: _Chunk):
        """The Python reader's loop (``Source._line_records``), from the line after ``chunk.last``."""
        limit = self.max_line_bytes
        stream = raw
        if self.kind == "gzip":
            stream = io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), _WINDOW)
        readline = stream.readline
        number = _last_read(chunk)
        for _ in range(number):  # taken already, each within the limit
            readline(limit + 1)
        while True:
            try:
                line = readline(limit + 1)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                number += 1
                chunk.python.append(RawRecord(number, error=BadRecord(None, "corrupt_file", f"cannot read further: {exc}")))
                chunk.last = number
                break
            if not line:
                break
            number += 1
            chunk.last = number
            if len(line) > limit and not line.endswith(b"\n"):
                chunk.python.append(RawRecord(number, raw=line[:RAW_KEEP_CHARS], error=self._skip_long(readline, len(line))))
            elif not line.strip():
                chunk.blank.append(number)
            elif len(line) > 2 * _MAX_DEPTH and line.count(b"[") + line.count(b"{") > _MAX_DEPTH:
                chunk.python.append(parse_record(number, line))  # maybe nested deeper than orjson takes
            else:
                chunk.add(number, line)
                if chunk.size >= CHUNK_BYTES:
                    chunk.position = self.position
                    yield chunk.prepare(self.flag_risky)
                    chunk = _Chunk(number + 1)
        return chunk


def _in_thread(make: Callable[[], Iterator[_Chunk]], depth: int = 1) -> Iterator[_Chunk]:
    """Iterate ``make()`` in a thread, ``depth`` items ahead (gzip and readline
    run there while DuckDB works on the previous chunk)."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return True
            except queue.Full:
                pass
        return False

    def run() -> None:
        it = make()
        try:
            for chunk in it:
                if not put((True, chunk)):
                    return
            put((False, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            put((False, exc))
        finally:
            it.close()

    thread = threading.Thread(target=run, name="antidistill-lines", daemon=True)
    thread.start()
    try:
        while True:
            more, item = items.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()


# -- loading ------------------------------------------------------------------

@dataclass
class Loaded:
    """What :func:`load_events` read: counts per file and the quarantined lines."""

    summary: Summary
    quarantine: list[QuarantineRecord] = field(default_factory=list)
    #: lines of spec files that went through the Python path (bad or unusual)
    python_lines: int = 0
    #: lines of spec files whose rows the fast path (read_json) made
    fast_lines: int = 0


def load_events(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | os.PathLike],
    *,
    table: str = "events",
    fmt: str = "auto",
    max_bad: int | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    progress: ProgressCallback | None = None,
    bodies: str = "all",
) -> Loaded:
    """Create ``table`` (EVENT_SCHEMA; it must not exist yet) in ``con`` and fill it from ``paths``.

    Gives the rows, counts and quarantine records that
    ``iter_event_batches(paths, dedupe=True)`` gives (the first accepted
    event of a request id stays; row order is not kept). Past ``max_bad`` bad
    records it raises :class:`TooManyBadRecords` as that stream does, with
    ``summary.stopped`` set and the rows before the stopping line loaded.
    """
    # The Python path, for files SQL does not read and lines SQL does not vouch for;
    # its options are the loader's.
    stream = EventStream([], fmt=fmt, max_bad=max_bad, max_line_bytes=max_line_bytes, progress=progress, dedupe=True)
    loader = _Loader(con, table, stream, bodies)
    loader.run([Path(p) for p in paths])
    return loader.result


def _no_checkpoints(con: duckdb.DuckDBPyConnection) -> Callable[[], None]:
    """Keep an in-memory database from checkpointing while it loads; returns what undoes it.

    An in-memory database checkpoints (compresses its row groups, on the
    inserting thread) every ``checkpoint_threshold`` (16 MiB) of changes:
    about 20 us of CPU per loaded event, as much as the insert itself, for a
    table about half the size. The table stays uncompressed instead (DuckDB
    still spills it past ``memory_limit``). A database file is left alone
    (its write-ahead log would grow instead)."""
    in_memory = con.execute("SELECT path IS NULL FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not (in_memory and in_memory[0]):
        return lambda: None
    before = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]
    con.execute("SET checkpoint_threshold = '1000TB'")
    return lambda: con.execute(f"SET checkpoint_threshold = {_sql_str(before)}")


def _one_thread(con: duckdb.DuckDBPyConnection) -> Callable[[], None]:
    """Let DuckDB run each query on its calling thread only while it loads; returns what undoes it.

    The loader already keeps three threads busy (reading, parsing, inserting:
    see _parsed_ahead). Giving the parse DuckDB's own second thread instead
    took 1.3-1.5x the CPU for the same work and gave no shorter wall time
    (200,000 full-scale lines, other jobs on the machine)."""
    before = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    return lambda: con.execute(f"SET threads = {int(before)}")


class _Loader:
    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, stream: EventStream, bodies: str = "all") -> None:
        self.con, self.table, self.stream = con, table, stream
        if bodies not in BODIES:
            raise KeyError((False, bodies))
        self.sql = _chunk_sql(False, bodies), _chunk_sql(True, bodies)
        # Rows of the Python path get the same treatment of bodies.
        self.python_select = "*" if bodies == "all" else (
            f"* REPLACE (CASE WHEN endpoint = '{PREDICT}' THEN request_json ELSE '' END AS request_json, "
            f"CASE WHEN endpoint = '{PREDICT}' THEN response_json END AS response_json)")
        # The fast path (read_json; see _fast_sql) gives no bodies: only without them.
        self.fast = bodies == "predict"
        self.max_bad = stream.max_bad
        self.result = Loaded(stream.summary)
        self.adapter = get_adapter("spec")
        # Request ids accepted so far: the Python path's own set (dedupe=True),
        # filled in line order by both paths.
        self.seen: set[str] = stream._seen

    def run(self, paths: list[Path]) -> None:
        con = self.con
        con.register("_ad_empty", EVENT_SCHEMA.empty_table())
        con.execute(f"CREATE TABLE {self.table} AS SELECT * FROM _ad_empty")
        con.unregister("_ad_empty")
        # DuckDB parses in connections of their own (see _parse): two, so that
        # one chunk is parsed while the one before it is inserted (_parsed_ahead).
        self.parsers = [con.cursor(), con.cursor()]
        restore = _no_checkpoints(con)
        restore_threads = _one_thread(con) if self.fast else (lambda: None)
        # read_json reads the lines from files here (in memory where /dev/shm is)
        self.files = tempfile.TemporaryDirectory(prefix="antidistill-lines-", dir=_SHM if os.path.isdir(_SHM) else None)
        self.pieces = itertools.count()  # names of those files (taken by two threads: next() is atomic)
        try:
            for path in paths:
                fmt = resolve_format(path, self.stream.fmt, self.stream.max_line_bytes)
                if fmt == "spec" and Source(path).kind != "parquet":
                    self._sql_file(path)
                else:
                    self._python_file(path)
        finally:
            self.result.quarantine.extend(self.stream.take_quarantine())
            for parser in self.parsers:
                parser.close()
            self.files.cleanup()
            restore_threads()
            restore()

    def _insert_arrow(self, batch: pa.RecordBatch | pa.Table) -> None:
        self.con.register("_ad_batch", batch)
        self.con.execute(f"INSERT INTO {self.table} SELECT {self.python_select} FROM _ad_batch")
        self.con.unregister("_ad_batch")

    def _python_file(self, path: Path) -> None:
        for batch in self.stream.iter_file(path):
            self._insert_arrow(batch)
            self.result.quarantine.extend(self.stream.take_quarantine())

    def _sql_file(self, path: Path) -> None:
        source_name = str(path.resolve())
        fs = FileSummary(path=source_name, format="spec")
        self.stream.summary.files.append(fs)
        self.stream.current = fs
        started = time.perf_counter()
        source = _LineSource(path, max_line_bytes=self.stream.max_line_bytes)
        source.flag_risky = self.fast
        stopped_at, position = None, 0
        try:
            for chunk, parser, parsed in self._parsed_ahead(source.chunks):
                stopped_at, position = self._sql_chunk(chunk, parser, parsed, fs, source_name), chunk.position
                if self.stream.progress is not None:
                    self.stream.progress(path, position, source.size)
                if stopped_at is not None:
                    break
        finally:
            fs.bytes = position if stopped_at is not None else source.size
            fs.seconds = time.perf_counter() - started
        if stopped_at is not None:
            summary = self.stream.summary
            summary.stopped = str(TooManyBadRecords(self.max_bad, summary.quarantined, f"{source_name}:{stopped_at}"))
            raise TooManyBadRecords(self.max_bad, summary.quarantined, source_name)

    def _parsed_ahead(self, chunks: Callable[[], Iterator[_Chunk]]) -> Iterator[tuple[_Chunk, duckdb.DuckDBPyConnection, pa.Table | None]]:
        """Each chunk of ``chunks()`` (read in a thread, see _in_thread) with
        the parser that parsed it and :meth:`_parse_chunk`'s answer.

        A chunk is parsed in a thread of its own while the caller loads the
        one before it (the parse is most of a chunk's time, and DuckDB runs
        each query on its calling thread), on the other of the two parsers:
        a chunk's rows wait in its parser's temporary tables until loaded."""
        with ThreadPoolExecutor(1, thread_name_prefix="antidistill-parse") as pool, \
                contextlib.closing(_in_thread(chunks)) as read:
            ahead = []  # the chunk being parsed: (chunk, parser, job or None)
            for k, chunk in enumerate(read):
                parser = self.parsers[k % 2]
                ahead.append((chunk, parser, pool.submit(self._parse_chunk, chunk, parser) if chunk.table.num_rows else None))
                if len(ahead) == 2:
                    done, parser, job = ahead.pop(0)
                    yield done, parser, job.result() if job else None
            for done, parser, job in ahead:
                yield done, parser, job.result() if job else None

    def _sql_chunk(self, chunk: _Chunk, parser: duckdb.DuckDBPyConnection, parsed: pa.Table | None,
                   fs: FileSummary, source_name: str) -> int | None:
        """Load one chunk, parsed by ``parser`` (``parsed``: see _parse_chunk);
        the line where ``max_bad`` was exceeded, if it was.

        Lines are taken in order, as the Python path does: a row DuckDB made
        is accepted (or a duplicate), a line it did not vouch for goes
        through the Python path, which counts and quarantines it."""
        if parsed is not None and chunk.predict is not None and chunk.predict.any():
            parsed = self._predicted(chunk, parser, parsed)
        if parsed is None:
            slow, fast_lines, fast_ids = chunk.table.column("line").to_pylist(), [], []
        else:
            ok = parsed.column("ok")
            slow = parsed.filter(pc.invert(ok)).column("line").to_pylist()
            good = parsed.filter(ok)
            fast_lines, fast_ids = good.column("line").to_pylist(), good.column("request_id").to_pylist()
        records = chunk.python
        if slow:
            records = sorted([*records, *chunk.lines(slow)], key=lambda r: r.line)
        self.result.python_lines += len(records)
        rows: list[tuple] = []  # from the Python path
        keep = []  # which of the fast rows are not repeats
        stopped_at = None
        i = 0
        for record in [*records, None]:
            until = chunk.last + 1 if record is None else record.line
            while i < len(fast_lines) and fast_lines[i] < until:
                new = fast_ids[i] not in self.seen
                if new:
                    self.seen.add(fast_ids[i])
                else:
                    fs.duplicates += 1
                keep.append(new)
                i += 1
            if record is None:
                break
            if record.error is not None:
                self.stream._bad(fs, source_name, record.line, record.error, record)
            else:
                self.stream._map(self.adapter, record, fs, source_name, rows)
            if self.max_bad is not None and self.stream.summary.quarantined > self.max_bad:
                stopped_at = record.line
                break
        end = chunk.last if stopped_at is None else stopped_at
        fs.lines += end - chunk.first + 1
        fs.blank_lines += sum(1 for n in chunk.blank if n <= end)
        fs.records += len(keep)
        fs.accepted += len(keep)
        self.result.quarantine.extend(self.stream.take_quarantine())
        if any(keep):
            # The rows stay in DuckDB (the parser's _ad_fast and _ad_chunk):
            # only the line numbers to keep cross over.
            kept = good.slice(0, len(keep)).filter(pa.array(keep))
            tables = [(name, kept.filter(pc.equal(kept.column("fast"), fast)).select(["line"]))
                      for name, fast in (("_ad_fast", True), ("_ad_chunk", False))]
            tables = [(name, lines) for name, lines in tables if lines.num_rows]
            if len(tables) == 1 and tables[0][0] == "_ad_fast" and tables[0][1].num_rows == chunk.fast_ok:
                # Every row _ad_fast vouched for is kept (kept rows are among
                # them), and it holds them in line order: no join, no sort.
                parser.execute(f"INSERT INTO {self.table} SELECT {_INSERT_COLUMNS} FROM _ad_fast WHERE ok",
                               {"source_file": source_name})
            else:
                self._insert_kept(parser, tables, source_name)
        if rows:
            self._insert_arrow(EventStream._batch(rows))
        return stopped_at

    def _insert_kept(self, parser: duckdb.DuckDBPyConnection, tables: list[tuple[str, pa.Table]], source_name: str) -> None:
        """Insert the rows of the parser's tables (``_ad_fast``, ``_ad_chunk``) at the given lines, in line order."""
        for i, (_, lines) in enumerate(tables):
            parser.register(f"_ad_keep{i}", lines)
        try:
            union = " UNION ALL ".join(f"SELECT {_INSERT_COLUMNS} FROM {name} SEMI JOIN _ad_keep{i} USING (line)"
                                       for i, (name, _) in enumerate(tables))
            parser.execute(f"INSERT INTO {self.table} SELECT * FROM ({union}) ORDER BY source_line",
                           {"source_file": source_name})
        finally:
            for i in range(len(tables)):
                parser.unregister(f"_ad_keep{i}")

    def _parse_chunk(self, chunk: _Chunk, parser: duckdb.DuckDBPyConnection) -> pa.Table | None:
        """(line, ok, request_id, ip_check, fast) of the chunk's lines, in line
        order, or None if DuckDB failed on them all: the fast path (_fast)
        first, where it reads; the other lines by _parse (``fast`` false).
        The rows wait in ``parser``'s temporary tables."""
        table = chunk.table
        fast = self._fast(chunk, parser) if self.fast else None
        if fast is not None:
            # The lines the fast path read but did not vouch for go to Python
            # (cheaper there than in _parse for /v1/predict lines of unusual
            # shapes, whose thousands of numbers _parse's JSON functions read
            # several times); the lines it could not read, to _parse.
            fast = fast.filter(pc.is_in(fast.column("line"), table.column("line")))  # not the null lines
            self.result.fast_lines += pc.sum(fast.column("ok")).as_py() or 0
            table = table.filter(pc.invert(pc.is_in(table.column("line"), fast.column("line"))))
            fast = fast.append_column("fast", pa.repeat(True, fast.num_rows))
            if not table.num_rows:
                return fast
        parsed = self._parse(table, parser)
        if parsed is None:
            if fast is None:
                return None
            parsed = table.select(["line"]).append_column("ok", pa.repeat(False, table.num_rows))
            parsed = parsed.append_column("request_id", pa.nulls(table.num_rows, pa.string()))
            parsed = parsed.append_column("ip_check", pa.nulls(table.num_rows, pa.string()))
        parsed = parsed.append_column("fast", pa.repeat(False, parsed.num_rows))
        if fast is None:
            return parsed
        return pa.concat_tables([fast, parsed]).sort_by("line")

    def _fast(self, chunk: _Chunk, parser: duckdb.DuckDBPyConnection) -> pa.Table | None:
        """(line, ok, request_id, ip_check) of the chunk's lines read by the
        fast path (rows in the parser's ``_ad_fast``), in line order; None if it read none.

        read_json reads the lines from a file (see _Chunk.write_lines). Where
        it fails (a line it cannot read strictly), the lines are split around
        the line its message names (or in halves) and the pieces tried again,
        up to _FAST_TRIES failures a chunk; the lines left go to _parse."""
        pending, created, failures = [(0, chunk.table.num_rows)], False, 0
        while pending:
            start, stop = pending.pop()
            path = os.path.join(self.files.name, f"{next(self.pieces)}.jsonl")
            with open(path, "wb") as out:
                first, count = chunk.write_lines(out, start, stop)
            params = {"path": path, "first": first, "max_object": max(16 << 20, 2 * self.stream.max_line_bytes)}
            try:
                into = "INSERT INTO _ad_fast " if created else "CREATE OR REPLACE TEMP TABLE _ad_fast AS "
                rows = parser.execute(into + _fast_sql(), params).fetchone()[0]
            except (duckdb.InvalidInputException, UnicodeDecodeError) as exc:
                # (DuckDB's message quotes the line, and may not make UTF-8 itself)
                failures += 1
                if failures > _FAST_TRIES:
                    continue
                pending.extend(_split(start, stop, chunk.table.column("line").to_numpy()[start:stop], first, str(exc)))
                continue
            finally:
                os.unlink(path)
            if rows != count:  # not one row a line: none of the chunk is vouched for
                parser.execute("DROP TABLE IF EXISTS _ad_fast")
                return None
            created = True
        if not created:
            return None
        read = parser.execute("SELECT line, ok, request_id, ip_check FROM _ad_fast ORDER BY line").to_arrow_table()
        chunk.fast_ok = pc.sum(read.column("ok")).as_py() or 0
        return _check_ips(read)

    def _predicted(self, chunk: _Chunk, parser: duckdb.DuckDBPyConnection, parsed: pa.Table) -> pa.Table:
        """``parsed`` (see _parse_chunk) with the rows of the chunk's /v1/predict
        lines read by _predict_sql (:meth:`_predict`) in place of the null rows
        the fast path read for them. Run by the loading thread, while the
        parse thread reads the next chunk (it has the most work of the three)."""
        rows = np.flatnonzero(chunk.predict)
        lines = chunk.table.column("line").to_numpy()[rows]
        # only lines the fast path read as null rows (not those it left to _parse)
        rows = rows[np.isin(lines, parsed.filter(parsed.column("fast")).column("line").to_numpy())]
        if not len(rows):
            return parsed
        lines = self._predict(chunk, parser, rows)
        read = parser.execute("SELECT line, ok, request_id, ip_check FROM _ad_fast WHERE line IN (SELECT unnest($lines::BIGINT[])) "
                              "ORDER BY line", {"lines": lines}).to_arrow_table()
        vouched = pc.sum(read.column("ok")).as_py() or 0
        if chunk.fast_ok is not None:
            chunk.fast_ok += vouched
        read = _check_ips(read)
        self.result.fast_lines += pc.sum(read.column("ok")).as_py() or 0
        read = read.append_column("fast", pa.repeat(True, read.num_rows)).select(parsed.column_names).cast(parsed.schema)
        others = parsed.filter(pc.invert(pc.is_in(parsed.column("line"), read.column("line"))))
        return pa.concat_tables([others, read]).sort_by("line")

    def _predict(self, chunk: _Chunk, parser: duckdb.DuckDBPyConnection, rows: np.ndarray) -> list[int]:
        """Read these rows of the chunk (its /v1/predict lines) by _predict_sql:
        their rows replace the null rows the fast path read in their place in
        ``_ad_fast``. Where read_json fails on some, they are tried again in
        halves (as in _fast); lines it fails on, or that do not give one row
        a line, keep their null rows (not vouched for: to Python). Returns their line numbers."""
        pending, failures = [(0, len(rows))], 0
        while pending:
            start, stop = pending.pop()
            path = os.path.join(self.files.name, f"{next(self.pieces)}.jsonl")
            with open(path, "wb") as out:
                lines = chunk.write_rows(out, rows[start:stop])
            params = {"path": path, "lines": lines, "max_object": max(16 << 20, 2 * self.stream.max_line_bytes)}
            parser.execute("BEGIN TRANSACTION")
            done = False
            try:
                parser.execute("DELETE FROM _ad_fast WHERE line IN (SELECT unnest($lines::BIGINT[]))", {"lines": lines})
                done = parser.execute("INSERT INTO _ad_fast " + _predict_sql(), params).fetchone()[0] == len(lines)
            except (duckdb.InvalidInputException, UnicodeDecodeError):
                # (DuckDB's message quotes the line, and may not make UTF-8 itself)
                failures += 1
                if failures <= _FAST_TRIES and stop - start > 1:
                    middle = (start + stop) // 2
                    pending.extend([(middle, stop), (start, middle)])
            finally:
                os.unlink(path)
                parser.execute("COMMIT" if done else "ROLLBACK")
        return chunk.table.column("line").to_numpy()[rows].tolist()

    def _parse(self, lines: pa.Table, parser: duckdb.DuckDBPyConnection) -> pa.Table | None:
        """(line, ok, request_id, ip_check) of the chunk's lines flattened by
        DuckDB (``ok`` false where Python must decide), in line order, or None
        if DuckDB failed on them (then Python reads them all). The rows
        themselves stay in the parser's temporary table ``_ad_chunk``, from
        which the kept ones are inserted (no round trip through Arrow).

        The work runs in a cursor of its own, so that a failed query cannot
        abort a transaction the caller may have open."""
        parser.register("_ad_lines", lines)
        try:
            try:
                parser.execute(f"CREATE OR REPLACE TEMP TABLE _ad_chunk AS {self.sql[0]}")
            except duckdb.InvalidInputException:  # a line that is not JSON: check them all first
                parser.execute(f"CREATE OR REPLACE TEMP TABLE _ad_chunk AS {self.sql[1]}")
            parsed = parser.execute("SELECT line, ok, request_id, ip_check FROM _ad_chunk ORDER BY line").to_arrow_table()
        except duckdb.Error:  # nothing known makes it fail
            return None
        finally:
            parser.unregister("_ad_lines")
        return _check_ips(parsed)


#: failures of read_json a chunk before the fast path gives up on its other lines
_FAST_TRIES = 32
#: pieces of fewer lines than this are not split further: they go to _parse
_FAST_MIN_PIECE = 64
_SHM = "/dev/shm"


def _split(start: int, stop: int, numbers: np.ndarray, first: int, message: str) -> list[tuple[int, int]]:
    """The rows ``start:stop`` read_json failed on, in pieces to try again (in
    reverse order): around the line a message of malformed JSON names (which
    may be a line off), set apart (to _parse), else in halves; none when small."""
    if stop - start < _FAST_MIN_PIECE:
        return []
    # Malformed JSON is named at its line (or the one after); a line that does
    # not fit the columns at a line of some batch of the file, not the file's.
    named = re.search(r"\bline (\d+)\b", message) if message.startswith("Invalid Input Error: Malformed JSON") else None
    if named:
        line = first + int(named.group(1)) - 1  # a line of the file written, numbered from first
        lo, hi = np.searchsorted(numbers, [line - 1, line + 2])
        if 0 < hi - lo < stop - start:
            return [(a, b) for a, b in ((start + int(hi), stop), (start, start + int(lo))) if a < b]
    middle = (start + stop) // 2
    return [(middle, stop), (start, middle)]


def _check_ips(parsed: pa.Table) -> pa.Table:
    """Addresses other than dotted IPv4 (IPv6, scope ids, ...) get the Python
    path's own check, once per distinct address; lines with a bad one go to Python."""
    ips = pc.unique(parsed.column("ip_check").drop_null()).to_pylist()
    bad = [ip for ip in ips if not _check_ip(ip)]
    if not bad:
        return parsed
    ok = pc.and_(parsed.column("ok"), pc.invert(pc.fill_null(pc.is_in(parsed.column("ip_check"), pa.array(bad)), False)))
    return parsed.set_column(parsed.schema.get_field_index("ok"), "ok", ok)
