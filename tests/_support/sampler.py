"""Sample some state over and over while a burst of calls runs: on each turn of the event loop, or in a thread.

Concurrency tests read peaks (connections of a pool, requests in flight, waiters at a gate) that exist only while
the calls run. A subclass says what one sample reads (`sample`); `watching_tasks` / `watching_threads` call it
until the burst is over, then once more, so the state at the end is seen too.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator


class Sampler:
    """Calls `sample` until the `with` block it watches ends (each loop is bounded by that block)."""

    def __init__(self) -> None:
        self._running = True

    def sample(self) -> None:
        """Read the state once; subclasses keep what they need (a peak, say)."""
        raise NotImplementedError

    async def _run_in_loop(self) -> None:
        while self._running:
            self.sample()
            await asyncio.sleep(0)

    @contextlib.asynccontextmanager
    async def watching_tasks(self) -> AsyncIterator[None]:
        """Sample on every turn of the running event loop, from its own thread (no lock needed)."""
        sampler = asyncio.create_task(self._run_in_loop())
        try:
            yield
        finally:
            self._running = False
            await sampler
            self.sample()

    def _run_in_thread(self) -> None:
        while self._running:
            self.sample()
            time.sleep(0)  # lets the calling threads run between samples

    @contextlib.contextmanager
    def watching_threads(self) -> Iterator[None]:
        """Sample from a thread of its own while other threads make the calls."""
        sampler = threading.Thread(target=self._run_in_thread, name="sampler")
        sampler.start()
        try:
            yield
        finally:
            self._running = False
            sampler.join()
            self.sample()
