"""Documented gateway exchanges replayed from VCR cassettes through the real ChatToiotech → httpx path.

Each cassette (tests/cassettes/<test name>.yaml, built by scripts/build_cassettes.py) holds a request body that
the gateway's or a vendor's documentation shows and the response recorded for it. The test builds that exact
request from LangChain inputs (the body matcher fails the test otherwise) and checks the answer against values
derived from the response fixture. Replay only: pytest-recording's default record mode is `none`.

Re-record against the live gateway: `TOIOTECH_RECORD_API_KEY=sk-... pytest tests/behaviour/test_cassettes.py
--record-mode=rewrite --allow-hosts=api.toiotech.com,<its address>`, then review the diff (the key is redacted).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage

from langchain_toiotech import ChatToiotech
from tests._support.paths import FIXTURES

KEY = os.environ.get("TOIOTECH_RECORD_API_KEY", "sk-cassette-replay")
ARK_VIDEO = "https://ark-project.tos-cn-beijing.volces.com/doc_video/ark_vlm_video_input.mp4"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "weather",
        "strict": False,
        "description": "Get weather information for a location",
        "parameters": {
            "properties": {"location": {"description": "the city", "type": "string"}},
            "required": ["location"],
            "type": "object",
        },
    },
}

pytestmark = pytest.mark.vcr


def model(name: str, **kwargs: Any) -> ChatToiotech:
    return ChatToiotech(model=name, api_key=KEY, base_url="https://api.toiotech.com/v1", max_retries=0, **kwargs)


def documented_answer(fixture: str) -> dict[str, Any]:
    body = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    message = body["choices"][0]["message"]
    usage = body["usage"]
    expected_usage: dict[str, Any] = {
        "input_tokens": usage["prompt_tokens"],
        "output_tokens": usage["completion_tokens"],
        "total_tokens": usage["total_tokens"],
    }
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    if cached is not None:
        expected_usage["input_token_details"] = {"cache_read": cached}
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if reasoning is not None:
        expected_usage["output_token_details"] = {"reasoning": reasoning}
    return {
        "content": message.get("content") or "",
        "reasoning": message.get("reasoning_content") or None,
        "usage": expected_usage,
        "model": body["model"],
        "finish_reason": body["choices"][0]["finish_reason"],
        "tool_calls": message.get("tool_calls") or [],
    }


def check_answer(message: AIMessage, expected: dict[str, Any]) -> None:
    assert message.content == expected["content"]
    assert message.additional_kwargs.get("reasoning_content") == expected["reasoning"]
    assert message.response_metadata["model_name"] == expected["model"]
    assert message.response_metadata["finish_reason"] == expected["finish_reason"]
    usage = message.usage_metadata
    assert usage is not None
    for key, value in expected["usage"].items():
        assert usage[key] == value  # type: ignore[literal-required]


def test_toiotech_doubao_video_understanding() -> None:
    chat = model("doubao-seed-2-0-pro-260215", max_completion_tokens=65535, reasoning_effort="medium")
    question = HumanMessage(
        [{"type": "text", "text": "概括一下视频的主要内容"}, {"type": "video", "url": ARK_VIDEO, "fps": 1}]
    )
    expected = documented_answer(
        "toiotech-doubao-seed-2-0-pro_chat-completions_nonstream_video-url-fps_reasoning-content_doc-example.json"
    )
    check_answer(chat.invoke([question]), expected)


def test_chatfire_doubao_thinking_vision() -> None:
    chat = model("doubao-1-5-thinking-vision-pro-250428", reasoning={"enabled": True})
    image = "https://ark-project.tos-cn-beijing.volces.com/doc_image/ark_demo_img_1.png"
    question = HumanMessage([{"type": "text", "text": "图片里有什么?"}, {"type": "image", "url": image}])
    expected = documented_answer("chatfire-doubao_chat-completions_nonstream_thinking-vision_doc-example.json")
    check_answer(chat.invoke([question]), expected)


def test_toiotech_qwen3_omni_image() -> None:
    chat = model("qwen3-omni-flash-2025-12-01", max_tokens=4096, temperature=0.7)
    image = "https://qianwen-res.oss-cn-beijing.aliyuncs.com/Qwen3-Omni/demo/cars.jpg"
    question = HumanMessage(
        [
            {"type": "image_url", "image_url": {"url": image}},
            {"type": "text", "text": "What can you see and hear? Answer in one short sentence."},
        ]
    )
    expected = documented_answer("toiotech-qwen3-omni_chat-completions_nonstream_image-input_doc-example.json")
    assert expected["reasoning"] is None  # the doc sends reasoning_content: "" — absent, not an empty string
    check_answer(chat.invoke([question]), expected)


def test_glm_reasoning_tool_call() -> None:
    chat = model("glm-4.5", reasoning_effort="high").bind_tools([WEATHER_TOOL], tool_choice="auto")
    messages = [SystemMessage("You are a helpful assistant"), HumanMessage("What's the weather in Florence, Italy?")]
    expected = documented_answer("zhipu-glm_chat-completions_nonstream_reasoning-content_tool-call.json")
    answer = chat.invoke(messages)
    check_answer(answer, expected)
    raw = expected["tool_calls"][0]
    assert answer.tool_calls == [
        {"name": "weather", "args": json.loads(raw["function"]["arguments"]), "id": raw["id"], "type": "tool_call"}
    ]


def weather_conversation() -> list[Any]:
    return [SystemMessage("You are a helpful assistant"), HumanMessage("What's the weather in Florence,Italy?")]


def test_openai_stream_tool_call() -> None:
    chat = model("gpt-4o-mini", max_tokens=4000).bind_tools([WEATHER_TOOL], tool_choice="auto")
    chunks = list(chat.stream(weather_conversation()))
    full = sum(chunks[1:], chunks[0])
    assert isinstance(full, AIMessageChunk)
    assert full.tool_calls == [
        {
            "name": "weather",
            "args": {"location": "Florence, Italy"},
            "id": "call_eOpGKcIP7rzEsLNRtEm9K6mx",
            "type": "tool_call",
        }
    ]
    assert full.response_metadata["finish_reason"] == "tool_calls"
    assert full.usage_metadata is not None
    assert (
        full.usage_metadata["total_tokens"]
        == full.usage_metadata["input_tokens"] + full.usage_metadata["output_tokens"]
    )
    assert sum(1 for chunk in chunks if chunk.usage_metadata) == 1


def test_openai_stream_answer_after_tool_result() -> None:
    chat = model("gpt-4o-mini", max_tokens=4000).bind_tools([WEATHER_TOOL], tool_choice="auto")
    call = {"name": "weather", "args": {"location": "Florence, Italy"}, "id": "call_eOpGKcIP7rzEsLNRtEm9K6mx"}
    messages = [
        *weather_conversation(),
        AIMessage("", tool_calls=[{**call, "type": "tool_call"}]),
        ToolMessage("40 C", tool_call_id=call["id"]),
    ]
    sse = (FIXTURES / "openai_chat-completions_stream_text-after-tool-result_include-usage.sse").read_text("utf-8")
    expected_text = "".join(
        (json.loads(line[len("data: ") :])["choices"] or [{}])[0].get("delta", {}).get("content") or ""
        for line in sse.splitlines()
        if line.startswith("data: {")
    )
    chunks = list(chat.stream(messages))
    assert "".join(str(chunk.content) for chunk in chunks) == expected_text
    assert "40" in expected_text
