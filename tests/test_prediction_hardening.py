"""Output hardening on KServe v1 response bodies: what each transform keeps and changes."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from antidistill.respond.hardening import harden, label_only, reverse_sigmoid, reverse_sigmoid_vector, round_probabilities

BODY = {"predictions": [{"label": 2, "probabilities": [0.04, 0.16, 0.8]},
                        {"label": 0, "probabilities": [0.51234, 0.48766, 0.0]}],
        "model_version": "7"}


def test_label_only_keeps_decisions_and_other_fields():
    before = copy.deepcopy(BODY)
    out = label_only(BODY)
    assert out == {"predictions": [{"label": 2}, {"label": 0}], "model_version": "7"}
    assert BODY == before  # pure: the input is untouched


def test_label_only_fills_a_missing_label_from_the_probabilities():
    out = label_only({"predictions": [{"probabilities": [0.1, 0.9]}]})
    assert out["predictions"] == [{"label": 1}]


def test_rounding_keeps_labels_and_drops_digits():
    out = round_probabilities(BODY, decimals=1)
    assert [p["label"] for p in out["predictions"]] == [2, 0]
    assert out["predictions"][0]["probabilities"] == [0.0, 0.2, 0.8]
    assert out["predictions"][1]["probabilities"] == [0.5, 0.5, 0.0]
    with pytest.raises(ValueError):
        round_probabilities(BODY, decimals=-1)


def test_reverse_sigmoid_matches_the_formula_by_hand():
    beta, gamma = 0.7, 0.4
    y = np.array([0.2, 0.8])
    logit = np.log(y / (1 - y))
    moved = y - beta * (1 / (1 + np.exp(-gamma * logit)) - 0.5)
    expected = moved / moved.sum()
    assert reverse_sigmoid_vector(y, beta, gamma) == pytest.approx(expected)
    # By hand for y = 0.8: logit = ln 4, sigmoid(0.4 ln 4) = 4**0.4 / (1 + 4**0.4)
    s = 4**0.4 / (1 + 4**0.4)
    assert moved[1] == pytest.approx(0.8 - 0.7 * (s - 0.5))


def test_reverse_sigmoid_gives_distributions_keeps_labels_and_flattens_confidence():
    out = reverse_sigmoid(BODY, beta=0.7, gamma=0.4)
    for before, after in zip(BODY["predictions"], out["predictions"], strict=True):
        assert after["label"] == before["label"]
        assert math.isclose(sum(after["probabilities"]), 1.0, rel_tol=1e-9)
        assert min(after["probabilities"]) >= 0.0
    assert max(out["predictions"][0]["probabilities"]) < 0.8


def test_reverse_sigmoid_with_beta_zero_is_the_identity():
    out = reverse_sigmoid(BODY, beta=0.0, gamma=0.4)
    assert out["predictions"][0]["probabilities"] == pytest.approx([0.04, 0.16, 0.8], abs=1e-6)


def test_harden_dispatches_by_policy_name_and_refuses_unknown_ones():
    assert harden(BODY, "label-only") == label_only(BODY)
    assert harden(BODY, "round", decimals=2) == round_probabilities(BODY, 2)
    assert harden(BODY, "reverse-sigmoid", beta=0.5, gamma=0.5) == reverse_sigmoid(BODY, 0.5, 0.5)
    with pytest.raises(ValueError, match="unknown hardening"):
        harden(BODY, "shuffle")
    with pytest.raises(ValueError, match="predictions"):
        harden({"outputs": []}, "round")
