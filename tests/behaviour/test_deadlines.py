"""No call outlives its deadline, however slowly the server drips, over real HTTP on loopback.

`timeout` bounds a non-streamed call as a whole (connect, headers, body, retries and their waits), not each
read; a stream must show its first content within `timeout` (pings and empty deltas do not count) and, when
`stream_total_timeout` is set, end within it. Servers here drip one byte a second, ping, or answer 503 slowly,
for far longer than the bounds; the assertions allow a generous margin (the machine is shared), never a tight time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ModelTimeoutError

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings
from langchain_toiotech._http import pools as http_pools
from langchain_toiotech._http.deadline import (
    DeadlineBackend,
    capped_timeout,
    deadline_scope,
    install_deadline_backend,
)
from langchain_toiotech.errors import APITimeoutError, InternalServerError
from tests._support.hostile_server import (
    CHUNKED_SSE_HEAD,
    Exchange,
    HostileServer,
    chat_chunk,
    http_chunk,
    json_head,
    sse,
)

TIMEOUT = 1.5  # above the drip interval, so no single read ever times out: only a deadline can end the call
MARGIN = 1.5  # generous: a shared, noisy machine; the servers misbehave for 20 s or more
DRIP_EVERY = 1.0  # one byte a second
API_KEY = "sk-test-deadlines"
COMPLETION = (
    b'{"id":"chatcmpl-drip","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"slow but sure"},"finish_reason":"stop"}]}'
)


def drip_body(exchange: Exchange) -> None:
    if exchange.read_request() is not None and exchange.send(json_head(len(COMPLETION))):
        exchange.drip(COMPLETION, DRIP_EVERY)


def drip_headers(exchange: Exchange) -> None:
    if exchange.read_request() is not None:
        exchange.drip(json_head(len(COMPLETION)) + COMPLETION, DRIP_EVERY)


def slow_503(exchange: Exchange) -> None:
    body = b'{"error":{"message":"overloaded","type":"server_error"}}'
    head = f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    while exchange.read_request() is not None:
        if exchange.wait(0.4) or not exchange.send(head.encode() + body):
            return


def stream_of(filler: bytes, *, every: float = 0.3, first: bytes = b"") -> Callable[[Exchange], None]:
    """A stream that sends `first`, then `filler` every `every` seconds for far longer than any bound."""

    def behave(exchange: Exchange) -> None:
        if exchange.read_request() is None or not exchange.send(CHUNKED_SSE_HEAD + first):
            return
        for _ in range(100):
            if exchange.wait(every) or not exchange.send(filler):
                return

    return behave


PING = http_chunk(b": PING\n\n")
EMPTY_DELTA = sse({**chat_chunk(), "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
WORD = sse(chat_chunk("word "))


def make_model(server: HostileServer, **kwargs: Any) -> ChatToiotech:
    return ChatToiotech(model="gpt-4o-mini", base_url=server.base_url, api_key=API_KEY, max_retries=0, **kwargs)


async def timed_call(call: Callable[[], Any], *, use_async: bool) -> tuple[BaseException | None, float, list[Any]]:
    """Run a call (a coroutine function when `use_async`); return its error, its duration and what it yielded."""
    start = time.monotonic()
    got: list[Any] = []
    try:
        result = call()
        if hasattr(result, "__aiter__"):
            async for item in result:
                got.append(item)  # noqa: PERF401 - a comprehension would lose them on an error
        elif hasattr(result, "__next__"):
            got.extend(result)
        elif use_async:
            got.append(await result)
        else:
            got.append(result)
    except Exception as error:  # noqa: BLE001 - each test names the class it expects
        return error, time.monotonic() - start, got
    return None, time.monotonic() - start, got


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
@pytest.mark.parametrize("behave", [drip_body, drip_headers], ids=["body-drip", "headers-drip"])
async def test_a_dripped_reply_ends_at_the_timeout(*, behave: Callable[[Exchange], None], use_async: bool) -> None:
    with HostileServer(behave) as server:
        model = make_model(server, timeout=TIMEOUT)
        call = (lambda: model.ainvoke("hi")) if use_async else (lambda: model.invoke("hi"))
        error, elapsed, _ = await timed_call(call, use_async=use_async)

    assert type(error) is APITimeoutError
    assert isinstance(error, ModelTimeoutError)
    assert "timeout of 1.5 s" in str(error)
    assert elapsed < TIMEOUT + MARGIN


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_a_callers_own_client_is_held_to_the_timeout_on_a_dripped_body(*, use_async: bool) -> None:
    # Without our network backend the deadline is checked between reads: a drip ends within one read of it.
    with HostileServer(drip_body) as server:
        if use_async:
            async with httpx.AsyncClient() as client:
                model = make_model(server, timeout=TIMEOUT, http_async_client=client)
                error, elapsed, _ = await timed_call(lambda: model.ainvoke("hi"), use_async=True)
        else:
            with httpx.Client() as client:
                model = make_model(server, timeout=TIMEOUT, http_client=client)
                error, elapsed, _ = await timed_call(lambda: model.invoke("hi"), use_async=False)

    assert type(error) is APITimeoutError
    assert elapsed < TIMEOUT + DRIP_EVERY + MARGIN


@pytest.mark.parametrize("use_async", [False, True], ids=["embed", "aembed"])
async def test_embeddings_share_the_deadline(*, use_async: bool) -> None:
    with HostileServer(drip_body) as server:
        embeddings = ToiotechEmbeddings(base_url=server.base_url, api_key=API_KEY, max_retries=0, timeout=TIMEOUT)
        if use_async:
            error, elapsed, _ = await timed_call(lambda: embeddings.aembed_query("hi"), use_async=True)
        else:
            error, elapsed, _ = await timed_call(lambda: embeddings.embed_query("hi"), use_async=False)

    assert type(error) is APITimeoutError
    assert elapsed < TIMEOUT + MARGIN


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_retries_and_their_waits_fit_in_the_timeout(*, use_async: bool) -> None:
    # Each attempt takes 0.4 s and the backoff doubles from 0.5 s: four retries would need about 9 s.
    with HostileServer(slow_503) as server:
        model = make_model(server, timeout=TIMEOUT).model_copy(update={"max_retries": 4})
        call = (lambda: model.ainvoke("hi")) if use_async else (lambda: model.invoke("hi"))
        error, elapsed, _ = await timed_call(call, use_async=use_async)
        attempts = server.requests

    assert type(error) in {InternalServerError, APITimeoutError}, error
    assert elapsed < TIMEOUT + MARGIN
    assert attempts >= 2  # it did retry while there was time


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize("filler", [PING, EMPTY_DELTA], ids=["pings", "empty-deltas"])
async def test_a_stream_without_content_ends_at_the_timeout(*, filler: bytes, use_async: bool) -> None:
    # The stall guard alone would never fire: something arrives every 0.3 s.
    with HostileServer(stream_of(filler)) as server:
        model = make_model(server, timeout=TIMEOUT, stream_chunk_timeout=0.8)
        call = (lambda: model.astream("hi")) if use_async else (lambda: model.stream("hi"))
        error, elapsed, chunks = await timed_call(call, use_async=use_async)

    assert type(error) is APITimeoutError
    assert "no content within the call's timeout of 1.5 s" in str(error)
    assert all(not chunk.content for chunk in chunks)
    assert elapsed < TIMEOUT + MARGIN


def pings_after_content(exchange: Exchange) -> None:
    """A word, then 2.4 s of pings (beyond `timeout`), then the stream's end."""
    if exchange.read_request() is None or not exchange.send(CHUNKED_SSE_HEAD + WORD):
        return
    for _ in range(8):
        if exchange.wait(0.3) or not exchange.send(PING):
            return
    exchange.send(sse(chat_chunk(finish="stop")) + sse("[DONE]") + b"0\r\n\r\n")


