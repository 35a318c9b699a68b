"""Ray Data throughput: 200 files and 2,000 prompts on 1 and 2 Ray workers vs the same work in one process.

Run: pip install -e ".[bench,ray]" && python benchmarks/ray_bulk.py [--latency 0.1] [--per-worker 16]

The emulator runs in a process of its own with `--latency` seconds before every reply (100 ms by default, a
gateway's round trip), so the work waits on the network as real bulk work does. Each contender does the same
work with the same concurrency per process: `ChatToiotech.abatch(max_concurrency=C)` and
`ToiotechFileLoader(max_concurrency=F)` in this process, then `run_chat` / `load_documents` with 1 and with 2
Ray workers of C (F) requests each. The ratios come from this one run. A Ray job's time includes starting its
workers (actors are per job), as a user's job does; the local cluster itself is started before the clocks.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_toiotech import ChatToiotech, ToiotechFileLoader
from langchain_toiotech.testing import emulator_process, write_sample_folder

CHAT_MODEL = "gpt-4o-mini"
VISION_MODEL = "doubao-seed-1-8"
KEY = "sk-bench-ray"
PROMPTS = 2000
FILES = {"pdfs": 150, "images": 40, "videos": 10}  # 200 files; PDFs of 2 pages
PAGES = 2


def one_process_prompts(base_url: str, per_worker: int) -> int:
    model = ChatToiotech(model=CHAT_MODEL, base_url=base_url)
    prompts = [f"Give one fact about the number {n}." for n in range(PROMPTS)]
    replies = asyncio.run(model.abatch(prompts, config={"max_concurrency": per_worker}))
    assert all(reply.text for reply in replies)
    return len(replies)


def one_process_files(base_url: str, folder: Path, per_worker: int) -> int:
    loader = ToiotechFileLoader(folder, VISION_MODEL, mode="page", max_concurrency=per_worker, base_url=base_url)
    return len(loader.load())


def ray_prompts(base_url: str, workers: int, per_worker: int) -> int:
    import ray.data  # noqa: PLC0415 - loaded after the one-process runs, which do not pay for it

    from langchain_toiotech.ray import run_chat  # noqa: PLC0415

    prompts = ray.data.from_items(
        [{"id": n, "prompt": f"Give one fact about the number {n}."} for n in range(PROMPTS)],
        override_num_blocks=PROMPTS // 64,
    )
    answers = run_chat(prompts, CHAT_MODEL, concurrency=workers, max_concurrency=per_worker, base_url=base_url)
    return rows_without_errors(answers.select_columns(["id", "error_type"]))


def ray_files(base_url: str, folder: Path, workers: int, per_worker: int) -> int:
    import ray.data  # noqa: PLC0415

    from langchain_toiotech.ray import delete_run_uploads, load_documents, new_run_id  # noqa: PLC0415

    run_id = new_run_id()
    files = ray.data.read_binary_files(str(folder), include_paths=True)
    documents = load_documents(
        files,
        VISION_MODEL,
        run_id=run_id,
        mode="page",
        concurrency=workers,
        max_concurrency=per_worker,
        base_url=base_url,
    )
    count = rows_without_errors(documents.select_columns(["source", "error_type"]))
    assert delete_run_uploads(run_id, base_url=base_url) == []
    return count


def rows_without_errors(dataset: Any) -> int:
    """Run the job once, streaming its small result to the driver; check no row failed."""
    errors = [batch["error_type"] for batch in dataset.iter_batches(batch_format="pyarrow", batch_size=None)]
    failed = sum(column.null_count != len(column) for column in errors)
    assert failed == 0, f"batches with failed rows: {failed}"
    return sum(len(column) for column in errors)


def timed(action: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    count = action()
    return time.perf_counter() - start, count


def start_ray() -> float:
    import ray  # noqa: PLC0415

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    start = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    return time.perf_counter() - start


def measure(base_url: str, folder: Path, args: argparse.Namespace) -> dict[str, list[float]]:
    """Seconds per contender and work, each run `args.rounds` times (the Ray runs after the one-process ones)."""
    times: dict[str, list[float]] = {}

    def run(name: str, action: Callable[[], int], expected: int) -> None:
        seconds, count = timed(action)
        assert count == expected, f"{name}: {count} rows, expected {expected}"
        times.setdefault(name, []).append(seconds)
        print(f"  {name:<28} {seconds:7.2f} s ({count} rows)", flush=True)

    documents = FILES["pdfs"] * PAGES + FILES["images"] + FILES["videos"]
    c, f = args.per_worker, args.files_per_worker
    for _ in range(args.rounds):
        run("prompts: one process", lambda: one_process_prompts(base_url, c), PROMPTS)
        run("files: one process", lambda: one_process_files(base_url, folder, f), documents)
    print(f"  (local Ray cluster started in {start_ray():.1f} s, not counted)", flush=True)
    for _ in range(args.rounds):
        for workers in (1, 2):
            run(f"prompts: {workers} Ray worker(s)", lambda w=workers: ray_prompts(base_url, w, c), PROMPTS)
            run(f"files: {workers} Ray worker(s)", lambda w=workers: ray_files(base_url, folder, w, f), documents)
    return times


def report(times: dict[str, list[float]], args: argparse.Namespace) -> None:
    median = {name: statistics.median(samples) for name, samples in times.items()}
    print(
        f"\nlatency {args.latency * 1000:.0f} ms per reply; {args.per_worker} prompts / {args.files_per_worker} files"
    )
    print("in flight per process or worker; medians of", args.rounds, "round(s)")
    print("| work | contender | seconds | per second | vs one process |")
    print("|---|---|---|---|---|")
    for work, rows in (("prompts", PROMPTS), ("files", sum(FILES.values()))):
        base = median[f"{work}: one process"]
        for contender in ("one process", "1 Ray worker(s)", "2 Ray worker(s)"):
            seconds = median[f"{work}: {contender}"]
            print(f"| {rows:,} {work} | {contender} | {seconds:.2f} | {rows / seconds:.0f} | {seconds / base:.2f} |")
    one, two = median["prompts: 1 Ray worker(s)"], median["prompts: 2 Ray worker(s)"]
    print(f"2 workers vs 1: prompts {two / one:.2f}", end="")
    print(f", files {median['files: 2 Ray worker(s)'] / median['files: 1 Ray worker(s)']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--latency", type=float, default=0.1, help="emulator seconds per reply")
    parser.add_argument("--per-worker", type=int, default=16, help="prompts in flight per process or worker")
    parser.add_argument("--files-per-worker", type=int, default=8, help="files in flight per process or worker")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with (
        emulator_process("--latency", str(args.latency), "--api-key", KEY, "--max-connections", "512") as base_url,
        tempfile.TemporaryDirectory() as scratch,
    ):
        os.environ["TOIOTECH_API_KEY"] = KEY  # before ray.init: the local workers inherit it, nothing else carries it
        folder = Path(scratch)
        write_sample_folder(folder, pages=PAGES, **FILES)
        try:
            times = measure(base_url, folder, args)
        finally:
            import ray  # noqa: PLC0415

            ray.shutdown()
    report(times, args)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
