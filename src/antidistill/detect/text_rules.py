"""Detectors driven by the policy's text rules: reasoning, grading, prompt leaks."""

from __future__ import annotations

import pandas as pd

from antidistill.detect.base import Detector, Scored, Signal, own_params, register
from antidistill.features.pipeline import _ident


def breadth_term(curve, breadth: int, n: float, midpoint: float, scale: float) -> float:
    """Breadth of domains, judged against what ``n`` requests could cover.

    ``n`` counts the requests the domain taxonomy recognised at all: a request
    about a trip or a job interview is in no listed domain and says nothing
    about breadth either way. An account with three recognised requests can
    touch at most three domains; if it touched three, it roams as much as it
    could. Below that many requests breadth is not yet known, so it counts as
    neutral (0.5) at worst. (That holds however many requests the account
    sent: the domain lists cover a few languages, and a harvest in another
    one is recognised by none of them. Judging many unrecognised requests as
    narrow was tried in session 14 and left out: see BENCHMARKS.md.)
    """
    reachable = midpoint + 1.5
    effective = breadth * reachable / min(max(n, 1.0), reachable)
    strength = curve(effective, midpoint, scale)
    return max(strength, 0.5) if n < reachable else strength


def mean_output(completion_tokens: float, n_known: float) -> float | None:
    """Mean completion tokens over the requests whose count the log gives;
    None when it gives none (no responses logged, or every request failed)."""
    if not n_known > 0 or pd.isna(completion_tokens):
        return None
    return completion_tokens / n_known


#: Accounts with at least this many completion counts, under this share of
#: whose chat requests ask for reasoning, make the log's typical answer
#: length, when there are at least TYPICAL_MIN_ACCOUNTS of them.
TYPICAL_MIN_KNOWN = 5
TYPICAL_MAX_REASONING_SHARE = 0.2
TYPICAL_MIN_ACCOUNTS = 20


def typical_output(features, rule: str) -> float | None:
    """The log's typical answer length: the median, over accounts with at
    least ``TYPICAL_MIN_KNOWN`` completion counts, of their mean completion
    tokens; None when there are fewer than ``TYPICAL_MIN_ACCOUNTS`` such
    accounts (too few to say).

    How long answers run depends on the model served (a terse model's long
    answer is a verbose model's short one), so the output term judges an
    account's answers against this, not against a fixed number of tokens.
    Accounts, not requests, make the median, so that a few heavy
    applications do not set it; accounts that mostly ask for reasoning
    (``rule``: at least ``TYPICAL_MAX_REASONING_SHARE`` of their chat
    requests) are left out, so that a log full of harvests does not make
    long answers look ordinary. Worked out once per feature set.
    """
    derived = getattr(features, "derived", None)
    if derived is None:  # (feature sets pickled before the field existed)
        derived = features.derived = {}
    key = f"typical_output:{rule}"
    if key not in derived:
        a = features.accounts
        column = rule_column(rule)
        value = None
        if len(a) and {"n_completion_known", column} <= set(a.columns):
            known = a[(a["n_completion_known"] >= TYPICAL_MIN_KNOWN)
                      & (a[column] < TYPICAL_MAX_REASONING_SHARE * a["n_chat"].clip(lower=1))]
            if len(known) >= TYPICAL_MIN_ACCOUNTS:
                value = float((known["sum_completion_tokens"] / known["n_completion_known"]).median())
        derived[key] = value
    return derived[key]


def output_length(features, params: dict, rule: str) -> tuple[float, float, float]:
    """(midpoint, scale, typical) of the output term, in completion tokens
    (``rule``: the reasoning rule, see :func:`typical_output`).

    The policy gives the midpoint and scale as multiples of the log's
    typical answer length (:func:`typical_output`), because what counts as
    a long answer depends on the model served; when the log has too few
    accounts with answers to say, ``typical_output_tokens`` stands in.
    """
    typical = typical_output(features, rule) or params["typical_output_tokens"]
    typical = max(float(typical), 1.0)
    return params["output_length_midpoint"] * typical, params["output_length_scale"] * typical, typical