def silence_after_content(exchange: Exchange) -> None:
    """A word, then 1.6 s of silence (beyond `timeout`, within `stream_chunk_timeout`), then a word and the end."""
    if exchange.read_request() is not None and exchange.send(CHUNKED_SSE_HEAD + WORD) and not exchange.wait(1.6):
        exchange.send(WORD + sse(chat_chunk(finish="stop")) + sse("[DONE]") + b"0\r\n\r\n")


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize(
    ("behave", "stream_chunk_timeout", "text"),
    [
        # Once content has come, the first-content bound is spent: only the stall guard and the total bound remain.
        pytest.param(pings_after_content, 1.0, "word ", id="pings-keep-it-alive"),
        # A reasoning model may pause longer than `timeout` mid-answer; `stream_chunk_timeout` is what allows it.
        pytest.param(silence_after_content, 4.0, "word word ", id="silence-bounded-by-stream-chunk-timeout"),
    ],
)
async def test_after_the_first_content_timeout_no_longer_bounds_the_stream(
    *, behave: Callable[[Exchange], None], stream_chunk_timeout: float, text: str, use_async: bool
) -> None:
    with HostileServer(behave) as server:
        model = make_model(server, timeout=1.0, stream_chunk_timeout=stream_chunk_timeout)
        call = (lambda: model.astream("hi")) if use_async else (lambda: model.stream("hi"))
        error, _, chunks = await timed_call(call, use_async=use_async)

    assert error is None, error
    assert "".join(str(chunk.content) for chunk in chunks) == text


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_stream_total_timeout_bounds_an_endless_stream(*, use_async: bool) -> None:
    total = 1.0
    with HostileServer(stream_of(WORD, first=WORD)) as server:
        model = make_model(server, stream_total_timeout=total)
        call = (lambda: model.astream("hi")) if use_async else (lambda: model.stream("hi"))
        error, elapsed, chunks = await timed_call(call, use_async=use_async)

    assert type(error) is APITimeoutError
    assert "stream_total_timeout (1 s)" in str(error)
    assert "".join(str(chunk.content) for chunk in chunks).startswith("word word ")  # what arrived is kept
    assert elapsed < total + MARGIN


