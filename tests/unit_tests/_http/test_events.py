"""SSE decoding (`_http.events`) and its end-to-end behaviour through ChatToiotech.stream.

Byte streams are served in pieces chosen by the test (`PieceStream`), so framing is exercised exactly:
events split at every byte, inside multi-byte UTF-8, CRLF, comment lines, truncation and in-band errors.
Expected chunk lists come from the capture files via `tests._support.captures`, never from the decoder.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import operator
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessageChunk

from langchain_toiotech import ChatToiotech
from langchain_toiotech._http.events import aiter_chat_chunks, iter_chat_chunks
from langchain_toiotech.errors import StreamError
from tests._support.captures import map_usage, sse_body, stream_chunks
from tests._support.gateways import mock_clients
from tests._support.paths import FIXTURES

SSE_HEADERS = {"content-type": "text/event-stream"}
JSON_HEADERS = {"content-type": "application/json"}
# Chinese reasoning and answer text: 3-byte UTF-8 characters to split.
CHINESE_CAPTURE = FIXTURES / "ark-doubao_chat-completions_stream_reasoning-content_EXCERPT.sse"
TOOL_CAPTURE = FIXTURES / "openai_chat-completions_stream_tool-calls_include-usage.sse"
TEXT_CAPTURE = FIXTURES / "openai_chat-completions_stream_text-after-tool-result_include-usage.sse"
STREAM_CAPTURES = sorted(FIXTURES.glob("*chat-completions*.sse")) + sorted(
    FIXTURES.glob("*chat-completions*.chunks.jsonl")
)


class PieceStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body served in exactly the given pieces; records whether it was closed."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.closed = False
        self.served = 0

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.pieces:
            self.served += 1
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            self.served += 1
            yield piece

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def split_at(body: bytes, *cuts: int) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(body)]
    return [body[start:end] for start, end in itertools.pairwise(bounds)]


def decode(pieces: list[bytes], headers: dict[str, str] = SSE_HEADERS) -> list[dict[str, Any]]:
    return list(iter_chat_chunks(httpx.Response(200, headers=headers, stream=PieceStream(pieces))))


async def adecode(pieces: list[bytes], headers: dict[str, str] = SSE_HEADERS) -> list[dict[str, Any]]:
    response = httpx.Response(200, headers=headers, stream=PieceStream(pieces))
    return [chunk async for chunk in aiter_chat_chunks(response)]


def sse(*payloads: dict[str, Any] | str, done: bool = True) -> bytes:
    """An SSE body: one `data:` event per payload, then `[DONE]` unless told otherwise."""
    events = [payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False) for payload in payloads]
    if done:
        events.append("[DONE]")
    return "".join(f"data: {event}\n\n" for event in events).encode()


def chunk(
    delta: dict[str, Any] | None = None,
    *,
    finish: str | None = None,
    usage: dict[str, Any] | None = None,
    chunk_id: str = "chatcmpl-1",
    **extra: Any,
) -> dict[str, Any]:
    """A chat-completions chunk in OpenAI's shape."""
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
        "usage": usage,
        **extra,
    }


def usage_of(prompt: int, completion: int, *, reasoning: int | None = None) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if reasoning is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return usage


class PieceGateway:
    """MockTransport handler answering with a `PieceStream` of the given body."""

    def __init__(self, body: bytes, *, headers: dict[str, str] = SSE_HEADERS, piece_size: int = 0) -> None:
        self.body = body
        self.headers = headers
        self.piece_size = piece_size
        self.streams: list[PieceStream] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        size = self.piece_size or len(self.body) or 1
        stream = PieceStream([self.body[start : start + size] for start in range(0, len(self.body), size)])
        self.streams.append(stream)
        return httpx.Response(200, headers=self.headers, stream=stream)


def model_for(gateway: PieceGateway) -> ChatToiotech:
    return ChatToiotech(
        model="test-model",
        api_key="sk-stream-test",
        max_retries=0,
        **mock_clients(gateway),
    )


