"""Every cookbook script runs offline against the bundled emulator and prints what it promises.

Each script runs with only what the install line in its docstring installs (`pip install -e ".[cookbook]"`, or
the package alone when it names none) importable: see `_extra_closure`. So a recipe whose extra forgets a
library fails here, as it would in the user's fresh venv, although the test venv has that library.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from tests.unit_tests._extra_closure import requirement_closure, run_with_only

COOKBOOK = Path(__file__).parents[2] / "cookbook"

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


@pytest.mark.parametrize("script", sorted(EXPECTED_OUTPUT))
def test_script_runs_offline(script: str, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOIOTECH_")}
    result = run_with_only(COOKBOOK / script, recipe_extra(script), tmp_path, env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("No TOIOTECH_API_KEY set: using the offline gateway emulator at http://127.0.0.1:")
    for expected in EXPECTED_OUTPUT[script]:
        assert expected in result.stdout, f"{script} did not print {expected!r}:\n{result.stdout}"


def test_agent_recipes_name_the_cookbook_extra() -> None:
    # The recipes that need more than the package say which extra to install.
    for script in ("tools_agent.py", "agent_checkpoint.py", "rag_with_file_loader.py"):
        assert recipe_extra(script) == "cookbook", script


def test_the_guard_refuses_what_the_extra_does_not_install(tmp_path: Path) -> None:
    script = tmp_path / "needs_langchain.py"
    script.write_text("import langchain_core\nimport langchain.agents\n", encoding="utf-8")
    assert "langchain" not in requirement_closure(None)
    refused = run_with_only(script, None, tmp_path, dict(os.environ), timeout=60)
    assert refused.returncode != 0
    assert "No module named 'langchain': langchain is not installed by langchain-toiotech" in refused.stderr
    assert run_with_only(script, "cookbook", tmp_path, dict(os.environ), timeout=60).returncode == 0
