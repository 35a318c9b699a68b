"""The fault matrix, over real HTTP: every gateway failure, through invoke/ainvoke/stream/astream.

Each row runs against the loopback `GatewayEmulator` and checks three things: the exception class (or a
complete answer), how many attempts the emulator saw, and that nothing was retried that must not be (a 400,
401, 403, 404, an exhausted quota, or a stream after its first event). The retry loop's sleeps are recorded
instead of slept (patched in `langchain_toiotech._http.client` only), so Retry-After can be checked exactly and the
file stays fast; only the read-timeout rows really wait, on a 0.3 s timeout.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ContextOverflowError

from langchain_toiotech import ChatToiotech
from langchain_toiotech._http import retry as http_retry
from langchain_toiotech.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    InternalServerError,
    MalformedResponseError,
    MalformedStreamError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
)
from langchain_toiotech.testing import Fault, GatewayEmulator
from tests._support.sleeps import record_retry_sleeps

TLS = httpx.create_ssl_context()  # built once; every default httpx client would load the CA bundle again
API_KEY = "sk-test-fault-matrix"
CHAT = "/chat/completions"
PROMPT = "tell me about faults"
# The emulator's documented default answer (langchain_toiotech.testing): it quotes the last user text.
EXPECTED = f"Hello from the toiotech emulator. You said: {PROMPT}"
MAX_RETRIES = 2
MODES = ["invoke", "ainvoke", "stream", "astream"]
STREAM_MODES = {"stream", "astream"}
CUT = 4  # stream faults strike after this many events


# --- running one call --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one call produced: the text received (for streams, up to the failure) and the error, if any."""

    text: str
    error: BaseException | None


def assert_recovered_or_failed(
    outcome: Outcome,
    gw: GatewayEmulator,
    sleeps: list[float],
    *,
    times: int,
    retries: int,
    error: type[Exception],
    cause: type[Exception],
) -> None:
    """The first `times` attempts failed: the call recovered if `retries` covered them, else raised `error`."""
    if times <= retries:
        assert outcome.error is None, outcome.error
        assert outcome.text == EXPECTED
        assert attempts(gw) == times + 1
    else:
        assert type(outcome.error) is error
        assert isinstance(outcome.error.__cause__, cause)
        assert attempts(gw) == retries + 1
    assert len(sleeps) == min(times, retries)


async def run(model: ChatToiotech, mode: str) -> Outcome:
    parts: list[str] = []
    try:
        if mode == "invoke":
            parts.append(str(model.invoke(PROMPT).content))
        elif mode == "ainvoke":
            parts.append(str((await model.ainvoke(PROMPT)).content))
        elif mode == "stream":
            parts.extend(str(chunk.content) for chunk in model.stream(PROMPT))
        else:
            async for chunk in model.astream(PROMPT):
                parts.append(str(chunk.content))  # noqa: PERF401 - a comprehension would lose them on an error
    except Exception as error:  # noqa: BLE001 - the row decides which class is right
        return Outcome("".join(parts), error)
    return Outcome("".join(parts), None)


def attempts(gw: GatewayEmulator) -> int:
    return sum(1 for request in gw.requests if request.path == f"/v1{CHAT}")


def make_model(base_url: str, **kwargs: Any) -> ChatToiotech:
    """A model on the default pooled clients: the path users take."""
    kwargs.setdefault("max_retries", MAX_RETRIES)
    return ChatToiotech(model="gpt-4o-mini", api_key=API_KEY, base_url=base_url, **kwargs)


# One event loop (so one pooled AsyncClient) and one emulator for the whole file: ~200 rows stay fast.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    # No reasoning: streamed text is then exactly the content deltas, which makes partial answers easy to check.
    with GatewayEmulator(reasoning_style=None) as started:
        yield started


@pytest.fixture
def gw(emulator: GatewayEmulator) -> Iterator[GatewayEmulator]:
    """The shared emulator with an empty request log; a row must consume everything it scripts."""
    emulator.clear_requests()
    yield emulator
    left_over = emulator.pending
    with httpx.Client(timeout=0.2, verify=TLS) as http:  # drain it anyway, so the next row starts clean
        for _ in range(left_over):
            with contextlib.suppress(httpx.HTTPError):
                http.post(f"{emulator.base_url}{CHAT}", json={"messages": []}, headers={"Authorization": "Bearer k"})
    assert left_over == 0, "the row left scripted faults or replies unconsumed"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The retry loop's sleeps, recorded instead of slept."""
    return record_retry_sleeps(monkeypatch)


