"""Callers and what they do: the pieces every population and campaign is built from.

An :class:`Actor` is one caller as the gateway sees it: an account (or one end
user of a reseller's account), the addresses and user agents it uses, a
schedule of arrival times and one or more :class:`Behavior` s. A behaviour
turns a session (a conversation, a job) into request/response exchanges and
keeps the session's state, e.g. the growing message history. Mixing behaviours
on one actor is how a campaign account also sends ordinary-looking traffic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from antidistill.sim import bodies
from antidistill.sim.digits import DigitsService
from antidistill.sim.infra import Account, Internet, IpSource
from antidistill.sim.text import TextBank
from antidistill.sim.timing import Clock, Schedule


@dataclass
class Context:
    """Shared, read-mostly services of one simulation run."""

    clock: Clock
    bank: TextBank
    digits: DigitsService
    internet: Internet


@dataclass
class Exchange:
    endpoint: str
    request: dict
    response: dict | None
    status: int
    latency_ms: float


class Behavior:
    """How a kind of caller turns a session into exchanges. Subclasses override start/step."""

    def start(self, actor: "Actor", ctx: Context, ts: int) -> dict:
        return {}

    def step(self, actor: "Actor", ctx: Context, ts: int, state: dict, turn: int) -> Exchange:
        raise NotImplementedError

    # -- helpers shared by all behaviours ------------------------------------------------

    @staticmethod
    def chat(
        actor: "Actor", ts: int, messages: list[dict], answer: Callable[[], list[str | None] | str | None], *,
        model: str, temperature: float | None = None, top_p: float | None = None,
        max_tokens: int | None = None, n: int | None = None, seed: int | None = None,
        stop: Any = None, logprobs: bool | None = None, top_logprobs: int | None = None,
        logit_bias: dict | None = None, tools: list | None = None, response_format: dict | None = None,
        user: str | None = None, tool_calls: Callable[[], list] | None = None,
        logprobs_fn: Callable[[list[str | None]], Any] | None = None,
    ) -> Exchange:
        """One chat completion: request body, then the answer unless the call fails."""
        rng = actor.rng
        req = bodies.chat_request(
            model, messages, temperature=temperature, top_p=top_p, max_tokens=max_tokens, n=n, seed=seed,
            stop=stop, logprobs=logprobs, top_logprobs=top_logprobs, logit_bias=logit_bias, tools=tools,
            response_format=response_format, user=user if user is not None else actor.end_user,
        )
        status = bodies.failure(rng, actor.p429)
        if status is not None:
            return Exchange("/v1/chat/completions", req, None, status, _fail_latency(rng, status))
        p_tok = bodies.prompt_tokens(messages, tools)
        calls = tool_calls() if tool_calls is not None else None
        if calls is not None:
            contents: list[str | None] = [None]
        else:
            got = answer()
            contents = got if isinstance(got, list) else [got]
        lp = None
        if logprobs:
            lp = logprobs_fn(contents) if logprobs_fn else [
                bodies.content_logprobs(rng, c or "", top_logprobs or 0) for c in contents]
        resp, c_tok = bodies.chat_response(rng, model, ts // 1000, contents, p_tok, max_tokens, lp, calls)
        return Exchange("/v1/chat/completions", req, resp, 200, bodies.latency(rng, model, p_tok, c_tok))


def _fail_latency(rng: random.Random, status: int) -> float:
    if status == 429:
        return round(rng.uniform(3, 40), 1)
    if status == 500:
        return round(rng.uniform(800, 30000), 1)
    return round(rng.uniform(10, 120), 1)


@dataclass
class Actor:
    """One caller. Labels live here so ground truth is written from the same objects that acted."""

    account: Account
    population: str
    label: str  # benign | malicious
    ips: IpSource
    user_agents: list[str]
    behaviors: list[tuple[Behavior, float]]
    rng: random.Random
    g: np.random.Generator
    schedule: Schedule = field(default_factory=Schedule.empty)
    campaign_id: str | None = None
    tactics: tuple[str, ...] = ()
    end_user: str | None = None  # the `user` this actor passes, for reseller end users
    lang: str = "en"
    tz: float = 0.0
    p429: float = 0.004
    key_weights: list[float] | None = None
    _sessions: dict = field(default_factory=dict)

    def emit(self, ctx: Context, ts: int, sid: int, turn: int, last: bool) -> dict:
        """The event for one arrival, without request_id (the writer assigns those)."""
        state = self._sessions.get(sid)
        new = state is None
        if new:
            beh = self.behaviors[0][0] if len(self.behaviors) == 1 else self.rng.choices(
                [b for b, _ in self.behaviors], weights=[w for _, w in self.behaviors])[0]
            state = beh.start(self, ctx, ts)
            state["_beh"] = beh
            state["_ua"] = self.user_agents[0] if len(self.user_agents) == 1 else self.rng.choice(self.user_agents)
            state["_key"] = self._pick_key()
            self._sessions[sid] = state
        ex = state["_beh"].step(self, ctx, ts, state, turn)
        day = (ts - ctx.clock.start_ms) // 86_400_000
        ip = self.ips.ip(day, new)
        if last:
            self._sessions.pop(sid, None)
        return {
            "account_id": self.account.account_id,
            "api_key_id": state["_key"],
            "client_ip": ip,
            "user_agent": state["_ua"],
            "endpoint": ex.endpoint,
            "request": ex.request,
            "response": ex.response,
            "status": ex.status,
            "latency_ms": ex.latency_ms,
        }

    def _pick_key(self) -> str:
        keys = self.account.key_ids
        if len(keys) == 1:
            return keys[0]
        return self.rng.choices(keys, weights=self.key_weights)[0] if self.key_weights else self.rng.choice(keys)
