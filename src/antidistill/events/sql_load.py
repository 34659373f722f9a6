"""Loading event logs into DuckDB with the parsing, checking and flattening done in SQL.

This module owns the fast path from spec-format ``events.jsonl`` /
``.jsonl.gz`` files (``shared/spec/traffic-log.md``) to an EVENT_SCHEMA table
in a DuckDB connection, for ``scan``. Python only reads and numbers lines (in
a thread, while DuckDB works on the previous chunk); DuckDB's JSON functions
parse every line, check it and flatten it.

The SQL checks are a *conservative* transcription of
:func:`antidistill.events.validate.flatten_event`: a line SQL accepts gets the
very row the Python path would give it, and every other line goes through the
Python path itself (``EventStream``'s mapping and quarantine). That covers the
bad lines, so quarantine records (file, line, field, kind, reason, raw) are the
Python path's own, and the rare good lines whose row SQL cannot vouch for:
numbers that orjson and DuckDB spell differently (exponents, 16+ digits, below
1e-5), control-character escapes, duplicate keys, NaN or trailing commas
(DuckDB accepts them, orjson does not), IPv6 addresses (checked by the
Python checker as a DuckDB function), timestamps outside years 2..9998 or with
odd offsets, lines over the line limit or not UTF-8. Nothing is dropped:
every line is a row, a quarantine record or a blank line.

Duplicate request ids keep the first accepted occurrence in file and line
order, as ``iter_event_batches(..., dedupe=True)`` does. Files in another
format (LiteLLM, OTel) and Parquet files go through ``EventStream`` unchanged.
"""

from __future__ import annotations

import bisect
import gzip
import io
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa

from antidistill.events.adapters import get_adapter
from antidistill.events.readers import DEFAULT_MAX_LINE_BYTES, RAW_KEEP_CHARS, RawRecord, Source, _decode_error
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
CHUNK_BYTES = 8 * 1024 * 1024
BATCH_ROWS = 2048

# -- the SQL ------------------------------------------------------------------

# json_type() of these paths, in one parse of the line: ty[1] is the line's own type.
_TYPE_PATHS = [
    "$", "$.request_id", "$.ts", "$.account_id", "$.api_key_id", "$.client_ip", "$.user_agent",
    "$.endpoint", "$.status", "$.latency_ms", "$.request", "$.response",
    "$.request.model", "$.request.user", "$.request.messages", "$.request.prompt", "$.request.instances",
    "$.request.temperature", "$.request.top_p", "$.request.max_tokens", "$.request.n", "$.request.seed",
    "$.request.top_logprobs", "$.request.logprobs", "$.request.logit_bias", "$.request.tools",
    "$.request.response_format", "$.request.response_format.type",
    "$.response.choices", "$.response.choices[0]", "$.response.choices[0].message",
    "$.response.choices[0].message.content", "$.response.choices[0].text",
    "$.response.choices[0].finish_reason", "$.response.predictions", "$.response.usage",
    "$.response.usage.prompt_tokens", "$.response.usage.completion_tokens",
]
# json_keys() of the objects whose keys are read: a repeated key there means
# orjson (last one wins) and DuckDB (first one wins) read different values.
_KEY_PATHS = [
    "$", "$.request", "$.response", "$.request.response_format", "$.request.logit_bias",
    "$.response.choices[0]", "$.response.choices[0].message", "$.response.usage",
]
# from_json() structure: scalars as text (their JSON type comes from ty), the
# parts read per element as JSON.
_STRUCTURE = {
    **{k: "VARCHAR" for k in ("request_id", "ts", "account_id", "api_key_id", "client_ip", "user_agent",
                              "endpoint", "status", "latency_ms")},
    "request": {
        **{k: "VARCHAR" for k in ("model", "user", "prompt", "temperature", "top_p", "max_tokens", "n", "seed",
                                  "top_logprobs", "logprobs")},
        "messages": [{"role": "JSON", "content": "JSON"}],
        "tools": [{"function": "JSON", "name": "JSON"}],
        "logit_bias": "JSON",
        "response_format": "JSON",
        "instances": "JSON",
    },
    "response": {
        "choices": [{"message": {"content": "VARCHAR"}, "text": "VARCHAR", "finish_reason": "VARCHAR"}],
        "usage": {"prompt_tokens": "VARCHAR", "completion_tokens": "VARCHAR"},
    },
}

