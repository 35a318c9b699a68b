"""Client settings shared by every public client class: validation and `TransportSettings`."""

from __future__ import annotations

import dataclasses
import sys
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, NamedTuple, Self
from urllib.parse import urlsplit

import httpx
from langchain_core.utils import from_env, secret_from_env
from langchain_core.utils.utils import _build_model_kwargs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from langchain_toiotech._config.derived import derived, forget, keep
from langchain_toiotech._config.field_checks import (
    check_default_headers,
    check_finite,
    check_json_fields,
    check_timeout,
    check_url_secrets,
    clean_api_key,
)
from langchain_toiotech._http.defaults import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES
from langchain_toiotech._http.hosts import is_loopback
from langchain_toiotech._http.limits import DEFAULT_REPLY_LIMITS, ReplyLimits

if TYPE_CHECKING:
    # The transport (httpcore, the bounded readers, the pools) loads with the first request, not with the class
    # definitions: `from langchain_toiotech import ChatToiotech` stays cheap (see `test_imports.py`).
    from langchain_toiotech._http.client import AsyncTransport, Transport, TransportSettings

API_KEY_ENV: Final = "TOIOTECH_API_KEY"
BASE_URL_ENV: Final = "TOIOTECH_BASE_URL"


_LIBRARY_PACKAGES: Final = frozenset({"langchain_toiotech", "langchain_core", "pydantic"})


def _first_frame_outside_the_libraries() -> int:
    """The `warnings.warn` stacklevel of the user's line, past our constructors, pydantic and langchain-core."""
    frame = sys._getframe(1)  # noqa: SLF001 - the standard way to walk the stack cheaply
    level = 1
    while frame.f_back is not None and str(frame.f_globals.get("__name__", "")).split(".")[0] in _LIBRARY_PACKAGES:
        frame = frame.f_back
        level += 1
    return level


def check_base_url(base_url: str, *, name: str = "base_url", api_key: SecretStr | None = None) -> None:
    """Reject a base URL that is not http(s) or holds a secret; warn (at the user's line) on unencrypted http.

    Raises:
        ValueError: The URL has no http(s) scheme or no host, or holds credentials (see `check_url_secrets`).
    """
    check_url_secrets(name, base_url, api_key.get_secret_value() if api_key else "")
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = f"{name} must be an http(s) URL such as {DEFAULT_BASE_URL!r}, got {base_url!r}."
        raise ValueError(msg)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        warnings.warn(
            f"{name} {base_url!r} is plain http to a non-loopback host: the API key would travel unencrypted.",
            UserWarning,
            stacklevel=_first_frame_outside_the_libraries(),
        )


# langchain-openai's names for the connection fields (`ChatOpenAI`, `OpenAIEmbeddings`), so that code written for
# them keeps working; `request_timeout` is the `timeout` field's alias and `model_name` the `model` field's.
OPENAI_FIELD_NAMES: Final = {"openai_api_key": "api_key", "openai_api_base": "base_url"}
# langchain-openai options that mean nothing behind the gateway: refused, never sent as request fields.
_UNSUPPORTED_OPENAI_OPTIONS: Final = {
    "openai_proxy": (
        "set HTTPS_PROXY, or pass http_client=httpx.Client(proxy=...) "
        "and http_async_client=httpx.AsyncClient(proxy=...)"
    ),
    "openai_organization": "the gateway's key alone decides the account; remove it",
    "organization": "the gateway's key alone decides the account; remove it",
}


