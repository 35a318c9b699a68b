"""Server-sent events from the gateway → JSON chunk dicts, with in-band errors and truncation detected.

SSE framing (CRLF, comments such as `: PING`, events split at any byte, UTF-8 split inside a character)
is decoded by `_http.reading.iter_events` under the reply limits; this module adds the gateway's rules on top:
stop at `[DONE]`, raise on a `{"error": ...}` event, and raise when a stream ends before it said it was
finished, so a cut-off answer is never mistaken for a short one. Each route's rules are one pure state object
(`ChatStreamState`, `ResponsesStreamState`); one sync and one async driver feed them the events.
"""

from __future__ import annotations

import abc
import contextlib
import functools
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
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
_RESPONSES_BOOKKEEPING: Final = frozenset({"response.created", "response.in_progress", "response.queued"})
"""Responses events that carry no answer material: they do not meet the first content's deadline."""


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


class _EventRules(abc.ABC):
    """One route's rules for its stream events, and what the stream has shown so far (pure: no I/O).

    `accept` takes one event and returns what to yield (None: nothing), setting `done` at the terminal event
    and the deadlines' `content_seen` at the first answer material; `whole` turns a non-SSE reply into the one
    item it stands for; `finish` raises if the stream ended before it said it was finished. The two drivers
    below only read events and hand them over, so the sync and async streams cannot drift apart.
    """

    __slots__ = ("deadlines", "done")

    def __init__(self, deadlines: StreamDeadlines | None) -> None:
        """Start before the first event; with no deadlines the stream is unbounded in time."""
        self.deadlines = deadlines or StreamDeadlines(None, None)
        self.done = False

    def accept(self, event: ServerSentEvent) -> JSONObject | None:
        """Take one event; return the item it yields, or None (empty events, `[DONE]`)."""
        data = event.data.strip()
        if not data:
            return None
        if data == _DONE:
            self.done = True
            return None
        return self._take(_parse_event_data(data), event.event)

    @abc.abstractmethod
    def _take(self, payload: JSONObject, kind: str) -> JSONObject:
        """The route's rule for one event's JSON object (`kind`: the SSE event name)."""

    @abc.abstractmethod
    def whole(self, body: JSONObject) -> JSONObject:
        """The one item a whole (non-SSE) reply body stands for."""

    @abc.abstractmethod
    def finish(self) -> None:
        """Raise `StreamError` if the stream ended before its end was announced."""


class ChatStreamState(_EventRules):
    """Chat-completions events: chunks up to `[DONE]`; a stream cut before any `finish_reason` is an error."""

    __slots__ = ("saw_finish_reason",)

    def __init__(self, deadlines: StreamDeadlines | None = None) -> None:
        """Start before the first event."""
        super().__init__(deadlines)
        self.saw_finish_reason = False

    def _take(self, chunk: JSONObject, kind: str) -> JSONObject:  # noqa: ARG002 - chat events have no name
        """Check one chunk: an in-band error raises; a `finish_reason` marks the answer as finished."""
        choices = chat_choices(chunk, what="a stream chunk", error=MalformedStreamError)
        if chunk.get("error") is not None:
            raise stream_error_from_payload(chunk, prefix="The gateway reported an error mid-stream")
        for choice in choices:
            if isinstance(choice, dict) and choice.get("finish_reason"):
                self.saw_finish_reason = True
        if not self.deadlines.content_seen:
            self.deadlines.content_seen = _carries_answer(chunk)
        return chunk

    def whole(self, body: JSONObject) -> JSONObject:
        """A whole chat completion, as the one chunk it amounts to."""
        return completion_as_chunk(body)

    def finish(self) -> None:
        """Raise if the stream ended with neither `[DONE]` nor any `finish_reason`."""
        if not self.done and not self.saw_finish_reason:
            msg = "The stream ended before the gateway finished the answer (no [DONE], no finish_reason)."
            raise StreamError(msg)


