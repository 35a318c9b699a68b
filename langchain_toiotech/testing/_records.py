"""The request log entry and the parsed form of an incoming request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from langchain_toiotech.testing._multipart import FormData

_REDACTED: Final = {"authorization": "Bearer ***", "x-api-key": "***", "api-key": "***"}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator saw it, with credentials removed.

    Attributes:
        method: HTTP method, e.g. ``"POST"``.
        path: Request path including the ``/v1`` prefix, without the query string.
        headers: Request headers with lower-cased names; ``authorization`` reads ``"Bearer ***"``.
        body: The parsed JSON value for JSON requests; for multipart uploads a dict of form fields in which
            each file part is ``{"filename": ..., "content_type": ..., "size": n}``; the raw bytes otherwise.
        query: Query parameters (the last value wins when a name repeats).
        status: The HTTP status the emulator answered with (None for a dropped connection), so a test can assert
            on a strict-mode refusal (a 404 for an unknown model, a vendor's 400) without reading the reply.
        request_id: The ``X-Oneapi-Request-Id`` the emulator gave the request (it ends each error message).
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    query: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    request_id: str = ""


@dataclass(frozen=True)
class Incoming:
    """A parsed request handed from the HTTP layer to the gateway logic.

    Attributes:
        method: HTTP method.
        path: Request path as sent (with ``/v1``), without the query string.
        query: Query parameters.
        headers: Headers with lower-cased names, credentials included.
        raw: The raw body (empty for multipart, which is parsed while it streams in).
        json: The parsed JSON body, or None.
        body_error: Why the body could not be parsed (bad JSON, bad multipart), or None.
        form: The parsed multipart form, or None.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes = b""
    json: Any = None
    body_error: str | None = None
    form: FormData | None = None

    def record(self) -> RecordedRequest:
        """Build the log entry, with credentials redacted.

        Returns:
            The log entry.
        """
        return RecordedRequest(
            method=self.method,
            path=self.path,
            headers=redact_headers(self.headers),
            body=self._logged_body(),
            query=dict(self.query),
        )

    def _logged_body(self) -> Any:
        if self.form is not None:
            return self.form.summary()
        if self.json is not None:
            return self.json
        return self.raw


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy headers, replacing credential values so the log never holds an API key.

    Args:
        headers: Headers with lower-cased names.

    Returns:
        The redacted copy.
    """
    return {name: _REDACTED.get(name, value) for name, value in headers.items()}
