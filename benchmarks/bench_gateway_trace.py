"""Where the gateway's tail latency comes from: per-request timelines across processes.

``bench_gateway.py`` says *how much* latency the gateway adds; this says
*where* the slowest requests spent their time. It starts the stub upstream, a
gateway with probes (and, with ``--baseline-src``, the gateway of another
checkout with the same probes; with ``--nginx``, nginx in front of the stub:
a compiled proxy, i.e. what one more process in the path costs on this
machine right now), then runs open-loop rounds at ``--rate`` requests/s,
alternating the paths, and tags every request with an ``x-bench-seq``
header. Every timestamp is ``time.perf_counter()`` (CLOCK_MONOTONIC, the
same clock in every process), so one request's times line up:

* load generator: scheduled (``due``), written to the socket (``sent``),
  answer read (``done``);
* gateway (probes patched in at start, nothing changed in the code under
  test): first byte of the request handled (``arrive``), handler task
  running (``start``), request written to the upstream (``up_send``), first
  byte of the upstream's answer handled (``up_data``), handler resumed after
  it (``up_done``), answer written to the client (``written``);
* gateway background activity: every garbage collection (generation, span),
  every log flush, every batch of verdicts applied, every batch handed to
  the detection sender thread, and loop stalls (a 5 ms ticker that was late
  by more than 2 ms).

It prints, for the requests at or above each path's p99, the median of
every segment (send lateness, to the gateway, before upstream, upstream,
resume, after upstream, back to the client) and how many of them overlap
each kind of background event; and the same for all requests.

    python benchmarks/bench_gateway_trace.py --rate 500 --seconds 10 --rounds 3 --nginx
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gateway import free_port, open_loop, run_load, start, start_nginx

SEGMENTS = (("send_late", "due", "sent"), ("to_gateway", "sent", "arrive"), ("task_wait", "arrive", "start"),
            ("before_upstream", "start", "up_send"), ("upstream", "up_send", "up_data"), ("resume", "up_data", "up_done"),
            ("after_upstream", "up_done", "written"), ("to_client", "written", "done"))


# --- the probes, in the gateway process ------------------------------------------
def serve_traced(out: str, cli_args: list[str]) -> None:
    """Run ``antidistill CLI_ARGS`` with probes; write what they saw to ``out`` (JSON) at exit."""
    import gc

    import antidistill.gateway.app as app_mod
    from antidistill.gateway import durable, server, upstream

    now = time.perf_counter
    req: dict[int, dict[str, float]] = {}
    events: list[tuple[str, float, float, object]] = []  # kind, start, end, detail
    seq_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("bench_seq", default=None)
    conn_seq: dict[int, int] = {}

    def seq_of(headers) -> int | None:
        s = headers.get(b"x-bench-seq")
        return int(s) if s else None

    orig_data = server.GatewayProtocol.data_received

    def data_received(self, data):
        self._bench_t = now()
        orig_data(self, data)

    orig_hc = server.GatewayProtocol.on_headers_complete

    def on_headers_complete(self):
        orig_hc(self)
        s = seq_of(self.parsing.headers)
        if s is not None:
            req[s] = {"arrive": self._bench_t}

    orig_proxy = server.proxy

    async def proxy(gw, ch):
        s = seq_of(ch.headers)
        if s is not None and s in req:
            req[s]["start"] = now()
            seq_var.set(s)
        await orig_proxy(gw, ch)
        if s is not None and s in req:
            req[s]["end"] = now()

    orig_send_now = server._Request.send_now

    def send_now(self, status, content, ctype, extra):
        orig_send_now(self, status, content, ctype, extra)
        s = seq_of(self.headers)
        if s is not None and s in req:
            req[s]["written"] = now()

    orig_csend = upstream._Conn.send

    def csend(self, data, streaming):
        s = seq_var.get()
        if s is not None:
            conn_seq[id(self)] = s
            req[s]["up_send"] = now()
        orig_csend(self, data, streaming)

    orig_cdata = upstream._Conn.data_received

    def cdata(self, data):
        s = conn_seq.pop(id(self), None)
        if s is not None:
            req[s]["up_data"] = now()
        orig_cdata(self, data)

    orig_request = upstream.Upstream.request

    async def request(self, *a, **k):
        r = await orig_request(self, *a, **k)
        s = seq_var.get()
        if s is not None:
            req[s]["up_done"] = now()
        return r

    orig_flush = durable.DurableLog.flush

    def flush(self):
        t = now()
        n = orig_flush(self)
        if n:
            events.append(("log_flush", t, now(), n))
        return n

    orig_verdicts = app_mod.Gateway._on_verdicts

    def on_verdicts(self, verdicts, info):
        t = now()
        orig_verdicts(self, verdicts, info)
        events.append(("verdicts_applied", t, now(), len(verdicts)))

    # Where exchanges are handed to detection: _to_detection (from the log's
    # flusher, or the loop task without a log); before 2026-11-23 the loop
    # task's _flush_detection_queue (a --baseline-src of that age).
    handoff_name = "_to_detection" if hasattr(app_mod.Gateway, "_to_detection") else "_flush_detection_queue"
    orig_handoff = getattr(app_mod.Gateway, handoff_name)

    def handoff(self, *lines):
        n, t = len(lines[0]) if lines else len(self._queue), now()
        orig_handoff(self, *lines)
        if n:
            events.append(("detection_handoff", t, now(), n))

    gc_start: dict[str, float] = {}

    def on_gc(phase, info):
        if phase == "start":
            gc_start["t"] = now()
        elif "t" in gc_start:
            events.append((f"gc{info['generation']}", gc_start.pop("t"), now(), info.get("collected")))

    orig_start = app_mod.Gateway.start

    async def gw_start(self):
        await orig_start(self)

        # The loop thread's own schedstat: CPU time, time runnable without a core.
        stat = open(f"/proc/self/task/{threading.get_native_id()}/schedstat", "rb", buffering=0)  # noqa: ASYNC230, SIM115 - open for the process lifetime

        def sched() -> tuple[int, int]:
            stat.seek(0)
            cpu, wait, _ = stat.read().split()
            return int(cpu), int(wait)

        async def ticker():
            period = 0.005
            nxt = now() + period
            before = sched()
            while True:
                await asyncio.sleep(max(0.0, nxt - now()))
                t = now()
                after = sched()
                if t - nxt > 0.002:
                    # how the stall splits: the loop thread running (our code), waiting
                    # for a core (the machine), neither (waiting for the GIL, or blocked)
                    events.append(("loop_stall", nxt, t, ((after[0] - before[0]) / 1e9, (after[1] - before[1]) / 1e9)))
                before = after
                nxt = t + period

        self._tasks.append(asyncio.create_task(ticker()))
        gc.callbacks.append(on_gc)

    server.GatewayProtocol.data_received = data_received
    server.GatewayProtocol.on_headers_complete = on_headers_complete
    server.proxy = proxy
    server._Request.send_now = send_now
    upstream._Conn.send = csend
    upstream._Conn.data_received = cdata
    upstream.Upstream.request = request
    durable.DurableLog.flush = flush
    app_mod.Gateway._on_verdicts = on_verdicts
    setattr(app_mod.Gateway, handoff_name, handoff)
    app_mod.Gateway.start = gw_start

    orig_stop = app_mod.Gateway.stop

    async def gw_stop(self):
        await orig_stop(self)
        # here, not atexit: uvicorn ends the process by raising the SIGTERM it caught again
        Path(out).write_text(json.dumps({"requests": {str(k): v for k, v in req.items()}, "events": events}))

    app_mod.Gateway.stop = gw_stop
    sys.argv = ["antidistill", *cli_args]
    from antidistill.cli import app

    app()


# --- load generator with per-request times -----------------------------------------
async def traced_open_loop(port: int, rate: float, seconds: float, n_accounts: int, first_seq: int) -> list[tuple]:
    rows: list[tuple] = []
    await open_loop(port, rate, seconds, n_accounts, trace=rows, first_seq=first_seq)
    return rows


# --- analysis ------------------------------------------------------------------------
def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))] if xs else float("nan")


def analyse(name: str, rows: list[tuple], probes: dict | None) -> dict:
    lat = [r[3] - r[1] for r in rows]
    p99 = pct(lat, 0.99)
    out = {"requests": len(rows), "errors": sum(r[4] != 200 for r in rows), "p50_ms": round(1000 * pct(lat, 0.5), 3),
           "p99_ms": round(1000 * p99, 3), "max_ms": round(1000 * max(lat), 3)}
    tail = [r for r in rows if r[3] - r[1] >= p99]
    out["tail_requests"] = len(tail)
    if probes is None:
        out["tail_send_late_ms_median"] = round(1000 * statistics.median(r[2] - r[1] for r in tail), 3)
        return out
    reqs, events = probes["requests"], probes["events"]

    def timeline(r):
        t = dict(reqs.get(str(r[0]), {}))
        t.update(due=r[1], sent=r[2], done=r[3])
        return t

    def segments(group):
        seg = {}
        for label, a, b in SEGMENTS:
            vals = [t[b] - t[a] for t in map(timeline, group) if a in t and b in t]
            if vals:
                seg[label] = {"median_ms": round(1000 * statistics.median(vals), 3), "p90_ms": round(1000 * pct(vals, 0.9), 3),
                              "mean_ms": round(1000 * statistics.fmean(vals), 3)}
        return seg

    out["all_segments"] = segments(rows)
    out["tail_segments"] = segments(tail)
    # Which segment was the largest in each tail request.
    worst: dict[str, int] = {}
    for t in map(timeline, tail):
        best = max(((t[b] - t[a], label) for label, a, b in SEGMENTS if a in t and b in t), default=(0, "unknown"))
        worst[best[1]] = worst.get(best[1], 0) + 1
    out["tail_largest_segment"] = dict(sorted(worst.items(), key=lambda kv: -kv[1]))
    # Background events overlapping each tail request (between its send and its answer).
    kinds = sorted({e[0] for e in events})
    spans = {k: sorted((e[1], e[2]) for e in events if e[0] == k) for k in kinds}

    def overlaps(k, a, b):
        return any(s < b and e > a for s, e in spans[k])

    out["tail_overlapping"] = {k: sum(overlaps(k, r[2], r[3]) for r in tail) for k in kinds}
    t0, t1 = min(r[1] for r in rows), max(r[3] for r in rows)
    inside = [e for e in events if t0 <= e[1] <= t1]
    out["background_during_run"] = {k: {"count": sum(e[0] == k for e in inside),
                                        "max_ms": round(1000 * max((e[2] - e[1] for e in inside if e[0] == k), default=0), 3),
                                        "total_ms": round(1000 * sum(e[2] - e[1] for e in inside if e[0] == k), 1)}
                                    for k in kinds}
    stalls = [e for e in inside if e[0] == "loop_stall"]
    if stalls:
        # The ticker's own 5 ms sleep is part of each interval: split only the lateness.
        late = sum(e[2] - e[1] for e in stalls)
        cpu = sum(min(e[3][0], e[2] - e[1]) for e in stalls)
        runq = sum(min(e[3][1], e[2] - e[1]) for e in stalls)
        out["loop_stalls_split_ms"] = {"late_total": round(1000 * late, 1), "running_up_to": round(1000 * cpu, 1),
                                       "waiting_for_core_up_to": round(1000 * runq, 1),
                                       "neither_at_least": round(1000 * max(0.0, late - cpu - runq), 1)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--gateway-args", default="")
    ap.add_argument("--baseline-src", type=Path)
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=GATEWAY_ARGS",
                    help="one more gateway from this checkout, started with these extra arguments, measured in the same rounds")
    ap.add_argument("--nginx", action="store_true", help="also measure nginx in front of the stub (the machine's noise floor for one more process)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--serve-traced", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_traced:
        return serve_traced(args.serve_traced[0], args.serve_traced[1:])
    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-trace-"))
    (tmp / "keys.json").write_text(json.dumps({f"sk-{i}": f"acct-{i}" for i in range(args.accounts)}))
    up_port = free_port()
    procs = {"direct": start(["stub-upstream", "--listen", f"127.0.0.1:{up_port}"], f"http://127.0.0.1:{up_port}/v1/models")}
    ports = {"direct": up_port}
    traced: dict[str, Path] = {}
    try:
        gateways = [("gateway", None, args.gateway_args), ("baseline", args.baseline_src, args.gateway_args)]
        gateways += [(name, None, more) for name, _, more in (v.partition("=") for v in args.variant)]
        for name, src, more in gateways:
            if name == "baseline" and src is None:
                continue
            port = ports[name] = free_port()
            traced[name] = tmp / f"probes-{name}.json"
            gw_args = ["gateway", "--upstream", f"http://127.0.0.1:{up_port}", "--listen", f"127.0.0.1:{port}",
                       "--keys", str(tmp / "keys.json"), *more.split()]
            if "--no-log" in gw_args:  # a variant without the exchange log
                gw_args.remove("--no-log")
            else:
                gw_args += ["--log", str(tmp / f"log-{name}")]
            # the probes run from this file; the gateway code from src (when given)
            procs[name] = start([], f"http://127.0.0.1:{port}/healthz", src,
                                argv=[sys.executable, __file__, "--serve-traced", str(traced[name]), *gw_args])
        if args.nginx:
            port = free_port()
            ng = start_nginx(port, up_port, tmp)
            if ng is not None:
                procs["nginx"], ports["nginx"] = ng, port
        targets = list(ports)
        for name in targets:
            run_load(traced_open_loop(ports[name], 200, 2, args.accounts, 10_000_000))
        rows: dict[str, list] = {n: [] for n in targets}
        seq = 0
        loads = [os.getloadavg()[0]]
        for r in range(args.rounds):
            order = targets[r % len(targets):] + targets[:r % len(targets)]
            for name in order:
                rows[name].append(run_load(traced_open_loop(ports[name], args.rate, args.seconds, args.accounts, seq)))
                seq += 1_000_000
            loads.append(os.getloadavg()[0])
    finally:
        for p in procs.values():
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=30)
            except Exception:  # noqa: BLE001
                os.killpg(p.pid, signal.SIGKILL)
    probes = {n: json.loads(path.read_text()) for n, path in traced.items() if path.exists()}
    result = {"config": vars(args) | {"loadavg_1m": loads}, "paths": {}}
    for name in targets:
        per_round = [analyse(name, rr, probes.get(name)) for rr in rows[name]]
        result["paths"][name] = {"rounds": per_round}
    # Pooled over all rounds: a burst of other work on the machine lands in one
    # path's window; with many short rounds it spreads over every path.
    for name in targets:
        lat = sorted(r[3] - r[1] for rr in rows[name] for r in rr)
        result["paths"][name]["pooled"] = {"requests": len(lat), "p50_ms": round(1000 * pct(lat, 0.5), 3),
                                           "p90_ms": round(1000 * pct(lat, 0.9), 3), "p99_ms": round(1000 * pct(lat, 0.99), 3),
                                           "p999_ms": round(1000 * pct(lat, 0.999), 3)}
    for name in targets[1:]:
        pooled, direct = result["paths"][name]["pooled"], result["paths"]["direct"]["pooled"]
        pooled["added_p50_ms"] = round(pooled["p50_ms"] - direct["p50_ms"], 3)
        pooled["added_p99_ms"] = round(pooled["p99_ms"] - direct["p99_ms"], 3)
        result["paths"][name]["added_p99_ms"] = [round(g["p99_ms"] - d["p99_ms"], 3) for g, d in
                                                zip(result["paths"][name]["rounds"], result["paths"]["direct"]["rounds"], strict=True)]
    text = json.dumps(result, indent=1, default=str)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