# Raw-text patterns that send a line to Python: number spellings where
# orjson.dumps and DuckDB's JSON writer differ (exponents, 16 or more digits,
# magnitudes below 1e-5), literals and trailing commas DuckDB accepts and
# orjson refuses, and control-character escapes (written \u001f by orjson,
# \u001F by DuckDB). The number patterns start where a JSON number can
# start; text inside strings that looks alike only costs a Python check.
_RISKY = "|".join([
    r"[:,\[]\s*-?[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+\s*[,\]}]",
    r"[:,\[]\s*-?[0-9]{16}",
    r"[:,\[]\s*-?0\.00000",
    r"[:,\[]\s*-?(NaN|Infinity)",
    r",\s*[\]}]",
    r"\\u00[01]",
])
#: orjson refuses documents nested deeper than this (DuckDB takes them): lines
#: with more brackets go to Python.
_MAX_DEPTH = 1024

_TS_RE = (r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
          r"(?:\.([0-9]{1,9}))?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$")
_IPV4_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4_RE = rf"{_IPV4_OCTET}(\.{_IPV4_OCTET}){{3}}"

_INT = "('BIGINT', 'UBIGINT')"
_NUM = "('BIGINT', 'UBIGINT', 'DOUBLE')"
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join(_sql_str(i) for i in items) + "]"


def _ty(path: str) -> str:
    return f"ty[{_TYPE_PATHS.index(path) + 1}]"


def _keys(path: str) -> str:
    return f"keys[{_KEY_PATHS.index(path) + 1}]"


def _absent(path: str) -> str:
    """The field is missing or null."""
    return f"coalesce({_ty(path)} = 'NULL', true)"


def _opt(path: str, *types: str) -> str:
    """Missing, null, or one of the JSON types."""
    return f"({_absent(path)} OR {_ty(path)} IN ({', '.join(_sql_str(t) for t in types)}))"


def _opt_int(path: str, value: str, lo: int, hi: int) -> str:
    return f"({_absent(path)} OR ({_ty(path)} IN {_INT} AND TRY_CAST({value} AS HUGEINT) BETWEEN {lo} AND {hi}))"


def _int_value(path: str, value: str) -> str:
    return f"CASE WHEN {_ty(path)} IN {_INT} THEN TRY_CAST({value} AS BIGINT) END"


def _num_value(path: str, value: str) -> str:
    return f"CASE WHEN {_ty(path)} IN {_NUM} THEN TRY_CAST({value} AS DOUBLE) END"


def _distinct(keys: str) -> str:
    return f"coalesce(len({keys}) = list_unique({keys}), true)"


