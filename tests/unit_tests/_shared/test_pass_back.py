"""Reasoning pass-back on the wire: each family's rule in a three-turn tool loop, on invoke, stream and an agent.

The loop is user -> assistant (reasoning + get_date call) -> tool -> assistant (reasoning + get_weather call) ->
tool -> final answer. Turns 2 and 3 are asserted as the exact `messages` JSON the emulator logged, so the tests
hold whether the emulator is permissive or enforces the vendor contracts itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_toiotech import ChatToiotech
from langchain_toiotech._shared.pass_back import GEMINI_SKIP_SIGNATURE
from langchain_toiotech.testing import GatewayEmulator
from tests._support.replies import chat_completion

QUESTION = "Weather in Paris tomorrow?"
FIRST_THOUGHT = "I need the date first."
SECOND_THOUGHT = "Tomorrow is 2026-12-02; now the weather."
CALLS = (
    {"id": "call_1", "type": "function", "function": {"name": "get_date", "arguments": "{}"}},
    {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
)
TOOL_OUTPUTS = ("2026-12-01", "Sunny in Paris")


@tool
def get_date() -> str:
    """Get today's date."""
    return TOOL_OUTPUTS[0]


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny in {city}"


TOOLS = [get_date, get_weather]
TOOLS_JSON = [
    {
        "type": "function",
        "function": {
            "name": "get_date",
            "description": "Get today's date.",
            "parameters": {"properties": {}, "type": "object"},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather for a city.",
            "parameters": {"properties": {"city": {"type": "string"}}, "required": ["city"], "type": "object"},
        },
    },
]


def request_body(model: str, messages: list[dict[str, Any]], *, stream: bool) -> dict[str, Any]:
    """The whole JSON body of one loop request: nothing but the model, the history and the tools."""
    body: dict[str, Any] = {"model": model, "tools": TOOLS_JSON, "messages": messages}
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    return body


# What an assistant turn carries back per family, given its reasoning text (maybe empty). `content` is the wire
# content of a tool turn; pass-back adds fields to it.
PassBack = Callable[[str], dict[str, Any]]


def field_when_present(reasoning: str) -> dict[str, Any]:
    return {"reasoning_content": reasoning} if reasoning else {}


def nothing(_reasoning: str) -> dict[str, Any]:
    return {}


RULES: dict[str, PassBack] = {
    # DeepSeek thinking mode: always the field, "" when the turn did not think.
    "deepseek-reasoner": lambda reasoning: {"reasoning_content": reasoning},
    "deepseek-v4-pro": lambda reasoning: {"reasoning_content": reasoning},
    "deepseek-r1-250528": nothing,
    # Kimi K2.5+ reject "" as missing: one space instead.
    "kimi-k2.5": lambda reasoning: {"reasoning_content": reasoning or " "},
    "kimi-k2-thinking": lambda reasoning: {"reasoning_content": reasoning or " "},
    "mimo-v2-pro": lambda reasoning: {"reasoning_content": reasoning},
    "glm-4.6": field_when_present,
    "qwen3-max": field_when_present,
    "hunyuan-t1-latest": field_when_present,
    "claude-sonnet-4-5-20250929": field_when_present,
    "minimax-m2": lambda reasoning: {"content": f"<think>\n{reasoning}\n</think>\n\n"} if reasoning else {},
    "doubao-seed-1-8": nothing,
    "gpt-5": nothing,
    "grok-4": nothing,
}


def stream_events(message: dict[str, Any], finish_reason: str) -> list[dict[str, Any] | str]:
    head = {"id": "chatcmpl-pb", "object": "chat.completion.chunk", "model": "m"}
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    if message.get("reasoning_content"):
        deltas.append({"reasoning_content": message["reasoning_content"]})
    deltas.extend(
        {"tool_calls": [{"index": index, **call}]} for index, call in enumerate(message.get("tool_calls", []))
    )
    if message.get("content"):
        deltas.append({"content": message["content"]})
    events: list[dict[str, Any] | str] = [{**head, "choices": [{"index": 0, "delta": delta}]} for delta in deltas]
    events.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason}]})
    return [*events, "[DONE]"]


def replies(second_thought: str) -> list[tuple[dict[str, Any], str]]:
    first = {"content": None, "reasoning_content": FIRST_THOUGHT, "tool_calls": [CALLS[0]]}
    second: dict[str, Any] = {"content": None, "tool_calls": [CALLS[1]]}
    if second_thought:
        second["reasoning_content"] = second_thought
    final = {"content": "Sunny tomorrow in Paris.", "reasoning_content": "Both tools answered."}
    return [(first, "tool_calls"), (second, "tool_calls"), (final, "stop")]


class Recorder:
    """A recording transport for model names the emulator does not serve: scripted replies, logged bodies."""

    def __init__(self) -> None:
        self.replies: list[httpx.Response] = []
        self.bodies: list[dict[str, Any]] = []

    def enqueue_reply(self, _path: str, *, json_body: Any = None, sse_events: list[Any] | None = None) -> None:
        if sse_events is None:
            self.replies.append(httpx.Response(200, json=json_body))
            return
        text = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in sse_events)
        self.replies.append(httpx.Response(200, headers={"content-type": "text/event-stream"}, text=text))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return self.replies.pop(0)


