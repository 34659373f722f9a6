"""The DuckDB loader (antidistill.events.sql_load) against the Python path it stands in for.

Every test loads the same input both ways: ``iter_event_batches(..., dedupe=True)``
(the Python path) and ``load_events`` into DuckDB; the events tables (sorted),
the quarantine records, the per-file counts and any ``TooManyBadRecords``
must be the same.
"""

from __future__ import annotations

import copy
import gzip
import json
import shutil
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_events_ingest import BAD_LINES, GOOD_LINES
from test_events_properties import mutated_events

from antidistill.events import (
    EVENT_SCHEMA,
    TooManyBadRecords,
    iter_event_batches,
    load_events,
)

DATA = Path(__file__).parent / "data"
EVENTS = [orjson.loads(line) for line in GOOD_LINES]
ORDER = [("request_id", "ascending"), ("source_file", "ascending"), ("source_line", "ascending")]


def python_path(paths: list[Path], **options):
    stream = iter_event_batches(paths, dedupe=True, **options)
    batches, quarantine, error = [], [], None
    try:
        for batch in stream:
            batches.append(batch)
            quarantine.extend(stream.take_quarantine())
    except TooManyBadRecords as exc:
        error = str(exc)
    quarantine.extend(stream.take_quarantine())
    return pa.Table.from_batches(batches, EVENT_SCHEMA), quarantine, stream.summary, error


def sql_path(paths: list[Path], **options):
    con = duckdb.connect()
    try:
        try:
            loaded = load_events(con, paths, **options)
        except TooManyBadRecords as exc:
            return None, None, None, str(exc)
        table = con.execute("SELECT * FROM events").to_arrow_table().cast(EVENT_SCHEMA)
        return table, loaded.quarantine, loaded.summary, None, loaded
    finally:
        con.close()


def counts(summary) -> list[dict]:
    return [{**vars(f), "seconds": None} for f in summary.files]


def without_bodies(table: pa.Table) -> pa.Table:
    """What ``load_events(..., bodies="predict")`` keeps: the bodies of /v1/predict events only."""
    predict = pa.compute.equal(table["endpoint"], "/v1/predict")
    for name, blank in (("request_json", ""), ("response_json", None)):
        kept = pa.compute.if_else(predict, table[name], pa.scalar(blank, pa.string()))
        table = table.set_column(table.schema.get_field_index(name), table.schema.field(name), kept)
    return table


def assert_same(paths: list[Path], *, bodies: str = "all", **options):
    """Both paths agree; returns what the DuckDB loader reported."""
    table, quarantine, summary, error = python_path(paths, **options)
    result = sql_path(paths, bodies=bodies, **options)
    assert result[3] == error
    if error is not None:
        return None
    sql_table, sql_quarantine, sql_summary, _, loaded = result
    if bodies == "predict":
        table = without_bodies(table)
    assert sql_table.num_rows == table.num_rows
    left, right = table.sort_by(ORDER), sql_table.sort_by(ORDER)
    for name in EVENT_SCHEMA.names:
        assert left[name].to_pylist() == right[name].to_pylist(), name
    assert [q.as_dict() for q in sql_quarantine] == [q.as_dict() for q in quarantine]
    assert counts(sql_summary) == counts(summary)
    return loaded


def write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def event_line(**changes) -> bytes:
    event = copy.deepcopy(EVENTS[0])
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        target = event
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is _DELETE:
            del target[leaf]
        else:
            target[int(leaf) if isinstance(target, list) else leaf] = value
    return json.dumps(event, ensure_ascii=False).encode()


_DELETE = object()


@pytest.mark.parametrize("bodies", ["all", "predict"])
def test_fixture_lines_good_and_bad(tmp_path, bodies):
    src = write(tmp_path / "mixed.jsonl", [GOOD_LINES[0], *BAD_LINES, GOOD_LINES[1], b"", b"  ", *GOOD_LINES[2:]])
    loaded = assert_same([src], bodies=bodies)
    assert loaded.summary.accepted == 4 and loaded.summary.quarantined == 4
    assert loaded.python_lines == len(BAD_LINES)  # the good lines all stayed in DuckDB


