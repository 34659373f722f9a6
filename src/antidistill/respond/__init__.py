"""Scores, verdicts, campaigns and the scan output.

Owns the last step of a scan: combining detector strengths into one score per
account (noisy-OR, so the score only grows with evidence), rolling the
evidence of linked accounts up into campaigns and lifting their members,
deciding verdicts at the policy's thresholds, and writing ``accounts.jsonl``
and ``campaigns.jsonl`` exactly as ``shared/spec/traffic-log.md`` fixes them.

Public surface: :func:`run_scan` (files in, result out) and
:func:`write_scan` (result to the output directory).
"""

from antidistill.respond.scan import ScanResult, run_scan, scan_store, score_features, write_scan

__all__ = ["ScanResult", "run_scan", "scan_store", "score_features", "write_scan"]
