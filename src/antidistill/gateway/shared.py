"""Where gateway state lives beyond one process: memory, SQLite or Redis.

* ``memory`` - nothing is shared; admin overrides are kept in
  ``overrides.json`` in the log directory (when there is one), and per-account
  detection state is rebuilt on restart by replaying the durable log.
* ``sqlite:PATH`` - one instance, overrides in a SQLite table; detection state
  is rebuilt from the durable log on restart, as with memory.
* ``redis://HOST:PORT`` - several instances share everything: every exchange
  is appended to a Redis stream (``antidistill:events``) that each instance's
  detection worker reads, so all of them hold the same per-account state and
  reach the same verdicts; overrides live in a hash and are announced on a
  control stream, so one admin call reaches every instance; throttling uses
  one token bucket per account in Redis (a Lua script: atomic), so the rate
  is per account, not per instance.

If Redis goes away the gateway keeps serving: throttling falls back to local
buckets, exchanges queue locally (bounded), ``/healthz`` and the log say it is
degraded; when Redis is back the queue is published and the stream read on
from where this instance left it, so every instance again sees every event.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("antidistill.gateway.shared")

EVENTS_STREAM = "antidistill:events"
CONTROL_STREAM = "antidistill:control"
OVERRIDES_HASH = "antidistill:overrides"
BUCKET_PREFIX = "antidistill:tb:"
#: Events kept locally while Redis is unreachable.
BACKLOG_CAP = 1_000_000

# Atomic token bucket: KEYS[1] hash {tokens, stamp}; ARGV rate, burst, now.
# Returns 0 when a token was taken, else milliseconds until one is available.
_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(v[1])
local stamp = tonumber(v[2])
if tokens == nil then tokens = burst; stamp = now end
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate * 1000) end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'stamp', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 60000)
return wait
"""


class OverrideStore:
    """Admin overrides (account -> allow | deny) kept in memory, a file or SQLite."""

    def __init__(self, spec: str, log_dir: Path | None) -> None:
        self.db: sqlite3.Connection | None = None
        self.path: Path | None = None
        if spec.startswith("sqlite:"):
            self.db = sqlite3.connect(spec.removeprefix("sqlite:"), check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS overrides (account_id TEXT PRIMARY KEY, action TEXT NOT NULL, ts REAL)")
        elif log_dir is not None:
            self.path = log_dir / "overrides.json"

    def load(self) -> dict[str, str]:
        if self.db is not None:
            return dict(self.db.execute("SELECT account_id, action FROM overrides").fetchall())
        if self.path is not None and self.path.exists():
            return json.loads(self.path.read_text())
        return {}

    def save(self, overrides: dict[str, str]) -> None:
        if self.db is not None:
            with self.db:
                self.db.execute("DELETE FROM overrides")
                self.db.executemany("INSERT INTO overrides VALUES (?, ?, ?)", [(a, v, time.time()) for a, v in overrides.items()])
        elif self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(overrides, sort_keys=True))
            tmp.replace(self.path)


