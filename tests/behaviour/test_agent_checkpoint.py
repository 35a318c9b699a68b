"""A checkpointed create_agent tool loop, interrupted and resumed in a fresh process, keeps what vendors require.

The two processes are the cookbook recipe's own phases (cookbook/agent_checkpoint.py) run against an emulator this
test starts and scripts; the resumed request is compared as exact JSON from the emulator's request log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolCall

from langchain_toiotech.testing import GatewayEmulator
from tests._support.paths import COOKBOOK

pytest.importorskip("langgraph.checkpoint.sqlite")
pytest.importorskip("langchain.agents")

RECIPE = COOKBOOK / "agent_checkpoint.py"
QUESTION = "Use get_weather for Florence, then answer in one sentence."
CALL = {"id": "call_w1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Florence"}'}}
SIGNATURE = {"google": {"thought_signature": "Q2hlY2twb2ludGVkIHNpZ25hdHVyZQ=="}}
THOUGHT = "The user wants Florence's weather: call get_weather."
CRASH_EXIT_CODE = 75
RECIPE_TOOL = "Get the current weather for a city."


def tool_turn(model: str, reasoning: str) -> dict[str, Any]:
    call = {**CALL, "extra_content": SIGNATURE} if model.startswith("gemini") else CALL
    message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [call]}
    if reasoning:
        message["reasoning_content"] = reasoning
    return message


def completion(message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    choice = {"index": 0, "message": message, "finish_reason": finish_reason}
    usage = {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}
    return {"id": "chatcmpl-ck", "object": "chat.completion", "model": "m", "choices": [choice], "usage": usage}


def chunks(message: dict[str, Any], finish_reason: str) -> list[dict[str, Any] | str]:
    head = {"id": "chatcmpl-ck", "object": "chat.completion.chunk", "model": "m"}
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    if message.get("reasoning_content"):
        deltas.append({"reasoning_content": message["reasoning_content"]})
    deltas += [{"tool_calls": [{"index": n, **call}]} for n, call in enumerate(message.get("tool_calls", []))]
    if message.get("content"):
        deltas.append({"content": message["content"]})
    events: list[dict[str, Any] | str] = [{**head, "choices": [{"index": 0, "delta": d}]} for d in deltas]
    return [*events, {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason}]}, "[DONE]"]


def script(gw: GatewayEmulator, model: str, reasoning: str, *, stream: bool) -> None:
    final = {"role": "assistant", "content": "Sunny and 21 degrees in Florence."}
    for message, finish in [(tool_turn(model, reasoning), "tool_calls"), (final, "stop")]:
        if stream:
            gw.enqueue_reply("/chat/completions", sse_events=chunks(message, finish))
        else:
            gw.enqueue_reply("/chat/completions", json_body=completion(message, finish))


def run_phase(phase: str, db: Path, gw: GatewayEmulator, model: str, *, stream: bool, crash: bool, aio: bool) -> str:
    command = [sys.executable, str(RECIPE), "--phase", phase, "--db", str(db), "--model", model]
    command += ["--base-url", gw.base_url, *(["--stream"] if stream else []), *(["--crash-in-tool"] if crash else [])]
    command += ["--async"] if aio else []
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TOIOTECH_", "AGENT_CHECKPOINT"))}
    env["TOIOTECH_API_KEY"] = "sk-checkpoint"
    if crash and phase == "start":
        env["AGENT_CHECKPOINT_CRASH"] = "1"
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)  # noqa: S603
    expected = CRASH_EXIT_CODE if crash and phase == "start" else 0
    assert result.returncode == expected, result.stderr[-3000:]
    return result.stdout


CASES = [  # model, reasoning of the tool turn, stream, crash inside the tool, async saver
    ("deepseek-reasoner", THOUGHT, False, False, False),
    ("deepseek-reasoner", THOUGHT, True, True, False),
    ("deepseek-reasoner", THOUGHT, True, False, True),
    ("kimi-k2.5", "", False, True, False),  # a tool turn that did not think: Kimi still needs the field
    ("gemini-3-pro-preview", "", False, False, False),
    ("gemini-3-pro-preview", "", True, True, False),
    ("gemini-3-pro-preview", "", False, True, True),
]


@pytest.mark.parametrize(("model", "reasoning", "stream", "crash", "aio"), CASES)
def test_resumed_agent_still_sends_reasoning_and_signatures(
    gw: GatewayEmulator, tmp_path: Path, model: str, reasoning: str, *, stream: bool, crash: bool, aio: bool
) -> None:
    script(gw, model, reasoning, stream=stream)
    db = tmp_path / "agent.sqlite"
    first = run_phase("start", db, gw, model, stream=stream, crash=crash, aio=aio)
    assert db.stat().st_size > 0
    if not crash:
        assert "paused before ['tools']" in first
    second = run_phase("resume", db, gw, model, stream=stream, crash=crash, aio=aio)
    assert "final answer: Sunny and 21 degrees in Florence." in second
    sent = [request.body for request in gw.requests if request.path.endswith("/chat/completions")]
    assert len(sent) == 2
    echoed = tool_turn(model, reasoning)
    if model == "deepseek-reasoner":
        echoed["reasoning_content"] = reasoning or ""
    elif model.startswith("kimi"):
        echoed["reasoning_content"] = reasoning or " "
    tool_result = {
        "role": "tool",
        "tool_call_id": "call_w1",
        "content": "It is 21 degrees and sunny in Florence.",
        "name": "get_weather",
    }
    weather = {"properties": {"city": {"type": "string"}}, "required": ["city"], "type": "object"}
    tools = [
        {"type": "function", "function": {"name": "get_weather", "description": RECIPE_TOOL, "parameters": weather}}
    ]
    expected: dict[str, Any] = {
        "model": model,
        "tools": tools,
        "messages": [{"role": "user", "content": QUESTION}, echoed, tool_result],
    }
    if stream:
        expected.update(stream=True, stream_options={"include_usage": True})
    assert sent[1] == expected


def test_checkpointer_serializer_keeps_reasoning_and_signatures(tmp_path: Path) -> None:
    sqlite = pytest.importorskip("langgraph.checkpoint.sqlite")
    from langgraph.checkpoint.base import empty_checkpoint  # noqa: PLC0415 - optional dependency

    extras = {"tool_call_extra_content": {"call_w1": SIGNATURE}}
    details = [{"type": "reasoning.text", "text": "t", "signature": "abc", "format": "anthropic-claude-v1", "index": 0}]
    call = ToolCall(name="get_weather", args={"city": "Florence"}, id="call_w1", type="tool_call")
    kept = [
        HumanMessage(QUESTION),
        AIMessage("", additional_kwargs={"reasoning_content": THOUGHT, **extras}, tool_calls=[call]),
        AIMessage("yo", additional_kwargs={"reasoning_details": details}),
        AIMessageChunk(content="", additional_kwargs={"reasoning_content": THOUGHT}, tool_calls=[call]),
    ]
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"messages": kept}
    config = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}
    with sqlite.SqliteSaver.from_conn_string(str(tmp_path / "c.sqlite")) as saver:
        saver.put(config, checkpoint, {}, {})
    with sqlite.SqliteSaver.from_conn_string(str(tmp_path / "c.sqlite")) as saver:
        loaded = saver.get_tuple(config)
    assert loaded is not None
    restored = loaded.checkpoint["channel_values"]["messages"]
    assert [type(m) for m in restored] == [type(m) for m in kept]
    for before, after in zip(kept, restored, strict=True):
        assert json.dumps(after.additional_kwargs, sort_keys=True) == json.dumps(
            before.additional_kwargs, sort_keys=True
        )
        assert getattr(after, "tool_calls", None) == getattr(before, "tool_calls", None)
