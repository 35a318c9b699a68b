"""Concurrent `astream` calls on one model: wall time and peak memory, each run in a fresh child process.

`benchmarks/run.py` calls `concurrency_rows`; run alone, this file is the child:
`python benchmarks/concurrency.py ours|chatopenai|httpx STREAMS BASE_URL` prints one JSON line. The raw httpx
contender (streamed POSTs, no connection cap) shows how the emulator itself scales in the same run.

A child process per measurement gives each run its own peak RSS (`ru_maxrss` only grows) and a cold pool;
the contenders alternate run by run, so a shared, noisy machine slows both alike.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MODEL = "gpt-4o-mini"
KEY = "sk-bench"
WARM_UP = 10


def make_model(contender: str, base_url: str) -> Any:
    if contender == "ours":
        from langchain_toiotech import ChatToiotech  # noqa: PLC0415 - each child imports only its contender

        return ChatToiotech(model=MODEL, base_url=base_url, api_key=KEY)
    from langchain_openai import ChatOpenAI  # noqa: PLC0415

    return ChatOpenAI(model=MODEL, base_url=base_url, api_key=KEY, stream_usage=True)


async def concurrent_streams(model: Any, streams: int) -> float:
    """Seconds until `streams` concurrent `astream` calls have all been read to the end."""

    async def consume(number: int) -> int:
        return sum([1 async for _ in model.astream(f"question {number}")])

    start = time.perf_counter()
    counts = await asyncio.gather(*(consume(number) for number in range(streams)))
    elapsed = time.perf_counter() - start
    assert len(set(counts)) == 1, f"streams of different lengths: {sorted(set(counts))}"
    return elapsed


async def raw_httpx_streams(base_url: str, streams: int) -> float:
    """Seconds for `streams` concurrent streamed POSTs on one unbounded `httpx.AsyncClient`, read line by line."""
    import httpx  # noqa: PLC0415

    body = {"model": MODEL, "messages": [{"role": "user", "content": "q"}], "stream": True}
    headers = {"Authorization": f"Bearer {KEY}"}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=20)
    async with httpx.AsyncClient(limits=limits, timeout=600) as client:

        async def consume(_: int) -> int:
            async with client.stream("POST", f"{base_url}/chat/completions", json=body, headers=headers) as reply:
                return sum([1 async for line in reply.aiter_lines() if line.startswith("data:")])

        await asyncio.gather(*(consume(number) for number in range(WARM_UP)))
        start = time.perf_counter()
        counts = await asyncio.gather(*(consume(number) for number in range(streams)))
        elapsed = time.perf_counter() - start
    assert len(set(counts)) == 1, f"streams of different lengths: {sorted(set(counts))}"
    return elapsed


async def child(contender: str, streams: int, base_url: str) -> dict[str, float]:
    if contender == "httpx":
        seconds = await raw_httpx_streams(base_url, streams)
    else:
        model = make_model(contender, base_url)
        await concurrent_streams(model, WARM_UP)
        seconds = await concurrent_streams(model, streams)
    # The whole process's peak (interpreter and imports included): growth over a baseline would hide behind
    # the import's own peak, which is higher than a warm idle process.
    return {"seconds": seconds, "peak_rss_mib": peak_rss_mib()}


def peak_rss_mib() -> float:
    """This process's own peak RSS: Linux's VmHWM, else `ru_maxrss`.

    `ru_maxrss` carries the parent's RSS over fork and exec, so under `run.py` (itself ~107 MiB with both chat
    models loaded) every child reported at least the parent's size; VmHWM belongs to the child's own memory map.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(contender: str, streams: int, base_url: str) -> dict[str, float]:
    """One measurement in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__)), contender, str(streams), base_url],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    measured: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def concurrency_rows(base_url: str, rounds: int) -> list[tuple[str, float, float, str]]:
    """`(name, ours, reference, unit)` rows: ours at 1,000 streams vs ChatOpenAI, and vs 5x / 10x ours at 200.

    Each round runs every measurement once, alternating; the figures are medians over the rounds.
    """
    plan = [("ours", 200), ("httpx", 200), ("ours", 1000), ("chatopenai", 1000), ("ours", 2000), ("httpx", 2000)]
    samples: dict[tuple[str, int], list[dict[str, float]]] = {key: [] for key in plan}
    for _ in range(rounds):
        for contender, streams in plan:
            samples[contender, streams].append(measure(contender, streams, base_url))

    def median(key: tuple[str, int], field: str = "seconds") -> float:
        return statistics.median(sample[field] for sample in samples[key])

    return [
        ("astream 1000 concurrent vs ChatOpenAI", median(("ours", 1000)), median(("chatopenai", 1000)), "s"),
        ("astream 1000 vs 5x astream 200", median(("ours", 1000)), 5 * median(("ours", 200)), "s"),
        ("astream 2000 vs 10x astream 200", median(("ours", 2000)), 10 * median(("ours", 200)), "s"),
        ("raw httpx 2000 vs 10x 200 (the emulator)", median(("httpx", 2000)), 10 * median(("httpx", 200)), "s"),
        ("astream 2000 vs raw httpx 2000", median(("ours", 2000)), median(("httpx", 2000)), "s"),
        (
            "peak RSS, 1000 streams vs ChatOpenAI",
            median(("ours", 1000), "peak_rss_mib"),
            median(("chatopenai", 1000), "peak_rss_mib"),
            "MiB",
        ),
        (
            "peak RSS, 2000 vs 1000 streams",
            median(("ours", 2000), "peak_rss_mib"),
            median(("ours", 1000), "peak_rss_mib"),
            "MiB",
        ),
    ]


if __name__ == "__main__":
    contender_arg, streams_arg, base_url_arg = sys.argv[1:4]
    print(json.dumps(asyncio.run(child(contender_arg, int(streams_arg), base_url_arg))))
