"""Detectors that read the shape of requests rather than their text."""

from __future__ import annotations

import pandas as pd

from antidistill.detect.base import Detector, Scored, Signal, own_params, register


@register
class LogitExtraction(Detector):
    """Logit-bias sweeps with logprobs and tiny outputs (Carlini et al. 2024).

    Recovering hidden dimensions or the output projection needs the logprobs
    of many different tokens, so the attacker biases a new set of token ids
    in each request. A classifier pipeline biases the same few label tokens
    every time: the number of *distinct* biased ids separates the two.
    """

    name = "logit-extraction"
    tactic = "logit-extraction"

    def __init__(self, distinct_bias_tokens_midpoint=60, distinct_bias_tokens_scale=12, min_logprob_share=0.5):
        super().__init__(**own_params(locals()))

    def measure(self, features):
        a = features.accounts.set_index("account_id")
        return pd.DataFrame({
            "n_requests": a["n_requests"],
            "n_logit_bias": a["n_logit_bias"],
            "n_bias_tokens": a["n_bias_tokens"],
            "n_logprobs": a["n_logprobs"],
            "n_tiny_output": a["n_tiny_output"],
        })

    def score(self, m, features):
        p = self.params
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            if row["n_logit_bias"] <= 0:
                continue
            lp_share = row["n_logprobs"] / max(row["n_requests"], 1)
            logprob_factor = min(1.0, lp_share / p["min_logprob_share"])
            s = self.curve(row["n_bias_tokens"], p["distinct_bias_tokens_midpoint"], p["distinct_bias_tokens_scale"])
            s *= logprob_factor
            # Volume-free: a sweep brings new token ids in nearly every
            # request; a fixed-label classifier almost never does.
            new_ids_per_request = row["n_bias_tokens"] / row["n_logit_bias"]
            pattern = self.curve(new_ids_per_request, 0.5, 0.1) * logprob_factor
            ev = self.examples(features, subject, "logit-bias", features.members(subject))
            out[subject] = Scored(s, [
                Signal("distinct_bias_tokens", int(row["n_bias_tokens"]), ev),
                Signal("logit_bias_requests", int(row["n_logit_bias"])),
                Signal("logprobs_share", lp_share),
                Signal("tiny_output_share", row["n_tiny_output"] / max(row["n_requests"], 1)),
            ], pattern)
        return out


@register
class AgenticHarvest(Detector):
    """Tool definitions plus synthetic tasks at volume.

    A real agent or coding assistant sends the same tool set over and over;
    a harvest of tool-use traces invents a new tool set for each task. The
    pattern is the number of distinct tool sets, not their share of requests:
    a multi-step task repeats its tool set at every step, so the share says
    more about task length than about invention.
    """

    name = "agentic-harvest"
    tactic = "agentic-harvest"

    def __init__(self, toolsets_midpoint=6, toolsets_scale=1.5, volume_midpoint=30, volume_scale=10):
        super().__init__(**own_params(locals()))

    def measure(self, features):
        a = features.accounts.set_index("account_id")
        return pd.DataFrame({"n_tools": a["n_tools"], "n_toolsets": a["n_toolsets"], "n_multi_turn": a["n_multi_turn"]})

    def score(self, m, features):
        p = self.params
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            n = row["n_tools"]
            if n <= 0:
                continue
            diversity = row["n_toolsets"] / n
            pattern = self.curve(row["n_toolsets"], p["toolsets_midpoint"], p["toolsets_scale"])
            s = self.curve(n, p["volume_midpoint"], p["volume_scale"]) * pattern
            ev = self.examples(features, subject, "tools", features.members(subject))
            out[subject] = Scored(s, [
                Signal("tool_requests", int(n), ev),
                Signal("distinct_toolsets", int(row["n_toolsets"])),
                Signal("toolset_diversity", diversity),
            ], pattern)
        return out
