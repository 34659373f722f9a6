"""The detection worker: online state and scoring, off the request path.

Requests never wait for a detector. The gateway hands every finished
exchange to this worker and reads back cached verdicts. The worker owns the
:class:`~antidistill.gateway.online.OnlineState`, applies events in batches,
and rescoring with ``respond.scan.score_features`` (the code ``scan`` runs):

* every ``rescore_interval_s``: the accounts that changed, with per-account
  detectors only (``with_campaigns=False``), on a FeatureSet of just those
  accounts - quick, so a new attacker is caught within about a second;
* every ``full_rescore_interval_s`` (and on demand): everything, including
  population-level parts (prompt templates mined across accounts, linkage
  and campaigns). A full rescore is authoritative: it is exactly what
  ``scan`` says about the events seen so far.

End users of platform accounts (see ``OnlineState``) are scored too, as the
scan scores them (each as if it were an account, without campaigns), and
their verdicts come back under their pseudo account ids
(``online.end_user_key``), so the gateway can act on one end user of a
reseller without acting on the reseller.

Between full rescorings an account's verdict is the stronger of its last full
result and its per-account result since: scores only grow with evidence, and
a campaign lift is not lost because one member sent another request.

It runs in a separate process by default (``spawn``): on two cores the
scorer's pandas and regex work then never holds the request loop's GIL. A
thread runner with the same protocol exists for tests and for LiteLLM.

Protocol (tuples over a duplex pipe): to the worker ``("events", [event])``
(each event a dict or, from the gateway, its serialised log line: the
gateway serialises an exchange once and the worker parses it),
``("rescore", seq)``, ``("policy", policy)``, ``("replay", [dir])``,
``("stop",)``; from it ``("verdicts", {account: Verdict}, info)``.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing as mp
import os
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import orjson

from antidistill.events.validate import BadRecord
from antidistill.gateway.actions import Verdict, load_actions
from antidistill.gateway.online import OnlineState, split_end_user_key
from antidistill.policy import Policy

log = logging.getLogger("antidistill.gateway.detection")
TOP_SIGNALS = 3


def _verdict(result, campaign_id: str | None = None) -> Verdict:
    names = [s["name"] for s in result.signals if ":" not in s["name"]][:TOP_SIGNALS]
    return Verdict(result.verdict, float(result.score), tuple(result.tactics), campaign_id or result.campaign_id, tuple(names))


class DetectionCore:
    """State + rescoring, independent of how it is run (process or thread)."""

    def __init__(self, policy: Policy, profile=None) -> None:
        self.policy = policy
        self.actions = load_actions(policy)
        self.state = OnlineState(policy, profile)
        self.full: dict[str, Verdict] = {}
        self.partial: dict[str, Verdict] = {}
        self.bad_events = 0
        self.last_error: str | None = None
        self.last_full = 0.0
        self.last_partial = 0.0
        self.changed_since_full = False
        self.scored_platforms: set[str] = set()

    def add(self, events: list[dict[str, Any] | bytes]) -> None:
        """Apply events: dicts, or log lines (bytes) as the gateway sends them."""
        for ev in events:
            try:
                if type(ev) is not dict:
                    try:
                        ev = orjson.loads(ev)
                    except orjson.JSONDecodeError as exc:
                        raise BadRecord(None, "not_json", str(exc)) from None
                self.state.update(ev)
            except BadRecord as exc:
                self.bad_events += 1
                rid = ev.get("request_id") if type(ev) is dict else None
                log.warning("event %s not added to detection state: %s", str(rid)[:80], exc)
            else:
                self.changed_since_full = True

    def set_policy(self, policy: Policy) -> None:
        self.policy = policy
        self.actions = load_actions(policy)
        self.state.set_policy(policy)
        self.changed_since_full = True

    def combined(self, accounts) -> dict[str, Verdict]:
        out = {}
        for a in accounts:
            f, p = self.full.get(a), self.partial.get(a)
            if f is None or (p is not None and p.score > f.score):
                v = p if f is None else Verdict(p.verdict, p.score, tuple(sorted(set(p.tactics) | set(f.tactics))),
                                                f.campaign_id, p.signals)
            else:
                v = f
            if v is not None:
                out[a] = v
        return out

    def _end_users_due(self, changed: set[str], everything: bool) -> set[str]:
        """End users (pseudo account ids) of platform accounts to rescore."""
        platforms = self.state.platforms()
        fresh = platforms - self.scored_platforms
        self.scored_platforms |= fresh
        keys = {k for k in changed if split_end_user_key(k)[0] in platforms}
        for acct in (platforms if everything else fresh):
            keys |= self.state.end_users_of.get(acct, set())
        return keys

    def _score_end_users(self, keys: set[str]) -> list:
        from antidistill.respond.scan import score_features

        if not keys:
            return []
        results, _ = score_features(self.state.end_user_feature_set(keys), self.policy, with_campaigns=False)
        return results

    def rescore_partial(self) -> dict[str, Verdict]:
        from antidistill.respond.scan import score_features

        changed = self.state.take_changed()
        users = self._end_users_due(self.state.take_end_users_changed(), everything=False)
        if not changed and not users:
            return {}
        if changed:
            results, _ = score_features(self.state.feature_set(changed), self.policy, with_campaigns=False)
            for r in results:
                self.partial[r.account_id] = _verdict(r)
        for r in self._score_end_users(users):
            self.partial[r.account_id] = _verdict(r)
        self.last_partial = time.time()
        return self.combined(changed | users)

    def rescore_full(self) -> dict[str, Verdict]:
        """Everything, as ``scan`` does it: accounts with campaigns, then each end user of each platform."""
        from antidistill.respond.scan import score_features

        self.state.take_changed()
        users = self._end_users_due(self.state.take_end_users_changed(), everything=True)
        results, _campaigns = score_features(self.state.feature_set(), self.policy)
        full = {r.account_id: _verdict(r) for r in results}
        full.update((r.account_id, _verdict(r)) for r in self._score_end_users(users))
        self.full = full
        self.partial = {}
        self.last_full = time.time()
        self.changed_since_full = False
        return dict(self.full)

    def tick(self, now: float, force_full: bool = False) -> tuple[dict[str, Verdict], bool] | None:
        """Rescore what is due; (verdicts, was_full) or None when nothing was due."""
        try:
            if force_full or (self.changed_since_full and now - self.last_full >= self.actions.full_rescore_interval_s):
                out = self.rescore_full(), True
            elif now - self.last_partial >= self.actions.rescore_interval_s and (self.state.changed or self.state.end_users_changed):
                out = self.rescore_partial(), False
            else:
                return None
            self.last_error = None
            return out
        except Exception as exc:  # a detector bug must not kill the gateway; fail mode decides
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.error("rescoring failed: %s\n%s", self.last_error, traceback.format_exc())
            self.last_full = self.last_partial = now
            return {}, force_full

    def info(self) -> dict[str, Any]:
        return {"accounts": len(self.state.accounts), "events": self.state.n_events, "bad_events": self.bad_events,
                "error": self.last_error, "last_full": self.last_full, "last_partial": self.last_partial}


def _serve(conn, policy: Policy, profile, replay: Callable[[], Any] | None = None) -> None:
    """The worker loop: read messages, apply events, rescore when due, reply."""
    core = DetectionCore(policy, profile)
    if replay is not None:
        core.add(list(replay()))
        conn.send(("verdicts", core.rescore_full(), {**core.info(), "full": True, "seq": 0, "replayed": True}))
    pending_seq = 0
    while True:
        timeout = max(0.02, min(core.actions.rescore_interval_s, 0.2))
        force = False
        if conn.poll(timeout):
            msg = conn.recv()
            kind = msg[0]
            if kind == "events":
                core.add(msg[1])
                # drain whatever else is queued before rescoring
                while conn.poll(0):
                    nxt = conn.recv()
                    if nxt[0] == "events":
                        core.add(nxt[1])
                    else:
                        msg, kind = nxt, nxt[0]
                        break
            if kind == "rescore":
                force, pending_seq = True, msg[1]
            elif kind == "policy":
                core.set_policy(msg[1])
                force = True
            elif kind == "stop":
                return
        out = core.tick(time.time(), force_full=force)
        if out is not None:
            verdicts, full = out
            conn.send(("verdicts", verdicts, {**core.info(), "full": full, "seq": pending_seq if force else None}))


def _process_main(conn, policy: Policy, profile, replay_dirs: list[str] | None, nice: int = 0) -> None:
    logging.basicConfig(level=logging.WARNING)
    if nice:
        # Lower priority than the request path: when the cores are busy,
        # requests are served first and detection catches up afterwards
        # (its backlog is on /healthz and /metrics).
        try:
            os.nice(nice)
        except OSError:
            pass
    replay = None
    if replay_dirs:
        from antidistill.gateway.durable import read_log

        def replay():
            for d in replay_dirs:
                yield from read_log(d)
    try:
        _serve(conn, policy, profile, replay)
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        pass


class DetectionWorker:
    """Runs the detection core in a process (default) or a thread; see module doc."""

    def __init__(self, policy: Policy, on_verdicts: Callable[[dict[str, Verdict], dict[str, Any]], None], *,
                 mode: str = "process", profile=None, replay_dirs: list[str] | None = None, nice: int = 0) -> None:
        self.on_verdicts = on_verdicts
        self.mode = mode
        if mode == "process":
            ctx = mp.get_context("spawn")
            self.conn, child = ctx.Pipe(duplex=True)
            self.proc = ctx.Process(target=_process_main, args=(child, policy, profile, replay_dirs, nice),
                                    name="antidistill-detection", daemon=True)
            self.proc.start()
        elif mode == "thread":
            self.conn, child = mp.Pipe(duplex=True)
            self.proc = threading.Thread(target=_process_main, args=(child, policy, profile, replay_dirs),
                                         name="antidistill-detection", daemon=True)
            self.proc.start()
        else:
            raise ValueError(f"unknown detection mode {mode!r}; use process or thread")
        self._send_lock = threading.Lock()
        # Events go to the worker from a sender thread: a pipe write blocks
        # when the worker is busy rescoring, and that must never stall the
        # request loop. The queue is bounded; what overflows is counted.
        self._outbox: collections.deque = collections.deque()
        self._outbox_cap = 200_000
        self.dropped = 0
        self._outbox_ready = threading.Event()
        self._sender = threading.Thread(target=self._send_events, name="antidistill-events-out", daemon=True)
        self._sender.start()
        self._cond = threading.Condition()
        self.last_seq = -1
        self.replayed = replay_dirs is None
        self.info: dict[str, Any] = {}
        self._seq = 0
        self._reader = threading.Thread(target=self._read, name="antidistill-verdicts", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError, TypeError):  # TypeError: the pipe was closed under recv
                return
            if msg[0] == "verdicts":
                verdicts, info = msg[1], msg[2]
                try:
                    self.on_verdicts(verdicts, info)
                except Exception:  # noqa: BLE001 - a bad callback must not stop verdict delivery
                    log.exception("applying verdicts failed")
                with self._cond:
                    self.info = info
                    if info.get("replayed"):
                        self.replayed = True
                    if info.get("seq") is not None:
                        self.last_seq = max(self.last_seq, info["seq"])
                    self._cond.notify_all()

    def send(self, msg: tuple) -> None:
        with self._send_lock:
            self.conn.send(msg)

    def add(self, events: list[dict[str, Any] | bytes]) -> None:
        """Queue events (dicts or serialised log lines) for the worker (never blocks)."""
        if not events:
            return
        if len(self._outbox) >= self._outbox_cap:
            self.dropped += len(events)
            return
        self._outbox.append(events)
        self._outbox_ready.set()

    def _send_events(self) -> None:
        while True:
            self._outbox_ready.wait()
            self._outbox_ready.clear()
            while self._outbox:
                batch = []
                while self._outbox and len(batch) < 5000:
                    batch.extend(self._outbox.popleft())
                try:
                    self.send(("events", batch))
                except (OSError, BrokenPipeError):
                    return

    @property
    def backlog(self) -> int:
        return sum(len(b) for b in list(self._outbox))

    def set_policy(self, policy: Policy) -> None:
        self.send(("policy", policy))

    def rescore(self, timeout: float = 120.0) -> bool:
        """Force a full rescore and wait for its verdicts."""
        with self._cond:
            self._seq += 1
            seq = self._seq
        self.send(("rescore", seq))
        with self._cond:
            return self._cond.wait_for(lambda: self.last_seq >= seq, timeout=timeout)

    def wait_replayed(self, timeout: float = 300.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.replayed, timeout=timeout)

    def alive(self) -> bool:
        return self.proc.is_alive()

    def stop(self) -> None:
        try:
            self.send(("stop",))
        except (OSError, BrokenPipeError):
            pass
        self.proc.join(timeout=10)
        if self.mode == "process" and self.proc.is_alive():
            self.proc.terminate()
        self.conn.close()
