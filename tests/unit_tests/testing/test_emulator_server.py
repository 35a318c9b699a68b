"""Server plumbing of the gateway emulator: auth, keep-alive, routing, embeddings, concurrency, CLI."""

from __future__ import annotations

import asyncio
import base64
import math
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from langchain_toiotech.testing import Fault, GatewayEmulator, RecordedRequest
from tests._support.paths import REPO_ROOT

KEY = "sk-very-secret-key-123"
CHAT_BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}

TLS = httpx.create_ssl_context()  # built once; each default client would load the CA bundle again


@pytest.fixture
def gw() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(api_key=KEY) as emulator:
        yield emulator


@pytest.fixture
def client(gw: GatewayEmulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=gw.base_url, headers=headers, timeout=10, verify=TLS) as http:
        yield http


def _local_port(response: httpx.Response) -> int:
    return int(response.extensions["network_stream"].get_extra_info("client_addr")[1])


def test_base_url_and_request_id(gw: GatewayEmulator, client: httpx.Client) -> None:
    assert gw.base_url == f"http://127.0.0.1:{gw.port}/v1"
    first, second = client.get("/models"), client.get("/models")
    assert first.headers["x-oneapi-request-id"] != second.headers["x-oneapi-request-id"]
    ids = [model["id"] for model in first.json()["data"]]
    assert "deepseek-reasoner" in ids
    assert "text-embedding-3-small" in ids
    assert first.json()["object"] == "list"
    assert client.get("/models/qwen3-max").json()["id"] == "qwen3-max"
    assert client.get("/models/nope").status_code == 404


def test_keep_alive_reuses_one_connection(client: httpx.Client) -> None:
    ports = set()
    for body in (CHAT_BODY, {**CHAT_BODY, "stream": True}, CHAT_BODY):
        response = client.post("/chat/completions", json=body)
        assert response.status_code == 200
        ports.add(_local_port(response))
    ports.add(_local_port(client.get("/models")))
    assert len(ports) == 1


def test_wrong_or_missing_key_is_401(gw: GatewayEmulator) -> None:
    wrong = httpx.post(
        f"{gw.base_url}/chat/completions", json=CHAT_BODY, headers={"Authorization": "Bearer nope"}, verify=TLS
    )
    assert wrong.status_code == 401
    error = wrong.json()["error"]
    assert error["message"].startswith("无效的令牌 (request id: ")
    assert (error["type"], error["param"], error["code"]) == ("new_api_error", "", "invalid_api_key")
    missing = httpx.post(f"{gw.base_url}/chat/completions", json=CHAT_BODY, verify=TLS)
    assert missing.status_code == 401


def test_any_token_accepted_without_api_key() -> None:
    with GatewayEmulator() as gw:
        ok = httpx.post(
            f"{gw.base_url}/chat/completions", json=CHAT_BODY, headers={"Authorization": "Bearer x"}, verify=TLS
        )
        missing = httpx.post(f"{gw.base_url}/chat/completions", json=CHAT_BODY, verify=TLS)
    assert ok.status_code == 200
    assert missing.status_code == 401


def test_key_never_reaches_the_log(gw: GatewayEmulator, client: httpx.Client) -> None:
    client.post("/chat/completions", json=CHAT_BODY, params={"trace": "1"})
    (request,) = gw.requests
    assert isinstance(request, RecordedRequest)
    assert request.headers["authorization"] == "Bearer ***"
    assert request.query == {"trace": "1"}
    assert request.body == CHAT_BODY
    assert KEY not in repr(gw.requests)
    gw.clear_requests()
    assert gw.requests == []


def test_unknown_route_and_bad_json(client: httpx.Client) -> None:
    unknown = client.post("/xyz", json={})
    assert unknown.status_code == 404
    assert unknown.json() == {
        "error": {"message": "Invalid URL (POST /v1/xyz)", "type": "invalid_request_error", "param": "", "code": ""}
    }
    bad = client.post("/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_request_body"


def test_chunked_request_body(client: httpx.Client, gw: GatewayEmulator) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"model": "gpt-4o-mini", "messages": '
        yield b'[{"role": "user", "content": "chunked"}]}'

    response = client.post("/chat/completions", content=body(), headers={"Content-Type": "application/json"})
    assert response.json()["choices"][0]["message"]["content"].endswith("You said: chunked")
    assert gw.requests[0].headers["transfer-encoding"] == "chunked"


def test_http_10_client_gets_close_delimited_stream(gw: GatewayEmulator) -> None:
    body = b'{"model": "gpt-4o-mini", "stream": true, "messages": [{"role": "user", "content": "hi"}]}'
    head = f"POST /v1/chat/completions HTTP/1.0\r\nAuthorization: Bearer {KEY}\r\nContent-Length: {len(body)}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", gw.port), timeout=5) as sock:
        sock.sendall(head.encode() + body)
        received = b"".join(iter(lambda: sock.recv(65536), b""))
    response_head, _, stream = received.partition(b"\r\n\r\n")
    assert response_head.startswith(b"HTTP/1.1 200 OK")
    assert b"Transfer-Encoding" not in response_head
    assert stream.startswith(b"data: {")
    assert stream.endswith(b"data: [DONE]\n\n")


