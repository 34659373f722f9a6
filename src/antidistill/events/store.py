"""The DuckDB store: tables ``events``, ``accounts``, ``quarantine``, ``ingest_runs``.

The database is a plain DuckDB file that can be reopened with the ``duckdb``
CLI. ``events`` has ``request_id`` as primary key and rows go in with
``INSERT OR IGNORE``, so re-ingesting a file adds nothing and a request id seen
twice is counted as a duplicate, not stored twice. Each batch (its events, its
quarantined lines and the run's counters) is one transaction: a crash loses at
most the batch in flight, never an accepted event already reported.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

import duckdb
import orjson
import pyarrow as pa

from antidistill.events.accounts import read_accounts
from antidistill.events.readers import DEFAULT_MAX_LINE_BYTES
from antidistill.events.schema import ACCOUNT_SCHEMA, EVENT_SCHEMA, QUARANTINE_SCHEMA
from antidistill.events.stream import (
    DEFAULT_BATCH_ROWS,
    EventStream,
    FileSummary,
    ProgressCallback,
    QuarantineRecord,
    Summary,
    TooManyBadRecords,
    quarantine_table,
    relaxed_gc,
)

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.timestamp("us"): "TIMESTAMP",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.list_(pa.string()): "VARCHAR[]",
}


def _ddl(table: str, schema: pa.Schema, extra: str = "") -> str:
    cols = [f'"{f.name}" {_DUCK_TYPES[f.type]}{"" if f.nullable else " NOT NULL"}' for f in schema]
    if extra:
        cols.append(extra)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  " + ",\n  ".join(cols) + "\n)"


_INGEST_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS ingest_runs (
  run_id VARCHAR NOT NULL,
  file VARCHAR NOT NULL,
  format VARCHAR,
  started TIMESTAMP NOT NULL,
  finished TIMESTAMP,
  status VARCHAR NOT NULL,   -- running, ok, stopped (max-bad), failed
  lines BIGINT,
  records BIGINT,
  accepted BIGINT,           -- valid events, including duplicates
  inserted BIGINT,           -- new rows in events
  duplicates BIGINT,         -- valid events whose request_id was already stored
  quarantined BIGINT,
  skipped BIGINT,
  bytes BIGINT,
  seconds DOUBLE,
  PRIMARY KEY (run_id, file)
)
"""


def open_store(db_path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and its tables."""
    con = duckdb.connect(str(db_path))
    con.execute(_ddl("events", EVENT_SCHEMA, "PRIMARY KEY (request_id)"))
    con.execute(_ddl("accounts", ACCOUNT_SCHEMA, "PRIMARY KEY (account_id)"))
    con.execute(_ddl("quarantine", QUARANTINE_SCHEMA))
    con.execute(_INGEST_RUNS_DDL)
    return con


@dataclass
class IngestSummary(Summary):
    """A :class:`Summary` plus what landed in the database."""

    db_path: str = ""
    run_id: str = ""
    quarantine_path: str | None = None
    accounts_loaded: int = 0
    accounts_quarantined: int = 0
    quarantine_messages: list[str] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return self.accepted - self.duplicates


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _dedupe_batch(batch: pa.RecordBatch) -> pa.Table:
    """Keep the first row of each request id inside one batch."""
    ids = batch.column(0).to_pylist()
    if len(set(ids)) == len(ids):
        return pa.Table.from_batches([batch])
    seen: set[str] = set()
    keep = []
    for rid in ids:
        keep.append(rid not in seen)
        seen.add(rid)
    return pa.Table.from_batches([batch.filter(pa.array(keep))])


class _QuarantineSink:
    """Writes quarantined records to the JSONL file and the ``quarantine`` table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None, keep_messages: int = 20) -> None:
        self.con = con
        self.path = path
        self.fh: IO[bytes] | None = path.open("wb") if path is not None else None
        self.messages: list[str] = []
        self.keep_messages = keep_messages

    def write(self, records: list[QuarantineRecord]) -> None:
        if not records:
            return
        if self.fh is not None:
            self.fh.write(b"".join(orjson.dumps(r.as_dict()) + b"\n" for r in records))
            self.fh.flush()
        self.con.register("quarantine_batch", quarantine_table(records))
        self.con.execute("INSERT INTO quarantine SELECT * FROM quarantine_batch")
        self.con.unregister("quarantine_batch")
        for r in records[: max(self.keep_messages - len(self.messages), 0)]:
            self.messages.append(r.message())

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


def default_quarantine_path(db_path: str | os.PathLike) -> Path:
    db = Path(db_path)
    return db.with_name(db.stem + ".quarantine.jsonl")


