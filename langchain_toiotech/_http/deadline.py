"""Deadlines for whole calls: a moment in a contextvar after which no network read, write or connect may wait.

httpx's timeouts bound each read, so a server that drips one byte a second never trips them. A deadline is an
absolute time (`time.monotonic()`) that the transport sets for a whole call and the stream readers set for the
first content and the total duration; `deadline_scope` sets it for a block, the earlier deadline winning. It is
enforced in three places:

- our own pooled sync clients read through `DeadlineBackend`, an httpcore network backend whose streams cap
  every connect, read and write timeout at the time left, so a drip of headers or body ends at the deadline;
- `DeadlineByteStream` wraps a response body and checks the deadline before each raw read (any client, so
  also a caller's own `http_client`, where a drip is then caught within one read of the deadline);
- async code runs under `asyncio.timeout_at` (`adeadline_scope`), which cancels whatever read is waiting.

No LangChain types here; expiry surfaces as httpx/httpcore timeout exceptions, which the transport maps.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Final, NamedTuple

import httpcore
import httpx

from langchain_toiotech._http.client_pools import transports_of
from langchain_toiotech.errors import APITimeoutError

_DEADLINE: Final[ContextVar[float | None]] = ContextVar("toiotech_deadline", default=None)
_CAP_TOLERANCE: Final = 0.1


def earliest(*moments: float | None) -> float | None:
    """The earliest of some deadlines, None standing for "none"."""
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None


def after(seconds: float | None) -> float | None:
    """The deadline `seconds` from now (None: no deadline)."""
    return None if seconds is None else time.monotonic() + seconds


def time_left() -> float | None:
    """Seconds left before the current deadline (negative once it passed), or None without one."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


def expired() -> bool:
    """Tell whether the current deadline has passed."""
    # Reads the contextvar itself rather than through `time_left`: it runs before every raw read of a body.
    deadline = _DEADLINE.get()
    return deadline is not None and deadline <= time.monotonic()


class _DeadlineScope:
    """The context manager `deadline_scope` returns: a class, not a generator, as it wraps every call."""

    __slots__ = ("_at", "_token")

    def __init__(self, at: float | None) -> None:
        self._at = at
        self._token: Token[float | None] | None = None

    def __enter__(self) -> None:
        at = self._at
        if at is None:
            return
        current = _DEADLINE.get()
        if current is None or at < current:
            self._token = _DEADLINE.set(at)

    def __exit__(self, *_: object) -> None:
        if self._token is not None:
            _DEADLINE.reset(self._token)
            self._token = None


def deadline_scope(at: float | None) -> AbstractContextManager[None]:
    """Bound the reads of this block by the moment `at`, or by an earlier deadline already in force.

    Never yield to other code inside the scope (e.g. from a generator): the contextvar would follow it.
    """
    return _DeadlineScope(at)


@asynccontextmanager
async def adeadline_scope(at: float | None) -> AsyncIterator[None]:
    """Async twin of `deadline_scope`: also cancels a read still waiting at the deadline (raises TimeoutError)."""
    at = earliest(at, _DEADLINE.get())
    if at is None:
        yield
        return
    with deadline_scope(at):
        # asyncio's clock is time.monotonic() on the standard loops, as are our deadlines.
        async with asyncio.timeout(at - time.monotonic()):
            yield


@dataclass(slots=True)
class StreamDeadlines:
    """When one stream must show its first content and when it must be over (None: no bound).

    `first_content` bounds the wait from the request's start to the first event that carries answer material
    (pings, comments and bookkeeping events do not count); `total` bounds the whole stream.
    """

    first_content: float | None
    total: float | None
    first_content_by: float | None = None
    ends_by: float | None = None
    content_seen: bool = False

    def __post_init__(self) -> None:
        """Start both clocks now."""
        self.first_content_by = after(self.first_content)
        self.ends_by = after(self.total)

    def next_bound(self) -> float | None:
        """The deadline of the next read: the first content's until it arrived, then the total's."""
        if self.content_seen:
            return self.ends_by
        return earliest(self.first_content_by, self.ends_by)

    def expiry_message(self) -> str | None:
        """What a timeout at this moment means, if a bound has passed (None: it was a stall)."""
        now = time.monotonic()
        if self.ends_by is not None and now >= self.ends_by:
            return f"The stream did not finish within stream_total_timeout ({self.total:g} s)."
        if not self.content_seen and self.first_content_by is not None and now >= self.first_content_by:
            return (
                f"The stream sent no content within the call's timeout of {self.first_content:g} s "
                "(pings and empty events do not count); raise `timeout` for models that think longer."
            )
        return None


def deadline_error(seconds: float | None) -> APITimeoutError:
    """The error of a call that did not finish within its `timeout` (all its attempts together)."""
    return APITimeoutError(
        f"The gateway did not answer within the call's timeout of {seconds:g} s (connect, headers and body, "
        "retries included); raise `timeout` for slower answers."
    )


@asynccontextmanager
async def acall_deadline(seconds: float | None, *, at: float | None = None) -> AsyncIterator[None]:
    """Run the block within `seconds` from now (or until `at`); expiry becomes the call's `APITimeoutError`."""
    try:
        async with adeadline_scope(after(seconds) if at is None else at):
            yield
    except TimeoutError as error:
        raise deadline_error(seconds) from error


def call_bound(timeout: httpx.Timeout) -> float | None:
    """The bound on a whole call from its httpx timeouts: the largest value, none if any value is None (unbounded)."""
    values = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    return None if None in values else max(value for value in values if value is not None)


