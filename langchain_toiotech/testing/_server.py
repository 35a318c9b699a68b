"""HTTP plumbing: a threading HTTP/1.1 server with keep-alive, bounded waits and threads, and no access log.

Authorisation is decided from the headers, before a byte of the body is read (``_request_reader`` reads it,
bounded in size and depth). Every connection has a deadline for each request head and a timeout on each socket
operation; at most ``max_connections`` are served at once (``ServerLimits``).
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import warnings
from collections.abc import Mapping
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Final

from langchain_toiotech._http.hosts import is_loopback
from langchain_toiotech.testing._gateway import Gateway, Outcome
from langchain_toiotech.testing._request_reader import BLOCK, BodyError, declared_length, read_incoming, request_head
from langchain_toiotech.testing._server_limits import (
    DEFAULT_SERVER_LIMITS,
    DeadlineWatch,
    ServerLimits,
)
from langchain_toiotech.testing._wire import Reply, error_reply
from langchain_toiotech.testing._writer import ReplyWriter

_BUSY_BODY: Final = b'{"error": {"message": "the emulator is serving its most connections", "type": "emulator_busy"}}'
_BUSY_REPLY: Final = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
    b"Content-Length: %d\r\n\r\n%b" % (len(_BUSY_BODY), _BUSY_BODY)
)


def _closing(reply: Reply) -> Reply:
    return replace(reply, headers={**reply.headers, "Connection": "close"})


class EmulatorServer(ThreadingHTTPServer):
    """Threading HTTP server that tracks its connections so ``stop`` can close them."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], gateway: Gateway, limits: ServerLimits = DEFAULT_SERVER_LIMITS
    ) -> None:
        """Bind (without serving yet); warn when the address is reachable from other machines.

        Args:
            address: ``(host, port)``; port 0 picks a free port.
            gateway: The shared emulator state.
            limits: What the server keeps and how long it waits.
        """
        self.gateway = gateway
        self.limits = limits
        self.stopping = threading.Event()
        self.watch = DeadlineWatch(self.stopping)
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        if not is_loopback(address[0]):
            warnings.warn(
                f"The gateway emulator listens on {address[0]}:{self.server_port}, reachable from other machines. "
                "It is a test double: it keeps requests in memory, answers anyone "
                f"{'with the API key' if gateway.config.api_key else 'with any Bearer token'}, and has no TLS. "
                "Bind 127.0.0.1 unless you mean it.",
                UserWarning,
                stacklevel=2,
            )

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup of the host (slow on some machines)."""
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve a connection on its own thread, or answer 503 when ``max_connections`` are being served.

        Args:
            request: The client socket.
            client_address: The client address.
        """
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.settimeout(1.0)
                request.sendall(_BUSY_REPLY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve one connection, then free its slot.

        Args:
            request: The client socket.
            client_address: The client address.
        """
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def track(self, connection: socket.socket) -> None:
        """Remember an open connection.

        Args:
            connection: The client socket.
        """
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        """Forget a closed connection.

        Args:
            connection: The client socket.
        """
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open client connection (idle keep-alive ones included)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about connections dropped by clients; report anything else.

        Args:
            request: The client socket.
            client_address: The client address.
        """
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.limits.idle_timeout)  # bounds every socket read and write
        self.server.track(self.connection)

    def handle_one_request(self) -> None:
        # The request line and headers must all arrive within idle_timeout (the wait between keep-alive
        # requests included), however slowly they drip; _serve disarms once they have.
        self.server.watch.arm(self.connection, self.server.limits.idle_timeout)
        super().handle_one_request()

    def finish(self) -> None:
        self.server.watch.disarm(self.connection)
        try:
            super().finish()
        except OSError:
            pass  # the peer is gone; nothing left to flush
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        """Keep stderr free of access logs."""

    def do_GET(self) -> None:
        """Serve a GET request."""
        self._serve()

    def do_POST(self) -> None:
        """Serve a POST request."""
        self._serve()

    def do_PUT(self) -> None:
        """Serve a PUT request."""
        self._serve()

    def do_PATCH(self) -> None:
        """Serve a PATCH request."""
        self._serve()

    def do_DELETE(self) -> None:
        """Serve a DELETE request."""
        self._serve()

    def _serve(self) -> None:
        self.server.watch.disarm(self.connection)
        gateway = self.server.gateway
        head = request_head(self.command, self.path, self.headers)
        if not gateway.authorised(head.headers):
            # Answered (and logged) before a byte of the body is read: an unauthenticated client must not make
            # the emulator read, parse or keep what it sends.
            outcome = gateway.handle(head)
            if not self._discard_small_body(head.headers) and outcome.reply is not None:
                self.close_connection = True
                outcome = replace(outcome, reply=_closing(outcome.reply))
            self._answer(outcome)
            return
        try:
            incoming = read_incoming(self.command, self.path, self.headers, self.rfile, self.server.limits)
        except BodyError as exc:
            self.close_connection = True
            self._writer().write(_closing(error_reply(exc.status, str(exc))), None, "")
            return
        self._answer(gateway.handle(incoming))

    def _discard_small_body(self, headers: Mapping[str, str]) -> bool:
        """Read and drop a body of at most 64 KiB so the connection can be reused; False when it cannot be."""
        try:
            length = declared_length(headers)
            if length is None or length > BLOCK:
                return False
            self.rfile.read(length)
        except (BodyError, OSError):
            return False
        return True

    def _answer(self, outcome: Outcome) -> None:
        if outcome.reply is None:
            self.close_connection = True
            return
        try:
            keep_alive = self._writer().write(outcome.reply, outcome.fault, outcome.request_id)
        except OSError:
            keep_alive = False
        if not keep_alive:
            self.close_connection = True

    def _writer(self) -> ReplyWriter:
        config = self.server.gateway.config
        return ReplyWriter(
            self.wfile.write,
            chunked=self.request_version == "HTTP/1.1",
            stopping=self.server.stopping,
            ping_every=config.ping_every,
            chunk_delay=config.chunk_delay,
            latency=config.latency,
        )