def assert_backoff(delays: list[float]) -> None:
    """Each delay is the documented exponential backoff for its attempt, less at most a quarter of jitter."""
    for attempt, delay in enumerate(delays):
        full = min(http_retry.INITIAL_RETRY_DELAY * 2**attempt, http_retry.MAX_RETRY_DELAY)
        assert 0.75 * full <= delay <= full, (attempt, delay)


# --- reference replies (what the emulator answers without faults) --------------------------------------------


def reference(gw: GatewayEmulator, *, stream: bool) -> httpx.Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": PROMPT}], "stream": stream}
    headers = {"Authorization": f"Bearer {API_KEY}"}
    response = httpx.post(f"{gw.base_url}{CHAT}", json=body, headers=headers, verify=TLS)
    assert response.status_code == 200
    gw.clear_requests()  # the reference request is not an attempt of the row
    return response


def reference_events(gw: GatewayEmulator) -> list[str]:
    """The data lines of the unfaulted stream, in order, without the `data: ` prefix."""
    lines = reference(gw, stream=True).text.splitlines()
    return [line.removeprefix("data: ") for line in lines if line.startswith("data: ")]


def content_of(events: list[str]) -> str:
    return "".join(choice["delta"].get("content") or "" for data in events for choice in json.loads(data)["choices"])


# --- retryable statuses ------------------------------------------------------------------------------------------

NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n<center><h1>{status} {phrase}</h1></center>"
    "\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
PHRASES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable"}


@dataclass(frozen=True)
class Retryable:
    id: str
    fault: Fault
    error: type[APIStatusError]


RETRYABLE = [
    Retryable("408", Fault(status=408), APIStatusError),
    Retryable("408-retry-after", Fault(status=408, retry_after="1.5"), APIStatusError),
    Retryable("409", Fault(status=409), APIStatusError),
    Retryable("409-retry-after", Fault(status=409, retry_after="2"), APIStatusError),
    Retryable("429", Fault(status=429), RateLimitError),
    Retryable("429-retry-after", Fault(status=429, retry_after="3"), RateLimitError),
    *(Retryable(f"{status}-json", Fault(status=status), InternalServerError) for status in PHRASES),
    *(
        Retryable(
            f"{status}-html",
            Fault(
                status=status,
                body=NGINX_PAGE.format(status=status, phrase=phrase),
                content_type="text/html",
            ),
            InternalServerError,
        )
        for status, phrase in PHRASES.items()
    ),
]


@pytest.mark.parametrize("times", [1, MAX_RETRIES, MAX_RETRIES + 1], ids=lambda n: f"{n}x")
@pytest.mark.parametrize("row", RETRYABLE, ids=lambda row: row.id)
@pytest.mark.parametrize("mode", MODES)
async def test_retryable_status(
    mode: str, row: Retryable, times: int, gw: GatewayEmulator, sleeps: list[float]
) -> None:
    gw.enqueue_fault(row.fault, path=CHAT, times=times)

    outcome = await run(make_model(gw.base_url), mode)

    if times <= MAX_RETRIES:
        assert outcome.error is None, outcome.error
        assert outcome.text == EXPECTED
        assert attempts(gw) == times + 1
    else:
        assert type(outcome.error) is row.error
        assert isinstance(outcome.error, APIStatusError)
        assert outcome.error.status_code == row.fault.status
        assert outcome.text == ""  # a stream that never started delivered nothing
        assert attempts(gw) == MAX_RETRIES + 1
        if row.fault.content_type == "text/html":
            assert f"{row.fault.status} {PHRASES[row.fault.status]}" in str(outcome.error)
    retried = min(times, MAX_RETRIES)
    assert len(sleeps) == retried
    if row.fault.retry_after is not None:
        assert sleeps == [float(row.fault.retry_after)] * retried  # the server's wait, not our backoff
    else:
        assert_backoff(sleeps)


# --- final statuses: one attempt, whatever max_retries says ----------------------------------------------------


