"""A loopback HTTP/1.1 server that misbehaves on purpose: drips bytes, holds sockets, pings or sends junk forever.

Each accepted connection runs the test's `behave(exchange)` in a thread. Every wait goes through
`Exchange.wait`, which returns at once when the server stops, and `HostileServer.__exit__` stops it, closes every
socket and joins every thread, so a test can script "forever" and still end. (`loopback.serve_loopback`
answers through `http.server`, which writes the status line and headers itself and cannot cut a handler's
waits short; these tests need both.)
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final, Self

CHUNKED_SSE_HEAD: Final = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
JOIN_SECONDS: Final = 5.0


def json_head(length: int) -> bytes:
    """The head of a 200 JSON reply of `length` bytes."""
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode()


def http_chunk(data: bytes) -> bytes:
    """One chunk of a chunked-encoding body."""
    return b"%x\r\n%b\r\n" % (len(data), data)


LAST_CHUNK: Final = b"0\r\n\r\n"


def sse(data: Any, event: str | None = None) -> bytes:
    """One SSE event (a JSON payload unless given as a string), as one HTTP chunk."""
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return http_chunk(f"{head}data: {text}\n\n".encode())


def chat_chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    """A chat-completions stream chunk."""
    delta = {"content": content} if content is not None else {}
    return {
        "id": "chatcmpl-hostile",
        "object": "chat.completion.chunk",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


USAGE: Final = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def chat_answer(text: str = "Hello world") -> bytes:
    """A complete chat stream up to and including `[DONE]` (the body's end is left to the behaviour)."""
    words = text.split(" ")
    parts = [sse(chat_chunk(word if index == 0 else f" {word}")) for index, word in enumerate(words)]
    return b"".join([*parts, sse(chat_chunk(finish="stop")), sse({**chat_chunk(), "choices": [], "usage": USAGE})])


def responses_answer(text: str = "Hello world") -> bytes:
    """A complete Responses stream up to and including `response.completed`."""
    response = {
        "id": "resp_hostile",
        "object": "response",
        "model": "gpt-5.1-codex",
        "status": "completed",
        "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}],
        "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
    }
    delta = {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": text}
    return b"".join(
        [
            sse({"type": "response.created", "response": {**response, "status": "in_progress", "output": []}}),
            sse(delta),
            sse({"type": "response.completed", "response": response}),
        ]
    )


class Exchange:
    """One accepted connection: read requests, send or drip bytes, wait (cut short when the server stops)."""

    def __init__(self, connection: socket.socket, stop: threading.Event, counted: Callable[[], None]) -> None:
        self.connection = connection
        self.stop = stop
        self._counted = counted
        self._buffer = b""

    def read_request(self) -> bytes | None:
        """Read one request (head and Content-Length body); None when the client closed the connection."""
        while b"\r\n\r\n" not in self._buffer:
            if not self._receive():
                return None
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(self._buffer) < length:
            if not self._receive():
                return None
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        self._counted()
        return body

    def _receive(self) -> bool:
        try:
            data = self.connection.recv(65536)
        except OSError:
            return False
        self._buffer += data
        return bool(data)

    def send(self, data: bytes) -> bool:
        """Send all of `data`; False once the client has gone or the server stops."""
        if self.stop.is_set():
            return False
        try:
            self.connection.sendall(data)
        except OSError:
            return False
        return True

    def drip(self, data: bytes, every: float) -> bool:
        """Send `data` one byte at a time, `every` seconds apart."""
        for index in range(len(data)):
            stopping = not self.send(data[index : index + 1]) or self.wait(every)
            if stopping:
                return False
        return True

    def wait(self, seconds: float) -> bool:
        """Pause; True when the server is stopping (the behaviour should return)."""
        return self.stop.wait(seconds)


class HostileServer:
    """A loopback server running `behave` on each connection; use it as a context manager."""

    def __init__(self, behave: Callable[[Exchange], object]) -> None:
        self._behave = behave
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._requests = 0
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def base_url(self) -> str:
        """The `/v1` base URL of this server."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"

    @property
    def connections(self) -> int:
        """How many connections the server has accepted."""
        with self._lock:
            return len(self._connections)

    @property
    def requests(self) -> int:
        """How many requests the server has read, on all connections."""
        with self._lock:
            return self._requests

    def _count_request(self) -> None:
        with self._lock:
            self._requests += 1

    def __enter__(self) -> Self:
        self._acceptor.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        self._acceptor.join(JOIN_SECONDS)
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                # shutdown wakes a thread blocked in recv on it; close alone would not.
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            threads = list(self._threads)
        for thread in threads:
            thread.join(JOIN_SECONDS)
        assert not any(thread.is_alive() for thread in threads), "a hostile-server thread did not stop"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            with self._lock:
                self._connections.append(connection)
                self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            self._behave(Exchange(connection, self._stop, self._count_request))
        finally:
            connection.close()