def _checks() -> dict[str, str]:
    """Every condition a line must meet for its SQL row to be the Python path's row."""
    req, resp = "v.request", "v.response"
    return {
        "object": "ty[1] = 'OBJECT'",
        "plain": "plain",
        "keys": " AND ".join(_distinct(f"keys[{i + 1}]") for i in range(len(_KEY_PATHS))),
        "request_id": f"{_ty('$.request_id')} = 'VARCHAR' AND v.request_id <> ''",
        "ts": "ts_utc IS NOT NULL",
        "account_id": f"{_ty('$.account_id')} = 'VARCHAR' AND v.account_id <> ''",
        "endpoint": f"{_ty('$.endpoint')} = 'VARCHAR' AND v.endpoint IN ({', '.join(map(_sql_str, ENDPOINTS))})",
        "status": f"{_ty('$.status')} IN {_INT} AND TRY_CAST(v.status AS HUGEINT) BETWEEN 100 AND 599",
        "api_key_id": _opt("$.api_key_id", "VARCHAR"),
        # dotted IPv4 here; anything else is in ip_check for _check_ips
        "client_ip": _opt("$.client_ip", "VARCHAR"),
        "user_agent": _opt("$.user_agent", "VARCHAR"),
        "latency_ms": _opt("$.latency_ms", "BIGINT", "UBIGINT", "DOUBLE"),
        "request": f"{_ty('$.request')} = 'OBJECT'",
        "response": _opt("$.response", "OBJECT"),
        # the endpoint's own part of the request
        "chat": (f"v.endpoint <> '{CHAT}' OR ({_ty('$.request.messages')} = 'ARRAY' AND "
                 f"list_bool_and(list_transform({req}.messages, m -> coalesce(left(m.role, 1) = '\"' "
                 f"AND (m.content IS NULL OR left(m.content, 1) = '\"'), false))) IS NOT false AND "
                 f"list_bool_and(list_transform(msg_keys, k -> {_distinct('k')})) IS NOT false)"),
        "completions": f"v.endpoint <> '{COMPLETIONS}' OR {_ty('$.request.prompt')} IN ('VARCHAR', 'NULL')",
        "predict": f"v.endpoint <> '{PREDICT}' OR {_ty('$.request.instances')} = 'ARRAY'",
        "model": _opt("$.request.model", "VARCHAR"),
        "user": _opt("$.request.user", "VARCHAR"),
        "temperature": _opt("$.request.temperature", "BIGINT", "UBIGINT", "DOUBLE"),
        "top_p": _opt("$.request.top_p", "BIGINT", "UBIGINT", "DOUBLE"),
        "max_tokens": _opt_int("$.request.max_tokens", f"{req}.max_tokens", 0, INT64_MAX),
        "n": _opt_int("$.request.n", f"{req}.n", 0, INT32_MAX),
        "seed": _opt_int("$.request.seed", f"{req}.seed", -(2**63), INT64_MAX),
        "top_logprobs": _opt_int("$.request.top_logprobs", f"{req}.top_logprobs", 0, INT32_MAX),
        "logprobs": (f"CASE WHEN legacy_logprobs THEN TRY_CAST({req}.logprobs AS HUGEINT) BETWEEN 0 AND {INT32_MAX} "
                     f"ELSE {_opt('$.request.logprobs', 'BOOLEAN')} END"),
        "logit_bias": (f"{_absent('$.request.logit_bias')} OR ({_ty('$.request.logit_bias')} = 'OBJECT' AND "
                       f"list_bool_and(list_transform({_keys('$.request.logit_bias')}, "
                       f"k -> regexp_full_match(k, '[0-9]+'))) IS NOT false AND "
                       f"list_bool_and(list_transform(json_extract({req}.logit_bias, '$.*'), "
                       f"w -> regexp_full_match(w, '-?[0-9][0-9.eE+-]*') AND TRY_CAST(w AS DOUBLE) BETWEEN -100 AND 100)) "
                       f"IS NOT false)"),
        "tools": (f"{_absent('$.request.tools')} OR ({_ty('$.request.tools')} = 'ARRAY' AND "
                  f"list_bool_and(list_transform(tool_types, t -> t = 'OBJECT')) IS NOT false AND "
                  f"list_bool_and(list_transform(tool_name_json, t -> t IS NULL OR t = 'null' OR left(t, 1) = '\"')) "
                  f"IS NOT false AND list_bool_and(list_transform(tool_keys, k -> {_distinct('k')})) IS NOT false)"),
        "response_format": (f"{_absent('$.request.response_format')} OR {_ty('$.request.response_format')} = 'VARCHAR' OR "
                            f"({_ty('$.request.response_format')} = 'OBJECT' AND "
                            f"{_opt('$.request.response_format.type', 'VARCHAR')})"),
        # the response, when there is one
        "choices": (f"{_ty('$.response')} IS DISTINCT FROM 'OBJECT' OR v.endpoint = '{PREDICT}' OR "
                    f"({_opt('$.response.choices', 'ARRAY')} AND coalesce({_ty('$.response.choices[0]')} = 'OBJECT', true) "
                    f"AND {_opt('$.response.choices[0].finish_reason', 'VARCHAR')} AND "
                    f"CASE WHEN v.endpoint = '{CHAT}' THEN {_opt('$.response.choices[0].message', 'OBJECT')} AND "
                    f"{_opt('$.response.choices[0].message.content', 'VARCHAR')} "
                    f"ELSE {_opt('$.response.choices[0].text', 'VARCHAR')} END)"),
        "predictions": (f"{_ty('$.response')} IS DISTINCT FROM 'OBJECT' OR v.endpoint <> '{PREDICT}' OR "
                        f"{_opt('$.response.predictions', 'ARRAY')}"),
        "usage": (f"{_ty('$.response')} IS DISTINCT FROM 'OBJECT' OR {_absent('$.response.usage')} OR "
                  f"({_ty('$.response.usage')} = 'OBJECT' AND "
                  f"{_opt_int('$.response.usage.prompt_tokens', f'{resp}.usage.prompt_tokens', 0, INT64_MAX)} AND "
                  f"{_opt_int('$.response.usage.completion_tokens', f'{resp}.usage.completion_tokens', 0, INT64_MAX)})"),
    }


