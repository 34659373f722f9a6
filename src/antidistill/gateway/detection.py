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
``("rescore", seq)``, ``("policy", policy)``, ``("gap",)`` (events were
dropped on the way), ``("stop",)``; from it
``("verdicts", {account: Verdict}, info)``.

Restart: with a log directory (and no Redis), the worker first rebuilds its
state from the log - from its last snapshot (``detection-state.json.gz``
in the log directory, written every ``snapshot_s`` and at a clean stop)
plus the log lines after it, or from the whole log when there is no
snapshot or it does not match the log (:meth:`DetectionCore.restore`) -
and sends a full rescoring before the gateway serves anything.
"""

from __future__ import annotations

import collections
import gzip
import itertools
import logging
import multiprocessing as mp
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from antidistill.events.validate import BadRecord
from antidistill.gateway.actions import Verdict, load_actions
from antidistill.gateway.durable import iter_lines, write_atomically
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
        #: what the last full rescore worked out over all accounts, and over
        #: all end users, that the detectors judge each one against (the
        #: log's typical answer length): a partial rescore of a few accounts
        #: uses these, not what those few alone would give
        self.log_wide: dict[str, Any] = {}
        self.log_wide_users: dict[str, Any] = {}
        #: log lines received (see ``add``) and the request id of the last one
        self.lines = 0
        self.last_rid: str | None = None
        #: events were lost on the way here (the gateway's queue overflowed):
        #: the state no longer equals a replay of the log, so no snapshots
        self.gap = False
        self.snapshot_info: dict[str, Any] = {}

    def add(self, events: Iterable[dict[str, Any] | bytes]) -> None:
        """Apply events: dicts, or log lines (bytes) as the gateway sends them.

        Every element counts as one line of the log's line sequence
        (``lines``), applied or not, so that a snapshot can say where in the
        log its state ends.
        """
        for ev in events:
            self.lines += 1
            self.last_rid = None
            try:
                if type(ev) is not dict:
                    try:
                        ev = orjson.loads(ev)
                    except orjson.JSONDecodeError as exc:
                        raise BadRecord(None, "not_json", str(exc)) from None
                rid = ev.get("request_id") if type(ev) is dict else None
                self.last_rid = rid if type(rid) is str else None
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

    def _score_end_users(self, keys: set[str], everything: bool = False) -> list:
        from antidistill.respond.scan import score_features

        if not keys:
            return []
        fs = self.state.end_user_feature_set(keys)
        if not everything:
            fs.derived.update(self.log_wide_users)
        results, _ = score_features(fs, self.policy, with_campaigns=False)
        if everything:
            self.log_wide_users = dict(fs.derived)
        return results

    def rescore_partial(self) -> dict[str, Verdict]:
        from antidistill.respond.scan import score_features

        changed = self.state.take_changed()
        users = self._end_users_due(self.state.take_end_users_changed(), everything=False)
        if not changed and not users:
            return {}
        if changed:
            # No campaigns here, so nothing linkage reads is built or mined
            # (template pairs across accounts were ~half of the worker's CPU
            # at 500 requests/s from 20 accounts, for nothing).
            fs = self.state.feature_set(changed, linkage=False)
            fs.derived.update(self.log_wide)
            results, _ = score_features(fs, self.policy, with_campaigns=False)
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
        fs = self.state.feature_set()
        results, _campaigns = score_features(fs, self.policy)
        self.log_wide = dict(fs.derived)
        full = {r.account_id: _verdict(r) for r in results}
        full.update((r.account_id, _verdict(r)) for r in self._score_end_users(users, everything=True))
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
                "error": self.last_error, "last_full": self.last_full, "last_partial": self.last_partial,
                "lines": self.lines, **self.snapshot_info}

    # --- snapshots: restart without replaying the whole log -----------------------
    def snapshot(self, path: Path) -> bool:
        """Write the online state and how many log lines it covers (atomically); False when it would be wrong to."""
        if self.gap:
            return False
        started = time.monotonic()
        data = {"version": SNAPSHOT_VERSION, "lines": self.lines, "last_request_id": self.last_rid,
                "written": time.time(), "state": self.state.to_json()}
        write_atomically(path, gzip.compress(orjson.dumps(data), compresslevel=1))
        self.snapshot_info = {**self.snapshot_info, "snapshot_lines": self.lines, "snapshot_at": data["written"],
                              "snapshot_seconds": round(time.monotonic() - started, 3)}
        return True

    def restore(self, log_dir: str | Path, snapshot: Path | None) -> None:
        """Rebuild the state from the log: from a snapshot and the lines after it when it matches the log, else from scratch.

        A snapshot matches when the log has at least as many lines as it
        covers and the last of them has the request id it recorded (a
        snapshot taken just before a crash can cover lines the crash then
        kept out of the log) and the text rules are the same. Either way the
        state equals a replay of the whole log (up to the de-duplication of
        request ids across the snapshot, which only replaying keeps).
        """
        started = time.monotonic()
        snap = _load_snapshot(snapshot, self.state.cp.fingerprint) if snapshot is not None else None
        how = "replayed the whole log"
        if snap is not None:
            lines = iter_lines(log_dir)
            covered, last = 0, None
            for line in itertools.islice(lines, snap["lines"]):
                covered, last = covered + 1, line
            if covered == snap["lines"] and (covered == 0 or _request_id(last) == snap["last_request_id"]):
                self.state = OnlineState.from_json(snap["state"], self.policy, self.state.profile)
                self.lines, self.last_rid = covered, snap["last_request_id"]
                for batch in _batched(lines, 5000):
                    self.add(batch)
                how = f"snapshot of {covered} lines + {self.lines - covered} lines after it"
            else:
                log.warning("detection snapshot %s does not match the log (it covers %d lines, the log has %d%s); "
                            "replaying the whole log", snapshot, snap["lines"], covered,
                            "" if covered < snap["lines"] else " with another last request id")
                snap = None
        if snap is None:
            for batch in _batched(iter_lines(log_dir), 5000):
                self.add(batch)
        self.snapshot_info = {"restored": how, "restore_seconds": round(time.monotonic() - started, 3)}


SNAPSHOT_NAME = "detection-state.json.gz"
SNAPSHOT_VERSION = 1


def _request_id(line: bytes | None) -> str | None:
    try:
        rid = orjson.loads(line).get("request_id") if line else None
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return rid if type(rid) is str else None


def _load_snapshot(path: Path, fingerprint: str) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        snap = orjson.loads(gzip.decompress(path.read_bytes()))
    except (OSError, EOFError, orjson.JSONDecodeError, gzip.BadGzipFile) as exc:
        log.warning("detection snapshot %s unreadable (%s); replaying the whole log", path, exc)
        return None
    if snap.get("version") != SNAPSHOT_VERSION or snap.get("state", {}).get("fingerprint") != fingerprint:
        log.warning("detection snapshot %s is of another version or policy text rules; replaying the whole log", path)
        return None
    return snap


def _batched(it: Iterable, n: int) -> Iterator[list]:
    it = iter(it)
    while batch := list(itertools.islice(it, n)):
        yield batch


def _serve(conn, policy: Policy, profile, replay_dir: str | None = None, snapshot_s: float = 0.0) -> None:
    """The worker loop: read messages, apply events, rescore when due, snapshot when due, reply."""
    core = DetectionCore(policy, profile)
    snapshot = Path(replay_dir) / SNAPSHOT_NAME if replay_dir and snapshot_s > 0 else None
    if replay_dir is not None:
        core.restore(replay_dir, snapshot)
        conn.send(("verdicts", core.rescore_full(), {**core.info(), "full": True, "seq": 0, "replayed": True}))
    last_snapshot, snapshot_lines = time.monotonic(), core.lines

    def take_snapshot() -> None:
        nonlocal last_snapshot, snapshot_lines
        last_snapshot = time.monotonic()
        if snapshot is not None and core.lines != snapshot_lines:
            try:
                if core.snapshot(snapshot):
                    snapshot_lines = core.lines
                    conn.send(("verdicts", {}, {**core.info(), "full": False, "seq": None}))  # news for /admin, /healthz
            except OSError as exc:
                log.error("detection snapshot not written: %s", exc)

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
            elif kind == "gap":
                core.gap = True
                log.error("events were dropped before reaching detection; no more snapshots until restart")
            elif kind == "stop":
                take_snapshot()
                return
        out = core.tick(time.time(), force_full=force)
        if out is not None:
            verdicts, full = out
            conn.send(("verdicts", verdicts, {**core.info(), "full": full, "seq": pending_seq if force else None}))
        if snapshot is not None and time.monotonic() - last_snapshot >= snapshot_s:
            take_snapshot()


def _process_main(conn, policy: Policy, profile, replay_dir: str | None, nice: int = 0, snapshot_s: float = 0.0) -> None:
    logging.basicConfig(level=logging.WARNING)
    if nice:
        # Lower priority than the request path: when the cores are busy,
        # requests are served first and detection catches up afterwards
        # (its backlog is on /healthz and /metrics).
        try:
            os.nice(nice)
        except OSError:
            pass
    try:
        _serve(conn, policy, profile, replay_dir, snapshot_s)
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        pass


class DetectionWorker:
    """Runs the detection core in a process (default) or a thread; see module doc."""

    def __init__(self, policy: Policy, on_verdicts: Callable[[dict[str, Verdict], dict[str, Any]], None], *,
                 mode: str = "process", profile=None, replay_dir: str | None = None, nice: int = 0,
                 snapshot_s: float = 0.0) -> None:
        self.on_verdicts = on_verdicts
        self.mode = mode
        if mode == "process":
            ctx = mp.get_context("spawn")
            self.conn, child = ctx.Pipe(duplex=True)
            self.proc = ctx.Process(target=_process_main, args=(child, policy, profile, replay_dir, nice, snapshot_s),
                                    name="antidistill-detection", daemon=True)
            self.proc.start()
        elif mode == "thread":
            self.conn, child = mp.Pipe(duplex=True)
            self.proc = threading.Thread(target=_process_main, args=(child, policy, profile, replay_dir, 0, snapshot_s),
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
        self._gap_told = False
        self._outbox_ready = threading.Event()
        self._sender = threading.Thread(target=self._send_events, name="antidistill-events-out", daemon=True)
        self._sender.start()
        self._cond = threading.Condition()
        self.last_seq = -1
        self.replayed = replay_dir is None
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
            self._outbox_ready.set()  # the sender tells the worker there is a gap
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
            if self.dropped and not self._gap_told:
                self._gap_told = True
                try:
                    self.send(("gap",))
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
        self.proc.join(timeout=30)  # room for the final snapshot
        if self.mode == "process" and self.proc.is_alive():
            self.proc.terminate()
        self.conn.close()
