"""Campaigns: which account groups are one actor's theft, and whom they lift.

Takes the detectors' per-account results, builds the account graph among the
accounts whose traffic looks like some tactic (and those an actor link ties to
them), finds its communities, judges each community on its pooled traffic, and
lifts members whose own traffic looks like the campaign's tactics. Returns
plain data; :mod:`antidistill.respond.scan` turns it into the output format.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, NamedTuple

from antidistill.detect.base import TACTIC_AT, Detector, Signal, rollup, signal_dicts, tactic_evidence
from antidistill.link.graph import (
    IDENTITY_KINDS, INFRA_KINDS, TEXT_KINDS, WORDING_KINDS, build_graph, communities, merge_same_script,
)

#: Detector strengths below this are not listed among an account's signals.
SIGNAL_FLOOR = 0.01
#: Accounts with at least this many distinct end users are platforms whose
#: end users are judged one by one.
PLATFORM_MIN_END_USERS = 5
#: ...whose end users come back: a `user` value on every request of which
#: hardly any repeats (under this many requests per end user) shows no
#: people served, since a script can set a new one on every request.
PLATFORM_MIN_REQUESTS_PER_END_USER = 1.5
#: A shared instruction line counts as this group's own when at least this
#: share of the accounts using it are in the group.
SPECIFIC_WORDING_SHARE = 0.5
#: A line is one of the group's script lines for a tactic when at least
#: SCRIPT_OWN_SHARE of its users are the group's own members and at least
#: SCRIPT_SHOWING_SHARE of its users, and MIN_SCRIPT_SHOWING of them, show
#: the tactic on their own traffic (see :meth:`_Texts.script_runners`).
SCRIPT_OWN_SHARE = 0.8
SCRIPT_SHOWING_SHARE = 0.5
MIN_SCRIPT_SHOWING = 5
#: A member Louvain put elsewhere is adopted by a campaign whose script it
#: runs when its lines have at least this share of their users in the
#: campaign (lower than SCRIPT_OWN_SHARE: its own traffic must also look
#: like the tactic, see form_campaigns).
ADOPT_OWN_SHARE = 0.5
#: See :func:`_move_to_own_operation`.
MOVE_TIE_RATIO = 2.0
#: Link kinds found pairwise rather than through one shared value.
EDGE_ONLY_LINKS = {
    "template": "prompts written from the same templates",
    "activity_sync": "active in the same 10-minute windows",
}


@dataclass
class _Texts:
    """What each account sends that a script is made of: the shared
    instruction lines (every one, not only those that became links; common
    phrasing left out) and the system prompts."""

    line_users: dict[tuple[str, str], set[str]]
    lines_of: dict[str, set[tuple[str, str]]]
    prompt_users: dict[str, set[str]]
    prompts_of: dict[str, set[str]]

    @classmethod
    def of(cls, fs, common: set[tuple[str, str]]) -> _Texts:
        line_users = {("instruction", key): accts for key, accts in
                      (fs.templates.instructions.items() if fs.templates is not None else ())
                      if ("instruction", key) not in common}
        lines_of: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for key, accts in line_users.items():
            for a in accts:
                lines_of[a].add(key)
        prompts = fs.infra[fs.infra["kind"] == "system_prompt"]
        prompts_of: dict[str, set[str]] = defaultdict(set)
        prompt_users: dict[str, set[str]] = defaultdict(set)
        for a, v in zip(prompts["account_id"], prompts["value"], strict=True):
            prompts_of[a].add(v)
            prompt_users[v].add(a)
        return cls(line_users, lines_of, prompt_users, prompts_of)

    def script_runners(self, candidates: set[str], group: set[str], shows, own_bar: float = SCRIPT_OWN_SHARE,
                       not_own: frozenset[str] = frozenset()) -> set[str]:
        """The ``candidates`` whose traffic is ``group``'s script for one
        tactic; ``shows(account)`` says whether an account's own traffic
        shows that tactic, and members in ``not_own`` do not count toward
        which lines are the group's.

        A *script line* of the group has at least ``own_bar`` of its users in
        the group and at least ``SCRIPT_SHOWING_SHARE`` (and
        ``MIN_SCRIPT_SHOWING``) of them showing the tactic. A member runs the
        script when it sends at least one script line, every other line it
        sends is a line of the same tactic that other operations use (at
        least ``MIN_SCRIPT_SHOWING`` users, most of the others showing the
        tactic: a big operation's lines are spread over its pieces), and every
        system prompt it sends is sent by a member who shows the tactic too.
        Anything of its own (a line its users do not run for the tactic, a
        line too rare to judge, an application's own system prompt) means its
        traffic is not just the script: a translation app whose texts share a
        few lines with a campaign's embedded answers, or a student who copied
        one line.
        """
        showing: dict = {}

        def shown(key) -> int:
            if key not in showing:
                showing[key] = sum(1 for a in self.line_users[key] if shows(a))
            return showing[key]

        def is_script(key) -> bool:
            users = self.line_users[key]
            return (len((users & group) - not_own) >= own_bar * len(users)
                    and shown(key) >= max(MIN_SCRIPT_SHOWING, SCRIPT_SHOWING_SHARE * len(users)))

        def is_tactic_line(key, m: str) -> bool:
            users = self.line_users[key]
            return (len(users) >= MIN_SCRIPT_SHOWING
                    and shown(key) - bool(shows(m)) >= SCRIPT_SHOWING_SHARE * (len(users) - 1))

        out = set()
        for m in candidates:
            lines = self.lines_of.get(m, set())
            script = {key for key in lines if is_script(key)}
            if (script and all(key in script or is_tactic_line(key, m) for key in lines)
                    and all(any(shows(a) for a in (self.prompt_users[v] & group) - {m}) for v in self.prompts_of.get(m, ()))):
                out.add(m)
        return out


def _tied_beyond_text(g, m: str, group) -> bool:
    """Whether a link that stands without shared text (a card, a network,
    sign-up data, a client) ties ``m`` to a member of ``group``."""
    return any(o in group and not TEXT_KINDS.issuperset(e["kinds"]) for o, e in g[m].items())


def _move_to_own_operation(formed: list[tuple[set[str], float, set[str]]], g, texts: _Texts,
                           tactics: dict[str, set[str]]) -> list[tuple[set[str], float, set[str]]]:
    """Members moved to the campaign they belong to.

    Two operations can draw a few script lines from the same phrasebook, and
    Louvain then puts some quiet accounts of one with the other. A member
    moves from campaign C to campaign D when every script line it sends has
    at least as many users in D as in C (and one has more), it is tied by
    more than ``MOVE_TIE_RATIO`` times as many of D's members as of C's by
    links that stand without text (a card, networks, sign-up data, a
    client), and D shows a tactic it was lifted for. Moves are decided on
    the campaigns as formed, so none depends on another.
    """
    if len(formed) < 2:
        return formed
    owner = {m: k for k, (members, _, _) in enumerate(formed) for m in members}
    moves: dict[str, int] = {}
    for m, here in owner.items():
        lines = texts.lines_of.get(m)
        if not lines or len(formed[here][0]) <= 2:
            continue
        hard = defaultdict(int)
        for o, e in g[m].items():
            if o in owner and not TEXT_KINDS.issuperset(e["kinds"]):
                hard[owner[o]] += 1
        best = max((k for k in hard if k != here), key=lambda k: (hard[k], -k), default=None)
        if best is None or hard[best] < 2 or hard[best] <= MOVE_TIE_RATIO * hard.get(here, 0):
            continue
        if not tactics[m] & formed[best][2]:
            continue
        there, home = formed[best][0], formed[here][0]
        fits = [(len(texts.line_users[key] & there), len(texts.line_users[key] & home)) for key in lines]
        if all(a >= b for a, b in fits) and any(a > b for a, b in fits):
            moves[m] = best
    out = [(set(members), c_score, c_tactics) for members, c_score, c_tactics in formed]
    for m, k in moves.items():
        out[owner[m]][0].discard(m)
        out[k][0].add(m)
    return [c for c in out if len(c[0]) >= 2]


def _runs_other_tactic(pats: dict[str, float], tactic: str, bar: float) -> bool:
    """Whether an account's own traffic shows another tactic (at least
    ``bar``) more than ``tactic``."""
    mine = pats.get(tactic, 0.0)
    return any(v >= bar and v > mine for other, v in pats.items() if other != tactic)


class _Judged(NamedTuple):
    """A group judged a campaign: its flagged members, score and tactics,
    and every member it was judged on."""

    flagged: set[str]
    score: float
    tactics: set[str]
    members: list[str]


@dataclass
class Campaign:
    campaign_id: str
    members: list[str]
    score: float
    tactics: list[str]
    links: list[dict[str, Any]]


def form_campaigns(fs, policy, detectors: list[Detector], measurements, pattern, score, signals, tactics,
                   ) -> tuple[list[Campaign], dict[str, str]]:
    """Campaigns and ``account -> campaign_id``.

    ``score``, ``signals`` and ``tactics`` (per account) are updated in place
    for the members a campaign lifts.
    """
    linkage = policy.linkage
    candidates = {a for a, pats in pattern.items() if max(pats.values(), default=0.0) >= linkage.min_candidate_pattern}
    ag = build_graph(fs, fs.templates, linkage, candidates)
    g = ag.graph
    agg = fs.accounts.set_index("account_id")
    # A platform's traffic is many people's: it is judged on its own and per
    # end user, never pooled or lifted as one actor.
    # (Its requests that carry a `user`: one that leaves it off most of its
    # requests does not come back through the others.)
    with_user = fs.end_users.groupby("account_id")["n_requests"].sum().reindex(agg.index, fill_value=0)
    platforms = set(agg.index[(agg["n_end_users"] >= PLATFORM_MIN_END_USERS)
                              & (with_user >= PLATFORM_MIN_REQUESTS_PER_END_USER * agg["n_end_users"])])
    # What each account sends of a script (a member whose traffic is a
    # campaign's script sends no line or system prompt of its own).
    texts = _Texts.of(fs, ag.common)
    campaigns: list[Campaign] = []
    member_of: dict[str, str] = {}

    def shows_tactic(t: str):
        """Whether an account's own traffic shows tactic ``t`` (its pattern
        at least the wording bar)."""
        return lambda a: pattern.get(a, {}).get(t, 0.0) >= linkage.min_member_pattern_wording_linked

    def pool_of(members: list[str]) -> tuple[list[str], dict[str, float]]:
        """The members whose traffic a group is judged on, and the weight of
        each: platforms are left out (their traffic is many people's), and
        no member counts for more than ``pool_member_cap`` times the median
        member's volume, so that a few heavy neighbours cannot drown a
        campaign spread thin."""
        pooled = [m for m in members if m not in platforms]
        if not pooled:
            return [], {}
        volume = agg.loc[pooled, "n_requests"].astype(float)
        cap = linkage.pool_member_cap * max(float(volume.median()), 1.0)
        return pooled, {m: cap / v for m, v in volume.items() if v > cap}

    def judge(members: list[str], joined: frozenset[str] = frozenset()) -> _Judged | None:
        """Judge one group on its pooled traffic and lift its members
        (``score``, ``signals``, ``tactics`` updated in place); None when the
        group is no campaign.

        ``joined``: members of pieces too thin to be judged alone that join
        the group because they run its script. Louvain put them with
        ordinary users, so wording ties alone do not lift them (common
        phrasing those users share looks like the group's own once they
        are in it), and they do not count toward which lines are the
        group's own."""
        gid = "group:" + members[0]
        fs.groups[gid] = members
        strengths: dict[str, float] = {}
        camp_signals: list[dict[str, Any]] = []
        pooled, weights = pool_of(members)
        # Each tactic is judged on the members that could be running it: not
        # those whose own traffic shows another tactic more (a campaign that
        # shares a community with an operation of another tactic must not
        # hide under its volume), and not strangers tied to the group by
        # shared wording alone whose traffic shows nothing (people pulled in
        # by a popular line would drown a campaign spread thin). Honest
        # accounts tied by a network or sign-up data stay in the pool: a
        # lab's quiet colleagues keep their lab from looking like a campaign.
        member_set = set(members)
        standing = {m for m in pooled if m in candidates or _tied_beyond_text(g, m, member_set)}
        for d in detectors if pooled else ():
            if not d.tactic or not getattr(d, "campaign_level", True):
                continue
            bar = linkage.min_member_pattern_wording_linked
            tactic_pool = [m for m in pooled if m in standing and not _runs_other_tactic(pattern.get(m, {}), d.tactic, bar)]
            if not tactic_pool:
                continue
            sc = d.score(rollup(measurements[d.name], {gid: tactic_pool}, weights), fs).get(gid)
            if sc is not None:
                strengths[d.tactic] = max(strengths.get(d.tactic, 0.0), sc.strength)
                if sc.strength >= SIGNAL_FLOOR:
                    camp_signals.extend(signal_dicts(f"campaign:{d.name}", sc))
        c_score = max(tactic_evidence(strengths.values()), max(score[m] for m in members))
        if c_score < policy.verdicts.suspicious:
            return None
        c_tactics = {t for t, s in strengths.items() if s >= TACTIC_AT} | set().union(*(tactics[m] for m in members))
        # Tied by actor links to two other members (one if there is only one
        # other): a single shared phrase with one member is how a stranger
        # who copied a popular prompt looks, too.
        ties_needed = min(2, len(members) - 1)

        def tied_by(n: str, kinds: frozenset[str]) -> bool:
            return sum(bool(kinds.intersection(e["kinds"])) for o, e in g[n].items() if o in member_set) >= ties_needed

        # Wording ties lift only through lines this group has made its own
        # (most of their users are in it): a line used mostly elsewhere, or
        # by many honest strangers (ag.common), is common phrasing (a popular
        # instruction copied from a guide). Those strangers sit in the
        # community too, pulled in by that very line, so the share alone
        # cannot tell. A script line that is not common phrasing but that
        # the group shares with other groups (a big operation cut into
        # pieces, each holding under half of its lines' users) still ties
        # a member, as loosely as a shared network does.
        own_partners: dict[str, set[str]] = defaultdict(set)
        script_partners: dict[str, set[str]] = defaultdict(set)
        for key, accts in ag.shared.items():
            inside = accts & member_set
            if key[0] not in WORDING_KINDS or key in ag.common or len(inside) < 2:
                continue
            own_users = len(inside - joined)
            for n in inside:
                script_partners[n] |= inside - {n}
                if own_users >= SPECIFIC_WORDING_SHARE * len(accts):
                    own_partners[n] |= inside - {n}
        # The actor links that are not wording (a card, a distinctive system
        # prompt) are exact identities.
        identity_linked = {n for n in members if tied_by(n, IDENTITY_KINDS)}
        wording_linked = {n for n in members if len(own_partners[n]) >= ties_needed}
        infra_linked = {n for n in members if tied_by(n, INFRA_KINDS)}
        loosely_linked = infra_linked | {n for n in members if len(script_partners[n]) >= ties_needed}
        # Joined members need ties beyond wording.
        wording_linked -= joined - infra_linked
        loosely_linked -= joined - infra_linked
        script_bar = linkage.min_member_pattern_script_run
        if script_bar is None:
            script_bar = linkage.min_member_pattern_wording_linked
        runs_script = {}
        for t, s in strengths.items():
            if s >= linkage.min_campaign_evidence and script_bar < linkage.min_member_pattern_wording_linked:
                runs_script[t] = texts.script_runners(member_set - platforms, member_set, shows_tactic(t), not_own=joined)
        shown = {t: {n for n in members if shows_tactic(t)(n)} for t in strengths}

        def need_for(m: str, t: str) -> float | None:
            """The pattern member ``m``'s own traffic needs to be lifted for tactic ``t``."""
            if m in runs_script.get(t, ()):
                return script_bar
            # A card or a distinctive system prompt ties a member to the
            # operator only through partners whose own traffic shows the
            # tactic: a lab paying for all its accounts with one card, which
            # common phrasing pulled into a community, ties its accounts to
            # one another, not to the campaign.
            if m in identity_linked and any(o in shown[t] for o in g[m] if o in member_set
                                            and IDENTITY_KINDS.intersection(g[m][o]["kinds"])):
                return linkage.min_member_pattern_identity_linked
            if m in wording_linked:
                return linkage.min_member_pattern_wording_linked
            if m in loosely_linked:
                return linkage.min_member_pattern_infra_only
            # In the community only through common phrasing or
            # question-template siblings, which strangers share too: nothing
            # ties it to this group's operator.
            return None

        lifted = []
        for m in members:
            if m in platforms:
                if policy.verdict(score[m]) != "benign":
                    lifted.append(m)
                continue
            # A member is lifted for a tactic only when the campaign's pooled
            # traffic shows that tactic and the member's own traffic looks
            # like it: a strong member elsewhere in the group lends nothing.
            # A member running the group's script for a tactic (joined
            # pieces too: their lines do not count toward the group's own)
            # needs only the script bar for it.
            lifts = {t: s for t, s in strengths.items()
                     if s >= linkage.min_campaign_evidence
                     and (need_t := need_for(m, t)) is not None
                     and pattern[m].get(t, 0.0) >= need_t}
            if lifts:
                best = max(lifts.values())
                new = max(score[m], linkage.lift * best)
                if new > score[m]:
                    score[m] = new
                    signals[m].append(Signal("campaign_evidence", best).to_dict())
                    signals[m].extend(camp_signals[:6])
                    tactics[m] |= set(lifts)
            if policy.verdict(score[m]) != "benign":
                lifted.append(m)
        return _Judged(set(lifted), c_score, c_tactics, members) if len(lifted) >= 2 else None

    judged: list[_Judged] = []
    # Groups too thin to show a campaign on their own pooled traffic, by
    # the members whose traffic looks like some tactic (the candidates).
    thin: list[tuple[frozenset[str], list[str]]] = []
    for members in communities(ag):
        j = judge(members)
        if j is not None:
            judged.append(j)
        elif len(showing := frozenset(members) & candidates) >= 2:
            # Its other members join with it only when a card or a distinctive
            # system prompt ties them to those: the rest (the ordinary users
            # common phrasing pulled into the community) would dilute the
            # pooled traffic of the campaign it joins.
            tied = {o for m in showing for o, e in g[m].items() if IDENTITY_KINDS.intersection(e["kinds"])}
            thin.append((showing, sorted(showing | (tied & set(members)))))
    # Louvain can cut one big script-run operation along which lines its
    # accounts happened to draw, and cores split off by their own cards;
    # campaigns whose members run the same script are one. A piece too thin
    # to be judged a campaign alone joins one whose script it runs.
    lines = ag.script_lines()
    flagged = set().union(*(j.flagged for j in judged))
    scope = flagged.union(*(showing for showing, _ in thin))
    formed: list[tuple[set[str], float, set[str]]] = []
    for merged in merge_same_script([j.flagged for j in judged] + [set(t[0]) for t in thin], lines, scope, len(thin)):
        parts = [j for j in judged if j.flagged <= merged]
        if not parts:
            continue
        pieces = [members for showing, members in thin if showing <= merged]
        c_score = max(j.score for j in parts)
        c_tactics = set().union(*(j.tactics for j in parts))
        merged = set().union(*(j.flagged for j in parts))
        if len(parts) + len(pieces) > 1:
            # Judged again as one: a line the operation made its own is
            # spread over its pieces, and only the whole shows it.
            again = judge(sorted(set().union(*(j.members for j in parts), *pieces)), frozenset().union(*pieces))
            if again is not None:
                merged = merged | again.flagged
                c_score = max(c_score, again.score)
                c_tactics |= again.tactics
        formed.append((merged, c_score, c_tactics))
    # Then campaigns still apart only by lines most of whose users are
    # elsewhere (phrasing other operations and ordinary users draw from too:
    # Louvain can cut an operation along it) are one. This comes after the
    # first merging so that groups sharing lines of their own have joined
    # already: a small part of an operation, its lines used by its other
    # parts too, would otherwise join whichever big campaign its common lines
    # fit. Only flagged members are joined: judging the union again would
    # pool in the members each campaign's judgment left benign.
    formed_scope = scope.union(*(f[0] for f in formed))
    joined = []
    for merged in merge_same_script([set(f[0]) for f in formed], lines, formed_scope, own_needs_most_users=True):
        together = [f for f in formed if f[0] <= merged]
        joined.append((merged, max(f[1] for f in together), set().union(*(f[2] for f in together))))
    formed = _move_to_own_operation(joined, g, texts, tactics)
    # Louvain can leave a quiet member of a big operation in a community of
    # others' (a popular line it shares with them weighs more than anything
    # it shares with its own). A member whose own traffic looks like a
    # campaign's tactic and whose traffic is that campaign's script (see
    # _Texts.script_runners) is adopted by it, wherever Louvain put it.
    adopted: set[str] = set()
    for merged, c_score, c_tactics in sorted(formed, key=lambda c: -len(c[0])):
        if c_score < linkage.min_campaign_evidence:
            continue
        for t in sorted(c_tactics):
            shows = shows_tactic(t)
            # ... and which something beyond text ties to the campaign (a
            # network, a client, sign-up data, a card): a stranger who
            # copies the campaign's lines under questions of its own looks
            # the same in its text.
            quiet = {a for a in g if shows(a) and a not in adopted and a not in platforms
                     and policy.verdict(score[a]) == "benign" and texts.lines_of.get(a)
                     and _tied_beyond_text(g, a, merged)}
            for a in texts.script_runners(quiet, merged, shows, ADOPT_OWN_SHARE):
                new = max(score[a], linkage.lift * c_score)
                if policy.verdict(new) == "benign":
                    continue
                score[a] = new
                signals[a].append(Signal("campaign_evidence", c_score).to_dict())
                tactics[a] |= {t}
                adopted.add(a)
                merged.add(a)
    for merged, c_score, c_tactics in formed:
        lifted = sorted(merged)
        cid = "cmp-" + hashlib.sha256("\n".join(lifted).encode()).hexdigest()[:12]
        for m in lifted:
            member_of[m] = cid
        links = []
        member_set = set(lifted)
        for (kind, value), accts in sorted(ag.shared.items()):
            inter = sorted(accts & member_set)
            if len(inter) >= 2:
                links.append({"kind": kind, "value": value, "accounts": inter})
        for kind, value in EDGE_ONLY_LINKS.items():
            tied = sorted({m for m in member_set if any(kind in e["kinds"] for o, e in g[m].items() if o in member_set)})
            if len(tied) >= 2:
                links.append({"kind": kind, "value": value, "accounts": tied})
        links.sort(key=lambda x: (-len(x["accounts"]), x["kind"], x["value"]))
        campaigns.append(Campaign(cid, lifted, max(c_score, max(score[m] for m in lifted)), sorted(c_tactics), links[:25]))
    campaigns.sort(key=lambda c: c.campaign_id)
    return campaigns, member_of
