"""Admission control in front of our pooled httpx clients: no more requests in flight than the pool has connections.

httpcore's pool rescans every queued request against every connection each time a request arrives or
finishes, so requests queued *inside* the pool cost O(queued x connections) per event: measured on
`astream`, 1,000 concurrent calls on a 200-connection pool took 54 s where 200 took 2.3 s. Requests that wait
here instead, on a gate sized to the pool, cost nothing while they wait, and the pool never queues. The
gates are first come, first admitted (a freed place is handed to the longest waiter, so nobody barges in), and a
waiter that is cancelled or times out takes no place and frees none.

One gate per client object, made on first use and dropped with the client (async clients and their gates
belong to one event loop). Waiting for a slot is bounded by the request's `pool` timeout, as httpx's own
wait for a connection is. No httpx types leak out; the errors are our own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import weakref
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Final

from langchain_toiotech.errors import APITimeoutError

# Measured (notes/linear.md, benchmarks/concurrency.py): httpcore's pool does work proportional to the requests
# it holds on every request start and finish, so the client's CPU per `astream` on the emulator grows with the
# number in flight. At 2,000 concurrent calls: 2.6-2.8 ms per call with at most 128 or 200 in flight (2.4-2.7 ms
# at 200 calls), 2.8-3.0 ms with 256, 2.7-3.1 ms with 500 and 3.0-3.1 ms with 1,000. 200 is the largest cap
# that stayed flat; later calls wait here in FIFO order, so N calls take about N / 200 waves. A program that
# needs more answers in flight at once (long, slow streams) passes its own `http_async_client` / `http_client`,
# whose limits are its own and which is not gated.
MAX_POOL_CONNECTIONS: Final = 200
"""Requests in flight (and connections) per pooled client at most; later ones wait their turn in `_admission`."""


def pool_connections() -> int:
    """Connections our pooled clients may open: 200, or half the process's open-file limit if that is lower.

    Every connection of an HTTP/1.1 stream is a socket, so under a low `ulimit -n` as many concurrent streams
    would fail with "Too many open files"; half the limit leaves the rest to the program.
    """
    if sys.platform == "win32":
        return MAX_POOL_CONNECTIONS
    import resource  # noqa: PLC0415 - POSIX only

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_POOL_CONNECTIONS
    return max(16, min(MAX_POOL_CONNECTIONS, soft // 2))


class _ThreadGate:
    """`slots` places taken by threads strictly in arrival order; a freed place is handed to the longest waiter.

    `threading.Semaphore` lets a newly arriving thread take a place that a release meant for a woken waiter,
    which then queues again at the back: under a steady overload one thread can wait until its pool timeout
    while later ones pass it. Here a release hands the place over directly, so nobody can barge.
    """

    def __init__(self, slots: int) -> None:
        self._lock = threading.Lock()
        self._free = slots
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self, timeout: float | None) -> bool:
        """Take a place, waiting at most `timeout` seconds (None: as long as it takes); False if none came."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            handed = threading.Lock()
            handed.acquire()
            self._waiters.append(handed)
        try:
            if handed.acquire(timeout=-1 if timeout is None else timeout):
                return True
        except BaseException:  # KeyboardInterrupt in the wait: leave no waiter behind, keep no place
            if not self._withdraw(handed):
                self.release()  # the place was handed over as the wait ended: pass it on
            raise
        # Timed out; a release may have handed the place over in the meantime, and then it is ours.
        return not self._withdraw(handed)

    def _withdraw(self, handed: threading.Lock) -> bool:
        """Leave the queue; False when a release has already handed this waiter a place."""
        with self._lock:
            try:
                self._waiters.remove(handed)
            except ValueError:
                return False
            return True

    def release(self) -> None:
        """Give the place back: to the longest waiter if there is one."""
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1


class _TaskGate:
    """Async twin of `_ThreadGate` for the tasks of one event loop: first come, first admitted.

    A task cancelled (or timed out) while it waits takes nothing and frees nothing; one cancelled just after a
    place was handed to it passes that place on, so no place is lost and none is created.
    """

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        """Take a place, waiting as long as it takes (bound the wait with `asyncio.timeout`)."""
        if self._free and not self._waiters:
            self._free -= 1
            return
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(handed)
        try:
            await handed
        except BaseException:
            if handed.done() and not handed.cancelled():
                self.release()  # handed a place as the cancellation came: pass it on
            else:
                # A release may already have dropped this cancelled waiter from the queue.
                with contextlib.suppress(ValueError):
                    self._waiters.remove(handed)
            raise

    def release(self) -> None:
        """Give the place back: to the longest waiter if there is one."""
        while self._waiters:
            handed = self._waiters.popleft()
            if not handed.done():
                handed.set_result(None)
                return
        self._free += 1


class _Gates:
    """Every pooled client's gate, by client; reset in a forked child (the lock included)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.lock = threading.Lock()
        self.sync: weakref.WeakKeyDictionary[object, _ThreadGate] = weakref.WeakKeyDictionary()
        self.async_: weakref.WeakKeyDictionary[object, _TaskGate] = weakref.WeakKeyDictionary()


_state = _Gates()


def _forget_inherited_gates() -> None:
    # A parent thread may have held the lock, or a slot, at the fork; the child's pools are new clients anyway.
    _state.reset()


if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_forget_inherited_gates)


def _pool_timeout_error(slots: int, timeout: float | None) -> APITimeoutError:
    return APITimeoutError(
        f"Waited {timeout:g} s for one of the {slots} pooled connections to the gateway to come free (the pool "
        "timeout): too many calls at once for the pool, or calls that never finish."
    )


@contextmanager
def admitted(client: object, slots: int, pool_timeout: float | None) -> Iterator[None]:
    """Hold one of `slots` places for `client`'s requests for the duration of the block.

    Args:
        client: The pooled client the request goes through (the gate is kept per client).
        slots: How many requests may be in flight on it at once: its `max_connections`.
        pool_timeout: Seconds to wait for a place (the request's pool timeout); None waits as long as it takes.

    Raises:
        APITimeoutError: no place came free within `pool_timeout`.
    """
    state = _state
    with state.lock:
        gate = state.sync.get(client)
        if gate is None:
            gate = state.sync[client] = _ThreadGate(slots)
    if not gate.acquire(timeout=pool_timeout):
        raise _pool_timeout_error(slots, pool_timeout)
    try:
        yield
    finally:
        gate.release()


@asynccontextmanager
async def aadmitted(client: object, slots: int, pool_timeout: float | None) -> AsyncIterator[None]:
    """Async twin of `admitted`, for a client of the running event loop."""
    state = _state
    with state.lock:  # the registry is shared by the event loops of every thread
        gate = state.async_.get(client)
        if gate is None:
            gate = state.async_[client] = _TaskGate(slots)
    try:
        async with asyncio.timeout(pool_timeout):
            await gate.acquire()
    except TimeoutError:
        raise _pool_timeout_error(slots, pool_timeout) from None
    try:
        yield
    finally:
        gate.release()
