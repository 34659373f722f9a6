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

``learn_many`` takes a whole stream at once (a scan replaying a log) and is
the same computation as ``learn_one`` on each exchange in turn: same
counts, same hits, same state afterwards. It finds nearest neighbours with
one matrix product per block of queries and settles the close calls (where
that product's rounding could change the answer) with ``learn_one``'s own
arithmetic.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from antidistill.policy import logistic

SIGNALS = ("confidence", "step", "off_reference")
#: Signals that are yes/no questions with a benign and an attack rate.
BINARY_SIGNALS = ("step", "off_reference")

#: Inputs with values beyond this (or not finite) take the exchange-by-exchange path in ``learn_many``.
_TAME = 1e150
#: Unit roundoff of float64.
_U = float(np.finfo(np.float64).eps) / 2
#: Rows of queries compared at once by ``learn_many``'s matrix products (bounded by the memory they take).
_CELLS = 4_000_000


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

    def is_off_many(self, xs: np.ndarray) -> np.ndarray | None:
        """:meth:`is_off` for each row of ``xs`` (same answers); None when the rows do not fit the reference."""
        xs = np.asarray(xs, dtype=float)
        if xs.ndim != 2 or xs.shape[1] != self.inputs.shape[1]:
            return None
        out = np.zeros(len(xs), dtype=bool)
        if not (_tame(xs) and _tame(self.inputs)):
            for i, x in enumerate(xs):
                out[i] = self.is_off(x)
            return out
        xx = np.einsum("ij,ij->i", xs, xs)
        # The nearest reference distance by one product per block; the rows
        # whose answer that product's rounding could change get is_off's own.
        tol = _tolerance(xs.shape[1], xx, float(self._sq.max(initial=0.0)))
        step = max(1, _CELLS // max(len(self.inputs), 1))
        for b0 in range(0, len(xs), step):
            b1 = min(b0 + step, len(xs))
            g = xs[b0:b1] @ self.inputs.T
            g *= -2.0
            g += self._sq
            near = g.min(axis=1) + xx[b0:b1]
            surely = np.sqrt(np.maximum(near - tol[b0:b1], 0.0)) > self.radius
            maybe = np.sqrt(np.maximum(near + tol[b0:b1], 0.0)) > self.radius
            out[b0:b1] = surely
            for i in np.flatnonzero(maybe & ~surely):
                out[b0 + i] = self.is_off(xs[b0 + i])
        return out


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


def sq_distances(rows: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Squared L2 distance of each row to ``x``: the arithmetic every exact comparison here uses."""
    diff = rows - x
    return np.einsum("ij,ij->i", diff, diff)


_blas = {"lock": threading.Lock(), "users": 0, "controller": None, "limiter": None}


@contextmanager
def _one_blas_thread():
    """Run BLAS on one thread meanwhile (restored when the last concurrent user leaves).

    ``learn_many``'s matrix products are small (hundreds of rows by about a
    thousand): split over threads they gain little when the machine is idle
    and lose several times over when it is busy. Without threadpoolctl
    (which scikit-learn brings) this does nothing.
    """
    with _blas["lock"]:
        if _blas["users"] == 0:
            try:
                if _blas["controller"] is None:
                    from threadpoolctl import ThreadpoolController

                    _blas["controller"] = ThreadpoolController()
                _blas["limiter"] = _blas["controller"].limit(limits=1, user_api="blas")
            except Exception:  # noqa: BLE001 - only a speed-up; never let it break a scan
                _blas["limiter"] = None
        _blas["users"] += 1
    try:
        yield
    finally:
        with _blas["lock"]:
            _blas["users"] -= 1
            if _blas["users"] == 0 and _blas["limiter"] is not None:
                _blas["limiter"].restore_original_limits()
                _blas["limiter"] = None


def _tame(a: np.ndarray) -> bool:
    """Finite and far from overflow, so that the rounding bounds of ``_tolerance`` hold."""
    return a.size == 0 or bool(np.abs(a).max() <= _TAME)


def _tolerance(d: int, sq_a, sq_b):
    """How far two float computations of ``|a - b|^2`` (and of ``|a - b|^2 - |a|^2`` or ``- |b|^2``) can differ.

    One is ``sq_distances`` (differences, then a sum of squares in any
    order), the other goes through norms and a BLAS dot product
    ``|a|^2 + |b|^2 - 2 a.b`` (any order, with or without FMA). Standard
    bounds put each within about ``(2d + 4) u (|a|^2 + |b|^2)`` of the exact
    value (``u`` the unit roundoff); this is twice their sum, with room to
    spare, plus an absolute term for underflow.
    """
    return 8.0 * (d + 4) * _U * (sq_a + sq_b) + 1e-290


def _nearest_earlier(z: np.ndarray, first: int, memory: int, slot0: int) -> np.ndarray:
    """For each row ``i >= first`` of ``z``: a row among the ``memory`` rows before it that ``learn_one`` would take as nearest.

    ``learn_one`` keeps the rows in a ring where row ``i`` sits in slot
    ``(slot0 + i) % memory`` and takes the first slot of least
    ``sq_distances``. Here one matrix product per block of rows ranks the
    candidates; when rounding leaves more than one in contention, their
    exact distances decide in slot order, as ``learn_one``'s argmin does
    (unless they are all equal rows, when any of them gives the same answer).
    Rows of ``z`` must be ``_tame``.
    """
    n, d = z.shape
    out = np.empty(max(n - first, 0), dtype=np.intp)
    sq = np.einsum("ij,ij->i", z, z)
    block = int(max(16, min(128, _CELLS // (memory + 128))))
    for b0 in range(first, n, block):
        b1 = min(b0 + block, n)
        c0, c1 = max(0, b0 - memory), b1 - 1
        # -2 q.c + |c|^2: the distance less |q|^2, which is the same along a row (-2 scales exactly).
        g = (-2.0 * z[b0:b1]) @ z[c0:c1].T
        g += sq[c0:c1]
        # Not in the ring at that query: row b0 + i sees columns [b0 + i - memory, b0 + i).
        ri = np.arange(b1 - b0)[:, None]
        own = b0 - c0  # the column of the block's first row
        right = g[:, own:]
        right[np.arange(right.shape[1]) >= ri] = np.inf
        stale = own - memory  # row i cannot see columns < i + stale
        if stale + b1 - b0 - 1 > 0:
            left = g[:, :stale + b1 - b0 - 1]
            left[np.arange(left.shape[1]) < ri + stale] = np.inf
        j = np.argmin(g, axis=1)
        tol = _tolerance(d, sq[b0:b1], float(sq[c0:c1].max()))
        limit = g[np.arange(b1 - b0), j] + 2.0 * tol
        best = c0 + j
        for r in np.flatnonzero(np.count_nonzero(g <= limit[:, None], axis=1) > 1):
            cand = c0 + np.flatnonzero(g[r] <= limit[r])
            if (z[cand] == z[cand[0]]).all():
                continue
            cand = cand[np.argsort((slot0 + cand) % memory, kind="stable")]
            best[r] = cand[int(np.argmin(sq_distances(z[cand], z[b0 + r])))]
        out[b0 - first:b1 - first] = best
    return out


def _runs(instances) -> list[tuple[int, int, np.ndarray]]:
    """The instances as flat float rows, in runs of one length: (start, stop, 2-d array) each."""
    n = len(instances)
    if n == 0:
        return []
    try:
        arr = np.asarray(instances, dtype=float)
    except ValueError:  # ragged
        arr = None
    if arr is not None and arr.ndim >= 1 and len(arr) == n:
        return [(0, n, arr.reshape(n, arr.size // n))]
    rows = [np.asarray(x, dtype=float).ravel() for x in instances]
    runs, start = [], 0
    for i in range(1, n + 1):
        if i == n or rows[i].size != rows[start].size:
            runs.append((start, i, np.stack(rows[start:i])))
            start = i
    return runs


def _steps(x: np.ndarray, prev: np.ndarray, min_features: float, equal_share: float) -> np.ndarray:
    """``OnlineClassifierExtraction._is_step`` for each pair of rows, with the same arithmetic (so the same answers)."""
    out = np.zeros(len(x), dtype=bool)
    d = x.shape[1]
    if d == 0:
        return out
    chunk = max(1, _CELLS // (4 * d))
    for a in range(0, len(x), chunk):
        delta = x[a:a + chunk] - prev[a:a + chunk]
        size = np.abs(delta)
        scale = np.maximum(size.max(axis=1), 1e-12)
        changed = size > (1e-6 * scale + 1e-12)[:, None]
        k = np.count_nonzero(changed, axis=1)
        live = (k > 0) & ~(k / d < min_features)
        if not live.any():
            continue
        delta, size, changed, k = delta[live], size[live], changed[live], k[live]
        # np.median of the changed sizes: the middle one, or the mean of the middle two.
        ordered = np.sort(np.where(changed, size, np.inf), axis=1)
        rows, half = np.arange(len(k)), k // 2
        step = np.where(k % 2 == 1, ordered[rows, half], (ordered[rows, np.maximum(half - 1, 0)] + ordered[rows, half]) / 2)
        equal = (np.abs(size - step[:, None]) <= (1e-3 * step + 1e-9)[:, None]) & changed
        up = np.count_nonzero((delta > 0) & changed, axis=1) / k
        hit = ~(np.count_nonzero(equal, axis=1) / k < equal_share) & (0.1 <= up) & (up <= 0.9)
        out[a:a + chunk][live] = hit
    return out


def _top_probabilities(probs) -> tuple[np.ndarray, np.ndarray]:
    """``top_probability`` of each entry as an array, and which entries have one."""
    n = len(probs)
    if n and (isinstance(probs, np.ndarray) or all(p is not None for p in probs)):
        try:
            arr = np.asarray(probs, dtype=float)
        except ValueError:  # ragged: one at a time below
            arr = None
        if arr is not None and arr.ndim >= 2 and arr.size:
            return arr.reshape(n, arr.size // n).max(axis=1), np.ones(n, dtype=bool)
    tops, has = np.zeros(n), np.zeros(n, dtype=bool)
    for i, p in enumerate(probs):
        top = top_probability(None if p is None else np.asarray(p, dtype=float))
        if top is not None:
            tops[i], has[i] = top, True
    return tops, has


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
        if delta.size == 0:
            return False  # nothing moved: no features to step in
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
            j = int(np.argmin(sq_distances(self._memory[:n_mem], x)))
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

    def learn_many(self, instances, probabilities=None, labels=None) -> dict[str, np.ndarray]:
        """``learn_one`` on each exchange in turn, in one go: the same counts, hits and state afterwards.

        ``instances`` is a sequence (or 2-d array) of instances;
        ``probabilities`` and ``labels``, when given, one entry (possibly
        None) per instance. Returns, per signal, which exchanges hit it:
        ``learn_one`` on exchange ``i`` would return the signals true at
        ``i``, in ``SIGNALS`` order. Every exchange is checked before any is
        counted, so a bad one leaves the state untouched.
        """
        n = len(instances)
        probs = [None] * n if probabilities is None else probabilities
        labels = [None] * n if labels is None else labels
        if len(probs) != n or len(labels) != n:
            raise ValueError("one probabilities and one label entry per instance")
        tops, has_top = _top_probabilities(probs)
        for i in np.flatnonzero(~has_top):
            if labels[i] is None:
                raise ValueError("an exchange needs a label or probabilities")
        hits = {s: np.zeros(n, dtype=bool) for s in SIGNALS}
        with _one_blas_thread():
            self._learn_runs(_runs(instances), probs, labels, tops, has_top, hits)
        if n:
            self.last_hits = tuple(s for s in SIGNALS if hits[s][-1])
        return hits

    def _learn_runs(self, runs, probs, labels, tops, has_top, hits) -> None:
        for start, stop, xs in runs:
            m = self.params.neighbour_memory
            reuse = self._memory is not None and self._memory.shape[1] == xs.shape[1]
            held = min(self._stored, m) if reuse else 0
            t0 = self._stored - held if reuse else 0
            z = np.concatenate([self._memory[(t0 + np.arange(held)) % m], xs]) if held else xs
            if m < 1 or not _tame(z):
                for i in range(start, stop):  # the exchange-by-exchange path, for values the bounds do not cover
                    for s in self.learn_one(xs[i - start], probs[i], labels[i]):
                        hits[s][i] = True
                continue
            self.counts["n_queries"] += stop - start
            tested = has_top[start:stop]
            bins = np.searchsorted(self.params.confidence_cuts, tops[start:stop][tested], side="right")
            self.counts["n_confidence_tested"] += int(tested.sum())
            for b, c in enumerate(np.bincount(bins, minlength=len(self.params.confidence_cuts) + 1).tolist()):
                self.counts[f"n_confidence_bin{b}"] += c
            hits["confidence"][start:stop][tested] = bins == 0
            first = max(held, 1)
            if len(z) > first:
                nearest = _nearest_earlier(z, first, m, t0 % m)
                step = _steps(z[first:], z[nearest], self.params.step_min_features, self.params.step_equal_share)
                hits["step"][start + first - held:stop] = step
                self.counts["n_step_tested"] += len(step)
                self.counts["n_step_hits"] += int(step.sum())
            if self.reference is not None:
                off = self.reference.is_off_many(xs)
                if off is not None:
                    hits["off_reference"][start:stop] = off
                    self.counts["n_off_reference_tested"] += len(off)
                    self.counts["n_off_reference_hits"] += int(off.sum())
            if not reuse:
                self._memory = np.empty((m, xs.shape[1]))
            kept = np.arange(max(len(z) - m, 0), len(z))
            self._memory[(t0 + kept) % m] = z[kept]  # the ring as learn_one leaves it
            self._stored = t0 + len(z)

    def predict_one(self) -> Verdict:
        """The verdict on everything learnt so far (``.flagged``, ``.strength``, per-signal ``.rates``)."""
        return judge(self.counts, self.params, self.baseline)
