"""When requests happen: the simulation clock and arrival schedules.

A schedule is four parallel numpy arrays for one caller: arrival time (epoch
ms), session id, turn within the session and whether it is the session's last
turn. People work in sessions (a conversation, a debugging spell) placed by a
daily cycle in their own time zone and a weekly cycle; scripts run flat around
the clock or in bursts. Arrays are produced once per caller, so a week of a
million requests costs a few numpy calls per caller, not a Python loop per event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

DAY_MS = 86_400_000
HOUR_MS = 3_600_000

# Hourly weights in local time.
_PROFILES = {
    # office worker / developer: morning and afternoon peaks, lunch dip
    "work": [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 7, 10, 11, 10, 7, 9, 10, 10, 9, 7, 5, 4, 3, 3, 2, 1.5],
    # hobbyist / student: afternoon and late evening
    "evening": [4, 2.5, 1.2, 0.6, 0.3, 0.3, 0.5, 1, 2, 3, 4, 5, 5, 5, 5, 6, 7, 8, 9, 10, 11, 11, 9, 6],
    # a consumer-facing service: follows its users, smooth
    "service": [2, 1.5, 1.2, 1, 1, 1.2, 2, 3.5, 5, 6.5, 7, 7, 7, 7, 7, 7, 6.8, 6.5, 6, 5.5, 5, 4.5, 3.5, 2.5],
    # a script: flat with small wobble
    "flat": [1.0] * 24,
}
# Weekly multipliers Monday..Sunday.
_WEEKLY = {
    "work": [1.1, 1.15, 1.15, 1.1, 1.0, 0.3, 0.25],
    "evening": [0.95, 0.95, 1.0, 1.0, 0.9, 1.1, 1.15],
    "service": [1.05, 1.05, 1.05, 1.05, 1.0, 0.85, 0.8],
    "flat": [1.0] * 7,
}


def profile(name: str) -> np.ndarray:
    p = np.asarray(_PROFILES[name], dtype=float)
    return p / p.sum()


@dataclass(frozen=True)
class Clock:
    start_ms: int
    days: int

    @classmethod
    def from_iso(cls, start: str, days: int) -> "Clock":
        d = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
        return cls(int(d.timestamp() * 1000), days)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.days * DAY_MS

    def dow(self, ms: int) -> int:
        return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).weekday()

    def day_index(self, ms: int) -> int:
        return (ms - self.start_ms) // DAY_MS


def iso(ms: int) -> str:
    """RFC 3339 UTC with milliseconds and ``Z``, e.g. ``2026-03-02T13:05:09.120Z``."""
    d = dt.datetime.fromtimestamp(ms // 1000, dt.timezone.utc)
    return f"{d:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


class IsoCache:
    """Fast ``iso`` for many timestamps inside the window: the date part is cached per day."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def __call__(self, ms: int) -> str:
        day, rem = divmod(ms, DAY_MS)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = dt.datetime.fromtimestamp(day * 86400, dt.timezone.utc).strftime("%Y-%m-%dT")
            self._days[day] = prefix
        s, ms_ = divmod(rem, 1000)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{prefix}{h:02d}:{m:02d}:{s:02d}.{ms_:03d}Z"


@dataclass
class Schedule:
    ts: np.ndarray  # int64 epoch ms, sorted
    sid: np.ndarray  # int64 session id, unique within the caller
    turn: np.ndarray  # int32, 0 = first request of the session
    last: np.ndarray  # bool, last request of the session

    @classmethod
    def empty(cls) -> "Schedule":
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), z.astype(np.int32), z.astype(bool))

    def __len__(self) -> int:
        return len(self.ts)


