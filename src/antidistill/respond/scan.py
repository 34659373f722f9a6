"""Scan: events in, scored accounts and campaigns out."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from antidistill.detect import Detector, Scored, Signal, build_detectors, rollup
from antidistill.events import load_events, read_accounts
from antidistill.events.stream import QuarantineRecord, Summary
from antidistill.features import extract_features, open_engine
from antidistill.features.engine import open_store_engine
from antidistill.features.pipeline import FeatureSet
from antidistill.link import build_graph, communities
from antidistill.link.graph import ACTOR_KINDS, IDENTITY_KINDS
from antidistill.policy import Policy, load_policy

#: Detector strengths below this are not listed among an account's signals.
SIGNAL_FLOOR = 0.01
#: A tactic is named for an account or campaign at this strength.
TACTIC_AT = 0.5
#: Accounts with at least this many distinct end users are platforms whose
#: end users are judged one by one.
PLATFORM_MIN_END_USERS = 5
#: Link kinds found pairwise rather than through one shared value.
EDGE_ONLY_LINKS = {
    "template": "prompts written from the same templates",
    "activity_sync": "active in the same 10-minute windows",
}
END_USER_SEP = "\x1f"


def noisy_or(strengths) -> float:
    p = 1.0
    for s in strengths:
        p *= 1.0 - min(max(float(s), 0.0), 1.0)
    return 1.0 - p


def _r(x: float) -> float:
    # Rounded so that engines that sum floats in a different order agree.
    return round(float(x), 4)


@dataclass
class AccountResult:
    account_id: str
    score: float
    verdict: str
    campaign_id: str | None
    tactics: list[str]
    signals: list[dict[str, Any]]
    end_users: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "account_id": self.account_id, "score": _r(self.score), "verdict": self.verdict,
            "campaign_id": self.campaign_id, "tactics": self.tactics, "signals": self.signals,
        }
        if self.end_users:
            d["end_users"] = self.end_users
        return d


@dataclass
class CampaignResult:
    campaign_id: str
    account_ids: list[str]
    score: float
    tactics: list[str]
    first_seen: str
    last_seen: str
    requests: int
    links: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id, "account_ids": self.account_ids, "score": _r(self.score),
            "tactics": self.tactics, "first_seen": self.first_seen, "last_seen": self.last_seen,
            "requests": self.requests, "links": self.links,
        }


@dataclass
class ScanResult:
    accounts: list[AccountResult]
    campaigns: list[CampaignResult]
    input: Summary | None = None
    quarantined: list[QuarantineRecord] = field(default_factory=list)
    engine: str = "duckdb"


def _rfc3339(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _judge(fs: FeatureSet, detectors: list[Detector]):
    """Every detector on every account: measurements and scored results."""
    measurements, results = {}, {}
    for det in detectors:
        det.fit(fs)
        measurements[det.name] = det.measure(fs)
        results[det.name] = det.score(measurements[det.name], fs)
    return measurements, results


def _account_signals(name: str, scored: Scored) -> list[dict[str, Any]]:
    head = Signal(name, scored.strength, next((s.evidence for s in scored.signals if s.evidence), []))
    return [head.to_dict()] + [Signal(f"{name}:{s.name}", s.value, s.evidence).to_dict() for s in scored.signals]


def score_features(fs: FeatureSet, policy: Policy, *, with_campaigns: bool = True) -> tuple[list[AccountResult], list[CampaignResult]]:
    detectors = build_detectors(policy)
    measurements, results = _judge(fs, detectors)
    tactic_dets = [d for d in detectors if d.tactic]
    support_dets = [d for d in detectors if not d.tactic]
    accounts = list(fs.accounts["account_id"])

    own: dict[str, dict[str, float]] = {a: {} for a in accounts}
    pattern: dict[str, dict[str, float]] = {a: {} for a in accounts}
    score: dict[str, float] = {}
    signals: dict[str, list[dict[str, Any]]] = {a: [] for a in accounts}
    tactics: dict[str, set[str]] = {a: set() for a in accounts}
    for a in accounts:
        for d in tactic_dets:
            sc = results[d.name].get(a)
            if sc is None:
                continue
            own[a][d.tactic] = max(own[a].get(d.tactic, 0.0), sc.strength)
            pattern[a][d.tactic] = max(pattern[a].get(d.tactic, 0.0), sc.pattern)
            if sc.strength >= SIGNAL_FLOOR:
                signals[a].extend(_account_signals(d.name, sc))
            if sc.strength >= TACTIC_AT:
                tactics[a].add(d.tactic)
        evidence = noisy_or(own[a].values())
        support = 0.0
        for d in support_dets:
            sc = results[d.name].get(a)
            if sc is not None:
                support = noisy_or([support, sc.strength])
                if evidence >= SIGNAL_FLOOR:
                    signals[a].extend(_account_signals(d.name, sc))
        # Behaviour only strengthens evidence a tactic detector found; with
        # none, it adds nothing, so an account is never convicted for being busy.
        score[a] = 1.0 - (1.0 - evidence) * (1.0 - support * evidence)

    campaigns: list[CampaignResult] = []
    member_of: dict[str, str] = {}
    if with_campaigns:
        campaigns, member_of = _campaigns(fs, policy, detectors, measurements, pattern, score, signals, tactics)

    out = []
    for a in accounts:
        out.append(AccountResult(a, score[a], policy.verdict(score[a]), member_of.get(a),
                                 sorted(tactics[a]), signals[a]))
    return out, campaigns


def _campaigns(fs, policy, detectors, measurements, pattern, score, signals, tactics):
    linkage = policy.linkage
    candidates = {a for a, pats in pattern.items() if max(pats.values(), default=0.0) >= linkage.min_candidate_pattern}
    ag = build_graph(fs, fs.templates, linkage, candidates)
    groups = communities(ag)
    agg = fs.accounts.set_index("account_id")
    campaigns, member_of = [], {}
    for members in groups:
        gid = "group:" + members[0]
        fs.groups[gid] = members
        strengths: dict[str, float] = {}
        camp_signals: list[dict[str, Any]] = []
        for d in detectors:
            if not d.tactic or not getattr(d, "campaign_level", True):
                continue
            sc = d.score(rollup(measurements[d.name], {gid: members}), fs).get(gid)
            if sc is not None:
                strengths[d.tactic] = max(strengths.get(d.tactic, 0.0), sc.strength)
                if sc.strength >= SIGNAL_FLOOR:
                    camp_signals.extend(_account_signals(f"campaign:{d.name}", sc))
        c_score = max(noisy_or(strengths.values()), max(score[m] for m in members))
        if c_score < policy.verdicts.suspicious:
            continue
        c_tactics = {t for t, s in strengths.items() if s >= TACTIC_AT} | set().union(*(tactics[m] for m in members))
        g = ag.graph
        member_set = set(members)
        # Tied by actor links to two other members (one if there is only one
        # other): a single shared phrase with one member is how a stranger
        # who copied a popular prompt looks, too.
        ties_needed = min(2, len(members) - 1)

        def tied_by(n: str, kinds: frozenset[str]) -> bool:
            return sum(bool(kinds.intersection(e["kinds"])) for o, e in g[n].items() if o in member_set) >= ties_needed

        actor_linked = {n for n in members if tied_by(n, ACTOR_KINDS)}
        identity_linked = {n for n in actor_linked if tied_by(n, IDENTITY_KINDS)}
        lifted = []
        for m in members:
            if agg.at[m, "n_end_users"] >= PLATFORM_MIN_END_USERS:
                # A platform's traffic is many people's: it is judged on its
                # own and per end user, never lifted as one actor.
                if policy.verdict(score[m]) != "benign":
                    lifted.append(m)
                continue
            if m in identity_linked:
                need = linkage.min_member_pattern_identity_linked
            elif m in actor_linked:
                need = linkage.min_member_pattern_actor_linked
            else:
                need = linkage.min_member_pattern_infra_only
            # A member is lifted for a tactic only when the campaign's pooled
            # traffic shows that tactic and the member's own traffic looks
            # like it: a strong member elsewhere in the group lends nothing.
            lifts = {t: s for t, s in strengths.items()
                     if s >= linkage.min_campaign_evidence and pattern[m].get(t, 0.0) >= need}
            if lifts:
                best = max(lifts.values())
                new = max(score[m], linkage.lift * best)
                if new > score[m]:
                    score[m] = new
                    signals[m].append(Signal("campaign_evidence", best).to_dict())
                    signals[m].extend(camp_signals[:6])
                    tactics[m] |= set(lifts)
            if policy.verdict(score[m]) != "benign":
                lifted.append(m)
        if len(lifted) < 2:
            continue
        cid = "cmp-" + hashlib.sha256("\n".join(lifted).encode()).hexdigest()[:12]
        for m in lifted:
            member_of[m] = cid
        links = []
        member_set = set(lifted)
        for (kind, value), accts in sorted(ag.shared.items()):
            inter = sorted(accts & member_set)
            if len(inter) >= 2:
                links.append({"kind": kind, "value": value, "accounts": inter})
        for kind, value in EDGE_ONLY_LINKS.items():
            tied = sorted({m for m in member_set if any(kind in e["kinds"] for o, e in g[m].items() if o in member_set)})
            if len(tied) >= 2:
                links.append({"kind": kind, "value": value, "accounts": tied})
        links.sort(key=lambda x: (-len(x["accounts"]), x["kind"], x["value"]))
        rows = agg.loc[lifted]
        campaigns.append(CampaignResult(
            cid, lifted, max(c_score, max(score[m] for m in lifted)), sorted(c_tactics),
            _rfc3339(rows["first_ts"].min()), _rfc3339(rows["last_ts"].max()), int(rows["n_requests"].sum()), links[:25],
        ))
    campaigns.sort(key=lambda c: c.campaign_id)
    return campaigns, member_of


def _end_users(engine, policy: Policy, platforms: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Judge each end user of platform accounts as if it were an account."""
    ev = engine.events
    sub = ev.filter(ev.account_id.isin(platforms) & ev.end_user.notnull())
    sub = sub.mutate(account_id=sub.account_id.concat(END_USER_SEP, sub.end_user))
    fs = extract_features(sub, engine.accounts.limit(0), policy)
    results, _ = score_features(fs, policy, with_campaigns=False)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        acct, user = r.account_id.split(END_USER_SEP, 1)
        out[acct].append({"user": user, "score": _r(r.score), "verdict": r.verdict, "tactics": r.tactics})
    return out


