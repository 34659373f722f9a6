"""The victim: a scikit-learn digits classifier behind a KServe-v1 ``/v1/predict``.

It is the simulator's served model (``antidistill.sim.digits``: logistic
regression on one half of ``load_digits``), so that the benchmark judges the
same service the rest of the project simulates. Every call goes through
:meth:`DigitsAPI.predict`, which answers in the KServe v1 shape and records
the exchange for the client that sent it: the attacks' query streams are
exactly what the victim saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from antidistill.sim.digits import DigitsService, served_model

N_CLASSES = 10
N_FEATURES = 64
PIXEL_MAX = 16.0


@dataclass
class Exchange:
    """One query as the gateway logs it: the instance and the returned probabilities."""

    instance: np.ndarray
    probabilities: np.ndarray


@dataclass
class DigitsAPI:
    """The served model with a per-client log of every exchange."""

    service: DigitsService = field(default_factory=served_model)
    log: dict[str, list[Exchange]] = field(default_factory=dict)

    def predict(self, client: str, instances: np.ndarray) -> dict:
        """KServe v1 response body for ``{"instances": instances}``; logged under ``client``."""
        x = np.clip(np.asarray(instances, dtype=float).reshape(-1, N_FEATURES), 0.0, PIXEL_MAX)
        body = {"predictions": self.service.predict(x)}
        rows = self.log.setdefault(client, [])
        for xi, pred in zip(x, body["predictions"], strict=True):
            rows.append(Exchange(xi, np.asarray(pred["probabilities"], dtype=float)))
        return body

    def probabilities(self, client: str, instances: np.ndarray) -> np.ndarray:
        """The probabilities a client reads out of the response body."""
        body = self.predict(client, instances)
        return np.asarray([p["probabilities"] for p in body["predictions"]], dtype=float)

    def labels_unlogged(self, instances: np.ndarray) -> np.ndarray:
        """The victim's labels for evaluation (agreement), outside any client's log."""
        x = np.clip(np.asarray(instances, dtype=float).reshape(-1, N_FEATURES), 0.0, PIXEL_MAX)
        return self.service.model.predict(x / PIXEL_MAX)


def data_splits(seed: int = 0) -> dict[str, np.ndarray]:
    """Disjoint parts of the digits the victim was *not* trained on.

    ``benign``: what honest clients send; ``seeds``: the few real digits an
    attacker starts from (JbDA, T-RND); ``test``: where agreement between the
    stolen copy and the victim is measured; ``reference``: an optional sample
    of benign inputs for the detector's reference-density signal.
    """
    svc = served_model()
    x, y = svc.holdout, svc.targets[svc.holdout_idx]
    order = np.random.default_rng(10_000 + seed).permutation(len(x))
    parts = np.split(order, [400, 600, 800])
    return {"benign": x[parts[0]], "benign_y": y[parts[0]], "test": x[parts[1]],
            "reference": x[parts[2]], "seeds": x[parts[3]], "seeds_y": y[parts[3]]}