def test_gzip_multiple_files_and_duplicates_across_them(tmp_path):
    plain = write(tmp_path / "a.jsonl", GOOD_LINES)
    gz = tmp_path / "b.jsonl.gz"
    gz.write_bytes(gzip.compress(b"".join(line + b"\n" for line in [GOOD_LINES[1], *BAD_LINES, GOOD_LINES[1]])))
    loaded = assert_same([plain, gz, plain])
    assert [f.duplicates for f in loaded.summary.files] == [0, 2, 4]


def test_empty_file_and_only_bad_lines(tmp_path):
    empty = write(tmp_path / "empty.jsonl", [])
    bad = write(tmp_path / "bad.jsonl", BAD_LINES * 3)
    loaded = assert_same([empty, bad])
    assert loaded.summary.accepted == 0 and loaded.summary.quarantined == 12


@pytest.mark.parametrize("max_bad", [0, 2, 5, 100])
def test_max_bad(tmp_path, max_bad):
    a = write(tmp_path / "a.jsonl", [GOOD_LINES[0], *BAD_LINES, GOOD_LINES[1]])
    b = write(tmp_path / "b.jsonl", [*BAD_LINES, GOOD_LINES[2]])
    assert_same([a, b], max_bad=max_bad)


def test_overlong_deep_and_corrupt_input(tmp_path):
    deep = b'{"request_id": "deep", "x": ' + b"[" * 1100 + b"]" * 1100 + b"}"
    long = write(tmp_path / "long.jsonl", [GOOD_LINES[0], b'{"x": "' + b"y" * 5000 + b'"}', deep, GOOD_LINES[1]])
    assert_same([long], max_line_bytes=4096)
    body = gzip.compress(b"".join(line + b"\n" for line in GOOD_LINES * 50))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(body[: len(body) // 2])  # truncated gzip: one corrupt_file record
    assert_same([cut])


EDGE_LINES = [
    event_line(ts="2026-04-02t13:05:09.1234567z"),
    event_line(ts="2026-04-02 15:05:09+02:00"),
    event_line(ts="2026-04-02T13:05:09+05:60"),
    event_line(ts="2026-04-02T13:05:09+24:00"),
    event_line(ts="2026-02-29T00:00:00Z"),
    event_line(ts="2024-02-29T23:59:59.999999-23:59"),
    event_line(ts="0001-01-01T00:00:00+00:30"),
    event_line(ts="9999-12-31T00:00:00Z"),
    event_line(ts="2026-04-02T13:05:60Z"),
    event_line(client_ip="fe80::1%eth0"),
    event_line(client_ip="::ffff:10.0.0.1"),
    event_line(client_ip="01.2.3.4"),
    event_line(client_ip="1.2.3.4 "),
    event_line(client_ip="2001:db8::g"),
    event_line(status=99),
    event_line(latency_ms=3),
    event_line(latency_ms=1e-7),
    event_line(latency_ms=1e16),
    event_line(request__seed=2**63),
    event_line(request__seed=-(2**63) - 1),
    event_line(request__max_tokens=12345678901234567),
    event_line(request__temperature=0.000001),
    event_line(request__n=2**31),
    event_line(request__logit_bias={"007": 1, "7": -100, "10": 100.0}),
    event_line(request__logit_bias={"7": True}),
    event_line(request__logit_bias={"٣": 1}),
    event_line(request__logit_bias={}),
    event_line(request__tools=[{"function": None, "name": "n"}, {"function": {"x": 1}}, {"name": None}]),
    event_line(request__tools=[5]),
    event_line(request__tools={"name": "x"}),
    event_line(request__response_format="text"),
    event_line(request__response_format={"type": None}),
    event_line(request__response_format=[]),
    event_line(request__messages=[]),
    event_line(request__messages=[{"role": "developer", "content": ""}, {"role": "user"}]),
    event_line(request__messages=[{"role": "user", "content": "a\u0000b"}]),
    event_line(request__messages=[{"role": "user", "content": "é \u2028 \\ \" / \U0001f600 \x7f"}]),
    event_line(request__messages__0=None),
    event_line(response=None),
    event_line(response=[]),
    event_line(response__choices=[]),
    event_line(response__choices=[None]),
    event_line(response__choices__0__message=None),
    event_line(response__usage__prompt_tokens=-1),
    event_line(endpoint="/v1/completions"),
    event_line(api_key_id=_DELETE, client_ip=_DELETE, user_agent=_DELETE, latency_ms=_DELETE),
    GOOD_LINES[1].replace(b'"max_tokens":16', b'"max_tokens":16,"logprobs":3,"top_logprobs":1'),
    GOOD_LINES[1].replace(b'"max_tokens":16', b'"max_tokens":16,"logprobs":-1'),
    GOOD_LINES[1].replace(b'"prompt":"Once upon a time"', b'"prompt":null'),
    GOOD_LINES[2].replace(b'"instances":', b'"messages":5,"instances":'),
    GOOD_LINES[0].replace(b'"status":200', b'"status":200,"status":"x"'),
    GOOD_LINES[0].replace(b'"role":"user","content":"first question"', b'"role":"user","content":"a","content":"b"'),
    # repeated keys in objects of two keys and of more (decided without and with list_unique)
    GOOD_LINES[0].replace(b'"role":"user","content":"first question"', b'"role":"user","role":"system"'),
    GOOD_LINES[0].replace(b'"role":"user","content":"first question"', b'"role":"user","content":"a","name":"n","role":"x"'),
    GOOD_LINES[0].replace(b'"role":"user","content":"first question"', b'"role":"user","content":"a","name":"n","name":"m"'),
    GOOD_LINES[0].replace(b'"status":200', b'"status":200,"extra":1,"extra":2'),
    # missing and null where only one of them is allowed
    GOOD_LINES[1].replace(b'"prompt":"Once upon a time",', b''),
    GOOD_LINES[0].replace(b'"status":200', b'"status":200,'),
    GOOD_LINES[0].replace(b'"latency_ms":812.5', b'"latency_ms":NaN'),
    GOOD_LINES[0].replace(b'"latency_ms":812.5', b'"latency_ms":1e400'),
    GOOD_LINES[0].replace(b'"latency_ms":812.5', b'"latency_ms":8.125e2'),
    GOOD_LINES[0].replace(b"first question", b"first \\u00e9 \\ud83d\\ude00 \\u001f question"),
    GOOD_LINES[0].replace(b"first question", b"first \\ud800 question"),
    b"\xef\xbb\xbf" + GOOD_LINES[3],
    GOOD_LINES[3] + b"\r",
    GOOD_LINES[3].replace(b"{", b"\x00{", 1),
    GOOD_LINES[3].replace(b'"hello"', b'"hel\tlo"'),
    b"\x0c",
    b'{"request_id": "r", "ts": "2026-04-02T13:05:09Z"} {}',
    b"[]",
    b"12",
    # literals DuckDB takes in any case and orjson refuses
    *(GOOD_LINES[0].replace(b'"status":200', b'"status":200,"x":' + v) for v in (b"nan", b"inf", b"-INF", b"Nan", b"infinity")),
    # scalars and containers read_json would cast silently (the fast path must not take them)
    GOOD_LINES[0].replace(b'"content":"first question"', b'"content":5'),
    GOOD_LINES[0].replace(b'"content":"first question"', b'"content":{"a":1}'),
    GOOD_LINES[0].replace(b'"content":"first question"', b'"content":[{"token":"a"}]'),
    GOOD_LINES[0].replace(b'"content":"first question"', b'"content":"[{\\"token\\":\\"a\\"}]"'),
    GOOD_LINES[0].replace(b'"content":"first question"', b'"content":"5"'),
    GOOD_LINES[0].replace(b'"content":"first question"', b'"conte\\u006et":5'),
    GOOD_LINES[0].replace(b'"role":"user"', b'"role":true'),
    GOOD_LINES[0].replace(b'"status":200', b'"status":"200"'),
    GOOD_LINES[0].replace(b'"status":200', b'"status":200.0'),
    GOOD_LINES[0].replace(b'"latency_ms":812.5', b'"latency_ms":"812.5"'),
    GOOD_LINES[0].replace(b'"request_id":"', b'"request_id":7,"x":"'),
    event_line(request__max_tokens=5.0),
    event_line(request__temperature="0.5"),
    event_line(request__logprobs=1),
    event_line(request__prompt=5),
    event_line(request__messages__0__content="{\"a\": 1}"),
    event_line(request__messages=[None]),
    event_line(request__messages="hi"),
    event_line(response__choices__0__message__content=None),
    event_line(response__choices=[{"message": "x"}]),
    event_line(response__usage__prompt_tokens="3"),
]


def test_type_signature_reads_the_list_cast():
    """On this DuckDB the types are checked on json_type()'s list cast to
    VARCHAR (missing: NULL, JSON null: 'NULL'), the fast spelling the edge
    cases above exercise; another spelling falls back to a lambda per path."""
    from antidistill.events import sql_load

    assert "ty::VARCHAR" in sql_load._types_check()
    con = duckdb.connect()
    ty = con.execute("""SELECT json_type('{"a": null}', ['$', '$.a', '$.b'])::VARCHAR""").fetchone()[0]
    assert ty == "[OBJECT, 'NULL', NULL]"


@pytest.mark.parametrize("bodies", ["all", "predict"])
def test_edge_cases(tmp_path, bodies):
    src = write(tmp_path / "edge.jsonl", EDGE_LINES)
    assert_same([src], bodies=bodies)


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("bodies", ["all", "predict"])
@SETTINGS
@given(st.lists(mutated_events(), min_size=1, max_size=8), st.lists(st.binary(max_size=60), max_size=2))
def test_mutated_events_agree(tmp_path, bodies, lines, noise):
    src = write(tmp_path / "m.jsonl", [*lines, *(b.replace(b"\n", b" ") for b in noise)])
    assert_same([src], bodies=bodies)


@pytest.mark.parametrize("every", [997, 97])
def test_fast_path_around_lines_it_cannot_read(tmp_path, every):
    """bodies="predict" reads with read_json, which fails on a whole file for one
    line it cannot read: the lines are tried again in pieces, the rest go to _parse."""
    lines = [event_line(request_id=f"r-{i}") for i in range(3000)]
    for i in range(5, len(lines), every):
        lines[i] = [b"{bad", b"[1]", event_line(request__messages="x"), b"null",
                    GOOD_LINES[0].replace(b'"status":200', b'"status":200,"status":201')][i % 5]
    loaded = assert_same([write(tmp_path / "b.jsonl", lines)], bodies="predict")
    if every > 500:  # a few such lines cost the fast path little
        assert loaded.fast_lines > len(lines) * 0.8


@pytest.mark.parametrize("max_bad", [None, 4])
@pytest.mark.parametrize("bodies", ["all", "predict"])
def test_many_chunks_parsed_ahead(tmp_path, monkeypatch, bodies, max_bad):
    """Small chunks: each is parsed (on one of two parsers, in a thread) while
    the one before is inserted; rows, duplicates across chunks, quarantine,
    counts and a stop at max_bad in the middle of the file are as on the Python path."""
    from antidistill.events import sql_load

    # Chunks of a few lines: cut at windows of the inflated stream, read a little at a time.
    for name, size in (("CHUNK_BYTES", 8 * 1024), ("_WINDOW", 8 * 1024), ("_READ", 256)):
        monkeypatch.setattr(sql_load, name, size)
    parsed = []
    real = sql_load._Loader._parse_chunk
    monkeypatch.setattr(sql_load._Loader, "_parse_chunk", lambda self, chunk, parser: parsed.append(parser) or real(self, chunk, parser))
    lines = [event_line(request_id=f"r-{i % 700}") for i in range(900)]  # the last 200 repeat earlier ids
    for i in range(150, len(lines), 160):
        lines[i] = BAD_LINES[i % len(BAD_LINES)]
    src = tmp_path / "many.jsonl.gz"
    src.write_bytes(gzip.compress(b"".join(line + b"\n" for line in lines)))
    assert_same([src], bodies=bodies, max_bad=max_bad)
    assert len(parsed) > 10 and len(set(map(id, parsed))) == 2  # many chunks, both parsers


@pytest.mark.parametrize("bodies", ["all", "predict"])
def test_other_formats_keep_the_python_path(tmp_path, bodies):
    litellm = shutil.copy(DATA / "litellm_payloads.jsonl", tmp_path / "l.jsonl")
    otel = shutil.copy(DATA / "otel_genai_spans.jsonl", tmp_path / "o.jsonl")
    loaded = assert_same([Path(litellm), Path(otel), DATA / "spec_events.jsonl"], bodies=bodies)
    assert [f.format for f in loaded.summary.files] == ["litellm", "otel", "spec"]


@pytest.mark.parametrize("bodies", ["all", "predict"])
def test_simulated_traffic(tmp_path, bodies):
    from antidistill.sim import simulate

    simulate(5, "small", tmp_path, mixture={"scales": {"small": {"count_factor": 0.1, "volume_factor": 0.1}}})
    loaded = assert_same([tmp_path / "events.jsonl.gz"], bodies=bodies)
    assert loaded.summary.accepted > 1000
    assert loaded.python_lines < loaded.summary.accepted / 100  # DuckDB read almost all of it
    if bodies == "predict":  # the fast path, /v1/predict lines too (_predict_sql)
        assert loaded.fast_lines > 0.99 * loaded.summary.accepted


PREDICT = next(e for e in EVENTS if e["endpoint"] == "/v1/predict")


def predict_line(request=None, response=_DELETE, *, spaced: bool = False, **changes) -> bytes:
    """A /v1/predict line (orjson's compact spelling, or json.dumps's spaced and ASCII one)."""
    event = {**copy.deepcopy(PREDICT), **changes}
    if request is not None:
        event["request"] = request
    if response is not _DELETE:
        event["response"] = response
    return json.dumps(event).encode() if spaced else orjson.dumps(event)


PREDICT_LINES = [
    predict_line(request_id="p-plain"),
    predict_line(request_id="p-spaced", spaced=True),
    predict_line({"instances": [[-0.0, -0, 0.00001, 1.5, 100.0, 123456789.125, 2**53]]}, request_id="p-numbers"),
    predict_line({"instances": [["a/b", "\u00e9", "\u2028", "\x7f", 'x"y\\', {"k": [None, True, False]}]]},
                 request_id="p-strings"),
    predict_line({"instances": [["\u00e9\u2028"]]}, request_id="p-strings-ascii", spaced=True),
    predict_line({"instances": []}, None, request_id="p-null-response"),
    predict_line({"instances": [[1]]}, {}, request_id="p-empty-response"),
    predict_line({"instances": [[1]]}, {"predictions": None}, request_id="p-null-predictions"),
    predict_line(request_id="p-no-response", response=None) .replace(b',"response":null', b""),
    # shapes left to Python: other request keys, usage, wrong types
    predict_line({"instances": [[1]], "model": "m"}, request_id="p-model"),
    predict_line({"instances": [[1]], "temperature": "hot"}, request_id="p-bad-temperature"),
    predict_line({"instances": {"a": 1}}, request_id="p-object-instances"),
    predict_line({"instances": None}, request_id="p-null-instances"),
    predict_line({"model": "m"}, request_id="p-no-instances"),
    predict_line(["instances"], request_id="p-array-request"),
    predict_line({"instances": [[1]]}, {"predictions": [], "usage": {"prompt_tokens": -1}}, request_id="p-usage"),
    predict_line({"instances": [[1]]}, {"predictions": "x"}, request_id="p-string-predictions"),
    predict_line({"instances": [[1]]}, "x", request_id="p-string-response"),
    predict_line({"instances": [[1e-7, 1e300, 0.1 + 0.2]]}, request_id="p-risky-numbers"),
    predict_line(request_id="", spaced=True),
    predict_line(request_id="p-bad-status", status=99),
    predict_line(request_id="p-bad-ip", client_ip="2001:db8::zz"),
    orjson.dumps({**PREDICT, "request_id": "p-repeated-inside"}).replace(b'{"instances":', b'{"instances":[[9]],"instances":', 1),
    predict_line(request_id="p-chat-endpoint", endpoint="/v1/chat/completions"),
    event_line(request_id="c-mentions-predict", request__messages__1__content="POST /v1/predict now"),
    event_line(request_id="c-ends-with-predict", request__user="https://x/v1/predict"),
    predict_line(request_id="p-plain"),  # a repeat
]


@pytest.mark.parametrize("bodies", ["all", "predict"])
def test_predict_lines(tmp_path, bodies):
    """/v1/predict lines of the plainest shape get their rows (bodies as orjson
    writes them) from read_json; the others, and lines merely mentioning the
    endpoint, are the Python path's."""
    lines = [*PREDICT_LINES, *(event_line(request_id=f"c-{i}") for i in range(40))]
    loaded = assert_same([write(tmp_path / "p.jsonl", lines)], bodies=bodies)
    if bodies == "predict":
        # 40 chat lines and the one mentioning the endpoint; 8 plain predict
        # lines and a repeat (p-numbers has a 16-digit number, for Python; a
        # line with a string ending in the endpoint is read as a prediction
        # line, and not vouched for)
        assert loaded.fast_lines == 40 + 1 + 9


@pytest.mark.parametrize("at", [0, 50, 99])
def test_predict_lines_read_json_fails_on(tmp_path, at):
    """A line that looks like a prediction line but read_json cannot read
    strictly (a key given twice, broken JSON): the others are tried again in halves."""
    lines = [predict_line(request_id=f"p-{i}") for i in range(100)]
    lines[at] = orjson.dumps({**PREDICT, "request_id": "p-repeated"})[:-1] + b',"request":{"instances":[[2],[3]]}}'
    lines[(at + 37) % 100] = predict_line(request_id="p-broken")[:-30]
    loaded = assert_same([write(tmp_path / "p.jsonl", lines)], bodies="predict")
    assert loaded.fast_lines == 98


@SETTINGS
@given(st.lists(st.tuples(
    st.recursive(st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1)
                 | st.floats(allow_nan=False, allow_infinity=False).map(lambda x: round(x, 4))
                 | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
                 lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=2),
                 max_leaves=8),
    st.none() | st.dictionaries(st.sampled_from(["predictions", "usage", "x"]), st.none() | st.lists(st.integers(0, 3))),
    st.booleans()), min_size=1, max_size=6))
