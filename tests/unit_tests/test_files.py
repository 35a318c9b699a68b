"""ToiotechFiles against the loopback gateway emulator (Ark, OpenAI and 501 flavours) and recorded file objects.

Polling pauses are recorded instead of slept (`files._sleep` / `files._asleep`); the wait's deadline runs on a
fake clock where a test needs it. A subprocess uploads a 300 MiB sparse file to measure the client's memory.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from langchain_toiotech import files
from langchain_toiotech._files import objects as files_objects
from langchain_toiotech._files.objects import FPS_FIELD, FileObject, parse_file_object
from langchain_toiotech._http import client as http_client
from langchain_toiotech.errors import FileListError, FileProcessingError, FileProcessingTimeoutError, NotFoundError
from langchain_toiotech.files import ToiotechFiles
from langchain_toiotech.testing import Fault, GatewayEmulator
from tests._support.local_files import calls, make, sparse
from tests._support.paths import FIXTURES
from tests._support.sleeps import record_polling_sleeps

ARK_UPLOAD = FIXTURES / "ark-volcengine_files_upload-response_processing.json"
DEEPSEEK_UPLOAD = FIXTURES / "deepseek_files_upload-response.json"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200))
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(300)
PDF = b"%PDF-1.4\n" + b"1 0 obj << >> endobj\n" * 20


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The polling pauses, recorded instead of slept (sync and async)."""
    return record_polling_sleeps(monkeypatch)


@pytest.fixture
def png(tmp_path: Path) -> Path:
    return make(tmp_path / "chart.png", PNG)


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return make(tmp_path / "clip.mp4", MP4)


def client_for(gw: GatewayEmulator, **kwargs: Any) -> ToiotechFiles:
    return ToiotechFiles(api_key="sk-test", base_url=gw.base_url, **kwargs)


# -- file objects ---------------------------------------------------------------------------------------------


def test_ark_fixture_parses_into_a_processing_file_object() -> None:
    body = json.loads(ARK_UPLOAD.read_text())
    obj = parse_file_object(body)
    assert (obj.id, obj.filename, obj.bytes, obj.purpose) == (body["id"], body["filename"], body["bytes"], "user_data")
    assert (obj.status, obj.mime_type) == (body["status"], body["mime_type"])
    assert (obj.created_at, obj.expire_at) == (body["created_at"], body["expire_at"])
    assert obj.state == "processing"
    assert obj.raw == body


def test_deepseek_fixture_without_status_is_usable_without_polling(png: Path, sleeps: list[float]) -> None:
    body = json.loads(DEEPSEEK_UPLOAD.read_text())
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return httpx.Response(200, json=body)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = ToiotechFiles(base_url="https://gw.example/v1", http_client=http)
    uploaded = client.upload(png)
    assert (uploaded.id, uploaded.bytes, uploaded.status) == (body["id"], body["bytes"], None)
    assert client.wait_until_active(uploaded) is uploaded
    assert seen == ["POST /v1/files"]
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("processing", "processing"),
        ("active", "active"),
        ("failed", "failed"),
        ("uploaded", "active"),
        ("processed", "active"),
        ("error", "failed"),
        (None, "active"),
        ("queued", "processing"),
    ],
)
def test_state_reads_ark_and_openai_statuses(status: str | None, state: str) -> None:
    assert FileObject(id="file-1", status=status).state == state


def test_reply_without_id_is_an_error() -> None:
    with pytest.raises(FileProcessingError, match="no id"):
        parse_file_object({"object": "file", "status": "active"})


# -- upload -----------------------------------------------------------------------------------------------------


def test_ark_upload_sends_purpose_fps_and_filename_and_streams_the_exact_bytes(
    gw: GatewayEmulator, video: Path
) -> None:
    uploaded = client_for(gw).upload(video, fps=0.3)
    (request,) = gw.requests
    assert (request.method, request.path) == ("POST", "/v1/files")
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert request.body == {
        "purpose": "user_data",
        FPS_FIELD: "0.3",
        "file": {"filename": "clip.mp4", "content_type": "video/mp4", "size": len(MP4)},
    }
    assert gw.file_sha256(uploaded.id) == hashlib.sha256(MP4).hexdigest()
    assert uploaded.status == "processing"
    assert uploaded.raw["preprocess_configs"] == {"video": {"fps": 0.3}}


def test_upload_without_options_sends_only_purpose(gw: GatewayEmulator, png: Path) -> None:
    client_for(gw).upload(png, purpose="vision")
    (request,) = gw.requests
    assert set(request.body) == {"purpose", "file"}
    assert request.body["purpose"] == "vision"
    assert request.body["file"]["content_type"] == "image/png"


