"""Prediction APIs: classifier extraction, our detector against PRADA, side by side.

The victim is the digits classifier behind ``/v1/predict`` (KServe v1).
Attack streams come from real attacks: Knockoff Nets (random, adaptive) and
CopycatCNN from IBM's Adversarial Robustness Toolbox with a PyTorch thief,
JbDA and T-RND written from their papers, and Knockoff Nets dealt over five
accounts. Benign streams: a noisy scanner, a batch-scoring job and a client
that resends near-duplicates, sending held-out digits.

For every attack and detector it reports the queries until detection
(median over seeds; detection = first query after which the detector
flags the account), and the agreement with the victim of a copy trained on
everything the attacker had received by then (on held-out test digits).
For benign clients: how many were ever flagged, and the share of their
queries answered after a false alarm. PRADA's ``delta`` is set the paper's
way, as the highest value at which benign calibration clients (other seeds)
raise no alarm, and also shown at 0.95. Then the cost of each output
hardening: how often it changes what an honest client reads, and the
agreement of a Knockoff copy trained on hardened answers.

Usage (needs the ``attacks`` extra):
    python benchmarks/bench_prediction.py --seeds 3 --budget 500 --benign-per-client 3400

Prints Markdown tables; ``--json PATH`` also writes every measurement.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from prediction import attacks  # noqa: E402
from prediction.clients import BENIGN_CLIENTS  # noqa: E402
from prediction.victim import DigitsAPI, data_splits  # noqa: E402

from antidistill.detect.classifier_online import (  # noqa: E402
    ExtractionParams,
    OnlineClassifierExtraction,
    ReferenceSample,
    judge,
)
from antidistill.detect.prada import Prada  # noqa: E402
from antidistill.respond import hardening  # noqa: E402

ATTACKS = ("knockoff-random", "knockoff-adaptive", "copycat", "jbda", "t-rnd", "split-knockoff")
AGREEMENT_GRID = (10, 20, 40, 80, 160, 320)
HARDENINGS = (("none", {}), ("round", {"decimals": 1}), ("label-only", {}),
              ("reverse-sigmoid", {"beta": 0.7, "gamma": 0.4}))


def run_attack(api: DigitsAPI, name: str, budget: int, seed: int, splits: dict) -> list[str]:
    if name in ("knockoff-random", "knockoff-adaptive"):
        return attacks.knockoff(api, name, budget, seed, name.split("-")[1])
    if name == "copycat":
        return attacks.copycat(api, name, budget, seed)
    if name == "jbda":
        return attacks.jbda(api, name, budget, seed, splits["seeds"])
    if name == "t-rnd":
        return attacks.t_rnd(api, name, budget, seed, splits["seeds"])
    if name == "split-knockoff":
        return attacks.split_knockoff(api, name, budget, seed)
    raise ValueError(name)


def stream(api: DigitsAPI, client: str) -> tuple[np.ndarray, np.ndarray]:
    rows = api.log[client]
    return np.array([r.instance for r in rows]), np.array([r.probabilities for r in rows])


def first_alarm_ours(x: np.ndarray, p: np.ndarray, reference: ReferenceSample | None) -> int | None:
    det = OnlineClassifierExtraction(ExtractionParams(), reference)
    for i in range(len(x)):
        det.learn_one(x[i], p[i])
        if det.predict_one().flagged:
            return i + 1
    return None


def prada_w_trace(x: np.ndarray, p: np.ndarray) -> list[float | None]:
    """PRADA's W after every query (delta only decides where it alarms)."""
    prada, trace = Prada(), []
    for i in range(len(x)):
        prada.learn_one(x[i], int(np.argmax(p[i])))
        trace.append(prada.statistic())
    return trace


def first_alarm_prada(trace: list[float | None], delta: float) -> int | None:
    return next((i + 1 for i, w in enumerate(trace) if w is not None and w < delta), None)


def campaign_first_alarm(members: list[tuple[np.ndarray, np.ndarray]], reference: ReferenceSample | None) -> int | None:
    """Queries (over all members, in arrival order) until the members' summed counts are flagged."""
    states = [OnlineClassifierExtraction(ExtractionParams(), reference) for _ in members]
    params = states[0].params
    total, longest = 0, max(len(x) for x, _ in members)
    for i in range(longest):  # the attack dealt its queries round-robin
        for state, (x, p) in zip(states, members, strict=True):
            if i >= len(x):
                continue
            state.learn_one(x[i], p[i])
            total += 1
            summed = {k: sum(s.counts[k] for s in states) for k in state.counts}
            if judge(summed, params).flagged:
                return total
    return None