def test_predict_bodies_agree(tmp_path, events):
    """Whatever the instances and the response, read_json's bodies are orjson's where it vouches for them."""
    lines = [predict_line({"instances": [inst]}, resp, request_id=f"p-{i}", spaced=spaced)
             for i, (inst, resp, spaced) in enumerate(events)]
    assert_same([write(tmp_path / "p.jsonl", lines)], bodies="predict")


@SETTINGS
@given(st.lists(st.text(alphabet=':,[]{} \t\n-+.0123456789eENaInfity"\\u', max_size=40), max_size=20))
def test_risky_parts_find_the_same_lines(texts):
    """The one-literal-first-byte patterns the loader runs select the lines _RISKY selects."""
    import re

    from antidistill.events.sql_load import _RISKY, _RISKY_PARTS

    for text in [*texts, *(line.decode("utf-8", "replace") for line in EDGE_LINES)]:
        assert bool(re.search(_RISKY, text)) == any(re.search(p, text) for p in _RISKY_PARTS), text


def _many_lines(count: int) -> list[bytes]:
    """Distinct good events of varied lengths, with bad and blank lines among them (about 1.5 kB a line)."""
    lines = []
    for i in range(count):
        if i % 997 == 5:
            lines.append(BAD_LINES[i % len(BAD_LINES)])
        elif i % 1499 == 7:
            lines.append(b"  \r")
        else:
            lines.append(event_line(request_id=f"r-{i}", request__messages__1__content="x" * (i * 7919 % 3000)))
    return lines


