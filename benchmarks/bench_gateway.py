"""Gateway overhead: latency and throughput through the gateway vs straight to the upstream.

Starts the fast stub upstream (``antidistill stub-upstream``) and a gateway in
front of it (exchange log on, detection worker on, default policy), both as
separate processes on loopback, then measures side by side in one run:

* open loop at ``--rate`` requests/s for ``--seconds``: latency p50/p99 of
  each request, direct and through the gateway (added = the difference);
* closed loop with ``--concurrency`` connections: requests/s, direct and
  through the gateway.

The load generator is a minimal keep-alive HTTP/1.1 client on asyncio
streams, so that the client costs as little CPU as possible: on a 2-core
machine it shares the cores with the upstream, the gateway and its worker.

    python benchmarks/bench_gateway.py --rate 500 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], health: str) -> subprocess.Popen:
    import httpx

    proc = subprocess.Popen([sys.executable, "-c", "from antidistill.cli import app; app()", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(health, timeout=1).status_code in (200, 401, 404, 405):
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(f"{args[0]} did not start")


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


async def open_loop(port: int, rate: float, seconds: float, n_accounts: int) -> dict:
    """Send at a fixed rate; latency is from the scheduled send time (no coordinated omission)."""
    reqs = requests_for(port, n_accounts)
    pool = await connect(port, 64)
    free = asyncio.Queue()
    for c in pool:
        free.put_nowait(c)
    lat: list[float] = []
    errors = 0
    total = int(rate * seconds)

    async def one(i: int, due: float) -> None:
        nonlocal errors
        conn = await free.get()
        try:
            status = await conn.post(reqs[i % len(reqs)])
            if status != 200:
                errors += 1
            lat.append(time.perf_counter() - due)
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
    return {"requests": total, "errors": errors, "p50_ms": 1000 * lat[len(lat) // 2], "p99_ms": 1000 * lat[int(len(lat) * 0.99)],
            "max_ms": 1000 * lat[-1]}


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
    return {"requests": done, "errors": errors, "rps": done / elapsed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--no-log", action="store_true", help="run the gateway without its exchange log")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    (tmp / "keys.json").write_text(json.dumps({f"sk-{i}": f"acct-{i}" for i in range(args.accounts)}))
    up_port, gw_port = free_port(), free_port()
    upstream = start(["stub-upstream", "--listen", f"127.0.0.1:{up_port}"], f"http://127.0.0.1:{up_port}/v1/models")
    gw_args = ["gateway", "--upstream", f"http://127.0.0.1:{up_port}", "--listen", f"127.0.0.1:{gw_port}",
               "--keys", str(tmp / "keys.json")]
    if not args.no_log:
        gw_args += ["--log", str(tmp / "log")]
    gateway = start(gw_args, f"http://127.0.0.1:{gw_port}/healthz")
    try:
        results = {}
        # Warm both paths (connection pools, caches) before measuring.
        asyncio.run(open_loop(up_port, 200, 2, args.accounts))
        asyncio.run(open_loop(gw_port, 200, 2, args.accounts))
        for name, port in (("direct", up_port), ("gateway", gw_port)):
            results[f"{name}_open_loop"] = asyncio.run(open_loop(port, args.rate, args.seconds, args.accounts))
        for name, port in (("direct", up_port), ("gateway", gw_port)):
            results[f"{name}_closed_loop"] = asyncio.run(closed_loop(port, args.concurrency, args.seconds, args.accounts))
        d, g = results["direct_open_loop"], results["gateway_open_loop"]
        results["added_p50_ms"] = g["p50_ms"] - d["p50_ms"]
        results["added_p99_ms"] = g["p99_ms"] - d["p99_ms"]
        results["throughput_ratio"] = results["gateway_closed_loop"]["rps"] / results["direct_closed_loop"]["rps"]
        results["config"] = {"rate": args.rate, "seconds": args.seconds, "concurrency": args.concurrency,
                             "accounts": args.accounts, "log": not args.no_log, "cpus": os.cpu_count(),
                             # Other work on the machine skews every figure: record it.
                             "loadavg_1m_at_end": os.getloadavg()[0]}
        print(json.dumps(results, indent=2))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        for p in (gateway, upstream):
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
