"""Capability sweeps: templated prompts covering a topic taxonomy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from antidistill.detect.base import Detector, Scored, Signal, own_params, register
from antidistill.detect.text_rules import (
    ReasoningHarvest, breadth_term, mean_output, output_length, output_signals, output_term,
)
from antidistill.features.templates import mine_templates, shared_instructions


@register
class CapabilitySweep(Detector):
    """Many fill-in templates x many topics: a systematic capability harvest.

    A support bot is templated too, but stays in its one domain; the sweep is
    recognised by templating *and* breadth of domains *and* volume.

    A benchmark run is templated and broad too: a researcher scores a
    multiple-choice benchmark over every subject, in one sitting, from an
    account otherwise used in the ordinary way for days. A harvest keeps
    going (an operation wants millions of answers, not one pass; one that
    works in bursts comes back for more). An account's templated traffic
    is *one sitting* when the busiest ``sitting_max_hours`` of its sampled
    templated requests hold at least ``sitting_min_templated`` of them and
    at least ``sitting_min_share`` of them all, and the account is active
    over at least ``sitting_min_history_hours``. Its strength is damped by
    ``sitting_damping``; a group's by that times the share of its templated
    requests sent by such members, so that many researchers running the
    same public benchmark, each once, do not add up to a campaign. (An
    operation could run each of many aged accounts in one sitting only;
    that is a cost this leaves it.)
    """

    name = "capability-sweep"
    tactic = "capability-sweep"

    def __init__(self, jaccard_threshold=0.5, sample_per_account=60, templated_share_midpoint=0.5,
                 templated_share_scale=0.1, breadth_midpoint=3.5, breadth_scale=0.6,
                 volume_midpoint=40, volume_scale=12, output_length_midpoint=1.33, output_length_scale=0.33,
                 output_weight=0.6, typical_output_tokens=150, sitting_min_templated=20, sitting_min_share=0.8,
                 sitting_max_hours=2.0, sitting_min_history_hours=24.0, sitting_damping=0.6):
        super().__init__(**own_params(locals()))
        self.templates_ = None

    def fit(self, features):
        first_turns = features.samples[features.samples["n_user_turns"].fillna(1) <= 1]
        # Template pairs across accounts and instruction lines are used by
        # linkage, not by this detector's score: without linkage (the
        # end-user pass forms no campaigns) they are not looked for.
        self.templates_ = mine_templates(first_turns, self.params["jaccard_threshold"], across_accounts=features.linkage)
        if features.linkage:
            # Found here because this is where the sampled prompts are mined.
            self.templates_.instructions = shared_instructions(first_turns)
        features.templates = self.templates_
        return self

    def measure(self, features):
        a = features.accounts.set_index("account_id")
        t = self.templates_
        doms = [c for c in a.columns if c.startswith("dom_") and not c.endswith("_reasoning")]
        m = a[["n_chat", "n_domain_tagged", "sum_completion_tokens", "n_completion_known", *doms]].copy()
        m["n_sampled"] = [t.sampled_per_account.get(x, 0) for x in m.index]
        m["n_templated"] = [t.templated_per_account.get(x, 0) for x in m.index]
        m["n_templated_in_sitting"] = m["n_templated"].where(m.index.isin(self._sittings(features, a)), 0)
        return m

    def _sittings(self, features, accounts) -> set[str]:
        """Accounts whose templated traffic is one sitting in a longer history."""
        p = self.params
        samples = features.samples
        if "epoch_s" not in samples.columns:  # (feature sets pickled before samples carried their time)
            return set()
        sent = dict(zip(samples["request_id"], samples["epoch_s"], strict=True))
        history = (pd.to_datetime(accounts["last_ts"]) - pd.to_datetime(accounts["first_ts"])).dt.total_seconds()
        width = p["sitting_max_hours"] * 3600
        out = set()
        for acct, rids in self.templates_.requests_of_account.items():
            if history.get(acct, 0.0) < p["sitting_min_history_hours"] * 3600:
                continue
            times = np.sort(np.array([sent[r] for r in rids if r in sent and not pd.isna(sent[r])], dtype=np.float64))
            if len(times) < p["sitting_min_templated"]:
                continue
            # The most requests in any window of the width starting at a request.
            busiest = int((np.searchsorted(times, times + width, side="right") - np.arange(len(times))).max())
            if busiest >= max(p["sitting_min_templated"], p["sitting_min_share"] * len(times)):
                out.add(acct)
        return out

    def score(self, m, features):
        p = self.params
        doms = [c for c in m.columns if c.startswith("dom_")]
        tpl = features.templates
        out_mid, out_scale, typical = output_length(features, p, ReasoningHarvest.rule)
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            if row["n_templated"] <= 0:
                continue
            share = row["n_templated"] / max(row["n_sampled"], 1)
            breadth = int(sum(row[c] > 0 for c in doms))
            mean = mean_output(row["sum_completion_tokens"], row["n_completion_known"])
            pattern = (self.curve(share, p["templated_share_midpoint"], p["templated_share_scale"])
                       * breadth_term(self.curve, breadth, row["n_domain_tagged"], p["breadth_midpoint"], p["breadth_scale"])
                       * output_term(self.curve, mean, out_mid, out_scale, p["output_weight"]))
            s = pattern * self.curve(row["n_chat"], p["volume_midpoint"], p["volume_scale"])
            in_sitting = row["n_templated_in_sitting"] / row["n_templated"]
            s *= 1.0 - p["sitting_damping"] * in_sitting
            examples = tpl.examples(features.members(subject))
            out[subject] = Scored(s, [
                Signal("templated_share", share, examples),
                Signal("domains_covered", breadth),
                Signal("chat_requests", int(row["n_chat"])),
                *output_signals(mean, typical),
                *([Signal("templated_in_one_sitting", in_sitting)] if in_sitting > 0 else []),
            ], pattern)
        return out
