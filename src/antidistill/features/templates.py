"""Prompt-template mining on the per-account samples (MinHash + LSH).

Runs on the bounded sample the engine returns (first-turn prompts, at most
``sample_per_account`` per account), never on all events. Two prompts are
*template siblings* when the Jaccard similarity of their word sets is at least the
threshold but their text differs: the same frame with another slot (a topic,
a name, a number). A prompt is *templated* when it has at least
``MIN_SIBLINGS`` siblings sent by the same account: a script fills its frames
again and again, while people who happen to phrase one question alike share
siblings only across accounts. Sibling pairs across accounts are counted
separately, for linkage.

Siblings are found pairwise from LSH buckets and checked against the MinHash
estimate; they are deliberately not joined transitively, because chains of
loosely similar prompts ("what is X", "what is the X of Y", ...) would merge
unrelated phrasing into one giant cluster.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from datasketch import MinHashLSH

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
NUM_PERM = 64
MIN_TOKENS = 6
MIN_SIBLINGS = 2
#: LSH buckets larger than this (boilerplate, or one template filled
#: thousands of times) are compared in windows rather than all-pairs.
MAX_BUCKET = 200
_PRIME = np.uint64((1 << 31) - 1)
_HASH_SEED = 1
_PAIR_CHUNK = 1 << 20
_BAND_MULT = np.uint64(0x9E3779B97F4A7C15)
_TRIU: dict[int, tuple[np.ndarray, np.ndarray]] = {}


@dataclass
class Templates:
    """Template siblings among the sampled prompts."""

    #: account_id -> number of its sampled prompts considered
    sampled_per_account: dict[str, int]
    #: account_id -> number of its sampled prompts that are templated
    templated_per_account: dict[str, int]
    #: account_id -> its templated request ids
    requests_of_account: dict[str, list[str]]
    #: (account_a, account_b), a < b -> sibling pairs between their prompts
    shared_pairs: dict[tuple[str, str], int] = field(default_factory=dict)
    #: "sha256:<digest>" of an instruction line -> accounts wrapping their
    #: prompts in it (see :func:`shared_instructions`)
    instructions: dict[str, set[str]] = field(default_factory=dict)

    def examples(self, accounts: list[str], k: int = 3) -> list[str]:
        """Up to ``k`` templated request ids of the given accounts."""
        out: list[str] = []
        for a in accounts:
            out.extend(self.requests_of_account.get(a, ())[: k - len(out)])
            if len(out) >= k:
                break
        return out


def _tokens(text: str) -> list[str]:
    return _WORD.findall(_DIGITS.sub("0", text.lower()))


def _shingles(tokens: list[str], text: str) -> set[bytes]:
    # Word sets rather than n-grams: a slot of several words (a long topic
    # name) changes few set members but breaks many n-grams.
    sh = {t.encode() for t in tokens}
    if len(tokens) < 8 and len(text) > 24:
        # Scripts written without spaces (Chinese, Japanese) give few word
        # tokens; character 4-grams stand in for them.
        t = text.lower()
        sh |= {t[i : i + 4].encode() for i in range(0, len(t) - 3)}
    return sh


def _signatures(shingle_sets: list[set[bytes]], num_perm: int) -> np.ndarray:
    """MinHash signatures of many sets at once, shape (len(sets), num_perm).

    Each distinct shingle gets a code from its CRC-32; permutation k maps a code
    x to (a_k * x + b_k) mod p (the universal hashing of the MinHash paper)
    and a set's signature is the minimum over its members, taken for all sets
    together with ``np.minimum.reduceat``.
    """
    vocab: dict[bytes, int] = {}
    ids: list[int] = []
    lengths = np.empty(len(shingle_sets), dtype=np.int64)
    for i, sh in enumerate(shingle_sets):
        lengths[i] = len(sh)
        ids.extend(vocab.setdefault(s, len(vocab)) for s in sh)
    # A shingle's code depends on its bytes only (never on the order sets
    # were iterated in, which follows per-process string hashing).
    vocab_codes = np.fromiter((zlib.crc32(s) for s in vocab), dtype=np.uint64, count=len(vocab)) % _PRIME
    codes = vocab_codes[np.asarray(ids, dtype=np.int64)]
    rng = np.random.default_rng(_HASH_SEED)
    a = rng.integers(1, _PRIME, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, _PRIME, size=num_perm, dtype=np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    sig = np.empty((len(shingle_sets), num_perm), dtype=np.uint32)
    for k in range(num_perm):
        sig[:, k] = np.minimum.reduceat((a[k] * codes + b[k]) % _PRIME, starts)
    return sig


def _candidate_pairs(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Pairs (i < j) that agree on all rows of at least one band, as int64 codes i * n + j."""
    n = len(sig)
    out: list[np.ndarray] = []
    for band in range(bands):
        # One 64-bit key per band (a polynomial hash of its rows): sorting
        # integers is far cheaper than comparing rows as opaque bytes.
        block = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
        key64 = np.zeros(n, dtype=np.uint64)
        for k in range(rows):
            key64 = key64 * _BAND_MULT + block[:, k]
        _, key = np.unique(key64, return_inverse=True)
        order = np.argsort(key, kind="stable")
        # Only buckets of two or more are split out: most prompts sit alone.
        order = order[np.bincount(key)[key[order]] >= 2]
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        for bucket in np.split(order, bounds) if len(order) else ():
            bucket = np.sort(bucket)
            # A huge bucket (one template filled thousands of times) is
            # compared in overlapping windows of neighbours in sample order,
            # which keeps an account's prompts together: every prompt meets
            # its own account's siblings without all-pairs cost.
            step = MAX_BUCKET // 2
            starts = range(0, max(len(bucket) - step, 1), step) if len(bucket) > MAX_BUCKET else (0,)
            for lo in starts:
                window = bucket[lo : lo + MAX_BUCKET]
                i, j = _TRIU.get(len(window)) or _TRIU.setdefault(len(window), np.triu_indices(len(window), 1))
                out.append(window[i].astype(np.int64) * n + window[j])
    if not out:
        return np.empty(0, dtype=np.int64)
    # Sort-based de-duplication: numpy's hash-based unique is slow on tens
    # of millions of int64 codes.
    codes = np.sort(np.concatenate(out))
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))]


