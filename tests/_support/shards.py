"""The gated pools' admit/leave as context managers: one place held for a test's block.

The transport calls `admit` and `leave` directly (every request makes them, and `leave` runs in its release
chain), so the package has no use for a context manager; the tests hold places in blocks, through these.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

from langchain_toiotech._http.shards import TaskShards, ThreadShards

ClientT = TypeVar("ClientT")


@contextmanager
def admitted(pool: ThreadShards[ClientT], pool_timeout: float | None) -> Iterator[ClientT]:
    """Hold a place in `pool` for the duration of the block; yield the shard the request would go through."""
    index = pool.admit(pool_timeout)
    try:
        yield pool.clients[index]
    finally:
        pool.leave(index)


@asynccontextmanager
async def aadmitted(pool: TaskShards[ClientT], pool_timeout: float | None) -> AsyncIterator[ClientT]:
    """Async twin of `admitted`."""
    index = await pool.admit(pool_timeout)
    try:
        yield pool.clients[index]
    finally:
        pool.leave(index)
