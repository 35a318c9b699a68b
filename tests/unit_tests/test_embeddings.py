"""`ToiotechEmbeddings` offline: batching, order by `index`, base64 decoding, errors, input checks.

Every request goes to an `httpx.MockTransport` that plays an OpenAI-compatible `/embeddings` endpoint
(`FakeEmbeddingsGateway`), so the tests see exactly what was sent and control what comes back.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import struct
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ModelAPIError
from langchain_tests.unit_tests import EmbeddingsUnitTests
from pydantic import ValidationError

from langchain_toiotech._embedding_batches import batched, decode_vector, vectors_in_order
from langchain_toiotech.embeddings import ToiotechEmbeddings
from langchain_toiotech.errors import (
    AuthenticationError,
    BadRequestError,
    EmbeddingResponseError,
    RateLimitError,
    StreamError,
)
from tests._support.standard import EmbeddingsSuite, from_env_params

BASE_URL = "https://api.toiotech.com/v1"


def vector_for(text: str) -> list[float]:
    """A vector that identifies its text; every value is exact in float32, so base64 round trips are exact."""
    number = int(text.rsplit("-", 1)[1])
    return [number + 0.5, -0.25 * number, float(len(text)), 1.0 / 1024]


def texts(count: int) -> list[str]:
    return [f"doc-{number}" for number in range(count)]


def encode_float32(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


class FakeEmbeddingsGateway:
    """Answers `POST /embeddings` like an OpenAI-compatible gateway and records every request body."""

    def __init__(self, *, shuffle: bool = False, replies: list[httpx.Response] | None = None) -> None:
        self.shuffle = shuffle
        self.replies = list(replies or [])  # canned replies served first, e.g. a 429 before success
        self.bodies: list[dict[str, Any]] = []
        self.requests: list[httpx.Request] = []

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        as_base64 = body.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": encode_float32(vector_for(text)) if as_base64 else vector_for(text),
            }
            for index, text in enumerate(body["input"])
        ]
        if self.shuffle:
            random.Random(len(data)).shuffle(data)  # noqa: S311 - a fixed, reproducible permutation
        usage = {"prompt_tokens": len(data), "total_tokens": len(data)}
        return {"object": "list", "data": data, "model": body["model"], "usage": usage}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        assert request.url.path == "/v1/embeddings"
        body = json.loads(request.content)
        self.requests.append(request)
        self.bodies.append(body)
        if self.replies:
            return self.replies.pop(0)
        return httpx.Response(200, json=self.reply(body))

    @property
    def inputs_per_request(self) -> list[int]:
        return [len(body["input"]) for body in self.bodies]


def make_embeddings(handler: Callable[[httpx.Request], Any], **kwargs: Any) -> ToiotechEmbeddings:
    """Embeddings whose sync and async clients both go to `handler`."""
    transport = httpx.MockTransport(handler)
    params: dict[str, Any] = {"api_key": "sk-test", "base_url": BASE_URL, **kwargs}
    return ToiotechEmbeddings(
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        **params,
    )


def error_response(status: int, message: str, code: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, "type": "invalid_request_error", "code": code}})


@pytest.fixture
def no_retry_wait(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries happen at once; the waits the transport asked for are recorded."""
    delays: list[float] = []

    async def fake_async_sleep(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr("langchain_toiotech._http.client.time.sleep", delays.append)
    monkeypatch.setattr("langchain_toiotech._http.client.asyncio.sleep", fake_async_sleep)
    return delays


def refuse_requests(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"no request should be sent, got {request.method} {request.url}")


# --- batching ------------------------------------------------------------------------------------------

BATCH_CASES = [
    pytest.param(5, 1, [1, 1, 1, 1, 1], id="chunk_size-1"),
    pytest.param(6, 3, [3, 3], id="exact-multiple"),
    pytest.param(7, 3, [3, 3, 1], id="remainder"),
    pytest.param(3, 1000, [3], id="fewer-than-chunk"),
    pytest.param(1001, 1000, [1000, 1], id="default-chunk-plus-one"),
]


@pytest.mark.parametrize(("count", "chunk_size", "expected_sizes"), BATCH_CASES)
def test_batches_split_at_chunk_size(count: int, chunk_size: int, expected_sizes: list[int]) -> None:
    gateway = FakeEmbeddingsGateway()
    embeddings = make_embeddings(gateway, chunk_size=chunk_size)
    documents = texts(count)

    vectors = embeddings.embed_documents(documents)

    assert gateway.inputs_per_request == expected_sizes
    assert [text for body in gateway.bodies for text in body["input"]] == documents
    assert vectors == [vector_for(text) for text in documents]


@pytest.mark.parametrize(("count", "chunk_size", "expected_sizes"), BATCH_CASES)
async def test_async_batches_split_at_chunk_size(count: int, chunk_size: int, expected_sizes: list[int]) -> None:
    gateway = FakeEmbeddingsGateway()
    embeddings = make_embeddings(gateway, chunk_size=chunk_size)
    documents = texts(count)

    vectors = await embeddings.aembed_documents(documents)

    # Batches may start in any order when they run concurrently; what each carried must still match.
    assert sorted(gateway.inputs_per_request) == sorted(expected_sizes)
    assert sorted(text for body in gateway.bodies for text in body["input"]) == sorted(documents)
    assert vectors == [vector_for(text) for text in documents]


def test_batched_helper_keeps_order_and_sizes() -> None:
    assert batched(["a", "b", "c", "d", "e"], 2) == [["a", "b"], ["c", "d"], ["e"]]
    assert batched([], 3) == []


# --- order by index ------------------------------------------------------------------------------------


def test_shuffled_reply_is_put_back_in_input_order() -> None:
    gateway = FakeEmbeddingsGateway(shuffle=True)
    embeddings = make_embeddings(gateway, chunk_size=4)
    documents = texts(10)

    vectors = embeddings.embed_documents(documents)

    # The fake really shuffled: some reply item sits away from its own index.
    first_reply = gateway.reply(gateway.bodies[0])
    assert [item["index"] for item in first_reply["data"]] != list(range(4))
    assert vectors == [vector_for(text) for text in documents]


async def test_async_shuffled_reply_is_put_back_in_input_order() -> None:
    gateway = FakeEmbeddingsGateway(shuffle=True)
    embeddings = make_embeddings(gateway, chunk_size=3, max_concurrency=2)
    documents = texts(11)

    assert await embeddings.aembed_documents(documents) == [vector_for(text) for text in documents]


def test_reply_without_any_index_keeps_positions() -> None:
    body = {"data": [{"embedding": [1.0, 2.0]}, {"embedding": [3.0, 4.0]}]}
    assert vectors_in_order(body, 2) == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param([{"index": 0, "embedding": [1.0]}], "1 embeddings for 2 inputs", id="too-few"),
        pytest.param(
            [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}],
            "two embeddings with index 0",
            id="dup",
        ),
        pytest.param(
            [{"index": 0, "embedding": [1.0]}, {"index": 2, "embedding": [2.0]}], "index 2", id="out-of-range"
        ),
        pytest.param([{"index": 0, "embedding": [1.0]}, {"embedding": [2.0]}], "index None", id="one-index-missing"),
    ],
)
def test_reply_that_does_not_match_inputs_raises(data: list[dict[str, Any]], message: str) -> None:
    gateway = FakeEmbeddingsGateway(replies=[httpx.Response(200, json={"object": "list", "data": data})])
    embeddings = make_embeddings(gateway)

    with pytest.raises(EmbeddingResponseError, match=message) as caught:
        embeddings.embed_documents(["doc-0", "doc-1"])
    assert isinstance(caught.value, ModelAPIError)
    assert caught.value.body == {"object": "list", "data": data}


