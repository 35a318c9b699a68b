"""Child process for test_loop_lifecycle: many event loops come and go, each making one call on the default pools.

Run as `python -W error loop_churn.py BASE_URL CALL LOOPS [NOFILE]`; a CALL ending in `_by_hand` runs in loops
closed without `shutdown_asyncgens()`, one ending in `_in_threads` in four loops at a time in worker threads.
Prints one JSON line: the peak and final number of open sockets (from /proc/self/fd), the calls that failed, and
everything warned, logged at WARNING or above, or reported as an unraisable exception (a `ResourceWarning` in a
finaliser, "Event loop is closed" in a callback). With NOFILE, the process runs under that descriptor limit.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import resource
import sys
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFiles

API_KEY = "sk-loop-churn"


def open_sockets() -> int:
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += str(fd.readlink()).startswith("socket:")
        except OSError:  # the descriptor the listing itself used is gone by now
            continue
    return count


class Reports(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(f"log {record.name}: {record.getMessage()}")


def calls(base_url: str, upload: Path) -> dict[str, Callable[[], Awaitable[Any]]]:
    chat = ChatToiotech(model="deepseek-chat", base_url=base_url, api_key=API_KEY, max_retries=0)
    embeddings = ToiotechEmbeddings(model="text-embedding-3-small", base_url=base_url, api_key=API_KEY)
    files = ToiotechFiles(base_url=base_url, api_key=API_KEY, max_retries=0)

    async def astream() -> str:
        return "".join([str(chunk.content) async for chunk in chat.astream("x")])

    async def astream_left_open() -> str:
        # The caller stops after the first chunk: the stream's generator is still open when the loop shuts down.
        async for chunk in chat.astream("x"):
            return str(chunk.content)
        return ""

    return {
        "ainvoke": lambda: chat.ainvoke("x"),
        "astream": astream,
        "astream_left_open": astream_left_open,
        "aembed_query": lambda: embeddings.aembed_query("x"),
        "aupload": lambda: files.aupload(upload),
    }


def run_in_new_loop(call: Callable[[], Awaitable[Any]], *, by_hand: bool = False, threads: bool = False) -> None:
    async def once() -> None:
        await call()

    if threads:  # four loops at once, each in its own thread, as worker threads calling asyncio.run do
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: asyncio.run(once()), range(4)))
        return
    if not by_hand:
        asyncio.run(once())
        return
    # Old-style code: a loop closed without shutdown_asyncgens(), so nothing runs in it after the call.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(once())
    finally:
        loop.close()


def main() -> None:
    base_url, name, loops = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if len(sys.argv) > 4:  # the optional descriptor limit
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[4]), hard))
    reports = Reports()
    logging.getLogger().addHandler(reports)
    sys.unraisablehook = lambda raised: reports.seen.append(f"unraisable: {raised.exc_value!r}")
    failures: list[str] = []
    peak = 0
    with tempfile.TemporaryDirectory() as folder:
        upload = Path(folder, "notes.txt")
        upload.write_text("hello")
        call = calls(base_url, upload)[name.removesuffix("_by_hand").removesuffix("_in_threads")]
        for _ in range(loops):
            try:
                run_in_new_loop(call, by_hand=name.endswith("_by_hand"), threads=name.endswith("_in_threads"))
            except Exception as error:  # noqa: BLE001 - reported to the test, which fails on any
                failures.append(repr(error))
                if len(failures) > 3:  # enough to tell what went wrong
                    break
            peak = max(peak, open_sockets())
    gc.collect()
    result = {"peak": peak, "after": open_sockets(), "failures": failures, "reports": reports.seen}
    print(json.dumps(result))  # noqa: T201 - the child's answer to the test


if __name__ == "__main__":
    main()
