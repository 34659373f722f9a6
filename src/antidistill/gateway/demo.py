"""``antidistill demo-live``: a real model, the gateway in front, honest and thieving clients.

Starts ``antidistill model-server`` (SmolLM2-135M-Instruct; or the fast stub
with ``--stub``) and ``antidistill gateway`` as processes on loopback, then
runs clients against the gateway for a while:

* two ordinary users asking everyday questions, slowly;
* a logit-extraction client: ``max_tokens=1``, logprobs, and a ``logit_bias``
  on new token ids in every request (Carlini et al. 2024);
* a reasoning harvester: "show your full reasoning step by step" across
  many knowledge domains, as fast as it is answered.

Every few seconds it prints what each account sent, what it got back (200,
429 throttled, 403 blocked) and the gateway's current verdict, so the
attackers can be seen being throttled and then blocked while the honest
users are served. Everything is synthetic and stays on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from antidistill.policy import default_policy_path

console = Console()
ADMIN_TOKEN = "demo-admin"
TOPICS = ["the integral of x squared", "why the sky is blue in physics", "how enzymes speed up a reaction", "what a contract is in law",
          "inflation and interest rates", "the fall of the Roman empire", "recursion in programming", "Kant's ethics",
          "how a bridge carries load", "the probability of two sixes"]
EVERYDAY = ["Suggest a name for my cat.", "What should I cook tonight?", "Write a short birthday message for my sister.",
            "How do I keep basil alive?", "Give me a tip for a job interview.", "What is a good book for a train ride?"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from antidistill.cli import app; app()", *args], stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})


async def _wait_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    import aiohttp

    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as s:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"process exited while starting: {url}")
            try:
                async with s.get(url) as r:
                    if r.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {timeout:.0f}s")


class Client:
    def __init__(self, name: str, key: str, kind: str) -> None:
        self.name, self.key, self.kind = name, key, kind
        self.codes: Counter[int] = Counter()
        self.i = 0

    def body(self) -> dict:
        i = self.i
        self.i += 1
        if self.kind == "logit":
            return {"model": "m", "max_tokens": 1, "logprobs": True, "top_logprobs": 5, "temperature": 0,
                    "messages": [{"role": "user", "content": "Say one word."}],
                    "logit_bias": {str(1000 + 3 * i + j): 100 for j in range(3)}}
        if self.kind == "reasoning":
            topic = TOPICS[i % len(TOPICS)]
            return {"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": f"Show your full reasoning step by step: {topic} (case {i})"}]}
        return {"model": "m", "max_tokens": 12, "messages": [{"role": "user", "content": EVERYDAY[i % len(EVERYDAY)]}]}

    async def run(self, session, url: str, until: float, pause: float) -> None:
        import aiohttp

        while time.monotonic() < until:
            try:
                async with session.post(url + "/v1/chat/completions", json=self.body(),
                                        headers={"authorization": f"Bearer {self.key}"}) as r:
                    await r.read()
                    self.codes[r.status] += 1
                    if r.status == 429:
                        await asyncio.sleep(float(r.headers.get("retry-after", "1")))
                    elif r.status == 403:
                        await asyncio.sleep(1.0)  # a blocked client keeps trying, not flooding
            except aiohttp.ClientError:
                self.codes[0] += 1
            await asyncio.sleep(pause)


async def _live(gw_url: str, seconds: float) -> int:
    import aiohttp

    clients = [Client("alice (benign)", "sk-alice", "benign"), Client("bob (benign)", "sk-bob", "benign"),
               Client("probe-co (logit extraction)", "sk-probe", "logit"), Client("harvest-ai (reasoning harvest)", "sk-harvest", "reasoning")]
    pauses = {"benign": 2.0, "logit": 0.0, "reasoning": 0.0}
    until = time.monotonic() + seconds
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        tasks = [asyncio.create_task(c.run(session, gw_url, until, pauses[c.kind])) for c in clients]
        while time.monotonic() < until:
            await asyncio.sleep(min(5.0, max(0.1, until - time.monotonic())))
            async with session.get(gw_url + "/admin/verdicts", headers={"authorization": f"Bearer {ADMIN_TOKEN}"}) as r:
                verdicts = (await r.json())["accounts"]
            table = Table(title=f"gateway after {seconds - (until - time.monotonic()):.0f}s")
            for col in ("account", "sent", "answered", "throttled (429)", "blocked (403)", "verdict", "actions now"):
                table.add_column(col)
            for c, acct in zip(clients, ("alice", "bob", "probe-co", "harvest-ai"), strict=True):
                v = verdicts.get(acct, {})
                table.add_row(c.name, str(sum(c.codes.values())), str(c.codes[200]), str(c.codes[429]), str(c.codes[403]),
                              f"{v.get('verdict', '-')} {v.get('score', 0):.2f}", ", ".join(v.get("actions", [])) or "-")
            console.print(table)
        await asyncio.gather(*tasks)
    benign_hit = sum(c.codes[403] + c.codes[429] for c in clients[:2])
    attackers_stopped = sum(1 for c in clients[2:] if c.codes[403] or c.codes[429])
    console.print(f"honest users refused: {benign_hit} requests; attackers throttled or blocked: {attackers_stopped} of 2")
    return 0 if benign_hit == 0 and attackers_stopped == 2 else 1


def run_live_demo(out: Path, *, seconds: float = 60.0, use_stub: bool = False) -> int:
    out.mkdir(parents=True, exist_ok=True)
    keys = {"sk-alice": "alice", "sk-bob": "bob", "sk-probe": "probe-co", "sk-harvest": "harvest-ai"}
    (out / "keys.json").write_text(json.dumps(keys))
    policy = yaml.safe_load(default_policy_path().read_text())
    # Faster rescoring than the production default, so a one-minute demo shows it.
    policy["actions"].update({"rescore_interval_s": 0.5, "full_rescore_interval_s": 10})
    (out / "policy.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True))
    up_port, gw_port = _free_port(), _free_port()
    upstream_args = ["stub-upstream", "--listen", f"127.0.0.1:{up_port}"] if use_stub else \
        ["model-server", "--listen", f"127.0.0.1:{up_port}"]
    console.print(f"[bold]starting[/bold] {'stub upstream' if use_stub else 'SmolLM2-135M-Instruct model server'} on 127.0.0.1:{up_port}"
                  + ("" if use_stub else " (first start dequantises the GGUF: ~20-40 s)"))
    upstream = _spawn(upstream_args, out / "upstream.log")
    gateway = None
    try:
        asyncio.run(_wait_http(f"http://127.0.0.1:{up_port}/v1/models", upstream, 300))
        console.print(f"[bold]starting[/bold] gateway on 127.0.0.1:{gw_port}, log in {out / 'log'}")
        gateway = _spawn(["gateway", "--upstream", f"http://127.0.0.1:{up_port}", "--listen", f"127.0.0.1:{gw_port}",
                          "--keys", str(out / "keys.json"), "--policy", str(out / "policy.yaml"), "--log", str(out / "log"),
                          "--admin-token", ADMIN_TOKEN, "--upstream-timeout", "120"], out / "gateway.log")
        asyncio.run(_wait_http(f"http://127.0.0.1:{gw_port}/healthz", gateway, 120))
        console.print(f"[bold]running clients[/bold] for {seconds:.0f}s: 2 honest users, 1 logit-extraction probe, 1 reasoning harvester")
        return asyncio.run(_live(f"http://127.0.0.1:{gw_port}", seconds))
    finally:
        for p in (gateway, upstream):
            if p is not None and p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
