"""The emulator's per-reply latency (`GatewayEmulator(latency=...)`, `--latency`): every route, concurrent replies."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from langchain_toiotech.testing import Fault, GatewayEmulator

LATENCY = 0.25
AUTH = {"Authorization": "Bearer k"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(latency=LATENCY, reasoning_style=None) as emulator:
        yield emulator


@pytest.fixture
def client(gw: GatewayEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gw.base_url, headers=AUTH, timeout=10) as http:
        yield http


def _timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _upload(client: httpx.Client, tmp_path: Path) -> str:
    path = tmp_path / "note.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Page>>endobj\n%%EOF\n")
    with path.open("rb") as handle:
        upload = {"file": ("note.pdf", handle, "application/pdf")}
        response = client.post("/files", files=upload, data={"purpose": "user_data"})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def test_every_route_waits_before_its_reply(client: httpx.Client, tmp_path: Path) -> None:
    started = time.monotonic()
    file_id = _upload(client, tmp_path)
    assert time.monotonic() - started >= LATENCY  # the upload's own reply
    calls: dict[str, Callable[[], httpx.Response]] = {
        "chat": lambda: client.post("/chat/completions", json=CHAT),
        "chat stream": lambda: client.post("/chat/completions", json={**CHAT, "stream": True}),
        "responses": lambda: client.post("/responses", json={"model": "gpt-4o-mini", "input": "hi"}),
        "embeddings": lambda: client.post("/embeddings", json={"model": "text-embedding-3-small", "input": "hi"}),
        "files get": lambda: client.get(f"/files/{file_id}"),
        "files list": lambda: client.get("/files"),
        "files delete": lambda: client.delete(f"/files/{file_id}"),
        "models": lambda: client.get("/models"),
        "unknown route": lambda: client.get("/nowhere"),
    }
    for name, call in calls.items():
        response, elapsed = _timed(call)
        assert response.status_code in {200, 404}, (name, response.text)
        assert elapsed >= LATENCY, (name, elapsed)


def test_a_fault_delay_adds_to_the_latency(gw: GatewayEmulator, client: httpx.Client) -> None:
    gw.enqueue_fault(Fault(first_byte_delay=0.2), path="/chat/completions")
    response, elapsed = _timed(lambda: client.post("/chat/completions", json=CHAT))
    assert response.status_code == 200
    assert elapsed >= LATENCY + 0.2
    gw.enqueue_fault(Fault(status=429, retry_after="1"), path="/chat/completions")
    limited, elapsed = _timed(lambda: client.post("/chat/completions", json=CHAT))
    assert limited.status_code == 429
    assert elapsed >= LATENCY  # error replies wait too, as a gateway's round trip would


def test_replies_wait_side_by_side_not_in_turn(gw: GatewayEmulator) -> None:
    # Each request was in flight while every other one was: the latency is a per-reply wait, not a queue.
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(base_url=gw.base_url, headers=AUTH, timeout=10) as http:
            started = time.monotonic()
            assert http.post("/chat/completions", json=CHAT).status_code == 200
            with lock:
                spans.append((started, time.monotonic()))

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(spans) == 4
    assert max(start for start, _ in spans) < min(end for _, end in spans)


@pytest.mark.parametrize("latency", [-0.1, float("nan")])
def test_a_negative_latency_is_refused(latency: float) -> None:
    with pytest.raises(ValueError, match="latency must be 0 or more"):
        GatewayEmulator(latency=latency)


def test_command_line_latency() -> None:
    command = [sys.executable, "-m", "langchain_toiotech.testing", "--latency", str(LATENCY)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        response, elapsed = _timed(lambda: httpx.post(f"{base_url}/chat/completions", json=CHAT, headers=AUTH))
        assert response.status_code == 200
        assert elapsed >= LATENCY
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_command_line_refuses_a_negative_latency() -> None:
    command = [sys.executable, "-m", "langchain_toiotech.testing", "--latency", "-1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    assert done.returncode == 2
    assert "latency must be 0 or more" in done.stderr