class ResponsesStreamState(_EventRules):
    """Responses-API events, up to and including the terminal `response.*` one, which the stream must send."""

    __slots__ = ()

    def _take(self, payload: JSONObject, kind: str) -> JSONObject:
        """Set the payload's `type` (from the SSE event name if absent); a failed event raises."""
        kind = payload.setdefault("type", kind)
        if kind in RESPONSES_FAILED:
            raise stream_error_from_payload(payload, prefix="The Responses stream failed")
        if kind in RESPONSES_TERMINAL:
            self.done = True
        if not self.deadlines.content_seen:
            self.deadlines.content_seen = kind not in _RESPONSES_BOOKKEEPING
        return payload

    def whole(self, body: JSONObject) -> JSONObject:
        """A whole response, as the completed event that would have carried it."""
        return {"type": "response.completed", "response": body}

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


# The drivers stop at the terminal event: `_guarded` reads no further once the rules say the stream is done, and
# the caller's transport reads or drops what follows (`_http.release`), so the final item reaches the caller at once
# whatever the server does after it.


def _guarded(events: Iterator[ServerSentEvent], rules: _EventRules) -> Iterator[ServerSentEvent]:
    """The events until the stream is done, each wait bounded by its next deadline (first content, then total)."""
    deadlines = rules.deadlines
    try:
        while not rules.done:
            bound = deadlines.next_bound()
            if bound is None:
                event = next(events, None)
            else:
                with deadline_scope(bound):
                    event = next(events, None)
            if event is None:
                return
            yield event
    except httpx.TransportError as error:
        raise _mid_stream_failure(error, deadlines) from error


async def _aguarded(
    events: AsyncGenerator[ServerSentEvent, None], rules: _EventRules
) -> AsyncGenerator[ServerSentEvent, None]:
    """Async twin of `_guarded`; an expired deadline raises `APITimeoutError`. Closing it closes `events`."""
    deadlines = rules.deadlines
    async with contextlib.aclosing(events):
        try:
            while not rules.done:
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
        except httpx.TransportError as error:
            raise _mid_stream_failure(error, deadlines) from error


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


def iter_stream(
    rules: Callable[[StreamDeadlines | None], _EventRules],
    response: httpx.Response,
    deadlines: StreamDeadlines | None = None,
    limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
) -> Iterator[JSONObject]:
    """The one sync stream loop: read the events of `response`, yield what the route's `rules` make of them.

    It stops at the terminal event and raises if the stream ended before it; the caller closes the response.
    """
    state = rules(deadlines)
    if not is_event_stream(response):
        yield state.whole(_unexpected_body(response, _read_whole(response, state.deadlines, limits)))
        return
    for event in _guarded(iter_events(response, limits), state):
        item = state.accept(event)
        if item is not None:
            yield item
    state.finish()


async def aiter_stream(
    rules: Callable[[StreamDeadlines | None], _EventRules],
    response: httpx.Response,
    deadlines: StreamDeadlines | None = None,
    limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
) -> AsyncIterator[JSONObject]:
    """Async twin of `iter_stream`."""
    state = rules(deadlines)
    if not is_event_stream(response):
        yield state.whole(_unexpected_body(response, await _aread_whole(response, state.deadlines, limits)))
        return
    # Closed here, not left to the garbage collector: a loop closed by hand would never run their finalisers.
    async with contextlib.aclosing(_aguarded(aiter_events(response, limits), state)) as events:
        async for event in events:
            item = state.accept(event)
            if item is not None:
                yield item
    state.finish()


iter_chat_chunks: Final = functools.partial(iter_stream, ChatStreamState)
"""Yield the chat chunks of a streaming response, up to `[DONE]`."""
aiter_chat_chunks: Final = functools.partial(aiter_stream, ChatStreamState)
"""Async twin of `iter_chat_chunks`."""
iter_responses_events: Final = functools.partial(iter_stream, ResponsesStreamState)
"""Yield the Responses-API events of a streaming response, up to the terminal one."""
aiter_responses_events: Final = functools.partial(aiter_stream, ResponsesStreamState)
"""Async twin of `iter_responses_events`."""
