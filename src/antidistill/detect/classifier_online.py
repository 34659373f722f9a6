"""Classifier extraction, one exchange at a time: the state the gateway keeps per account.

Someone copying a classifier through its prediction API must ask questions
an honest client has no reason to ask. Each exchange (the instance sent and
the probabilities returned) is checked against a few yes/no questions; each
question is a *signal* with a rate that honest traffic stays under:

``confidence``
    How sure the answer is: its top probability falls in one of the bins cut
    at ``confidence_cuts`` (unsure, hesitant, sure). A useful model answers
    the inputs of its own task with confidence; a thief's inputs (other
    data, noise, synthetic points) and its hunt for decision boundaries draw
    unsure answers far more often. The test compares the bin counts under
    ``confidence_benign`` and ``confidence_attack`` (a multinomial rather
    than a yes/no question: hesitant answers carry evidence too). Needs the
    probabilities; label-only answers are not counted.
``step``
    The instance is the account's nearest earlier one (among the last
    ``neighbour_memory``) moved by one equal-sized step
    in many features, with mixed signs: ``x + lambda * sign(...)``, the
    signature of Jacobian-based augmentation (Papernot et al. 2017), of its
    randomised variants (T-RND, Juuti et al. 2019) and of FGSM-style
    probing. Natural variation (sensor noise, resends, rescans) moves
    features by unequal amounts.
``off_reference`` (optional)
    Only when a reference sample of benign inputs is configured: the
    distance to the nearest reference input exceeds the
    ``reference_quantile`` of the reference's own nearest-neighbour
    distances. A conformal test: by construction, inputs like the reference
    are off it at rate ``1 - reference_quantile``.

Each signal is a one-sided sequential probability ratio test (Wald): with
``k`` hits among ``n`` exchanges, its evidence is the log-likelihood ratio
of rate ``attack`` against rate ``benign`` (for ``confidence``, of the two
bin distributions). Under the benign rate the
likelihood ratio is a martingale, so by Ville's inequality the chance that
an honest client *ever* reaches evidence ``A`` is at most ``exp(-A)``,
however long it keeps sending. The account is flagged when the strongest
signal's evidence reaches ``ln(signals / false_alarm_rate)`` (a union bound
over the signals). Counts are additive, so a campaign's evidence is the
test on its members' summed counts: an attack split over accounts adds up.

Nothing here needs the victim model or its training data; the optional
reference is a sample of benign inputs the operator chooses to provide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from antidistill.policy import logistic

SIGNALS = ("confidence", "step", "off_reference")
#: Signals that are yes/no questions with a benign and an attack rate.
BINARY_SIGNALS = ("step", "off_reference")


@dataclass(frozen=True)
class ExtractionParams:
    """The ``detectors.classifier-extraction`` policy block (see ``policy/default.yaml``)."""

    min_queries: int = 10
    false_alarm_rate: float = 1e-4
    confidence_cuts: tuple[float, ...] = (0.6, 0.8)
    confidence_benign: tuple[float, ...] = (0.12, 0.18, 0.70)
    confidence_attack: tuple[float, ...] = (0.30, 0.30, 0.40)
    step_rate_benign: float = 0.01
    step_rate_attack: float = 0.30
    off_reference_rate_benign: float = 0.10
    off_reference_rate_attack: float = 0.50
    neighbour_memory: int = 1000
    step_min_features: float = 0.2
    step_equal_share: float = 0.8
    reference_inputs: str | None = None
    reference_quantile: float = 0.95

    def rates(self, signal: str) -> tuple[float, float]:
        return getattr(self, f"{signal}_rate_benign"), getattr(self, f"{signal}_rate_attack")

    def validate(self) -> None:
        bins = len(self.confidence_cuts) + 1
        for name in ("confidence_benign", "confidence_attack"):
            dist = getattr(self, name)
            if len(dist) != bins or min(dist) <= 0 or abs(sum(dist) - 1.0) > 1e-6:
                raise ValueError(f"{name}: need {bins} positive shares summing to 1 (got {list(dist)})")
        if list(self.confidence_cuts) != sorted(self.confidence_cuts):
            raise ValueError("confidence_cuts must increase")
        for s in BINARY_SIGNALS:
            p0, p1 = self.rates(s)
            if not 0.0 < p0 < p1 < 1.0:
                raise ValueError(f"{s}: need 0 < {s}_rate_benign < {s}_rate_attack < 1 (got {p0}, {p1})")
        if not 0.0 < self.false_alarm_rate < 1.0:
            raise ValueError("false_alarm_rate must be in (0, 1)")


def llr(hits: float, tested: float, benign: float, attack: float) -> float:
    """Log-likelihood ratio of ``hits`` in ``tested`` Bernoulli trials: rate ``attack`` vs ``benign``."""
    return hits * math.log(attack / benign) + (tested - hits) * math.log((1.0 - attack) / (1.0 - benign))


def decision_threshold(params: ExtractionParams, n_signals: int) -> float:
    return math.log(n_signals / params.false_alarm_rate)


@dataclass
class Verdict:
    """Evidence of one subject: strength in [0, 1], pattern in [0, 1], per-signal rate and evidence."""

    strength: float
    pattern: float
    evidence: float
    threshold: float
    rates: dict[str, float]
    llrs: dict[str, float]

    @property
    def flagged(self) -> bool:
        return self.evidence >= self.threshold


def judge(counts: dict[str, float], params: ExtractionParams, baseline: dict[str, object] | None = None) -> Verdict:
    """Turn (possibly summed) counts into a verdict.

    ``counts`` holds ``n_queries``; ``n_confidence_tested`` and
    ``n_confidence_bin<i>``; and, per yes/no signal, ``n_<signal>_tested``
    and ``n_<signal>_hits``. ``baseline`` (learnt by the batch detector's
    ``fit`` from the whole population) may only make a test more lenient:
    a population less sure of its answers, or showing a signal more often,
    than the policy expects moves the benign side towards itself.
    """
    baseline = baseline or {}
    active = [s for s in SIGNALS if counts.get(f"n_{s}_tested", 0) > 0]
    threshold = decision_threshold(params, max(len(active), 1))
    rates, llrs, patterns = {}, {}, [0.0]
    n_conf = counts.get("n_confidence_tested", 0)
    if n_conf > 0:
        bins = np.asarray([counts.get(f"n_confidence_bin{i}", 0) for i in range(len(params.confidence_cuts) + 1)], dtype=float)
        benign = np.asarray(params.confidence_benign, dtype=float)
        attack = np.asarray(params.confidence_attack, dtype=float)
        if "confidence" in baseline:
            # Take the population's share wherever it is less sure than the policy.
            pop = np.asarray(baseline["confidence"], dtype=float)
            benign = np.where(np.arange(len(benign)) < len(benign) - 1, np.maximum(benign, pop), 0.0)
            benign[-1] = max(1.0 - benign[:-1].sum(), 1e-3)
            benign /= benign.sum()
        rates["confidence"] = float(bins[0] / n_conf)  # the unsure share, for people to read
        llrs["confidence"] = float(np.sum(bins * np.log(attack / benign)))
        if n_conf >= params.min_queries:
            kl_attack = float(np.sum(attack * np.log(attack / benign)))
            patterns.append(min(1.0, max(0.0, llrs["confidence"] / n_conf / kl_attack)) if kl_attack > 0 else 0.0)
    for s in BINARY_SIGNALS:
        n, k = counts.get(f"n_{s}_tested", 0), counts.get(f"n_{s}_hits", 0)
        if n <= 0:
            continue
        p0, p1 = params.rates(s)
        if float(baseline.get(s, 0.0)) > p0:
            p1 *= float(baseline[s]) / p0
            p0 = float(baseline[s])
            if p1 >= 1.0:
                continue  # a signal everyone shows tells nothing
        rates[s] = k / n
        llrs[s] = llr(k, n, p0, p1)
        if n >= params.min_queries:
            patterns.append(min(1.0, max(0.0, (k / n - p0) / (p1 - p0))))
    evidence = max(llrs.values(), default=0.0)
    if counts.get("n_queries", 0) < params.min_queries:
        evidence = min(evidence, 0.0)
    # Strength 0.5 exactly at the decision threshold; steep, so that evidence
    # well short of it stays weak whatever other detectors add to it.
    strength = logistic(evidence, threshold, threshold / 8.0)
    return Verdict(strength, max(patterns), evidence, threshold, rates, llrs)


class ReferenceSample:
    """Benign inputs given by the operator, and the distance beyond which a query is off them."""

    def __init__(self, inputs: np.ndarray, quantile: float = 0.95) -> None:
        self.inputs = np.asarray(inputs, dtype=float)
        if self.inputs.ndim != 2 or len(self.inputs) < 20:
            raise ValueError("a reference needs at least 20 inputs of one length")
        # Leave-one-out nearest-neighbour distances within the reference: a new
        # input like the reference ones is beyond their quantile q with
        # probability about 1 - q (a conformal p-value).
        sq = np.sum(self.inputs**2, axis=1)
        d2 = sq[:, None] + sq[None, :] - 2.0 * self.inputs @ self.inputs.T
        np.fill_diagonal(d2, np.inf)
        self.radius = float(np.quantile(np.sqrt(np.maximum(d2.min(axis=1), 0.0)), quantile))
        self._sq = sq

    @classmethod
    def load(cls, path: str | Path, quantile: float = 0.95) -> ReferenceSample:
        """``.npy`` (2-d array) or JSON Lines of instances (lists of numbers, or ``{"instances": [...]}``)."""
        path = Path(path)
        if path.suffix == ".npy":
            return cls(np.load(path), quantile)
        import orjson

        rows: list[list[float]] = []
        for line in path.read_bytes().splitlines():
            if line.strip():
                obj = orjson.loads(line)
                rows.extend(obj["instances"] if isinstance(obj, dict) else [obj])
        return cls(np.asarray(rows, dtype=float), quantile)

    def is_off(self, x: np.ndarray) -> bool | None:
        if x.size != self.inputs.shape[1]:
            return None
        d2 = self._sq + float(x @ x) - 2.0 * (self.inputs @ x)
        return bool(math.sqrt(max(float(d2.min()), 0.0)) > self.radius)


def empty_counts(params: ExtractionParams) -> dict[str, int]:
    """The additive per-account columns, all zero."""
    counts = {"n_queries": 0, "n_confidence_tested": 0}
    counts.update({f"n_confidence_bin{i}": 0 for i in range(len(params.confidence_cuts) + 1)})
    for s in BINARY_SIGNALS:
        counts[f"n_{s}_tested"] = 0
        counts[f"n_{s}_hits"] = 0
    return counts


def top_probability(probabilities) -> float | None:
    if probabilities is None or len(probabilities) == 0:
        return None
    return float(np.max(probabilities))


class OnlineClassifierExtraction:
    """Per-account state for the gateway: ``learn_one`` per exchange, ``predict_one`` for the verdict so far."""

    def __init__(self, params: ExtractionParams | None = None, reference: ReferenceSample | None = None,
                 baseline: dict[str, float] | None = None) -> None:
        self.params = params or ExtractionParams()
        self.params.validate()
        if reference is None and self.params.reference_inputs:
            reference = ReferenceSample.load(self.params.reference_inputs, self.params.reference_quantile)
        self.reference = reference
        self.baseline = baseline
        self.counts = empty_counts(self.params)
        self._memory: np.ndarray | None = None
        self._stored = 0
        self.last_hits: tuple[str, ...] = ()

    def _count(self, signal: str, hit: bool | None) -> None:
        if hit is None:
            return
        self.counts[f"n_{signal}_tested"] += 1
        self.counts[f"n_{signal}_hits"] += int(hit)

    def _is_step(self, x: np.ndarray, prev: np.ndarray) -> bool:
        delta = x - prev
        size = np.abs(delta)
        scale = max(float(np.max(size)), 1e-12)
        changed = size > 1e-6 * scale + 1e-12
        if changed.mean() < self.params.step_min_features:
            return False
        step = float(np.median(size[changed]))
        equal = np.abs(size[changed] - step) <= 1e-3 * step + 1e-9
        if equal.mean() < self.params.step_equal_share:
            return False
        # Mixed signs: a uniform brightness or contrast shift is not a probe.
        up = float(np.mean(delta[changed] > 0))
        return 0.1 <= up <= 0.9

    def learn_one(self, instance, probabilities=None, label: int | None = None) -> tuple[str, ...]:
        """Account for one exchange; returns the signals it hit.

        ``label`` matters only for label-only answers (no probabilities): the
        exchange then still counts for the input-side signals.
        """
        x = np.asarray(instance, dtype=float).ravel()
        probs = None if probabilities is None else np.asarray(probabilities, dtype=float)
        if label is None and (probs is None or probs.size == 0):
            raise ValueError("an exchange needs a label or probabilities")
        hits: list[str] = []
        self.counts["n_queries"] += 1

        top = top_probability(probs)
        if top is not None:
            b = int(np.searchsorted(self.params.confidence_cuts, top, side="right"))
            self.counts["n_confidence_tested"] += 1
            self.counts[f"n_confidence_bin{b}"] += 1
            if b == 0:
                hits.append("confidence")

        n_mem = min(self._stored, self.params.neighbour_memory)
        if self._memory is not None and n_mem and self._memory.shape[1] == x.size:
            diff = self._memory[:n_mem] - x
            j = int(np.argmin(np.einsum("ij,ij->i", diff, diff)))
            step = self._is_step(x, self._memory[j])
            self._count("step", step)
            hits += ["step"] * step
        if self.reference is not None:
            off = self.reference.is_off(x)
            self._count("off_reference", off)
            hits += ["off_reference"] * bool(off)

        if self._memory is None or self._memory.shape[1] != x.size:
            self._memory = np.empty((self.params.neighbour_memory, x.size))
            self._stored = 0
        slot = self._stored % self.params.neighbour_memory  # a ring: the oldest query gives way
        self._memory[slot] = x
        self._stored += 1
        self.last_hits = tuple(hits)
        return self.last_hits

    def predict_one(self) -> Verdict:
        """The verdict on everything learnt so far (``.flagged``, ``.strength``, per-signal ``.rates``)."""
        return judge(self.counts, self.params, self.baseline)
