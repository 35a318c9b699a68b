"""The stream stall guard (`stream_chunk_timeout`), over real HTTP with the emulator's slow modes.

A stream that goes quiet mid-way must raise `APITimeoutError` (a `langchain_core` `ModelTimeoutError`)
after the chunks that did arrive, instead of hanging; a stream that is slow but keeps sending bytes (events
or `: PING` comments) must not trip it; non-stream calls are governed by `timeout` alone. No assertion is
about wall-clock time: the emulator's stalls are long enough (seconds, cut short when it stops) that only
the guard can end them within the test, and pytest's timeout would catch a hang.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ModelTimeoutError

from langchain_toiotech import ChatToiotech
from langchain_toiotech.errors import APITimeoutError
from langchain_toiotech.testing import Fault, GatewayEmulator
from tests._support.hostile_server import chat_chunk

TLS = httpx.create_ssl_context()
API_KEY = "sk-test-stall-guard"
CHAT = "/chat/completions"
PROMPT = "tell me something slowly"
# The emulator's documented default answer (langchain_toiotech.testing): it quotes the last user text.
EXPECTED = f"Hello from the toiotech emulator. You said: {PROMPT}"
GUARD = 0.3  # seconds without a byte before a stream counts as stalled
STALL = 5.0  # far beyond GUARD; the emulator cuts it short when it stops
STALL_AFTER = 3


@dataclass
class Outcome:
    text: str
    error: BaseException | None


async def stream_text(model: ChatToiotech, *, use_async: bool) -> Outcome:
    """Stream the prompt; keep the text that arrived before an error, and the error."""
    parts: list[str] = []
    try:
        if use_async:
            async for chunk in model.astream(PROMPT):
                parts.append(str(chunk.content))  # noqa: PERF401 - a comprehension would lose them on an error
        else:
            for chunk in model.stream(PROMPT):
                parts.append(str(chunk.content))  # noqa: PERF401 - as above
    except Exception as error:  # noqa: BLE001 - each test names the class it expects
        return Outcome("".join(parts), error)
    return Outcome("".join(parts), None)


def make_model(gw: GatewayEmulator, **kwargs: Any) -> ChatToiotech:
    return ChatToiotech(
        model="gpt-4o-mini", api_key=API_KEY, base_url=gw.base_url, stream_chunk_timeout=GUARD, **kwargs
    )


def attempts(gw: GatewayEmulator) -> int:
    return sum(1 for request in gw.requests if request.path == f"/v1{CHAT}")


def reference_contents(gw: GatewayEmulator) -> list[str]:
    """The content of each event of the unfaulted stream, fetched directly (then forgotten by the log)."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": PROMPT}], "stream": True}
    response = httpx.post(f"{gw.base_url}{CHAT}", json=body, headers={"Authorization": "Bearer k"}, verify=TLS)
    gw.clear_requests()
    events = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    return [
        "".join(choice["delta"].get("content") or "" for choice in json.loads(data)["choices"])
        for data in events
        if data != "[DONE]"
    ]


@pytest.fixture
def gw() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(reasoning_style=None) as emulator:
        yield emulator


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_a_stall_mid_stream_raises_a_timeout_after_the_chunks_that_arrived(
    *, use_async: bool, gw: GatewayEmulator
) -> None:
    arrived = "".join(reference_contents(gw)[:STALL_AFTER])
    assert arrived  # the stall really is mid-answer, after some text
    gw.enqueue_fault(Fault(stall_after_events=STALL_AFTER, stall_seconds=STALL), path=CHAT)

    outcome = await stream_text(make_model(gw, max_retries=2), use_async=use_async)

    assert type(outcome.error) is APITimeoutError
    assert isinstance(outcome.error, ModelTimeoutError)  # what LangChain's fallbacks and agents catch
    assert "stalled" in str(outcome.error)
    assert outcome.text == arrived
    assert attempts(gw) == 1  # the stream had started: not retried, even with retries left


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_a_stall_before_the_first_event_also_raises(*, use_async: bool, gw: GatewayEmulator) -> None:
    # The status line and headers are sent, then nothing: the body's first read is guarded too.
    gw.enqueue_fault(Fault(stall_after_events=0, stall_seconds=STALL), path=CHAT)

    outcome = await stream_text(make_model(gw, max_retries=0), use_async=use_async)

    assert type(outcome.error) is APITimeoutError
    assert outcome.text == ""


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_a_stall_shorter_than_the_guard_is_tolerated(*, use_async: bool, gw: GatewayEmulator) -> None:
    gw.enqueue_fault(Fault(stall_after_events=STALL_AFTER, stall_seconds=GUARD / 3), path=CHAT)

    outcome = await stream_text(make_model(gw), use_async=use_async)

    assert outcome.error is None, outcome.error
    assert outcome.text == EXPECTED
    assert attempts(gw) == 1


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_a_slow_but_steady_stream_outlasts_the_guard(*, use_async: bool, gw: GatewayEmulator) -> None:
    """The guard bounds the gap between reads, not the length of the answer."""
    delay = GUARD / 4
    assert delay * (len(reference_contents(gw)) - 1) > GUARD  # the whole stream lasts longer than one allowed gap
    with GatewayEmulator(reasoning_style=None, chunk_delay=delay) as slow:
        outcome = await stream_text(make_model(slow), use_async=use_async)

    assert outcome.error is None, outcome.error
    assert outcome.text == EXPECTED


PING_GAP = GUARD / 3
PINGS = 5  # the quiet time between the two words is (PINGS + 1) * PING_GAP, twice the guard


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize("pings", [True, False], ids=["with-pings", "silent"])
async def test_pings_keep_a_quiet_stream_alive(*, pings: bool, use_async: bool) -> None:
    """`: PING` comments (new-api, OpenRouter) are bytes: they reset the guard though they carry no event."""
    assert (PINGS + 1) * PING_GAP > GUARD
    with GatewayEmulator(reasoning_style=None, chunk_delay=PING_GAP) as gw:
        if pings:
            # Every scripted item is one pacing step: the gap between the words is filled with pings.
            events: list[dict[str, Any] | str] = [
                chat_chunk("Hello"),
                *[": PING"] * PINGS,
                chat_chunk(" world"),
                chat_chunk(finish="stop"),
                "[DONE]",
            ]
            gw.enqueue_reply(CHAT, sse_events=events)
        else:
            # The same quiet time with nothing on the wire.
            gw.enqueue_reply(
                CHAT, sse_events=[chat_chunk("Hello"), chat_chunk(" world"), chat_chunk(finish="stop"), "[DONE]"]
            )
            gw.enqueue_fault(Fault(stall_after_events=1, stall_seconds=(PINGS + 1) * PING_GAP), path=CHAT)

        outcome = await stream_text(make_model(gw, max_retries=0), use_async=use_async)

    if pings:
        assert outcome.error is None, outcome.error
        assert outcome.text == "Hello world"
    else:
        assert type(outcome.error) is APITimeoutError
        assert outcome.text == "Hello"


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_invoke_is_not_bound_by_the_stream_guard(*, use_async: bool, gw: GatewayEmulator) -> None:
    # A non-stream answer arrives all at once after the model has finished: only `timeout` bounds the wait.
    gw.enqueue_fault(Fault(first_byte_delay=2 * GUARD), path=CHAT)
    model = make_model(gw, timeout=10 * GUARD, max_retries=0)

    message = await model.ainvoke(PROMPT) if use_async else model.invoke(PROMPT)

    assert message.content == EXPECTED
    assert attempts(gw) == 1
