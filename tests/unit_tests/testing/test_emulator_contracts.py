"""Vendor history contracts in the strict emulator: a wrong history gets the vendor's 400, ChatToiotech's passes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_toiotech import ChatToiotech
from langchain_toiotech.errors import BadRequestError
from langchain_toiotech.testing import GatewayEmulator

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}


def _history(assistant: dict[str, Any], *, tool_result: bool = True) -> list[dict[str, Any]]:
    turn = {"role": "assistant", "content": "", "tool_calls": [CALL], **assistant}
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Paris?"}, turn]
    if tool_result:
        messages.append({"role": "tool", "tool_call_id": "call_1", "content": "sunny"})
    return messages


def _send(client: httpx.Client, model: str, messages: list[dict[str, Any]], **extra: Any) -> httpx.Response:
    return client.post("/chat/completions", json={"model": model, "messages": messages, "tools": [TOOL], **extra})


def _error_message(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    message: str = response.json()["error"]["message"]
    return message


# -- the vendor's 400 on a wrong history, 200 on a right one --------------------------------------------------------


def test_deepseek_thinking_tool_turn_without_reasoning_content(client: httpx.Client) -> None:
    message = _error_message(_send(client, "deepseek-reasoner", _history({})))
    assert message.startswith(
        "Missing `reasoning_content` field in the assistant message at message index 2. For more information, "
        "please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls"
    )
    assert _send(client, "deepseek-reasoner", _history({"reasoning_content": ""})).status_code == 200
    assert _send(client, "deepseek-chat", _history({})).status_code == 200  # not in thinking mode
    enabled = _send(client, "deepseek-chat", _history({}), thinking={"type": "enabled"})
    assert enabled.status_code == 400


def test_deepseek_with_tools_wants_it_on_every_assistant_turn(client: httpx.Client) -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    messages.append({"role": "user", "content": "Weather?"})
    assert "message index 1" in _error_message(_send(client, "deepseek-reasoner", messages))
    no_tools = {"model": "deepseek-reasoner", "messages": messages}
    assert client.post("/chat/completions", json=no_tools).status_code == 200


@pytest.mark.parametrize(("reasoning", "ok"), [(None, False), ("", False), (" ", True), ("I will look.", True)])
def test_kimi_k2_5_thinking_tool_turn_needs_its_reasoning(
    client: httpx.Client, reasoning: str | None, *, ok: bool
) -> None:
    assistant = {} if reasoning is None else {"reasoning_content": reasoning}
    response = _send(client, "kimi-k2.5", _history(assistant))
    if ok:
        assert response.status_code == 200
        return
    assert _error_message(response).startswith(
        "thinking is enabled but reasoning_content is missing in assistant tool call message at index 2"
    )
    assert set(response.json()["error"]) == {"message", "type"}  # Moonshot's shape: no code, no param


def test_kimi_k2_thinking_accepts_an_empty_string_and_k2_5_without_thinking_needs_nothing(client: httpx.Client) -> None:
    assert _send(client, "kimi-k2-thinking", _history({"reasoning_content": ""})).status_code == 200
    assert _send(client, "kimi-k2.5", _history({}), thinking={"type": "disabled"}).status_code == 200


def test_mimo_thinking_tool_turn_without_reasoning_content(client: httpx.Client) -> None:
    response = _send(client, "mimo-v2-pro", _history({}))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "400"
    assert error["message"].startswith("Param Incorrect")
    assert error["param"] == "The reasoning_content in the thinking mode must be passed back to the API."
    assert _send(client, "mimo-v2-pro", _history({"reasoning_content": ""})).status_code == 200


def test_gemini_3_tool_follow_up_without_the_thought_signature(client: httpx.Client) -> None:
    message = _error_message(_send(client, "gemini-3-pro-preview", _history({})))
    assert message.startswith(
        "Function call is missing a thought_signature in functionCall parts. This is required for tools to work "
        "correctly, and missing thought_signature may lead to degraded model performance. Additional data, "
        "function call `default_api:get_weather` , position 2. Please refer to "
        "https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
    )
    for signature in ("opaque-signature", "skip_thought_signature_validator"):
        signed = {**CALL, "extra_content": {"google": {"thought_signature": signature}}}
        history = _history({"tool_calls": [signed]})
        assert _send(client, "gemini-3-pro-preview", history).status_code == 200
    assert _send(client, "gemini-2.5-flash", _history({})).status_code == 200  # validation is strict from Gemini 3


def test_gemini_3_checks_only_the_current_turn(client: httpx.Client) -> None:
    earlier = [*_history({}), {"role": "assistant", "content": "It is sunny."}, {"role": "user", "content": "Thanks"}]
    assert _send(client, "gemini-3-pro-preview", earlier).status_code == 200


def test_claude_thinking_with_tools_needs_the_thinking_block(client: httpx.Client) -> None:
    thinking = {"thinking": {"type": "enabled", "budget_tokens": 2048}}
    model = "claude-sonnet-4-5-20250929"
    message = _error_message(_send(client, model, _history({}), **thinking))
    assert message.startswith(
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When "
        "`thinking` is enabled, a final `assistant` message must start with a thinking block"
    )
    with_text = _error_message(_send(client, model, _history({"content": "Let me check."}), **thinking))
    assert "but found `text`" in with_text
    assert _send(client, model, _history({"reasoning_content": "I need the weather."}), **thinking).status_code == 200
    assert _send(client, model, _history({})).status_code == 200  # thinking off: no requirement


# -- ChatToiotech's own histories are accepted ----------------------------------------------------------------------


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"sunny in {city}"


LOOP_MODELS = [
    ("deepseek-reasoner", {}),
    ("kimi-k2-thinking", {}),
    ("kimi-k2.5", {}),
    ("mimo-v2-pro", {}),
    ("gemini-3-pro-preview", {}),
    ("claude-sonnet-4-5-20250929", {"reasoning": {"budget_tokens": 2048}}),
    ("minimax-m2", {}),
]


def _turn(model: Any, messages: list[BaseMessage], *, stream: bool) -> AIMessage:
    if not stream:
        answer = model.invoke(messages)
        assert isinstance(answer, AIMessage)
        return answer
    full = None
    for chunk in model.stream(messages):
        full = chunk if full is None else full + chunk
    assert isinstance(full, AIMessage)
    return full


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize(("name", "options"), LOOP_MODELS, ids=[name for name, _ in LOOP_MODELS])
def test_chat_toiotech_tool_loops_satisfy_every_contract(
    gw: GatewayEmulator, name: str, options: dict[str, Any], *, stream: bool
) -> None:
    model = ChatToiotech(model=name, base_url=gw.base_url, api_key="sk-test", **options).bind_tools([get_weather])
    messages: list[BaseMessage] = [HumanMessage("What is the weather in Paris? Use get_weather.")]
    for _ in range(2):  # two tool rounds, then the answer: the second request replays two tool turns
        call_turn = _turn(model, messages, stream=stream)
        (call,) = call_turn.tool_calls
        messages += [call_turn, ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])]
        messages.append(HumanMessage("And once more, use get_weather."))
    final = _turn(model, messages[:-1], stream=stream)
    assert final.text.startswith("Hello from the toiotech emulator. The tool said: sunny in")
    assert all(record.path == "/v1/chat/completions" for record in gw.requests)


def test_a_client_that_drops_kimi_reasoning_gets_moonshots_400(gw: GatewayEmulator) -> None:
    model = ChatToiotech(model="kimi-k2.5", base_url=gw.base_url, api_key="sk-test", reasoning_pass_back="never")
    bound = model.bind_tools([get_weather])
    messages: list[BaseMessage] = [HumanMessage("Weather in Paris? Use get_weather.")]
    call_turn = bound.invoke(messages)
    messages += [call_turn, ToolMessage("sunny", tool_call_id=call_turn.tool_calls[0]["id"])]
    with pytest.raises(BadRequestError, match="reasoning_content is missing in assistant tool call message"):
        bound.invoke(messages)


@pytest.mark.parametrize(
    ("model", "start"),
    [
        ("gpt-4o-mini", "'messages' must contain the word 'json' in some form, to use 'response_format' of type"),
        ("deepseek-chat", "Prompt must contain the word 'json' in some form to use 'response_format' of type"),
        ("qwen3-max", "'messages' must contain the word 'json' in some form"),
    ],
)
def test_json_mode_needs_the_word_json_in_the_messages(client: httpx.Client, model: str, start: str) -> None:
    fmt = {"type": "json_object"}
    assert _error_message(
        _send(client, model, [{"role": "user", "content": "Give me facts."}], response_format=fmt)
    ).startswith(start)
    asked = [{"role": "user", "content": "Give me facts as JSON."}]
    assert _send(client, model, asked, response_format=fmt).status_code == 200
    body = {"model": "gpt-5", "input": "Give me facts.", "text": {"format": fmt}, "instructions": "Answer in JSON."}
    refused = client.post("/responses", json=body)
    assert refused.json()["error"]["param"] == "text.format"  # the word must be in the input, not the instructions
    assert (
        _send(client, "glm-4.6", [{"role": "user", "content": "Give me facts."}], response_format=fmt).status_code
        == 200
    )


def test_chat_toiotech_json_mode_with_a_prompt_that_says_json_is_accepted(gw: GatewayEmulator) -> None:
    model = ChatToiotech(model="gpt-4o-mini", base_url=gw.base_url, api_key="sk-test", max_retries=0)
    structured = model.with_structured_output(method="json_mode")
    assert set(structured.invoke("Return JSON with 'city' and 'country' keys.")) == {"city", "country"}
    with pytest.raises(BadRequestError, match="must contain the word 'json'"):
        structured.invoke("Tell me about Paris.")
