"""Reading a reply off the wire under `ReplyLimits`: whole bodies, their JSON objects, server-sent events.

httpx's own readers (`read`, `iter_bytes`, httpx-sse's line splitter) buffer whatever arrives and inflate a
whole network read at once. Here the raw bytes (`iter_raw`) go through `BoundedDecoder` one piece at a time,
and every piece is counted before the next is inflated, so a bomb or an endless line costs one limit's worth
of memory, never the bomb's size. No LangChain types; the sync and async twins share the counting.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any, Final, cast

import httpx

from langchain_toiotech._http.limits import BoundedDecoder, ReplyLimits, excerpt, parse_json
from langchain_toiotech._http.sse import ServerSentEvent, SSEDecoder
from langchain_toiotech.errors import MalformedResponseError, ResponseTooLargeError

_DROPPED_HEADERS: Final = ("content-encoding", "content-length", "transfer-encoding")


class _Body:
    """The decoded bytes of one body, counted against its limit piece by piece as they are inflated."""

    def __init__(self, response: httpx.Response, limits: ReplyLimits) -> None:
        self.is_error = not response.is_success
        self.limit = limits.max_error_body_bytes if self.is_error else limits.max_body_bytes
        # Kept as the pieces read and joined once at the end: a body that arrives in one read (most replies)
        # is then never copied, where a bytearray would copy every byte twice.
        self.pieces: list[bytes] = []
        self.size = 0
        self.decoder: BoundedDecoder | None = None
        # Identity (most replies): each raw read is its own decoded piece (httpcore reads at most 64 KiB at a
        # time), so no decoder is built and none is flushed.
        self.identity = False
        # Asked before touching `content`, which raises (and so builds an exception) on every unread response.
        self.needs_raw = not response.is_stream_consumed
        if not self.needs_raw:
            # Already held by httpx (a mock transport, a response built in memory), and already decoded.
            self._count(response.content[: self.limit + 1])
            return
        encoding = response.headers.get("content-encoding", "")
        if not encoding:
            self.identity = True
        else:
            self._decode(lambda: iter([]), encoding)

    def add(self, raw: bytes) -> bool:
        """Count in the next raw bytes; True once the body is complete (an error body cut at its limit)."""
        if self.identity:
            return self._count(raw)
        decoder = self.decoder
        if decoder is None:
            return True
        if decoder.passes_through:  # `identity` spelled out: the decoder's generators would only re-yield it
            return self._count(raw)
        return self._decode(lambda: decoder.decode(raw))

    def finish(self) -> bytes:
        """The decoded body (what the decoder still held included)."""
        if (decoder := self.decoder) is not None:
            self._decode(decoder.flush)
        content = b"".join(self.pieces)  # one piece: the same object, no copy
        return content[: self.limit] if self.size > self.limit else content

    def _decode(self, pieces: Callable[[], Iterator[bytes]], encoding: str | None = None) -> bool:
        """Count the pieces a decoding step yields; an error body that does not decode keeps what did."""
        try:
            if encoding is not None:
                self.decoder = BoundedDecoder(encoding)
            for piece in pieces():
                if self._count(piece):
                    return True
        except MalformedResponseError:
            if not self.is_error:
                raise
            self.decoder = None  # the status says what went wrong; the body only explained it
            return True
        return False

    def _count(self, piece: bytes) -> bool:
        self.pieces.append(piece)
        self.size += len(piece)
        if self.size <= self.limit:
            return False
        if not self.is_error:
            raise ResponseTooLargeError(limit="max_body_bytes", max_bytes=self.limit, what="a reply body")
        # The status is the error; its body only explains it, so a prefix is enough for the message (`finish`
        # cuts it to the limit).
        self.identity = False
        self.decoder = None
        return True


def read_content(response: httpx.Response, limits: ReplyLimits) -> bytes:
    """Read a whole reply under the limits; return its decoded body.

    A 2xx body may be up to `max_body_bytes`; a 4xx/5xx body is cut to `max_error_body_bytes`.

    Raises:
        ResponseTooLargeError: A 2xx body larger than `max_body_bytes`.
        MalformedResponseError: A 2xx body in an encoding that cannot be decoded.
    """
    body = _Body(response, limits)
    if body.needs_raw:
        for raw in response.iter_raw():
            if body.add(raw):
                break
    return body.finish()


async def aread_content(response: httpx.Response, limits: ReplyLimits) -> bytes:
    """Async twin of `read_content`."""
    body = _Body(response, limits)
    if body.needs_raw:
        async for raw in response.aiter_raw():
            if body.add(raw):
                break
    return body.finish()


def json_object(response: httpx.Response, content: bytes) -> dict[str, Any]:
    """The JSON object a whole reply's decoded body holds, exactly as sent.

    Raises:
        MalformedResponseError: The body is not JSON, nests too deeply, or is not an object.
    """
    try:
        body = parse_json(content, what="a reply")
    except MalformedResponseError:
        # Parsed again only to name the reply in the error: building the name (the URL's path is unquoted in
        # Python) would cost every good reply more than the rare bad one pays for a second parse.
        body = parse_json(content, what=_reply_name(response))
    if not isinstance(body, dict):
        what = _reply_name(response)
        message = f"The gateway sent {what} whose JSON is not an object: {excerpt(content)}"
        raise MalformedResponseError(message, what=what)
    return cast("dict[str, Any]", body)


def _reply_name(response: httpx.Response) -> str:
    return f"a {response.status_code} reply to {response.request.method} {response.request.url.path}"


def read_copy(response: httpx.Response, content: bytes) -> httpx.Response:
    """A read copy of the response holding its decoded body (the original is closed by its owner).

    Built only where a whole response must outlive the read, as an error's `response` does.
    """
    headers = [(name, value) for name, value in response.headers.multi_items() if name not in _DROPPED_HEADERS]
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a response built in memory, never sent
        request = None
    return httpx.Response(
        response.status_code, headers=headers, content=content, request=request, extensions=response.extensions
    )


class _EventReader:
    """Raw bytes of an event stream → `ServerSentEvent`s, each line and event bounded by `max_event_bytes`."""

    def __init__(self, response: httpx.Response, limits: ReplyLimits) -> None:
        self.sse = SSEDecoder(limits.max_event_bytes)
        try:
            self.held: bytes | None = response.content
        except httpx.ResponseNotRead:
            self.held = None
        encoding = "" if self.held is not None else response.headers.get("content-encoding", "")
        self.decoder = BoundedDecoder(encoding)

    def feed(self, raw: bytes) -> Iterator[ServerSentEvent]:
        for piece in self.decoder.decode(raw):
            yield from self.sse.feed(piece)

    def finish(self) -> Iterator[ServerSentEvent]:
        for piece in self.decoder.flush():
            yield from self.sse.feed(piece)
        yield from self.sse.flush()


def iter_events(response: httpx.Response, limits: ReplyLimits) -> Iterator[ServerSentEvent]:
    """Yield the server-sent events of a streaming response as their bytes arrive.

    Raises:
        ResponseTooLargeError: One line, or one event's data, is larger than `max_event_bytes`.
    """
    reader = _EventReader(response, limits)
    for raw in response.iter_raw() if reader.held is None else [reader.held]:
        yield from reader.feed(raw)
    yield from reader.finish()


async def aiter_events(response: httpx.Response, limits: ReplyLimits) -> AsyncGenerator[ServerSentEvent, None]:
    """Async twin of `iter_events`."""
    reader = _EventReader(response, limits)
    if reader.held is not None:
        for event in reader.feed(reader.held):
            yield event
    else:
        raw_chunks = cast("AsyncGenerator[bytes, None]", response.aiter_raw())  # httpx's is an async generator
        async with contextlib.aclosing(raw_chunks) as raws:
            async for raw in raws:
                for event in reader.feed(raw):
                    yield event
    for event in reader.finish():
        yield event
