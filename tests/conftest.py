"""Shared test configuration: hermetic environment, the VCR setup for cassette replay, the emulator fixtures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_tests.conftest import base_vcr_config
from vcr import VCR
from vcr.request import Request

from langchain_toiotech.testing import GatewayEmulator

FIXTURES = Path(__file__).parent / "fixtures"
_REDACTED_HEADERS = ("authorization", "x-api-key", "api-key", "cookie", "set-cookie")
TLS = httpx.create_ssl_context()  # built once; every default httpx client would load the CA bundle again


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


def _comparable(value: Any) -> Any:
    """JSON with nulls dropped and tool-call arguments parsed: equal when the gateway would read them alike."""
    if isinstance(value, dict):
        return {
            key: _comparable(json.loads(item) if key == "arguments" and isinstance(item, str) and item else item)
            for key, item in value.items()
            if item is not None
        }
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def json_body_matcher(recorded: Request, sent: Request) -> None:
    """Match request bodies as the gateway reads them, not byte for byte (key order, spacing, nulls)."""

    def parse(request: Request) -> Any:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        return _comparable(json.loads(body)) if body else None

    assert parse(recorded) == parse(sent), "request body differs from the cassette's"


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """Replay-only by default: the CLI's `--record-mode` decides (pytest-recording's default is none)."""
    config = base_vcr_config()
    config.pop("record_mode", None)  # a hard-coded mode would beat --record-mode=none and reach the network
    config.pop("cassette_library_dir", None)  # vcr_cassette_dir below decides
    config["filter_headers"] = [(name, "**REDACTED**") for name in _REDACTED_HEADERS]
    config["before_record_response"] = _redact_response_headers
    config["match_on"] = ["method", "path", "json_body"]
    config["path_transformer"] = VCR.ensure_suffix(".yaml")
    return config


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    """Cassettes are plain YAML in tests/cassettes/, named after their test, reviewed like code."""
    return str(Path(__file__).parent / "cassettes")


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    """Register the JSON-aware body matcher."""
    vcr.register_matcher("json_body", json_body_matcher)


@pytest.fixture
def gw() -> Iterator[GatewayEmulator]:
    """A fresh emulator with default settings, stopped after the test."""
    with GatewayEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(gw: GatewayEmulator) -> Iterator[httpx.Client]:
    """A plain httpx client for the emulator, authorised with a test key."""
    with httpx.Client(
        base_url=gw.base_url, headers={"Authorization": "Bearer sk-test"}, timeout=10, verify=TLS
    ) as http:
        yield http
