"""Message conversion, tool binding and structured output, checked on the wire JSON the model sends."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_toiotech import ChatToiotech
from langchain_toiotech._chat.messages import convert_message_to_dict, create_chat_result
from langchain_toiotech.errors import StreamError
from tests._support.replies import chat_completion


class Recorder:
    def __init__(self, reply: dict[str, Any]) -> None:
        self.reply = reply
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200, json=self.reply)

    def model(self, **kwargs: Any) -> ChatToiotech:
        kwargs.setdefault("model", "gpt-4o-mini")
        return ChatToiotech(http_client=httpx.Client(transport=httpx.MockTransport(self)), **kwargs)


def reply(message: dict[str, Any], finish_reason: str = "stop") -> dict[str, Any]:
    return chat_completion(
        message,
        finish_reason,
        id="chatcmpl-9",
        model="gpt-4o-mini",
        system_fingerprint="fp_1",
        usage={"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
    )


MESSAGE_TABLE = [
    (SystemMessage("Be brief."), {"role": "system", "content": "Be brief."}),
    (
        # Text blocks keep their boundary (a vendor that takes no list of parts gets them joined by a newline).
        SystemMessage([{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Answer in English."}]),
        {"role": "system", "content": "Be brief.\nAnswer in English."},
    ),
    (HumanMessage("hi", name="ann"), {"role": "user", "content": "hi", "name": "ann"}),
    (
        HumanMessage([{"type": "text", "text": "look"}]),
        {"role": "user", "content": [{"type": "text", "text": "look"}]},
    ),
    (AIMessage("hello"), {"role": "assistant", "content": "hello"}),
    (
        AIMessage(
            [{"type": "text", "text": "Let me check."}, {"type": "tool_use", "id": "t1", "name": "f", "input": {}}],
            tool_calls=[{"name": "f", "args": {"x": "é"}, "id": "t1", "type": "tool_call"}],
        ),
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": '{"x": "é"}'}}],
        },
    ),
    (
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "t2", "type": "tool_call"}]),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "t2", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
    ),
    (
        AIMessage(
            "",
            invalid_tool_calls=[{"name": "f", "args": "{bad", "id": "t3", "error": "x", "type": "invalid_tool_call"}],
        ),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "t3", "type": "function", "function": {"name": "f", "arguments": "{bad"}}],
        },
    ),
    (ToolMessage("42", tool_call_id="t1"), {"role": "tool", "tool_call_id": "t1", "content": "42"}),
    (
        ToolMessage([{"type": "text", "text": "4"}, {"type": "text", "text": "2"}], tool_call_id="t1"),
        {"role": "tool", "tool_call_id": "t1", "content": "4\n2"},
    ),
    (
        ToolMessage([{"type": "json", "value": 1}], tool_call_id="t1"),
        {"role": "tool", "tool_call_id": "t1", "content": '[{"type": "json", "value": 1}]'},
    ),
    (ChatMessage(content="note", role="developer"), {"role": "developer", "content": "note"}),
]


@pytest.mark.parametrize(("message", "expected"), MESSAGE_TABLE)
def test_message_to_wire(message: Any, expected: dict[str, Any]) -> None:
    assert convert_message_to_dict(message) == expected


def test_every_message_of_a_conversation_reaches_the_wire_in_order() -> None:
    recorder = Recorder(reply({"content": "ok"}))
    conversation = [row[0] for row in MESSAGE_TABLE]
    recorder.model(model="qwen-max").invoke(conversation)  # not OpenAI: text blocks are joined
    assert recorder.bodies[0]["messages"] == [row[1] for row in MESSAGE_TABLE]


def test_response_fields_become_message_fields() -> None:
    message = recorder_invoke(reply({"content": "Hi", "refusal": None}))
    assert message.content == "Hi"
    assert message.response_metadata["model_name"] == "gpt-4o-mini"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["id"] == "chatcmpl-9"
    assert message.response_metadata["system_fingerprint"] == "fp_1"
    assert message.response_metadata["model_provider"] == "toiotech"
    assert message.id != "chatcmpl-9"  # relays repeat ids; LangGraph would merge turns by message id
    assert message.usage_metadata == {"input_tokens": 9, "output_tokens": 4, "total_tokens": 13}


def recorder_invoke(body: dict[str, Any], **kwargs: Any) -> AIMessage:
    return Recorder(body).model().invoke("hi", **kwargs)


def test_unparsable_tool_arguments_become_invalid_tool_calls() -> None:
    raw = [
        {"id": "a", "type": "function", "function": {"name": "ok", "arguments": '{"n": 1}'}},
        {"id": "b", "type": "function", "function": {"name": "broken", "arguments": '{"n": '}},
        {"id": "c", "type": "function", "function": {"name": "listy", "arguments": "[1, 2]"}},
    ]
    message = recorder_invoke(reply({"content": None, "tool_calls": raw}, "tool_calls"))
    assert [call["name"] for call in message.tool_calls] == ["ok"]
    assert message.tool_calls[0]["args"] == {"n": 1}
    assert [call["name"] for call in message.invalid_tool_calls] == ["broken", "listy"]
    assert message.invalid_tool_calls[0]["args"] == '{"n": '


def test_n_choices_become_generations() -> None:
    body = reply({"content": "one"})
    body["choices"].append({"index": 1, "message": {"role": "assistant", "content": "two"}, "finish_reason": "length"})
    result = create_chat_result(body)
    assert [g.message.content for g in result.generations] == ["one", "two"]
    assert result.generations[1].message.response_metadata["finish_reason"] == "length"


def test_a_200_body_carrying_an_error_raises_instead_of_returning_nothing() -> None:
    with pytest.raises(StreamError, match="upstream overloaded"):
        recorder_invoke({"error": {"message": "upstream overloaded", "type": "upstream_error"}})


def test_length_finish_reason_is_kept_and_warned(caplog: pytest.LogCaptureFixture) -> None:
    message = recorder_invoke(reply({"content": "cut"}, "length"))
    assert message.response_metadata["finish_reason"] == "length"
    assert any("finish_reason='length'" in record.getMessage() for record in caplog.records)


def test_generation_parameters_and_stop_reach_the_payload() -> None:
    recorder = Recorder(reply({"content": "ok"}))
    model = recorder.model(
        temperature=0.2,
        max_tokens=50,
        max_completion_tokens=80,
        top_p=0.9,
        n=1,
        seed=7,
        reasoning_effort="low",
        stop=["END"],
        model_kwargs={"user": "u1"},
        extra_body={"thinking": {"type": "disabled"}},
    )
    model.invoke("hi")
    model.invoke("hi", stop=["HALT"], temperature=1.0)
    first, second = recorder.bodies
    expected = {
        "model": "gpt-4o-mini",
        "temperature": 0.2,
        "max_tokens": 50,
        "max_completion_tokens": 80,
        "top_p": 0.9,
        "n": 1,
        "seed": 7,
        "reasoning_effort": "low",
        "stop": ["END"],
        "user": "u1",
        "thinking": {"type": "disabled"},
    }
    assert {key: first[key] for key in expected} == expected
    assert "stream" not in first
    assert "stream_options" not in first
    assert second["stop"] == ["HALT"]
    assert second["temperature"] == 1.0


def test_unknown_constructor_arguments_go_to_model_kwargs() -> None:
    recorder = Recorder(reply({"content": "ok"}))
    with pytest.warns(UserWarning, match="top_k"):
        model = recorder.model(top_k=5)
    model.invoke("hi")
    assert recorder.bodies[0]["top_k"] == 5


def test_model_override_at_call_time() -> None:
    recorder = Recorder(reply({"content": "ok"}))
    recorder.model().invoke("hi", model="deepseek-chat")
    assert recorder.bodies[0]["model"] == "deepseek-chat"


# --- tools ---------------------------------------------------------------------------------------------


class GetWeather(BaseModel):
    """Get the weather in a city."""

    city: str = Field(description="The city")


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [
        ("any", "required"),
        (True, "required"),
        ("required", "required"),
        ("auto", "auto"),
        ("none", "none"),
        ("add", {"type": "function", "function": {"name": "add"}}),
        (
            {"type": "function", "function": {"name": "GetWeather"}},
            {"type": "function", "function": {"name": "GetWeather"}},
        ),
    ],
)
def test_bind_tools_formats_tools_and_tool_choice(tool_choice: Any, expected: Any) -> None:
    recorder = Recorder(reply({"content": "ok"}))
    recorder.model().bind_tools([GetWeather, add], tool_choice=tool_choice, parallel_tool_calls=False).invoke("hi")
    body = recorder.bodies[0]
    assert body["tool_choice"] == expected
    assert body["parallel_tool_calls"] is False
    names = [tool["function"]["name"] for tool in body["tools"]]
    assert names == ["GetWeather", "add"]
    assert body["tools"][0]["function"]["parameters"]["properties"]["city"]["type"] == "string"


def test_bind_tools_strict_marks_every_tool() -> None:
    recorder = Recorder(reply({"content": "ok"}))
    recorder.model().bind_tools([GetWeather], strict=True).invoke("hi")
    function = recorder.bodies[0]["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"]["additionalProperties"] is False
    assert "tool_choice" not in recorder.bodies[0]


# --- structured output ------------------------------------------------------------------------------------


class Weather(BaseModel):
    city: str
    celsius: float


class WeatherDict(TypedDict):
    city: str
    celsius: float


def test_structured_output_function_calling_default() -> None:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "Weather", "arguments": '{"city":"Rome","celsius":21.5}'},
    }
    recorder = Recorder(reply({"content": None, "tool_calls": [call]}, "tool_calls"))
    result = recorder.model().with_structured_output(Weather).invoke("weather?")
    assert result == Weather(city="Rome", celsius=21.5)
    body = recorder.bodies[0]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Weather"}}
    assert body["parallel_tool_calls"] is False
    assert "response_format" not in body


@pytest.mark.parametrize("schema", [Weather, WeatherDict])
def test_structured_output_json_schema(schema: Any) -> None:
    recorder = Recorder(reply({"content": '{"city": "Oslo", "celsius": -3}'}))
    result = recorder.model().with_structured_output(schema, method="json_schema", strict=True).invoke("w?")
    assert (result if isinstance(result, dict) else result.model_dump()) == {"city": "Oslo", "celsius": -3}
    response_format = recorder.bodies[0]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    assert set(response_format["json_schema"]["schema"]["properties"]) == {"city", "celsius"}


def test_structured_output_json_mode_parses_fenced_json() -> None:
    recorder = Recorder(reply({"content": '```json\n{"city": "Lima", "celsius": 18}\n```'}))
    result = recorder.model().with_structured_output(Weather, method="json_mode").invoke("w?")
    assert result == Weather(city="Lima", celsius=18)
    assert recorder.bodies[0]["response_format"] == {"type": "json_object"}


def test_structured_output_ignores_reasoning_think_tags() -> None:
    recorder = Recorder(reply({"content": '<think>hmm</think>{"city": "Lima", "celsius": 18}'}))
    result = recorder.model().with_structured_output(Weather, method="json_mode").invoke("w?")
    assert result.city == "Lima"


def test_structured_output_include_raw_reports_parsing_errors() -> None:
    recorder = Recorder(reply({"content": "not json at all"}))
    result = recorder.model().with_structured_output(Weather, method="json_mode", include_raw=True).invoke("w?")
    assert isinstance(result, dict)
    assert result["parsed"] is None
    assert result["parsing_error"] is not None
    assert result["raw"].content == "not json at all"


def test_structured_output_rejects_unknown_kwargs() -> None:
    with pytest.raises(ValueError, match="Unsupported arguments"):
        Recorder({}).model().with_structured_output(Weather, temperature=0)
