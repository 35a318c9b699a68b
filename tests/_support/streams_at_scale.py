"""Run in a capped child by test_concurrency_at_scale: many concurrent calls on ONE model with the default pools.

`burst(base_url, mode, calls)` runs in a child of `tests._support.capped_child` (address space capped, peak RSS
reported), MODE `astream` (CALLS tasks on one event loop) or `invoke_threads` (CALLS threads started together).
It first makes sure the descriptor limit lets the default pool open all 1,000 connections
(`_http.admission.pool_connections` takes half the soft limit), then runs the calls at once on one `ChatToiotech`.
While they run, every shard of the pool and the pool's gate are sampled: on each turn of the event loop, or in a
thread of its own. Returns each call's text, the peaks per shard and at the gate, and the pool's state afterwards.
Nothing here imports the package at module level: its pool size is fixed from the limits in force at import.
"""

from __future__ import annotations

import asyncio
import resource
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests._support.sampler import Sampler

# Enough descriptors for 1,000 sockets and the interpreter's own files; set before the package is imported, which
# fixes the pool's size from the limit in force.
NOFILE = 4096


def raise_descriptor_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < NOFILE:
        wanted = NOFILE if hard == resource.RLIM_INFINITY else min(NOFILE, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def pool_of(client: Any) -> Any:
    """httpcore's connection pool behind an httpx client."""
    return client._transport._pool


def busy(client: Any) -> int:
    """Connections serving a request (neither idle nor closed)."""
    return sum(not (conn.is_idle() or conn.is_closed()) for conn in pool_of(client).connections)


class ShardPeaks(Sampler):
    """The most each shard of a pool held while sampled, and the most that waited at the pool's gate.

    Per shard: requests we sent through it, connections its httpcore pool opened, and requests inside that pool
    (queued or being served). At the gate: the most waiters at once, and the most free places seen while
    somebody waited (0 when every freed place went straight to a waiter).
    """

    def __init__(self, pool: Any) -> None:
        super().__init__()
        self.pool = pool
        self.in_flight: list[int] = []
        self.connections: list[int] = []
        self.in_httpcore: list[int] = []
        self.admitted = 0  # the most in flight over all shards at once
        self.waiters = 0
        self.free_while_waiting = 0

    def sample(self) -> None:
        pool = self.pool
        for index, client in enumerate(list(pool.clients)):
            if index == len(self.in_flight):
                self.in_flight.append(0)
                self.connections.append(0)
                self.in_httpcore.append(0)
            httpcore_pool = pool_of(client)
            self.in_flight[index] = max(self.in_flight[index], pool.loads[index])
            self.connections[index] = max(self.connections[index], len(httpcore_pool.connections))
            self.in_httpcore[index] = max(self.in_httpcore[index], len(httpcore_pool._requests))
        self.admitted = max(self.admitted, sum(pool.loads))
        waiters = len(pool.gate._waiters)
        self.waiters = max(self.waiters, waiters)
        if waiters:
            self.free_while_waiting = max(self.free_while_waiting, pool.gate._free)


def summary(pool: Any, peaks: ShardPeaks, prompts: list[str], texts: list[str]) -> dict[str, Any]:
    return {
        "prompts": prompts,
        "texts": texts,
        "peak_in_flight": peaks.in_flight,
        "peak_connections": peaks.connections,
        "peak_in_httpcore": peaks.in_httpcore,
        "peak_admitted": peaks.admitted,
        "peak_gate_waiters": peaks.waiters,
        "peak_free_while_waiting": peaks.free_while_waiting,
        "after": {
            "shards": len(pool.clients),
            "in_flight": list(pool.loads),
            "busy": [busy(client) for client in pool.clients],
            "in_httpcore": [len(pool_of(client)._requests) for client in pool.clients],
            "gate_free": pool.gate._free,
            "gate_waiters": len(pool.gate._waiters),
        },
    }


async def astream_burst(model: Any, calls: int) -> dict[str, Any]:
    from langchain_toiotech._http import pools  # noqa: PLC0415 - imported under the limits set in main

    pool = pools.shared_async_pool()
    peaks = ShardPeaks(pool)

    async def streamed_text(prompt: str) -> str:
        return "".join([str(chunk.content) async for chunk in model.astream(prompt)])

    prompts = [f"stream number {index}" for index in range(calls)]
    async with peaks.watching_tasks():
        texts = await asyncio.gather(*(streamed_text(prompt) for prompt in prompts))
    for _ in range(200):  # bounded: finished streams hand their connections back within a few turns
        if not any(busy(client) for client in pool.clients):
            break
        await asyncio.sleep(0)
    return summary(pool, peaks, prompts, texts)


def invoke_threads_burst(model: Any, calls: int) -> dict[str, Any]:
    from langchain_toiotech._http import pools  # noqa: PLC0415 - imported under the limits set in main

    # 1,000 threads of the default 8 MiB stack would reserve 8 GiB, past the cap; half a MiB is plenty here.
    threading.stack_size(512 << 10)
    start = threading.Barrier(calls)
    pool = pools.shared_sync_pool()
    peaks = ShardPeaks(pool)

    def invoked_text(prompt: str) -> str:
        start.wait(timeout=60)  # every thread calls at once (bounded: a thread that never starts breaks it)
        return str(model.invoke(prompt).content)

    prompts = [f"thread number {index}" for index in range(calls)]
    with peaks.watching_threads(), ThreadPoolExecutor(calls) as threads:
        texts = list(threads.map(invoked_text, prompts))
    return summary(pool, peaks, prompts, texts)


def burst(base_url: str, mode: str, calls: int) -> dict[str, Any]:
    """Run `calls` calls at once in `mode` on one model against `base_url`; what the test checks about them."""
    raise_descriptor_limit()
    from langchain_toiotech import ChatToiotech  # noqa: PLC0415 - imported under the limit just raised
    from langchain_toiotech._http import pools  # noqa: PLC0415

    model = ChatToiotech(model="gpt-4o-mini", api_key="sk-test-at-scale", base_url=base_url)
    bursts = {
        "astream": lambda: asyncio.run(astream_burst(model, calls)),
        "invoke_threads": lambda: invoke_threads_burst(model, calls),
    }
    report = bursts[mode]()
    report["pool_connections"] = pools.POOL_CONNECTIONS
    return report