def _columns() -> dict[str, str]:
    """SQL for each EVENT_SCHEMA column but ``source_file``, as flatten_event computes it."""
    req, resp = "v.request", "v.response"
    msgs, tools, rf, c0 = f"{req}.messages", f"{req}.tools", f"{req}.response_format", f"{resp}.choices[1]"
    chat, has_resp = f"v.endpoint = '{CHAT}'", f"{_ty('$.response')} = 'OBJECT'"
    systems = f"list_filter({msgs}, m -> m.role IN ('\"system\"', '\"developer\"') AND m.content IS NOT NULL)"
    users = f"list_filter({msgs}, m -> m.role = '\"user\"')"
    tools_given = f"{_ty('$.request.tools')} = 'ARRAY'"
    return {
        "request_id": "v.request_id",
        "ts": "ts_utc",
        "account_id": "v.account_id",
        "api_key_id": "v.api_key_id",
        "client_ip": "v.client_ip",
        "user_agent": "v.user_agent",
        "endpoint": "v.endpoint",
        "status": "TRY_CAST(v.status AS INTEGER)",
        "latency_ms": _num_value("$.latency_ms", "v.latency_ms"),
        "model": f"{req}.model",
        "end_user": f"{req}.user",
        "system_prompt": (f"CASE WHEN {chat} AND len({systems}) > 0 THEN array_to_string(list_transform({systems}, "
                          f"m -> json_extract_string(m.content, '$')), chr(10)) END"),
        "prompt": (f"CASE WHEN {chat} THEN json_extract_string({users}[-1].content, '$') "
                   f"WHEN v.endpoint = '{COMPLETIONS}' THEN {req}.prompt END"),
        "n_messages": f"CASE WHEN {chat} THEN len({msgs}) END::INTEGER",
        "n_user_turns": f"CASE WHEN {chat} THEN len({users}) END::INTEGER",
        "temperature": _num_value("$.request.temperature", f"{req}.temperature"),
        "top_p": _num_value("$.request.top_p", f"{req}.top_p"),
        "max_tokens": _int_value("$.request.max_tokens", f"{req}.max_tokens"),
        "n": f"({_int_value('$.request.n', f'{req}.n')})::INTEGER",
        "seed": _int_value("$.request.seed", f"{req}.seed"),
        "logprobs": (f"CASE WHEN legacy_logprobs THEN true WHEN {_ty('$.request.logprobs')} = 'BOOLEAN' "
                     f"THEN {req}.logprobs = 'true' END"),
        "top_logprobs": (f"(CASE WHEN legacy_logprobs THEN TRY_CAST({req}.logprobs AS BIGINT) "
                         f"ELSE {_int_value('$.request.top_logprobs', f'{req}.top_logprobs')} END)::INTEGER"),
        # token ids in numeric order: by length, then text (they are all digits)
        "logit_bias_tokens": (f"CASE WHEN {_ty('$.request.logit_bias')} = 'OBJECT' THEN list_transform(list_sort("
                              f"list_transform({_keys('$.request.logit_bias')}, k -> {{'n': length(k), 'k': k}})), "
                              f"s -> s.k) END"),
        "n_tools": f"CASE WHEN {tools_given} THEN len({tools}) END::INTEGER",
        "tool_names": (f"CASE WHEN {tools_given} THEN list_transform(list_filter(tool_name_json, "
                       f"t -> t IS NOT NULL AND t <> 'null'), t -> json_extract_string(t, '$')) END"),
        "response_format": (f"CASE {_ty('$.request.response_format')} WHEN 'VARCHAR' THEN json_extract_string({rf}, '$') "
                            f"WHEN 'OBJECT' THEN json_extract_string({rf}, '$.type') END"),
        "n_instances": f"CASE WHEN v.endpoint = '{PREDICT}' THEN json_array_length({req}.instances) END::INTEGER",
        "response_text": (f"CASE WHEN {has_resp} AND {chat} THEN {c0}.message.content "
                          f"WHEN {has_resp} AND v.endpoint = '{COMPLETIONS}' THEN {c0}.text END"),
        "finish_reason": f"CASE WHEN {has_resp} AND v.endpoint <> '{PREDICT}' THEN {c0}.finish_reason END",
        "prompt_tokens": (f"CASE WHEN {has_resp} THEN "
                          f"{_int_value('$.response.usage.prompt_tokens', f'{resp}.usage.prompt_tokens')} END"),
        "completion_tokens": (f"CASE WHEN {has_resp} THEN "
                              f"{_int_value('$.response.usage.completion_tokens', f'{resp}.usage.completion_tokens')} END"),
        "request_json": "bodies[1]::VARCHAR",
        "response_json": f"CASE WHEN {has_resp} THEN bodies[2]::VARCHAR END",
        "source_line": "line",
    }


