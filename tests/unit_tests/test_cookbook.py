"""Every cookbook script runs offline against the bundled emulator and prints what it promises.

Each script runs with only what the install line in its docstring installs (`pip install -e ".[cookbook]"`, or
the package alone when it names none) importable: see `tests._support.extra_closure`. So a recipe whose extra forgets a
library fails here, as it would in the user's fresh venv, although the test venv has that library.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from tests._support.extra_closure import requirement_closure, run_with_only
from tests._support.paths import COOKBOOK

EXPECTED_OUTPUT = {
    "quickstart.py": ["== invoke ==", "reasoning: Thinking about:", "'cache_read'", "== stream ==", "finish:    stop"],
    "agent_checkpoint.py": [
        "paused before ['tools']; checkpointed tool calls: ['get_weather']",
        "resumed; final answer:",
        "resumed request, tool turn reasoning_content: '",
    ],
    "tools_agent.py": ["[calls: get_weather, get_local_time]", "tool results: 2", "final answer:"],
    "structured_output.py": ["function_calling: CityFacts(", "json_schema: CityFacts(", "json_mode: dict"],
    "image_and_video.py": [
        "(saw 1 image)",
        "(saw 1 video at fps 2)",
        "(saw 1 video at fps 0.5)",
        "sent: ['text', 'video_url']",
        "fps 30 is refused before any request",
    ],
    "offline_testing.py": [
        "scripted answer: Bonjour",
        "authorization header in the log: Bearer ***",
        "attempts seen by the gateway: 2",
        "after three 429s: RateLimitError 429",
    ],
    "rag_with_file_loader.py": [
        "loaded chart.png",
        "loaded clip.mp4",
        "loaded report.pdf   page=0",
        "retrieved: [",
        "answer: Hello from the toiotech emulator. You said: What does the chart show?",
        "files left on the gateway: 0",
    ],
    "ray_bulk.py": [
        "documents: 28 rows, 28 ok, 0 failed",
        "leftover uploads swept: 0",
        "answers: 202 rows, 201 ok, 1 failed",
        "failed broken-0: RowInputError: messages is not JSON",
        "q0000: 'Hello from the toiotech emulator. You said: Give one fact about the number 0.'",
        "files left on the gateway: 0",
    ],
    "files_api.py": [
        "status=processing",
        "ready: status=active",
        "(saw 1 video (file-emu-1))",
        "deleted: True",
        "stock new-api: NotFoundError 501",
    ],
    "reasoning_controls.py": [
        'sent: {"reasoning_effort": "medium", "thinking": {"type": "enabled"}}',
        'sent: {"thinking": {"type": "enabled", "budget_tokens": 2048}}',
        'sent: {"enable_thinking": false}',
        "refused before any request",
    ],
}


def test_every_script_is_covered() -> None:
    scripts = {path.name for path in COOKBOOK.glob("*.py") if not path.name.startswith("_")}
    assert scripts == set(EXPECTED_OUTPUT)


_INSTALL_LINE = re.compile(r'pip install -e "\.\[(\w+)\]"')


def recipe_extra(script: str) -> str | None:
    """The extra a recipe's docstring tells users to install, or None for the package alone."""
    docstring = ast.get_docstring(ast.parse((COOKBOOK / script).read_text(encoding="utf-8"))) or ""
    match = _INSTALL_LINE.search(docstring)
    return match.group(1) if match else None


RAY_RECIPE = "ray_bulk.py"
"""Starts a local Ray cluster (twice, with its rerun): its own test below, marked `ray` like tests/ray_tests."""


def run_recipe(script: str, tmp_path: Path, *args: str, timeout: float = 120) -> str:
    """Run a recipe offline with only its extra importable; check it says it is offline; return its stdout."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOIOTECH_")}
    result = run_with_only(COOKBOOK / script, recipe_extra(script), tmp_path, env, timeout=timeout, args=args)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("No TOIOTECH_API_KEY set: using the offline gateway emulator at http://127.0.0.1:")
    return result.stdout


@pytest.mark.parametrize("script", sorted(set(EXPECTED_OUTPUT) - {RAY_RECIPE}))
def test_script_runs_offline(script: str, tmp_path: Path) -> None:
    stdout = run_recipe(script, tmp_path)
    for expected in EXPECTED_OUTPUT[script]:
        assert expected in stdout, f"{script} did not print {expected!r}:\n{stdout}"


@pytest.mark.ray
@pytest.mark.timeout(900)
def test_ray_recipe_writes_parquet_and_reruns_only_the_failed_rows(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    output = tmp_path / "out"
    stdout = run_recipe(RAY_RECIPE, tmp_path, "--output", str(output), timeout=420)
    for expected in EXPECTED_OUTPUT[RAY_RECIPE]:
        assert expected in stdout, f"{RAY_RECIPE} did not print {expected!r}:\n{stdout}"

    documents = pq.read_table(output / "documents").to_pylist()
    report = sorted((row["page"], row["page_content"]) for row in documents if row["filename"] == "report-0000.pdf")
    assert report == [(0, "Page 1"), (1, "Page 2"), (2, "Page 3")]
    assert {row["mime_type"] for row in documents} == {"application/pdf", "image/png", "video/mp4"}
    answers = {row["id"]: row for row in pq.read_table(output / "answers").to_pylist()}
    assert set(answers) == {f"q{n:04d}" for n in range(200)} | {"chat-0", "broken-0"}
    assert [name for name, row in answers.items() if row["error_type"] is not None] == ["broken-0"]
    assert answers["chat-0"]["text"].endswith("You said: Name a colour.")
    # The recipe's key (sk-emulator-<random>) reached the workers through their environment only.
    written = b"".join(path.read_bytes() for path in output.rglob("*") if path.is_file())
    assert b"sk-emulator-" not in written

    rerun = run_recipe(RAY_RECIPE, tmp_path, "--output", str(output), "--rerun-failed", timeout=420)
    assert "rerunning 1 failed rows of 202" in rerun
    assert "answers after the rerun: 202 rows, 201 ok, 1 failed" in rerun
    rows = pq.read_table(output / "answers").to_pylist()
    assert sorted(row["id"] for row in rows) == sorted(answers)
    assert {row["id"]: row["text"] for row in rows} == {name: row["text"] for name, row in answers.items()}


def test_agent_recipes_name_the_cookbook_extra() -> None:
    # The recipes that need more than the package say which extra to install.
    for script in ("tools_agent.py", "agent_checkpoint.py", "rag_with_file_loader.py"):
        assert recipe_extra(script) == "cookbook", script
    assert recipe_extra(RAY_RECIPE) == "ray"


def test_the_guard_refuses_what_the_extra_does_not_install(tmp_path: Path) -> None:
    script = tmp_path / "needs_langchain.py"
    script.write_text("import langchain_core\nimport langchain.agents\n", encoding="utf-8")
    assert "langchain" not in requirement_closure(None)
    refused = run_with_only(script, None, tmp_path, dict(os.environ), timeout=60)
    assert refused.returncode != 0
    assert "No module named 'langchain': langchain is not installed by langchain-toiotech" in refused.stderr
    assert run_with_only(script, "cookbook", tmp_path, dict(os.environ), timeout=60).returncode == 0
