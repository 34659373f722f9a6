"""Where the scan's loader spends its CPU, thread by thread (session 13; see BENCHMARKS.md).

The loader (``antidistill.events.sql_load``) runs three threads: a reader
(inflate, line splitting, UTF-8 check and risky-line flags), a parse thread
(each chunk written to a file and read by DuckDB's ``read_json`` on one
thread) and the calling thread (each parsed chunk's bookkeeping, its
prediction lines, and the insert). This probe loads one log as the scan does
(prediction bodies only) with the loader's methods wrapped, and sums each
one's CPU time on the thread that ran it (``time.thread_time``). Parts are
indented under the method that calls them.

Usage:
    python benchmarks/probe_load_threads.py bench-data/full-9191/events.jsonl.gz

Prints the load's wall and process CPU time, then one line per method.
Nothing here is used by the scan.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from antidistill.events import sql_load

CPU: dict[str, float] = defaultdict(float)
LABELS: list[str] = []  # in the order they are printed


def _timed(owner, name: str, label: str) -> None:
    fn = getattr(owner, name)
    LABELS.append(label)

    def timed_fn(*args, **kwargs):
        c0 = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            CPU[label] += time.thread_time() - c0

    setattr(owner, name, timed_fn)


def _timed_generator(owner, name: str, label: str) -> None:
    """The same for a generator: the time spent making each item."""
    fn = getattr(owner, name)
    LABELS.append(label)

    def timed_fn(*args, **kwargs):
        items = fn(*args, **kwargs)
        while True:
            c0 = time.thread_time()
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                CPU[label] += time.thread_time() - c0
            yield item

    setattr(owner, name, timed_fn)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("events", type=Path)
    args = ap.parse_args()
    _timed_generator(sql_load._LineSource, "chunks", "reader thread: chunks (inflate, split, UTF-8, flags)")
    _timed(sql_load._LineSource, "_take", "  _take (split into lines, numpy)")
    _timed(sql_load._Chunk, "prepare", "  prepare (UTF-8 check, risky-line flags)")
    _timed(sql_load._Loader, "_parse_chunk", "parse thread: _parse_chunk")
    _timed(sql_load._Loader, "_fast", "  _fast (lines to a file, read_json and checks)")
    _timed(sql_load._Chunk, "write_lines", "    write_lines")
    _timed(sql_load._Loader, "_parse", "  _parse (lines the fast path did not read)")
    _timed(sql_load._Loader, "_sql_chunk", "calling thread: _sql_chunk (bookkeeping, insert)")
    _timed(sql_load._Loader, "_predicted", "  _predicted (prediction lines)")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    t0, c0 = time.perf_counter(), time.process_time()
    loaded = sql_load.load_events(con, [args.events], bodies="predict")
    print(f"load: {time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU, "
          f"{loaded.summary.accepted:,} events")
    for label in LABELS:
        print(f"{CPU[label]:7.2f} s CPU  {label}")


if __name__ == "__main__":
    main()