def median_or_none(values: list[float | None]) -> float | None:
    # An undetected stream counts as never detected: it sorts after every number.
    keyed = sorted(values, key=lambda v: (v is None, v if v is not None else 0))
    mid = keyed[(len(keyed) - 1) // 2]
    if len(keyed) % 2 == 0:
        other = keyed[len(keyed) // 2]
        if mid is None or other is None:
            return None if mid is None else mid
        return (mid + other) / 2
    return mid


def benign_streams(seed: int, per_client: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    api, splits = DigitsAPI(), data_splits(seed)
    rng = np.random.default_rng(seed)
    for name, client in BENIGN_CLIENTS.items():
        client(api, name, splits["benign"], per_client, rng)
    return {name: stream(api, name) for name in BENIGN_CLIENTS}


def calibrate_prada_delta(seeds: list[int], per_client: int) -> float:
    """The highest delta (to 0.01) at which no calibration client alarms: the paper's choice."""
    lowest = 1.0
    for seed in seeds:
        for x, p in benign_streams(seed, per_client).values():
            ws = [w for w in prada_w_trace(x, p) if w is not None]
            lowest = min([lowest, *ws])
    return float(np.floor(lowest * 100) / 100)


def hardening_costs(seed: int, budget: int, test: np.ndarray) -> list[dict]:
    """Benign cost and thief agreement for each hardening, on one seed's streams."""
    api, splits = DigitsAPI(), data_splits(seed)
    rng = np.random.default_rng(seed)
    BENIGN_CLIENTS["noisy-scanner"](api, "benign", splits["benign"], 2000, rng)
    attacks.knockoff(api, "thief", budget, seed, "random")
    xb, pb = stream(api, "benign")
    xt, pt = stream(api, "thief")
    truth_labels = pb.argmax(axis=1)
    rows = []
    for name, params in HARDENINGS:
        def hard(probs: np.ndarray, name=name, params=params) -> tuple[np.ndarray | None, np.ndarray]:
            body = {"predictions": [{"label": int(np.argmax(q)), "probabilities": q.tolist()} for q in probs]}
            out = body if name == "none" else hardening.harden(body, name, **params)
            labels = np.array([o["label"] for o in out["predictions"]])
            if "probabilities" not in out["predictions"][0]:
                return None, labels
            return np.array([o["probabilities"] for o in out["predictions"]]), labels
        hb, lb = hard(pb)
        ht, lt = hard(pt)
        read_changed = float(np.mean(hb.argmax(axis=1) != truth_labels)) if hb is not None else 0.0
        l1 = float(np.mean(np.abs(hb - pb).sum(axis=1))) if hb is not None else float(np.mean(np.abs(np.eye(pb.shape[1])[lb] - pb).sum(axis=1)))
        soft = ht is not None
        answers = ht if soft else np.eye(pt.shape[1])[lt]
        agree = attacks.agreement_after(xt, answers, len(xt), api, test, soft=soft, seed=seed)
        rows.append({"hardening": name, "params": params, "label_changed": float(np.mean(lb != truth_labels)),
                     "argmax_of_probabilities_changed": read_changed, "mean_l1_change": l1, "thief_agreement": agree})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget", type=int, default=500, help="queries per attack")
    ap.add_argument("--benign-per-client", type=int, default=3400)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    logging.getLogger("art").setLevel(logging.ERROR)
    t0 = time.time()
    seeds = list(range(args.seeds))
    delta = calibrate_prada_delta([1000 + s for s in seeds], args.benign_per_client)
    detectors = ("ours", "ours+reference", f"PRADA (delta={delta:.2f}, calibrated)", "PRADA (delta=0.95)")
    results: dict[str, dict[str, list]] = {a: {d: [] for d in detectors} for a in ATTACKS}
    agreement_curves: dict[str, list[dict]] = {a: [] for a in ATTACKS}
    per_account: dict[str, list] = {d: [] for d in detectors[:2]}
    benign = {d: {"clients": 0, "flagged": 0, "queries": 0, "after_alarm": 0} for d in detectors}

    for seed in seeds:
        splits = data_splits(seed)
        reference = ReferenceSample(splits["reference"])
        for name, (x, p) in benign_streams(seed, args.benign_per_client).items():
            trace = prada_w_trace(x, p)
            alarms = {"ours": first_alarm_ours(x, p, None), "ours+reference": first_alarm_ours(x, p, reference),
                      detectors[2]: first_alarm_prada(trace, delta), detectors[3]: first_alarm_prada(trace, 0.95)}
            for d, at in alarms.items():
                b = benign[d]
                b["clients"] += 1
                b["queries"] += len(x)
                b["flagged"] += at is not None
                b["after_alarm"] += 0 if at is None else len(x) - at + 1
        for attack in ATTACKS:
            api = DigitsAPI()
            clients = run_attack(api, attack, args.budget, seed, splits)
            soft = attacks.USES_PROBABILITIES.get(attack, False)
            if len(clients) == 1:
                x, p = stream(api, clients[0])
                trace = prada_w_trace(x, p)
                alarms = {"ours": first_alarm_ours(x, p, None), "ours+reference": first_alarm_ours(x, p, reference),
                          detectors[2]: first_alarm_prada(trace, delta), detectors[3]: first_alarm_prada(trace, 0.95)}
            else:
                members = [stream(api, c) for c in clients]
                # The merged stream in arrival order, for PRADA and for the copy's agreement.
                order = [(i, m) for i in range(max(len(mx) for mx, _ in members)) for m in range(len(members)) if i < len(members[m][0])]
                x = np.array([members[m][0][i] for i, m in order])
                p = np.array([members[m][1][i] for i, m in order])
                trace = prada_w_trace(x, p)
                alarms = {"ours": campaign_first_alarm(members, None), "ours+reference": campaign_first_alarm(members, reference),
                          detectors[2]: first_alarm_prada(trace, delta), detectors[3]: first_alarm_prada(trace, 0.95)}
                for d, ref in (("ours", None), ("ours+reference", reference)):
                    per_account[d].append([first_alarm_ours(mx, mp, ref) for mx, mp in members])
            for d, at in alarms.items():
                agree = attacks.agreement_after(x, p, at, api, splits["test"], soft=soft, seed=seed) if at else None
                results[attack][d].append({"queries": at, "agreement": agree})
            curve = {k: attacks.agreement_after(x, p, k, api, splits["test"], soft=soft, seed=seed)
                     for k in (*AGREEMENT_GRID, len(x)) if k <= len(x)}
            agreement_curves[attack].append(curve)
            print(f"seed {seed} {attack}: " + ", ".join(f"{d}={a}" for d, a in alarms.items())
                  + f"; agreement {curve}", file=sys.stderr, flush=True)

    hard_rows = hardening_costs(seeds[0], args.budget, data_splits(seeds[0])["test"])
    report(args, seeds, delta, detectors, results, agreement_curves, per_account, benign, hard_rows, time.time() - t0)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"delta": delta, "results": results, "agreement": agreement_curves,
                                         "per_account": per_account, "benign": benign, "hardening": hard_rows},
                                        indent=1, default=str))


