"""Default chat completions replies of the gateway emulator."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from langchain_toiotech.testing import GatewayEmulator

TLS = httpx.create_ssl_context()  # built once; each default client would load the CA bundle again


class Unit(str, Enum):  # noqa: UP042 - the schema pydantic builds for a (str, Enum) is what is tested
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Place(BaseModel):
    city: str
    country_code: str | None = None


class WeatherQuery(BaseModel):
    place: Place
    unit: Unit
    days: int
    threshold: float
    alerts: bool
    tags: list[str]
    note: str | None = None


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a place",
        "parameters": WeatherQuery.model_json_schema(),
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]},
    },
}


REASONER = "deepseek-reasoner"  # a catalogue model that reasons (gpt-4o-mini does not)


def _chat(client: httpx.Client, text: Any, model: str = REASONER, **extra: Any) -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": text}], **extra}
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def _stream(client: httpx.Client, text: Any, model: str = REASONER, **extra: Any) -> tuple[list[dict[str, Any]], str]:
    body = {"model": model, "messages": [{"role": "user", "content": text}], "stream": True, **extra}
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    payloads = [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]
    assert payloads[-1] == "[DONE]"
    return [json.loads(payload) for payload in payloads[:-1]], response.text


def _content(chunks: list[dict[str, Any]], key: str = "content") -> str:
    return "".join(c["choices"][0]["delta"].get(key) or "" for c in chunks if c["choices"])


def test_non_stream_reply_is_deterministic(client: httpx.Client) -> None:
    body = _chat(client, "hi there")
    assert body["id"] == "chatcmpl-emu-1"
    assert body["object"] == "chat.completion"
    assert body["model"] == REASONER
    message = body["choices"][0]["message"]
    assert message["content"] == "Hello from the toiotech emulator. You said: hi there"
    assert message["reasoning_content"] == "Thinking about: hi there"
    assert body["choices"][0]["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["prompt_tokens"] == 5
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens_details"] == {"reasoning_tokens": 4}
    assert usage["prompt_tokens_details"] == {"cached_tokens": 0}
    assert _chat(client, "hi there")["id"] == "chatcmpl-emu-2"


def test_long_prompt_reports_cached_tokens(client: httpx.Client) -> None:
    usage = _chat(client, " ".join(["word"] * 200))["usage"]
    assert usage["prompt_tokens"] == 203
    assert usage["prompt_tokens_details"]["cached_tokens"] == 192


def test_stream_shape_with_usage(client: httpx.Client) -> None:
    chunks, _ = _stream(client, "hi there", stream_options={"include_usage": True})
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert _content(chunks, "reasoning_content") == "Thinking about: hi there"
    assert _content(chunks) == "Hello from the toiotech emulator. You said: hi there"
    finish = chunks[-2]
    assert finish["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 13
    assert all(chunk["usage"] is None for chunk in chunks[:-1])
    assert len({chunk["id"] for chunk in chunks}) == 1


def test_stream_without_include_usage_has_no_usage_key(client: httpx.Client) -> None:
    chunks, _ = _stream(client, "hi")
    assert all("usage" not in chunk for chunk in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    "switch",
    [{"thinking": {"type": "disabled"}}, {"enable_thinking": False}, {"reasoning_effort": "none"}],
)
def test_reasoning_can_be_switched_off(client: httpx.Client, switch: dict[str, Any]) -> None:
    message = _chat(client, "hi", **switch)["choices"][0]["message"]
    assert "reasoning_content" not in message
    chunks, _ = _stream(client, "hi", **switch)
    assert _content(chunks, "reasoning_content") == ""


@pytest.mark.parametrize("style", ["reasoning", "reasoning_details", "think_tags", None])
def test_reasoning_styles(style: str | None) -> None:
    with GatewayEmulator(reasoning_style=style) as gw, httpx.Client(base_url=gw.base_url, verify=TLS) as http:
        http.headers["Authorization"] = "Bearer k"
        message = _chat(http, "hi")["choices"][0]["message"]
        chunks, _ = _stream(http, "hi")
    answer = "Hello from the toiotech emulator. You said: hi"
    if style == "reasoning":
        assert message["reasoning"] == "Thinking about: hi"
        assert _content(chunks, "reasoning") == "Thinking about: hi"
    elif style == "reasoning_details":
        assert message["reasoning_details"] == [
            {"type": "reasoning.text", "text": "Thinking about: hi", "format": "unknown", "index": 0}
        ]
        details = [c["choices"][0]["delta"].get("reasoning_details") for c in chunks]
        assert "".join(d[0]["text"] for d in details if d) == "Thinking about: hi"
    elif style == "think_tags":
        assert message["content"] == f"<think>\nThinking about: hi\n</think>\n{answer}"
        pieces = [c["choices"][0]["delta"].get("content") for c in chunks]
        assert "<think>" not in pieces
        assert "<thi" in pieces
        assert _content(chunks) == message["content"]
    else:
        assert message == {"role": "assistant", "content": answer}
        assert len(chunks) == 2 + len(answer.split())
    if style != "think_tags":
        assert message["content"] == answer


def test_stream_n_chunks_trigger(client: httpx.Client) -> None:
    chunks, _ = _stream(client, "please stream 5000 chunks", reasoning_effort="none")
    content = [c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]
    assert len(content) == 5000
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_max_tokens_sets_the_number_of_content_chunks(client: httpx.Client) -> None:
    chunks, _ = _stream(client, "hi", max_tokens=3, reasoning_effort="none")
    assert [c["choices"][0]["delta"].get("content") for c in chunks[1:-1]] == ["Hello", " from", " the"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    body = _chat(client, "hi", max_tokens=12, reasoning_effort="none")
    assert body["choices"][0]["message"]["content"].endswith("You said: hi w8 w9 w10 w11")
    assert body["usage"]["completion_tokens"] == 12


def test_multimodal_parts_are_described(client: httpx.Client) -> None:
    parts = [
        {"type": "text", "text": "Describe"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "video_url", "video_url": {"url": "https://x/v.mp4", "fps": 2}},
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
        {"type": "file", "file": {"file_id": "file-abc"}},
        {"type": "text", "text": "these"},
    ]
    content = _chat(client, parts, model="gemini-2.5-flash")["choices"][0]["message"]["content"]  # takes all four
    expected = "You said: Describe these (saw 1 image, 1 video at fps 2, 1 audio, 1 file (file-abc))"
    assert content.endswith(expected)


def test_tool_call_arguments_validate_against_the_schema(client: httpx.Client) -> None:
    body = _chat(client, "Use get_weather please", tools=[WEATHER_TOOL, TIME_TOOL])
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["id"].startswith("call_emu_")
    assert call["function"]["name"] == "get_weather"
    query = WeatherQuery.model_validate_json(call["function"]["arguments"])
    assert query.unit is Unit.CELSIUS
    assert query.days == 3
    assert query.threshold == 1.5
    assert query.alerts is True
    assert query.tags == ["example"] * 3  # arrays hold several items
    assert query.place.country_code == "example"
    assert query.note == "example"


def test_stream_parallel_tool_calls_are_fragmented(client: httpx.Client) -> None:
    chunks, _ = _stream(client, "call get weather and get_time", tools=[WEATHER_TOOL, TIME_TOOL])
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for fragment in chunk["choices"][0]["delta"].get("tool_calls") or []:
            call = calls.setdefault(fragment["index"], {"id": "", "name": "", "arguments": ""})
            call["id"] = call["id"] or fragment.get("id", "")
            call["name"] = call["name"] or fragment.get("function", {}).get("name", "")
            call["arguments"] += fragment["function"]["arguments"]
    assert [calls[0]["name"], calls[1]["name"]] == ["get_weather", "get_time"]
    assert calls[0]["id"] != calls[1]["id"]
    WeatherQuery.model_validate_json(calls[0]["arguments"])
    assert json.loads(calls[1]["arguments"]) == {"zone": "example"}
    argument_chunks = [c for c in chunks if (c["choices"][0]["delta"].get("tool_calls") or [{}])[0].get("function")]
    assert len(argument_chunks) > 4
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"parallel_tool_calls": False}, ["get_weather"]),
        ({"tool_choice": "none"}, []),
        ({"tool_choice": {"type": "function", "function": {"name": "get_time"}}}, ["get_time"]),
        ({"tool_choice": "required"}, ["get_weather", "get_time"]),
    ],
)
def test_tool_choice_rules(client: httpx.Client, extra: dict[str, Any], expected: list[str]) -> None:
    body = _chat(client, "get_weather or get_time?", tools=[WEATHER_TOOL, TIME_TOOL], **extra)
    calls = body["choices"][0]["message"].get("tool_calls") or []
    assert [call["function"]["name"] for call in calls] == expected


def test_required_tool_choice_without_mention_uses_first_tool(client: httpx.Client) -> None:
    body = _chat(client, "hello", tools=[TIME_TOOL, WEATHER_TOOL], tool_choice="required")
    assert [c["function"]["name"] for c in body["choices"][0]["message"]["tool_calls"]] == ["get_time"]
    assert "tool_calls" not in _chat(client, "hello", tools=[TIME_TOOL])["choices"][0]["message"]


def test_text_answer_after_tool_result(client: httpx.Client) -> None:
    messages = [
        {"role": "user", "content": "get_weather in Florence"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "40 C"},
    ]
    response = client.post(
        "/chat/completions",
        json={"model": "gpt-4o-mini", "messages": messages, "tools": [WEATHER_TOOL], "tool_choice": "auto"},
    )
    message = response.json()["choices"][0]["message"]
    assert message["content"] == "Hello from the toiotech emulator. The tool said: 40 C"
    assert "tool_calls" not in message


def test_structured_output_json_schema(client: httpx.Client) -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "weather", "schema": WeatherQuery.model_json_schema(), "strict": True},
    }
    content = _chat(client, "hi", response_format=response_format)["choices"][0]["message"]["content"]
    WeatherQuery.model_validate_json(content)
    chunks, _ = _stream(client, "hi", response_format=response_format)
    assert _content(chunks) == content


def test_structured_output_json_object(client: httpx.Client) -> None:
    reply = _chat(client, "hi, in JSON", response_format={"type": "json_object"})  # JSON mode needs the word
    assert json.loads(reply["choices"][0]["message"]["content"]) == {
        "answer": "Hello from the toiotech emulator. You said: hi, in JSON"
    }


def test_missing_messages_is_a_400(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json={"model": "gpt-4o-mini"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def _tool(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


CUSTOMER = _tool(
    "create_customer",
    "Create a customer record.",
    {
        "type": "object",
        "properties": {"customer_name": {"type": "string"}, "tier": {"enum": ["gold", "silver"]}},
        "required": ["customer_name", "tier"],
    },
)
FORECAST = _tool(
    "forecast",
    "Weather forecast for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]},
)


def test_a_tool_is_chosen_by_what_its_description_says(client: httpx.Client) -> None:
    calls = _chat(client, "What is the weather like in Paris for 5 days?", tools=[CUSTOMER, FORECAST])["choices"]
    (call,) = calls[0]["message"]["tool_calls"]
    assert call["function"]["name"] == "forecast"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris", "days": 5}  # from the conversation
    plain = _chat(client, "Tell me a story.", tools=[CUSTOMER, FORECAST])["choices"][0]
    assert plain["finish_reason"] == "stop"  # nothing asks for a tool: a text answer


def test_unicode_arguments_pass_through(client: httpx.Client) -> None:
    body = _chat(client, "Create a customer named '你好啊集团' (Hello Group)", tools=[CUSTOMER, FORECAST])
    (call,) = body["choices"][0]["message"]["tool_calls"]
    assert json.loads(call["function"]["arguments"]) == {"customer_name": "你好啊集团", "tier": "gold"}
    assert "你好啊集团" in call["function"]["arguments"]  # not \\u escapes


@pytest.mark.parametrize(
    ("tool_choice", "parallel", "names"),
    [
        ("required", None, ["create_customer"]),
        ("any", None, ["create_customer"]),
        ({"type": "function", "function": {"name": "forecast"}}, None, ["forecast"]),
        ("none", None, []),
        ("auto", None, ["create_customer", "forecast"]),
        ("auto", False, ["create_customer"]),
    ],
)
def test_tool_choice_and_parallel_calls_are_honoured(
    client: httpx.Client, tool_choice: Any, parallel: bool | None, names: list[str]
) -> None:
    text = "Hello!" if tool_choice != "auto" else "Use create_customer and forecast"
    extra: dict[str, Any] = {} if parallel is None else {"parallel_tool_calls": parallel}
    body = _chat(client, text, tools=[CUSTOMER, FORECAST], tool_choice=tool_choice, **extra)
    calls = body["choices"][0]["message"].get("tool_calls") or []
    assert [call["function"]["name"] for call in calls] == names


def test_json_mode_answers_with_the_keys_the_prompt_asks_for(client: httpx.Client) -> None:
    text = "Tell me a joke. Return JSON with 'setup' and 'punchline' keys."
    content = _chat(client, text, model="gpt-4o-mini", response_format={"type": "json_object"})
    assert set(json.loads(content["choices"][0]["message"]["content"])) == {"setup", "punchline"}
