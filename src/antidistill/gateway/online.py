"""Online features: the batch pipeline's per-account measurements, one event at a time.

The gateway cannot run the Ibis pipeline per request, so this module keeps,
per account, exactly the *additive* measurements that
:func:`antidistill.features.pipeline.account_aggregates` and the sample,
infra, activity, evidence and predict tables of
:func:`~antidistill.features.pipeline.extract_features` produce, and updates
them with one Python function per event (:func:`annotate_event`, the mirror
of ``features.pipeline.annotate``). :meth:`OnlineState.feature_set` turns the
state back into a :class:`~antidistill.features.pipeline.FeatureSet`, so the
verdicts come from ``respond.scan.score_features``, the very code ``scan`` runs.

Semantics kept identical to the batch pipeline (the replay parity test in
``tests/test_gateway_online.py`` checks them against ``run_scan``):

* text rules and domain keywords run on lower-cased text with the policy's
  own regular expressions, compiled with RE2 (``google-re2``), the library
  DuckDB runs them with; where it is not installed, Python's ``re`` with
  ``re.ASCII`` stands in (RE2 treats ``\\b``, ``\\w``, ``\\s`` as ASCII-only).
  RE2 is also about six times faster here: ~125 us per event for all rules
  and domains of the default policy, against ~750 us with ``re``;
* a rule matches when it matches one of the texts its field reads
  (``policy.TEXT_PARTS``: ``prompt_and_system`` is the prompt or the system
  prompt), each lower-cased with nulls as ""; domains read the prompt and
  the system prompt;
* distinct counts ignore nulls, sums of all-null columns are null (NaN);
* the prompt sample is the account's chat requests with the smallest request
  ids (Ibis' ``row_number()`` counts from 0, so ``rn < sample_per_account``
  keeps ``sample_per_account`` rows), evidence the earliest
  ``EVIDENCE_PER_REASON`` requests per reason by (ts, request_id);
* inter-arrival gaps are in event order (ts, request_id); their mean and
  sample standard deviation are kept with Welford's method.

What is bounded (the batch pipeline keeps all of it; beyond these caps the
online values are approximations, and parity holds only below them): distinct
sets (``DISTINCT_CAP`` values, then a HyperLogLog estimate), infrastructure
values per kind (``INFRA_CAP``), prediction-API queries (``PREDICT_CAP``) and
end users (``END_USER_CAP``); duplicate request ids are recognised among the
last ``SEEN_IDS_CAP`` events.

Everything here reads attacker-controlled text: it is only matched against
the policy's regular expressions and copied, never evaluated.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import orjson
import pandas as pd
from datasketch import HyperLogLog

from antidistill.events.schema import ACCOUNT_SCHEMA, EVENT_SCHEMA
from antidistill.events.validate import flatten_event
from antidistill.features.pipeline import (
    ACTIVITY_BUCKET_S,
    CHAT_ENDPOINTS,
    EVIDENCE_PER_REASON,
    PREDICT_ENDPOINT,
    FeatureSet,
    _domain_regex,
    _ident,
)
from antidistill.policy import DOMAIN_PARTS, Policy

try:  # RE2: the same engine and semantics as DuckDB's regexp functions
    import re2 as _re2

    def _compile(pattern: str):
        return _re2.compile(pattern)

    def _compile_set(patterns: list[str]):
        """One RE2::Set for several patterns: which of them match, in one pass over the text."""
        if not patterns:
            return None
        options = _re2.Options()
        options.max_mem = 64 << 20  # room for the set's DFA; the default 8 MiB is for one pattern
        rset = _re2.Set.SearchSet(options)
        for pattern in patterns:
            rset.Add(pattern)
        rset.Compile()
        return rset
except ImportError:  # pragma: no cover - the gateway extra installs google-re2
    def _compile(pattern: str):
        return re.compile(pattern, re.ASCII)

    def _compile_set(patterns: list[str]):
        return None

#: The batch pipeline's default prompt sample size (``extract_features``).
SAMPLE_PER_ACCOUNT = 60
DISTINCT_CAP = 4096
INFRA_CAP = 512
PREDICT_CAP = 5000
END_USER_CAP = 4096
#: Distinct system prompts whose matches are remembered (then forgotten all at once).
_SYSTEM_CACHE = 1024
#: Request ids remembered for de-duplication.
SEEN_IDS_CAP = 2_000_000
_FIELDS = EVENT_SCHEMA.names
#: Columns of ``FeatureSet.samples`` as ``extract_features`` selects them.
SAMPLE_COLUMNS = ["account_id", "request_id", "prompt", "system_prompt", "end_user", "n_user_turns", "epoch_s"]
_EPOCH = datetime(1970, 1, 1)
_IPV6_PREFIX = re.compile(r"^([0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F]*)")
_IPV4_PREFIX = re.compile(r"^(\d+\.\d+\.\d+)\.")


class Distinct:
    """Count of distinct non-null values: exact up to ``DISTINCT_CAP``, then HyperLogLog."""

    __slots__ = ("exact", "hll")

    def __init__(self) -> None:
        self.exact: set[int] | None = set()
        self.hll: HyperLogLog | None = None

    @staticmethod
    def _key(value: str) -> bytes:
        return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest()

    def add(self, value: str | None) -> None:
        if value is None:
            return
        key = self._key(value)
        if self.exact is not None:
            self.exact.add(int.from_bytes(key, "little"))
            if len(self.exact) > DISTINCT_CAP:
                self.hll = HyperLogLog(p=12)
                for k in self.exact:
                    self.hll.update(k.to_bytes(8, "little"))
                self.exact = None
        else:
            self.hll.update(key)

    def __len__(self) -> int:
        return len(self.exact) if self.exact is not None else round(self.hll.count())

    def to_json(self) -> Any:
        if self.exact is not None:
            return sorted(self.exact)
        return {"hll": list(map(int, self.hll.reg))}

    @classmethod
    def from_json(cls, value: Any) -> Distinct:
        d = cls()
        if isinstance(value, dict):
            d.exact = None
            d.hll = HyperLogLog(p=12, reg=__import__("numpy").array(value["hll"], dtype="int8"))
        else:
            d.exact = set(value)
        return d


@dataclass
class Annotated:
    """One event's flattened columns plus the per-event flags of ``annotate``."""

    row: dict[str, Any]
    ts: datetime  # naive UTC
    epoch: float
    is_chat: int
    is_predict: int
    is_error: int
    has_logprobs: int
    tiny_output: int
    n_bias: int
    has_tools: int
    multi_turn: int
    prompt_chars: int
    hour: int
    bucket: int
    toolset: str | None
    rules: dict[str, int]
    domains: dict[str, int]
    reason: str


