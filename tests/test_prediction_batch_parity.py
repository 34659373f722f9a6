"""The scan's batch replay against the gateway's exchange-by-exchange form: they must agree exactly.

``OnlineClassifierExtraction.learn_many`` (and ``Prada.learn_many``, and the
scan's request parser) are faster forms of ``learn_one`` on each exchange in
turn. Here both run on the same streams, random ones built to hit the close
calls (exact distance ties between different inputs, ring wrap-around,
equal-sized steps, inputs that change length, values the fast path hands
back, answers at the confidence cuts) and ones made like the simulator's,
and every count, hit, example and PRADA distance must be the same.
"""

from __future__ import annotations

import json
import math
import warnings
from types import SimpleNamespace

import numpy as np
import orjson
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antidistill.detect.classifier import (
    EXAMPLES,
    PRADA_MAX_QUERIES,
    ClassifierExtraction,
    parse_predict,
)
from antidistill.detect.classifier_online import (
    SIGNALS,
    ExtractionParams,
    OnlineClassifierExtraction,
    ReferenceSample,
    _steps,
    empty_counts,
)
from antidistill.detect.prada import Prada

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the reference: one exchange at a time -------------------------------------


def replay_one_by_one(det: ClassifierExtraction, features) -> tuple[pd.DataFrame, dict, dict]:
    """What the scan computed before learn_many: learn_one and Prada.learn_one per query."""
    accounts = features.accounts["account_id"]
    states, pradas, examples = {}, {}, {}
    pred = features.predict
    for acct, rid, rq, rs in zip(pred["account_id"], pred["request_id"], pred["request_json"],
                                 pred["response_json"], strict=True):
        exchanges = parse_predict(rq, rs)
        if not exchanges:
            continue
        state = states.get(acct)
        if state is None:
            state = states[acct] = OnlineClassifierExtraction(det.config, det.reference)
        prada = pradas.setdefault(acct, Prada(delta=det.params["prada_delta"]))
        ex = examples.setdefault(acct, {})
        for x, probs, label in exchanges:
            if label is None:
                label = int(np.argmax(probs))
            for signal in state.learn_one(x, probs, label):
                ids = ex.setdefault(signal, [])
                if len(ids) < EXAMPLES and rid not in ids:
                    ids.append(rid)
            if len(prada.distances) < PRADA_MAX_QUERIES:
                prada.learn_one(np.asarray(x, dtype=float), label)
    zero = empty_counts(det.config)
    rows = {a: (states[a].counts if a in states else zero) for a in accounts}
    m = pd.DataFrame.from_dict(rows, orient="index", columns=list(zero)).reindex(accounts.values).fillna(0)
    return m, examples, pradas


def assert_same_prada(a: Prada, b: Prada) -> None:
    assert a.distances == b.distances
    assert list(a.groups) == list(b.groups)
    for label, ga in a.groups.items():
        gb = b.groups[label]
        assert (ga.size, ga.threshold, ga.join_distances) == (gb.size, gb.threshold, gb.join_distances)
        np.testing.assert_array_equal(ga.points[:ga.size], gb.points[:gb.size])
    assert a.statistic() == b.statistic()


def assert_replays_agree(det: ClassifierExtraction, features) -> pd.DataFrame:
    m_ref, ex_ref, prada_ref = replay_one_by_one(det, features)
    m = det._replay(features)
    pd.testing.assert_frame_equal(m, m_ref, check_exact=True)
    assert det.examples_ == ex_ref
    assert [list(v) for v in det.examples_.values()] == [list(v) for v in ex_ref.values()]
    assert list(det.prada_) == list(prada_ref)
    for acct, p in prada_ref.items():
        assert_same_prada(det.prada_[acct], p)
    return m


def features_of(rows: list[tuple[str, str, object, object]], extra_accounts=()) -> SimpleNamespace:
    """A FeatureSet-like object with ``predict`` (account, request id, request and response bodies) and ``accounts``."""
    predict = pd.DataFrame(rows, columns=["account_id", "request_id", "request_json", "response_json"])
    accounts = pd.DataFrame({"account_id": sorted({r[0] for r in rows} | set(extra_accounts))})
    return SimpleNamespace(predict=predict, accounts=accounts)


# --- random streams built to hit the close calls --------------------------------------

CUTS = (0.6, 0.8)


