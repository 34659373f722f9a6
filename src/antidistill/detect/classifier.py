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

from array import array

import numpy as np
import orjson
import pandas as pd

from antidistill.detect.base import Detector, Scored, Signal, own_params, register
from antidistill.detect.classifier_online import (
    SIGNALS,
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


def _floats(values) -> array:
    """``[float(v) for v in values]`` as an ``array('d')``; one C loop when every value is a number."""
    try:
        return array("d", values)  # takes exactly the numbers float() takes; strings go the slow way
    except TypeError:
        return array("d", [float(v) for v in values])


def _numbers(rows: list) -> np.ndarray | None:
    """Rows of JSON values as one 2-d float array when all are numbers in rows of one length (else None).

    Only ints, floats and booleans make a numeric array, and for those
    numpy's conversion is float()'s, so the values are ``_floats``'.
    """
    try:
        arr = np.array(rows)
    except (ValueError, TypeError, OverflowError):  # ragged, or nothing numpy takes
        return None
    if arr.ndim != 2 or arr.dtype.kind not in "biuf":
        return None
    return arr.astype(np.float64, copy=False)


#: Instances, probabilities (or None) and labels (or None) of the usable exchanges of one request:
#: 2-d arrays when every row is plain numbers of one length, else lists of ``array('d')`` rows.
Exchanges = tuple["np.ndarray | list[array]", "np.ndarray | list[array | None]", "list[int | None]"]
_NO_EXCHANGES: Exchanges = ([], [], [])


def _exchanges(request_json: str | bytes, response_json: str | bytes | None) -> Exchanges:
    """What :func:`parse_predict` finds, as arrays."""
    try:
        inst = orjson.loads(request_json).get("instances") or []
        preds = (orjson.loads(response_json).get("predictions") or []) if response_json else []
    except (orjson.JSONDecodeError, AttributeError, TypeError):
        return _NO_EXCHANGES
    kept: list[tuple[list, list | None, object]] = []
    for x, p in zip(inst, preds, strict=False):
        if not isinstance(x, list) or not isinstance(p, dict):
            continue
        probs = p.get("probabilities") or None
        label = p.get("label")
        if probs is None and label is None:
            continue
        kept.append((x, probs, label))
    if not kept:
        return _NO_EXCHANGES
    # Whole request at once when it is all plain numbers (any real client's)...
    xs = _numbers([x for x, _, _ in kept])
    given = [probs for _, probs, _ in kept if probs is not None]
    ps = _numbers(given) if given else None
    if xs is not None and (ps is not None or not given):
        try:
            labels = [None if label is None else int(label) for _, _, label in kept]
        except (TypeError, ValueError):
            pass
        else:
            if len(given) < len(kept):
                rows = iter(ps if ps is not None else ())
                ps = [None if probs is None else next(rows) for _, probs, _ in kept]
            return xs, ps, labels
    # ...else exchange by exchange, leaving out the ones that do not convert.
    out_x, out_p, out_l = [], [], []
    for x, probs, label in kept:
        try:
            row = (_floats(x), _floats(probs) if probs else None, int(label) if label is not None else None)
        except (TypeError, ValueError):
            continue
        out_x.append(row[0])
        out_p.append(row[1])
        out_l.append(row[2])
    return out_x, out_p, out_l


def parse_predict(request_json: str | bytes, response_json: str | bytes | None) -> list[tuple[list[float], list[float] | None, int | None]]:
    """(instance, probabilities or None, label or None) for each instance of one exchange; [] when unusable."""
    xs, ps, labels = _exchanges(request_json, response_json)
    return [(x.tolist(), None if p is None else p.tolist(), label) for x, p, label in zip(xs, ps, labels, strict=True)]


def _join(blocks: list) -> np.ndarray | list:
    """Blocks of rows (from ``_exchanges``) as one 2-d array when they are all arrays of one width, else a list of rows."""
    if all(isinstance(b, np.ndarray) for b in blocks) and len({b.shape[1] for b in blocks}) == 1:
        return np.concatenate(blocks)
    rows: list = []
    for b in blocks:
        rows.extend(b)
    return rows


def _examples(hits: dict[str, np.ndarray], rids: list[str]) -> dict[str, list[str]]:
    """Per signal hit, its first ``EXAMPLES`` distinct request ids, signals in the order of their first hit."""
    first = {s: np.flatnonzero(h) for s, h in hits.items() if h.any()}
    out: dict[str, list[str]] = {}
    for s in sorted(first, key=lambda s: (first[s][0], SIGNALS.index(s))):
        ids = out[s] = []
        for i in first[s].tolist():
            if rids[i] not in ids:
                ids.append(rids[i])
                if len(ids) == EXAMPLES:
                    break
    return out


@register
class ClassifierExtraction(Detector):
    name = "classifier-extraction"
    tactic = "classifier-extraction"
    separable = True  # the replay is seconds of single-threaded Python at scale

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
        self.prada_, self.examples_ = {}, {}
        pred = features.predict
        # Each account's exchanges in log order: blocks of instances and of probabilities, labels, request ids.
        streams: dict[str, tuple[list, list, list, list]] = {}
        for acct, rid, rq, rs in zip(pred["account_id"].tolist(), pred["request_id"].tolist(),
                                     pred["request_json"].tolist(), pred["response_json"].tolist(), strict=True):
            xs, ps, labels = _exchanges(rq, rs)
            if not labels:
                continue
            stream = streams.setdefault(acct, ([], [], [], []))
            stream[0].append(xs)
            stream[1].append(ps)
            stream[2].extend(labels)
            stream[3].extend([rid] * len(labels))
        states: dict[str, OnlineClassifierExtraction] = {}
        for acct, (x_blocks, p_blocks, labels, rids) in streams.items():
            xs, ps = _join(x_blocks), _join(p_blocks)
            labels = [int(np.argmax(ps[i])) if label is None else label for i, label in enumerate(labels)]
            state = states[acct] = OnlineClassifierExtraction(self.config, self.reference)
            self.examples_[acct] = _examples(state.learn_many(xs, ps, labels), rids)
            prada = self.prada_[acct] = Prada(delta=self.params["prada_delta"])
            prada.learn_many(xs, labels, max_distances=PRADA_MAX_QUERIES)
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
