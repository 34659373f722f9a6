"""Linkage: communities must not depend on Python's per-process hashing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = r"""
import json, random
import networkx as nx
from antidistill.link.graph import AccountGraph, communities
rng = random.Random(7)
g = nx.Graph()
names = [f"acct_{rng.getrandbits(40):010x}" for _ in range(300)]
g.add_nodes_from(sorted(names))
# Accounts with no links at all: they make networkx take its "small subgraph"
# path, which iterates a set of node names (hash-order dependent).
g.add_nodes_from(f"lone_{i:04d}" for i in range(700))
for block in range(30):
    members = names[block * 10:(block + 1) * 10]
    for i, a in enumerate(members):
        for b in members[i + 1:]:
            if rng.random() < 0.6:
                g.add_edge(a, b, weight=1.0)
for _ in range(400):  # noise between blocks, as strong as within
    a, b = rng.sample(names, 2)
    g.add_edge(a, b, weight=1.0)
print(json.dumps(communities(AccountGraph(g))))
"""


def _run(hash_seed: str) -> list:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_communities_are_the_same_whatever_the_hash_seed():
    first = _run("1")
    assert len(first) >= 5
    assert _run("2") == first
    assert _run("3") == first
