"""Errors raised by langchain-toiotech, each also a `langchain_core.exceptions` model error.

```
ToiotechError
├── APIConnectionError              (ModelConnectionError)  the gateway could not be reached
│   └── APITimeoutError             (ModelTimeoutError)     connect/read timeout, stalled stream
├── APIStatusError                  (ModelError)            the gateway answered 4xx/5xx
│   ├── BadRequestError             (ModelInvalidRequestError)   400, 413, 422
│   │   └── ContextLengthExceededError (ContextOverflowError)    context window exceeded
│   ├── AuthenticationError         (ModelAuthenticationError)   401
│   ├── PermissionDeniedError       (ModelPermissionDeniedError) 403
│   ├── NotFoundError               (ModelNotFoundError)         404, 501 (route not implemented)
│   ├── RateLimitError              (ModelRateLimitError)        429 (quota exhaustion: not retryable)
│   └── InternalServerError         (ModelAPIError)              >= 500
├── StreamError                     (ModelAPIError)          error event or truncation mid-stream
├── MalformedResponseError          (ModelAPIError)          a reply not JSON, nested too deeply, or misshapen
│   └── MalformedStreamError        (also StreamError)       a stream event not JSON or nested too deeply
├── ResponseTooLargeError           (ModelAPIError)          a reply over a `ReplyLimits` limit (names which)
├── EmbeddingResponseError          (ModelAPIError)          an embeddings reply that does not match the inputs
├── FileProcessingError             (ModelAPIError)          an uploaded file failed, or a file reply is unreadable
│   └── FileProcessingTimeoutError                           a file stayed "processing" past the wait's timeout
├── FileListError                   (ModelAPIError)          a file listing that would not end (cursor, max_pages)
├── FileChangedError                (ModelInvalidRequestError) a file grew or shrank while uploading (names it)
└── FileLoadError                                            a document loader failed on one file (names it)
```

`make_status_error` is the one place where a status and a body become an exception.
"""

from __future__ import annotations

import re
from typing import Any, Final

import httpx
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from langchain_toiotech._error_codes import (
    CONTEXT_OVERFLOW_CODES,
    CONTEXT_OVERFLOW_PHRASES,
    QUOTA_EXHAUSTED_CODES,
    RETRYABLE_CLIENT_STATUSES,
)

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContextLengthExceededError",
    "EmbeddingResponseError",
    "FileChangedError",
    "FileListError",
    "FileLoadError",
    "FileProcessingError",
    "FileProcessingTimeoutError",
    "InternalServerError",
    "MalformedResponseError",
    "MalformedStreamError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "StreamError",
    "ToiotechError",
    "make_status_error",
]

_REQUEST_ID_HEADERS: Final = (
    "x-oneapi-request-id",
    "x-request-id",
    "request-id",
    "x-ark-request-id",
)
_REQUEST_ID_IN_MESSAGE: Final = re.compile(r"\(request id: ([^)\s]+)\)")
_BODY_EXCERPT_CHARS: Final = 200


class ToiotechError(Exception):
    """Base class of every error this package raises on purpose."""


class APIConnectionError(ToiotechError, ModelConnectionError):
    """The request did not reach the gateway or no response came back."""

    is_retryable = True


class APITimeoutError(APIConnectionError, ModelTimeoutError):
    """The gateway did not answer, or a stream stalled, within the configured timeout."""


class APIStatusError(ToiotechError, ModelError):
    """The gateway answered with a 4xx or 5xx status.

    Attributes:
        status_code: The HTTP status.
        body: The decoded JSON body, or the raw text when it was not JSON.
        request_id: The gateway's request id, from a header or the error message.
        response: The `httpx.Response`, already read.
        code: The structured `error.code` (or `error.type` when there is no code).
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        code: str | None = None,
    ) -> None:
        """Create the error from an already-read response."""
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.code = code
        self.request_id = _find_request_id(response, message)


class BadRequestError(APIStatusError, ModelInvalidRequestError):
    """400, 413 or 422: the request itself is wrong and retrying will not help."""


class ContextLengthExceededError(BadRequestError, ContextOverflowError):
    """The prompt does not fit the model's context window."""


