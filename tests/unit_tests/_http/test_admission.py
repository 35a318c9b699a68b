"""Admission control: calls beyond the pool's connections wait in front of it, never in httpcore's queue.

httpcore rescans its whole queue against every connection on each event, so a queue inside the pool makes many
concurrent calls superlinear (the benchmark's concurrency rows measure that). These tests check the mechanism
over real HTTP: a loopback gateway holds every answer until the test releases it, the pool is made small (6
places over shards of 2), and the test reads where the waiting calls are (on our gate, not in any shard's request
list). No timings. The full-size counts (1,000 streams over five shards) are in test_shards.py.
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

from langchain_toiotech import ChatToiotech
from langchain_toiotech._http import admission as http_admission
from langchain_toiotech._http import pools as http_pools
from langchain_toiotech._http import shards as http_shards
from langchain_toiotech.errors import APITimeoutError, ToiotechError
from tests._support.loopback import QuietHandler, serve_loopback
from tests._support.messages import streamed_text
from tests._support.shards import aadmitted, admitted

SLOTS = 6
PER_SHARD = 2
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
def small_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[http_pools._Pools]:
    """Pools of SLOTS places over shards of PER_SHARD connections, in a fresh process-wide state."""
    limits = httpx.Limits(max_connections=PER_SHARD, max_keepalive_connections=PER_SHARD)
    monkeypatch.setattr(http_pools, "POOL_CONNECTIONS", SLOTS)
    monkeypatch.setattr(http_pools, "SHARD_CONNECTIONS", PER_SHARD)
    monkeypatch.setattr(http_pools, "POOL_LIMITS", limits)
    fresh = http_pools._Pools()
    monkeypatch.setattr(http_pools, "_state", fresh)
    yield fresh
    if fresh.sync is not None:
        for client in fresh.sync.seal():
            client.close()


def make_model(base_url: str, **kwargs: Any) -> ChatToiotech:
    return ChatToiotech(model="m", api_key="sk-admission", base_url=base_url, max_retries=0, **kwargs)


def held_by_shards(pool: http_pools.SyncPool | http_pools.AsyncPool) -> list[int]:
    """Requests each shard's httpcore pool holds (queued or being served)."""
    return [len(client._transport._pool._requests) for client in pool.clients]  # type: ignore[union-attr]


async def astream_text(model: ChatToiotech, prompt: str) -> str:
    return "".join([str(chunk.content) async for chunk in model.astream(prompt)])


