"""Every cookbook script runs offline against the bundled emulator and prints what it promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("script", sorted(EXPECTED_OUTPUT))
def test_script_runs_offline(script: str) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOIOTECH_")}
    result = subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, str(COOKBOOK / script)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("No TOIOTECH_API_KEY set: using the offline gateway emulator at http://127.0.0.1:")
    for expected in EXPECTED_OUTPUT[script]:
        assert expected in result.stdout, f"{script} did not print {expected!r}:\n{result.stdout}"
