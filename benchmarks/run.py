"""Side-by-side benchmarks: ChatToiotech vs ChatOpenAI vs raw httpx, all against the bundled emulator.

Run: pip install -e ".[bench]" && python benchmarks/run.py [--quick]

The emulator runs in a separate process, so its CPU time is not counted against the client under test.
Each comparison alternates the contenders round by round (A B A B ...) and reports the ratio of medians,
so drift of a shared, noisy machine affects both sides alike.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from concurrency import concurrency_rows  # benchmarks/ is on sys.path when this file runs
from langchain_openai import ChatOpenAI

from langchain_toiotech import ChatToiotech
from langchain_toiotech.testing import emulator_process

MODEL = "gpt-4o-mini"
KEY = "sk-bench"
UPLOAD_MIB = 300
UPLOAD_GROWTH_TARGET_MIB = 64
TARGETS = {
    "invoke vs ChatOpenAI": 0.7,
    "invoke vs raw httpx": 1.3,
    "stream 5000 chunks vs ChatOpenAI": 0.7,
    "abatch 64 vs ChatOpenAI": 1.0,
    "astream 1000 concurrent vs ChatOpenAI": 1.0,
    "astream 1000 vs 5x astream 200": 1.3,
    "astream 2000 vs 10x astream 200": 1.3,
    "import vs langchain_openai": 0.5,
}


def median_seconds(action: Callable[[], Any], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def paired(a: Callable[[], Any], b: Callable[[], Any], rounds: int, per_round: int) -> tuple[float, float]:
    """Median time per call of a and of b, alternating rounds; one warm-up call each first."""
    a()
    b()
    a_times, b_times = [], []
    for _ in range(rounds):
        a_times.append(median_seconds(a, per_round))
        b_times.append(median_seconds(b, per_round))
    return statistics.median(a_times), statistics.median(b_times)


def raw_httpx_call(client: httpx.Client, base_url: str) -> Callable[[], Any]:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hello"}]}
    headers = {"Authorization": f"Bearer {KEY}"}

    def call() -> Any:
        response = client.post(f"{base_url}/chat/completions", json=body, headers=headers)
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]

    return call


def consume(model: Any, prompt: str) -> Callable[[], int]:
    def run() -> int:
        return sum(1 for _ in model.stream(prompt))

    return run


async def paired_abatch(ours: Any, theirs: Any, size: int, rounds: int) -> tuple[float, float]:
    """Median seconds per `abatch` of `size` prompts, alternating; one event loop for every round.

    ChatOpenAI's cached async client breaks when reused across `asyncio.run` calls, so all rounds share a loop.
    """
    prompts = [f"question {n}" for n in range(size)]
    samples: dict[int, list[float]] = {0: [], 1: []}
    for model in (ours, theirs):
        await model.abatch(prompts, config={"max_concurrency": size})
    for _ in range(rounds):
        for slot, model in enumerate((ours, theirs)):
            start = time.perf_counter()
            await model.abatch(prompts, config={"max_concurrency": size})
            samples[slot].append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


def import_seconds(statement: str, env: dict[str, str]) -> float:
    """Seconds a fresh interpreter spends on `statement` (the chat model class, not a lazy package)."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return float(result.stdout)


def paired_import_times(ours: str, theirs: str, repeats: int) -> tuple[float, float]:
    """Median import seconds of two statements, alternated (A B A B ...) after one uncounted run of each.

    Both sides load from bytecode caches, as after `pip install`: pip compiles langchain-openai's modules when it
    installs them, while an editable checkout run with PYTHONDONTWRITEBYTECODE set would compile ours from source
    on every run. The uncounted runs write the caches.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    import_seconds(ours, env)
    import_seconds(theirs, env)
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        samples[0].append(import_seconds(ours, env))
        samples[1].append(import_seconds(theirs, env))
    return statistics.median(samples[0]), statistics.median(samples[1])


def upload_memory_growth(base_url: str, size_mib: int) -> float | None:
    """Peak RSS growth (MiB) of a process uploading a sparse file of `size_mib`, or None without ToiotechFiles."""
    code = f"""
import resource, sys
from langchain_toiotech.files import ToiotechFiles
files = ToiotechFiles(base_url={base_url!r}, api_key={KEY!r})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
uploaded = files.upload(sys.argv[1])
files.delete(uploaded.id)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.pdf"
        with path.open("wb") as handle:
            handle.truncate(size_mib * 2**20)
        result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(f"  upload benchmark skipped: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return float(result.stdout)


def report(name: str, ours: float, theirs: float, unit: str = "ms") -> None:
    ratio = ours / theirs
    target = TARGETS.get(name)
    verdict = "" if target is None else f" (target ≤ {target:.1f}: {'met' if ratio <= target else 'MISSED'})"
    scale = 1000.0 if unit == "ms" else 1.0
    print(
        f"{name:44s} ours {ours * scale:9.3f} {unit}  theirs {theirs * scale:9.3f} {unit}  ratio {ratio:5.2f}{verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run, noisier figures)")
    args = parser.parse_args()
    rounds, per_round = (3, 10) if args.quick else (7, 40)
    concurrency_rounds = 1 if args.quick else 3
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; rounds={rounds}, calls per round={per_round}")
    # Enough connections for the 2,000-stream concurrency run: the emulator answers 503 past its limit.
    with emulator_process("--max-connections", "2500") as base_url:
        ours = ChatToiotech(model=MODEL, base_url=base_url, api_key=KEY)
        theirs = ChatOpenAI(model=MODEL, base_url=base_url, api_key=KEY, stream_usage=True)
        with httpx.Client() as client:
            toiotech_s, openai_s = paired(
                lambda: ours.invoke("hello"), lambda: theirs.invoke("hello"), rounds, per_round
            )
            report("invoke vs ChatOpenAI", toiotech_s, openai_s)
            toiotech_s, raw_s = paired(
                lambda: ours.invoke("hello"), raw_httpx_call(client, base_url), rounds, per_round
            )
            report("invoke vs raw httpx", toiotech_s, raw_s)
        prompt = "stream 5000 chunks"
        toiotech_s, openai_s = paired(consume(ours, prompt), consume(theirs, prompt), rounds, 1)
        report("stream 5000 chunks vs ChatOpenAI", toiotech_s, openai_s)
        toiotech_s, openai_s = asyncio.run(paired_abatch(ours, theirs, 64, rounds))
        report("abatch 64 vs ChatOpenAI", toiotech_s, openai_s)
        for row in concurrency_rows(base_url, concurrency_rounds):
            report(*row)
        report(
            "import vs langchain_openai",
            *paired_import_times(
                "from langchain_toiotech import ChatToiotech", "from langchain_openai import ChatOpenAI", rounds * 2
            ),
        )
        growth = upload_memory_growth(base_url, UPLOAD_MIB)
        if growth is not None:
            verdict = "met" if growth <= UPLOAD_GROWTH_TARGET_MIB else "MISSED"
            label = f"upload {UPLOAD_MIB} MiB peak RSS growth"
            print(f"{label:36s} {growth:9.1f} MiB (target ≤ {UPLOAD_GROWTH_TARGET_MIB} MiB: {verdict})")


if __name__ == "__main__":
    main()
