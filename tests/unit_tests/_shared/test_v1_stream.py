"""`output_version="v1"` streams: summed, they hold reasoning, text and each tool call as blocks of their own.

Every stream capture in tests/fixtures (reasoning with tool calls from DeepSeek and Ark, parallel calls, the
Responses API's reasoning summary with a function call) is streamed with v1 and summed; its `content_blocks` and
`tool_calls` must be those of the same answer read whole (v0 `invoke`, converted by core), and those derived from
the capture itself. langchain-tests' `test_tool_calling` checks run on v1 against the emulator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_tests.integration_tests.chat_models import _validate_tool_call_message, magic_function
from pydantic import BaseModel

from langchain_toiotech import ChatToiotech
from langchain_toiotech.testing import GatewayEmulator
from tests._support.captures import (
    chat_captures,
    expected_from_capture,
    is_stream_capture,
    sse_body,
    with_completed,
)
from tests._support.gateways import mock_clients
from tests._support.messages import summed
from tests._support.paths import FIXTURES

CHAT_STREAMS = [path for path in chat_captures() if is_stream_capture(path)]
RESPONSES_STREAM = FIXTURES / "openai_responses_stream_reasoning-summary-text-delta_function-call_EXCERPT.sse"


class GetWeather(BaseModel):
    """Get the weather of a city."""

    city: str


def _replaying(capture: Path, *, responses: bool = False, **settings: Any) -> ChatToiotech:
    body = with_completed(capture, {}) if responses else sse_body(capture)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return ChatToiotech(
        model="gpt-5.1-codex" if responses else "capture-model",
        api_key="sk-v1-stream",
        base_url="https://gateway.test/v1",
        **mock_clients(answer),
        **settings,
    )


def _without_index(blocks: list[Any]) -> list[dict[str, Any]]:
    return [{key: value for key, value in block.items() if key != "index"} for block in blocks]


def _calls(message: AIMessage) -> list[tuple[str, dict[str, Any], str | None]]:
    return [(call["name"], call["args"], call["id"]) for call in message.tool_calls]


def _expected_blocks(capture: Path) -> list[dict[str, Any]]:
    expected = expected_from_capture(capture)
    blocks: list[dict[str, Any]] = []
    if expected.reasoning:
        blocks.append({"type": "reasoning", "reasoning": expected.reasoning})
    if expected.content:
        blocks.append({"type": "text", "text": expected.content})
    blocks.extend({"type": "tool_call", **call} for call in expected.tool_calls)
    return blocks


def _assert_blocks_apart(message: AIMessageChunk) -> None:
    # Tool calls lose their index when core turns the summed tool_call_chunks into tool_call blocks.
    indexes = [block["index"] for block in message.content if isinstance(block, dict) and "index" in block]
    assert len(indexes) == len(set(indexes)), f"two blocks share an index: {message.content}"
    for block in message.content_blocks:  # no block carries another kind's fields
        if block["type"] in {"reasoning", "text"}:
            assert not {"id", "name", "args"} & set(block), block


def test_the_captures_hold_reasoning_and_tool_calls() -> None:
    kinds = [_expected_blocks(path) for path in CHAT_STREAMS]
    assert any({"reasoning", "tool_call"} <= {block["type"] for block in blocks} for blocks in kinds)
    assert any(sum(block["type"] == "tool_call" for block in blocks) > 1 for blocks in kinds)


@pytest.mark.parametrize("capture", CHAT_STREAMS, ids=lambda path: path.name)
def test_summed_v1_stream_matches_invoke(capture: Path) -> None:
    streamed = summed(list(_replaying(capture, output_version="v1").stream("Hello")))
    whole = _replaying(capture, streaming=True).invoke("Hello")  # v0, read whole; core derives its blocks
    _assert_blocks_apart(streamed)
    assert _without_index(streamed.content_blocks) == whole.content_blocks == _expected_blocks(capture)
    assert _calls(streamed) == _calls(whole)


@pytest.mark.parametrize("capture", CHAT_STREAMS, ids=lambda path: path.name)
async def test_summed_v1_astream_matches_invoke(capture: Path) -> None:
    streamed = summed([chunk async for chunk in _replaying(capture, output_version="v1").astream("Hello")])
    whole = await _replaying(capture, streaming=True).ainvoke("Hello")
    _assert_blocks_apart(streamed)
    assert _without_index(streamed.content_blocks) == whole.content_blocks == _expected_blocks(capture)
    assert _calls(streamed) == _calls(whole)


def test_responses_stream_keeps_the_reasoning_summary_and_the_function_call_apart() -> None:
    streamed = summed(list(_replaying(RESPONSES_STREAM, responses=True, output_version="v1").stream("Hello")))
    whole = _replaying(RESPONSES_STREAM, responses=True, streaming=True).invoke("Hello")
    _assert_blocks_apart(streamed)
    assert [block["type"] for block in streamed.content_blocks] == ["reasoning", "tool_call"]
    assert _without_index(streamed.content_blocks) == whole.content_blocks
    assert _calls(streamed) == _calls(whole)


@pytest.mark.parametrize("model", ["deepseek-reasoner", "kimi-k2-thinking", "qwen3-max"])
def test_bound_tools_on_a_reasoning_model(gw: GatewayEmulator, model: str) -> None:
    chat = ChatToiotech(model=model, base_url=gw.base_url, api_key="sk-v1", output_version="v1")
    bound = chat.bind_tools([GetWeather], tool_choice="GetWeather")
    streamed = summed(list(bound.stream("What is the weather in Rome?")))
    invoked = bound.invoke("What is the weather in Rome?")
    _assert_blocks_apart(streamed)
    assert [block["type"] for block in streamed.content_blocks] == ["reasoning", "tool_call"]
    assert [block["type"] for block in invoked.content_blocks] == ["reasoning", "tool_call"]
    assert [call["name"] for call in streamed.tool_calls] == ["GetWeather"]


def test_langchain_tests_tool_calling_check_on_v1(gw: GatewayEmulator) -> None:
    # The body of langchain-tests' test_tool_calling, on a reasoning model with output_version="v1".
    chat = ChatToiotech(model="deepseek-reasoner", base_url=gw.base_url, api_key="sk-v1", output_version="v1")
    bound = chat.bind_tools([magic_function], tool_choice="any")
    query = "What is the value of magic_function(3)? Use the tool."
    _validate_tool_call_message(bound.invoke(query))
    _validate_tool_call_message(summed(list(bound.stream(query))))


async def test_langchain_tests_tool_calling_check_on_v1_async(gw: GatewayEmulator) -> None:
    chat = ChatToiotech(model="deepseek-reasoner", base_url=gw.base_url, api_key="sk-v1", output_version="v1")
    bound = chat.bind_tools([magic_function], tool_choice="any")
    query = "What is the value of magic_function(3)? Use the tool."
    _validate_tool_call_message(await bound.ainvoke(query))
    _validate_tool_call_message(summed([chunk async for chunk in bound.astream(query)]))


def test_v0_streams_are_unchanged(gw: GatewayEmulator) -> None:
    chat = ChatToiotech(model="deepseek-reasoner", base_url=gw.base_url, api_key="sk-v0")
    streamed = summed(list(chat.stream("Hello")))
    assert isinstance(streamed.content, str)
    assert streamed.content.startswith("Hello from the toiotech emulator")
    assert streamed.additional_kwargs["reasoning_content"]
