"""Where the files tests read live, named once so that a test module can move without its paths changing."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTS = REPO_ROOT / "tests"
FIXTURES = TESTS / "fixtures"
SUPPORT = TESTS / "_support"
COOKBOOK = REPO_ROOT / "cookbook"
PACKAGE = REPO_ROOT / "langchain_toiotech"