def accept_openai_names(values: dict[str, Any]) -> dict[str, Any]:
    """Rename langchain-openai's field names to ours; refuse its options that have no meaning here.

    Raises:
        ValueError: both names of one field are given, or an option the gateway cannot honour.
    """
    for option, advice in _UNSUPPORTED_OPENAI_OPTIONS.items():
        if option in values:
            msg = f"{option} is a langchain-openai option with no meaning for the toiotech gateway: {advice}."
            raise ValueError(msg)
    values = _lift_from_model_kwargs(values)
    if not OPENAI_FIELD_NAMES.keys() & values.keys():
        return values
    renamed = dict(values)
    for openai_name, name in OPENAI_FIELD_NAMES.items():
        if openai_name in renamed:
            if name in renamed:
                msg = f"Both {name} and {openai_name} were given; they are the same setting, pass one."
                raise ValueError(msg)
            renamed[name] = renamed.pop(openai_name)
    return renamed


def _lift_from_model_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    """`model_kwargs={"openai_api_key": ...}` names a field, not a request field (as in ChatOpenAI): lift it out."""
    extra = values.get("model_kwargs")
    if not isinstance(extra, dict) or not OPENAI_FIELD_NAMES.keys() & extra.keys():
        return values
    lifted = {name: extra[name] for name in OPENAI_FIELD_NAMES if name in extra}
    if clash := sorted(lifted.keys() & values.keys()):
        msg = f"{', '.join(clash)} given both as an argument and in model_kwargs; pass it once."
        raise ValueError(msg)
    rest = {name: value for name, value in extra.items() if name not in lifted}
    return {**values, **lifted, "model_kwargs": rest}


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


def check_reply_limit_names(value: Any) -> Any:
    """Reject a `reply_limits` dict with a name `ReplyLimits` does not have (pydantic would drop it silently)."""
    if isinstance(value, dict):
        known = {field.name for field in dataclasses.fields(ReplyLimits)}
        if unknown := sorted(set(value) - known):
            msg = f"reply_limits has no limit named {', '.join(unknown)}; the limits are {', '.join(sorted(known))}."
            raise ValueError(msg)
    return value


class TransportSource(NamedTuple):
    """Every value a client's transports are built from, read once per call: equal sources build equal transports.

    The one list of those values: the per-call check that the transports are current compares it (a tuple
    compare, about 1 us; building the settings to compare cost 4), and the settings are built from it, so a value
    added here is both compared and used.
    """

    api_key: SecretStr | None
    base_url: str
    timeout: float | httpx.Timeout | None
    max_retries: int
    default_headers: tuple[tuple[str, str], ...]
    """A snapshot of the field's items: the dict may be changed in place after the transports were built."""
    stream_chunk_timeout: float | None
    reply_limits: ReplyLimits
    stream_total_timeout: float | None
    http_client: httpx.Client | None
    http_async_client: httpx.AsyncClient | None


def transport_settings(source: TransportSource) -> TransportSettings:
    """Build the transport settings from the values every toiotech client class declares."""
    from langchain_toiotech._http.client import TransportSettings  # noqa: PLC0415 - the transport loads on first use

    # The source's values under the settings' own names: a value added to the source reaches the settings (or
    # fails at once if they lack it). The caller's httpx clients go to the transports, and the key is unwrapped.
    values = source._asdict()
    del values["http_client"], values["http_async_client"]
    values["api_key"] = source.api_key.get_secret_value() if source.api_key else ""
    return TransportSettings(**values)


_TRANSPORTS_ATTRIBUTE: Final = "_built_transports"