def test_mime_type_comes_from_the_bytes_before_the_extension(gw: GatewayEmulator, tmp_path: Path) -> None:
    client_for(gw).upload(make(tmp_path / "scan.png", PDF))  # a PDF saved under a wrong name
    (request,) = gw.requests
    assert request.body["file"]["content_type"] == "application/pdf"


def test_expire_at_becomes_arks_field(gw: GatewayEmulator, png: Path) -> None:
    client = client_for(gw)
    week = int(datetime.now(UTC).timestamp()) + 7 * 86400
    by_int = client.upload(png, expire_at=week)
    by_delta = client.upload(png, expire_at=timedelta(days=2))
    by_datetime = client.upload(png, expire_at=datetime.now(UTC) + timedelta(days=30, seconds=-60))
    sent = [int(request.body["expire_at"]) for request in gw.requests]
    assert sent[0] == week
    assert by_int.expire_at == week
    assert [by_delta.expire_at, by_datetime.expire_at] == sent[1:]
    assert 2 * 86400 - 60 <= sent[1] - by_delta.created_at <= 2 * 86400  # type: ignore[operator]


def test_upload_is_retried_from_the_first_byte(
    gw: GatewayEmulator, video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    retry_sleeps: list[float] = []
    monkeypatch.setattr(http_client, "time", SimpleNamespace(sleep=retry_sleeps.append))
    gw.enqueue_fault(Fault(status=503), path="/files")
    uploaded = client_for(gw).upload(video)
    assert calls(gw) == ["POST /v1/files", "POST /v1/files"]
    assert [request.body["file"]["size"] for request in gw.requests] == [len(MP4), len(MP4)]
    assert gw.file_sha256(uploaded.id) == hashlib.sha256(MP4).hexdigest()
    assert len(retry_sleeps) == 1


def test_files_base_url_overrides_base_url(gw: GatewayEmulator, png: Path) -> None:
    client = ToiotechFiles(base_url="http://127.0.0.1:9/unused", files_base_url=gw.base_url)
    uploaded = client.upload(png)
    assert calls(gw) == ["POST /v1/files"]
    assert client.retrieve(uploaded.id).id == uploaded.id


def test_stock_new_api_answers_501_as_not_found(png: Path) -> None:
    with GatewayEmulator(files_api="unsupported") as gw, pytest.raises(NotFoundError) as caught:
        client_for(gw).upload(png)
    assert caught.value.status_code == 501
    assert caught.value.code == "api_not_implemented"


# -- bad input: rejected before any request -------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        ("missing", {}, FileNotFoundError, "No such file"),
        ("directory", {}, IsADirectoryError, "is a directory"),
        ("empty", {}, ValueError, "empty"),
        ("huge", {}, ValueError, "at most 512 MiB"),
        ("png", {"fps": 1.0}, ValueError, "fps applies to videos only"),
        ("video", {"fps": 0.1}, ValueError, "outside the supported range"),
        ("video", {"fps": 6}, ValueError, "outside the supported range"),
        ("png", {"purpose": ""}, ValueError, "purpose"),
        ("png", {"expire_at": timedelta(hours=12)}, ValueError, "1 to 30 days"),
        ("png", {"expire_at": timedelta(days=31)}, ValueError, "1 to 30 days"),
        ("png", {"expire_at": 1_000_000_000}, ValueError, "1 to 30 days"),
        ("png", {"expire_at": datetime(2099, 1, 1)}, ValueError, "timezone-aware"),  # noqa: DTZ001 - the naive case
        ("png", {"expire_at": "tomorrow"}, TypeError, "Unix seconds"),
    ],
)
def test_bad_input_is_rejected_before_any_request(
    gw: GatewayEmulator, tmp_path: Path, case: tuple[str, dict[str, Any], type[Exception], str]
) -> None:
    name, kwargs, error, message = case
    targets = {
        "missing": tmp_path / "nope.pdf",
        "directory": tmp_path,
        "empty": make(tmp_path / "empty.pdf", b""),
        "huge": sparse(tmp_path / "huge.bin", 512 * 2**20 + 1),
        "png": make(tmp_path / "a.png", PNG),
        "video": make(tmp_path / "a.mp4", MP4),
    }
    client = client_for(gw)
    with pytest.raises(error, match=message):
        client.upload(targets[name], **kwargs)
    assert gw.requests == []


def test_a_file_of_exactly_512_mib_is_accepted_by_the_checks(tmp_path: Path) -> None:
    exact = sparse(tmp_path / "exact.bin", 512 * 2**20)
    request = files_objects.prepare_upload(exact, purpose="user_data", fps=None, expire_at=None)
    assert request.size == 512 * 2**20
    assert request.mime_type == "application/octet-stream"