# RFC 3339 parts -> UTC TIMESTAMP; NULL unless Python surely gives the same:
# years 2..9998 only (so its UTC range check cannot fail), offsets below 24:00
# with minutes below 60; digits past microseconds are cut, as parse_ts does.
_TS_SQL = """CASE WHEN tsp.y BETWEEN '0002' AND '9998' AND tsp.oh <= '23' AND tsp.om <= '59' THEN
    try_strptime(tsp.y || '-' || tsp.mo || '-' || tsp.d || ' ' || tsp.h || ':' || tsp.mi || ':' || tsp.s,
                 '%Y-%m-%d %H:%M:%S')
    + to_microseconds(CASE WHEN tsp.f = '' THEN 0 ELSE rpad(tsp.f[:6], 6, '0')::BIGINT END)
    - to_minutes(CASE tsp.sg WHEN '+' THEN 1 WHEN '-' THEN -1 ELSE 0 END
                 * (coalesce(TRY_CAST(tsp.oh AS BIGINT), 0) * 60 + coalesce(TRY_CAST(tsp.om AS BIGINT), 0)))
  END"""


def _chunk_sql() -> str:
    """``_ad_lines`` (line, text) -> ``_ad_chunk``: ``ok`` and, where ok, the row."""
    ok = " AND ".join(f"coalesce(({c}), false)" for c in _checks().values())
    select = ",\n  ".join(f"CASE WHEN ok THEN {expr} END AS {name}" for name, expr in _columns().items())
    tools_given = f"{_ty('$.request.tools')} = 'ARRAY'"
    return f"""
CREATE OR REPLACE TEMP TABLE _ad_chunk AS
WITH typed AS (
  SELECT line, text, CASE WHEN json_valid(text) THEN json_type(text, {_sql_list(_TYPE_PATHS)}) END AS ty
  FROM _ad_lines
), parsed AS (
  SELECT line, ty,
    ty[1] = 'OBJECT' AND NOT regexp_matches(text, {_sql_str(_RISKY)}) AS plain,
    CASE WHEN ty[1] = 'OBJECT' THEN from_json(text, {_sql_str(orjson.dumps(_STRUCTURE).decode())}) END AS v,
    CASE WHEN ty[1] = 'OBJECT' THEN json_extract(text, ['$.request', '$.response']) END AS bodies,
    CASE WHEN ty[1] = 'OBJECT' THEN json_keys(text, {_sql_list(_KEY_PATHS)}) END AS keys,
    CASE WHEN {_ty('$.request.messages')} = 'ARRAY' THEN json_keys(text, '$.request.messages[*]') END AS msg_keys,
    CASE WHEN {tools_given} THEN json_type(text, '$.request.tools[*]') END AS tool_types,
    CASE WHEN {tools_given} THEN list_concat(json_keys(text, '$.request.tools[*]'),
                                             json_keys(text, '$.request.tools[*].function')) END AS tool_keys
  FROM typed
), derived AS (
  SELECT *,
    v.endpoint = '{COMPLETIONS}' AND {_ty('$.request.logprobs')} IN {_INT} AS legacy_logprobs,
    list_transform(v.request.tools, t -> CASE WHEN left(t.function, 1) = '{{' THEN json_extract(t.function, '$.name')
                                             ELSE t.name END) AS tool_name_json,
    CASE WHEN {_ty('$.ts')} = 'VARCHAR' THEN
      regexp_extract(v.ts, {_sql_str(_TS_RE)}, ['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'sg', 'oh', 'om']) END AS tsp
  FROM parsed
), timed AS (
  SELECT *, {_TS_SQL} AS ts_utc FROM derived
), checked AS (
  SELECT *, {ok} AS ok FROM timed
)
SELECT line, ok,
  CASE WHEN ok AND {_ty('$.client_ip')} = 'VARCHAR' AND NOT regexp_full_match(v.client_ip, {_sql_str(_IPV4_RE)})
       THEN v.client_ip END AS ip_check,
  {select}
FROM checked
"""


