"""The HTTP transport: retries, backoff, Retry-After, connection errors, headers, timeouts, pooling, uploads.

Everything runs on `httpx.MockTransport`. The sleeps of the retry loop are replaced (in
`langchain_toiotech._http.client` only) by recorders, so the tests check the delays without waiting for them.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ModelConnectionError, ModelTimeoutError
from langchain_core.messages import BaseMessageChunk
from pydantic import BaseModel

from langchain_toiotech import ChatToiotech
from langchain_toiotech._http import pools as http_pools
from langchain_toiotech._http import retry as http_retry
from langchain_toiotech._http.client import AsyncTransport, Transport, TransportSettings
from langchain_toiotech.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
)
from tests._support.gateways import mock_clients
from tests._support.messages import CALL_MODES, content_text, reply_of
from tests._support.paths import FIXTURES
from tests._support.sleeps import record_retry_sleeps

SSE_FIXTURE = FIXTURES / "openai_chat-completions_stream_text-after-tool-result_include-usage.sse"
API_KEY = "sk-test-transport-key"
BASE_URL = "https://gateway.test/v1"
CHAT_URL = f"{BASE_URL}/chat/completions"
RETRIED_STATUSES = {
    408: APIStatusError,
    409: APIStatusError,
    429: RateLimitError,
    500: InternalServerError,
    502: InternalServerError,
    503: InternalServerError,
    504: InternalServerError,
}
FINAL_STATUSES = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: BadRequestError,
    422: BadRequestError,
    501: NotFoundError,
}


# --- the recorded stream and the equivalent whole completion ------------------------------------------------


def sse_events(raw: str) -> list[dict[str, Any]]:
    return [
        json.loads(line.removeprefix("data: "))
        for line in raw.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(choice["delta"].get("content") or "" for event in events for choice in event["choices"])


SSE_BYTES = SSE_FIXTURE.read_bytes()
EVENTS = sse_events(SSE_FIXTURE.read_text())
EXPECTED_TEXT = text_of(EVENTS)
COMPLETION = {
    "id": EVENTS[0]["id"],
    "object": "chat.completion",
    "created": EVENTS[0]["created"],
    "model": EVENTS[0]["model"],
    "choices": [{"index": 0, "message": {"role": "assistant", "content": EXPECTED_TEXT}, "finish_reason": "stop"}],
    "usage": EVENTS[-1]["usage"],
}


# --- a scripted gateway ----------------------------------------------------------------------------------------

Step = Callable[[httpx.Request], httpx.Response] | type[httpx.TransportError]


def answer(request: httpx.Request) -> httpx.Response:
    """A success: the recorded stream for a stream request, the same answer as one JSON body otherwise."""
    if json.loads(request.content).get("stream"):
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=SSE_BYTES)
    return httpx.Response(200, json=COMPLETION)


def status(code: int, headers: dict[str, str] | None = None, error_code: str | None = None) -> Step:
    body = {"error": {"message": f"simulated {code}", "type": "test_error", "param": None, "code": error_code}}
    return lambda _request: httpx.Response(code, json=body, headers=headers)


class Gateway:
    """MockTransport handler that plays its steps in order (the last one repeats) and keeps every request."""

    def __init__(self, *steps: Step) -> None:
        self.steps = steps or (answer,)
        self.requests: list[httpx.Request] = []

    @property
    def attempts(self) -> int:
        return len(self.requests)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps[min(len(self.requests), len(self.steps)) - 1]
        if isinstance(step, type):
            msg = "simulated transport failure"
            raise step(msg, request=request)
        return step(request)


def make_model(gateway: Gateway, **kwargs: Any) -> ChatToiotech:
    return ChatToiotech(
        model="gpt-4o-mini",
        api_key=API_KEY,
        base_url=kwargs.pop("base_url", BASE_URL),
        **mock_clients(gateway),
        **kwargs,
    )


def settings(**kwargs: Any) -> TransportSettings:
    return TransportSettings(base_url=kwargs.pop("base_url", BASE_URL), api_key=API_KEY, **kwargs)


async def call(model: ChatToiotech, mode: str) -> str:
    """Run the model one way and return the text it produced."""
    return content_text(await reply_of(model, mode, "hi"))


async def post(gateway: Gateway, *, use_async: bool, **kwargs: Any) -> dict[str, Any]:
    """One JSON request through the bare transport."""
    mock = httpx.MockTransport(gateway)
    if use_async:
        async with httpx.AsyncClient(transport=mock) as client:
            return await AsyncTransport(settings(**kwargs), client).request_json("POST", "/chat/completions", json={})
    with httpx.Client(transport=mock) as client:
        return Transport(settings(**kwargs), client).request_json("POST", "/chat/completions", json={})


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the retry loop's sleeps instead of sleeping (patched only where `_http.client` looks them up)."""
    return record_retry_sleeps(monkeypatch)


