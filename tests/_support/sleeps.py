"""Pauses recorded instead of slept: the transport's retry back-off and the Files client's processing polls."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from langchain_toiotech import files
from langchain_toiotech._http import client as http_client


def record_retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the retry loop's sleeps (patched only where `_http.client` looks them up); returns the list."""
    delays: list[float] = []

    async def fake_async_sleep(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(http_client, "time", SimpleNamespace(sleep=delays.append))
    monkeypatch.setattr(
        http_client, "asyncio", SimpleNamespace(sleep=fake_async_sleep, get_running_loop=asyncio.get_running_loop)
    )
    return delays


def record_polling_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the Files client's polling pauses, sync and async; returns the list."""
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(files, "_sleep", delays.append)
    monkeypatch.setattr(files, "_asleep", record)
    return delays
