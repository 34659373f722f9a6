#!/usr/bin/env python3
"""Validate an outside2 output directory against the traffic-log contract (sections 1-2) and print counts.

usage: check.py DIR [--quiet]
Exit status 0 when the output is valid, 1 otherwise. Bad log lines are reported (file, line, reason) and
counted; they are only an error when they exceed 0.5% of lines.
"""
import collections
import gzip
import json
import re
import sys
from datetime import datetime

TACTICS = {"reasoning-harvest", "capability-sweep", "preference-harvest", "agentic-harvest", "logit-extraction",
           "classifier-extraction", "prompt-extraction"}
ENDPOINTS = {"/v1/chat/completions", "/v1/completions", "/v1/predict"}
REQUIRED = ("request_id", "ts", "account_id", "endpoint", "request", "status")
OPTIONAL = ("api_key_id", "client_ip", "user_agent", "response", "latency_ms")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
IPV4 = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
IPV6 = re.compile(r"^[0-9a-fA-F:]+$")


def parse_ts(s):
    if not isinstance(s, str) or not RFC3339.match(s):
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None


def check_request(ep, req, errs):
    if not isinstance(req, dict):
        errs.append("request is not an object")
        return
    if ep == "/v1/predict":
        inst = req.get("instances")
        if not isinstance(inst, list) or not inst or not all(isinstance(r, list) and all(isinstance(v, (int, float)) for v in r) for r in inst):
            errs.append("predict request.instances must be a non-empty list of number lists")
        return
    if not isinstance(req.get("model"), str):
        errs.append("request.model missing")
    if ep == "/v1/chat/completions":
        msgs = req.get("messages")
        if not isinstance(msgs, list) or not msgs:
            errs.append("chat request.messages missing")
        else:
            for m in msgs:
                if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
                    errs.append("message without string role/content")
                    break
    else:
        if not isinstance(req.get("prompt"), str):
            errs.append("completions request.prompt missing")
    if "logprobs" in req and not isinstance(req["logprobs"], bool):
        errs.append("logprobs must be bool")
    if "top_logprobs" in req and not isinstance(req["top_logprobs"], int):
        errs.append("top_logprobs must be int")
    if "logit_bias" in req:
        lb = req["logit_bias"]
        if not isinstance(lb, dict) or not all(isinstance(k, str) and k.isdigit() and isinstance(v, (int, float)) and -100 <= v <= 100
                                               for k, v in lb.items()):
            errs.append("logit_bias must map token-id strings to numbers in [-100, 100]")
    if "tools" in req and not isinstance(req["tools"], list):
        errs.append("tools must be a list")
    if "user" in req and not isinstance(req["user"], str):
        errs.append("user must be a string")


