"""Ordered concurrent maps for the file loader: results in input order, at most N in flight, clean stops.

Both maps keep a window of at most `limit` items running ahead of the consumer. When the consumer stops
early, or an item fails, the rest is stopped (threads see `cancel` set between their steps; tasks are
cancelled) and every result that was produced but never handed over goes to `discard`, so the loader can
delete uploads the caller will never see.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")


def iter_ordered(
    items: Iterable[_T],
    work: Callable[[_T, threading.Event], _R],
    *,
    limit: int,
    discard: Callable[[_R], None],
) -> Generator[_R, None, None]:
    """Run `work(item, cancel)` on up to `limit` threads; yield results in the order of `items`.

    The first failure is raised once the other running items have stopped. Each thread runs in a copy of
    the caller's context, so LangChain callbacks and tracing follow the work.
    """
    cancel = threading.Event()
    source = iter(items)
    pending: deque[Future[_R]] = deque()
    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="toiotech-loader") as pool:

        def submit_next() -> None:
            for item in source:
                pending.append(pool.submit(contextvars.copy_context().run, work, item, cancel))
                return

        try:
            for _ in range(limit):
                submit_next()
            while pending:
                result = pending[0].result()
                pending.popleft()
                submit_next()
                yield result
        finally:
            cancel.set()
            _drain(pending, discard)


def _drain(pending: deque[Future[_R]], discard: Callable[[_R], None]) -> None:
    for future in pending:
        future.cancel()
    for future in pending:
        if future.cancelled() or future.exception() is not None:  # exception() waits for a running item
            continue
        discard(future.result())


async def aiter_ordered(
    items: Iterable[_T],
    work: Callable[[_T], Awaitable[_R]],
    *,
    limit: int,
    discard: Callable[[_R], Awaitable[None]],
) -> AsyncGenerator[_R, None]:
    """Run `work(item)` as up to `limit` tasks; yield results in the order of `items`.

    On a failure or an early `aclose()`, the remaining tasks are cancelled and awaited before this returns.
    """
    source = iter(items)
    pending: deque[asyncio.Task[_R]] = deque()

    def submit_next() -> None:
        for item in source:
            pending.append(asyncio.ensure_future(work(item)))
            return

    try:
        for _ in range(limit):
            submit_next()
        while pending:
            # Shielded, and popped only once done: a cancelled consumer must not cancel this task a second
            # time (the finally below cancels each task exactly once, then waits for its cleanup).
            result = await asyncio.shield(pending[0])
            pending.popleft()
            submit_next()
            yield result
    finally:
        for task in pending:
            task.cancel()
        outcomes = await asyncio.gather(*pending, return_exceptions=True)
        await _discard_all(outcomes, discard)


async def _discard_all(outcomes: list[_R | BaseException], discard: Callable[[_R], Awaitable[None]]) -> None:
    # A cancellation during one discard must not skip the others (each would leave an upload behind).
    interrupted = False
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            continue
        try:
            await discard(outcome)
        except asyncio.CancelledError:
            interrupted = True
    if interrupted:
        raise asyncio.CancelledError
