"""Bulk work on Ray Data: a folder of PDFs, images and a video into Documents, a prompt set into answers, to Parquet.

Needs the ray extra: pip install -e ".[ray]". Run: python cookbook/ray_bulk.py [--output DIR] [--workers 2]

Offline (no TOIOTECH_API_KEY) it starts the gateway emulator as a process of its own, with 50 ms per reply
(Ray's workers are other processes: they reach it over loopback, as they would reach the gateway), writes 8
three-page PDFs, 3 PNGs and a video into a scratch folder, and starts a local Ray cluster of 2 CPUs. Live
(TOIOTECH_API_KEY set) it reads TOIOTECH_LOADER_DIR (the files) and TOIOTECH_PROMPTS (a JSON Lines file of
{"id": ..., "prompt": ...}) if set.

Every row that fails keeps its place in the output, with `error_type`, `error_message` and `error_source`; the
job goes on. `--rerun-failed` reads the answers written by an earlier run from --output, runs only the rows
with an error again, and writes the merged answers back.

On a real Ray cluster:

1. Install the same on every node: pip install "langchain-toiotech[ray]".
2. Put TOIOTECH_API_KEY in every node's environment before `ray start` (KubeRay: an `env` entry taken from a
   Kubernetes Secret in the head and worker pod templates). Never in `runtime_env={"env_vars": ...}`: Ray keeps
   a job's runtime_env in its metadata (GCS). The workers read the key there; it is not in the dataset, the
   UDFs' arguments or the object store.
3. Point the driver at the cluster: RAY_ADDRESS=ray://<head>:10001 (or run on the head node with
   RAY_ADDRESS=auto); ray.init() reads it. TOIOTECH_LOADER_DIR must be storage every node reads (a shared
   file system, or an s3://... URI, which Ray Data reads), and --output a shared file system path.
4. Size --workers x --per-worker below the gateway's limit (README, "At scale").
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import ray
import ray.data
from ray.data.expressions import col

from langchain_toiotech import ToiotechFiles
from langchain_toiotech.ray import delete_run_uploads, load_documents, new_run_id, run_chat
from langchain_toiotech.testing import emulator_process, write_sample_folder

VISION_MODEL = os.environ.get("TOIOTECH_VISION_MODEL", "doubao-seed-1-8")
CHAT_MODEL = os.environ.get("TOIOTECH_MODEL", "deepseek-chat")
PROMPTS = 200
# Typed up front: a block whose `messages` are all null would otherwise get Arrow's null type, which later
# blocks' strings cannot be written next to.
PROMPT_SCHEMA = pa.schema([("id", pa.string()), ("prompt", pa.string()), ("messages", pa.string())])


@contextmanager
def gateway() -> Iterator[dict[str, Any]]:
    """The live gateway when TOIOTECH_API_KEY is set, else an emulator process; yields the UDFs' options."""
    if os.environ.get("TOIOTECH_API_KEY"):
        print("Using the live toiotech gateway (TOIOTECH_API_KEY is set).")
        yield {}
        return
    key = "sk-emulator-" + secrets.token_hex(8)  # the emulator refuses any other token: the workers must have it
    with emulator_process("--latency", "0.05", "--api-key", key) as base_url:
        print(f"No TOIOTECH_API_KEY set: using the offline gateway emulator at {base_url}.")
        # Set before ray.init: the local cluster's workers inherit the driver's environment, as a real
        # cluster's inherit their node's.
        os.environ["TOIOTECH_API_KEY"] = key
        try:
            yield {"base_url": base_url}
        finally:
            del os.environ["TOIOTECH_API_KEY"]


def start_ray() -> None:
    if os.environ.get("RAY_ADDRESS"):
        ray.init()  # an existing cluster; its nodes have the key in their environment
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False


def prompt_rows() -> list[dict[str, Any]]:
    if path := os.environ.get("TOIOTECH_PROMPTS"):
        with Path(path).open(encoding="utf-8") as lines:
            return [{"messages": None, **json.loads(line)} for line in lines if line.strip()]  # ids as strings
    rows: list[dict[str, Any]] = [
        {"id": f"q{n:04d}", "prompt": f"Give one fact about the number {n}.", "messages": None} for n in range(PROMPTS)
    ]
    chat = [{"role": "system", "content": "Answer in French."}, {"role": "user", "content": "Name a colour."}]
    rows.append({"id": "chat-0", "prompt": None, "messages": json.dumps(chat)})
    # A row cut short in an export: it fails on its own, and the others go on.
    rows.append({"id": "broken-0", "prompt": None, "messages": '[{"role": "user", "content": "Hel'})
    return rows


