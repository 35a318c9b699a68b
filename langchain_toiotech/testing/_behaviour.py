"""How each family answers in strict mode: whether this request gets reasoning, and in which shape.

- Reasoning comes only from reasoning models (the profile table's ``reasoning_output``), and not when the request
  switches it off (``thinking_disabled``). Claude thinks only with ``thinking: {"type": "enabled"}`` (Anthropic's
  default is off); Gemini returns thoughts only with ``include_thoughts: true`` in the literal
  ``extra_body.google.thinking_config`` (toiotech's "thinking相关说明" page).
- Shapes: OpenAI's chat completions never carry reasoning text (``gateway-protocol.md`` 4: summaries need the
  Responses API); MiniMax M2 writes ``<think>`` blocks into ``content`` (section 5); every other vendor arrives
  through new-api as ``reasoning_content``.
- Gemini function calls carry a thought signature (``extra_content.google.thought_signature``) on the first call
  of each step, which Gemini 3 wants back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

from langchain_toiotech.testing._models import EmulatedModel
from langchain_toiotech.testing._prompt import thinking_disabled

VENDOR_STYLE: Final = "vendor"
"""``reasoning_style`` default: each family's own shape (permissive mode: ``reasoning_content``)."""
_NO_REASONING_TEXT: Final = frozenset({"openai", "openai-reasoning"})


def _gemini_includes_thoughts(body: Mapping[str, Any]) -> bool:
    extra = body.get("extra_body")
    google = extra.get("google") if isinstance(extra, Mapping) else None
    config = google.get("thinking_config") if isinstance(google, Mapping) else None
    return isinstance(config, Mapping) and config.get("include_thoughts") is True


def _claude_thinking(body: Mapping[str, Any]) -> bool:
    thinking = body.get("thinking")
    return isinstance(thinking, Mapping) and thinking.get("type") in {"enabled", "adaptive"}


def reasons(body: Mapping[str, Any], model: EmulatedModel) -> bool:
    """Whether a strict answer carries reasoning for this request.

    Args:
        body: The JSON body.
        model: The model.

    Returns:
        True when the model reasons and the request leaves (or turns) it on.
    """
    if not model.reasoning or thinking_disabled(body):
        return False
    if model.family == "claude":
        return _claude_thinking(body)
    if model.family == "gemini":
        return _gemini_includes_thoughts(body)
    return True


def chat_style(configured: str | None, body: Mapping[str, Any], model: EmulatedModel | None) -> str | None:
    """The reasoning shape of one chat answer, or None for no reasoning text.

    Args:
        configured: The emulator's ``reasoning_style``.
        body: The JSON body.
        model: The model in strict mode, None in permissive mode.

    Returns:
        ``"reasoning_content"``, ``"reasoning"``, ``"reasoning_details"``, ``"think_tags"`` or None.
    """
    if configured is None:
        return None
    if model is None:
        return "reasoning_content" if configured == VENDOR_STYLE else configured
    if not reasons(body, model):
        return None
    if configured != VENDOR_STYLE:
        return configured
    if model.family in _NO_REASONING_TEXT:
        return None
    return "think_tags" if model.family == "minimax" else "reasoning_content"


def responses_reasoning(configured: str | None, body: Mapping[str, Any], model: EmulatedModel | None) -> bool:
    """Whether a Responses answer has a reasoning item.

    Args:
        configured: The emulator's ``reasoning_style``.
        body: The JSON body.
        model: The model in strict mode, None in permissive mode.

    Returns:
        True for a reasoning item.
    """
    if configured is None:
        return False
    return not thinking_disabled(body) if model is None else reasons(body, model)


def thought_signature(model: EmulatedModel | None, call_id: str) -> dict[str, Any] | None:
    """The ``extra_content`` Gemini puts on the first function call of a step, or None for other families.

    Args:
        model: The model (None in permissive mode).
        call_id: The call id (the signature is derived from it, so it is opaque but deterministic).

    Returns:
        ``{"google": {"thought_signature": ...}}`` or None.
    """
    if model is None or model.family != "gemini":
        return None
    digest = hashlib.sha256(f"{model.name}\x00{call_id}".encode()).hexdigest()
    return {"google": {"thought_signature": f"emu-sig-{digest[:32]}"}}
