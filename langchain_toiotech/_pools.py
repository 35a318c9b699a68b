"""The pooled httpx clients every transport shares, and the moments they are released.

Sync calls share one `httpx.Client` per process; async calls share one `httpx.AsyncClient` per event loop,
because an async connection belongs to the loop that opened it. Each pool is released when its owner goes away:

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
import os
import ssl
import threading
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Final

import httpx

from langchain_toiotech._admission import pool_connections
from langchain_toiotech._deadline import install_deadline_backend
from langchain_toiotech._socket_release import close_connections_now

DEFAULT_TIMEOUT: Final = httpx.Timeout(600.0, connect=10.0)
# httpcore's pool scans every idle connection for each queued request (measured: 4 million is_idle() calls for
# three bursts of 64 with 100 idle sockets), so a burst over a large idle pool costs more than reconnecting.
# Twenty idle sockets keep sequential and agent traffic on warm connections and bursts cheap. Calls past the
# connection count wait in `_admission`, never inside httpcore's pool (whose queue costs grow quadratically).
POOL_CONNECTIONS: Final = pool_connections()
POOL_LIMITS: Final = httpx.Limits(max_connections=POOL_CONNECTIONS, max_keepalive_connections=20)


def new_sync_client(tls: ssl.SSLContext) -> httpx.Client:
    """A pooled sync client with the shared limits (what the process-wide pool is made of)."""
    client = httpx.Client(limits=POOL_LIMITS, timeout=DEFAULT_TIMEOUT, verify=tls)
    # Sync reads can only be cut short at a call's deadline from inside the network stream (see _deadline).
    install_deadline_backend(client)
    return client


def new_async_client(tls: ssl.SSLContext) -> httpx.AsyncClient:
    """A pooled async client with the shared limits (what each event loop's pool is made of)."""
    return httpx.AsyncClient(limits=POOL_LIMITS, timeout=DEFAULT_TIMEOUT, verify=tls)


@dataclass(eq=False)
class _LoopClient:
    """One event loop's client and the async generator that closes it when the loop shuts down."""

    client: httpx.AsyncClient
    closer: AsyncGenerator[None, None] | None = None
    released: bool = False


class _Pools:
    """The pools of one process: built lazily, replaced wholesale in a forked child."""

    def __init__(self) -> None:
        # Serialises building: threads racing on a first call would otherwise each build (and leak) a client.
        self.lock = threading.Lock()
        self.sync: httpx.Client | None = None
        self.loops: dict[asyncio.AbstractEventLoop, _LoopClient] = {}
        self._tls: ssl.SSLContext | None = None

    def tls(self) -> ssl.SSLContext:
        """The TLS context every pooled client shares (call with the lock held).

        Building one loads the CA bundle (30 ms measured), which a loop per call would otherwise pay per call.
        It is what `httpx.Client()` builds by default, `SSL_CERT_FILE` / `SSL_CERT_DIR` included.
        """
        if self._tls is None:
            self._tls = httpx.create_ssl_context()
        return self._tls

    def forget(self, loop: asyncio.AbstractEventLoop, entry: _LoopClient) -> None:
        with self.lock:
            if self.loops.get(loop) is entry:
                del self.loops[loop]


_state = _Pools()


def shared_sync_client() -> httpx.Client:
    """The process-wide pooled client: a thousand calls from any number of models reuse a few sockets."""
    state = _state
    client = state.sync
    if client is None:
        with state.lock:
            if state.sync is None:
                state.sync = new_sync_client(state.tls())
            client = state.sync
    return client


def shared_async_client() -> httpx.AsyncClient:
    """The pooled client of the running event loop, built (and scheduled for release) on its first use.

    Raises:
        RuntimeError: No event loop is running in this thread.
    """
    loop = asyncio.get_running_loop()
    state = _state
    entry = state.loops.get(loop)
    if entry is None:
        entry = _open_loop_client(state, loop)
    return entry.client


def _open_loop_client(state: _Pools, loop: asyncio.AbstractEventLoop) -> _LoopClient:
    with state.lock:
        entry = state.loops.get(loop)
        if entry is not None:  # another thread cannot run this loop, but keep the check next to the insert
            return entry
        closed = [known for known in state.loops if known.is_closed()]
        for known in closed:
            _abandon(state.loops.pop(known))
        entry = state.loops[loop] = _LoopClient(new_async_client(state.tls()))
    closer = entry.closer = _close_at_loop_shutdown(state, loop, entry)
    # The first step registers the generator with the running loop (its firstiter hook) and stops at the
    # `yield`; it awaits nothing, so it completes synchronously here.
    with contextlib.suppress(StopIteration):
        closer.asend(None).send(None)
    return entry


async def _close_at_loop_shutdown(
    state: _Pools, loop: asyncio.AbstractEventLoop, entry: _LoopClient
) -> AsyncGenerator[None, None]:
    """Wait, as a suspended async generator, for the loop's `shutdown_asyncgens()`; then close the client.

    The `finally` runs inside the loop, before `loop.close()`, so the sockets are closed the normal way.
    """
    try:
        yield
    finally:
        if not entry.released:
            entry.released = True
            state.forget(loop, entry)
            await entry.client.aclose()


def _abandon(entry: _LoopClient) -> None:
    """Release the client of a loop that cannot run again (closed by hand, or the parent's after a fork)."""
    entry.released = True
    if entry.closer is not None:
        # Finish the generator without its loop: with `released` set its `finally` awaits nothing, and a
        # finished generator is never handed back to the dead loop's finalizer.
        with contextlib.suppress(StopIteration):
            entry.closer.aclose().send(None)
    close_connections_now(entry.client)


def _forget_inherited_pools() -> None:
    """In a forked child: start from empty pools; close (never use) the connections the parent opened."""
    # The whole state is replaced, lock included: a parent thread may have held the old lock at the fork.
    global _state
    inherited, _state = _state, _Pools()
    if inherited.sync is not None:
        close_connections_now(inherited.sync)
    for entry in inherited.loops.values():
        _abandon(entry)


if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(after_in_child=_forget_inherited_pools)
