"""The python examples of README.md and of docstrings, found and run as a reader would run them.

tests/unit_tests/test_docs.py runs those that need only the emulator; tests/ray_tests/test_ray_docs.py runs the
Ray ones on its cluster.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import textwrap
from pathlib import Path

from tests._support.paths import REPO_ROOT

FENCE = re.compile(r"^[ \t]*```python\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)


def python_fences(text: str) -> list[str]:
    """The ```python blocks of a Markdown text or docstring, dedented."""
    return [textwrap.dedent(block) for block in FENCE.findall(text)]


def run_fences(fences: list[str], where: str) -> None:
    """Run the examples in order in one namespace, as a reader pasting them one after the other would."""
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


def needs_ray(fence: str) -> bool:
    """Whether an example runs a Ray job: tests/ray_tests/test_ray_docs.py runs those, on its cluster."""
    return "langchain_toiotech.ray" in fence or re.search(r"^\s*(import|from) ray\b", fence, re.MULTILINE) is not None


def readme_fences(*, ray: bool) -> list[str]:
    """README.md's examples that run a Ray job (`ray=True`) or those that do not."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return [fence for fence in python_fences(readme) if needs_ray(fence) == ray]
