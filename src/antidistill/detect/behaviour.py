"""Behaviour: volume, timing regularity, token ratios, account age.

Supporting evidence only. Plenty of honest software is regular, busy and
new; behaviour never convicts on its own (its strength is capped, and the
scorer uses it only to strengthen evidence a tactic detector found).
"""

from __future__ import annotations

import pandas as pd

from antidistill.detect.base import Detector, Scored, Signal, own_params, register


@register
class Behaviour(Detector):
    name = "behaviour"
    tactic = None
    #: Not meaningful summed over a campaign's members.
    campaign_level = False

    def __init__(self, max_strength=0.3, regularity_cv_below=0.5, young_account_days=14):
        super().__init__(**own_params(locals()))

    def measure(self, features):
        a = features.accounts.set_index("account_id")
        m = pd.DataFrame(index=a.index)
        m["n_requests"] = a["n_requests"]
        m["gap_cv"] = (a["gap_std"] / a["gap_mean"]).where(a["gap_mean"] > 0)
        m["completion_ratio"] = a["sum_completion_tokens"] / a["sum_prompt_tokens"].where(a["sum_prompt_tokens"] > 0)
        m["n_ips"] = a["n_ips"]
        created = pd.Series(pd.NaT, index=a.index, dtype="datetime64[us]")
        prof = features.profile
        if len(prof) and "created" in prof:
            created = prof.set_index("account_id")["created"].reindex(a.index)
        m["age_days"] = (pd.to_datetime(a["first_ts"]) - pd.to_datetime(created)).dt.total_seconds() / 86400
        return m

    def score(self, m, features):
        p = self.params
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            indicators = []
            signals = []
            if row["n_requests"] >= 20 and pd.notna(row["gap_cv"]):
                regular = row["gap_cv"] < p["regularity_cv_below"]
                indicators.append(float(regular))
                signals.append(Signal("inter_arrival_cv", row["gap_cv"]))
            if pd.notna(row["age_days"]):
                indicators.append(float(row["age_days"] < p["young_account_days"]))
                signals.append(Signal("account_age_days", row["age_days"]))
            if pd.notna(row["completion_ratio"]):
                indicators.append(float(row["completion_ratio"] > 3))
                signals.append(Signal("completion_to_prompt_tokens", row["completion_ratio"]))
            if not indicators:
                continue
            s = p["max_strength"] * sum(indicators) / len(indicators)
            out[subject] = Scored(s, signals)
        return out
