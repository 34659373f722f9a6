"""Capability sweeps: templated prompts covering a topic taxonomy."""

from __future__ import annotations

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
    """

    name = "capability-sweep"
    tactic = "capability-sweep"

    def __init__(self, jaccard_threshold=0.5, sample_per_account=60, templated_share_midpoint=0.5,
                 templated_share_scale=0.1, breadth_midpoint=3.5, breadth_scale=0.6,
                 volume_midpoint=40, volume_scale=12, output_length_midpoint=1.33, output_length_scale=0.33,
                 output_weight=0.6, typical_output_tokens=150):
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
        return m

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
            examples = tpl.examples(features.members(subject))
            out[subject] = Scored(s, [
                Signal("templated_share", share, examples),
                Signal("domains_covered", breadth),
                Signal("chat_requests", int(row["n_chat"])),
                *output_signals(mean, typical),
            ], pattern)
        return out
