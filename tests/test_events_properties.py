"""Property tests: whatever the bytes, the reader never raises and accounts for every line."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antidistill.events import iter_event_batches, validate

DATA = Path(__file__).parent / "data"
EVENTS = [orjson.loads(line) for line in (DATA / "spec_events.jsonl").read_bytes().splitlines()]

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def dumps(value) -> bytes:
    # stdlib json: unlike orjson it writes integers past 64 bits (and lone surrogates)
    return json.dumps(value).encode()


def paths_of(value, prefix=()):
    """Every (path) inside a JSON value, for mutation."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths_of(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths_of(v, (*prefix, i))


@st.composite
def mutated_events(draw):
    event = copy.deepcopy(draw(st.sampled_from(EVENTS)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in paths_of(event) if p]
        path = draw(st.sampled_from(paths))
        parent = event
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return dumps(event)


def check_accounting(tmp_path: Path, lines: list[bytes]) -> None:
    if lines and lines[0][:3] == b"\x1f\x8b\x08":
        lines = [b"x" + lines[0], *lines[1:]]  # gzip magic: the file is read as gzip, tested elsewhere
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    n_lines = src.read_bytes().count(b"\n")
    stream = iter_event_batches(src, max_line_bytes=2048)
    emitted = sum(b.num_rows for b in stream)  # must not raise
    fs = stream.summary.files[0]
    quarantine = stream.take_quarantine()
    assert fs.lines == n_lines
    assert fs.accepted + fs.quarantined + fs.blank_lines == n_lines
    assert emitted == fs.accepted
    assert len(quarantine) == fs.quarantined
    for q in quarantine:
        assert 1 <= q.source_line <= n_lines and q.reason and q.kind


@SETTINGS
@given(st.lists(st.binary(max_size=300).map(lambda b: b.replace(b"\n", b" ")), max_size=8))
def test_random_bytes(tmp_path, lines):
    check_accounting(tmp_path, lines)


@SETTINGS
@given(st.lists(json_values.map(dumps), max_size=8))
def test_random_json(tmp_path, lines):
    check_accounting(tmp_path, lines)


@SETTINGS
@given(st.lists(mutated_events(), min_size=1, max_size=6))
def test_mutated_valid_events(tmp_path, lines):
    check_accounting(tmp_path, lines)


@SETTINGS
@given(st.lists(mutated_events(), min_size=1, max_size=4), st.sampled_from(["litellm", "otel"]))
def test_wrong_adapter_never_raises(tmp_path, lines, fmt):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    summary = validate([src], fmt=fmt)
    fs = summary.files[0]
    assert fs.records == fs.accepted + fs.quarantined + sum(fs.skipped.values())


@st.composite
def mutated_adapter_lines(draw):
    path = draw(st.sampled_from(["litellm_payloads.jsonl", "otel_genai_spans.jsonl"]))
    record = orjson.loads(draw(st.sampled_from((DATA / path).read_bytes().splitlines())))
    paths = [p for p in paths_of(record) if p]
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(paths))
        parent = record
        try:
            for key in target[:-1]:
                parent = parent[key]
            parent[target[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed this path
    return path, dumps(record)


@SETTINGS
@given(mutated_adapter_lines())
def test_mutated_adapter_records(tmp_path, case):
    name, line = case
    src = tmp_path / "in.jsonl"
    src.write_bytes(line + b"\n")
    stream = iter_event_batches(src, fmt="litellm" if name.startswith("litellm") else "otel")
    emitted = sum(b.num_rows for b in stream)
    fs = stream.summary.files[0]
    assert emitted == fs.accepted
    assert fs.records == fs.accepted + fs.quarantined + sum(fs.skipped.values())
    assert fs.by_kind.get("adapter_error", 0) == 0, stream.take_quarantine()