def mine_templates(samples: pd.DataFrame, jaccard_threshold: float = 0.5) -> Templates:
    texts = samples["prompt"].fillna("").tolist()
    rids = samples["request_id"].tolist()
    accts = samples["account_id"].tolist()
    sampled: dict[str, int] = defaultdict(int)
    for a in accts:
        sampled[a] += 1
    token_lists = [_tokens(t) for t in texts]
    keep = np.array([i for i, toks in enumerate(token_lists) if len(toks) >= MIN_TOKENS], dtype=np.int64)
    templated: dict[str, int] = defaultdict(int)
    requests_of: dict[str, list[str]] = defaultdict(list)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    if len(keep) < 2:
        return Templates(dict(sampled), {}, {}, {})
    n = len(keep)
    sig = _signatures([_shingles(token_lists[i], texts[i]) for i in keep], NUM_PERM)
    bands, rows = _lsh_shape(jaccard_threshold)
    codes = _candidate_pairs(sig, bands, rows)
    left, right = codes // n, codes % n
    # Identical normalised text is a repeat, not a sibling with another slot.
    norm_id = pd.factorize(pd.Series([" ".join(token_lists[i]) for i in keep]))[0]
    similar = np.empty(len(codes), dtype=bool)
    for lo in range(0, len(codes), _PAIR_CHUNK):
        hi = lo + _PAIR_CHUNK
        similar[lo:hi] = (sig[left[lo:hi]] == sig[right[lo:hi]]).mean(axis=1) >= jaccard_threshold
    similar &= norm_id[left] != norm_id[right]
    left, right = left[similar], right[similar]
    acct_id, acct_index = pd.factorize(pd.Series([accts[i] for i in keep], dtype=object))
    acct_names = acct_index.tolist()
    same = acct_id[left] == acct_id[right]
    own = np.bincount(left[same], minlength=n) + np.bincount(right[same], minlength=n)
    is_templated = own >= MIN_SIBLINGS
    for j in np.flatnonzero(is_templated):
        i = int(keep[j])
        templated[accts[i]] += 1
        requests_of[accts[i]].append(rids[i])
    # Sibling pairs across accounts where at least one side is templated:
    # the evidence that two accounts fill the same frames.
    cross = ~same & (is_templated[left] | is_templated[right])
    a_ids, b_ids = acct_id[left[cross]], acct_id[right[cross]]
    lo_ids, hi_ids = np.minimum(a_ids, b_ids), np.maximum(a_ids, b_ids)
    pair_codes, counts = np.unique(lo_ids.astype(np.int64) * len(acct_names) + hi_ids, return_counts=True)
    for code, c in zip(pair_codes.tolist(), counts.tolist(), strict=True):
        a, b = acct_names[code // len(acct_names)], acct_names[code % len(acct_names)]
        shared[(min(a, b), max(a, b))] = c
    return Templates(dict(sampled), dict(templated), dict(requests_of), dict(shared))


def _lsh_shape(threshold: float) -> tuple[int, int]:
    # datasketch picks the bands x rows split that minimises the weighted
    # false positive and false negative probabilities at this threshold.
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


#: An instruction line must have at least this many words: short phrases
#: ("think step by step") are common language, not a script's signature.
WRAPPER_MIN_WORDS = 6
_LINE_SPLIT = re.compile(r"\s*\n\s*")


def shared_instructions(samples: pd.DataFrame, min_share: float = 0.5, min_line_share: float = 0.05) -> dict[str, set[str]]:
    """Instruction lines that several accounts wrap around varied prompts.

    A harvesting script puts an instruction line ("write out your entire
    thought process ...") before or after every question it sends, whatever
    account sends it, often drawing the line from a small set of phrasings.
    A *script line* is one of several lines of a prompt (there is other
    content around it), has at least ``WRAPPER_MIN_WORDS`` words, and recurs
    in two or more accounts with different content around it.

    An account is *wrapped* when at least ``min_share`` of its sampled
    prompts carry some script line: people who paste a popular phrase now
    and then do not wrap everything they send. A wrapped account is listed
    for each script line it used in at least ``min_line_share`` of its
    sampled prompts (and at least once), so an account that rotates six
    phrasings is tied to the accounts of each of them.
    Returns ``"sha256:<digest>" -> accounts`` for lines with two or more
    wrapped accounts.
    """
    rows = samples[["account_id", "request_id", "prompt"]].dropna(subset=["prompt"])
    per_account = rows.groupby("account_id").size()
    uses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    contexts: dict[str, set[str]] = defaultdict(set)
    lines_of_prompt: list[tuple[str, list[str]]] = []
    for acct, prompt in zip(rows["account_id"], rows["prompt"], strict=True):
        lines = [ln for ln in _LINE_SPLIT.split(prompt.strip()) if ln]
        if len(lines) < 2:
            continue
        normed = [" ".join(_tokens(ln)) for ln in lines]
        long_lines = []
        for k, norm in enumerate(normed):
            if norm.count(" ") + 1 < WRAPPER_MIN_WORDS:
                continue
            long_lines.append(norm)
            uses[norm][acct] += 1
            if len(contexts[norm]) < 3:
                contexts[norm].add(" ".join(normed[:k] + normed[k + 1 :]))
        if long_lines:
            lines_of_prompt.append((acct, long_lines))
    script = {norm for norm, by_account in uses.items() if len(by_account) >= 2 and len(contexts[norm]) >= 2}
    wrapped_prompts: dict[str, int] = defaultdict(int)
    for acct, long_lines in lines_of_prompt:
        if any(ln in script for ln in long_lines):
            wrapped_prompts[acct] += 1
    wrapped = {a for a, n in wrapped_prompts.items() if n >= min_share * per_account[a]}
    out: dict[str, set[str]] = {}
    for norm in script:
        accts = {a for a, n in uses[norm].items()
                 if a in wrapped and n >= max(1.0, min_line_share * per_account[a])}
        if len(accts) >= 2:
            out["sha256:" + hashlib.sha256(norm.encode()).hexdigest()[:16]] = accts
    return out