@st.composite
def exchanges(draw, dims=(1, 2, 3)):
    """(instance, probabilities or None, label or None): small integer grids make exact distance ties common."""
    dim = draw(st.sampled_from(dims))
    kind = draw(st.sampled_from(["grid", "grid", "grid", "step", "odd"]))
    if kind == "grid":
        x = draw(st.lists(st.integers(-2, 2), min_size=dim, max_size=dim))
        x = [float(v) for v in x]
    elif kind == "step":
        base = draw(st.lists(st.integers(0, 3), min_size=dim, max_size=dim))
        signs = draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=dim, max_size=dim))
        lam = draw(st.sampled_from([0.5, 1.6, 1e-7]))
        x = [b + lam * s for b, s in zip(base, signs, strict=True)]
    else:
        x = draw(st.lists(st.sampled_from([0.0, -0.0, 1e-300, 3.0, 1e200, math.inf, -math.inf, math.nan]),
                          min_size=dim, max_size=dim))
    pkind = draw(st.sampled_from(["probs", "probs", "label", "edge"]))
    if pkind == "label":
        return x, None, draw(st.integers(0, 2))
    if pkind == "edge":
        top = draw(st.sampled_from([*CUTS, 0.5999999999999999, 1.0, math.nan]))
        probs = [top, 0.1]
    else:
        probs = draw(st.lists(st.floats(0, 1), min_size=1, max_size=3))
    return x, probs, draw(st.one_of(st.none(), st.integers(0, 2)))


@st.composite
def streams(draw, dims=(1, 2, 3)):
    """Exchanges, each with how it is fed: in the current learn_many batch, a new batch, or learn_one."""
    items = draw(st.lists(exchanges(dims), max_size=40))
    return [(item, draw(st.sampled_from(["many", "many", "many", "new", "one"]))) for item in items]


def feed_mixed(state: OnlineClassifierExtraction, stream) -> list[tuple[str, ...]]:
    hits: list[tuple[str, ...]] = []
    batch: list = []

    def flush() -> None:
        if batch:
            got = state.learn_many([x for x, _, _ in batch], [p for _, p, _ in batch], [lab for _, _, lab in batch])
            hits.extend(tuple(s for s in SIGNALS if got[s][i]) for i in range(len(batch)))
            batch.clear()

    for item, how in stream:
        if how != "many":
            flush()
        if how == "one":
            hits.append(state.learn_one(*item))
        else:
            batch.append(item)
    flush()
    return hits


def assert_same_state(a: OnlineClassifierExtraction, b: OnlineClassifierExtraction) -> None:
    assert a.counts == b.counts
    assert a.last_hits == b.last_hits
    assert a._stored == b._stored
    assert (a._memory is None) == (b._memory is None)
    if a._memory is not None:
        assert a._memory.shape == b._memory.shape
        held = min(a._stored, a.params.neighbour_memory)
        np.testing.assert_array_equal(a._memory[:held], b._memory[:held])


def _valid(stream):
    return [(item, how) for item, how in stream if item[2] is not None or item[1]]


@FAST
@given(streams(), st.sampled_from([1, 2, 3, 5, 1000]))
def test_learn_many_equals_learn_one_on_random_streams(stream, memory):
    stream = _valid(stream)
    items = [item for item, _ in stream]
    params = ExtractionParams(neighbour_memory=memory)
    one, many = OnlineClassifierExtraction(params), OnlineClassifierExtraction(params)
    expected = [one.learn_one(x, p, lab) for x, p, lab in items]
    assert feed_mixed(many, stream) == expected
    assert_same_state(one, many)
    # And the states go on the same way.
    tail = [([0.0] * len(items[-1][0]), [0.3, 0.7], None), ([1.0], None, 1)] if items else []
    assert [one.learn_one(*t) for t in tail] == [many.learn_one(*t) for t in tail]