class RedisShare:
    """Shared events, overrides and token buckets for several gateway instances."""

    def __init__(self, url: str, *, on_events: Callable[[list[bytes]], None],
                 on_override: Callable[[str, str | None], None]) -> None:
        import redis.asyncio as aioredis

        self.url = url
        self.instance = uuid.uuid4().hex[:12]
        self.client = aioredis.from_url(url, socket_timeout=2.0, socket_connect_timeout=1.0, health_check_interval=5)
        self.on_events = on_events
        self.on_override = on_override
        self.ok = False
        self.last_error: str | None = None
        self.outbox: deque[bytes] = deque(maxlen=BACKLOG_CAP)
        self.dropped = 0
        self.last_event_id = "0-0"
        self.last_control_id = "$"
        self._bucket = None
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()
        self.reconnects = 0

    async def start(self) -> None:
        """Connect, read the whole event stream (state of all instances), start the loops."""
        try:
            await self._connect()
        except Exception as exc:  # noqa: BLE001 - serve on local state and retry
            self._down(exc)
        self._tasks = [asyncio.create_task(self._publish_loop()), asyncio.create_task(self._consume_loop())]

    async def _connect(self) -> None:
        await self.client.ping()
        self._bucket = self.client.register_script(_BUCKET_LUA)
        if self.last_control_id == "$":
            last = await self.client.xrevrange(CONTROL_STREAM, count=1)
            self.last_control_id = last[0][0].decode() if last else "0-0"
        overrides = await self.client.hgetall(OVERRIDES_HASH)
        for acct, action in overrides.items():
            self.on_override(acct.decode(), action.decode())
        if not self.ok:
            log.warning("redis %s reachable: sharing state", self.url) if self.reconnects else None
        self.ok = True
        self.last_error = None

    def _down(self, exc: BaseException) -> None:
        if self.ok or self.last_error is None:
            log.error("redis %s unreachable (%s): serving on local state, %d events queued", self.url, exc, len(self.outbox))
        self.ok = False
        self.last_error = f"{type(exc).__name__}: {exc}"

    def publish(self, line: bytes) -> None:
        """Queue one exchange, already serialised (the gateway's log line), for the shared stream."""
        if len(self.outbox) == self.outbox.maxlen:
            self.dropped += 1
        self.outbox.append(line)
        if not self._wake.is_set():
            self._wake.set()

    async def _publish_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(0.002)  # group a few events per round trip
            while self.outbox:
                if not self.ok:
                    try:
                        await self._connect()
                        self.reconnects += 1
                        log.warning("redis %s back: publishing %d queued events", self.url, len(self.outbox))
                    except Exception as exc:  # noqa: BLE001
                        self._down(exc)
                        await asyncio.sleep(0.5)
                        continue
                batch = [self.outbox[i] for i in range(min(500, len(self.outbox)))]
                try:
                    pipe = self.client.pipeline(transaction=False)
                    for data in batch:
                        pipe.xadd(EVENTS_STREAM, {"i": self.instance, "e": data})
                    await pipe.execute()
                except Exception as exc:  # noqa: BLE001
                    self._down(exc)
                    await asyncio.sleep(0.5)
                    continue
                for _ in batch:
                    self.outbox.popleft()

    async def _consume_loop(self) -> None:
        while True:
            if not self.ok:
                try:
                    await self._connect()
                    self.reconnects += 1
                    self._wake.set()
                except Exception as exc:  # noqa: BLE001
                    self._down(exc)
                    await asyncio.sleep(0.5)
                    continue
            try:
                got = await self.client.xread({EVENTS_STREAM: self.last_event_id, CONTROL_STREAM: self.last_control_id},
                                              count=2000, block=200)
            except Exception as exc:  # noqa: BLE001
                self._down(exc)
                await asyncio.sleep(0.5)
                continue
            for stream, entries in got or []:
                name = stream.decode()
                if name == EVENTS_STREAM:
                    # Raw lines: the detection worker parses them, not this process.
                    lines = []
                    mine = self.instance.encode()
                    for eid, fields in entries:
                        self.last_event_id = eid.decode()
                        if fields.get(b"i", b"") != mine:
                            lines.append(fields[b"e"])
                    if lines:
                        self.on_events(lines)
                else:
                    for eid, fields in entries:
                        self.last_control_id = eid.decode()
                        if fields.get(b"i", b"").decode() != self.instance:
                            action = fields.get(b"action", b"").decode() or None
                            self.on_override(fields[b"account"].decode(), action)

    async def set_override(self, account: str, action: str | None) -> None:
        """Store an override and announce it to every instance (raises if Redis is down)."""
        pipe = self.client.pipeline(transaction=True)
        if action is None:
            pipe.hdel(OVERRIDES_HASH, account)
        else:
            pipe.hset(OVERRIDES_HASH, account, action)
        pipe.xadd(CONTROL_STREAM, {"i": self.instance, "account": account, "action": action or ""}, maxlen=10000)
        await pipe.execute()

    async def take_token(self, account: str, rate: float, burst: float) -> float | None:
        """Seconds to wait (0.0: go ahead); None when Redis cannot answer (use a local bucket)."""
        if not self.ok or self._bucket is None:
            return None
        try:
            wait_ms = await self._bucket(keys=[BUCKET_PREFIX + account], args=[rate, burst, time.time()])
        except Exception as exc:  # noqa: BLE001
            self._down(exc)
            return None
        return int(wait_ms) / 1000.0

    async def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            try:
                await t
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        # Best effort: publish what is still queued.
        if self.ok and self.outbox:
            try:
                pipe = self.client.pipeline(transaction=False)
                for data in self.outbox:
                    pipe.xadd(EVENTS_STREAM, {"i": self.instance, "e": data})
                await pipe.execute()
            except Exception:  # noqa: BLE001
                pass
        await self.client.aclose()