def _fmt(v, pattern="{:.0f}", none="not detected") -> str:
    return none if v is None else pattern.format(v)


def report(args, seeds, delta, detectors, results, curves, per_account, benign, hard_rows, elapsed) -> None:
    print(f"## Classifier extraction: {len(seeds)} seeds, {args.budget} queries per attack, "
          f"{args.benign_per_client} queries per benign client\n")
    print("| attack | detector | detected (seeds) | queries until detection (median) | copy's agreement at detection (median) | queries the copy needs for 50% agreement (median) | agreement after all queries (median) |")
    print("|---|---|---|---|---|---|---|")
    for attack, by_det in results.items():
        need = []
        for curve in curves[attack]:
            need.append(next((k for k, a in sorted(curve.items()) if a >= 0.5), None))
        final = statistics.median(max(c.items())[1] for c in curves[attack])
        for d in detectors:
            runs = by_det[d]
            hits = [r["queries"] for r in runs]
            agree = [r["agreement"] for r in runs if r["agreement"] is not None]
            print(f"| {attack} | {d} | {sum(h is not None for h in hits)}/{len(runs)} | {_fmt(median_or_none(hits))} | "
                  f"{_fmt(statistics.median(agree) if agree else None, '{:.2f}')} | "
                  f"{_fmt(median_or_none(need), '<= {:.0f}', none=f'not reached in {args.budget}')} | {final:.2f} |")
    print("\nsplit-knockoff per member account (queries of that account until it alone is flagged):")
    for d, runs in per_account.items():
        print(f"- {d}: " + "; ".join(str(r) for r in runs))
    print("\n| detector | benign clients flagged | benign queries | queries answered after a false alarm |")
    print("|---|---|---|---|")
    for d in detectors:
        b = benign[d]
        print(f"| {d} | {b['flagged']}/{b['clients']} | {b['queries']} | {b['after_alarm'] / b['queries']:.2%} |")
    print(f"\nPRADA delta calibrated on benign clients of seeds {[1000 + s for s in seeds]}: {delta:.2f}\n")
    print("| hardening | label changed | argmax of returned probabilities changed | mean L1 change of probabilities | Knockoff copy's agreement with the victim |")
    print("|---|---|---|---|---|")
    for r in hard_rows:
        params = ", ".join(f"{k}={v}" for k, v in r["params"].items())
        print(f"| {r['hardening']}{' (' + params + ')' if params else ''} | {r['label_changed']:.2%} | "
              f"{r['argmax_of_probabilities_changed']:.2%} | {r['mean_l1_change']:.3f} | {r['thief_agreement']:.2f} |")
    print(f"\n(ran in {elapsed / 60:.1f} min)")


if __name__ == "__main__":
    main()