def summed(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    return functools.reduce(operator.add, chunks)


def collect_until_error(iterator: Iterator[Any]) -> tuple[list[Any], BaseException | None]:
    collected: list[Any] = []
    try:
        collected.extend(iterator)  # extend keeps what arrived before the exception
    except Exception as error:  # noqa: BLE001 - the test inspects whatever was raised
        return collected, error
    return collected, None


# --- framing -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("capture", STREAM_CAPTURES, ids=lambda path: path.name)
def test_capture_decodes_to_its_chunks(capture: Path) -> None:
    assert decode([sse_body(capture)]) == stream_chunks(capture)


def test_comment_lines_anywhere_are_ignored() -> None:
    body = sse_body(TEXT_CAPTURE)
    events = body.split(b"\n\n")
    comments = [b": PING\n\n", b": OPENROUTER PROCESSING\n", b":\n"]
    # Before the first event, between every two events (with and without a blank line after), before [DONE].
    with_comments = b"".join(
        comments[index % len(comments)] + event + b"\n\n" for index, event in enumerate(events[:-1])
    )
    with_comments += b": PING\n\n"
    comment_lines = [line for line in with_comments.split(b"\n") if line.startswith(b":")]
    assert len(comment_lines) == len(events)
    assert decode([with_comments]) == stream_chunks(TEXT_CAPTURE)


def test_comment_line_inside_an_event_is_ignored() -> None:
    body = (
        b'data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n: PING\n\ndata: [DONE]\n\n'
    )
    assert decode([body]) == [{"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}]


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_other_line_endings(newline: bytes) -> None:
    body = sse_body(CHINESE_CAPTURE).replace(b"\n", newline)
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert decode([body]) == stream_chunks(CHINESE_CAPTURE)


def test_crlf_split_between_cr_and_lf() -> None:
    body = sse_body(TEXT_CAPTURE).replace(b"\n", b"\r\n")
    cuts = [index + 1 for index in range(len(body)) if body[index : index + 1] == b"\r"]
    assert decode(split_at(body, *cuts)) == stream_chunks(TEXT_CAPTURE)


@pytest.mark.parametrize("capture", [CHINESE_CAPTURE, TOOL_CAPTURE], ids=lambda path: path.name)
def test_split_at_every_byte_boundary(capture: Path) -> None:
    body = sse_body(capture)
    expected = stream_chunks(capture)
    for cut in range(1, len(body)):
        assert decode(split_at(body, cut)) == expected, f"split at byte {cut}"


def test_the_split_points_include_the_inside_of_utf8_characters() -> None:
    """Guard for the test above: the Chinese capture really has cuts that fall inside a character."""
    body = sse_body(CHINESE_CAPTURE)
    inside = [cut for cut in range(1, len(body)) if (body[cut] & 0xC0) == 0x80]  # continuation byte follows the cut
    assert len(inside) > 20


@pytest.mark.parametrize("capture", STREAM_CAPTURES, ids=lambda path: path.name)
def test_one_byte_pieces(capture: Path) -> None:
    body = sse_body(capture)
    assert decode([body[index : index + 1] for index in range(len(body))]) == stream_chunks(capture)


@pytest.mark.parametrize("capture", STREAM_CAPTURES, ids=lambda path: path.name)
async def test_one_byte_pieces_async(capture: Path) -> None:
    body = sse_body(capture)
    assert await adecode([body[index : index + 1] for index in range(len(body))]) == stream_chunks(capture)


async def test_split_inside_utf8_async() -> None:
    body = sse_body(CHINESE_CAPTURE)
    expected = stream_chunks(CHINESE_CAPTURE)
    cuts = [cut for cut in range(1, len(body)) if (body[cut] & 0xC0) == 0x80]
    for cut in cuts:
        assert await adecode(split_at(body, cut)) == expected, f"split at byte {cut}"


def test_multi_line_data_event_is_joined_with_newline() -> None:
    body = b'data: {"choices": [{"index": 0,\ndata:  "delta": {"content": "x"}, "finish_reason": "stop"}]}\n\n'
    body += b"data: [DONE]\n\n"
    assert decode([body]) == [{"choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": "stop"}]}]


def test_events_after_done_are_not_read() -> None:
    body = sse(chunk({"content": "a"}, finish="stop")) + b"data: {not json\n\n"
    assert [c["choices"][0]["delta"] for c in decode([body])] == [{"content": "a"}]


# --- truncation, in-band errors, bad bodies ----------------------------------------------------------------


def test_mid_stream_error_raises_after_the_partial_chunks() -> None:
    good = stream_chunks(TEXT_CAPTURE)[:4]
    error = {"error": {"message": "upstream overloaded, try again", "type": "server_error"}}
    stream = PieceStream([sse(*good, error, done=False)])
    collected, raised = collect_until_error(iter_chat_chunks(httpx.Response(200, headers=SSE_HEADERS, stream=stream)))
    assert collected == good
    assert isinstance(raised, StreamError)
    assert "upstream overloaded, try again" in str(raised)
    assert raised.code == "server_error"
    assert raised.body == error


def test_openrouter_error_with_finish_reason_error_raises() -> None:
    payload = {
        "id": "gen-1",
        "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
        "error": {"code": 502, "message": "Provider disconnected"},
    }
    with pytest.raises(StreamError, match="Provider disconnected"):
        decode([sse(chunk({"content": "Hel"}), payload, done=False)])


def test_mid_stream_error_through_the_model() -> None:
    body = sse(
        chunk({"content": "Hel"}), chunk({"content": "lo"}), {"error": {"message": "quota exceeded"}}, done=False
    )
    gateway = PieceGateway(body, piece_size=7)
    collected, raised = collect_until_error(model_for(gateway).stream("hi"))
    assert isinstance(raised, StreamError)
    assert "quota exceeded" in str(raised)
    assert "".join(str(message.content) for message in collected) == "Hello"
    assert gateway.streams[0].closed


async def test_mid_stream_error_through_the_model_async() -> None:
    body = sse(chunk({"content": "Hel"}), {"error": {"message": "quota exceeded"}}, done=False)
    gateway = PieceGateway(body, piece_size=5)
    collected: list[AIMessageChunk] = []

    async def consume() -> None:
        async for message in model_for(gateway).astream("hi"):
            collected.append(message)  # noqa: PERF401 - must keep the chunks that came before the raise

    with pytest.raises(StreamError, match="quota exceeded"):
        await consume()
    assert "".join(str(message.content) for message in collected) == "Hel"
    assert gateway.streams[0].closed


@pytest.mark.parametrize("capture", STREAM_CAPTURES, ids=lambda path: path.name)
def test_cut_without_done_and_without_finish_reason_raises(capture: Path) -> None:
    chunks = stream_chunks(capture)
    finished = [index for index, item in enumerate(chunks) if any(c.get("finish_reason") for c in item["choices"])]
    unfinished = chunks[: finished[0]]  # everything before the first finish_reason
    assert unfinished
    collected, raised = collect_until_error(
        iter_chat_chunks(httpx.Response(200, headers=SSE_HEADERS, stream=PieceStream([sse(*unfinished, done=False)])))
    )
    assert collected == unfinished
    assert isinstance(raised, StreamError)


async def test_cut_stream_raises_async_and_through_the_model() -> None:
    body = sse(chunk({"content": "partial"}), done=False)
    with pytest.raises(StreamError):
        await adecode([body])
    gateway = PieceGateway(body)
    with pytest.raises(StreamError):
        [message async for message in model_for(gateway).astream("hi")]
    with pytest.raises(StreamError):
        list(model_for(gateway).stream("hi"))
    assert all(stream.closed for stream in gateway.streams)


def test_empty_body_raises() -> None:
    with pytest.raises(StreamError):
        decode([b""])


@pytest.mark.parametrize("capture", STREAM_CAPTURES, ids=lambda path: path.name)
def test_finish_reason_without_done_is_accepted(capture: Path) -> None:
    body = sse_body(capture).replace(b"data: [DONE]", b"")
    assert decode([body]) == stream_chunks(capture)


@pytest.mark.parametrize(
    "bad_event",
    ['{"choices": [{"index": 0, "delta": {"content": "x"}', "not json at all", "[1, 2]"],
    ids=["truncated-json", "text", "json-array"],
)
def test_invalid_json_event_raises(bad_event: str) -> None:
    with pytest.raises(StreamError):
        decode([sse(chunk({"content": "ok"}), bad_event)])


def test_json_error_body_with_status_200_on_a_stream_request() -> None:
    body = json.dumps({"error": {"message": "model is overloaded", "type": "upstream_error"}}).encode()
    with pytest.raises(StreamError, match="model is overloaded"):
        decode([body], headers=JSON_HEADERS)
    gateway = PieceGateway(body, headers=JSON_HEADERS)
    with pytest.raises(StreamError, match="model is overloaded"):
        list(model_for(gateway).stream("hi"))


async def test_json_error_body_with_status_200_on_a_stream_request_async() -> None:
    body = json.dumps({"error": {"message": "model is overloaded"}}).encode()
    with pytest.raises(StreamError, match="model is overloaded"):
        await adecode([body], headers=JSON_HEADERS)


def test_non_json_non_sse_body_raises() -> None:
    with pytest.raises(StreamError, match="text/html"):
        decode([b"<html>502 Bad Gateway</html>"], headers={"content-type": "text/html"})


# --- usage placements and stop-chunk quirks, end to end ----------------------------------------------------


def stream_model(body: bytes, *, piece_size: int = 0) -> list[AIMessageChunk]:
    return list(model_for(PieceGateway(body, piece_size=piece_size)).stream("hi"))


def assert_usage_once(chunks: list[AIMessageChunk], usage: dict[str, Any]) -> None:
    assert [c.usage_metadata for c in chunks if c.usage_metadata] == [map_usage(usage)]
    assert summed(chunks).usage_metadata == map_usage(usage)


def test_usage_only_final_chunk_with_empty_choices() -> None:
    usage = usage_of(12, 3, reasoning=0)
    usage_chunk = {**chunk(), "choices": [], "usage": usage}
    chunks = stream_model(sse(chunk({"role": "assistant", "content": "Hi!"}), chunk(finish="stop"), usage_chunk))
    assert_usage_once(chunks, usage)
    full = summed(chunks)
    assert full.content == "Hi!"
    assert full.response_metadata["finish_reason"] == "stop"


def test_cumulative_usage_keeps_the_last_figures_not_the_sum() -> None:
    words = ["One", " two", " three", " four"]
    payloads = [chunk({"content": word}, usage=usage_of(20, index + 1)) for index, word in enumerate(words)]
    payloads.append(chunk(finish="stop", usage=usage_of(20, len(words))))
    chunks = stream_model(sse(*payloads), piece_size=16)
    assert_usage_once(chunks, usage_of(20, len(words)))
    assert summed(chunks).content == "One two three four"


def test_usage_inside_the_choice_kimi() -> None:
    usage = {**usage_of(30, 5), "cached_tokens": 10, "prompt_tokens_details": {"cached_tokens": 10}}
    finish = {
        "id": "chatcmpl-kimi",
        "model": "kimi-k2",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "usage": usage}],
    }
    start = {"id": "chatcmpl-kimi", "model": "kimi-k2", "choices": [{"index": 0, "delta": {"content": "Hi"}}]}
    chunks = stream_model(sse(start, finish))
    assert_usage_once(chunks, usage)
    assert summed(chunks).usage_metadata == {
        "input_tokens": 30,
        "output_tokens": 5,
        "total_tokens": 35,
        "input_token_details": {"cache_read": 10},
    }


