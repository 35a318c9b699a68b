"""The ``/v1/files`` routes of the gateway emulator (Ark, OpenAI and unsupported flavours)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

import httpx
import pytest

from langchain_toiotech.testing import GatewayEmulator
from langchain_toiotech.testing._multipart import MultipartError, MultipartParser

AUTH = {"Authorization": "Bearer sk-test"}

TLS = httpx.create_ssl_context()  # built once; each default client would load the CA bundle again


@pytest.fixture
def gw() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(file_processing_polls=2) as emulator:
        yield emulator


@pytest.fixture
def client(gw: GatewayEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gw.base_url, headers=AUTH, timeout=10, verify=TLS) as http:
        yield http


def _upload(client: httpx.Client, name: str, data: bytes, **fields: str) -> httpx.Response:
    return client.post("/files", files={"file": (name, data)}, data={"purpose": "user_data", **fields})


def test_ark_upload_polls_to_active(client: httpx.Client, gw: GatewayEmulator) -> None:
    response = _upload(client, "demo.mp4", b"\x00" * 1000, **{"preprocess_configs[video][fps]": "0.3"})
    assert response.status_code == 200
    obj = response.json()
    assert obj["object"] == "file"
    assert obj["status"] == "processing"
    assert obj["bytes"] == 1000
    assert obj["mime_type"] == "video/mp4"
    assert obj["filename"] == "demo.mp4"
    assert obj["purpose"] == "user_data"
    assert obj["expire_at"] - obj["created_at"] == 7 * 24 * 3600
    assert obj["preprocess_configs"] == {"video": {"fps": 0.3}}
    statuses = [client.get(f"/files/{obj['id']}").json()["status"] for _ in range(4)]
    assert statuses == ["processing", "processing", "active", "active"]
    assert gw.files[obj["id"]]["status"] == "active"
    assert gw.file_sha256(obj["id"]) == hashlib.sha256(b"\x00" * 1000).hexdigest()


def test_upload_is_logged_as_a_summary(client: httpx.Client, gw: GatewayEmulator) -> None:
    _upload(client, "a.png", b"png-bytes", expire_at="1900000000")
    (request,) = gw.requests
    assert request.method == "POST"
    assert request.path == "/v1/files"
    assert request.body == {
        "purpose": "user_data",
        "expire_at": "1900000000",
        "file": {"filename": "a.png", "content_type": "image/png", "size": 9},
    }
    assert next(iter(gw.files.values()))["expire_at"] == 1900000000


def test_large_upload_streams_through(client: httpx.Client, gw: GatewayEmulator) -> None:
    data = os.urandom(3 << 20) + b"\r\n--" + os.urandom(1000)
    obj = _upload(client, "big.bin", data).json()
    assert obj["bytes"] == len(data)
    assert obj["mime_type"] == "application/octet-stream"
    assert gw.file_sha256(obj["id"]) == hashlib.sha256(data).hexdigest()


def test_list_delete_and_unknown_ids(client: httpx.Client) -> None:
    first = _upload(client, "a.txt", b"a").json()["id"]
    second = _upload(client, "b.txt", b"b").json()["id"]
    listing = client.get("/files").json()
    assert listing["object"] == "list"
    assert listing["has_more"] is False
    assert [obj["id"] for obj in listing["data"]] == [first, second]
    assert client.get("/files", params={"limit": "1", "order": "desc"}).json()["has_more"] is True
    assert client.delete(f"/files/{first}").json() == {"id": first, "object": "file", "deleted": True}
    for response in (client.get(f"/files/{first}"), client.delete(f"/files/{first}")):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "ResourceNotFound.File"


def test_fail_file(client: httpx.Client, gw: GatewayEmulator) -> None:
    file_id = _upload(client, "a.mp4", b"x").json()["id"]
    gw.fail_file(file_id, "video could not be decoded")
    obj = client.get(f"/files/{file_id}").json()
    assert obj["status"] == "failed"
    assert obj["error"]["message"] == "video could not be decoded"


def test_missing_fields_are_400(client: httpx.Client) -> None:
    assert client.post("/files", files={"file": ("a.txt", b"a")}).status_code == 400
    assert client.post("/files", data={"purpose": "user_data"}, files={"other": ("a", b"a")}).status_code == 400


def test_openai_flavour() -> None:
    with (
        GatewayEmulator(files_api="openai") as gw,
        httpx.Client(base_url=gw.base_url, headers=AUTH, verify=TLS) as http,
    ):
        obj = _upload(http, "doc.pdf", b"%PDF").json()
        assert obj["status"] == "processed"
        assert set(obj) >= {"id", "object", "bytes", "created_at", "filename", "purpose"}
        assert "mime_type" not in obj
        assert http.get(f"/files/{obj['id']}").json()["status"] == "processed"
        missing = http.get("/files/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "invalid_request_error"


def test_unsupported_flavour_is_501_everywhere() -> None:
    with (
        GatewayEmulator(files_api="unsupported") as gw,
        httpx.Client(base_url=gw.base_url, headers=AUTH, verify=TLS) as http,
    ):
        responses = [_upload(http, "a.txt", b"a"), http.get("/files"), http.get("/files/x"), http.delete("/files/x")]
    for response in responses:
        assert response.status_code == 501
        assert response.json() == {
            "error": {"message": "API not implemented", "type": "new_api_error", "code": "api_not_implemented"}
        }


def test_multipart_parser_handles_any_block_split() -> None:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nuser_data\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".bin"\r\n'
        b"Content-Type: application/x-thing\r\n\r\n\r\n--Xy not yet\r\n--XyZ--\r\n"
    )
    for size in (1, 2, 3, 7, len(body)):
        parser = MultipartParser(b"XyZ")
        for start in range(0, len(body), size):
            parser.feed(body[start : start + size])
        form = parser.close()
        assert form.fields == {"purpose": "user_data"}
        (part,) = form.files
        assert part.filename == 'a "b".bin'
        assert part.content_type == "application/x-thing"
        assert part.size == len(b"\r\n--Xy not yet")
        assert part.sha256 == hashlib.sha256(b"\r\n--Xy not yet").hexdigest()


def test_multipart_parser_rejects_truncated_body() -> None:
    parser = MultipartParser(b"b")
    parser.feed(b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nabc')
    with pytest.raises(MultipartError):
        parser.close()
