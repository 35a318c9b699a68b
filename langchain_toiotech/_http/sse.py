r"""A server-sent-events decoder over bytes that bounds each line and each event (pure, no I/O).

It keeps httpx-sse's semantics (the WHATWG event-stream rules: lines end in CRLF, CR or LF; `:` starts a
comment; `data` lines join with `\n`; `event`, `id` and `retry` fields; an event is dispatched at a blank
line, and an unfinished one at the end of the stream is dropped), but where httpx-sse buffers a line or an
event without limit, this one raises `ResponseTooLargeError` once either passes `max_event_bytes`.
https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from langchain_toiotech.errors import ResponseTooLargeError

_LINE_END: Final = re.compile(rb"\r\n|\r|\n")
_BOM: Final = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event; the same fields as httpx-sse's `ServerSentEvent`.

    Attributes:
        event: The event type (`message` when the stream gave none).
        data: The data lines joined with newlines.
        id: The last event id seen on the stream.
        retry: The reconnection time the event set, if any.
    """

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None


class SSEDecoder:
    r"""Turn the (already content-decoded) bytes of an event stream into `ServerSentEvent`s.

    Example:
        ```python
        from langchain_toiotech._http.sse import SSEDecoder

        decoder = SSEDecoder(max_event_bytes=1024)
        events = [*decoder.feed(b'data: {"a":\r\ndata: 1}\r\n\r'), *decoder.feed(b"\n: ping\n\n")]
        events += decoder.flush()
        assert [event.data for event in events] == ['{"a":\n1}']
        ```
    """

    def __init__(self, max_event_bytes: int) -> None:
        """Start before the first byte; `max_event_bytes` bounds one line and one event's data."""
        self._max = max_event_bytes
        self._partial = bytearray()  # the current line's bytes that arrived without its end
        self._after_cr = False  # the last chunk ended in CR: an LF starting the next one belongs to it
        self._started = False
        self._event = ""
        self._data: list[str] = []
        self._data_bytes = 0
        self._last_id = ""
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> Iterator[ServerSentEvent]:
        """Decode the next bytes of the stream, yielding every event they complete.

        Raises:
            ResponseTooLargeError: A line, or an event's data, is longer than `max_event_bytes`.
        """
        if not self._started and chunk:
            self._started = True
            chunk = chunk.removeprefix(_BOM)
        if self._after_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._after_cr = False
        start = 0
        for match in _LINE_END.finditer(chunk):
            line = chunk[start : match.start()]
            if self._partial:
                self._partial += line
                line = bytes(self._partial)
                self._partial.clear()
            start = match.end()
            event = self._line(line)
            if event is not None:
                yield event
        self._after_cr = chunk.endswith(b"\r")
        if len(self._partial) + len(chunk) - start > self._max:
            raise ResponseTooLargeError(limit="max_event_bytes", max_bytes=self._max, what="one stream line")
        self._partial += chunk[start:]

    def flush(self) -> Iterator[ServerSentEvent]:
        """End the stream: a last line without its end is read, and an event never dispatched is dropped."""
        if self._partial:
            line = bytes(self._partial)
            self._partial.clear()
            event = self._line(line)
            if event is not None:
                yield event

    def _line(self, raw: bytes) -> ServerSentEvent | None:
        if len(raw) > self._max:
            raise ResponseTooLargeError(limit="max_event_bytes", max_bytes=self._max, what="one stream line")
        if not raw:
            return self._dispatch()
        if raw.startswith(b":"):
            return None
        name, _, value = raw.decode("utf-8", "replace").partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data_bytes += len(value) + 1
            if self._data_bytes > self._max:
                raise ResponseTooLargeError(limit="max_event_bytes", max_bytes=self._max, what="one stream event")
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._event and not self._data and not self._last_id and self._retry is None:
            return None
        event = ServerSentEvent(
            event=self._event or "message", data="\n".join(self._data), id=self._last_id, retry=self._retry
        )
        # As the spec (and httpx-sse) say, the last event id carries over to the next event; nothing else does.
        self._event, self._data, self._data_bytes, self._retry = "", [], 0, None
        return event
