"""The policy file: every rule, threshold and weight detection uses.

Rules and thresholds are data, not code. A policy is one YAML document
(``default.yaml`` beside this module is the shipped default); this module
loads and validates it so that a typo fails at start-up with the field named,
never halfway through a scan.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class PolicyError(ValueError):
    """A policy file that cannot be used, with the field that is wrong."""


class Verdicts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suspicious: float = Field(ge=0, le=1)
    malicious: float = Field(ge=0, le=1)


#: The texts each rule field reads: a request matches a rule when one of
#: them does. ``prompt_and_system`` is the prompt or the system prompt, each
#: on its own (never the two run together: a pattern cannot match across
#: them), so a system prompt shared by many requests is matched once.
TEXT_PARTS: dict[str, tuple[str, ...]] = {
    "prompt": ("prompt",),
    "system_prompt": ("system_prompt",),
    "prompt_and_system": ("prompt", "system_prompt"),
    "response_text": ("response_text",),
}
#: The texts domain keywords are looked for in.
DOMAIN_PARTS: tuple[str, ...] = TEXT_PARTS["prompt_and_system"]


class TextRule(BaseModel):
    """A named set of patterns over one text field (case-insensitive)."""

    model_config = ConfigDict(extra="forbid")
    field: str = Field(pattern="^(prompt|system_prompt|prompt_and_system|response_text)$")
    patterns: list[str] = Field(min_length=1)

    @property
    def parts(self) -> tuple[str, ...]:
        """The texts (event columns) the rule reads; see :data:`TEXT_PARTS`."""
        return TEXT_PARTS[self.field]

    def regex(self) -> str:
        # Matching runs on lower-cased text, so patterns need no (?i) flag, which
        # RE2 (DuckDB) and Java (Spark) treat differently outside ASCII.
        return "|".join(f"(?:{p})" for p in self.patterns)

    def regexes(self, max_chars: int = 3000) -> list[str]:
        """The rule as a few alternations of at most about ``max_chars``
        characters each; a request matches if any matches. One alternation of
        a hundred patterns overflows RE2's DFA budget and RE2 falls back to a
        far slower matcher (DuckDB took 30x longer on a 17-language rule)."""
        out: list[list[str]] = [[]]
        size = 0
        for p in self.patterns:
            if out[-1] and size + len(p) > max_chars:
                out.append([])
                size = 0
            out[-1].append(p)
            size += len(p) + 5
        return ["|".join(f"(?:{p})" for p in chunk) for chunk in out]


class Linkage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weights: dict[str, float]
    max_accounts_per_value: int = Field(gt=1)
    ignore_email_domains: list[str] = []
    signup_wave_hours: float = Field(gt=0)
    min_edge_weight: float = Field(gt=0)
    lift: float = Field(ge=0, le=1)
    min_campaign_evidence: float = Field(ge=0, le=1)
    min_candidate_pattern: float = Field(ge=0, le=1)
    min_member_pattern_identity_linked: float = Field(ge=0, le=1)
    min_member_pattern_wording_linked: float = Field(ge=0, le=1)
    min_member_pattern_infra_only: float = Field(ge=0, le=1)
    #: For a member whose traffic is the group's script (see
    #: link.campaigns.script_runners); default: as for a wording tie.
    min_member_pattern_script_run: float | None = Field(default=None, ge=0, le=1)
    #: In a group's pooled traffic no member counts for more than this many
    #: times the group's median member volume.
    pool_member_cap: float = Field(default=5.0, gt=0)


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdicts: Verdicts
    rules: dict[str, TextRule]
    detectors: dict[str, dict[str, Any]]
    domains: dict[str, list[str]]
    linkage: Linkage
    #: What the inline gateway does per verdict and tactic; validated by
    #: ``antidistill.gateway.actions.load_actions`` (absent: monitor only).
    actions: dict[str, Any] | None = None
    source: str = "<memory>"

    @field_validator("domains")
    @classmethod
    def _non_empty_domains(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, words in v.items():
            if not words:
                raise ValueError(f"domain {name!r} has no keywords")
        return v

    def text_parts(self) -> list[str]:
        """Every text (event column) a rule or the domain keywords read, sorted."""
        return sorted({*DOMAIN_PARTS, *(p for rule in self.rules.values() for p in rule.parts)})

    def detector_params(self, name: str) -> dict[str, Any]:
        params = dict(self.detectors.get(name, {}))
        params.pop("enabled", None)
        return params

    def enabled(self, name: str) -> bool:
        return bool(self.detectors.get(name, {}).get("enabled", False))

    def verdict(self, score: float) -> str:
        if score >= self.verdicts.malicious:
            return "malicious"
        if score >= self.verdicts.suspicious:
            return "suspicious"
        return "benign"


def default_policy_path() -> Path:
    return Path(str(resources.files("antidistill.policy").joinpath("default.yaml")))


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and validate a policy file (the shipped default when ``path`` is None)."""
    path = Path(path) if path is not None else default_policy_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: a policy is a YAML mapping at the top level")
    try:
        policy = Policy.model_validate({**raw, "source": str(path)})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(f"{path}: field {where}: {first['msg']}") from exc
    return policy


def logistic(value: float, midpoint: float, scale: float) -> float:
    """Strength in [0, 1] that rises with ``value``, 0.5 at ``midpoint``."""
    z = (value - midpoint) / scale
    if z < -40:
        return 0.0
    if z > 40:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))
