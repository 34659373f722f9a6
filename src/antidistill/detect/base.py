"""The common detector interface, the registry and campaign roll-up."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from antidistill.policy import Policy, PolicyError, logistic


@dataclass
class Signal:
    """One measured reason: a name, its value, and example request ids."""

    name: str
    value: float | int | str
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, float | np.floating):
            value = round(float(value), 4)
        elif isinstance(value, np.integer):
            value = int(value)
        return {"name": self.name, "value": value, "evidence": list(self.evidence)}


@dataclass
class Scored:
    """A detector's answer for one subject."""

    strength: float
    signals: list[Signal]
    #: How much the traffic *looks like* the tactic, whatever its volume.
    #: A member of a campaign that sends only a handful of requests has a
    #: weak strength but can have a strong pattern; lifting reads this.
    pattern: float | None = None

    def __post_init__(self) -> None:
        if self.pattern is None:
            self.pattern = self.strength


def own_params(local_vars: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments a detector's ``__init__`` received: call as
    ``super().__init__(**own_params(locals()))`` first thing in ``__init__``."""
    return {k: v for k, v in local_vars.items() if k not in ("self", "__class__")}


class Detector:
    """Base class. Subclasses set ``name`` and ``tactic`` and override the verbs."""

    name: ClassVar[str]
    #: The tactic this detector reports, or None for supporting evidence.
    tactic: ClassVar[str | None] = None
    #: True when fit and measure are costly, only read the features and change
    #: nothing but the detector: a scan with a spare core runs them in a
    #: forked process (antidistill.respond.forked) beside the other detectors.
    separable: ClassVar[bool] = False

    def __init__(self, **params: Any) -> None:
        # Concrete detectors declare their parameters as keyword arguments,
        # so a misspelt policy key fails loudly (see build_detectors).
        self.params = params

    def fit(self, features: Any) -> Detector:
        return self

    def measure(self, features: Any) -> pd.DataFrame:
        """Additive per-account measurements (index: account_id). Default: none."""
        return pd.DataFrame(index=features.accounts["account_id"])

    def score(self, m: pd.DataFrame, features: Any) -> dict[str, Scored]:
        raise NotImplementedError

    # helpers shared by detectors
    @staticmethod
    def curve(value: float, midpoint: float, scale: float) -> float:
        return logistic(float(value), midpoint, scale)

    @staticmethod
    def examples(features: Any, subject: str, reason: str, members: list[str] | None = None) -> list[str]:
        ev = features.evidence_index.get(reason, {})
        ids: list[str] = []
        for acct in members or [subject]:
            ids.extend(ev.get(acct, ()))
            if len(ids) >= 3:
                break
        return ids[:3]


#: A tactic is named for an account or campaign at this strength.
TACTIC_AT = 0.5


def noisy_or(strengths) -> float:
    """Combine independent strengths: one minus the chance that all are wrong."""
    p = 1.0
    for s in strengths:
        p *= 1.0 - min(max(float(s), 0.0), 1.0)
    return 1.0 - p


def tactic_evidence(strengths) -> float:
    """One account's (or group's) evidence from its tactic strengths.

    Tactics its detectors name (strength at least TACTIC_AT) are separate
    findings and add up (noisy-OR). Below that, only the strongest counts:
    the tactic detectors read overlapping features (volume, breadth of
    domains), so two weak readings are one weak finding counted twice.
    """
    strengths = list(strengths)
    named = [s for s in strengths if s >= TACTIC_AT]
    return max(noisy_or(named), max(strengths, default=0.0))


def signal_dicts(name: str, scored: Scored) -> list[dict[str, Any]]:
    """A detector's result as output signals: its strength (with the first
    evidence found), then each measured signal under ``name:``."""
    head = Signal(name, scored.strength, next((s.evidence for s in scored.signals if s.evidence), []))
    return [head.to_dict()] + [Signal(f"{name}:{s.name}", s.value, s.evidence).to_dict() for s in scored.signals]


_REGISTRY: dict[str, type[Detector]] = {}


def register(cls: type[Detector]) -> type[Detector]:
    """Class decorator: make a detector available to policies by its ``name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two detectors are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def registry() -> dict[str, type[Detector]]:
    import antidistill.detect as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name != "base":
            importlib.import_module(f"antidistill.detect.{mod.name}")
    return dict(_REGISTRY)


def build_detectors(policy: Policy) -> list[Detector]:
    """Instantiate every detector the policy enables, with its parameters."""
    known = registry()
    detectors = []
    for name in policy.detectors:
        if name not in known:
            raise PolicyError(f"{policy.source}: detectors.{name}: no detector of that name (known: {', '.join(sorted(known))})")
        if not policy.enabled(name):
            continue
        cls = known[name]
        params = policy.detector_params(name)
        accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
        unknown = set(params) - accepted
        if unknown:
            raise PolicyError(f"{policy.source}: detectors.{name}: unknown parameter(s) {', '.join(sorted(unknown))}")
        detectors.append(cls(**params))
    return detectors


def rollup(measurements: pd.DataFrame, groups: dict[str, list[str]],
           weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Combine per-account measurements into per-group ones.

    Counts add up; columns named ``dom_*`` or ``max_*`` are flags or peaks and
    take the maximum; ``first_*`` the minimum and ``last_*`` the maximum.
    ``weights`` (account -> factor, default 1) scales an account's counts
    before they are added, so that its shares stay its own but it weighs less
    in the group's.
    """
    rows = {}
    for gid, members in groups.items():
        part = measurements.loc[[m for m in members if m in measurements.index]]
        if weights:
            factor = pd.Series([weights.get(m, 1.0) for m in part.index], index=part.index)
        row = {}
        for col in part.columns:
            if col.startswith(("dom_", "max_", "last_")):
                row[col] = part[col].max()
            elif col.startswith("first_"):
                row[col] = part[col].min()
            elif weights:
                # Missing values count as nothing, as in the plain sum.
                row[col] = part[col].mul(factor).sum()
            else:
                row[col] = part[col].sum()
        rows[gid] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=measurements.columns)
