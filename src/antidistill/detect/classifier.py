"""Classifier extraction against the prediction API (``/v1/predict``), for ``scan``.

The per-exchange signals and the sequential test that weighs them live in
:mod:`antidistill.detect.classifier_online`, which the gateway runs inline;
this detector replays each account's logged exchanges through the same
code, so a scan and the gateway agree. Its measurements are the signal
counts (additive: a campaign's evidence is the test on its members' sums).

Signals, in short (details in the online module): *confidence*, how often
the model's answers are unsure or hesitant, against a benign and an attack
distribution; *step*, queries that are an earlier query moved by one
equal-sized, mixed-sign step in many features (gradient-sign or random-sign
augmentation); *off_reference*, only with a configured reference sample of
benign inputs, queries further from it than benign inputs fall. PRADA's
Shapiro-Wilk statistic (Juuti et al. 2019) is reported beside them for
comparison and does not change the strength: it raises false alarms on
clients that resend near-duplicates.
"""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd

from antidistill.detect.base import Detector, Scored, Signal, own_params, register
from antidistill.detect.classifier_online import (
    ExtractionParams,
    OnlineClassifierExtraction,
    ReferenceSample,
    empty_counts,
    judge,
)
from antidistill.detect.prada import Prada

#: PRADA's cost grows with the growing sets; a scan reports it on this many queries per account.
PRADA_MAX_QUERIES = 2000
#: Example request ids kept per account and signal.
EXAMPLES = 3


def parse_predict(request_json: str | bytes, response_json: str | bytes | None) -> list[tuple[list[float], list[float] | None, int | None]]:
    """(instance, probabilities or None, label or None) for each instance of one exchange; [] when unusable."""
    try:
        inst = orjson.loads(request_json).get("instances") or []
        preds = (orjson.loads(response_json).get("predictions") or []) if response_json else []
    except (orjson.JSONDecodeError, AttributeError, TypeError):
        return []
    out = []
    for x, p in zip(inst, preds, strict=False):
        if not isinstance(x, list) or not isinstance(p, dict):
            continue
        probs = p.get("probabilities") or None
        label = p.get("label")
        if probs is None and label is None:
            continue
        try:
            out.append(([float(v) for v in x], [float(v) for v in probs] if probs else None,
                        int(label) if label is not None else None))
        except (TypeError, ValueError):
            continue
    return out


@register
class ClassifierExtraction(Detector):
    name = "classifier-extraction"
    tactic = "classifier-extraction"

    def __init__(self, min_queries=10, false_alarm_rate=1e-4, confidence_cuts=(0.6, 0.8),
                 confidence_benign=(0.12, 0.18, 0.70), confidence_attack=(0.30, 0.30, 0.40),
                 step_rate_benign=0.01, step_rate_attack=0.30, off_reference_rate_benign=0.10,
                 off_reference_rate_attack=0.50, neighbour_memory=1000, step_min_features=0.2,
                 step_equal_share=0.8, reference_inputs=None, reference_quantile=0.95,
                 min_population_accounts=20, prada_delta=0.95):
        super().__init__(**own_params(locals()))
        online = {k: v for k, v in self.params.items() if k not in ("min_population_accounts", "prada_delta")}
        for k in ("confidence_cuts", "confidence_benign", "confidence_attack"):
            online[k] = tuple(online[k])
        self.config = ExtractionParams(**online)
        self.config.validate()
        self.reference = (ReferenceSample.load(reference_inputs, reference_quantile) if reference_inputs else None)
        self.baseline_: dict[str, object] = {}
        self.prada_: dict[str, Prada] = {}
        self.examples_: dict[str, dict[str, list[str]]] = {}
        self._measured: tuple[int, pd.DataFrame] | None = None

    def _replay(self, features) -> pd.DataFrame:
        accounts = features.accounts["account_id"]
        states: dict[str, OnlineClassifierExtraction] = {}
        self.prada_, self.examples_ = {}, {}
        pred = features.predict
        for acct, rid, rq, rs in zip(pred["account_id"], pred["request_id"], pred["request_json"],
                                     pred["response_json"], strict=True):
            exchanges = parse_predict(rq, rs)
            if not exchanges:
                continue
            state = states.get(acct)
            if state is None:
                state = states[acct] = OnlineClassifierExtraction(self.config, self.reference)
            prada = self.prada_.setdefault(acct, Prada(delta=self.params["prada_delta"]))
            examples = self.examples_.setdefault(acct, {})
            for x, probs, label in exchanges:
                if label is None:
                    label = int(np.argmax(probs))
                for signal in state.learn_one(x, probs, label):
                    ids = examples.setdefault(signal, [])
                    if len(ids) < EXAMPLES and rid not in ids:
                        ids.append(rid)
                if len(prada.distances) < PRADA_MAX_QUERIES:
                    prada.learn_one(np.asarray(x, dtype=float), label)
        zero = empty_counts(self.config)
        rows = {a: (states[a].counts if a in states else zero) for a in accounts}
        return pd.DataFrame.from_dict(rows, orient="index", columns=list(zero)).reindex(accounts.values).fillna(0)

    def fit(self, features):
        """Learn the population's own rates; they can only make the tests more lenient."""
        m = self._replay(features)
        self._measured = (id(features), m)
        p = self.params
        busy = m[m["n_confidence_tested"] >= p["min_queries"]]
        self.baseline_ = {}
        if len(busy) >= p["min_population_accounts"]:
            # The median account stands for honest traffic: attackers are a
            # minority of the accounts that use a prediction API.
            shares = busy[[f"n_confidence_bin{i}" for i in range(len(self.config.confidence_cuts) + 1)]].div(
                busy["n_confidence_tested"], axis=0)
            self.baseline_["confidence"] = shares.median().tolist()
            for s in ("step", "off_reference"):
                tested = m[m[f"n_{s}_tested"] >= p["min_queries"]]
                if len(tested) >= p["min_population_accounts"]:
                    self.baseline_[s] = float((tested[f"n_{s}_hits"] / tested[f"n_{s}_tested"]).median())
        return self

    def measure(self, features):
        if self._measured is not None and self._measured[0] == id(features):
            return self._measured[1]
        return self._replay(features)

    def score(self, m, features):
        out = {}
        for subject, row in zip(m.index, m.to_dict("records"), strict=True):
            if row["n_queries"] < self.params["min_queries"]:
                continue
            verdict = judge(row, self.config, self.baseline_)
            members = features.members(subject)
            signals = []
            for name, rate in sorted(verdict.rates.items(), key=lambda kv: -verdict.llrs.get(kv[0], 0.0)):
                ids = []
                for acct in members or [subject]:
                    ids.extend(self.examples_.get(acct, {}).get(name, []))
                ids = ids[:EXAMPLES] or self.examples(features, subject, "predict", members)
                label = "unsure_answer_share" if name == "confidence" else f"{name}_query_share"
                signals.append(Signal(label, rate, ids))
            signals.append(Signal("extraction_evidence", round(verdict.evidence, 2)))
            signals.append(Signal("evidence_needed", round(verdict.threshold, 2)))
            signals.append(Signal("predict_queries", int(row["n_queries"])))
            prada = self.prada_.get(subject)
            w = prada.statistic() if prada else None
            if w is not None:
                signals.append(Signal("prada_shapiro_w", w))
            out[subject] = Scored(verdict.strength, signals, verdict.pattern)
        return out
