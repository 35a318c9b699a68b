"""The examples in README.md and in the public docstrings run as written (against the emulator)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFileLoader, ToiotechFiles
from langchain_toiotech.testing import GatewayEmulator
from tests._support.doc_examples import python_fences, readme_fences, run_fences, sample_files


@pytest.fixture
def gateway_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewayEmulator]:
    """Point code written for the live gateway (env vars only) at the emulator."""
    with GatewayEmulator() as emulator:
        monkeypatch.setenv("TOIOTECH_BASE_URL", emulator.base_url)
        monkeypatch.setenv("TOIOTECH_API_KEY", "sk-docs")
        yield emulator


PUBLIC_OBJECTS = [ChatToiotech, ToiotechEmbeddings, ToiotechFiles, ToiotechFileLoader]


@pytest.mark.parametrize("public_object", PUBLIC_OBJECTS, ids=lambda obj: obj.__name__)
def test_docstring_examples_run(
    public_object: type, gateway_env: GatewayEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    run_fences(python_fences(inspect.getdoc(public_object) or ""), public_object.__name__)
    assert gateway_env.requests, "the examples never reached the gateway"


def test_readme_examples_run(gateway_env: GatewayEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sample_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    run_fences(readme_fences(ray=False), "README.md")
    assert gateway_env.requests