def test_in_band_error_with_200_raises_like_the_chat_model() -> None:
    body = {"error": {"message": "upstream embeddings failed", "type": "upstream_error", "code": "bad_upstream"}}
    gateway = FakeEmbeddingsGateway(replies=[httpx.Response(200, json=body)])

    with pytest.raises(StreamError, match="upstream embeddings failed") as caught:
        make_embeddings(gateway).embed_query("doc-0")
    assert caught.value.code == "bad_upstream"


def test_reply_without_data_raises() -> None:
    gateway = FakeEmbeddingsGateway(replies=[httpx.Response(200, json={"object": "list"})])
    with pytest.raises(EmbeddingResponseError, match="no `data` list"):
        make_embeddings(gateway).embed_query("doc-0")


# --- encoding formats ----------------------------------------------------------------------------------


def test_base64_is_the_default_and_decodes_exactly() -> None:
    gateway = FakeEmbeddingsGateway()
    embeddings = make_embeddings(gateway)

    vector = embeddings.embed_query("doc-7")

    assert gateway.bodies[0]["encoding_format"] == "base64"
    assert isinstance(gateway.reply(gateway.bodies[0])["data"][0]["embedding"], str)
    assert vector == vector_for("doc-7")
    assert all(type(value) is float for value in vector)


