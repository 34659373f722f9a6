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


TEMPLATE_SCRIPT = r"""
import json, random
import pandas as pd
from antidistill.features.templates import mine_templates
rng = random.Random(3)
frames = ["explain {t} to a {a} audience with three examples and a summary at the end",
          "write a detailed lesson plan about {t} for {a} learners, including exercises"]
topics = ["photosynthesis", "inflation", "recursion", "plate tectonics", "the french revolution", "entropy"]
rows = []
for acct in range(12):
    for k in range(8):
        text = rng.choice(frames).format(t=rng.choice(topics), a=rng.choice(["young", "adult", "expert"]))
        rows.append({"account_id": f"acct_{acct:02d}", "request_id": f"r{acct:02d}{k}", "prompt": text})
t = mine_templates(pd.DataFrame(rows), 0.4)
print(json.dumps([t.templated_per_account, sorted(map(list, t.shared_pairs.items()))], sort_keys=True))
"""


def test_template_mining_is_the_same_whatever_the_hash_seed():
    # MinHash codes once came from iterating a set of shingles: the same log
    # gave other templated counts (and scores) in another process.
    runs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", TEMPLATE_SCRIPT], env=env, capture_output=True, text=True, check=True)
        runs.append(out.stdout)
    assert json.loads(runs[0])[0], "the fixture must produce templated prompts"
    assert runs[1] == runs[0] and runs[2] == runs[0]
