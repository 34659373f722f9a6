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


def _graph(edges):
    import networkx as nx

    from antidistill.link.graph import AccountGraph

    g = nx.Graph()
    for a, b, weight, hard in edges:
        g.add_edge(a, b, weight=weight, kinds=["payment"] if hard else ["instruction"], hard=hard)
    return AccountGraph(g)


def _clique(names, weight, hard):
    return [(a, b, weight, hard) for i, a in enumerate(names) for b in names[i + 1:]]


def test_two_infrastructure_cores_joined_only_by_wording_stay_two_campaigns():
    from antidistill.link.graph import communities

    left = [f"l{i}" for i in range(6)]
    right = [f"r{i}" for i in range(5)]
    # Every account of one group uses the other group's instruction lines
    # too (as strong as inside): wording alone must not merge the groups.
    wording = [(a, b, 2.0, False) for a in left for b in right]
    # Two wording-only members, each tied mostly to one side.
    stray = [("wl", left[0], 2.0, False), ("wl", left[1], 2.0, False), ("wl", right[0], 2.0, False),
             ("wr", right[0], 2.0, False), ("wr", right[1], 2.0, False), ("wr", right[2], 2.0, False)]
    groups = communities(_graph(_clique(left, 6.0, True) + _clique(right, 6.0, True) + wording + stray))
    as_sets = sorted(map(set, groups), key=len, reverse=True)
    assert as_sets == [set(left) | {"wl"}, set(right) | {"wr"}]


def test_one_core_with_wording_members_is_not_split():
    from antidistill.link.graph import _split_by_cores

    core = [f"c{i}" for i in range(4)]
    thin = [f"t{i}" for i in range(8)]  # slow-and-low members: wording ties only
    edges = _clique(core, 5.0, True) + [(t, c, 2.0, False) for t in thin for c in core[:2]]
    edges += [(thin[i], thin[i + 1], 2.0, False) for i in range(len(thin) - 1)]
    group = sorted(set(core) | set(thin))
    assert _split_by_cores(_graph(edges).graph, group) == [group]


def _script_users(script: dict[str, list[float]], groups: dict[str, list[str]], seed: int) -> list[set[str]]:
    """Accounts using each line: every account of group ``g`` draws line i
    with probability ``script[g][i]``."""
    import random

    rng = random.Random(seed)
    users: list[set[str]] = [set() for _ in next(iter(script.values()))]
    for g, names in groups.items():
        for n in names:
            for i, share in enumerate(script[g]):
                if rng.random() < share:
                    users[i].add(n)
    return users


def test_cores_paying_with_different_cards_but_running_one_script_are_one_campaign():
    from antidistill.link.graph import communities, merge_same_script

    # One operation: three cards (three hard cores) and wording-only accounts,
    # every account drawing its lines from the same six-line script.
    cores = {f"card{k}": [f"c{k}_{i}" for i in range(8)] for k in range(3)}
    thin = [f"t{i}" for i in range(30)]
    script = [0.45] * 6
    users = _script_users({g: script for g in [*cores, "thin"]}, {**cores, "thin": thin}, seed=1)
    edges = [e for names in cores.values() for e in _clique(names, 3.0, True)]
    edges += [(a, b, 2.0, False) for u in users for a in sorted(u) for b in sorted(u) if a < b]
    ag = _graph(edges)
    ag.shared = {("instruction", f"line{i}"): u for i, u in enumerate(users)}
    everyone = {n for names in cores.values() for n in names}
    # As form_campaigns does: communities (cores merged inside each), then
    # the groups it judged are merged when they run the same script.
    groups = [set(g) for g in communities(ag)]
    merged = merge_same_script(groups, users, set().union(*groups))
    assert any(everyone <= g for g in merged), [len(g) for g in merged]
    assert sum(map(len, merged)) == sum(map(len, groups))

    # Without the lines (nothing shows they run one script) the cores stay apart.
    ag.shared = {}
    groups = [set(g) for g in communities(ag)]
    assert not any(everyone <= g for g in merge_same_script(groups, [], set().union(*groups)))


