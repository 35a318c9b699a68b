"""The Responses-API route: routing, request bodies, output conversion, tools, structured output, stream errors.

Requests go through `ChatToiotech` with an `httpx.MockTransport`, so each test asserts the exact path and JSON
the gateway would receive, and what the caller gets back.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, SecretStr

from langchain_toiotech import ChatToiotech
from langchain_toiotech._responses.request import convert_input, responses_payload, text_format
from langchain_toiotech.errors import StreamError
from tests._support.gateways import mock_clients

BASE_URL = "https://gateway.test/v1"


def response_body(*output: dict[str, Any], **fields: Any) -> dict[str, Any]:
    usage = {
        "input_tokens": 11,
        "input_tokens_details": {"cached_tokens": 3},
        "output_tokens": 7,
        "output_tokens_details": {"reasoning_tokens": 2},
        "total_tokens": 18,
    }
    return {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-5.1-codex",
        "output": list(output),
        "usage": usage,
        **fields,
    }


def text_item(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def call_item(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": name,
        "arguments": json.dumps(arguments),
    }


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode() for event in events)


class Gateway:
    """MockTransport handler: answers every request with `reply`, records path and JSON body."""

    def __init__(self, reply: dict[str, Any] | bytes | None = None) -> None:
        self.reply = reply if reply is not None else response_body(text_item("ok"))
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.reply, bytes):
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=self.reply)
        if request.url.path.endswith("/chat/completions"):
            message = {"role": "assistant", "content": "chat"}
            return httpx.Response(
                200,
                json={"id": "c1", "model": "m", "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]},
            )
        return httpx.Response(200, json=self.reply)

    @property
    def path(self) -> str:
        (request,) = self.requests
        return request.url.path

    @property
    def sent(self) -> dict[str, Any]:
        (request,) = self.requests
        body: dict[str, Any] = json.loads(request.content)
        return body


def chat_model(gateway: Gateway, model: str = "gpt-5.1-codex", **kwargs: Any) -> ChatToiotech:
    return ChatToiotech(
        model_name=model,
        api_key=SecretStr("sk-test"),
        base_url=BASE_URL,
        **mock_clients(gateway),
        **kwargs,
    )


# --- routing ----------------------------------------------------------------------------------------------------


def test_responses_only_model_posts_to_responses_without_any_setting():
    gateway = Gateway()

    message = chat_model(gateway, "gpt-5.1-codex").invoke("hi")

    assert gateway.path == "/v1/responses"
    assert gateway.sent == {
        "model": "gpt-5.1-codex",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
    }
    assert message.content == "ok"


async def test_responses_only_model_async():
    gateway = Gateway()
    await chat_model(gateway, "gpt-5.2-pro").ainvoke("hi")
    assert gateway.path == "/v1/responses"


def test_other_models_stay_on_chat_completions():
    gateway = Gateway()
    assert chat_model(gateway, "gpt-4o").invoke("hi").content == "chat"
    assert gateway.path == "/v1/chat/completions"


@pytest.mark.parametrize(
    ("field_model", "call_model", "path"),
    [("gpt-4o", "gpt-5.1-codex", "/v1/responses"), ("gpt-5.1-codex", "gpt-4o", "/v1/chat/completions")],
)
def test_model_passed_to_the_call_decides_the_route(field_model: str, call_model: str, path: str) -> None:
    gateway = Gateway()
    chat_model(gateway, field_model).invoke("hi", model=call_model)
    assert gateway.path == path
    assert gateway.sent["model"] == call_model


def test_explicit_true_forces_responses():
    gateway = Gateway()
    chat_model(gateway, "deepseek-chat", use_responses_api=True).invoke("hi")
    assert gateway.path == "/v1/responses"


def test_explicit_false_keeps_a_responses_only_model_on_chat():
    gateway = Gateway()
    chat_model(gateway, "gpt-5.1-codex", use_responses_api=False).invoke("hi")
    assert gateway.path == "/v1/chat/completions"


# --- content parts ----------------------------------------------------------------------------------------------


def test_file_id_video_is_sent_as_input_video_with_fps():
    gateway = Gateway()
    message = HumanMessage(
        content=[{"type": "text", "text": "describe"}, {"type": "video", "file_id": "file-123", "fps": 0.5}]
    )

    chat_model(gateway, "doubao-seed-1-6-250615").invoke([message])

    assert gateway.path == "/v1/responses"  # chosen automatically by the file reference
    assert gateway.sent["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "describe"},
                {"type": "input_video", "file_id": "file-123", "fps": 0.5},
            ],
        }
    ]


def test_file_id_image_and_file_are_input_image_and_input_file():
    gateway = Gateway()
    message = HumanMessage(
        content=[
            {"type": "image", "file_id": "file-img", "detail": "high"},
            {"type": "file", "file_id": "file-pdf"},
            {"type": "image", "url": "https://example.com/a.png"},
        ]
    )

    chat_model(gateway, "doubao-seed-1-6-250615").invoke([message])

    assert gateway.path == "/v1/responses"
    assert gateway.sent["input"][0]["content"] == [
        {"type": "input_image", "file_id": "file-img", "detail": "high"},
        {"type": "input_file", "file_id": "file-pdf"},
        {"type": "input_image", "image_url": "https://example.com/a.png"},
    ]


def test_video_url_and_inline_file_parts():
    parts: list[str | dict[str, Any]] = [
        {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4", "fps": 2}},
        {"type": "file", "base64": "JVBERi0xLjQK", "mime_type": "application/pdf", "filename": "a.pdf"},
        {"type": "file", "url": "https://example.com/a.pdf"},
    ]
    _, items = convert_input([HumanMessage(content=parts)])
    assert items[0]["content"] == [
        {"type": "input_video", "video_url": "https://example.com/v.mp4", "fps": 2},
        {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0xLjQK"},
        {"type": "input_file", "file_url": "https://example.com/a.pdf"},
    ]


def test_explicit_false_with_a_file_id_video_fails_before_any_request():
    gateway = Gateway()
    message = HumanMessage(content=[{"type": "video", "file_id": "file-123", "fps": 0.5}])

    with pytest.raises(ValueError, match="use_responses_api=False") as raised:
        chat_model(gateway, "doubao-seed-1-6-250615", use_responses_api=False).invoke([message])

    assert "file_id" in str(raised.value)
    assert gateway.requests == []


@pytest.mark.parametrize("fps", [0.1, 6, "1"])
def test_fps_is_checked_as_on_the_chat_route(fps: Any) -> None:
    gateway = Gateway()
    message = HumanMessage(content=[{"type": "video", "file_id": "file-123", "fps": fps}])
    with pytest.raises(ValueError, match="fps"):
        chat_model(gateway, "doubao-seed-1-6-250615").invoke([message])
    assert gateway.requests == []


def test_audio_has_no_responses_form():
    message = HumanMessage(content=[{"type": "audio", "base64": "UklGRg==", "mime_type": "audio/wav"}])
    with pytest.raises(ValueError, match="Content block 0"):
        convert_input([message])


# --- messages → input items -------------------------------------------------------------------------------------


def test_single_leading_system_message_becomes_instructions():
    instructions, items = convert_input([SystemMessage("be brief"), HumanMessage("hi")])
    assert instructions == "be brief"
    assert items == [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}]


def test_several_system_messages_stay_in_place():
    instructions, items = convert_input([SystemMessage("a"), HumanMessage("hi"), SystemMessage("b")])
    assert instructions is None
    assert [item.get("role") for item in items] == ["system", "user", "system"]
    assert items[2] == {"role": "system", "content": "b"}


def test_tool_round_trip_becomes_function_call_items():
    gateway = Gateway()
    history = [
        HumanMessage("weather in Florence?"),
        AIMessage(content="", tool_calls=[{"name": "weather", "args": {"location": "Florence"}, "id": "call_1"}]),
        ToolMessage(content="40 C", tool_call_id="call_1"),
    ]

    chat_model(gateway).invoke(history)

    assert gateway.sent["input"][1:] == [
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "weather",
            "arguments": json.dumps({"location": "Florence"}),
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "40 C"},
    ]


def test_assistant_text_goes_back_as_output_text():
    _, items = convert_input([HumanMessage("hi"), AIMessage("hello"), HumanMessage("again")])
    assert items[1] == {"role": "assistant", "content": [{"type": "output_text", "text": "hello"}]}


REASONING_ITEM = {
    "type": "reasoning",
    "id": "rs_1",
    "summary": [{"type": "summary_text", "text": "t"}],
    "encrypted_content": "enc",
}


def reasoning_history() -> list[Any]:
    answer = AIMessage(
        content="",
        additional_kwargs={"reasoning_items": [REASONING_ITEM]},
        tool_calls=[{"name": "weather", "args": {}, "id": "call_1"}],
    )
    return [HumanMessage("hi"), answer, ToolMessage(content="40 C", tool_call_id="call_1")]


@pytest.mark.parametrize(
    ("params", "replayed"),
    [
        ({}, False),  # the gateway may not have stored the item: sending its id could fail the request
        ({"store": False}, False),  # stateless without encrypted content: nothing usable to send
        ({"store": False, "include": ["reasoning.encrypted_content"]}, True),
        ({"store": True}, True),
    ],
)
def test_reasoning_items_are_replayed_only_when_the_caller_opts_in(params: dict[str, Any], replayed: bool) -> None:
    payload = responses_payload(reasoning_history(), {"model": "gpt-5", **params}, stop=None, stream=False)
    kinds = [item.get("type", item.get("role")) for item in payload["input"]]
    reasoning = ["reasoning"] if replayed else []
    assert kinds == ["user", *reasoning, "function_call", "function_call_output"]
    if replayed:
        assert payload["input"][1] == REASONING_ITEM


# --- parameters -------------------------------------------------------------------------------------------------


def test_chat_parameters_are_mapped():
    gateway = Gateway()
    model = chat_model(gateway, max_tokens=100, reasoning_effort="high", temperature=0.5)

    model.invoke("hi", store=False, previous_response_id="resp_0", reasoning={"summary": "auto"})

    sent = gateway.sent
    assert sent["max_output_tokens"] == 100
    assert sent["reasoning"] == {"effort": "high", "summary": "auto"}
    assert sent["store"] is False
    assert sent["previous_response_id"] == "resp_0"
    assert sent["temperature"] == 0.5
    assert not {"max_tokens", "reasoning_effort", "stream_options"} & set(sent)


def test_reasoning_knob_translates_to_reasoning_effort():
    gateway = Gateway()
    chat_model(gateway, reasoning={"effort": "low"}).invoke("hi")
    assert gateway.sent["reasoning"] == {"effort": "low"}


def test_max_completion_tokens_wins_over_max_tokens():
    payload = responses_payload(
        [HumanMessage("hi")], {"max_tokens": 5, "max_completion_tokens": 9}, stop=None, stream=False
    )
    assert payload["max_output_tokens"] == 9


def test_stop_is_not_sent_and_a_warning_says_so(caplog: pytest.LogCaptureFixture) -> None:
    gateway = Gateway()
    with caplog.at_level(logging.WARNING, logger="langchain_toiotech"):
        chat_model(gateway).invoke("hi", stop=["\n"])
    assert "stop" not in gateway.sent
    assert "stop" in caplog.text


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        (
            {"type": "json_schema", "json_schema": {"name": "Person", "schema": {"type": "object"}, "strict": True}},
            {"type": "json_schema", "name": "Person", "schema": {"type": "object"}, "strict": True},
        ),
        ({"type": "json_object"}, {"type": "json_object"}),
    ],
)
def test_response_format_becomes_text_format(response_format: dict[str, Any], expected: dict[str, Any]) -> None:
    assert text_format(response_format) == expected


# --- output -----------------------------------------------------------------------------------------------------


def test_output_conversion_with_reasoning_calls_and_usage():
    reasoning = {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "a"}, {"type": "summary_text", "text": "b"}],
    }
    body = response_body(reasoning, text_item("Hel"), text_item("lo"), call_item("call_9", "f", {"x": 1}))
    gateway = Gateway(body)

    message = chat_model(gateway).invoke("hi")

    assert message.content == "Hello"
    assert message.additional_kwargs["reasoning_content"] == "a\n\nb"
    assert message.additional_kwargs["reasoning_items"] == [reasoning]
    assert message.tool_calls == [{"name": "f", "args": {"x": 1}, "id": "call_9", "type": "tool_call"}]
    assert message.usage_metadata == {
        "input_tokens": 11,
        "output_tokens": 7,
        "total_tokens": 18,
        "input_token_details": {"cache_read": 3},
        "output_token_details": {"reasoning": 2},
    }
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert message.response_metadata["id"] == "resp_1"
    assert message.response_metadata["status"] == "completed"


def test_incomplete_answer_reports_length_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    body = response_body(text_item("cut"), status="incomplete", incomplete_details={"reason": "max_output_tokens"})
    with caplog.at_level(logging.WARNING, logger="langchain_toiotech"):
        message = chat_model(Gateway(body)).invoke("hi")
    assert message.response_metadata["finish_reason"] == "length"
    assert message.response_metadata["incomplete_details"] == {"reason": "max_output_tokens"}
    assert "stopped early" in caplog.text


def test_failed_body_raises_with_the_gateway_message():
    body = response_body(status="failed", error={"code": "server_error", "message": "upstream exploded"})
    with pytest.raises(StreamError, match="upstream exploded"):
        chat_model(Gateway(body)).invoke("hi")


# --- tools and structured output --------------------------------------------------------------------------------


class Person(BaseModel):
    """A person."""

    name: str
    age: int


def test_bind_tools_sends_flat_function_tools_and_choice():
    gateway = Gateway(response_body(call_item("call_1", "Person", {"name": "Ada", "age": 36})))

    message = chat_model(gateway).bind_tools([Person], tool_choice="Person").invoke("who?")

    (tool,) = gateway.sent["tools"]
    assert tool["type"] == "function"
    assert tool["name"] == "Person"
    assert tool["parameters"]["required"] == ["name", "age"]
    assert tool["strict"] is False  # Responses would otherwise treat the tool as strict
    assert "function" not in tool
    assert gateway.sent["tool_choice"] == {"type": "function", "name": "Person"}
    assert message.tool_calls[0]["args"] == {"name": "Ada", "age": 36}


def test_structured_output_json_schema_sends_text_format_and_parses():
    gateway = Gateway(response_body(text_item(json.dumps({"name": "Ada", "age": 36}))))

    person = chat_model(gateway).with_structured_output(Person, method="json_schema", strict=True).invoke("who?")

    assert person == Person(name="Ada", age=36)
    fmt = gateway.sent["text"]["format"]
    assert fmt["type"] == "json_schema"
    assert fmt["name"] == "Person"
    assert fmt["strict"] is True
    assert set(fmt["schema"]["properties"]) == {"name", "age"}
    assert "response_format" not in gateway.sent


def test_structured_output_function_calling_parses_the_call():
    gateway = Gateway(response_body(call_item("call_1", "Person", {"name": "Ada", "age": 36})))
    person = chat_model(gateway).with_structured_output(Person).invoke("who?")
    assert person == Person(name="Ada", age=36)
    assert gateway.sent["parallel_tool_calls"] is False


def test_structured_output_json_mode():
    gateway = Gateway(response_body(text_item('{"a": 1}')))
    assert chat_model(gateway).with_structured_output(method="json_mode").invoke("json please") == {"a": 1}
    assert gateway.sent["text"] == {"format": {"type": "json_object"}}


# --- stream errors ----------------------------------------------------------------------------------------------


CREATED = {"type": "response.created", "response": {"id": "resp_s", "status": "in_progress", "model": "gpt-5.1-codex"}}
DELTA = {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "partial"}


def test_stream_without_completed_raises():
    with pytest.raises(StreamError, match=r"without response\.completed"):
        list(chat_model(Gateway(sse(CREATED, DELTA))).stream("hi"))


def test_response_failed_raises_with_the_gateway_message():
    failed = {
        "type": "response.failed",
        "response": {
            "id": "resp_s",
            "status": "failed",
            "error": {"code": "insufficient_quota", "message": "quota exhausted"},
        },
    }
    with pytest.raises(StreamError, match="quota exhausted") as raised:
        list(chat_model(Gateway(sse(CREATED, DELTA, failed))).stream("hi"))
    assert raised.value.code == "insufficient_quota"


async def test_error_event_raises_in_astream():
    error = {
        "type": "error",
        "sequence_number": 2,
        "error": {"type": "invalid_request_error", "code": "bad", "message": "no such thing"},
    }
    with pytest.raises(StreamError, match="no such thing"):
        _ = [chunk async for chunk in chat_model(Gateway(sse(CREATED, error))).astream("hi")]


def test_incomplete_stream_reports_length():
    incomplete = {
        "type": "response.incomplete",
        "response": {"id": "resp_s", "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}},
    }
    chunks = list(chat_model(Gateway(sse(CREATED, DELTA, incomplete))).stream("hi"))
    assert "".join(chunk.text for chunk in chunks) == "partial"
    assert chunks[-1].response_metadata["finish_reason"] == "length"


# --- stream assembly ----------------------------------------------------------------------------------------------


def summary_delta(summary_index: int, delta: str) -> dict[str, Any]:
    return {
        "type": "response.reasoning_summary_text.delta",
        "output_index": 0,
        "summary_index": summary_index,
        "delta": delta,
    }


def test_streamed_reasoning_parts_join_like_the_whole_response():
    reasoning = {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "First part."}, {"type": "summary_text", "text": "Second."}],
    }
    body = response_body(reasoning, text_item("answer"))
    events = [
        CREATED,
        summary_delta(0, "First "),
        summary_delta(0, "part."),
        summary_delta(1, "Second."),
        {"type": "response.output_item.done", "output_index": 0, "item": reasoning},
        {"type": "response.output_text.delta", "output_index": 1, "content_index": 0, "delta": "answer"},
        {"type": "response.completed", "response": body},
    ]
    gateway = Gateway(sse(*events))

    streamed = list(chat_model(gateway).stream("hi"))
    whole = chat_model(Gateway(body)).invoke("hi")

    reasoning_text = "".join(chunk.additional_kwargs.get("reasoning_content", "") for chunk in streamed)
    assert reasoning_text == whole.additional_kwargs["reasoning_content"] == "First part.\n\nSecond."
    assert "".join(chunk.text for chunk in streamed) == whole.content == "answer"


def test_reasoning_text_deltas_are_reasoning_too():
    delta = {"type": "response.reasoning_text.delta", "output_index": 0, "content_index": 0, "delta": "thinking"}
    completed = {"type": "response.completed", "response": response_body()}
    chunks = list(chat_model(Gateway(sse(CREATED, delta, completed))).stream("hi"))
    assert "".join(chunk.additional_kwargs.get("reasoning_content", "") for chunk in chunks) == "thinking"


def test_items_that_arrive_only_whole_are_emitted_once():
    """A relay that forwards only `.done` events (no deltas) still yields the text and the call, once each."""
    call = call_item("call_1", "f", {"x": 1})
    body = response_body(text_item("whole text"), call)
    events: list[dict[str, Any]] = [
        CREATED,
        {"type": "response.output_text.done", "output_index": 0, "content_index": 0, "text": "whole text"},
        {"type": "response.output_item.done", "output_index": 0, "item": text_item("whole text")},
        {"type": "response.output_item.done", "output_index": 1, "item": call},
        {"type": "response.completed", "response": body},
    ]

    message = chat_model(Gateway(sse(*events)), streaming=True).invoke("hi")

    assert message.content == "whole text"
    assert message.tool_calls == [{"name": "f", "args": {"x": 1}, "id": "call_1", "type": "tool_call"}]
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] == 18


def test_model_default_fps_applies_to_videos_without_one():
    gateway = Gateway()
    videos: list[str | dict[str, Any]] = [
        {"type": "video", "file_id": "file-a"},
        {"type": "video", "file_id": "file-b", "fps": 2},
    ]

    chat_model(gateway, "doubao-seed-1-6-250615", video_fps=0.5).invoke([HumanMessage(content=videos)])

    assert gateway.sent["input"][0]["content"] == [
        {"type": "input_video", "file_id": "file-a", "fps": 0.5},
        {"type": "input_video", "file_id": "file-b", "fps": 2},
    ]


def test_refusal_is_kept_apart_from_the_content():
    refusal = {"type": "message", "role": "assistant", "content": [{"type": "refusal", "refusal": "I can't help."}]}
    message = chat_model(Gateway(response_body(refusal))).invoke("hi")
    assert message.content == ""
    assert message.additional_kwargs["refusal"] == "I can't help."