Backend = GatewayEmulator | Recorder
NOT_SERVED = frozenset({"deepseek-v4-pro", "deepseek-r1-250528"})  # not in the gateway's catalogue


def script(backend: Backend, second_thought: str, *, stream: bool) -> None:
    for message, finish in replies(second_thought):
        if stream:
            backend.enqueue_reply("/chat/completions", sse_events=stream_events(message, finish))
        else:
            backend.enqueue_reply("/chat/completions", json_body=chat_completion(message, finish, id="chatcmpl-pb"))


def expected_turns(model: str, second_thought: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rule = RULES[model]
    user = {"role": "user", "content": QUESTION}
    first = {"role": "assistant", "content": None, "tool_calls": [CALLS[0]], **rule(FIRST_THOUGHT)}
    second = {"role": "assistant", "content": None, "tool_calls": [CALLS[1]], **rule(second_thought)}
    tools = [{"role": "tool", "tool_call_id": f"call_{n + 1}", "content": TOOL_OUTPUTS[n]} for n in range(2)]
    return [user, first, tools[0]], [user, first, tools[0], second, tools[1]]


def run_loop(model: ChatToiotech, *, stream: bool) -> list[BaseMessage]:
    bound = model.bind_tools(TOOLS)
    messages: list[BaseMessage] = [HumanMessage(QUESTION)]
    for _ in range(3):
        if stream:
            reply: Any = None
            for part in bound.stream(messages):
                reply = part if reply is None else reply + part
        else:
            reply = bound.invoke(messages)
        messages.append(reply)
        by_name = {t.name: t for t in TOOLS}
        messages.extend(
            ToolMessage(by_name[call["name"]].invoke(call["args"]), tool_call_id=call["id"])
            for call in reply.tool_calls
        )
    return messages


def bodies(backend: Backend) -> list[dict[str, Any]]:
    if isinstance(backend, Recorder):
        return backend.bodies
    return [request.body for request in backend.requests if request.path.endswith("/chat/completions")]


def sent_messages(backend: Backend) -> list[list[dict[str, Any]]]:
    return [body["messages"] for body in bodies(backend)]


def streamed(backend: Backend) -> list[bool]:
    return [bool(body.get("stream")) for body in bodies(backend)]


def chat(backend: Backend, model: str, **kwargs: Any) -> ChatToiotech:
    if isinstance(backend, Recorder):
        transport = httpx.MockTransport(backend)
        kwargs.update(
            http_client=httpx.Client(transport=transport),
            http_async_client=httpx.AsyncClient(transport=transport),
            api_key="sk-test",
        )
        return ChatToiotech(model=model, max_retries=0, **kwargs)
    return ChatToiotech(model=model, base_url=backend.base_url, api_key="sk-test", max_retries=0, **kwargs)


@pytest.mark.parametrize("second_thought", [SECOND_THOUGHT, ""], ids=["reasoning", "no-reasoning"])
@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("model", sorted(RULES))
def test_three_turn_tool_loop_sends_each_family_its_contract(
    gw: GatewayEmulator, model: str, *, stream: bool, second_thought: str
) -> None:
    backend: Backend = Recorder() if model in NOT_SERVED else gw
    script(backend, second_thought, stream=stream)
    messages = run_loop(chat(backend, model), stream=stream)
    assert messages[-1].content == "Sunny tomorrow in Paris."
    second, third = expected_turns(model, second_thought)
    assert bodies(backend) == [
        request_body(model, [{"role": "user", "content": QUESTION}], stream=stream),
        request_body(model, second, stream=stream),
        request_body(model, third, stream=stream),
    ]


# --- DeepSeek: every assistant turn carries the field --------------------------------------------------------------

PLAIN_HISTORY = [
    HumanMessage("hi"),
    AIMessage("hello", additional_kwargs={"reasoning_content": "Greet back."}),
    AIMessage("and more"),  # from another model: no reasoning
    HumanMessage("weather?"),
]


@pytest.mark.parametrize("with_tools", [True, False], ids=["tools", "no-tools"])
def test_deepseek_gets_every_turns_reasoning_with_or_without_tools(gw: GatewayEmulator, *, with_tools: bool) -> None:
    model = chat(gw, "deepseek-reasoner")
    (model.bind_tools(TOOLS) if with_tools else model).invoke(PLAIN_HISTORY)
    assistants = [m for m in sent_messages(gw)[0] if m["role"] == "assistant"]
    assert assistants == [
        {"role": "assistant", "content": "hello", "reasoning_content": "Greet back."},
        {"role": "assistant", "content": "and more", "reasoning_content": ""},
    ]


def test_deepseek_tool_loop_history_keeps_its_reasoning_in_a_request_without_tools(gw: GatewayEmulator) -> None:
    script(gw, SECOND_THOUGHT, stream=False)
    history = run_loop(chat(gw, "deepseek-reasoner"), stream=False)
    chat(gw, "deepseek-reasoner").invoke([*history, HumanMessage("Summarise without tools.")])
    assistants = [m for m in sent_messages(gw)[-1] if m["role"] == "assistant"]
    assert [m["reasoning_content"] for m in assistants] == [FIRST_THOUGHT, SECOND_THOUGHT, "Both tools answered."]


# --- explicit modes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("always", [FIRST_THOUGHT, SECOND_THOUGHT]),
        ("never", [None, None]),
    ],
)
@pytest.mark.parametrize("model", ["deepseek-reasoner", "doubao-seed-1-8", "gpt-5"])
def test_explicit_modes_override_every_family(model: str, mode: str, expected: list[Any]) -> None:
    # A recording transport: DeepSeek itself (and the strict emulator) would answer "never" with a 400.
    recorder = Recorder()
    script(recorder, SECOND_THOUGHT, stream=False)
    run_loop(chat(recorder, model, reasoning_pass_back=mode), stream=False)
    assistants = [m for m in sent_messages(recorder)[2] if m["role"] == "assistant"]
    assert [m.get("reasoning_content") for m in assistants] == expected


