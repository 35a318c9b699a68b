"""Reply value objects and byte-level helpers shared by the emulator's routes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

JSON_TYPE: Final = "application/json"
SSE_TYPE: Final = "text/event-stream"
DONE_EVENT: Final = b"data: [DONE]\n\n"
PING_EVENT: Final = b": PING\n\n"

# Zero-width split points right after an event's blank line, so that joining the pieces gives the input back.
_EVENT_END: Final = re.compile(rb"(?<=\n\n)|(?<=\r\n\r\n)")
_FIELD_PREFIXES: Final = ("data:", "event:", "id:", "retry:", ":")


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, either a fixed body or a sequence of SSE event blocks.

    Attributes:
        status: HTTP status code.
        body: The fixed body (ignored when ``events`` is set).
        content_type: Value of the ``Content-Type`` header, or None to send none.
        headers: Extra response headers.
        events: Complete SSE event blocks (each ending with a blank line); a re-iterable sequence for
            scripted replies, a generator for computed streams.
    """

    status: int = 200
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: Mapping[str, str] = field(default_factory=dict)
    events: Iterable[bytes] | None = None

    @property
    def is_stream(self) -> bool:
        """Whether this reply is written as an event stream."""
        return self.events is not None


def dumps(obj: object) -> bytes:
    """Encode JSON compactly, keeping non-ASCII text as UTF-8 like the OpenAI API does.

    Args:
        obj: A JSON-serialisable value.

    Returns:
        The UTF-8 encoded JSON text.
    """
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def json_reply(obj: object, status: int = 200) -> Reply:
    """Build a JSON reply.

    Args:
        obj: The JSON-serialisable body.
        status: HTTP status code.

    Returns:
        The reply.
    """
    return Reply(status=status, body=dumps(obj))


def error_object(message: str, type_: str, code: str | None = "", param: str | None = "") -> dict[str, Any]:
    """Build an OpenAI-shaped error body ``{"error": {...}}`` as new-api writes it.

    Args:
        message: Human readable message.
        type_: The ``error.type`` value.
        code: The ``error.code`` value.
        param: The ``error.param`` value.

    Returns:
        The error body.
    """
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def error_reply(
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    code: str | None = "",
    param: str | None = "",
) -> Reply:
    """Build an OpenAI-shaped error reply.

    Args:
        status: HTTP status code.
        message: Human readable message.
        type_: The ``error.type`` value.
        code: The ``error.code`` value.
        param: The ``error.param`` value.

    Returns:
        The reply.
    """
    return json_reply(error_object(message, type_, code, param), status)


def sse_data(obj: object) -> bytes:
    """Frame one JSON payload as a ``data:`` event.

    Args:
        obj: The JSON-serialisable payload.

    Returns:
        The event block, ending with a blank line.
    """
    return b"data: " + dumps(obj) + b"\n\n"


def sse_named(event: str, obj: object) -> bytes:
    """Frame one JSON payload as a named event (``event:`` + ``data:``), as the Responses API does.

    Args:
        event: The event name.
        obj: The JSON-serialisable payload.

    Returns:
        The event block, ending with a blank line.
    """
    return b"event: " + event.encode() + b"\ndata: " + dumps(obj) + b"\n\n"


def sse_item(item: Mapping[str, Any] | str) -> bytes:
    """Turn one scripted stream item into an event block.

    A mapping is JSON-encoded into a ``data:`` event. A string that starts with an SSE field name (``data:``,
    ``event:``, ``id:``, ``retry:``) or a comment (``:``) is sent verbatim, with a blank line appended if it has
    none; any other string (e.g. ``"[DONE]"``) becomes the payload of a ``data:`` event.

    Args:
        item: The scripted item.

    Returns:
        The event block.
    """
    if not isinstance(item, str):
        return sse_data(item)
    if item.startswith(_FIELD_PREFIXES):
        text = item if item.endswith(("\n\n", "\r\n\r\n")) else item.rstrip("\r\n") + "\n\n"
        return text.encode()
    return b"data: " + item.encode() + b"\n\n"


def split_sse_blocks(raw: bytes) -> list[bytes]:
    """Split a raw SSE body into event blocks without changing a byte.

    Args:
        raw: The body.

    Returns:
        The blocks; their concatenation equals ``raw``.
    """
    return [block for block in _EVENT_END.split(raw) if block]


def with_request_id(message: str, request_id: str) -> str:
    """Append new-api's request id suffix to an error message.

    Args:
        message: The message.
        request_id: The request id.

    Returns:
        ``"<message> (request id: <id>)"``.
    """
    return f"{message} (request id: {request_id})"
