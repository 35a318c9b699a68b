"""Every recorded chat-completions capture, replayed through ChatToiotech: invoke, stream and their async twins.

The expected text, reasoning, tool calls, usage and metadata are derived from each capture file by
`tests._support.captures` (plain JSON, no package code), then compared with what the model returns.
Stream captures are also replayed through `invoke` with `streaming=True` (core aggregates the chunks),
and whole-JSON captures through `stream` (a gateway may answer `stream: true` with a plain JSON body).
Replies go through an httpx.MockTransport; the Mistral captures (content as a list of parts) are also served
byte for byte by a loopback HTTP server, with the same gateway and the same expectations.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

from langchain_toiotech import ChatToiotech
from tests._support.captures import (
    Expected,
    chat_captures,
    expected_from_capture,
    is_stream_capture,
    sse_body,
)
from tests._support.gateways import mock_clients
from tests._support.loopback import QuietHandler, serve_loopback

API_KEY = "sk-capture-replay"
BASE_URL = "https://gateway.test/v1"
CAPTURES = chat_captures()
STREAM_CAPTURES = [path for path in CAPTURES if is_stream_capture(path)]
# Content as a list of parts (text, thinking) is decoded from the bytes a socket delivers, not only from a whole
# in-memory body: these captures are also served over real HTTP on loopback.
LOOPBACK_CAPTURES = [path for path in CAPTURES if path.name.startswith("mistral-")]
REPLAYS = [pytest.param(path, "mock", id=path.name) for path in CAPTURES] + [
    pytest.param(path, "loopback", id=f"{path.name}-loopback") for path in LOOPBACK_CAPTURES
]


class CaptureGateway:
    """MockTransport handler answering every request with one capture, and remembering the requests."""

    def __init__(self, capture: Path, *, drop_done: bool = False) -> None:
        self.capture = capture
        self.drop_done = drop_done
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not is_stream_capture(self.capture):
            # Whole completion: also the answer to a stream request on gateways that don't stream.
            return httpx.Response(200, headers={"content-type": "application/json"}, content=self.capture.read_bytes())
        body = sse_body(self.capture)
        if self.drop_done:
            body = body.replace(b"data: [DONE]", b"")
            assert b"[DONE]" not in body
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    def sent_json(self) -> dict[str, Any]:
        assert len(self.requests) == 1, "exactly one request (no retry) is expected"
        body: dict[str, Any] = json.loads(self.requests[0].content)
        return body


def make_model(gateway: CaptureGateway, *, streaming: bool = False, base_url: str | None = None) -> ChatToiotech:
    """A model answered by `gateway`: through a MockTransport, or over loopback when given the server's `base_url`."""
    # `streaming` is only passed when True: an explicit `streaming=False` makes core's `stream()` fall back to invoke.
    extra: dict[str, Any] = {"streaming": True} if streaming else {}
    connection: dict[str, Any] = {"base_url": base_url} if base_url else {"base_url": BASE_URL, **mock_clients(gateway)}
    return ChatToiotech(model="capture-model", api_key=API_KEY, max_retries=0, **connection, **extra)


@contextmanager
def replaying(gateway: CaptureGateway, via: str, *, streaming: bool = False) -> Iterator[ChatToiotech]:
    """A model answered by `gateway` `via` a MockTransport ("mock") or a loopback HTTP server ("loopback")."""
    if via == "mock":
        yield make_model(gateway, streaming=streaming)
        return

    class Bridge(QuietHandler):
        """Hand each request to the gateway as an httpx.Request; send its reply's status, type and bytes back."""

        def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
            body = self.rfile.read(int(self.headers["Content-Length"]))
            url = f"http://{self.headers['Host']}{self.path}"
            reply = gateway(httpx.Request("POST", url, headers=dict(self.headers.items()), content=body))
            self.send_body(reply.headers["content-type"], reply.content, reply.status_code)

    with serve_loopback(Bridge) as base_url:
        yield make_model(gateway, streaming=streaming, base_url=base_url)


def capture_id(path: Path) -> str:
    return path.name


