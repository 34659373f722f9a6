"""PRADA (Juuti et al., EuroS&P 2019), the reference defence for prediction APIs.

Kept beside our own detector so both run on the same streams. Per client,
PRADA keeps a growing set of queries for each predicted class. Each new
query's minimum L2 distance to the set of its predicted class is recorded;
the query joins the set when that distance exceeds the class threshold
(mean minus standard deviation of the distances within the set). Benign
queries give normally distributed minimum distances; synthetic extraction
queries do not, which a Shapiro-Wilk test shows once enough have arrived.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats


@dataclass
class Prada:
    """One client's PRADA state (online: call :meth:`learn_one` per query)."""

    delta: float = 0.9
    min_distances: int = 50
    growing: dict[int, list[np.ndarray]] = field(default_factory=dict)
    set_distances: dict[int, list[float]] = field(default_factory=dict)
    thresholds: dict[int, float] = field(default_factory=dict)
    distances: list[float] = field(default_factory=list)

    def learn_one(self, x: np.ndarray, label: int) -> None:
        x = np.asarray(x, dtype=float).ravel()
        group = self.growing.get(label)
        if not group:
            self.growing[label] = [x]
            self.set_distances[label] = []
            self.thresholds[label] = 0.0
            return
        d = float(np.min(np.linalg.norm(np.vstack(group) - x, axis=1)))
        self.distances.append(d)
        if d > self.thresholds[label]:
            group.append(x)
            self.set_distances[label].append(d)
            sd = self.set_distances[label]
            self.thresholds[label] = max(self.thresholds[label], float(np.mean(sd) - np.std(sd)))

    def statistic(self) -> float | None:
        """Shapiro-Wilk W of the minimum distances, once there are enough."""
        if len(self.distances) < self.min_distances:
            return None
        d = np.asarray(self.distances[-5000:])
        if np.ptp(d) == 0:
            return 0.0  # identical distances are as far from normal as it gets
        return float(stats.shapiro(d).statistic)

    def alarm(self) -> bool:
        w = self.statistic()
        return w is not None and w < self.delta
