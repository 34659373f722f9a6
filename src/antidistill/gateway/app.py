"""The gateway's ASGI application: proxy, actions, log, admin, metrics.

The proxied endpoints (``/v1/chat/completions``, ``/v1/completions``,
``/v1/predict``) are served by :func:`proxy`, which talks to the client
through a :class:`Channel`: under ``antidistill gateway`` that is the
gateway's own HTTP/1.1 protocol (:mod:`antidistill.gateway.server`, no ASGI
messages on the hot path, one write per answer); under any other ASGI server
it is :class:`ASGIChannel` (the app stays a plain ASGI app). Everything else
(``/v1/models``, health, metrics, admin) is a small Starlette app behind it. Bodies are taken
as bytes and checked with the log contract's own validator
(``events.validate.flatten_request``, the request part of ``flatten_event``),
so a malformed request is refused with the same field path ``validate``
reports.

Request path, in order: size limit -> account (API key or trusted header) ->
JSON and contract check -> cached decision for the account (a dict lookup,
never a detector run) -> block / throttle / degrade / watermark -> upstream
(:mod:`antidistill.gateway.upstream`, pooled keep-alive; SSE streamed through
chunk by chunk) -> the exchange is serialised once into its log line, which
is queued for the log writer thread (group commit), the detection worker
process and, with ``--state redis://``, the shared stream -> answer.

What is *not* on the request path: writing and fsyncing the log (a flusher
thread, every ``flush_ms``), detection (a separate process, fed each group
commit's lines by the flusher once they are durable - or, without a log, in
batches every 20 ms - niced so that on a busy machine requests get the CPU first),
publishing to Redis (a batching task), metrics exposition (at scrape time).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import hmac
import itertools
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from antidistill.events.validate import BadRecord, flatten_request
from antidistill.gateway.actions import (
    ALLOW,
    Actions,
    Decision,
    Refused,
    TokenBucket,
    Verdict,
    decide,
    degrade_request,
    degrade_response,
    load_actions,
    with_end_user,
)
from antidistill.gateway.detection import DetectionWorker
from antidistill.gateway.durable import DurableLog
from antidistill.gateway.online import (
    END_USER_SEP,
    end_user_key,
    split_end_user_key,
    utc_now_rfc3339,
)
from antidistill.gateway.shared import OverrideStore, RedisShare
from antidistill.gateway.upstream import (
    Upstream,
    UpstreamBroken,
    UpstreamError,
    UpstreamTimeout,
    header,
)
from antidistill.policy import Policy, PolicyError, load_policy

log = logging.getLogger("antidistill.gateway")
PROXIED = frozenset(("/v1/chat/completions", "/v1/completions", "/v1/predict"))
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
                "proxy-authenticate", "content-length", "content-encoding", "host"}
_JSON = b"application/json"


def first_forwarded(value: str) -> str:
    """The client address of an X-Forwarded-For value (its first entry),
    without ASCII whitespace around it (read as latin-1, as headers are)."""
    return value.split(",")[0].strip(" \t\n\r\x0b\x0c")


@dataclass
class GatewayConfig:
    """Everything ``antidistill gateway`` is started with."""

    upstream: str
    policy_path: str | None = None
    state: str = "memory"
    log_dir: str | None = None
    keys_file: str | None = None
    #: trusted header carrying the account id (set by an authenticating proxy in front)
    account_header: str | None = None
    trust_forwarded_for: bool = False
    admin_token: str | None = None
    upstream_key: str | None = None
    connect_timeout_s: float = 2.0
    read_timeout_s: float = 60.0
    flush_ms: float = 20.0
    detection: str = "process"
    #: niceness of the detection worker process: on a busy machine the
    #: request path gets the CPU first and detection catches up after.
    detection_nice: int = 10
    #: seconds between snapshots of the detection state next to the log (0:
    #: none); a restart then replays only the log lines after the snapshot
    snapshot_s: float = 300.0
    accounts_file: str | None = None
    max_connections: int = 256
    #: "nginx": nginx serves the proxied endpoints on ``front_listen`` and
    #: this app (on ``app_socket``) keeps the log, detection, decisions and
    #: admin API (see ``antidistill.gateway.front``)
    front: str | None = None
    front_listen: tuple[str, int] | None = None
    app_socket: str | None = None
    front_dir: str | None = None
    front_workers: int = 1
    #: nginx starts a new record file once this many bytes of the current one are in the log
    front_rotate_bytes: int = 64 << 20
    #: trusted header carrying the client's address (set by the front, which overwrites any a client sent)
    client_header: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class JSONLogFormatter(logging.Formatter):
    """One JSON object per log record: structured logs a collector can parse."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": utc_now_rfc3339(), "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        attrs = getattr(record, "attrs", None)
        if attrs:
            out.update(attrs)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(out).decode()


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONLogFormatter())
    root = logging.getLogger("antidistill")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def load_keys(path: str) -> dict[str, tuple[str, str | None]]:
    """API key -> (account_id, api_key_id) from a JSON object or JSONL file."""
    text = Path(path).read_text(encoding="utf-8")
    entries: list[dict[str, Any]]
    try:
        data = orjson.loads(text)
        entries = [{"key": k, **(v if isinstance(v, dict) else {"account_id": v})} for k, v in data.items()] if isinstance(data, dict) else data
    except orjson.JSONDecodeError:
        entries = [orjson.loads(line) for line in text.splitlines() if line.strip()]
    keys = {}
    for e in entries:
        keys[e["key"]] = (e["account_id"], e.get("api_key_id"))
    return keys


_LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _ExchangeStats:
    """Per-request counters as plain numbers on the event loop, turned into metrics at scrape time.

    Cheaper than a prometheus_client child per update (a lock and a float
    per call); only the loop thread updates them and scrapes run on it too.
    """

    def __init__(self) -> None:
        self.requests: dict[tuple[str, int], int] = {}
        #: endpoint -> [count per bucket (last: +Inf)..., sum]
        self.latency: dict[str, list[float]] = {}

    def done(self, endpoint: str, status: int, seconds: float) -> None:
        key = (endpoint, status)
        self.requests[key] = self.requests.get(key, 0) + 1
        h = self.latency.get(endpoint)
        if h is None:
            h = self.latency[endpoint] = [0] * (len(_LATENCY_BUCKETS) + 1) + [0.0]
        h[bisect.bisect_left(_LATENCY_BUCKETS, seconds)] += 1
        h[-1] += seconds

    def collect(self):
        requests = CounterMetricFamily("antidistill_gateway_requests", "Exchanges handled", labels=["endpoint", "status"])
        for (endpoint, status), n in sorted(self.requests.items()):
            requests.add_metric([endpoint, str(status)], n)
        yield requests
        latency = HistogramMetricFamily("antidistill_gateway_request_seconds", "Time to last byte, upstream included",
                                        labels=["endpoint"])
        for endpoint, h in sorted(self.latency.items()):
            cumulative, buckets = 0, []
            for le, n in zip([*map(str, _LATENCY_BUCKETS), "+Inf"], h[:-1], strict=True):
                cumulative += n
                buckets.append((le, cumulative))
            latency.add_metric([endpoint], buckets, sum_value=h[-1])
        yield latency


