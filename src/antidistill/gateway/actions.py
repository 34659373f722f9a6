"""Policy actions: what the gateway does to an account's requests, and why.

The policy's ``actions:`` section (see ``policy/default.yaml``) maps each
verdict, optionally refined per tactic, to a list of actions:

* ``monitor`` - serve as usual, log the decision (``mode: monitor`` turns
  every action into this: a dry run that logs what *would* have happened);
* ``throttle`` - a token bucket per account (``throttle.rate_per_s``, ``burst``);
  over the rate the request is refused with 429 and ``Retry-After``;
* ``block`` - 403 with a JSON error naming the verdict and tactics;
* ``degrade`` - answer, but with less to steal: no logprobs/top_logprobs,
  ``logit_bias`` stripped or refused, ``n`` capped, label-only predictions;
* ``watermark`` - ask the upstream to watermark the output (only when the
  upstream says it supports it: ``watermark.upstream_header``).

Admin overrides win over verdicts: an allow-listed account is always served
unchanged, a deny-listed one always blocked.

Every decision carries attributes named after the OpenTelemetry GenAI
security conventions (``gen_ai.security.decision.type`` and friends; those
conventions are still in development upstream), so a log pipeline that
understands them needs no mapping.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from antidistill.policy import Policy, PolicyError

ACTION_NAMES = ("monitor", "throttle", "block", "degrade", "watermark")
ActionName = Literal["monitor", "throttle", "block", "degrade", "watermark"]
#: Verdicts the scorer gives, plus ``unknown`` (not yet scored).
VERDICTS = ("benign", "suspicious", "malicious")


class Throttle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_per_s: float = Field(gt=0)
    burst: float = Field(ge=1)


class Degrade(BaseModel):
    model_config = ConfigDict(extra="forbid")
    drop_logprobs: bool = True
    #: ``strip`` removes logit_bias from the request; ``refuse`` answers 400.
    logit_bias: Literal["strip", "refuse", "keep"] = "strip"
    max_n: int = Field(default=1, ge=1)
    predict_label_only: bool = True


class Watermark(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: Header the upstream reads to switch its watermark on; null when the
    #: upstream cannot watermark (the action is then logged as unsupported).
    upstream_header: str | None = None
    key_id: str = "antidistill-1"


class Actions(BaseModel):
    """The policy's ``actions:`` section."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["enforce", "monitor"] = "enforce"
    #: What to do with requests while the detectors cannot decide (their last
    #: run failed): ``open`` serves them, ``closed`` refuses them with 503.
    fail_mode: Literal["open", "closed"] = "open"
    verdicts: dict[Literal["benign", "suspicious", "malicious"], list[ActionName]] = {}
    #: tactic -> verdict -> actions; replaces the verdict's list when the
    #: account shows that tactic (several tactics: the union).
    tactics: dict[str, dict[Literal["benign", "suspicious", "malicious"], list[ActionName]]] = {}
    throttle: Throttle = Throttle(rate_per_s=1.0, burst=10)
    degrade: Degrade = Degrade()
    watermark: Watermark = Watermark()
    #: Seconds between rescoring accounts that changed, and between full
    #: (population-level: templates, campaigns) rescoring.
    #: Act on end users of platform accounts (resellers passing ``user``) on
    #: their own verdicts, so one abusive end user can be throttled or
    #: blocked while the platform and its other users are served.
    end_users: bool = True
    rescore_interval_s: float = Field(default=1.0, gt=0)
    full_rescore_interval_s: float = Field(default=30.0, gt=0)
    max_body_bytes: int = Field(default=1_048_576, gt=0)


def load_actions(policy: Policy) -> Actions:
    """The policy's actions section, validated (defaults when it has none)."""
    raw = getattr(policy, "actions", None) or {}
    try:
        return Actions.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(f"{policy.source}: field actions.{where}: {first['msg']}") from exc


@dataclass(frozen=True)
class Verdict:
    """What the scorer last said about one account."""

    verdict: str = "benign"
    score: float = 0.0
    tactics: tuple[str, ...] = ()
    campaign_id: str | None = None
    signals: tuple[str, ...] = ()  # names of the top signals, for the reason text

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "score": round(self.score, 4), "tactics": list(self.tactics),
                "campaign_id": self.campaign_id, "signals": list(self.signals)}


@dataclass(frozen=True)
class Decision:
    """The actions for one account's next requests, with the reason."""

    actions: frozenset[str]
    reason: str
    verdict: Verdict = field(default_factory=Verdict)
    source: str = "verdict"  # verdict | allow-list | deny-list | fail-closed | end-user <one of those>
    dry_run: bool = False

    @property
    def blocks(self) -> bool:
        return "block" in self.actions and not self.dry_run

    def enforced(self, name: str) -> bool:
        return name in self.actions and not self.dry_run

    @functools.cached_property
    def log_attrs(self) -> dict[str, Any]:
        """What the exchange log's ``gateway`` object holds for this decision (computed once per decision).

        Callers copy it (``{**d.log_attrs, "changes": ...}``); never mutate it.
        """
        return {**self.otel(), "actions": sorted(self.actions), "dry_run": self.dry_run}

    def otel(self) -> dict[str, Any]:
        """OpenTelemetry GenAI security attributes for this decision."""
        if self.blocks:
            kind = "deny"
        elif self.dry_run and self.actions - {"monitor"}:
            kind = "audit"
        elif self.actions & {"degrade", "watermark", "throttle"} and not self.dry_run:
            kind = "modify"
        elif self.actions & {"monitor"} or self.verdict.verdict != "benign":
            kind = "warn"
        else:
            kind = "allow"
        attrs = {
            "gen_ai.operation.name": "apply_guardrail",
            "gen_ai.guardian.name": "antidistill",
            "gen_ai.security.target.type": "llm_input",
            "gen_ai.security.decision.type": kind,
            "gen_ai.security.decision.reason": self.reason,
            "gen_ai.security.decision.code": ",".join(sorted(self.actions)) or "none",
            "gen_ai.security.policy.name": self.source,
            "gen_ai.security.risk.score": round(self.verdict.score, 4),
        }
        if self.verdict.tactics:
            attrs["gen_ai.security.risk.category"] = ",".join(self.verdict.tactics)
        return attrs