def _assert_same_or_same_error(paths: list[Path], **options):
    """Both paths agree, or both raise the same error (a gzip stream zlib cannot read)."""
    try:
        python_path(paths, **options)
    except Exception as exc:  # noqa: BLE001 - compared below
        with pytest.raises(type(exc)) as raised:
            sql_path(paths, **options)
        assert str(raised.value) == str(exc)
        return
    assert_same(paths, **options)


@pytest.fixture(scope="module")
def big_gzip():
    """A gzip file of about 3 MB of lines (three of the Python reader's 1 MB windows)."""
    body = b"".join(line + b"\n" for line in _many_lines(2200))
    assert len(body) > 3 << 20
    return body, gzip.compress(body, 6)


@pytest.mark.parametrize("cut", [0.05, 0.3, 0.5, 0.77, 0.999])
def test_truncated_gzip_loses_what_the_python_reader_loses(tmp_path, big_gzip, cut):
    """A gzip stream cut short: the same lines before it, the corrupt_file record at the same line."""
    _, packed = big_gzip
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: int(len(packed) * cut)])
    _assert_same_or_same_error([path])


@pytest.mark.parametrize("damage", ["crc", "length", "middle", "two_members", "trailing_garbage", "null_padding",
                                    "reserved_flag", "not_gzip"])