def test_embeddings(client: httpx.Client) -> None:
    body = client.post("/embeddings", json={"model": "text-embedding-3-small", "input": ["a", "b", "a"]}).json()
    assert body["object"] == "list"
    assert body["model"] == "text-embedding-3-small"
    vectors = [item["embedding"] for item in body["data"]]
    assert [item["index"] for item in body["data"]] == [0, 1, 2]
    assert len(vectors[0]) == 1536  # text-embedding-3-small's own length
    assert vectors[0] == vectors[2]
    assert vectors[0] != vectors[1]
    assert math.isclose(math.fsum(v * v for v in vectors[0]), 1.0)
    assert body["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    single = client.post("/embeddings", json={"model": "text-embedding-3-small", "input": "a", "dimensions": 16}).json()
    assert len(single["data"][0]["embedding"]) == 16


def test_embeddings_base64_and_empty_input(client: httpx.Client) -> None:
    plain = client.post("/embeddings", json={"model": "text-embedding-3-small", "input": "text"}).json()["data"][0][
        "embedding"
    ]
    encoded = client.post(
        "/embeddings", json={"model": "text-embedding-3-small", "input": "text", "encoding_format": "base64"}
    ).json()
    decoded = struct.unpack("<1536f", base64.b64decode(encoded["data"][0]["embedding"]))
    assert all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(decoded, plain, strict=True))
    empty = client.post("/embeddings", json={"model": "text-embedding-3-small", "input": ["ok", ""]})
    assert empty.status_code == 400
    assert empty.json()["error"]["type"] == "invalid_request_error"


async def test_async_context_manager_with_200_concurrent_streams() -> None:
    async with GatewayEmulator(port=0, chunk_delay=0.01, reasoning_style=None) as gw:
        limits = httpx.Limits(max_connections=250)
        headers = {"Authorization": "Bearer k"}
        async with httpx.AsyncClient(base_url=gw.base_url, limits=limits, headers=headers, timeout=20) as http:

            async def one(index: int) -> tuple[str, float]:
                body = {**CHAT_BODY, "stream": True, "messages": [{"role": "user", "content": f"n{index}"}]}
                started = time.perf_counter()
                response = await http.post("/chat/completions", json=body)
                return response.text, time.perf_counter() - started

            started = time.perf_counter()
            results = await asyncio.gather(*(one(index) for index in range(200)))
            elapsed = time.perf_counter() - started
    texts = [text for text, _ in results]
    assert all(text.endswith("data: [DONE]\n\n") for text in texts)
    assert all(f'"content":" n{index}"' in texts[index] for index in range(200))
    # Served concurrently, not one after another: the streams' summed durations over the wall time is the mean
    # number open at once (1 if served in turn). A ratio, so a loaded machine slows both sides alike.
    assert sum(duration for _, duration in results) / elapsed > 20


def test_start_stop_are_idempotent_and_close_idle_connections() -> None:
    gw = GatewayEmulator()
    gw.start()
    assert gw.start() is gw
    with httpx.Client(base_url=gw.base_url, headers={"Authorization": "Bearer k"}, verify=TLS) as http:
        assert http.get("/models").status_code == 200
        gw.stop()
        gw.stop()
        with pytest.raises(httpx.TransportError):
            http.get("/models")
    with pytest.raises(RuntimeError):
        _ = gw.base_url


def test_stop_interrupts_a_stall() -> None:
    gw = GatewayEmulator().start()
    gw.enqueue_fault(Fault(stall_after_events=1, stall_seconds=30))
    with (
        httpx.Client(base_url=gw.base_url, headers={"Authorization": "Bearer k"}, verify=TLS) as http,
        http.stream("POST", "/chat/completions", json={**CHAT_BODY, "stream": True}) as response,
    ):
        lines = response.iter_lines()
        assert next(lines).startswith("data: ")
        started = time.perf_counter()
        gw.stop()
        with pytest.raises(httpx.TransportError):
            list(lines)
    assert time.perf_counter() - started < 5


def test_invalid_options() -> None:
    with pytest.raises(ValueError, match="reasoning_style"):
        GatewayEmulator(reasoning_style="thoughts")
    with pytest.raises(ValueError, match="files_api"):
        GatewayEmulator(files_api="s3")
    with GatewayEmulator() as gw:
        with pytest.raises(ValueError, match="times"):
            gw.enqueue_fault(Fault(status=500), times=0)
        with pytest.raises(ValueError, match="at most one"):
            gw.enqueue_reply("/chat/completions", json_body={}, raw=b"")


def _env() -> dict[str, Any]:
    root = str(REPO_ROOT)
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_command_line_serves_until_sigterm() -> None:
    command = [sys.executable, "-m", "langchain_toiotech.testing", "--port", "0", "--reasoning-style", "none"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=_env())  # noqa: S603
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/v1")
        response = httpx.post(
            f"{base_url}/chat/completions", json=CHAT_BODY, headers={"Authorization": "Bearer k"}, verify=TLS
        )
        assert "reasoning_content" not in response.json()["choices"][0]["message"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
