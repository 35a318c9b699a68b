"""Server-sent events from the gateway → JSON chunk dicts, with in-band errors and truncation detected.

SSE framing (CRLF, comments such as `: PING`, events split at any byte, UTF-8 split inside a character)
is decoded by `_http.reading.iter_events` under the reply limits; this module adds the gateway's rules on top:
stop at `[DONE]`, raise on a `{"error": ...}` event, and raise when a stream ends before it said it was
finished, so a cut-off answer is never mistaken for a short one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import Any, Final, cast

import httpx

from langchain_toiotech._http.deadline import StreamDeadlines, adeadline_scope, deadline_scope
from langchain_toiotech._http.limits import DEFAULT_REPLY_LIMITS, ReplyLimits, excerpt, parse_json
from langchain_toiotech._http.reading import aiter_events, aread_content, iter_events, read_content
from langchain_toiotech._http.reply_shape import chat_choices
from langchain_toiotech._http.sse import ServerSentEvent
from langchain_toiotech.errors import APITimeoutError, MalformedStreamError, StreamError

JSONObject = dict[str, Any]

_DONE: Final = "[DONE]"
RESPONSES_TERMINAL: Final = frozenset({"response.completed", "response.incomplete"})
"""Responses events that end a stream with an answer; the stream assembler reads the final response from them."""
RESPONSES_FAILED: Final = frozenset({"response.failed", "error"})
"""Responses events that end a stream with a failure: raised here, so no assembler ever sees one."""


def is_event_stream(response: httpx.Response) -> bool:
    """Tell whether the response is SSE (some gateways answer `stream: true` with a plain JSON body)."""
    return "text/event-stream" in response.headers.get("content-type", "")


def _parse_event_data(data: str) -> JSONObject:
    payload = parse_json(data, what="a stream event", error=MalformedStreamError)
    if not isinstance(payload, dict):
        message = f"The gateway sent a stream event that is not a JSON object: {excerpt(data)}"
        raise MalformedStreamError(message, what="a stream event")
    return cast("JSONObject", payload)


def stream_error_from_payload(payload: JSONObject, *, prefix: str = "The stream failed") -> StreamError:
    """Build the `StreamError` for an in-band error object in any of the vendors' shapes."""
    error: Any = payload.get("error")
    if error is None and isinstance(payload.get("response"), dict):
        error = payload["response"].get("error")
    if not isinstance(error, dict):
        error = payload if "message" in payload else {"message": str(error or "unknown error")}
    message = str(error.get("message") or "unknown error")
    code = error.get("code") or error.get("type")
    return StreamError(f"{prefix}: {message}", body=payload, code=str(code) if code else None)


class ChatStreamState:
    """Reads chat-completions events and remembers whether the stream finished properly."""

    def __init__(self) -> None:
        """Start before the first event."""
        self.done = False
        self.saw_finish_reason = False

    def accept(self, data: str) -> JSONObject | None:
        """Take one event's data; return its chunk, or None for `[DONE]` and empty events."""
        data = data.strip()
        if not data:
            return None
        if data == _DONE:
            self.done = True
            return None
        chunk = _parse_event_data(data)
        choices = chat_choices(chunk, what="a stream chunk", error=MalformedStreamError)
        if chunk.get("error") is not None:
            raise stream_error_from_payload(chunk, prefix="The gateway reported an error mid-stream")
        for choice in choices:
            if isinstance(choice, dict) and choice.get("finish_reason"):
                self.saw_finish_reason = True
        return chunk

    def finish(self) -> None:
        """Raise if the stream ended with neither `[DONE]` nor any `finish_reason`."""
        if not self.done and not self.saw_finish_reason:
            msg = "The stream ended before the gateway finished the answer (no [DONE], no finish_reason)."
            raise StreamError(msg)