def output_term(curve, mean: float | None, midpoint: float, scale: float, weight: float) -> float:
    """Harvests want long, content-rich answers (that is what a student model
    learns from); products built on templates mostly want short ones. Long
    outputs raise the pattern; short ones damp it by at most ``weight``.

    ``mean``: see :func:`mean_output`. Unknown outputs (no responses logged,
    or every request failed) do not raise the pattern: the term stays at its
    floor, as for short answers. Output length is what tells a harvest from
    an application that sends the same kind of prompts at volume, and
    without it a neutral term flagged such applications (benchmarks/
    bench_degraded.py, BENCHMARKS.md session 13); the scan says how much of
    a log gives no outputs (``ScanResult.notes``)."""
    strength = 0.0 if mean is None else curve(mean, midpoint, scale)
    return (1.0 - weight) + weight * strength


def output_signals(mean: float | None, typical: float) -> list[Signal]:
    if mean is None:
        return []
    return [Signal("mean_completion_tokens", mean), Signal("typical_completion_tokens", typical)]


def rule_column(rule: str) -> str:
    """The account aggregate counting requests that match ``rule``."""
    return f"n_rule_{_ident(rule)}"


def _domain_cols(columns: pd.Index, suffix: str = "") -> list[str]:
    return [c for c in columns if c.startswith("dom_") and c.endswith(suffix) and (suffix or not c.endswith("_reasoning"))]


@register
class ReasoningHarvest(Detector):
    """Requests that elicit full reasoning, at volume, across many domains.

    An evaluation harness running one benchmark matches the rule too, but
    stays in one or two domains; a harvest for distillation roams, because a
    student model needs reasoning on everything.
    """

    name = "reasoning-harvest"
    tactic = "reasoning-harvest"
    rule = "reasoning-elicitation"
    #: the same patterns over the user's message alone
    prompt_rule = "reasoning-in-prompt"

    def __init__(self, volume_midpoint=40, volume_scale=12, share_midpoint=0.35, share_scale=0.08,
                 breadth_midpoint=3.5, breadth_scale=0.6, min_active_hours=3,
                 output_length_midpoint=1.33, output_length_scale=0.33, output_weight=0.6,
                 typical_output_tokens=150, system_prompt_weight=0.5):
        super().__init__(**own_params(locals()))

    def measure(self, features):
        a = features.accounts.set_index("account_id")
        cols = _domain_cols(a.columns, "_reasoning")
        m = a[["n_chat", rule_column(self.rule), "n_domain_tagged_reasoning", "active_hours",
               "sum_completion_tokens", "n_completion_known", *cols]].copy()
        m.columns = ["n_chat", "n_reasoning", "n_tagged", "active_hours", "completion_tokens", "n_completion_known", *cols]
        in_prompt = rule_column(self.prompt_rule)
        if in_prompt in a.columns:
            # Matches only the system prompt explains count for less.
            system_only = m["n_reasoning"] - a[in_prompt]
            m["n_reasoning"] = a[in_prompt] + self.params["system_prompt_weight"] * system_only
        return m

    def score(self, m, features):
        p = self.params
        dom = _domain_cols(m.columns, "_reasoning")
        out_mid, out_scale, typical = output_length(features, p, self.rule)
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            n = row["n_reasoning"]
            if n <= 0:
                continue
            share = n / max(row["n_chat"], 1)
            breadth = int(sum(row[c] > 0 for c in dom))
            mean = mean_output(row["completion_tokens"], row["n_completion_known"])
            pattern = (self.curve(share, p["share_midpoint"], p["share_scale"])
                       * breadth_term(self.curve, breadth, row["n_tagged"], p["breadth_midpoint"], p["breadth_scale"])
                       * output_term(self.curve, mean, out_mid, out_scale, p["output_weight"]))
            s = self.curve(n, p["volume_midpoint"], p["volume_scale"]) * pattern
            if row["active_hours"] < p["min_active_hours"]:
                s *= 0.5  # one short burst reads like a benchmark run
            ev = self.examples(features, subject, self.rule, features.members(subject))
            out[subject] = Scored(s, [
                Signal("reasoning_requests", round(float(n), 1), ev),
                Signal("reasoning_share", share),
                Signal("reasoning_domains", breadth),
                *output_signals(mean, typical),
            ], pattern)
        return out


