"""Scripted failures: error statuses, delays, dropped connections and broken event streams."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from langchain_toiotech.testing._wire import JSON_TYPE, Reply, dumps, error_object, with_request_id

# Verbatim body of tests/fixtures/openai_chat-completions_http400_context-length-exceeded.http.
_CONTEXT_OVERFLOW_BODY: Final = """{
  "error": {
    "message": "Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in 3148588 tokens. Please reduce the length of the messages.",
    "type": "invalid_request_error",
    "param": "messages",
    "code": "context_length_exceeded"
  }
}
"""  # noqa: E501

# status -> (message, type, code): default bodies in new-api's shape for a Fault without a body.
_DEFAULT_ERRORS: Final[dict[int, tuple[str, str, str]]] = {
    400: ("Invalid request", "invalid_request_error", "invalid_request"),
    401: ("无效的令牌", "new_api_error", "invalid_api_key"),
    403: ("用户额度不足", "new_api_error", "insufficient_user_quota"),
    404: ("The model does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"),
    408: ("Request timed out", "new_api_error", "timeout"),
    409: ("Conflict", "new_api_error", "conflict"),
    413: ("Request body too large", "new_api_error", "read_request_body_failed"),
    429: ("您已达到请求数限制：1分钟内最多请求60次", "new_api_error", "rate_limit_exceeded"),  # noqa: RUF001 - new-api's text
    500: ("The server had an error while processing your request.", "server_error", "server_error"),
    502: ("Bad gateway", "upstream_error", "bad_gateway"),
    503: ("当前分组 default 下对于模型无可用渠道", "new_api_error", "model_not_found"),
    504: ("Gateway timeout", "upstream_error", "gateway_timeout"),
}


@dataclass(frozen=True)
class Fault:
    """A failure applied to the next matching request(s).

    Reply-replacing fields (``status``, ``drop_connection``) answer instead of the scripted or default reply,
    which then stays queued. Stream fields shape whatever event stream the request gets.

    Attributes:
        status: Answer with this HTTP status and an error body instead of the normal reply.
        retry_after: Value of a ``Retry-After`` header to add.
        body: Error body: a mapping (JSON-encoded), text or bytes; default: an OpenAI-shaped error for
            ``status``.
        content_type: ``Content-Type`` of ``body`` (default ``application/json``), e.g. ``text/html``.
        first_byte_delay: Seconds to wait before sending the status line.
        truncate_after_events: End the stream after this many events: no ``[DONE]``, no finish chunk
            (if the cut is before it); the body ends cleanly and the connection is closed.
        error_event_after: After this many events send ``data: {"error": {...}}`` and end the stream without
            ``[DONE]``.
        stall_after_events: After this many events stop writing for ``stall_seconds``.
        stall_seconds: Length of the stall.
        split_bytes: Write the stream in pieces of this many bytes (one flushed HTTP chunk each), so events
            and multi-byte UTF-8 characters are cut across reads.
        ping_every: Write a ``: PING`` comment after every N events (overrides the emulator default; 0 = none).
        crlf: Use CRLF line endings in the event stream.
        drop_connection: Read the request, then close the socket without any response.
    """

    status: int | None = None
    retry_after: str | None = None
    body: str | bytes | Mapping[str, Any] | None = None
    content_type: str | None = None
    first_byte_delay: float = 0.0
    truncate_after_events: int | None = None
    error_event_after: int | None = None
    stall_after_events: int | None = None
    stall_seconds: float = 0.0
    split_bytes: int | None = None
    ping_every: int | None = None
    crlf: bool = False
    drop_connection: bool = False

    @classmethod
    def context_overflow(cls) -> Fault:
        """OpenAI's HTTP 400 ``context_length_exceeded`` error, byte for byte as recorded.

        Returns:
            The fault.
        """
        return cls(status=400, body=_CONTEXT_OVERFLOW_BODY, content_type=JSON_TYPE)

    @property
    def replaces_reply(self) -> bool:
        """Whether the fault answers instead of the normal reply."""
        return self.status is not None or self.drop_connection

    @property
    def ends_stream_early(self) -> bool:
        """Whether the fault cuts the event stream before its natural end."""
        return self.truncate_after_events is not None or self.error_event_after is not None


def fault_reply(fault: Fault, request_id: str) -> Reply:
    """Build the error reply of a fault that has a ``status``.

    Args:
        fault: The fault; ``fault.status`` must be set.
        request_id: The request id, appended to default messages like new-api does.

    Returns:
        The reply.
    """
    status = fault.status if fault.status is not None else 500
    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    if fault.body is None:
        message, type_, code = _DEFAULT_ERRORS.get(status, ("Upstream error", "upstream_error", "upstream_error"))
        body = dumps(error_object(with_request_id(message, request_id), type_, code))
    elif isinstance(fault.body, bytes):
        body = fault.body
    elif isinstance(fault.body, str):
        body = fault.body.encode()
    else:
        body = dumps(fault.body)
    return Reply(status=status, body=body, content_type=fault.content_type or JSON_TYPE, headers=headers)


def retry_after_headers(fault: Fault | None) -> dict[str, str]:
    """Headers a non-replacing fault adds to the normal reply.

    Args:
        fault: The fault, if any.

    Returns:
        ``{"Retry-After": ...}`` when the fault sets one, else an empty dict.
    """
    if fault is None or fault.retry_after is None:
        return {}
    return {"Retry-After": fault.retry_after}


def error_event(request_id: str) -> bytes:
    """The in-band error event a gateway sends when the upstream fails mid-stream.

    Args:
        request_id: The request id.

    Returns:
        The event block.
    """
    message = with_request_id("The server had an error while processing your request.", request_id)
    return b"data: " + dumps({"error": {"message": message, "type": "server_error"}}) + b"\n\n"