class CompiledPolicy:
    """The policy's text rules and domain keywords, compiled with RE2 (else Python's ``re``).

    With RE2 the rules that read the same text, and all the domains, are
    also compiled into one ``RE2::Set`` each, so an event's text is scanned
    once per field rather than once per pattern (measured on simulator
    traffic: the 15 domain patterns of the default policy take ~4 us per
    event as a set, ~70 us one by one). A set answers "which patterns match
    somewhere", exactly what the per-pattern ``search`` answered.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.rules = [(name, _ident(name), rule.parts, _compile(rule.regex())) for name, rule in policy.rules.items()]
        self.domains = [(_ident(name), _compile(_domain_regex(words))) for name, words in policy.domains.items()]
        self.reasoning_rule = "reasoning-elicitation" if "reasoning-elicitation" in policy.rules else None
        #: text part -> (set, [rule ident by position in the set]); empty without RE2
        self.rule_sets: dict[str, tuple[Any, list[str]]] = {}
        by_part: dict[str, list[tuple[str, str]]] = {}
        for name, rule in policy.rules.items():
            # The rule's pieces as separate set entries, as the batch
            # pipeline matches them (one long alternation is slower in RE2).
            for part in rule.parts:
                by_part.setdefault(part, []).extend((_ident(name), rx) for rx in rule.regexes())
        for part, items in by_part.items():
            rset = _compile_set([rx for _i, rx in items])
            if rset is not None:
                self.rule_sets[part] = (rset, [i for i, _rx in items])
        self.domain_set = _compile_set([_domain_regex(words) for words in policy.domains.values()])
        self.domain_idents = [_ident(name) for name in policy.domains]
        self.parts = policy.text_parts()
        # Many requests share one system prompt: its matches are remembered.
        self._system_matches: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        #: what the per-event measurements depend on: state measured under
        #: another fingerprint is not what replaying the log would give
        self.fingerprint = hashlib.sha256(orjson.dumps(
            [[[name, list(rule.parts), rule.regex()] for name, rule in policy.rules.items()],
             [[name, _domain_regex(words)] for name, words in policy.domains.items()],
             SAMPLE_PER_ACCOUNT, EVIDENCE_PER_REASON, ACTIVITY_BUCKET_S])).hexdigest()

    def matches(self, part: str, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """The rules (idents) reading ``part`` and the domains (idents, for the
        prompt and the system prompt) that match ``text``, the raw text of ``part``."""
        if part == "system_prompt":
            hit = self._system_matches.get(text)
            if hit is None:
                if len(self._system_matches) >= _SYSTEM_CACHE:
                    self._system_matches.clear()
                hit = self._system_matches[text] = self._match(part, text)
            return hit
        return self._match(part, text)

    def _match(self, part: str, text: str) -> tuple[frozenset[str], frozenset[str]]:
        text = text.lower()
        if part in self.rule_sets:
            rset, idents = self.rule_sets[part]
            rules = frozenset(idents[i] for i in rset.Match(text) or ())
        else:
            rules = frozenset(ident for _n, ident, parts, rx in self.rules if part in parts and rx.search(text))
        domains: frozenset[str] = frozenset()
        if part in DOMAIN_PARTS:
            if self.domain_set is not None:
                domains = frozenset(self.domain_idents[i] for i in self.domain_set.Match(text) or ())
            else:
                domains = frozenset(ident for ident, rx in self.domains if rx.search(text))
        return rules, domains


def _naive_utc(ts: datetime) -> datetime:
    off = ts.utcoffset()
    return ts if off is None else ts.replace(tzinfo=None) - off


def flatten(event: dict[str, Any]) -> dict[str, Any]:
    """A spec-format event as its EVENT_SCHEMA row (raises ``BadRecord`` like ingest)."""
    row = dict(zip(_FIELDS, flatten_event(event, None, None), strict=True))
    for key in ("request_json", "response_json"):
        if isinstance(row[key], bytes):
            row[key] = row[key].decode("utf-8")
    return row


def annotate_event(row: dict[str, Any], cp: CompiledPolicy) -> Annotated:
    """Per-event flags: the mirror of ``features.pipeline.annotate`` for one row."""
    ts = _naive_utc(row["ts"])
    epoch = (ts - _EPOCH).total_seconds()
    endpoint = row["endpoint"]
    n_tools = row["n_tools"] or 0
    n_bias = len(row["logit_bias_tokens"]) if row["logit_bias_tokens"] is not None else 0
    max_tokens = row["max_tokens"]
    n_user = row["n_user_turns"]
    hit_rules: set[str] = set()
    hit_domains: set[str] = set()
    for part in cp.parts:
        part_rules, part_domains = cp.matches(part, row[part] or "")
        hit_rules |= part_rules
        hit_domains |= part_domains
    rules = {ident: 1 if ident in hit_rules else 0 for _name, ident, _parts, _rx in cp.rules}
    domains = {ident: 1 if ident in hit_domains else 0 for ident in cp.domain_idents}
    is_predict = int(endpoint == PREDICT_ENDPOINT)
    reason = next((name for name, ident, _p, _r in cp.rules if rules[ident]), None)
    if reason is None:
        reason = "logit-bias" if n_bias > 0 else "tools" if n_tools > 0 else "predict" if is_predict else "request"
    return Annotated(
        row=row, ts=ts, epoch=epoch,
        is_chat=int(endpoint in CHAT_ENDPOINTS),
        is_predict=is_predict,
        is_error=int(row["status"] >= 400),
        has_logprobs=int(bool(row["logprobs"])),
        tiny_output=int((max_tokens if max_tokens is not None else 1_000_000) <= 5),
        n_bias=n_bias,
        has_tools=int(n_tools > 0),
        multi_turn=int((n_user if n_user is not None else 1) > 1),
        prompt_chars=len(row["prompt"]) if row["prompt"] is not None else 0,
        hour=int(epoch // 3600),
        bucket=int(epoch // ACTIVITY_BUCKET_S),
        toolset=",".join(sorted(row["tool_names"] or [])) if n_tools > 0 else None,
        rules=rules, domains=domains, reason=reason,
    )


def _ip_prefix(ip: str) -> str | None:
    m = (_IPV6_PREFIX if ":" in ip else _IPV4_PREFIX).match(ip)
    return m.group(1) if m else None


@dataclass
class AccountState:
    """One account's additive measurements and bounded samples."""

    n_requests: int = 0
    n_chat: int = 0
    n_predict: int = 0
    n_errors: int = 0
    n_logprobs: int = 0
    n_tiny_output: int = 0
    n_logit_bias: int = 0
    n_tools: int = 0
    n_multi_turn: int = 0
    n_domain_tagged: int = 0
    n_domain_tagged_reasoning: int = 0
    prompt_chars: int = 0
    sum_prompt_tokens: int | None = None
    sum_completion_tokens: int | None = None
    n_completion_known: int = 0
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    last_key: tuple[float, str] | None = None
    # Welford over inter-arrival gaps (seconds)
    gap_n: int = 0
    gap_mean: float = 0.0
    gap_m2: float = 0.0
    hours: set[int] = field(default_factory=set)
    ips: Distinct = field(default_factory=Distinct)
    user_agents: Distinct = field(default_factory=Distinct)
    end_user_set: Distinct = field(default_factory=Distinct)
    api_keys: Distinct = field(default_factory=Distinct)
    toolsets: Distinct = field(default_factory=Distinct)
    system_prompts: Distinct = field(default_factory=Distinct)
    bias_tokens: Distinct = field(default_factory=Distinct)
    rules: dict[str, int] = field(default_factory=dict)
    domains: dict[str, int] = field(default_factory=dict)
    domains_reasoning: dict[str, int] = field(default_factory=dict)
    #: sorted by request_id: (request_id, prompt, system_prompt, end_user, n_user_turns, epoch_s)
    samples: list[tuple] = field(default_factory=list)
    infra: dict[str, set[str]] = field(default_factory=dict)
    activity: dict[int, int] = field(default_factory=dict)
    #: reason -> sorted [(epoch, request_id, ts)]
    evidence: dict[str, list[tuple]] = field(default_factory=dict)
    #: (epoch, request_id, end_user, ts, request_json, response_json)
    predict: list[tuple] = field(default_factory=list)
    end_users: dict[str, int] = field(default_factory=dict)

    def add(self, a: Annotated, cp: CompiledPolicy) -> None:
        row = a.row
        rid = row["request_id"]
        self.n_requests += 1
        self.n_chat += a.is_chat
        self.n_predict += a.is_predict
        self.n_errors += a.is_error
        self.n_logprobs += a.has_logprobs
        self.n_tiny_output += a.tiny_output
        self.n_logit_bias += int(a.n_bias > 0)
        self.n_tools += a.has_tools
        self.n_multi_turn += a.multi_turn
        self.prompt_chars += a.prompt_chars
        if row["prompt_tokens"] is not None:
            self.sum_prompt_tokens = (self.sum_prompt_tokens or 0) + row["prompt_tokens"]
        if row["completion_tokens"] is not None:
            self.sum_completion_tokens = (self.sum_completion_tokens or 0) + row["completion_tokens"]
            self.n_completion_known += 1
        key = (a.epoch, rid)
        if self.last_key is not None:
            # Gaps are taken in (ts, request_id) order, as the batch window does;
            # an event that arrives out of order is counted against the latest
            # one seen (its gap is then negative-free: clamped to zero).
            gap = max(a.epoch - self.last_key[0], 0.0)
            self.gap_n += 1
            delta = gap - self.gap_mean
            self.gap_mean += delta / self.gap_n
            self.gap_m2 += delta * (gap - self.gap_mean)
        if self.last_key is None or key > self.last_key:
            self.last_key = key
        self.first_ts = a.ts if self.first_ts is None or a.ts < self.first_ts else self.first_ts
        self.last_ts = a.ts if self.last_ts is None or a.ts > self.last_ts else self.last_ts
        if len(self.hours) < 100_000:
            self.hours.add(a.hour)
        ip, ua, user, system = row["client_ip"], row["user_agent"], row["end_user"], row["system_prompt"]
        self.ips.add(ip)
        self.user_agents.add(ua)
        self.end_user_set.add(user)
        self.api_keys.add(row["api_key_id"])
        self.toolsets.add(a.toolset)
        self.system_prompts.add(system)
        for tok in row["logit_bias_tokens"] or ():
            self.bias_tokens.add(tok)
        for ident, hit in a.rules.items():
            self.rules[ident] = self.rules.get(ident, 0) + hit
        reasoning = a.rules.get(_ident(cp.reasoning_rule), 0) if cp.reasoning_rule else 0
        for ident, hit in a.domains.items():
            self.domains[ident] = max(self.domains.get(ident, 0), hit)
            self.domains_reasoning[ident] = max(self.domains_reasoning.get(ident, 0), hit * reasoning)
        tagged = int(any(a.domains.values()))
        self.n_domain_tagged += tagged
        self.n_domain_tagged_reasoning += tagged * reasoning
        if a.is_chat:
            sample = (rid, row["prompt"], system, user, row["n_user_turns"], math.floor(a.epoch))
            if len(self.samples) < SAMPLE_PER_ACCOUNT:
                bisect.insort(self.samples, sample, key=lambda s: s[0])
            elif rid < self.samples[-1][0]:
                bisect.insort(self.samples, sample, key=lambda s: s[0])
                self.samples.pop()
        for kind, value in (("ip", ip), ("ip_prefix", _ip_prefix(ip) if ip else None), ("user_agent", ua), ("system_prompt", system)):
            if value:
                values = self.infra.setdefault(kind, set())
                if len(values) < INFRA_CAP:
                    values.add(value)
        self.activity[a.bucket] = self.activity.get(a.bucket, 0) + 1
        examples = self.evidence.setdefault(a.reason, [])
        ex = (a.epoch, rid, a.ts)
        if len(examples) < EVIDENCE_PER_REASON:
            bisect.insort(examples, ex, key=lambda e: e[:2])
        elif ex[:2] < examples[-1][:2]:
            bisect.insort(examples, ex, key=lambda e: e[:2])
            examples.pop()
        if a.is_predict and len(self.predict) < PREDICT_CAP:
            self.predict.append((a.epoch, rid, user, a.ts, row["request_json"], row["response_json"]))
        if user is not None and (user in self.end_users or len(self.end_users) < END_USER_CAP):
            self.end_users[user] = self.end_users.get(user, 0) + 1

    def aggregates(self, account_id: str, cp: CompiledPolicy) -> dict[str, Any]:
        """One row of ``account_aggregates``, column for column."""
        n = self.n_requests
        gap_mean = self.gap_mean if self.gap_n else math.nan
        gap_std = math.sqrt(self.gap_m2 / (self.gap_n - 1)) if self.gap_n > 1 else math.nan
        row = {
            "account_id": account_id,
            "n_requests": n, "n_chat": self.n_chat, "n_predict": self.n_predict, "n_errors": self.n_errors,
            "first_ts": self.first_ts, "last_ts": self.last_ts, "active_hours": len(self.hours),
            "n_ips": len(self.ips), "n_user_agents": len(self.user_agents), "n_end_users": len(self.end_user_set),
            "n_api_keys": len(self.api_keys), "mean_prompt_chars": self.prompt_chars / n if n else math.nan,
            "sum_prompt_tokens": self.sum_prompt_tokens if self.sum_prompt_tokens is not None else math.nan,
            "sum_completion_tokens": self.sum_completion_tokens if self.sum_completion_tokens is not None else math.nan,
            "n_completion_known": self.n_completion_known,
            "n_logprobs": self.n_logprobs, "n_tiny_output": self.n_tiny_output, "n_logit_bias": self.n_logit_bias,
            "n_tools": self.n_tools, "n_toolsets": len(self.toolsets), "n_multi_turn": self.n_multi_turn,
            "n_system_prompts": len(self.system_prompts), "gap_mean": gap_mean, "gap_std": gap_std,
        }
        for _name, ident, _f, _r in cp.rules:
            row[f"n_rule_{ident}"] = self.rules.get(ident, 0)
        for ident, _rx in cp.domains:
            row[f"dom_{ident}"] = self.domains.get(ident, 0)
            row[f"dom_{ident}_reasoning"] = self.domains_reasoning.get(ident, 0)
        row["n_domain_tagged"] = self.n_domain_tagged
        row["n_domain_tagged_reasoning"] = self.n_domain_tagged_reasoning
        row["n_bias_tokens"] = len(self.bias_tokens)
        return row

    # --- persistence (JSON-friendly, for sqlite snapshots) -----------------
    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            if isinstance(v, Distinct):
                out[k] = v.to_json()
            elif isinstance(v, datetime):
                out[k] = v.isoformat()
            elif k == "hours":
                out[k] = sorted(v)
            elif k == "infra":
                out[k] = {kind: sorted(vals) for kind, vals in v.items()}
            elif k == "activity":
                out[k] = [[b, c] for b, c in v.items()]
            elif k == "evidence":
                out[k] = {r: [[e, rid, ts.isoformat()] for e, rid, ts in xs] for r, xs in v.items()}
            elif k == "predict":
                out[k] = [[e, rid, u, ts.isoformat(), rq, rs] for e, rid, u, ts, rq, rs in v]
            elif k == "samples":
                out[k] = [list(s) for s in v]
            elif k == "last_key":
                out[k] = list(v) if v else None
            else:
                out[k] = v
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> AccountState:
        s = cls()
        for k, v in d.items():
            cur = getattr(s, k)
            if isinstance(cur, Distinct):
                setattr(s, k, Distinct.from_json(v))
            elif k in ("first_ts", "last_ts"):
                setattr(s, k, datetime.fromisoformat(v) if v else None)
            elif k == "hours":
                s.hours = set(v)
            elif k == "infra":
                s.infra = {kind: set(vals) for kind, vals in v.items()}
            elif k == "activity":
                s.activity = {int(b): c for b, c in v}
            elif k == "evidence":
                s.evidence = {r: [(e, rid, datetime.fromisoformat(ts)) for e, rid, ts in xs] for r, xs in v.items()}
            elif k == "predict":
                s.predict = [(e, rid, u, datetime.fromisoformat(ts), rq, rs) for e, rid, u, ts, rq, rs in v]
            elif k == "samples":
                # (State saved before samples carried their time: unknown.)
                s.samples = [(*x, None) if len(x) == len(SAMPLE_COLUMNS) - 2 else tuple(x) for x in v]
            elif k == "last_key":
                s.last_key = tuple(v) if v else None
            else:
                setattr(s, k, v)
        return s


