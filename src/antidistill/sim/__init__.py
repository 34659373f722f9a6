"""Synthetic API traffic with ground truth: the test bed that detection is tuned on.

This package owns ``antidistill simulate``. It writes, for a seed and a scale,

* ``events.jsonl.gz``: exchanges in the log contract (``shared/spec/traffic-log.md``),
  sorted by time;
* ``accounts.jsonl``: sign-up records of every account that sent traffic;
* ``labels.json``: who is benign or malicious, their population, campaign and
  tactics, and for resellers the label of each end user.

The world mixes ordinary users, hard negatives (honest traffic that looks like
theft) and attack campaigns for every tactic; the default mixture is
``mixture.yaml`` next to this file. Public surface: :func:`simulate`,
:class:`SimSummary`, :func:`load_mixture`. Module map: ``text``/``problems``
(language), ``infra`` (accounts, networks, clients), ``timing`` (schedules),
``bodies`` (API shapes), ``digits`` (the served classifier), ``populations``
(honest behaviours), ``campaigns`` (theft behaviours), ``world`` (assembly),
``writer`` (output).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import orjson
import yaml

__all__ = ["SimSummary", "load_mixture", "simulate"]


@dataclass(frozen=True)
class SimSummary:
    seed: int
    scale: str
    out_dir: Path
    events: int
    accounts: int
    malicious_accounts: int
    campaigns: int
    seconds: float


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def load_mixture(mixture: str | Path | dict | None = None) -> dict[str, Any]:
    """The default mixture, overlaid with a YAML file or a dict (nested keys replace defaults)."""
    default = yaml.safe_load(resources.files(__package__).joinpath("mixture.yaml").read_text(encoding="utf-8"))
    if mixture is None:
        return default
    over = mixture if isinstance(mixture, dict) else yaml.safe_load(Path(mixture).read_text(encoding="utf-8"))
    return _merge(default, over or {})


def simulate(
    seed: int, scale: str, out_dir: str | Path, mixture: str | Path | dict | None = None,
    progress: Callable[[int, int], None] | None = None, gzip_level: int = 1,
) -> SimSummary:
    """Generate one world and write its three files into ``out_dir``."""
    from antidistill.sim.actors import Context
    from antidistill.sim.digits import served_model
    from antidistill.sim.text import TextBank
    from antidistill.sim.world import build
    from antidistill.sim.writer import labels, write_accounts, write_events

    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    b = build(seed, scale, load_mixture(mixture))
    _drop_silent(b)
    ctx = Context(clock=b.clock, bank=TextBank(seed), digits=served_model(), internet=b.internet)
    n = write_events(b, ctx, out / "events.jsonl.gz", level=gzip_level, progress=progress)
    ids = write_accounts(b, out / "accounts.jsonl")
    lab = labels(b)
    (out / "labels.json").write_bytes(orjson.dumps(lab, option=orjson.OPT_INDENT_2) + b"\n")
    bad = sum(1 for r in lab["accounts"].values() if r["label"] == "malicious")
    return SimSummary(seed, scale, out, n, len(ids), bad, len(lab["campaigns"]), time.perf_counter() - t0)


def _drop_silent(b) -> None:
    """Callers whose schedule came out empty never appear in the logs, so they leave the world.

    Campaigns keep only members that acted; a campaign left with fewer than two
    members is folded away (its lone member stays malicious but unlinked).
    """
    b.actors = [a for a in b.actors if len(a.schedule)]
    # Build order follows population; shuffle so not even same-millisecond ties follow it.
    b.rng.shuffle(b.actors)
    acting = {a.account.account_id for a in b.actors}
    acting_users = {(a.account.account_id, a.end_user) for a in b.actors if a.end_user}
    for cid, c in list(b.campaigns.items()):
        c["account_ids"] = [x for x in c["account_ids"] if x in acting]
        if "end_users" in c:
            c["end_users"] = [eu for eu in c["end_users"] if tuple(eu) in acting_users]
        if len(c["account_ids"]) + len(c.get("end_users", [])) < 2:
            del b.campaigns[cid]
            for a in b.actors:
                if a.campaign_id == cid:
                    a.campaign_id = None
