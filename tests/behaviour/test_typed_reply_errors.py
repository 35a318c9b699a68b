"""Every failure of a reply is a typed error, over real HTTP on loopback.

Deep JSON (200 body, error body, stream event, embeddings), `choices` that is not a list of objects, tool-call
arguments sent as an object (accepted), and a file that grows or shrinks while it uploads.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from pathlib import Path
from typing import Any, Self

import pytest
from langchain_core.exceptions import ModelAPIError, ModelInvalidRequestError

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFiles
from langchain_toiotech.errors import (
    FileChangedError,
    InternalServerError,
    MalformedResponseError,
    MalformedStreamError,
    ToiotechError,
)
from tests._support.flood_server import MIB, FloodServer, http_head, whole

DEEP = ("[" * 100_000 + "]" * 100_000).encode()
JSON = "application/json"
SSE = "text/event-stream"


def serve(status: str, content_type: str, body: bytes) -> FloodServer:
    return FloodServer(http_head(status, content_type, length=len(body)), whole(body))


def model(server: FloodServer) -> ChatToiotech:
    return ChatToiotech(model="m", api_key="k", base_url=server.base_url, max_retries=0, timeout=10)


def completion(message: dict[str, Any]) -> bytes:
    choice = {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}
    return json.dumps({"id": "c", "model": "m", "choices": [choice]}).encode()


async def consume(chat: ChatToiotech, mode: str) -> None:
    if mode == "stream":
        list(chat.stream("hi"))
    else:
        async for _ in chat.astream("hi"):
            pass


def sse_of(*chunks: dict[str, Any]) -> bytes:
    return b"".join(f"data: {json.dumps(chunk)}\n\n".encode() for chunk in chunks) + b"data: [DONE]\n\n"


# Deep JSON


async def test_deep_json_in_a_200_body_is_a_malformed_response() -> None:
    with serve("200 OK", JSON, DEEP) as server:
        with pytest.raises(MalformedResponseError, match="nested more than 128 levels deep") as caught:
            model(server).invoke("hi")
        with pytest.raises(MalformedResponseError, match="nested more than 128 levels deep"):
            await model(server).ainvoke("hi")
    assert isinstance(caught.value, ModelAPIError)
    assert "a 200 reply to POST /v1/chat/completions" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "problem"), [(b"<html>busy</html>", "that is not valid JSON"), (b"[1, 2]", "whose JSON is not an object")]
)
def test_a_200_body_that_is_not_a_json_object_names_the_reply(body: bytes, problem: str) -> None:
    # The reply's name is built only for a bad reply (a good one never pays for it); it must still be there.
    with serve("200 OK", JSON, body) as server, pytest.raises(MalformedResponseError) as caught:
        model(server).invoke("hi")
    assert f"The gateway sent a 200 reply to POST /v1/chat/completions {problem}" in str(caught.value)
    assert caught.value.what == "a 200 reply to POST /v1/chat/completions"


def test_deep_json_in_an_error_body_is_the_status_error() -> None:
    with serve("500 Internal Server Error", JSON, DEEP) as server, pytest.raises(InternalServerError) as caught:
        model(server).invoke("hi")
    assert "Error code: 500" in str(caught.value)
    assert isinstance(caught.value.body, str)  # kept as text: too deep to be handled as JSON


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_deep_json_in_a_stream_event_is_a_malformed_stream_error(mode: str) -> None:
    body = sse_of({"choices": [{"index": 0, "delta": {"content": "a"}}]}).replace(b"data: [DONE]", b"data: " + DEEP)
    with serve("200 OK", SSE, body) as server, pytest.raises(MalformedStreamError, match="stream event as JSON"):
        await consume(model(server), mode)


async def test_deep_json_in_an_embeddings_reply_is_a_malformed_response() -> None:
    with serve("200 OK", JSON, DEEP) as server:
        embeddings = ToiotechEmbeddings(model="e", api_key="k", base_url=server.base_url, max_retries=0)
        with pytest.raises(MalformedResponseError, match="POST /v1/embeddings as JSON nested"):
            embeddings.embed_query("hi")
        with pytest.raises(MalformedResponseError, match="nested more than 128"):
            await embeddings.aembed_query("hi")


# choices


BAD_CHOICES = [pytest.param("abc", id="string"), pytest.param({"0": {}}, id="object"), pytest.param([None], id="null")]


@pytest.mark.parametrize("choices", BAD_CHOICES)
def test_choices_that_are_not_a_list_of_objects_are_a_malformed_response(choices: object) -> None:
    body = json.dumps({"id": "c", "model": "m", "choices": choices}).encode()
    with serve("200 OK", JSON, body) as server, pytest.raises(MalformedResponseError, match="`choices` is not a list"):
        model(server).invoke("hi")


@pytest.mark.parametrize("choices", [*BAD_CHOICES, pytest.param(5, id="number")])
def test_stream_chunk_choices_that_are_not_a_list_of_objects_are_a_malformed_stream_error(choices: object) -> None:
    body = sse_of({"id": "c", "model": "m", "choices": choices})
    with serve("200 OK", SSE, body) as server, pytest.raises(MalformedStreamError, match="`choices` is not a list"):
        list(model(server).stream("hi"))


# Tool-call arguments given as an object


ARGS = {"city": "Paris", "days": [1, 2]}


def test_tool_call_arguments_sent_as_an_object_are_the_arguments() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": ARGS}}
    with serve("200 OK", JSON, completion({"content": None, "tool_calls": [call]})) as server:
        message = model(server).invoke("hi")
    assert message.tool_calls == [{"name": "weather", "args": ARGS, "id": "call_1", "type": "tool_call"}]
    assert message.invalid_tool_calls == []


async def test_streamed_tool_call_arguments_sent_as_an_object_are_the_arguments() -> None:
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "weather", "arguments": ARGS}}
    body = sse_of(
        {"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [call]}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    )
    with serve("200 OK", SSE, body) as server:
        full = None
        async for chunk in model(server).astream("hi"):
            full = chunk if full is None else full + chunk
    assert full is not None
    assert full.tool_calls == [{"name": "weather", "args": ARGS, "id": "call_1", "type": "tool_call"}]


# A file that changes while it uploads


class PausingUploadServer:
    """Reads a request's head, waits for `go`, then reads the rest and answers with a file object."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.head_read = threading.Event()
        self.go = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(10)
            data = b""
            for _ in range(1000):
                if b"\r\n\r\n" in data:
                    break
                data += connection.recv(65536)
            self.head_read.set()
            self.go.wait(10)
            try:
                for _ in range(10_000):  # up to 640 MB: far more than the test sends
                    if not connection.recv(65536):
                        break
            except OSError:
                return

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.go.set()
        self.listener.close()
        self.thread.join(timeout=10)


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "growing.log"
    path.write_bytes(bytes(32 * MIB))  # more than the loopback socket buffers hold: the upload is mid-way
    return path


