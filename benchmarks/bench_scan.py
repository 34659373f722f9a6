"""Speed and memory of ``antidistill scan`` against DuckDB's bare ``read_json`` of the same file.

Issue 3's goal: a scan of a ``--scale full`` log takes at most 3x the time
DuckDB needs just to read the same file, ratio measured in one run, and
1 million events stay within 4 GB peak RSS.

Each run is a fresh process under ``/usr/bin/time`` (wall, CPU, peak RSS of
its largest process): the scan (``antidistill scan EVENTS --accounts ACCOUNTS --out
DIR``) and the baseline, ``CREATE TABLE t AS SELECT * FROM read_json(EVENTS,
format = 'newline_delimited')`` into an in-memory database, as the scan
loads its events (``read_json``); and, for comparison with earlier figures,
the same into a database file as in ``bench_ingest.py`` (``read_json
(file)``; writing the file makes it slower, so it is not the goal's
baseline). They alternate, so that machine load hits all alike. The report
gives medians, the ratios of medians and the load average. A scan forks
workers for its scoring, and a forked child's RSS counts the pages it shares
with its parent, so the scan's memory is also sampled as the peak of the
proportional set size (PSS, shared pages split among their sharers) summed
over its process tree: the physical memory the whole scan holds.

``--stages`` instead runs one scan in this process and prints where its time
and memory go (wall and CPU seconds of each stage, CPU counting every thread
of the process, and resident memory after it).

``--baseline-src DIR`` instead runs the scan of this tree and the scan of
another source tree (a worktree's ``src``, put first on ``PYTHONPATH``) in
turn, and reports each one's medians, the median of the per-pair wall
ratios, and whether the two wrote the same ``accounts.jsonl`` and
``campaigns.jsonl``: how one change is judged on a machine whose speed drifts.

Usage:
    python benchmarks/bench_scan.py bench-data/full-9191 [--runs 3]
    python benchmarks/bench_scan.py bench-data/full-9191 --stages
    python benchmarks/bench_scan.py bench-data/full-9191 --runs 3 --baseline-src /tmp/base/src

The directory holds ``events.jsonl.gz`` and ``accounts.jsonl`` (``antidistill
simulate --seed 9191 --scale full --out bench-data/full-9191``). Prints only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# The baseline and its timing are bench_ingest.py's (run as a script, this directory is on sys.path).
from bench_ingest import _BARE, parse_time, run_timed

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo.extend(int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split())
        except OSError:  # gone already
            pass
    return out


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_sampled(cmd: list[str], every: float = 0.5, env: dict | None = None) -> dict:
    """:func:`run_timed`, plus ``tree_pss_mb``: the peak over samples of the PSS summed over the process tree."""
    proc = subprocess.Popen(["/usr/bin/time", "-f", "TIME %e %U %S %M", *cmd], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    peak, stop = [0.0], threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            peak[0] = max(peak[0], sum(_pss_mb(p) for p in _tree(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd, out, err)
    return {**parse_time(err, out), "tree_pss_mb": peak[0]}


def compare(data: Path, runs: int) -> None:
    events, accounts = data / "events.jsonl.gz", data / "accounts.jsonl"
    results: dict[str, list[dict]] = {"scan": [], "read_json": [], "read_json (file)": []}
    loads = [os.getloadavg()[0]]
    for i in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
            cmds = {
                "scan": [str(BIN / "antidistill"), "scan", str(events), "--accounts", str(accounts), "--out", f"{tmp}/out"],
                # the goal's baseline: into memory, as the scan loads its events
                "read_json": [sys.executable, "-c", _BARE, str(events)],
                "read_json (file)": [sys.executable, "-c", _BARE, str(events), tmp],
            }
            for name in ("scan", "read_json", "read_json (file)") if i % 2 == 0 else ("read_json (file)", "read_json", "scan"):
                r = run_sampled(cmds[name]) if name == "scan" else run_timed(cmds[name])
                results[name].append(r)
                loads.append(os.getloadavg()[0])
                tree = f", peak PSS of its process tree {r['tree_pss_mb']:,.0f} MB" if "tree_pss_mb" in r else ""
                print(f"run {i + 1} {name}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, peak RSS {r['rss_mb']:,.0f} MB{tree}, "
                      f"load average {loads[-1]:.1f}", flush=True)
    med = {name: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "rss_mb")} for name, rs in results.items()}
    print()
    print(f"{data}: {runs} runs each, alternating; load average (1 min) {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs")
    print("| | median wall | median CPU (user+sys) | median peak RSS |")
    print("|---|---:|---:|---:|")
    for name, m in med.items():
        print(f"| {name} | {m['wall']:.1f} s | {m['cpu']:.1f} s | {m['rss_mb']:,.0f} MB |")
    print(f"| **ratio scan / read_json** | **{med['scan']['wall'] / med['read_json']['wall']:.2f}x** "
          f"| {med['scan']['cpu'] / med['read_json']['cpu']:.2f}x | |")
    print(f"| ratio scan / read_json (file) | {med['scan']['wall'] / med['read_json (file)']['wall']:.2f}x "
          f"| {med['scan']['cpu'] / med['read_json (file)']['cpu']:.2f}x | |")
    print(f"max peak RSS of a scan: {max(r['rss_mb'] for r in results['scan']):,.0f} MB; "
          f"max peak PSS of a scan's process tree: {max(r['tree_pss_mb'] for r in results['scan']):,.0f} MB")
    for name, rs in results.items():
        walls = ", ".join(f"{r['wall']:.1f}" for r in rs)
        print(f"all {name} wall: {walls} s")


def paired(data: Path, runs: int, baseline_src: Path) -> None:
    """This tree's scan (A) against the scan of ``baseline_src`` (B), in turn, with their outputs compared."""
    events, accounts = data / "events.jsonl.gz", data / "accounts.jsonl"
    trees = {"A": None, "B": str(baseline_src.resolve())}
    results: dict[str, list[dict]] = {"A": [], "B": []}
    same = []
    for i in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
            for name in ("A", "B") if i % 2 == 0 else ("B", "A"):
                env = {**os.environ, "PYTHONPATH": trees[name]} if trees[name] else None
                cmd = [sys.executable, "-c", "from antidistill.cli import app; app()", "scan", str(events),
                       "--accounts", str(accounts), "--out", f"{tmp}/{name}"]
                r = run_sampled(cmd, env=env)
                results[name].append(r)
                print(f"run {i + 1} {name}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, peak PSS of its process tree "
                      f"{r['tree_pss_mb']:,.0f} MB, load average {os.getloadavg()[0]:.1f}", flush=True)
            same.append(all((Path(tmp) / "A" / f).read_bytes() == (Path(tmp) / "B" / f).read_bytes()
                            for f in ("accounts.jsonl", "campaigns.jsonl")))
    print()
    print(f"A = this tree, B = {baseline_src}; {runs} pairs, in turn")
    print("| | median wall | median CPU | median peak PSS of the process tree |")
    print("|---|---:|---:|---:|")
    for name, rs in results.items():
        print(f"| {name} | {statistics.median(r['wall'] for r in rs):.1f} s | {statistics.median(r['cpu'] for r in rs):.1f} s "
              f"| {statistics.median(r['tree_pss_mb'] for r in rs):,.0f} MB |")
    ratios = [a["wall"] / b["wall"] for a, b in zip(results["A"], results["B"], strict=True)]
    print(f"A/B wall, median of pairs: {statistics.median(ratios):.3f} (pairs: {', '.join(f'{x:.3f}' for x in ratios)})")
    print(f"same accounts.jsonl and campaigns.jsonl in every pair: {all(same)}")