class ResponsesStreamState:
    """Reads Responses-API events; the stream must end with a terminal `response.*` event."""

    def __init__(self) -> None:
        """Start before the first event."""
        self.done = False

    def accept(self, event: ServerSentEvent) -> JSONObject | None:
        """Take one event; return its payload (with `type` set), or None for `[DONE]`."""
        data = event.data.strip()
        if not data:
            return None
        if data == _DONE:
            self.done = True
            return None
        payload = _parse_event_data(data)
        kind = payload.setdefault("type", event.event)
        if kind in RESPONSES_FAILED:
            raise stream_error_from_payload(payload, prefix="The Responses stream failed")
        if kind in RESPONSES_TERMINAL:
            self.done = True
        return payload

    def finish(self) -> None:
        """Raise if no terminal event arrived."""
        if not self.done:
            msg = "The Responses stream ended without response.completed (the answer was cut off)."
            raise StreamError(msg)


def completion_as_chunk(body: JSONObject) -> JSONObject:
    """Turn a whole (non-stream) chat completion into one equivalent stream chunk."""
    choices = [
        {
            "index": choice.get("index", 0),
            "delta": choice.get("message") or {},
            "finish_reason": choice.get("finish_reason") or "stop",
        }
        for choice in chat_choices(body, what="a chat completion")
    ]
    return {**body, "object": "chat.completion.chunk", "choices": choices}


def _mid_stream_failure(error: httpx.TransportError, deadlines: StreamDeadlines) -> Exception:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(
            deadlines.expiry_message() or "The stream stalled: no data arrived within the stream timeout."
        )
    return StreamError(f"The connection broke mid-stream ({type(error).__name__}); the answer is incomplete.")


def _expired(deadlines: StreamDeadlines) -> APITimeoutError:
    """The error of an async read that `adeadline_scope` cut short."""
    return APITimeoutError(deadlines.expiry_message() or "The stream passed its deadline.")


def _carries_answer(chunk: JSONObject) -> bool:
    """Tell whether a chat chunk holds answer material: text, reasoning, a tool call, a finish reason or usage.

    A role-only or empty delta does not count: a relay that sends only those is as silent as one that pings.
    """
    if chunk.get("usage"):
        return True
    for choice in chunk.get("choices") or []:
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta")
        if choice.get("finish_reason") or (
            isinstance(delta, dict) and any(value for key, value in delta.items() if key != "role")
        ):
            return True
    return False


_RESPONSES_BOOKKEEPING: Final = frozenset({"response.created", "response.in_progress", "response.queued"})


def _guarded(events: Iterator[ServerSentEvent], deadlines: StreamDeadlines) -> Iterator[ServerSentEvent]:
    """The events, each wait bounded by the stream's next deadline (first content, then total)."""
    while True:
        bound = deadlines.next_bound()
        if bound is None:
            event = next(events, None)
        else:
            with deadline_scope(bound):
                event = next(events, None)
        if event is None:
            return
        yield event


async def _aguarded(
    events: AsyncGenerator[ServerSentEvent, None], deadlines: StreamDeadlines
) -> AsyncGenerator[ServerSentEvent, None]:
    """Async twin of `_guarded`; an expired deadline raises `APITimeoutError`. Closing it closes `events`."""
    async with contextlib.aclosing(events):
        while True:
            bound = deadlines.next_bound()
            if bound is None:
                event = await anext(events, None)
            else:
                try:
                    async with adeadline_scope(bound):
                        event = await anext(events, None)
                except TimeoutError as error:
                    raise _expired(deadlines) from error
            if event is None:
                return
            yield event


def _unexpected_body(response: httpx.Response, body: bytes) -> JSONObject:
    """Decode a non-SSE 200 body: an error becomes StreamError, a whole completion is returned."""
    content_type = response.headers.get("content-type", "none")
    what = f"a {content_type} reply (not an event stream)"
    payload = parse_json(body, what=what, error=MalformedStreamError)
    if not isinstance(payload, dict) or payload.get("error") is not None:
        raise stream_error_from_payload(payload if isinstance(payload, dict) else {"error": payload})
    return cast("JSONObject", payload)


def _read_whole(response: httpx.Response, deadlines: StreamDeadlines, limits: ReplyLimits) -> bytes:
    """The body of a non-SSE reply to a stream request, read within the first content's deadline and limits."""
    try:
        with deadline_scope(deadlines.next_bound()):
            return read_content(response, limits)
    except httpx.TransportError as error:
        raise _mid_stream_failure(error, deadlines) from error