def _profile_frame(profile: pd.DataFrame | None, accounts: list[str]) -> pd.DataFrame:
    if profile is None:
        return ACCOUNT_SCHEMA.empty_table().to_pandas()
    # Only accounts that have sent something: linkage builds its graph from
    # the profile too, and scoring expects every graph node to have events
    # (in a whole-day log every signed-up account usually has; mid-day, not).
    seen = profile[profile["account_id"].isin(accounts)]
    return seen.sort_values("account_id").reset_index(drop=True)


def feature_set(states: dict[str, AccountState], cp: CompiledPolicy, profile: pd.DataFrame | None = None, *,
                linkage: bool = True) -> FeatureSet:
    """The batch pipeline's FeatureSet, built from online per-account state.

    ``linkage=False``, as ``features.extract_features`` takes it: no
    campaigns will be formed from the result (per-account rescoring, end
    users), so the tables only linkage reads (``infra``, ``activity``,
    ``end_users``) are left empty and the capability-sweep detector mines
    templates only within each account (its scores are the same; the
    pairs across accounts it skips are linkage evidence).
    """
    ids = sorted(states)
    rows = [states[a].aggregates(a, cp) for a in ids]
    # Column by column, straight into numpy (one DataFrame construction):
    # building the frame row-wise and converting each column after cost
    # ~80 ms per call, most of a small rescoring's time.
    columns: dict[str, Any] = {}
    for col in rows[0] if rows else AccountState().aggregates("", cp):
        values = [r[col] for r in rows]
        if col == "account_id":
            columns[col] = pd.Series(values, dtype=None if values else object)  # dtype as the row-wise frame inferred it
        elif col in ("first_ts", "last_ts"):
            columns[col] = pd.Series(pd.to_datetime(values)).astype("datetime64[us]")
        else:
            columns[col] = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    agg = pd.DataFrame(columns)
    samples, infra, activity, evidence, predict, end_users = [], [], [], [], [], []
    for a in ids:
        s = states[a]
        samples.extend((a, *sample) for sample in s.samples)
        if linkage:
            for kind in sorted(s.infra):
                infra.extend((a, kind, v) for v in sorted(s.infra[kind]))
            activity.extend((a, b, n) for b, n in sorted(s.activity.items()))
            end_users.extend((a, u, n) for u, n in sorted(s.end_users.items()))
        for reason in sorted(s.evidence):
            evidence.extend((a, reason, rid, ts) for _e, rid, ts in s.evidence[reason])
        predict.extend((a, u, rid, ts, rq, rs) for _e, rid, u, ts, rq, rs in sorted(s.predict, key=lambda p: p[:2]))
    return FeatureSet(
        accounts=agg,
        samples=pd.DataFrame(samples, columns=SAMPLE_COLUMNS),
        infra=pd.DataFrame(infra, columns=["account_id", "kind", "value"]),
        activity=pd.DataFrame(activity, columns=["account_id", "bucket", "n"]),
        evidence=pd.DataFrame(evidence, columns=["account_id", "reason", "request_id", "ts"]),
        predict=pd.DataFrame(predict, columns=["account_id", "end_user", "request_id", "ts", "request_json", "response_json"]),
        profile=_profile_frame(profile, ids),
        end_users=pd.DataFrame(end_users, columns=["account_id", "end_user", "n_requests"]),
        domains=list(cp.policy.domains),
        rules=list(cp.policy.rules),
        linkage=linkage,
    )


