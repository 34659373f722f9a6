"""Score development seeds again from their features, without loading them.

Changing how detector results become scores and campaigns (respond.scan's
combination, link.graph, link.campaigns) does not change the features or
the detectors' measurements, so a change there can be judged on many seeds
in seconds each instead of a full scan each:

    # once per seed (a full scan, ~1-2 min; writes DATA/scoring-inputs.pkl)
    python benchmarks/rescore_seeds.py capture bench-data/full-3141
    # then, for any source tree (default: this checkout's)
    python benchmarks/rescore_seeds.py score bench-data/full-3141 bench-data/full-9191 [--src OTHER/src]

`capture` runs the scan and keeps the accounts' FeatureSet, the fitted
detectors and their measurements and results. `score` builds the detectors
of the tree named by `--src` (this checkout's by default) from that tree's
default policy, gives them what the captured ones learned in `fit`
(attributes ending in "_"), lets them measure again (cheap), except the
separable ones (costly: classifier-extraction's captured measurements are
kept), and runs that tree's `respond.scan.score_features`; it prints
bench_detect's quality figures per seed (the end users of platforms are not
judged again; they do not enter these figures). Capture again after
changing the features, what a detector learns in `fit`, or what a
separable detector measures.
Figures from this script are for comparing scoring changes on development
seeds; the issue's figures come from bench_detect.py on a fresh seed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
INPUTS = "scoring-inputs.pkl"


def capture(data: Path) -> None:
    import antidistill.respond.scan as scan

    original = scan._judge
    kept = []

    def keep(fs, detectors, workers=1):
        measured = original(fs, detectors, workers)
        ids = fs.accounts["account_id"].astype(str)
        if not kept and not ids.str.contains(scan.END_USER_SEP, regex=False).any():
            kept.append((fs, detectors, *measured))
        return measured

    scan._judge = keep
    scan.run_scan([data / "events.jsonl.gz"], accounts=data / "accounts.jsonl")
    with open(data / INPUTS, "wb") as f:
        pickle.dump(kept[0], f, protocol=5)


def score_one(data: Path, out: Path) -> None:
    """In this process (whose antidistill is the tree under test)."""
    import antidistill.respond.scan as scan
    from antidistill.policy import load_policy

    from antidistill.detect.base import build_detectors

    with open(data / INPUTS, "rb") as f:
        fs, captured, measurements, _captured_results = pickle.load(f)
    policy = load_policy(None)
    # The tree's detectors, with the tree's policy, take over what the
    # captured ones learned in fit (attributes ending in "_"). They measure
    # again, which is cheap, except the separable ones (costly: their
    # captured measurements are kept).
    fitted = {d.name: d for d in captured}
    detectors = build_detectors(policy)
    for d in detectors:
        if d.name in fitted:
            d.__dict__.update({k: v for k, v in vars(fitted[d.name]).items() if k.endswith("_") and not k.startswith("_")})
        if not d.separable or d.name not in measurements:
            measurements[d.name] = d.measure(fs)
    results = {d.name: d.score(measurements[d.name], fs) for d in detectors}
    scan.build_detectors = lambda policy: detectors
    scan._judge = lambda fs_, dets, workers=1: (measurements, results)
    accounts, campaigns = scan.score_features(fs, policy)
    out.mkdir(parents=True, exist_ok=True)
    (out / "accounts.jsonl").write_text("".join(json.dumps(a.to_dict()) + "\n" for a in accounts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("data", type=Path, nargs="+")
    sc = sub.add_parser("score")
    sc.add_argument("data", type=Path, nargs="+")
    sc.add_argument("--src", type=Path, default=HERE.parent / "src", help="source tree whose scoring to run")
    sc.add_argument("--full", action="store_true", help="print every figure, not one line per seed")
    one = sub.add_parser("score-one")  # internal: run under the tree being tested
    one.add_argument("data", type=Path)
    one.add_argument("out", type=Path)
    args = ap.parse_args()
    if args.cmd == "capture":
        for data in args.data:
            capture(data)
    elif args.cmd == "score-one":
        score_one(args.data, args.out)
    else:
        sys.path.insert(0, str(HERE))
        from bench_detect import quality

        env = {**os.environ, "PYTHONPATH": str(args.src.resolve())}
        for data in args.data:
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run([sys.executable, __file__, "score-one", str(data), tmp], env=env, check=True)
                q = quality(data, Path(tmp))
            if args.full:
                print(json.dumps({"data": str(data), **q}, indent=2))
            else:
                print(f"{data.name}: precision {q['precision']} recall {q['recall']} FPR {q['benign_fpr']} "
                      f"FP {q['false_positives_by_population']} campaigns {q['campaigns_caught']} ARI {q['adjusted_rand_index']}")


if __name__ == "__main__":
    main()
