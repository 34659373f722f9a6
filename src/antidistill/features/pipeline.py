"""The feature pipeline: events -> small per-account tables.

Written once as Ibis expressions; every query here must mean the same on
DuckDB and on Spark. Only the reduced results (one row per account, bounded
samples) are pulled into Python, never the events themselves.
"""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd
from ibis import _

from antidistill.policy import DOMAIN_PARTS, Policy

CHAT_ENDPOINTS = ("/v1/chat/completions", "/v1/completions")
PREDICT_ENDPOINT = "/v1/predict"
#: Examples of request ids kept per account and reason.
EVIDENCE_PER_REASON = 3
#: Seconds in one activity bucket (for synchronised-activity linkage).
ACTIVITY_BUCKET_S = 600


@dataclass
class FeatureSet:
    """The reduced tables detectors and linkage read (pandas, one engine-free copy)."""

    accounts: pd.DataFrame  # one row per account: aggregates and rule counts
    samples: pd.DataFrame  # account_id, request_id, prompt, system_prompt, end_user, n_user_turns, epoch_s (bounded per account)
    infra: pd.DataFrame  # account_id, kind, value: infrastructure each account used
    activity: pd.DataFrame  # account_id, bucket, n: requests per time bucket
    evidence: pd.DataFrame  # account_id, reason, request_id, ts: examples per reason
    predict: pd.DataFrame  # account_id, end_user, request_id, ts, request_json, response_json
    profile: pd.DataFrame  # account metadata from accounts.jsonl (may be empty)
    end_users: pd.DataFrame  # (account_id, end_user) aggregates for platform accounts
    domains: list[str]
    rules: list[str]
    #: subject -> member accounts, for subjects that are groups (campaigns)
    groups: dict[str, list[str]] = field(default_factory=dict)
    #: reason -> account -> example request ids (built from ``evidence``)
    evidence_index: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: prompt templates, filled in by the capability-sweep detector's fit
    templates: Any = None
    #: whether campaigns are formed from these features; without linkage
    #: (the end-user pass) ``infra``, ``activity`` and ``end_users`` are
    #: empty and detectors skip what only linkage reads
    linkage: bool = True
    #: values detectors work out once from these tables and share (see
    #: detect.text_rules.typical_output)
    derived: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index: dict[str, dict[str, list[str]]] = {}
        for acct, reason, rid in zip(self.evidence["account_id"], self.evidence["reason"], self.evidence["request_id"], strict=True):
            index.setdefault(reason, {}).setdefault(acct, []).append(rid)
        self.evidence_index = index

    def members(self, subject: str) -> list[str]:
        return self.groups.get(subject, [subject])


def _domain_regex(words: list[str]) -> str:
    parts = []
    for w in words:
        w = w.lower()
        esc = re.escape(w).replace("\\ ", " ")
        # \b is ASCII-only in RE2, so it guards only ASCII keywords ("law" must
        # not match "lawn"); CJK and accented words match as substrings.
        parts.append(f"\\b{esc}\\b" if w.isascii() else esc)
    return "|".join(parts)


