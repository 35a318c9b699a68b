"""A finished stream hands its connection back to the pool: the next call needs no new TCP/TLS handshake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from langchain_toiotech import ChatToiotech
from langchain_toiotech.testing import GatewayEmulator
from tests._support.drain import roomy_drain


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator() as gateway:
        yield gateway


@pytest.fixture(autouse=True)
def drain_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests check that a finished body hands its connection back, not the 50 ms bound (tests._support.drain).
    roomy_drain(monkeypatch)


def pool_connections(client: httpx.Client | httpx.AsyncClient) -> list[Any]:
    transport = client._transport
    assert isinstance(transport, httpx.HTTPTransport | httpx.AsyncHTTPTransport)  # httpx's default, with its pool
    return list(transport._pool.connections)


@pytest.mark.parametrize("model_name", ["deepseek-chat", "gpt-5.1-codex"])  # chat route, Responses route
def test_sequential_streams_reuse_one_connection(emulator: GatewayEmulator, model_name: str) -> None:
    with httpx.Client() as client:
        model = ChatToiotech(model=model_name, base_url=emulator.base_url, api_key="sk-reuse", http_client=client)
        seen = []
        for turn in range(4):
            text = "".join(str(chunk.content) for chunk in model.stream(f"turn {turn}"))
            assert text.endswith(f"turn {turn}")
            (connection,) = pool_connections(client)
            assert connection.is_idle()
            seen.append(connection)
        assert all(connection is seen[0] for connection in seen)


@pytest.mark.parametrize("model_name", ["deepseek-chat", "gpt-5.1-codex"])
async def test_sequential_astreams_reuse_one_connection(emulator: GatewayEmulator, model_name: str) -> None:
    async with httpx.AsyncClient() as client:
        model = ChatToiotech(model=model_name, base_url=emulator.base_url, api_key="sk-reuse", http_async_client=client)
        seen = []
        for turn in range(4):
            chunks = [chunk async for chunk in model.astream(f"turn {turn}")]
            assert "".join(str(chunk.content) for chunk in chunks).endswith(f"turn {turn}")
            (connection,) = pool_connections(client)
            assert connection.is_idle()
            seen.append(connection)
        assert all(connection is seen[0] for connection in seen)


def test_invoke_reuses_the_connection_too(emulator: GatewayEmulator) -> None:
    with httpx.Client() as client:
        model = ChatToiotech(model="deepseek-chat", base_url=emulator.base_url, api_key="sk-reuse", http_client=client)
        model.invoke("one")
        (first,) = pool_connections(client)
        model.invoke("two")
        (second,) = pool_connections(client)
        assert first is second
