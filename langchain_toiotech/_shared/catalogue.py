"""The gateway's published model catalogue: the model names toiotech documents, by vendor.

Source: toiotech's API docs (https://toiotech.apifox.cn), sidebar "已支持的模型列表" (supported models), sections
"语言大模型" (language models), "多模态模型" (multimodal), "音视频处理" (audio), "Realtime" and "向量化"
(embeddings); the page annotations in parentheses are dropped. Pages that name a request style rather than a
model give the model id their example request sends (the "doubao-1.8" pages send `doubao-seed-1-8`). The
profile table (`_shared.profiles`) covers every name here by pattern; the offline emulator answers exactly these names
(plus the ones a test registers) and 404s the rest, as the gateway does.
"""

from __future__ import annotations

from typing import Final

_BY_VENDOR: Final[dict[str, tuple[str, ...]]] = {
    "OpenAI": (
        "gpt-4", "gpt-4.1", "gpt-4o", "gpt-4o-mini", "gpt-5", "gpt-5-chat", "gpt-5-mini", "gpt-5-nano",
        "gpt-5.1", "gpt-5.1-chat-latest", "gpt-5.1-codex", "gpt-5.2", "gpt-5.2-chat", "gpt-5.2-pro",
        "gpt-oss-120b", "o1", "o3", "o3-mini", "o3-deep-research", "o3-pro", "o4-mini", "o4-mini-deep-research",
        "gpt-5.4", "gpt-5.4-pro", "gpt-4o-audio-preview", "gpt-audio", "gpt-4o-mini-realtime-preview",
        "gpt-4o-realtime-preview", "gpt-realtime-1.5",
    ),
    "Google": (
        "gemini-2.0-flash", "gemini-2.5-computer-use-preview-10-2025", "gemini-2.5-flash", "gemini-2.5-flash-lite",
        "gemini-2.5-flash-lite-preview", "gemini-2.5-pro", "gemini-3-flash-preview", "gemini-3-pro-preview",
        "gemini-robotics-er-1.5-preview", "gemini-3.1-pro-preview", "gemini-3.1-flash-lite-preview",
    ),
    "Anthropic": (
        "claude-opus-4-5-20251101", "claude-opus-4-20250514", "claude-sonnet-4-20250514",
        "claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-sonnet-4-6",
    ),
    "DeepSeek": ("deepseek-chat", "deepseek-reasoner"),
    "MiniMax": ("abab6.5s-chat", "minimax-m2", "minimax-m2.5"),
    "Moonshot": (
        "kimi-k2", "kimi-k2-0711-preview", "kimi-k2-0905", "kimi-k2-instruct", "kimi-k2-thinking",
        "moonshot-v1-128k", "moonshot-v1-32k", "moonshot-v1-8k", "moonshot-v1-128k-vision-preview",
        "moonshot-v1-32k-vision-preview", "moonshot-v1-8k-vision-preview", "kimi-k2.5",
    ),
    "xAI": ("grok-4", "grok-4-1-fast-non-reasoning", "grok-4-1-fast-reasoning"),
    "ByteDance": ("doubao-seed-1-8", "doubao-seed-2-0-pro-260215"),
    "Zhipu": ("glm-4-plus", "glm-4.5", "glm-4.6", "glm-4.7", "glm-5", "glm-4.5v", "glm-4.6v"),
    "Alibaba": (
        "qwen-max", "qwen-max-2025-01-25", "qwen-max-latest", "qwen-plus", "qwen-plus-latest", "qwen-turbo",
        "qwen2.5-7b-instruct", "qwen2.5-32b-instruct", "qwen2.5-72b-instruct", "qwen3-coder-plus",
        "qwen3-coder-plus-2025-07-22", "qwen3-max", "qwen3-max-preview", "qwen3-235b-a22b",
        "qwen3-235b-a22b-instruct-2507", "qwen3-235b-a22b-thinking-2507", "qwen3-8b",
        "qwen3-coder-30b-a3b-instruct", "qwen3-next-80b-a3b-instruct", "qwen3-next-80b-a3b-thinking",
        "qwen-vl-max", "qwen-vl-plus", "qwen3-vl-235b-a22b-instruct", "qwen3-vl-235b-a22b-thinking",
        "qwen3-vl-30b-a3b-thinking", "qwen3-max-2026-01-23", "qwen3.5-397b-a17b", "qwen3.5-plus", "qwen3.5-flash",
        "qwen3.5-122b-a10b", "qwen3.5-35b-a3b", "qwen3.5-omni-plus", "qwen3.5-omni-flash", "qwen2.5-omni-7b",
        "qwen2.5-vl-72b-instruct", "qwen3-omni-flash-2025-12-01", "text-embedding-v1",
    ),
    "Baidu": ("ernie-x1-32k", "ernie-5.0-thinking-exp", "ernie-5.0-thinking-preview"),
    "Tencent": ("hunyuan-t1-latest",),
    "iFlytek": ("SparkDesk-v4.0",),
    "Ant Group": ("Ling-1T", "Ring-1T"),
    "StepFun": ("step-3",),
    "Xiaomi": ("mimo-v2-pro", "mimo-v2-omni"),
    "SenseTime": ("SenseNova-V6-Pro",),
    "Embeddings (OpenAI)": ("text-embedding-3-large", "text-embedding-3-small", "text-embedding-ada-002"),
}  # fmt: skip

CATALOGUE: Final[tuple[str, ...]] = tuple(name for names in _BY_VENDOR.values() for name in names)
"""Every model name the gateway's docs list, in catalogue order."""

EMBEDDING_DIMENSIONS: Final[dict[str, int]] = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
    "text-embedding-v1": 1536,
}
"""Default vector length of the catalogue's embedding models (OpenAI's model pages; DashScope's v1 page)."""
