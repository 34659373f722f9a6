"""Capability sweeps: templated prompts covering a topic taxonomy."""

from __future__ import annotations

import pandas as pd

from antidistill.detect.base import Detector, Scored, Signal, register
from antidistill.features.templates import mine_templates


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
                 volume_midpoint=40, volume_scale=12):
        super().__init__(**{k: v for k, v in locals().items() if k not in ("self", "__class__")})
        self.templates_ = None

    def fit(self, features):
        self.templates_ = mine_templates(features.samples, self.params["jaccard_threshold"])
        features.templates = self.templates_
        return self

    def measure(self, features):
        a = features.accounts.set_index("account_id")
        t = self.templates_
        doms = [c for c in a.columns if c.startswith("dom_") and not c.endswith("_reasoning")]
        m = a[["n_chat", *doms]].copy()
        m["n_sampled"] = [t.sampled_per_account.get(x, 0) for x in m.index]
        m["n_templated"] = [t.templated_per_account.get(x, 0) for x in m.index]
        return m

    def score(self, m, features):
        p = self.params
        doms = [c for c in m.columns if c.startswith("dom_")]
        tpl = features.templates
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            if row["n_templated"] <= 0:
                continue
            share = row["n_templated"] / max(row["n_sampled"], 1)
            breadth = int(sum(row[c] > 0 for c in doms))
            pattern = self.curve(share, p["templated_share_midpoint"], p["templated_share_scale"]) * self.curve(
                breadth, p["breadth_midpoint"], p["breadth_scale"])
            s = pattern * self.curve(row["n_chat"], p["volume_midpoint"], p["volume_scale"])
            examples = tpl.examples(features.members(subject))
            out[subject] = Scored(s, [
                Signal("templated_share", share, examples),
                Signal("domains_covered", breadth),
                Signal("chat_requests", int(row["n_chat"])),
            ], pattern)
        return out
