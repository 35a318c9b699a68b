"""Both UDFs end to end on a local Ray cluster against the emulator process: every row, every upload, the key."""

from __future__ import annotations

import json
import os
import secrets
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
import ray
import ray.data
from ray.data.expressions import col

from langchain_toiotech.ray import delete_run_uploads, load_documents, new_run_id, run_chat
from langchain_toiotech.testing import Fault
from tests._support.ray_storage import (
    StoreWatch,
    actor_pids,
    actor_restarts,
    block_bytes,
    gcs_bytes,
    object_store_memory,
    session_files,
)
from tests.ray_tests.conftest import CANARY_ENV, RayCluster

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]

MODEL: Final = "deepseek-reasoner"  # reasons, and takes no images: a row with one gets DeepSeek's 400
VISION: Final = "doubao-seed-1-8"
PROMPTS: Final = 24
CANARY_ROW: Final = "canary-row-" + secrets.token_hex(8)
CANARY_CTOR: Final = "canary-ctor-" + secrets.token_hex(8)
PAGES: Final = {"one.pdf": 1, "two.pdf": 2, "three.pdf": 3}
PNG: Final = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def pdf(pages: int) -> bytes:
    objects = "".join(f"{n} 0 obj<</Type /Page>>endobj\n" for n in range(1, pages + 1))
    return f"%PDF-1.4\n{objects}trailer<<>>\n%%EOF\n".encode()


@dataclass
class Jobs:
    chat_in: Any
    chat_out: Any
    documents_in: Any
    documents_out: Any
    run_id: str
    folder: Path
    chat_requests: list[Any]
    upload_requests: list[Any]
    stores: list[StoreWatch]


def _chat_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"id": n, "prompt": f"question {n} {CANARY_ROW}", "messages": None} for n in range(PROMPTS)
    ]
    conversation = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "conversation"},
    ]
    image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]
    rows.append({"id": PROMPTS, "prompt": None, "messages": json.dumps(conversation)})
    rows.append({"id": PROMPTS + 1, "prompt": None, "messages": "not json"})
    rows.append({"id": PROMPTS + 2, "prompt": None, "messages": json.dumps(image)})
    return rows


def _files(folder: Path) -> list[str]:
    for name, pages in PAGES.items():
        (folder / name).write_bytes(pdf(pages))
    (folder / "image.png").write_bytes(PNG)
    (folder / "empty.pdf").write_bytes(b"")
    return sorted(str(path) for path in folder.iterdir())


@pytest.fixture(scope="module")
def jobs(ray_cluster: RayCluster, tmp_path_factory: pytest.TempPathFactory) -> Jobs:
    gateway = ray_cluster.gateway
    gateway.clear_requests()
    # Two 429s with Retry-After: the workers' own clients wait and retry them; the rows still succeed.
    gateway.enqueue_fault(Fault(status=429, retry_after="1"), path="/chat/completions", times=2)
    chat_in = ray.data.from_items(_chat_rows()).materialize()
    needles = (ray_cluster.secret.encode(), CANARY_CTOR.encode(), b"ToiotechChatUDF", b"ToiotechDocumentUDF")
    with StoreWatch(*needles) as chat_store:
        chat_out = run_chat(
            chat_in, MODEL, concurrency=2, max_concurrency=4, batch_size=8, system_prompt=CANARY_CTOR
        ).materialize()
    chat_requests = [r for r in gateway.requests if r.path == "/v1/chat/completions"]

    folder = tmp_path_factory.mktemp("files")
    run_id = new_run_id()
    gateway.clear_requests()
    gateway.enqueue_fault(Fault(status=429, retry_after="1"), path="/files")  # retried: the file succeeds
    documents_in = ray.data.read_binary_files(_files(folder), include_paths=True).materialize()
    with StoreWatch(*needles) as documents_store:
        documents_out = load_documents(
            documents_in, VISION, run_id=run_id, mode="page", concurrency=1, max_concurrency=4, batch_size=3
        ).materialize()
    uploads = [r for r in gateway.requests if r.method == "POST" and r.path == "/v1/files"]
    stores = [chat_store, documents_store]
    return Jobs(chat_in, chat_out, documents_in, documents_out, run_id, folder, chat_requests, uploads, stores)