def test_base64_decoding_gives_the_float32_values() -> None:
    # 0.1 and 1/3 are not exact in float32: the decoded value is the float32 rounding the wire carries.
    values = [0.1, -1.0 / 3.0, 3.0e-8, -123456.789]
    expected = list(struct.unpack("<4f", struct.pack("<4f", *values)))

    assert decode_vector(encode_float32(values)) == expected
    assert decode_vector(encode_float32(values)) != values


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("not base64!", "not valid base64", id="bad-base64"),
        pytest.param(base64.b64encode(b"\x00" * 6).decode(), "6 bytes", id="not-whole-float32"),
        pytest.param([1.0, "x"], "other than numbers", id="non-number"),
        pytest.param({"values": [1.0]}, "dict", id="wrong-type"),
    ],
)
def test_undecodable_embedding_raises(value: object, message: str) -> None:
    with pytest.raises(EmbeddingResponseError, match=message):
        decode_vector(value)


def test_float_format_is_sent_and_read() -> None:
    gateway = FakeEmbeddingsGateway()
    embeddings = make_embeddings(gateway, encoding_format="float")

    vectors = embeddings.embed_documents(["doc-1", "doc-2"])

    assert gateway.bodies[0]["encoding_format"] == "float"
    assert vectors == [vector_for("doc-1"), vector_for("doc-2")]


def test_float_reply_is_read_even_when_base64_was_asked() -> None:
    # Vendors that only produce floats (Alibaba's text-embedding-v3/v4) ignore encoding_format.
    floats = {"data": [{"index": 0, "embedding": [0, 1.5, -2]}]}
    gateway = FakeEmbeddingsGateway(replies=[httpx.Response(200, json=floats)])

    vector = make_embeddings(gateway).embed_query("doc-0")

    assert vector == [0.0, 1.5, -2.0]
    assert all(type(value) is float for value in vector)


def test_encoding_format_none_leaves_the_field_out() -> None:
    gateway = FakeEmbeddingsGateway()
    make_embeddings(gateway, encoding_format=None).embed_query("doc-3")
    assert "encoding_format" not in gateway.bodies[0]


# --- request shape -------------------------------------------------------------------------------------


def test_dimensions_are_sent_only_when_set() -> None:
    gateway = FakeEmbeddingsGateway()
    make_embeddings(gateway).embed_query("doc-1")
    make_embeddings(gateway, dimensions=256).embed_query("doc-1")

    assert "dimensions" not in gateway.bodies[0]
    assert gateway.bodies[1]["dimensions"] == 256


def test_payload_carries_model_and_extra_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOIOTECH_API_KEY", "sk-from-env")
    gateway = FakeEmbeddingsGateway()
    transport = httpx.MockTransport(gateway)
    with pytest.warns(UserWarning, match="user was transferred to model_kwargs"):
        embeddings = ToiotechEmbeddings(
            model_name="text-embedding-v4",
            user="u-1",
            default_headers={"X-Trace": "t-1"},
            http_client=httpx.Client(transport=transport),
        )

    embeddings.embed_documents(["doc-1"])

    assert gateway.bodies[0] == {
        "model": "text-embedding-v4",
        "user": "u-1",
        "input": ["doc-1"],
        "encoding_format": "base64",
    }
    request = gateway.requests[0]
    assert request.headers["authorization"] == "Bearer sk-from-env"
    assert request.headers["x-trace"] == "t-1"
    assert str(request.url) == f"{BASE_URL}/embeddings"


def test_base_url_from_env_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOIOTECH_BASE_URL", "https://gateway.example.com/v1/")
    gateway = FakeEmbeddingsGateway()
    embeddings = ToiotechEmbeddings(http_client=httpx.Client(transport=httpx.MockTransport(gateway)))

    embeddings.embed_query("doc-0")

    assert str(gateway.requests[0].url) == "https://gateway.example.com/v1/embeddings"


