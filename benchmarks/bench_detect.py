"""Detection quality and scan speed on simulator traffic.

Quality: account-level precision, recall and benign false-positive rate,
campaigns caught (>= 80% of members flagged), adjusted Rand index of the
campaign grouping over attacking accounts, recall per tactic.
Speed: wall time of `antidistill scan` against DuckDB's bare `read_json` of
the same file, alternated in one run (ratio of medians), and the scan's peak
RSS.

Usage:
    python benchmarks/bench_detect.py --seed 9001 --scale full [--runs 3] [--skip-speed]
    python benchmarks/bench_detect.py --data DIR [--skip-speed]

``--data`` scores a directory that some other generator wrote in the same
layout (``events.jsonl.gz``, optional ``accounts.jsonl``, ``labels.json`` with
``accounts`` and ``campaigns`` as the simulator writes them) instead of
simulating a seed.

The seed must be one nobody tuned on. Flagged means verdict suspicious or
malicious.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def simulate(seed: int, scale: str) -> Path:
    out = ROOT / "bench-data" / f"{scale}-{seed}"
    if not (out / "labels.json").exists():
        subprocess.run([str(BIN / "antidistill"), "simulate", "--seed", str(seed), "--scale", scale, "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def quality(data: Path, scan_out: Path) -> dict:
    labels = json.loads((data / "labels.json").read_text())
    truth = labels["accounts"]
    rows = {r["account_id"]: r for r in map(json.loads, (scan_out / "accounts.jsonl").read_text().splitlines())}
    flagged = {a for a, r in rows.items() if r["verdict"] != "benign"}
    bad = {a for a, t in truth.items() if t["label"] == "malicious"}
    good = set(truth) - bad
    tp, fp = len(flagged & bad), len(flagged & good)
    per_tactic = defaultdict(lambda: [0, 0])
    for a in bad:
        for tac in truth[a]["tactics"] or ["(none)"]:
            per_tactic[tac][1] += 1
            per_tactic[tac][0] += a in flagged
    campaigns = {}
    for cid, c in labels["campaigns"].items():
        members = c["account_ids"]
        share = sum(m in flagged for m in members) / len(members)
        campaigns[cid] = {"tactics": c["tactics"], "style": c.get("style"), "members": len(members), "flagged_share": round(share, 3), "caught": share >= 0.8}
    attackers = sorted(bad)
    true_groups = [truth[a]["campaign_id"] or f"solo:{a}" for a in attackers]
    pred_groups = [rows.get(a, {}).get("campaign_id") or f"solo:{a}" for a in attackers]
    fp_populations = defaultdict(int)
    for a in flagged & good:
        fp_populations[truth[a].get("population", "?")] += 1
    # Precision per tactic the scan names: of the flagged accounts it says
    # show a tactic, how many are attackers.
    named = defaultdict(lambda: [0, 0])
    for a in flagged:
        for tac in rows[a].get("tactics") or ["(none)"]:
            named[tac][1] += 1
            named[tac][0] += a in bad
    return {
        "accounts": len(truth), "attackers": len(bad),
        "precision": round(tp / max(len(flagged), 1), 4),
        "recall": round(tp / max(len(bad), 1), 4),
        "benign_fpr": round(fp / max(len(good), 1), 5),
        "false_positives_by_population": dict(fp_populations),
        "campaigns_caught": f"{sum(c['caught'] for c in campaigns.values())}/{len(campaigns)}",
        "adjusted_rand_index": round(adjusted_rand_score(true_groups, pred_groups), 4),
        "recall_per_tactic": {t: f"{v[0]}/{v[1]}" for t, v in sorted(per_tactic.items())},
        "precision_per_tactic": {t: f"{v[0]}/{v[1]}" for t, v in sorted(named.items())},
        "campaigns": campaigns,
    }


def _accounts_args(data: Path) -> list[str]:
    accounts = data / "accounts.jsonl"
    return ["--accounts", str(accounts)] if accounts.exists() else []


def timed(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, max over children so far
    return wall, max(peak, before) / 1024


def speed(data: Path, runs: int) -> dict:
    events = data / "events.jsonl.gz"
    read_json = [sys.executable, "-c",
                 "import duckdb,sys; c=duckdb.connect(); c.execute(\"CREATE TABLE t AS SELECT * FROM read_json(?, format='newline_delimited')\", [sys.argv[1]]); print(c.execute('select count(*) from t').fetchone()[0])",
                 str(events)]
    scan = [str(BIN / "antidistill"), "scan", str(events), *_accounts_args(data), "--out", str(data / "scan-speed")]
    base, ours, peak = [], [], 0.0
    for _ in range(runs):
        w, _p = timed(read_json)
        base.append(w)
        w, p = timed(scan)
        ours.append(w)
        peak = max(peak, p)
    return {"duckdb_read_json_s": [round(x, 2) for x in base], "scan_s": [round(x, 2) for x in ours],
            "ratio_of_medians": round(statistics.median(ours) / statistics.median(base), 2),
            "peak_rss_mib_max_child": round(peak)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=9001)
    ap.add_argument("--scale", default="full", choices=["small", "full"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--data", type=Path, help="score this labelled directory instead of simulating --seed")
    args = ap.parse_args()
    data = args.data or simulate(args.seed, args.scale)
    out = data / "scan"
    subprocess.run([str(BIN / "antidistill"), "scan", str(data / "events.jsonl.gz"), *_accounts_args(data), "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    labels = json.loads((data / "labels.json").read_text())
    report = {"seed": labels.get("seed", args.seed), "scale": labels.get("scale", args.scale), "data": str(data),
              "quality": quality(data, out)}
    if not args.skip_speed:
        report["speed"] = speed(data, args.runs)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