# -- waiting ------------------------------------------------------------------------------------------------------


def test_wait_polls_with_doubling_pauses_capped_at_five_seconds(png: Path, sleeps: list[float]) -> None:
    with GatewayEmulator(file_processing_polls=5) as gw:
        client = client_for(gw)
        uploaded = client.upload(png)
        active = client.wait_until_active(uploaded)
        gets = [call for call in calls(gw) if call.startswith("GET")]
    assert active.status == "active"
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert gets == [f"GET /v1/files/{uploaded.id}"] * 6  # 5 still "processing", then "active"


def test_wait_by_id_starts_with_a_retrieve(gw: GatewayEmulator, png: Path, sleeps: list[float]) -> None:
    client = client_for(gw)
    uploaded = client.upload(png)
    assert client.wait_until_active(uploaded.id).status == "active"
    assert calls(gw).count(f"GET /v1/files/{uploaded.id}") == 2  # the emulator's one "processing" poll
    assert sleeps == [0.5]


def test_failed_file_raises_with_the_gateways_reason(gw: GatewayEmulator, video: Path, sleeps: list[float]) -> None:
    client = client_for(gw)
    uploaded = client.upload(video)
    gw.fail_file(uploaded.id, "unsupported video codec: hevc 4:4:4", code="InvalidParameter.Video")
    with pytest.raises(FileProcessingError) as caught:
        client.wait_until_active(uploaded.id)
    assert "unsupported video codec: hevc 4:4:4" in str(caught.value)
    assert "clip.mp4" in str(caught.value)
    assert (caught.value.file_id, caught.value.code) == (uploaded.id, "InvalidParameter.Video")
    assert not isinstance(caught.value, FileProcessingTimeoutError)


def test_openai_error_status_raises_with_status_details(png: Path) -> None:
    with GatewayEmulator(files_api="openai") as gw:
        client = client_for(gw)
        uploaded = client.upload(png)
        assert uploaded.status == "processed"
        gw.fail_file(uploaded.id, "the file could not be parsed")
        with pytest.raises(FileProcessingError, match="could not be parsed"):
            client.wait_until_active(uploaded.id)


def test_openai_processed_upload_needs_no_polling(png: Path, sleeps: list[float]) -> None:
    with GatewayEmulator(files_api="openai") as gw:
        client = client_for(gw)
        uploaded = client.upload(png)
        assert client.wait_until_active(uploaded) is uploaded
        assert calls(gw) == ["POST /v1/files"]
    assert sleeps == []


