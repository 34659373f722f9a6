"""Execution engines: where the events table lives and queries run.

DuckDB is the embedded default. Spark (local mode, or a cluster through
``SPARK_MASTER``) is for logs that outgrow one machine. Both get the same
normalised events, either as Arrow batches from :mod:`antidistill.events` or
from a loader that fills a DuckDB ``events`` table itself
(:func:`antidistill.events.load_events`; Spark then reads that table exported
to Parquet), and expose an Ibis table called ``events``; nothing downstream
knows which engine it runs on.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from antidistill.events.schema import ACCOUNT_SCHEMA, EVENT_SCHEMA

ENGINES = ("duckdb", "spark")

#: Fills the ``events`` table (EVENT_SCHEMA) of the DuckDB connection it is given.
EventLoader = Callable[[duckdb.DuckDBPyConnection], object]


@dataclass
class Engine:
    """An Ibis backend with ``events`` (and ``accounts``) tables loaded."""

    name: str
    backend: Any
    events: ibis.Table
    accounts: ibis.Table
    _cleanup: list[Any] = field(default_factory=list)
    _materialized: int = 0

    def materialize(self, expr: ibis.Table) -> tuple[ibis.Table, Callable[[], None]]:
        """``expr`` computed once, and what frees it: a temporary table on
        DuckDB (it spills under the memory limit like any table), a cached
        DataFrame on Spark. Later queries on the result do not compute
        ``expr`` again.

        ``expr`` is compiled with each projection kept as written (Ibis
        otherwise inlines a column into the projections that read it, and
        an expensive column read twice, such as a rule's match used as a
        condition, would be computed twice)."""
        fused = ibis.options.sql.fuse_selects
        ibis.options.sql.fuse_selects = False
        try:
            if self.name == "duckdb":
                self._materialized += 1
                name = f"_ad_materialized_{self._materialized}"
                table = self.backend.create_table(name, expr, temp=True)
                return table, lambda: self.backend.con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")
            cached = expr.cache()
            return cached, cached.release
        finally:
            ibis.options.sql.fuse_selects = fused

    def close(self) -> None:
        for fn in reversed(self._cleanup):
            fn()
        self._cleanup.clear()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: DuckDB's memory limit when a loader fills a database file of its own.
DUCKDB_MEMORY = os.environ.get("ANTIDISTILL_DUCKDB_MEMORY", "2GB")


def _loaded_duckdb(events: Iterable[pa.RecordBatch] | EventLoader, db_path: Path | None,
                   workdir: Path | None = None) -> tuple[duckdb.DuckDBPyConnection, list[Any]]:
    """A connection whose ``events`` table holds the events, and what closes it.

    A loader without ``db_path`` gets an in-memory database with a memory
    limit that spills to a temporary directory (under ``workdir``, deleted on
    close), so that a log of any size loads with bounded memory: raw request
    and response bodies are most of a log, and they hardly compress. (A
    database file costs more here: every chunk goes through the WAL and
    checkpoints.)
    """
    staging = None
    if callable(events) and db_path is None:
        staging = Path(tempfile.mkdtemp(prefix="antidistill-duckdb-", dir=workdir))
    con = duckdb.connect(str(db_path) if db_path else ":memory:")
    cleanup: list[Any] = [con.close]
    if staging is not None:
        cleanup.append(lambda: shutil.rmtree(staging, ignore_errors=True))
    try:
        con.execute(f"SET threads TO {os.cpu_count() or 2}")
        _return_freed_memory(con)
        if callable(events):
            if staging is not None:
                con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
                con.execute(f"SET temp_directory = '{staging}'")
            events(con)
            return con, cleanup
        # An empty Arrow table of the schema gives DuckDB the column types.
        empty = EVENT_SCHEMA.empty_table()  # noqa: F841  (referenced by name in SQL)
        con.execute("CREATE OR REPLACE TABLE events AS SELECT * FROM empty")
        for batch in events:
            con.execute("INSERT INTO events SELECT * FROM batch")
    except BaseException:
        for fn in cleanup:
            fn()
        raise
    return con, cleanup


def _return_freed_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Let DuckDB's allocator give freed memory back to the system as it
    goes (background threads). Otherwise what the dropped events and
    annotated tables held (over a gigabyte at a million events) stays
    resident while the scan scores accounts in Python."""
    try:
        con.execute("SET allocator_background_threads = true")
    except duckdb.Error:  # a DuckDB without the setting: memory is only returned later
        pass


