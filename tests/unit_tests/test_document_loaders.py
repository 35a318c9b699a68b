"""ToiotechFileLoader and ToiotechBlobParser against the loopback gateway emulator.

Each test checks the wire (multipart fields, polling, the `/responses` body referencing the `file_id` or
carrying the bytes inline) and the Documents, whose text and usage are derived from the recorded Ark
Responses reply the emulator is scripted to send. Polling pauses are recorded, not slept.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import logging
import sys
from collections.abc import AsyncGenerator, Generator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from langchain_core.documents import Document
from langchain_core.documents.base import Blob

from langchain_toiotech._files.objects import FPS_FIELD
from langchain_toiotech._loader.requests import PAGE_INSTRUCTION, VIDEO_PROMPT
from langchain_toiotech.document_loaders import ToiotechBlobParser, ToiotechFileLoader
from langchain_toiotech.errors import BadRequestError, FileLoadError, FileProcessingError, FileProcessingTimeoutError
from langchain_toiotech.testing import Fault, GatewayEmulator
from tests._support.local_files import calls, make, sparse
from tests._support.paths import FIXTURES
from tests._support.sleeps import record_polling_sleeps

MODEL = "doubao-seed-1-8"
REPLY = json.loads((FIXTURES / "ark-doubao_responses_nonstream_reasoning-summary_input-image.json").read_text())

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200))
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(300)
PDF = b"%PDF-1.4\n" + b"1 0 obj << >> endobj\n" * 20
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(100)

# name, bytes, Responses part, MIME type
KINDS = [
    ("report.pdf", PDF, "input_file", "application/pdf"),
    ("chart.png", PNG, "input_image", "image/png"),
    ("clip.mp4", MP4, "input_video", "video/mp4"),
]


def reply_text(body: dict[str, Any]) -> str:
    return "".join(
        part["text"]
        for item in body["output"]
        if item["type"] == "message"
        for part in item["content"]
        if part["type"] == "output_text"
    )


def with_text(text: str) -> dict[str, Any]:
    """The recorded reply with its answer replaced (usage and everything else kept)."""
    body: dict[str, Any] = copy.deepcopy(REPLY)
    message = next(item for item in body["output"] if item["type"] == "message")
    message["content"] = [{"type": "output_text", "text": text, "annotations": []}]
    return body


def check_usage(document: Document, body: dict[str, Any]) -> None:
    usage, wire = document.metadata["usage"], body["usage"]
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (
        wire["input_tokens"],
        wire["output_tokens"],
        wire["total_tokens"],
    )
    assert usage["output_token_details"]["reasoning"] == wire["output_tokens_details"]["reasoning_tokens"]


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return record_polling_sleeps(monkeypatch)


def loader_for(gw: GatewayEmulator, paths: Any, **kwargs: Any) -> ToiotechFileLoader:
    return ToiotechFileLoader(paths, MODEL, api_key="sk-test", base_url=gw.base_url, **kwargs)


async def collect(loader: ToiotechFileLoader, use_async: bool) -> list[Document]:
    if use_async:
        return [document async for document in loader.alazy_load()]
    return list(loader.lazy_load())


async def drain(loader: ToiotechFileLoader, use_async: bool, seen: list[Document]) -> None:
    """Collect Documents into `seen` one by one, so those yielded before an error are kept."""
    if use_async:
        async for document in loader.alazy_load():
            seen.append(document)  # noqa: PERF401 - one by one: a comprehension would lose them on the error
    else:
        seen.extend(loader.lazy_load())  # extend appends while it iterates, so they survive the error


def responses_bodies(gw: GatewayEmulator) -> list[dict[str, Any]]:
    return [request.body for request in gw.requests if request.path == "/v1/responses"]


# -- upload → wait → extract → delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("kind", KINDS, ids=[kind[0] for kind in KINDS])
async def test_each_kind_is_uploaded_polled_referenced_and_deleted(
    gw: GatewayEmulator, tmp_path: Path, sleeps: list[float], kind: tuple[str, bytes, str, str], use_async: bool
) -> None:
    name, data, part, mime_type = kind
    path = make(tmp_path / name, data)
    gw.enqueue_reply("/responses", json_body=REPLY)
    (document,) = await collect(loader_for(gw, path, fps=0.5), use_async)

    assert calls(gw) == [
        "POST /v1/files",
        "GET /v1/files/file-emu-1",  # still "processing"
        "GET /v1/files/file-emu-1",  # "active"
        "POST /v1/responses",
        "DELETE /v1/files/file-emu-1",
    ]
    assert sleeps == [0.5, 1.0]  # after the upload's "processing", then after the first poll's
    upload = gw.requests[0].body
    assert upload["purpose"] == "user_data"
    assert upload["file"] == {"filename": name, "content_type": mime_type, "size": len(data)}
    assert upload.get(FPS_FIELD) == ("0.5" if part == "input_video" else None)

    (request,) = responses_bodies(gw)
    assert request["model"] == MODEL
    media, instruction = request["input"][0]["content"]
    expected_media: dict[str, Any] = {"type": part, "file_id": "file-emu-1"}
    if part == "input_video":
        expected_media["fps"] = 0.5
    assert media == expected_media
    assert instruction["type"] == "input_text"
    assert "Markdown" in instruction["text"]
    assert (instruction["text"] == VIDEO_PROMPT) is (part == "input_video")

    assert document.page_content == reply_text(REPLY)
    assert {key: value for key, value in document.metadata.items() if key != "usage"} == {
        "source": str(path),
        "filename": name,
        "mime_type": mime_type,
        "file_id": "file-emu-1",
        "model": MODEL,
    }
    check_usage(document, REPLY)
    assert gw.files == {}


async def test_openai_shaped_files_api_needs_no_polling(tmp_path: Path, sleeps: list[float]) -> None:
    with GatewayEmulator(files_api="openai") as gw:
        (document,) = await collect(loader_for(gw, make(tmp_path / "a.pdf", PDF)), use_async=True)
        assert calls(gw) == ["POST /v1/files", "POST /v1/responses", "DELETE /v1/files/file-emu-1"]
        assert document.metadata["file_id"] == "file-emu-1"
        assert gw.files == {}
    assert sleeps == []


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_page_mode_yields_one_document_per_page(gw: GatewayEmulator, tmp_path: Path, use_async: bool) -> None:
    pages = ["# Title\n\nIntro.", "| a | b |\n|---|---|\n| 1 | 2 |", "[Figure: a bar chart, 3 bars]"]
    body = with_text(json.dumps({"pages": [{"content": page} for page in pages]}))
    gw.enqueue_reply("/responses", json_body=body)
    path = make(tmp_path / "report.pdf", PDF)
    documents = await collect(loader_for(gw, path, mode="page"), use_async)

    assert [document.page_content for document in documents] == pages
    assert [document.metadata["page"] for document in documents] == [0, 1, 2]
    assert all(document.metadata["source"] == str(path) for document in documents)
    for document in documents:
        check_usage(document, body)
    (request,) = responses_bodies(gw)
    assert request["text"]["format"]["type"] == "json_schema"
    assert request["text"]["format"]["schema"]["required"] == ["pages"]
    assert request["input"][0]["content"][0] == {"type": "input_file", "file_id": "file-emu-1"}
    assert request["input"][0]["content"][1]["text"].endswith(PAGE_INSTRUCTION)
    assert gw.files == {}


async def test_page_mode_keeps_images_and_videos_whole(gw: GatewayEmulator, tmp_path: Path) -> None:
    gw.enqueue_reply("/responses", json_body=REPLY, times=2)
    paths = [make(tmp_path / "a.png", PNG), make(tmp_path / "b.mp4", MP4)]
    documents = await collect(loader_for(gw, paths, mode="page"), use_async=False)
    assert [document.page_content for document in documents] == [reply_text(REPLY)] * 2
    assert all("page" not in document.metadata for document in documents)
    assert all("text" not in body for body in responses_bodies(gw))


async def test_page_mode_rejects_a_reply_that_is_not_pages(gw: GatewayEmulator, tmp_path: Path) -> None:
    gw.enqueue_reply("/responses", json_body=with_text('{"pages": []}'))
    path = make(tmp_path / "a.pdf", PDF)
    with pytest.raises(FileLoadError, match="no pages") as caught:
        await collect(loader_for(gw, path, mode="page"), use_async=False)
    assert caught.value.source == str(path)
    assert gw.files == {}


def test_prompt_and_chat_kwargs_reach_the_request(gw: GatewayEmulator, tmp_path: Path) -> None:
    loader = loader_for(gw, make(tmp_path / "a.png", PNG), prompt="List the colours.", chat_kwargs={"max_tokens": 1234})
    loader.load()
    (request,) = responses_bodies(gw)
    assert request["input"][0]["content"][1] == {"type": "input_text", "text": "List the colours."}
    assert request["max_output_tokens"] == 1234


def test_files_are_yielded_in_order_with_concurrency(gw: GatewayEmulator, tmp_path: Path) -> None:
    paths = [make(tmp_path / f"page{index}.png", PNG) for index in range(6)]
    documents = loader_for(gw, paths, max_concurrency=3).load()
    assert [document.metadata["source"] for document in documents] == [str(path) for path in paths]
    assert len({document.metadata["file_id"] for document in documents}) == 6
    assert gw.files == {}


def test_directory_with_glob(gw: GatewayEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    make(tmp_path / "docs/b.pdf", PDF)
    make(tmp_path / "docs/sub/a.png", PNG)
    make(tmp_path / "docs/.hidden.png", PNG)
    everything = loader_for(gw, tmp_path / "docs").load()
    assert [Path(document.metadata["source"]).relative_to(tmp_path) for document in everything] == [
        Path("docs/b.pdf"),
        Path("docs/sub/a.png"),
    ]
    only_pdfs = loader_for(gw, tmp_path / "docs", glob="*.pdf").load()
    assert [document.metadata["filename"] for document in only_pdfs] == ["b.pdf"]
    (tmp_path / "empty").mkdir()
    with caplog.at_level(logging.WARNING, logger="langchain_toiotech"):
        assert loader_for(gw, tmp_path / "empty").load() == []
    assert "No files match" in caplog.text


# -- no Files API: inline ---------------------------------------------------------------------------------------------


def inline_parts(path: Path, mime_type: str) -> dict[str, Any]:
    data_url = f"data:{mime_type};base64,{base64.b64encode(path.read_bytes()).decode()}"
    if mime_type.startswith("image/"):
        return {"type": "input_image", "image_url": data_url}
    if mime_type.startswith("video/"):
        return {"type": "input_video", "video_url": data_url, "fps": 2}
    return {"type": "input_file", "filename": path.name, "file_data": data_url}


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_501_falls_back_to_inline_data(tmp_path: Path, use_async: bool) -> None:
    paths = [make(tmp_path / name, data) for name, data, _, _ in KINDS]
    with GatewayEmulator(files_api="unsupported") as gw:
        documents = await collect(loader_for(gw, paths, fps=2, max_concurrency=1), use_async)
        assert calls(gw) == ["POST /v1/files"] + ["POST /v1/responses"] * 3  # the 501 is asked once
        sent = [body["input"][0]["content"][0] for body in responses_bodies(gw)]
    assert sent == [inline_parts(path, mime_type) for path, (_, _, _, mime_type) in zip(paths, KINDS, strict=True)]
    assert [document.metadata["file_id"] for document in documents] == [None, None, None]
    assert [document.metadata["mime_type"] for document in documents] == [kind[3] for kind in KINDS]


@pytest.mark.parametrize("status", [404, 405])
def test_404_and_405_on_files_also_fall_back(gw: GatewayEmulator, tmp_path: Path, status: int) -> None:
    gw.enqueue_reply(
        "/files", status=status, json_body={"error": {"message": "no such route", "type": "invalid_request_error"}}
    )
    path = make(tmp_path / "a.png", PNG)
    (document,) = loader_for(gw, path).load()
    assert document.metadata["file_id"] is None
    assert responses_bodies(gw)[0]["input"][0]["content"][0] == inline_parts(path, "image/png")


def test_a_file_too_large_for_inline_fails_naming_both_facts(tmp_path: Path) -> None:
    small = make(tmp_path / "small.png", PNG)
    large = make(tmp_path / "large.pdf", PDF)
    with GatewayEmulator(files_api="unsupported") as gw:
        loader = loader_for(gw, [small, large], inline_limit_bytes=len(PNG), max_concurrency=1)
        documents = loader.lazy_load()
        assert next(documents).metadata["source"] == str(small)
        with pytest.raises(FileLoadError) as caught:
            next(documents)
        assert len(responses_bodies(gw)) == 1  # nothing was sent for the large file
    message = str(caught.value)
    assert caught.value.source == str(large)
    assert str(large) in message
    assert "no Files API" in message
    assert "501" in message
    assert f"inline_limit_bytes={len(PNG)}" in message
    assert isinstance(caught.value.__cause__, ValueError)


# -- failures and early stops: no upload left behind ------------------------------------------------------------------


def failed_file(file_id: str, reason: str) -> dict[str, Any]:
    error = {"code": "InvalidParameter", "message": reason, "param": "", "type": "BadRequest"}
    return {"object": "file", "id": file_id, "purpose": "user_data", "status": "failed", "error": error}


@pytest.mark.parametrize("delete_after", [True, False])
def test_a_failed_file_raises_naming_it_after_the_earlier_documents(
    gw: GatewayEmulator, tmp_path: Path, delete_after: bool
) -> None:
    paths = [make(tmp_path / f"{index}.png", PNG) for index in range(3)]
    gw.enqueue_reply("/files/file-emu-2", json_body=failed_file("file-emu-2", "image is corrupt"))
    documents = loader_for(gw, paths, max_concurrency=1, delete_after=delete_after).lazy_load()
    first = next(documents)
    with pytest.raises(FileLoadError) as caught:
        next(documents)
    assert first.metadata["source"] == str(paths[0])
    assert caught.value.source == str(paths[1])
    assert str(paths[1]) in str(caught.value)
    assert "image is corrupt" in str(caught.value)
    assert isinstance(caught.value.__cause__, FileProcessingError)
    assert "DELETE /v1/files/file-emu-2" in calls(gw)
    assert calls(gw).count("POST /v1/files") == 2  # the third file was never uploaded
    assert set(gw.files) == ({first.metadata["file_id"]} if not delete_after else set())


class _FailFor(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Passes requests to the emulator, but answers 400 to the `/responses` request about one file name."""

    def __init__(self, gw: GatewayEmulator, filename: str) -> None:
        self.gw = gw
        self.filename = filename
        self.sync = httpx.HTTPTransport()
        self.asynchronous = httpx.AsyncHTTPTransport()

    def _refuse(self, request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.endswith("/responses"):
            return None
        file_id = json.loads(request.content)["input"][0]["content"][0].get("file_id")
        if self.gw.files.get(file_id, {}).get("filename") != self.filename:
            return None
        return httpx.Response(
            400, json={"error": {"message": "the document is unreadable", "type": "invalid_request_error"}}
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._refuse(request) or self.sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._refuse(request) or await self.asynchronous.handle_async_request(request)


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_failure_with_files_in_flight_deletes_every_upload_the_caller_did_not_get(
    gw: GatewayEmulator, tmp_path: Path, use_async: bool
) -> None:
    paths = [make(tmp_path / name, PNG) for name in ("a.png", "b.png", "c.png", "d.png")]
    transport = _FailFor(gw, "b.png")
    clients = {
        "http_client": httpx.Client(transport=transport),
        "http_async_client": httpx.AsyncClient(transport=transport),
    }
    loader = loader_for(gw, paths, max_concurrency=4, delete_after=False, **clients)
    seen: list[Document] = []
    with pytest.raises(FileLoadError) as caught:
        await drain(loader, use_async, seen)
    assert caught.value.source == str(paths[1])
    assert isinstance(caught.value.__cause__, BadRequestError)
    # Results come in file order, so a.png's Document was yielded before b's error: its upload is kept
    # (delete_after=False). c and d ran beside b but never reached the caller, so theirs were deleted.
    assert [document.metadata["source"] for document in seen] == [str(paths[0])]
    assert set(gw.files) == {seen[0].metadata["file_id"]}
    uploads, deletes = calls(gw).count("POST /v1/files"), sum(call.startswith("DELETE") for call in calls(gw))
    assert uploads >= 2
    assert deletes == uploads - 1  # every upload but a's


@pytest.mark.parametrize("delete_after", [True, False])
def test_closing_the_generator_early_deletes_what_the_caller_did_not_get(
    gw: GatewayEmulator, tmp_path: Path, delete_after: bool
) -> None:
    paths = [make(tmp_path / f"{index}.png", PNG) for index in range(5)]
    documents = cast(
        "Generator[Document, None, None]",
        loader_for(gw, paths, max_concurrency=3, delete_after=delete_after).lazy_load(),
    )
    first = next(documents)
    documents.close()
    assert first.metadata["source"] == str(paths[0])
    assert set(gw.files) == (set() if delete_after else {first.metadata["file_id"]})
    assert calls(gw).count("POST /v1/files") <= 4  # the window: one handed over, at most three in flight


@pytest.mark.parametrize("delete_after", [True, False])
async def test_aclose_early_deletes_what_the_caller_did_not_get(
    gw: GatewayEmulator, tmp_path: Path, delete_after: bool
) -> None:
    paths = [make(tmp_path / f"{index}.png", PNG) for index in range(5)]
    loader = loader_for(gw, paths, max_concurrency=3, delete_after=delete_after)
    documents = cast("AsyncGenerator[Document, None]", loader.alazy_load())
    first = await documents.__anext__()
    await documents.aclose()
    assert set(gw.files) == (set() if delete_after else {first.metadata["file_id"]})


async def test_cancelling_during_an_upload_still_deletes_it(gw: GatewayEmulator, tmp_path: Path) -> None:
    # The gateway stores the file, then holds its reply back: a cancellation now must not lose the file id.
    gw.enqueue_fault(Fault(first_byte_delay=1.0), path="/files")
    loader = loader_for(gw, make(tmp_path / "a.png", PNG))
    documents = cast("AsyncGenerator[Document, None]", loader.alazy_load())
    first = asyncio.ensure_future(documents.__anext__())
    while not gw.files:  # noqa: ASYNC110 - the emulator has no event to wait on; poll until the upload landed
        await asyncio.sleep(0.01)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await documents.aclose()
    assert calls(gw) == ["POST /v1/files", "DELETE /v1/files/file-emu-1"]
    assert gw.files == {}


class _GatedDeletes(httpx.AsyncBaseTransport):
    """Forwards requests to the emulator, holding each DELETE until the test opens the gate."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.delete_started = asyncio.Event()
        self.gate = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            self.delete_started.set()
            await self.gate.wait()
        return await self.inner.handle_async_request(request)


async def test_cancelling_during_the_deletion_still_deletes(gw: GatewayEmulator, tmp_path: Path) -> None:
    transport = _GatedDeletes()
    loader = loader_for(gw, make(tmp_path / "a.png", PNG), http_async_client=httpx.AsyncClient(transport=transport))
    documents = cast("AsyncGenerator[Document, None]", loader.alazy_load())
    first = asyncio.ensure_future(documents.__anext__())
    await transport.delete_started.wait()  # the file was read; its upload is being deleted
    first.cancel()
    transport.gate.set()
    with pytest.raises(asyncio.CancelledError):
        await first
    await documents.aclose()
    assert calls(gw)[-1] == "DELETE /v1/files/file-emu-1"
    assert gw.files == {}


def test_sequential_early_stop_leaves_no_upload(gw: GatewayEmulator, tmp_path: Path) -> None:
    paths = [make(tmp_path / f"{index}.png", PNG) for index in range(3)]
    for document in loader_for(gw, paths, max_concurrency=1).lazy_load():
        assert document.metadata["file_id"] == "file-emu-1"
        break
    assert calls(gw).count("POST /v1/files") == 1
    assert gw.files == {}


def test_processing_timeout_deletes_the_upload(gw: GatewayEmulator, tmp_path: Path) -> None:
    path = make(tmp_path / "a.mp4", MP4)
    with pytest.raises(FileLoadError) as caught:
        loader_for(gw, path, processing_timeout=0).load()
    assert isinstance(caught.value.__cause__, FileProcessingTimeoutError)
    assert "DELETE /v1/files/file-emu-1" in calls(gw)
    assert gw.files == {}


# -- bad input: before any request ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        ("missing.pdf", FileNotFoundError, "No such file"),
        ("empty.pdf", ValueError, "empty"),
        ("song.mp3", ValueError, "audio"),
        ("huge.pdf", ValueError, "512 MiB"),
    ],
    ids=["missing", "empty", "audio", "huge"],
)
@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_bad_paths_fail_before_any_request(
    gw: GatewayEmulator, tmp_path: Path, case: tuple[str, type[Exception], str], use_async: bool
) -> None:
    bad, error, message = case
    make(tmp_path / "empty.pdf", b"")
    make(tmp_path / "song.mp3", MP3)
    sparse(tmp_path / "huge.pdf", 512 * 2**20 + 1)
    good = make(tmp_path / "good.pdf", PDF)
    with pytest.raises(error, match=message):
        await collect(loader_for(gw, [good, tmp_path / bad]), use_async)
    assert gw.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fps": 9}, "outside the supported range"),
        ({"mode": "pages"}, "mode must be"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"inline_limit_bytes": -1}, "inline_limit_bytes"),
    ],
)
def test_bad_options_fail_at_construction(
    gw: GatewayEmulator, tmp_path: Path, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        loader_for(gw, tmp_path, **kwargs)
    with pytest.raises(ValueError, match="model"):
        ToiotechFileLoader(tmp_path, "")
    with pytest.raises(ValueError, match="TOIOTECH_API_KEY"):
        ToiotechFileLoader(tmp_path, MODEL, api_key="")
    assert gw.requests == []


# -- progress bar -----------------------------------------------------------------------------------------------------


def test_progress_bar_counts_files(gw: GatewayEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [make(tmp_path / f"{index}.png", PNG) for index in range(3)]
    loader_for(gw, paths, show_progress=True).load()
    assert "3/3" in capsys.readouterr().err


def test_progress_without_tqdm_names_the_extra(
    gw: GatewayEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r"langchain-toiotech\[loader\]"):
        loader_for(gw, tmp_path, show_progress=True)
    assert gw.requests == []


# -- blob parser ------------------------------------------------------------------------------------------------------


def parser_for(gw: GatewayEmulator, **kwargs: Any) -> ToiotechBlobParser:
    return ToiotechBlobParser(MODEL, api_key="sk-test", base_url=gw.base_url, **kwargs)


def test_blob_parser_works_the_way_generic_loader_calls_it(gw: GatewayEmulator, tmp_path: Path) -> None:
    # GenericLoader.lazy_load is `for blob in blob_loader.yield_blobs(): yield from parser.lazy_parse(blob)`.
    paths = [make(tmp_path / "a.pdf", PDF), make(tmp_path / "b.png", PNG)]
    parser = parser_for(gw)
    documents = [document for path in paths for document in parser.lazy_parse(Blob.from_path(path))]
    assert [document.metadata["source"] for document in documents] == [str(path) for path in paths]
    assert [document.metadata["mime_type"] for document in documents] == ["application/pdf", "image/png"]
    assert gw.files == {}


def test_blob_in_memory_is_uploaded_under_its_name(gw: GatewayEmulator) -> None:
    blob = Blob.from_data(PDF, path="reports/memo.pdf")
    (document,) = parser_for(gw).parse(blob)
    upload = gw.requests[0].body
    assert upload["file"] == {"filename": "memo.pdf", "content_type": "application/pdf", "size": len(PDF)}
    assert document.metadata["source"] == "reports/memo.pdf"
    assert document.metadata["file_id"] == "file-emu-1"


def test_blob_without_name_gets_one_from_its_type(gw: GatewayEmulator) -> None:
    (document,) = parser_for(gw).parse(Blob.from_data(PNG))
    assert gw.requests[0].body["file"]["filename"] == "document.png"
    assert document.metadata["filename"] == "document.png"


async def test_blob_parser_async_and_page_mode(gw: GatewayEmulator, tmp_path: Path) -> None:
    gw.enqueue_reply("/responses", json_body=with_text('{"pages": [{"content": "one"}, {"content": "two"}]}'))
    path = make(tmp_path / "a.pdf", PDF)
    documents = [document async for document in parser_for(gw, mode="page").alazy_parse(Blob.from_path(path))]
    assert [(document.page_content, document.metadata["page"]) for document in documents] == [("one", 0), ("two", 1)]
    assert gw.files == {}


def test_blob_parser_errors_name_the_blob(gw: GatewayEmulator, tmp_path: Path) -> None:
    with pytest.raises(FileLoadError) as caught:
        parser_for(gw).parse(Blob.from_path(tmp_path / "gone.pdf"))
    assert caught.value.source == str(tmp_path / "gone.pdf")
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    gw.enqueue_reply(
        "/responses", status=400, json_body={"error": {"message": "bad file", "type": "invalid_request_error"}}
    )
    with pytest.raises(FileLoadError, match="bad file") as caught:
        parser_for(gw).parse(Blob.from_path(make(tmp_path / "x.pdf", PDF)))
    assert caught.value.source == str(tmp_path / "x.pdf")
    assert gw.files == {}