_CHUNK_SQL = _chunk_sql()
_INSERT_COLUMNS = ", ".join("$source_file" if n == "source_file" else n for n in EVENT_SCHEMA.names)


# -- reading lines ------------------------------------------------------------

@dataclass
class _Chunk:
    """Consecutive lines of one file: those for SQL as an Arrow table, the rest as records."""

    first: int
    last: int = 0
    numbers: list[int] = field(default_factory=list)
    texts: list[bytes] = field(default_factory=list)
    python: list[RawRecord] = field(default_factory=list)  # for the Python path, in line order
    blank: list[int] = field(default_factory=list)
    position: int = 0
    table: pa.Table | None = None

    def prepare(self) -> _Chunk:
        """Arrow table of the lines; lines that are not UTF-8 go to the Python path."""
        binary = pa.array(self.texts, pa.binary())
        try:
            text = binary.cast(pa.string())
        except pa.ArrowInvalid:
            keep = []
            for number, line in zip(self.numbers, self.texts):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    self.python.append(parse_record(number, line))
                    keep.append(False)
                else:
                    keep.append(True)
            self.python.sort(key=lambda r: r.line)
            self.numbers = [n for n, k in zip(self.numbers, keep) if k]
            self.texts = [t for t, k in zip(self.texts, keep) if k]
            text = binary.filter(pa.array(keep)).cast(pa.string())
        table = pa.table({"line": pa.array(self.numbers, pa.int64()), "text": text})
        self.table = pa.Table.from_batches(table.to_batches(max_chunksize=BATCH_ROWS), table.schema)
        self.texts = []  # the table holds the same bytes
        return self

    def lines(self, numbers: list[int]) -> list[RawRecord]:
        """The lines with these numbers (ascending), parsed by the Python reader."""
        where = dict(zip(self.numbers, range(len(self.numbers))))
        text = self.table.column("text")
        return [parse_record(n, text[where[n]].as_py().encode()) for n in numbers]


