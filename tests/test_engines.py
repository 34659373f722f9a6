"""The same scan on DuckDB and on Spark (local mode) gives the same output."""

from __future__ import annotations

import json
import shutil

import pytest

from antidistill.respond import run_scan, write_scan

from eventfactory import DOMAIN_TOPICS, Traffic

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _traffic() -> Traffic:
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


def test_duckdb_and_spark_scans_agree(tmp_path):
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (installed by .ci/run)")
    events, accounts = _traffic().write(tmp_path / "in")
    outputs = {}
    for engine in ("duckdb", "spark"):
        result = run_scan([events], accounts=accounts, engine=engine, workdir=tmp_path)
        out = write_scan(result, tmp_path / engine)
        outputs[engine] = {
            name: [json.loads(line) for line in (out / name).read_text().splitlines()]
            for name in ("accounts.jsonl", "campaigns.jsonl")
        }
    assert outputs["duckdb"]["accounts.jsonl"], "the comparison must not be vacuous"
    assert any(a["verdict"] != "benign" for a in outputs["duckdb"]["accounts.jsonl"])
    assert outputs["duckdb"]["campaigns.jsonl"]
    assert outputs["duckdb"] == outputs["spark"]
