"""Shared test configuration: hermetic environment and the VCR setup for cassette replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_tests.conftest import CustomPersister, CustomSerializer, base_vcr_config
from vcr import VCR

FIXTURES = Path(__file__).parent / "fixtures"
_REDACTED_HEADERS = ("authorization", "x-api-key", "api-key", "cookie", "set-cookie")


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Unit tests never see the developer's real key or base URL."""
    if "integration_tests" in str(request.path):
        return
    monkeypatch.delenv("TOIOTECH_BASE_URL", raising=False)
    monkeypatch.setenv("TOIOTECH_API_KEY", "sk-test-env-key")


def _redact_response_headers(response: dict[str, Any]) -> dict[str, Any]:
    for name in list(response["headers"]):
        if name.lower() in _REDACTED_HEADERS:
            response["headers"][name] = ["**REDACTED**"]
    return response


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """Replay-only by default: the CLI's `--record-mode` decides (pytest-recording's default is none)."""
    config = base_vcr_config()
    config.pop("record_mode", None)  # a hard-coded mode would beat --record-mode=none and reach the network
    config["filter_headers"] = [(name, "**REDACTED**") for name in _REDACTED_HEADERS]
    config["before_record_response"] = _redact_response_headers
    config["match_on"] = ["method", "path", "body"]
    config["serializer"] = "yaml.gz"
    config["path_transformer"] = VCR.ensure_suffix(".yaml.gz")
    return config


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:  # noqa: ARG001 - pytest-recording hook
    """Register the gzip YAML serializer that langchain-tests' cassettes use."""
    vcr.register_persister(CustomPersister())
    vcr.register_serializer("yaml.gz", CustomSerializer())
