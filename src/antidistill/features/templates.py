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
from collections.abc import Iterable, Iterator
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
#: Candidate pairs handled at a time (memory: some tens of bytes per pair).
_PAIR_CHUNK = 1 << 18
#: Candidate pairs whose signatures are compared at a time (two gathered rows of NUM_PERM uint32 each).
_AGREE_SLICE = 1 << 15
_WINDOW_STEP = MAX_BUCKET // 2
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


def _shingles(tokens: list[str], text: str) -> set[str]:
    # Word sets rather than n-grams: a slot of several words (a long topic
    # name) changes few set members but breaks many n-grams.
    sh = set(tokens)
    if len(tokens) < 8 and len(text) > 24:
        # Scripts written without spaces (Chinese, Japanese) give few word
        # tokens; character 4-grams stand in for them.
        t = text.lower()
        sh |= {t[i : i + 4] for i in range(0, len(t) - 3)}
    return sh


def _signatures(shingle_sets: Iterable[set[str]], count: int, num_perm: int) -> np.ndarray:
    """MinHash signatures of ``count`` sets at once, shape (count, num_perm).

    Each distinct shingle gets a code from the CRC-32 of its UTF-8 bytes;
    permutation k maps a code x to (a_k * x + b_k) mod p (the universal
    hashing of the MinHash paper) and a set's signature is the minimum over
    its members, taken for all sets together with ``np.minimum.reduceat``.
    The sets are read once, in order (a generator keeps only one at a time).
    """
    members: list[str] = []
    lengths = np.empty(count, dtype=np.int64)
    for i, sh in enumerate(shingle_sets):
        lengths[i] = len(sh)
        members.extend(sh)
    ids, vocab = pd.factorize(pd.Series(members, dtype=object))
    del members
    # A shingle's code depends on its bytes only (never on the order sets
    # were iterated in, which follows per-process string hashing).
    vocab_codes = np.fromiter((zlib.crc32(s.encode()) for s in vocab), dtype=np.uint64, count=len(vocab)) % _PRIME
    codes = vocab_codes[ids]
    del ids
    rng = np.random.default_rng(_HASH_SEED)
    a = rng.integers(1, _PRIME, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, _PRIME, size=num_perm, dtype=np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    sig = np.empty((count, num_perm), dtype=np.uint32)
    for k in range(num_perm if count else 0):
        sig[:, k] = np.minimum.reduceat((a[k] * codes + b[k]) % _PRIME, starts)
    return sig


def _prompt_signatures(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For prompts of at least ``MIN_TOKENS`` words: their indices in
    ``texts``, their MinHash signatures and ids of their normalised text
    (equal ids: the same words). Each distinct text is read once: a
    signature depends on the text alone."""
    text_id, distinct = pd.factorize(pd.Series(texts, dtype=object))
    distinct = distinct.tolist()
    tokens = [_tokens(t) for t in distinct]
    long_texts = np.array([k for k, toks in enumerate(tokens) if len(toks) >= MIN_TOKENS], dtype=np.int64)
    norm_of_text = np.full(len(distinct), -1, dtype=np.int64)
    norm_of_text[long_texts] = pd.factorize(pd.Series([" ".join(tokens[k]) for k in long_texts.tolist()], dtype=object))[0]
    sig_of_text = np.zeros((len(distinct), NUM_PERM), dtype=np.uint32)
    sig_of_text[long_texts] = _signatures((_shingles(tokens[k], distinct[k]) for k in long_texts.tolist()), len(long_texts), NUM_PERM)
    del tokens
    keep = np.flatnonzero(norm_of_text[text_id] >= 0)
    return keep, sig_of_text[text_id[keep]], norm_of_text[text_id[keep]]


@dataclass
class _Band:
    """How one LSH band bucketed the prompts: which pairs it compares."""

    #: bucket of each prompt
    key: np.ndarray
    #: position of each prompt in its bucket (buckets list prompts in index order)
    pos: np.ndarray
    #: for prompts in a windowed bucket (over MAX_BUCKET), the start of its last window; -1 otherwise
    last: np.ndarray | None

    def compared(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Whether this band compared each pair (left < right)."""
        same = self.key[left] == self.key[right]
        if self.last is None:
            return same
        big = np.flatnonzero(same & (self.last[left] >= 0))
        if len(big):
            p, q = self.pos[left[big]], self.pos[right[big]]
            # The last window starting at or before p holds the most prompts after p.
            lo = np.minimum(p // _WINDOW_STEP * _WINDOW_STEP, self.last[left[big]])
            same[big] = q < lo + MAX_BUCKET
        return same


def _bucket(sig: np.ndarray, band: int, rows: int, groups: np.ndarray | None) -> tuple[_Band, np.ndarray, np.ndarray]:
    """Band ``band``'s buckets: the band, prompts in bucket order, and bucket sizes."""
    n = len(sig)
    # One 64-bit key per band (a polynomial hash of its rows): sorting
    # integers is far cheaper than comparing rows as opaque bytes.
    block = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
    key64 = np.zeros(n, dtype=np.uint64)
    for k in range(rows):
        key64 = key64 * _BAND_MULT + block[:, k]
    key = np.unique(key64, return_inverse=True)[1]
    if groups is not None:
        # Buckets never span groups: (group, band key) pairs are the buckets.
        key = np.unique(groups.astype(np.int64) * n + key, return_inverse=True)[1]
    # Stable: a bucket lists its prompts in index (sample) order.
    order = np.argsort(key, kind="stable")
    sizes = np.bincount(key)
    starts = np.cumsum(sizes) - sizes
    pos = np.empty(n, dtype=np.int32)
    pos[order] = np.arange(n) - starts[key[order]]
    last = None
    if sizes.max(initial=0) > MAX_BUCKET:
        # Window starts are range(0, size - step, step): the last is the
        # largest multiple of the step below size - step.
        last = np.where(sizes > MAX_BUCKET, (sizes - _WINDOW_STEP - 1) // _WINDOW_STEP * _WINDOW_STEP, -1)[key].astype(np.int32)
    return _Band(key.astype(np.int32), pos, last), order, sizes


def _triu(size: int) -> tuple[np.ndarray, np.ndarray]:
    return _TRIU.get(size) or _TRIU.setdefault(size, np.triu_indices(size, 1))


def _band_pairs(order: np.ndarray, sizes: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs (i < j) one band compares, each once, in pieces of about
    ``_PAIR_CHUNK`` pairs.

    Every pair of a bucket of two or more; a huge bucket (one template filled
    thousands of times) in overlapping windows of ``MAX_BUCKET`` neighbours
    in sample order, which keeps an account's prompts together: every prompt
    meets its own account's siblings without all-pairs cost.
    """
    starts = np.cumsum(sizes) - sizes
    for size in np.unique(sizes[sizes >= 2]).tolist():
        buckets = np.flatnonzero(sizes == size)
        if size <= MAX_BUCKET:
            # All buckets of one size at once: a matrix of their prompts.
            i, j = _triu(size)
            per = max(1, _PAIR_CHUNK // len(i))
            for lo in range(0, len(buckets), per):
                members = order[starts[buckets[lo : lo + per], None] + np.arange(size)]
                yield members[:, i].ravel(), members[:, j].ravel()
            continue
        for b in buckets.tolist():
            members = order[starts[b] : starts[b] + size]
            for lo in range(0, size - _WINDOW_STEP, _WINDOW_STEP):
                window = members[lo : lo + MAX_BUCKET]
                i, j = _triu(len(window))
                if lo:
                    # Pairs within the first half were in the previous window.
                    new = j >= _WINDOW_STEP
                    i, j = i[new], j[new]
                yield window[i], window[j]


def _sibling_pairs(sig: np.ndarray, bands: int, rows: int, threshold: float, norm_id: np.ndarray,
                   groups: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Sibling pairs (i < j), each once, in pieces: LSH candidates whose
    MinHash estimate of Jaccard similarity is at least ``threshold`` and
    whose normalised texts differ.

    Bands are processed one at a time and a pair is kept only in the first
    band that compares it, so no set of all candidate pairs is ever held
    (its de-duplication was most of the memory at full scale).
    ``groups``: pairs are formed only within a group (buckets never span groups).
    """
    num_perm = sig.shape[1]
    # Exactly the comparison (sig[i] == sig[j]).mean() >= threshold.
    need = next(c for c in range(num_perm + 1) if c / num_perm >= threshold)
    seen: list[_Band] = []
    for band in range(bands):
        current, order, sizes = _bucket(sig, band, rows, groups)
        for left, right in _pieces(_band_pairs(order, sizes)):
            for earlier in seen:
                first = ~earlier.compared(left, right)
                left, right = left[first], right[first]
            # Identical normalised text is a repeat, not a sibling with another slot.
            keep = norm_id[left] != norm_id[right]
            left, right = left[keep], right[keep]
            keep = np.empty(len(left), dtype=bool)
            # Whole signature rows gathered at once (contiguous), in slices that bound memory.
            for lo in range(0, len(left), _AGREE_SLICE):
                hi = lo + _AGREE_SLICE
                keep[lo:hi] = np.count_nonzero(sig[left[lo:hi]] == sig[right[lo:hi]], axis=1) >= need
            yield left[keep], right[keep]
        seen.append(current)


def _pieces(pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Small pieces of pairs gathered into pieces of at least ``_PAIR_CHUNK``."""
    lefts: list[np.ndarray] = []
    rights: list[np.ndarray] = []
    held = 0
    for left, right in pairs:
        lefts.append(left)
        rights.append(right)
        held += len(left)
        if held >= _PAIR_CHUNK:
            yield np.concatenate(lefts).astype(np.int64), np.concatenate(rights).astype(np.int64)
            lefts, rights, held = [], [], 0
    if held:
        yield np.concatenate(lefts).astype(np.int64), np.concatenate(rights).astype(np.int64)


def mine_templates(samples: pd.DataFrame, jaccard_threshold: float = 0.5, *, across_accounts: bool = True) -> Templates:
    """Template siblings among ``samples`` (account_id, request_id, prompt).

    ``across_accounts=False``: only the templating of each account is found
    (``shared_pairs`` is left empty) and prompts are compared only within
    their account. When the samples list each account's prompts together
    and no account has more than ``MAX_BUCKET // 2 + 1`` of them (a scan
    samples at most 60), the counts are those of the full mining: a huge
    bucket's windows compare every pair of one account's prompts anyway.
    """
    texts = samples["prompt"].fillna("").tolist()
    rids = samples["request_id"].tolist()
    accts = samples["account_id"].tolist()
    sampled: dict[str, int] = defaultdict(int)
    for a in accts:
        sampled[a] += 1
    keep, sig, norm_id = _prompt_signatures(texts)
    templated: dict[str, int] = defaultdict(int)
    requests_of: dict[str, list[str]] = defaultdict(list)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    if len(keep) < 2:
        return Templates(dict(sampled), {}, {}, {})
    n = len(keep)
    bands, rows = _lsh_shape(jaccard_threshold)
    # Account ids are ranks in name order (the order of the pairs in ``shared``).
    acct_id, acct_index = pd.factorize(pd.Series([accts[i] for i in keep], dtype=object), sort=True)
    names = acct_index.tolist()
    own = np.zeros(n, dtype=np.int64)
    cross_left: list[np.ndarray] = []
    cross_right: list[np.ndarray] = []
    pairs = _sibling_pairs(sig, bands, rows, jaccard_threshold, norm_id, None if across_accounts else acct_id)
    for left, right in pairs:
        same = acct_id[left] == acct_id[right]
        own += np.bincount(left[same], minlength=n) + np.bincount(right[same], minlength=n)
        if across_accounts:
            cross_left.append(left[~same].astype(np.int32))
            cross_right.append(right[~same].astype(np.int32))
    is_templated = own >= MIN_SIBLINGS
    for j in np.flatnonzero(is_templated):
        i = int(keep[j])
        templated[accts[i]] += 1
        requests_of[accts[i]].append(rids[i])
    if not cross_left:
        return Templates(dict(sampled), dict(templated), dict(requests_of), {})
    # Sibling pairs across accounts where at least one side is templated:
    # the evidence that two accounts fill the same frames. Counted piece by
    # piece, as codes lo * k + hi of account ids (lo < hi).
    k = len(names)
    found_codes: list[np.ndarray] = []
    found_counts: list[np.ndarray] = []
    for left, right in zip(cross_left, cross_right, strict=True):
        cross = is_templated[left] | is_templated[right]
        a_ids, b_ids = acct_id[left[cross]], acct_id[right[cross]]
        codes, counts = np.unique(np.minimum(a_ids, b_ids) * k + np.maximum(a_ids, b_ids), return_counts=True)
        found_codes.append(codes)
        found_counts.append(counts)
    codes, inverse = np.unique(np.concatenate(found_codes), return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate(found_counts), minlength=len(codes)).astype(np.int64)
    for code, c in zip(codes.tolist(), counts.tolist(), strict=True):
        shared[(names[code // k], names[code % k])] = c
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
