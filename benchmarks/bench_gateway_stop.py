"""Time to stop: replay simulator traffic through the gateway's online detection.

Events of ``antidistill simulate`` are replayed in time order on a virtual
clock through the same parts the gateway runs - :class:`DetectionCore` (online
state, per-account rescoring, full rescoring) and :func:`decide` with the
default policy's actions, token buckets included - without HTTP, so a day of
traffic replays in minutes. Rescoring is on the virtual clock: changed
accounts every ``--rescore-s`` (gateway default 1 s), everything every
``--full-every-s`` (gateway default 30 s; the replay uses a longer interval by
default because each full pass costs seconds of real time, which makes
campaign-only catches look *slower* here than in the gateway, never faster).

Per tactic it reports the median number of requests an attacking account got
answered before its first refusal (429 throttled or 403 blocked), how many
were never stopped, and the benign accounts ever put under throttle or block.

    python benchmarks/bench_gateway_stop.py --seed 5 --scale small
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import timezone
from pathlib import Path

import orjson

from antidistill.events import read_accounts
from antidistill.gateway.actions import TokenBucket, Verdict, decide, load_actions
from antidistill.gateway.detection import DetectionCore
from antidistill.gateway.online import flatten
from antidistill.policy import load_policy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--scale", default="small")
    ap.add_argument("--traffic", type=Path, help="an existing simulate output directory (else one is made)")
    ap.add_argument("--rescore-s", type=float, default=1.0)
    ap.add_argument("--full-every-s", type=float, default=1800.0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    traffic = args.traffic
    if traffic is None:
        from antidistill.sim import simulate

        traffic = Path(tempfile.mkdtemp(prefix="bench-stop-"))
        simulate(seed=args.seed, scale=args.scale, out_dir=traffic)
    labels = json.loads((traffic / "labels.json").read_text())["accounts"]
    with gzip.open(traffic / "events.jsonl.gz", "rb") as f:
        events = [orjson.loads(line) for line in f]
    rows = []
    for ev in events:
        row = flatten(ev)
        rows.append((row["ts"].replace(tzinfo=row["ts"].tzinfo or timezone.utc).timestamp(), ev, row))
    rows.sort(key=lambda r: (r[0], r[2]["request_id"]))

    policy = load_policy()
    actions = load_actions(policy)
    core = DetectionCore(policy, read_accounts(traffic / "accounts.jsonl").table.to_pandas())
    verdicts: dict[str, Verdict] = {}
    buckets: dict[str, TokenBucket] = {}
    answered = defaultdict(int)
    first_refusal: dict[str, int] = {}
    under_throttle_or_block: set[str] = set()
    refused = defaultdict(int)
    last_partial = last_full = rows[0][0] if rows else 0.0
    started = time.perf_counter()
    for ts, ev, row in rows:
        if ts - last_full >= args.full_every_s:
            verdicts.update(core.rescore_full())
            last_full = last_partial = ts
        elif ts - last_partial >= args.rescore_s:
            verdicts.update(core.rescore_partial())
            last_partial = ts
        acct = row["account_id"]
        d = decide(actions, verdicts.get(acct, Verdict()))
        status = 200
        if d.actions & {"throttle", "block"}:
            under_throttle_or_block.add(acct)
        if d.blocks:
            status = 403
        elif d.enforced("throttle"):
            b = buckets.get(acct)
            if b is None:
                b = buckets[acct] = TokenBucket(actions.throttle.rate_per_s, actions.throttle.burst)
                b.stamp = ts
            if b.take(now=ts) > 0:
                status = 429
        if status == 200:
            answered[acct] += 1
        else:
            refused[acct] += 1
            first_refusal.setdefault(acct, answered[acct])
        # The gateway logs and scores every exchange, refused ones included.
        core.add([ev])
    replay_s = time.perf_counter() - started

    per_tactic: dict[str, list[str]] = defaultdict(list)
    for acct, lab in labels.items():
        if lab["label"] == "malicious":
            for t in lab.get("tactics") or ["unknown"]:
                per_tactic[t].append(acct)
    report = {"tactics": {}, "config": {"seed": args.seed, "scale": args.scale, "rescore_s": args.rescore_s,
                                        "full_every_s": args.full_every_s, "events": len(rows), "replay_seconds": round(replay_s, 1)}}
    for tactic, accts in sorted(per_tactic.items()):
        active = [a for a in accts if answered[a] + refused[a] > 0]
        stopped = [first_refusal[a] for a in active if a in first_refusal]
        report["tactics"][tactic] = {
            "accounts": len(active),
            "stopped": len(stopped),
            "median_answered_before_stopped": statistics.median(stopped) if stopped else None,
            "median_requests_sent": statistics.median([answered[a] + refused[a] for a in active]) if active else None,
            "never_stopped": len(active) - len(stopped),
        }
    benign = [a for a, lab in labels.items() if lab["label"] == "benign"]
    report["benign"] = {"accounts": len(benign),
                        "ever_throttled_or_blocked": sorted(a for a in benign if a in under_throttle_or_block),
                        "ever_refused": sorted(a for a in benign if refused[a] > 0),
                        "requests_refused": sum(refused[a] for a in benign)}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