def test_non_empty_usage_chunk_after_the_finish_chunk() -> None:
    """new-api / OpenRouter: `choices:[{"index":0,"delta":{}}]`, no finish_reason, plus usage."""
    usage = usage_of(8, 2)
    tail = {"id": "chatcmpl-1", "model": "test-model", "choices": [{"index": 0, "delta": {}}], "usage": usage}
    chunks = stream_model(sse(chunk({"content": "Yes"}), chunk(finish="stop"), tail))
    assert_usage_once(chunks, usage)
    full = summed(chunks)
    assert full.content == "Yes"
    assert full.response_metadata["finish_reason"] == "stop"


def test_two_stop_chunks_with_different_ids() -> None:
    payloads = [
        chunk({"content": "Hello"}, chunk_id="chatcmpl-upstream", system_fingerprint="fp_1"),
        chunk({"content": " there"}, chunk_id="chatcmpl-upstream", system_fingerprint="fp_1"),
        chunk(finish="stop", chunk_id="chatcmpl-relay"),
        chunk(finish="stop", chunk_id="chatcmpl-relay"),
    ]
    chunks = stream_model(sse(*payloads))
    full = summed(chunks)
    assert full.content == "Hello there"
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.response_metadata["model_name"] == "test-model"
    assert full.response_metadata["id"] == "chatcmpl-upstream"
    assert sum(1 for c in chunks if c.response_metadata.get("finish_reason")) == 1