def test_minimax_reasoning_details_go_back_verbatim_without_a_think_block(gw: GatewayEmulator) -> None:
    details = [{"type": "reasoning.text", "id": "r1", "format": "MiniMax-response-v1", "index": 0, "text": "Hm."}]
    history = [HumanMessage("hi"), AIMessage("yo", additional_kwargs={"reasoning_details": details}), HumanMessage("?")]
    chat(gw, "minimax-m2").invoke(history)
    assert sent_messages(gw)[0][1] == {"role": "assistant", "content": "yo", "reasoning_details": details}


# --- Gemini thought signatures --------------------------------------------------------------------------------


def signature(n: int) -> dict[str, Any]:
    return {"google": {"thought_signature": f"c2lnLXt{n}"}}


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_gemini_signatures_travel_back_on_every_later_turn(gw: GatewayEmulator, *, stream: bool) -> None:
    signed = [{**call, "extra_content": signature(n)} for n, call in enumerate(CALLS)]
    turns: list[tuple[dict[str, Any], str]] = [
        ({"content": None, "tool_calls": [signed[0]]}, "tool_calls"),
        ({"content": None, "tool_calls": [signed[1]]}, "tool_calls"),
        ({"content": "Sunny tomorrow in Paris."}, "stop"),
    ]
    for message, finish in turns:
        if stream:
            gw.enqueue_reply("/chat/completions", sse_events=stream_events(message, finish))
        else:
            gw.enqueue_reply("/chat/completions", json_body=chat_completion(message, finish, id="chatcmpl-pb"))
    run_loop(chat(gw, "gemini-3-pro-preview"), stream=stream)
    third = sent_messages(gw)[2]
    assert third[1] == {"role": "assistant", "content": None, "tool_calls": [signed[0]]}
    assert third[3] == {"role": "assistant", "content": None, "tool_calls": [signed[1]]}
    assert all("reasoning_content" not in m for m in third)


def test_gemini_history_from_another_model_gets_the_documented_placeholder(gw: GatewayEmulator) -> None:
    script(gw, SECOND_THOUGHT, stream=False)
    history = run_loop(chat(gw, "deepseek-reasoner"), stream=False)
    chat(gw, "gemini-2.5-flash").invoke(history[:-1])
    sent = sent_messages(gw)[-1]
    skip = {"google": {"thought_signature": GEMINI_SKIP_SIGNATURE}}
    assert [m["tool_calls"][0]["extra_content"] for m in sent if m.get("tool_calls")] == [skip, skip]


# --- through create_agent ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("model", sorted(RULES))
async def test_create_agent_tool_loop_sends_the_contract(gw: GatewayEmulator, model: str, *, stream: bool) -> None:
    agents = pytest.importorskip("langchain.agents")
    backend: Backend = Recorder() if model in NOT_SERVED else gw
    script(backend, "", stream=stream)
    agent = agents.create_agent(chat(backend, model, streaming=stream), tools=TOOLS)
    result = await agent.ainvoke({"messages": [HumanMessage(QUESTION)]})
    assert result["messages"][-1].content == "Sunny tomorrow in Paris."
    assert streamed(backend) == [stream] * 3
    second, third = expected_turns(model, "")
    for turn in (second, third):  # the agent's ToolNode names its tool messages
        for message, name in zip([m for m in turn if m["role"] == "tool"], ["get_date", "get_weather"], strict=False):
            message["name"] = name
    assert bodies(backend)[1:] == [request_body(model, turn, stream=stream) for turn in (second, third)]


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("model", ["deepseek-reasoner", "kimi-k2.5", "minimax-m2"])
def test_v1_output_histories_pass_back_the_same(gw: GatewayEmulator, model: str, *, stream: bool) -> None:
    script(gw, SECOND_THOUGHT, stream=stream)
    run_loop(chat(gw, model, output_version="v1"), stream=stream)  # reasoning lives in content blocks too
    sent = sent_messages(gw)
    assert (sent[1], sent[2]) == expected_turns(model, SECOND_THOUGHT)