def _duckdb_engine(events: Iterable[pa.RecordBatch] | EventLoader, accounts: pa.Table, db_path: Path | None,
                   workdir: Path | None = None) -> Engine:
    con, cleanup = _loaded_duckdb(events, db_path, workdir)
    con.execute("CREATE OR REPLACE TABLE accounts AS SELECT * FROM accounts")
    backend = ibis.duckdb.from_connection(con)
    return Engine("duckdb", backend, backend.table("events"), backend.table("accounts"), cleanup)


def spark_session():  # pragma: no cover - exercised by the spark tests
    from pyspark.sql import SparkSession

    master = os.environ.get("SPARK_MASTER", "local[2]")
    spark = (
        SparkSession.builder.master(master)
        .appName("antidistill")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", os.environ.get("ANTIDISTILL_SPARK_MEMORY", "2g"))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _spark_engine(batches: Iterable[pa.RecordBatch] | EventLoader, accounts: pa.Table, workdir: Path | None) -> Engine:
    # Spark reads Parquet staged from the same normalised batches, so both
    # engines see byte-identical input.
    if callable(batches):
        con, cleanup = _loaded_duckdb(batches, None, workdir)
        try:
            return _spark_engine(_events_batches(con), accounts, workdir)
        finally:
            for fn in cleanup:
                fn()
    staging = Path(tempfile.mkdtemp(prefix="antidistill-spark-", dir=workdir))
    events_dir = staging / "events"
    events_dir.mkdir()
    writer = None
    part = 0
    rows = 0
    for batch in batches:
        if writer is None or rows >= 2_000_000:
            if writer is not None:
                writer.close()
            writer = pq.ParquetWriter(events_dir / f"part-{part:05d}.parquet", EVENT_SCHEMA)
            part += 1
            rows = 0
        writer.write_batch(batch)
        rows += batch.num_rows
    if writer is None:
        pq.write_table(EVENT_SCHEMA.empty_table(), events_dir / "part-00000.parquet")
    else:
        writer.close()
    pq.write_table(accounts, staging / "accounts.parquet")
    spark = spark_session()
    backend = ibis.pyspark.connect(spark)
    events = backend.read_parquet(str(events_dir), table_name="events")
    accts = backend.read_parquet(str(staging / "accounts.parquet"), table_name="accounts")
    return Engine("spark", backend, events, accts, [lambda: shutil.rmtree(staging, ignore_errors=True)])


def open_store_engine(name: str, db_path: Path, *, workdir: Path | None = None) -> Engine:
    """An engine over a DuckDB store written by ``antidistill ingest``.

    Nothing is parsed again: DuckDB reads the store in place (read-only);
    Spark gets the tables exported to Parquet by DuckDB.
    """
    con = duckdb.connect(str(db_path), read_only=True)
    if name == "duckdb":
        _return_freed_memory(con)
        backend = ibis.duckdb.from_connection(con)
        return Engine("duckdb", backend, backend.table("events"), backend.table("accounts"), [con.close])
    if name != "spark":
        con.close()
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    accounts = con.execute(f"SELECT {', '.join(ACCOUNT_SCHEMA.names)} FROM accounts").fetch_arrow_table().cast(ACCOUNT_SCHEMA)
    try:
        return _spark_engine(_events_batches(con), accounts, workdir)
    finally:
        con.close()


def _events_batches(con: duckdb.DuckDBPyConnection) -> Iterable[pa.RecordBatch]:
    """The ``events`` table of a DuckDB connection as EVENT_SCHEMA batches, for Spark."""
    cols = ", ".join(EVENT_SCHEMA.names)
    reader = con.execute(f"SELECT {cols} FROM events ORDER BY request_id").fetch_record_batch(65_536)
    for batch in reader:
        yield batch.cast(EVENT_SCHEMA)


def open_engine(
    name: str,
    batches: Iterable[pa.RecordBatch] | EventLoader,
    accounts: pa.Table | None = None,
    *,
    db_path: Path | None = None,
    workdir: Path | None = None,
) -> Engine:
    """Load normalised events into engine ``name`` and return it.

    ``batches`` are Arrow batches of EVENT_SCHEMA, or an :data:`EventLoader`
    that fills DuckDB's ``events`` table itself: in a temporary database file
    under ``workdir`` unless ``db_path`` is given (for Spark, in a DuckDB
    database of its own whose table is then staged as Parquet).
    """
    if accounts is None:
        accounts = ACCOUNT_SCHEMA.empty_table()
    if name == "duckdb":
        return _duckdb_engine(batches, accounts, db_path, workdir)
    if name == "spark":
        return _spark_engine(batches, accounts, workdir)
    raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
