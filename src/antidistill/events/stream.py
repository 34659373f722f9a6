"""From files to Arrow record batches of EVENT_SCHEMA, with a running summary.

:class:`EventStream` reads files one record at a time, maps each through the
file's adapter, checks and flattens it, and hands out record batches of at most
``batch_rows`` rows. Bad records become :class:`QuarantineRecord` entries (kept
until the consumer takes them) and are counted by kind; nothing is dropped
silently and no input makes it raise, except :class:`TooManyBadRecords` once
``max_bad`` is exceeded (after the rows accepted so far were handed out).
"""

from __future__ import annotations

import gc
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyarrow as pa

from antidistill.events.adapters import Adapter, Skip, detect_format, get_adapter
from antidistill.events.readers import (
    DEFAULT_MAX_LINE_BYTES,
    RAW_KEEP_CHARS,
    RawRecord,
    Source,
    is_blank,
    peek_values,
)
from antidistill.events.schema import EVENT_SCHEMA, QUARANTINE_SCHEMA
from antidistill.events.validate import BadRecord, flatten_event

DEFAULT_BATCH_ROWS = 32_768
#: Columns flatten_event gives as UTF-8 bytes (cast to string without a copy).
_BYTES_COLUMNS = frozenset({"request_json", "response_json"})

#: progress(path, bytes_done, bytes_total)
ProgressCallback = Callable[[Path, int, int], None]


class TooManyBadRecords(Exception):
    """More bad records than ``max_bad`` allows; the run stops."""

    def __init__(self, max_bad: int, bad: int, where: str) -> None:
        super().__init__(f"stopped at {where}: {bad} bad records exceed --max-bad {max_bad}")
        self.max_bad = max_bad
        self.bad = bad


@dataclass(slots=True)
class QuarantineRecord:
    source_file: str
    source_line: int
    field: str | None
    kind: str
    reason: str
    raw: str

    def message(self) -> str:
        return f"{self.source_file}:{self.source_line}: {self.field or '<line>'}: {self.reason}"

    def as_dict(self) -> dict:
        return {
            "source_file": self.source_file, "source_line": self.source_line,
            "field": self.field, "kind": self.kind, "reason": self.reason, "raw": self.raw,
        }


@dataclass
class FileSummary:
    """Counts for one input file.

    ``records`` = accepted + quarantined + skipped (skipped: parts of a line that
    are not exchanges, like non-GenAI spans in OTLP; a spec line is one record).
    ``duplicates`` counts the accepted events whose request id was already seen
    (stored, or earlier in the input); they are not stored again.
    """

    path: str
    format: str = "?"
    lines: int = 0
    blank_lines: int = 0
    records: int = 0
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    by_kind: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    bytes: int = 0
    seconds: float = 0.0


@dataclass
class Summary:
    """Counts for a run over several files."""

    files: list[FileSummary] = field(default_factory=list)
    stopped: str | None = None  # why the run gave up, if it did

    # Run totals: the sum over files of each FileSummary count.
    lines = property(lambda self: self._total("lines"))
    records = property(lambda self: self._total("records"))
    accepted = property(lambda self: self._total("accepted"))
    duplicates = property(lambda self: self._total("duplicates"))
    quarantined = property(lambda self: self._total("quarantined"))
    bytes = property(lambda self: self._total("bytes"))
    seconds = property(lambda self: self._total("seconds"))
    by_kind = property(lambda self: self._total("by_kind", Counter()))
    skipped = property(lambda self: self._total("skipped", Counter()))

    def _total(self, name: str, start=0):
        return sum((getattr(f, name) for f in self.files), start)

    @property
    def ok(self) -> bool:
        return self.stopped is None


