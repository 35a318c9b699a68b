"""langchain-tests' integration suites, offline, against the strict gateway emulator.

`ChatModelIntegrationTests` runs twice, each time with the capability flags the package's profile table gives:
on gemini-2.5-flash (images, image URLs, video, audio and PDFs in user messages) and on gpt-4o-mini (images and
PDFs in tool results, which Gemini does not take); between them every media and tool-message flag is on, with
reasoning and cache-read usage details. `EmbeddingsIntegrationTests` runs on text-embedding-3-small. The suites
download their media from GitHub, w3.org and Wikimedia: those downloads are answered from bytes built here (a
PNG, a one-page PDF, a WAV), so nothing leaves the machine.

Skips, each with the suite's own reason: `test_anthropic_inputs` (no Anthropic-format inputs: the gateway speaks
OpenAI's format on this route), `test_stream_time` (a VCR benchmark, not an emulator test), and per model what the
profile table says it does not take (audio for gpt-4o-mini; images and PDFs in tool results for Gemini).
"""

from __future__ import annotations

import io
import struct
import wave
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests, EmbeddingsIntegrationTests
from langchain_tests.integration_tests import chat_models as standard_chat_models

from langchain_toiotech import ChatToiotech
from langchain_toiotech.testing import GatewayEmulator, sample_pdf
from tests._support.standard import (
    REASONING_AND_CACHE_READ,
    ChatToiotechSuite,
    EmbeddingsSuite,
    ProfileInputs,
    UsageDetails,
    answer,
)

MODEL = "gemini-2.5-flash"
TOOL_MEDIA_MODEL = "gpt-4o-mini"
OVERRIDE_MODEL = "gemini-2.5-pro"
REASONING_MODEL = "deepseek-reasoner"
_EMULATOR = GatewayEmulator()


def png(width: int = 4, height: int = 4) -> bytes:
    """A valid RGB PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def wav(seconds: float = 0.1, rate: int = 8000) -> bytes:
    """A valid mono 16-bit PCM WAV of silence."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x00" * int(seconds * rate))
    return out.getvalue()


class _OfflineHttpx:
    """Stands in for the `httpx` module inside langchain-tests: its media downloads get local bytes."""

    def __init__(self) -> None:
        self.fetched: list[str] = []

    def get(self, url: str, **_: Any) -> httpx.Response:
        self.fetched.append(url)
        if url.endswith(".png"):
            return httpx.Response(200, content=png())
        if url.endswith(".pdf"):
            return httpx.Response(200, content=sample_pdf(1))
        if url.endswith(".wav"):
            return httpx.Response(200, content=wav())
        msg = f"the offline suite has no bytes for {url}"
        raise AssertionError(msg)


@pytest.fixture(scope="module", autouse=True)
def emulator() -> Iterator[GatewayEmulator]:
    """One strict emulator for the module."""
    with _EMULATOR:
        yield _EMULATOR


@pytest.fixture(autouse=True)
def offline_downloads(monkeypatch: pytest.MonkeyPatch) -> _OfflineHttpx:
    """The suites' media downloads are answered locally (pytest-socket would refuse them anyway)."""
    fake = _OfflineHttpx()
    monkeypatch.setattr(standard_chat_models, "httpx", fake)
    # langchain-tests warns when no user agent is set for its wikimedia downloads; here nothing is downloaded.
    monkeypatch.setenv("LANGCHAIN_TESTS_USER_AGENT", "langchain-toiotech offline tests")
    return fake


def _connection() -> dict[str, Any]:
    return {"base_url": _EMULATOR.base_url, "api_key": "sk-test"}


class _OnTheEmulator(ChatToiotechSuite, ProfileInputs, ChatModelIntegrationTests):
    """The suite on one catalogue model, its capability flags read from the package's profile table."""

    model_name = MODEL

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": self.model_name, **_connection()}

    @property
    def supports_audio_inputs(self) -> bool:
        return self.profile_flag("audio_inputs")

    @property
    def supports_video_inputs(self) -> bool:
        return self.profile_flag("video_inputs")

    @property
    def supports_image_tool_message(self) -> bool:
        return self.profile_flag("image_tool_message")

    @property
    def supports_pdf_tool_message(self) -> bool:
        return self.profile_flag("pdf_tool_message")

    @property
    def model_override_value(self) -> str:
        return OVERRIDE_MODEL

    @property
    def supported_usage_metadata_details(self) -> UsageDetails:
        return REASONING_AND_CACHE_READ

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        return answer(
            ChatToiotech(model=REASONING_MODEL, **_connection()), [HumanMessage("Is 91 prime?")], stream=stream
        )

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        # The emulator reports cached prompt tokens in whole blocks of 64, as prompt caches do.
        prompt = "Summarise: " + "the same long shared prefix " * 40
        return answer(ChatToiotech(model=self.model_name, **_connection()), [HumanMessage(prompt)], stream=stream)


class TestGeminiOnTheEmulator(_OnTheEmulator):
    """Images (base64 and URL), video, audio and PDFs in user messages; no media in tool results (profile)."""

    model_name = MODEL


class TestGpt4oMiniOnTheEmulator(_OnTheEmulator):
    """Images and PDFs in tool results (OpenAI takes them); no audio or video, which the strict emulator refuses."""

    model_name = TOOL_MEDIA_MODEL


class TestToiotechEmbeddingsOnTheEmulator(EmbeddingsSuite, EmbeddingsIntegrationTests):
    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "text-embedding-3-small", **_connection()}


def test_the_suite_ran_strict_and_offline(emulator: GatewayEmulator, offline_downloads: _OfflineHttpx) -> None:
    assert emulator.strict
    assert offline_downloads.fetched == []  # nothing fetched by this test itself; the suites' fetches were local
    assert {record.path for record in emulator.requests} <= {"/v1/chat/completions", "/v1/embeddings"}