def fix_jitter(monkeypatch: pytest.MonkeyPatch, value: float) -> None:
    monkeypatch.setattr(http_retry, "random", SimpleNamespace(random=lambda: value))


# --- which statuses are retried ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", CALL_MODES)
@pytest.mark.parametrize("code", RETRIED_STATUSES)
async def test_retried_status_succeeds_on_a_later_attempt(code: int, mode: str, sleeps: list[float]) -> None:
    gateway = Gateway(status(code), answer)

    text = await call(make_model(gateway), mode)

    assert text == EXPECTED_TEXT
    assert gateway.attempts == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize("mode", CALL_MODES)
@pytest.mark.parametrize(("code", "error_class"), FINAL_STATUSES.items())
async def test_final_status_is_never_retried(
    code: int, error_class: type[APIStatusError], mode: str, sleeps: list[float]
) -> None:
    gateway = Gateway(status(code), answer)

    with pytest.raises(error_class) as caught:
        await call(make_model(gateway, max_retries=5), mode)

    assert type(caught.value) is error_class
    assert caught.value.status_code == code
    assert gateway.attempts == 1
    assert sleeps == []


@pytest.mark.parametrize("mode", CALL_MODES)
async def test_max_retries_zero_means_one_attempt(mode: str, sleeps: list[float]) -> None:
    gateway = Gateway(status(503), answer)

    with pytest.raises(InternalServerError):
        await call(make_model(gateway, max_retries=0), mode)

    assert gateway.attempts == 1
    assert sleeps == []


@pytest.mark.parametrize("mode", CALL_MODES)
@pytest.mark.parametrize(("code", "error_class"), RETRIED_STATUSES.items())
async def test_retries_exhausted_raise_the_status_error(
    code: int, error_class: type[APIStatusError], mode: str, sleeps: list[float]
) -> None:
    gateway = Gateway(status(code))

    with pytest.raises(error_class) as caught:
        await call(make_model(gateway, max_retries=2), mode)

    assert type(caught.value) is error_class
    assert caught.value.status_code == code
    assert gateway.attempts == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("use_async", [False, True])
async def test_quota_exhausted_429_is_not_retried(*, use_async: bool, sleeps: list[float]) -> None:
    gateway = Gateway(status(429, error_code="insufficient_quota"), answer)

    with pytest.raises(RateLimitError) as caught:
        await post(gateway, use_async=use_async, max_retries=3)

    assert caught.value.is_retryable is False
    assert gateway.attempts == 1
    assert sleeps == []


# --- how long to wait ---------------------------------------------------------------------------------------------

FROZEN_NOW = 1_760_000_000.0


def http_date(offset: float) -> str:
    return email.utils.formatdate(FROZEN_NOW + offset, usegmt=True)


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({"Retry-After": "2"}, 2.0, id="retry-after-seconds"),
        pytest.param({"retry-after-ms": "1500"}, 1.5, id="retry-after-ms"),
        pytest.param({"Retry-After": http_date(7)}, 7.0, id="retry-after-http-date"),
        pytest.param({"Retry-After": "60"}, 60.0, id="retry-after-at-the-cap"),
    ],
)
async def test_retry_after_is_honoured(
    headers: dict[str, str], expected: float, *, use_async: bool, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_retry, "time", SimpleNamespace(time=lambda: FROZEN_NOW))
    fix_jitter(monkeypatch, 0.0)
    gateway = Gateway(status(429, headers=headers), answer)

    assert await post(gateway, use_async=use_async) == COMPLETION
    assert sleeps == [expected]


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Retry-After": "61"}, id="over-60-seconds"),
        pytest.param({"Retry-After": "3600"}, id="an-hour"),
        pytest.param({"Retry-After": "-5"}, id="negative"),
        pytest.param({"Retry-After": "0"}, id="zero"),
        pytest.param({"retry-after-ms": "120000"}, id="ms-over-60-seconds"),
        pytest.param({"Retry-After": http_date(-30)}, id="http-date-in-the-past"),
        pytest.param({"Retry-After": http_date(3600)}, id="http-date-an-hour-ahead"),
        pytest.param({"Retry-After": "soon"}, id="unparseable"),
    ],
)
async def test_unusable_retry_after_falls_back_to_backoff(
    headers: dict[str, str], *, use_async: bool, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_retry, "time", SimpleNamespace(time=lambda: FROZEN_NOW))
    fix_jitter(monkeypatch, 0.0)  # jitter factor 1.0: the first backoff is exactly the initial delay
    gateway = Gateway(status(503, headers=headers), answer)

    assert await post(gateway, use_async=use_async) == COMPLETION
    assert sleeps == [0.5]


