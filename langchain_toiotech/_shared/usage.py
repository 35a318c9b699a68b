"""Wire usage objects (chat and Responses, every vendor's extras) → LangChain `UsageMetadata`."""

from __future__ import annotations

from typing import Any, cast

from langchain_core.messages.ai import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)


def _int(value: Any) -> int | None:
    # `type(...) is int` (JSON has no int subclasses) leaves out bool in one test: every usage field passes here.
    return value if type(value) is int else None


def _first_int(*values: Any) -> int | None:
    for value in values:
        if type(value) is int:  # `_int`, inlined: most usage objects go through four of these
            return value
    return None


def _details(usage: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        value = usage.get(key)
        if isinstance(value, dict):
            return value
    return {}


def find_usage(chunk: dict[str, Any]) -> dict[str, Any] | None:
    """The usage object a chunk carries at the top level or inside `choices[i]` (Kimi), if any."""
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        return usage
    for choice in chunk.get("choices") or []:
        if isinstance(choice, dict) and isinstance(choice.get("usage"), dict):
            return dict(choice["usage"])
    return None


def create_usage_metadata(usage: dict[str, Any]) -> UsageMetadata:
    """Map a usage object to `UsageMetadata`; detail keys the gateway did not send stay absent.

    Chat usage is read from `prompt_tokens` / `completion_tokens`, not from new-api's zero-filled
    `input_tokens` / `output_tokens` extension fields, which are only used when the chat fields are
    missing (the Responses API). `total_tokens` is taken as sent: xAI leaves reasoning out of
    `completion_tokens` but counts it in the total, and then the reasoning is added to the output.
    """
    input_tokens = _first_int(usage.get("prompt_tokens"), usage.get("input_tokens")) or 0
    output_tokens = _first_int(usage.get("completion_tokens"), usage.get("output_tokens")) or 0
    input_details = _details(usage, "prompt_tokens_details", "input_tokens_details")
    output_details = _details(usage, "completion_tokens_details", "output_tokens_details")
    reasoning = _int(output_details.get("reasoning_tokens"))
    total = _int(usage.get("total_tokens"))
    if total is None:
        total = input_tokens + output_tokens
    elif reasoning and total == input_tokens + output_tokens + reasoning:
        output_tokens += reasoning  # xAI: completion_tokens excludes the reasoning it billed
    metadata: dict[str, Any] = {"input_tokens": input_tokens, "output_tokens": output_tokens, "total_tokens": total}
    if input_token_details := _input_details(usage, input_details):
        metadata["input_token_details"] = input_token_details
    if output_token_details := _output_details(output_details):
        metadata["output_token_details"] = output_token_details
    return cast("UsageMetadata", metadata)


def _input_details(usage: dict[str, Any], details: dict[str, Any]) -> InputTokenDetails:
    result = InputTokenDetails()
    cache_read = _first_int(
        details.get("cached_tokens"),
        usage.get("prompt_cache_hit_tokens"),
        usage.get("cached_tokens"),
    )
    if cache_read is not None:
        result["cache_read"] = cache_read
    cache_creation = _cache_creation(usage, details)
    if cache_creation is not None:
        result["cache_creation"] = cache_creation
    if (audio := _int(details.get("audio_tokens"))) is not None:
        result["audio"] = audio
    return result


def _cache_creation(usage: dict[str, Any], details: dict[str, Any]) -> int | None:
    direct = _first_int(
        details.get("cache_write_tokens"),
        details.get("cache_creation_tokens"),
        usage.get("cache_creation_input_tokens"),
    )
    if direct is not None:
        return direct
    # new-api's Claude relay splits cache writes by lifetime; zero-filled fields mean "none reported".
    claude = [
        _int(usage.get(key))
        for key in (
            "claude_cache_creation_5_m_tokens",
            "claude_cache_creation_1_h_tokens",
        )
    ]
    total = sum(value for value in claude if value)
    return total or None


def _output_details(details: dict[str, Any]) -> OutputTokenDetails:
    result = OutputTokenDetails()
    if (reasoning := _int(details.get("reasoning_tokens"))) is not None:
        result["reasoning"] = reasoning
    if (audio := _int(details.get("audio_tokens"))) is not None:
        result["audio"] = audio
    return result