def test_groups_with_lines_of_their_own_are_not_merged_even_if_they_share_popular_lines():
    from antidistill.link.graph import merge_same_script

    left = {f"l{i}" for i in range(40)}
    right = {f"r{i}" for i in range(30)}
    # Lines 0-1 are a popular phrasebook both use; line 2 is left's own,
    # line 3 right's own.
    users = _script_users({"l": [0.6, 0.5, 0.9, 0.0], "r": [0.6, 0.5, 0.0, 0.9]}, {"l": sorted(left), "r": sorted(right)}, seed=2)
    assert sorted(map(len, merge_same_script([left, right], users, left | right))) == [30, 40]
    # The same two groups drawing from one script are one.
    same = _script_users({"l": [0.6, 0.5, 0.4, 0.3], "r": [0.6, 0.5, 0.4, 0.3]}, {"l": sorted(left), "r": sorted(right)}, seed=3)
    assert merge_same_script([left, right], same, left | right) == [left | right]
    # Groups that share no line of theirs are left alone.
    assert sorted(map(len, merge_same_script([left, right], [], left | right))) == [30, 40]


def test_a_piece_cut_out_along_one_line_is_not_told_apart_by_that_line():
    from antidistill.link.graph import merge_same_script

    # One operation's script: line 0 common, line 1 rare (a tenth of its
    # accounts). Community detection cut out a piece of it along line 1, so
    # most of the piece uses it; the rest of the operation still holds most
    # of its users, so it is not the piece's own line, and the two are one.
    big = {f"b{i}" for i in range(200)}
    piece = {f"p{i}" for i in range(15)}
    users = [{f"b{i}" for i in range(0, 200, 2)} | {f"p{i}" for i in range(0, 15, 2)},
             {f"b{i}" for i in range(20)} | {f"p{i}" for i in range(9)}]
    assert merge_same_script([big, piece], users, big | piece) == [big | piece]
    # A line most of whose users are in the piece is its own.
    users[1] = {f"b{i}" for i in range(5)} | {f"p{i}" for i in range(9)}
    assert sorted(map(len, merge_same_script([big, piece], users, big | piece))) == [15, 200]


def test_a_line_most_of_whose_users_are_elsewhere_is_no_groups_own_when_asked():
    from antidistill.link.graph import merge_same_script

    # One operation cut in two (300 and 40 accounts): both draw lines 0-1
    # alike. Line 2 is phrasing another operation (80 accounts) sends on
    # most requests; the 40 happen to send it more than the 300 do.
    big = {f"b{i}" for i in range(300)}
    cut = {f"c{i}" for i in range(40)}
    other = {f"o{i}" for i in range(80)}
    users = _script_users({"b": [0.6, 0.4, 0.05, 0.0], "c": [0.6, 0.4, 0.7, 0.0], "o": [0.0, 0.0, 0.9, 0.9]},
                          {"b": sorted(big), "c": sorted(cut), "o": sorted(other)}, seed=5)
    scope = big | cut | other
    # Strictly, line 2 is the 40's own: they stay apart.
    assert sorted(map(len, merge_same_script([big, cut, other], users, scope))) == [40, 80, 300]
    # Most of line 2's users are the other operation's, so it is not the
    # 40's own; the other operation keeps its own line 3 and stays apart.
    merged = merge_same_script([big, cut, other], users, scope, own_needs_most_users=True)
    assert sorted(map(len, merged)) == [80, 340] and big | cut in merged
    # A line the 40 hold most users of is still theirs.
    users[2] = {f"c{i}" for i in range(30)} | {f"b{i}" for i in range(10)} | {f"o{i}" for i in range(5)}
    assert sorted(map(len, merge_same_script([big, cut, other], users, scope, own_needs_most_users=True))) == [40, 80, 300]


