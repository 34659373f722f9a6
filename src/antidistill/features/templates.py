"""Prompt-template mining on the per-account samples (MinHash + LSH).

Runs on the bounded sample the engine returns, never on all events: at most
``sample_per_account`` prompts per account. Near-duplicate prompts are joined
into clusters (union-find over LSH candidates); a cluster is a *fill-in
template* when it holds several distinct prompts that share most of their
words, i.e. only a small slot (a topic, a name) changes between them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
NUM_PERM = 64
MIN_TOKENS = 4
MIN_DISTINCT = 3


@dataclass
class Templates:
    """Which sampled request belongs to which fill-in template."""

    #: request_id -> template id, only for requests in a fill-in template
    of_request: dict[str, int]
    #: template id -> account -> how many of its sampled prompts use it
    uses: dict[int, dict[str, int]]
    #: account_id -> number of its sampled prompts that are templated
    templated_per_account: dict[str, int]
    #: account_id -> number of its sampled prompts considered
    sampled_per_account: dict[str, int]
    #: account_id -> its templated request ids
    requests_of_account: dict[str, list[str]]

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
    sh = {f"{a} {b}".encode() for a, b in zip(tokens, tokens[1:], strict=False)}
    if len(tokens) < 8 and len(text) > 24:
        # Scripts written without spaces (Chinese, Japanese) give few word
        # tokens; character 4-grams stand in for them.
        t = text.lower()
        sh |= {t[i : i + 4].encode() for i in range(0, len(t) - 3)}
    return sh


def mine_templates(samples: pd.DataFrame, jaccard_threshold: float = 0.5, min_fixed_fraction: float = 0.4) -> Templates:
    texts = samples["prompt"].fillna("").tolist()
    rids = samples["request_id"].tolist()
    accts = samples["account_id"].tolist()
    sampled = defaultdict(int)
    for a in accts:
        sampled[a] += 1
    token_lists = [_tokens(t) for t in texts]
    keep = [i for i, toks in enumerate(token_lists) if len(toks) >= MIN_TOKENS]
    shingle_sets = [_shingles(token_lists[i], texts[i]) for i in keep]
    parent = list(range(len(keep)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if keep:
        lsh = MinHashLSH(threshold=jaccard_threshold, num_perm=NUM_PERM)
        hashes = MinHash.bulk([list(s) for s in shingle_sets], num_perm=NUM_PERM, seed=1)
        with lsh.insertion_session() as session:
            for j, mh in enumerate(hashes):
                session.insert(j, mh, check_duplication=False)
        # Items that share a bucket in any band are LSH candidates; joining
        # them bucket by bucket gives the same clusters as querying every
        # item, at a fraction of the cost.
        for table in lsh.hashtables:
            for key in table.keys():
                bucket = list(table.get(key))
                root = find(bucket[0])
                for other in bucket[1:]:
                    r = find(other)
                    if r != root:
                        parent[r] = root

    members: dict[int, list[int]] = defaultdict(list)
    for j in range(len(keep)):
        members[find(j)].append(j)

    of_request: dict[str, int] = {}
    tpl_accounts: dict[int, dict[str, int]] = {}
    templated = defaultdict(int)
    next_id = 0
    for root in sorted(members):
        idx = members[root]
        distinct = {" ".join(token_lists[keep[j]]) for j in idx}
        if len(distinct) < MIN_DISTINCT:
            continue
        # Share of a prompt's words common to the cluster: high for a
        # fill-in template (only a topic changes), low for "translate this
        # <long text>" where almost everything changes.
        probe = [set(token_lists[keep[j]]) for j in idx[:20]]
        fixed = set.intersection(*probe)
        fixed_fraction = float(np.mean([len(fixed) / max(len(s), 1) for s in probe]))
        if fixed_fraction < min_fixed_fraction:
            continue
        tid = next_id
        next_id += 1
        tpl_accounts[tid] = defaultdict(int)
        for j in idx:
            i = keep[j]
            of_request[rids[i]] = tid
            tpl_accounts[tid][accts[i]] += 1
            templated[accts[i]] += 1
    requests_of: dict[str, list[str]] = defaultdict(list)
    for i, r in enumerate(rids):
        if r in of_request:
            requests_of[accts[i]].append(r)
    return Templates(of_request, {k: dict(v) for k, v in tpl_accounts.items()}, dict(templated), dict(sampled), dict(requests_of))
