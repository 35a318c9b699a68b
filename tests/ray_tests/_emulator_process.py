"""The gateway emulator in a process of its own, scripted from the test over a pipe.

Ray's workers are other processes: they reach the emulator over loopback, as they would reach the gateway,
and a busy driver (or a killed worker) cannot slow the emulator down.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from langchain_toiotech.testing import Fault, GatewayEmulator, RecordedRequest

_START_TIMEOUT = 60.0
_CALL_TIMEOUT = 30.0


def _serve(connection: Connection, options: dict[str, Any]) -> None:
    with GatewayEmulator(**options) as gateway:
        connection.send(gateway.base_url)
        while True:
            command, args = connection.recv()
            if command == "stop":
                connection.send(None)
                return
            connection.send(getattr(gateway, command)(*args) if args is not None else getattr(gateway, command))


class EmulatorProcess:
    """A `GatewayEmulator` in a child process: its URL, its file store, its request log and its faults."""

    def __init__(self, **options: Any) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that may host Ray's threads
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, options), name="toiotech-emulator", daemon=True)
        self._process.start()
        child.close()
        if not self._connection.poll(_START_TIMEOUT):
            self.stop()
            msg = "the emulator process did not start"
            raise RuntimeError(msg)
        self.base_url: str = self._connection.recv()

    def _call(self, command: str, *args: Any, attribute: bool = False) -> Any:
        self._connection.send((command, None if attribute else args))
        if not self._connection.poll(_CALL_TIMEOUT):
            msg = f"the emulator process did not answer {command!r}"
            raise RuntimeError(msg)
        return self._connection.recv()

    def enqueue_fault(self, fault: Fault, path: str = "*", times: int = 1) -> None:
        self._call("enqueue_fault", fault, path, times)

    def clear_requests(self) -> None:
        self._call("clear_requests")

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        files: dict[str, dict[str, Any]] = self._call("files", attribute=True)
        return files

    @property
    def requests(self) -> list[RecordedRequest]:
        requests: list[RecordedRequest] = self._call("requests", attribute=True)
        return requests

    @property
    def pending(self) -> int:
        pending: int = self._call("pending", attribute=True)
        return pending

    def stop(self) -> None:
        if self._process.is_alive():
            try:
                self._connection.send(("stop", None))
                self._connection.poll(_CALL_TIMEOUT)
            except (BrokenPipeError, EOFError, OSError):
                pass
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=10)
        self._connection.close()
