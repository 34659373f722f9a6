"""The account graph and its communities."""

from __future__ import annotations

import functools
import hashlib
import heapq
import itertools
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import igraph
import networkx as nx
import pandas as pd
from datasketch import MinHash, MinHashLSH
from scipy.stats import fisher_exact

from antidistill.policy import Linkage

#: Link kinds that say the same *actor* is behind two accounts. The others
#: (networks, user agents, e-mail domains, sign-up times) are shared by
#: honest neighbours too, and never lift an account on their own.
ACTOR_KINDS = frozenset({"payment", "template", "system_prompt", "instruction"})
#: Actor links that are one exact identity (a card, a distinctive system
#: prompt) rather than similar wording, which strangers can share.
IDENTITY_KINDS = frozenset({"payment", "system_prompt"})
#: Edge kinds that tie accounts through where and when they act (ip and
#: ip_prefix are one "network" kind on an edge), not through who pays or
#: what they send.
INFRA_KINDS = frozenset({"network", "email_domain", "user_agent", "signup_wave", "activity_sync"})
#: Actor links by similar wording. Two actors can draw on the same public
#: prompt collection or copy the same popular instruction, so wording alone
#: never merges two groups that each have their own infrastructure.
WORDING_KINDS = frozenset({"template", "instruction"})
#: Links through text the accounts send. Anyone can copy a popular system
#: prompt or instruction, so these say "the same script", and only ties that
#: stand without them (a card, networks, sign-up data) make a core.
TEXT_KINDS = WORDING_KINDS | {"system_prompt"}
#: Shared values that are lines of a script (see ``AccountGraph.script_lines``).
SCRIPT_LINE_KINDS = frozenset({"instruction", "system_prompt"})
#: Ties that say something without any text the accounts send.
STANDALONE_TIE_KINDS = frozenset({"payment", "ip", "ip_prefix", "email_domain", "signup_wave"})
#: A script line (system prompt, instruction line) with at least this share
#: of loose users (sending nothing that looks like theft, tied to none that
#: do) is stock text: a default prompt, common phrasing.
STOCK_LOOSE_SHARE = 0.25
#: Accounts tied together without wording that make a group of their own.
MIN_CORE = 3
#: Two groups that share script lines are one operation unless one has a
#: line of its own (used by at least OWN_LINE_SHARE of it, at most
#: FOREIGN_LINE_SHARE of the other, and different beyond chance by Fisher's
#: exact test): one actor paying with several cards runs the same script on
#: every account; two actors who share a phrasebook each also have lines of
#: their own.
SAME_SCRIPT_P = 1e-4
OWN_LINE_SHARE = 0.5
FOREIGN_LINE_SHARE = 0.1
#: ...and a line of theirs is common in both.
SCRIPT_LINE_SHARE = 0.2
#: Placing members by the lines they use: smoothing and the likelihood ratio
#: that decides between two cores' scripts.
SCRIPT_FIT_ALPHA = 0.5
SCRIPT_FIT_RATIO = 10.0
#: Minimum active time buckets before activity patterns are compared.
MIN_BUCKETS_FOR_SYNC = 6
SYNC_JACCARD = 0.6
#: A template links an account that used it at least this often in its
#: sample, and for at least this share of its sampled prompts.
MIN_TEMPLATE_USES = 2
MIN_TEMPLATE_SHARE = 0.2
#: Template ties count for accounts whose own sampled prompts are templated
#: at least this much (judged once they sent this many).
MIN_SCRIPTED_SHARE = 0.3
MIN_SCRIPTED_SAMPLE = 5


@dataclass
class AccountGraph:
    graph: nx.Graph
    #: (kind, value) -> accounts sharing it (only values that became links)
    shared: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    #: Shared instruction lines that are common phrasing (see _stock_lines):
    #: links, but no group's own wording.
    common: set[tuple[str, str]] = field(default_factory=set)

    def script_lines(self) -> list[set[str]]:
        """The accounts using each shared line of text a script sends (an
        instruction line around the prompts, a system prompt)."""
        return [accts for (kind, _value), accts in self.shared.items() if kind in SCRIPT_LINE_KINDS]


def _display(kind: str, value: str) -> str:
    if kind == "ip_prefix":
        return f"{value}.0/24" if "." in value else f"{value}::/48"
    if kind == "system_prompt":
        return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]
    return value


