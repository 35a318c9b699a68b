"""The recorded Responses-API captures, through the stream assembler and through ChatToiotech (sync and async).

Expected text, reasoning, tool calls and usage are computed in this file from the capture bytes with plain
`json` (and, for the excerpt whose final event was left out, from the usage its sidecar records), never with
package code.
"""

from __future__ import annotations

import functools
import json
import operator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_toiotech import ChatToiotech
from langchain_toiotech._responses.response import create_responses_result
from langchain_toiotech._responses.stream import ResponsesStreamAssembler
from langchain_toiotech.errors import StreamError
from tests._support.captures import with_completed
from tests._support.gateways import mock_clients
from tests._support.paths import FIXTURES

TEXT_STREAM = FIXTURES / "openai_responses_stream_reasoning-item_output-text-delta.sse"
TOOL_STREAM = FIXTURES / "openai_responses_stream_reasoning-summary-text-delta_function-call_EXCERPT.sse"
PROMPT = "What do you see?"  # the recorded request asked this in Chinese
ARK_BODY = FIXTURES / "ark-doubao_responses_nonstream_reasoning-summary_input-image.json"


# --- expectations, from the capture files alone ---------------------------------------------------------------


def sse_events(path: Path) -> list[dict[str, Any]]:
    """The JSON payload of every `data:` line of an SSE capture."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line[len("data:") :]) for line in lines if line.startswith("data:")]


def deltas(events: list[dict[str, Any]], kind: str) -> str:
    return "".join(event["delta"] for event in events if event["type"] == kind)


def expected_usage(usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "input_tokens": usage["input_tokens"],
        "output_tokens": usage["output_tokens"],
        "total_tokens": usage["total_tokens"],
        "input_token_details": {"cache_read": usage["input_tokens_details"]["cached_tokens"]},
        "output_token_details": {"reasoning": usage["output_tokens_details"]["reasoning_tokens"]},
    }


def completed_response(events: list[dict[str, Any]]) -> dict[str, Any]:
    (event,) = [event for event in events if event["type"] == "response.completed"]
    response: dict[str, Any] = event["response"]
    return response


def sidecar_usage(path: Path) -> dict[str, Any]:
    """The usage of the left-out `response.completed`, as the excerpt's sidecar records it (wrapped lines)."""
    text = Path(f"{path}.src.txt").read_text(encoding="utf-8").replace("\n  ", "")
    start = text.index("usage {") + len("usage ")
    usage: dict[str, Any] = json.JSONDecoder().raw_decode(text, start)[0]
    return usage


def expected_tool_calls(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    calls = []
    for added in events:
        if added["type"] != "response.output_item.added" or added["item"]["type"] != "function_call":
            continue
        index = added["output_index"]
        arguments = "".join(
            event["delta"]
            for event in events
            if event["type"] == "response.function_call_arguments.delta" and event["output_index"] == index
        )
        calls.append({"name": added["item"]["name"], "args": json.loads(arguments), "id": added["item"]["call_id"]})
    return calls


# --- helpers ---------------------------------------------------------------------------------------------------


class Gateway:
    """MockTransport handler answering with fixed bytes and remembering the requests."""

    def __init__(self, body: bytes, content_type: str = "text/event-stream") -> None:
        self.body = body
        self.content_type = content_type
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, headers={"content-type": self.content_type}, content=self.body)

    def sent(self) -> dict[str, Any]:
        (request,) = self.requests
        assert request.url.path == "/v1/responses"
        body: dict[str, Any] = json.loads(request.content)
        return body


def model_for(gateway: Gateway, **kwargs: Any) -> ChatToiotech:
    params = {"model": "gpt-5.1-codex", "api_key": "sk-test", "base_url": "https://gateway.test/v1", **kwargs}
    return ChatToiotech(
        **params,
        **mock_clients(gateway),
    )


def assemble(events: list[dict[str, Any]]) -> tuple[AIMessageChunk, list[AIMessageChunk]]:
    assembler = ResponsesStreamAssembler()
    generations = [chunk for event in events for chunk in assembler.feed(event)] + assembler.finish()
    chunks = [chunk.message for chunk in generations if isinstance(chunk.message, AIMessageChunk)]
    assert len(chunks) == len(generations)
    return functools.reduce(operator.add, chunks), chunks


