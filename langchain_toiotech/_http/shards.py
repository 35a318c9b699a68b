"""A pooled client's requests spread over several httpx clients ("shards") of at most 200 connections each.

httpcore's pool does work proportional to the requests it holds on every request start and finish, so the CPU
per call grows once one pool holds more than about 200 (measured, see `MAX_SHARD_CONNECTIONS`). One gate admits
up to 1,000 requests per event loop (per process for threads, see `_http.admission.pool_connections`); each admitted
request is sent through the least-loaded shard, ties going to the lowest index. A one-at-a-time caller (an agent
loop, sequential invokes) therefore always lands on shard 0 and its warm keep-alive connection, and a shard is
opened only when every open one already holds 200 requests: a program that never has more than 200 in flight
opens one pool. With the gate in front, no shard ever holds more than 200, so no httpcore pool ever queues.

The shards are plain clients of the same settings; whoever owns the pool (`_http.pools`) closes them all. This
module knows no httpx types.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Final, Generic, Protocol, TypeVar

from langchain_toiotech._http.admission import TaskGate, ThreadGate, pool_timeout_error

# Measured (README "Performance", benchmarks/concurrency.py) on one pool: at 2,000 concurrent `astream` calls,
# 2.6-2.8 ms of client CPU per call with at most 128 or 200 in flight (2.4-2.7 ms at 200 calls), 2.8-3.0 ms with
# 256, 2.7-3.1 ms with 500 and 3.0-3.1 ms with 1,000 in one pool. 200 is the largest count that stayed flat.
MAX_SHARD_CONNECTIONS: Final = 200
"""Requests in flight (and connections) per httpcore pool at most."""

ClientT = TypeVar("ClientT")


class _Gate(Protocol):
    """The gate in front of a pool (`_http.admission`): all the shards need of it is giving a place back."""

    def release(self) -> None: ...


class Shards(Generic[ClientT]):
    """Up to `slots` requests in flight, spread over shards of at most `per_shard` each, opened on demand.

    The gated variants below each admit through their own gate and share `_pick` and `leave`; a bare `Shards`
    (no gate) only takes and gives back.
    """

    gate: _Gate

    def __init__(self, open_shard: Callable[[], ClientT], slots: int, per_shard: int = MAX_SHARD_CONNECTIONS) -> None:
        """Open shard 0 now (the pool is built for a first request); the others when the load needs them."""
        self.slots = slots
        self.per_shard = min(per_shard, slots)
        self._open_shard = open_shard
        self.clients: list[ClientT] = [open_shard()]
        self.loads: list[int] = [0]
        self.sealed = False

    def take(self) -> int:
        """The index of the shard an admitted request goes through, counted as one more in flight on it."""
        loads = self.loads
        best = 0
        if loads[0]:  # an idle shard 0 is always the pick: sequential calls stay on its warm connection
            for index in range(1, len(loads)):
                if loads[index] < loads[best]:
                    best = index
            if loads[best] >= self.per_shard and not self.sealed:
                # Every open shard is full; the gate admits at most `slots`, so a new one is within bounds.
                best = len(loads)
                self.clients.append(self._open_shard())
                loads.append(0)
        loads[best] += 1
        return best

    def give_back(self, index: int) -> None:
        """One request fewer in flight on shard `index`."""
        self.loads[index] -= 1

    def _pick(self) -> int:
        """`take` for a request that holds a place at the gate; if the pick fails, the place is given back."""
        try:
            return self.take()
        except BaseException:
            self.gate.release()
            raise

    def leave(self, index: int) -> None:
        """One request fewer in flight on shard `index`, and its place given back."""
        try:
            self.give_back(index)
        finally:
            self.gate.release()

    def seal(self) -> list[ClientT]:
        """Open no more shards (the owner is closing them); return every shard opened."""
        self.sealed = True
        return list(self.clients)


class ThreadShards(Shards[ClientT]):
    """Shards shared by the threads of a process, behind a first-come, first-admitted thread gate."""

    gate: ThreadGate

    def __init__(self, open_shard: Callable[[], ClientT], slots: int, per_shard: int = MAX_SHARD_CONNECTIONS) -> None:
        """Build the gate and the lock that serialises picks (opening a shard included)."""
        self._lock = threading.Lock()
        self.gate = ThreadGate(slots)
        super().__init__(open_shard, slots, per_shard)

    # The lock wraps the bookkeeping itself rather than the shared `_pick` and `leave`: the task variant (one
    # thread) then pays nothing for it, and admit+leave measured as fast as with the lock written into each.
    def take(self) -> int:
        """`Shards.take` under the lock: threads must not interleave a pick (and the shard it may open)."""
        with self._lock:
            return Shards.take(self)

    def give_back(self, index: int) -> None:
        """`Shards.give_back` under the lock."""
        with self._lock:
            Shards.give_back(self, index)

    def admit(self, pool_timeout: float | None) -> int:
        """Take a place for one request and pick the shard it goes through; `leave` gives both back.

        Plain calls rather than a context manager: every sync request of the transport makes them.

        Args:
            pool_timeout: Seconds to wait for a place (the request's pool timeout); None waits as long as it takes.

        Returns:
            The index of the request's shard in `clients`.

        Raises:
            APITimeoutError: no place came free within `pool_timeout`.
        """
        if not self.gate.acquire(timeout=pool_timeout):
            raise pool_timeout_error(self.slots, pool_timeout)
        return self._pick()


class TaskShards(Shards[ClientT]):
    """Shards of one event loop's tasks, behind a first-come, first-admitted task gate (one thread: no lock)."""

    gate: TaskGate

    def __init__(self, open_shard: Callable[[], ClientT], slots: int, per_shard: int = MAX_SHARD_CONNECTIONS) -> None:
        """Build the gate."""
        self.gate = TaskGate(slots)
        super().__init__(open_shard, slots, per_shard)

    async def admit(self, pool_timeout: float | None) -> int:
        """Async twin of `ThreadShards.admit`, for the tasks of the loop that owns these shards."""
        gate = self.gate
        if not gate.try_acquire():  # a free place costs no timeout scope: the common case, and a hot path
            try:
                async with asyncio.timeout(pool_timeout):
                    await gate.acquire()
            except TimeoutError:
                raise pool_timeout_error(self.slots, pool_timeout) from None
        return self._pick()
