"""The classifier behind ``/v1/predict``: a real scikit-learn model on the digits data.

The provider serves a logistic-regression classifier trained on half of
``sklearn.datasets.load_digits`` (8x8 images, pixel values 0..16, ten classes).
Honest clients score the held-out half (with a little sensor noise); extraction
attackers send noise, perturbations of a few seeds and Jacobian-style
augmentations to copy the decision function. Every response is the model's
actual output, so a detector (or a stolen surrogate) can be checked against it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

TRAIN_SPLIT_SEED = 0  # fixed: the served model is the same whatever the traffic seed


class DigitsService:
    def __init__(self) -> None:
        data = load_digits()
        order = np.random.default_rng(TRAIN_SPLIT_SEED).permutation(len(data.target))
        half = len(order) // 2
        self.train_idx, self.holdout_idx = order[:half], order[half:]
        self.model = LogisticRegression(max_iter=2000)
        self.model.fit(data.data[self.train_idx] / 16.0, data.target[self.train_idx])
        self.images = data.data
        self.targets = data.target
        self.holdout = data.data[self.holdout_idx]

    def predict(self, instances: np.ndarray) -> list[dict]:
        proba = self.model.predict_proba(np.asarray(instances, dtype=float) / 16.0)
        labels = proba.argmax(axis=1).tolist()
        rows = np.round(proba, 5).tolist()  # rounded in one numpy call: thousands of calls per run
        return [{"label": lab, "probabilities": row} for lab, row in zip(labels, rows)]

    def gradient_signs(self, x: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Sign of d log p(target)/dx for each row, for the served linear softmax model.

        This is what Jacobian-based augmentation steps along. Computed directly from
        the model's coefficients (one matrix product for a whole batch) because the
        attack needs it for thousands of points.
        """
        z = (x / 16.0) @ self.model.coef_.T + self.model.intercept_
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = self.model.coef_[targets] - p @ self.model.coef_
        return np.sign(grad)


@lru_cache(maxsize=1)
def served_model() -> DigitsService:
    """The one served model; it does not depend on the traffic seed, so it is trained once per process."""
    return DigitsService()


def as_instances(x: np.ndarray, decimals: int = 2) -> list[list[float]]:
    """Pixel arrays as JSON-friendly lists, rounded as a client would serialise them."""
    return np.round(np.clip(x, 0.0, 16.0), decimals).tolist()
