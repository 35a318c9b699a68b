"""Keep the API key out of what the package raises: error messages, error bodies, the responses errors carry.

A relay may echo the key back (`invalid token Bearer sk-...`), and a library may quote the header that
carries it; whatever we raise passes through `redact_error` first. Successful replies are never touched: the
key of a self-hosted gateway is often a short word ("test", "EMPTY", "k") that also occurs in answers, and
masking it there would corrupt the data the user asked for. This module knows httpx, never LangChain types.

Matching rule: a key of `ANYWHERE_LENGTH` characters or more is masked wherever it occurs; a shorter key only
where it stands as a word of its own (no letter or digit on either side), so a key `"a"` does not turn
`"invalid api key"` into `"inv***lid"`.
"""

from __future__ import annotations

import functools
import json
import re
from contextlib import AbstractContextManager
from typing import Final, TypeVar

import httpx

from langchain_toiotech._http.limits import parse_json
from langchain_toiotech.errors import MalformedResponseError

Raised = TypeVar("Raised", bound=BaseException)

MASK: Final = "***"
ANYWHERE_LENGTH: Final = 16
_REDACTED_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# Exception attributes that may quote a reply: ours (`body`), and those of errors we chain (`message`).
_TEXT_ATTRIBUTES: Final = ("body", "message")


@functools.lru_cache(maxsize=32)
def _key_pattern(secret: str) -> re.Pattern[str]:
    # As sent, without the whitespace a header check would reject, inside a JSON string, and as Python shows
    # it in an error (`Illegal header value b'Bearer sk-...\\n'`).
    forms = {secret, secret.strip(), json.dumps(secret)[1:-1], repr(secret)[1:-1], repr(secret.encode())[2:-1]}
    forms.discard("")
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    if len(secret) >= ANYWHERE_LENGTH:
        return re.compile(alternatives)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


def redact_text(text: str, secret: str) -> str:
    """`text` with every occurrence of `secret` (see the module's matching rule) replaced by `***`."""
    if not secret:
        return text
    return _key_pattern(secret).sub(MASK, text)


def redact_data(value: object, secret: str) -> object:
    """A copy of a decoded JSON value (or any nest of dicts, lists and tuples) with the key masked in its strings.

    Numbers, booleans and None are kept as they are: a key "1" must not turn `"code": 1` into a string.
    """
    if not secret:
        return value
    if isinstance(value, str):
        return redact_text(value, secret)
    if isinstance(value, dict):
        return {redact_data(key, secret): redact_data(item, secret) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_data(item, secret) for item in value)
    return value


def redact_headers(headers: httpx.Headers, secret: str) -> httpx.Headers:
    """Headers with credentials masked outright and the key masked in every other value."""
    return httpx.Headers(
        [
            (name, MASK if name.lower() in _REDACTED_HEADERS else redact_text(value, secret))
            for name, value in headers.multi_items()
        ]
    )


def _redacted_content(response: httpx.Response, secret: str) -> bytes:
    try:
        decoded = parse_json(response.content, what="an error body")
    except MalformedResponseError:  # not JSON, or nested too deeply to walk
        return redact_text(response.text, secret).encode()
    # Re-encoded from the parsed value, so masking can never break the JSON (a key "1" next to `"code": 1`).
    return json.dumps(redact_data(decoded, secret), ensure_ascii=False).encode()


def redact_response(response: httpx.Response, secret: str) -> httpx.Response:
    """A read response rebuilt without the key: body, headers, and the request it answers (no Authorization).

    langchain-core reads `error.response.json()`, `.text` and `.headers` into the `response_metadata` that
    callbacks and tracers receive, so the response an error carries must be clean, not only its message.
    """
    request = response.request
    headers = redact_headers(response.headers, secret)
    # The rebuilt content is already decoded: its old encoding and length no longer describe it.
    for stale in ("content-encoding", "content-length", "transfer-encoding"):
        headers.pop(stale, None)
    clean_request = httpx.Request(request.method, request.url, headers=redact_headers(request.headers, secret))
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=_redacted_content(response, secret),
        request=clean_request,
        extensions={"reason_phrase": response.reason_phrase.encode()},
    )


def redact_error(error: Raised, secret: str) -> Raised:
    """Mask the key in an exception and in those chained to it: args, kept bodies, the response it carries.

    The error is changed in place (so a `raise` already under way carries the clean one) and returned.
    """
    if not secret:
        return error
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        _redact_one(current, secret)
        current = current.__cause__ or current.__context__
    return error


def _redact_one(error: BaseException, secret: str) -> None:
    error.args = tuple(redact_data(arg, secret) for arg in error.args)
    for name in _TEXT_ATTRIBUTES:
        value = getattr(error, name, None)
        if value is not None:
            _set_attribute(error, name, redact_data(value, secret))
    response = getattr(error, "response", None)
    if isinstance(response, httpx.Response) and _response_is_read(response):
        _set_attribute(error, "response", redact_response(response, secret))
    request = getattr(error, "_request", None)  # httpx.RequestError keeps the request it failed on
    if isinstance(request, httpx.Request):
        _set_attribute(
            error,
            "_request",
            httpx.Request(request.method, request.url, headers=redact_headers(request.headers, secret)),
        )


def _response_is_read(response: httpx.Response) -> bool:
    try:
        _ = response.content
    except httpx.ResponseNotRead:
        return False
    return True


def _set_attribute(error: BaseException, name: str, value: object) -> None:
    try:
        setattr(error, name, value)
    except AttributeError:  # a read-only property on some third-party error: its args are already clean
        return


class _Redacting:
    """The context manager `redacting` returns: a class, not a generator, as it wraps every call."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        # The error propagates, masked in place; not KeyboardInterrupt and the like: they quote nothing.
        if isinstance(error, Exception):
            redact_error(error, self._secret)


def redacting(secret: str) -> AbstractContextManager[None]:
    """Mask the key in any exception raised inside the block before it propagates."""
    return _Redacting(secret)
