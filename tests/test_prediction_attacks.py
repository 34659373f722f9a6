"""Real extraction attacks (ART, JbDA, T-RND) against the digits API, through both detectors.

Slow, and only with the ``attacks`` extra (PyTorch and ART) installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the attacks extra (torch==2.13.0) is not installed")
pytest.importorskip("art", reason="the attacks extra (adversarial-robustness-toolbox) is not installed")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from prediction import attacks  # noqa: E402
from prediction.clients import BENIGN_CLIENTS  # noqa: E402
from prediction.victim import DigitsAPI, data_splits  # noqa: E402

from antidistill.detect.classifier_online import OnlineClassifierExtraction, ReferenceSample  # noqa: E402

pytestmark = pytest.mark.slow


def _first_alarm(api: DigitsAPI, client: str, reference=None) -> int | None:
    det = OnlineClassifierExtraction(reference=reference)
    for i, row in enumerate(api.log[client]):
        det.learn_one(row.instance, row.probabilities)
        if det.predict_one().flagged:
            return i + 1
    return None


def test_every_query_an_art_attack_sends_is_logged_and_the_copy_learns():
    api, splits = DigitsAPI(), data_splits(0)
    attacks.copycat(api, "copycat", 120, seed=0)
    assert len(api.log["copycat"]) == 120
    x = np.array([r.instance for r in api.log["copycat"]])
    p = np.array([r.probabilities for r in api.log["copycat"]])
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-3)
    agreement = attacks.agreement_after(x, p, 120, api, splits["test"], soft=False)
    assert agreement > 0.1  # better than one class in ten: the copy learnt something


def test_knockoff_from_other_data_is_caught_early_with_a_reference():
    api, splits = DigitsAPI(), data_splits(0)
    attacks.knockoff(api, "knockoff", 60, seed=0, strategy="random")
    at = _first_alarm(api, "knockoff", ReferenceSample(splits["reference"]))
    assert at is not None and at <= 20


def test_jacobian_augmentation_and_t_rnd_are_caught_by_their_steps():
    api, splits = DigitsAPI(), data_splits(0)
    attacks.jbda(api, "jbda", 80, seed=0, seeds=splits["seeds"])
    attacks.t_rnd(api, "t-rnd", 80, seed=0, seeds=splits["seeds"])
    for client in ("jbda", "t-rnd"):
        at = _first_alarm(api, client)
        assert at is not None and at <= 30, (client, at)


def test_benign_clients_are_not_flagged():
    api, splits = DigitsAPI(), data_splits(0)
    rng = np.random.default_rng(0)
    for name, client in BENIGN_CLIENTS.items():
        client(api, name, splits["benign"], 600, rng)
        assert _first_alarm(api, name, ReferenceSample(splits["reference"])) is None, name
