"""Every public chat and embeddings feature through real HTTP on loopback, against the bundled emulator."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings
from langchain_toiotech.testing import GatewayEmulator
from tests._support.messages import CALL_MODES, content_text, reply_of, summed

REASONING_STYLES = ["reasoning_content", "reasoning", "reasoning_details", "think_tags"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator() as gateway:
        yield gateway


def chat(emulator: GatewayEmulator, **kwargs: Any) -> ChatToiotech:
    kwargs.setdefault("model", "deepseek-reasoner")
    return ChatToiotech(base_url=emulator.base_url, api_key="sk-e2e", **kwargs)


@pytest.mark.parametrize("style", REASONING_STYLES)
@pytest.mark.parametrize("mode", CALL_MODES)
async def test_reasoning_in_every_vendor_style(style: str, mode: str) -> None:
    with GatewayEmulator(reasoning_style=style) as gateway:
        model = chat(gateway)
        message = await reply_of(model, mode, "Why is the sky blue?")
    assert message.content == "Hello from the toiotech emulator. You said: Why is the sky blue?"
    assert message.additional_kwargs["reasoning_content"] == "Thinking about: Why is the sky blue?"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_token_details"]["reasoning"] > 0
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["model_name"] == "deepseek-reasoner"


def test_reasoning_off_by_the_unified_knob(emulator: GatewayEmulator) -> None:
    message = chat(emulator, model="qwen3-max", reasoning={"enabled": False}).invoke("hi")
    assert "reasoning_content" not in message.additional_kwargs
    assert emulator.requests[-1].body["enable_thinking"] is False


def test_stream_usage_arrives_once_and_matches_invoke(emulator: GatewayEmulator) -> None:
    model = chat(emulator)
    chunks = list(model.stream("count the words"))
    assert sum(1 for chunk in chunks if chunk.usage_metadata) == 1
    assert chunks[-1].chunk_position == "last"
    assert summed(chunks).usage_metadata == model.invoke("count the words").usage_metadata
    assert emulator.requests[-2].body["stream_options"] == {"include_usage": True}


def test_a_5000_chunk_stream_arrives_whole(emulator: GatewayEmulator) -> None:
    chunks = list(chat(emulator, model="gpt-4o-mini").stream("stream 5000 chunks"))
    text_chunks = [chunk for chunk in chunks if chunk.content]
    assert len(text_chunks) == 5000


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny in {city}"


async def test_tool_round_trip_async(emulator: GatewayEmulator) -> None:
    model = chat(emulator, model="kimi-k2-thinking").bind_tools([get_weather])
    question = HumanMessage("Please call get_weather for Rome")
    first = await model.ainvoke([question])
    assert [call["name"] for call in first.tool_calls] == ["get_weather"]
    assert first.tool_calls[0]["args"] == {"city": "Rome"}  # the place the user named
    result = ToolMessage(get_weather.invoke(first.tool_calls[0]["args"]), tool_call_id=first.tool_calls[0]["id"])
    final = await model.ainvoke([question, first, result])
    assert final.content == "Hello from the toiotech emulator. The tool said: Sunny in Rome"
    assistant = emulator.requests[-1].body["messages"][1]
    assert assistant["reasoning_content"]  # Kimi wants its reasoning back on tool turns
    assert assistant["tool_calls"][0]["id"] == first.tool_calls[0]["id"]


def test_streamed_tool_call_with_forced_choice(emulator: GatewayEmulator) -> None:
    model = chat(emulator, model="gpt-4o-mini").bind_tools([get_weather], tool_choice="get_weather")
    message = summed(list(model.stream("what now?")))
    assert message.tool_calls[0]["name"] == "get_weather"
    assert message.tool_calls[0]["args"] == {"city": "example"}
    assert message.response_metadata["finish_reason"] == "tool_calls"


class Forecast(BaseModel):
    city: str
    celsius: float
    rain: bool


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output(emulator: GatewayEmulator, method: Literal["function_calling", "json_schema"]) -> None:
    structured = chat(emulator, model="gpt-4o-mini").with_structured_output(Forecast, method=method)
    assert structured.invoke("forecast please") == Forecast(city="example", celsius=1.5, rain=True)


def test_json_mode(emulator: GatewayEmulator) -> None:
    structured = chat(emulator, model="gpt-4o-mini").with_structured_output(method="json_mode")
    result = structured.invoke("hi, as JSON")  # OpenAI's JSON mode wants the word in the messages
    assert result == {"answer": "Hello from the toiotech emulator. You said: hi, as JSON"}


def test_batch_keeps_order(emulator: GatewayEmulator) -> None:
    prompts = [f"question {n}" for n in range(12)]
    answers = chat(emulator).batch([*prompts])  # a list display takes the list[Input] type batch wants
    assert [content_text(answer).rsplit(": ", 1)[1] for answer in answers] == prompts


def test_video_and_image_reach_the_gateway(emulator: GatewayEmulator) -> None:
    message = HumanMessage(
        [
            {"type": "text", "text": "look"},
            {"type": "image", "url": "https://example.com/a.png"},
            {"type": "video", "url": "https://example.com/a.mp4", "fps": 2},
        ]
    )
    answer = chat(emulator, model="doubao-seed-1-8").invoke([message])
    assert content_text(answer).endswith("(saw 1 image, 1 video at fps 2)")


@pytest.mark.parametrize("encoding_format", ["float", "base64"])
async def test_embeddings_sync_and_async_agree(emulator: GatewayEmulator, encoding_format: str) -> None:
    embeddings = ToiotechEmbeddings(
        base_url=emulator.base_url, api_key="sk-e2e", encoding_format=encoding_format, chunk_size=2
    )
    texts = ["alpha", "beta", "gamma", "delta", "epsilon"]
    vectors = embeddings.embed_documents(texts)
    assert vectors == await embeddings.aembed_documents(texts)
    assert vectors[2] == embeddings.embed_query("gamma")
    assert all(math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-5) for vector in vectors)
    assert len({tuple(vector) for vector in vectors}) == len(texts)


# --- the Responses route, through the emulator's /responses -------------------------------------------------


@pytest.mark.parametrize("mode", CALL_MODES)
async def test_responses_only_model_takes_the_responses_route(emulator: GatewayEmulator, mode: str) -> None:
    model = chat(emulator, model="gpt-5.1-codex", reasoning={"effort": "low", "summary": "auto"})
    emulator.clear_requests()
    message = await reply_of(model, mode, "Explain recursion")
    (request,) = emulator.requests
    assert request.path == "/v1/responses"
    assert request.body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert message.content == "Hello from the toiotech emulator. You said: Explain recursion"
    assert message.additional_kwargs["reasoning_content"] == "Thinking about: Explain recursion"
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] > 0
    assert message.response_metadata["model_provider"] == "toiotech"


def test_responses_route_tools_and_structured_output(emulator: GatewayEmulator) -> None:
    model = chat(emulator, model="gpt-5.2-pro")
    first = model.bind_tools([get_weather]).invoke("Use get_weather for Oslo")
    assert [call["name"] for call in first.tool_calls] == ["get_weather"]
    assert emulator.requests[-1].body["tools"][0]["name"] == "get_weather"  # the flat Responses tool shape
    result = ToolMessage(get_weather.invoke(first.tool_calls[0]["args"]), tool_call_id=first.tool_calls[0]["id"])
    final = model.bind_tools([get_weather]).invoke([HumanMessage("Use get_weather for Oslo"), first, result])
    kinds = [item.get("type") for item in emulator.requests[-1].body["input"]]
    assert "function_call" in kinds
    assert "function_call_output" in kinds
    assert "Sunny in Oslo" in final.text
    forecast = model.with_structured_output(Forecast, method="json_schema").invoke("forecast please")
    assert forecast == Forecast(city="example", celsius=1.5, rain=True)
    assert emulator.requests[-1].body["text"]["format"]["type"] == "json_schema"


# --- event streams that LangGraph and LangSmith consume ---------------------------------------------------------


async def test_astream_events_v2_carries_reasoning_chunks(emulator: GatewayEmulator) -> None:
    events = [event async for event in chat(emulator).astream_events("Why?", version="v2")]
    kinds = [event["event"] for event in events]
    assert kinds[0] == "on_chat_model_start"
    assert kinds[-1] == "on_chat_model_end"
    streamed = [event["data"]["chunk"] for event in events if event["event"] == "on_chat_model_stream"]
    assert "".join(str(chunk.content) for chunk in streamed).endswith("You said: Why?")
    reasoning = "".join(chunk.additional_kwargs.get("reasoning_content", "") for chunk in streamed)
    assert reasoning == "Thinking about: Why?"


def test_stream_events_v3_lifecycle_is_valid(emulator: GatewayEmulator) -> None:
    lifecycle = pytest.importorskip("langchain_tests.utils.stream_lifecycle")
    events = list(chat(emulator).stream_events("Why?", version="v3"))
    lifecycle.assert_valid_event_stream(events)
    assert events[0]["event"] == "message-start"
    assert events[-1]["event"] == "message-finish"
