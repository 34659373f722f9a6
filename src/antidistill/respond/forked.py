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

import contextlib
import gc
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Iterator
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


#: Net new container objects between young-generation collections inside
#: :func:`frozen_heap` (CPython's default: 700).
QUIET_YOUNG_THRESHOLD = 50_000


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the objects that exist now out of the cyclic garbage collector's
    passes while the block runs (``gc.freeze``), and collect less often
    (:data:`QUIET_YOUNG_THRESHOLD`); inside another such block both hold
    until that one ends.

    A full collection walks every tracked object, and a scan's process
    holds hundreds of thousands that live to its end (imported modules,
    features): at full scale, some thirty full collections cost ~3 s,
    with the interpreter lock held, while the loader's threads ran, and
    found nothing to free. Young collections cost another ~1.4 s there:
    each one walked the lists of a prediction-API body just parsed, which
    reference counting frees a moment later anyway. Memory freed by
    reference counting is freed as ever; cyclic garbage waits until
    :data:`QUIET_YOUNG_THRESHOLD` more objects were made than freed, or,
    among frozen objects, for the block's end."""
    outer = gc.get_freeze_count() > 0
    thresholds = gc.get_threshold()
    gc.freeze()
    if not outer:
        gc.set_threshold(max(thresholds[0], QUIET_YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        if not outer:
            gc.set_threshold(*thresholds)
            gc.unfreeze()


class WorkerError(RuntimeError):
    """A forked worker failed or died; the message carries its traceback or exit code."""


def _child(fn: Callable[[], Any], send, nice: int) -> None:
    gc.enable()
    if nice:
        os.nice(nice)
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
    caller's code is the same whether or not it has a spare core. ``nice``:
    the child's niceness increment, for work whose result is wanted last,
    so that it takes the CPU others on the critical path leave.
    """

    def __init__(self, fn: Callable[[], T], *, inline: bool = False, nice: int = 0) -> None:
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
        try:
            with frozen_heap():
                self._proc = ctx.Process(target=_child, args=(fn, send, nice), daemon=True, name="antidistill-worker")
                self._proc.start()
        finally:
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
