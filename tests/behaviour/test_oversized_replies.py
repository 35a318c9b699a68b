"""Replies that would exhaust the client's memory, over real HTTP on loopback, each bounded by `ReplyLimits`.

Whatever could exhaust memory runs the client in a child process capped at 3 GiB of address space; the child
reports the error it got and its peak RSS, which must stay far below what the server sent or would inflate to.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import pytest

from tests._support.capped_child import BASELINE_MIB, run_capped
from tests._support.flood_server import MIB, FloodServer, gzip_bomb, http_head, repeated
from tests._support.hostile_server import CHUNKED_SSE_HEAD, chat_answer, http_chunk, sse

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from langchain_toiotech import ChatToiotech
    from langchain_toiotech._http import release

    model = ChatToiotech(model="m", api_key="k", base_url=sys.argv[1], max_retries=0, timeout=20)
    if sys.argv[3:]:
        release.DRAIN_SECONDS = float(sys.argv[3])

    async def astream():
        return "".join([str(chunk.content) async for chunk in model.astream("hi")])

    calls = {
        "invoke": lambda: model.invoke("hi").content,
        "ainvoke": lambda: asyncio.run(model.ainvoke("hi")).content,
        "stream": lambda: "".join(str(chunk.content) for chunk in model.stream("hi")),
        "astream": lambda: asyncio.run(astream()),
    }
    outcomes = {}
    for mode in sys.argv[2].split(","):
        try:
            outcomes[mode] = {"error": None, "text": calls[mode]()}
        except BaseException as error:  # MemoryError included: that is the failure being tested for
            outcomes[mode] = {
                "error": type(error).__name__,
                "bases": [cls.__name__ for cls in type(error).__mro__],
                "message": str(error)[:1000],
                "limit": getattr(error, "limit", None),
            }
    report = {"outcomes": outcomes}
    """
)


@dataclass(frozen=True)
class Hostile:
    id: str
    head: bytes
    body: Any
    sent_or_inflated_mib: int  # what an unbounded reader would hold
    modes: tuple[str, ...]
    error: str
    limit: str | None
    message: str
    peak_mib: int  # the most the child may reach: the limit it hits, the baseline, and slack for the allocator


def run_child(server: FloodServer, modes: tuple[str, ...], *extra: str) -> dict[str, Any]:
    """Run the calls one after the other in one capped child (an interpreter start costs more than a call)."""
    return run_capped(CHILD, server.base_url, ",".join(modes), *extra)


BOMB, BOMB_INFLATED = gzip_bomb(8 * MIB)  # 8 MB on the wire, about 8 GB inflated
SSE = "text/event-stream"
JSON = "application/json"
LINE_OF_300_MB = repeated(b"x" * MIB, 300 * MIB, first=b"data: ")
LINES_WITHOUT_A_BLANK_LINE = repeated(b"data: " + b"y" * 1017 + b"\n", 600 * MIB)


def cut_at_the_event_limit(case_id: str, head: bytes, body: Any, sent_mib: int, what: str) -> Hostile:
    """A stream case that `max_event_bytes` (64 MiB) must cut, on both stream modes; `what` is "line" or "event"."""
    return Hostile(
        case_id,
        head,
        body,
        sent_mib,
        ("stream", "astream"),
        "ResponseTooLargeError",
        "max_event_bytes",
        f"one stream {what} larger than 67,108,864 bytes",
        64 + BASELINE_MIB + 32,
    )


CASES = [
    Hostile(
        "gzip-bomb-200-json",
        http_head("200 OK", JSON, encoding="gzip", length=len(BOMB)),
        lambda: [BOMB],
        BOMB_INFLATED // MIB,
        ("invoke", "ainvoke"),
        "ResponseTooLargeError",
        "max_body_bytes",
        "a reply body larger than 268,435,456 bytes",
        256 + BASELINE_MIB + 32,
    ),
    Hostile(
        "gzip-bomb-500-error-body",
        http_head("500 Internal Server Error", JSON, encoding="gzip", length=len(BOMB)),
        lambda: [BOMB],
        BOMB_INFLATED // MIB,
        ("invoke", "stream"),
        "InternalServerError",
        None,
        "Error code: 500",
        1 + BASELINE_MIB + 32,
    ),
    cut_at_the_event_limit(
        "gzip-bomb-sse",
        http_head("200 OK", SSE, encoding="gzip", length=len(BOMB)),
        lambda: [BOMB],
        BOMB_INFLATED // MIB,
        "line",
    ),
    cut_at_the_event_limit("sse-line-of-300-mb", http_head("200 OK", SSE), LINE_OF_300_MB, 300, "line"),
    cut_at_the_event_limit(
        "sse-data-lines-without-a-blank-line", http_head("200 OK", SSE), LINES_WITHOUT_A_BLANK_LINE, 600, "event"
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_hostile_reply_is_cut_at_its_limit_with_a_typed_error(case: Hostile) -> None:
    with FloodServer(case.head, case.body) as server:
        report = run_child(server, case.modes)

    for mode, outcome in report["outcomes"].items():
        assert outcome["error"] == case.error, (mode, outcome)
        assert "ToiotechError" in outcome["bases"]
        assert case.message in outcome["message"]
        if case.limit:
            assert outcome["limit"] == case.limit
            assert f"reply_limits={{'{case.limit}': ...}}" in outcome["message"]
    assert report["peak_rss_mib"] < case.peak_mib, report
    assert report["peak_rss_mib"] < case.sent_or_inflated_mib / 2


JUNK_AFTER_DONE_MIB = 512
ANSWER_THEN_JUNK = repeated(
    http_chunk(b"x" * MIB), JUNK_AFTER_DONE_MIB * MIB, first=chat_answer("Hello world") + sse("[DONE]")
)


def test_junk_after_the_end_of_a_stream_is_not_read_on() -> None:
    # The junk comes as fast as loopback carries it; the drain's time bound is lifted so that `max_drain_bytes`
    # alone stops the read (measured: unbounded, 50 ms read 36-45 MiB a stream here; with 60 s, all 512 MiB).
    # The drain discards what it reads, so the RSS check guards the child; `sent` is what shows the bound.
    with FloodServer(CHUNKED_SSE_HEAD, ANSWER_THEN_JUNK) as server:
        report = run_child(server, ("stream", "astream"), "60")
        sent_mib = server.sent / MIB

    for mode, outcome in report["outcomes"].items():
        assert outcome == {"error": None, "text": "Hello world"}, mode
    # What the client took before it dropped each connection: its drain limit, what the socket buffers held, and
    # the piece in flight; the server was ready to send all of it.
    assert sent_mib < JUNK_AFTER_DONE_MIB / 4, sent_mib
    assert report["peak_rss_mib"] < BASELINE_MIB + 32, report
