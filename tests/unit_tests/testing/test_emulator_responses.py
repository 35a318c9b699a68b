"""Default Responses API replies of the gateway emulator."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

import httpx

from langchain_toiotech.testing import GatewayEmulator
from tests._support.paths import FIXTURES

WEATHER = {
    "type": "function",
    "name": "weather",
    "description": "Get weather information for a location",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string", "description": "the city"}},
        "required": ["location"],
    },
}

TLS = httpx.create_ssl_context()  # built once; each default client would load the CA bundle again


def _events(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def _collapsed(names: list[str]) -> list[str]:
    return [name for name, _ in groupby(names)]


def test_non_stream_response(client: httpx.Client) -> None:
    body = client.post("/responses", json={"model": "gpt-5.1-codex", "input": "hi", "instructions": "Be brief"}).json()
    assert body["id"] == "resp_emu_1"
    assert body["object"] == "response"
    assert body["status"] == "completed"
    assert body["model"] == "gpt-5.1-codex"
    assert body["instructions"] == "Be brief"
    reasoning, message = body["output"]
    assert reasoning == {"id": "rs_emu_1", "type": "reasoning", "summary": []}
    assert message["type"] == "message"
    assert message["content"][0]["text"] == "Hello from the toiotech emulator. You said: hi"
    usage = body["usage"]
    assert usage["input_tokens"] == 1 + 2 + 3
    assert usage["output_tokens_details"] == {"reasoning_tokens": 3}
    assert usage["input_tokens_details"] == {"cached_tokens": 0}
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_stream_follows_openai_event_order(client: httpx.Client) -> None:
    response = client.post("/responses", json={"model": "gpt-5", "input": "Say hi", "stream": True})
    assert response.headers["content-type"] == "text/event-stream"
    assert "[DONE]" not in response.text
    events = _events(response.text)
    recorded = _events((FIXTURES / "openai_responses_stream_reasoning-item_output-text-delta.sse").read_text())
    assert _collapsed([name for name, _ in events]) == _collapsed([name for name, _ in recorded])
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    assert all(data["type"] == name for name, data in events)
    deltas = "".join(data["delta"] for name, data in events if name == "response.output_text.delta")
    assert deltas == "Hello from the toiotech emulator. You said: Say hi"
    completed = events[-1][1]["response"]
    assert completed["status"] == "completed"
    assert completed["output"][1]["content"][0]["text"] == deltas
    assert completed["usage"]["output_tokens"] > 0


def test_stream_reasoning_summary_and_function_call(client: httpx.Client) -> None:
    body = {
        "model": "gpt-5",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "What's the weather in Florence?"}]}],
        "reasoning": {"effort": "high", "summary": "auto"},
        "tools": [WEATHER],
        "tool_choice": "auto",
        "stream": True,
    }
    events = _events(client.post("/responses", json=body).text)
    names = _collapsed([name for name, _ in events])
    assert names == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    added = next(d["item"] for n, d in events if n == "response.output_item.added" and d["output_index"] == 1)
    assert added["type"] == "function_call"
    assert added["arguments"] == ""
    assert added["name"] == "weather"
    assert added["call_id"].startswith("call_emu_")
    fragments = "".join(d["delta"] for n, d in events if n == "response.function_call_arguments.delta")
    assert json.loads(fragments) == {"location": "Florence"}  # the place the user named
    summary = "".join(d["delta"] for n, d in events if n == "response.reasoning_summary_text.delta")
    assert summary == "Thinking about: What's the weather in Florence?"
    output = events[-1][1]["response"]["output"]
    assert [item["type"] for item in output] == ["reasoning", "function_call"]
    assert output[0]["summary"] == [{"type": "summary_text", "text": summary}]


def test_function_call_output_gets_text(client: httpx.Client) -> None:
    body = {
        "model": "gpt-5",
        "input": [
            {"role": "user", "content": "weather in Florence"},
            {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "40 C"},
        ],
        "tools": [WEATHER],
    }
    output = client.post("/responses", json=body).json()["output"]
    assert output[-1]["content"][0]["text"] == "Hello from the toiotech emulator. The tool said: 40 C"


def test_media_parts_and_file_ids_are_described(client: httpx.Client, gw: GatewayEmulator) -> None:
    upload = client.post("/files", files={"file": ("a.mp4", b"x" * 10)}, data={"purpose": "user_data"}).json()
    client.get(f"/files/{upload['id']}")
    client.get(f"/files/{upload['id']}")
    parts = [
        {"type": "input_text", "text": "Look"},
        {"type": "input_image", "image_url": "https://x/a.png"},
        {"type": "input_video", "file_id": upload["id"], "fps": 0.5},
    ]
    body = {"model": "doubao-seed-1-8", "input": [{"role": "user", "content": parts}], "reasoning_effort": "x"}
    text = client.post("/responses", json=body).json()["output"][-1]["content"][0]["text"]
    assert text.endswith(f"You said: Look (saw 1 image, 1 video at fps 0.5 ({upload['id']}))")


def test_inactive_ark_file_is_forbidden(client: httpx.Client) -> None:
    upload = client.post("/files", files={"file": ("a.png", b"x")}, data={"purpose": "user_data"}).json()
    for file_id in (upload["id"], "file-unknown"):
        parts = [{"type": "input_image", "file_id": file_id}]
        body = {"model": "doubao-seed-1-8", "input": [{"role": "user", "content": parts}]}
        response = client.post("/responses", json=body)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "OperationDenied.InvalidState"
        assert response.json()["error"]["type"] == "Forbidden"


def test_json_schema_text_format_and_no_reasoning() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    body = {"model": "gpt-5", "input": "hi", "text": {"format": {"type": "json_schema", "name": "x", "schema": schema}}}
    with GatewayEmulator(reasoning_style=None) as gw:
        response = httpx.post(f"{gw.base_url}/responses", json=body, headers={"Authorization": "Bearer k"}, verify=TLS)
    output = response.json()["output"]
    assert [item["type"] for item in output] == ["message"]
    assert json.loads(output[0]["content"][0]["text"]) == {"n": 3}


def test_thinking_disabled_drops_reasoning_item(client: httpx.Client) -> None:
    body = {"model": "doubao-seed-1-8", "input": "hi", "thinking": {"type": "disabled"}}
    assert [item["type"] for item in client.post("/responses", json=body).json()["output"]] == ["message"]


def test_missing_input_is_a_400(client: httpx.Client) -> None:
    assert client.post("/responses", json={"model": "gpt-4o-mini"}).status_code == 400