def test_finish_reason_length_is_kept_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="langchain_toiotech"):
        chunks = stream_model(sse(chunk({"content": "Once upon a"}), chunk(finish="length")))
    assert summed(chunks).response_metadata["finish_reason"] == "length"
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "length" in warnings[0].getMessage()


def test_finish_reason_stop_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="langchain_toiotech"):
        stream_model(sse(chunk({"content": "Done."}), chunk(finish="stop")))
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_finish_reason_length_on_invoke_is_kept_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    body = {
        "id": "chatcmpl-1",
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Once"}, "finish_reason": "length"}],
        "usage": usage_of(5, 1),
    }
    gateway = PieceGateway(json.dumps(body).encode(), headers=JSON_HEADERS)
    with caplog.at_level(logging.WARNING, logger="langchain_toiotech"):
        message = model_for(gateway).invoke("hi")
    assert message.response_metadata["finish_reason"] == "length"
    assert any("length" in record.getMessage() for record in caplog.records if record.levelno == logging.WARNING)


# --- closing the response when the caller stops early ------------------------------------------------------


def long_body() -> bytes:
    return sse(*[chunk({"content": f"word{index} "}) for index in range(50)], chunk(finish="stop"))


def test_response_closed_when_caller_stops_early() -> None:
    gateway = PieceGateway(long_body(), piece_size=64)
    generator = cast("Generator[AIMessageChunk, None, None]", model_for(gateway).stream("hi"))
    first = next(generator)
    assert first.content == "word0 "
    stream = gateway.streams[0]
    assert not stream.closed
    generator.close()
    assert stream.closed
    assert stream.served < len(stream.pieces), "the whole body was read instead of stopping early"


