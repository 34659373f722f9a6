"""antidistill: detect, stop and prove theft of AI models.

The data flows one way, one sub-package per stage:

    events -> features -> detect -> link -> respond / evidence

* ``events``   reads provider logs (the interchange format of
  ``shared/spec/traffic-log.md`` and adapters for other gateways), validates,
  quarantines bad lines and lands events in DuckDB.
* ``sim``      generates realistic synthetic traffic with ground truth.
* ``features`` turns events into per-account features, written once with Ibis
  and run on DuckDB or Spark.
* ``detect``   detectors: small classes registered by name that turn features
  into named signals with evidence.
* ``link``     groups accounts into campaigns and lifts members' scores.
* ``respond``  scores, verdicts and the scan output files.
"""

__version__ = "0.1.0"