def _rss_mb() -> tuple[float, float]:
    """Current and peak resident memory of this process (MB)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def stages(data: Path) -> None:
    """One scan in this process, with the wall time and memory of each stage."""
    import antidistill.detect.sweep as sweep
    import antidistill.respond.scan as scan
    from antidistill.detect.classifier import ClassifierExtraction
    from antidistill.features.engine import Engine

    started = time.perf_counter()
    depth = [0]

    def wrap(owner, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def timed_fn(*args, **kwargs):
            t0, c0 = time.perf_counter(), time.process_time()
            depth[0] += 1
            try:
                return fn(*args, **kwargs)
            finally:
                depth[0] -= 1
                rss, peak = _rss_mb()
                print(f"{time.perf_counter() - started:7.1f} s  {'  ' * depth[0]}{label:<28} {time.perf_counter() - t0:7.1f} s"
                      f" ({time.process_time() - c0:6.1f} s CPU)   RSS {rss:6,.0f} MB (peak so far {peak:6,.0f} MB)", flush=True)

        setattr(owner, name, timed_fn)

    wrap(scan, "load_events", "load_events")
    wrap(Engine, "materialize", "annotate (materialize)")
    wrap(scan, "extract_features", "extract_features")
    wrap(scan, "score_features", "score_features")
    wrap(scan, "_end_user_features", "end-user features")
    wrap(scan, "_judge_end_users", "end-user scores")
    wrap(scan, "form_campaigns", "campaigns")
    wrap(sweep, "mine_templates", "mine_templates")
    wrap(sweep, "shared_instructions", "shared_instructions")
    wrap(ClassifierExtraction, "fit", "classifier replay")
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        result = scan.run_scan([data / "events.jsonl.gz"], accounts=data / "accounts.jsonl", workdir=Path(tmp))
        scan.write_scan(result, Path(tmp) / "out")
    rss, peak = _rss_mb()
    print(f"total {time.perf_counter() - started:.1f} s ({time.process_time():.1f} s CPU), peak RSS {peak:,.0f} MB, "
          f"{len(result.accounts)} accounts, {len(result.campaigns)} campaigns, load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, nargs="?", default=ROOT / "bench-data" / "full-9191")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--stages", action="store_true", help="one scan in this process, timed per stage")
    ap.add_argument("--baseline-src", type=Path, help="pair this tree's scan with the scan of this source tree")
    args = ap.parse_args()
    if args.stages:
        stages(args.data)
    elif args.baseline_src:
        paired(args.data, args.runs, args.baseline_src)
    else:
        compare(args.data, args.runs)


if __name__ == "__main__":
    main()
