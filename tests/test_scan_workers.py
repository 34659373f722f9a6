"""A scan's scoring on several processes: the same output as on one, and failures that surface."""

from __future__ import annotations

import os

import pytest

from antidistill.respond import forked, run_scan, write_scan
from antidistill.respond.forked import Forked, WorkerError

from eventfactory import mixed_scan_traffic

needs_fork = pytest.mark.skipif(not forked.can_fork(), reason="fork is POSIX only")


@needs_fork
def test_scan_output_is_the_same_for_any_number_of_workers(tmp_path, monkeypatch):
    events, accounts = mixed_scan_traffic().write(tmp_path / "in")
    children = []
    real_init = Forked.__init__

    def counting_init(self, fn, **kw):
        real_init(self, fn, **kw)
        children.append(self._proc is not None)

    monkeypatch.setattr(Forked, "__init__", counting_init)
    outputs = {}
    for workers in (1, 2):
        out = write_scan(run_scan([events], accounts=accounts, workers=workers), tmp_path / f"w{workers}")
        outputs[workers] = {name: (out / name).read_bytes() for name in ("accounts.jsonl", "campaigns.jsonl", "quarantine.jsonl")}
    # Two children with two workers (the classifier replay, the end users), none with one.
    assert children == [True, True]
    text = outputs[1]["accounts.jsonl"].decode()
    # Not vacuous: the thief is caught by the replay, the platform's end users are judged.
    assert '"account_id":"thief"' in text and "classifier-extraction" in text
    assert '"end_users"' in text
    assert outputs[1]["campaigns.jsonl"]
    assert outputs[1] == outputs[2]


@needs_fork
def test_a_forked_result_comes_back():
    job = Forked(lambda: {"pid": os.getpid(), "rows": list(range(5))})
    value = job.result()
    assert value["rows"] == [0, 1, 2, 3, 4]
    assert value["pid"] != os.getpid()


@needs_fork
def test_a_worker_exception_is_raised_in_the_caller():
    def fails():
        raise ValueError("bad feature table")

    job = Forked(fails)
    with pytest.raises(ValueError, match="bad feature table"):
        job.result()


@needs_fork
def test_an_exception_that_does_not_pickle_arrives_as_its_traceback():
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fails():
        raise Local("unpicklable")

    with pytest.raises(WorkerError, match="unpicklable"):
        Forked(fails).result()


@needs_fork
def test_a_worker_that_dies_is_reported_with_its_exit_code():
    with pytest.raises(WorkerError, match="exit code 3"):
        Forked(lambda: os._exit(3)).result()


def test_inline_runs_here_and_keeps_the_same_contract():
    assert Forked(os.getpid, inline=True).result() == os.getpid()

    def fails():
        raise KeyError("x")

    job = Forked(fails, inline=True)
    with pytest.raises(KeyError):
        job.result()


def test_a_worker_can_be_niced_and_the_caller_is_not():
    import os

    from antidistill.respond.forked import Forked, can_fork

    if not can_fork():
        pytest.skip("no fork here")
    mine = os.nice(0)
    assert Forked(lambda: os.nice(0), nice=5).result() == min(mine + 5, 19)
    assert Forked(lambda: os.nice(0)).result() == mine
    assert os.nice(0) == mine


def test_a_frozen_heap_thaws_when_its_outermost_block_ends():
    import gc

    from antidistill.respond.forked import frozen_heap

    gc.unfreeze()
    before = gc.get_threshold()
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= 50_000 and gc.get_threshold()[1:] == before[1:]
        with frozen_heap():
            pass
        assert gc.get_freeze_count() > 0, "an inner block leaves the outer one's objects frozen"
        if forked.can_fork():
            assert Forked(lambda: 1).result() == 1
            assert gc.get_freeze_count() > 0, "so does starting a worker"
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before