@dataclass(frozen=True)
class Final:
    id: str
    fault: Fault
    error: type[APIStatusError]


QUOTA_BODY = {"error": {"message": "用户额度不足", "type": "new_api_error", "code": "insufficient_quota"}}
FINAL = [
    Final("400-context-length", Fault.context_overflow(), ContextLengthExceededError),
    Final("400", Fault(status=400), BadRequestError),
    Final("401", Fault(status=401), AuthenticationError),
    Final("403", Fault(status=403), PermissionDeniedError),
    Final("404", Fault(status=404), NotFoundError),
    # A Retry-After on a final status must not turn it into a retry.
    Final("429-quota-exhausted", Fault(status=429, retry_after="1", body=QUOTA_BODY), RateLimitError),
]


@pytest.mark.parametrize("row", FINAL, ids=lambda row: row.id)
@pytest.mark.parametrize("mode", MODES)
async def test_final_status_is_not_retried(mode: str, row: Final, gw: GatewayEmulator, sleeps: list[float]) -> None:
    # Queued once: a wrong retry would get the default answer, and the row would see a success.
    gw.enqueue_fault(row.fault, path=CHAT)

    outcome = await run(make_model(gw.base_url), mode)

    assert type(outcome.error) is row.error
    assert isinstance(outcome.error, APIStatusError)
    assert outcome.error.status_code == row.fault.status
    assert outcome.text == ""
    assert attempts(gw) == 1
    assert sleeps == []


@pytest.mark.parametrize("mode", MODES)
async def test_context_overflow_is_langchains_context_overflow_error(
    mode: str, gw: GatewayEmulator, sleeps: list[float]
) -> None:
    gw.enqueue_fault(Fault.context_overflow(), path=CHAT)

    outcome = await run(make_model(gw.base_url), mode)

    # Agents catch langchain_core's class to trim history; the message is the gateway's, unchanged.
    assert isinstance(outcome.error, ContextOverflowError)
    assert isinstance(outcome.error, ContextLengthExceededError)
    assert outcome.error.code == "context_length_exceeded"
    assert "Input tokens exceed the configured limit of 272000 tokens" in str(outcome.error)
    assert attempts(gw) == 1


# --- the connection itself ---------------------------------------------------------------------------------------


def closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("mode", MODES)
async def test_connection_refused(mode: str, sleeps: list[float]) -> None:
    model = make_model(f"http://127.0.0.1:{closed_port()}/v1")

    outcome = await run(model, mode)

    assert type(outcome.error) is APIConnectionError  # refused, not timed out
    assert "ConnectError" in str(outcome.error)
    assert isinstance(outcome.error.__cause__, httpx.ConnectError)
    # Nothing listens, so the sleeps are the only witness of the attempts: one before each retry.
    assert len(sleeps) == MAX_RETRIES
    assert_backoff(sleeps)


@pytest.mark.parametrize("times", [1, MAX_RETRIES + 1], ids=lambda n: f"{n}x")
@pytest.mark.parametrize("mode", MODES)
async def test_connection_dropped_before_the_answer(
    mode: str, times: int, gw: GatewayEmulator, sleeps: list[float]
) -> None:
    gw.enqueue_fault(Fault(drop_connection=True), path=CHAT, times=times)

    outcome = await run(make_model(gw.base_url), mode)

    assert_recovered_or_failed(
        outcome, gw, sleeps, times=times, retries=MAX_RETRIES, error=APIConnectionError, cause=httpx.RemoteProtocolError
    )


# Each timed-out attempt really waits TIMEOUT, so these rows retry once only; 0.6 s leaves a retried attempt room
# for its first byte on a saturated 2-core machine (0.3 s failed there now and then).
TIMEOUT = 0.6
TIMEOUT_RETRIES = 1


@pytest.mark.parametrize("times", [1, TIMEOUT_RETRIES + 1], ids=lambda n: f"{n}x")
@pytest.mark.parametrize("mode", MODES)
async def test_read_timeout(mode: str, times: int, gw: GatewayEmulator, sleeps: list[float]) -> None:
    gw.enqueue_fault(Fault(first_byte_delay=10 * TIMEOUT), path=CHAT, times=times)
    # `timeout` bounds the whole call, retries included: a read timeout leaves room for a retry only when the
    # read bound is shorter than the call's (an httpx.Timeout's largest value), as here.
    model = make_model(gw.base_url, timeout=httpx.Timeout(30 * TIMEOUT, read=TIMEOUT), max_retries=TIMEOUT_RETRIES)

    outcome = await run(model, mode)

    assert_recovered_or_failed(
        outcome, gw, sleeps, times=times, retries=TIMEOUT_RETRIES, error=APITimeoutError, cause=httpx.ReadTimeout
    )