def sessions(
    g: np.random.Generator,
    clock: Clock,
    *,
    daily: float,
    tz_hours: float = 0.0,
    shape: str = "work",
    turns_mean: float = 1.0,
    max_turns: int = 30,
    gap_s: float = 60.0,
    gap_sigma: float = 0.8,
    active_days: float = 1.0,
    day_sigma: float = 0.5,
    active_from: int | None = None,
    active_to: int | None = None,
) -> Schedule:
    """Sessions placed by a daily/weekly cycle in local time, turns within sessions.

    ``daily`` is the mean number of requests on an active weekday; ``active_days``
    the chance that a given day sees any use at all; ``day_sigma`` the day-to-day
    lognormal wobble of volume.
    """
    lo = clock.start_ms if active_from is None else max(clock.start_ms, active_from)
    hi = clock.end_ms if active_to is None else min(clock.end_ms, active_to)
    if hi <= lo or daily <= 0:
        return Schedule.empty()
    tz_ms = int(tz_hours * HOUR_MS)
    # Local days that overlap the window (one extra on each side for the offset).
    first_local_mid = clock.start_ms - DAY_MS  # UTC midnight; local midnight is this minus tz
    n_days = clock.days + 2
    mids = first_local_mid + np.arange(n_days, dtype=np.int64) * DAY_MS - tz_ms
    start_dow = clock.dow(first_local_mid)
    weekly = np.asarray(_WEEKLY[shape])[(start_dow + np.arange(n_days)) % 7]
    active = g.random(n_days) < active_days
    wobble = g.lognormal(-0.5 * day_sigma**2, day_sigma, n_days)
    mean_sessions = daily / max(turns_mean, 1.0) * weekly * wobble * active
    counts = g.poisson(mean_sessions)
    total = int(counts.sum())
    if total == 0:
        return Schedule.empty()
    day_of = np.repeat(np.arange(n_days), counts)
    hours = g.choice(24, size=total, p=profile(shape))
    starts = mids[day_of] + hours * HOUR_MS + g.integers(0, HOUR_MS, size=total)
    if turns_mean > 1.0:
        n_turns = np.minimum(g.geometric(1.0 / turns_mean, size=total), max_turns)
    else:
        n_turns = np.ones(total, dtype=np.int64)
    return _expand(g, starts, n_turns, gap_s, gap_sigma, lo, hi)


def _expand(g, starts, n_turns, gap_s, gap_sigma, lo, hi) -> Schedule:
    """Turn session starts and lengths into per-request arrays, clipped to [lo, hi)."""
    total = int(n_turns.sum())
    sid = np.repeat(np.arange(len(starts), dtype=np.int64), n_turns)
    first = np.zeros(total, dtype=bool)
    offsets = np.cumsum(n_turns) - n_turns
    first[offsets] = True
    turn = np.arange(total) - np.repeat(offsets, n_turns)
    gaps = g.lognormal(np.log(gap_s * 1000.0), gap_sigma, size=total).astype(np.int64)
    gaps[first] = 0
    # cumulative gap within each session
    csum = np.cumsum(gaps)
    base = np.repeat(csum[offsets], n_turns)
    ts = np.repeat(starts, n_turns) + (csum - base)
    last = np.zeros(total, dtype=bool)
    last[offsets + n_turns - 1] = True
    keep = (ts >= lo) & (ts < hi)
    ts, sid, turn, last = ts[keep], sid[keep], turn[keep].astype(np.int32), last[keep]
    order = np.argsort(ts, kind="stable")
    return Schedule(ts[order], sid[order], turn[order], last[order])


def bursts(
    g: np.random.Generator, clock: Clock, *, starts_ms: list[int], sizes: list[int], rate_per_s: float,
    turns: int = 1, gap_s: float = 1.0,
) -> Schedule:
    """Back-to-back jobs (an eval run, a batch backfill): Poisson arrivals at a fixed rate."""
    all_starts = []
    for t0, n in zip(starts_ms, sizes):
        steps = g.exponential(1000.0 / rate_per_s, size=n).astype(np.int64)
        all_starts.append(t0 + np.cumsum(steps))
    if not all_starts:
        return Schedule.empty()
    st = np.concatenate(all_starts)
    n_turns = np.full(len(st), turns, dtype=np.int64)
    return _expand(g, st, n_turns, gap_s, 0.5, clock.start_ms, clock.end_ms)


def merge(parts: list[Schedule]) -> Schedule:
    """Union of several schedules of one caller, session ids kept distinct."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return Schedule.empty()
    ts, sid, turn, last = [], [], [], []
    off = 0
    for p in parts:
        ts.append(p.ts)
        sid.append(p.sid + off)
        off += int(p.sid.max()) + 1
        turn.append(p.turn)
        last.append(p.last)
    ts_a = np.concatenate(ts)
    order = np.argsort(ts_a, kind="stable")
    return Schedule(ts_a[order], np.concatenate(sid)[order], np.concatenate(turn)[order],
                    np.concatenate(last)[order])
