"""langchain_toiotech.ray without a cluster: rows, errors, bounds, refusals, upload tags and sweeps."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import ray
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from langchain_toiotech.chat_models import ChatToiotech
from langchain_toiotech.files import ToiotechFiles
from langchain_toiotech.ray import (
    CHAT_SCHEMA,
    DOCUMENT_SCHEMA,
    ToiotechChatUDF,
    ToiotechDocumentUDF,
    delete_run_uploads,
    new_run_id,
)
from langchain_toiotech.ray import _documents as documents_module
from langchain_toiotech.ray._chat_rows import RowInputError, answer_columns, row_messages, row_source
from langchain_toiotech.ray._inputs import as_table, refuse_key
from langchain_toiotech.ray._schemas import row_error, to_table
from langchain_toiotech.ray._uploads import check_run_id, run_prefix, worker_tag
from langchain_toiotech.testing import Fault, GatewayEmulator

PDF = b"%PDF-1.4\n1 0 obj<</Type /Page>>endobj\n2 0 obj<</Type /Page>>endobj\n%%EOF\n"


@pytest.fixture
def gw() -> Any:
    with GatewayEmulator() as emulator:
        yield emulator


# -- rows --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "messages", "expected"),
    [
        ("hi", None, [HumanMessage("hi")]),
        (None, '[{"role": "user", "content": "json"}]', [HumanMessage("json")]),
        (None, [{"role": "user", "content": "list", "name": None}], [HumanMessage("list")]),
        ("", [{"role": "user", "content": "empty prompt falls back"}], [HumanMessage("empty prompt falls back")]),
    ],
)
def test_a_row_becomes_messages(prompt: Any, messages: Any, expected: list[Any]) -> None:
    assert [(type(m), m.content) for m in row_messages(prompt, messages, None)] == [
        (type(m), m.content) for m in expected
    ]


def test_the_system_prompt_goes_first_unless_the_row_has_one() -> None:
    assert isinstance(row_messages("hi", None, "Be brief.")[0], SystemMessage)
    own = [{"role": "system", "content": "mine"}, {"role": "user", "content": "hi"}]
    assert [m.content for m in row_messages(None, own, "Be brief.")] == ["mine", "hi"]


@pytest.mark.parametrize(
    ("prompt", "messages", "match"),
    [
        (None, None, "neither a prompt nor messages"),
        (None, "not json", "messages is not JSON"),
        (None, "[]", "non-empty list"),
        (None, '{"role": "user"}', "non-empty list"),
        (None, '[{"role": "wizard", "content": "x"}]', "could not be read"),
    ],
)
def test_a_bad_row_is_refused_before_any_request(prompt: Any, messages: Any, match: str) -> None:
    with pytest.raises(RowInputError, match=match):
        row_messages(prompt, messages, None)


def test_a_failed_row_is_named_by_its_id_else_its_prompt() -> None:
    assert row_source(7, "hi", None) == "7"
    assert row_source(None, "x" * 500, None) == "x" * 200
    assert row_source(None, None, [{"role": "user", "content": "m"}]) == '[{"role": "user", "content": "m"}]'


def test_answer_columns_keep_text_reasoning_finish_reason_and_usage() -> None:
    message = AIMessage(
        "answer",
        additional_kwargs={"reasoning_content": "thought"},
        response_metadata={"finish_reason": "length", "model_name": "deepseek-reasoner"},
        usage_metadata={
            "input_tokens": 3,
            "output_tokens": 5,
            "total_tokens": 8,
            "output_token_details": {"reasoning": 2},
        },
    )
    assert answer_columns(message) == {
        "text": "answer",
        "reasoning": "thought",
        "finish_reason": "length",
        "model": "deepseek-reasoner",
        "input_tokens": 3,
        "output_tokens": 5,
        "total_tokens": 8,
        "reasoning_tokens": 2,
    }
    bare = answer_columns(AIMessage("x"))
    assert bare["reasoning"] is None
    assert bare["input_tokens"] is None


def _wrapped_error() -> ValueError:
    cause = TimeoutError("slow down")
    error = ValueError("x" * 5_000)
    error.__cause__ = cause
    return error


def test_an_error_keeps_its_root_type_and_a_bounded_message() -> None:
    described = row_error(_wrapped_error(), "row 1")
    assert described.type == "TimeoutError"
    assert len(described.message) == 2_000
    assert described.source == "row 1"


def test_all_null_batches_keep_the_schema() -> None:
    table = to_table([{}, {}], CHAT_SCHEMA)
    assert table.schema == CHAT_SCHEMA
    assert pa.concat_tables([table, to_table([{"text": "a", "input_tokens": 1}], CHAT_SCHEMA)]).num_rows == 3
    assert to_table([], DOCUMENT_SCHEMA).schema == DOCUMENT_SCHEMA


def test_batches_in_any_of_rays_formats() -> None:
    expected = pa.table({"prompt": ["a", "b"]})
    assert as_table(expected) is expected
    assert as_table({"prompt": np.array(["a", "b"], dtype=object)}).to_pylist() == expected.to_pylist()
    assert as_table(pd.DataFrame({"prompt": ["a", "b"]})).to_pylist() == expected.to_pylist()
    with pytest.raises(TypeError, match="pyarrow, pandas or numpy"):
        as_table([1, 2])


# -- the key never travels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"api_key": "sk-x"},
        {"openai_api_key": "sk-x"},
        {"default_headers": {"Authorization": "Bearer sk-x"}},
        {"chat_kwargs": {"api_key": "sk-x"}},
    ],
)
def test_a_key_argument_is_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="TOIOTECH_API_KEY in the workers' environment"):
        refuse_key("run_chat", options)
    with pytest.raises(ValueError, match="does not take"):
        ToiotechChatUDF("gpt-4o-mini", **options)
    with pytest.raises(ValueError, match="does not take"):
        ToiotechDocumentUDF("doubao-seed-1-8", run_id=new_run_id(), **options)


def test_a_worker_without_the_key_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOIOTECH_API_KEY")
    with pytest.raises(ValueError, match="TOIOTECH_API_KEY"):
        ToiotechChatUDF("gpt-4o-mini")


# -- the chat UDF ------------------------------------------------------------------------------------------------


def test_chat_rows_in_order_with_passthrough_columns_and_row_errors(gw: GatewayEmulator) -> None:
    udf = ToiotechChatUDF("deepseek-reasoner", base_url=gw.base_url, max_retries=0)
    gw.enqueue_fault(Fault(status=429), path="/chat/completions")  # the first request fails, no retry left
    batch = pa.table({"id": [1, 2, 3], "prompt": ["a", None, "c"], "messages": [None, "oops", None]})
    out = asyncio.run(udf(batch))
    assert out.column_names == ["id", "prompt", "messages", *CHAT_SCHEMA.names]
    rows = out.to_pylist()
    assert [row["id"] for row in rows] == [1, 2, 3]
    assert rows[1]["error_type"] == "RowInputError"
    assert rows[1]["error_source"] == "2"
    errors = sorted(row["error_type"] or "" for row in (rows[0], rows[2]))
    assert errors == ["", "RateLimitError"]  # which row met the 429 depends on who sent first
    ok = rows[0] if rows[0]["error_type"] is None else rows[2]
    assert ok["text"].startswith("Hello from the toiotech emulator")
    assert ok["reasoning"]
    assert ok["total_tokens"] > 0


def test_a_run_output_can_be_run_again(gw: GatewayEmulator) -> None:
    udf = ToiotechChatUDF("gpt-4o-mini", base_url=gw.base_url)
    first = asyncio.run(udf(pa.table({"prompt": ["a"]})))
    again = asyncio.run(udf(first))
    assert again.column_names == first.column_names
    assert again.to_pylist()[0]["text"] == first.to_pylist()[0]["text"]


def test_one_bound_per_worker_across_batches_run_at_once(gw: GatewayEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    in_flight = most = 0
    original = ChatToiotech.ainvoke

    async def counted(self: ChatToiotech, *args: Any, **kwargs: Any) -> Any:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0.05)
            return await original(self, *args, **kwargs)
        finally:
            in_flight -= 1

    monkeypatch.setattr(ChatToiotech, "ainvoke", counted)
    udf = ToiotechChatUDF("gpt-4o-mini", base_url=gw.base_url, max_concurrency=3)

    async def two_batches() -> list[pa.Table]:
        batch = pa.table({"prompt": [f"p{n}" for n in range(8)]})
        return list(await asyncio.gather(udf(batch), udf(batch)))

    tables = asyncio.run(two_batches())
    assert most == 3  # Ray runs several batches of an async UDF at once; the bound is the worker's
    assert all(row["error_type"] is None for table in tables for row in table.to_pylist())
    asyncio.run(two_batches())  # a second event loop gets a semaphore of its own


@pytest.mark.parametrize("bound", [0, -1, True, 1.5])
def test_a_bound_must_be_a_positive_integer(bound: Any) -> None:
    with pytest.raises(ValueError, match="max_concurrency must be a positive integer"):
        ToiotechChatUDF("gpt-4o-mini", max_concurrency=bound)


# -- the document UDF and its uploads -----------------------------------------------------------------------------


def test_documents_per_page_and_a_failed_file(gw: GatewayEmulator) -> None:
    run_id = new_run_id()
    udf = ToiotechDocumentUDF("doubao-seed-1-8", run_id=run_id, mode="page", base_url=gw.base_url)
    out = asyncio.run(udf({"path": ["s3://b/a.pdf", "/x/empty.pdf"], "bytes": [PDF, b""]}))
    assert out.schema == DOCUMENT_SCHEMA
    rows = out.to_pylist()
    assert [(row["filename"], row["page"], row["page_content"]) for row in rows[:2]] == [
        ("a.pdf", 0, "Page 1"),
        ("a.pdf", 1, "Page 2"),
    ]
    assert rows[0]["input_tokens"] > 0
    assert rows[1]["input_tokens"] is None
    assert json.loads(rows[1]["metadata_json"])["usage"]["input_tokens"] > 0
    assert rows[2]["error_type"] == "ValueError"
    assert rows[2]["error_source"] == "/x/empty.pdf"
    (upload,) = [r for r in gw.requests if r.method == "POST" and r.path == "/v1/files"]
    assert upload.body["file"]["filename"].startswith(f"toiotech-ray.{run_id}.")
    assert upload.body["file"]["filename"].endswith(".a.pdf")
    assert gw.files == {}


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"run_id": "Bad Id!"}, "run_id must be"),
        ({"mode": "pages"}, "mode must be"),
        ({"delete_after": False}, "uploads are always deleted"),
    ],
)
def test_bad_document_options_are_refused(options: dict[str, Any], match: str) -> None:
    arguments: dict[str, Any] = {"run_id": new_run_id(), **options}
    with pytest.raises(ValueError, match=match):
        ToiotechDocumentUDF("doubao-seed-1-8", **arguments)


def test_an_unknown_document_option_is_named() -> None:
    with pytest.raises(TypeError, match="colour"):
        ToiotechDocumentUDF("doubao-seed-1-8", run_id=new_run_id(), colour="red")


def test_a_batch_without_its_columns_fails_the_batch(gw: GatewayEmulator) -> None:
    udf = ToiotechDocumentUDF("doubao-seed-1-8", run_id=new_run_id(), base_url=gw.base_url)
    with pytest.raises(ValueError, match="needs the columns 'path' and 'bytes'"):
        asyncio.run(udf(pa.table({"file": ["a.pdf"]})))


def _upload_named(gw: GatewayEmulator, folder: Path, name: str) -> str:
    path = folder / name
    path.write_bytes(PDF)
    return ToiotechFiles(base_url=gw.base_url).upload(path).id


def test_a_restarted_worker_deletes_only_its_predecessors_uploads(
    gw: GatewayEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = new_run_id()
    mine = _upload_named(gw, tmp_path, f"{run_prefix(run_id, 'worker000001')}a.pdf")
    sibling = _upload_named(gw, tmp_path, f"{run_prefix(run_id, 'worker000002')}b.pdf")
    monkeypatch.setattr(documents_module, "worker_tag", lambda: ("worker000001", True))
    ToiotechDocumentUDF("doubao-seed-1-8", run_id=run_id, base_url=gw.base_url)
    assert set(gw.files) == {sibling}  # a live sibling's upload is its own business
    assert mine not in gw.files


def test_delete_run_uploads_sweeps_one_run_only(gw: GatewayEmulator, tmp_path: Path) -> None:
    run_id, other = new_run_id(), new_run_id()
    left = {_upload_named(gw, tmp_path, f"{run_prefix(run_id, f'w{n}')}f{n}.pdf") for n in range(3)}
    kept = {_upload_named(gw, tmp_path, f"{run_prefix(other, 'w0')}f.pdf"), _upload_named(gw, tmp_path, "mine.pdf")}
    assert set(delete_run_uploads(run_id, base_url=gw.base_url)) == left
    assert set(gw.files) == kept
    assert delete_run_uploads(run_id, base_url=gw.base_url) == []


def test_run_ids_and_worker_tags() -> None:
    assert check_run_id(new_run_id()) != new_run_id()
    with pytest.raises(ValueError, match="run_id must be"):
        run_prefix("a.b")
    tag, restarted = worker_tag()  # outside Ray: a random tag, never a restart, and no cluster started
    assert len(tag) == 12
    assert not restarted
    assert not ray.is_initialized()


def test_a_failed_sweep_does_not_stop_the_restarted_worker(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(documents_module, "worker_tag", lambda: ("worker000001", True))
    with GatewayEmulator(files_api="unsupported") as gw:  # stock new-api: 501 on /files, files go inline
        udf = ToiotechDocumentUDF("doubao-seed-1-8", run_id=new_run_id(), base_url=gw.base_url)
        out = asyncio.run(udf({"path": ["/x/a.pdf"], "bytes": [PDF]}))
    assert out.to_pylist()[0]["error_type"] is None
    assert "Could not look for uploads" in caplog.text
