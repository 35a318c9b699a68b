"""What the emulator's HTTP server keeps and how long it waits: limits, a deadline watch, JSON depth, exposure.

``python -m langchain_toiotech.testing`` may be left running, or bound beyond loopback; these bounds keep a
misbehaving or hostile client from growing its memory, its thread count or its wait without end.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from typing import Final

_WATCH_TICK: Final = 0.25


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """Bounds of the emulator's HTTP server.

    Attributes:
        max_body_bytes: The largest request body read that is not a multipart upload (JSON); larger gets a 413
            before it is read.
        max_upload_bytes: The largest multipart upload body (parsed as it streams in, so its memory is constant).
        idle_timeout: Seconds a connection may take to send a request's line and headers, waiting idle between
            keep-alive requests included, and the longest any one socket read or write may block.
        max_connections: Connections served at once (one thread each); more are answered 503 and closed.
        max_logged_requests: Requests kept in the request log (``GatewayEmulator.requests``), oldest dropped
            first; None keeps all, 0 none.
        max_json_depth: Deepest nesting of arrays and objects accepted in a JSON body (deeper: 400).
    """

    max_body_bytes: int = 64 << 20
    max_upload_bytes: int = 1 << 30
    idle_timeout: float = 30.0
    max_connections: int = 256
    max_logged_requests: int | None = 10_000
    max_json_depth: int = 128

    def __post_init__(self) -> None:
        """Reject bounds that would refuse everything or wait forever.

        Raises:
            ValueError: A bound is not positive (``max_logged_requests`` may be 0 or None).
        """
        for name in ("max_body_bytes", "max_upload_bytes", "max_connections", "max_json_depth"):
            if getattr(self, name) < 1:
                msg = f"{name} must be 1 or more, got {getattr(self, name)}"
                raise ValueError(msg)
        if not self.idle_timeout > 0 or self.idle_timeout == float("inf"):
            msg = f"idle_timeout must be a positive, finite number of seconds, got {self.idle_timeout}"
            raise ValueError(msg)
        if self.max_logged_requests is not None and self.max_logged_requests < 0:
            msg = f"max_logged_requests must be 0 or more (or None), got {self.max_logged_requests}"
            raise ValueError(msg)


DEFAULT_SERVER_LIMITS: Final = ServerLimits()


def json_depth_exceeds(value: object, limit: int) -> bool:
    """Tell whether a decoded JSON value nests arrays and objects more than ``limit`` deep (iteratively)."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class DeadlineWatch:
    """One thread that shuts down connections still waiting for a request head past their deadline.

    A per-operation socket timeout does not bound a client that sends one byte just before each timeout; a
    deadline for the whole head does.
    """

    def __init__(self, stopping: threading.Event) -> None:
        """Create the watch; its thread starts with the first deadline.

        Args:
            stopping: Set when the server stops; the thread ends then.
        """
        self._stopping = stopping
        self._deadlines: dict[socket.socket, float] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, connection: socket.socket, seconds: float) -> None:
        """Shut ``connection`` down unless ``disarm`` is called within ``seconds``.

        Args:
            connection: The client socket.
            seconds: The time allowed.
        """
        with self._lock:
            self._deadlines[connection] = time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="toiotech-emulator-deadlines", daemon=True)
                self._thread.start()

    def disarm(self, connection: socket.socket) -> None:
        """Cancel ``connection``'s deadline.

        Args:
            connection: The client socket.
        """
        with self._lock:
            self._deadlines.pop(connection, None)

    def _run(self) -> None:
        while not self._stopping.wait(_WATCH_TICK):
            now = time.monotonic()
            with self._lock:
                overdue = [connection for connection, deadline in self._deadlines.items() if deadline <= now]
                for connection in overdue:
                    del self._deadlines[connection]
            for connection in overdue:
                with contextlib.suppress(OSError):  # already closed by the peer
                    connection.shutdown(socket.SHUT_RDWR)