@FAST
@given(streams(dims=(3,)), st.data())
def test_learn_many_equals_learn_one_with_a_reference(stream, data):
    items = [item for item, _ in _valid(stream)]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    ref = rng.integers(-2, 3, size=(25, 3)).astype(float)
    reference = ReferenceSample(ref, quantile=0.5)
    # Queries right at the reference's radius, where rounding decides.
    for i in range(data.draw(st.integers(0, 4))):
        u = rng.normal(size=3)
        x = ref[i] + reference.radius * u / np.linalg.norm(u)
        items.append((x.tolist(), [0.9, 0.1], None))
    one = OnlineClassifierExtraction(ExtractionParams(neighbour_memory=4), reference=reference)
    many = OnlineClassifierExtraction(ExtractionParams(neighbour_memory=4), reference=reference)
    expected = [one.learn_one(x, p, lab) for x, p, lab in items]
    got = many.learn_many([x for x, _, _ in items], [p for _, p, _ in items], [lab for _, _, lab in items])
    assert [tuple(s for s in SIGNALS if got[s][i]) for i in range(len(items))] == expected
    assert_same_state(one, many)


def test_reference_boundary_queries_agree():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(200, 16))
    reference = ReferenceSample(ref, quantile=0.9)
    u = rng.normal(size=(400, 16))
    xs = ref[rng.integers(0, 200, 400)] + reference.radius * (1 + rng.normal(scale=1e-15, size=(400, 1))) * u / np.linalg.norm(u, axis=1, keepdims=True)
    xs = np.vstack([xs, rng.normal(size=(400, 16)) * 3])
    assert reference.is_off_many(xs).tolist() == [reference.is_off(x) for x in xs]
    odd = np.vstack([xs[:3], np.full(16, np.nan), np.full(16, 1e200)])
    assert reference.is_off_many(odd).tolist() == [reference.is_off(x) for x in odd]
    assert reference.is_off_many(np.zeros((3, 5))) is None


def test_learn_many_refuses_an_exchange_without_answer_before_counting_any():
    det = OnlineClassifierExtraction()
    with pytest.raises(ValueError):
        det.learn_many([[1.0], [2.0]], [[0.9, 0.1], None], [None, None])
    assert det.counts == empty_counts(det.params) and det._memory is None


# --- the vectorised step test against the one-pair form ------------------------------


@st.composite
def pairs(draw):
    d = draw(st.integers(1, 12))
    prev = np.asarray(draw(st.lists(st.integers(-4, 4), min_size=d, max_size=d)), dtype=float)
    kind = draw(st.sampled_from(["step", "partial", "noise", "same"]))
    lam = draw(st.sampled_from([1.0, 0.3, 1e-5, 2.5]))
    signs = np.asarray(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=d, max_size=d)))
    if kind == "step":
        x = prev + lam * signs
    elif kind == "partial":
        mask = np.asarray(draw(st.lists(st.booleans(), min_size=d, max_size=d)))
        x = prev + lam * signs * mask
    elif kind == "noise":
        x = prev + np.asarray(draw(st.lists(st.floats(-3, 3), min_size=d, max_size=d)))
    else:
        x = prev.copy()
    return x, prev


@FAST
@given(st.lists(pairs(), min_size=1, max_size=20), st.sampled_from([0.0, 0.2, 0.5]), st.sampled_from([0.5, 0.8, 1.0]))
def test_vectorised_step_test_equals_the_one_pair_form(pairs_, min_features, equal_share):
    by_dim: dict[int, list] = {}
    for x, prev in pairs_:
        by_dim.setdefault(x.size, []).append((x, prev))
    det = OnlineClassifierExtraction(ExtractionParams(step_min_features=min_features, step_equal_share=equal_share))
    for group in by_dim.values():
        xs, prevs = np.array([x for x, _ in group]), np.array([p for _, p in group])
        with warnings.catch_warnings():  # np.median of nothing (min_features 0) warns; the answer is what matters
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = [det._is_step(x, p) for x, p in group]
        assert _steps(xs, prevs, min_features, equal_share).tolist() == expected


def test_empty_instances_are_never_steps():
    det = OnlineClassifierExtraction()
    assert det.learn_one([], [0.9, 0.1]) == ()
    assert det.learn_one([], [0.9, 0.1]) == ()  # used to fail on np.max of nothing
    assert det.counts["n_step_tested"] == 1 and det.counts["n_step_hits"] == 0
    many = OnlineClassifierExtraction()
    many.learn_many([[], []], [[0.9, 0.1], [0.9, 0.1]])
    assert many.counts == det.counts


# --- PRADA ----------------------------------------------------------------------


@FAST
@given(st.lists(st.tuples(st.lists(st.integers(-3, 3), min_size=2, max_size=2), st.integers(0, 3)), max_size=60),
       st.one_of(st.none(), st.integers(0, 30)))