def annotate(events: ibis.Table, policy: Policy) -> ibis.Table:
    """Per-event flags: rule matches, domains, request shape.

    A rule or domain matches a request when it matches one of the texts its
    field reads (:data:`~antidistill.policy.TEXT_PARTS`), each lower-cased
    on its own. The regular expressions are most of the cost, and a pass of
    one costs about the same per byte whatever it holds, so passes are
    saved where the answer is known (same flags either way):

    * system prompts are matched once per distinct system prompt and joined
      back (a few hundred distinct ones carry about a third of a log's
      prompt text);
    * rules with the same patterns over the same text are matched once, and
      a rule whose patterns all belong to another rule over the same text
      (``reasoning-in-prompt`` inside ``reasoning-elicitation``) only where
      that one matched;
    * a domain is looked for only in texts that match some domain (one pass
      of all the domains' words together), and there only where a group of
      a few domains including it matched.
    """
    t = events
    is_chat = t.endpoint.isin(CHAT_ENDPOINTS)
    flags = {
        "is_chat": is_chat.cast("int64"),
        "is_predict": (t.endpoint == PREDICT_ENDPOINT).cast("int64"),
        "is_error": (t.status >= 400).cast("int64"),
        "has_logprobs": t.logprobs.fill_null(False).cast("int64"),
        "tiny_output": (t.max_tokens.fill_null(1_000_000) <= 5).cast("int64"),
        "n_bias": t.logit_bias_tokens.length().fill_null(0),
        "has_tools": (t.n_tools.fill_null(0) > 0).cast("int64"),
        "multi_turn": (t.n_user_turns.fill_null(1) > 1).cast("int64"),
        "prompt_chars": t.prompt.length().fill_null(0),
        "hour": t.ts.truncate("h"),
        "bucket": (t.ts.epoch_seconds() // ACTIVITY_BUCKET_S).cast("int64"),
        "toolset": ibis.ifelse(
            t.n_tools.fill_null(0) > 0, t.tool_names.sort().join(","), ibis.null("string")
        ),
    }
    domains = {_ident(name): _domain_regex(words) for name, words in policy.domains.items()}
    t = t.mutate(**flags, _ad_system_key=t.system_prompt.fill_null(""))
    part_columns: dict[str, list[str]] = {}
    for part in policy.text_parts():
        if part == "system_prompt":
            continue  # below
        t, part_columns[part] = _text_flags(t, t[part].fill_null("").lower(), part, policy, domains)
    # The system prompts' flags: one row per distinct system prompt, joined back.
    system = t.select(_ad_system_key=t._ad_system_key).distinct()
    system, part_columns["system_prompt"] = _text_flags(system, system._ad_system_key.lower(), "system_prompt", policy, domains)
    t = t.inner_join(system.select("_ad_system_key", *part_columns["system_prompt"]), "_ad_system_key")

    def any_part(name: str, names: tuple[str, ...]) -> ibis.Value:
        return functools.reduce(operator.or_, (t[_flag_column(p, name)] for p in names)).cast("int64")

    combined = {f"rule_{_ident(n)}": any_part(f"rule_{_ident(n)}", rule.parts) for n, rule in policy.rules.items()}
    combined.update({f"dom_{d}": any_part(f"dom_{d}", DOMAIN_PARTS) for d in domains})
    combined["dom_any"] = any_part("dom_any", DOMAIN_PARTS)
    t = t.mutate(**combined)
    # The columns in the order they have always had.
    order = [*flags, *(f"rule_{_ident(n)}" for n in policy.rules), *(f"dom_{d}" for d in domains), "dom_any"]
    return t.select(*events.columns, *order)


def _flag_column(part: str, name: str) -> str:
    return f"_ad_{part}_{name}"


def _text_flags(t: ibis.Table, text: ibis.Value, part: str, policy: Policy,
                domains: dict[str, str]) -> tuple[ibis.Table, list[str]]:
    """``t`` with boolean columns (:func:`_flag_column`) saying which rules
    reading ``part`` and which domains match ``text``; and their names.

    Each group of columns is added in a projection of its own, so that the
    lower-cased text is computed once and the columns the next group reads
    are not computed again where inlined."""
    text_col = f"_ad_text_{part}"
    t = t.mutate(**{text_col: text})
    text = t[text_col]
    rules = {name: rule for name, rule in policy.rules.items() if part in rule.parts}
    # A rule is matched in full once per distinct set of patterns, and only
    # where a rule with a superset of its patterns matched, if there is one.
    by_patterns: dict[frozenset[str], str] = {}
    for name in sorted(rules, key=lambda n: (-len(set(rules[n].patterns)), n)):
        by_patterns.setdefault(frozenset(rules[name].patterns), name)
    wider = {}
    for key, name in by_patterns.items():
        within = [other for k, other in by_patterns.items() if key < k]
        if within:
            wider[name] = min(within, key=lambda n: (len(set(rules[n].patterns)), n))
    # Widest first, so that the rule each one lies within is there already.
    for name in by_patterns.values():
        match = _matches(text, rules[name].regexes())
        if name in wider:
            match = ibis.ifelse(t[_flag_column(part, f"rule_{_ident(wider[name])}")], match, False)
        t = t.mutate(**{_flag_column(part, f"rule_{_ident(name)}"): match})
    names = []
    for name, rule in rules.items():
        col = _flag_column(part, f"rule_{_ident(name)}")
        if col not in t.columns:
            t = t.mutate(**{col: t[_flag_column(part, f"rule_{_ident(by_patterns[frozenset(rule.patterns)])}")]})
        names.append(col)
    if part not in DOMAIN_PARTS:
        return t, names
    any_dom = text.re_search("|".join(domains.values())) if domains else ibis.literal(False)
    t = t.mutate(**{_flag_column(part, "dom_any"): any_dom})
    # Then groups of a few domains where some domain matched, then each
    # domain where its group matched.
    groups = [list(domains)[k : k + _DOMAIN_GROUP] for k in range(0, len(domains), _DOMAIN_GROUP)]
    group_col = [_flag_column(part, f"domain_group_{k}") for k in range(len(groups))]
    t = t.mutate(**{
        group_col[k]: ibis.ifelse(t[_flag_column(part, "dom_any")], text.re_search("|".join(domains[d] for d in group)), False)
        for k, group in enumerate(groups)
    })
    t = t.mutate(**{
        _flag_column(part, f"dom_{d}"): ibis.ifelse(t[group_col[k]], text.re_search(domains[d]), False)
        for k, group in enumerate(groups) for d in group
    })
    return t, [*names, _flag_column(part, "dom_any"), *(_flag_column(part, f"dom_{d}") for d in domains)]


#: Domains looked for together before each is looked for alone.
_DOMAIN_GROUP = 4


def _matches(text: ibis.Value, regexes: list[str]) -> ibis.Value:
    return functools.reduce(operator.or_, (text.re_search(rx) for rx in regexes))


#: Event columns the features read after :func:`annotate` (besides its flags).
FEATURE_COLUMNS = (
    "request_id", "ts", "account_id", "api_key_id", "client_ip", "user_agent", "end_user",
    "system_prompt", "prompt", "n_user_turns", "prompt_tokens", "completion_tokens", "logit_bias_tokens",
)


def annotated_events(events: ibis.Table, policy: Policy) -> ibis.Table:
    """:func:`annotate` narrowed to what :func:`extract_features` reads: the
    raw bodies only of prediction-API events (the only ones read), no
    response text (only rules read it, and they are evaluated here).

    Every column is per event, so filtering the result (or rewriting
    ``account_id``) gives what annotating the filtered events would give:
    a scan annotates once and derives its end-user pass from it."""
    t = annotate(events, policy)
    flags = [c for c in t.columns if c not in events.columns]
    return t.select(
        *FEATURE_COLUMNS, *flags,
        request_json=ibis.ifelse(t.is_predict == 1, t.request_json, ibis.null("string")),
        response_json=ibis.ifelse(t.is_predict == 1, t.response_json, ibis.null("string")),
    )


def _ident(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_")


def account_aggregates(t: ibis.Table, policy: Policy) -> ibis.Table:
    # Gaps between an account's consecutive requests, from a narrow table:
    # the window sorts the rows it carries, and the wide annotated rows cost
    # far more to sort than the three columns it needs.
    narrow = t.select("account_id", "ts", "request_id")
    w = ibis.window(group_by=narrow.account_id, order_by=[narrow.ts, narrow.request_id])
    gaps = (
        narrow.select("account_id", gap_s=narrow.ts.epoch_seconds() - narrow.ts.lag().over(w).epoch_seconds())
        .group_by("account_id")
        .agg(gap_mean=_.gap_s.mean(), gap_std=_.gap_s.std())
    )
    reasoning = t[f"rule_{_ident('reasoning-elicitation')}"] if "reasoning-elicitation" in policy.rules else ibis.literal(0)
    aggs = {
        "n_requests": _.count(),
        "n_chat": _.is_chat.sum(),
        "n_predict": _.is_predict.sum(),
        "n_errors": _.is_error.sum(),
        "first_ts": _.ts.min(),
        "last_ts": _.ts.max(),
        "active_hours": _.hour.nunique(),
        "n_ips": _.client_ip.nunique(),
        "n_user_agents": _.user_agent.nunique(),
        "n_end_users": _.end_user.nunique(),
        "n_api_keys": _.api_key_id.nunique(),
        "mean_prompt_chars": _.prompt_chars.mean(),
        "sum_prompt_tokens": _.prompt_tokens.sum(),
        "sum_completion_tokens": _.completion_tokens.sum(),
        # Requests whose completion tokens the log gives (a failed request,
        # or a log without responses, has none): the mean output is over these.
        "n_completion_known": _.completion_tokens.count(),
        "n_logprobs": _.has_logprobs.sum(),
        "n_tiny_output": _.tiny_output.sum(),
        "n_logit_bias": (_.n_bias > 0).cast("int64").sum(),
        "n_tools": _.has_tools.sum(),
        "n_toolsets": _.toolset.nunique(),
        "n_multi_turn": _.multi_turn.sum(),
        "n_system_prompts": _.system_prompt.nunique(),
    }
    for name in policy.rules:
        col = f"rule_{_ident(name)}"
        aggs[f"n_{col}"] = t[col].sum()
    for name in policy.domains:
        col = f"dom_{_ident(name)}"
        aggs[col] = t[col].max()
        # Domains touched by reasoning-eliciting requests specifically.
        aggs[f"{col}_reasoning"] = (t[col] * reasoning).max()
    aggs["n_domain_tagged"] = t.dom_any.sum()
    aggs["n_domain_tagged_reasoning"] = (t.dom_any * reasoning).sum()
    agg = t.group_by("account_id").agg(**aggs)
    # Distinct logit-bias token ids need the arrays flattened.
    bias = (
        t.filter(t.n_bias > 0)
        .select("account_id", token=_.logit_bias_tokens.unnest())
        .group_by("account_id")
        .agg(n_bias_tokens=_.token.nunique())
    )
    out = agg.join(gaps, "account_id").left_join(bias, "account_id")
    cols = list(agg.columns)
    # In the order the columns have always had (gaps after gap-free aggregates).
    at = cols.index("n_system_prompts") + 1
    return out.select(*cols[:at], "gap_mean", "gap_std", *cols[at:], n_bias_tokens=out.n_bias_tokens.fill_null(0))


def extract_features(events: ibis.Table, accounts: ibis.Table, policy: Policy, *, sample_per_account: int = 60,
                     annotated: bool = False, linkage: bool = True) -> FeatureSet:
    """Run the pipeline and pull the reduced tables into pandas.

    ``annotated``: ``events`` is already :func:`annotated_events` (typically
    materialised once with ``Engine.materialize``, so the rules and domain
    regexes run once per event rather than once per reduced table).
    ``linkage=False``: no campaigns will be formed from the result, so the
    tables only linkage reads (``infra``, ``activity``, ``end_users``) are
    left empty rather than computed."""
    t = events if annotated else annotate(events, policy)
    agg = account_aggregates(t, policy).order_by("account_id").to_pandas()
    for col in agg.columns:
        if col not in ("account_id", "first_ts", "last_ts"):
            # Engines return sums as DECIMAL/HUGEINT or int; detectors want floats.
            agg[col] = pd.to_numeric(agg[col], errors="coerce").astype("float64")

    order = ibis.window(group_by=t.account_id, order_by=t.request_id)
    samples = (
        t.filter(t.is_chat == 1)
        .mutate(rn=ibis.row_number().over(order))
        .filter(_.rn < sample_per_account)
        .select("account_id", "request_id", "prompt", "system_prompt", "end_user", "n_user_turns",
                # Whole seconds: when the sampled requests were sent (how long
                # an account's templated traffic lasted, see detect.sweep).
                epoch_s=_.ts.epoch_seconds().floor().cast("int64"))
        .order_by(["account_id", "request_id"])
        .to_pandas()
    )

    reason_cols = [f"rule_{_ident(n)}" for n in policy.rules]
    reason = ibis.cases(
        *[(t[c] == 1, ibis.literal(n)) for c, n in zip(reason_cols, policy.rules, strict=True)],
        (t.n_bias > 0, "logit-bias"),
        (t.has_tools == 1, "tools"),
        (t.is_predict == 1, "predict"),
        else_="request",
    )
    rt = t.mutate(reason=reason)
    ew = ibis.window(group_by=[rt.account_id, rt.reason], order_by=[rt.ts, rt.request_id])
    evidence = (
        rt.mutate(rn=ibis.row_number().over(ew))
        .filter(_.rn < EVIDENCE_PER_REASON)
        .select("account_id", "reason", "request_id", "ts")
        .order_by(["account_id", "reason", "ts", "request_id"])
        .to_pandas()
    )

    predict = (
        t.filter(t.is_predict == 1)
        .select("account_id", "end_user", "request_id", "ts", "request_json", "response_json")
        .order_by(["account_id", "ts", "request_id"])
        .to_pandas()
    )

    profile = accounts.order_by("account_id").to_pandas()
    infra, activity, end_users = _linkage_tables(t) if linkage else (
        pd.DataFrame(columns=["account_id", "kind", "value"]), pd.DataFrame(columns=["account_id", "bucket", "n"]),
        pd.DataFrame(columns=["account_id", "end_user", "n_requests"]))
    return FeatureSet(
        accounts=agg,
        samples=samples,
        infra=infra,
        activity=activity,
        evidence=evidence,
        predict=predict,
        profile=profile,
        end_users=end_users,
        domains=list(policy.domains),
        rules=list(policy.rules),
        linkage=linkage,
    )


def _linkage_tables(t: ibis.Table) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What linkage reads: infrastructure, activity per time bucket, end users."""
    infra_parts = [
        t.select("account_id", kind=ibis.literal("ip"), value=t.client_ip),
        t.select(
            "account_id",
            kind=ibis.literal("ip_prefix"),
            value=ibis.ifelse(
                t.client_ip.contains(":"),
                t.client_ip.re_extract(r"^([0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F]*)", 1),
                t.client_ip.re_extract(r"^(\d+\.\d+\.\d+)\.", 1),
            ),
        ),
        t.select("account_id", kind=ibis.literal("user_agent"), value=t.user_agent),
        t.select("account_id", kind=ibis.literal("system_prompt"), value=t.system_prompt),
    ]
    infra = (
        ibis.union(*infra_parts, distinct=True)
        .filter(_.value.notnull() & (_.value != ""))
        .order_by(["account_id", "kind", "value"])
        .to_pandas()
    )

    activity = (
        t.group_by(["account_id", "bucket"]).agg(n=_.count()).order_by(["account_id", "bucket"]).to_pandas()
    )

    end_users = (
        t.filter(t.end_user.notnull())
        .group_by(["account_id", "end_user"])
        .agg(n_requests=_.count())
        .order_by(["account_id", "end_user"])
        .to_pandas()
    )
    return infra, activity, end_users