@pytest.mark.parametrize("mode", MODES)
async def test_slow_first_byte_within_the_timeout_succeeds(mode: str, gw: GatewayEmulator, sleeps: list[float]) -> None:
    # The call's budget is 10x the delay, not 3x: the row asks that a slow first byte inside the budget is not a
    # timeout, and a loaded machine must not turn the remaining time into one.
    gw.enqueue_fault(Fault(first_byte_delay=TIMEOUT / 6), path=CHAT)
    model = make_model(gw.base_url, timeout=10 * TIMEOUT / 6)

    outcome = await run(model, mode)

    assert outcome.error is None, outcome.error
    assert outcome.text == EXPECTED
    assert attempts(gw) == 1
    assert sleeps == []


# --- streams broken after they started (and their non-stream twins) ------------------------------------------


@dataclass(frozen=True)
class Broken:
    """A stream fault and its non-stream twin; each scripts the emulator and names the class it must raise."""

    id: str
    stream: Callable[[GatewayEmulator], None]
    stream_error: type[Exception]
    invoke: Callable[[GatewayEmulator], None]
    invoke_error: type[Exception]


def truncated_json(gw: GatewayEmulator) -> None:
    whole = reference(gw, stream=False).content
    gw.enqueue_reply(CHAT, raw=whole[: len(whole) // 2], content_type="application/json")


def error_body_200(gw: GatewayEmulator) -> None:
    body = {"error": {"message": "upstream overloaded", "type": "server_error"}}
    gw.enqueue_reply(CHAT, json_body=body)


def invalid_json_chunk(gw: GatewayEmulator) -> None:
    events = reference_events(gw)
    raw = "".join(f"data: {data}\n\n" for data in events[:CUT])
    raw += 'data: {"choices": [{"index": 0, "delta": {"content": "x"\n\n'  # cut inside the object
    raw += "".join(f"data: {data}\n\n" for data in events[CUT:])
    gw.enqueue_reply(CHAT, raw=raw, content_type="text/event-stream")


def not_json_body(gw: GatewayEmulator) -> None:
    gw.enqueue_reply(CHAT, raw=b"<html>upstream said hi</html>", content_type="application/json")


BROKEN = [
    Broken(
        "truncated",
        lambda gw: gw.enqueue_fault(Fault(truncate_after_events=CUT), path=CHAT),
        StreamError,
        truncated_json,
        MalformedResponseError,
    ),
    Broken(
        "error-event",
        lambda gw: gw.enqueue_fault(Fault(error_event_after=CUT), path=CHAT),
        StreamError,
        error_body_200,
        StreamError,
    ),
    # A malformed event is a MalformedStreamError, which is also a StreamError (the answer is cut off there).
    Broken("invalid-json-chunk", invalid_json_chunk, MalformedStreamError, not_json_body, MalformedResponseError),
]


@pytest.mark.parametrize("row", BROKEN, ids=lambda row: row.id)
@pytest.mark.parametrize("mode", MODES)
async def test_broken_answer_is_raised_not_retried(
    mode: str, row: Broken, gw: GatewayEmulator, sleeps: list[float]
) -> None:
    streaming = mode in STREAM_MODES
    delivered_before_the_cut = content_of(reference_events(gw)[:CUT])
    (row.stream if streaming else row.invoke)(gw)

    outcome = await run(make_model(gw.base_url), mode)

    assert type(outcome.error) is (row.stream_error if streaming else row.invoke_error)
    # The part that arrived was handed over, then the failure raised: never a short answer passed off as whole.
    assert outcome.text == (delivered_before_the_cut if streaming else "")
    assert outcome.text != EXPECTED
    # max_retries is 2, yet one attempt: the stream had started (or a 200 arrived), so a retry could duplicate.
    assert attempts(gw) == 1
    assert sleeps == []