@register
class PreferenceHarvest(Detector):
    """Grading, ranking and comparison prompts at volume, across many domains
    (reward-model data).

    A team using the model as a judge on its own evaluation grades answers
    to a fixed benchmark's questions, which stay in a few domains; a reward
    model needs preferences on everything, so a harvest roams, as reasoning
    harvests do. Breadth is that of the account's chat requests.
    """

    name = "preference-harvest"
    tactic = "preference-harvest"
    rule = "preference-grading"

    def __init__(self, volume_midpoint=25, volume_scale=8, share_midpoint=0.4, share_scale=0.1,
                 breadth_midpoint=3.5, breadth_scale=0.6):
        super().__init__(**own_params(locals()))

    def measure(self, features):
        a = features.accounts.set_index("account_id")
        cols = _domain_cols(a.columns)
        m = a[["n_chat", rule_column(self.rule), "n_domain_tagged", *cols]].copy()
        m.columns = ["n_chat", "n_grading", "n_tagged", *cols]
        return m

    def score(self, m, features):
        p = self.params
        dom = _domain_cols(m.columns)
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            n = row["n_grading"]
            if n <= 0:
                continue
            share = n / max(row["n_chat"], 1)
            breadth = int(sum(row[c] > 0 for c in dom))
            pattern = (self.curve(share, p["share_midpoint"], p["share_scale"])
                       * breadth_term(self.curve, breadth, row["n_tagged"], p["breadth_midpoint"], p["breadth_scale"]))
            s = self.curve(n, p["volume_midpoint"], p["volume_scale"]) * pattern
            ev = self.examples(features, subject, self.rule, features.members(subject))
            out[subject] = Scored(s, [Signal("grading_requests", int(n), ev), Signal("grading_share", share),
                                      Signal("domains_covered", breadth)], pattern)
        return out


@register
class PromptExtraction(Detector):
    """Repeated attempts to make the model reveal its system prompt.

    One curious user trying once is not theft; the strength rises with the
    number of attempts, and with their share of the account's chat
    requests: an application that passes thousands of its users' messages
    through (a support bot) carries the few of them that try the trick,
    while an extraction effort is a good part of what its account sends.
    """

    name = "prompt-extraction"
    tactic = "prompt-extraction"
    rule = "prompt-extraction"

    def __init__(self, count_midpoint=3.5, count_scale=0.8, share_midpoint=0.02, share_scale=0.005):
        super().__init__(**own_params(locals()))

    def measure(self, features):
        a = features.accounts.set_index("account_id")
        return pd.DataFrame({"n_prompt_extraction": a[rule_column(self.rule)], "n_chat": a["n_chat"]})

    def score(self, m, features):
        p = self.params
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            n = row["n_prompt_extraction"]
            if n <= 0:
                continue
            share = n / max(row["n_chat"], n, 1)
            share_term = self.curve(share, p["share_midpoint"], p["share_scale"])
            s = self.curve(n, p["count_midpoint"], p["count_scale"]) * share_term
            ev = self.examples(features, subject, self.rule, features.members(subject))
            # A few attempts per account is the pattern of a campaign spread
            # thin; one attempt alone stays below what lifts an account that
            # shares only a network with the campaign.
            pattern = min(1.0, n / p["count_midpoint"]) * share_term
            out[subject] = Scored(s, [Signal("prompt_extraction_attempts", int(n), ev), Signal("attempt_share", share)],
                                  pattern)
        return out
