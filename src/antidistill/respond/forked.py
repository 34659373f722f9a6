"""Work a scan hands to a forked child process, so that both cores are used.

After the engine has reduced the events, a scan's scoring is Python: one
core. Parts of it read only what is already in memory and write nothing
back (the classifier replay, the judging of a platform's end users), so a
forked child can compute them from the parent's memory as it is, while the
parent goes on; only the result is sent back (pickled, through a pipe).

Fork, not spawn: the child needs the features the parent holds (hundreds of
megabytes), and a fork shares them without copying or pickling. The parent's
objects are frozen out of the garbage collector's reach first
(``gc.freeze``), so that a collection in the child does not touch, and so
copy, every page of the parent's heap. Where fork is not available (not
POSIX) the work runs in the calling process, at once, as it would without
workers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class WorkerError(RuntimeError):
    """A forked worker failed or died; the message carries its traceback or exit code."""


def _child(fn: Callable[[], Any], send) -> None:
    gc.enable()
    try:
        payload = pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent
        try:
            payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that does not pickle: its text does
            payload = pickle.dumps((False, WorkerError(traceback.format_exc())))
    send.send_bytes(payload)
    send.close()


class Forked(Generic[T]):
    """``fn()`` computed in a forked child; :meth:`result` waits for it.

    With ``inline=True`` (or without fork) ``fn`` runs here and now, so the
    caller's code is the same whether or not it has a spare core.
    """

    def __init__(self, fn: Callable[[], T], *, inline: bool = False) -> None:
        self._value: tuple[bool, Any] | None = None
        self._proc = None
        if inline or not can_fork():
            try:
                self._value = (True, fn())
            except Exception as exc:  # raised from result(), as a child's would be
                self._value = (False, exc)
            return
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        gc.freeze()
        try:
            self._proc = ctx.Process(target=_child, args=(fn, send), daemon=True, name="antidistill-worker")
            self._proc.start()
        finally:
            gc.unfreeze()
            send.close()

    def result(self) -> T:
        if self._value is None:
            try:
                payload = self._recv.recv_bytes()
            except EOFError:
                self._proc.join()
                raise WorkerError(f"worker process died without an answer (exit code {self._proc.exitcode})") from None
            finally:
                self._recv.close()
            self._proc.join()
            self._value = pickle.loads(payload)
        ok, value = self._value
        if not ok:
            raise value
        return value