class AuthenticationError(APIStatusError, ModelAuthenticationError):
    """401: the API key is missing, invalid, expired or out of quota."""


class PermissionDeniedError(APIStatusError, ModelPermissionDeniedError):
    """403: the key may not use this model or resource (or a file is not yet active)."""


class NotFoundError(APIStatusError, ModelNotFoundError):
    """404 (unknown model or route) or 501 (route not implemented by this gateway)."""


class RateLimitError(APIStatusError, ModelRateLimitError):
    """429: too many requests; `is_retryable` is False when the quota is exhausted."""


class InternalServerError(APIStatusError, ModelAPIError):
    """A 5xx status: the gateway or the upstream vendor failed."""


class StreamError(ToiotechError, ModelAPIError):
    """A stream failed after it started: an in-band error event, or it was cut short.

    Attributes:
        body: The error event's payload when the gateway sent one.
        code: The structured error code when the gateway sent one.
    """

    is_retryable = False

    def __init__(self, message: str, *, body: object = None, code: str | None = None) -> None:
        """Create the error; `body` is the in-band error payload, if any."""
        super().__init__(message)
        self.body = body
        self.code = code


class MalformedResponseError(ToiotechError, ModelAPIError):
    """A reply that cannot be read: not JSON, JSON nested too deeply to parse, or not the shape the API defines.

    Attributes:
        what: The reply it was ("the chat completion", "a stream event").
    """

    is_retryable = False

    def __init__(self, message: str, *, what: str) -> None:
        """Create the error for the reply described by `what`."""
        super().__init__(message)
        self.what = what


class MalformedStreamError(MalformedResponseError, StreamError):
    """A stream event that cannot be read; also a `StreamError`, since the answer is cut off there."""

    def __init__(self, message: str, *, what: str) -> None:
        """Create the error for the event described by `what`."""
        StreamError.__init__(self, message)
        self.what = what


class ResponseTooLargeError(ToiotechError, ModelAPIError):
    """A reply larger than a `ReplyLimits` limit: a broken or hostile gateway, or a limit set too low.

    Attributes:
        limit: The `ReplyLimits` field that was exceeded, e.g. `"max_body_bytes"`.
        max_bytes: Its value; more than this many (decompressed) bytes arrived.
        what: The part of the reply that was too large ("the JSON body", "one stream line").
    """

    is_retryable = False

    def __init__(self, *, limit: str, max_bytes: int, what: str) -> None:
        """Create the error; the message says how to raise the limit."""
        super().__init__(
            f"The gateway sent {what} larger than {max_bytes:,} bytes (decompressed), the {limit} reply limit; "
            f"the rest was not read. If the reply is legitimate, raise the limit with "
            f"reply_limits={{{limit!r}: ...}} on the client."
        )
        self.limit = limit
        self.max_bytes = max_bytes
        self.what = what


class EmbeddingResponseError(ToiotechError, ModelAPIError):
    """A successful (2xx) embeddings reply whose `data` cannot be matched to the inputs.

    Attributes:
        body: The decoded reply.
    """

    def __init__(self, message: str, *, body: object = None) -> None:
        """Create the error; `body` is the reply that could not be read."""
        super().__init__(message)
        self.body = body


class FileProcessingError(ToiotechError, ModelAPIError):
    """An uploaded file the gateway reports as failed (Ark `failed`, OpenAI `error`), or an unreadable file reply.

    Attributes:
        file_id: The file's id, when known.
        code: The gateway's error code (Ark `error.code`), when it sent one.
        body: The file object or reply as the gateway sent it.
    """

    def __init__(
        self, message: str, *, file_id: str | None = None, code: str | None = None, body: object = None
    ) -> None:
        """Create the error; `body` is the file object that reported the failure."""
        super().__init__(message)
        self.file_id = file_id
        self.code = code
        self.body = body


class FileProcessingTimeoutError(FileProcessingError):
    """A file was still processing when `wait_until_active`'s timeout ran out (it may still become active)."""