def test_chat_answers_every_prompt_in_order_with_usage(jobs: Jobs) -> None:
    rows = jobs.chat_out.take_all()
    assert [row["id"] for row in rows] == list(range(PROMPTS + 3))
    for row in rows[:PROMPTS]:
        assert row["text"] == f"Hello from the toiotech emulator. You said: question {row['id']} {CANARY_ROW}"
        assert row["reasoning"] == f"Thinking about: question {row['id']} {CANARY_ROW}"
        assert row["finish_reason"] == "stop"
        assert row["model"] == MODEL
        assert row["input_tokens"] > 0
        assert row["output_tokens"] > 0
        assert row["total_tokens"] == row["input_tokens"] + row["output_tokens"]
        assert row["reasoning_tokens"] > 0
        assert row["error_type"] is None
        assert row["error_message"] is None
        assert row["prompt"].startswith("question")  # the input columns pass through
    conversation = rows[PROMPTS]
    assert conversation["text"] == "Hello from the toiotech emulator. You said: conversation"
    assert conversation["error_type"] is None


def test_chat_failures_are_rows_with_their_errors(jobs: Jobs) -> None:
    rows = {row["id"]: row for row in jobs.chat_out.take_all()}
    not_json, image = rows[PROMPTS + 1], rows[PROMPTS + 2]
    assert not_json["error_type"] == "RowInputError"
    assert "messages is not JSON" in not_json["error_message"]
    assert not_json["error_source"] == str(PROMPTS + 1)
    assert not_json["text"] is None
    assert image["error_type"] == "BadRequestError"
    assert image["error_message"]
    assert image["error_source"] == str(PROMPTS + 2)
    assert image["text"] is None
    assert image["input_tokens"] is None
    failed = jobs.chat_out.filter(expr=col("error_type").is_not_null()).take_all()
    assert sorted(row["id"] for row in failed) == [PROMPTS + 1, PROMPTS + 2]


def test_chat_429s_are_retried_by_the_worker_that_got_them(jobs: Jobs) -> None:
    statuses = [request.status for request in jobs.chat_requests]
    assert statuses.count(429) == 2
    # Each 429'd request was sent again, once, by the same client (a retried Ray batch would resend every row).
    bodies = [json.dumps(request.body, sort_keys=True) for request in jobs.chat_requests]
    limited = {bodies[n] for n, status in enumerate(statuses) if status == 429}
    assert all(bodies.count(body) == 2 for body in limited)
    sent_rows = PROMPTS + 2  # every row but the one that is not JSON reached the gateway
    assert len(jobs.chat_requests) == sent_rows + 2


def test_documents_per_file_and_per_page(jobs: Jobs) -> None:
    rows = jobs.documents_out.take_all()
    by_file: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_file.setdefault(row["filename"], []).append(row)
    assert sorted(by_file) == sorted([*PAGES, "image.png", "empty.pdf"])
    for name, pages in PAGES.items():
        file_rows = by_file[name]
        assert [row["page"] for row in file_rows] == list(range(pages))
        assert [row["page_content"] for row in file_rows] == [f"Page {n + 1}" for n in range(pages)]
        assert all(row["source"] == str(jobs.folder / name) for row in file_rows)
        assert all(row["error_type"] is None and row["model"] == VISION for row in file_rows)
        assert file_rows[0]["input_tokens"] > 0  # the file's one call, counted on its first row only
        assert all(row["input_tokens"] is None for row in file_rows[1:])
        metadata = [json.loads(row["metadata_json"]) for row in file_rows]
        assert all(item["filename"] == name and item["file_id"].startswith("file-") for item in metadata)
        assert all(item["usage"]["input_tokens"] > 0 for item in metadata)
    (image,) = by_file["image.png"]
    assert image["page"] is None
    assert image["page_content"]
    assert image["mime_type"] == "image/png"