async def astream_sum(model: ChatToiotech, prompt: str) -> AIMessageChunk:
    chunks = [chunk async for chunk in model.astream(prompt)]
    assert chunks[-1].chunk_position == "last"
    return functools.reduce(operator.add, chunks)


def stream_sum(model: ChatToiotech, prompt: str) -> AIMessageChunk:
    chunks = list(model.stream(prompt))
    assert chunks[-1].chunk_position == "last"
    return functools.reduce(operator.add, chunks)


# --- OpenAI text stream (complete capture) ----------------------------------------------------------------------


def test_text_stream_through_the_assembler():
    events = sse_events(TEXT_STREAM)
    completed = completed_response(events)
    full, chunks = assemble(events)

    assert full.content == deltas(events, "response.output_text.delta")
    message_item = next(item for item in completed["output"] if item["type"] == "message")
    assert full.content == "".join(part["text"] for part in message_item["content"])
    assert full.usage_metadata == expected_usage(completed["usage"])
    # Usage, model name and finish reason are on the last chunk only, so summing never doubles them.
    assert [chunk.usage_metadata is not None for chunk in chunks].count(True) == 1
    assert full.response_metadata["model_name"] == completed["model"]
    assert full.response_metadata["id"] == completed["id"]
    assert full.response_metadata["status"] == completed["status"] == "completed"
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.response_metadata["model_provider"] == "toiotech"
    # The reasoning item had an empty summary: nothing to show, but the item is kept for replay.
    assert "reasoning_content" not in full.additional_kwargs
    reasoning_items = [item for item in completed["output"] if item["type"] == "reasoning"]
    assert full.additional_kwargs["reasoning_items"] == reasoning_items
    assert full.tool_calls == []


def test_text_stream_through_chat_model_stream():
    events = sse_events(TEXT_STREAM)
    completed = completed_response(events)
    gateway = Gateway(TEXT_STREAM.read_bytes())

    full = stream_sum(model_for(gateway), "Say hi in Portuguese")

    assert full.content == deltas(events, "response.output_text.delta")
    assert full.usage_metadata == expected_usage(completed["usage"])
    assert full.response_metadata["finish_reason"] == "stop"
    sent = gateway.sent()
    assert sent["stream"] is True
    assert sent["input"] == [{"role": "user", "content": [{"type": "input_text", "text": "Say hi in Portuguese"}]}]
    assert "stream_options" not in sent  # a chat-completions field; Responses always report usage


async def test_text_stream_through_chat_model_astream_with_forced_route():
    events = sse_events(TEXT_STREAM)
    gateway = Gateway(TEXT_STREAM.read_bytes())

    full = await astream_sum(model_for(gateway, model="gpt-5", use_responses_api=True), "hi")

    assert full.content == deltas(events, "response.output_text.delta")
    assert full.usage_metadata == expected_usage(completed_response(events)["usage"])
    assert gateway.sent()["model"] == "gpt-5"


def test_text_stream_through_invoke_with_streaming():
    events = sse_events(TEXT_STREAM)
    gateway = Gateway(TEXT_STREAM.read_bytes())

    message = model_for(gateway, streaming=True).invoke("hi")

    assert message.content == deltas(events, "response.output_text.delta")
    assert message.usage_metadata == expected_usage(completed_response(events)["usage"])


# --- OpenAI reasoning summary + function call (excerpt without its final event) --------------------------------


def test_summary_and_function_call_through_the_assembler():
    events = sse_events(TOOL_STREAM)
    full, _ = assemble(events)

    assert full.additional_kwargs["reasoning_content"] == deltas(events, "response.reasoning_summary_text.delta")
    assert full.content == ""
    assert full.tool_calls == [{**call, "type": "tool_call"} for call in expected_tool_calls(events)]
    arguments_done = next(event for event in events if event["type"] == "response.function_call_arguments.done")
    assert full.tool_calls[0]["args"] == json.loads(arguments_done["arguments"])
    assert full.response_metadata["finish_reason"] == "tool_calls"