def test_unusual_gzip_streams(tmp_path, big_gzip, damage):
    """Streams the fast reader hands to the Python reader's loop: the same lines and records."""
    body, packed = big_gzip
    data = bytearray(packed)
    if damage == "crc":
        data[-8] ^= 0xFF
    elif damage == "length":
        data[-1] ^= 0x01
    elif damage == "middle":
        data[len(data) // 2] ^= 0x55
    elif damage == "two_members":
        data = bytearray(gzip.compress(body[: len(body) // 3]) + gzip.compress(body[len(body) // 3:]))
    elif damage == "trailing_garbage":
        data += b"garbage"
    elif damage == "null_padding":
        data += b"\x00" * 100
    elif damage == "reserved_flag":
        data[3] |= 0x80
    elif damage == "not_gzip":
        data = bytearray(body)
    path = tmp_path / "odd.jsonl.gz"
    path.write_bytes(bytes(data))
    _assert_same_or_same_error([path])


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("max_line_bytes", [1500, 2400, 1 << 20])
def test_line_limit_and_no_final_newline(tmp_path, compress, max_line_bytes):
    """Lines over the limit (the fast reader stops there and the Python reader's loop goes on) and a last line without newline."""
    lines = _many_lines(1500)
    body = b"".join(line + b"\n" for line in lines) + lines[1]
    path = tmp_path / ("l.jsonl.gz" if compress else "l.jsonl")
    path.write_bytes(gzip.compress(body) if compress else body)
    loaded = assert_same([path], max_line_bytes=max_line_bytes)
    assert loaded.summary.accepted > 0


def test_line_of_exactly_the_limit(tmp_path):
    line = event_line(request_id="exact")
    other = event_line(request_id="other")
    path = write(tmp_path / "e.jsonl", [other, line, other.replace(b"other", b"third")])
    for limit in (len(line) - 1, len(line), len(line) + 1):
        assert_same([path], max_line_bytes=limit)


def test_truncated_inside_an_overlong_line(tmp_path):
    lines = _many_lines(300)
    lines.insert(150, event_line(request_id="huge", request__messages__1__content="y" * (3 << 20)))
    packed = gzip.compress(b"".join(line + b"\n" for line in lines))
    for cut in (0.3, 0.6, 0.95):
        path = tmp_path / f"t{cut}.jsonl.gz"
        path.write_bytes(packed[: int(len(packed) * cut)])
        _assert_same_or_same_error([path], max_line_bytes=1 << 20)


@pytest.mark.parametrize("at", [0, 1, 98, 99])
def test_fast_path_unreadable_line_at_either_end(tmp_path, at):
    lines = [event_line(request_id=f"r-{i}") for i in range(100)]
    lines[at] = b"{bad"
    assert_same([write(tmp_path / "e.jsonl", lines)], bodies="predict")
