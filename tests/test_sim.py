"""Tests of the traffic simulator: contract, ground truth, determinism, the served classifier.

They run on a tiny mixture (a fraction of the small scale's accounts and volume)
so the whole file takes seconds; the structure is the same as at full scale.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import numpy as np
import orjson
import pytest
import typer
from typer.testing import CliRunner

from antidistill.events.schema import ENDPOINTS, TACTICS
from antidistill.sim import simulate
from antidistill.sim.digits import DigitsService

TINY = {"scales": {"small": {"count_factor": 0.25, "volume_factor": 0.2}}}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate(7, "small", out, mixture=TINY)
    return out


@pytest.fixture(scope="module")
def events(run) -> list[dict]:
    with gzip.open(run / "events.jsonl.gz", "rb") as f:
        return [orjson.loads(line) for line in f]


@pytest.fixture(scope="module")
def labels(run) -> dict:
    return json.loads((run / "labels.json").read_text())


@pytest.fixture(scope="module")
def accounts(run) -> list[dict]:
    return [json.loads(line) for line in (run / "accounts.jsonl").read_text().splitlines()]


def _files(d: Path) -> dict[str, bytes]:
    return {n: (d / n).read_bytes() for n in ("events.jsonl.gz", "accounts.jsonl", "labels.json")}


def test_same_seed_same_bytes_other_seed_differs(run, tmp_path):
    simulate(7, "small", tmp_path / "again", mixture=TINY)
    assert _files(tmp_path / "again") == _files(run)
    simulate(8, "small", tmp_path / "other", mixture=TINY)
    assert _files(tmp_path / "other")["events.jsonl.gz"] != _files(run)["events.jsonl.gz"]


def _parse_ts(s: str) -> dt.datetime:
    assert len(s) == 24 and s.endswith("Z") and s[19] == ".", s
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")


def _check_chat(req: dict, resp: dict | None) -> None:
    assert isinstance(req["model"], str)
    assert req["messages"] and all(isinstance(m["role"], str) and isinstance(m["content"], str)
                                   for m in req["messages"])
    for k, typ in (("temperature", (int, float)), ("max_tokens", int), ("logprobs", bool), ("top_logprobs", int),
                   ("tools", list), ("user", str), ("n", int), ("response_format", dict)):
        if k in req:
            assert isinstance(req[k], typ), (k, req[k])
    for tid, v in req.get("logit_bias", {}).items():
        assert tid.isdigit() and -100 <= v <= 100
    if resp is None:
        return
    assert resp["choices"], resp
    for c in resp["choices"]:
        assert c["message"]["role"] == "assistant"
        assert isinstance(c["message"]["content"], str) or c["message"].get("tool_calls")
        assert c["finish_reason"] in ("stop", "length", "tool_calls")
        if req.get("logprobs"):
            for tok in c["logprobs"]["content"]:
                assert isinstance(tok["token"], str) and tok["logprob"] <= 0
                assert len(tok["top_logprobs"]) == req.get("top_logprobs", 0)
    u = resp["usage"]
    assert isinstance(u["prompt_tokens"], int) and isinstance(u["completion_tokens"], int)


def test_every_event_follows_the_contract(events, labels):
    assert len(events) > 1000
    start = _parse_ts(labels["window"]["start"])
    end = _parse_ts(labels["window"]["end"])
    required = {"request_id": str, "ts": str, "account_id": str, "endpoint": str, "request": dict, "status": int}
    optional = {"api_key_id": str, "client_ip": str, "user_agent": str, "latency_ms": (int, float)}
    for e in events:
        for k, typ in required.items():
            assert isinstance(e[k], typ), (k, e)
        for k, typ in optional.items():
            assert k not in e or isinstance(e[k], typ), (k, e)
        assert e["endpoint"] in ENDPOINTS
        assert start <= _parse_ts(e["ts"]) < end
        ok = e["status"] == 200
        assert (e["response"] is not None) == ok, e
        assert e["status"] in (200, 400, 429, 500)
        if e["endpoint"] == "/v1/chat/completions":
            _check_chat(e["request"], e["response"])
        elif e["endpoint"] == "/v1/completions":
            assert isinstance(e["request"]["prompt"], str)
            if ok:
                assert isinstance(e["response"]["choices"][0]["text"], str)
        else:
            inst = e["request"]["instances"]
            assert inst and all(len(row) == 64 for row in inst)
            if ok:
                preds = e["response"]["predictions"]
                assert len(preds) == len(inst)
                assert all(0 <= p["label"] <= 9 and len(p["probabilities"]) == 10 for p in preds)


def test_events_sorted_and_ids_unique(events):
    ts = [e["ts"] for e in events]
    assert ts == sorted(ts)
    ids = [e["request_id"] for e in events]
    assert len(set(ids)) == len(ids)


def test_all_endpoints_and_failures_present(events):
    assert {e["endpoint"] for e in events} == set(ENDPOINTS)
    assert {429, 500}.issubset({e["status"] for e in events})


def test_accounts_events_and_labels_agree(events, labels, accounts):
    in_events = {e["account_id"] for e in events}
    in_rows = [a["account_id"] for a in accounts]
    assert len(in_rows) == len(set(in_rows))
    assert in_events == set(in_rows) == set(labels["accounts"])
    for a in accounts:
        assert a["account_id"].startswith("acct_")
        _parse_ts(a["created"])
        assert len(a["country"]) == 2


def test_campaigns_point_back(labels, events):
    accts = labels["accounts"]
    assert labels["campaigns"]
    for cid, c in labels["campaigns"].items():
        members = [(a, None) for a in c["account_ids"]] + [tuple(x) for x in c.get("end_users", [])]
        assert len(members) >= 2, cid
        for acct, user in members:
            row = accts[acct] if user is None else accts[acct]["end_users"][user]
            assert row["label"] == "malicious" and row["campaign_id"] == cid
            assert set(row["tactics"]) == set(c["tactics"])
    for row in accts.values():
        assert row["label"] in ("benign", "malicious")
        assert set(row["tactics"]) <= set(TACTICS)
        assert (row["label"] == "malicious") == bool(row["tactics"])
    # end users flagged in labels really pass `user` in their account's requests
    users = {(e["account_id"], e["request"].get("user")) for e in events}
    for acct, row in accts.items():
        for u in row.get("end_users", {}):
            assert (acct, u) in users


def test_every_tactic_and_hard_negatives_present(labels):
    seen = {t for c in labels["campaigns"].values() for t in c["tactics"]}
    assert seen == set(TACTICS)
    pops = {r["population"] for r in labels["accounts"].values()}
    for p in ("hardneg-support-bot", "hardneg-eval-harness", "hardneg-classification", "hardneg-university-lab",
              "hardneg-company-nat", "hardneg-reseller", "hardneg-rag", "hardneg-translation"):
        assert p in pops
    reseller = [r for r in labels["accounts"].values() if r["population"] == "hardneg-reseller"]
    assert reseller[0]["label"] == "benign"
    eus = reseller[0]["end_users"].values()
    assert any(u["label"] == "malicious" for u in eus) and any(u["label"] == "benign" for u in eus)


def test_nothing_in_the_envelope_names_the_label(events, accounts):
    words = ("attack", "malicious", "campaign", "harvest", "extract", "benign", "hardneg")
    for e in events[:5000]:
        env = " ".join(str(e.get(k, "")) for k in ("account_id", "api_key_id", "user_agent", "request_id"))
        assert not any(w in env.lower() for w in words)
    for a in accounts:
        assert not any(w in json.dumps(a).lower() for w in words)


def test_digits_classifier_really_answers(events):
    """Responses are the served model's output, and that model is a real digits classifier."""
    from sklearn.neighbors import KNeighborsClassifier

    svc = DigitsService()
    calls = [e for e in events if e["endpoint"] == "/v1/predict" and e["status"] == 200]
    assert calls
    x = np.array([row for e in calls for row in e["request"]["instances"]])
    got = np.array([p["label"] for e in calls for p in e["response"]["predictions"]])
    assert (svc.model.predict(x / 16.0) == got).mean() > 0.99  # rounding of inputs may flip a tie
    # It is accurate on held-out digits, and an independent model (k-NN) agrees with it.
    ref = KNeighborsClassifier(3).fit(svc.images[svc.train_idx], svc.targets[svc.train_idx])
    hold = svc.holdout
    assert (svc.model.predict(hold / 16.0) == svc.targets[svc.holdout_idx]).mean() > 0.9
    assert (ref.predict(hold) == svc.model.predict(hold / 16.0)).mean() > 0.9


def test_cli_help_and_run(tmp_path):
    from antidistill.sim.commands import register

    app = typer.Typer()
    register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps Typer in multi-command mode
        pass

    runner = CliRunner()
    res = runner.invoke(app, ["simulate", "--help"])
    assert res.exit_code == 0 and "--seed" in res.output and "Example" in res.output
    mix = tmp_path / "m.yaml"
    mix.write_text("scales:\n  small: {count_factor: 0.1, volume_factor: 0.05}\n")
    res = runner.invoke(app, ["simulate", "--seed", "3", "--scale", "small", "--out", str(tmp_path / "o"),
                              "--mixture", str(mix)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "o" / "events.jsonl.gz").stat().st_size > 0


def test_every_preference_prompt_embeds_a_question_and_a_candidate_answer():
    # Regression: the templates were once split at their own line breaks, so
    # fragments ("Instruction: {q}", a bare candidate) went out as prompts.
    from antidistill.sim.campaigns import _PREF_TEMPLATES

    assert len(_PREF_TEMPLATES) == 6
    for template in _PREF_TEMPLATES:
        assert "{q}" in template and "{a}" in template and "\n" in template
