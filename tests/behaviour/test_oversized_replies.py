"""Replies that would exhaust the client's memory, over real HTTP on loopback, each bounded by `ReplyLimits`.

Whatever could exhaust memory runs the client in a child process capped at 3 GiB of address space; the child
reports the error it got and its peak RSS, which must stay far below what the server sent or would inflate to.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from typing import Any

import pytest

from tests._support.flood_server import MIB, FloodServer, gzip_bomb, http_head, repeated

CAP_BYTES = 3 << 30  # RLIMIT_AS of the child
BASELINE_MIB = 100  # measured: the child holds about 70 MiB (langchain-core, pydantic) before its first call
CHILD = textwrap.dedent(
    """
    import asyncio, json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))
    from langchain_toiotech import ChatToiotech

    model = ChatToiotech(model="m", api_key="k", base_url=sys.argv[1], max_retries=0, timeout=20)

    async def astream():
        async for _ in model.astream("hi"):
            pass

    calls = {
        "invoke": lambda: model.invoke("hi"),
        "ainvoke": lambda: asyncio.run(model.ainvoke("hi")),
        "stream": lambda: list(model.stream("hi")),
        "astream": lambda: asyncio.run(astream()),
    }
    outcomes = {}
    for mode in sys.argv[2].split(","):
        try:
            calls[mode]()
            outcomes[mode] = {"error": None}
        except BaseException as error:  # MemoryError included: that is the failure being tested for
            outcomes[mode] = {
                "error": type(error).__name__,
                "bases": [cls.__name__ for cls in type(error).__mro__],
                "message": str(error)[:1000],
                "limit": getattr(error, "limit", None),
            }
    # ru_maxrss survives fork and exec on Linux, so it starts at the test runner's own peak; VmHWM belongs to
    # this process's memory alone. Both are peaks; the smaller is this child's.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        with open("/proc/self/status") as status:
            hwm = next(line for line in status if line.startswith("VmHWM:"))
        peak = min(peak, int(hwm.split()[1]) / 1024)
    except (OSError, StopIteration):
        pass
    print(json.dumps({"outcomes": outcomes, "peak_rss_mib": peak}))
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


def run_child(server: FloodServer, modes: tuple[str, ...]) -> dict[str, Any]:
    """Run the calls one after the other in one capped child (an interpreter start costs more than a call)."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, server.base_url, ",".join(modes), str(CAP_BYTES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


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
