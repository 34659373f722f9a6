"""Template mining: the banded, piecewise candidate search finds exactly the
sibling pairs of a plain all-pairs-per-bucket search."""

from __future__ import annotations

import random
from collections import defaultdict
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from antidistill.features import templates as tpl

FRAMES = [
    "explain {t} to a {a} audience with three examples and a summary at the end",
    "write a detailed lesson plan about {t} for {a} learners including exercises",
    "give a comprehensive expert overview of {t} including key facts for {a} readers",
    "what are the main open problems in {t} and why do {a} researchers care",
]
TOPICS = ["photosynthesis", "inflation", "recursion", "plate tectonics", "the french revolution", "entropy",
          "game theory", "protein folding", "contract law", "black holes", "supply chains", "graph colouring"]
AUDIENCES = ["young", "adult", "expert", "curious", "busy"]


def _samples(seed: int, accounts: int = 14, per_account: int = 25) -> pd.DataFrame:
    """Accounts filling the same few frames (so LSH buckets grow large and
    span accounts), some people asking one-off questions, and repeats."""
    rng = random.Random(seed)
    rows = []
    for a in range(accounts):
        scripted = a % 3 != 0
        for k in range(per_account):
            if scripted:
                text = rng.choice(FRAMES).format(t=rng.choice(TOPICS), a=rng.choice(AUDIENCES))
            else:
                text = " ".join(rng.choice(TOPICS + AUDIENCES + ["why", "how", "is", "the"]) for _ in range(rng.randint(3, 12)))
            if k and rng.random() < 0.1:
                text = rows[-1]["prompt"]  # an exact repeat is no sibling
            rows.append({"account_id": f"acct_{a:02d}", "request_id": f"r{a:02d}{k:03d}", "prompt": text})
    return pd.DataFrame(rows)


def _reference(samples: pd.DataFrame, threshold: float) -> tuple[dict, dict, dict]:
    """Templated counts, templated requests and shared pairs by brute force:
    every band's buckets, every pair of a bucket (windows of MAX_BUCKET,
    step MAX_BUCKET // 2, for bigger buckets), de-duplicated as a set."""
    texts = samples["prompt"].tolist()
    toks = [tpl._tokens(t) for t in texts]
    keep = [i for i, t in enumerate(toks) if len(t) >= tpl.MIN_TOKENS]
    sig = tpl._signatures((tpl._shingles(toks[i], texts[i]) for i in keep), len(keep), tpl.NUM_PERM)
    bands, rows = tpl._lsh_shape(threshold)
    step = tpl.MAX_BUCKET // 2
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[tuple, list[int]] = defaultdict(list)
        for j in range(len(keep)):
            buckets[tuple(sig[j, band * rows:(band + 1) * rows])].append(j)
        for members in buckets.values():
            starts = range(0, len(members) - step, step) if len(members) > tpl.MAX_BUCKET else [0]
            for lo in starts:
                pairs.update(combinations(members[lo:lo + tpl.MAX_BUCKET], 2))
    norm = [" ".join(toks[i]) for i in keep]
    siblings = [(x, y) for x, y in pairs if norm[x] != norm[y] and (sig[x] == sig[y]).mean() >= threshold]
    acct = [samples["account_id"].iloc[i] for i in keep]
    own = defaultdict(int)
    for x, y in siblings:
        if acct[x] == acct[y]:
            own[x] += 1
            own[y] += 1
    templated = {j for j in range(len(keep)) if own[j] >= tpl.MIN_SIBLINGS}
    counts, requests = defaultdict(int), defaultdict(list)
    for j in sorted(templated):
        counts[acct[j]] += 1
        requests[acct[j]].append(samples["request_id"].iloc[keep[j]])
    shared = defaultdict(int)
    for x, y in siblings:
        if acct[x] != acct[y] and (x in templated or y in templated):
            shared[tuple(sorted((acct[x], acct[y])))] += 1
    return dict(counts), dict(requests), dict(shared)


@pytest.fixture
def small_windows(monkeypatch):
    # Small buckets and pieces, so that windows, pieces and pairs found in
    # several bands all occur on a small input.
    monkeypatch.setattr(tpl, "MAX_BUCKET", 12)
    monkeypatch.setattr(tpl, "_WINDOW_STEP", 6)
    monkeypatch.setattr(tpl, "_PAIR_CHUNK", 97)


@pytest.mark.parametrize("seed", [1, 2])
def test_piecewise_mining_finds_the_pairs_of_an_all_pairs_search(small_windows, seed):
    samples = _samples(seed)
    got = tpl.mine_templates(samples, 0.4)
    counts, requests, shared = _reference(samples, 0.4)
    assert counts and shared, "the fixture must produce templated prompts and shared pairs"
    assert got.templated_per_account == counts
    assert got.requests_of_account == requests
    assert got.shared_pairs == shared


def test_mining_is_the_same_whatever_the_piece_size(monkeypatch):
    samples = _samples(3)
    whole = tpl.mine_templates(samples, 0.5)
    monkeypatch.setattr(tpl, "_PAIR_CHUNK", 5)
    pieces = tpl.mine_templates(samples, 0.5)
    assert (pieces.templated_per_account, pieces.requests_of_account, pieces.shared_pairs) == (
        whole.templated_per_account, whole.requests_of_account, whole.shared_pairs)


def test_within_accounts_mining_gives_the_templating_of_the_full_mining(small_windows):
    # Each account's prompts listed together, at most MAX_BUCKET // 2 + 1 of
    # them: the buckets' windows compare all pairs of one account anyway.
    samples = _samples(4, accounts=18, per_account=7)
    full = tpl.mine_templates(samples, 0.4)
    own = tpl.mine_templates(samples, 0.4, across_accounts=False)
    assert full.templated_per_account and full.shared_pairs
    assert own.templated_per_account == full.templated_per_account
    assert own.requests_of_account == full.requests_of_account
    assert own.sampled_per_account == full.sampled_per_account
    assert own.shared_pairs == {}


def test_band_compared_matches_the_pairs_the_band_forms(small_windows):
    samples = _samples(5)
    keep, sig, _ = tpl._prompt_signatures(samples["prompt"].tolist())
    for band in range(3):
        b, order, sizes = tpl._bucket(sig, band, 4, None)
        assert sizes.max() > tpl.MAX_BUCKET, "the fixture must produce windowed buckets"
        formed = {(int(x), int(y)) for left, right in tpl._band_pairs(order, sizes) for x, y in zip(left, right)}
        assert all(x < y for x, y in formed)
        left, right = np.triu_indices(len(keep), 1)
        compared = b.compared(left, right)
        assert set(zip(left[compared].tolist(), right[compared].tolist())) == formed


def test_identical_texts_share_one_signature():
    texts = ["the same prompt with enough words in it", "short", "the same prompt with enough words in it",
             "The SAME prompt, with enough words in it!"]
    keep, sig, norm = tpl._prompt_signatures(texts)
    assert keep.tolist() == [0, 2, 3]
    assert (sig[0] == sig[1]).all() and norm[0] == norm[1] == norm[2]


def test_samples_without_long_prompts_have_no_templates():
    samples = pd.DataFrame({"account_id": ["a", "a", "b"], "request_id": ["1", "2", "3"], "prompt": ["hi", None, "yes"]})
    for across in (True, False):
        got = tpl.mine_templates(samples, 0.4, across_accounts=across)
        assert got.sampled_per_account == {"a": 2, "b": 1}
        assert got.templated_per_account == {} and got.shared_pairs == {}
