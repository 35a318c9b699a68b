"""The pooled httpx clients every transport shares, and the moments they are released.

Sync calls share one pool per process; async calls share one pool per event loop, because an async connection
belongs to the loop that opened it. A pool is one `httpx.Client` (`httpx.AsyncClient`) until more than 200
requests are in flight, then a few more of them (`_http.shards`). Each pool is released, every shard of it, when its
owner goes away:

- A loop's client is closed inside that loop, while it still runs: `asyncio.run()` (like pytest-asyncio and
  `anyio.run`) calls `loop.shutdown_asyncgens()` before closing the loop, and a small async generator started in
  the loop together with the client closes the client from its `finally`. A script that calls `asyncio.run` per
  request therefore keeps no socket per finished loop, and nothing warns about unclosed transports.
- The client of a loop closed by hand (`loop.close()` without that shutdown) can no longer be closed through its
  loop; it is dropped, and its sockets freed, when the next loop asks for a client.
- After `os.fork()`, the child forgets the pools it inherited: their idle keep-alive sockets are the parent's
  connections, and two processes reading one socket get each other's answers. The child only closes its copies
  of the descriptors and sends nothing on them, so the parent's connections stay intact.

This module knows httpx only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import ssl
import threading
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Final

import httpx

from langchain_toiotech._http.admission import pool_connections
from langchain_toiotech._http.client_pools import pools_of
from langchain_toiotech._http.deadline import install_deadline_backend
from langchain_toiotech._http.pool_guard import guard_pool
from langchain_toiotech._http.shards import MAX_SHARD_CONNECTIONS, TaskShards, ThreadShards
from langchain_toiotech._http.socket_release import close_connections_now

SyncPool = ThreadShards[httpx.Client]
AsyncPool = TaskShards[httpx.AsyncClient]

DEFAULT_TIMEOUT: Final = httpx.Timeout(600.0, connect=10.0)
# httpcore's pool scans every idle connection for each queued request (measured: 4 million is_idle() calls for
# three bursts of 64 with 100 idle sockets), so a burst over a large idle pool costs more than reconnecting.
# Twenty idle sockets per shard keep sequential and agent traffic on warm connections and bursts cheap (at
# most 100 idle in all, five shards). Calls past the connection count wait in `_http.admission`, never inside
# httpcore's pool (whose queue costs grow quadratically).
POOL_CONNECTIONS: Final = pool_connections()
"""Requests in flight per pool (over all its shards) at most."""
SHARD_CONNECTIONS: Final = min(POOL_CONNECTIONS, MAX_SHARD_CONNECTIONS)
"""Requests in flight (and connections) per shard at most."""
POOL_LIMITS: Final = httpx.Limits(max_connections=SHARD_CONNECTIONS, max_keepalive_connections=20)
"""The limits of each shard."""


def new_sync_client(tls: ssl.SSLContext) -> httpx.Client:
    """A pooled sync client with the shared limits (what each shard of the process-wide pool is)."""
    client = httpx.Client(limits=POOL_LIMITS, timeout=DEFAULT_TIMEOUT, verify=tls)
    # Sync reads can only be cut short at a call's deadline from inside the network stream (see _http.deadline).
    install_deadline_backend(client)
    # httpcore 1.0.9 can close a connection under a thread that is using it; see _http.pool_guard.
    for pool in pools_of(client):
        guard_pool(pool)
    return client


def new_async_client(tls: ssl.SSLContext) -> httpx.AsyncClient:
    """A pooled async client with the shared limits (what each shard of an event loop's pool is)."""
    return httpx.AsyncClient(limits=POOL_LIMITS, timeout=DEFAULT_TIMEOUT, verify=tls)


@dataclass(eq=False)
class _LoopPool:
    """One event loop's pool and the async generator that closes its shards when the loop shuts down."""

    pool: AsyncPool
    closer: AsyncGenerator[None, None] | None = None
    released: bool = False


class _Pools:
    """The pools of one process: built lazily, replaced wholesale in a forked child."""

    def __init__(self) -> None:
        # Serialises building: threads racing on a first call would otherwise each build (and leak) a client.
        self.lock = threading.Lock()
        self.sync: SyncPool | None = None
        self.loops: dict[asyncio.AbstractEventLoop, _LoopPool] = {}
        self._tls: ssl.SSLContext | None = None

    def tls(self) -> ssl.SSLContext:
        """The TLS context every pooled client shares (call with the lock held).

        Building one loads the CA bundle (30 ms measured), which a loop per call would otherwise pay per call.
        It is what `httpx.Client()` builds by default, `SSL_CERT_FILE` / `SSL_CERT_DIR` included.
        """
        if self._tls is None:
            self._tls = httpx.create_ssl_context()
        return self._tls

    def forget(self, loop: asyncio.AbstractEventLoop, entry: _LoopPool) -> None:
        with self.lock:
            if self.loops.get(loop) is entry:
                del self.loops[loop]


_state = _Pools()


def shared_sync_pool() -> SyncPool:
    """The process-wide pool: a thousand calls from any number of models reuse a few sockets."""
    state = _state
    pool = state.sync
    if pool is None:
        with state.lock:
            if state.sync is None:
                state.sync = ThreadShards(
                    functools.partial(new_sync_client, state.tls()), POOL_CONNECTIONS, SHARD_CONNECTIONS
                )
            pool = state.sync
    return pool


def shared_async_pool() -> AsyncPool:
    """The pool of the running event loop, built (and scheduled for release) on its first use.

    Raises:
        RuntimeError: No event loop is running in this thread.
    """
    loop = asyncio.get_running_loop()
    state = _state
    entry = state.loops.get(loop)
    if entry is None:
        entry = _open_loop_client(state, loop)
    return entry.pool


def _open_loop_client(state: _Pools, loop: asyncio.AbstractEventLoop) -> _LoopPool:
    with state.lock:
        entry = state.loops.get(loop)
        if entry is not None:  # another thread cannot run this loop, but keep the check next to the insert
            return entry
        closed = [known for known in state.loops if known.is_closed()]
        for known in closed:
            _abandon(state.loops.pop(known))
        pool = TaskShards(functools.partial(new_async_client, state.tls()), POOL_CONNECTIONS, SHARD_CONNECTIONS)
        entry = state.loops[loop] = _LoopPool(pool)
    closer = entry.closer = _close_at_loop_shutdown(state, loop, entry)
    # The first step registers the generator with the running loop (its firstiter hook) and stops at the
    # `yield`; it awaits nothing, so it completes synchronously here.
    with contextlib.suppress(StopIteration):
        closer.asend(None).send(None)
    return entry


async def _close_at_loop_shutdown(
    state: _Pools, loop: asyncio.AbstractEventLoop, entry: _LoopPool
) -> AsyncGenerator[None, None]:
    """Wait, as a suspended async generator, for the loop's `shutdown_asyncgens()`; then close every shard.

    The `finally` runs inside the loop, before `loop.close()`, so the sockets are closed the normal way.
    """
    try:
        yield
    finally:
        if not entry.released:
            entry.released = True
            state.forget(loop, entry)
            for client in entry.pool.seal():
                await client.aclose()


def _abandon(entry: _LoopPool) -> None:
    """Release the shards of a loop that cannot run again (closed by hand, or the parent's after a fork)."""
    entry.released = True
    if entry.closer is not None:
        # Finish the generator without its loop: with `released` set its `finally` awaits nothing, and a
        # finished generator is never handed back to the dead loop's finalizer.
        with contextlib.suppress(StopIteration):
            entry.closer.aclose().send(None)
    for client in entry.pool.seal():
        close_connections_now(client)


def _forget_inherited_pools() -> None:
    """In a forked child: start from empty pools; close (never use) the connections the parent opened."""
    # The whole state is replaced, lock included: a parent thread may have held the old lock at the fork.
    global _state
    inherited, _state = _state, _Pools()
    if inherited.sync is not None:
        for client in inherited.sync.seal():
            close_connections_now(client)
    for entry in inherited.loops.values():
        _abandon(entry)


if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(after_in_child=_forget_inherited_pools)
