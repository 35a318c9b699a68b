"""Admission control in front of our pooled httpx clients: no more requests in flight than the shards can hold.

httpcore's pool rescans every queued request against every connection each time a request arrives or
finishes, so requests queued *inside* the pool cost O(queued x connections) per event: measured on
`astream`, 1,000 concurrent calls on a 200-connection pool took 54 s where 200 took 2.3 s. Requests that wait
here instead, on a gate sized to the connections of the pool's shards (`_http.shards`), cost nothing while they
wait, and no pool ever queues. The gates are first come, first admitted (a freed place is handed to the longest
waiter, so nobody barges in), and a waiter that is cancelled or times out takes no place and frees none.

Each pooled client owns its gate (async clients and their gates belong to one event loop). Waiting for a slot is
bounded by the request's `pool` timeout, as httpx's own wait for a connection is. No httpx types here; the errors
are our own.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections import deque
from typing import Final

from langchain_toiotech.errors import APITimeoutError

# The pooled clients spread their requests over httpcore pools of at most 200 connections each (`_http.shards`, where
# the measurement that chose 200 is), so the CPU per call stays flat however many are in flight; 1,000 at once per
# event loop (and per process for threads) is what `ChatOpenAI`'s SDK allows, so a bulk `abatch` against a slow
# model streams as many answers at once. Later calls wait here in FIFO order. A program that needs more in
# flight passes its own `http_async_client` / `http_client`, whose limits are its own and which is not gated.
MAX_POOL_CONNECTIONS: Final = 1000
"""Requests in flight (and connections) per pooled client at most; later ones wait their turn in `_http.admission`."""


def pool_connections() -> int:
    """Connections our pooled clients may open: 1,000, or half the process's open-file limit if that is lower.

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


class ThreadGate:
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


class TaskGate:
    """Async twin of `ThreadGate` for the tasks of one event loop: first come, first admitted.

    A task cancelled (or timed out) while it waits takes nothing and frees nothing; one cancelled just after a
    place was handed to it passes that place on, so no place is lost and none is created.
    """

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_acquire(self) -> bool:
        """Take a free place if one is there and nobody waits for it; False otherwise (then `acquire`)."""
        if self._free and not self._waiters:
            self._free -= 1
            return True
        return False

    async def acquire(self) -> None:
        """Take a place, waiting as long as it takes (bound the wait with `asyncio.timeout`)."""
        if self.try_acquire():
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


def pool_timeout_error(slots: int, timeout: float | None) -> APITimeoutError:
    """The error for a request that found no place among `slots` within its pool timeout."""
    return APITimeoutError(
        f"Waited {timeout:g} s for one of the {slots} pooled connections to the gateway to come free (the pool "
        "timeout): too many calls at once for the pool, or calls that never finish."
    )
