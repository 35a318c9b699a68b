"""Pooled clients are released with their owner: a finished event loop, a loop closed by hand, a forked parent.

The loop tests run the client in a child process (`tests/_support/loop_churn.py`) so that /proc/self/fd counts
its sockets only, warnings are errors, and a file-descriptor limit cannot hurt the test runner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_toiotech.testing import GatewayEmulator
from tests._support.paths import SUPPORT

CHURN = SUPPORT / "loop_churn.py"
# A handful: the idle keep-alive socket of the loop that is running, plus one being opened or closed. A leak
# shows one socket per finished loop, far above this after the loop counts below.
SOCKET_BOUND = 4

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts sockets through /proc")


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(reasoning_style=None) as gateway:
        yield gateway


def churn(emulator: GatewayEmulator, call: str, loops: int, nofile: int | None = None) -> dict[str, Any]:
    command = [sys.executable, "-W", "error", str(CHURN), emulator.base_url, call, str(loops)]
    if nofile is not None:
        command.append(str(nofile))
    env = {**os.environ, "PYTHONDEVMODE": ""}
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)  # noqa: S603
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == ""  # nothing printed by a finaliser or a warning either
    return dict(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("call", ["ainvoke", "astream", "astream_left_open", "aembed_query", "aupload"])
def test_a_loop_per_call_keeps_a_handful_of_sockets(emulator: GatewayEmulator, call: str) -> None:
    outcome = churn(emulator, call, loops=100)

    assert outcome["failures"] == []
    assert outcome["reports"] == []  # no "unclosed transport", no "Event loop is closed", nothing logged
    assert outcome["peak"] <= SOCKET_BOUND
    assert outcome["after"] <= 1


def test_a_thousand_loops_under_a_256_descriptor_limit(emulator: GatewayEmulator) -> None:
    outcome = churn(emulator, "ainvoke", loops=1000, nofile=256)

    assert outcome["failures"] == []  # no OSError(EMFILE) on call 250 or so
    assert outcome["reports"] == []
    assert outcome["peak"] <= SOCKET_BOUND


@pytest.mark.parametrize("call", ["ainvoke_by_hand", "astream_by_hand", "aembed_query_by_hand", "aupload_by_hand"])
def test_loops_closed_by_hand_leave_no_sockets_behind(emulator: GatewayEmulator, call: str) -> None:
    # No shutdown_asyncgens() here: each loop's client is released when the next loop asks for one. A stream
    # stops at its terminal event; its readers close the generators they read from (and the drain finishes the
    # body), so nothing is left for the garbage collector to close on a loop that no longer runs.
    outcome = churn(emulator, call, loops=60)

    assert outcome["failures"] == []
    assert outcome["reports"] == []
    assert outcome["peak"] <= SOCKET_BOUND


def test_loops_in_worker_threads_keep_a_handful_of_sockets(emulator: GatewayEmulator) -> None:
    outcome = churn(emulator, "ainvoke_in_threads", loops=40)  # 160 loops, four running at a time

    assert outcome["failures"] == []
    assert outcome["reports"] == []
    assert outcome["peak"] <= SOCKET_BOUND
