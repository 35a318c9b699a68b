"""Pieces the langchain-tests standard suites share (they allow one base class each, so these are mixins)."""

from __future__ import annotations

from typing import Literal

UsageDetails = dict[
    Literal["invoke", "stream"],
    list[Literal["audio_input", "audio_output", "reasoning_output", "cache_read_input", "cache_creation_input"]],
]
"""The type langchain-tests gives `supported_usage_metadata_details`."""
