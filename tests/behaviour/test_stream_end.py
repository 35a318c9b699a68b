"""A stream ends at its terminal event, whatever the server does next, over real HTTP on loopback.

After `data: [DONE]` (chat) or `response.completed` (Responses) the final chunk (finish reason, usage) must
reach the caller at once and the stream must return within a fraction of a second, while the server holds the
socket silently, pings every half second, or sends junk without end. Its connection is reused only when the rest
of the body is already there; otherwise it is dropped. Time bounds are generous (the machine is shared): a
normal stream here takes a few tens of milliseconds, the misbehaviours last 20 s or more.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk

from langchain_toiotech import ChatToiotech
from langchain_toiotech.errors import StreamError
from tests._support.drain import roomy_drain
from tests._support.hostile_server import (
    CHUNKED_SSE_HEAD,
    LAST_CHUNK,
    Exchange,
    HostileServer,
    chat_answer,
    http_chunk,
    responses_answer,
    sse,
)

PROMPT_SECONDS = 1.0  # far above a normal stream here (~0.05 s), far below the server's misbehaviour (20 s)
HOLD_SECONDS = 20.0
API_KEY = "sk-test-stream-end"
MODELS = {"chat": "gpt-4o-mini", "responses": "gpt-5.1-codex"}  # gpt-5.1-codex is served only on /responses


def terminal(route: str) -> bytes:
    return chat_answer() + sse("[DONE]") if route == "chat" else responses_answer()


def hold(exchange: Exchange) -> bool:
    exchange.wait(HOLD_SECONDS)
    return False


def ping(exchange: Exchange) -> bool:
    for _ in range(int(HOLD_SECONDS / 0.5)):
        if not exchange.send(http_chunk(b": PING\n\n")) or exchange.wait(0.5):
            return False
    return False


def junk(exchange: Exchange) -> bool:
    piece = http_chunk(b"x" * 65536)  # no newline, no end: 64 KiB every 10 ms, 128 MiB over 20 s at most
    for _ in range(2000):
        if not exchange.send(piece) or exchange.wait(0.01):
            return False
    return False


def end_late(exchange: Exchange) -> bool:
    return not exchange.wait(1.0) and exchange.send(LAST_CHUNK)


def serve_on(_: Exchange) -> bool:
    return True


def after_terminal(route: str, then: Callable[[Exchange], bool], *, ending: bytes = b"") -> Callable[[Exchange], None]:
    """Answer each request on the connection with a complete stream (and `ending` in the same write), then `then`."""

    def behave(exchange: Exchange) -> None:
        while exchange.read_request() is not None:
            if not exchange.send(CHUNKED_SSE_HEAD + terminal(route) + ending) or not then(exchange):
                return

    return behave


@dataclass
class Timed:
    chunks: list[AIMessageChunk]
    last_chunk_at: float
    ended_at: float


async def timed_stream(model: ChatToiotech, *, use_async: bool) -> Timed:
    start = time.monotonic()
    chunks: list[AIMessageChunk] = []
    last = 0.0
    if use_async:
        async for chunk in model.astream("hi"):
            chunks.append(chunk)
            last = time.monotonic() - start
    else:
        for chunk in model.stream("hi"):
            chunks.append(chunk)
            last = time.monotonic() - start
    return Timed(chunks, last, time.monotonic() - start)


def make_model(server: HostileServer, route: str, **kwargs: object) -> ChatToiotech:
    return ChatToiotech(model=MODELS[route], base_url=server.base_url, api_key=API_KEY, max_retries=0, **kwargs)


def assert_complete(timed: Timed) -> None:
    final = timed.chunks[-1]
    assert "".join(str(chunk.content) for chunk in timed.chunks) == "Hello world"
    assert final.chunk_position == "last"
    assert final.response_metadata["finish_reason"] == "stop"
    assert final.usage_metadata is not None
    assert final.usage_metadata["total_tokens"] == 5


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize("then", [hold, ping, junk], ids=["held-silent", "pings", "junk"])
@pytest.mark.parametrize("route", ["chat", "responses"])
async def test_the_final_chunk_comes_at_the_terminal_event(
    *, route: str, then: Callable[[Exchange], bool], use_async: bool
) -> None:
    with HostileServer(after_terminal(route, then)) as server:
        timed = await timed_stream(make_model(server, route), use_async=use_async)

    assert_complete(timed)
    assert timed.last_chunk_at < PROMPT_SECONDS
    assert timed.ended_at < PROMPT_SECONDS


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_invoke_with_streaming_returns_at_the_terminal_event(*, use_async: bool) -> None:
    with HostileServer(after_terminal("chat", hold)) as server:
        model = make_model(server, "chat", streaming=True)
        start = time.monotonic()
        message = await model.ainvoke("hi") if use_async else model.invoke("hi")
        elapsed = time.monotonic() - start

    assert message.content == "Hello world"
    assert message.response_metadata["finish_reason"] == "stop"
    assert elapsed < PROMPT_SECONDS


async def two_streams(server: HostileServer, *, use_async: bool) -> None:
    model = make_model(server, "chat")
    for _ in range(2):
        timed = await timed_stream(model, use_async=use_async)
        assert_complete(timed)
        assert timed.ended_at < PROMPT_SECONDS
    assert server.requests == 2


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_the_connection_is_kept_when_the_body_ends_with_the_terminal_event(
    monkeypatch: pytest.MonkeyPatch, *, use_async: bool
) -> None:
    # The end of the body is in the terminal event's write, so it is there when the stream ends; the roomy bound
    # keeps a loaded machine from turning "there" into "late" (the real 50 ms is the next test's).
    roomy_drain(monkeypatch)
    with HostileServer(after_terminal("chat", serve_on, ending=LAST_CHUNK)) as server:
        await two_streams(server, use_async=use_async)
        assert server.connections == 1


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize("then", [end_late, hold], ids=["end-late-dropped", "held-dropped"])
async def test_the_connection_is_dropped_when_the_body_does_not_end_in_time(
    *, then: Callable[[Exchange], bool], use_async: bool
) -> None:
    # The real DRAIN_SECONDS (50 ms): a late end (1 s after the terminal event) or none at all costs the connection.
    with HostileServer(after_terminal("chat", then)) as server:
        await two_streams(server, use_async=use_async)
        assert server.connections == 2


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize("then", [hold, ping], ids=["held-silent", "pings"])
async def test_a_callers_own_client_also_ends_at_the_terminal_event(
    *, then: Callable[[Exchange], bool], use_async: bool
) -> None:
    with HostileServer(after_terminal("chat", then)) as server:
        if use_async:
            async with httpx.AsyncClient() as client:
                timed = await timed_stream(make_model(server, "chat", http_async_client=client), use_async=True)
        else:
            with httpx.Client() as client:
                timed = await timed_stream(make_model(server, "chat", http_client=client), use_async=False)

    assert_complete(timed)
    assert timed.ended_at < PROMPT_SECONDS


def responses_ending(kind: str) -> bytes:
    """A Responses stream whose last event is `kind` (incomplete: cut by max_output_tokens; failed: an error)."""
    response: dict[str, Any] = {"id": "resp_hostile", "object": "response", "model": "gpt-5.1-codex", "output": []}
    if kind == "response.incomplete":
        response |= {"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}
    else:
        response |= {"status": "failed", "error": {"code": "server_error", "message": "the model crashed"}}
    delta = {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "Hello"}
    return sse(delta) + sse({"type": kind, "response": response})


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize("kind", ["response.incomplete", "response.failed"])
async def test_the_other_responses_terminal_events_end_the_stream_too(*, kind: str, use_async: bool) -> None:
    def behave(exchange: Exchange) -> None:
        if exchange.read_request() is not None and exchange.send(CHUNKED_SSE_HEAD + responses_ending(kind)):
            hold(exchange)

    with HostileServer(behave) as server:
        model = make_model(server, "responses")
        start = time.monotonic()
        failure: StreamError | None = None
        try:
            timed = await timed_stream(model, use_async=use_async)
        except StreamError as error:
            failure = error
        elapsed = time.monotonic() - start

    if kind == "response.failed":
        assert failure is not None
        assert "the model crashed" in str(failure)
    else:
        assert failure is None
        assert timed.chunks[-1].response_metadata["finish_reason"] == "length"
    assert elapsed < PROMPT_SECONDS


DRAIN_LIMIT = 4096  # a lowered `max_drain_bytes`; the junk below is a quarter of it or four times it


def junk_then_end(size: int) -> Callable[[Exchange], bool]:
    """After the terminal event, `size` bytes of junk in 1 KiB chunks and the end of the body, in one write."""
    piece = http_chunk(b"x" * 1024)
    return lambda exchange: exchange.send(piece * (size // 1024) + LAST_CHUNK)


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize(
    ("junk_bytes", "connections"),
    [(DRAIN_LIMIT // 4, 1), (DRAIN_LIMIT * 4, 2)],
    ids=["below-max-drain-bytes-reused", "over-max-drain-bytes-dropped"],
)
async def test_junk_after_the_end_keeps_the_connection_only_within_max_drain_bytes(
    monkeypatch: pytest.MonkeyPatch, *, junk_bytes: int, connections: int, use_async: bool
) -> None:
    # The whole junk and the body's end are there at once; a roomy time bound leaves the byte bound alone to decide.
    roomy_drain(monkeypatch)
    with HostileServer(after_terminal("chat", junk_then_end(junk_bytes))) as server:
        model = make_model(server, "chat", reply_limits={"max_drain_bytes": DRAIN_LIMIT})
        for _ in range(2):
            assert_complete(await timed_stream(model, use_async=use_async))
        assert server.requests == 2
        assert server.connections == connections
