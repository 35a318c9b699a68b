"""The examples in README.md and in the public docstrings run as written (against the emulator)."""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFileLoader, ToiotechFiles
from langchain_toiotech.testing import GatewayEmulator
from tests._support.paths import REPO_ROOT

ROOT = REPO_ROOT
FENCE = re.compile(r"^[ \t]*```python\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)


def python_fences(text: str) -> list[str]:
    return [textwrap.dedent(block) for block in FENCE.findall(text)]


@pytest.fixture
def gateway_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewayEmulator]:
    """Point code written for the live gateway (env vars only) at the emulator."""
    with GatewayEmulator() as emulator:
        monkeypatch.setenv("TOIOTECH_BASE_URL", emulator.base_url)
        monkeypatch.setenv("TOIOTECH_API_KEY", "sk-docs")
        yield emulator


def run_fences(fences: list[str], where: str) -> None:
    assert fences, f"{where} has no python examples"
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, fence in enumerate(fences):
        # Top-level await is allowed, as in a notebook, where LangChain's async examples are usually run.
        code = compile(fence, f"{where} example {number}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(code, namespace)  # noqa: S307 - our own documentation
        if inspect.iscoroutine(result):
            asyncio.run(result)


def sample_files(folder: Path) -> None:
    """The files the examples name, as the emulator needs them (it reads no pixels)."""
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)
    (folder / "scans").mkdir()
    for name, data in [("report.pdf", pdf), ("diagram.png", png), ("scans/page.png", png)]:
        (folder / name).write_bytes(data)
    for name in ("lecture.mp4", "clip.mp4"):
        (folder / name).write_bytes(mp4)


PUBLIC_OBJECTS = [ChatToiotech, ToiotechEmbeddings, ToiotechFiles, ToiotechFileLoader]


@pytest.mark.parametrize("public_object", PUBLIC_OBJECTS, ids=lambda obj: obj.__name__)
def test_docstring_examples_run(
    public_object: type, gateway_env: GatewayEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    run_fences(python_fences(inspect.getdoc(public_object) or ""), public_object.__name__)
    assert gateway_env.requests, "the examples never reached the gateway"


def needs_ray(fence: str) -> bool:
    """Whether an example runs a Ray job: tests/ray_tests/test_ray_docs.py runs those, on its cluster."""
    return "langchain_toiotech.ray" in fence or re.search(r"^\s*(import|from) ray\b", fence, re.MULTILINE) is not None


def readme_fences(*, ray: bool) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [fence for fence in python_fences(readme) if needs_ray(fence) == ray]


def test_readme_examples_run(gateway_env: GatewayEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sample_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    run_fences(readme_fences(ray=False), "README.md")
    assert gateway_env.requests