def backoff(attempt: int) -> float:
    """The documented schedule before jitter: 0.5 s doubled per attempt, at most 8 s."""
    return min(0.5 * 2.0**attempt, 8.0)


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("random_value", [0.0, 0.4, 0.999])
async def test_backoff_exact_values_with_fixed_jitter(
    random_value: float, *, use_async: bool, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    fix_jitter(monkeypatch, random_value)
    gateway = Gateway(status(502))

    with pytest.raises(InternalServerError):
        await post(gateway, use_async=use_async, max_retries=7)

    factor = 1.0 - 0.25 * random_value
    assert sleeps == pytest.approx([backoff(attempt) * factor for attempt in range(7)])
    assert gateway.attempts == 8


@pytest.mark.parametrize("seed", [0, 1, 2, 12345])
async def test_backoff_bounds_per_attempt_with_real_jitter(seed: int, sleeps: list[float]) -> None:
    random.seed(seed)
    gateway = Gateway(status(500))

    with pytest.raises(InternalServerError):
        await post(gateway, use_async=True, max_retries=8)

    assert len(sleeps) == 8
    for attempt, delay in enumerate(sleeps):
        assert 0.75 * backoff(attempt) <= delay <= backoff(attempt), (attempt, delay)
    assert max(sleeps) <= 8.0


# --- connection failures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", CALL_MODES)
async def test_connection_error_is_retried_then_succeeds(mode: str, sleeps: list[float]) -> None:
    gateway = Gateway(httpx.ConnectError, httpx.ConnectError, answer)

    assert await call(make_model(gateway, max_retries=2), mode) == EXPECTED_TEXT
    assert gateway.attempts == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("mode", CALL_MODES)
@pytest.mark.parametrize(
    ("failure", "retries", "is_timeout"),
    [(httpx.ConnectError, 2, False), (httpx.ReadTimeout, 1, True)],
    ids=["connection-error-exhausted", "read-timeout-becomes-api-timeout-error"],
)
async def test_a_transport_failure_that_outlasts_the_retries_is_typed(
    *, failure: type[httpx.TransportError], retries: int, is_timeout: bool, mode: str, sleeps: list[float]
) -> None:
    # Both are connection errors to LangChain; only a timeout is also APITimeoutError / ModelTimeoutError.
    gateway = Gateway(failure)

    with pytest.raises(APIConnectionError) as caught:
        await call(make_model(gateway, max_retries=retries), mode)

    assert isinstance(caught.value, ModelConnectionError)
    assert isinstance(caught.value, APITimeoutError) is is_timeout
    assert isinstance(caught.value, ModelTimeoutError) is is_timeout
    assert isinstance(caught.value.__cause__, failure)
    assert gateway.attempts == retries + 1
    assert len(sleeps) == retries


# --- streams: retried before they start, never after -------------------------------------------------------------

# The recorded stream up to and including its first event with text; then the connection breaks.
_FIRST_TEXT = next(index for index, event in enumerate(EVENTS) if text_of([event]))
PARTIAL_EVENTS = EVENTS[: _FIRST_TEXT + 1]
RESET = "connection reset by peer"
PARTIAL_BYTES = [f"data: {json.dumps(event)}\n\n".encode() for event in PARTIAL_EVENTS]


def broken_stream(*, is_async: bool) -> Step:
    """A 200 stream that delivers `PARTIAL_EVENTS`, then loses its connection."""

    def respond(request: httpx.Request) -> httpx.Response:
        def sync_body() -> Iterator[bytes]:
            yield from PARTIAL_BYTES
            raise httpx.ReadError(RESET, request=request)

        async def async_body() -> AsyncIterator[bytes]:
            for part in PARTIAL_BYTES:
                yield part
            raise httpx.ReadError(RESET, request=request)

        body = async_body() if is_async else sync_body()
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return respond


async def drain(chunks: AsyncIterator[BaseMessageChunk], *, into: list[str]) -> None:
    """Collect the chunks' text until the stream ends or raises (what arrived stays in `into`)."""
    async for chunk in chunks:
        into.append(str(chunk.content))  # noqa: PERF401 - a comprehension would drop what arrived before the raise


def test_stream_broken_after_first_event_is_not_retried(sleeps: list[float]) -> None:
    gateway = Gateway(broken_stream(is_async=False))
    received: list[str] = []

    with pytest.raises(StreamError, match="mid-stream"):
        received.extend(str(chunk.content) for chunk in make_model(gateway, max_retries=3).stream("hi"))

    assert "".join(received) == text_of(PARTIAL_EVENTS) != ""
    assert gateway.attempts == 1
    assert sleeps == []


async def test_astream_broken_after_first_event_is_not_retried(sleeps: list[float]) -> None:
    gateway = Gateway(broken_stream(is_async=True))
    received: list[str] = []

    with pytest.raises(StreamError, match="mid-stream"):
        await drain(make_model(gateway, max_retries=3).astream("hi"), into=received)

    assert "".join(received) == text_of(PARTIAL_EVENTS) != ""
    assert gateway.attempts == 1
    assert sleeps == []


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_stream_retried_on_429_before_it_starts(mode: str, sleeps: list[float]) -> None:
    gateway = Gateway(status(429, headers={"Retry-After": "1"}), answer)

    assert await call(make_model(gateway), mode) == EXPECTED_TEXT
    assert gateway.attempts == 2
    assert sleeps == [1.0]
    assert all(json.loads(request.content)["stream"] is True for request in gateway.requests)


# --- what is sent ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", CALL_MODES)
async def test_headers_sent(mode: str) -> None:
    gateway = Gateway(answer)

    await call(make_model(gateway, default_headers={"X-Team": "search", "X-Trace-Id": "t-1"}), mode)

    (request,) = gateway.requests
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["User-Agent"].startswith("langchain-toiotech/")
    assert request.headers["X-Team"] == "search"
    assert request.headers["X-Trace-Id"] == "t-1"
    assert request.headers["Content-Type"] == "application/json"
    if mode.endswith("stream"):
        assert request.headers["Accept"] == "text/event-stream"


@pytest.mark.parametrize(
    "base_url",
    ["https://gateway.test/v1", "https://gateway.test/v1/", "https://gateway.test/v1//"],
)
async def test_base_url_joining(base_url: str) -> None:
    gateway = Gateway(answer)

    await call(make_model(gateway, base_url=base_url), "invoke")
    await call(make_model(gateway, base_url=base_url), "astream")

    assert [str(request.url) for request in gateway.requests] == [CHAT_URL, CHAT_URL]
    assert [request.method for request in gateway.requests] == ["POST", "POST"]


@pytest.mark.parametrize("mode", CALL_MODES)
@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        pytest.param(None, {"connect": 10.0, "read": 600.0, "write": 600.0, "pool": 600.0}, id="default"),
        pytest.param(12.5, {"connect": 12.5, "read": 12.5, "write": 12.5, "pool": 12.5}, id="seconds"),
        pytest.param(
            httpx.Timeout(5.0, read=30.0),
            {"connect": 5.0, "read": 30.0, "write": 5.0, "pool": 5.0},
            id="httpx-timeout",
        ),
    ],
)
async def test_timeout_passed_through(timeout: Any, expected: dict[str, float], mode: str) -> None:  # noqa: ASYNC109
    gateway = Gateway(answer)

    await call(make_model(gateway, timeout=timeout), mode)

    assert gateway.requests[0].extensions["timeout"] == expected


