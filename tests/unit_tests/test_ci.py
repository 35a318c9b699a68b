"""CI (.ci/run) runs README.md's test command, and refuses one that skips the lint or type-check steps."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests._support.paths import REPO_ROOT

ROOT = REPO_ROOT
MARKER = "<!-- ci: test command -->"


def readme_test_command() -> str:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(MARKER)
    assert lines[start + 1] == "```bash"
    assert lines[start + 3] == "```", "the test command is one line"
    return lines[start + 2]


def readme_with(command: str) -> str:
    return f"# x\n\n{MARKER}\n```bash\n{command}\n```\n"


def dry_run(tmp_path: Path, readme: str) -> subprocess.CompletedProcess[str]:
    """`.ci/run --dry-run` in a checkout with this README: it checks the command and prints it, runs nothing."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        ["/bin/bash", str(tmp_path / ".ci" / "run"), "--dry-run"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_readme_command_installs_the_lint_extra_and_lints_before_testing() -> None:
    steps = [step.strip() for step in readme_test_command().split("&&")]
    assert steps == [
        "python3 -m venv .venv",
        '.venv/bin/pip install -q -e ".[test,lint]"',
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        ".venv/bin/mypy langchain_toiotech tests",
        ".venv/bin/pytest",
    ]


def test_ci_accepts_the_readme_command(tmp_path: Path) -> None:
    command = readme_test_command()
    result = dry_run(tmp_path, readme_with(command))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == command
    assert not (tmp_path / ".venv").exists()  # a dry run installs nothing


@pytest.mark.parametrize(
    ("step", "replacement"),
    [
        (".venv/bin/ruff check .", None),
        (".venv/bin/ruff format --check .", None),
        (".venv/bin/mypy langchain_toiotech tests", None),
        (".venv/bin/mypy langchain_toiotech tests", ".venv/bin/mypy langchain_toiotech"),  # the tests unchecked
        (".venv/bin/ruff check .", ".venv/bin/ruff check . || true"),  # a finding swallowed
        (".venv/bin/mypy langchain_toiotech tests", ".venv/bin/mypy langchain_toiotech tests; true"),
        (".venv/bin/pytest", None),
    ],
)
def test_ci_refuses_a_command_that_skips_or_swallows_a_step(tmp_path: Path, step: str, replacement: str | None) -> None:
    steps = [part.strip() for part in readme_test_command().split("&&")]
    steps = (
        [part for part in steps if part != step]
        if replacement is None
        else [replacement if part == step else part for part in steps]
    )
    result = dry_run(tmp_path, readme_with(" && ".join(steps)))
    assert result.returncode == 1
    assert "README.md's test command must run" in result.stderr
    assert result.stdout == ""


def test_ci_refuses_a_readme_without_a_test_command(tmp_path: Path) -> None:
    result = dry_run(tmp_path, "# no command here\n")
    assert result.returncode == 1
    assert "has no test command" in result.stderr