def test_usage_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    gateway = FakeEmbeddingsGateway()
    with caplog.at_level("DEBUG", logger="langchain_toiotech"):
        make_embeddings(gateway).embed_documents(texts(3))
    assert "'total_tokens': 3" in caplog.text


# --- errors and retries --------------------------------------------------------------------------------


def test_400_raises_bad_request_without_retry(no_retry_wait: list[float]) -> None:
    reply = error_response(400, "'$.input' is invalid. Please check the API reference.", "invalid_value")
    gateway = FakeEmbeddingsGateway(replies=[reply])

    with pytest.raises(BadRequestError, match="input' is invalid") as caught:
        make_embeddings(gateway).embed_documents(["doc-0"])

    assert caught.value.status_code == 400
    assert len(gateway.bodies) == 1
    assert no_retry_wait == []


def test_401_raises_authentication_error(no_retry_wait: list[float]) -> None:
    gateway = FakeEmbeddingsGateway(replies=[error_response(401, "Invalid token", "invalid_api_key")])

    with pytest.raises(AuthenticationError, match="Invalid token"):
        make_embeddings(gateway).embed_query("doc-0")
    assert len(gateway.bodies) == 1


def test_429_is_retried_with_the_same_batch(no_retry_wait: list[float]) -> None:
    limited = httpx.Response(429, headers={"retry-after": "2"}, json={"error": {"message": "slow down"}})
    gateway = FakeEmbeddingsGateway(replies=[limited])

    vectors = make_embeddings(gateway, chunk_size=2).embed_documents(texts(3))

    assert vectors == [vector_for(text) for text in texts(3)]
    assert gateway.inputs_per_request == [2, 2, 1]
    assert gateway.bodies[0] == gateway.bodies[1]
    assert no_retry_wait == [2.0]


async def test_async_429_is_retried(no_retry_wait: list[float]) -> None:
    limited = httpx.Response(429, headers={"retry-after": "1"}, json={"error": {"message": "slow down"}})
    gateway = FakeEmbeddingsGateway(replies=[limited])

    assert await make_embeddings(gateway).aembed_query("doc-4") == vector_for("doc-4")
    assert len(gateway.bodies) == 2
    assert no_retry_wait == [1.0]


def test_429_gives_up_after_max_retries(no_retry_wait: list[float]) -> None:
    replies = [httpx.Response(429, json={"error": {"message": "slow down"}}) for _ in range(3)]
    gateway = FakeEmbeddingsGateway(replies=replies)

    with pytest.raises(RateLimitError):
        make_embeddings(gateway, max_retries=1).embed_query("doc-0")
    assert len(gateway.bodies) == 2
    assert len(no_retry_wait) == 1


# --- input checks before any request -------------------------------------------------------------------


def test_empty_list_sends_nothing() -> None:
    assert make_embeddings(refuse_requests).embed_documents([]) == []


async def test_async_empty_list_sends_nothing() -> None:
    assert await make_embeddings(refuse_requests).aembed_documents([]) == []


BAD_DOCUMENTS = [
    pytest.param("just one text", TypeError, "wrap it in a list or call embed_query", id="bare-str"),
    pytest.param(["doc-0", 42, "doc-2"], TypeError, r"texts\[1\] must be a str, got int", id="non-str-item"),
    pytest.param(["doc-0", "doc-1", ""], ValueError, r"texts\[2\] is an empty string", id="empty-item"),
    pytest.param({"doc-0"}, TypeError, "got set", id="not-a-list"),
]


