#!/usr/bin/env python3
"""Own checker for the outside data set: validates events/accounts against section 1/2 of the
contract (/work/shared/spec/traffic-log.md), checks labels.json shape, and prints counts."""
import collections
import gzip
import json
import re
import sys

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ENDPOINTS = {"/v1/chat/completions", "/v1/completions", "/v1/predict"}
TACTICS = {"reasoning-harvest", "capability-sweep", "preference-harvest", "agentic-harvest", "logit-extraction",
           "classifier-extraction", "prompt-extraction"}
REQ = ["request_id", "ts", "account_id", "endpoint", "request", "status"]


def check_event(e):
    errs = []
    if not isinstance(e, dict):
        return ["not an object"]
    for k in REQ:
        if k not in e:
            errs.append("missing " + k)
    if errs:
        return errs
    if not isinstance(e["request_id"], str) or not isinstance(e["account_id"], str):
        errs.append("id types")
    if not isinstance(e["ts"], str) or not TS.match(e["ts"]) or not e["ts"].endswith("Z"):
        errs.append("ts format")
    if e["endpoint"] not in ENDPOINTS:
        errs.append("endpoint")
    if not isinstance(e["status"], int) or isinstance(e["status"], bool):
        errs.append("status type")
    for k in ("api_key_id", "client_ip", "user_agent"):
        if k in e and not isinstance(e[k], str):
            errs.append(k + " type")
    if "latency_ms" in e and not isinstance(e["latency_ms"], (int, float)):
        errs.append("latency type")
    req, resp, st = e["request"], e.get("response"), e["status"]
    if not isinstance(req, dict):
        return errs + ["request not object"]
    if st >= 400 and resp is not None:
        errs.append("failed request with response")
    if st == 200 and resp is None:
        errs.append("200 without response")
    ep = e["endpoint"]
    if ep == "/v1/predict":
        inst = req.get("instances")
        if not isinstance(inst, list) or not inst or not all(isinstance(r, list) and all(isinstance(v, (int, float)) for v in r) for r in inst):
            errs.append("predict instances")
        if resp is not None:
            pr = resp.get("predictions")
            if not isinstance(pr, list) or len(pr) != len(inst):
                errs.append("predictions len")
            else:
                for p in pr:
                    if not isinstance(p.get("label"), int) or not isinstance(p.get("probabilities"), list):
                        errs.append("prediction shape"); break
        return errs
    if not isinstance(req.get("model"), str):
        errs.append("model")
    if ep == "/v1/chat/completions":
        msgs = req.get("messages")
        if not isinstance(msgs, list) or not msgs:
            errs.append("messages")
        else:
            for m in msgs:
                if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
                    errs.append("message shape"); break
    else:
        if not isinstance(req.get("prompt"), str):
            errs.append("prompt")
    if "logprobs" in req and ep == "/v1/chat/completions" and not isinstance(req["logprobs"], bool):
        errs.append("logprobs bool")
    if "top_logprobs" in req and not isinstance(req["top_logprobs"], int):
        errs.append("top_logprobs int")
    if "logit_bias" in req:
        lb = req["logit_bias"]
        if not isinstance(lb, dict) or not all(isinstance(k, str) and k.isdigit() and isinstance(v, (int, float)) and -100 <= v <= 100 for k, v in lb.items()):
            errs.append("logit_bias")
    if "tools" in req and not isinstance(req["tools"], list):
        errs.append("tools")
    if "user" in req and not isinstance(req["user"], str):
        errs.append("user")
    if resp is not None:
        ch = resp.get("choices")
        u = resp.get("usage")
        if not isinstance(ch, list) or not ch:
            errs.append("choices")
        else:
            for c in ch:
                if "index" not in c or "finish_reason" not in c or "logprobs" not in c:
                    errs.append("choice keys"); break
                if ep == "/v1/chat/completions":
                    m = c.get("message")
                    if not isinstance(m, dict) or m.get("role") != "assistant" or not isinstance(m.get("content"), str):
                        errs.append("choice message"); break
                elif not isinstance(c.get("text"), str):
                    errs.append("choice text"); break
        if not isinstance(u, dict) or not isinstance(u.get("prompt_tokens"), int) or not isinstance(u.get("completion_tokens"), int):
            errs.append("usage")
    return errs


