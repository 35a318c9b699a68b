"""HTTP transport to the gateway: pooled httpx clients, auth headers, retries, status errors.

This module knows httpx and JSON dicts only, never LangChain types, so the rest of the package can be
tested against `httpx.MockTransport` and the HTTP library could be swapped in one place.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Final, NamedTuple, TypeVar, cast

import httpx

from langchain_toiotech._http.deadline import (
    OpenStream,
    StreamDeadlines,
    acall_deadline,
    after,
    call_bound,
    capped_timeout,
    deadline_error,
    deadline_scope,
    expired,
)
from langchain_toiotech._http.defaults import DEFAULT_MAX_RETRIES
from langchain_toiotech._http.limits import ACCEPT_ENCODING, DEFAULT_REPLY_LIMITS, ReplyLimits
from langchain_toiotech._http.pools import DEFAULT_TIMEOUT, AsyncPool, SyncPool, shared_async_pool, shared_sync_pool
from langchain_toiotech._http.reading import aread_content, json_object, read_content, read_copy
from langchain_toiotech._http.redaction import redact_error, redact_response, redact_text, redacting
from langchain_toiotech._http.release import HeldAttempt, adrain, arelease_attempt, drain, guard_body, release_attempt
from langchain_toiotech._http.retry import next_delay
from langchain_toiotech._http.upload_body import SizedUpload
from langchain_toiotech._version import __version__
from langchain_toiotech.errors import (
    APIConnectionError,
    APITimeoutError,
    ToiotechError,
    make_status_error,
)

logger = logging.getLogger(__name__)

_USER_AGENT: Final = f"langchain-toiotech/{__version__}"

JSONObject = dict[str, Any]
Result = TypeVar("Result")
RequestFactory = Callable[[httpx.Client | httpx.AsyncClient, ExitStack], httpx.Request]
ReplyReader = Callable[[JSONObject], Result]
"""What turns a reply's JSON object into the caller's result (`parse_file_object`, a route's reader, ...)."""


@dataclass(frozen=True)
class TransportSettings:
    """Everything a transport needs to reach the gateway; the key is kept out of `repr`."""

    base_url: str
    api_key: str = field(repr=False)
    timeout: float | httpx.Timeout | None = None
    max_retries: int = DEFAULT_MAX_RETRIES
    default_headers: tuple[tuple[str, str], ...] = ()
    stream_chunk_timeout: float | None = None
    reply_limits: ReplyLimits = DEFAULT_REPLY_LIMITS
    stream_total_timeout: float | None = None

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """Join the base URL and an endpoint path such as `/chat/completions`, keeping the base URL's query.

        An Azure-style `?api-version=...` on the base URL is sent on every request; `params` are added to it.
        """
        prefix, query = self._url_parts
        url = f"{prefix}/{path.lstrip('/')}"
        if params:
            return str(httpx.URL(url, query=query.encode()).copy_merge_params(params))
        return f"{url}?{query}" if query else url

    @functools.cached_property
    def _url_parts(self) -> tuple[str, str]:
        prefix, _, query = self.base_url.partition("?")
        return prefix.rstrip("/"), query

    def headers(self, *, stream: bool = False) -> dict[str, str]:
        """Request headers: defaults, then auth; the key is added here and stored nowhere else."""
        return self._stream_headers if stream else self._plain_headers

    def request_timeout(self, *, stream: bool = False) -> httpx.Timeout:
        """The timeout for one request; a stream's reads are bounded by `stream_chunk_timeout`."""
        return self._stream_timeout if stream else self._plain_timeout

    @functools.cached_property
    def call_timeout(self) -> float | None:
        """The bound on a whole call, retries included (see `_http.deadline.call_bound`)."""
        return call_bound(self._plain_timeout)

    # Built once per settings object: they are the same for every request, and invoke is a hot path.
    @functools.cached_property
    def _plain_headers(self) -> dict[str, str]:
        # Only the encodings the bounded readers can decode piece by piece: httpx would also offer br and zstd
        # when their packages happen to be installed, and those we could not bound.
        return {
            "User-Agent": _USER_AGENT,
            "Accept-Encoding": ACCEPT_ENCODING,
            **dict(self.default_headers),
            "Authorization": f"Bearer {self.api_key}",
        }

    @functools.cached_property
    def _stream_headers(self) -> dict[str, str]:
        return {**self._plain_headers, "Accept": "text/event-stream"}

    @functools.cached_property
    def _plain_timeout(self) -> httpx.Timeout:
        if isinstance(self.timeout, httpx.Timeout):
            return self.timeout
        return DEFAULT_TIMEOUT if self.timeout is None else httpx.Timeout(self.timeout)

    @functools.cached_property
    def _stream_timeout(self) -> httpx.Timeout:
        timeout = self._plain_timeout
        if self.stream_chunk_timeout is None:
            return timeout
        return httpx.Timeout(
            connect=timeout.connect, read=self.stream_chunk_timeout, write=timeout.write, pool=timeout.pool
        )


def _transport_failure(error: httpx.TransportError, settings: TransportSettings) -> ToiotechError:
    """Our error for a failed send, the key masked in it and in the httpx error it chains (which may quote it)."""
    secret = settings.api_key
    redact_error(error, secret)
    if isinstance(error, httpx.TimeoutException):
        if expired():
            return deadline_error(settings.call_timeout)
        return APITimeoutError(f"Request to the gateway timed out ({type(error).__name__}).")
    failure = APIConnectionError(
        f"Could not reach the gateway: {type(error).__name__}: {redact_text(str(error), secret)}"
    )
    if isinstance(error, httpx.LocalProtocolError | httpx.UnsupportedProtocol):
        # Refused on this machine before anything was sent (an illegal header value, a bad scheme): a retry
        # would send exactly the same thing.
        failure.is_retryable = False
    return failure


def _status_error(response: httpx.Response, content: bytes, settings: TransportSettings) -> ToiotechError:
    # Built from a redacted copy, so the message, `body` and `response` (which langchain-core reads into the
    # callbacks' `response_metadata`) all come out clean; the copy's request carries no Authorization header.
    clean = redact_response(read_copy(response, content), settings.api_key)
    return redact_error(make_status_error(clean), settings.api_key)


class _Refused(NamedTuple):
    """A non-2xx response and its body (cut to the error limit): its error is built once the attempt is released."""

    response: httpx.Response
    content: bytes


_Failure = httpx.TransportError | _Refused


def _retry_delay(failure: _Failure, attempt: int, settings: TransportSettings) -> float:
    """The wait before the next attempt after a failed one (the same rule for both transports).

    Raises:
        ToiotechError: The failure's error (redacted), when `next_delay` allows no further attempt.
    """
    if isinstance(failure, _Refused):
        error, cause = _status_error(failure.response, failure.content, settings), None
    else:
        error, cause = _transport_failure(failure, settings), failure
    delay = next_delay(error, attempt, settings.max_retries)
    if delay is None:
        raise error from cause
    return delay


def _json_request(method: str, path: str, settings: TransportSettings, **kwargs: Any) -> RequestFactory:
    stream = bool(kwargs.pop("stream", False))

    url = settings.url(path, kwargs.pop("params", None))

    def build(client: httpx.Client | httpx.AsyncClient, _: ExitStack) -> httpx.Request:
        return client.build_request(
            method,
            url,
            headers=settings.headers(stream=stream),
            timeout=capped_timeout(settings.request_timeout(stream=stream), reads=not stream),
            **kwargs,
        )

    return build


def _upload_request(
    path: str,
    settings: TransportSettings,
    file_path: Path,
    fields: Mapping[str, str],
    mime_type: str,
) -> RequestFactory:
    def build(client: httpx.Client | httpx.AsyncClient, resources: ExitStack) -> httpx.Request:
        # Reopened on every attempt, so a retry sends the file from its first byte; httpx streams it.
        # Read through SizedUpload: a file that changes size mid-upload raises FileChangedError naming it.
        handle = SizedUpload(resources.enter_context(file_path.open("rb")), file_path)
        return client.build_request(
            "POST",
            settings.url(path),
            headers=settings.headers(),
            timeout=capped_timeout(settings.request_timeout()),
            data=dict(fields),
            files={"file": (file_path.name, cast("BinaryIO", handle), mime_type)},  # read, seek and tell suffice
        )

    return build


def _as_is(body: JSONObject) -> JSONObject:
    return body


def _decode_json(reply: HeldAttempt) -> JSONObject:
    # A successful reply is returned exactly as sent: masking the key inside it would corrupt answers that
    # happen to contain a short key. Errors built from it are redacted where they are raised (`redacting`).
    return json_object(reply.response, reply.content)


class Transport:
    """Synchronous transport: JSON requests, streams and uploads with retries, each call within its timeout."""

    def __init__(self, settings: TransportSettings, http_client: httpx.Client | None = None) -> None:
        """Keep the settings and the caller's own client (None: the pooled one, touched on the first request)."""
        self.settings = settings
        self.http_client = http_client

    def request_json(self, method: str, path: str, **kwargs: Any) -> JSONObject:
        """Send a request (with `json=`, `params=`) and decode the JSON object it returns."""
        return self.request(method, path, _as_is, **kwargs)

    def request(self, method: str, path: str, read: ReplyReader[Result], **kwargs: Any) -> Result:
        """Send a request and turn its JSON reply into a result with `read`.

        An error `read` raises (a 200 that carries an error, an unreadable reply) quotes the reply, which
        may echo the key: it is redacted as the transport's own errors are.
        """
        with (
            redacting(self.settings.api_key),
            deadline_scope(after(self.settings.call_timeout)),
            self._send(_json_request(method, path, self.settings, **kwargs)) as reply,
        ):
            return read(_decode_json(reply))

    def upload(
        self, path: str, file_path: Path, fields: Mapping[str, str], mime_type: str, read: ReplyReader[Result]
    ) -> Result:
        """Upload a file as multipart form data, streamed from disk, and turn the reply into a result with `read`."""
        build = _upload_request(path, self.settings, file_path, fields, mime_type)
        with (
            redacting(self.settings.api_key),
            deadline_scope(after(self.settings.call_timeout)),
            self._send(build) as reply,
        ):
            return read(_decode_json(reply))

    @contextmanager
    def stream(self, path: str, body: JSONObject) -> Iterator[OpenStream]:
        """Open a streaming POST; retried only until the status arrives; on exit drained or closed.

        The first content must come within `timeout`, the end within `stream_total_timeout`; after a normal exit
        (the caller read to the terminal event) the rest is read within small bounds, see `_http.release`.
        """
        deadlines = StreamDeadlines(self.settings.call_timeout, self.settings.stream_total_timeout)
        request = _json_request("POST", path, self.settings, json=body, stream=True)
        # Errors raised while the caller reads the stream quote its events, which may echo the key.
        with redacting(self.settings.api_key), ExitStack() as resources:
            with deadline_scope(deadlines.next_bound()):
                response = resources.enter_context(self._send(request, read_body=False)).response
            yield OpenStream(response, deadlines)
            drain(response, self.settings.reply_limits.max_drain_bytes)

    def _admit(self) -> tuple[SyncPool | None, int, httpx.Client]:
        """The client a request goes through: the caller's, or a shard of the pool once admitted to it."""
        # Only our own pool is gated: a caller's client has limits (and perhaps a pool) we do not know.
        if self.http_client is not None:
            return None, 0, self.http_client
        pool = shared_sync_pool()
        # The wait for a slot is the wait for a connection: the pool timeout, cut to what is left of the call.
        slot = pool.admit(capped_timeout(self.settings.request_timeout()).pool)
        return pool, slot, pool.clients[slot]

    def _send(self, build: RequestFactory, *, read_body: bool = True) -> HeldAttempt:
        """Send until an attempt succeeds or `next_delay` allows no more; `with` the result to release it."""
        # try/except rather than an ExitStack and nested context managers: this is every call's path.
        attempt = 0
        while True:
            pool, slot, client = self._admit()
            resources = ExitStack()  # what building the request opened (an upload's file)
            response: httpx.Response | None = None
            try:
                response = client.send(build(client, resources), stream=True)
                guard_body(response)
                wanted = read_body or not response.is_success  # an error's body is read to explain it
                content = read_content(response, self.settings.reply_limits) if wanted else b""
            except httpx.TransportError as exc:
                failure: _Failure = exc
            except BaseException:
                release_attempt(response, resources, pool, slot)
                raise
            else:
                if response.is_success:
                    return HeldAttempt(response, content, resources, pool, slot)
                failure = _Refused(response, content)
            release_attempt(response, resources, pool, slot)
            time.sleep(_retry_delay(failure, attempt, self.settings))
            attempt += 1


class AsyncTransport:
    """Asynchronous twin of `Transport`; the retry decisions are the same shared functions."""

    def __init__(self, settings: TransportSettings, http_client: httpx.AsyncClient | None = None) -> None:
        """Keep the settings and the caller's own client (None: the pooled one, touched on the first request)."""
        self.settings = settings
        self.http_client = http_client

    async def request_json(self, method: str, path: str, **kwargs: Any) -> JSONObject:
        """Send a request (with `json=`, `params=`) and decode the JSON object it returns."""
        return await self.request(method, path, _as_is, **kwargs)

    async def request(self, method: str, path: str, read: ReplyReader[Result], **kwargs: Any) -> Result:
        """Send a request and turn its JSON reply into a result with `read`; errors are redacted as in `Transport`."""
        request = _json_request(method, path, self.settings, **kwargs)
        with redacting(self.settings.api_key):
            async with acall_deadline(self.settings.call_timeout), await self._send(request) as reply:
                return read(_decode_json(reply))

    async def upload(
        self, path: str, file_path: Path, fields: Mapping[str, str], mime_type: str, read: ReplyReader[Result]
    ) -> Result:
        """Async twin of `Transport.upload`."""
        build = _upload_request(path, self.settings, file_path, fields, mime_type)
        with redacting(self.settings.api_key):
            async with acall_deadline(self.settings.call_timeout), await self._send(build) as reply:
                return read(_decode_json(reply))

    @asynccontextmanager
    async def stream(self, path: str, body: JSONObject) -> AsyncIterator[OpenStream]:
        """Open a streaming POST; retried only until the status arrives; on exit drained or closed."""
        deadlines = StreamDeadlines(self.settings.call_timeout, self.settings.stream_total_timeout)
        request = _json_request("POST", path, self.settings, json=body, stream=True)
        with redacting(self.settings.api_key):
            async with AsyncExitStack() as resources:
                async with acall_deadline(self.settings.call_timeout, at=deadlines.next_bound()):
                    response = resources.push_async_exit(await self._send(request, read_body=False)).response
                yield OpenStream(response, deadlines)
                await adrain(response, self.settings.reply_limits.max_drain_bytes)

    async def _admit(self) -> tuple[AsyncPool | None, int, httpx.AsyncClient]:
        if self.http_client is not None:
            return None, 0, self.http_client
        pool = shared_async_pool()
        slot = await pool.admit(capped_timeout(self.settings.request_timeout()).pool)
        return pool, slot, pool.clients[slot]

    async def _send(self, build: RequestFactory, *, read_body: bool = True) -> HeldAttempt:
        """Async twin of `Transport._send`: `async with` the result to release it."""
        attempt = 0
        while True:
            pool, slot, client = await self._admit()
            resources = ExitStack()
            response: httpx.Response | None = None
            try:
                request = build(client, resources)
                response = await client.send(request, stream=True)
                guard_body(response)
                wanted = read_body or not response.is_success
                content = await aread_content(response, self.settings.reply_limits) if wanted else b""
            except httpx.TransportError as exc:
                failure: _Failure = exc
            except BaseException:
                await arelease_attempt(response, resources, pool, slot)
                raise
            else:
                if response.is_success:
                    return HeldAttempt(response, content, resources, pool, slot)
                failure = _Refused(response, content)
            await arelease_attempt(response, resources, pool, slot)
            await asyncio.sleep(_retry_delay(failure, attempt, self.settings))
            attempt += 1
