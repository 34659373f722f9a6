"""Build small, hand-written traffic for detection tests (not the simulator:
these cases are fixed so each test knows its answer)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

T0 = dt.datetime(2026, 4, 2, 0, 0, 0)
DOMAIN_TOPICS = ["integral of a polynomial", "quantum entanglement of an electron", "a molecule in a catalyst reaction",
                 "protein folding in a cell", "a contract liability dispute in court", "inflation and monetary policy",
                 "the fall of an empire after a war", "an algorithm for a database index", "kant's ethics and morality",
                 "grammar and syntax of a sentence"]


class Traffic:
    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.events: list[dict] = []
        self.accounts: list[dict] = []
        self._n = 0

    def account(self, account_id: str, **profile) -> None:
        self.accounts.append({"account_id": account_id, **profile})

    def chat(self, account: str, prompt: str, *, ip: str = "198.51.100.7", ua: str = "openai-python/1.40.0",
             ts: dt.datetime | None = None, system: str | None = None, content: str = "Sure, here it is.", **params) -> str:
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
        return self.add(account, "/v1/chat/completions", {"model": "m-1", "messages": messages, **params},
                        {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": len(prompt) // 4 + 1, "completion_tokens": len(content) // 4 + 1}},
                        ip=ip, ua=ua, ts=ts)

    def predict(self, account: str, x: list[float], probs: list[float], **kw) -> str:
        label = max(range(len(probs)), key=probs.__getitem__)
        return self.add(account, "/v1/predict", {"instances": [x]},
                        {"predictions": [{"label": label, "probabilities": probs}]}, **kw)

    def add(self, account, endpoint, request, response, *, ip="198.51.100.7", ua="openai-python/1.40.0", ts=None) -> str:
        self._n += 1
        rid = f"req-{self._n:07d}"
        ts = ts or T0 + dt.timedelta(seconds=self.rng.randint(0, 86_000))
        self.events.append({"request_id": rid, "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", "account_id": account,
                            "client_ip": ip, "user_agent": ua, "endpoint": endpoint, "request": request,
                            "response": response, "status": 200, "latency_ms": 120.0})
        return rid

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        events, accounts = directory / "events.jsonl", directory / "accounts.jsonl"
        with open(events, "w") as f:
            for e in sorted(self.events, key=lambda e: (e["ts"], e["request_id"])):
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
        with open(accounts, "w") as f:
            for a in self.accounts:
                f.write(json.dumps(a) + "\n")
        return events, accounts


def mixed_scan_traffic() -> Traffic:
    """A little of everything a scan scores: a reasoning ring on one card, a
    logit prober and a classifier thief (linked: same default network), and
    a platform with seven end users (judged in the scan's end-user pass)."""
    t = Traffic(42)
    for k in range(6):
        acct = f"ring-{k}"
        t.account(acct, created="2026-03-30T02:00:00Z", payment_fingerprint="pay-1", email_domain="fastmail.example")
        for i in range(25):
            t.chat(acct, f"Explain step by step your full reasoning about {t.rng.choice(DOMAIN_TOPICS)} ({i})", ip=f"192.0.2.{k}")
    for i in range(200):
        t.chat("carlini", "Say it", max_tokens=1, logprobs=True, logit_bias={str(t.rng.randrange(40_000)): 100})
        t.chat("app", f"summarise ticket {i}", user=f"end-user-{i % 7}")
    for i in range(60):
        t.predict("thief", [t.rng.random() for _ in range(64)], [0.45, 0.4] + [0.0125] * 8)
    return t
