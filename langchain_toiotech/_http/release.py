"""The end of a response: what is left of a finished stream's body is read within small bounds, else dropped.

A stream is over for the caller at its terminal event (`[DONE]`, `response.completed`), but its connection
goes back to the pool only once the body has been read to its end; dropped unread, the next call pays a new
TCP and TLS handshake (the README's sequential-stream benchmark). Normally the end of the body arrives with
the terminal event or right after it, so it is read when it is already there or arrives within
`DRAIN_SECONDS` and `max_bytes`; a server that holds the socket open, pings on, or sends junk after the end
costs one closed connection instead. Also here: the release of what one attempt of a request holds (its
response, what building it opened, its place in the pool), in that order. No LangChain types here.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Final, Protocol, Self, cast

import httpx

from langchain_toiotech._http.deadline import (
    AsyncDeadlineByteStream,
    DeadlineByteStream,
    DeadlineStream,
    deadline_scope,
)

DRAIN_SECONDS: Final = 0.05
"""How long the end of a finished stream's body may take to arrive before the connection is dropped.

A gateway writes the chunked-encoding terminator with, or a few milliseconds after, the terminal event, so
50 ms covers loopback, LAN and relay gaps many times over while staying invisible next to a model's answer;
past it a reconnect (one handshake) is cheaper than waiting, and a server that never ends the body costs the
caller no more than this.
"""


class _Leaving(Protocol):
    """A pool an admitted request leaves (`_shards`): one place and one in flight on a shard given back."""

    def leave(self, index: int) -> None: ...


def guard_body(response: httpx.Response) -> None:
    """Read the response's body through one deadline-checked iterator, which `drain` can continue."""
    if isinstance(response.stream, httpx.SyncByteStream):
        response.stream = DeadlineByteStream(response.stream)
    else:
        response.stream = AsyncDeadlineByteStream(response.stream)


def drain(response: httpx.Response, max_bytes: int) -> bool:
    """Read the rest of a finished stream's body within `DRAIN_SECONDS` and `max_bytes`.

    Args:
        response: The finished stream's response (its body guarded by `guard_body`).
        max_bytes: The most raw bytes read before the connection is dropped: the caller's
            `ReplyLimits.max_drain_bytes`, whose default is the one place that number lives.

    Returns:
        Whether the body ended within the bounds (its connection then goes back to the pool on close).
    """
    if response.is_closed:
        return True
    with deadline_scope(time.monotonic() + DRAIN_SECONDS), _cut_off_after(response, DRAIN_SECONDS):
        read = 0
        try:
            for chunk in cast("httpx.SyncByteStream", response.stream):
                read += len(chunk)
                if read > max_bytes:
                    return False
        except httpx.TransportError:
            return False  # the answer is complete: a failure after it is not the caller's concern
    return True


@contextmanager
def _cut_off_after(response: httpx.Response, seconds: float) -> Iterator[None]:
    """On a connection our backend does not bound (a caller's client), shut its socket down if the block overruns.

    A shutdown is the one way to wake a thread blocked reading a socket; the connection is then dropped, which is
    what an overrun means anyway. The lock makes sure it never happens once the block is over: the connection
    may then be back in the pool, serving another call. Our own pooled connections need none of this.
    """
    stream = response.extensions.get("network_stream")
    sock = None if isinstance(stream, DeadlineStream) or stream is None else stream.get_extra_info("socket")
    if not isinstance(sock, socket.socket):
        yield
        return
    lock = threading.Lock()
    over = False

    def cut() -> None:
        with lock:
            if not over:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, under TLS too

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            over = True
        timer.cancel()


async def adrain(response: httpx.Response, max_bytes: int) -> bool:
    """Async twin of `drain`."""
    if response.is_closed:
        return True
    read = 0
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            async for chunk in cast("httpx.AsyncByteStream", response.stream):
                read += len(chunk)
                if read > max_bytes:
                    return False
    except (TimeoutError, httpx.TransportError):
        return False
    return True


def release_attempt(response: httpx.Response | None, resources: ExitStack, pool: _Leaving | None, slot: int) -> None:
    """Close an attempt's response, then what its request opened, then give its pool place back (each always)."""
    try:
        if response is not None:
            response.close()
    finally:
        try:
            resources.close()
        finally:
            if pool is not None:
                pool.leave(slot)


async def arelease_attempt(
    response: httpx.Response | None, resources: ExitStack, pool: _Leaving | None, slot: int
) -> None:
    """Async twin of `release_attempt`."""
    try:
        if response is not None:
            await response.aclose()
    finally:
        release_attempt(None, resources, pool, slot)  # the rest is synchronous


class HeldAttempt:
    """The successful attempt of a request while its reply is in use; leaving `with` / `async with` releases it.

    A plain class rather than a generator context manager: every call goes through one.

    Attributes:
        response: The successful response (its body unread for a stream).
        content: Its decoded body, read under the reply limits (empty for a stream).
    """

    __slots__ = ("content", "pool", "resources", "response", "slot")

    def __init__(
        self, response: httpx.Response, content: bytes, resources: ExitStack, pool: _Leaving | None, slot: int
    ) -> None:
        """Hold the attempt's response and body, what building its request opened, and its pool place."""
        self.response = response
        self.content = content
        self.resources = resources
        self.pool = pool
        self.slot = slot

    def __enter__(self) -> Self:
        """The attempt itself."""
        return self

    def __exit__(self, *_: object) -> None:
        """Release the attempt (`release_attempt`)."""
        release_attempt(self.response, self.resources, self.pool, self.slot)

    async def __aenter__(self) -> Self:
        """The attempt itself."""
        return self

    async def __aexit__(self, *_: object) -> None:
        """Release the attempt (`arelease_attempt`)."""
        await arelease_attempt(self.response, self.resources, self.pool, self.slot)
