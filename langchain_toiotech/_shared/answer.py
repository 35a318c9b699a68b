"""An answer's `response_metadata` and its truncation rule, the same on the chat and the Responses route."""

from __future__ import annotations

import logging
from typing import Any, Final

logger = logging.getLogger("langchain_toiotech")

JSONObject = dict[str, Any]

MODEL_PROVIDER: Final = "toiotech"
TRUNCATING_FINISH_REASONS: Final = frozenset({"length", "content_filter", "max_tokens"})
"""Finish reasons of an answer that stopped before the model was done (chat's names; Responses' are mapped)."""

_METADATA_KEYS: Final = ("id", "system_fingerprint", "service_tier")


def response_metadata(body: JSONObject, finish_reason: str | None) -> JSONObject:
    """The `response_metadata` of an answer: model, finish reason, ids, provider."""
    metadata: JSONObject = {
        "model_name": body.get("model"),
        "model_provider": MODEL_PROVIDER,
    }
    if finish_reason:
        metadata["finish_reason"] = finish_reason
    for key in _METADATA_KEYS:
        if body.get(key) is not None:
            metadata[key] = body[key]
    return metadata


def warn_if_truncated(model: Any, finish_reason: str | None, *, limit_field: str = "max_tokens") -> None:
    """Log a warning when an answer stopped early, so a cut-off answer is never silent.

    Args:
        model: The model name the gateway reported.
        finish_reason: The answer's finish reason (chat's names).
        limit_field: The request field that raises the limit on this route (`max_output_tokens` on Responses).
    """
    if finish_reason in TRUNCATING_FINISH_REASONS:
        logger.warning(
            "The answer from %s stopped early: finish_reason=%r (raise %s, or check the content filter).",
            model,
            finish_reason,
            limit_field,
        )
