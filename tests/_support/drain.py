"""A roomy drain bound for tests that check a connection is kept, not how long the end of its body may take.

A finished stream's connection is kept only if the end of its body is read within `DRAIN_SECONDS` (50 ms). Even
when a test server writes that end with the terminal event, a loaded machine can schedule the server's thread,
or the reading of the socket, after 50 ms, and the connection is then (rightly) dropped. Tests that check the
connection is kept raise the bound; the bound itself is tested with the real 50 ms (test_stream_end's late end).
"""

from __future__ import annotations

from typing import Final

import pytest

from langchain_toiotech._http import release as http_release

ROOMY_DRAIN_SECONDS: Final = 2.0


def roomy_drain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the end of a finished stream's body take up to `ROOMY_DRAIN_SECONDS` for this test."""
    monkeypatch.setattr(http_release, "DRAIN_SECONDS", ROOMY_DRAIN_SECONDS)
