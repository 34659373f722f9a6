"""Time ``events.sql_load.load_events`` alone (the load that ``scan`` starts
with), for this source tree against another, in turn.

A change to the loader can be too small to show in a whole scan on a noisy
machine; timed alone it shows. Each run is a fresh process that loads the
file into an in-memory DuckDB exactly as ``scan`` does (``bodies="predict"``)
and reports its wall time and the rows it loaded; the CPU time (user + sys)
of the process comes from ``getrusage``. Runs alternate between the two
trees so that machine load hits both alike; the report gives each tree's
runs and the median of the per-pair wall ratios (this tree / baseline).

Usage:
    python benchmarks/bench_load.py bench-data/full-9191 --baseline-src /tmp/base/src [--pairs 7]

Prints only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ONE_LOAD = """
import json, sys, time, duckdb
from antidistill.events.sql_load import load_events
con = duckdb.connect()
t0 = time.perf_counter()
loaded = load_events(con, [sys.argv[1]], bodies="predict")
wall = time.perf_counter() - t0
rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
print(json.dumps({"wall": wall, "rows": rows}))
"""


def one_load(events: Path, src: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", ONE_LOAD, str(events)], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(src.resolve())})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = json.loads(out.stdout.strip().splitlines()[-1])
    run["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="directory holding events.jsonl.gz")
    ap.add_argument("--baseline-src", type=Path, required=True, help="the other tree's src")
    ap.add_argument("--src", type=Path, default=HERE.parent / "src", help="this tree's src")
    ap.add_argument("--pairs", type=int, default=7)
    args = ap.parse_args()
    events = args.data / "events.jsonl.gz"
    ours, base = [], []
    for _ in range(args.pairs):
        ours.append(one_load(events, args.src))
        base.append(one_load(events, args.baseline_src))
    if {r["rows"] for r in ours} != {r["rows"] for r in base}:
        print("row counts differ:", ours[0]["rows"], base[0]["rows"])
    ratios = [a["wall"] / b["wall"] for a, b in zip(ours, base, strict=True)]
    for name, runs in (("this tree", ours), ("baseline", base)):
        walls = ", ".join(f"{r['wall']:.1f}" for r in runs)
        print(f"{name}: wall {walls} s; "
              f"median CPU {statistics.median(r['cpu'] for r in runs):.1f} s; rows {runs[0]['rows']}")
    print(f"median of pair wall ratios (this / baseline): {statistics.median(ratios):.3f} "
          f"({', '.join(f'{x:.3f}' for x in ratios)})")


if __name__ == "__main__":
    main()