def summed(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    assert chunks, "the stream yielded nothing"
    return functools.reduce(operator.add, chunks)


def assert_message_matches(message: BaseMessage, expected: Expected) -> None:
    assert isinstance(message, AIMessage)
    assert message.content == expected.content
    if expected.reasoning:
        assert message.additional_kwargs["reasoning_content"] == expected.reasoning
    else:
        assert "reasoning_content" not in message.additional_kwargs
    calls = [{"id": call["id"], "name": call["name"], "args": call["args"]} for call in message.tool_calls]
    assert calls == expected.tool_calls
    assert message.invalid_tool_calls == []
    assert message.usage_metadata == expected.usage
    metadata = message.response_metadata
    assert metadata["finish_reason"] == expected.finish_reason
    assert metadata["model_name"] == expected.model_name
    assert metadata["model_provider"] == "toiotech"
    assert metadata["id"] == expected.response_id


def assert_stream_shape(chunks: list[AIMessageChunk], expected: Expected) -> None:
    """Usage and model name on exactly one chunk each, so summing never adds or concatenates them."""
    with_usage = [chunk for chunk in chunks if chunk.usage_metadata]
    assert len(with_usage) == (1 if expected.usage else 0)
    assert sum(1 for chunk in chunks if chunk.response_metadata.get("model_name")) == 1
    assert sum(1 for chunk in chunks if chunk.response_metadata.get("finish_reason")) == 1
    assert chunks[-1].chunk_position == "last"
    assert all(chunk.chunk_position is None for chunk in chunks[:-1])


def assert_request(gateway: CaptureGateway, *, wire_stream: bool) -> None:
    request = gateway.requests[0]
    body = gateway.sent_json()
    assert request.method == "POST"
    assert request.url.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert body["model"] == "capture-model"
    assert body["messages"] == [{"role": "user", "content": "Hello"}]
    if wire_stream:
        assert body["stream"] is True
        assert body["stream_options"] == {"include_usage": True}
    else:
        assert "stream" not in body
        assert "stream_options" not in body


def test_every_capture_kind_is_covered() -> None:
    """Guard against a rename silently emptying the parametrisation."""
    names = [path.name for path in CAPTURES]
    assert any(name.endswith(".sse") for name in names)
    assert any(name.endswith(".chunks.jsonl") for name in names)
    assert any(name.endswith(".json") for name in names)
    assert not any("responses" in name or name.endswith(".http") for name in names)
    for path in CAPTURES:
        assert path.with_name(path.name + ".src.txt").is_file(), f"{path.name} has no source sidecar"
    assert sorted(map(is_stream_capture, LOOPBACK_CAPTURES)) == [False, True]  # one whole reply, one stream


@pytest.mark.parametrize(("capture", "via"), REPLAYS)
def test_invoke(capture: Path, via: str) -> None:
    gateway = CaptureGateway(capture)
    wire_stream = is_stream_capture(capture)
    # A stream capture can only answer a stream request: invoke then streams and core sums the chunks.
    with replaying(gateway, via, streaming=wire_stream) as model:
        message = model.invoke("Hello")
    assert_message_matches(message, expected_from_capture(capture))
    assert_request(gateway, wire_stream=wire_stream)


@pytest.mark.parametrize(("capture", "via"), REPLAYS)
def test_stream(capture: Path, via: str) -> None:
    gateway = CaptureGateway(capture)
    with replaying(gateway, via) as model:
        chunks = list(model.stream("Hello"))
    expected = expected_from_capture(capture)
    assert_stream_shape(chunks, expected)
    assert_message_matches(summed(chunks), expected)
    assert_request(gateway, wire_stream=True)


@pytest.mark.parametrize(("capture", "via"), REPLAYS)
async def test_ainvoke(capture: Path, via: str) -> None:
    gateway = CaptureGateway(capture)
    wire_stream = is_stream_capture(capture)
    with replaying(gateway, via, streaming=wire_stream) as model:
        message = await model.ainvoke("Hello")
    assert_message_matches(message, expected_from_capture(capture))
    assert_request(gateway, wire_stream=wire_stream)


@pytest.mark.parametrize(("capture", "via"), REPLAYS)
async def test_astream(capture: Path, via: str) -> None:
    gateway = CaptureGateway(capture)
    with replaying(gateway, via) as model:
        chunks = [chunk async for chunk in model.astream("Hello")]
    expected = expected_from_capture(capture)
    assert_stream_shape(chunks, expected)
    assert_message_matches(summed(chunks), expected)
    assert_request(gateway, wire_stream=True)


@pytest.mark.parametrize("capture", STREAM_CAPTURES, ids=capture_id)
def test_stream_without_done_is_accepted_after_a_finish_reason(capture: Path) -> None:
    """Every capture ends its answer with a finish_reason, so losing only `[DONE]` loses nothing."""
    expected = expected_from_capture(capture)
    assert expected.finish_reason, "each stream capture carries a finish_reason"
    gateway = CaptureGateway(capture, drop_done=True)
    chunks = list(make_model(gateway).stream("Hello"))
    assert_message_matches(summed(chunks), expected)


def test_ark_excerpt_without_include_usage_has_no_usage() -> None:
    """Ark only reports stream usage with include_usage; its capture has `usage: null` everywhere."""
    (capture,) = [path for path in STREAM_CAPTURES if path.name.startswith("ark-doubao_") and "tool" not in path.name]
    assert expected_from_capture(capture).usage is None
    chunks = list(make_model(CaptureGateway(capture)).stream("Hello"))
    assert all(chunk.usage_metadata is None for chunk in chunks)
    assert summed(chunks).usage_metadata is None
