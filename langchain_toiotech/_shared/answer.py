"""An answer's `response_metadata`, truncation rule and tool calls, the same on the chat and the Responses route."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import InvalidToolCall, ToolCall
from langchain_core.output_parsers.openai_tools import make_invalid_tool_call, parse_tool_call

from langchain_toiotech._http.reply_shape import arguments_text

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


def parse_raw_tool_calls(
    raw_calls: Sequence[Any],
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Parse wire tool calls; unparsable or non-object arguments become invalid tool calls."""
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for raw in raw_calls:
        if not isinstance(raw, dict) or not isinstance(raw.get("function"), dict):
            continue
        arguments = raw["function"].get("arguments")
        # A relay may send the arguments object itself instead of JSON text: it is the arguments all the same.
        wire = (
            raw
            if isinstance(arguments, str | None)
            else {**raw, "function": {**raw["function"], "arguments": arguments_text(arguments)}}
        )
        try:
            parsed = parse_tool_call(wire, return_id=True)
        except OutputParserException as error:
            invalid.append(make_invalid_tool_call(raw, str(error)))
            continue
        if parsed is None:
            continue
        if not isinstance(parsed.get("args"), dict):
            invalid.append(make_invalid_tool_call(raw, "Tool call arguments are not a JSON object."))
            continue
        calls.append(
            ToolCall(
                name=parsed["name"],
                args=parsed["args"],
                id=parsed.get("id"),
                type="tool_call",
            )
        )
    return calls, invalid