def run_scan(
    events: Sequence[str | Path],
    *,
    accounts: str | Path | None = None,
    engine: str = "duckdb",
    policy: Policy | str | Path | None = None,
    max_bad: int | None = None,
    fmt: str = "auto",
    progress: Callable[[Path, int, int], None] | None = None,
    workdir: Path | None = None,
) -> ScanResult:
    policy = policy if isinstance(policy, Policy) else load_policy(policy)
    quarantined: list[QuarantineRecord] = []
    acct_table = None
    if accounts is not None:
        read = read_accounts(accounts)
        acct_table = read.table
        quarantined.extend(read.quarantined)
    loaded = []  # DuckDB parses the logs (antidistill.events.sql_load)

    def load(con) -> None:
        loaded.append(load_events(con, list(events), fmt=fmt, max_bad=max_bad, progress=progress))
        quarantined.extend(loaded[0].quarantine)

    with open_engine(engine, load, acct_table, workdir=workdir) as eng:
        return _scan_engine(eng, policy, loaded[0].summary, quarantined)


def scan_store(db_path: str | Path, *, engine: str = "duckdb", policy: Policy | str | Path | None = None,
               workdir: Path | None = None) -> ScanResult:
    """Scan the events already landed in a DuckDB store by ``antidistill ingest``."""
    policy = policy if isinstance(policy, Policy) else load_policy(policy)
    with open_store_engine(engine, Path(db_path), workdir=workdir) as eng:
        return _scan_engine(eng, policy, None, [])


def _scan_engine(eng, policy: Policy, summary: Summary | None, quarantined: list[QuarantineRecord]) -> ScanResult:
    fs = extract_features(eng.events, eng.accounts, policy)
    results, campaigns = score_features(fs, policy)
    platforms = sorted(fs.accounts.loc[fs.accounts["n_end_users"] >= PLATFORM_MIN_END_USERS, "account_id"])
    if platforms:
        per_user = _end_users(eng, policy, platforms)
        for r in results:
            if r.account_id in per_user:
                r.end_users = sorted(per_user[r.account_id], key=lambda u: (-u["score"], u["user"]))
    return ScanResult(results, campaigns, summary, quarantined, eng.name)


def write_scan(result: ScanResult, out_dir: str | Path) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "accounts.jsonl", "wb") as f:
        for r in sorted(result.accounts, key=lambda r: r.account_id):
            f.write(orjson.dumps(r.to_dict()) + b"\n")
    with open(out / "campaigns.jsonl", "wb") as f:
        for c in result.campaigns:
            f.write(orjson.dumps(c.to_dict()) + b"\n")
    with open(out / "quarantine.jsonl", "wb") as f:
        for q in result.quarantined:
            f.write(orjson.dumps(q.as_dict()) + b"\n")
    return out
