"""Offline token estimates for a gateway whose ~150 models use many different tokenizers."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any, Final

from langchain_core.messages import BaseMessage, get_buffer_string
from langchain_core.utils.function_calling import convert_to_openai_tool

# CJK ideographs, kana and hangul take about one token each in every vendor's tokenizer; other text about
# four characters per token (OpenAI, DeepSeek, Qwen and Claude tokenizers all land near that for English).
_DENSE_SCRIPT: Final = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CHARS_PER_TOKEN: Final = 4
_MESSAGE_OVERHEAD: Final = 4
"""Role markers and separators each chat template adds around a message."""


def estimate_tokens(text: str) -> int:
    """Estimate the tokens in `text` without a tokenizer (dense scripts count one per character)."""
    if not text:
        return 0
    dense = len(_DENSE_SCRIPT.findall(text))
    return dense + math.ceil((len(text) - dense) / _CHARS_PER_TOKEN)


def estimate_message_tokens(messages: Sequence[BaseMessage], tools: Sequence[Any] | None = None) -> int:
    """Estimate the prompt tokens of a conversation, tool schemas included."""
    total = sum(estimate_tokens(get_buffer_string([message])) + _MESSAGE_OVERHEAD for message in messages)
    for tool in tools or []:
        total += estimate_tokens(json.dumps(convert_to_openai_tool(tool)))
    return total
