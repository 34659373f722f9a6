"""Text-rule matching cost: a rule as one alternation vs in pieces.

Times each policy rule over the last user message of the first N events of a
log, in DuckDB (``regexp_matches``, as the batch pipeline runs it) and in an
RE2 set (as the gateway runs it), both as one alternation (``TextRule.regex``)
and as the pieces ``TextRule.regexes`` returns, and checks both give the same
matches.

Usage:
    python benchmarks/bench_rules.py bench-data/full-9191/events.jsonl.gz [--n 20000]
"""

from __future__ import annotations

import argparse
import time

import duckdb

from antidistill.gateway.online import _compile_set
from antidistill.policy import load_policy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("events")
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE p AS SELECT lower(request->>'$.messages[-1].content') AS t FROM read_json(?, "
        "format='newline_delimited', columns={'request': 'JSON'}) WHERE t IS NOT NULL LIMIT ?",
        [args.events, args.n])
    texts = [t for (t,) in con.execute("SELECT t FROM p").fetchall()]
    print(f"{len(texts)} prompts")
    for name, rule in load_policy(None).rules.items():
        whole, pieces = [rule.regex()], rule.regexes()
        row = [name, f"{len(whole[0])} chars, {len(pieces)} pieces"]
        for label, pats in (("whole", whole), ("pieces", pieces)):
            expr = " OR ".join(f"regexp_matches(t, ${i + 1})" for i in range(len(pats)))
            t0 = time.perf_counter()
            hits = con.execute(f"SELECT sum(({expr})::int) FROM p", pats).fetchone()[0]
            duck = time.perf_counter() - t0
            rset = _compile_set(pats)
            t0 = time.perf_counter()
            set_hits = sum(bool(rset.Match(x)) for x in texts) if rset is not None else None
            per_text = (time.perf_counter() - t0) / len(texts) * 1e6
            row.append(f"{label}: duckdb {duck:.2f} s ({hits} hits), re2 set {per_text:.1f} us/prompt ({set_hits} hits)")
        print(" | ".join(row))


if __name__ == "__main__":
    main()
