"""Answer content sent as a list of parts (Mistral, toiotech's Gemini image rewrite): text, thinking, the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSONObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ContentParts:
    """One `content` value (a message's or a delta's) taken apart.

    Attributes:
        text: The answer text: the string itself, or every `text` part joined in order.
        reasoning: The text of every `thinking` part, joined in order.
        blocks: Empty when the answer is all text; else every part but the thinking ones, in order, as
            content blocks: an image (toiotech's Gemini rewrite) or a reference keeps its place in the text.
    """

    text: str = ""
    reasoning: str = ""
    blocks: list[Any] = field(default_factory=list)


def split_content(raw: Any) -> ContentParts:
    """Take a wire `content` value apart; `None` and unknown shapes give empty parts.

    Mistral's reasoning models answer with `[{"type": "thinking", "thinking": [{"type": "text", "text": …}]},
    {"type": "text", "text": …}]`, in whole replies and in stream deltas, and switch to plain strings in the
    deltas once thinking ends (https://docs.mistral.ai/capabilities/reasoning/, `ThinkChunk` / `TextChunk`
    in Mistral's API). A thinking part's own list may also hold `reference` parts, which carry no text.
    """
    if isinstance(raw, str):
        return ContentParts(text=raw)
    if not isinstance(raw, list):
        return ContentParts()
    texts: list[str] = []
    thoughts: list[str] = []
    kept: list[Any] = []
    for part in raw:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "thinking":
            thoughts.append(_thinking_text(part.get("thinking")))
        elif kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
            kept.append(dict(part))
        elif isinstance(part, str):
            texts.append(part)
            kept.append({"type": "text", "text": part})
        else:
            kept.append(dict(part) if isinstance(part, dict) else part)
    all_text = len(kept) == len(texts)
    return ContentParts(text="".join(texts), reasoning="".join(thoughts), blocks=[] if all_text else kept)


def _thinking_text(thinking: Any) -> str:
    if isinstance(thinking, str):
        return thinking
    if not isinstance(thinking, list):
        return ""
    pieces = [
        piece["text"]
        for piece in thinking
        if isinstance(piece, dict) and piece.get("type") == "text" and isinstance(piece.get("text"), str)
    ]
    return "".join(pieces)