def test_a_piece_joins_a_campaign_whatever_line_it_was_cut_along_but_not_one_with_lines_it_lacks():
    from antidistill.link.graph import merge_same_script

    campaign = {f"c{i}" for i in range(120)}
    piece = {f"p{i}" for i in range(20)}
    # Both draw lines 0 and 1 alike. Community detection cut the piece
    # along line 2, which most of it and few of the campaign use: as two
    # judged groups they stay apart, as a campaign and a piece they merge.
    users = [{f"c{i}" for i in range(0, 120, 2)} | {f"p{i}" for i in range(0, 20, 2)},
             {f"c{i}" for i in range(0, 120, 3)} | {f"p{i}" for i in range(0, 20, 3)},
             {f"c{i}" for i in range(6)} | {f"p{i}" for i in range(16)}]
    assert len(merge_same_script([campaign, piece], users, campaign | piece)) == 2
    assert merge_same_script([campaign, piece], users, campaign | piece, pieces=1) == [campaign | piece]
    # Two judged parts of the campaign merge first; the piece is still a
    # piece afterwards (its flag follows it, not its old position).
    halves = [set(sorted(campaign)[:60]), set(sorted(campaign)[60:])]
    assert merge_same_script([*halves, piece], users, campaign | piece, pieces=1) == [campaign | piece]
    # A line of the campaign's own that the piece hardly uses still keeps
    # them apart: the piece runs another script.
    users.append(set(list(sorted(campaign))[:100]))
    assert len(merge_same_script([campaign, piece], users, campaign | piece, pieces=1)) == 2


def test_an_account_rotating_several_script_lines_is_tied_to_each():
    import pandas as pd

    from antidistill.features.templates import shared_instructions

    wrappers = ["please write out your entire thought process and every intermediate step",
                "decompose the problem into parts and solve each one explicitly before answering",
                "give a detailed derivation with all intermediate calculations and checks"]
    questions = ["what is 17 times 23", "why is the sky blue", "how do vaccines work", "explain a hash map",
                 "who built the pyramids", "is coffee bad for you", "how do tides work", "what is a derivative"]
    rows = []
    for acct in range(6):  # each account rotates all three wrappers over few prompts
        for k in range(3):
            q = questions[(acct + k) % len(questions)]
            rows.append({"account_id": f"a{acct}", "request_id": f"r{acct}{k}", "prompt": f"{q}\n\n{wrappers[(acct + k) % 3]}"})
    # A person who pasted one of the lines once among many plain questions.
    for k in range(8):
        prompt = questions[k] + (f"\n\n{wrappers[0]}" if k == 0 else "")
        rows.append({"account_id": "person", "request_id": f"p{k}", "prompt": prompt})
    found = shared_instructions(pd.DataFrame(rows))
    assert len(found) == 3
    for accts in found.values():
        assert accts == {f"a{i}" for i in range(6)}


def test_wording_only_members_join_the_core_whose_script_their_lines_fit():
    from antidistill.link.graph import _split_by_cores

    # A big core and a small one share a popular line (0); each has a line
    # of its own (1: big's, 2: small's). Wording-only members of the small
    # operation use its own line and the popular one.
    big = [f"b{i}" for i in range(20)]
    small = [f"s{i}" for i in range(5)]
    thin = [f"t{i}" for i in range(10)]
    users = [set(big) | set(small) | set(thin), set(big), set(small) | set(thin)]
    edges = _clique(big, 5.0, True) + _clique(small, 5.0, True)
    edges += [(a, b, 2.0, False) for u in users for a in sorted(u) for b in sorted(u) if a < b and not {a, b} <= set(big) | set(small)]
    g = _graph(edges).graph
    group = sorted(set(big) | set(small) | set(thin))
    by_script = sorted(map(set, _split_by_cores(g, group, users)), key=len)
    assert by_script == [set(small) | set(thin), set(big)]
    # Summed tie weight alone sends them to the big core (more partners on
    # the popular line): what the lines add.
    by_weight = sorted(map(set, _split_by_cores(g, group, [])), key=len)
    assert by_weight == [set(small), set(big) | set(thin)]


