"""Model families and profiles: what each model behind the gateway accepts and returns.

The family decides vendor-specific behaviour (reasoning controls, reasoning pass-back, routing); the
profile is LangChain's `ModelProfile` capability table. Names are matched by pattern because the gateway
serves dated and channel-renamed variants (`doubao-seed-1-8-251228`, `deepseek-r1-250120`, `glm-4.7-flash`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from langchain_core.language_models import ModelProfile


@dataclass(frozen=True)
class Family:
    """A model family: the name patterns it covers and how its models behave on the wire."""

    name: str
    pattern: re.Pattern[str]


# Order matters: the first match wins, so specific patterns come before general ones.
FAMILIES: Final = (
    Family("openai-reasoning", re.compile(r"^(o\d|gpt-5|gpt-oss)")),
    Family("openai", re.compile(r"^(gpt-|chatgpt|text-embedding|dall-e|whisper|tts)")),
    Family("deepseek", re.compile(r"deepseek")),
    Family("doubao", re.compile(r"(doubao|seed-|skylark)")),
    Family("qwen", re.compile(r"(qwen|qwq|qvq)")),
    Family("kimi", re.compile(r"(kimi|moonshot)")),
    Family("glm", re.compile(r"(glm|chatglm|zhipu)")),
    Family("gemini", re.compile(r"(gemini|gemma)")),
    Family("claude", re.compile(r"claude")),
    Family("grok", re.compile(r"grok")),
    Family("minimax", re.compile(r"(minimax|abab)")),
    Family("mimo", re.compile(r"mimo")),
    Family("hunyuan", re.compile(r"hunyuan")),
)

RESPONSES_ONLY: Final = re.compile(r"^(gpt-5(\.\d+)?-codex|gpt-5(\.\d+)?-pro|o\d-pro|o\d(-mini)?-deep-research|codex-)")
"""Models the gateway serves only on `/v1/responses` (the catalogue marks gpt-5.1-codex and gpt-5.2-pro)."""


def model_family(model: str) -> str:
    """The family name of a model, or `"unknown"`."""
    name = model.lower().rsplit("/", 1)[-1]
    for family in FAMILIES:
        if family.pattern.search(name):
            return family.name
    return "unknown"


def is_responses_only(model: str) -> bool:
    """Tell whether the gateway serves this model only through the Responses API."""
    return bool(RESPONSES_ONLY.search(model.lower().rsplit("/", 1)[-1]))


_PERMISSIVE: Final = ModelProfile(
    text_inputs=True,
    image_inputs=True,
    image_url_inputs=True,
    tool_calling=True,
    tool_choice=True,
    tool_call_streaming=True,
    structured_output=True,
)


def model_profile(model: str) -> ModelProfile:
    """LangChain's capability profile for a model; unknown models get a permissive default."""
    return ModelProfile(**_PERMISSIVE)
