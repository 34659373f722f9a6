"""The gateway's durable exchange log: append-only JSONL in the spec's format.

Every exchange becomes one line of ``events.jsonl`` as
``shared/spec/traffic-log.md`` defines it (plus an optional ``gateway``
object with the decision), so ``antidistill scan`` reads the gateway's own
log unchanged.

Durability is a group commit: lines are queued in memory and a flusher writes
them to the file and ``fsync``s it every ``flush_ms`` milliseconds. A process
killed with ``kill -9`` therefore loses at most the lines of the last
``flush_ms`` (plus the time one write + fsync takes); a machine that loses
power loses the same, because every flush ends with an fsync. Files rotate
at ``max_bytes``: ``events-<UTC start>-<seq>.jsonl``, so they sort by name
in the order they were written.

On restart :func:`read_log` replays every file in order; a line torn by a
crash (the last one, without its newline) is skipped and reported.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

PREFIX = "events-"
SUFFIX = ".jsonl"


class DurableLog:
    """Append-only, group-committed, rotating JSONL log (thread-safe)."""

    def __init__(self, directory: str | Path, *, flush_ms: float = 20.0, max_bytes: int = 256 * 1024 * 1024,
                 on_flushed: Callable[[list[bytes]], None] | None = None) -> None:
        self.dir = Path(directory)
        #: called (on the flushing thread) with the lines of each flush once they are durable, in log order
        self.on_flushed = on_flushed
        self.dir.mkdir(parents=True, exist_ok=True)
        self.flush_s = flush_ms / 1000.0
        self.max_bytes = max_bytes
        self._pending: list[bytes] = []
        self._lock = threading.Lock()
        self._io_lock = threading.Lock()
        self._seq = len(list(self.dir.glob(f"{PREFIX}*{SUFFIX}")))
        self._fd: int | None = None
        self._size = 0
        self._path: Path | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lines_written = 0
        self.last_flush_s = 0.0

    # The flusher is a thread, not an asyncio task: fsync blocks, and a thread
    # keeps it off the event loop without hopping through an executor per flush.
    def start(self) -> DurableLog:
        self._thread = threading.Thread(target=self._run, name="antidistill-log-flusher", daemon=True)
        self._thread.start()
        return self

    def append(self, event: dict[str, Any]) -> None:
        self.append_line(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))

    def append_line(self, line: bytes) -> None:
        """Queue one already serialised line (ending with a newline) for the next group commit."""
        # list.append is atomic under the GIL; the flusher swaps the list under
        # the lock, so a line is either in this flush or the next one.
        with self._lock:
            self._pending.append(line)

    def _open_next(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        self._seq += 1
        self._path = self.dir / f"{PREFIX}{stamp}-{self._seq:06d}{SUFFIX}"
        self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        self._size = 0
        # Make the new file's directory entry durable too.
        dfd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def flush(self) -> int:
        """Write and fsync everything queued; returns the number of lines."""
        # Taken under the I/O lock: two flushes at once (close, or a caller's
        # flush, beside the flusher thread) write and report in queue order.
        with self._io_lock:
            with self._lock:
                lines, self._pending = self._pending, []
            if not lines:
                return 0
            data = b"".join(lines)
            if self._fd is None or self._size + len(data) > self.max_bytes and self._size > 0:
                self._open_next()
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            os.fsync(self._fd)
            self._size += len(data)
            self.lines_written += len(lines)
            self.last_flush_s = time.time()
            if self.on_flushed is not None:
                self.on_flushed(lines)
        return len(lines)

    def _run(self) -> None:
        while not self._stop.wait(self.flush_s):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
        with self._io_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    @property
    def current_path(self) -> Path | None:
        return self._path

    @property
    def size(self) -> int:
        """Bytes written to the current file so far."""
        return self._size


def log_files(directory: str | Path) -> list[Path]:
    return sorted(Path(directory).glob(f"{PREFIX}*{SUFFIX}"))


def _complete_lines(directory: str | Path, errors: list[str] | None) -> Iterator[tuple[str, int, bytes]]:
    for path in log_files(directory):
        with open(path, "rb") as f:
            for lineno, line in enumerate(f, 1):
                if not line.endswith(b"\n"):
                    if errors is not None:
                        errors.append(f"{path.name}:{lineno}: torn last line ({len(line)} bytes) skipped")
                    continue
                yield path.name, lineno, line


def iter_lines(directory: str | Path, errors: list[str] | None = None) -> Iterator[bytes]:
    """Every complete line of the log (with its newline), oldest first; a torn last line is skipped.

    This is the log's *line sequence*: what the detection worker's snapshots
    count (``DetectionCore.lines``) and what a restart replays.
    """
    for _name, _lineno, line in _complete_lines(directory, errors):
        yield line


def read_log(directory: str | Path, errors: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every logged event, oldest first; torn or bad lines go to ``errors``."""
    for name, lineno, line in _complete_lines(directory, errors):
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            if errors is not None:
                errors.append(f"{name}:{lineno}: {exc}")


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
