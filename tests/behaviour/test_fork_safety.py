"""Forked workers never use a connection their parent opened, and the parent's connections survive them.

The parent calls first, so its pools hold idle keep-alive sockets when the workers fork (multiprocessing
"fork", as gunicorn, Celery prefork and `ProcessPoolExecutor` on Linux do). Were they shared, two processes
would read each other's answers from one socket; the emulator echoes each prompt, so every answer names its
own question.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from langchain_toiotech import ChatToiotech
from langchain_toiotech._http import pools as http_pools
from langchain_toiotech.testing import GatewayEmulator

WORKERS, ROUNDS = 6, 10
# Set before the workers fork, so each child finds it in its copy of the parent's memory.
_model: ChatToiotech | None = None

pytestmark = pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="fork is POSIX only")


@pytest.fixture
def model() -> Iterator[ChatToiotech]:
    global _model  # noqa: PLW0603 - what the forked workers read
    with GatewayEmulator(reasoning_style=None) as gateway:
        _model = ChatToiotech(model="deepseek-chat", base_url=gateway.base_url, api_key="sk-fork", max_retries=0)
        yield _model
        _model = None


def expected(prompt: str) -> str:
    return f"Hello from the toiotech emulator. You said: {prompt}"


def ask(prompt: str) -> tuple[int, str]:
    assert _model is not None
    return os.getpid(), str(_model.invoke(prompt).content)


def ask_async(prompt: str) -> tuple[int, str]:
    assert _model is not None
    return os.getpid(), str(asyncio.run(_model.ainvoke(prompt)).content)


def fd_links() -> list[str]:
    links = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            links.append(str(fd.readlink()))
        except OSError:  # the descriptor the listing itself used is gone by now
            continue
    return links


def holds_socket(link: str) -> bool:
    """Whether this process has a descriptor open on the socket `link` (`socket:[inode]`) names."""
    return link in fd_links()


def socket_link(client: Any) -> str:
    (connection,) = client._transport._pool.connections
    fd = connection._connection._network_stream.get_extra_info("socket").fileno()
    return str(Path(f"/proc/self/fd/{fd}").readlink())


def forking_pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("fork"))


def prompts(round_: int) -> list[str]:
    return [f"round {round_} question {index}" for index in range(WORKERS * 2)]


def idle_connections() -> list[Any]:
    return list(http_pools.shared_sync_pool().clients[0]._transport._pool.connections)  # type: ignore[attr-defined]


def test_forked_workers_get_their_own_answers(model: ChatToiotech) -> None:
    assert model.invoke("parent first").content == expected("parent first")
    (parents_connection,) = idle_connections()
    parents_socket = socket_link(http_pools.shared_sync_pool().clients[0])
    pids: set[int] = set()

    with forking_pool() as pool:
        assert pool.submit(holds_socket, parents_socket).result(timeout=60) is False  # closed in the child
        assert holds_socket(parents_socket)  # not in the parent
        for round_ in range(ROUNDS):
            questions = prompts(round_)
            answers = list(pool.map(ask, questions, timeout=60))
            assert [answer for _, answer in answers] == [expected(question) for question in questions]
            pids.update(pid for pid, _ in answers)

    assert os.getpid() not in pids
    # The workers closed only their copies: the parent's idle connection still carries the parent's calls.
    assert model.invoke("parent again").content == expected("parent again")
    assert idle_connections() == [parents_connection]


def test_workers_forked_from_a_running_event_loop(model: ChatToiotech) -> None:
    async def parent() -> list[tuple[int, str]]:
        assert (await model.ainvoke("parent first")).content == expected("parent first")
        loop = asyncio.get_running_loop()
        parents_socket = socket_link(http_pools.shared_async_pool().clients[0])
        with forking_pool() as pool:  # forked while this loop runs, with its pool holding an idle socket
            assert await loop.run_in_executor(pool, holds_socket, parents_socket) is False
            answers = await asyncio.gather(
                *(loop.run_in_executor(pool, ask_async, question) for question in prompts(0) * 2)
            )
        assert (await model.ainvoke("parent again")).content == expected("parent again")
        return answers

    answers = asyncio.run(asyncio.wait_for(parent(), timeout=60))

    assert [answer for _, answer in answers] == [expected(question) for question in prompts(0) * 2]