def test_prada_learn_many_equals_learn_one(queries, cap):
    xs = np.array([x for x, _ in queries], dtype=float).reshape(len(queries), 2)
    labels = [lab for _, lab in queries]
    one, many = Prada(min_distances=5), Prada(min_distances=5)
    taken = 0
    for x, lab in zip(xs, labels, strict=True):
        if cap is None or len(one.distances) < cap:
            one.learn_one(x, lab)
            taken += 1
    assert many.learn_many(xs, labels, max_distances=cap) == (taken if cap is not None else len(queries))
    assert_same_prada(one, many)


# --- the parser -----------------------------------------------------------------


def parse_predict_reference(request_json, response_json):
    """parse_predict as it was, one float() per value."""
    try:
        inst = orjson.loads(request_json).get("instances") or []
        preds = (orjson.loads(response_json).get("predictions") or []) if response_json else []
    except (orjson.JSONDecodeError, AttributeError, TypeError):
        return []
    out = []
    for x, p in zip(inst, preds, strict=False):
        if not isinstance(x, list) or not isinstance(p, dict):
            continue
        probs = p.get("probabilities") or None
        label = p.get("label")
        if probs is None and label is None:
            continue
        try:
            out.append(([float(v) for v in x], [float(v) for v in probs] if probs else None,
                        int(label) if label is not None else None))
        except (TypeError, ValueError):
            continue
    return out


json_number = st.one_of(st.integers(-(2**64), 2**64), st.floats(allow_nan=False, allow_infinity=False), st.booleans())
json_value = st.one_of(json_number, json_number, json_number, st.none(),
                       st.sampled_from(["1.5", "nan", "-inf", "x", " 2 ", "1_0"]), st.just([1]), st.just({"a": 1}))
instance = st.one_of(st.lists(json_number, min_size=2, max_size=2), st.lists(json_value, max_size=3),
                     st.just("abc"), st.just({"k": 1}))
prediction = st.one_of(
    st.fixed_dictionaries({"label": st.one_of(st.none(), st.integers(0, 9), st.just("3"), st.just(2.7), st.just("x")),
                           "probabilities": st.one_of(st.none(), st.just([]),
                                                      st.lists(json_number, min_size=3, max_size=3),
                                                      st.lists(json_value, max_size=3), st.just("0.5"), st.just({"1": 2}))}),
    st.just({}), st.just([1, 2]))


@FAST
@given(st.lists(instance, max_size=5), st.lists(prediction, max_size=5), st.booleans())
def test_parser_equals_float_by_float(instances, predictions, as_bytes):
    rq = json.dumps({"instances": instances})  # (the standard library writes integers of any size)
    rs = json.dumps({"predictions": predictions})
    if as_bytes:
        rq, rs = rq.encode(), rs.encode()
    assert repr(parse_predict(rq, rs)) == repr(parse_predict_reference(rq, rs))


def test_parser_odd_bodies():
    for rq, rs in [(b"not json", b"{}"), (b"[1]", b"{}"), (b'{"instances": [[1, 2]]}', None),
                   (b'{"instances": [[1, 2]]}', pd.NA), (b'{"instances": "ab"}', b'{"predictions": "ab"}'),
                   (b'{"instances": [[1, 2], [3]]}', b'{"predictions": [{"label": 1}, {"label": 2}]}'),
                   (b'{"instances": [[1, 2], [3, 4]]}', b'{"predictions": [{"label": "x", "probabilities": [0.5, 0.5]}, {"label": 2.7}]}')]:
        assert repr(parse_predict(rq, rs)) == repr(parse_predict_reference(rq, rs))


# --- whole replays: random logs, and logs made like the simulator's ---------------------