def ingest(
    paths: Sequence[str | os.PathLike] | str | os.PathLike,
    db_path: str | os.PathLike,
    *,
    accounts: str | os.PathLike | None = None,
    fmt: str = "auto",
    quarantine_path: str | os.PathLike | None = None,
    max_bad: int | None = None,
    progress: ProgressCallback | None = None,
    account_field: str | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> IngestSummary:
    """Land ``paths`` (and optionally an accounts file) in the DuckDB file ``db_path``.

    Bad lines go to ``quarantine_path`` (default: ``<db stem>.quarantine.jsonl``
    next to the database) and to the ``quarantine`` table, replacing what an
    earlier ingest of the same file put there. ``max_bad=None`` means no limit;
    past the limit the run stops with ``summary.stopped`` set (events already
    committed stay). Missing files raise ``FileNotFoundError`` before anything
    is written.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    for p in [*paths, *([Path(accounts)] if accounts else [])]:
        if not p.is_file():
            raise FileNotFoundError(f"no such file: {p}")
    qpath = Path(quarantine_path) if quarantine_path else default_quarantine_path(db_path)
    con = open_store(db_path)
    run_id = uuid.uuid4().hex[:12]
    summary = IngestSummary(db_path=str(db_path), run_id=run_id, quarantine_path=str(qpath))
    sink = _QuarantineSink(con, qpath)
    try:
        if accounts is not None:
            _ingest_accounts(con, sink, Path(accounts), summary, max_line_bytes)
        stream = EventStream(
            paths, fmt=fmt, account_field=account_field, max_bad=max_bad,
            max_line_bytes=max_line_bytes, batch_rows=batch_rows, progress=progress,
        )
        stream.summary = summary
        with relaxed_gc():
            for path in paths:
                _ingest_file(con, sink, stream, path, run_id)
                if summary.stopped:
                    break
    finally:
        sink.close()
        summary.quarantine_messages = sink.messages
        con.close()
    return summary


def _ingest_accounts(con, sink: _QuarantineSink, path: Path, summary: IngestSummary, max_line_bytes: int) -> None:
    result = read_accounts(path, max_line_bytes=max_line_bytes)
    con.execute("BEGIN")
    con.execute("DELETE FROM quarantine WHERE source_file = ?", [str(path.resolve())])
    con.register("accounts_batch", result.table)
    con.execute("INSERT OR REPLACE INTO accounts SELECT * FROM accounts_batch")
    con.unregister("accounts_batch")
    sink.write(result.quarantined)
    con.execute("COMMIT")
    summary.accounts_loaded = result.table.num_rows
    summary.accounts_quarantined = len(result.quarantined)


def _ingest_file(con, sink: _QuarantineSink, stream: EventStream, path: Path, run_id: str) -> None:
    source_name = str(path.resolve())
    started = _now()
    con.execute(
        "INSERT INTO ingest_runs (run_id, file, started, status) VALUES (?, ?, ?, 'running')",
        [run_id, source_name, started],
    )
    # The quarantine table reflects the latest ingest of each file.
    con.execute("DELETE FROM quarantine WHERE source_file = ?", [source_name])
    status = "failed"
    try:
        try:
            for batch in stream.iter_file(path):
                fs = stream.current
                con.register("events_batch", _dedupe_batch(batch))
                con.execute("BEGIN")
                try:
                    inserted = con.execute("INSERT OR IGNORE INTO events SELECT * FROM events_batch").fetchone()[0]
                    # Repeats inside the batch were dropped before, repeats of stored
                    # rows are ignored by the insert: both are duplicates.
                    fs.duplicates += batch.num_rows - inserted
                    sink.write(stream.take_quarantine())
                    _update_run(con, run_id, fs, "running")
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                finally:
                    con.unregister("events_batch")
            status = "ok"
        except TooManyBadRecords:
            status = "stopped"
        # Bad records after the last full batch.
        sink.write(stream.take_quarantine())
    finally:
        fs = stream.current
        con.execute("UPDATE ingest_runs SET finished = ?, format = ? WHERE run_id = ? AND file = ?",
                    [_now(), fs.format if fs else None, run_id, source_name])
        if fs is not None:
            _update_run(con, run_id, fs, status)


def _update_run(con, run_id: str, fs: FileSummary, status: str) -> None:
    con.execute(
        """UPDATE ingest_runs SET status = ?, lines = ?, records = ?, accepted = ?, inserted = ?,
           duplicates = ?, quarantined = ?, skipped = ?, bytes = ?, seconds = ?
           WHERE run_id = ? AND file = ?""",
        [status, fs.lines, fs.records, fs.accepted, fs.accepted - fs.duplicates, fs.duplicates,
         fs.quarantined, sum(fs.skipped.values()), fs.bytes, fs.seconds, run_id, fs.path],
    )