class OpenStream(NamedTuple):
    """A streaming response with the deadlines its reader must keep."""

    response: httpx.Response
    deadlines: StreamDeadlines


def capped(timeout: float | None, expiry: type[Exception]) -> float | None:
    """A per-operation timeout shortened to the time left; raise `expiry` when none is left."""
    # Every socket read and write of our pooled clients passes here: one function, no helper calls.
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        msg = "The call's deadline passed."
        raise expiry(msg)
    return left if timeout is None else min(timeout, left)


def capped_timeout(timeout: httpx.Timeout, *, reads: bool = True) -> httpx.Timeout:
    """A request's httpx timeouts, none longer than the time left (for clients without `DeadlineBackend`).

    With `reads=False` the read timeout is kept: a stream's reads outlive the deadline of its first content,
    and `stream_chunk_timeout` is what bounds its silences after that.
    """
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = max(deadline - time.monotonic(), 0.0)
    # A value barely over the time left is kept: the overrun is negligible and a first attempt then carries the
    # caller's timeouts exactly; a retry's are cut to what remains.
    limit = left + _CAP_TOLERANCE
    connect, read, write, pool = timeout.connect, timeout.read, timeout.write, timeout.pool
    if (
        connect is not None
        and write is not None
        and pool is not None
        and connect <= limit
        and write <= limit
        and pool <= limit
        and (not reads or (read is not None and read <= limit))
    ):
        return timeout  # the same object, and no call made: a first attempt on invoke's path
    return httpx.Timeout(
        connect=_cap(connect, left),
        read=_cap(read, left) if reads else read,
        write=_cap(write, left),
        pool=_cap(pool, left),
    )


def _cap(value: float | None, left: float) -> float:
    return value if value is not None and value <= left + _CAP_TOLERANCE else left


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation waits no longer than the current deadline allows."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        """Wrap a stream opened by another backend."""
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read, waiting at most until the deadline."""
        return self._stream.read(max_bytes, capped(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write, waiting at most until the deadline."""
        self._stream.write(buffer, capped(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        """Close the wrapped stream."""
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """Upgrade to TLS, the handshake bounded by the deadline; the TLS stream is bounded too."""
        stream = self._stream.start_tls(ssl_context, server_hostname, capped(timeout, httpcore.ConnectTimeout))
        return DeadlineStream(stream)

    def get_extra_info(self, info: str) -> object:
        """What the wrapped stream says (socket, ssl_object, addresses)."""
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """An httpcore network backend whose connections honour the current deadline."""

    def __init__(self, backend: httpcore.NetworkBackend | None = None) -> None:
        """Wrap a backend (httpcore's own sync backend by default)."""
        self._backend = backend or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect, waiting at most until the deadline."""
        timeout = capped(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to a Unix socket, waiting at most until the deadline."""
        timeout = capped(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        """Sleep as the wrapped backend does."""
        self._backend.sleep(seconds)


def install_deadline_backend(client: httpx.Client) -> bool:
    """Make a client we built read through `DeadlineBackend`, keeping its pools and proxy mounts.

    httpx builds its httpcore pools itself and offers no `network_backend` argument; passing our own
    `transport=` instead would drop the proxies httpx reads from the environment. So the backend of each pool
    the client owns is wrapped in place. Never called on a caller's client.

    Returns:
        Whether every pool of the client now honours deadlines (False if httpx's internals changed).
    """
    installed = True
    for transport in transports_of(client):
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, DeadlineBackend):
            continue
        if transport is not None and not isinstance(backend, httpcore.NetworkBackend):
            installed = False
            continue
        if pool is not None:
            pool._network_backend = DeadlineBackend(backend)  # noqa: SLF001
    return installed


class DeadlineByteStream(httpx.SyncByteStream):
    """A response body read through one iterator, with the deadline checked before each raw read.

    The one iterator matters: the stream decoder reads the body up to the terminal event, and the transport
    then continues the same iterator to drain the rest; a second `iter(stream)` on httpx's own stream would
    start a new iterator, and dropping the first closes the connection.
    """

    def __init__(self, stream: httpx.SyncByteStream) -> None:
        """Wrap a response's stream."""
        self._stream = stream
        self._chunks: Iterator[bytes] | None = None

    def __iter__(self) -> Iterator[bytes]:
        """The body's one raw-chunk iterator."""
        if self._chunks is None:
            self._chunks = self._checked()
        return self._chunks

    def _checked(self) -> Iterator[bytes]:
        chunks = iter(self._stream)
        monotonic, current = time.monotonic, _DEADLINE.get  # `expired()` inlined: it runs before every read
        while True:
            deadline = current()
            if deadline is not None and deadline <= monotonic():
                msg = "The call's deadline passed while the body was being read."
                raise httpx.ReadTimeout(msg)
            chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        """Close the wrapped stream (and so release or drop its connection)."""
        self._stream.close()


class AsyncDeadlineByteStream(httpx.AsyncByteStream):
    """Async twin of `DeadlineByteStream` (the deadline itself is enforced by `adeadline_scope`)."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        """Wrap a response's stream."""
        self._stream = stream
        self._chunks: AsyncIterator[bytes] | None = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        """The body's one raw-chunk iterator."""
        if self._chunks is None:
            self._chunks = self._stream.__aiter__()
        return self._chunks

    async def aclose(self) -> None:
        """Close the wrapped stream."""
        await self._stream.aclose()