class Metrics:
    """Prometheus metrics of one gateway process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.exchanges = _ExchangeStats()
        r.register(self.exchanges)
        self.actions = Counter("antidistill_gateway_actions", "Actions applied (dry_run=true: logged only)", ["action", "dry_run"], registry=r)
        self.upstream_errors = Counter("antidistill_gateway_upstream_errors", "Upstream failures", ["kind"], registry=r)
        self.verdicts = Gauge("antidistill_gateway_accounts", "Accounts by current verdict", ["verdict"], registry=r)
        self.redis_up = Gauge("antidistill_gateway_redis_up", "1 when shared state in Redis is reachable", registry=r)
        self.detector_ok = Gauge("antidistill_gateway_detectors_ok", "0 while the last rescoring failed", registry=r)
        self.log_lines = Gauge("antidistill_gateway_log_lines_written", "Lines made durable in the exchange log", registry=r)
        self.detection_backlog = Gauge("antidistill_gateway_detection_backlog", "Exchanges waiting for the detection worker", registry=r)
        self.done = self.exchanges.done


class Gateway:
    """State the request handlers share: config, policy, decisions, log, upstream."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.policy: Policy = load_policy(config.policy_path)
        self.actions: Actions = load_actions(self.policy)
        self.keys = load_keys(config.keys_file) if config.keys_file else {}
        if not self.keys and not config.account_header:
            raise ValueError("the gateway needs --keys FILE or --account-header NAME to know who is calling")
        self.account_header = config.account_header.lower().encode("latin-1") if config.account_header else None
        self.client_header = config.client_header.lower().encode("latin-1") if config.client_header else None
        self.metrics = Metrics()
        self.verdicts: dict[str, Verdict] = {}
        self.decisions: dict[str, Decision] = {}
        self.buckets: dict[str, TokenBucket] = {}
        #: any verdict or override for an end user of a platform account yet
        self.has_end_users = False
        self.detector_failed = False
        self.detection_info: dict[str, Any] = {}
        log_dir = Path(config.log_dir) if config.log_dir else None
        self.overrides_store = OverrideStore(config.state, log_dir)
        self.overrides: dict[str, str] = self.overrides_store.load()
        self.has_end_users = any(END_USER_SEP in k for k in self.overrides)
        # With a log, its flusher thread hands each flush's lines to detection
        # (one thread wake-up per flush for both); without one, a loop task does.
        self.log = DurableLog(log_dir, flush_ms=config.flush_ms, on_flushed=self._to_detection) if log_dir else None
        self.redis: RedisShare | None = None
        self.worker: DetectionWorker | None = None
        self.upstream: Upstream | None = None
        self.front = None  # NginxFront with --front nginx
        self._ids = itertools.count()
        self._pid = f"{os.getpid():x}"
        self._queue: list[bytes] = []
        self._tasks: list[asyncio.Task] = []
        self.started = time.time()

    # --- lifecycle ---------------------------------------------------------
    async def start(self) -> None:
        profile = None
        if self.config.accounts_file:
            from antidistill.events import read_accounts

            profile = read_accounts(self.config.accounts_file).table.to_pandas()
        redis_mode = self.config.state.startswith("redis://")
        replay = self.config.log_dir if self.config.log_dir and not redis_mode else None
        self.worker = DetectionWorker(self.policy, self._on_verdicts, mode=self.config.detection, profile=profile,
                                      replay_dir=replay, nice=self.config.detection_nice, snapshot_s=self.config.snapshot_s)
        if replay:
            # Serve only once per-account state is back: a blocked account
            # must not get a free window because the gateway restarted.
            await asyncio.to_thread(self.worker.wait_replayed)
        if self.log:
            self.log.start()
        else:
            self._tasks.append(asyncio.create_task(self._feed_detection()))
        if redis_mode:
            self.redis = RedisShare(self.config.state, on_events=self._on_shared_events, on_override=self._on_shared_override)
            await self.redis.start()
        if self.config.front == "nginx":
            from antidistill.gateway.front import NginxFront

            self.front = NginxFront(self, self.config.front_listen, self.config.app_socket, Path(self.config.front_dir),
                                    workers=self.config.front_workers, rotate_bytes=self.config.front_rotate_bytes)
            self.front.start()
        elif self.config.front:
            raise ValueError(f"unknown front {self.config.front!r} (nginx, or none)")
        if self.config.upstream:  # else embedded (the LiteLLM guardrail): LiteLLM talks to the model itself
            self.upstream = Upstream(self.config.upstream, connect_timeout_s=self.config.connect_timeout_s,
                                     read_timeout_s=self.config.read_timeout_s, max_connections=self.config.max_connections)
        # Everything loaded so far (this process imports the whole CLI: pandas,
        # ibis, scipy, ...) lives as long as the process. Frozen, the cyclic
        # garbage collector no longer walks it: a full collection took ~330 ms
        # here before, a pause in the middle of some unlucky request, and
        # takes ~0 ms after.
        gc.collect()
        gc.freeze()

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        if self.front:
            self.front.stop()  # nginx's last records become log lines
        self._flush_detection_queue()
        if self.redis:
            await self.redis.close()
        if self.upstream:
            await self.upstream.close()
        if self.log:
            self.log.close()  # its last flush hands the last lines to detection, before that stops
        if self.worker:
            self.worker.stop()

    # --- verdicts and decisions -------------------------------------------
    def _on_verdicts(self, verdicts: dict[str, Verdict], info: dict[str, Any]) -> None:
        # Runs on the worker-reader thread; dict assignments are atomic.
        self.verdicts.update(verdicts)
        was_failed, self.detector_failed = self.detector_failed, bool(info.get("error"))
        self.detection_info = info
        for acct in verdicts:
            self.decisions[acct] = decide(self.actions, self.verdicts[acct], self.overrides.get(acct), self.detector_failed)
            if not self.has_end_users and END_USER_SEP in acct:
                self.has_end_users = True
        if self.front:
            self.front.sync(None if was_failed != self.detector_failed else verdicts.keys())
        if self.detector_failed:
            log.error("detectors failed; fail mode %s", self.actions.fail_mode, extra={"attrs": {"error": info.get("error")}})

    def decision(self, account: str) -> Decision:
        override = self.overrides.get(account)
        if override:
            return decide(self.actions, self.verdicts.get(account, Verdict()), override)
        if self.detector_failed and self.actions.fail_mode == "closed":
            return decide(self.actions, self.verdicts.get(account, Verdict()), None, True)
        return self.decisions.get(account, ALLOW)

    def default_decision(self) -> Decision:
        """The decision for an account with no verdict and no override."""
        if self.detector_failed and self.actions.fail_mode == "closed":
            return decide(self.actions, Verdict(), None, True)
        return ALLOW

    def decision_for(self, account: str, user: Any) -> tuple[Decision, str]:
        """The decision for one request, with its end user's if it names one; and whose token bucket throttles it."""
        decision = self.decision(account)
        if type(user) is not str or not self.has_end_users or not self.actions.end_users:
            return decision, account
        key = end_user_key(account, user)
        combined = with_end_user(decision, self.decision(key) if key in self.decisions or key in self.overrides else None, user)
        if combined is decision or decision.enforced("throttle"):
            return combined, account
        return combined, key

    def _redecide_all(self) -> None:
        for acct, v in list(self.verdicts.items()):
            self.decisions[acct] = decide(self.actions, v, self.overrides.get(acct), self.detector_failed)
        if self.front:
            self.front.sync()

    def _on_shared_override(self, account: str, action: str | None) -> None:
        self._apply_override(account, action)

    def _apply_override(self, account: str, action: str | None) -> None:
        if action is None:
            self.overrides.pop(account, None)
        else:
            self.overrides[account] = action
            if END_USER_SEP in account:
                self.has_end_users = True
        self.decisions[account] = decide(self.actions, self.verdicts.get(account, Verdict()), self.overrides.get(account),
                                         self.detector_failed)
        if self.front:
            self.front.sync([account])  # before the admin call answers: at once

    def _on_shared_events(self, lines: list[bytes]) -> None:
        if self.worker:
            self.worker.add(lines)

    # --- exchanges ---------------------------------------------------------
    def next_request_id(self) -> str:
        # Time-ordered, so "smallest request ids" (the prompt sample) means
        # "earliest", as it does for the simulator's ids.
        return f"gw-{time.time_ns():016x}-{self._pid}-{next(self._ids):06x}"

    def record(self, event: dict[str, Any]) -> None:
        """Queue one finished exchange for the log, detection and the other instances.

        The event is serialised once, here; the log's flusher thread, the
        detection worker and the Redis publisher all take that line. With a
        log, detection gets the lines of each group commit from the flusher
        once they are durable (so detection never saw a line the log lost);
        without one, from a loop task every 20 ms.
        """
        self.record_line(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))

    def record_line(self, line: bytes) -> None:
        """:meth:`record` for an exchange already serialised as its log line."""
        if self.log:
            self.log.append_line(line)
        else:
            self._queue.append(line)
        if self.redis:
            self.redis.publish(line)

    def _to_detection(self, lines: list[bytes]) -> None:
        if self.worker:
            try:
                self.worker.add(lines)
            except (OSError, BrokenPipeError):
                log.error("detection worker unreachable; %d events not scored", len(lines))

    def _flush_detection_queue(self) -> None:
        if self._queue:
            batch, self._queue = self._queue, []
            self._to_detection(batch)

    async def _feed_detection(self) -> None:
        # Without a log: batches events to the worker every 20 ms, one pipe
        # write per batch instead of one per request.
        while True:
            await asyncio.sleep(0.02)
            self._flush_detection_queue()

    def update_gauges(self) -> None:
        """The gauges /metrics shows, read when it is scraped."""
        if self.log:
            self.metrics.log_lines.set(self.log.lines_written)
        if self.redis:
            self.metrics.redis_up.set(1 if self.redis.ok else 0)
        if self.worker:
            self.metrics.detection_backlog.set(self.worker.backlog)
        self.metrics.detector_ok.set(0 if self.detector_failed else 1)

    def identify(self, headers: dict[bytes, bytes]) -> tuple[str, str | None]:
        """(account, api key id) from a request's headers (lower-case byte names, as ASGI gives them)."""
        if self.account_header:
            acct = headers.get(self.account_header)
            if acct:
                key_id = headers.get(b"x-api-key-id")
                return acct.decode("latin-1"), key_id.decode("latin-1") if key_id else None
        auth = headers.get(b"authorization", b"")
        if auth[:7].lower() == b"bearer ":
            key = auth[7:].strip().decode("latin-1")
        else:
            key = headers.get(b"x-api-key", b"").decode("latin-1")
        found = self.keys.get(key) if key else None
        if found is None:
            raise unauthorized()
        return found

    def client_ip(self, client: tuple[str, int] | None, headers: dict[bytes, bytes]) -> str | None:
        if self.config.trust_forwarded_for:
            fwd = headers.get(b"x-forwarded-for")
            if fwd:
                return first_forwarded(fwd.decode("latin-1"))
        if self.client_header:
            peer = headers.get(self.client_header)
            if peer:
                return peer.decode("latin-1")
        return client[0] if client else None

    async def take_token(self, account: str) -> float:
        t = self.actions.throttle
        if self.redis:
            wait = await self.redis.take_token(account, t.rate_per_s, t.burst)
            if wait is not None:
                return wait
        bucket = self.buckets.get(account)
        if bucket is None or bucket.rate != t.rate_per_s or bucket.burst != t.burst:
            bucket = self.buckets[account] = TokenBucket(t.rate_per_s, t.burst)
        return bucket.take()

    def reload_policy(self) -> Policy:
        policy = load_policy(self.config.policy_path)
        actions = load_actions(policy)
        self.policy, self.actions = policy, actions
        self._redecide_all()
        if self.worker:
            self.worker.set_policy(policy)
        return policy


