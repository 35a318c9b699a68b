"""Chat-completions reply bodies for the fake gateways: one choice holding the assistant's message."""

from __future__ import annotations

from typing import Any

USAGE = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}


def chat_completion(message: dict[str, Any], finish_reason: str = "stop", **fields: Any) -> dict[str, Any]:
    """A chat completion whose one choice is `message` (the role added); `fields` add or replace top-level keys."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish_reason}],
        "usage": USAGE,
        **fields,
    }
