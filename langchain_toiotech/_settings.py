"""Client settings shared by the chat model and the embeddings: validation and `TransportSettings`."""

from __future__ import annotations

import ipaddress
import warnings
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from langchain_toiotech._client import DEFAULT_BASE_URL, AsyncTransport, Transport, TransportSettings

API_KEY_ENV: Final = "TOIOTECH_API_KEY"
BASE_URL_ENV: Final = "TOIOTECH_BASE_URL"


def is_loopback(host: str) -> bool:
    """Tell whether a host name or address is this machine (where plain http is harmless)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, *, stacklevel: int = 2) -> None:
    """Reject a base URL that is not http(s); warn when it would send the key unencrypted.

    Args:
        base_url: The gateway base URL.
        stacklevel: Where the warning points, counted from the caller of this function (as in
            `warnings.warn`): pass the depth of the user's constructor call.

    Raises:
        ValueError: The URL has no http(s) scheme or no host.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}, got {base_url!r}."
        raise ValueError(msg)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        warnings.warn(
            f"base_url {base_url!r} is plain http to a non-loopback host: the API key would travel unencrypted.",
            UserWarning,
            stacklevel=stacklevel + 1,
        )


def mask_api_key(values: Any) -> Any:
    """Wrap a plain-string `api_key` in `SecretStr` before validation.

    Pydantic prints the constructor's input in a validation error; wrapped, the key shows as `**********`
    whichever other field failed.
    """
    if isinstance(values, dict) and isinstance(values.get("api_key"), str):
        return {**values, "api_key": SecretStr(values["api_key"])}
    return values


def check_api_key(api_key: SecretStr | None) -> None:
    """Raise a `ValueError` naming `TOIOTECH_API_KEY` when no key was given or found."""
    if api_key is None or not api_key.get_secret_value():
        msg = f"No API key: pass api_key=... or set the {API_KEY_ENV} environment variable."
        raise ValueError(msg)


def check_max_retries(max_retries: int) -> None:
    """Raise a `ValueError` for a negative retry count."""
    if max_retries < 0:
        msg = f"max_retries must be 0 or more, got {max_retries}."
        raise ValueError(msg)


def transport_settings(
    *,
    api_key: SecretStr | None,
    base_url: str,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
    default_headers: dict[str, str] | None,
    stream_chunk_timeout: float | None = None,
) -> TransportSettings:
    """Build the transport settings from the fields every toiotech client class declares."""
    return TransportSettings(
        base_url=base_url,
        api_key=api_key.get_secret_value() if api_key else "",
        timeout=timeout,
        max_retries=max_retries,
        default_headers=tuple((default_headers or {}).items()),
        stream_chunk_timeout=stream_chunk_timeout,
    )


class TransportOwner:
    """Mixin for the public client classes: transports built lazily, once, from their common fields.

    Building a client opens no connection; the first request does, on a pooled client shared process-wide.
    """

    if TYPE_CHECKING:  # declared by each pydantic class that mixes this in
        api_key: SecretStr | None
        base_url: str
        timeout: float | httpx.Timeout | None
        max_retries: int
        default_headers: dict[str, str] | None
        http_client: httpx.Client | None
        http_async_client: httpx.AsyncClient | None

    def _transport_base_url(self) -> str:
        """Where this client's endpoints live (the Files client may point elsewhere)."""
        return self.base_url

    def _stream_chunk_timeout(self) -> float | None:
        """The stall guard for streams; only clients that stream set one."""
        return None

    @cached_property
    def _settings(self) -> TransportSettings:
        return transport_settings(
            api_key=self.api_key,
            base_url=self._transport_base_url(),
            timeout=self.timeout,
            max_retries=self.max_retries,
            default_headers=self.default_headers,
            stream_chunk_timeout=self._stream_chunk_timeout(),
        )

    @cached_property
    def _transport(self) -> Transport:
        return Transport(self._settings, self.http_client)

    @cached_property
    def _async_transport(self) -> AsyncTransport:
        return AsyncTransport(self._settings, self.http_async_client)
