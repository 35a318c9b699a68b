"""Files on disk for the Files client's and the file loader's tests, and the requests the emulator logged for them."""

from __future__ import annotations

from pathlib import Path

from langchain_toiotech.testing import GatewayEmulator


def make(path: Path, data: bytes) -> Path:
    """Write `data` to `path` (creating its folder); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space (its bytes are a hole): for the size limits."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def calls(gw: GatewayEmulator) -> list[str]:
    """Every request the emulator logged, as `METHOD /path`."""
    return [f"{request.method} {request.path}" for request in gw.requests]
