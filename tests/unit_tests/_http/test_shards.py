"""Which shard an admitted request goes through: idle shard 0 first, then the least loaded, new ones on demand."""

from __future__ import annotations

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
