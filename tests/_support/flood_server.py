"""A loopback HTTP server that answers every request with the same misbehaving reply, for the limits tests.

It speaks just enough HTTP/1.1: it reads the request head and body, writes the head the test gave, then the
body pieces the test's generator yields, and closes. A client that stops reading (as the bounded readers do)
makes the writes fail; the server then drops the connection and waits for the next one.
"""

from __future__ import annotations

import socket
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Self

MIB = 1 << 20
Body = Callable[[], Iterable[bytes]]


def gzip_bomb(compressed_bytes: int) -> tuple[bytes, int]:
    """Gzip of zeros about 1,000 times its size when inflated, built in milliseconds; returns it and that size.

    A full flush ends each MiB of zeros on a byte boundary with an empty dictionary, so every flushed segment
    after the first is the same bytes and the bomb is one segment repeated. It has no trailer: a reader that
    inflated it all would be long dead by then.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MIB)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = compressed_bytes // len(segment)
    return first + segment * count, (count + 1) * MIB


class FloodServer:
    """Serve `head` then `body()` on 127.0.0.1 to every connection until stopped."""

    def __init__(self, head: bytes, body: Body, *, max_connections: int = 8) -> None:
        """Prepare the reply; `start` (or `with`) binds the port."""
        self._head = head
        self._body = body
        self._max_connections = max_connections
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.requests = 0
        self.sent = 0  # body bytes the client took (all connections): what a reader that never stops would read

    @property
    def base_url(self) -> str:
        """The URL to give the client."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"

    def __enter__(self) -> Self:
        """Start serving."""
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        """Stop serving and wait for the thread."""
        self._stopped.set()
        self._thread.join(timeout=10)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopped.is_set() and self.requests < self._max_connections:
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.requests += 1
            with connection:
                connection.settimeout(5)
                try:
                    _read_request(connection)
                    connection.sendall(self._head)
                    for piece in self._body():
                        if self._stopped.is_set():
                            break
                        connection.sendall(piece)
                        self.sent += len(piece)
                except OSError:
                    continue  # the client stopped reading and closed: that is what the test wants


def _read_request(connection: socket.socket) -> None:
    data = b""
    for _ in range(1000):
        if b"\r\n\r\n" in data:
            break
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    for _ in range(1000):
        if len(body) >= length:
            return
        body += connection.recv(65536)


def http_head(status: str, content_type: str, *, encoding: str | None = None, length: int | None = None) -> bytes:
    """A response head; no length means the body runs until the server closes the connection."""
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", "Connection: close"]
    if encoding:
        lines.append(f"Content-Encoding: {encoding}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def repeated(piece: bytes, total: int, *, first: bytes = b"") -> Body:
    """A body of `first` then `piece` repeated up to `total` bytes, never held in memory at once."""

    def body() -> Iterator[bytes]:
        yield first
        for _ in range(total // len(piece)):
            yield piece

    return body


def whole(data: bytes, piece_size: int = MIB) -> Body:
    """A body sent in pieces from one bytes object."""

    def body() -> Iterator[bytes]:
        view = memoryview(data)
        for start in range(0, len(data), piece_size):
            yield bytes(view[start : start + piece_size])

    return body
