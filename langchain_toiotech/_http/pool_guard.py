"""A sync httpcore pool that never closes a connection a request has been handed.

httpcore 1.0.9's sync `ConnectionPool` picks connections to close under its lock (`_assign_requests_to_connections`)
but closes them after releasing it. A connection that pass assigned to a waiting thread still looks idle until
that thread starts its request, so a second thread's pass can pick it as surplus (1.0.9 closes an idle connection
whenever the pool holds more than `max_keepalive_connections` connections of any state, encode/httpcore#1035) and
close it while the first thread is already sending or reading: the request reached the server, the reader gets
`ReadError: [Errno 9] Bad file descriptor` (or blocks on a socket closed under it) and our retry sends it again
(encode/httpcore#1110). Here a connection some pending request still references is put back instead of closed:
every change of who holds a connection happens under the pool lock, so the ones left to close are unreachable.

This module knows httpcore only.
"""

from __future__ import annotations

import httpcore
from httpcore import ConnectionInterface


class GuardedConnectionPool(httpcore.ConnectionPool):
    """httpcore's sync pool, minus the closing of connections handed to a request (see the module docstring)."""

    def _assign_requests_to_connections(self) -> list[ConnectionInterface]:
        # Runs with the pool lock held (every caller in httpcore takes it), like the method it wraps.
        closing = super()._assign_requests_to_connections()
        if not closing:
            return closing
        held = {id(request.connection) for request in self._requests if request.connection is not None}
        kept = [connection for connection in closing if id(connection) in held]
        # Back in the pool: the holder's own response close runs a pass that closes it if it is still surplus.
        self._connections.extend(kept)
        return [connection for connection in closing if id(connection) not in held]


def guard_pool(pool: object) -> bool:
    """Make httpx's own sync pool a `GuardedConnectionPool` in place; False if it is not httpcore's plain pool."""
    if type(pool) is httpcore.ConnectionPool:
        pool.__class__ = GuardedConnectionPool  # same layout, one method overridden
        return True
    return isinstance(pool, GuardedConnectionPool)
