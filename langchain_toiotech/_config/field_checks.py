"""Construction-time checks of the fields every client shares: the key, headers, timeouts, JSON request fields.

Each check turns a setting that could only fail on the first call (h11 refusing a header, httpx refusing a
timeout, `json.dumps` refusing a NaN) into a `ValueError` that names the field, raised when the client is
built. No message quotes the key, or a header value that may hold one.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from langchain_toiotech._http.redaction import ANYWHERE_LENGTH, redact_text

_TIMEOUT_PARTS: Final = ("connect", "read", "write", "pool")
_DEL: Final = 0x7F
# Not whitespace to `str.strip`, yet never part of a key: a byte-order mark (a key file saved by Notepad) and
# zero-width spaces (a key copied from a web page).
_INVISIBLE: Final = "\ufeff\u200b\u200c\u200d\u2060"


def _character_problem(text: str) -> str | None:
    """What makes `text` unusable in an HTTP header, with the position, never the text itself."""
    for position, character in enumerate(text, start=1):
        code = ord(character)
        if code < 0x20 or code == _DEL:  # noqa: PLR2004 - the C0 control range
            return f"a control character (U+{code:04X}) at position {position} of {len(text)}"
        if code > _DEL:
            return (
                f"a non-ASCII character at position {position} of {len(text)} (HTTP headers carry ASCII only; "
                "a key pasted from a document may hold a typographic quote or a non-breaking space)"
            )
    return None


def clean_api_key(api_key: SecretStr | None) -> SecretStr | None:
    """The key without surrounding whitespace (a key read from a file or a `.env` line ends in a newline).

    A byte-order mark and zero-width spaces around it are removed too.

    Raises:
        ValueError: What is left holds a control or non-ASCII character; the message names its position.
    """
    if api_key is None:
        return None
    given = api_key.get_secret_value()
    key = given.strip().strip(_INVISIBLE).strip()
    if problem := _character_problem(key):
        msg = f"api_key holds {problem}; check where the key was read from (it is not shown here)."
        raise ValueError(msg)
    return api_key if key == given else SecretStr(key)


def check_default_headers(headers: Mapping[str, str] | None) -> None:
    """Reject a header name or value that httpx would refuse at call time; the value is never quoted.

    Raises:
        ValueError: A header name is empty or not a token, or a value holds a control or non-ASCII character.
    """
    for name, value in (headers or {}).items():
        if not name or any(character in name for character in ' \t:"()<>@,;\\/[]?={}') or _character_problem(name):
            msg = f"default_headers has an invalid header name {name!r}."
            raise ValueError(msg)
        if problem := _character_problem(str(value)):
            msg = f"default_headers[{name!r}] holds {problem} (the value is not shown here)."
            raise ValueError(msg)


def check_seconds(name: str, value: float | None) -> None:
    """Reject a duration that is not a positive, finite number of seconds (None means the default).

    Raises:
        ValueError: Negative, zero, NaN or infinite; the message names the field.
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        msg = (
            f"{name} must be a positive, finite number of seconds, got {value!r}; leave it unset for the default"
            " (for no limit at all, pass httpx.Timeout(None) as timeout)."
        )
        raise ValueError(msg)


def check_timeout(name: str, value: float | httpx.Timeout | None) -> None:
    """`check_seconds` for a number, and for each part of an `httpx.Timeout` (None there means no limit).

    Raises:
        ValueError: A part is negative, zero, NaN or infinite.
    """
    if isinstance(value, httpx.Timeout):
        for part in _TIMEOUT_PARTS:
            check_seconds(f"{name}.{part}", getattr(value, part))
        return
    check_seconds(name, value)


def check_finite(name: str, value: object) -> None:
    """Reject a NaN or infinite float: JSON cannot carry it, so the first call would fail.

    Raises:
        ValueError: The value is NaN or infinite.
    """
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"{name} must be a finite number, got {value!r}."
        raise ValueError(msg)


def check_json_fields(name: str, fields: Mapping[str, object] | None) -> None:
    """Reject request fields that cannot become a JSON body (a set, an object, NaN), naming the first one.

    Raises:
        ValueError: `fields[key]` is not JSON-encodable (strictly: no NaN or infinity).
    """
    for key, value in (fields or {}).items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as error:
            msg = f"{name}[{key!r}] cannot be sent as JSON: {error}."
            raise ValueError(msg) from None


# Query parameters whose name says they carry a credential (`key`, `api-key`, `access_token`, Azure SAS `sig`):
# in a base URL they would be shown in every repr, trace and log line that shows the URL.
_CREDENTIAL_PARAMETER: Final = re.compile(
    r"(?:^|[-_.])(?:api)?(?:key|token|secret|password|passwd|pwd|sig|signature|auth|authorization|credentials?)$",
    re.IGNORECASE,
)


def shown_url(url: str) -> str:
    """The URL as a message may show it: scheme, host and path, without credentials, query or fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _url_secret_problem(url: str, api_key: str) -> str | None:
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return "holds credentials (user:password@host): pass the key as api_key=..., never in the URL"
    if parts.fragment:
        return "has a #fragment, which is never sent: remove it"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if api_key and _holds_key(url, parts.path.split("/") + [value for _, value in pairs], api_key):
        return "holds the API key: pass it as api_key=... only"
    if secrets := [name for name, _ in pairs if _CREDENTIAL_PARAMETER.search(name)]:
        return (
            f"has a query parameter that looks like a credential ({', '.join(secrets)}): pass credentials as "
            "api_key=... or default_headers=..., which are never shown"
        )
    return None


def _holds_key(url: str, pieces: list[str], api_key: str) -> bool:
    # A long key anywhere; a short one ("1", "test") only as a whole path segment or query value, so that
    # a key "1" is not found in "127.0.0.1".
    return api_key in pieces or (len(api_key) >= ANYWHERE_LENGTH and api_key in url)


def check_url_secrets(name: str, url: str, api_key: str = "") -> None:
    """Reject a base URL that holds a secret, which would then be shown wherever the URL is.

    A query string is kept (Azure-style `?api-version=...` is sent on every request); credentials are not:
    httpx would send `user:password@` as Basic auth in place of the Bearer key.

    Raises:
        ValueError: The URL has credentials, a `#fragment`, a credential-named query parameter, or the key.
    """
    if problem := _url_secret_problem(url, api_key):
        msg = f"{name} {problem} (got {redact_text(shown_url(url), api_key)!r} and more, left out)."
        raise ValueError(msg)


def check_known_options(owner: str, given: Iterable[str], known: Iterable[str]) -> None:
    """Reject a keyword argument `owner` does not take, suggesting the one meant when one is close.

    One mechanism for every class that would otherwise ignore a typo (`delete_afer=False`) silently.

    Raises:
        TypeError: Worded as Python words it for a function: `X() got an unexpected keyword argument ...`.
    """
    choices = sorted(set(known))
    for name in given:
        if name in choices:
            continue
        close = difflib.get_close_matches(name, choices, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; it takes {', '.join(choices)}."
        msg = f"{owner}() got an unexpected keyword argument {name!r}{hint}"
        raise TypeError(msg)
