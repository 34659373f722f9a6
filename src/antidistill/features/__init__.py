"""Per-account features, written once with Ibis and run on DuckDB or Spark.

This stage owns the reduction from events (millions of rows) to the small
tables detectors and linkage read: one row of aggregates per account, a
bounded sample of prompts per account, the infrastructure values each account
used, its activity over time, example request ids per rule, and the
prediction-API queries. Everything here is an Ibis expression, so the same
code runs on the embedded DuckDB engine and on a Spark cluster.

Public surface: :func:`open_engine` (an engine with the events loaded) and
:func:`extract_features` (the reduced tables, as a :class:`FeatureSet`).
"""

from antidistill.features.engine import Engine, open_engine
from antidistill.features.pipeline import FeatureSet, extract_features

__all__ = ["Engine", "FeatureSet", "extract_features", "open_engine"]