def parse_record(number: int, line: bytes) -> RawRecord:
    """One line as the Python reader makes it: parsed, or with the parse error."""
    try:
        return RawRecord(number, value=orjson.loads(line), raw=line)
    except orjson.JSONDecodeError as exc:
        return RawRecord(number, raw=line, error=_decode_error(line, exc))


class _LineSource(Source):
    """``Source``'s JSON Lines reading without the parsing: chunks of raw lines."""

    def chunks(self) -> Iterator[_Chunk]:
        limit, chunk_bytes = self.max_line_bytes, CHUNK_BYTES
        with self.path.open("rb") as raw:
            self._raw = raw
            stream = raw
            if self.kind == "gzip":
                stream = io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), 1 << 20)
            readline = stream.readline
            chunk, size, number = _Chunk(1), 0, 0
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
                    chunk.numbers.append(number)
                    chunk.texts.append(line)
                    size += len(line)
                    if size >= chunk_bytes:
                        chunk.position = self.position
                        yield chunk.prepare()
                        chunk, size = _Chunk(number + 1), 0
            chunk.position = self.position
        yield chunk.prepare()


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


def load_events(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | os.PathLike],
    *,
    table: str = "events",
    fmt: str = "auto",
    max_bad: int | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    progress: ProgressCallback | None = None,
) -> Loaded:
    """Create ``table`` (EVENT_SCHEMA) in ``con`` and fill it from ``paths``.

    Gives the rows, counts and quarantine records that
    ``iter_event_batches(paths, dedupe=True)`` gives (rows in file and line
    order before duplicates go; the first accepted one of a request id stays).
    Past ``max_bad`` bad records it raises :class:`TooManyBadRecords` as that
    stream does, with ``summary.stopped`` set.
    """
    # The Python path, for files SQL does not read and lines SQL does not vouch for;
    # its options are the loader's.
    stream = EventStream([], fmt=fmt, max_bad=max_bad, max_line_bytes=max_line_bytes, progress=progress)
    loader = _Loader(con, table, stream)
    loader.run([Path(p) for p in paths])
    return loader.result