def _upstream_failure(gw: Gateway, exc: UpstreamError) -> Refused:
    """A slow upstream is a 504, an unreachable or broken one a 502."""
    if isinstance(exc, UpstreamTimeout):
        gw.metrics.upstream_errors.labels("timeout").inc()
        return Refused(504, "upstream_timeout", "the model server did not answer in time")
    if isinstance(exc, UpstreamBroken):
        gw.metrics.upstream_errors.labels("broken").inc()
        return Refused(502, "upstream_broken", f"the model server's answer was cut off or malformed ({exc})")
    gw.metrics.upstream_errors.labels("unreachable").inc()
    return Refused(502, "upstream_unreachable", f"the model server is unreachable ({exc})")


def _error_body(exc: Refused) -> bytes:
    return orjson.dumps(exc.body())


def _error(exc: Refused, request_id: str | None = None) -> Response:
    headers = dict(exc.headers)
    if request_id:
        headers["x-request-id"] = request_id
    return Response(_error_body(exc), status_code=exc.status, media_type="application/json", headers=headers)


class _ClientGone(Exception):
    """The client disconnected before its request body was read."""


def _check_declared_size(headers: dict[bytes, bytes], limit: int) -> None:
    """Refused(413) when the request's Content-Length is already past ``limit``."""
    declared = headers.get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large_declared(declared.decode(), limit)


# The refusals below are also what the nginx front (gateway.front) answers.
def unauthorized() -> Refused:
    return Refused(401, "invalid_api_key", "unknown or missing API key")


def too_large_declared(declared: str, limit: int) -> Refused:
    return Refused(413, "body_too_large", f"request body of {declared} bytes exceeds the limit of {limit} bytes")


def _too_large(limit: int) -> Refused:
    return Refused(413, "body_too_large", f"request body exceeds the limit of {limit} bytes")


def blocked(decision: Decision) -> Refused:
    return Refused(403, "antidistill_blocked", f"request refused: {decision.reason}",
                   extra={"verdict": decision.verdict.verdict, "tactics": list(decision.verdict.tactics),
                          "source": decision.source})


def throttled(decision: Decision, headers: dict[str, str] | None = None) -> Refused:
    return Refused(429, "antidistill_throttled", f"rate limited: {decision.reason}", headers=headers)


