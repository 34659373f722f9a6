"""Gateway CPU per proxied request, measured so that other jobs on the machine barely move it.

``bench_gateway.py`` measures latency and throughput, which other jobs on a
shared machine decide as much as the code does. This measures what one
proxied request *costs* the gateway process, over a fixed number of requests
sent at a fixed rate (so that the 20 ms timers, group commits and detection
hand-offs happen as often per request in every run), in one of two ways:

* ``--callgrind``: the gateway runs under ``valgrind --tool=callgrind`` with
  collection off while it starts; collection is switched on
  (``callgrind_control -i on``) for the measured requests only and the
  counts are dumped per thread (``--separate-threads=yes``). The figure is
  instructions executed in user space per request (Ir), per thread (event
  loop, log flusher, detection sender, verdict reader): deterministic up to
  timing (how many requests share one flush), and independent of other
  jobs. Kernel work (socket writes, fsync, wake-ups) is not in it. Under
  callgrind the gateway runs ~50x slower, so keep ``--rate`` low (40).
* default (``/proc``): the gateway runs natively and its threads' CPU time
  (user + system, ``/proc/PID/task/*/stat``) and context switches are read
  before and after each batch of requests. Kernel work is in it; other jobs
  still skew it somewhat (cache, preemption), so paths are measured in
  alternating rounds and medians are reported.

Each path is a gateway from a source tree: this checkout (``now``) and, with
``--baseline-src OTHER/src``, another (``baseline``), both in front of one
stub upstream (run natively), with the exchange log on and the detection
worker process on (the worker is another process: not counted; its
hand-off, in this process, is). Requests: ``bench_gateway.requests_for``
(benign chat, ``--accounts`` accounts), open loop.

    python benchmarks/bench_gateway_cpu.py --requests 5000 --rate 500 --rounds 5 --baseline-src ../base/src
    python benchmarks/bench_gateway_cpu.py --callgrind --requests 600 --rate 40 --baseline-src ../base/src
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gateway import CLK, free_port, open_loop, run_load, start

REPO = Path(__file__).resolve().parent.parent


def thread_stats(pid: int) -> dict[str, dict[str, float]]:
    """Per thread name (threads of one name summed): CPU seconds and context switches so far."""
    out: dict[str, dict[str, float]] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        base = f"/proc/{pid}/task/{tid}"
        try:
            stat = Path(f"{base}/stat").read_text()
            status = Path(f"{base}/status").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if name == "python":  # Python threads carry no OS name: the main thread runs the event loop
            name = "loop" if int(tid) == pid else "helper-threads"
        fields = stat.rsplit(")", 1)[1].split()
        vol = int(re.search(r"voluntary_ctxt_switches:\s+(\d+)", status).group(1))
        invol = int(re.search(r"nonvoluntary_ctxt_switches:\s+(\d+)", status).group(1))
        s = out.setdefault(name, {"cpu": 0.0, "vcsw": 0, "ivcsw": 0})
        s["cpu"] += (int(fields[11]) + int(fields[12])) / CLK
        s["vcsw"] += vol
        s["ivcsw"] += invol
    return out


def diff(a: dict, b: dict, n: int) -> dict:
    out = {}
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name, {"cpu": 0, "vcsw": 0, "ivcsw": 0}), b.get(name, {"cpu": 0, "vcsw": 0, "ivcsw": 0})
        out[name] = {"cpu_us": round(1e6 * (y["cpu"] - x["cpu"]) / n, 1),
                     "wakeups": round((y["vcsw"] - x["vcsw"]) / n, 3)}
    out["total"] = {"cpu_us": round(sum(v["cpu_us"] for v in out.values()), 1),
                    "wakeups": round(sum(v["wakeups"] for v in out.values()), 3)}
    return out


def callgrind_totals(prefix: Path) -> dict[str, int]:
    """Instructions per thread in the dump files ``prefix.*`` (``--separate-threads=yes``)."""
    out: dict[str, int] = {}
    for f in sorted(prefix.parent.glob(prefix.name + "*")):
        text = f.read_text(errors="replace")
        # "totals", not "summary": callgrind 3.19 writes a wrong summary in dumps after the first
        m = re.search(r"^totals: (\d+)", text, re.M) or re.search(r"^summary: (\d+)", text, re.M)
        part = re.search(r"^part: (\d+)", text, re.M)
        thread = re.search(r"^thread: (\d+)", text, re.M)
        if m and part and int(part.group(1)) >= 1:
            out[f"thread-{thread.group(1) if thread else 1}"] = out.get(f"thread-{thread.group(1) if thread else 1}", 0) + int(m.group(1))
    return out


def start_gateway(name: str, src: Path | None, up_port: int, tmp: Path, callgrind: bool) -> tuple[subprocess.Popen, int]:
    port = free_port()
    args = ["gateway", "--upstream", f"http://127.0.0.1:{up_port}", "--listen", f"127.0.0.1:{port}",
            "--keys", str(tmp / "keys.json"), "--log", str(tmp / f"log-{name}")]
    argv = None
    if callgrind:
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--separate-threads=yes",
                f"--callgrind-out-file={tmp}/cg-{name}.%p", sys.executable, "-c",
                "from antidistill.cli import app; app()", *args]
    env_src = src or REPO / "src"
    os.environ["PYTHONHASHSEED"] = "0"  # the same dict/set layouts in every run
    proc = start_slow(args, f"http://127.0.0.1:{port}/healthz", env_src, argv)
    return proc, port


def start_slow(args, health, src, argv) -> subprocess.Popen:
    """``bench_gateway.start`` with room for a start under valgrind (minutes)."""
    import httpx

    if argv is None:
        return start(args, health, src)
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    deadline = time.monotonic() + 1200
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gateway under valgrind exited")
        try:
            if httpx.get(health, timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(2)
    raise RuntimeError("gateway under valgrind did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=5000, help="requests per measurement")
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--callgrind", action="store_true", help="count instructions under callgrind instead of reading /proc")
    ap.add_argument("--idle-seconds", type=float, default=0,
                    help="first measure each gateway this long with no requests (its cost per second of time)")
    ap.add_argument("--baseline-src", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-cpu-"))
    (tmp / "keys.json").write_text(json.dumps({f"sk-{i}": f"acct-{i}" for i in range(args.accounts)}))
    up_port = free_port()
    stub = start(["stub-upstream", "--listen", f"127.0.0.1:{up_port}"], f"http://127.0.0.1:{up_port}/v1/models")
    procs = {"stub": stub}
    paths = {"now": None, **({"baseline": args.baseline_src} if args.baseline_src else {})}
    ports = {}
    try:
        for name, src in paths.items():
            procs[name], ports[name] = start_gateway(name, src, up_port, tmp, args.callgrind)
        seconds = args.requests / args.rate
        for name in paths:  # warm: pools, caches, the detection worker's first rescorings
            run_load(open_loop(ports[name], min(args.rate, 100), 2, args.accounts))
        idle = {}
        for name in paths if args.idle_seconds > 0 else ():
            # What the gateway costs per second with no requests at all (its timers, threads and
            # the detection worker's messages): the part of a figure above that is per time, not per request.
            pid = procs[name].pid
            if args.callgrind:
                subprocess.run(["callgrind_control", "-i", "on", str(pid)], check=True, capture_output=True)
                time.sleep(args.idle_seconds)
                subprocess.run(["callgrind_control", "-d", "idle", str(pid)], check=True, capture_output=True)
                subprocess.run(["callgrind_control", "-i", "off", str(pid)], check=True, capture_output=True)
                time.sleep(1)
                per_s = {k: round(v / args.idle_seconds) for k, v in callgrind_totals(tmp / f"cg-{name}.{pid}").items() if v}
                for f in tmp.glob(f"cg-{name}.{pid}*"):
                    f.rename(f.with_name("done-idle-" + f.name))
                idle[name] = {"ir_per_second": {**per_s, "total": sum(per_s.values())}}
            else:
                before = thread_stats(pid)
                time.sleep(args.idle_seconds)
                idle[name] = {"per_second": diff(before, thread_stats(pid), 1)}
            idle[name]["seconds"] = args.idle_seconds
            print(json.dumps({"idle": name, **idle[name]}), file=sys.stderr)
        rounds = []
        for r in range(args.rounds):
            order = list(paths) if r % 2 == 0 else list(paths)[::-1]
            res = {}
            for name in order:
                pid = procs[name].pid
                if args.callgrind:
                    subprocess.run(["callgrind_control", "-i", "on", str(pid)], check=True, capture_output=True)
                    before = None
                else:
                    before = thread_stats(pid)
                load = run_load(open_loop(ports[name], args.rate, seconds, args.accounts))
                time.sleep(0.1)  # the last group commit and hand-off
                if args.callgrind:
                    subprocess.run(["callgrind_control", "-d", f"round{r}", str(pid)], check=True, capture_output=True)
                    subprocess.run(["callgrind_control", "-i", "off", str(pid)], check=True, capture_output=True)
                    time.sleep(1)
                    out = {k: round(v / load["requests"]) for k, v in callgrind_totals(tmp / f"cg-{name}.{pid}").items()}
                    # each dump holds the counts since the previous one: only this round's
                    for f in tmp.glob(f"cg-{name}.{pid}*"):
                        f.rename(f.with_name(f"done-r{r}-" + f.name))
                    out["total"] = sum(out.values())
                    res[name] = {"ir_per_request": out}
                else:
                    res[name] = diff(before, thread_stats(pid), load["requests"])
                res[name]["errors"] = load["errors"]
                res[name]["p50_ms"] = load["p50_ms"]
            res["loadavg"] = os.getloadavg()[0]
            rounds.append(res)
            print(json.dumps({"round": r + 1, **res}), file=sys.stderr)
        key = "ir_per_request" if args.callgrind else None
        summary = {}
        for name in paths:
            if key:
                summary[name] = {"ir_per_request_total": statistics.median(x[name][key]["total"] for x in rounds)}
            else:
                threads = sorted({t for x in rounds for t in x[name] if isinstance(x[name][t], dict)})
                summary[name] = {t: {"cpu_us": statistics.median(x[name].get(t, {"cpu_us": 0})["cpu_us"] for x in rounds),
                                     "wakeups": statistics.median(x[name].get(t, {"wakeups": 0})["wakeups"] for x in rounds)}
                                 for t in threads}
        results = {"summary": summary, "idle": idle, "rounds": rounds,
                   "config": {**{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                              "cpus": os.cpu_count()}}
        print(json.dumps(results, indent=2))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        for p in procs.values():
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(p.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