@pytest.mark.parametrize("use_async", [False, True], ids=["upload", "aupload"])
@pytest.mark.parametrize("change", ["grow", "shrink"])
def test_a_file_that_changes_during_upload_is_a_typed_error_naming_it(
    big_file: Path, change: str, *, use_async: bool
) -> None:
    outcome: list[BaseException] = []
    with PausingUploadServer() as server:
        files = ToiotechFiles(api_key="k", base_url=server.base_url, max_retries=0, timeout=20)

        def upload() -> None:
            try:
                if use_async:  # its own event loop in the uploader thread; the test thread changes the file
                    asyncio.run(files.aupload(big_file, purpose="user_data"))
                else:
                    files.upload(big_file, purpose="user_data")
            except BaseException as error:  # noqa: BLE001 - handed to the test thread
                outcome.append(error)

        uploader = threading.Thread(target=upload)
        uploader.start()
        assert server.head_read.wait(10)
        with big_file.open("ab" if change == "grow" else "r+b") as handle:
            if change == "grow":
                handle.write(b"one more line\n")
            else:
                handle.truncate(MIB)
        server.go.set()
        uploader.join(timeout=20)
        assert not uploader.is_alive()

    (error,) = outcome
    assert isinstance(error, FileChangedError), repr(error)
    assert isinstance(error, ToiotechError)
    assert isinstance(error, ModelInvalidRequestError)
    assert error.path == str(big_file)
    assert str(big_file) in str(error)
    assert ("grew" if change == "grow" else "shrank") in str(error)