def test_a_failed_file_is_a_row_with_its_error(jobs: Jobs) -> None:
    (empty,) = jobs.documents_out.filter(expr=col("error_type").is_not_null()).take_all()
    assert empty["source"] == str(jobs.folder / "empty.pdf")
    assert empty["error_source"] == empty["source"]
    assert empty["error_type"] == "ValueError"
    assert "empty" in empty["error_message"]
    assert empty["page_content"] is None


def test_uploads_are_tagged_and_none_is_left(ray_cluster: RayCluster, jobs: Jobs) -> None:
    names = [request.body["file"]["filename"] for request in jobs.upload_requests]
    assert len(names) == len(PAGES) + 1 + 1  # four files uploaded, one of them twice (after its 429)
    assert all(name.startswith(f"toiotech-ray.{jobs.run_id}.") for name in names)
    assert ray_cluster.gateway.files == {}
    assert delete_run_uploads(jobs.run_id, base_url=ray_cluster.gateway.base_url, api_key=ray_cluster.secret) == []


def _extraction_started(gateway: Any) -> bool:
    return any(request.path == "/v1/responses" for request in gateway.requests)


def test_a_worker_killed_mid_file_leaves_no_upload(ray_cluster: RayCluster, tmp_path: Path) -> None:
    gateway = ray_cluster.gateway
    gateway.clear_requests()
    for name in ("a.pdf", "b.pdf"):
        (tmp_path / name).write_bytes(pdf(1))
    # The first extraction hangs after its upload: the worker is killed while it waits.
    gateway.enqueue_fault(Fault(first_byte_delay=60), path="/responses")
    files = ray.data.read_binary_files(sorted(str(p) for p in tmp_path.iterdir()), include_paths=True)
    dataset = load_documents(files, VISION, run_id=new_run_id(), concurrency=1, max_concurrency=2, batch_size=2)
    result: dict[str, Any] = {}
    job = threading.Thread(target=lambda: result.setdefault("rows", dataset.take_all()), daemon=True)
    job.start()
    deadline = time.monotonic() + 60
    while not _extraction_started(gateway) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _extraction_started(gateway), "no extraction started"
    assert gateway.files  # the hanging file's upload, which only the worker knew
    restarts = actor_restarts("ToiotechDocumentUDF")
    (pid,) = actor_pids("ToiotechDocumentUDF")
    os.kill(pid, signal.SIGKILL)
    job.join(timeout=120)
    assert not job.is_alive()
    rows = result["rows"]
    assert sorted(row["filename"] for row in rows) == ["a.pdf", "b.pdf"]
    assert all(row["error_type"] is None for row in rows)
    assert actor_restarts("ToiotechDocumentUDF") == restarts + 1
    assert gateway.pending == 0  # the hanging reply went to the killed worker, not to the retry
    assert gateway.files == {}  # the restarted worker deleted its predecessor's upload; the retry cleaned up
    listed = [r for r in gateway.requests if r.method == "GET" and r.path == "/v1/files"]
    assert len(listed) == 1  # only the restarted worker looked for leftovers


def test_the_key_is_nowhere_in_what_ray_stored(ray_cluster: RayCluster, jobs: Jobs) -> None:
    secret = ray_cluster.secret.encode()
    stored = gcs_bytes()
    assert CANARY_ENV.encode() in stored["job table"]  # the scan reads the job's runtime_env...
    for where, data in stored.items():
        assert secret not in data, where  # ...and the key is in no job config, actor entry or KV namespace
    blocks = block_bytes([jobs.chat_in, jobs.chat_out, jobs.documents_in, jobs.documents_out])
    assert CANARY_ROW.encode() in blocks  # the rows are in these bytes; the key is not
    assert secret not in blocks
    chat_store, documents_store = jobs.stores
    # The object store's memory, scanned while each job ran: the pickled UDF classes and their constructor
    # arguments were there, the key never was (nor is it now).
    assert {CANARY_CTOR.encode(), b"ToiotechChatUDF"} <= chat_store.seen
    assert b"ToiotechDocumentUDF" in documents_store.seen
    assert secret not in chat_store.seen | documents_store.seen
    assert secret not in object_store_memory()
    for name, data in session_files().items():
        assert secret not in data, name  # logs, runtime resources, spilled objects