@pytest.mark.parametrize(("documents", "error", "message"), BAD_DOCUMENTS)
def test_bad_documents_raise_before_any_request(documents: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make_embeddings(refuse_requests).embed_documents(documents)


@pytest.mark.parametrize(("documents", "error", "message"), BAD_DOCUMENTS)
async def test_async_bad_documents_raise_before_any_request(
    documents: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await make_embeddings(refuse_requests).aembed_documents(documents)


def test_bad_item_in_a_later_batch_still_stops_the_first_batch() -> None:
    documents = [*texts(5), ""]
    with pytest.raises(ValueError, match=r"texts\[5\]"):
        make_embeddings(refuse_requests, chunk_size=2).embed_documents(documents)


@pytest.mark.parametrize(("query", "error"), [("", ValueError), (None, TypeError), (["doc-0"], TypeError)])
async def test_bad_query_raises_before_any_request(query: Any, error: type[Exception]) -> None:
    embeddings = make_embeddings(refuse_requests)
    with pytest.raises(error):
        embeddings.embed_query(query)
    with pytest.raises(error):
        await embeddings.aembed_query(query)


def test_tuple_of_texts_is_accepted() -> None:
    gateway = FakeEmbeddingsGateway()
    assert make_embeddings(gateway).embed_documents(("doc-1", "doc-2")) == [vector_for("doc-1"), vector_for("doc-2")]  # type: ignore[arg-type]


# --- async concurrency ---------------------------------------------------------------------------------


class InFlightCounter:
    """An async handler that yields to the event loop mid-request and remembers the peak of requests in flight."""

    def __init__(self) -> None:
        self.gateway = FakeEmbeddingsGateway()
        self.in_flight = 0
        self.peak = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        for _ in range(5):
            await asyncio.sleep(0)
        self.in_flight -= 1
        return self.gateway(request)


@pytest.mark.parametrize("max_concurrency", [1, 3])
async def test_async_batches_run_concurrently_up_to_the_bound(max_concurrency: int) -> None:
    counter = InFlightCounter()
    embeddings = make_embeddings(counter, chunk_size=2, max_concurrency=max_concurrency)
    documents = texts(15)

    vectors = await embeddings.aembed_documents(documents)

    assert vectors == [vector_for(text) for text in documents]
    assert len(counter.gateway.bodies) == 8
    assert counter.peak == max_concurrency  # reached, never exceeded


async def test_async_failure_cancels_the_other_batches() -> None:
    started: list[str] = []
    cancelled: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        first = json.loads(request.content)["input"][0]
        started.append(first)
        if first == "doc-0":
            await asyncio.sleep(0)
            return error_response(400, "bad batch", "invalid_value")
        try:
            await asyncio.Event().wait()  # never set: only cancellation ends it
        except asyncio.CancelledError:
            cancelled.append(first)
            raise
        pytest.fail("unreachable")

    embeddings = make_embeddings(handler, chunk_size=1, max_concurrency=4)
    with pytest.raises(BadRequestError, match="bad batch"):
        await embeddings.aembed_documents(texts(6))

    # Every batch in flight when doc-0 failed was cancelled, not left running against the gateway: 1-3,
    # and 4, which took the slot doc-0 gave back. doc-5 never got a slot.
    assert sorted(cancelled) == sorted(set(started) - {"doc-0"})
    assert {"doc-1", "doc-2", "doc-3"} <= set(cancelled)
    assert "doc-5" not in started


# --- construction --------------------------------------------------------------------------------------


def test_missing_api_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOIOTECH_API_KEY", raising=False)
    with pytest.raises(ValueError, match="TOIOTECH_API_KEY"):
        ToiotechEmbeddings()


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="must be an http"):
        ToiotechEmbeddings(base_url="ftp://api.toiotech.com/v1")


def test_plain_http_to_a_remote_host_warns_at_the_callers_line() -> None:
    with pytest.warns(UserWarning, match="travel unencrypted") as record:
        ToiotechEmbeddings(base_url="http://gateway.example.com/v1")
    assert record[0].filename == __file__


def test_plain_http_to_loopback_is_quiet() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ToiotechEmbeddings(base_url="http://127.0.0.1:8080/v1")


@pytest.mark.parametrize(
    "bad", [{"chunk_size": 0}, {"max_concurrency": 0}, {"dimensions": 0}, {"encoding_format": "int8"}]
)
def test_out_of_range_settings_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=next(iter(bad))):
        ToiotechEmbeddings(**bad)


def test_negative_max_retries_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        ToiotechEmbeddings(max_retries=-1)


def test_api_key_stays_out_of_repr_and_dump() -> None:
    embeddings = ToiotechEmbeddings(api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(embeddings)
    assert "sk-very-secret" not in str(embeddings.model_dump())
    assert embeddings.model == "text-embedding-3-small"
    assert embeddings.chunk_size == 1000


class TestToiotechEmbeddingsStandard(EmbeddingsSuite, EmbeddingsUnitTests):
    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "text-embedding-3-small", "api_key": "test"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return from_env_params("text-embedding-3-small")