def test_wait_times_out_on_the_deadline(png: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    delays: list[float] = []

    def fake_sleep(delay: float) -> None:
        delays.append(delay)
        now[0] += delay

    monkeypatch.setattr(files_objects, "_clock", lambda: now[0])
    monkeypatch.setattr(files, "_sleep", fake_sleep)
    with GatewayEmulator(file_processing_polls=100) as gw:
        client = client_for(gw)
        uploaded = client.upload(png)
        with pytest.raises(FileProcessingTimeoutError, match="still 'processing' after 3 s") as caught:
            client.wait_until_active(uploaded.id, timeout=3)
    assert delays == [0.5, 1.0, 1.5]  # the last pause ends on the deadline instead of overshooting it
    assert caught.value.file_id == uploaded.id
    assert uploaded.id in gw.files  # a timeout leaves the file alone: it may still become active


def test_negative_timeout_is_rejected(gw: GatewayEmulator) -> None:
    with pytest.raises(ValueError, match="timeout"):
        client_for(gw).wait_until_active("file-1", timeout=-1)
    assert gw.requests == []


# -- retrieve, list, delete -------------------------------------------------------------------------------------


def test_list_retrieve_and_delete(gw: GatewayEmulator, png: Path, video: Path) -> None:
    client = client_for(gw)
    first = client.upload(png)
    second = client.upload(video, purpose="agent")
    assert [obj.id for obj in client.list()] == [first.id, second.id]
    assert [obj.id for obj in client.list(purpose="agent")] == [second.id]
    assert client.retrieve(second.id).filename == "clip.mp4"
    assert client.delete(first.id) is True
    assert set(gw.files) == {second.id}
    with pytest.raises(NotFoundError):
        client.retrieve(first.id)
    with pytest.raises(NotFoundError):
        client.delete(first.id)


def test_list_follows_has_more_with_after() -> None:
    pages = {
        None: {"data": [{"id": "f1"}, {"id": "f2"}], "has_more": True},
        "f2": {"data": [{"id": "f3"}], "has_more": False},
    }
    seen: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        seen.append(params)
        return httpx.Response(200, json={"object": "list", **pages[params.get("after")]})

    client = ToiotechFiles(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert [obj.id for obj in client.list(purpose="user_data")] == ["f1", "f2", "f3"]
    assert seen == [{"purpose": "user_data"}, {"purpose": "user_data", "after": "f2"}]


def test_list_raises_when_the_gateway_ignores_after() -> None:
    """A silent first page would pass for the whole list: the repeated cursor is an error that keeps it."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"object": "list", "data": [{"id": "f1"}], "has_more": True})

    client = ToiotechFiles(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(FileListError, match="would repeat the cursor") as caught:
        client.list()
    assert [obj.id for obj in caught.value.files] == ["f1"]
    assert len(seen) == 2


@pytest.mark.parametrize("bad_id", ["", "../models", "a/b"])
def test_ids_that_would_change_the_path_are_rejected(gw: GatewayEmulator, bad_id: str) -> None:
    with pytest.raises(ValueError, match="not a file id"):
        client_for(gw).retrieve(bad_id)
    assert gw.requests == []


# -- async twins ----------------------------------------------------------------------------------------------------


async def test_async_twins(gw: GatewayEmulator, video: Path, sleeps: list[float]) -> None:
    client = client_for(gw)
    uploaded = await client.aupload(video, fps=2)
    assert gw.requests[0].body[FPS_FIELD] == "2"
    assert (await client.aretrieve(uploaded.id)).status == "processing"
    active = await client.await_until_active(uploaded.id)
    assert active.status == "active"
    assert sleeps == []  # the aretrieve above used up the one "processing" poll
    assert [obj.id for obj in await client.alist()] == [uploaded.id]
    assert await client.adelete(uploaded.id) is True
    assert gw.files == {}


async def test_async_wait_reports_failure(gw: GatewayEmulator, png: Path, sleeps: list[float]) -> None:
    client = client_for(gw)
    uploaded = await client.aupload(png)
    gw.fail_file(uploaded.id, "image too small")
    with pytest.raises(FileProcessingError, match="image too small"):
        await client.await_until_active(uploaded)
    assert sleeps == [0.5]


async def test_async_bad_input_is_rejected_before_any_request(gw: GatewayEmulator, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await client_for(gw).aupload(tmp_path / "missing.mp4")
    assert gw.requests == []


# -- construction ---------------------------------------------------------------------------------------------------


def test_missing_key_and_bad_urls_fail_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="TOIOTECH_API_KEY"):
        ToiotechFiles(api_key="")
    with pytest.raises(ValueError, match="http"):
        ToiotechFiles(files_base_url="ftp://files.example")
    monkeypatch.setenv("TOIOTECH_BASE_URL", "http://127.0.0.1:1234/v1")
    assert ToiotechFiles().base_url == "http://127.0.0.1:1234/v1"


def test_repr_hides_the_key() -> None:
    assert "sk-secret-123" not in repr(ToiotechFiles(api_key="sk-secret-123"))


# -- memory ---------------------------------------------------------------------------------------------------------

_MEASURE = """
import json, resource, sys
from langchain_toiotech.files import ToiotechFiles

client = ToiotechFiles(api_key="sk-test", base_url=sys.argv[1])
client.upload(sys.argv[3])  # warm-up: every code path is loaded and the pool opened before measuring
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
uploaded = client.upload(sys.argv[2])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"id": uploaded.id, "bytes": uploaded.bytes, "before_kib": before, "after_kib": after}))
"""


def test_a_300_mib_upload_keeps_the_client_memory_flat(gw: GatewayEmulator, tmp_path: Path, png: Path) -> None:
    size = 300 * 2**20
    big = sparse(tmp_path / "big.bin", size)
    # The client runs in its own process, so its peak RSS is not the test runner's (or the emulator's).
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _MEASURE, gw.base_url, str(big), str(png)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    measured = json.loads(result.stdout)
    growth = (measured["after_kib"] - measured["before_kib"]) * 1024  # Linux reports ru_maxrss in KiB
    assert measured["bytes"] == size
    assert gw.files[measured["id"]]["bytes"] == size
    digest = hashlib.sha256()
    zeros = bytes(2**20)
    for _ in range(300):
        digest.update(zeros)
    assert gw.file_sha256(measured["id"]) == digest.hexdigest()
    assert growth < 64 * 2**20, f"peak RSS grew by {growth / 2**20:.1f} MiB uploading {size / 2**20:.0f} MiB"
