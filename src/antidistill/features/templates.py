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

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
NUM_PERM = 64
MIN_TOKENS = 6
MIN_SIBLINGS = 2
#: LSH buckets larger than this hold boilerplate shared by everyone; they are
#: sampled down rather than compared all-pairs.
MAX_BUCKET = 200


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


def mine_templates(samples: pd.DataFrame, jaccard_threshold: float = 0.5) -> Templates:
    texts = samples["prompt"].fillna("").tolist()
    rids = samples["request_id"].tolist()
    accts = samples["account_id"].tolist()
    sampled: dict[str, int] = defaultdict(int)
    for a in accts:
        sampled[a] += 1
    token_lists = [_tokens(t) for t in texts]
    keep = [i for i, toks in enumerate(token_lists) if len(toks) >= MIN_TOKENS]
    norm = [" ".join(token_lists[i]) for i in keep]
    siblings: list[set[int]] = [set() for _ in keep]
    if keep:
        hashes = MinHash.bulk([list(_shingles(token_lists[i], texts[i])) for i in keep], num_perm=NUM_PERM, seed=1)
        lsh = MinHashLSH(threshold=jaccard_threshold, num_perm=NUM_PERM)
        with lsh.insertion_session() as session:
            for j, mh in enumerate(hashes):
                session.insert(j, mh, check_duplication=False)
        rng = np.random.default_rng(0)
        signatures = np.vstack([h.hashvalues for h in hashes])
        checked: set[tuple[int, int]] = set()
        for table in lsh.hashtables:
            for key in table.keys():
                bucket = sorted(table.get(key))
                if len(bucket) > MAX_BUCKET:
                    bucket = sorted(rng.choice(bucket, MAX_BUCKET, replace=False).tolist())
                for x, a in enumerate(bucket):
                    for b in bucket[x + 1 :]:
                        if (a, b) in checked or norm[a] == norm[b]:
                            continue
                        checked.add((a, b))
                        if float(np.mean(signatures[a] == signatures[b])) >= jaccard_threshold:
                            siblings[a].add(b)
                            siblings[b].add(a)

    templated: dict[str, int] = defaultdict(int)
    requests_of: dict[str, list[str]] = defaultdict(list)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for j, sib in enumerate(siblings):
        i = keep[j]
        own = sum(1 for other in sib if accts[keep[other]] == accts[i])
        if own < MIN_SIBLINGS:
            continue
        templated[accts[i]] += 1
        requests_of[accts[i]].append(rids[i])
        for other in sib:
            if other > j:
                a, b = accts[i], accts[keep[other]]
                if a != b:
                    shared[(min(a, b), max(a, b))] += 1
    return Templates(dict(sampled), dict(templated), dict(requests_of), dict(shared))
