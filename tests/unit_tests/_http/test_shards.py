"""Which shard an admitted request goes through: idle shard 0 first, then the least loaded, new ones on demand.

Threads pick one at a time (`ThreadShards` holds its lock for a pick): the last test interleaves picks on purpose.
"""

from __future__ import annotations

import sys
import threading

import pytest

from langchain_toiotech._http import shards as http_shards
from langchain_toiotech.errors import APITimeoutError
from tests._support.shards import aadmitted, admitted


class Opened:
    """A shard factory that numbers the shards it opens."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count - 1


def test_one_at_a_time_calls_stay_on_shard_0() -> None:
    shards = http_shards.Shards(Opened(), slots=10, per_shard=2)
    for _ in range(5):
        index = shards.take()
        assert index == 0
        shards.give_back(index)
    assert shards.clients == [0]  # a pool that never has more than a shard's worth in flight opens one


def test_a_shard_opens_only_when_every_open_one_is_full_and_load_then_spreads() -> None:
    opened = Opened()
    shards = http_shards.Shards(opened, slots=6, per_shard=2)
    assert [shards.take() for _ in range(6)] == [0, 0, 1, 1, 2, 2]
    assert opened.count == 3
    shards.give_back(1)
    shards.give_back(0)
    assert shards.take() == 0  # ties go to the lowest index
    assert shards.take() == 1
    assert shards.loads == [2, 2, 2]


def test_after_a_burst_an_idle_shard_0_takes_the_next_call() -> None:
    shards = http_shards.Shards(Opened(), slots=6, per_shard=2)
    taken = [shards.take() for _ in range(6)]
    for index in taken:
        shards.give_back(index)
    assert shards.take() == 0


def test_a_sealed_pool_opens_no_more_shards() -> None:
    opened = Opened()
    shards = http_shards.Shards(opened, slots=4, per_shard=2)
    assert shards.seal() == [0]
    assert [shards.take() for _ in range(3)] == [0, 0, 0]
    assert opened.count == 1


async def test_the_task_gate_admits_slots_in_flight_over_the_shards() -> None:
    shards = http_shards.TaskShards(Opened(), 4, 2)
    async with aadmitted(shards, 1.0) as first, aadmitted(shards, 1.0) as second, aadmitted(shards, 1.0) as third:
        assert (first, second, third) == (0, 0, 1)
        async with aadmitted(shards, 1.0):
            with pytest.raises(APITimeoutError, match="one of the 4 pooled connections"):
                async with aadmitted(shards, 0.01):
                    pytest.fail("admitted a fifth request")
    assert shards.loads == [0, 0]
    assert shards.gate._free == 4


def test_the_thread_gate_gives_back_its_shard() -> None:
    shards = http_shards.ThreadShards(Opened(), 4, 2)
    with admitted(shards, 1.0) as first, admitted(shards, 1.0) as second, admitted(shards, 1.0) as third:
        assert (first, second, third) == (0, 0, 1)
    assert shards.loads == [0, 0]


SLOTS = 8
PER_SHARD = 2
THREADS = 12  # more threads than places: some always wait at the gate
ADMITS = 150 * SLOTS  # in all, a whole number of full pools (see `hammer`)
WAIT = 10.0  # seconds any one wait may take at most (a bound for a broken run, never an expectation)


class Contention:
    """Who is in the middle of a pick: threads opening a shard, threads waiting for the shards' lock."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.opening = 0
        self.waiting = 0


class ObservedLock:
    """The shards' lock, counting the threads that have to wait for it."""

    def __init__(self, contention: Contention) -> None:
        self._lock = threading.Lock()
        self._contention = contention

    def __enter__(self) -> None:
        if self._lock.acquire(blocking=False):
            return
        with self._contention.changed:
            self._contention.waiting += 1
            self._contention.changed.notify_all()
        self._lock.acquire()
        with self._contention.changed:
            self._contention.waiting -= 1

    def __exit__(self, *_: object) -> None:
        self._lock.release()


class MidPickOpened(Opened):
    """A shard factory that holds its pick open until another thread comes to pick, and notes needless openings.

    Opening a shard is the one call inside a pick. It returns only once another thread waits for the lock (the
    pick is serialised) or is opening a shard too (it is not: that thread saw every shard full, the new one not
    listed yet, and opens one more). Some thread always comes while the pool is not yet full (`hammer`), so an
    unlocked pick is interleaved on every run, not only when the scheduler happens to switch there.
    """

    def __init__(self, contention: Contention) -> None:
        super().__init__()
        self.contention = contention
        self.shards: http_shards.ThreadShards[int] | None = None
        self.needless: list[list[int]] = []  # the loads seen at an opening where not every shard was full
        self.alone = 0  # openings that no other thread came to (none should be)

    def __call__(self) -> int:
        if self.shards is None:  # shard 0, opened by the constructor
            return super().__call__()
        loads = list(self.shards.loads)
        if any(load < PER_SHARD for load in loads):
            self.needless.append(loads)
        contention = self.contention
        with contention.changed:
            contention.opening += 1
            contention.changed.notify_all()
            if not contention.changed.wait_for(lambda: contention.waiting or contention.opening > 1, WAIT):
                self.alone += 1
            contention.opening -= 1
        return super().__call__()


def hammer(
    shards: http_shards.ThreadShards[int], tickets: threading.Semaphore, full: threading.Barrier, over: list[int]
) -> None:
    """Admit, check the shard's load, wait until the whole pool is admitted, leave; while tickets are left.

    Only admitted threads wait at `full`, which has `SLOTS` parties: each time it opens, exactly SLOTS requests
    are in flight, the peak, which needs SLOTS / PER_SHARD shards. A thread holds one ticket at a time, so the
    last SLOTS tickets are held by SLOTS threads and the last pool fills too.
    """
    while tickets.acquire(blocking=False):
        index = shards.admit(WAIT)
        try:
            if (load := shards.loads[index]) > PER_SHARD:
                over.append(load)
            full.wait(WAIT)
        finally:
            shards.leave(index)


def test_thread_shards_serialise_picks_under_their_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    contention = Contention()
    opened = MidPickOpened(contention)
    shards = http_shards.ThreadShards(opened, SLOTS, PER_SHARD)
    opened.shards = shards
    monkeypatch.setattr(shards, "_lock", ObservedLock(contention))
    at_peak: list[list[int]] = []
    tickets = threading.Semaphore(ADMITS)
    full = threading.Barrier(SLOTS, action=lambda: at_peak.append(list(shards.loads)))
    over: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            hammer(shards, tickets, full, over)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread below
            errors.append(error)
            full.abort()  # wake the others: a broken run ends at once instead of waiting out every bound

    threads = [threading.Thread(target=run, daemon=True) for _ in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can: races show up, if any
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT * 6)
    finally:
        sys.setswitchinterval(interval)
    assert not [thread for thread in threads if thread.is_alive()]
    # What an interleaved pick breaks first, meaningful even if it then broke the run.
    assert over == []  # no shard ever held more than PER_SHARD
    assert opened.needless == []  # a shard opened only when every open one was full
    assert opened.count <= SLOTS // PER_SHARD  # never more shards than the peak needs
    assert opened.alone == 0
    assert errors == []
    assert len(at_peak) == ADMITS // SLOTS
    assert all(loads == [PER_SHARD] * (SLOTS // PER_SHARD) for loads in at_peak)  # nothing lost or doubled
    assert opened.count == len(shards.clients) == SLOTS // PER_SHARD  # what the peak needed, no more
    assert shards.loads == [0] * (SLOTS // PER_SHARD)
    assert shards.gate._free == SLOTS
    assert not shards.gate._waiters
