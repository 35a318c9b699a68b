"""Model families and profiles: what each model behind the gateway accepts and returns.

The family decides vendor-specific behaviour (reasoning controls, reasoning pass-back, routing); the
profile is LangChain's `ModelProfile` capability table. Names are matched by pattern because the gateway
serves dated and channel-renamed variants (`doubao-seed-1-8-251228`, `deepseek-r1-250120`, `glm-4.7-flash`).

Sources: the gateway's model catalogue (toiotech.apifox.cn, "已支持的模型列表"), its example requests
(video for Doubao seed 2.0 / Qwen 3.5, images for Doubao 1.8 / qwen3-omni, `thinking` for GLM-4.5V), OpenAI
limits as published in models.dev (the data langchain-openai 1.7.4 ships), and each vendor's model pages.
Limits appear only where a vendor documents them; `structured_output` means native `json_schema`
response formats, which most non-OpenAI vendors behind the gateway do not document (function calling, the
default `with_structured_output` method, works for all of them).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from langchain_core.language_models import ModelProfile
else:
    # A TypedDict is a plain dict at run time. Importing the real one would load langchain-core's model machinery
    # into the standard-library-only emulator (`langchain_toiotech.testing`), which reads this table.
    ModelProfile = dict


@dataclass(frozen=True)
class Family:
    """A model family: the name patterns it covers and how its models behave on the wire."""

    name: str
    pattern: re.Pattern[str]


# Order matters: the first match wins, so specific patterns come before general ones.
_FAMILY_PATTERNS: Final = {
    "openai-reasoning": r"^(o\d|gpt-5|gpt-oss)",
    "openai": r"^(gpt-|chatgpt|text-embedding|dall-e|whisper|tts)",
    "deepseek": r"deepseek",
    "doubao": r"(doubao|seed-|skylark)",
    "qwen": r"(qwen|qwq|qvq)",
    "kimi": r"(kimi|moonshot)",
    "glm": r"(glm|chatglm|zhipu)",
    "gemini": r"(gemini|gemma)",
    "claude": r"claude",
    "grok": r"grok",
    "minimax": r"(minimax|abab)",
    "mimo": r"mimo",
    "hunyuan": r"hunyuan",
}
FAMILIES: Final = tuple(Family(name, re.compile(pattern)) for name, pattern in _FAMILY_PATTERNS.items())

RESPONSES_ONLY: Final = re.compile(r"^(gpt-5(\.\d+)?-codex|gpt-5(\.\d+)?-pro|o\d-pro|o\d(-mini)?-deep-research|codex-)")
"""Models the gateway serves only on `/v1/responses` (the catalogue marks gpt-5.1-codex and gpt-5.2-pro)."""


@functools.lru_cache(maxsize=512)  # called on every request; a few model names per process
def model_family(model: str) -> str:
    """The family name of a model, or `"unknown"`."""
    name = model.lower().rsplit("/", 1)[-1]
    for family in FAMILIES:
        if family.pattern.search(name):
            return family.name
    return "unknown"


@functools.lru_cache(maxsize=512)
def is_responses_only(model: str) -> bool:
    """Tell whether the gateway serves this model only through the Responses API."""
    return bool(RESPONSES_ONLY.search(model.lower().rsplit("/", 1)[-1]))


_CHAT: Final = ModelProfile(
    text_inputs=True, text_outputs=True, tool_calling=True, tool_choice=True, tool_call_streaming=True
)
"""What every chat model here does, known or not: text in and out, function calling with streamed arguments."""

_TEXT: Final = ModelProfile(
    **_CHAT,
    image_inputs=False,
    image_url_inputs=False,
    pdf_inputs=False,
    audio_inputs=False,
    video_inputs=False,
    reasoning_output=False,
    structured_output=False,
)
"""A text-only chat model with function calling: the starting point of every family."""

_IMAGES: Final = ModelProfile(image_inputs=True, image_url_inputs=True)
_VISION: Final = ModelProfile(image_inputs=True, image_url_inputs=True, video_inputs=True)
_OMNI: Final = ModelProfile(image_inputs=True, image_url_inputs=True, video_inputs=True, audio_inputs=True)
_NO_IMAGES: Final = ModelProfile(image_inputs=False, image_url_inputs=False)
_MEDIA_IN_TOOL_RESULTS: Final = ModelProfile(image_tool_message=True, pdf_tool_message=True)
_REASONING: Final = ModelProfile(reasoning_output=True)
_NO_REASONING: Final = ModelProfile(reasoning_output=False)

_PERMISSIVE: Final = ModelProfile(**_CHAT, **_OMNI, pdf_inputs=True, structured_output=True, **_MEDIA_IN_TOOL_RESULTS)
"""Unknown models: nothing is refused up front, the gateway has the last word (no `reasoning_output`: unknown)."""


def _limits(max_input_tokens: int, max_output_tokens: int | None = None) -> ModelProfile:
    if max_output_tokens is None:
        return ModelProfile(max_input_tokens=max_input_tokens)
    return ModelProfile(max_input_tokens=max_input_tokens, max_output_tokens=max_output_tokens)


Rule = tuple[str, ModelProfile]

# Per vendor: the base profile, then rules applied in order to the model name; every matching rule is
# merged, so general rules come first and specific ones refine them.
_OPENAI: Final[tuple[Rule, ...]] = (
    # Images and PDFs in tool results: OpenAI's chat and Responses APIs take them (langchain-openai's profile
    # data, from models.dev); the rule at the end of model_profile turns them off with the inputs.
    ("", {**_TEXT, **_IMAGES, "pdf_inputs": True, "structured_output": True, **_MEDIA_IN_TOOL_RESULTS}),
    (r"^gpt-4(-0\d{3})?$", {**_NO_IMAGES, "pdf_inputs": False, "structured_output": False, **_limits(8192, 8192)}),
    (r"^gpt-4o", _limits(128_000, 16_384)),
    (r"^gpt-4\.1", _limits(1_047_576, 32_768)),
    (r"^o\d", {**_REASONING, **_limits(200_000, 100_000)}),
    (r"^o3-mini", _NO_IMAGES),
    (r"^gpt-5", {**_REASONING, **_limits(272_000, 128_000)}),
    (r"^gpt-5\.4", _limits(1_050_000, 128_000)),
    (r"^gpt-5\.\d+-pro", {"structured_output": False}),
    (r"^gpt-5(\.\d+)?-chat", _NO_REASONING),  # the ChatGPT snapshots answer without a reasoning phase
    (r"^gpt-oss", {**_NO_IMAGES, "pdf_inputs": False, **_REASONING, **_limits(131_072, 131_072)}),
    (r"deep-research", {"tool_calling": False}),  # web search and code interpreter only, no functions
    (r"audio|realtime", {**_NO_IMAGES, "pdf_inputs": False, "audio_inputs": True, "audio_outputs": True}),
)
_DEEPSEEK: Final[tuple[Rule, ...]] = (
    ("", {**_TEXT, **_limits(128_000, 8_192)}),
    (r"reasoner|r1|v3[.-][12]|v4", _REASONING),  # V3.1 and later think when asked to (V4 by default)
    (r"reasoner|r1", _limits(128_000, 64_000)),
)
_DOUBAO: Final[tuple[Rule, ...]] = (
    ("", _TEXT),
    (r"vision", _VISION),
    (r"thinking", _REASONING),
    # Seed 1.6 and later (the catalogue also says "doubao-1.8"): hybrid reasoning, images and video on the chat
    # route; PDFs through the Responses API.
    (r"(seed-?|doubao-)(1[-.][68]|2[-.]0)", {**_VISION, **_REASONING, "pdf_inputs": True, **_limits(256_000)}),
)
_QWEN: Final[tuple[Rule, ...]] = (
    ("", _TEXT),
    (r"qwen3|qwq|qvq|qwen-(plus|turbo|flash)|thinking", _REASONING),  # Qwen3 models are hybrid thinkers
    (r"instruct|coder|^qwen-max", _NO_REASONING),  # Qwen 2.5 and the 2507 instruct snapshots never think
    (r"-vl|qvq|qwen3\.5", _VISION),  # the catalogue shows video_url parts for qwen3.5 and qwen2.5-vl
    (r"omni", {**_OMNI, "audio_outputs": True}),
    (r"^qwen3-max", _limits(262_144, 65_536)),
    (r"^qwen3-coder-plus", _limits(1_048_576, 65_536)),
)
_KIMI: Final[tuple[Rule, ...]] = (
    ("", _TEXT),
    (r"kimi-k2", _limits(131_072)),
    (r"kimi-k2-(0905|turbo|thinking)|kimi-k2\.5", _limits(262_144)),
    (r"thinking|kimi-k2\.[5-9]|kimi-k[3-9]", _REASONING),  # k2.5 and later think by default
    (r"vision", _IMAGES),
    (r"kimi-k2\.5", _VISION),  # natively multimodal: images and video
)
_GLM: Final[tuple[Rule, ...]] = (
    ("", _TEXT),
    (r"glm-(4\.[5-9]|[5-9])", _REASONING),
    (r"glm-4\.5$|glm-4\.5-", _limits(131_072, 98_304)),
    (r"glm-(4\.[6-9]|5)($|-)", _limits(204_800, 131_072)),
    (r"glm-4(\.\d+)?v|glm-4v", {**_VISION, **_REASONING}),  # GLM-4.5V / 4.6V take `thinking` too
)
_GEMINI: Final[tuple[Rule, ...]] = (
    ("", {**_TEXT, **_OMNI, "pdf_inputs": True, **_REASONING, "structured_output": True}),
    (r"gemini", _limits(1_048_576, 65_536)),
    (r"gemini-2\.0", {**_NO_REASONING, **_limits(1_048_576, 8_192)}),
    (r"image", {"image_outputs": True, **_NO_REASONING, "tool_calling": False, "structured_output": False}),
    (r"gemma", {**_NO_REASONING, "video_inputs": False, "audio_inputs": False, "pdf_inputs": False}),
)
_CLAUDE: Final[tuple[Rule, ...]] = (
    ("", {**_TEXT, **_IMAGES, "pdf_inputs": True, **_REASONING, **_limits(200_000, 64_000)}),
    (r"claude-opus-4(-\d{8})?$|claude-opus-4-[01]", _limits(200_000, 32_000)),
    (r"claude-opus-4-6", _limits(200_000, 128_000)),
    (r"claude-3-5|claude-3-(opus|sonnet|haiku)", {**_NO_REASONING, **_limits(200_000, 8_192)}),
)
_GROK: Final[tuple[Rule, ...]] = (
    ("", {**_TEXT, **_IMAGES, **_REASONING, "structured_output": True, **_limits(256_000)}),
    (r"grok-4-1-fast", _limits(2_000_000)),
    (r"non-reasoning", _NO_REASONING),
)
_MINIMAX: Final[tuple[Rule, ...]] = (
    ("", _TEXT),
    (r"minimax-m", {**_REASONING, **_limits(204_800)}),  # M2 interleaves <think> blocks with its answers
    (r"abab6\.5", _limits(245_760)),
)
_MIMO: Final[tuple[Rule, ...]] = (
    ("", {**_TEXT, **_REASONING}),
    (r"omni", _OMNI),
)
_HUNYUAN: Final[tuple[Rule, ...]] = (
    ("", _TEXT),
    (r"hunyuan-t1|thinking", _REASONING),
)

_TABLE: Final[dict[str, tuple[Rule, ...]]] = {
    "openai": _OPENAI,
    "openai-reasoning": _OPENAI,
    "deepseek": _DEEPSEEK,
    "doubao": _DOUBAO,
    "qwen": _QWEN,
    "kimi": _KIMI,
    "glm": _GLM,
    "gemini": _GEMINI,
    "claude": _CLAUDE,
    "grok": _GROK,
    "minimax": _MINIMAX,
    "mimo": _MIMO,
    "hunyuan": _HUNYUAN,
}
_CONTEXT_IN_NAME: Final = re.compile(r"-(8|16|32|64|128|256)k\b")
"""`moonshot-v1-32k`, `doubao-1-5-pro-32k`, `ernie-x1-32k`: the context window is in the name."""


@functools.cache
def _compiled_rules(family: str) -> tuple[tuple[re.Pattern[str], ModelProfile], ...] | None:
    """A family's rules with their patterns compiled, or None for a family without a table.

    Compiled on first use, one family at a time: compiling all 70 patterns when the module loads cost 1-3 ms of
    every `from langchain_toiotech import ChatToiotech`, and a process usually talks to one or two families.
    """
    rules = _TABLE.get(family)
    if rules is None:
        return None
    return tuple((re.compile(pattern), overrides) for pattern, overrides in rules)


@dataclass(frozen=True)
class ModelSpec:
    """What the package knows about a model: LangChain's profile plus facts the profile has no key for."""

    family: str
    """The family (`model_family`), or `"unknown"`."""
    profile: ModelProfile
    """LangChain's capability profile; only `ModelProfile` keys, which core checks."""
    responses_only: bool
    """The gateway serves the model only on `/v1/responses`."""


def model_spec(model: str) -> ModelSpec:
    """Everything the table says about a model."""
    return ModelSpec(model_family(model), model_profile(model), is_responses_only(model))


def model_profile(model: str) -> ModelProfile:
    """LangChain's capability profile for a model; unknown models get a permissive default."""
    name = model.lower().rsplit("/", 1)[-1]
    rules = _compiled_rules(model_family(model))
    if rules is None:
        profile = ModelProfile(**_PERMISSIVE)
    else:
        profile = ModelProfile()
        for pattern, overrides in rules:
            if pattern.search(name):
                profile.update(overrides)
    # Media in a tool result needs the input first; other vendors document no media in tool results.
    profile["image_tool_message"] = bool(profile.get("image_tool_message") and profile.get("image_inputs"))
    profile["pdf_tool_message"] = bool(profile.get("pdf_tool_message") and profile.get("pdf_inputs"))
    if "max_input_tokens" not in profile and (match := _CONTEXT_IN_NAME.search(name)):
        profile["max_input_tokens"] = int(match.group(1)) * 1024
    return profile
