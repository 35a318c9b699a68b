"""Reasoning controls per family, reasoning pass-back, Gemini thought signatures, and tool loops."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from langchain_toiotech import ChatToiotech
from langchain_toiotech._shared.pass_back import GEMINI_SKIP_SIGNATURE, TOOL_CALL_EXTRAS_KEY
from tests._support.replies import chat_completion

Handler = Callable[[httpx.Request], httpx.Response]


class Gateway:
    """A MockTransport gateway that answers from a script and records request bodies."""

    def __init__(self, replies: list[dict[str, Any] | str]) -> None:
        self.replies = list(replies)
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        reply = self.replies.pop(0)
        if isinstance(reply, str):
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=reply.encode())
        return httpx.Response(200, json=reply)

    def model(self, **kwargs: Any) -> ChatToiotech:
        return ChatToiotech(http_client=httpx.Client(transport=httpx.MockTransport(self)), **kwargs)

    def async_model(self, **kwargs: Any) -> ChatToiotech:
        return ChatToiotech(http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(self)), **kwargs)


def sse(*chunks: dict[str, Any]) -> str:
    events = [f"data: {json.dumps({'id': 'c', 'model': 'm', **chunk})}\n\n" for chunk in chunks]
    return "".join(events) + "data: [DONE]\n\n"


def tool_call(call_id: str, name: str, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}, **extra}


# --- the unified knob ------------------------------------------------------------------------------------

KNOB_TABLE = [
    ("o3", {"effort": "high"}, {"reasoning_effort": "high"}),
    ("gpt-5.1", {"enabled": False}, {"reasoning_effort": "none"}),
    (
        "doubao-seed-1-8",
        {"effort": "medium", "enabled": True},
        {"thinking": {"type": "enabled"}, "reasoning_effort": "medium"},
    ),
    ("doubao-seed-1-6-250615", {"enabled": False}, {"thinking": {"type": "disabled"}}),
    ("claude-sonnet-4-5", {"budget_tokens": 2048}, {"thinking": {"type": "enabled", "budget_tokens": 2048}}),
    ("claude-opus-4-6", {"effort": "high"}, {"thinking": {"type": "enabled", "budget_tokens": 16384}}),
    ("claude-sonnet-4-5", {"enabled": False}, {"thinking": {"type": "disabled"}}),
    (
        "gemini-2.5-flash",
        {"enabled": True, "budget_tokens": 1024},
        {"extra_body": {"google": {"thinking_config": {"thinking_budget": 1024, "include_thoughts": True}}}},
    ),
    ("gemini-2.5-flash", {"effort": "low"}, {"reasoning_effort": "low"}),
    (
        "gemini-2.5-flash-lite",
        {"enabled": False},
        {"extra_body": {"google": {"thinking_config": {"thinking_budget": 0}}}},
    ),
    ("qwen3-8b", {"enabled": False}, {"enable_thinking": False}),
    ("qwen3-max-preview", {"budget_tokens": 500}, {"enable_thinking": True, "thinking_budget": 500}),
    ("glm-4.5v", {"enabled": True}, {"thinking": {"type": "enabled"}}),
    ("kimi-k2-thinking", {"enabled": False}, {"thinking": {"type": "disabled"}}),
    ("mimo-v2-pro", {"enabled": True}, {"thinking": {"type": "enabled"}}),
    ("minimax-m2.5", {"enabled": True}, {"thinking": {"type": "adaptive"}}),
    (
        "deepseek-chat",
        {"enabled": True, "effort": "high"},
        {"thinking": {"type": "enabled"}, "reasoning_effort": "high"},
    ),
    ("grok-3-mini", {"effort": "low"}, {"reasoning_effort": "low"}),
    ("some-new-model", {"budget_tokens": 300}, {"thinking": {"type": "enabled", "budget_tokens": 300}}),
]


@pytest.mark.parametrize(("model_name", "knob", "expected"), KNOB_TABLE)
def test_knob_translates_to_family_fields(model_name: str, knob: dict[str, Any], expected: dict[str, Any]) -> None:
    gateway = Gateway([chat_completion({"content": "ok"})])
    gateway.model(model=model_name, reasoning=knob).invoke("hi")
    body = gateway.bodies[0]
    for key, value in expected.items():
        assert body[key] == value
    for key in {"thinking", "reasoning_effort", "enable_thinking", "thinking_budget", "extra_body"} - set(expected):
        assert key not in body


KNOB_ERRORS = [
    ("o3", {"budget_tokens": 100}, "budget"),
    ("o3", {"enabled": False}, "always reasons"),
    ("gpt-4o-mini", {"effort": "high"}, "does not reason"),
    ("doubao-seed-1-8", {"budget_tokens": 100}, "budget_tokens"),
    ("gemini-2.5-flash", {"effort": "low", "budget_tokens": 100}, "not both"),
    ("gemini-2.5-pro", {"enabled": False}, "cannot switch thinking off"),
    ("qwen3-8b", {"effort": "high"}, "effort"),
    ("glm-4.5v", {"budget_tokens": 100}, "only switches thinking"),
    ("deepseek-reasoner", {"effort": "low"}, "'high' only"),
    ("grok-4", {"enabled": True}, "effort only"),
    ("any-model", {"effort": "extreme"}, "is not one of"),
    ("any-model", {"budget": 10}, "Unknown reasoning keys"),
    ("any-model", {"enabled": False, "effort": "low"}, "cannot be combined"),
]


@pytest.mark.parametrize(("model_name", "knob", "message"), KNOB_ERRORS)
def test_knob_a_family_cannot_express_fails_at_construction(
    model_name: str, knob: dict[str, Any], message: str
) -> None:
    gateway = Gateway([])
    with pytest.raises(ValueError, match=message):
        gateway.model(model=model_name, reasoning=knob)
    assert gateway.bodies == []


def test_knob_at_call_time_is_checked_before_any_request() -> None:
    gateway = Gateway([chat_completion({"content": "ok"})])
    model = gateway.model(model="claude-sonnet-4-5")
    with pytest.raises(ValueError, match="Unknown reasoning keys"):
        model.invoke("hi", reasoning={"level": 3})
    assert gateway.bodies == []
    model.invoke("hi", reasoning={"budget_tokens": 1500})
    assert gateway.bodies[0]["thinking"] == {"type": "enabled", "budget_tokens": 1500}


def test_raw_vendor_fields_win_over_the_knob() -> None:
    gateway = Gateway([chat_completion({"content": "ok"})])
    model = gateway.model(
        model="doubao-seed-1-8",
        reasoning={"effort": "low", "enabled": True},
        reasoning_effort="high",
        extra_body={"thinking": {"type": "auto"}},
    )
    model.invoke("hi")
    assert gateway.bodies[0]["reasoning_effort"] == "high"
    assert gateway.bodies[0]["thinking"] == {"type": "auto"}


@pytest.mark.parametrize(
    ("extra_body", "expected_key"),
    [
        ({"enable_thinking": True, "thinking_budget": 50}, "thinking_budget"),
        (
            {"extra_body": {"google": {"thinking_config": {"thinking_level": "low", "include_thoughts": True}}}},
            "extra_body",
        ),
        ({"thinking": {"type": "enabled", "budget_tokens": 2000}}, "thinking"),
    ],
)
def test_raw_controls_pass_through_unchanged(extra_body: dict[str, Any], expected_key: str) -> None:
    gateway = Gateway([chat_completion({"content": "ok"})])
    gateway.model(model="any", extra_body=extra_body).invoke("hi")
    assert gateway.bodies[0][expected_key] == extra_body[expected_key]


# --- pass-back --------------------------------------------------------------------------------------------


def tool_turn_history(reasoning_in: str = "kwargs") -> list[BaseMessage]:
    call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
    if reasoning_in == "kwargs":
        earlier = AIMessage("", additional_kwargs={"reasoning_content": "Need the weather."}, tool_calls=[call])
    elif reasoning_in == "anthropic":
        content = [{"type": "thinking", "thinking": "Need the weather.", "signature": "sig"}]
        earlier = AIMessage(content=content, tool_calls=[call])  # type: ignore[arg-type]
    else:
        earlier = AIMessage(content=[{"type": "reasoning", "reasoning": "Need the weather."}], tool_calls=[call])
    return [HumanMessage("Weather in Paris?"), earlier, ToolMessage("Sunny", tool_call_id="call_1")]


@pytest.mark.parametrize("source", ["anthropic", "v1"])
def test_reasoning_from_other_chat_models_content_blocks_is_passed_back(source: str) -> None:
    gateway = Gateway([chat_completion({"content": "ok"})])
    gateway.model(model="kimi-k2-thinking").invoke(tool_turn_history(source))
    assistant = gateway.bodies[0]["messages"][1]
    assert assistant["reasoning_content"] == "Need the weather."
    assert assistant["content"] is None  # thinking blocks are not answer text


def test_reasoning_details_travel_back_verbatim_unless_never() -> None:
    details = [{"type": "reasoning.text", "text": "t", "signature": "abc", "format": "anthropic-claude-v1", "index": 0}]
    history = [HumanMessage("hi"), AIMessage("yo", additional_kwargs={"reasoning_details": details}), HumanMessage("?")]
    kept, dropped = Gateway([chat_completion({"content": "ok"})]), Gateway([chat_completion({"content": "ok"})])
    kept.model(model="claude-sonnet-4-5").invoke(history)
    dropped.model(model="claude-sonnet-4-5", reasoning_pass_back="never").invoke(history)
    assert kept.bodies[0]["messages"][1]["reasoning_details"] == details
    assert "reasoning_details" not in dropped.bodies[0]["messages"][1]


# --- Gemini thought signatures ----------------------------------------------------------------------------

SIGNATURE = {"google": {"thought_signature": "c2lnbmF0dXJlLWJ5dGVz"}}


def gemini_tool_reply(stream: bool) -> dict[str, Any] | str:
    call = tool_call("call_g1", "get_weather", {"city": "Rome"}, extra_content=SIGNATURE)
    if not stream:
        return chat_completion({"content": None, "tool_calls": [call]}, finish_reason="tool_calls")
    return sse(
        {"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [{"index": 0, **call}]}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    )


@pytest.mark.parametrize("stream", [False, True])
def test_gemini_thought_signature_is_kept_and_echoed(stream: bool) -> None:
    gateway = Gateway([gemini_tool_reply(stream), chat_completion({"content": "Sunny in Rome."})])
    model = gateway.model(model="gemini-3-pro-preview")
    question = HumanMessage("Weather in Rome?")
    if stream:
        parts = list(model.stream([question]))
        first: Any = parts[0]
        for part in parts[1:]:
            first = first + part
    else:
        first = model.invoke([question])
    assert first.tool_calls[0]["args"] == {"city": "Rome"}
    assert first.additional_kwargs[TOOL_CALL_EXTRAS_KEY] == {"call_g1": SIGNATURE}
    model.invoke([question, first, ToolMessage("Sunny", tool_call_id="call_g1")])
    echoed_call = gateway.bodies[1]["messages"][1]["tool_calls"][0]
    assert echoed_call["extra_content"] == SIGNATURE


def test_gemini_history_without_signatures_gets_the_documented_placeholder_on_the_first_call() -> None:
    gateway = Gateway([chat_completion({"content": "ok"})])
    two_calls = [
        {"name": "a", "args": {}, "id": "call_a", "type": "tool_call"},
        {"name": "b", "args": {}, "id": "call_b", "type": "tool_call"},
    ]
    history = [
        HumanMessage("go"),
        AIMessage("", tool_calls=two_calls),
        ToolMessage("1", tool_call_id="call_a"),
        ToolMessage("2", tool_call_id="call_b"),
    ]
    gateway.model(model="gemini-2.5-flash").invoke(history)
    calls = gateway.bodies[0]["messages"][1]["tool_calls"]
    assert calls[0]["extra_content"] == {"google": {"thought_signature": GEMINI_SKIP_SIGNATURE}}
    assert "extra_content" not in calls[1]


def test_non_gemini_families_get_no_placeholder() -> None:
    gateway = Gateway([chat_completion({"content": "ok"})])
    gateway.model(model="gpt-4o-mini").invoke(tool_turn_history())
    assert "extra_content" not in gateway.bodies[0]["messages"][1]["tool_calls"][0]


def test_summary_is_a_responses_setting() -> None:
    gateway = Gateway([chat_completion({"content": "ok"})])
    # Accepted at construction: the route is decided per call.
    model = gateway.model(model="gpt-5.2", reasoning={"effort": "low", "summary": "auto"})
    with pytest.raises(ValueError, match="Responses API setting"):
        model.invoke("hi")  # the chat route cannot express it
    assert gateway.bodies == []
    with pytest.raises(ValueError, match="summary 'verbose' is not one of"):
        gateway.model(model="gpt-5.2", reasoning={"summary": "verbose"})


def test_summary_reaches_the_responses_route_from_the_constructor() -> None:
    reply = {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-5.1-codex",
        "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}],
        "usage": {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4},
    }
    gateway = Gateway([reply])
    gateway.model(model="gpt-5.1-codex", reasoning={"effort": "low", "summary": "auto"}).invoke("hi")
    assert gateway.bodies[0]["reasoning"] == {"effort": "low", "summary": "auto"}