def test_members_running_another_operations_script_leave_a_community_with_one_core():
    from antidistill.link.graph import _split_by_cores

    # A hosting operation (one core, its own line 1) and thin members of
    # another operation share a popular line (0). The thin members' other
    # lines (2, 3) are used mostly by accounts outside this community (the
    # rest of their operation): they run that script, not the core's, and
    # leave the core's group. "q", a quiet account of the core's operation,
    # uses the core's own line and stays.
    core = [f"h{i}" for i in range(20)]
    thin = [f"t{i}" for i in range(12)]
    elsewhere = [f"e{i}" for i in range(60)]
    users = [set(core) | set(thin) | {"q"} | set(elsewhere[:20]), set(core) | {"q"},
             set(thin[:8]) | set(elsewhere[:40]), set(thin[4:]) | set(elsewhere[20:])]
    edges = _clique(core, 5.0, True)
    edges += [(a, b, 2.0, False) for a in [*thin, "q"] for b in core[:6]]
    edges += [(thin[i], thin[i + 1], 2.0, False) for i in range(len(thin) - 1)]
    group = sorted([*core, *thin, "q"])
    out = sorted(map(set, _split_by_cores(_graph(edges).graph, group, users)), key=len)
    assert out == [set(thin), set(core) | {"q"}]
    # Without lines used elsewhere nothing says they run another script.
    inside = [u & set(group) for u in users]
    assert [set(c) for c in _split_by_cores(_graph(edges).graph, group, inside)] == [set(group)]


def test_a_core_welded_by_a_few_hard_ties_is_cut_where_its_parts_have_lines_of_their_own():
    from antidistill.link.graph import _split_by_cores

    # Two operations, each tied inside by cards and networks, happen to
    # share a residential /24 and a sign-up window on two accounts: two
    # hard ties make one connected core. Each has a line of its own (a
    # system prompt every account sends), so they are two groups.
    left = [f"l{i}" for i in range(15)]
    right = [f"r{i}" for i in range(12)]
    weld = [(left[0], right[0], 2.0, True), (left[1], right[1], 2.0, True)]
    edges = _clique(left, 4.0, True) + _clique(right, 4.0, True) + weld
    g = _graph(edges).graph
    group = sorted([*left, *right])
    apart = [set(left), set(right), set(left) | set(right)]
    assert sorted(map(set, _split_by_cores(g, group, apart)), key=len) == [set(right), set(left)]
    # Nothing in their text tells them apart (no lines, or the same
    # script): one core, never cut.
    assert _split_by_cores(g, group, []) == [group]
    assert _split_by_cores(g, group, [set(left) | set(right)]) == [group]


def test_members_whose_lines_do_not_decide_go_by_their_ties():
    from antidistill.link.graph import _split_by_cores

    left = [f"l{i}" for i in range(12)]
    right = [f"r{i}" for i in range(12)]
    # Both cores use line 0 alike (and each has a line of its own, so they
    # are two scripts): "x", who uses only line 0, is told apart by its
    # ties, mostly to the left core.
    users = [set(left) | set(right) | {"x"}, set(left), set(right)]
    edges = _clique(left, 5.0, True) + _clique(right, 5.0, True)
    edges += [("x", n, 2.0, False) for n in left] + [("x", right[0], 2.0, False)]
    out = sorted(map(set, _split_by_cores(_graph(edges).graph, sorted([*left, *right, "x"]), users)), key=sorted)
    assert out == [set(left) | {"x"}, set(right)]


def test_only_ties_that_stand_without_shared_text_are_hard():
    from types import SimpleNamespace

    import pandas as pd

    from antidistill.link.graph import build_graph
    from antidistill.policy import load_policy

    # a-b share a system prompt and a network; c-d a card. A system prompt
    # is text anyone can copy (a stock persona line): it ties a and b, but
    # as a shared script, not as one operator.
    infra = pd.DataFrame([("a", "system_prompt", "You are a helpful assistant."), ("b", "system_prompt", "You are a helpful assistant."),
                          ("a", "ip_prefix", "100.64.1"), ("b", "ip_prefix", "100.64.1")], columns=["account_id", "kind", "value"])
    profile = pd.DataFrame({"account_id": ["c", "d"], "payment_fingerprint": ["card-1", "card-1"]})
    fs = SimpleNamespace(infra=infra, profile=profile, accounts=pd.DataFrame({"account_id": list("abcd")}),
                         activity=pd.DataFrame({"account_id": [], "bucket": []}))
    g = build_graph(fs, None, load_policy(None).linkage).graph
    assert g.has_edge("a", "b") and not g.edges["a", "b"]["hard"]
    assert g.edges["c", "d"]["hard"]


