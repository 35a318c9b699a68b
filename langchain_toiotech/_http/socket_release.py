"""Closing a pooled client's connections at once, without its event loop and without a byte on the wire.

Two moments need it. The client of an event loop closed by hand: that loop can no longer run the normal close,
and left alone its sockets stay open until the garbage collector finds them (with an "unclosed transport"
warning). And the pools a forked child inherited: they are its parent's connections, so the child may only drop
its own copies of the descriptors; a TLS close_notify, a read, or unregistering the socket from the inherited
epoll set would all reach the parent's connection.

httpx and httpcore expose no way to reach a pool's sockets, so this module walks their private attributes;
each step falls back to leaving the connection to the garbage collector (tests pin the behaviour, so a
dependency upgrade that moves an attribute shows up as a failing test, not as a crash).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx

from langchain_toiotech._http.client_pools import pools_of


def close_connections_now(client: httpx.Client | httpx.AsyncClient) -> None:
    """Close every pooled connection of `client` synchronously, sending nothing and touching no event loop."""
    for pool in pools_of(client):
        for connection in list(getattr(pool, "connections", ())):
            if isinstance(client, httpx.Client):
                # httpcore's sync close takes no lock and sends nothing: the socket's descriptor is closed (an
                # `ssl.SSLSocket` is closed without `unwrap()`, so no close_notify).
                connection.close()
            else:
                _close_asyncio_connection(connection)


def _close_asyncio_connection(connection: Any) -> None:
    transport = _asyncio_transport(getattr(getattr(connection, "_connection", None), "_network_stream", None))
    if transport is None or transport._sock is None:  # noqa: SLF001
        return  # not an asyncio selector transport (uvloop, trio), or already closed
    # What asyncio itself runs last when a transport closes: tell the protocol (anyio's only sets its events),
    # close the socket (in a `finally`), forget the loop. It does not unregister from the loop's selector. Only
    # a read left waiting when the loop was closed has a future to wake, and waking it on a closed loop raises.
    with contextlib.suppress(RuntimeError):
        transport._call_connection_lost(None)  # noqa: SLF001


def _asyncio_transport(network_stream: Any) -> Any:
    layer = getattr(network_stream, "_stream", None)  # httpcore's AnyIOStream wraps an anyio stream
    while layer is not None and not hasattr(layer, "_transport"):
        layer = getattr(layer, "transport_stream", None)  # an anyio TLSStream runs over the socket stream
    transport = getattr(layer, "_transport", None)
    return transport if isinstance(transport, asyncio.BaseTransport) and hasattr(transport, "_sock") else None
