"""HTTP plumbing: a threading HTTP/1.1 server with keep-alive, streamed request bodies and no access log.

Request bodies are read from the socket in 64 KiB blocks (``Content-Length`` or chunked); a multipart body is
parsed block by block as it arrives, so uploads of any size use constant memory.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import replace
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Final, Protocol
from urllib.parse import parse_qsl, urlsplit

from langchain_toiotech.testing._gateway import Gateway
from langchain_toiotech.testing._multipart import MultipartError, MultipartParser, boundary_of
from langchain_toiotech.testing._records import Incoming
from langchain_toiotech.testing._wire import error_reply
from langchain_toiotech.testing._writer import ReplyWriter

_BLOCK: Final = 64 << 10


class Readable(Protocol):
    """The part of a buffered socket reader the body parser uses."""

    def read(self, size: int, /) -> bytes:
        """Read up to ``size`` bytes."""
        ...

    def readline(self, size: int, /) -> bytes:
        """Read one line of at most ``size`` bytes."""
        ...


class BodyError(ValueError):
    """Raised when the request body framing is broken."""


def _body_blocks(headers: Mapping[str, str], rfile: Readable) -> Iterator[bytes]:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        yield from _chunked_blocks(rfile)
        return
    try:
        remaining = int(headers.get("content-length", "0") or "0")
    except ValueError as exc:
        msg = "invalid Content-Length"
        raise BodyError(msg) from exc
    while remaining > 0:
        block = rfile.read(min(remaining, _BLOCK))
        if not block:
            msg = "request body ended early"
            raise BodyError(msg)
        remaining -= len(block)
        yield block


def _chunked_blocks(rfile: Readable) -> Iterator[bytes]:
    while True:
        size_line = rfile.readline(1 << 10)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            msg = "invalid chunk size"
            raise BodyError(msg) from exc
        if size == 0:
            while rfile.readline(1 << 10) not in {b"\r\n", b"\n", b""}:
                pass  # skip trailers
            return
        while size > 0:
            block = rfile.read(min(size, _BLOCK))
            if not block:
                msg = "chunked body ended early"
                raise BodyError(msg)
            size -= len(block)
            yield block
        rfile.readline(1 << 10)  # the CRLF after the chunk data


def read_incoming(method: str, target: str, header_message: Message, rfile: Readable) -> Incoming:
    """Read and parse one request's body.

    Args:
        method: The HTTP method.
        target: The request target (path and query).
        header_message: The parsed headers.
        rfile: The connection's read stream, positioned at the body.

    Returns:
        The parsed request.

    Raises:
        BodyError: If the body framing is broken (the connection cannot be reused).
    """
    split = urlsplit(target)
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    headers = {name.lower(): value for name, value in header_message.items()}
    base = Incoming(method=method, path=split.path, query=query, headers=headers)
    blocks = _body_blocks(headers, rfile)
    content_type = headers.get("content-type", "")
    boundary = boundary_of(content_type)
    if boundary is not None:
        parser = MultipartParser(boundary)
        try:
            for block in blocks:
                parser.feed(block)
            return replace(base, form=parser.close())
        except MultipartError as exc:
            for _ in blocks:  # drain the rest so the connection stays usable
                pass
            return replace(base, body_error=f"invalid multipart body: {exc}")
    raw = b"".join(blocks)
    looks_json = "json" in content_type.lower() or (not content_type and raw.lstrip()[:1] in {b"{", b"["})
    if not raw or not looks_json:
        return replace(base, raw=raw)
    try:
        return replace(base, raw=raw, json=json.loads(raw))
    except ValueError as exc:
        return replace(base, raw=raw, body_error=f"invalid JSON body: {exc}")


class EmulatorServer(ThreadingHTTPServer):
    """Threading HTTP server that tracks its connections so ``stop`` can close them."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        """Bind (without serving yet).

        Args:
            address: ``(host, port)``; port 0 picks a free port.
            gateway: The shared emulator state.
        """
        self.gateway = gateway
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup of the host (slow on some machines)."""
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

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
        self.server.track(self.connection)

    def finish(self) -> None:
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
        try:
            incoming = read_incoming(self.command, self.path, self.headers, self.rfile)
        except BodyError as exc:
            self.close_connection = True
            self._writer().write(error_reply(400, str(exc)), None, "")
            return
        outcome = self.server.gateway.handle(incoming)
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
        )