async def test_response_closed_when_caller_stops_early_async() -> None:
    gateway = PieceGateway(long_body(), piece_size=64)
    generator = cast("AsyncGenerator[AIMessageChunk, None]", model_for(gateway).astream("hi"))
    first = await generator.__anext__()
    assert first.content == "word0 "
    stream = gateway.streams[0]
    assert not stream.closed
    await generator.aclose()
    assert stream.closed
    assert stream.served < len(stream.pieces)


def test_response_closed_after_a_complete_stream() -> None:
    gateway = PieceGateway(long_body(), piece_size=64)
    assert len(list(model_for(gateway).stream("hi"))) > 50
    assert gateway.streams[0].closed


# --- property: framing never changes the decoded chunks -----------------------------------------------------

_EVENTS = {path: [event for event in sse_body(path).split(b"\n\n") if event.strip()] for path in STREAM_CAPTURES}


@st.composite
def framed_stream(draw: st.DrawFn) -> tuple[Path, list[bytes]]:
    """A capture re-framed: LF or CRLF, comment lines between and inside events, cut into arbitrary pieces.

    Some cuts are drawn from the positions inside multi-byte UTF-8 characters, so every capture with
    non-ASCII text has characters split across reads, not just when the random cuts happen to land there.
    """
    path = draw(st.sampled_from(STREAM_CAPTURES))
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    comments = st.sampled_from([b"", b": PING" + newline, b": PING" + newline + newline, b":" + newline])
    # Inside an event a comment is a line of its own before the blank line that ends the event.
    inline = st.sampled_from([b"", b": PING" + newline, b":" + newline])
    body = b""
    for event in _EVENTS[path]:
        lines = b"".join(line + newline + draw(inline) for line in event.split(b"\n"))
        body += draw(comments) + lines + newline
    body += draw(comments)
    cuts = draw(st.lists(st.integers(min_value=1, max_value=max(1, len(body) - 1)), max_size=40, unique=True))
    inside_characters = [index for index in range(1, len(body)) if (body[index] & 0xC0) == 0x80]
    if inside_characters:
        cuts += draw(st.lists(st.sampled_from(inside_characters), min_size=1, max_size=10))
    return path, split_at(body, *set(cuts))


@settings(max_examples=150, deadline=None)
@given(framed_stream())
def test_property_framing_never_changes_the_chunks(framed: tuple[Path, list[bytes]]) -> None:
    path, pieces = framed
    assert decode(pieces) == stream_chunks(path)
