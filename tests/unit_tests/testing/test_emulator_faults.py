"""Fault injection of the gateway emulator: statuses, delays, drops and broken streams."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import httpx
import pytest

from langchain_toiotech.testing import Fault, GatewayEmulator
from tests._support.paths import FIXTURES

CHAT = "/chat/completions"
STREAM_BODY = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi there friend"}]}

TLS = httpx.create_ssl_context()  # built once; each default client would load the CA bundle again


def _data(text: str) -> list[str]:
    return [line[6:] for line in text.splitlines() if line.startswith("data: ")]


def _chat(client: httpx.Client, body: dict[str, Any] | None = None) -> httpx.Response:
    return client.post(CHAT, json=body or {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})


def test_status_fault_with_retry_after(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(status=429, retry_after="1"), path=CHAT)
    response = _chat(client)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    error = response.json()["error"]
    assert error["code"] == "rate_limit_exceeded"
    assert error["message"].endswith(f"(request id: {response.headers['x-oneapi-request-id']})")
    assert _chat(client).status_code == 200


def test_status_fault_applies_to_stream_requests_as_plain_json(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(status=503))
    response = _chat(client, STREAM_BODY)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_html_error_page(client: httpx.Client, gw: GatewayEmulator) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    gw.enqueue_fault(Fault(status=502, body=page, content_type="text/html"), path="/v1/chat/completions")
    response = _chat(client)
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert response.text == page


def test_context_overflow_matches_the_recording(client: httpx.Client, gw: GatewayEmulator) -> None:
    recorded = (FIXTURES / "openai_chat-completions_http400_context-length-exceeded.http").read_bytes()
    gw.enqueue_fault(Fault.context_overflow(), path=CHAT)
    response = _chat(client, STREAM_BODY)
    assert response.status_code == 400
    assert response.content == recorded.split(b"\n\n", 1)[1]
    assert response.json()["error"]["code"] == "context_length_exceeded"


def test_faults_and_scripts_are_fifo_and_a_status_fault_keeps_the_script(
    client: httpx.Client, gw: GatewayEmulator
) -> None:
    gw.enqueue_fault(Fault(status=500), path=CHAT, times=2)
    gw.enqueue_fault(Fault(status=408), path="*")
    gw.enqueue_reply(CHAT, json_body={"scripted": 1})
    gw.enqueue_reply(CHAT, json_body={"scripted": 2})
    statuses = [_chat(client).status_code for _ in range(3)]
    assert statuses == [500, 500, 408]
    assert _chat(client).json() == {"scripted": 1}
    assert _chat(client).json() == {"scripted": 2}
    assert _chat(client).json()["object"] == "chat.completion"
    assert gw.pending == 0


def test_wildcard_fault_hits_other_routes(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(status=500))
    assert client.get("/models").status_code == 500
    assert client.get("/models").status_code == 200


def test_first_byte_delay(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(first_byte_delay=0.2))
    started = time.perf_counter()
    assert _chat(client).status_code == 200
    assert time.perf_counter() - started >= 0.19


def test_first_byte_delay_trips_a_read_timeout(gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(first_byte_delay=0.5))
    with httpx.Client(base_url=gw.base_url, headers={"Authorization": "Bearer k"}, timeout=0.1, verify=TLS) as http:
        with pytest.raises(httpx.ReadTimeout):
            _chat(http)
        gw.clear_requests()


def test_drop_connection(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(drop_connection=True))
    with pytest.raises(httpx.RemoteProtocolError):
        _chat(client)
    assert _chat(client).status_code == 200
    assert len(gw.requests) == 2


def test_truncated_stream(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(truncate_after_events=3), path=CHAT)
    response = _chat(client, STREAM_BODY)
    assert response.status_code == 200
    assert response.headers["connection"] == "close"
    payloads = _data(response.text)
    assert len(payloads) == 3
    assert "[DONE]" not in payloads
    assert all(json.loads(p)["choices"][0]["finish_reason"] is None for p in payloads)


def test_error_event_mid_stream(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(error_event_after=2), path=CHAT)
    payloads = _data(_chat(client, STREAM_BODY).text)
    assert len(payloads) == 3
    error = json.loads(payloads[-1])
    assert set(error) == {"error"}
    assert error["error"]["type"] == "server_error"
    assert "[DONE]" not in payloads


def test_stall_mid_stream(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(stall_after_events=2, stall_seconds=0.3), path=CHAT)
    arrivals: list[float] = []
    with client.stream("POST", CHAT, json=STREAM_BODY) as response:
        arrivals.extend(time.perf_counter() for line in response.iter_lines() if line.startswith("data:"))
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert gaps[1] >= 0.25
    assert max(gaps[:1] + gaps[2:]) < 0.2


def test_split_bytes_cuts_events_and_utf8(client: httpx.Client, gw: GatewayEmulator) -> None:
    events: list[dict[str, Any] | str] = [{"choices": [{"index": 0, "delta": {"content": "你好世界"}}]}, "[DONE]"]
    gw.enqueue_reply(CHAT, sse_events=events, times=2)
    whole = _chat(client, STREAM_BODY).content
    gw.enqueue_fault(Fault(split_bytes=7), path=CHAT)
    with client.stream("POST", CHAT, json=STREAM_BODY) as response:
        pieces = list(response.iter_raw())
    assert b"".join(pieces) == whole
    assert max(len(piece) for piece in pieces) <= 7
    assert len(pieces) >= len(whole) // 7
    assert not all(_decodes(piece) for piece in pieces)


def _decodes(piece: bytes) -> bool:
    try:
        piece.decode()
    except UnicodeDecodeError:
        return False
    return True


def test_ping_comments(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(ping_every=2), path=CHAT)
    text = _chat(client, STREAM_BODY).text
    events = [block for block in text.split("\n\n") if block]
    assert events[2] == ": PING"
    assert text.count(": PING\n\n") == (len(events) - text.count(": PING") - 1) // 2
    assert _data(text)[-1] == "[DONE]"


def test_default_ping_every(gw: GatewayEmulator) -> None:
    with GatewayEmulator(ping_every=1) as pinging:
        response = httpx.post(
            f"{pinging.base_url}/chat/completions", json=STREAM_BODY, headers={"Authorization": "Bearer k"}, verify=TLS
        )
    blocks = [block for block in response.text.split("\n\n") if block]
    assert blocks[1::2] == [": PING"] * (len(blocks) // 2)


def test_crlf_stream(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(crlf=True, ping_every=3), path=CHAT)
    raw = _chat(client, STREAM_BODY).content
    assert b"\r\n\r\n" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert raw.endswith(b"data: [DONE]\r\n\r\n")
    assert b": PING\r\n\r\n" in raw


def test_stream_fault_applies_to_responses_stream(client: httpx.Client, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(truncate_after_events=4), path="/responses")
    text = client.post("/responses", json={"model": "gpt-4o-mini", "input": "hi", "stream": True}).text
    assert text.count("event: ") == 4
    assert "response.completed" not in text


def test_chunk_delay_paces_events() -> None:
    with GatewayEmulator(chunk_delay=0.02, reasoning_style=None) as gw:
        started = time.perf_counter()
        response = httpx.post(
            f"{gw.base_url}/chat/completions", json=STREAM_BODY, headers={"Authorization": "Bearer k"}, verify=TLS
        )
        elapsed = time.perf_counter() - started
    events = len(_data(response.text))
    assert elapsed >= 0.02 * (events - 1) * 0.9