def test_the_pooled_sync_client_reads_through_the_deadline_backend() -> None:
    # The sync deadline rests on httpx internals (a pool's network backend): an httpx upgrade that moves them
    # must fail here, by name, rather than silently let drips through again.
    pool = http_pools.shared_sync_pool().clients[0]._transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool._network_backend, DeadlineBackend)


def test_proxy_pools_from_the_environment_get_the_backend_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    with httpx.Client() as client:
        assert client._mounts
        assert install_deadline_backend(client)
        pools = [client._transport._pool] + [mount._pool for mount in client._mounts.values() if mount]  # type: ignore[attr-defined]
        assert all(isinstance(pool._network_backend, DeadlineBackend) for pool in pools)


def test_capped_timeout_keeps_the_timeouts_that_fit_and_cuts_the_others_to_the_time_left() -> None:
    timeout = httpx.Timeout(5.0, connect=1.0)
    assert capped_timeout(timeout) is timeout  # no deadline in force
    with deadline_scope(time.monotonic() + 60):
        assert capped_timeout(timeout) is timeout  # everything fits: the same object, nothing allocated
    with deadline_scope(time.monotonic() + 2.0):
        capped = capped_timeout(timeout)
        assert capped.connect == 1.0
        assert all(value is not None and 0 < value <= 2.0 for value in (capped.read, capped.write, capped.pool))
        streamed = capped_timeout(timeout, reads=False)  # a stream's reads are bounded by stream_chunk_timeout
        assert streamed.read == 5.0
        assert streamed.write is not None
        assert streamed.write <= 2.0
    unbounded = httpx.Timeout(None)
    with deadline_scope(time.monotonic() + 60):
        capped = capped_timeout(unbounded)
        assert all(value is not None and value <= 60 for value in (capped.connect, capped.read, capped.write))
        assert capped_timeout(unbounded, reads=False).read is None
    with deadline_scope(time.monotonic() - 1):  # passed: nothing may wait
        assert capped_timeout(timeout).pool == 0.0
