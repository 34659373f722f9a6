"""Output hardening for the prediction API: answer, but with less to steal.

Pure functions on a KServe v1 response body
(``{"predictions": [{"label": int, "probabilities": [...]}, ...]}``); each
returns a new body and leaves its input alone, so the gateway can apply
them to an account that policy marked for ``degrade``:

* :func:`label_only`: drop the probabilities. The thief loses the soft
  labels that make Knockoff-style copies cheap; honest clients keep the
  decision.
* :func:`round_probabilities`: keep ``decimals`` digits (Tramer et al. 2016
  showed rounding slows equation-solving and copying only a little; it is
  the mildest setting).
* :func:`reverse_sigmoid`: Lee et al., "Defending against NN model stealing
  attacks using deceptive perturbations" (IEEE S&P Workshops 2019). Each
  probability ``y`` is moved by ``beta * (sigmoid(gamma * logit(y)) - 1/2)``
  and the vector renormalised. The perturbation is largest where the
  gradient a thief learns from is, so a copy trained on the answers
  (cross-entropy on soft labels) is pulled away from the victim, while the
  label in the answer stays the model's own decision.

:func:`harden` applies one of them by its policy name.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

#: Names a policy may use, as in ``actions.degrade.prediction``.
TRANSFORMS = ("label-only", "round", "reverse-sigmoid")


def _predictions(body: dict[str, Any]) -> list[dict[str, Any]]:
    preds = body.get("predictions")
    if not isinstance(preds, list):
        raise ValueError("not a KServe v1 prediction response: no 'predictions' list")
    return preds


def _with_label(pred: dict[str, Any]) -> dict[str, Any]:
    """A copy of one prediction that carries its label explicitly (argmax when the model left it out)."""
    out = dict(pred)
    if out.get("label") is None:
        probs = out.get("probabilities") or []
        if not probs:
            raise ValueError("a prediction has neither label nor probabilities")
        out["label"] = int(np.argmax(probs))
    return out


def label_only(body: dict[str, Any]) -> dict[str, Any]:
    """The decisions alone."""
    out = copy.deepcopy(body)
    out["predictions"] = [{k: v for k, v in _with_label(p).items() if k != "probabilities"} for p in _predictions(body)]
    return out


def _map_probabilities(body: dict[str, Any], transform) -> dict[str, Any]:
    """A copy of ``body`` with ``transform`` applied to every probability vector; labels kept."""
    out = copy.deepcopy(body)
    preds = []
    for p in _predictions(body):
        q = _with_label(p)
        if q.get("probabilities"):
            q["probabilities"] = transform(np.asarray(q["probabilities"], dtype=float)).tolist()
        preds.append(q)
    out["predictions"] = preds
    return out


def round_probabilities(body: dict[str, Any], decimals: int = 1) -> dict[str, Any]:
    """Probabilities rounded to ``decimals`` digits; the label is unchanged."""
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    return _map_probabilities(body, lambda probs: np.round(probs, decimals))


def reverse_sigmoid_vector(probs: np.ndarray, beta: float, gamma: float) -> np.ndarray:
    """Lee et al.'s perturbation of one probability vector (returns a probability vector)."""
    y = np.clip(np.asarray(probs, dtype=float), 1e-7, 1.0 - 1e-7)
    logit = np.log(y / (1.0 - y))
    r = beta * (1.0 / (1.0 + np.exp(-gamma * logit)) - 0.5)
    perturbed = np.clip(y - r, 0.0, None)
    total = perturbed.sum()
    if total <= 0:  # every entry pushed to zero: fall back to uniform rather than divide by zero
        return np.full_like(y, 1.0 / y.size)
    return perturbed / total


def reverse_sigmoid(body: dict[str, Any], beta: float = 0.7, gamma: float = 0.4) -> dict[str, Any]:
    """Reverse-sigmoid perturbed probabilities; the label stays the model's decision."""
    if beta < 0 or gamma <= 0:
        raise ValueError("reverse sigmoid needs beta >= 0 and gamma > 0")
    return _map_probabilities(body, lambda probs: reverse_sigmoid_vector(probs, beta, gamma))


def harden(body: dict[str, Any], transform: str, **params: Any) -> dict[str, Any]:
    """Apply the named transform (one of :data:`TRANSFORMS`) with its parameters."""
    if transform == "label-only":
        return label_only(body, **params)
    if transform == "round":
        return round_probabilities(body, **params)
    if transform == "reverse-sigmoid":
        return reverse_sigmoid(body, **params)
    raise ValueError(f"unknown hardening {transform!r} (known: {', '.join(TRANSFORMS)})")