def main(d):
    bad, good = [], 0
    acc_ev = collections.Counter()
    ids = set()
    dup = 0
    prev = None
    back = 0
    maxback = 0.0
    ends = collections.Counter()
    st = collections.Counter()
    from datetime import datetime
    with gzip.open(d + "/events.jsonl.gz", "rt", encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip("\n")
            try:
                e = json.loads(line)
            except Exception as ex:
                bad.append((ln, "invalid json: %s" % str(ex)[:40])); continue
            errs = check_event(e)
            if errs:
                bad.append((ln, ";".join(errs))); continue
            good += 1
            if e["request_id"] in ids:
                dup += 1
            ids.add(e["request_id"])
            acc_ev[e["account_id"]] += 1
            ends[e["endpoint"]] += 1
            st[e["status"]] += 1
            t = datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
            if prev is not None and t < prev:
                back += 1
                maxback = max(maxback, prev - t)
            prev = t if prev is None else max(prev, t)
    print("good lines %d, bad lines %d, duplicate request_ids %d, out-of-order %d (max %.1fs back)" % (good, len(bad), dup, back, maxback))
    for b in bad:
        print("  bad line", b)
    print("endpoints", dict(ends))
    print("status", dict(sorted(st.items())))
    accs = {}
    with open(d + "/accounts.jsonl", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            assert isinstance(a["account_id"], str)
            for k in ("created",):
                if k in a:
                    assert TS.match(a[k]), a
            if "country" in a:
                assert re.match(r"^[A-Z]{2}$", a["country"]), a
            accs[a["account_id"]] = a
    lab = json.load(open(d + "/labels.json", encoding="utf-8"))
    assert set(lab) == {"seed", "scale", "window", "accounts", "campaigns"}, set(lab)
    assert lab["scale"] == "outside"
    la = lab["accounts"]
    assert set(la) == set(acc_ev), (len(set(la) ^ set(acc_ev)))
    assert set(accs) == set(acc_ev)
    for aid, v in la.items():
        assert set(v) == {"label", "population", "campaign_id", "tactics"}
        assert v["label"] in ("malicious", "benign")
        assert all(t in TACTICS for t in v["tactics"])
        if v["label"] == "malicious":
            assert v["campaign_id"] in lab["campaigns"] and aid in lab["campaigns"][v["campaign_id"]]["account_ids"] and v["tactics"]
        else:
            assert v["campaign_id"] is None and v["tactics"] == []
    for cid, c in lab["campaigns"].items():
        assert set(c) == {"tactics", "account_ids", "style"}
        assert all(t in TACTICS for t in c["tactics"])
        for aid in c["account_ids"]:
            assert la[aid]["campaign_id"] == cid
    # sign-up must precede the account's first request
    first = {}
    with gzip.open(d + "/events.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            try:
                e = json.loads(line)
            except Exception:
                continue
            if isinstance(e, dict) and check_event(e) == []:
                if e["account_id"] not in first or e["ts"] < first[e["account_id"]]:
                    first[e["account_id"]] = e["ts"]
    late = [a for a, m in accs.items() if "created" in m and m["created"] > first[a]]
    print("accounts whose sign-up is after their first request:", len(late))
    assert not late
    # counts
    pops = collections.defaultdict(lambda: [0, 0, ""])
    for aid, v in la.items():
        p = pops[v["population"]]
        p[0] += 1
        p[1] += acc_ev[aid]
        p[2] = v["label"]
    tot = collections.Counter()
    print("\n%-28s %-9s %8s %9s" % ("population", "label", "accounts", "events"))
    for name, (n, e, l) in sorted(pops.items(), key=lambda kv: (kv[1][2], -kv[1][1])):
        print("%-28s %-9s %8d %9d" % (name, l, n, e))
        tot[l + "_a"] += n
        tot[l + "_e"] += e
    na = tot["benign_a"] + tot["malicious_a"]
    print("benign %d accounts / %d events; malicious %d accounts (%.1f%%) / %d events (%.1f%%)" % (
        tot["benign_a"], tot["benign_e"], tot["malicious_a"], 100.0 * tot["malicious_a"] / na, tot["malicious_e"],
        100.0 * tot["malicious_e"] / (tot["benign_e"] + tot["malicious_e"])))
    print("\n%-5s %-22s %8s %9s  %s" % ("camp", "population", "accounts", "events", "tactics"))
    for cid, c in sorted(lab["campaigns"].items()):
        ev = sum(acc_ev[a] for a in c["account_ids"])
        pp = sorted(set(la[a]["population"] for a in c["account_ids"]))
        print("%-5s %-22s %8d %9d  %s" % (cid, ",".join(pp), len(c["account_ids"]), ev, ",".join(c["tactics"])))
    print("OK: every good line conforms; labels consistent")


if __name__ == "__main__":
    main(sys.argv[1])
