"""What other designs of the scan's load would cost (session 12's probes; see BENCHMARKS.md).

The scan's loader (``antidistill.events.sql_load``) reads a log in chunks:
a Python reader thread inflates and splits the lines and flags the risky
ones, and DuckDB parses each chunk on one thread (``WITH ORDINALITY`` numbers
its lines). These probes time, on a whole ``.jsonl.gz`` log and each in this
one process:

* ``ordinality``: the loader's fast-path query (``_fast_sql``) over the whole
  file, as written (``read_json(...) WITH ORDINALITY``);
* ``rowid``: the same read into a temporary table on DuckDB's threads, then
  the query over it with lines numbered by ``rowid`` (insertion order); it
  checks that line numbers, ``ok`` and request ids equal the first probe's;
* ``beside-reader``: the ``rowid`` read while the loader's own reader thread
  (``_LineSource.chunks()`` with the risky-line flags) runs beside it;
* ``line-flags``: DuckDB reading the raw lines (``read_csv``, one VARCHAR
  column) and matching the loader's risky-line and prediction patterns.

Usage:
    python benchmarks/probe_load_designs.py bench-data/full-9191/events.jsonl.gz [--threads 2]

Prints one line per probe. Nothing here is used by the scan.
"""

from __future__ import annotations

import argparse
import re
import threading
import time
from pathlib import Path

import duckdb
import numpy as np

from antidistill.events import sql_load

MAX_OBJECT = 16 << 20


def _read_part() -> tuple[str, str]:
    """The fast-path query's ``read_json(...) WITH ORDINALITY`` clause, and its ``read_json(...)``."""
    m = re.search(r"SELECT \* FROM (read_json\(.*?\)) WITH ORDINALITY", sql_load._fast_sql(), re.S)
    return m.group(0), m.group(1)


def _by_rowid(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> float:
    """Read into a temporary table, then the fast-path query numbered by rowid; seconds of the read."""
    clause, read = _read_part()
    t0 = time.perf_counter()
    con.execute("CREATE OR REPLACE TEMP TABLE _probe_raw AS SELECT * FROM " + read, {"path": str(path), "max_object": MAX_OBJECT})
    read_s = time.perf_counter() - t0
    query = sql_load._fast_sql().replace(clause, "SELECT *, rowid + 1 AS ordinality FROM _probe_raw")
    con.execute(f"CREATE OR REPLACE TABLE {table} AS " + query, {"first": 1})
    return read_s


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> str:
    n, ok = con.execute(f"SELECT count(*), sum(ok::INT) FROM {table}").fetchone()
    return f"{ok:,} of {n:,} rows vouched for"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("events", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET threads = {args.threads}")

    t0 = time.perf_counter()
    con.execute("CREATE TABLE by_ordinality AS " + sql_load._fast_sql(),
                {"path": str(args.events), "first": 1, "max_object": MAX_OBJECT})
    print(f"ordinality: {time.perf_counter() - t0:.1f} s, {_rows(con, 'by_ordinality')}", flush=True)

    t0 = time.perf_counter()
    read_s = _by_rowid(con, args.events, "by_rowid")
    differ = con.execute("SELECT count(*) FROM by_rowid r FULL JOIN by_ordinality o USING (line) "
                         "WHERE r.request_id IS DISTINCT FROM o.request_id OR r.ok IS DISTINCT FROM o.ok").fetchone()[0]
    print(f"rowid: {time.perf_counter() - t0:.1f} s (read {read_s:.1f} s), {_rows(con, 'by_rowid')}, "
          f"lines differing from ordinality: {differ}", flush=True)
    con.execute("DROP TABLE by_ordinality")

    flagged: dict[str, object] = {}

    def reader() -> None:
        t = time.perf_counter()
        source = sql_load._LineSource(args.events, max_line_bytes=MAX_OBJECT // 2)
        source.flag_risky = True
        lines = risky = predict = 0
        for chunk in source.chunks():
            lines += chunk.table.num_rows
            risky += int(chunk.risky.sum())
            predict += int(chunk.predict.sum())
            chunk.table.column("text").take(np.flatnonzero(chunk.risky | chunk.predict))  # kept for the Python path
        flagged.update(seconds=time.perf_counter() - t, lines=lines, risky=risky, predict=predict)

    t0 = time.perf_counter()
    thread = threading.Thread(target=reader)
    thread.start()
    read_s = _by_rowid(con, args.events, "by_rowid")
    thread.join()
    print(f"beside-reader: {time.perf_counter() - t0:.1f} s (DuckDB's read {read_s:.1f} s, reader thread "
          f"{flagged['seconds']:.1f} s: {flagged['lines']:,} lines, {flagged['risky']:,} risky, "
          f"{flagged['predict']:,} prediction)", flush=True)
    con.execute("DROP TABLE by_rowid")

    patterns = " OR ".join(f"regexp_matches(t, {sql_load._sql_str(p)})" for p in [*sql_load._RISKY_PARTS, *sql_load._FAST_PARTS])
    t0 = time.perf_counter()
    con.execute(f"""
        CREATE TEMP TABLE line_flags AS
        SELECT ({patterns}) AS risky, contains(t, {sql_load._sql_str(sql_load._PREDICT_HINT)}) AS predict,
               regexp_extract(t, '"request_id"\\s*:\\s*"([^"\\\\]*)"', 1) AS request_id
        FROM read_csv($path, columns = {{'t': 'VARCHAR'}}, delim = chr(1), quote = '', escape = '', header = false,
                      auto_detect = false, max_line_size = {MAX_OBJECT}, new_line = '\\n')""", {"path": str(args.events)})
    n, risky, predict, no_id = con.execute(
        "SELECT count(*), sum(risky::INT), sum(predict::INT), count(*) FILTER (WHERE request_id = '') FROM line_flags").fetchone()
    print(f"line-flags: {time.perf_counter() - t0:.1f} s, {n:,} lines, {risky:,} risky, {predict:,} prediction, "
          f"{no_id:,} without a request id", flush=True)


if __name__ == "__main__":
    main()