@pytest.mark.usefixtures("small_pool")
async def test_async_calls_past_the_pool_size_wait_on_the_gate(held: tuple[HeldGateway, str]) -> None:
    gateway, base_url = held
    model = make_model(base_url)
    tasks = [asyncio.create_task(astream_text(model, f"q{n}")) for n in range(CALLS)]
    await asyncio.to_thread(gateway.wait_for_arrivals, SLOTS)
    pool = http_pools.shared_async_pool()
    gate = pool.gate
    for _ in range(1000):  # bounded: until every other call has reached the gate
        if len(gate._waiters or ()) == CALLS - SLOTS:
            break
        await asyncio.sleep(0)
    assert len(gate._waiters or ()) == CALLS - SLOTS
    # Spread over three shards of two; without the gate all 24 would queue inside httpcore.
    assert held_by_shards(pool) == [PER_SHARD] * (SLOTS // PER_SHARD)
    gateway.release.set()
    assert await asyncio.gather(*tasks) == [f"ok q{n}" for n in range(CALLS)]
    assert gateway.most_serving == SLOTS


@pytest.mark.usefixtures("small_pool")
def test_threads_past_the_pool_size_wait_on_the_gate(held: tuple[HeldGateway, str]) -> None:
    gateway, base_url = held
    model = make_model(base_url)
    with ThreadPoolExecutor(CALLS) as threads:
        futures = [threads.submit(streamed_text, model, f"q{n}") for n in range(CALLS)]
        gateway.wait_for_arrivals(SLOTS)
        pool = http_pools.shared_sync_pool()
        gate = pool.gate
        waiting = threading.Event()
        for _ in range(int(WAIT / 0.01)):  # bounded poll: until every other thread blocks on the gate
            if len(gate._waiters) == CALLS - SLOTS:
                waiting.set()
                break
            waiting.wait(0.01)
        assert waiting.is_set()
        assert held_by_shards(pool) == [PER_SHARD] * (SLOTS // PER_SHARD)
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
    assert http_pools.shared_async_pool().gate._free == SLOTS  # the pool was never touched
    assert gateway.most_serving == CALLS


@pytest.mark.parametrize(
    ("soft_limit", "connections"),
    [(1024, 512), (300, 150), (20000, 1000), (2**62, 1000), (8, 16)],
)
def test_pool_size_leaves_room_under_the_open_file_limit(
    monkeypatch: pytest.MonkeyPatch, soft_limit: int, connections: int
) -> None:
    resource = pytest.importorskip("resource")
    monkeypatch.setattr(resource, "getrlimit", lambda _: (soft_limit, resource.RLIM_INFINITY))
    assert http_admission.pool_connections() == connections


class FakeClient:
    """A stand-in for a shard: the gate tests read nothing from it."""


def task_pool(slots: int) -> http_shards.TaskShards[FakeClient]:
    return http_shards.TaskShards(FakeClient, slots)


def thread_pool(slots: int) -> http_shards.ThreadShards[FakeClient]:
    return http_shards.ThreadShards(FakeClient, slots)


async def queue_up(pool: http_shards.TaskShards[FakeClient], order: list[int], count: int) -> list[asyncio.Task[None]]:
    """Start `count` tasks, one at a time, each queued on the gate before the next starts."""

    async def admitted_call(number: int) -> None:
        async with aadmitted(pool, WAIT):
            order.append(number)

    tasks = []
    for number in range(count):
        tasks.append(asyncio.create_task(admitted_call(number)))
        await asyncio.sleep(0)  # the task runs up to its wait on the gate
    return tasks


async def test_waiting_tasks_are_admitted_in_arrival_order_and_latecomers_queue_behind() -> None:
    pool = task_pool(1)
    order: list[int] = []
    async with aadmitted(pool, WAIT):
        tasks = await queue_up(pool, order, 6)
        gate = pool.gate
        assert len(gate._waiters) == 6
    # The holder has released; a latecomer that arrives before the first waiter runs must not take its place.
    late = await queue_up(pool, [], 1)
    await asyncio.wait_for(asyncio.gather(*tasks, *late), WAIT)
    assert order == list(range(6))
    assert gate._free == 1  # every place came back, none was made up


async def test_a_waiter_cancelled_before_its_turn_takes_and_frees_nothing() -> None:
    pool = task_pool(1)
    order: list[int] = []
    async with aadmitted(pool, WAIT):
        tasks = await queue_up(pool, order, 3)
        tasks[1].cancel()
        await asyncio.sleep(0)
        gate = pool.gate
        assert len(gate._waiters) == 2
        assert order == []  # the cancelled waiter's exit freed no place while the holder still has it
    await asyncio.wait_for(asyncio.gather(tasks[0], tasks[2]), WAIT)
    assert tasks[1].cancelled()
    assert order == [0, 2]
    assert gate._free == 1


async def test_a_waiter_cancelled_after_it_was_handed_a_place_passes_it_on() -> None:
    pool = task_pool(1)
    order: list[int] = []
    async with aadmitted(pool, WAIT):
        tasks = await queue_up(pool, order, 3)
    tasks[0].cancel()  # the release above handed task 0 the place; it has not run yet
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT)
    assert tasks[0].cancelled()
    assert order == [1, 2]
    assert pool.gate._free == 1


async def test_a_waiter_that_times_out_leaves_the_queue_and_the_places_intact() -> None:
    pool = task_pool(1)
    async with aadmitted(pool, WAIT):
        with pytest.raises(APITimeoutError, match="one of the 1 pooled connections"):
            async with aadmitted(pool, 0.01):
                pytest.fail("admitted while the only place was held")
        gate = pool.gate
        assert len(gate._waiters) == 0
    assert gate._free == 1


def start_thread_waiters(
    pool: http_shards.ThreadShards[FakeClient], order: list[int], count: int
) -> list[threading.Thread]:
    """Start `count` threads, one at a time, each queued on the gate before the next starts (bounded poll)."""

    def admitted_call(number: int) -> None:
        with admitted(pool, WAIT):
            order.append(number)

    gate = pool.gate
    threads = []
    for number in range(count):
        thread = threading.Thread(target=admitted_call, args=(number,))
        thread.start()
        threads.append(thread)
        queued = threading.Event()
        for _ in range(int(WAIT / 0.005)):
            if len(gate._waiters) == number + 1:
                queued.set()
                break
            queued.wait(0.005)
        assert queued.is_set(), "a thread never reached the gate"
    return threads


def test_waiting_threads_are_admitted_in_arrival_order_and_latecomers_queue_behind() -> None:
    pool = thread_pool(1)
    order: list[int] = []
    with admitted(pool, WAIT):
        threads = start_thread_waiters(pool, order, 6)
        gate = pool.gate
    # Released: the place is handed to thread 0; a latecomer arriving now queues behind the five others.
    with admitted(pool, WAIT):
        order.append(-1)
    for thread in threads:
        thread.join(WAIT)
    assert order == [0, 1, 2, 3, 4, 5, -1]
    assert gate._free == 1
    assert not gate._waiters


def test_a_thread_that_times_out_leaves_the_queue_and_the_places_intact() -> None:
    pool = thread_pool(1)
    with admitted(pool, WAIT):
        with (
            pytest.raises(APITimeoutError, match="one of the 1 pooled connections"),
            admitted(pool, 0.01),
        ):
            pytest.fail("admitted while the only place was held")
        gate = pool.gate
        assert not gate._waiters
    assert gate._free == 1


class FailingHandler(QuietHandler):
    """Answers "503" to prompts that say so, a body over the test's reply limit to the others."""

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["messages"][-1]["content"] == "503":
            self.send_body("application/json", b'{"error":{"message":"busy","type":"server_error"}}', status=503)
        else:
            self.send_body("application/json", b'{"padding":"' + b"x" * 4096 + b'"}')


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_failed_attempts_give_their_places_back(small_pool: http_pools._Pools, *, use_async: bool) -> None:
    # Retried 503s, an oversized reply (raised while the body is read) and a refused connection each end an
    # attempt early; every one of them must leave its place and its shard's count behind, or the pool shrinks.
    with serve_loopback(FailingHandler) as base_url:
        model = ChatToiotech(
            model="m", api_key="sk-admission", base_url=base_url, max_retries=2, reply_limits={"max_body_bytes": 1024}
        )
        refused = make_model("http://127.0.0.1:9/v1")  # the discard port: nothing listens there
        for failing, prompt in ((model, "503"), (model, "big"), (refused, "x")):
            with pytest.raises(ToiotechError):
                await (failing.ainvoke(prompt) if use_async else asyncio.to_thread(failing.invoke, prompt))
    pool = http_pools.shared_async_pool() if use_async else small_pool.sync
    assert pool is not None
    assert pool.gate._free == SLOTS
    assert pool.loads == [0] * len(pool.loads)