def report_failures(table: pa.Table, what: str) -> None:
    failed = [row for row in table.to_pylist() if row["error_type"] is not None]
    print(f"{what}: {table.num_rows} rows, {table.num_rows - len(failed)} ok, {len(failed)} failed")
    for row in failed[:5]:
        print(f"  failed {row['error_source']}: {row['error_type']}: {row['error_message'][:100]}")


def load_folder(folder: str, output: Path, workers: int, per_worker: int, options: dict[str, Any]) -> None:
    run_id = new_run_id()  # made on the driver: every upload of this run carries it
    files = ray.data.read_binary_files(folder, include_paths=True)
    documents = load_documents(
        files, VISION_MODEL, run_id=run_id, mode="page", concurrency=workers, max_concurrency=per_worker, **options
    )
    documents.write_parquet(str(output / "documents"))
    swept = delete_run_uploads(run_id, **options)  # what a worker lost for good left behind (none here)
    table = pq.read_table(output / "documents")
    report_failures(table, "documents")
    pages = sorted((Path(row["source"]).name, row["page"]) for row in table.select(["source", "page"]).to_pylist())
    print(f"  first rows: {pages[:3]}; leftover uploads swept: {len(swept)}")


def answer_prompts(output: Path, workers: int, per_worker: int, options: dict[str, Any]) -> None:
    # One block per batch of rows, so that every worker gets some (a single table is one block, one worker).
    table = pa.Table.from_pylist(prompt_rows(), schema=PROMPT_SCHEMA)
    prompts = ray.data.from_arrow(table).repartition(max(1, table.num_rows // 64 + 1))
    answers = run_chat(prompts, CHAT_MODEL, concurrency=workers, max_concurrency=per_worker, **options)
    answers.write_parquet(str(output / "answers"))
    table = pq.read_table(output / "answers")
    report_failures(table, "answers")
    first = next(row for row in table.to_pylist() if row["id"] == "q0000")
    print(f"  q0000: {first['text']!r} ({first['total_tokens']} tokens, finish {first['finish_reason']})")


def rerun_failed(output: Path, workers: int, per_worker: int, options: dict[str, Any]) -> None:
    previous = ray.data.read_parquet(str(output / "answers"))
    failed = previous.filter(expr=col("error_type").is_not_null()).materialize()
    print(f"rerunning {failed.count()} failed rows of {previous.count()}")
    rerun = run_chat(failed, CHAT_MODEL, concurrency=workers, max_concurrency=per_worker, **options)
    merged = previous.filter(expr=col("error_type").is_null()).union(rerun)
    staging = output / "answers.rerun"
    merged.write_parquet(str(staging))  # read in full before the old answers are replaced
    shutil.rmtree(output / "answers")
    staging.rename(output / "answers")
    report_failures(pq.read_table(output / "answers"), "answers after the rerun")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--output", type=Path, help="where the Parquet goes (default: a scratch folder)")
    parser.add_argument("--workers", type=int, default=2, help="Ray workers (actors) per stage")
    parser.add_argument("--per-worker", type=int, default=8, help="requests in flight per worker")
    parser.add_argument("--rerun-failed", action="store_true", help="rerun only the failed rows in --output")
    args = parser.parse_args()
    with gateway() as options, tempfile.TemporaryDirectory() as scratch:
        output: Path = args.output or Path(scratch) / "out"
        start_ray()
        try:
            if args.rerun_failed:
                rerun_failed(output, args.workers, args.per_worker, options)
                return
            folder = os.environ.get("TOIOTECH_LOADER_DIR")
            if folder is None:
                folder = scratch + "/inputs"
                write_sample_folder(Path(folder), pdfs=8, images=3, videos=1, pages=3)
            load_folder(folder, output, args.workers, min(args.per_worker, 4), options)
            answer_prompts(output, args.workers, args.per_worker, options)
            if "base_url" in options:
                left = ToiotechFiles(base_url=options["base_url"]).list()
                print(f"files left on the gateway: {len(left)}")
            print(f"wrote {output / 'documents'} and {output / 'answers'}")
        finally:
            ray.shutdown()


if __name__ == "__main__":
    main()
