"""Detectors: small classes, one job each, registered by name.

A detector reads the reduced per-account tables of :mod:`antidistill.features`
and answers, for every subject (an account, an end user of a platform
account, or a whole campaign), how strongly its traffic shows one kind of
theft, with the named signals and example request ids behind that.

The interface follows scikit-learn's split of parameters from learned state:

* ``__init__(**params)`` takes only parameters, straight from the policy file;
* ``fit(features)`` learns population-level state (e.g. prompt templates)
  and returns ``self``;
* ``measure(features)`` returns *additive* per-account measurements (counts),
  so that the measurements of several accounts can be summed into a campaign;
* ``score(measurements, features)`` turns measurements into a strength in
  [0, 1] and the signals that explain it.

Adding a detector touches one file: write a module in this package with a
class decorated by :func:`register`; it is imported automatically and
configured from the policy's ``detectors.<name>`` block.
"""

from antidistill.detect.base import (
    Detector,
    Scored,
    Signal,
    build_detectors,
    register,
    registry,
    rollup,
)

__all__ = ["Detector", "Scored", "Signal", "build_detectors", "register", "registry", "rollup"]
