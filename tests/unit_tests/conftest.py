"""Fixtures shared by the unit tests that talk to the gateway emulator over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from langchain_toiotech.testing import GatewayEmulator

TLS = httpx.create_ssl_context()  # built once; every default httpx client would load the CA bundle again


@pytest.fixture
def gw() -> Iterator[GatewayEmulator]:
    """A fresh emulator with default settings, stopped after the test."""
    with GatewayEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(gw: GatewayEmulator) -> Iterator[httpx.Client]:
    """A plain httpx client for the emulator, authorised with a test key."""
    with httpx.Client(
        base_url=gw.base_url, headers={"Authorization": "Bearer sk-test"}, timeout=10, verify=TLS
    ) as http:
        yield http