@dataclasses.dataclass(frozen=True, eq=False)
class _Transports:
    """A client's transports and what they were built from (the fields' values and the caller's httpx clients)."""

    source: TransportSource
    settings: TransportSettings
    sync: Transport
    asynchronous: AsyncTransport
    headers: dict[str, str] | None
    """A copy of the `default_headers` they were built with: the one field that may change without assignment."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Transports:
        # Shared, not copied: a transport holds no state besides what `source` records, and a deep copy would
        # try to copy the caller's httpx clients.
        return self


class GatewayClient(BaseModel):
    """Base of the public client classes: the connection fields, their validation, and lazy transports.

    Building a client opens no connection; the first request does, on a pooled client shared process-wide.
    """

    # hide_input_in_errors: a ValidationError would otherwise quote the constructor input (headers, URLs).
    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, hide_input_in_errors=True)

    api_key: SecretStr | None = Field(default_factory=secret_from_env(API_KEY_ENV, default=None))
    """Gateway API key (also as langchain-openai's `openai_api_key`); read from `TOIOTECH_API_KEY` when not given."""
    base_url: str = Field(default_factory=from_env(BASE_URL_ENV, default=DEFAULT_BASE_URL))
    """Gateway base URL (also as `openai_api_base`); read from `TOIOTECH_BASE_URL` when not given."""
    timeout: float | httpx.Timeout | None = Field(default=None, alias="request_timeout")
    """The most one call may take, in seconds (default: 600 s, connect 10 s), raising `APITimeoutError` past it.

    It bounds the call as a whole, not each read: connect, headers and body, and all retries with their waits,
    end within it (a retry that could not start in time is not made), however slowly the server drips bytes.
    An upload must finish within it too. For a stream it bounds the wait for the first content (pings do not
    count); after that `stream_chunk_timeout` and `stream_total_timeout` apply. An `httpx.Timeout` also bounds
    each phase by its own values, and the call by its largest one (no bound if any is None).
    """
    max_retries: int = DEFAULT_MAX_RETRIES
    """Retries for 408/409/429/5xx and connection errors; a stream is never retried once it started."""
    default_headers: dict[str, str] | None = None
    """Extra HTTP headers sent with every request."""
    reply_limits: ReplyLimits = DEFAULT_REPLY_LIMITS
    """The most read of one reply, in decompressed bytes (a `ReplyLimits`, or a dict of the limits to change):
    `max_body_bytes` (256 MiB), `max_error_body_bytes` (1 MiB), `max_event_bytes` (64 MiB), `max_drain_bytes`
    (64 KiB). Over a limit, `ResponseTooLargeError` names it; no legitimate reply comes near the defaults."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """Your own `httpx.Client` (proxies, mock transports); by default a shared pooled client is used.

    `timeout` still bounds the call, checked between reads and capping each attempt's httpx timeouts, but a
    server dripping the headers byte by byte is bounded only per read (the pooled client bounds every read).
    """
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """Your own `httpx.AsyncClient`; by default a pooled client per event loop is used."""

    def __init__(self, **kwargs: Any) -> None:
        """Create the client; see the class docstring for the arguments."""
        # Spelled out so type checkers accept `model=` aliases and a plain `str` api_key. The key is wrapped
        # before pydantic sees it (a validation error prints the constructor's input), under whichever name
        # it came (`api_key` or langchain-openai's `openai_api_key`).
        super().__init__(**mask_api_key(accept_openai_names(kwargs)))

    @field_validator("reply_limits", mode="before")
    @classmethod
    def _check_reply_limit_names(cls, value: Any) -> Any:
        return check_reply_limit_names(value)

    @model_validator(mode="after")
    def _check_connection_fields(self) -> Self:
        self._check_connection()
        return self

    def _check_connection(self) -> None:
        """The construction-time checks of the connection fields; a copy that changes fields runs them too."""
        # Cleaned here, not in a field validator: one would not run on the key read from TOIOTECH_API_KEY.
        self.api_key = clean_api_key(self.api_key)
        check_api_key(self.api_key)
        check_base_url(self.base_url, api_key=self.api_key)
        check_max_retries(self.max_retries)
        check_default_headers(self.default_headers)
        self._check_numbers()

    def _check_numbers(self) -> None:
        # Every `*timeout` field a subclass declares (stream_chunk_timeout, ...) is a duration; every other
        # float goes into a JSON body, which cannot carry NaN or infinity.
        for name, value in self:
            if name.endswith("timeout"):
                check_timeout(name, value)
            else:
                check_finite(name, value)

    def _transport_base_url(self) -> str:
        """Where this client's endpoints live (the Files client may point elsewhere)."""
        return self.base_url

    def _stream_chunk_timeout(self) -> float | None:
        """The stall guard for streams; only clients that stream set one."""
        return None

    def _stream_total_timeout(self) -> float | None:
        """The bound on a whole stream; only clients that stream set one."""
        return None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Copy the client; `update` takes the names and key forms the constructor takes, and is checked.

        A copy with other connection settings (`base_url`, `api_key`, headers...) sends with them: transports
        are rebuilt whenever the settings they were built from change.

        Raises:
            ValueError: an updated field fails the checks it would fail on construction.
        """
        changes = mask_api_key(accept_openai_names(dict(update))) if update else None
        copied = super().model_copy(update=changes, deep=deep)
        if changes:
            forget(copied)  # pydantic writes the update into the copy's __dict__, past `__setattr__`
            copied._check_connection()  # noqa: SLF001 - the same checks as on construction
        return copied

    def __setattr__(self, name: str, value: Any) -> None:
        """Assign as pydantic does; what was built from the fields (`_config.derived`) is built again on next use."""
        super().__setattr__(name, value)
        forget(self)

    def _transport_source(self) -> TransportSource:
        """Every value the transports are built from, read from the fields now."""
        return TransportSource(
            api_key=self.api_key,
            base_url=self._transport_base_url(),
            timeout=self.timeout,
            max_retries=self.max_retries,
            default_headers=tuple((self.default_headers or {}).items()),
            stream_chunk_timeout=self._stream_chunk_timeout(),
            reply_limits=self.reply_limits,
            stream_total_timeout=self._stream_total_timeout(),
            http_client=self.http_client,
            http_async_client=self.http_async_client,
        )

    def _transports(self) -> _Transports:
        # Kept while no field is assigned (`_config.derived`); headers changed in place are compared on each call.
        current: _Transports | None = derived(self, _TRANSPORTS_ATTRIBUTE)
        if current is not None and current.headers == self.default_headers:
            return current
        # Compared with what the transports were built from rather than rebuilt: a copy whose update changed no
        # connection setting shares its original's (`model_copy` copies the instance's attributes with them).
        source = self._transport_source()
        built: _Transports | None = self.__dict__.get(_TRANSPORTS_ATTRIBUTE)
        if built is None or built.source != source:
            from langchain_toiotech._http.client import AsyncTransport, Transport  # noqa: PLC0415 - loaded on first use

            settings = transport_settings(source)
            built = _Transports(
                source,
                settings,
                Transport(settings, source.http_client),
                AsyncTransport(settings, source.http_async_client),
                None if self.default_headers is None else dict(self.default_headers),
            )
            self.__dict__[_TRANSPORTS_ATTRIBUTE] = built
        keep(self, _TRANSPORTS_ATTRIBUTE, built)
        return built

    @property
    def _settings(self) -> TransportSettings:
        return self._transports().settings

    @property
    def _transport(self) -> Transport:
        return self._transports().sync

    @property
    def _async_transport(self) -> AsyncTransport:
        return self._transports().asynchronous


class RequestFieldClient(GatewayClient):
    """A client whose unknown constructor arguments become request fields, as in langchain-openai.

    `ChatToiotech(model="x", top_k=5)` warns and sends `top_k` in the JSON body, instead of failing on (or, as
    pydantic would by default, silently ignoring) a vendor field the class does not declare.
    """

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other request fields, sent at the top level of the JSON body."""

    _json_field_dicts: ClassVar[tuple[str, ...]] = ("model_kwargs", "extra_body")
    """Fields whose dicts go into the JSON body as they are (`extra_body` where a subclass declares it)."""

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, values: dict[str, Any]) -> Any:
        names = set(cls.model_fields) | {field.alias for field in cls.model_fields.values() if field.alias}
        return _build_model_kwargs(values, names)

    @model_validator(mode="after")
    def _check_json_fields(self) -> Self:
        for name in self._json_field_dicts:
            check_json_fields(name, getattr(self, name, None))
        return self
