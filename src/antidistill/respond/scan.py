"""Scan: events in, scored accounts and campaigns out."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from antidistill.detect import Detector, build_detectors
from antidistill.detect.base import TACTIC_AT, noisy_or, signal_dicts, tactic_evidence
from antidistill.events import load_events, read_accounts
from antidistill.events.stream import QuarantineRecord, Summary
from antidistill.features import extract_features, open_engine
from antidistill.features.engine import open_store_engine
from antidistill.features.pipeline import FeatureSet, annotated_events
from antidistill.link.campaigns import PLATFORM_MIN_END_USERS, SIGNAL_FLOOR, form_campaigns
from antidistill.policy import Policy, load_policy
from antidistill.respond.forked import Forked, frozen_heap, usable_cpus

END_USER_SEP = "\x1f"
#: Niceness increment of the forked end-user pass (see _scan_engine).
END_USERS_NICE = 10


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
    #: What the input lacks that some evidence needs (see :func:`coverage_notes`).
    notes: list[str] = field(default_factory=list)


#: A kind of evidence is reported missing when at most this share of the
#: requests that could carry it do.
MISSING_SHARE = 0.5


def coverage_notes(fs: FeatureSet) -> list[str]:
    """What the log (and accounts file) lack that some evidence needs.

    The spec makes responses, client addresses and the accounts file
    optional. Without them a scan still runs, but some tactics and ties
    cannot show, and a reader of its output must know that a quiet result
    may be a blind one."""
    a = fs.accounts
    notes = []
    chat = int(a["n_chat"].sum()) if len(a) else 0
    known = int(a["n_completion_known"].sum()) if len(a) else 0
    if chat and known <= MISSING_SHARE * chat:
        notes.append(f"{chat - known:,} of {chat:,} chat requests give no completion token count (no response logged, "
                     "or the request failed): their output length is unknown and does not raise the reasoning-harvest "
                     "or capability-sweep patterns, so those tactics show less in this log")
    if len(a) and not (a["n_ips"] > 0).any():
        notes.append("no event gives client_ip: shared networks cannot tie accounts into campaigns")
    if len(a) and not len(fs.profile):
        notes.append("no accounts file: shared payment, e-mail domains and sign-up waves cannot tie accounts into campaigns")
    return notes


def _rfc3339(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _fit_measure(det: Detector, fs: FeatureSet) -> tuple[Detector, pd.DataFrame]:
    det.fit(fs)
    return det, det.measure(fs)


def _judge(fs: FeatureSet, detectors: list[Detector], workers: int = 1):
    """Every detector on every account: measurements and scored results, by detector name.

    With ``workers`` > 1 the separable detectors (see ``Detector.separable``)
    are fitted and measured in forked children while the others run here;
    each comes back fitted and takes its place in ``detectors``.
    """
    away = {i: Forked(partial(_fit_measure, det, fs)) for i, det in enumerate(detectors)
            if det.separable and workers > 1}
    measured = {i: _fit_measure(det, fs)[1] for i, det in enumerate(detectors) if i not in away}
    for i, job in away.items():
        detectors[i], measured[i] = job.result()
    measurements, results = {}, {}
    for i, det in enumerate(detectors):
        measurements[det.name] = measured[i]
        results[det.name] = det.score(measured[i], fs)
    return measurements, results


def score_features(fs: FeatureSet, policy: Policy, *, with_campaigns: bool = True,
                   workers: int = 1) -> tuple[list[AccountResult], list[CampaignResult]]:
    """Scores, verdicts and (``with_campaigns``) campaigns of the accounts in ``fs``.

    ``workers``: CPUs the scoring may use; with more than one, the separable
    detectors run in forked processes (see :mod:`antidistill.respond.forked`).
    The result is the same either way.
    """
    detectors = build_detectors(policy)
    measurements, results = _judge(fs, detectors, workers)
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
                signals[a].extend(signal_dicts(d.name, sc))
            if sc.strength >= TACTIC_AT:
                tactics[a].add(d.tactic)
        evidence = tactic_evidence(own[a].values())
        support = 0.0
        for d in support_dets:
            sc = results[d.name].get(a)
            if sc is not None:
                support = noisy_or([support, sc.strength])
                if evidence >= SIGNAL_FLOOR:
                    signals[a].extend(signal_dicts(d.name, sc))
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
    found, member_of = form_campaigns(fs, policy, detectors, measurements, pattern, score, signals, tactics)
    agg = fs.accounts.set_index("account_id")
    campaigns = []
    for c in found:
        rows = agg.loc[c.members]
        campaigns.append(CampaignResult(
            c.campaign_id, c.members, c.score, c.tactics,
            _rfc3339(rows["first_ts"].min()), _rfc3339(rows["last_ts"].max()), int(rows["n_requests"].sum()), c.links,
        ))
    return campaigns, member_of


def _end_user_features(engine, policy: Policy, platforms: list[str], annotated) -> FeatureSet:
    """The features of each end user of platform accounts, as if it were an account.

    ``annotated``: the scan's :func:`annotated_events` (per event, so its
    rows of the platforms are what annotating them again would give).
    End users are judged, never linked into campaigns: what only linkage
    reads is not computed (``linkage=False``)."""
    ev = annotated
    sub = ev.filter(ev.account_id.isin(platforms) & ev.end_user.notnull())
    sub = sub.mutate(account_id=sub.account_id.concat(END_USER_SEP, sub.end_user))
    return extract_features(sub, engine.accounts.limit(0), policy, annotated=True, linkage=False)


def _judge_end_users(fs: FeatureSet, policy: Policy) -> dict[str, list[dict[str, Any]]]:
    """Judge each end user (features from :func:`_end_user_features`) as if it were an account."""
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
    workers: int | None = None,
) -> ScanResult:
    """Scan event logs. ``workers``: CPUs the scoring may use (default: the usable CPUs; see ``scan --workers``)."""
    policy = policy if isinstance(policy, Policy) else load_policy(policy)
    quarantined: list[QuarantineRecord] = []
    acct_table = None
    if accounts is not None:
        read = read_accounts(accounts)
        acct_table = read.table
        quarantined.extend(read.quarantined)
    loaded = []  # DuckDB parses the logs (antidistill.events.sql_load)

    def load(con) -> None:
        # Only prediction-API bodies are read (classifier replay): the others are not kept.
        with frozen_heap():
            loaded.append(load_events(con, list(events), fmt=fmt, max_bad=max_bad, progress=progress, bodies="predict"))
        quarantined.extend(loaded[0].quarantine)

    with open_engine(engine, load, acct_table, workdir=workdir) as eng:
        return _scan_engine(eng, policy, loaded[0].summary, quarantined, workers)


def scan_store(db_path: str | Path, *, engine: str = "duckdb", policy: Policy | str | Path | None = None,
               workdir: Path | None = None, workers: int | None = None) -> ScanResult:
    """Scan the events already landed in a DuckDB store by ``antidistill ingest``."""
    policy = policy if isinstance(policy, Policy) else load_policy(policy)
    with open_store_engine(engine, Path(db_path), workdir=workdir) as eng:
        return _scan_engine(eng, policy, None, [], workers)


def _scan_engine(eng, policy: Policy, summary: Summary | None, quarantined: list[QuarantineRecord],
                 workers: int | None) -> ScanResult:
    # Rules and domains are evaluated once per event, into a table the
    # reduced tables of both passes (accounts, end users) are read from.
    # Both passes' reduced tables are pulled first; then the engine is
    # closed, so that the scoring in Python (template mining above all) and
    # its forked workers do not run on top of the engine's memory: DuckDB
    # keeps what dropped tables held until its database closes (1.6 GB of
    # 2.6 GB resident at full scale).
    workers = usable_cpus() if workers is None else max(1, workers)
    annotated, release = eng.materialize(annotated_events(eng.events, policy))
    try:
        fs = extract_features(annotated, eng.accounts, policy, annotated=True)
        notes = coverage_notes(fs)
        platforms = sorted(fs.accounts.loc[fs.accounts["n_end_users"] >= PLATFORM_MIN_END_USERS, "account_id"])
        fs_users = _end_user_features(eng, policy, platforms, annotated) if platforms else None
    finally:
        release()
    eng.close()
    # With a spare core the end users are judged in a forked child while the
    # accounts are judged here (both are single-threaded Python). With one,
    # each pass's features are dropped once judged, so that the two passes'
    # Python working sets (template mining above all) do not add up. The
    # child is niced: its result is wanted last, while the accounts' scoring
    # here and its classifier replay (another child) wait on each other
    # before campaigns are formed, in this process alone.
    users = (Forked(partial(_judge_end_users, fs_users, policy), nice=END_USERS_NICE)
             if fs_users is not None and workers > 1 else None)
    with frozen_heap():
        results, campaigns = score_features(fs, policy, workers=workers)
    del fs
    if fs_users is not None:
        if users is not None:
            per_user = users.result()
        else:
            gc.collect()  # the accounts' features, before the end users are judged here
            per_user = _judge_end_users(fs_users, policy)
        for r in results:
            if r.account_id in per_user:
                r.end_users = sorted(per_user[r.account_id], key=lambda u: (-u["score"], u["user"]))
    return ScanResult(results, campaigns, summary, quarantined, eng.name, notes)


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
