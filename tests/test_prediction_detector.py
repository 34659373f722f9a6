"""Classifier-extraction detector and PRADA on small fixed streams whose answers are known.

Fast: numpy only, no torch. The real attacks are in test_prediction_attacks.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from antidistill.detect.base import rollup
from antidistill.detect.classifier import parse_predict
from antidistill.detect.classifier_online import (
    ExtractionParams,
    OnlineClassifierExtraction,
    ReferenceSample,
    judge,
    llr,
)
from antidistill.detect.prada import Prada
from antidistill.respond import run_scan

from eventfactory import Traffic

SURE = [0.96] + [0.04 / 9] * 9
UNSURE = [0.4, 0.3] + [0.3 / 8] * 8


# --- PRADA ------------------------------------------------------------------


def test_prada_records_every_min_distance_and_grows_sets_by_threshold():
    prada = Prada()
    prada.learn_one(np.array([0.0, 0.0]), 0)   # starts class 0: no distance recorded
    prada.learn_one(np.array([3.0, 4.0]), 0)   # d = 5 > T = 0: joins; D_G = [0, 5], T = max(0, 2.5 - 2.5) = 0
    prada.learn_one(np.array([3.0, 4.0]), 0)   # d = 0, recorded, does not join (0 > 0 is false)
    prada.learn_one(np.array([3.0, 14.0]), 0)  # d = 10 > 0: joins; D_G = [0, 5, 10]
    prada.learn_one(np.array([9.0, 9.0]), 1)   # starts class 1
    assert prada.distances == [5.0, 0.0, 10.0]
    group = prada.groups[0]
    assert group.size == 3
    assert group.threshold == pytest.approx(5.0 - np.std([0.0, 5.0, 10.0]))
    assert prada.groups[1].size == 1


def test_prada_threshold_never_decreases():
    prada = Prada()
    prada.learn_one(np.array([0.0]), 0)
    prada.learn_one(np.array([10.0]), 0)   # D_G = [0, 10]: T = 0
    prada.learn_one(np.array([30.0]), 0)   # D_G = [0, 10, 20]: T = 10 - 8.165
    t = prada.groups[0].threshold
    prada.learn_one(np.array([31.5]), 0)   # d = 1.5 < T: not added, T unchanged
    prada.learn_one(np.array([33.5]), 0)   # d = 2.0 > T: joins; mean - std of [0, 10, 20, 2] = 8 - 7.87 < T
    assert prada.groups[0].size == 4
    assert prada.groups[0].threshold == pytest.approx(t)


def test_prada_waits_for_more_than_100_distances():
    rng = np.random.default_rng(0)
    prada = Prada()
    for _ in range(101):  # one class: the first query records nothing, so 100 distances
        prada.learn_one(rng.normal(size=8), 0)
    assert len(prada.distances) == 100 and prada.statistic() is None
    prada.learn_one(rng.normal(size=8), 0)
    assert prada.statistic() is not None


def test_prada_passes_natural_queries_and_flags_fixed_step_probing():
    rng = np.random.default_rng(1)
    natural = Prada(delta=0.9)
    centres = rng.normal(scale=5.0, size=(5, 16))
    for i in range(400):
        c = i % 5
        natural.learn_one(centres[c] + rng.normal(size=16), c)
    assert not natural.alarm() and natural.statistic() > 0.9

    probing = Prada(delta=0.9)
    position = 0.0
    for i in range(300):  # a walk of fixed steps, 1 then 2: the minimum distances are two spikes
        position += 1.0 if i % 2 else 2.0
        probing.learn_one(np.array([position, 0.0]), 0)
    assert set(probing.distances) == {1.0, 2.0}
    assert probing.alarm()


def test_prada_sets_far_outliers_aside():
    rng = np.random.default_rng(2)
    with_outlier, without = Prada(), Prada()
    points = rng.normal(size=(300, 8))
    for i, p in enumerate(points):
        without.learn_one(p, i % 2)
        with_outlier.learn_one(p, i % 2)
    with_outlier.learn_one(np.full(8, 1e6), 0)  # one absurd query: more than 3 sd out
    # Set aside, the outlier leaves W of all the natural distances (within 3 of its huge sd).
    assert with_outlier.statistic() == pytest.approx(stats.shapiro(np.asarray(without.distances)).statistic)
    assert with_outlier.statistic() > 0.95


# --- our detector, online -----------------------------------------------------


def test_llr_is_the_bernoulli_log_likelihood_ratio():
    assert llr(3, 10, 0.1, 0.3) == pytest.approx(3 * math.log(3) + 7 * math.log(0.7 / 0.9))
    assert llr(0, 0, 0.1, 0.3) == 0.0


def test_confident_answers_are_never_flagged_and_unsure_ones_are():
    sure, unsure = OnlineClassifierExtraction(), OnlineClassifierExtraction()
    rng = np.random.default_rng(3)
    for _ in range(2000):
        sure.learn_one(rng.uniform(0, 16, 64), SURE)
    for i in range(30):
        unsure.learn_one(rng.uniform(0, 16, 64), UNSURE)
        if i + 1 < 10:  # min_queries
            assert not unsure.predict_one().flagged
    assert not sure.predict_one().flagged and sure.predict_one().strength < 0.01
    verdict = unsure.predict_one()
    assert verdict.flagged and verdict.strength > 0.5 and verdict.rates["confidence"] == 1.0
    # Every unsure answer adds ln(0.30 / 0.12) to the evidence.
    assert verdict.llrs["confidence"] == pytest.approx(30 * math.log(0.30 / 0.12))


def test_label_only_answers_are_not_counted_for_confidence():
    det = OnlineClassifierExtraction()
    for i in range(20):
        det.learn_one(np.full(4, float(i)), None, label=i % 3)
    assert det.counts["n_confidence_tested"] == 0 and det.counts["n_queries"] == 20


@pytest.mark.parametrize(("change", "is_step"), [
    ("sign_step", True),        # x + lambda * sign(g): JbDA
    ("partial_sign_step", True),  # random signs on half the features: T-RND
    ("gaussian_noise", False),  # a rescan
    ("brightness", False),      # one-signed uniform shift
    ("duplicate", False),       # a retry
    ("one_pixel", False),       # too few features moved
])
def test_step_signal_tells_probes_from_natural_changes(change, is_step):
    rng = np.random.default_rng(4)
    x = rng.uniform(2, 14, 64)
    moved = {
        "sign_step": x + 1.6 * rng.choice([-1.0, 1.0], size=64),
        "partial_sign_step": x + 1.6 * np.where(rng.random(64) < 0.5, rng.choice([-1.0, 1.0], size=64), 0.0),
        "gaussian_noise": x + rng.normal(size=64),
        "brightness": x + 1.0,
        "duplicate": x.copy(),
        "one_pixel": x + np.eye(64)[5] * 3.0,
    }[change]
    det = OnlineClassifierExtraction()
    det.learn_one(x, SURE)
    hits = det.learn_one(moved, SURE)
    assert ("step" in hits) is is_step


def test_augmentation_probing_is_flagged_within_a_few_rounds():
    rng = np.random.default_rng(5)
    det = OnlineClassifierExtraction()
    data = [rng.uniform(0, 16, 64) for _ in range(5)]
    for x in data:
        det.learn_one(x, SURE)
    flagged_at = None
    for rnd in range(4):
        for x in list(data):
            child = np.clip(x + 1.6 * (-1) ** rnd * rng.choice([-1.0, 1.0], size=64), 0, 16)
            data.append(child)
            det.learn_one(child, SURE)  # even with confident answers
            if flagged_at is None and det.predict_one().flagged:
                flagged_at = det.counts["n_queries"]
    assert flagged_at is not None and flagged_at <= 15


def test_reference_sample_flags_inputs_from_elsewhere_but_not_its_own_kind():
    rng = np.random.default_rng(6)
    centres = rng.uniform(0, 16, size=(10, 32))
    sample = lambda n: centres[rng.integers(10, size=n)] + rng.normal(size=(n, 32))  # noqa: E731
    reference = ReferenceSample(sample(300), quantile=0.95)
    own = OnlineClassifierExtraction(reference=reference)
    for x in sample(3000):
        own.learn_one(x, SURE)
    assert own.predict_one().rates["off_reference"] < 0.08 and not own.predict_one().flagged
    other = OnlineClassifierExtraction(reference=reference)
    for x in rng.uniform(0, 16, size=(10, 32)):
        other.learn_one(x, SURE)
    assert other.predict_one().rates["off_reference"] == 1.0 and other.predict_one().flagged


def test_split_attack_adds_up_over_accounts():
    members = []
    rng = np.random.default_rng(7)
    for _ in range(5):  # each member sends 8 unsure answers: 8 * ln(2.5) = 7.3 < ln(1e4) = 9.2
        det = OnlineClassifierExtraction()
        for _ in range(12):
            det.learn_one(rng.uniform(0, 16, 64), UNSURE if _ < 8 else SURE)
        members.append(det)
        assert not det.predict_one().flagged
    import pandas as pd

    table = pd.DataFrame({f"m{i}": d.counts for i, d in enumerate(members)}).T
    summed = rollup(table, {"campaign": list(table.index)}).loc["campaign"].to_dict()
    assert judge(summed, ExtractionParams()).flagged


def test_population_baseline_only_makes_the_test_more_lenient():
    counts = {"n_queries": 100, "n_confidence_tested": 100, "n_confidence_bin0": 30, "n_confidence_bin1": 30,
              "n_confidence_bin2": 40}
    strict = judge(counts, ExtractionParams())
    lenient = judge(counts, ExtractionParams(), baseline={"confidence": [0.3, 0.3, 0.4]})
    assert strict.flagged and not lenient.flagged
    assert lenient.evidence < strict.evidence


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        OnlineClassifierExtraction(ExtractionParams(confidence_benign=(0.5, 0.5)))
    with pytest.raises(ValueError):
        OnlineClassifierExtraction(ExtractionParams(step_rate_benign=0.5, step_rate_attack=0.3))


# --- through a scan -------------------------------------------------------------


def test_parse_predict_survives_bad_bodies():
    assert parse_predict(b"not json", b"{}") == []
    assert parse_predict(b'{"instances": [[1, 2]]}', None) == []
    assert parse_predict(b'{"instances": [[1, 2]]}', b'{"predictions": [{"label": 1}]}') == [([1.0, 2.0], None, 1)]


def test_scan_flags_probing_and_its_campaign_but_not_rescans(tmp_path):
    t = Traffic(11)
    rng = np.random.default_rng(11)
    seeds = [rng.uniform(0, 16, 64) for _ in range(8)]
    data = list(seeds)
    for rnd in range(3):
        data += [np.clip(x + 1.6 * rng.choice([-1.0, 1.0], size=64), 0, 16) for x in data]
    for i, x in enumerate(data):  # one augmentation attack dealt over four accounts on one card
        t.predict(f"aug-{i % 4}", np.round(x, 4).tolist(), SURE)
    for k in range(4):
        t.account(f"aug-{k}", payment_fingerprint="card-9", email_domain="mail.example")
    for _ in range(60):  # a scanner resending digits with noise
        base = seeds[int(rng.integers(8))]
        for _ in range(3):
            t.predict("rescans", np.round(np.clip(base + rng.normal(scale=0.3, size=64), 0, 16), 4).tolist(), SURE)
    events, accounts = t.write(tmp_path / "in")
    result = run_scan([events], accounts=accounts)
    acc = {a.account_id: a for a in result.accounts}
    assert acc["rescans"].verdict == "benign"
    flagged = [a for a in acc if a.startswith("aug-") and "classifier-extraction" in acc[a].tactics]
    assert flagged, "no member of the augmentation attack was named"
    signals = {s["name"]: s for s in acc[flagged[0]].signals}
    step = signals["classifier-extraction:step_query_share"]
    assert step["value"] > 0.3 and step["evidence"]
    # The members were scored from their own probes; the campaign pools them.
    assert any("classifier-extraction" in c.tactics and set(c.account_ids) & set(flagged) for c in result.campaigns)
