"""Gateway overhead: latency and throughput through the gateway vs straight to the upstream.

Starts the fast stub upstream (``antidistill stub-upstream``: raw ASGI on
uvicorn + uvloop + httptools, one process) and a gateway in front of it
(``antidistill gateway``: same server stack, one process, exchange log on with
its default 20 ms group commit, detection worker process on, default policy),
both on loopback, then measures both paths in the same run, alternating:
each of ``--rounds`` rounds runs

* open loop at ``--rate`` requests/s for ``--seconds``: latency of every
  request from its *scheduled* send time (no coordinated omission), p50/p99,
  direct and through the gateway (added = gateway - direct, same round);
* closed loop with ``--concurrency`` keep-alive connections for
  ``--seconds``: requests/s, direct and through the gateway (ratio, same round);

with the order of direct and gateway swapped every round, and reports every
round plus the medians over rounds. For each phase it also reads the CPU time
(user + system, from ``/proc``) each process used - load generator, stub,
gateway, detection worker - and the CPU the rest of the machine used
meanwhile (other jobs), so that a figure taken while the machine was busy can
be recognised as such. CPU per request is the figure least disturbed by other
jobs: it says what one request costs each process.

The load generator is a minimal keep-alive HTTP/1.1 client on asyncio
streams (uvloop, garbage collector off while it measures), so that the client
costs as little CPU and adds as little jitter as possible: everything here
(load generator, stub, gateway, detection worker) shares the machine's cores.

With ``--baseline-src OTHER_CHECKOUT/src`` a second gateway, run from that
source tree (an earlier commit, say), is measured in the same rounds, so a
change can be judged against what it replaced under the same conditions.

With ``--front`` the gateway with its compiled front (``antidistill gateway
--front nginx``: nginx with its Lua module proxies and applies block and
throttle from the gateway's table; the Python process turns nginx's records
into the durable log and feeds detection) is measured too, as ``front``, in
the same rounds; its CPU is reported for the Python process (``front``), its
nginx master and workers (``front_nginx``) and its detection worker
(``front_detection``), and after the rounds the bench waits for its log to
catch up and reports how long that took and how many lines it wrote.

With ``--ceiling`` two more paths are measured in the same rounds, to show
what *any* proxy process in the path costs on this machine: ``pipe``, a bare
TCP relay in Python on uvloop (one upstream connection per client
connection, bytes copied both ways, no HTTP parsing, no log, no detection:
the floor for a proxy written in Python), and ``nginx`` (when installed: one
worker, keep-alive upstream pool, no access log: a compiled proxy).

    python benchmarks/bench_gateway.py --rate 500 --seconds 10 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

CLK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], health: str, src: Path | None = None, argv: list[str] | None = None) -> subprocess.Popen:
    """``antidistill ARGS`` (or the command ``argv``) as a process, from another source tree ``src`` when given, once ``health`` answers."""
    import httpx

    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    proc = subprocess.Popen(argv or [sys.executable, "-c", "from antidistill.cli import app; app()", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(health, timeout=1).status_code in (200, 401, 404, 405):
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(f"{(argv or args)[0]} did not start")


# --- CPU accounting from /proc ----------------------------------------------
def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK


def runqueue_wait(pid: int) -> float:
    """Seconds the threads of a process have spent runnable but waiting for a core (/proc/PID/task/*/schedstat)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for tid in tasks:
        try:
            total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e9


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(entry))
    return out


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def front_catch_up(port: int, log_dir: Path | None, timeout: float = 300) -> dict:
    """After the rounds: seconds until the front's records are all in the log, and the log's line count."""
    import httpx

    t = time.perf_counter()
    health: dict = {}
    while time.perf_counter() - t < timeout:
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
        if health["front"]["records_behind_bytes"] == 0 and not health.get("detection_backlog"):
            break
        time.sleep(0.5)
    lines = sum(1 for p in sorted(log_dir.glob("events-*.jsonl")) for _ in open(p, "rb")) if log_dir else None
    return {"catch_up_s": round(time.perf_counter() - t, 1), "log_lines": lines, "front": health.get("front"),
            "detection_backlog": health.get("detection_backlog")}


def machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat)."""
    # user nice system idle iowait irq softirq steal: all but idle and iowait are busy
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(parts) - parts[3] - parts[4]) / CLK


class CpuMeter:
    """CPU used by named processes (and by everything else) during one phase."""

    def __init__(self, procs: dict[str, list[int]]) -> None:
        self.procs = procs

    def snapshot(self) -> dict[str, float]:
        snap = {name: sum(proc_cpu(p) for p in pids) for name, pids in self.procs.items()}
        snap["loadgen"] = time.process_time()
        snap["machine"] = machine_busy()
        for name, pids in {**self.procs, "loadgen": [os.getpid()]}.items():
            snap[f"wait:{name}"] = sum(runqueue_wait(p) for p in pids)
        return snap

    @staticmethod
    def delta(a: dict[str, float], b: dict[str, float], requests: int, wall: float) -> dict:
        used = {k: b[k] - a[k] for k in a}
        cpu = {k: v for k, v in used.items() if k != "machine" and not k.startswith("wait:")}
        out = {f"{k}_us_per_request": round(1e6 * v / max(requests, 1), 1) for k, v in cpu.items()}
        out["other_jobs_cores"] = round(max(used["machine"] - sum(cpu.values()), 0.0) / wall, 2)
        # Time our processes were ready to run but had no core: what other
        # jobs (and each other) cost them, in ms per second of the phase.
        out["runqueue_wait_ms_per_s"] = {k[5:]: round(1000 * v / wall, 1) for k, v in used.items() if k.startswith("wait:")}
        return out


# --- ceiling paths: a bare Python TCP relay and nginx ---------------------------
def serve_pipe(listen_port: int, up_port: int) -> None:
    """A bare TCP relay on uvloop: bytes copied both ways, nothing parsed (``--serve-pipe``)."""

    class Up(asyncio.Protocol):
        def __init__(self, client) -> None:
            self.client = client

        def data_received(self, data: bytes) -> None:
            self.client.transport.write(data)

        def connection_lost(self, exc) -> None:
            self.client.transport.close()

    class Client(asyncio.Protocol):
        def connection_made(self, transport) -> None:
            self.transport = transport
            self.up_t = None  # the upstream transport, once connected
            self.pending: list[bytes] = []
            asyncio.get_running_loop().create_task(self.connect())

        async def connect(self) -> None:
            t, _ = await asyncio.get_running_loop().create_connection(lambda: Up(self), "127.0.0.1", up_port)
            if self.pending:
                t.write(b"".join(self.pending))
            self.up_t = t

        def data_received(self, data: bytes) -> None:
            if self.up_t is None:
                self.pending.append(data)
            else:
                self.up_t.write(data)

        def connection_lost(self, exc) -> None:
            if self.up_t is not None:
                self.up_t.close()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Client, "127.0.0.1", listen_port, backlog=1024)
        await server.serve_forever()

    import uvloop

    uvloop.run(main())


def start_pipe(port: int, up_port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, __file__, "--serve-pipe", str(port), str(up_port)], start_new_session=True)
    wait_port(proc, port)
    return proc


def start_nginx(port: int, up_port: int, tmp: Path) -> subprocess.Popen | None:
    """nginx (one worker, keep-alive upstream, no access log) in front of the stub, or None when not installed."""
    import shutil

    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if exe is None:
        return None
    conf = tmp / "nginx.conf"
    conf.write_text(f"""daemon off; worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off; client_body_temp_path {tmp}/nginx-body; proxy_temp_path {tmp}/nginx-proxy;
  fastcgi_temp_path {tmp}/nginx-fcgi; uwsgi_temp_path {tmp}/nginx-uwsgi; scgi_temp_path {tmp}/nginx-scgi;
  upstream stub {{ server 127.0.0.1:{up_port}; keepalive 64; }}
  server {{ listen 127.0.0.1:{port}; keepalive_requests 1000000;
    location / {{ proxy_pass http://stub; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}
}}
""")
    proc = subprocess.Popen([exe, "-c", str(conf), "-p", str(tmp)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(proc, port)
    return proc


def wait_port(proc: subprocess.Popen, port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"relay on port {port} exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


# --- load generator ---------------------------------------------------------
class Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, reader, writer) -> None:
        self.reader, self.writer = reader, writer

    async def post(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return status


def build_request(port: int, path: str, body: dict, key: str) -> bytes:
    data = orjson.dumps(body)
    return (f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n"
            f"authorization: Bearer {key}\r\ncontent-length: {len(data)}\r\n\r\n").encode() + data


async def connect(port: int, n: int) -> list[Conn]:
    conns = []
    for _ in range(n):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        conns.append(Conn(r, w))
    return conns


def requests_for(port: int, n_accounts: int) -> list[bytes]:
    # Benign-looking chat traffic from several accounts (no detector fires).
    return [build_request(port, "/v1/chat/completions",
                          {"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": f"what is a good name for pet {i}?"}]},
                          f"sk-{i % n_accounts}") for i in range(64)]


async def open_loop(port: int, rate: float, seconds: float, n_accounts: int, trace: list | None = None,
                    first_seq: int = 0) -> dict:
    """Send at a fixed rate; latency is from the scheduled send time (no coordinated omission).

    With ``trace`` (a list): every request carries an ``x-bench-seq`` header
    (``first_seq`` + its index) and ``(seq, due, sent, done, status)`` of each
    is appended to the list (``bench_gateway_trace.py``).
    """
    reqs = requests_for(port, n_accounts)
    pool = await connect(port, 64)
    free: asyncio.Queue = asyncio.Queue()
    for c in pool:
        free.put_nowait(c)
    lat: list[float] = []
    errors = 0
    total = int(rate * seconds)

    async def one(i: int, due: float) -> None:
        nonlocal errors
        data = reqs[i % len(reqs)]
        if trace is not None:
            data = data.replace(b"\r\n", b"\r\nx-bench-seq: %d\r\n" % (first_seq + i), 1)
        conn = await free.get()
        try:
            sent = time.perf_counter()
            status = await conn.post(data)
            done = time.perf_counter()
            if status != 200:
                errors += 1
            lat.append(done - due)
            if trace is not None:
                trace.append((first_seq + i, due, sent, done, status))
        finally:
            free.put_nowait(conn)

    tasks = []
    t0 = time.perf_counter() + 0.1
    for i in range(total):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    for c in pool:
        c.writer.close()
    lat.sort()
    return {"requests": total, "errors": errors, "p50_ms": round(1000 * lat[len(lat) // 2], 3),
            "p99_ms": round(1000 * lat[int(len(lat) * 0.99)], 3), "max_ms": round(1000 * lat[-1], 3)}


async def closed_loop(port: int, concurrency: int, seconds: float, n_accounts: int) -> dict:
    reqs = requests_for(port, n_accounts)
    pool = await connect(port, concurrency)
    done = errors = 0
    stop = time.perf_counter() + seconds

    async def worker(k: int, conn: Conn) -> None:
        nonlocal done, errors
        i = k
        while time.perf_counter() < stop:
            if await conn.post(reqs[i % len(reqs)]) != 200:
                errors += 1
            done += 1
            i += concurrency

    started = time.perf_counter()
    await asyncio.gather(*(worker(k, c) for k, c in enumerate(pool)))
    elapsed = time.perf_counter() - started
    for c in pool:
        c.writer.close()
    return {"requests": done, "errors": errors, "rps": round(done / elapsed, 1)}


def run_load(coro):
    """Run one load phase on uvloop (when installed), with the cyclic GC off.

    The load generator must not add pauses of its own to what it measures:
    a full collection over its thousands of pending tasks took tens of
    milliseconds and landed in either side's p99 at random.
    """
    gc.collect()
    gc.disable()
    try:
        try:
            import uvloop
        except ImportError:
            return asyncio.run(coro)
        return uvloop.run(coro)
    finally:
        gc.enable()


def measured(meter: CpuMeter, fn, *args) -> dict:
    before = meter.snapshot()
    t = time.perf_counter()
    result = run_load(fn(*args))
    wall = time.perf_counter() - t
    result["cpu"] = CpuMeter.delta(before, meter.snapshot(), result["requests"], wall)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--no-log", action="store_true", help="run the gateway without its exchange log")
    ap.add_argument("--gateway-args", default="", help="more arguments for `antidistill gateway` (e.g. \"--policy P.yaml\")")
    ap.add_argument("--baseline-src", type=Path,
                    help="the src/ directory of another checkout: its gateway is measured too, as 'baseline', in the same rounds")
    ap.add_argument("--front", action="store_true", help="also measure `antidistill gateway --front nginx` ('front')")
    ap.add_argument("--front-args", default="", help="more arguments for the front's gateway (after --gateway-args)")
    ap.add_argument("--ceiling", action="store_true",
                    help="also measure a bare Python TCP relay (pipe) and nginx (if installed) in front of the stub")
    ap.add_argument("--serve-pipe", nargs=2, type=int, metavar=("PORT", "UPSTREAM_PORT"), help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    if args.serve_pipe:
        return serve_pipe(*args.serve_pipe)
    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    (tmp / "keys.json").write_text(json.dumps({f"sk-{i}": f"acct-{i}" for i in range(args.accounts)}))
    up_port = free_port()
    upstream = start(["stub-upstream", "--listen", f"127.0.0.1:{up_port}"], f"http://127.0.0.1:{up_port}/v1/models")
    procs = {"stub": upstream}
    ports = {"direct": up_port}
    for name, src in (("gateway", None), ("baseline", args.baseline_src), ("front", None)):
        if name == "baseline" and src is None or name == "front" and not args.front:
            continue
        port = ports[name] = free_port()
        gw_args = ["gateway", "--upstream", f"http://127.0.0.1:{up_port}", "--listen", f"127.0.0.1:{port}",
                   "--keys", str(tmp / "keys.json")]
        if not args.no_log:
            gw_args += ["--log", str(tmp / f"log-{name}")]
        if name == "front":
            gw_args += ["--front", "nginx", *args.front_args.split()]
        procs[name] = start(gw_args + args.gateway_args.split(), f"http://127.0.0.1:{port}/healthz", src)
    relays: list[str] = []
    if args.ceiling:
        ports["pipe"] = free_port()
        procs["pipe"] = start_pipe(ports["pipe"], up_port)
        relays.append("pipe")
        nginx_port = free_port()
        nginx = start_nginx(nginx_port, up_port, tmp)
        if nginx is not None:
            ports["nginx"], procs["nginx"] = nginx_port, nginx
            relays.append("nginx")
    targets = list(ports)
    gateways = [n for n in targets[1:] if n not in relays]
    loadavg_start = os.getloadavg()[0]
    try:
        # Each gateway process, and separately everything it started (its detection worker).
        helpers = {name: children(procs[name].pid) for name in gateways}
        nginx_of = {name: [p for p in helpers[name] if comm(p) == "nginx"] for name in gateways}
        meter = CpuMeter({"stub": [upstream.pid], **{name: [procs[name].pid] for name in targets[1:]},
                          **{f"{name}_detection": [p for p in helpers[name] if p not in nginx_of[name]] for name in gateways},
                          **{f"{name}_nginx": [p for m in nginx_of[name] for p in (m, *children(m))]
                             for name in gateways if nginx_of[name]},
                          # nginx: the master and its worker
                          **({"nginx": [procs["nginx"].pid, *children(procs["nginx"].pid)]} if "nginx" in procs else {})})
        # Warm every path (connection pools, caches) before measuring.
        for name in targets:
            run_load(open_loop(ports[name], 200, 2, args.accounts))
        rounds = []
        for r in range(args.rounds):
            # Each round in another order, so that no path always runs first or last.
            order = targets[r % len(targets):] + targets[:r % len(targets)]
            res: dict = {"order": order}
            for name in order:
                res[f"{name}_open_loop"] = measured(meter, open_loop, ports[name], args.rate, args.seconds, args.accounts)
            for name in order:
                res[f"{name}_closed_loop"] = measured(meter, closed_loop, ports[name], args.concurrency, args.seconds, args.accounts)
            d = res["direct_open_loop"]
            for name in targets[1:]:
                g = res[f"{name}_open_loop"]
                res[f"{name}_added_p50_ms"] = round(g["p50_ms"] - d["p50_ms"], 3)
                res[f"{name}_added_p99_ms"] = round(g["p99_ms"] - d["p99_ms"], 3)
                res[f"{name}_throughput_ratio"] = round(res[f"{name}_closed_loop"]["rps"] / res["direct_closed_loop"]["rps"], 3)
            rounds.append(res)
            print(json.dumps({"round": r + 1, **res}), file=sys.stderr)
        med = statistics.median
        summary: dict = {
            "errors": sum(x[f"{n}_{k}"]["errors"] for x in rounds for n in targets for k in ("open_loop", "closed_loop")),
            "other_jobs_cores": med(x[f"{n}_{k}"]["cpu"]["other_jobs_cores"] for x in rounds
                                    for n in targets for k in ("open_loop", "closed_loop")),
        }
        for name in targets:
            summary[name] = {"p50_ms": med(x[f"{name}_open_loop"]["p50_ms"] for x in rounds),
                             "p99_ms": med(x[f"{name}_open_loop"]["p99_ms"] for x in rounds),
                             "rps": med(x[f"{name}_closed_loop"]["rps"] for x in rounds)}
            for kind in ("open_loop", "closed_loop"):
                cpu0 = rounds[0][f"{name}_{kind}"]["cpu"]
                summary[name][f"{kind}_cpu_us_per_request"] = {
                    k: med(x[f"{name}_{kind}"]["cpu"][k] for x in rounds) for k in cpu0 if k.endswith("_us_per_request")}
            if name != "direct":
                for k in ("added_p50_ms", "added_p99_ms", "throughput_ratio"):
                    summary[name][k] = med(x[f"{name}_{k}"] for x in rounds)
        if "front" in ports:
            summary["front_log"] = front_catch_up(ports["front"], tmp / "log-front" if not args.no_log else None)
            # every request sent to it, the warm-up's included (2 s at 200/s)
            summary["front_log"]["requests_sent"] = 400 + sum(x[f"front_{k}"]["requests"] for x in rounds
                                                                for k in ("open_loop", "closed_loop"))
        results = {"summary": summary, "rounds": rounds,
                   "config": {"rate": args.rate, "seconds": args.seconds, "rounds": args.rounds, "concurrency": args.concurrency,
                              "accounts": args.accounts, "log": not args.no_log, "gateway_args": args.gateway_args,
                              "front_args": args.front_args if args.front else None,
                              "baseline_src": str(args.baseline_src) if args.baseline_src else None, "cpus": os.cpu_count(),
                              # Other work on the machine skews every figure: record it.
                              "loadavg_1m_start": loadavg_start, "loadavg_1m_end": os.getloadavg()[0]}}
        print(json.dumps(results, indent=2))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        for p in procs.values():
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
