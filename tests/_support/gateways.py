"""Wiring a fake gateway (an httpx.MockTransport handler) into a client, sync and async."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


def mock_clients(handler: Handler) -> dict[str, httpx.Client | httpx.AsyncClient]:
    """`http_client` and `http_async_client` keyword arguments that send every request to `handler`."""
    transport = httpx.MockTransport(handler)
    return {
        "http_client": httpx.Client(transport=transport),
        "http_async_client": httpx.AsyncClient(transport=transport),
    }