def _value_groups(fs, templates, linkage: Linkage) -> dict[tuple[str, str], set[str]]:
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for acct, kind, value in zip(fs.infra["account_id"], fs.infra["kind"], fs.infra["value"], strict=True):
        groups[(kind, _display(kind, value))].add(acct)
    if templates is not None:
        for key, accts in templates.instructions.items():
            groups[("instruction", key)] |= accts
    prof = fs.profile
    if len(prof):
        # Sign-up data of accounts that sent nothing in these events has
        # nothing to be judged on; it must not pull them into campaigns.
        prof = prof[prof["account_id"].isin(set(fs.accounts["account_id"]))]
        ignore = {d.lower() for d in linkage.ignore_email_domains}
        for row in prof.itertuples(index=False):
            pay = getattr(row, "payment_fingerprint", None)
            if isinstance(pay, str) and pay:
                groups[("payment", pay)].add(row.account_id)
            dom = getattr(row, "email_domain", None)
            if isinstance(dom, str) and dom and dom.lower() not in ignore:
                groups[("email_domain", dom.lower())].add(row.account_id)
            created = getattr(row, "created", None)
            if created is not None and not pd.isna(created):
                wave = int(pd.Timestamp(created).timestamp() // (linkage.signup_wave_hours * 3600))
                groups[("signup_wave", str(wave))].add(row.account_id)
    return groups


def _template_pairs(templates) -> list[tuple[str, str]]:
    """Account pairs whose prompts are template siblings of each other often
    enough that both lean on the same script: a popular phrasing that many
    people type now and then is common language, not a shared script."""
    if templates is None:
        return []
    pairs = []
    sampled, templated = templates.sampled_per_account, templates.templated_per_account

    def scripted(a: str) -> bool:
        # A stranger who types a popular question shape now and then shares
        # siblings with a big campaign too; a script fills frames most of
        # the time. Accounts with too few prompts to tell are not excluded.
        n = sampled.get(a, 0)
        return n < MIN_SCRIPTED_SAMPLE or templated.get(a, 0) >= MIN_SCRIPTED_SHARE * n

    for (a, b), n in templates.shared_pairs.items():
        need = MIN_TEMPLATE_SHARE * min(sampled.get(a, 0), sampled.get(b, 0))
        if n >= max(MIN_TEMPLATE_USES, need) and scripted(a) and scripted(b):
            pairs.append((a, b))
    return pairs


def _sync_pairs(activity: pd.DataFrame) -> list[tuple[str, str]]:
    """Pairs of accounts active in the same time buckets (MinHash LSH)."""
    buckets = activity.groupby("account_id")["bucket"].apply(list)
    if buckets.empty:
        return []
    span = activity["bucket"].max() - activity["bucket"].min() + 1
    # Accounts busy in most windows overlap with every other busy account;
    # only bursty ones say anything by being active at the same moments.
    busy_limit = max(MIN_BUCKETS_FOR_SYNC, 0.5 * span)
    buckets = buckets[(buckets.map(len) >= MIN_BUCKETS_FOR_SYNC) & (buckets.map(len) <= busy_limit)]
    if len(buckets) < 2:
        return []
    lsh = MinHashLSH(threshold=SYNC_JACCARD, num_perm=64)
    hashes = MinHash.bulk([[str(b).encode() for b in bs] for bs in buckets], num_perm=64, seed=2)
    pairs = []
    for acct, mh in zip(buckets.index, hashes, strict=True):
        for other in lsh.query(mh):
            pairs.append((other, acct))
        lsh.insert(acct, mh)
    return pairs


def _stock_lines(groups: dict[tuple[str, str], set[str]], candidates: set[str], linkage: Linkage) -> set[tuple[str, str]]:
    """Script lines (system prompts, instruction lines) that honest strangers
    send too.

    A campaign's own line is also sent by its quiet members, who are tied to
    the rest of it by other means as well (a card, networks, sign-up data).
    Stock text ("You are a helpful assistant.", "Think step by step.") is
    sent by many accounts that show nothing and share nothing else with the
    ones that do: at least STOCK_LOOSE_SHARE of its users are such loose ones.
    """
    ties_of: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, accts in groups.items():
        if key[0] in STANDALONE_TIE_KINDS and 2 <= len(accts) <= linkage.max_accounts_per_value:
            for a in accts:
                ties_of[a].add(key)
    stock = set()
    for key, accts in groups.items():
        if key[0] not in SCRIPT_LINE_KINDS or len(accts) > linkage.max_accounts_per_value:
            continue
        showing = accts & candidates
        reach = set().union(*(ties_of[a] for a in showing)) if showing else set()
        loose = [a for a in accts - showing if not ties_of[a] & reach]
        if len(loose) >= MIN_CORE and len(loose) >= STOCK_LOOSE_SHARE * len(accts):
            stock.add(key)
    return stock


def build_graph(fs, templates, linkage: Linkage, candidates: set[str] | None = None) -> AccountGraph:
    """The account graph; with ``candidates``, only among those accounts and
    the accounts an actor link (payment, template, system prompt) ties to them."""
    weights = linkage.weights
    edge_kinds: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    shared = {}
    groups = _value_groups(fs, templates, linkage)
    template_pairs = _template_pairs(templates)
    nodes = set(fs.accounts["account_id"]) if candidates is None else set(candidates)
    if candidates is not None:
        for (kind, _value), accts in groups.items():
            if kind in ACTOR_KINDS and accts & candidates and len(accts) <= linkage.max_accounts_per_value:
                nodes |= accts
        for a, b in template_pairs:
            if a in candidates or b in candidates:
                nodes |= {a, b}
    stock = _stock_lines(groups, candidates, linkage) if candidates is not None else set()
    # A stock system prompt links nobody. Common instruction phrasing stays a
    # link: which phrasebook lines a script draws on helps tell two scripts
    # apart (on a development seed, dropping these links split one campaign
    # across two), but it is never a line a group made its own (see
    # link.campaigns), so it lifts no one.
    common = {key for key in stock if key[0] == "instruction"}
    stock -= common
    for (kind, value), accts in groups.items():
        w = weights.get(kind, 0.0)
        if candidates is not None and len(accts & candidates) * 2 < len(accts):
            # Mostly used by accounts that show nothing: a carrier NAT, a
            # popular default system prompt, a big company's domain.
            continue
        if (kind, value) in stock:
            continue
        accts = accts & nodes
        if w <= 0 or not 2 <= len(accts) <= linkage.max_accounts_per_value:
            continue
        shared[(kind, value)] = accts
        # One address and its /24 are one piece of evidence, not two.
        family = "network" if kind in ("ip", "ip_prefix") else kind
        for a, b in itertools.combinations(sorted(accts), 2):
            kinds = edge_kinds[(a, b)]
            kinds[family] = max(kinds.get(family, 0.0), w)  # a kind counts once per pair
    w_template = weights.get("template", 0.0)
    if w_template > 0:
        for a, b in template_pairs:
            if a in nodes and b in nodes:
                edge_kinds[(a, b)]["template"] = w_template
    w_sync = weights.get("activity_sync", 0.0)
    if w_sync > 0:
        for a, b in _sync_pairs(fs.activity[fs.activity["account_id"].isin(nodes)]):
            edge_kinds[tuple(sorted((a, b)))]["activity_sync"] = w_sync
    g = nx.Graph()
    g.add_nodes_from(sorted(fs.accounts["account_id"]))
    for (a, b), kinds in sorted(edge_kinds.items()):
        total = sum(kinds.values())
        if total >= linkage.min_edge_weight:
            # "hard": the pair would be linked even without the text they
            # share, which anyone can copy.
            hard = total - sum(w for k, w in kinds.items() if k in TEXT_KINDS) >= linkage.min_edge_weight
            g.add_edge(a, b, weight=total, kinds=sorted(kinds), hard=hard)
    return AccountGraph(g, shared, common)


def communities(ag: AccountGraph, seed: int = 0) -> list[list[str]]:
    """Groups of two or more linked accounts, largest first, deterministic.

    Louvain (igraph's multilevel method) on the linked part of the graph.
    Nodes are numbered in sorted name order and igraph draws its random node
    order from a generator seeded here, so one input always gives the same
    campaigns.
    """
    g = ag.graph
    names = sorted(n for n in g if g.degree(n) > 0)
    if not names:
        return []
    index = {n: i for i, n in enumerate(names)}
    edges = sorted((min(index[a], index[b]), max(index[a], index[b]), w) for a, b, w in g.edges(data="weight"))
    h = igraph.Graph(n=len(names), edges=[(a, b) for a, b, _ in edges])
    h.es["weight"] = [w for _, _, w in edges]
    igraph.set_random_number_generator(random.Random(seed))
    try:
        found = h.community_multilevel(weights="weight")
    finally:
        igraph.set_random_number_generator(random)
    lines = ag.script_lines()
    groups = []
    for c in found:
        groups.extend(_split_by_cores(g, sorted(names[i] for i in c), lines, seed))
    groups = [sorted(c) for c in groups if len(c) >= 2]
    return sorted(groups, key=lambda c: (-len(c), c[0]))


def _split_by_cores(g: nx.Graph, group: list[str], lines: list[set[str]] = (),
                    seed: int = 0) -> list[list[str]]:
    """Split a community into the groups its cores and scripts make.

    A *core* is a set of at least ``MIN_CORE`` accounts connected by hard
    edges (shared payment, networks, sign-up data: links that stand without
    the text the accounts send). Two cores joined only by template,
    instruction or system-prompt ties are two groups: two actors can use the
    same public question set or copy the same popular instruction or system
    prompt. A core whose densely tied parts each have a line of their own is
    cut there (:func:`_split_by_own_lines`); cores that run one script
    (``lines``: the accounts using each shared script line, see
    ``AccountGraph.script_lines``) are merged, see :func:`merge_same_script`.
    The other members join the core whose script their lines fit
    (:func:`_place_by_script`); members whose lines fit the script of the
    accounts outside the community (the other users of ``lines``) better
    than any core's form a group of their own. The rest join the group they
    are most strongly tied to (through members already placed, so chains of
    wording ties follow); members tied to none form a group of their own.
    """
    members = set(group)
    hard = nx.Graph()
    hard.add_nodes_from(group)
    hard.add_edges_from((a, b) for a, b, e in g.subgraph(group).edges(data=True) if e.get("hard", True))
    cores = [c for comp in nx.connected_components(hard) if len(comp) >= MIN_CORE
             for c in _split_by_own_lines(hard.subgraph(comp), lines, seed) if len(c) >= MIN_CORE]
    cores = sorted((sorted(c) for c in merge_same_script(cores, lines, members)), key=lambda c: (-len(c), c[0]))
    if not cores:
        return [group]
    place = {n: i for i, core in enumerate(cores) for n in core}
    pending = sorted(members - set(place))
    if not pending:
        return cores
    # Members whose lines say which core's script they run join it; the
    # others by their ties (below). Lines used outside the community are a
    # script too: members whose lines fit that better than any core's run
    # some other operation's script and only share a few popular lines with
    # this one (they form a group of their own, which merge_same_script may
    # later join to that operation).
    place.update(_place_by_script(cores, pending, lines, members))
    pending = _place_by_ties(g, place, [n for n in pending if n not in place])
    out: list[list[str]] = [[] for _ in range(len(cores) + 1)]
    for n, k in place.items():
        out[k].append(n)
    if pending:
        out.append(pending)
    return [c for c in out if c]


def _split_by_own_lines(hard: nx.Graph, lines: list[set[str]], seed: int = 0) -> list[set[str]]:
    """Split a core (connected by hard ties) where two densely tied parts
    run scripts apart, each with a line of its own.

    Two operations that happen to share a residential /24 and a sign-up
    window, or an e-mail domain, are joined by a few such ties between
    accounts otherwise tied among themselves. Louvain over the hard ties
    finds the dense parts; parts tied to each other are put back together
    unless one has a line the other hardly uses (:func:`_own_line_apart`,
    over all shared lines), so a core with no text to tell its parts apart
    (a logit-bias sweep, one card) is never cut.
    """
    nodes = sorted(hard)
    if len(nodes) < 2 * MIN_CORE:
        return [set(nodes)]
    index = {n: i for i, n in enumerate(nodes)}
    h = igraph.Graph(n=len(nodes), edges=sorted((min(index[a], index[b]), max(index[a], index[b])) for a, b in hard.edges()))
    igraph.set_random_number_generator(random.Random(seed))
    try:
        found = h.community_multilevel()
    finally:
        igraph.set_random_number_generator(random)
    parts = [{nodes[i] for i in c} for c in found]
    if len(parts) < 2:
        return parts
    part_of = {n: k for k, part in enumerate(parts) for n in part}
    parent = list(range(len(parts)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    tied = sorted({tuple(sorted((part_of[a], part_of[b]))) for a, b in hard.edges() if part_of[a] != part_of[b]})
    for i, j in tied:
        if not _own_line_apart(parts[i], parts[j], lines):
            parent[root(j)] = root(i)
    merged: dict[int, set[str]] = defaultdict(set)
    for k, part in enumerate(parts):
        merged[root(k)] |= part
    return list(merged.values())


def _place_by_ties(g: nx.Graph, place: dict[str, int], pending: list[str]) -> list[str]:
    """Place the pending members (sorted), in ``place`` (member -> group), by
    their ties to members placed; returns those tied to none, in order.

    The member most strongly tied to one placed group is placed, repeatedly
    (deterministic: of members pulled equally hard, the first by name; of
    groups pulling a member equally hard, the first), so placement does not
    depend on the order members are visited. A member's pull changes only
    when a neighbour is placed: pulls are kept per member and group, added
    to as neighbours are placed, and the best of each is kept in a heap.
    (With the default weights, multiples of a half, adding them up in any
    order gives the same totals; with others the last bit may differ from
    summing afresh, but every run adds them in the same order.)"""
    left = set(pending)
    pulls: dict[str, dict[int, float]] = {n: defaultdict(float) for n in pending}
    for n in pending:
        for o, e in g[n].items():
            if o in place:
                pulls[n][place[o]] += e["weight"]

    def best(n: str) -> tuple[int, float]:
        return max(pulls[n].items(), key=lambda kw: (kw[1], -kw[0]))

    best_of = {n: best(n) for n in pending if pulls[n]}
    heap = [(-w, n, k) for n, (k, w) in best_of.items()]
    heapq.heapify(heap)
    while heap:
        neg_w, n, k = heapq.heappop(heap)
        if n not in left or best_of[n] != (k, -neg_w):
            continue  # placed already, or pulled harder since
        place[n] = k
        left.remove(n)
        for o, e in g[n].items():
            if o in left:
                pulls[o][k] += e["weight"]
                if (b := best(o)) != best_of.get(o):
                    best_of[o] = b
                    heapq.heappush(heap, (-b[1], o, b[0]))
    return [n for n in pending if n in left]


def _place_by_script(cores: list[list[str]], pending: list[str], lines: list[set[str]],
                     community: set[str] | None = None) -> dict[str, int]:
    """Members whose script lines tell which core's script they run.

    Each core's line use is a multinomial over the shared lines (counts of
    core members using each line, smoothed by ``SCRIPT_FIT_ALPHA``); a member
    joins the core whose model gives its lines the highest likelihood, when
    that is at least ``SCRIPT_FIT_RATIO`` times the next. Lines that several
    scripts use alike say nothing either way, a line only one script uses
    says a lot, whatever the cores' sizes (summed tie weight would send every
    member that uses a popular line to the biggest core). With ``community``
    (the members of the community the cores are in), the accounts outside
    it that use each line are one more model: a member
    every line of which is used outside, and whose lines the outside
    accounts' model fits ``SCRIPT_FIT_RATIO`` times better than every
    core's, gets index ``len(cores)``: it runs another operation's script.
    Returns ``member -> core index`` for the members whose lines decide.
    """
    n_cores = len(cores)
    pending_set = set(pending)
    member_lines: dict[str, list[int]] = defaultdict(list)
    counts: list[dict[int, int]] = [{} for _ in range(n_cores + (community is not None))]
    core_sets = [set(c) for c in cores]
    for i, users in enumerate(lines):
        for n in users & pending_set:
            member_lines[n].append(i)
        for k, core in enumerate(core_sets):
            c = len(users & core)
            if c:
                counts[k][i] = c
        if community is not None and (c := len(users) - len(users & community)):
            counts[-1][i] = c  # users outside the community
    vocab = {i for cnt in counts for i in cnt}
    if not vocab:
        return {}
    log_totals = [math.log(sum(cnt.values()) + SCRIPT_FIT_ALPHA * len(vocab)) for cnt in counts]
    fitted: dict[str, int] = {}
    for n in pending:
        used = [i for i in member_lines.get(n, ()) if i in vocab]
        if not used:
            continue
        fit = [sum(math.log(cnt.get(i, 0) + SCRIPT_FIT_ALPHA) for i in used) - len(used) * log_t
               for cnt, log_t in zip(counts, log_totals, strict=True)]
        ranked = sorted(range(n_cores), key=lambda k: (-fit[k], k))
        # Off-script only when every line it uses is used outside too: a
        # line no one outside uses is the community's own, whatever the
        # likelihoods (a small model is flatter than a big one).
        if (community is not None and all(i in counts[-1] for i in used)
                and fit[-1] - fit[ranked[0]] >= math.log(SCRIPT_FIT_RATIO)):
            fitted[n] = n_cores
        elif n_cores >= 2 and fit[ranked[0]] - fit[ranked[1]] >= math.log(SCRIPT_FIT_RATIO):
            fitted[n] = ranked[0]
    return fitted


def merge_same_script(groups: list[set[str]], lines: list[set[str]], scope: set[str],
                      pieces: int = 0, own_needs_most_users: bool = False) -> list[set[str]]:
    """Merge groups of accounts that run the same script.

    ``lines`` are the accounts using each shared script line; only lines
    most of whose users are in ``scope`` count (the others are common
    phrasing). Two groups run one script when such a line is common in both
    (at least ``SCRIPT_LINE_SHARE`` of each) and neither has a line of its own
    that the other hardly uses (see :func:`_script_likeness`): an operation
    that pays with several cards or uses several networks draws every
    account's lines from one script, while two actors who copied the same
    popular lines still each have lines of their own. Greedy: the most alike
    pair is merged first and the merged group is compared afresh.

    The last ``pieces`` groups are pieces community detection cut along
    lines (it groups accounts by what they share), so a line of a piece's
    own says nothing: only the other side's own lines keep it apart.

    With ``own_needs_most_users``, a line is a group's own only if that
    group holds at least half of the line's users: a line most of whose
    users are elsewhere (other operations, ordinary users) is phrasing many
    draw from, and community detection can cut one operation along it.
    """
    groups = [set(c) for c in groups]
    is_piece = [k >= len(groups) - pieces for k in range(len(groups))]
    kept = [u for u in lines if len(u & scope) >= 2 and 2 * len(u & scope) >= len(u)]
    theirs = [u & scope for u in kept]
    users = [len(u) for u in kept] if own_needs_most_users else None
    if len(groups) < 2 or not theirs:
        return groups
    # Each group's line use as counts (line -> members using it), kept up to
    # date as groups merge, so that a comparison costs the lines the two
    # groups use, not all lines times their sizes.
    lines_of: dict[str, list[int]] = defaultdict(list)
    for k, u in enumerate(theirs):
        for a in u:
            lines_of[a].append(k)
    counts = [_line_counts(g, lines_of) for g in groups]
    # Groups in which each line is common (SCRIPT_LINE_SHARE): only two
    # groups that have a common line in common can be alike at all.
    common_in: dict[int, set[int]] = defaultdict(set)

    def common(i: int) -> list[int]:
        return [k for k, c in counts[i].items() if c / len(groups[i]) >= SCRIPT_LINE_SHARE]

    def note_common(i: int) -> None:
        for k in common(i):
            common_in[k].add(i)

    def partners(i: int) -> set[int]:
        return set().union(*(common_in[k] for k in common(i))) - {i}

    def like(i: int, j: int) -> float | None:
        return _script_likeness(counts[i], counts[j], len(groups[i]), len(groups[j]), is_piece[i], is_piece[j], users)

    for i in range(len(groups)):
        note_common(i)
    # Greedy, most alike pair first; of equally alike pairs, the first in the
    # groups' order (a merged group keeps the place of its first part). Heap
    # entries of groups changed since are skipped.
    version = [0] * len(groups)
    heap = []
    for i in range(len(groups)):
        for j in sorted(p for p in partners(i) if p > i):
            if (lk := like(i, j)) is not None:
                heap.append((-lk, i, j, 0, 0))
    heapq.heapify(heap)
    alive = [True] * len(groups)
    while heap:
        _, i, j, vi, vj = heapq.heappop(heap)
        if not (alive[i] and alive[j]) or version[i] != vi or version[j] != vj:
            continue
        for g in (i, j):
            for k in common(g):
                common_in[k].discard(g)
        shared_members = groups[i] & groups[j]
        groups[i] |= groups[j]
        if shared_members:  # (count those once)
            counts[i] = _line_counts(groups[i], lines_of)
        else:
            counts[i].update(counts[j])
        is_piece[i] = is_piece[i] and is_piece[j]
        alive[j], version[i] = False, version[i] + 1
        note_common(i)
        for o in sorted(partners(i)):
            if (lk := like(min(i, o), max(i, o))) is not None:
                heapq.heappush(heap, (-lk, min(i, o), max(i, o), version[min(i, o)], version[max(i, o)]))
    return [g for g, a in zip(groups, alive, strict=True) if a]


def _line_counts(group: set[str], lines_of: dict[str, list[int]]) -> Counter:
    """Line -> how many members of ``group`` use it."""
    return Counter(k for a in group for k in lines_of.get(a, ()))


def _script_likeness(a: Counter, b: Counter, size_a: int, size_b: int, a_piece: bool = False,
                     b_piece: bool = False, line_users: list[int] | None = None) -> float | None:
    """How alike the line use of groups ``a`` and ``b`` (line -> members
    using it, of ``size_a`` and ``size_b`` members) is: the smallest
    per-line p-value of Fisher's exact test, or None when no line is common
    in both or one has a line of its own the other hardly uses.

    A line of one's own: used by at least ``OWN_LINE_SHARE`` of one group
    and at most ``FOREIGN_LINE_SHARE`` of the other, and different beyond
    chance (p below ``SAME_SCRIPT_P``), so a few accounts that happen not to
    use a common line of their script do not count; see :func:`_own`. With
    ``line_users`` (each line's number of users), also by at least half of
    the line's users.
    """
    shared = False
    p_min = 1.0
    for k in a.keys() | b.keys():
        in_a, in_b = a.get(k, 0), b.get(k, 0)
        p = _fisher_p(in_a, size_a, in_b, size_b)
        share_a, share_b = in_a / size_a, in_b / size_b
        shared = shared or min(share_a, share_b) >= SCRIPT_LINE_SHARE
        p_min = min(p_min, p)
        if line_users is not None and 2 * max(in_a, in_b) < line_users[k]:
            continue
        if _own(in_a, in_b, size_a, size_b, p) and not (a_piece if share_a > share_b else b_piece):
            return None
    return p_min if shared else None


def _own_line_apart(a: set[str], b: set[str], lines: list[set[str]]) -> bool:
    """Whether ``a`` or ``b`` has a line of its own the other hardly uses."""
    for users in lines:
        in_a, in_b = len(users & a), len(users & b)
        # Fisher's test only where the shares alone could make the line one's
        # own (p = 0 passes the test's part of _own).
        if _own(in_a, in_b, len(a), len(b), 0.0) and _own(
                in_a, in_b, len(a), len(b), _fisher_p(in_a, len(a), in_b, len(b))):
            return True
    return False


def _own(in_a: int, in_b: int, size_a: int, size_b: int, p: float) -> bool:
    """Whether a line used by ``in_a`` of ``size_a`` accounts and ``in_b``
    of ``size_b`` is one side's own: at least OWN_LINE_SHARE of that side,
    at most FOREIGN_LINE_SHARE of the other, beyond chance (``p``), and by
    more accounts there than on the other side. (A piece that community
    detection cut out of a big group along one line uses it more often
    than the rest, but the rest still holds most of its users: a line of
    the big group's, not the piece's.)"""
    share_a, share_b = in_a / size_a, in_b / size_b
    if share_a < share_b:
        share_a, share_b, in_a, in_b = share_b, share_a, in_b, in_a
    return p < SAME_SCRIPT_P and share_b <= FOREIGN_LINE_SHARE and share_a >= OWN_LINE_SHARE and in_a > in_b


@functools.lru_cache(maxsize=65536)
def _fisher_p(in_a: int, size_a: int, in_b: int, size_b: int) -> float:
    """Fisher's exact test (two-sided p) of ``in_a`` of ``size_a`` against
    ``in_b`` of ``size_b``. Cached: the same counts come up again and
    again as merging compares groups, and scipy's call costs far more than
    the lookup."""
    return float(fisher_exact([[in_a, size_a - in_a], [in_b, size_b - in_b]])[1])
