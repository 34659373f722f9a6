"""Detection on logs that carry only what the spec requires (session 13; see BENCHMARKS.md).

The spec (``shared/spec/traffic-log.md``) makes ``accounts.jsonl`` optional,
and in each log line ``api_key_id``, ``client_ip``, ``user_agent``,
``response`` and ``latency_ms``. A provider's own logs may lack any of them,
and detection is judged on traffic nobody on the team produced. This
benchmark scans one simulated seed several times, each time with less of
what it could read, and gives ``bench_detect.quality``'s figures for each:

* ``as written``: the log and ``accounts.jsonl``;
* ``no accounts``: the log alone (no payment, e-mail or sign-up data);
* ``no network``: also without ``api_key_id``, ``client_ip`` and ``user_agent``
  in any line;
* ``required only``: also without ``response`` and ``latency_ms``: nothing
  but the required fields.

What a stripped log can still show is less: recall and campaign grouping
are expected to fall as ties go. Precision should not: an account flagged
on less evidence would be a false alarm.

Usage:
    python benchmarks/bench_degraded.py bench-data/full-9473 [--variants "no network" ...]

The directory is a simulator output (``events.jsonl.gz``, ``accounts.jsonl``,
``labels.json``); stripped logs are written under a temporary directory.
Prints one JSON object per variant, then a table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from isal import igzip

from bench_detect import BIN, quality

#: What each variant leaves out: (accounts.jsonl left out, envelope fields left out).
VARIANTS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "as written": (False, ()),
    "no accounts": (True, ()),
    "no network": (True, ("api_key_id", "client_ip", "user_agent")),
    "required only": (True, ("api_key_id", "client_ip", "user_agent", "response", "latency_ms")),
}
SUMMARY = ("precision", "recall", "benign_fpr", "campaigns_caught", "adjusted_rand_index")


def strip_log(src: Path, dst: Path, fields: tuple[str, ...]) -> int:
    """Write ``src``'s lines to ``dst`` without ``fields``; the number of lines.

    A line that is not a JSON object is written as it is: the scan
    quarantines it, as it would in the log as written."""
    n = 0
    with igzip.open(src, "rb") as inp, igzip.open(dst, "wb", compresslevel=1) as out:
        for line in inp:
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                event = None
            if isinstance(event, dict):
                for name in fields:
                    event.pop(name, None)
                out.write(orjson.dumps(event) + b"\n")
            else:
                out.write(line if line.endswith(b"\n") else line + b"\n")
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-degraded-") as tmp:
        for name in args.variants:
            no_accounts, fields = VARIANTS[name]
            events = args.data / "events.jsonl.gz"
            if fields:
                events = Path(tmp) / "events.jsonl.gz"
                strip_log(args.data / "events.jsonl.gz", events, fields)
            out = Path(tmp) / "out"
            cmd = [str(BIN / "antidistill"), "scan", str(events), "--out", str(out)]
            if not no_accounts:
                cmd += ["--accounts", str(args.data / "accounts.jsonl")]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            q = quality(args.data, out)
            results[name] = q
            print(json.dumps({"variant": name, "scan_s": round(time.perf_counter() - t0, 1),
                              **{k: v for k, v in q.items() if k != "campaigns"}}), flush=True)
    print()
    print("| variant | " + " | ".join(SUMMARY) + " | false positives |")
    print("|---" * (len(SUMMARY) + 2) + "|")
    for name, q in results.items():
        fps = ", ".join(f"{n} {p}" for p, n in q["false_positives_by_population"].items()) or "none"
        print(f"| {name} | " + " | ".join(str(q[k]) for k in SUMMARY) + f" | {fps} |")


if __name__ == "__main__":
    sys.exit(main())
