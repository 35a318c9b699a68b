"""The emulator in a process of its own (``python -m langchain_toiotech.testing``), for clients in other processes.

An in-process :class:`GatewayEmulator` is a thread of the caller: processes the caller starts later (Ray
workers, a pool of forked workers) reach it only while the caller lives, and its CPU time counts against the
caller's. A benchmark or a multi-process recipe starts it here instead and talks to it over loopback.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Final

_STOP_SECONDS: Final = 10.0


def _read_base_url(process: subprocess.Popen[str], stdout: IO[str], timeout: float) -> str:
    # A bounded wait for the first line: a child that fails to bind or import would otherwise block readline.
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        while not selector.select(timeout=max(0.0, deadline - time.monotonic())):
            if process.poll() is not None or time.monotonic() >= deadline:
                break
    line = stdout.readline().strip() if process.poll() is None else ""
    if not line.startswith("http"):
        msg = f"The emulator process did not print its base URL within {timeout:g} s (exit status {process.poll()})"
        raise RuntimeError(msg)
    return line


@contextmanager
def emulator_process(*options: str, startup_timeout: float = 30.0) -> Iterator[str]:
    """Serve the emulator from a child process on a free loopback port; yield its base URL; stop it on exit.

    ```python
    import httpx

    from langchain_toiotech.testing import emulator_process

    with emulator_process("--latency", "0.01") as base_url:
        reply = httpx.get(f"{base_url}/models", headers={"Authorization": "Bearer sk-test"})
        assert reply.status_code == 200
    ```

    Args:
        *options: Command line options of ``python -m langchain_toiotech.testing`` (``--latency 0.1``,
            ``--api-key KEY``, ``--max-connections N``...); ``--port`` defaults to a free port.
        startup_timeout: Seconds to wait for the child to print its base URL.

    Yields:
        The base URL, ``http://127.0.0.1:<port>/v1``.

    Raises:
        RuntimeError: The child exited or printed no base URL in time (its stderr is the caller's).
    """
    command = [sys.executable, "-m", "langchain_toiotech.testing", "--port", "0", *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own module
    try:
        assert process.stdout is not None  # noqa: S101 - stdout=PIPE always gives one
        yield _read_base_url(process, process.stdout, startup_timeout)
    finally:
        process.terminate()
        try:
            process.wait(timeout=_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