@pytest.mark.parametrize("mode", CALL_MODES)
async def test_stream_chunk_timeout_applies_to_streams_only(mode: str) -> None:
    gateway = Gateway(answer)

    await call(make_model(gateway, timeout=20.0, stream_chunk_timeout=3.0), mode)

    read_timeout = 3.0 if mode.endswith("stream") else 20.0
    assert gateway.requests[0].extensions["timeout"] == {
        "connect": 20.0,
        "read": read_timeout,
        "write": 20.0,
        "pool": 20.0,
    }


# --- clients: shared pools, lazy connections, copies -------------------------------------------------------------


def test_shared_sync_client_is_reused_across_models() -> None:
    first = ChatToiotech(model="a", api_key=API_KEY)
    second = ChatToiotech(model="b", api_key=API_KEY, temperature=0.1)

    assert first._transport.http_client is second._transport.http_client is None
    pool = http_pools.shared_sync_pool()
    assert pool is http_pools.shared_sync_pool()
    assert pool.clients[0] is http_pools.shared_sync_pool().clients[0]


def test_one_async_client_per_event_loop() -> None:
    async def clients() -> tuple[object, object]:
        return http_pools.shared_async_pool(), http_pools.shared_async_pool()

    in_loop_one = asyncio.run(clients())
    in_loop_two = asyncio.run(clients())

    assert in_loop_one[0] is in_loop_one[1]
    assert in_loop_two[0] is in_loop_two[1]
    assert in_loop_one[0] is not in_loop_two[0]


