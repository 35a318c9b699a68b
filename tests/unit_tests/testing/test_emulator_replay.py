"""Replaying recorded payloads and scripted replies through the gateway emulator."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from langchain_toiotech.testing import Fault, GatewayEmulator
from tests._support.paths import FIXTURES

PAYLOADS = sorted(path for path in FIXTURES.iterdir() if not path.name.endswith(".src.txt"))
CHAT = "/chat/completions"
BODY = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi"}]}

TLS = httpx.create_ssl_context()  # built once; each default client would load the CA bundle again


@pytest.mark.parametrize("fixture", PAYLOADS, ids=[path.name for path in PAYLOADS])
def test_replay_reproduces_the_recording(client: httpx.Client, gw: GatewayEmulator, fixture: Path) -> None:
    gw.replay(CHAT, fixture)
    response = client.post(CHAT, json=BODY)
    recorded = fixture.read_bytes()
    name = fixture.name
    if name.endswith(".sse"):
        assert response.headers["content-type"] == "text/event-stream"
        assert response.content == recorded
    elif name.endswith(".chunks.jsonl"):
        lines = [line for line in recorded.decode().splitlines() if line.strip()]
        assert response.text == "".join(f"data: {line}\n\n" for line in lines) + "data: [DONE]\n\n"
    elif name.endswith(".json"):
        assert response.status_code == 200
        assert response.content == recorded
    else:
        head, body = recorded.split(b"\n\n", 1)
        assert response.status_code == int(head.split()[1])
        assert response.headers["content-type"] == "application/json"
        assert response.content == body
    assert _chat_default_follows(client)


def _chat_default_follows(client: httpx.Client) -> bool:
    response = client.post(CHAT, json={**BODY, "stream": False})
    return bool(response.json()["object"] == "chat.completion")


def test_replay_with_v1_prefix_and_stream_fault(client: httpx.Client, gw: GatewayEmulator) -> None:
    fixture = FIXTURES / "openai_chat-completions_stream_tool-calls_include-usage.sse"
    gw.replay("/v1/chat/completions", fixture)
    gw.enqueue_fault(Fault(truncate_after_events=2), path=CHAT)
    text = client.post(CHAT, json=BODY).text
    expected = fixture.read_text().split("\n\n")[:2]
    assert text == "\n\n".join(expected) + "\n\n"


def test_scripted_sse_items(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_reply(
        CHAT,
        sse_events=[
            {"choices": [{"index": 0, "delta": {"content": "é"}}]},
            ": keep-alive",
            "event: x\ndata: 1",
            "[DONE]",
        ],
        headers={"X-Test": "yes"},
    )
    response = client.post(CHAT, json=BODY)
    assert response.headers["x-test"] == "yes"
    assert response.text == (
        'data: {"choices":[{"index":0,"delta":{"content":"é"}}]}\n\n'
        ": keep-alive\n\nevent: x\ndata: 1\n\ndata: [DONE]\n\n"
    )


def test_scripted_raw_event_stream_is_split_for_faults(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_reply(CHAT, raw="data: 1\n\ndata: 2\n\ndata: [DONE]\n\n", content_type="text/event-stream")
    gw.enqueue_fault(Fault(ping_every=1), path=CHAT)
    assert client.post(CHAT, json=BODY).text == "data: 1\n\n: PING\n\ndata: 2\n\n: PING\n\ndata: [DONE]\n\n"


def test_scripted_json_and_raw_replies(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_reply(CHAT, status=418, json_body={"error": {"message": "teapot"}}, times=2)
    gw.enqueue_reply(CHAT, raw=b"\x00\x01", content_type="application/octet-stream")
    first, second = client.post(CHAT, json=BODY), client.post(CHAT, json=BODY)
    assert (first.status_code, json.loads(first.content)) == (418, {"error": {"message": "teapot"}})
    assert second.status_code == 418
    third = client.post(CHAT, json=BODY)
    assert (third.content, third.headers["content-type"]) == (b"\x00\x01", "application/octet-stream")


def test_replay_rejects_unknown_formats(gw: GatewayEmulator, tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("hello")
    with pytest.raises(ValueError, match="unknown fixture format"):
        gw.replay(CHAT, path)