#: The scan's separator between a platform account and one of its end users
#: in an end user's pseudo account id, and how many distinct end users make an
#: account a platform (``respond.scan.END_USER_SEP`` / ``PLATFORM_MIN_END_USERS``,
#: mirrored here - a test checks they agree - so that the request-serving
#: process does not import the scorer).
END_USER_SEP = "\x1f"
PLATFORM_MIN_END_USERS = 5


def end_user_key(account: str, user: str) -> str:
    """The pseudo account id the scan gives one end user of a platform account."""
    return f"{account}{END_USER_SEP}{user}"


def split_end_user_key(key: str) -> tuple[str, str | None]:
    """(account, end user) from an id; end user None for a plain account id."""
    account, sep, user = key.partition(END_USER_SEP)
    return (account, user) if sep else (key, None)


class OnlineState:
    """Per-account online state for every account seen, plus which ones changed.

    ``update`` is cheap (one regex pass per rule over the event's text) and is
    what the gateway calls per exchange; ``feature_set`` is for the scorer,
    which runs in the background, never in the request path.

    End users: every event that names an end user (``request.user``) is also
    added to that end user's own state, keyed by :func:`end_user_key`, as the
    scan judges each end user of a platform account (one with at least
    ``PLATFORM_MIN_END_USERS`` of them) as if it were an account
    (``respond.scan._end_users``). Up to ``END_USER_CAP`` end users per
    account are tracked; an account's end users are scored once it is a
    platform (:meth:`platforms`).
    """

    def __init__(self, policy: Policy, profile: pd.DataFrame | None = None) -> None:
        self.cp = CompiledPolicy(policy)
        self.accounts: dict[str, AccountState] = {}
        self.profile = profile
        self.changed: set[str] = set()
        self.seen_ids: set[str] = set()
        self.n_events = 0
        self.end_users: dict[str, AccountState] = {}
        self.end_users_of: dict[str, set[str]] = {}
        self.end_users_changed: set[str] = set()

    def set_policy(self, policy: Policy) -> None:
        # Rules or domains may differ: measurements taken under the old policy
        # stay (they are what was seen); new events use the new regexes.
        self.cp = CompiledPolicy(policy)

    def update(self, event: dict[str, Any], row: dict[str, Any] | None = None) -> str | None:
        """Add one spec-format event; returns its account (None for a duplicate id)."""
        row = row if row is not None else flatten(event)
        rid = row["request_id"]
        if rid in self.seen_ids:
            return None  # scan dedupes by request_id too
        if len(self.seen_ids) >= SEEN_IDS_CAP:
            # Bounded memory: duplicates are caught within the last
            # SEEN_IDS_CAP events (replays and Redis redeliveries are recent).
            self.seen_ids.clear()
        self.seen_ids.add(rid)
        acct = row["account_id"]
        state = self.accounts.get(acct)
        if state is None:
            state = self.accounts[acct] = AccountState()
        annotated = annotate_event(row, self.cp)
        state.add(annotated, self.cp)
        self.changed.add(acct)
        self.n_events += 1
        user = row["end_user"]
        if user is not None:
            key = end_user_key(acct, user)
            ustate = self.end_users.get(key)
            if ustate is None:
                keys = self.end_users_of.setdefault(acct, set())
                if len(keys) < END_USER_CAP:
                    ustate = self.end_users[key] = AccountState()
                    keys.add(key)
            if ustate is not None:
                ustate.add(annotated, self.cp)
                self.end_users_changed.add(key)
        return acct

    def take_changed(self) -> set[str]:
        changed, self.changed = self.changed, set()
        return changed

    def platforms(self) -> set[str]:
        """Accounts the scan treats as platforms: judged per end user too."""
        return {a for a in self.end_users_of if len(self.accounts[a].end_user_set) >= PLATFORM_MIN_END_USERS}

    def take_end_users_changed(self) -> set[str]:
        changed, self.end_users_changed = self.end_users_changed, set()
        return changed

    def feature_set(self, accounts: Iterable[str] | None = None, *, linkage: bool = True) -> FeatureSet:
        states = self.accounts if accounts is None else {a: self.accounts[a] for a in accounts if a in self.accounts}
        return feature_set(states, self.cp, self.profile, linkage=linkage)

    # --- snapshots -------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Everything but the de-duplication set of request ids (see ``DetectionCore.snapshot``)."""
        return {"fingerprint": self.cp.fingerprint, "n_events": self.n_events,
                "accounts": {a: s.to_json() for a, s in self.accounts.items()},
                "end_users": {k: s.to_json() for k, s in self.end_users.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any], policy: Policy, profile: pd.DataFrame | None = None) -> OnlineState:
        state = cls(policy, profile)
        if data.get("fingerprint") != state.cp.fingerprint:
            raise ValueError("state was measured under other text rules or domains")
        state.n_events = data["n_events"]
        state.accounts = {a: AccountState.from_json(d) for a, d in data["accounts"].items()}
        state.end_users = {k: AccountState.from_json(d) for k, d in data["end_users"].items()}
        for key in state.end_users:
            state.end_users_of.setdefault(split_end_user_key(key)[0], set()).add(key)
        state.changed = set(state.accounts)
        state.end_users_changed = set(state.end_users)
        return state

    def end_user_feature_set(self, keys: Iterable[str]) -> FeatureSet:
        """End users as accounts (no sign-up profile, no linkage), as ``respond.scan._end_users`` builds them."""
        return feature_set({k: self.end_users[k] for k in keys if k in self.end_users}, self.cp, None, linkage=False)


_TS_CACHE: tuple[int, str] = (-1, "")


def utc_now_rfc3339(now: float | None = None) -> str:
    """Now (or the epoch seconds ``now``) in UTC as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (the seconds part is formatted once per second)."""
    global _TS_CACHE
    if now is None:
        now = time.time()
    sec = int(now)
    cached_sec, prefix = _TS_CACHE  # one tuple: threads never see half an update
    if cached_sec != sec:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(sec))
        _TS_CACHE = (sec, prefix)
    return f"{prefix}{int((now - sec) * 1000):03d}Z"
