"""Shared by the cookbook scripts: the live gateway when TOIOTECH_API_KEY is set, else the offline emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_toiotech.testing import GatewayEmulator


@dataclass
class Gateway:
    """Where a script talks to: connection arguments for ChatToiotech and friends, and the emulator if offline."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    emulator: GatewayEmulator | None = None


@contextmanager
def gateway(**emulator_options: Any) -> Iterator[Gateway]:
    """Yield the gateway to use; the first line printed says which one it is."""
    if os.environ.get("TOIOTECH_API_KEY"):
        print("Using the live toiotech gateway (TOIOTECH_API_KEY is set).")
        yield Gateway()
        return
    with GatewayEmulator(**emulator_options) as emulator:
        print(f"No TOIOTECH_API_KEY set: using the offline gateway emulator at {emulator.base_url}.")
        yield Gateway({"base_url": emulator.base_url, "api_key": "sk-emulator"}, emulator)