class FileListError(ToiotechError, ModelAPIError):
    """`ToiotechFiles.list` stopped because the listing would not end: a repeated cursor, or `max_pages` pages.

    Attributes:
        files: The file objects read before it stopped, in the gateway's order: nothing read is lost.
        pages: How many pages were read.
    """

    is_retryable = False

    def __init__(self, message: str, *, files: list[Any], pages: int) -> None:
        """Create the error with what was read so far."""
        super().__init__(message)
        self.files = files
        self.pages = pages


class FileChangedError(ToiotechError, ModelInvalidRequestError):
    """A file that grew or shrank while it was being uploaded: the request no longer matched its own length.

    Attributes:
        path: The file that changed.
    """

    def __init__(self, message: str, *, path: str) -> None:
        """Create the error for the file at `path`."""
        super().__init__(message)
        self.path = path


class FileLoadError(ToiotechError):
    """A document loader or blob parser failed on one file; the original error is the `__cause__`.

    Attributes:
        source: The file that failed (its path, or the blob's source).
    """

    def __init__(self, message: str, *, source: str) -> None:
        """Create the error for the file `source`."""
        super().__init__(message)
        self.source = source


def make_status_error(response: httpx.Response) -> APIStatusError:
    """Build the exception for a non-2xx response whose body has been read.

    Args:
        response: The response, with its body already read.

    Returns:
        The most specific `APIStatusError` subclass for the status and error code.
    """
    body = _decode_body(response)
    detail, code = _error_detail(body)
    if not detail:
        detail = _describe_non_json(response, body)
    message = f"Error code: {response.status_code} - {detail}"
    error_class = _error_class(response.status_code, code, detail)
    error = error_class(message, response=response, body=body, code=code)
    if error_class is RateLimitError and code in QUOTA_EXHAUSTED_CODES:
        error.is_retryable = False
    elif response.status_code in RETRYABLE_CLIENT_STATUSES:
        error.is_retryable = True
    return error


def _error_class(status: int, code: str | None, detail: str) -> type[APIStatusError]:
    if status in {400, 413, 422}:
        return ContextLengthExceededError if is_context_overflow(code, detail) else BadRequestError
    by_status: dict[int, type[APIStatusError]] = {
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        429: RateLimitError,
        501: NotFoundError,
    }
    if status in by_status:
        return by_status[status]
    if status >= 500:  # noqa: PLR2004 - the 5xx class boundary
        return InternalServerError
    return APIStatusError


def is_context_overflow(code: str | None, message: str) -> bool:
    """Tell whether an error code or message means the context window was exceeded."""
    if code in CONTEXT_OVERFLOW_CODES:
        return True
    lowered = message.lower()
    return any(phrase in lowered for phrase in CONTEXT_OVERFLOW_PHRASES)


def _decode_body(response: httpx.Response) -> object:
    # Imported here: `_http.limits` raises this module's errors. An error body that is not JSON, or nests too
    # deeply to be handled safely, is kept as text; the status alone says what went wrong.
    from langchain_toiotech._http.limits import parse_json  # noqa: PLC0415

    try:
        return parse_json(response.content, what="an error body")
    except MalformedResponseError:
        return response.text


def _error_detail(body: object) -> tuple[str, str | None]:
    """Pull the message and code out of the OpenAI, new-api, Claude, Ark or bare shapes."""
    if not isinstance(body, dict):
        return "", None
    error: Any = body.get("error", body)
    if isinstance(error, str):
        return error, None
    if not isinstance(error, dict):
        return "", None
    message = error.get("message") or body.get("message") or ""
    code = error.get("code") or error.get("type") or None
    return str(message), (str(code) if code is not None else None)


def _describe_non_json(response: httpx.Response, body: object) -> str:
    content_type = response.headers.get("content-type", "unknown content type")
    text = re.sub(r"<[^>]+>", " ", str(body))
    excerpt = " ".join(text.split())[:_BODY_EXCERPT_CHARS]
    reason = response.reason_phrase or "error"
    return f"{reason} (non-JSON body, {content_type}): {excerpt}" if excerpt else reason


def _find_request_id(response: httpx.Response, message: str) -> str | None:
    for header in _REQUEST_ID_HEADERS:
        if value := response.headers.get(header):
            return str(value)
    match = _REQUEST_ID_IN_MESSAGE.search(message)
    return match.group(1) if match else None