class _Loader:
    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, stream: EventStream) -> None:
        self.con, self.table, self.stream = con, table, stream
        self.max_bad = stream.max_bad
        self.result = Loaded(stream.summary)
        self.adapter = get_adapter("spec")
        self.starts: list[int] = []  # first row of each file in the table

    def run(self, paths: list[Path]) -> None:
        con = self.con
        con.register("_ad_empty", EVENT_SCHEMA.empty_table())
        con.execute(f"CREATE TABLE IF NOT EXISTS {self.table} AS SELECT * FROM _ad_empty")
        con.unregister("_ad_empty")
        try:
            for path in paths:
                self.starts.append(self._rows())
                fmt = resolve_format(path, self.stream.fmt, self.stream.max_line_bytes)
                if fmt == "spec" and Source(path).kind != "parquet":
                    self._sql_file(path)
                else:
                    self._python_file(path)
            self._dedupe()
        finally:
            self.result.quarantine.extend(self.stream.take_quarantine())
            for name in ("_ad_chunk",):
                con.execute(f"DROP TABLE IF EXISTS {name}")

    def _rows(self) -> int:
        return self.con.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]

    def _insert_arrow(self, batch: pa.RecordBatch | pa.Table) -> None:
        self.con.register("_ad_batch", batch)
        self.con.execute(f"INSERT INTO {self.table} SELECT * FROM _ad_batch")
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
        stopped_at, position = None, 0
        try:
            for chunk in _in_thread(source.chunks):
                stopped_at, position = self._sql_chunk(chunk, fs, source_name), chunk.position
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

    def _sql_chunk(self, chunk: _Chunk, fs: FileSummary, source_name: str) -> int | None:
        """Load one chunk; the line where ``max_bad`` was exceeded, if it was."""
        con = self.con
        records = chunk.python
        sql_rows = chunk.table.num_rows > 0
        if sql_rows:
            con.register("_ad_lines", chunk.table)
            try:
                con.execute(_CHUNK_SQL)
            except duckdb.Error:  # nothing known makes it fail; if it does, Python reads the chunk
                slow, sql_rows = chunk.numbers, False
            else:
                _check_ips(con)
                slow = [n for (n,) in con.execute("SELECT line FROM _ad_chunk WHERE NOT ok ORDER BY line").fetchall()]
            finally:
                con.unregister("_ad_lines")
            if slow:
                records = sorted([*records, *chunk.lines(slow)], key=lambda r: r.line)
        rows: list[tuple] = []
        stopped_at = None
        self.result.python_lines += len(records)
        for record in records:
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
        self.result.quarantine.extend(self.stream.take_quarantine())
        if not sql_rows:
            if rows:
                self._insert_arrow(EventStream._batch(rows))
            return stopped_at
        fast = f"SELECT {_INSERT_COLUMNS} FROM _ad_chunk WHERE ok AND line <= $end"
        params = {"source_file": source_name, "end": end}
        accepted = con.execute(f"SELECT count(*) FROM _ad_chunk WHERE ok AND line <= $end", {"end": end}).fetchone()[0]
        fs.records += accepted
        fs.accepted += accepted
        con.execute(f"INSERT INTO {self.table} {fast}", params)
        if rows:  # after the chunk's other rows: _dedupe orders by line, not by row
            self._insert_arrow(EventStream._batch(rows))
        return stopped_at

    def _dedupe(self) -> None:
        """Drop repeated request ids but the first (rows are in file and line order)."""
        con, table = self.con, self.table
        total, distinct = con.execute(f"SELECT count(*), count(DISTINCT request_id) FROM {table}").fetchone()
        if total == distinct:
            return
        # Rows of one file are in line order but for the few the Python path
        # adds after each chunk; lines of some adapters hold several events.
        con.register("_ad_files", pa.table({"file": range(len(self.starts)), "start": self.starts}))
        repeats = [r for (r,) in con.execute(
            f"SELECT r FROM (SELECT e.rowid AS r, row_number() OVER (PARTITION BY e.request_id "
            f"ORDER BY f.file, e.source_line, e.rowid) AS k FROM {table} e ASOF JOIN _ad_files f ON e.rowid >= f.start) "
            f"WHERE k > 1 ORDER BY r").fetchall()]
        con.unregister("_ad_files")
        files = self.stream.summary.files
        for rowid in repeats:
            files[bisect.bisect_right(self.starts, rowid) - 1].duplicates += 1
        con.register("_ad_repeats", pa.table({"r": pa.array(repeats, pa.int64())}))
        con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT r FROM _ad_repeats)")
        con.unregister("_ad_repeats")


def _check_ips(con: duckdb.DuckDBPyConnection) -> None:
    """Addresses other than dotted IPv4 (IPv6, scope ids, ...) get the Python
    path's own check, once per distinct address; lines with a bad one go to Python."""
    ips = [ip for (ip,) in con.execute("SELECT DISTINCT ip_check FROM _ad_chunk WHERE ok AND ip_check IS NOT NULL").fetchall()]
    bad = [ip for ip in ips if not _check_ip(ip)]
    if bad:
        con.execute("UPDATE _ad_chunk SET ok = false WHERE list_contains($bad, ip_check)", {"bad": bad})
