"""Admission control: calls beyond the pool's connections wait in front of it, never in httpcore's queue.

httpcore rescans its whole queue against every connection on each event, so a queue inside the pool makes many
concurrent calls superlinear (the benchmark's concurrency rows measure that). These tests check the mechanism
over real HTTP: a loopback gateway holds every answer until the test releases it, the pool is made small, and
the test reads where the waiting calls are (on our gate, not in the pool's request list). No timings.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from langchain_toiotech import ChatToiotech, _admission, _client, _pools
from langchain_toiotech.errors import APITimeoutError
from tests.unit_tests._loopback import QuietHandler, serve_loopback

SLOTS = 4
CALLS = 24
WAIT = 10.0  # seconds any wait in these tests may take at most (bounds, not expectations)


class HeldGateway:
    """Counts the calls it is serving and answers none until `release` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.serving = 0
        self.most_serving = 0
        self.arrived = threading.Semaphore(0)

    def answer(self, body: dict[str, Any]) -> tuple[str, bytes]:
        with self.lock:
            self.serving += 1
            self.most_serving = max(self.most_serving, self.serving)
        self.arrived.release()
        self.release.wait(WAIT)
        with self.lock:
            self.serving -= 1
        text = f"ok {body['messages'][-1]['content']}"
        if not body.get("stream"):
            message = {"role": "assistant", "content": text}
            reply = {"id": "c1", "model": "m", "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
            return "application/json", json.dumps(reply).encode()
        events = [
            {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": text}}]},
            {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        ]
        return "text/event-stream", b"".join(
            f"data: {json.dumps(e)}\n\n".encode() for e in events
        ) + b"data: [DONE]\n\n"

    def wait_for_arrivals(self, count: int) -> None:
        for _ in range(count):
            assert self.arrived.acquire(timeout=WAIT), "the gateway never saw the calls"


@pytest.fixture
def held() -> Iterator[tuple[HeldGateway, str]]:
    gateway = HeldGateway()

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_body(*gateway.answer(body))

    with serve_loopback(Handler) as base_url:
        try:
            yield gateway, base_url
        finally:
            gateway.release.set()  # never leave a handler thread waiting


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pools of SLOTS connections: a new process-wide sync client, and async clients built with these limits."""
    limits = httpx.Limits(max_connections=SLOTS, max_keepalive_connections=SLOTS)
    monkeypatch.setattr(_client, "POOL_CONNECTIONS", SLOTS)
    monkeypatch.setattr(_pools, "POOL_LIMITS", limits)
    with httpx.Client(limits=limits) as sync_client:
        monkeypatch.setattr(_client, "shared_sync_client", lambda: sync_client)
        yield


def make_model(base_url: str, **kwargs: Any) -> ChatToiotech:
    return ChatToiotech(model="m", api_key="sk-admission", base_url=base_url, max_retries=0, **kwargs)


def queued_in_pool(client: httpx.Client | httpx.AsyncClient) -> int:
    """Requests httpcore's pool holds (queued or being served)."""
    return len(client._transport._pool._requests)  # type: ignore[union-attr]


async def astream_text(model: ChatToiotech, prompt: str) -> str:
    return "".join([str(chunk.content) async for chunk in model.astream(prompt)])


@pytest.mark.usefixtures("small_pool")
async def test_async_calls_past_the_pool_size_wait_on_the_gate(held: tuple[HeldGateway, str]) -> None:
    gateway, base_url = held
    model = make_model(base_url)
    tasks = [asyncio.create_task(astream_text(model, f"q{n}")) for n in range(CALLS)]
    await asyncio.to_thread(gateway.wait_for_arrivals, SLOTS)
    client = model._async_transport.client
    gate = _admission._state.async_[client]
    for _ in range(1000):  # bounded: until every other call has reached the gate
        if len(gate._waiters or ()) == CALLS - SLOTS:
            break
        await asyncio.sleep(0)
    assert len(gate._waiters or ()) == CALLS - SLOTS
    assert queued_in_pool(client) == SLOTS  # without the gate: all 24 queue inside httpcore
    gateway.release.set()
    assert await asyncio.gather(*tasks) == [f"ok q{n}" for n in range(CALLS)]
    assert gateway.most_serving == SLOTS


@pytest.mark.usefixtures("small_pool")
def test_threads_past_the_pool_size_wait_on_the_gate(held: tuple[HeldGateway, str]) -> None:
    gateway, base_url = held
    model = make_model(base_url)
    with ThreadPoolExecutor(CALLS) as threads:
        futures = [
            threads.submit(lambda n=n: "".join(str(c.content) for c in model.stream(f"q{n}"))) for n in range(CALLS)
        ]
        gateway.wait_for_arrivals(SLOTS)
        client = model._transport.client
        gate = _admission._state.sync[client]
        waiting = threading.Event()
        for _ in range(int(WAIT / 0.01)):  # bounded poll: until every other thread blocks on the gate
            if len(gate._cond._waiters) == CALLS - SLOTS:  # type: ignore[attr-defined]
                waiting.set()
                break
            waiting.wait(0.01)
        assert waiting.is_set()
        assert queued_in_pool(client) == SLOTS
        gateway.release.set()
        assert [future.result(WAIT) for future in futures] == [f"ok q{n}" for n in range(CALLS)]
    assert gateway.most_serving == SLOTS


@pytest.mark.usefixtures("small_pool")
async def test_waiting_for_a_slot_is_bounded_by_the_pool_timeout(held: tuple[HeldGateway, str]) -> None:
    gateway, base_url = held
    model = make_model(base_url, timeout=httpx.Timeout(WAIT, pool=0.2))
    holders = [asyncio.create_task(model.ainvoke(f"h{n}")) for n in range(SLOTS)]
    await asyncio.to_thread(gateway.wait_for_arrivals, SLOTS)
    with pytest.raises(APITimeoutError, match=f"one of the {SLOTS} pooled connections"):
        await model.ainvoke("one too many")
    gateway.release.set()
    assert [message.content for message in await asyncio.gather(*holders)] == [f"ok h{n}" for n in range(SLOTS)]


@pytest.mark.usefixtures("small_pool")
async def test_a_callers_own_client_is_not_gated(held: tuple[HeldGateway, str]) -> None:
    gateway, base_url = held
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CALLS)) as own:
        model = make_model(base_url, http_async_client=own)
        tasks = [asyncio.create_task(model.ainvoke(f"q{n}")) for n in range(CALLS)]
        await asyncio.to_thread(gateway.wait_for_arrivals, CALLS)  # all at the gateway at once: nothing held back
        gateway.release.set()
        await asyncio.gather(*tasks)
    assert own not in _admission._state.async_
    assert gateway.most_serving == CALLS


@pytest.mark.parametrize(
    ("soft_limit", "connections"),
    [(1024, 512), (20000, 1000), (2**62, 1000), (8, 16)],
)
def test_pool_size_leaves_room_under_the_open_file_limit(
    monkeypatch: pytest.MonkeyPatch, soft_limit: int, connections: int
) -> None:
    resource = pytest.importorskip("resource")
    monkeypatch.setattr(resource, "getrlimit", lambda _: (soft_limit, resource.RLIM_INFINITY))
    assert _admission.pool_connections() == connections
