"""Classifier extraction against the prediction API (``/v1/predict``).

A thief copying a classifier needs labels where the classes meet, so its
queries sit near decision boundaries far more often than a real workload's
inputs, which come from the world the model was trained on and are mostly
answered with confidence. The share of low-confidence answers is measured
from the responses alone; it needs neither the model nor its training data.
PRADA's statistic is reported beside it as a second, independent signal.
"""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd

from antidistill.detect.base import Detector, Scored, Signal, register
from antidistill.detect.prada import Prada


def parse_predict(request_json: str, response_json: str | None) -> tuple[list[list[float]], list[tuple[int, float]]]:
    """(instances, [(label, top probability)]) of one exchange; empty when unusable."""
    try:
        req = orjson.loads(request_json)
        inst = req.get("instances") or []
        if not response_json:
            return inst, []
        preds = orjson.loads(response_json).get("predictions") or []
        answers = []
        for p in preds:
            probs = p.get("probabilities") or []
            label = p.get("label")
            top = max(probs) if probs else 1.0
            answers.append((int(label) if label is not None else int(np.argmax(probs)), float(top)))
        return inst, answers
    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
        return [], []


@register
class ClassifierExtraction(Detector):
    name = "classifier-extraction"
    tactic = "classifier-extraction"

    def __init__(self, min_queries=50, low_confidence_below=0.6, boundary_share_midpoint=0.3,
                 boundary_share_scale=0.07, prada_delta=0.9):
        super().__init__(**{k: v for k, v in locals().items() if k not in ("self", "__class__")})
        self.prada_ = {}

    def measure(self, features):
        p = self.params
        accounts = features.accounts["account_id"]
        n_q = dict.fromkeys(accounts, 0)
        n_low = dict.fromkeys(accounts, 0)
        self.prada_ = {}
        for acct, rq, rs in zip(features.predict["account_id"], features.predict["request_json"],
                                features.predict["response_json"], strict=True):
            inst, answers = parse_predict(rq, rs)
            if not answers:
                continue
            prada = self.prada_.setdefault(acct, Prada(delta=p["prada_delta"]))
            for x, (label, top) in zip(inst, answers, strict=False):
                n_q[acct] = n_q.get(acct, 0) + 1
                n_low[acct] = n_low.get(acct, 0) + int(top < p["low_confidence_below"])
                if len(prada.distances) < 2000:  # bounded cost per account
                    prada.learn_one(np.asarray(x, dtype=float), label)
        return pd.DataFrame({"n_queries": pd.Series(n_q), "n_low_confidence": pd.Series(n_low)}).reindex(accounts.values).fillna(0)

    def score(self, m, features):
        p = self.params
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            n = row["n_queries"]
            if n < p["min_queries"]:
                continue
            share = row["n_low_confidence"] / n
            s = self.curve(share, p["boundary_share_midpoint"], p["boundary_share_scale"])
            signals = [Signal("boundary_query_share", share, self.examples(features, subject, "predict", features.members(subject))),
                       Signal("predict_queries", int(n))]
            prada = self.prada_.get(subject)
            w = prada.statistic() if prada else None
            if w is not None:
                signals.append(Signal("prada_shapiro_w", w))
            out[subject] = Scored(s, signals)
        return out
