"""The same scan on DuckDB and on Spark (local mode) gives the same output."""

from __future__ import annotations

import json
import shutil

import pytest

from antidistill.respond import run_scan, write_scan

from eventfactory import mixed_scan_traffic

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_duckdb_and_spark_scans_agree(tmp_path):
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (installed by .ci/run)")
    events, accounts = mixed_scan_traffic().write(tmp_path / "in")
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