async def _aread_whole(response: httpx.Response, deadlines: StreamDeadlines, limits: ReplyLimits) -> bytes:
    """Async twin of `_read_whole`."""
    try:
        async with adeadline_scope(deadlines.next_bound()):
            return await aread_content(response, limits)
    except TimeoutError as error:
        raise _expired(deadlines) from error
    except httpx.TransportError as error:
        raise _mid_stream_failure(error, deadlines) from error


# The iterators stop at the terminal event: the caller's transport reads or drops what follows (`_http.release`),
# so the final chunk reaches the caller at once whatever the server does after it.


def iter_chat_chunks(
    response: httpx.Response,
    deadlines: StreamDeadlines | None = None,
    limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
) -> Iterator[JSONObject]:
    """Yield the chat chunks of a streaming response, up to `[DONE]` (the caller closes it)."""
    deadlines = deadlines or StreamDeadlines(None, None)
    if not is_event_stream(response):
        yield completion_as_chunk(_unexpected_body(response, _read_whole(response, deadlines, limits)))
        return
    state = ChatStreamState()
    events = iter_events(response, limits)
    try:
        for event in _guarded(events, deadlines):
            chunk = state.accept(event.data)
            if state.done:
                return
            if chunk is not None:
                deadlines.content_seen = deadlines.content_seen or _carries_answer(chunk)
                yield chunk
    except httpx.TransportError as error:
        raise _mid_stream_failure(error, deadlines) from error
    state.finish()


async def aiter_chat_chunks(
    response: httpx.Response,
    deadlines: StreamDeadlines | None = None,
    limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
) -> AsyncIterator[JSONObject]:
    """Async twin of `iter_chat_chunks`."""
    deadlines = deadlines or StreamDeadlines(None, None)
    if not is_event_stream(response):
        yield completion_as_chunk(_unexpected_body(response, await _aread_whole(response, deadlines, limits)))
        return
    state = ChatStreamState()
    # Closed here, not left to the garbage collector: a loop closed by hand would never run their finalisers.
    async with contextlib.aclosing(_aguarded(aiter_events(response, limits), deadlines)) as events:
        try:
            async for event in events:
                chunk = state.accept(event.data)
                if state.done:
                    return
                if chunk is not None:
                    deadlines.content_seen = deadlines.content_seen or _carries_answer(chunk)
                    yield chunk
        except httpx.TransportError as error:
            raise _mid_stream_failure(error, deadlines) from error
    state.finish()


def iter_responses_events(
    response: httpx.Response,
    deadlines: StreamDeadlines | None = None,
    limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
) -> Iterator[JSONObject]:
    """Yield the Responses-API events of a streaming response, up to the terminal one (the caller closes it)."""
    deadlines = deadlines or StreamDeadlines(None, None)
    if not is_event_stream(response):
        yield {
            "type": "response.completed",
            "response": _unexpected_body(response, _read_whole(response, deadlines, limits)),
        }
        return
    state = ResponsesStreamState()
    events = iter_events(response, limits)
    try:
        for event in _guarded(events, deadlines):
            payload = state.accept(event)
            if payload is not None:
                deadlines.content_seen = deadlines.content_seen or payload["type"] not in _RESPONSES_BOOKKEEPING
                yield payload
            if state.done:
                return
    except httpx.TransportError as error:
        raise _mid_stream_failure(error, deadlines) from error
    state.finish()


async def aiter_responses_events(
    response: httpx.Response,
    deadlines: StreamDeadlines | None = None,
    limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
) -> AsyncIterator[JSONObject]:
    """Async twin of `iter_responses_events`."""
    deadlines = deadlines or StreamDeadlines(None, None)
    if not is_event_stream(response):
        body = _unexpected_body(response, await _aread_whole(response, deadlines, limits))
        yield {"type": "response.completed", "response": body}
        return
    state = ResponsesStreamState()
    async with contextlib.aclosing(_aguarded(aiter_events(response, limits), deadlines)) as events:
        try:
            async for event in events:
                payload = state.accept(event)
                if payload is not None:
                    deadlines.content_seen = deadlines.content_seen or payload["type"] not in _RESPONSES_BOOKKEEPING
                    yield payload
                if state.done:
                    return
        except httpx.TransportError as error:
            raise _mid_stream_failure(error, deadlines) from error
    state.finish()
