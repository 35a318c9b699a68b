"""The emulator as a network service: it authorises first and bounds what it keeps and how long it waits.

Everything here runs over real loopback sockets, with raw clients that misbehave on purpose (half-sent
requests, slow drips, bodies declared huge, JSON nested 100,000 deep). Every loop is bounded in count, every
wait in time, and every socket, server and process a test opens is closed by the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_toiotech.testing import GatewayEmulator, ServerLimits
from tests._support.paths import REPO_ROOT

KEY = "sk-emulator-hardening-key"
CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()
WAIT = 5.0  # the most any single read below waits: a failure is a timeout, never a hang


@contextlib.contextmanager
def connection(gw: GatewayEmulator) -> Iterator[socket.socket]:
    sock = socket.create_connection(("127.0.0.1", gw.port), timeout=WAIT)
    try:
        yield sock
    finally:
        sock.close()


def head(path: str, *, key: str = KEY, length: int | None = None, extra: str = "") -> bytes:
    framing = "Transfer-Encoding: chunked\r\n" if length is None else f"Content-Length: {length}\r\n"
    return (
        f"POST /v1{path} HTTP/1.1\r\nHost: emulator\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\n{framing}{extra}\r\n"
    ).encode()


def read_reply(sock: socket.socket) -> bytes:
    """Everything until the server closes, or WAIT seconds."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + WAIT
    with contextlib.suppress(OSError):
        while time.monotonic() < deadline and (chunk := sock.recv(65536)):
            chunks.append(chunk)
    return b"".join(chunks)


def closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed the connection, or None if it was still open after `seconds`."""
    start = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return None
    except OSError:
        pass
    return time.monotonic() - start


# --- authorise first ---------------------------------------------------------------------------------------


def test_an_unauthorised_request_is_answered_before_its_body_is_read() -> None:
    with GatewayEmulator(api_key=KEY) as gw, connection(gw) as sock:
        sock.sendall(head("/chat/completions", key="sk-wrong", length=40 << 20))  # declares 40 MB, sends none
        reply = read_reply(sock)
        log = gw.requests

    assert reply.startswith(b"HTTP/1.1 401 ")
    assert b"Connection: close" in reply
    assert b"invalid_api_key" in reply
    assert [(request.path, request.body) for request in log] == [("/v1/chat/completions", b"")]


def test_an_unauthorised_small_request_keeps_its_connection() -> None:
    with GatewayEmulator(api_key=KEY) as gw, httpx.Client(base_url=gw.base_url) as client:
        denied = client.post("/chat/completions", content=CHAT, headers={"Authorization": "Bearer sk-wrong"})
        allowed = client.post("/chat/completions", content=CHAT, headers={"Authorization": f"Bearer {KEY}"})

    assert denied.status_code == 401
    assert allowed.status_code == 200
    assert denied.extensions["network_stream"] is allowed.extensions["network_stream"]  # one connection


def test_unauthorised_uploads_do_not_grow_the_command_line_server(tmp_path: Path) -> None:
    # The report: five unauthenticated 40 MB requests took the server from 82 MB to 287 MB, never freed.
    root = str(REPO_ROOT)
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "langchain_toiotech.testing", "--api-key", KEY]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)  # noqa: S603
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip().rsplit(":", 1)[1].split("/")[0])
        before = _peak_rss(process.pid)
        body = b"x" * (40 << 20)
        for _ in range(5):
            with contextlib.closing(socket.create_connection(("127.0.0.1", port), timeout=WAIT)) as sock:
                with contextlib.suppress(OSError):  # the server answers 401 and closes mid-upload
                    sock.sendall(head("/chat/completions", key="sk-wrong", length=len(body)) + body)
                assert read_reply(sock).startswith(b"HTTP/1.1 401 ")
        growth = _peak_rss(process.pid) - before
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert growth < 16 << 20, f"peak RSS grew by {growth >> 20} MiB"


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) << 10
    pytest.skip("no /proc peak RSS on this system")
    return 0


# --- bound what it keeps ----------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_before_it_is_read() -> None:
    with GatewayEmulator(api_key=KEY, limits=ServerLimits(max_body_bytes=1024)) as gw:
        with connection(gw) as sock:
            sock.sendall(head("/chat/completions", length=1 << 30))  # declares 1 GiB, sends nothing
            declared = read_reply(sock)
        with connection(gw) as sock:
            sock.sendall(head("/chat/completions") + b"800\r\n" + b" " * 2048 + b"\r\n")  # chunked, 2 KiB
            chunked = read_reply(sock)
        with httpx.Client(base_url=gw.base_url, headers={"Authorization": f"Bearer {KEY}"}) as client:
            fitting = client.post("/chat/completions", content=CHAT)

    for reply in (declared, chunked):
        assert reply.startswith(b"HTTP/1.1 413 ")
        assert b"limit of 1024 bytes" in reply
        assert b"Connection: close" in reply
    assert fitting.status_code == 200


def test_the_request_log_keeps_the_latest_requests_only() -> None:
    with (
        GatewayEmulator(limits=ServerLimits(max_logged_requests=3)) as gw,
        httpx.Client(base_url=gw.base_url) as client,
    ):
        for index in range(6):
            client.get("/models", params={"n": str(index)}, headers={"Authorization": "Bearer k"})
        kept = [request.query["n"] for request in gw.requests]

    assert kept == ["3", "4", "5"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, b"nested too deeply"),
        (b'{"a":' * 200 + b"1" + b"}" * 200, b"nested more than 128 deep"),
        (b'{"model": "gpt-4o-mini", "messages": [', b"invalid JSON body"),
    ],
    ids=["100000-deep", "200-deep", "truncated"],
)
def test_bad_or_too_deep_json_gets_a_400(body: bytes, message: bytes, capfd: pytest.CaptureFixture[str]) -> None:
    with GatewayEmulator(api_key=KEY) as gw, httpx.Client(base_url=gw.base_url) as client:
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        refused = client.post("/chat/completions", content=body, headers=headers)
        after = client.post("/chat/completions", content=CHAT, headers=headers)

    assert refused.status_code == 400
    assert message in refused.content
    assert after.status_code == 200  # the connection and the server carry on
    assert "Traceback" not in capfd.readouterr().err


# --- bound how long it waits ------------------------------------------------------------------------------


def test_an_idle_connection_is_closed_after_the_idle_timeout() -> None:
    with GatewayEmulator(limits=ServerLimits(idle_timeout=0.5)) as gw, connection(gw) as sock:
        waited = closed_within(sock, WAIT)

    assert waited is not None
    assert 0.3 < waited < 2.0


def test_a_head_sent_one_byte_at_a_time_is_cut_at_the_deadline() -> None:
    # Each byte arrives well inside the per-read timeout; only a deadline for the whole head stops it.
    request = head("/chat/completions", length=len(CHAT))
    with GatewayEmulator(limits=ServerLimits(idle_timeout=0.6)) as gw, connection(gw) as sock:
        start = time.monotonic()
        with contextlib.suppress(OSError):
            for byte in request[:40]:  # bounded: 40 bytes x 0.1 s
                sock.sendall(bytes([byte]))
                time.sleep(0.1)
        waited = closed_within(sock, WAIT)
        elapsed = time.monotonic() - start

    assert waited is not None
    assert elapsed < 2.5


def test_half_sent_requests_do_not_pile_up_threads() -> None:
    baseline = threading.active_count()
    with GatewayEmulator(limits=ServerLimits(idle_timeout=0.5)) as gw:
        sockets = [socket.create_connection(("127.0.0.1", gw.port), timeout=WAIT) for _ in range(50)]
        try:
            for sock in sockets:
                sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: e\r\n")  # never finished
            deadline = time.monotonic() + WAIT
            while threading.active_count() > baseline + 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            remaining = threading.active_count() - baseline
        finally:
            for sock in sockets:
                sock.close()

    assert remaining <= 3  # the serving thread and the deadline watch, not fifty connection threads


def test_connections_beyond_the_limit_get_a_503_and_the_slots_come_back() -> None:
    limits = ServerLimits(max_connections=4, idle_timeout=10.0)
    with GatewayEmulator(limits=limits) as gw:
        held = [socket.create_connection(("127.0.0.1", gw.port), timeout=WAIT) for _ in range(4)]
        try:
            time.sleep(0.2)  # let the server take them
            with connection(gw) as extra:
                refused = read_reply(extra)
        finally:
            for sock in held:
                sock.close()
        deadline = time.monotonic() + WAIT
        status = 0
        while status != 200 and time.monotonic() < deadline:  # the closed connections free their slots
            with httpx.Client(base_url=gw.base_url) as client:
                status = client.get("/models", headers={"Authorization": "Bearer k"}).status_code
            time.sleep(0.05)

    assert refused.startswith(b"HTTP/1.1 503 ")
    assert b"emulator_busy" in refused
    assert status == 200


# --- exposure -----------------------------------------------------------------------------------------------


def test_binding_beyond_loopback_warns() -> None:
    emulator = GatewayEmulator(host="0.0.0.0")  # noqa: S104 - the point of the test
    try:
        with pytest.warns(UserWarning, match=r"listens on 0\.0\.0\.0:\d+, reachable from other machines"):
            emulator.start()
    finally:
        emulator.stop()


def test_the_command_line_warns_when_bound_beyond_loopback() -> None:
    root = str(REPO_ROOT)
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    outputs: dict[str, Any] = {}
    for host in ("127.0.0.1", "0.0.0.0"):  # noqa: S104 - the point of the test
        command = [sys.executable, "-m", "langchain_toiotech.testing", "--host", host]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # noqa: S603
        try:
            assert process.stdout is not None
            outputs[host] = process.stdout.readline()
        finally:
            process.send_signal(signal.SIGTERM)
            _, outputs[f"{host}-err"] = process.communicate(timeout=10)

    assert outputs["127.0.0.1"].startswith("http://127.0.0.1:")
    assert "reachable from other machines" not in outputs["127.0.0.1-err"]
    assert "reachable from other machines" in outputs["0.0.0.0-err"]
    assert "any Bearer token" in outputs["0.0.0.0-err"]


def test_limits_that_cannot_work_are_refused() -> None:
    for bad in ({"max_body_bytes": 0}, {"idle_timeout": 0}, {"idle_timeout": float("nan")}, {"max_connections": 0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            ServerLimits(**bad)