async def _read_body(receive, headers: dict[bytes, bytes], limit: int) -> bytes:
    _check_declared_size(headers, limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            raise _ClientGone()
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not msg.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class Channel:
    """One proxied request as the handler sees it, whatever server carries it.

    Two implementations: :class:`ASGIChannel` (any ASGI server) and the
    gateway's own HTTP/1.1 server (:mod:`antidistill.gateway.server`), which
    calls the handler directly, without ASGI messages, on its hot path.
    """

    headers: dict[bytes, bytes]  #: lower-case names
    path: str
    client: tuple[str, int] | None

    async def body(self, limit: int) -> bytes:
        """The whole request body; Refused(413) past ``limit`` bytes, _ClientGone if the client left."""
        raise NotImplementedError

    async def send_whole(self, status: int, content: bytes, ctype: bytes, extra: list[tuple[bytes, bytes]]) -> None:
        raise NotImplementedError

    async def start_stream(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        """Send the head of an answer whose body follows in :meth:`send_chunk` calls."""
        raise NotImplementedError

    async def send_chunk(self, chunk: bytes) -> None:
        raise NotImplementedError

    async def end_stream(self, ended: bool) -> None:
        """The streamed answer is over: ``ended`` normally (nothing is sent if the client left) or not (an error)."""
        raise NotImplementedError

    def gone(self) -> bool:
        """The client disconnected while its answer was streamed."""
        raise NotImplementedError


class ASGIChannel(Channel):
    """A request that came through an ASGI server."""

    __slots__ = ("_gone", "_watcher", "client", "headers", "path", "receive", "send")

    def __init__(self, scope: dict[str, Any], receive, send) -> None:
        self.headers = dict(scope["headers"])
        self.path = scope["path"]
        self.client = scope.get("client")
        self.receive, self.send = receive, send
        self._gone = False
        self._watcher: asyncio.Task | None = None

    async def body(self, limit: int) -> bytes:
        return await _read_body(self.receive, self.headers, limit)

    async def send_whole(self, status: int, content: bytes, ctype: bytes, extra: list[tuple[bytes, bytes]]) -> None:
        await _send_whole(self.send, status, content, ctype, extra)

    async def start_stream(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        async def watch() -> None:
            # Starlette's StreamingResponse does the same: a client that goes
            # away ends the relay (and the upstream connection) early.
            while True:
                msg = await self.receive()
                if msg["type"] == "http.disconnect":
                    self._gone = True
                    return

        self._watcher = asyncio.create_task(watch())
        await self.send({"type": "http.response.start", "status": status, "headers": headers})

    async def send_chunk(self, chunk: bytes) -> None:
        await self.send({"type": "http.response.body", "body": chunk, "more_body": True})

    async def end_stream(self, ended: bool) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        if ended and not self._gone:
            await self.send({"type": "http.response.body", "body": b"", "more_body": False})

    def gone(self) -> bool:
        return self._gone


def _check(endpoint: str, body: Any) -> None:
    """The log contract's own validation of a request, as a 400 naming the field."""
    if type(body) is not dict:
        raise Refused(400, "invalid_request", "request body must be a JSON object")
    try:
        flatten_request(endpoint, body)
    except BadRecord as exc:
        raise Refused(400, "invalid_request", f"{exc.field or 'request'}: {exc.reason}", extra={"param": exc.field}) from None


async def _send_whole(send, status: int, content: bytes, ctype: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", b"%d" % len(content)), *extra]})
    await send({"type": "http.response.body", "body": content})


def exchange_event(rid: str, ts: str, account: str, api_key_id: str | None, client_ip: str | None, user_agent: str | None,
                   endpoint: str, request: Any, response: Any, status: int, elapsed: float, decision_attrs: dict | None,
                   changes: list[str]) -> dict[str, Any]:
    """One exchange as its spec-format log event (``gateway``: the decision's attributes, when there was one)."""
    ev = {"request_id": rid, "ts": ts, "account_id": account}
    if api_key_id is not None:
        ev["api_key_id"] = api_key_id
    if client_ip is not None:
        ev["client_ip"] = client_ip
    if user_agent is not None:
        ev["user_agent"] = user_agent
    ev.update(endpoint=endpoint, request=request, response=response, status=status, latency_ms=round(elapsed * 1000, 3))
    if decision_attrs is not None:
        ev["gateway"] = {**decision_attrs, "changes": changes}
    return ev


class _Exchange:
    """One proxied request: what the log line needs, gathered as the request goes."""

    __slots__ = (
        "account",
        "api_key_id",
        "body",
        "decision",
        "endpoint",
        "gw",
        "headers",
        "notes",
        "client",
        "rid",
        "started",
        "ts",
        "valid",
    )

    def __init__(self, gw: Gateway, ch: Channel) -> None:
        self.gw = gw
        self.client = ch.client
        self.headers: dict[bytes, bytes] = ch.headers
        self.endpoint: str = ch.path
        self.started = time.perf_counter()
        self.rid = gw.next_request_id()
        self.ts = utc_now_rfc3339()
        self.account: str | None = None
        self.api_key_id: str | None = None
        self.body: Any = None
        self.decision = ALLOW
        self.notes: list[str] = []
        self.valid = False

    async def answer(self, ch: Channel, status: int, content: bytes, content_type: bytes,
                     extra: list[tuple[bytes, bytes]], response: Any = None) -> None:
        """Send the answer, then record the exchange (same line, latency_ms
        still the time to the answer): serialising and queueing the log line
        is not part of every answer's time. A failed send is recorded too."""
        elapsed = time.perf_counter() - self.started
        try:
            await ch.send_whole(status, content, content_type, extra)
        finally:
            self.finish(status, response, elapsed)

    def finish(self, status: int, response: Any, elapsed: float | None = None) -> None:
        """Record the exchange: metrics, and its log line (log, detection, Redis); ``elapsed``: seconds to the answer."""
        gw = self.gw
        if elapsed is None:
            elapsed = time.perf_counter() - self.started
        gw.metrics.done(self.endpoint, status, elapsed)
        # Only exchanges the contract can hold go to the exchange log and
        # to detection: a request refused before we knew who sent it, or
        # one that breaks the contract, would be a bad line for `scan`.
        # Those are counted and logged as structured records instead.
        if self.account is not None and self.valid:
            ua = self.headers.get(b"user-agent")
            d = self.decision
            gw.record(exchange_event(self.rid, self.ts, self.account, self.api_key_id, gw.client_ip(self.client, self.headers),
                                     None if ua is None else ua.decode("latin-1"), self.endpoint, self.body, response, status,
                                     elapsed, d.log_attrs if d is not ALLOW or self.notes else None, self.notes))
        elif status != 499:
            log.info("refused before logging", extra={"attrs": {"request_id": self.rid, "account_id": self.account,
                                                                 "endpoint": self.endpoint, "status": status}})


async def proxy(gw: Gateway, ch: Channel) -> None:
    """``POST /v1/chat/completions``, ``/v1/completions``, ``/v1/predict``: decide, forward, log."""
    x = _Exchange(gw, ch)
    endpoint = x.endpoint
    try:
        x.account, x.api_key_id = gw.identify(x.headers)
        raw = await ch.body(gw.actions.max_body_bytes)
        try:
            body = x.body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise Refused(400, "invalid_json", f"request body is not valid JSON: {exc}") from None
        _check(endpoint, body)
        x.valid = True
        decision, bucket = gw.decision_for(x.account, body.get("user"))
        x.decision = decision
        if decision.actions:
            for a in decision.actions:
                gw.metrics.actions.labels(a, str(decision.dry_run).lower()).inc()
            log.info("decision", extra={"attrs": {"request_id": x.rid, "account_id": x.account, **decision.log_attrs}})
            if decision.blocks:
                raise blocked(decision)
            if decision.enforced("throttle"):
                wait = await gw.take_token(bucket)
                if wait > 0:
                    raise throttled(decision, {"retry-after": str(max(1, int(wait + 0.999)))})
        # identity: SSE bytes are relayed raw, so they must not be compressed
        headers = {"content-type": "application/json", "accept-encoding": "identity"}
        if gw.config.upstream_key:
            headers["authorization"] = f"Bearer {gw.config.upstream_key}"
        payload = raw
        degrade = decision.enforced("degrade")
        if degrade:
            upstream_body = orjson.loads(raw)  # a copy: the log keeps what the client sent
            x.notes.extend(degrade_request(endpoint, upstream_body, gw.actions.degrade))
            payload = orjson.dumps(upstream_body)
        if decision.enforced("watermark"):
            wm = gw.actions.watermark
            if wm.upstream_header:
                headers[wm.upstream_header] = wm.key_id
                x.notes.append("watermark requested")
            else:
                x.notes.append("watermark unsupported by upstream")
        if body.get("stream") is True and endpoint != "/v1/predict":
            return await _stream(gw, x, payload, headers, ch)
        try:
            status, up_headers, content = await gw.upstream.request("POST", endpoint, payload, headers)
        except UpstreamError as exc:
            raise _upstream_failure(gw, exc) from None
        try:
            resp_obj = orjson.loads(content) if content else None
        except orjson.JSONDecodeError:
            resp_obj = None
        if status >= 500:
            gw.metrics.upstream_errors.labels(f"status_{status}").inc()
        if status < 400 and type(resp_obj) is not dict:
            gw.metrics.upstream_errors.labels("bad_body").inc()
            raise Refused(502, "upstream_bad_response", "the model server answered with something that is not a JSON object")
        if degrade and type(resp_obj) is dict and status < 400:
            changed = degrade_response(endpoint, resp_obj, gw.actions.degrade)
            if changed:
                x.notes.extend(changed)
                content = orjson.dumps(resp_obj)
        extra = [(b"x-request-id", x.rid.encode())]
        if x.notes:
            extra.append((b"x-antidistill-actions", ",".join(sorted(decision.actions)).encode()))
        await x.answer(ch, status, content, header(up_headers, b"content-type", _JSON), extra,
                       resp_obj if type(resp_obj) is dict else None)
    except Refused as exc:
        extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in exc.headers.items()]
        await x.answer(ch, exc.status, _error_body(exc), _JSON, [(b"x-request-id", x.rid.encode()), *extra])
    except _ClientGone:
        x.finish(499, None)


async def _stream(gw: Gateway, x: _Exchange, payload: bytes, headers: dict[str, str], ch: Channel) -> None:
    """Relay an SSE answer chunk by chunk, exactly as it comes; log it reassembled."""
    try:
        up = await gw.upstream.stream("POST", x.endpoint, payload, headers)
    except UpstreamError as exc:
        raise _upstream_failure(gw, exc) from None
    if up.status >= 400:
        try:
            content = await up.read()
        except UpstreamError as exc:
            raise _upstream_failure(gw, exc) from None
        finally:
            up.release()
        try:
            obj = orjson.loads(content)
        except orjson.JSONDecodeError:
            obj = None
        x.finish(up.status, obj if type(obj) is dict else None)
        await ch.send_whole(up.status, content, (up.header("content-type") or "application/json").encode("latin-1"),
                            [(b"x-request-id", x.rid.encode())])
        return
    assembler = _SSEAssembler(x.endpoint)
    out_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in up.headers if k not in _HOP_HEADERS]
    if not any(k == b"content-type" for k, _ in out_headers):
        out_headers.append((b"content-type", b"text/event-stream"))
    out_headers.append((b"x-request-id", x.rid.encode()))
    status = up.status
    ended = False
    try:
        await ch.start_stream(up.status, out_headers)
        # Bytes go out exactly as they came in; the assembler only reads them.
        async for chunk in up.iter_chunks():
            assembler.feed(chunk)
            await ch.send_chunk(chunk)
            if ch.gone():
                break
        ended = True
    except UpstreamError:
        gw.metrics.upstream_errors.labels("stream_broken").inc()
        status = 502
        ended = True
    finally:
        up.release()
        x.finish(status, assembler.body())
        await ch.end_stream(ended)


class _SSEAssembler:
    """Rebuilds a chat/completions response body from its SSE chunks, for the log."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.buf = b""
        self.choices: dict[int, dict[str, Any]] = {}
        self.meta: dict[str, Any] = {}
        self.usage = None

    def feed(self, chunk: bytes) -> None:
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.strip()
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]" or not data:
                continue
            try:
                obj = orjson.loads(data)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(obj, dict):
                continue
            for k in ("id", "object", "created", "model"):
                if k in obj:
                    self.meta[k] = obj[k]
            if obj.get("usage"):
                self.usage = obj["usage"]
            for ch in obj.get("choices") or []:
                if not isinstance(ch, dict):
                    continue
                idx = ch.get("index", 0) if isinstance(ch.get("index", 0), int) else 0
                acc = self.choices.setdefault(idx, {"index": idx, "text": [], "role": "assistant", "finish_reason": None,
                                                     "logprobs": []})
                delta = ch.get("delta") if self.endpoint == "/v1/chat/completions" else ch
                if isinstance(delta, dict):
                    piece = delta.get("content") if self.endpoint == "/v1/chat/completions" else delta.get("text")
                    if isinstance(piece, str):
                        acc["text"].append(piece)
                    if isinstance(delta.get("role"), str):
                        acc["role"] = delta["role"]
                if ch.get("finish_reason"):
                    acc["finish_reason"] = ch["finish_reason"]
                lp = ch.get("logprobs")
                if isinstance(lp, dict) and isinstance(lp.get("content"), list):
                    acc["logprobs"].extend(lp["content"])

    def body(self) -> dict[str, Any]:
        choices = []
        for idx in sorted(self.choices):
            c = self.choices[idx]
            lp = {"content": c["logprobs"]} if c["logprobs"] else None
            if self.endpoint == "/v1/chat/completions":
                choices.append({"index": idx, "message": {"role": c["role"], "content": "".join(c["text"])},
                                "finish_reason": c["finish_reason"], "logprobs": lp})
            else:
                choices.append({"index": idx, "text": "".join(c["text"]), "finish_reason": c["finish_reason"], "logprobs": lp})
        out = {**self.meta, "choices": choices}
        if "object" in out:  # the assembled body is a whole completion, not a chunk
            out["object"] = "chat.completion" if self.endpoint == "/v1/chat/completions" else "text_completion"
        if self.usage:
            out["usage"] = self.usage
        return out



class GatewayApp:
    """The ASGI app: proxied endpoints on the raw handler, everything else on Starlette."""

    def __init__(self, gw: Gateway, rest: Starlette) -> None:
        self.gateway = gw
        self.rest = rest
        self.state = rest.state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] in PROXIED:
            if scope["method"] == "POST":
                return await proxy(self.gateway, ASGIChannel(scope, receive, send))
            exc = Refused(405, "method_not_allowed", f"{scope['path']} takes POST")
            return await _send_whole(send, 405, _error_body(exc), _JSON, [(b"allow", b"POST")])
        return await self.rest(scope, receive, send)


def build_app(config: GatewayConfig) -> GatewayApp:
    gw = Gateway(config)

    def headers_of(request: Request) -> dict[bytes, bytes]:
        return dict(request.scope["headers"])

    async def models(request: Request) -> Response:
        try:
            gw.identify(headers_of(request))
            try:
                status, up_headers, content = await gw.upstream.request("GET", "/v1/models")
            except UpstreamError as exc:
                raise _upstream_failure(gw, exc) from None
        except Refused as exc:
            return _error(exc)
        return Response(content, status_code=status, media_type=(header(up_headers, b"content-type", _JSON)).decode("latin-1"))

    async def health(request: Request) -> Response:
        worker_ok = gw.worker is not None and gw.worker.alive()
        redis_ok = gw.redis.ok if gw.redis else None
        status = "ok" if worker_ok and (redis_ok is not False) and not gw.detector_failed else "degraded"
        body = {"status": status, "detection_worker": worker_ok, "detectors_ok": not gw.detector_failed,
                "detection_backlog": gw.worker.backlog if gw.worker else None,
                "redis": None if gw.redis is None else {"ok": redis_ok, "error": gw.redis.last_error,
                                                        "queued_events": len(gw.redis.outbox), "instance": gw.redis.instance},
                "log": None if gw.log is None else {"lines_written": gw.log.lines_written, "flush_ms": gw.config.flush_ms},
                "accounts_scored": len(gw.verdicts), "policy": gw.policy.source, "mode": gw.actions.mode,
                "front": gw.front.health() if gw.front else None}
        return Response(orjson.dumps(body), status_code=200 if worker_ok else 503, media_type="application/json")

    async def metrics(request: Request) -> Response:
        counts: dict[str, int] = {"benign": 0, "suspicious": 0, "malicious": 0}
        for acct, v in list(gw.verdicts.items()):
            if END_USER_SEP not in acct:  # accounts, not end users of platforms
                counts[v.verdict] = counts.get(v.verdict, 0) + 1
        for k, n in counts.items():
            gw.metrics.verdicts.labels(k).set(n)
        gw.update_gauges()
        return Response(generate_latest(gw.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    def admin(handler):
        async def wrapped(request: Request) -> Response:
            token = gw.config.admin_token
            auth = request.headers.get("authorization", "")
            given = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
            if not token or not hmac.compare_digest(given.encode(), token.encode()):
                return _error(Refused(401, "admin_unauthorized", "admin API needs the admin token" if token else "admin API disabled (no --admin-token)"))
            try:
                return await handler(request)
            except Refused as exc:
                return _error(exc)
        return wrapped

    def verdict_entry(key: str, v: Verdict) -> dict[str, Any]:
        return {**v.to_dict(), "actions": sorted(gw.decision(key).actions)}

    async def admin_verdicts(request: Request) -> Response:
        """Every account's verdict; end users of platform accounts under their account's ``end_users``."""
        only = request.query_params.get("verdict")
        out: dict[str, dict[str, Any]] = {}
        users: dict[str, dict[str, Any]] = {}
        for key, v in sorted(gw.verdicts.items()):
            if only and v.verdict != only:
                continue
            acct, user = split_end_user_key(key)
            if user is None:
                out[acct] = verdict_entry(key, v)
            else:
                users.setdefault(acct, {})[user] = verdict_entry(key, v)
        for acct, per_user in users.items():
            out.setdefault(acct, {})["end_users"] = per_user
        return Response(orjson.dumps({"accounts": out, "detection": gw.detection_info}), media_type="application/json")

    async def admin_account(request: Request) -> Response:
        acct = request.path_params["account"]
        d = gw.decision(acct)
        v = gw.verdicts.get(acct)
        prefix = acct + END_USER_SEP
        users = {key[len(prefix):]: {**verdict_entry(key, uv), "override": gw.overrides.get(key)}
                 for key, uv in sorted(gw.verdicts.items()) if key.startswith(prefix)}
        return Response(orjson.dumps({"account_id": acct, "verdict": v.to_dict() if v else None, "override": gw.overrides.get(acct),
                                      "actions": sorted(d.actions), "reason": d.reason, "dry_run": d.dry_run,
                                      "end_users": users}),
                        media_type="application/json")

    async def admin_overrides(request: Request) -> Response:
        if request.method == "GET":
            return Response(orjson.dumps(gw.overrides), media_type="application/json")
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise Refused(400, "invalid_json", "body must be JSON: {\"account_id\": ..., \"action\": \"allow\"|\"deny\"|null}") from None
        if not isinstance(body, dict):
            body = {}
        acct, action, user = body.get("account_id"), body.get("action"), body.get("end_user")
        if (not isinstance(acct, str) or not acct or END_USER_SEP in acct or action not in ("allow", "deny", None)
                or not (user is None or isinstance(user, str) and user)):
            raise Refused(400, "invalid_override", "need account_id (string), action: allow, deny or null (remove), "
                                                   "and optionally end_user (string: only that end user of the account)")
        key = acct if user is None else end_user_key(acct, user)
        gw._apply_override(key, action)
        gw.overrides_store.save(gw.overrides)
        shared = False
        if gw.redis:
            try:
                await gw.redis.set_override(key, action)
                shared = True
            except Exception as exc:  # noqa: BLE001 - applied locally; say it did not reach the others
                log.error("override not shared: redis unreachable", extra={"attrs": {"error": str(exc)}})
        log.warning("admin override", extra={"attrs": {"account_id": acct, "end_user": user, "override": action, "shared": shared}})
        return Response(orjson.dumps({"account_id": acct, "end_user": user, "action": action, "shared": shared}),
                        media_type="application/json")

    async def admin_reload(request: Request) -> Response:
        try:
            policy = gw.reload_policy()
        except PolicyError as exc:
            raise Refused(400, "policy_invalid", str(exc)) from None
        log.warning("policy reloaded", extra={"attrs": {"policy": policy.source, "mode": gw.actions.mode}})
        return Response(orjson.dumps({"policy": policy.source, "mode": gw.actions.mode}), media_type="application/json")

    async def admin_rescore(request: Request) -> Response:
        done = await asyncio.to_thread(gw.worker.rescore)
        return Response(orjson.dumps({"done": done, "detection": gw.detection_info}), media_type="application/json",
                        status_code=200 if done else 504)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await gw.start()
        try:
            yield
        finally:
            await gw.stop()

    routes = [
        Route("/v1/models", models, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/admin/verdicts", admin(admin_verdicts), methods=["GET"]),
        Route("/admin/accounts/{account:path}", admin(admin_account), methods=["GET"]),
        Route("/admin/overrides", admin(admin_overrides), methods=["GET", "POST"]),
        Route("/admin/reload", admin(admin_reload), methods=["POST"]),
        Route("/admin/rescore", admin(admin_rescore), methods=["POST"]),
    ]
    rest = Starlette(routes=routes, lifespan=lifespan)
    rest.state.gateway = gw
    return GatewayApp(gw, rest)
