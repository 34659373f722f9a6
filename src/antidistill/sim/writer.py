"""Write the simulation out: events in time order, streamed; accounts; labels.

Events are never all in memory: every actor's arrival times are merged into one
sorted index (a few numpy arrays), and events are generated and serialised chunk
by chunk in that order. Compression runs in a second thread (zlib releases the
GIL), overlapping with generation on the other core. The gzip header carries no
file name or time, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import gzip
import queue
import random
import threading
from pathlib import Path
from typing import Callable

import numpy as np
import orjson

from antidistill.sim.actors import Context
from antidistill.sim.infra import hex_id
from antidistill.sim.timing import IsoCache, iso
from antidistill.sim.world import Builder

CHUNK = 20_000


class _GzipSink:
    """A gzip file fed by a background thread."""

    def __init__(self, path: Path, level: int):
        self._raw = open(path, "wb")
        self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=level, mtime=0)
        self._q: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self._err: BaseException | None = None
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        try:
            while (buf := self._q.get()) is not None:
                self._gz.write(buf)
        except BaseException as e:  # surfaced in close()
            self._err = e

    def write(self, buf: bytes) -> None:
        self._q.put(buf)

    def close(self) -> None:
        self._q.put(None)
        self._t.join()
        self._gz.close()
        self._raw.close()
        if self._err:
            raise self._err


def write_events(b: Builder, ctx: Context, path: Path, *, level: int = 1,
                 progress: Callable[[int, int], None] | None = None) -> int:
    actors = b.actors
    lens = np.array([len(a.schedule) for a in actors], dtype=np.int64)
    total = int(lens.sum())
    ts = np.concatenate([a.schedule.ts for a in actors]) if actors else np.zeros(0, np.int64)
    who = np.repeat(np.arange(len(actors), dtype=np.int32), lens)
    sid = np.concatenate([a.schedule.sid for a in actors]) if actors else ts
    turn = np.concatenate([a.schedule.turn for a in actors]) if actors else ts
    last = np.concatenate([a.schedule.last for a in actors]) if actors else ts
    # Within each actor the schedule is already in time order; lexsort keeps that for ties.
    order = np.lexsort((who, ts))
    ids = random.Random(b.seed * 1_000_003 + 7)
    fmt = IsoCache()
    dumps = orjson.dumps
    sink = _GzipSink(path, level)
    done = 0
    try:
        for lo in range(0, total, CHUNK):
            sel = order[lo:lo + CHUNK]
            lines = []
            for t, w, s, k, e in zip(ts[sel].tolist(), who[sel].tolist(), sid[sel].tolist(),
                                     turn[sel].tolist(), last[sel].tolist()):
                ev = actors[w].emit(ctx, t, s, k, e)
                lines.append(dumps({"request_id": "req_" + hex_id(ids, 24), "ts": fmt(t), **ev}))
            sink.write(b"\n".join(lines) + b"\n")
            done += len(sel)
            if progress:
                progress(done, total)
    finally:
        sink.close()
    return total


def write_accounts(b: Builder, path: Path) -> list[str]:
    """One row per account that sent traffic, sorted by id so file order tells nothing."""
    seen = {}
    for a in b.actors:
        seen.setdefault(a.account.account_id, a.account)
    ids = sorted(seen)
    with open(path, "wb") as f:
        for i in ids:
            f.write(orjson.dumps(seen[i].row(iso)) + b"\n")
    return ids


def labels(b: Builder) -> dict:
    accounts: dict[str, dict] = {}
    for a in b.actors:
        aid = a.account.account_id
        row = accounts.get(aid)
        if row is None:
            row = accounts[aid] = {"label": "benign", "population": b.account_pop[aid], "campaign_id": None,
                                   "tactics": []}
        if a.end_user is not None:
            eu = row.setdefault("end_users", {})
            eu[a.end_user] = {"label": a.label, "tactics": list(a.tactics), "campaign_id": a.campaign_id}
            continue
        if a.label == "malicious":
            row.update(label="malicious", population=a.population, campaign_id=a.campaign_id, tactics=list(a.tactics))
    return {
        "seed": b.seed,
        "scale": b.scale,
        "window": {"start": iso(b.clock.start_ms), "end": iso(b.clock.end_ms)},
        "accounts": {k: accounts[k] for k in sorted(accounts)},
        "campaigns": {k: b.campaigns[k] for k in sorted(b.campaigns)},
    }
