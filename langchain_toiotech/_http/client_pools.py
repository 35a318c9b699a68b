"""The httpcore pools behind an httpx client we built, which httpx keeps private.

httpx offers no way to reach them (nor a `network_backend` argument), and passing our own `transport=` would
drop the proxy mounts httpx reads from the environment; so the deadline backend, the pool guard and the closing
of sockets at loop shutdown reach them here, in one place. Never used on a caller's client.
"""

from __future__ import annotations

from typing import Any

import httpx


def transports_of(client: httpx.Client | httpx.AsyncClient) -> list[Any]:
    """The client's own transport and those of its proxy mounts (a mount may be None: "no proxy" for a host)."""
    return [client._transport, *client._mounts.values()]  # noqa: SLF001 - our own client, see the module docstring


def pools_of(client: httpx.Client | httpx.AsyncClient) -> list[Any]:
    """The httpcore pools of `transports_of(client)` (transports without one are left out)."""
    return [pool for transport in transports_of(client) if (pool := getattr(transport, "_pool", None)) is not None]