ALLOW = Decision(frozenset(), "no finding")


def decide(actions: Actions, verdict: Verdict, override: str | None = None, detector_failed: bool = False) -> Decision:
    """Map a verdict (and any admin override) to actions, per the policy."""
    if override == "allow":
        return Decision(frozenset(), "admin allow-list", verdict, "allow-list")
    if override == "deny":
        return Decision(frozenset({"block"}), "admin deny-list", verdict, "deny-list")
    if detector_failed and actions.fail_mode == "closed":
        return Decision(frozenset({"block"}), "detectors unavailable and the policy fails closed", verdict, "fail-closed")
    chosen: set[str] = set()
    by_tactic = [actions.tactics[t][verdict.verdict] for t in verdict.tactics
                 if t in actions.tactics and verdict.verdict in actions.tactics[t]]
    if by_tactic:
        for lst in by_tactic:
            chosen.update(lst)
    else:
        chosen.update(actions.verdicts.get(verdict.verdict, []))
    if not chosen:
        return Decision(frozenset(), "no finding" if verdict.verdict == "benign" else f"{verdict.verdict}: no action configured", verdict)
    tactics = ", ".join(verdict.tactics) or "no named tactic"
    reason = f"{verdict.verdict} (score {verdict.score:.2f}; {tactics})"
    if verdict.campaign_id:
        reason += f" in campaign {verdict.campaign_id}"
    return Decision(frozenset(chosen), reason, verdict, "verdict", dry_run=actions.mode == "monitor")


def with_end_user(account: Decision, end_user: Decision | None, user: str) -> Decision:
    """The decision for a request an end user of a platform account sends.

    The account's own decision always holds (an admin override of the
    account, a block, fail-closed: those end it); what the end user's own
    verdict calls for is added, so one end user can be throttled or blocked
    while the account's other users are served.
    """
    if end_user is None or not end_user.actions or account.blocks or account.source != "verdict":
        return account
    reason = f"end user {user}: {end_user.reason}"
    if account.actions:
        reason += f"; account: {account.reason}"
    verdict = end_user.verdict if end_user.verdict.score >= account.verdict.score else account.verdict
    return Decision(account.actions | end_user.actions, reason, verdict, f"end-user {end_user.source}",
                    dry_run=end_user.dry_run and (account.dry_run or not account.actions))


class TokenBucket:
    """A classic token bucket: ``rate`` tokens per second, at most ``burst`` saved."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self, now: float | None = None) -> float:
        """0.0 when a token was taken, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class Refused(Exception):
    """A request the gateway answers itself, with a JSON error."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        err = {"message": self.message, "type": _ERROR_TYPES.get(self.status, "error"), "code": self.code}
        err.update(self.extra)
        return {"error": err}


_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_denied",
                404: "not_found", 413: "request_too_large", 429: "rate_limit_exceeded",
                502: "upstream_error", 503: "service_unavailable", 504: "upstream_timeout"}


def degrade_request(endpoint: str, body: dict[str, Any], cfg: Degrade) -> list[str]:
    """Strip what makes extraction cheap from a request, in place; what was changed."""
    changed = []
    if endpoint == "/v1/predict":
        return changed  # predictions are degraded on the way back
    if cfg.drop_logprobs:
        for key in ("logprobs", "top_logprobs"):
            if key in body:
                del body[key]
                changed.append(f"dropped {key}")
    if body.get("logit_bias"):
        if cfg.logit_bias == "refuse":
            raise Refused(400, "logit_bias_refused", "logit_bias is not available to this account")
        if cfg.logit_bias == "strip":
            del body["logit_bias"]
            changed.append("stripped logit_bias")
    n = body.get("n")
    if type(n) is int and n > cfg.max_n:
        body["n"] = cfg.max_n
        changed.append(f"capped n at {cfg.max_n}")
    return changed


def degrade_response(endpoint: str, body: dict[str, Any], cfg: Degrade) -> list[str]:
    """Make an answer label-only or logprob-free, in place; what was changed."""
    changed = []
    if endpoint == "/v1/predict" and cfg.predict_label_only:
        for pred in body.get("predictions") or []:
            if isinstance(pred, dict) and "probabilities" in pred:
                del pred["probabilities"]
                changed.append("label-only predictions")
        return changed[:1]
    if cfg.drop_logprobs:
        for choice in body.get("choices") or []:
            if isinstance(choice, dict) and choice.get("logprobs") is not None:
                choice["logprobs"] = None
                changed.append("removed returned logprobs")
    return changed[:1]