def test_replay_equals_one_by_one_on_odd_logs():
    rows = [
        ("a", "r1", b'{"instances": [[1, 2], [1, 3]]}', b'{"predictions": [{"label": 0, "probabilities": [0.5, 0.5]}, {"label": 1}]}'),
        ("a", "r2", b'{"instances": [[1, 2, 3]]}', b'{"predictions": [{"probabilities": [0.2, 0.8]}]}'),
        ("b", "r3", b'{"instances": [["1.5", 2]]}', b'{"predictions": [{"label": "1", "probabilities": [0.7, 0.3]}]}'),
        ("a", "r4", b'{"instances": [[1, 2], [2, 2]]}', b'{"predictions": [{"label": 0, "probabilities": [0.9, 0.1]}, {"probabilities": [0.1, 0.3, 0.6]}]}'),
        ("b", "r5", b"{}", None),
        ("c", "r6", b'{"instances": [[1, 2]]}', pd.NA),
        ("b", "r7", b'{"instances": [[1e300, 2]]}', b'{"predictions": [{"label": 1}]}'),
    ]
    assert_replays_agree(ClassifierExtraction(neighbour_memory=2), features_of(rows, extra_accounts=["z"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.lists(exchanges(dims=(2,)), min_size=1, max_size=6)), max_size=25),
       st.sampled_from([2, 7, 1000]))
def test_replay_equals_one_by_one_on_random_logs(requests, memory):
    rows = []
    for i, (acct, items) in enumerate(requests):
        items = [(x, p, lab) for x, p, lab in items if all(math.isfinite(v) for v in x)]
        preds = [{k: v for k, v in (("probabilities", p), ("label", lab)) if v is not None} for _, p, lab in items]
        body = orjson.dumps({"predictions": preds}) if items else None  # (a NaN probability goes out as null)
        rows.append((acct, f"r{i}", orjson.dumps({"instances": [x for x, _, _ in items]}), body))
    assert_replays_agree(ClassifierExtraction(neighbour_memory=memory), features_of(rows))


def simulated_log(seed: int, n_requests: int = 400) -> SimpleNamespace:
    """Honest scorers, a resender, noise queries and Jacobian-style probing, answered by the simulator's digits model."""
    from antidistill.sim.digits import as_instances, served_model

    svc = served_model()
    g = np.random.default_rng(seed)
    rows = []
    seeds = svc.holdout[g.integers(0, len(svc.holdout), 5)]
    for i in range(n_requests):
        acct = ["honest", "batcher", "resender", "noise", "jbda"][i % 5]
        k = int(g.integers(1, 30)) if acct == "batcher" else int(g.integers(1, 4))
        if acct in ("honest", "batcher"):
            x = svc.holdout[g.integers(0, len(svc.holdout), k)] + g.normal(0, 0.3, size=(k, 64))
        elif acct == "resender":
            x = svc.holdout[g.integers(0, 3, k)]  # the same three images again and again
        elif acct == "noise":
            x = g.uniform(0, 16, size=(k, 64))
        else:
            base = seeds[g.integers(0, len(seeds), k)]
            x = base + 1.6 * svc.gradient_signs(base, g.integers(0, 10, k))
            seeds = np.vstack([seeds, np.clip(x, 0, 16)])
        instances = as_instances(x)
        rows.append((acct, f"req-{i}", orjson.dumps({"instances": instances}),
                     orjson.dumps({"predictions": svc.predict(np.asarray(instances))})))
    return features_of(rows, extra_accounts=["quiet"])


@pytest.mark.parametrize("seed", [0, 1])
def test_replay_equals_one_by_one_on_simulator_like_logs(seed):
    features = simulated_log(seed)
    m = assert_replays_agree(ClassifierExtraction(neighbour_memory=50), features)
    assert m.loc["jbda", "n_step_hits"] > 0 and m.loc["resender", "n_queries"] > 0
    assert m.loc["quiet", "n_queries"] == 0
    det = ClassifierExtraction()
    assert_replays_agree(det, features)
    # fit and score go through the same replay
    det.fit(features)
    assert det.measure(features) is det._measured[1]


@pytest.mark.slow
def test_replay_equals_one_by_one_on_a_simulated_log(tmp_path):
    import gzip

    from antidistill.sim import simulate

    simulate(seed=3, scale="small", out_dir=tmp_path)
    rows = []
    with gzip.open(tmp_path / "events.jsonl.gz", "rb") as f:
        for line in f:
            e = orjson.loads(line)
            if e["endpoint"] == "/v1/predict":
                rows.append((e["account_id"], e["ts"], e["request_id"], orjson.dumps(e["request"]),
                             orjson.dumps(e["response"]) if e.get("response") is not None else None))
    rows.sort(key=lambda r: r[:3])
    features = features_of([(a, rid, rq, rs) for a, _, rid, rq, rs in rows])
    m = assert_replays_agree(ClassifierExtraction(), features)
    assert m["n_step_hits"].sum() > 0 and len(m) > 5