def check_response(ep, resp, status, errs):
    if resp is None:
        return
    if not isinstance(resp, dict):
        errs.append("response must be object or null")
        return
    if status != 200:
        errs.append("failed request carries a response body")
        return
    if ep == "/v1/predict":
        preds = resp.get("predictions")
        if not isinstance(preds, list) or not all(isinstance(p, dict) and isinstance(p.get("label"), int) and isinstance(p.get("probabilities"), list)
                                                  for p in preds):
            errs.append("predict response malformed")
        return
    ch = resp.get("choices")
    if not isinstance(ch, list) or not ch:
        errs.append("response.choices missing")
        return
    for c in ch:
        if ep == "/v1/chat/completions":
            m = c.get("message")
            if not isinstance(m, dict) or not isinstance(m.get("content"), str):
                errs.append("choice.message.content missing")
                break
        elif not isinstance(c.get("text"), str):
            errs.append("completion choice.text missing")
            break
    u = resp.get("usage")
    if not isinstance(u, dict) or not isinstance(u.get("prompt_tokens"), int) or not isinstance(u.get("completion_tokens"), int):
        errs.append("usage missing")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    d = sys.argv[1].rstrip("/")
    quiet = "--quiet" in sys.argv
    ok = True
    problems = []

    labels = json.load(open(d + "/labels.json", encoding="utf-8"))
    for k in ("seed", "scale", "window", "accounts", "campaigns"):
        if k not in labels:
            problems.append("labels.json missing key %s" % k)
    w0 = parse_ts(labels["window"]["start"])
    w1 = parse_ts(labels["window"]["end"])
    lab = labels["accounts"]

    # ---------------- accounts.jsonl
    acc_ids = set()
    acc_rows = 0
    acc_field = collections.Counter()
    with open(d + "/accounts.jsonl", encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            try:
                a = json.loads(line)
            except ValueError:
                problems.append("accounts.jsonl:%d not JSON" % i)
                continue
            acc_rows += 1
            if not isinstance(a.get("account_id"), str):
                problems.append("accounts.jsonl:%d missing account_id" % i)
                continue
            if a["account_id"] in acc_ids:
                problems.append("accounts.jsonl:%d duplicate account %s" % (i, a["account_id"]))
            acc_ids.add(a["account_id"])
            for f in ("created", "email_domain", "payment_fingerprint", "declared_org", "country", "tier"):
                if f in a:
                    acc_field[f] += 1
                    if not isinstance(a[f], str):
                        problems.append("accounts.jsonl:%d %s not a string" % (i, f))
            if "created" in a and parse_ts(a["created"]) is None:
                problems.append("accounts.jsonl:%d created not RFC 3339" % i)
            if "country" in a and not re.match(r"^[A-Z]{2}$", a["country"]):
                problems.append("accounts.jsonl:%d bad country" % i)

    # ---------------- events
    n = 0
    bad = []
    rids = set()
    dup_rid = 0
    log_accounts = collections.Counter()
    ep_count = collections.Counter()
    status_count = collections.Counter()
    opt_count = collections.Counter()
    reqopt = collections.Counter()
    out_of_window = 0
    ts_styles = collections.Counter()
    contract_errs = collections.Counter()
    pop_lines = collections.Counter()
    models = collections.Counter()
    prev = None
    unsorted = 0
    with gzip.open(d + "/events.jsonl.gz", "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            n += 1
            line = line.rstrip("\n")
            try:
                ev = json.loads(line)
            except ValueError as e:
                bad.append((i, "not valid JSON (%s)" % str(e)[:40]))
                continue
            if not isinstance(ev, dict):
                bad.append((i, "not an object"))
                continue
            miss = [f for f in REQUIRED if f not in ev]
            if miss:
                bad.append((i, "missing required field(s) %s" % ",".join(miss)))
                continue
            errs = []
            t = parse_ts(ev["ts"])
            if t is None:
                errs.append("ts not RFC 3339")
            else:
                ts_styles["Z" if ev["ts"].endswith("Z") else "offset"] += 1
                if not (w0 <= t < w1):
                    out_of_window += 1
                if prev is not None and t < prev:
                    unsorted += 1
                prev = t
            if not isinstance(ev["request_id"], str) or not isinstance(ev["account_id"], str):
                errs.append("ids must be strings")
            if ev["request_id"] in rids:
                dup_rid += 1
            rids.add(ev["request_id"])
            if ev["endpoint"] not in ENDPOINTS:
                errs.append("unknown endpoint")
            if not isinstance(ev["status"], int):
                errs.append("status not int")
            check_request(ev["endpoint"], ev["request"], errs)
            check_response(ev["endpoint"], ev.get("response"), ev["status"], errs)
            if "client_ip" in ev:
                ip = ev["client_ip"]
                m = IPV4.match(ip)
                if not ((m and all(int(g) < 256 for g in m.groups())) or (":" in ip and IPV6.match(ip))):
                    errs.append("bad client_ip")
            if "latency_ms" in ev and not isinstance(ev["latency_ms"], (int, float)):
                errs.append("latency not a number")
            for e in errs:
                contract_errs[e] += 1
            log_accounts[ev["account_id"]] += 1
            ep_count[ev["endpoint"]] += 1
            status_count[ev["status"]] += 1
            for f in OPTIONAL:
                if f in ev:
                    opt_count[f] += 1
            rq = ev["request"] if isinstance(ev["request"], dict) else {}
            for f in ("temperature", "top_p", "max_tokens", "n", "seed", "stop", "stream", "logprobs", "top_logprobs", "logit_bias",
                      "tools", "response_format", "user"):
                if f in rq:
                    reqopt[f] += 1
            if "model" in rq:
                models[rq["model"]] += 1
            pop_lines[lab.get(ev["account_id"], {}).get("population", "?")] += 1

    good = n - len(bad)
    # ---------------- labels coverage
    for a in list(acc_ids) + list(log_accounts):
        if a not in lab:
            problems.append("account %s not in labels.json" % a)
            break
    for aid, e in lab.items():
        if e.get("label") not in ("benign", "malicious"):
            problems.append("bad label for %s" % aid)
        if not set(e.get("tactics", [])) <= TACTICS:
            problems.append("unknown tactic for %s" % aid)
        if e["label"] == "malicious" and (not e.get("campaign_id") or not e.get("tactics")):
            problems.append("malicious account %s without campaign/tactics" % aid)
        if e["label"] == "benign" and e.get("campaign_id"):
            problems.append("benign account %s with campaign" % aid)
    camp_tactics = set()
    for cid, c in labels["campaigns"].items():
        camp_tactics |= set(c["tactics"])
        if not set(c["tactics"]) <= TACTICS:
            problems.append("campaign %s unknown tactic" % cid)
        for aid in c["account_ids"]:
            if lab.get(aid, {}).get("campaign_id") != cid:
                problems.append("campaign %s member %s mislabelled" % (cid, aid))
    if camp_tactics != TACTICS:
        problems.append("tactics not all covered: missing %s" % sorted(TACTICS - camp_tactics))
    if len(bad) > 0.005 * n:
        problems.append("bad lines %.3f%% exceed 0.5%%" % (100.0 * len(bad) / n))
    if dup_rid:
        problems.append("%d duplicate request_id" % dup_rid)
    if out_of_window:
        problems.append("%d events outside the labelled window" % out_of_window)
    for e, c in contract_errs.items():
        problems.append("contract: %s (%d lines)" % (e, c))

    # ---------------- report
    print("== %s" % d)
    print("lines %d  valid %d  bad %d (%.3f%%)  unsorted-steps %d" % (n, good, len(bad), 100.0 * len(bad) / max(1, n), unsorted))
    for i, r in bad[:8]:
        print("  bad line: events.jsonl.gz:%d: %s" % (i, r))
    if len(bad) > 8:
        print("  ... %d more bad lines" % (len(bad) - 8))
    print("accounts: labels %d  accounts.jsonl %d  in log %d  (log-only %d, file-only %d)" % (
        len(lab), acc_rows, len(log_accounts), len(set(log_accounts) - acc_ids), len(acc_ids - set(log_accounts))))
    mal = [a for a, e in lab.items() if e["label"] == "malicious"]
    print("malicious accounts %d (%.1f%%), malicious lines %d (%.1f%%)" % (
        len(mal), 100.0 * len(mal) / len(lab), sum(log_accounts[a] for a in mal), 100.0 * sum(log_accounts[a] for a in mal) / max(1, good)))
    print("endpoints: " + ", ".join("%s %d" % kv for kv in ep_count.most_common()))
    print("status: " + ", ".join("%s %d" % kv for kv in sorted(status_count.items())))
    print("models: " + ", ".join("%s %d" % kv for kv in models.most_common()))
    print("optional envelope fields present: " + ", ".join("%s %.1f%%" % (f, 100.0 * opt_count[f] / max(1, good)) for f in OPTIONAL))
    print("request options present: " + ", ".join("%s %.2f%%" % (f, 100.0 * c / max(1, good)) for f, c in reqopt.most_common()))
    print("ts styles: " + ", ".join("%s %d" % kv for kv in ts_styles.items()))
    print("accounts.jsonl field presence: " + ", ".join("%s %.0f%%" % (f, 100.0 * c / max(1, acc_rows)) for f, c in sorted(acc_field.items())))
    pops = collections.defaultdict(lambda: [0, 0, 0, ""])
    for aid, e in lab.items():
        p = pops[e["population"]]
        p[0] += 1
        p[1] += log_accounts.get(aid, 0)
        p[2] += 1 if log_accounts.get(aid, 0) else 0
        p[3] = e["label"]
    print("\n%-26s %-9s %8s %8s %9s" % ("population", "label", "accounts", "active", "lines"))
    for name, (na, nl, nact, lb) in sorted(pops.items(), key=lambda kv: (kv[1][3], -kv[1][1])):
        print("%-26s %-9s %8d %8d %9d" % (name, lb, na, nact, nl))
    print("\n%-18s %8s %9s  %s" % ("campaign", "accounts", "lines", "tactics"))
    for cid, c in sorted(labels["campaigns"].items()):
        print("%-18s %8d %9d  %s" % (cid, len(c["account_ids"]), sum(log_accounts[a] for a in c["account_ids"]), ",".join(c["tactics"])))
        if c.get("end_users"):
            print("%-18s %8s           + %d abusive end users on %d reseller accounts" % ("", "", len(c["end_users"]),
                                                                                           len({e["account_id"] for e in c["end_users"]})))
    if problems:
        ok = False
        print("\nPROBLEMS:")
        for p in problems[:40]:
            print("  " + p)
    print("\nRESULT: %s" % ("OK" if ok else "FAIL"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