def test_summary_and_function_call_through_chat_model_stream():
    events = sse_events(TOOL_STREAM)
    usage = sidecar_usage(TOOL_STREAM)
    gateway = Gateway(with_completed(TOOL_STREAM, usage))

    full = stream_sum(model_for(gateway), "What's the weather in Florence, Italy?")

    assert full.additional_kwargs["reasoning_content"] == deltas(events, "response.reasoning_summary_text.delta")
    assert full.tool_calls == [{**call, "type": "tool_call"} for call in expected_tool_calls(events)]
    assert full.usage_metadata == expected_usage(usage)
    assert full.response_metadata["finish_reason"] == "tool_calls"


async def test_summary_and_function_call_through_chat_model_astream():
    events = sse_events(TOOL_STREAM)
    usage = sidecar_usage(TOOL_STREAM)
    gateway = Gateway(with_completed(TOOL_STREAM, usage))

    full = await astream_sum(model_for(gateway), "What's the weather in Florence, Italy?")

    assert full.additional_kwargs["reasoning_content"] == deltas(events, "response.reasoning_summary_text.delta")
    assert full.tool_calls == [{**call, "type": "tool_call"} for call in expected_tool_calls(events)]
    assert full.usage_metadata == expected_usage(usage)


def test_excerpt_as_recorded_is_a_truncated_stream():
    """The excerpt ends after output_item.done, without response.completed: that is a cut-off answer."""
    gateway = Gateway(TOOL_STREAM.read_bytes())
    with pytest.raises(StreamError, match=r"without response\.completed"):
        list(model_for(gateway).stream("hi"))


async def test_excerpt_as_recorded_is_a_truncated_astream():
    gateway = Gateway(TOOL_STREAM.read_bytes())
    with pytest.raises(StreamError, match=r"without response\.completed"):
        _ = [chunk async for chunk in model_for(gateway).astream("hi")]


# --- Ark non-stream body --------------------------------------------------------------------------------------


def ark_expectations() -> tuple[dict[str, Any], str, str]:
    body = json.loads(ARK_BODY.read_text(encoding="utf-8"))
    text = "".join(
        part["text"]
        for item in body["output"]
        if item["type"] == "message"
        for part in item["content"]
        if part["type"] == "output_text"
    )
    summaries = [part["text"] for item in body["output"] if item["type"] == "reasoning" for part in item["summary"]]
    return body, text, "\n\n".join(summaries)


def test_ark_body_converts():
    body, text, reasoning = ark_expectations()
    result = create_responses_result(body)
    message = result.generations[0].message
    assert isinstance(message, AIMessage)

    assert message.content == text
    assert message.additional_kwargs["reasoning_content"] == reasoning
    assert message.usage_metadata == expected_usage(body["usage"])
    assert message.response_metadata["id"] == body["id"]
    assert message.response_metadata["status"] == body["status"]
    assert message.response_metadata["model_name"] == body["model"]
    assert message.response_metadata["finish_reason"] == "stop"


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_ark_body_through_chat_model(mode: str) -> None:
    body, text, reasoning = ark_expectations()
    gateway = Gateway(ARK_BODY.read_bytes(), content_type="application/json")
    model = model_for(gateway, model=body["model"], use_responses_api=True)

    # A JSON body answering a stream request (gateways that don't stream) must give the same message.
    message = model.invoke(PROMPT) if mode == "invoke" else stream_sum(model, PROMPT)

    assert message.content == text
    assert message.additional_kwargs["reasoning_content"] == reasoning
    assert message.usage_metadata == expected_usage(body["usage"])
    assert gateway.sent()["model"] == body["model"]


async def test_ark_body_through_chat_model_ainvoke():
    body, text, reasoning = ark_expectations()
    gateway = Gateway(ARK_BODY.read_bytes(), content_type="application/json")

    message = await model_for(gateway, model=body["model"], use_responses_api=True).ainvoke(PROMPT)

    assert message.content == text
    assert message.additional_kwargs["reasoning_content"] == reasoning
    assert message.usage_metadata == expected_usage(body["usage"])
