"""Where the scan's per-event annotation spends its time (session 13; see BENCHMARKS.md).

``annotate`` (``antidistill.features.pipeline``) adds each event's rule and
domain flags in one DuckDB query; in a scan of full 9191 it is the largest
stage after the load. This probe loads a log once into an in-memory DuckDB
(the scan's loader, prediction bodies only, as the scan loads it), then times
materialising ``annotated_events`` under variants of the policy, each the
faster of two runs:

* the whole policy; without its domains; without its rules; without either
  (the shape flags alone);
* each rule alone, without domains (a rule that lies within another, such
  as ``reasoning-in-prompt``, is matched everywhere when alone);
* ``--max-chars N ...``: the reasoning rule alone, its patterns cut into
  alternations of at most N characters (``Rule.regexes``; the scan uses 3000).

Usage:
    python benchmarks/probe_annotate.py bench-data/full-9191/events.jsonl.gz [--max-chars 1500 3000 6000]

Prints one line per variant. Nothing here is used by the scan.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import ibis

from antidistill.events.sql_load import load_events
from antidistill.features import pipeline
from antidistill.policy import Policy, TextRule, load_policy

REASONING = "reasoning-elicitation"


def _time(con: duckdb.DuckDBPyConnection, events: ibis.Table, policy: Policy) -> tuple[float, float]:
    """(wall, CPU) seconds of the faster of two materialisations of ``annotated_events``."""
    sql = ibis.to_sql(pipeline.annotated_events(events, policy), dialect="duckdb")
    runs = []
    for _ in range(2):
        t0, c0 = time.perf_counter(), time.process_time()
        con.execute(f"CREATE OR REPLACE TEMP TABLE annotated AS {sql}")
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    con.execute("DROP TABLE annotated")
    return min(runs)


def _variant(policy: Policy, rules: dict | None = None, domains: dict | None = None) -> Policy:
    out = policy.model_copy(deep=True)
    if rules is not None:
        out.rules = rules
    if domains is not None:
        out.domains = domains
    return out


class _CutRule(TextRule):
    """A rule whose alternations are cut at another length."""

    max_chars: int = 3000

    def regexes(self, max_chars: int = 3000) -> list[str]:
        return super().regexes(self.max_chars)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("events", type=Path)
    ap.add_argument("--max-chars", type=int, nargs="*", default=[])
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    t0 = time.perf_counter()
    load_events(con, [args.events], bodies="predict")
    n, chars = con.execute("SELECT count(*), sum(strlen(coalesce(prompt, ''))) FROM events").fetchone()
    print(f"loaded {n:,} events ({chars / 1e6:.0f} MB of prompts) in {time.perf_counter() - t0:.1f} s", flush=True)
    events = ibis.duckdb.from_connection(con).table("events")
    policy = load_policy(None)

    variants: list[tuple[str, Policy]] = [
        ("whole policy", policy),
        ("no domains", _variant(policy, domains={})),
        ("no rules", _variant(policy, rules={})),
        ("no rules, no domains", _variant(policy, rules={}, domains={})),
        *((f"rule {name} alone", _variant(policy, rules={name: rule}, domains={})) for name, rule in policy.rules.items()),
    ]
    reasoning = policy.rules[REASONING]
    for max_chars in args.max_chars:
        cut = _CutRule(**reasoning.model_dump(), max_chars=max_chars)
        label = f"rule {REASONING} alone, alternations <= {max_chars} chars ({len(cut.regexes())} regexes)"
        variants.append((label, _variant(policy, rules={REASONING: cut}, domains={})))
    for label, variant in variants:
        wall, cpu = _time(con, events, variant)
        print(f"{label:<70} {wall:6.2f} s wall {cpu:6.2f} s CPU", flush=True)


if __name__ == "__main__":
    main()