def _place_by_ties_one_pass_at_a_time(g, place, pending):
    """The placement rule as first written: every round works out every
    pending member's pull and places the strongest (first by name)."""
    from collections import defaultdict

    pending = list(pending)
    while pending:
        best = None
        for n in pending:
            pull = defaultdict(float)
            for o, e in g[n].items():
                if o in place:
                    pull[place[o]] += e["weight"]
            if pull:
                k, w = max(pull.items(), key=lambda kw: (kw[1], -kw[0]))
                if best is None or w > best[2]:
                    best = (n, k, w)
        if best is None:
            break
        place[best[0]] = best[1]
        pending.remove(best[0])
    return pending


def test_placing_by_ties_gives_what_working_out_every_pull_each_round_gives():
    import random

    import networkx as nx

    from antidistill.link.graph import _place_by_ties

    for seed in range(40):
        rng = random.Random(seed)
        names = [f"n{i:02d}" for i in range(rng.randint(5, 60))]
        g = nx.Graph()
        g.add_nodes_from(names)
        for a in names:
            for b in names:
                if a < b and rng.random() < 0.15:
                    # few distinct weights: equal pulls, which the order decides
                    g.add_edge(a, b, weight=rng.choice([0.5, 1.0, 1.5, 2.0, 0.35]))
        placed = rng.sample(names, rng.randint(1, max(1, len(names) // 4)))
        place = {n: rng.randrange(3) for n in placed}
        pending = sorted(set(names) - set(placed))
        fast, slow = dict(place), dict(place)
        assert _place_by_ties(g, fast, pending) == _place_by_ties_one_pass_at_a_time(g, slow, pending)
        assert list(fast.items()) == list(slow.items()), seed  # the same placements, in the same order


def test_a_member_moves_to_the_campaign_its_lines_and_hard_ties_point_to():
    import networkx as nx

    from antidistill.link.campaigns import _move_to_own_operation, _Texts

    # Two harvests draw one phrasing ("shared") from the same phrasebook;
    # "quiet" runs only that line and was put with the first, yet its mail
    # domain and network are the second's. "loyal" sends the first's own
    # line, and "wordy" is tied to the second by wording alone: both stay.
    first = {f"a{k}" for k in range(5)} | {"quiet", "loyal", "wordy"}
    second = {f"b{k}" for k in range(5)}
    g = nx.Graph()
    for grp in (first, second):
        for x in grp:
            for y in grp:
                if x < y:
                    g.add_edge(x, y, kinds=["instruction"])
    for k in range(3):
        g.add_edge("quiet", f"b{k}", kinds=["email_domain", "instruction"])
        g.add_edge("loyal", f"b{k}", kinds=["network"])
        g.add_edge("wordy", f"b{k}", kinds=["instruction"])
    line_users = {("instruction", "own-a"): {"a0", "a1", "a2", "loyal"},
                  ("instruction", "shared"): {"a0", "quiet", "loyal", "wordy"} | second}
    lines_of = {"quiet": {("instruction", "shared")}, "wordy": {("instruction", "shared")},
                "loyal": {("instruction", "own-a"), ("instruction", "shared")}}
    tactics = {m: {"reasoning-harvest"} for m in first | second}
    formed = [(set(first), 0.9, {"reasoning-harvest"}), (set(second), 0.9, {"reasoning-harvest"})]
    out = _move_to_own_operation(formed, g, _Texts(line_users, lines_of, {}, {}), tactics)
    assert out[0][0] == first - {"quiet"} and out[1][0] == second | {"quiet"}
    # A campaign that shows none of the tactics it was lifted for keeps it.
    tactics["quiet"] = {"capability-sweep"}
    assert _move_to_own_operation(formed, g, _Texts(line_users, lines_of, {}, {}), tactics)[0][0] == first


def _merge_every_pair_each_round(groups, lines, scope, pieces=0, own_needs_most_users=False):
    """merge_same_script as first written: every pair compared afresh each
    round, line use counted by intersecting sets."""
    from antidistill.link.graph import SCRIPT_LINE_SHARE, _fisher_p, _own

    groups = [set(c) for c in groups]
    is_piece = [k >= len(groups) - pieces for k in range(len(groups))]
    kept = [u for u in lines if len(u & scope) >= 2 and 2 * len(u & scope) >= len(u)]
    theirs = [u & scope for u in kept]
    users = [len(u) for u in kept] if own_needs_most_users else None

    def likeness(a, b, a_piece, b_piece):
        shared, p_min = False, 1.0
        for k, u in enumerate(theirs):
            in_a, in_b = len(u & a), len(u & b)
            if not (in_a or in_b):
                continue
            p = _fisher_p(in_a, len(a), in_b, len(b))
            share_a, share_b = in_a / len(a), in_b / len(b)
            shared = shared or min(share_a, share_b) >= SCRIPT_LINE_SHARE
            p_min = min(p_min, p)
            if users is not None and 2 * max(in_a, in_b) < users[k]:
                continue
            if _own(in_a, in_b, len(a), len(b), p) and not (a_piece if share_a > share_b else b_piece):
                return None
        return p_min if shared else None

    while len(groups) > 1 and theirs:
        best = None
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                like = likeness(groups[i], groups[j], is_piece[i], is_piece[j])
                if like is not None and (best is None or like > best[0]):
                    best = (like, i, j)
        if best is None:
            break
        _, i, j = best
        groups[i] |= groups.pop(j)
        j_piece = is_piece.pop(j)
        is_piece[i] = is_piece[i] and j_piece
    return groups


def test_merging_by_script_gives_what_comparing_every_pair_each_round_gives():
    """The merge keeps each group's line counts and compares only groups
    that have a common line in common (it must scale to thousands of
    groups); the greedy order and its ties must stay those of comparing
    every pair afresh."""
    import random

    from antidistill.link.graph import merge_same_script

    merges = 0
    for seed in range(60):
        rng = random.Random(seed)
        n_scripts = rng.randint(1, 5)
        script_lines = [[k for k in range(rng.randint(0, 30)) if rng.random() < 0.3] for _ in range(n_scripts)]
        n_lines = 30
        users = [set() for _ in range(n_lines)]
        groups = []
        for g in range(rng.randint(2, 14)):
            script = rng.randrange(n_scripts)
            members = {f"g{g:02d}m{m:02d}" for m in range(rng.randint(1, 12))}
            for m in members:
                for k in script_lines[script]:
                    if rng.random() < 0.7:
                        users[k].add(m)
                if rng.random() < 0.3:  # a stray line of another script, or its own
                    users[rng.randrange(n_lines)].add(m)
            groups.append(members)
        if rng.random() < 0.3:  # groups that share members, or come twice
            groups.append(set(rng.sample(sorted(groups[rng.randrange(len(groups))]), 1)) | groups[-1])
        outsiders = {f"o{i:02d}" for i in range(rng.randint(0, 10))}
        for o in outsiders:
            users[rng.randrange(n_lines)].add(o)
        everyone = set().union(*groups)
        scope = {a for a in everyone if rng.random() < 0.9}
        pieces = rng.randint(0, len(groups) // 2)
        most = rng.random() < 0.5
        fast = merge_same_script(groups, users, scope, pieces, most)
        slow = _merge_every_pair_each_round(groups, users, scope, pieces, most)
        assert fast == slow, seed
        merges += len(groups) - len(fast)
    assert merges > 50  # the cases do merge, often
