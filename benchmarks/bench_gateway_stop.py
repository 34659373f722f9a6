"""Time to stop: replay simulator traffic through the gateway's online detection.

Events of ``antidistill simulate`` are replayed in time order on a virtual
clock through the parts the gateway runs - :class:`DetectionCore` (online
state, per-account rescoring of the accounts that changed, full rescoring)
and :func:`decide` with the policy's actions, token buckets included -
without HTTP, so a day of traffic replays in minutes rather than a day.

Rescoring is batched in virtual time, as the gateway's background detection
worker batches it in real time: the accounts that changed are rescored
together every ``--rescore-s`` virtual seconds (or sooner once
``--rescore-events`` events have arrived since the last pass), everything
(population-level parts: prompt templates mined across accounts, linkage,
campaigns) every ``--full-every-s``. A rescoring pass is applied before the
first event at or after its tick, which is what a worker that ticked at that
moment would have produced (the accounts' state cannot change between the
tick and that event), except that here scoring takes no virtual time.

The gateway itself rescores every 1 s and fully every 30 s of wall time; one
rescoring pass costs ~0.1 s and a full one several seconds of CPU, so a
replay with those intervals would take hours. Longer intervals can only make
a verdict arrive *later* in the replay than in the gateway: an account that
sends several requests within one interval has them answered on its old
verdict. The figures are therefore upper bounds for fast senders; for
accounts whose requests are further apart than ``--rescore-s`` they equal
what the gateway does.

Per tactic it reports, over the attacking accounts that sent anything:

* ``answered_before_action``: requests answered before the account was first
  put under throttle or block (its decision included one of them);
* ``answered_before_refusal``: requests answered before its first refusal
  (429 throttled or 403 blocked) - a slow sender can be under throttle and
  never exceed the bucket's rate;
* how many were never put under throttle/block, and never refused;
* ``lower_bound_with_per_event_rescoring``: for the accounts acted on, the
  fewest requests they could have had answered had passes of the kind that
  acted (partial or full) run after every event: one more than they had when
  the previous pass of that kind, which did not act, ran. With
  ``answered_before_action`` it brackets what the gateway's 1 s / 30 s
  rescoring would give; ``acted_on_by_a_full_pass`` says how many were
  caught by population-level parts (campaigns, templates) rather than their
  own traffic.

For benign accounts: every one ever put under throttle or block, and every
one ever refused, with its simulator population (hard negatives are named).
For resellers (platform accounts passing ``user``), whose end users the
simulator labels one by one: the malicious end users and how many requests
each got answered before the gateway acted on *that end user*, the benign
end users ever acted on, and whether the reseller itself ever was.

    python benchmarks/bench_gateway_stop.py --seed 8080 --scale small
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from datetime import UTC
from pathlib import Path

import orjson

from antidistill.events import read_accounts
from antidistill.gateway.actions import (
    Decision,
    TokenBucket,
    Verdict,
    decide,
    load_actions,
    with_end_user,
)
from antidistill.gateway.detection import DetectionCore
from antidistill.gateway.online import END_USER_SEP, end_user_key, flatten
from antidistill.policy import load_policy


def load_events(traffic: Path) -> list[tuple[float, dict, str, str | None]]:
    """(epoch seconds, event, account, end user) in time order (ties by request id, as a log would have them)."""
    rows = []
    with gzip.open(traffic / "events.jsonl.gz", "rb") as f:
        for line in f:
            ev = orjson.loads(line)
            row = flatten(ev)
            ts = row["ts"] if row["ts"].tzinfo else row["ts"].replace(tzinfo=UTC)
            rows.append((ts.timestamp(), row["request_id"], ev, row["account_id"], row["end_user"]))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [(ts, ev, acct, user) for ts, _rid, ev, acct, user in rows]


class Replay:
    """The gateway's decision path on a virtual clock."""

    def __init__(self, policy, profile, rescore_s: float, rescore_events: int, full_every_s: float) -> None:
        self.actions = load_actions(policy)
        self.core = DetectionCore(policy, profile)
        self.rescore_s, self.rescore_events, self.full_every_s = rescore_s, rescore_events, full_every_s
        self.verdicts: dict[str, Verdict] = {}
        self.decisions: dict[str, tuple[Verdict | None, Decision]] = {}
        self.buckets: dict[str, TokenBucket] = {}
        self.answered: dict[str, int] = defaultdict(int)
        self.refused: dict[str, int] = defaultdict(int)
        self.first_refusal: dict[str, int] = {}
        self.first_action: dict[str, int] = {}
        self.first_action_lower: dict[str, int] = {}
        self.first_action_by: dict[str, str | None] = {}
        self.last_scored: dict[str, dict[str, int]] = {"partial": {}, "full": {}}
        self.prev_scored: dict[str, dict[str, int | None]] = {"partial": {}, "full": {}}
        self.scored_by: dict[str, str] = {}
        self.first_action_verdict: dict[str, dict] = {}
        self.partial_passes = self.full_passes = 0
        self.partial_seconds = self.full_seconds = 0.0

    def run(self, events: list[tuple[float, dict, str]], progress: bool = False) -> None:
        t0 = events[0][0] if events else 0.0
        next_partial, next_full = t0 + self.rescore_s, t0 + self.full_every_s
        since = 0
        started = time.perf_counter()
        for i, (ts, ev, acct, user) in enumerate(events):
            if ts >= next_full:
                t = time.perf_counter()
                self.scored(self.core.rescore_full(), "full")
                self.full_seconds += time.perf_counter() - t
                self.full_passes += 1
                next_full = t0 + self.full_every_s * ((ts - t0) // self.full_every_s + 1)
                next_partial, since = t0 + self.rescore_s * ((ts - t0) // self.rescore_s + 1), 0
            elif ts >= next_partial or since >= self.rescore_events:
                t = time.perf_counter()
                self.scored(self.core.rescore_partial(), "partial")
                self.partial_seconds += time.perf_counter() - t
                self.partial_passes += 1
                next_partial, since = t0 + self.rescore_s * ((ts - t0) // self.rescore_s + 1), 0
            self.serve(ts, acct, user)
            # The gateway logs and scores every exchange, refused ones included.
            self.core.add([ev])
            since += 1
            if progress and i % 2000 == 0:
                print(f"  {i:,}/{len(events):,} events, {time.perf_counter() - started:.0f} s", file=sys.stderr)

    def scored(self, verdicts: dict[str, Verdict], kind: str) -> None:
        """Apply a rescoring pass (``kind``: partial or full); remember how many requests each scored account had answered by then."""
        self.verdicts.update(verdicts)
        last, prev = self.last_scored[kind], self.prev_scored[kind]
        for key in verdicts:
            prev[key] = last.get(key)
            last[key] = self.answered[key]
            self.scored_by[key] = kind

    def decision(self, key: str) -> Decision:
        v = self.verdicts.get(key)
        cached = self.decisions.get(key)
        if cached is None or cached[0] is not v:
            cached = self.decisions[key] = (v, decide(self.actions, v or Verdict()))
        return cached[1]

    def serve(self, ts: float, acct: str, user: str | None) -> None:
        """One request, decided as ``Gateway.decision_for`` decides it (the account's decision, plus its end user's)."""
        account = d = self.decision(acct)
        bucket, key = acct, None
        if user is not None:
            key = end_user_key(acct, user)
            if self.actions.end_users and key in self.verdicts:
                d = with_end_user(account, self.decision(key), user)
                if d is not account and not account.enforced("throttle"):
                    bucket = key
        if d.blocks:
            status = 403
        elif d.enforced("throttle"):
            b = self.buckets.get(bucket)
            if b is None:
                b = self.buckets[bucket] = TokenBucket(self.actions.throttle.rate_per_s, self.actions.throttle.burst)
                b.stamp = ts
            status = 429 if b.take(now=ts) > 0 else 200
        else:
            status = 200
        # The account is counted for its own decision (a refusal its end
        # user earned is not the account's); its end user (a platform's) for
        # the decision its requests got.
        self.count(acct, account, status if account.blocks or account.enforced("throttle") else 200)
        if key is not None:
            self.count(key, d, status)

    def count(self, who: str, d: Decision, status: int) -> None:
        if d.actions & {"throttle", "block"} and not d.dry_run and who not in self.first_action:
            self.first_action[who] = self.answered[who]
            # Had passes of the kind that acted (partial: the account's own
            # traffic; full: campaigns, population-level parts) run after
            # every event, the action could have come at the earliest one
            # request after the previous pass of that kind (which did not
            # act): a lower bound on answered-before-action.
            prev = self.prev_scored[self.scored_by.get(who, "partial")].get(who)
            self.first_action_lower[who] = min(self.answered[who], (prev or 0) + 1)
            self.first_action_by[who] = self.scored_by.get(who)
            self.first_action_verdict[who] = {**d.verdict.to_dict(), "actions": sorted(d.actions), "reason": d.reason}
        if status == 200:
            self.answered[who] += 1
        else:
            self.refused[who] += 1
            self.first_refusal.setdefault(who, self.answered[who])


def report(replay: Replay, labels: dict) -> dict:
    med = statistics.median
    per_tactic: dict[str, list[str]] = defaultdict(list)
    for acct, lab in labels.items():
        if lab["label"] == "malicious":
            for t in lab.get("tactics") or ["unknown"]:
                per_tactic[t].append(acct)
    out: dict = {"tactics": {}}
    for tactic, accts in sorted(per_tactic.items()):
        active = [a for a in accts if replay.answered[a] + replay.refused[a] > 0]
        acted = [replay.first_action[a] for a in active if a in replay.first_action]
        stopped = [replay.first_refusal[a] for a in active if a in replay.first_refusal]
        out["tactics"][tactic] = {
            "accounts": len(active),
            "median_requests_sent": med([replay.answered[a] + replay.refused[a] for a in active]) if active else None,
            "put_under_throttle_or_block": len(acted),
            "median_answered_before_action": med(acted) if acted else None,
            "lower_bound_with_per_event_rescoring": med(replay.first_action_lower[a] for a in active if a in replay.first_action)
            if acted else None,
            "acted_on_by_a_full_pass": sum(1 for a in active if replay.first_action_by.get(a) == "full"),
            "refused_at_least_once": len(stopped),
            "median_answered_before_refusal": med(stopped) if stopped else None,
            "never_acted_on": len(active) - len(acted),
            "median_answered_in_all": med([replay.answered[a] for a in active]) if active else None,
        }
    # End users of resellers: the simulator labels each one.
    bad_users, good_users, resellers = [], [], []
    for acct, lab in labels.items():
        if lab.get("end_users"):
            resellers.append(acct)
        for user, ulab in (lab.get("end_users") or {}).items():
            (bad_users if ulab["label"] == "malicious" else good_users).append(end_user_key(acct, user))
    active_bad = [k for k in bad_users if replay.answered[k] + replay.refused[k] > 0]
    acted = [replay.first_action[k] for k in active_bad if k in replay.first_action]
    out["reseller_end_users"] = {
        "resellers": len(resellers),
        "resellers_put_under_throttle_or_block": sorted(a for a in resellers if a in replay.first_action),
        "malicious_end_users": len(active_bad),
        "malicious_put_under_throttle_or_block": len(acted),
        "median_answered_before_action": med(acted) if acted else None,
        "lower_bound_with_per_event_rescoring": med(replay.first_action_lower[k] for k in active_bad if k in replay.first_action)
        if acted else None,
        "median_requests_sent": med([replay.answered[k] + replay.refused[k] for k in active_bad]) if active_bad else None,
        "benign_end_users": sum(1 for k in good_users if replay.answered[k] + replay.refused[k] > 0),
        "benign_end_users_put_under_throttle_or_block": sorted(k.replace(END_USER_SEP, "/") for k in good_users
                                                               if k in replay.first_action),
    }
    benign = {a: lab for a, lab in labels.items() if lab["label"] != "malicious"}
    out["benign"] = {
        "accounts": sum(1 for a in benign if replay.answered[a] + replay.refused[a] > 0),
        "ever_put_under_throttle_or_block": {a: {"population": benign[a].get("population"), **replay.first_action_verdict[a]}
                                             for a in sorted(benign) if a in replay.first_action},
        "ever_refused": {a: replay.refused[a] for a in sorted(benign) if replay.refused[a] > 0},
        "requests_refused": sum(replay.refused[a] for a in benign),
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=8080)
    ap.add_argument("--scale", default="small")
    ap.add_argument("--traffic", type=Path, help="an existing simulate output directory (else one is made)")
    ap.add_argument("--policy", type=Path, help="policy YAML (default: the shipped one)")
    ap.add_argument("--rescore-s", type=float, default=10.0, help="virtual seconds between rescoring the accounts that changed")
    ap.add_argument("--rescore-events", type=int, default=500, help="...or sooner, after this many events")
    ap.add_argument("--full-every-s", type=float, default=900.0, help="virtual seconds between full rescoring passes")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message=".*HyperLogLog.*")
    traffic = args.traffic
    if traffic is None:
        from antidistill.sim import simulate

        traffic = Path(tempfile.mkdtemp(prefix="bench-stop-"))
        simulate(seed=args.seed, scale=args.scale, out_dir=traffic)
    labels = json.loads((traffic / "labels.json").read_text())["accounts"]
    events = load_events(traffic)
    policy = load_policy(str(args.policy) if args.policy else None)
    replay = Replay(policy, read_accounts(traffic / "accounts.jsonl").table.to_pandas(),
                    args.rescore_s, args.rescore_events, args.full_every_s)
    started = time.perf_counter()
    replay.run(events, progress=args.progress)
    out = report(replay, labels)
    out["config"] = {"seed": args.seed, "scale": args.scale, "traffic": str(traffic), "policy": str(args.policy or "default"),
                     "rescore_s": args.rescore_s, "rescore_events": args.rescore_events, "full_every_s": args.full_every_s,
                     "events": len(events), "replay_seconds": round(time.perf_counter() - started, 1),
                     "partial_passes": replay.partial_passes, "partial_seconds": round(replay.partial_seconds, 1),
                     "full_passes": replay.full_passes, "full_seconds": round(replay.full_seconds, 1)}
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