async def test_building_a_model_opens_no_connection() -> None:
    gateway = Gateway(answer)

    model = make_model(gateway)
    assert gateway.attempts == 0

    await call(model, "invoke")
    await call(model, "ainvoke")
    assert gateway.attempts == 2


class Answer(BaseModel):
    city: str


async def test_bound_and_structured_copies_use_the_injected_client() -> None:
    arguments = json.dumps({"city": "Paris"})
    tool_call = {"id": "call_1", "type": "function", "function": {"name": "Answer", "arguments": arguments}}
    tool_completion = {
        **COMPLETION,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "tool_calls": [tool_call]},
                "finish_reason": "tool_calls",
            }
        ],
    }
    gateway = Gateway(answer, answer, lambda _request: httpx.Response(200, json=tool_completion))
    model = make_model(gateway)

    assert model.bind(stop=["END"]).invoke("hi").content == EXPECTED_TEXT
    assert (await model.bind(temperature=0.3).ainvoke("hi")).content == EXPECTED_TEXT
    assert model.with_structured_output(Answer).invoke("hi") == Answer(city="Paris")

    bodies = [json.loads(request.content) for request in gateway.requests]
    assert bodies[0]["stop"] == ["END"]
    assert bodies[1]["temperature"] == 0.3
    assert bodies[2]["tool_choice"] == {"type": "function", "function": {"name": "Answer"}}


# --- uploads ----------------------------------------------------------------------------------------------------


def multipart_parts(request: httpx.Request) -> dict[str, bytes]:
    """The form fields of a multipart body, by name."""
    boundary = request.headers["content-type"].split("boundary=", 1)[1].encode()
    parts: dict[str, bytes] = {}
    for part in request.content.split(b"--" + boundary):
        head, separator, payload = part.partition(b"\r\n\r\n")
        if not separator:
            continue
        name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
        parts[name] = payload.removesuffix(b"\r\n")
    return parts


@pytest.mark.parametrize("use_async", [False, True])
async def test_upload_retry_resends_the_whole_file(*, use_async: bool, sleeps: list[float], tmp_path: Path) -> None:
    # Big enough that httpx reads it in several chunks, with a recognisable first and last byte.
    content = b"FIRST" + bytes(range(256)) * 1024 + b"LAST"
    file_path = tmp_path / "report.pdf"
    file_path.write_bytes(content)
    uploaded = {"id": "file-123", "object": "file", "bytes": len(content), "filename": file_path.name}
    gateway = Gateway(status(503), lambda _request: httpx.Response(200, json=uploaded))
    fields = {"purpose": "user_data"}
    mock = httpx.MockTransport(gateway)

    if use_async:
        async with httpx.AsyncClient(transport=mock) as client:
            result = await AsyncTransport(settings(), client).upload(
                "/files", file_path, fields, "application/pdf", dict
            )
    else:
        with httpx.Client(transport=mock) as client:
            result = Transport(settings(), client).upload("/files", file_path, fields, "application/pdf", dict)

    assert result == uploaded
    assert gateway.attempts == 2
    assert len(sleeps) == 1
    for request in gateway.requests:
        assert str(request.url) == f"{BASE_URL}/files"
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"
        parts = multipart_parts(request)
        assert parts["purpose"] == b"user_data"
        assert parts["file"] == content
        assert b'filename="report.pdf"' in request.content
        assert b"Content-Type: application/pdf" in request.content