def resolve_format(path: Path, fmt: str, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> str:
    if fmt != "auto":
        return fmt
    if path.name.lower().endswith((".parquet", ".pq")):
        return "spec"
    return detect_format(peek_values(path, max_bytes=max_line_bytes))


class EventStream:
    """Iterate to get ``pa.RecordBatch`` of EVENT_SCHEMA; see the module docstring.

    ``dedupe`` drops repeated request ids within the stream (counted as
    duplicates); it keeps one set of ids in memory, so the store leaves it off
    and deduplicates against the database instead.
    """

    def __init__(
        self,
        paths: Sequence[str | os.PathLike],
        *,
        fmt: str = "auto",
        account_field: str | None = None,
        max_bad: int | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        progress: ProgressCallback | None = None,
        dedupe: bool = False,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.fmt = fmt
        self.account_field = account_field
        self.max_bad = max_bad
        self.max_line_bytes = max_line_bytes
        self.batch_rows = batch_rows
        self.progress = progress
        self.summary = Summary()
        self._quarantine: list[QuarantineRecord] = []
        self._seen: set[str] | None = set() if dedupe else None
        self.current: FileSummary | None = None

    # consumers call these between batches
    def take_quarantine(self) -> list[QuarantineRecord]:
        out, self._quarantine = self._quarantine, []
        return out

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for path in self.paths:
            yield from self.iter_file(path)

    def iter_file(self, path: Path) -> Iterator[pa.RecordBatch]:
        """Batches of one file (callers that need per-file bookkeeping use this)."""
        path = Path(path)
        source_name = str(path.resolve())
        fs = FileSummary(path=source_name)
        self.summary.files.append(fs)
        self.current = fs
        started = time.perf_counter()
        source = Source(path, max_line_bytes=self.max_line_bytes)
        fs.format = resolve_format(path, self.fmt, self.max_line_bytes)
        adapter = get_adapter(fs.format, account_field=self.account_field)
        rows: list[tuple] = []
        progress = self.progress
        next_tick = 0
        try:
            for record in source:
                fs.lines += 1
                if record.error is not None:
                    self._bad(fs, source_name, record.line, record.error, record)
                elif is_blank(record):
                    fs.blank_lines += 1
                else:
                    self._map(adapter, record, fs, source_name, rows)
                if len(rows) >= self.batch_rows:
                    yield self._batch(rows)
                    rows = []
                if progress is not None and record.line >= next_tick:
                    progress(path, source.position, source.size)
                    next_tick = record.line + 2000
                if self.max_bad is not None and self.summary.quarantined > self.max_bad:
                    self.summary.stopped = str(TooManyBadRecords(self.max_bad, self.summary.quarantined, f"{source_name}:{record.line}"))
                    break
            if rows:
                yield self._batch(rows)
        finally:
            fs.bytes = source.position if self.summary.stopped else source.size
            fs.seconds = time.perf_counter() - started
            if progress is not None:
                progress(path, fs.bytes, source.size)
        if self.summary.stopped:
            raise TooManyBadRecords(self.max_bad or 0, self.summary.quarantined, source_name)

    def _map(self, adapter: Adapter, record, fs: FileSummary, source_name: str, rows: list) -> None:
        raw_value = record.value
        records_before = fs.records
        try:
            for item in adapter.to_events(raw_value):
                fs.records += 1
                if type(item) is dict:
                    try:
                        row = flatten_event(item, source_name, record.line)
                    except BadRecord as bad:
                        if adapter.name != "spec" and bad.field:
                            bad.reason = f"{bad.reason} (after mapping {adapter.name} to the spec)"
                        self._bad(fs, source_name, record.line, bad, record, count_record=False)
                        continue
                    fs.accepted += 1
                    if self._seen is not None:
                        if row[0] in self._seen:
                            fs.duplicates += 1
                            continue
                        self._seen.add(row[0])
                    rows.append(row)
                elif isinstance(item, Skip):
                    fs.skipped[item.reason] += 1
                elif isinstance(item, BadRecord):  # one part of the record is bad
                    self._bad(fs, source_name, record.line, item, record, count_record=False)
                else:
                    raise TypeError(f"adapter yielded {type(item).__name__}")
        except BadRecord as bad:  # the adapter rejected the whole record
            self._bad(fs, source_name, record.line, bad, record)
        except Exception as exc:  # noqa: BLE001 - an adapter bug must not lose the line
            # Parts already mapped were counted; count the line once more only if none were.
            self._bad(fs, source_name, record.line,
                      BadRecord(None, "adapter_error", f"{adapter.name} adapter failed: {type(exc).__name__}: {exc}"),
                      record, count_record=fs.records == records_before)

    def _bad(self, fs: FileSummary, source_name: str, line: int, bad: BadRecord, record: RawRecord,
             *, count_record: bool = True) -> None:
        if count_record:
            fs.records += 1
        fs.quarantined += 1
        fs.by_kind[bad.kind] += 1
        text = record.raw_text()
        if not text and record.value is not None:  # Parquet rows have no raw line
            text = orjson.dumps(record.value, default=str).decode()[:RAW_KEEP_CHARS]
        self._quarantine.append(QuarantineRecord(source_name, line, bad.field, bad.kind, bad.reason, text))

    @staticmethod
    def _batch(rows: list[tuple]) -> pa.RecordBatch:
        columns = list(zip(*rows))
        arrays = [
            pa.array(col, type=pa.binary()).cast(pa.string()) if f.name in _BYTES_COLUMNS
            else pa.array(col, type=f.type)
            for col, f in zip(columns, EVENT_SCHEMA)
        ]
        return pa.RecordBatch.from_arrays(arrays, schema=EVENT_SCHEMA)


@contextmanager
def relaxed_gc(gen0: int = 10_000) -> Iterator[None]:
    """Run the cyclic GC less often while a run-to-completion ingest parses.

    Parsing allocates ~10 dicts and lists per line; with the default threshold
    (700) the collector runs every few dozen lines and costs about a third of
    the run (measured: 6.3 s -> 4.5 s on 100k events). Nothing here makes
    cycles, so collecting later is safe. Restored on exit.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], gen0), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def iter_event_batches(paths: Sequence[str | os.PathLike] | str | os.PathLike, **options) -> EventStream:
    """An :class:`EventStream` over ``paths``: iterate it for Arrow batches of
    EVENT_SCHEMA; ``.summary`` is the running count and ``.take_quarantine()``
    returns the bad records seen since the last call. Options as ``EventStream``."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return EventStream(list(paths), **options)


def quarantine_table(records: Iterable[QuarantineRecord]) -> pa.Table:
    records = list(records)
    return pa.Table.from_pylist([r.as_dict() for r in records], schema=QUARANTINE_SCHEMA)


@dataclass
class ValidationSummary(Summary):
    """A :class:`Summary` plus the first ``keep`` bad records (all are counted)."""

    quarantine: list[QuarantineRecord] = field(default_factory=list)
    quarantine_path: str | None = None


def run_validation(
    paths: Sequence[str | os.PathLike] | str | os.PathLike,
    *,
    fmt: str = "auto",
    max_bad: int | None = None,
    quarantine_path: str | os.PathLike | None = None,
    keep: int = 1000,
    on_bad: Callable[[QuarantineRecord], None] | None = None,
    **options,
) -> ValidationSummary:
    """Read and check ``paths`` without storing events; see ``antidistill.events.validate``."""
    stream = iter_event_batches(paths, fmt=fmt, max_bad=max_bad, dedupe=True, **options)
    summary = ValidationSummary(quarantine_path=str(quarantine_path) if quarantine_path else None)
    stream.summary = summary
    fh = open(quarantine_path, "wb") if quarantine_path else None  # noqa: SIM115 - closed below

    def drain() -> None:
        for record in stream.take_quarantine():
            if len(summary.quarantine) < keep:
                summary.quarantine.append(record)
            if fh is not None:
                fh.write(orjson.dumps(record.as_dict()) + b"\n")
            if on_bad is not None:
                on_bad(record)

    try:
        with relaxed_gc():
            for _batch in stream:
                drain()
    except TooManyBadRecords:
        pass
    finally:
        drain()
        if fh is not None:
            fh.close()
    return summary
