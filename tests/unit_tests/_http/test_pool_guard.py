"""The sync shards never close a connection that a pending request holds (httpcore 1.0.9, encode/httpcore#1110).

httpcore picks surplus idle connections under its lock and closes them after releasing it; a connection just
handed to a waiting thread still looks idle, so another thread's pass closed it under the waiter, whose request
had reached the server: a ReadError (EBADF), our retry, the gateway answering the same prompt twice, or a reader
blocked on a socket closed under it. Driven here deterministically on the pool's own bookkeeping.
"""

from __future__ import annotations

import ssl

import httpcore
from httpcore._sync.connection_pool import PoolRequest

from langchain_toiotech._http.pool_guard import GuardedConnectionPool
from langchain_toiotech._http.pools import new_sync_client


class IdleConnection(httpcore.ConnectionInterface):
    """An open keep-alive connection between requests, as the pool sees one."""

    def __init__(self) -> None:
        self.closed = False

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return True

    def is_available(self) -> bool:
        return True

    def has_expired(self) -> bool:
        return False

    def is_idle(self) -> bool:
        return True

    def is_closed(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def surplus_pass(pool: httpcore.ConnectionPool) -> tuple[list[object], IdleConnection, IdleConnection]:
    """Two idle connections past a keep-alive of none, the first handed to a waiting request; one pass."""
    held, spare = IdleConnection(), IdleConnection()
    pool._connections = [held, spare]
    waiter = PoolRequest(httpcore.Request("GET", "http://gateway.test/"))
    waiter.assign_to_connection(held)
    pool._requests = [waiter]
    with pool._optional_thread_lock:
        closing: list[object] = list(pool._assign_requests_to_connections())
    return closing, held, spare


def test_httpcore_alone_closes_a_connection_handed_to_a_waiter() -> None:
    closing, held, _ = surplus_pass(httpcore.ConnectionPool(max_keepalive_connections=0))
    assert held in closing  # the race this guards against: if this stops holding, httpcore fixed it


def test_the_guarded_pool_keeps_it_and_closes_only_the_spare() -> None:
    pool = GuardedConnectionPool(max_keepalive_connections=0)
    closing, held, spare = surplus_pass(pool)
    assert closing == [spare]
    assert held in pool.connections


def test_every_sync_shard_is_guarded() -> None:
    client = new_sync_client(ssl.create_default_context())
    try:
        assert isinstance(getattr(client._transport, "_pool", None), GuardedConnectionPool)
    finally:
        client.close()
