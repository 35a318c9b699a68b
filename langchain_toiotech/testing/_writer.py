"""Writing replies to the socket: one send for fixed bodies, chunked SSE with the stream faults applied."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Final

from langchain_toiotech.testing._faults import Fault, error_event, retry_after_headers
from langchain_toiotech.testing._wire import PING_EVENT, Reply

REQUEST_ID_HEADER: Final = "X-Oneapi-Request-Id"


def status_line(status: int) -> bytes:
    """The HTTP/1.1 status line of a status code.

    Args:
        status: The status code.

    Returns:
        The status line with its CRLF.
    """
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"HTTP/1.1 {status} {phrase}\r\n".encode("latin-1")


def head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    """Status line plus headers plus the blank line.

    Args:
        status: The status code.
        headers: Header name/value pairs.

    Returns:
        The response head.
    """
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return status_line(status) + lines.encode("latin-1") + b"\r\n"


class _Output:
    """Sends stream bytes, as HTTP chunks when chunked, cut into ``split`` byte pieces when asked."""

    def __init__(self, send: Callable[[bytes], object], *, chunked: bool, split: int | None) -> None:
        self._send = send
        self._chunked = chunked
        self._split = split if split and split > 0 else None
        self._carry = b""

    def write(self, data: bytes) -> None:
        if self._split is None:
            self._piece(data)
            return
        self._carry += data
        while len(self._carry) >= self._split:
            self._piece(self._carry[: self._split])
            self._carry = self._carry[self._split :]

    def flush(self) -> None:
        if self._carry:
            self._piece(self._carry)
            self._carry = b""

    def finish(self) -> None:
        self.flush()
        if self._chunked:
            self._send(b"0\r\n\r\n")

    def _piece(self, data: bytes) -> None:
        if not data:
            return
        self._send(b"%x\r\n%b\r\n" % (len(data), data) if self._chunked else data)


class ReplyWriter:
    """Writes one outcome to a connection."""

    def __init__(
        self,
        send: Callable[[bytes], object],
        *,
        chunked: bool,
        stopping: threading.Event,
        ping_every: int = 0,
        chunk_delay: float = 0.0,
        latency: float = 0.0,
    ) -> None:
        """Create a writer.

        Args:
            send: Writes bytes to the socket (all of them).
            chunked: Whether the client speaks HTTP/1.1 (chunked streams, keep-alive).
            stopping: Set when the emulator stops; cuts delays and stalls short.
            ping_every: Default ``: PING`` interval in events (0: none).
            chunk_delay: Default pause between stream events, in seconds.
            latency: Pause before every reply's first byte, in seconds (a fault's ``first_byte_delay`` adds).
        """
        self._send = send
        self._chunked = chunked
        self._stopping = stopping
        self._ping_every = ping_every
        self._chunk_delay = chunk_delay
        self._latency = latency

    def write(self, reply: Reply, fault: Fault | None, request_id: str) -> bool:
        """Write a reply, applying the fault's delivery effects.

        Args:
            reply: The reply.
            fault: The fault, if any.
            request_id: The request id header value.

        Returns:
            Whether the connection may be kept alive.
        """
        delay = self._latency + (fault.first_byte_delay if fault is not None else 0.0)
        if delay > 0:
            self._stopping.wait(delay)
        headers = [(REQUEST_ID_HEADER, request_id)]
        if reply.content_type is not None:
            headers.append(("Content-Type", reply.content_type))
        headers.extend(reply.headers.items())
        if fault is not None and fault.status is None:  # a status fault's reply already carries Retry-After
            headers.extend(retry_after_headers(fault).items())
        if reply.events is None:
            headers.append(("Content-Length", str(len(reply.body))))
            self._send(head(reply.status, headers) + reply.body)
            return True
        return self._write_stream(reply.status, headers, reply.events, fault, request_id)

    def _write_stream(
        self,
        status: int,
        headers: list[tuple[str, str]],
        events: Iterable[bytes],
        fault: Fault | None,
        request_id: str,
    ) -> bool:
        close = not self._chunked or (fault is not None and fault.ends_stream_early)
        if self._chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        if close:
            headers.append(("Connection", "close"))
        self._send(head(status, headers))
        output = _Output(self._send, chunked=self._chunked, split=fault.split_bytes if fault else None)
        self._pump(output, events, fault or Fault(), request_id)
        output.finish()
        return not close

    def _pump(self, output: _Output, events: Iterable[bytes], fault: Fault, request_id: str) -> None:
        ping = fault.ping_every if fault.ping_every is not None else self._ping_every
        for index, event in enumerate(events):
            if index == fault.truncate_after_events:
                return
            if index == fault.error_event_after:
                output.write(error_event(request_id))
                return
            if index == fault.stall_after_events:
                output.flush()
                self._stopping.wait(fault.stall_seconds)
            if index and ping and index % ping == 0:
                output.write(_crlf(PING_EVENT) if fault.crlf else PING_EVENT)
            if index and self._chunk_delay > 0:
                output.flush()
                self._stopping.wait(self._chunk_delay)
            output.write(_crlf(event) if fault.crlf else event)


def _crlf(event: bytes) -> bytes:
    return event if b"\r" in event else event.replace(b"\n", b"\r\n")
