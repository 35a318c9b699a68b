"""What an earlier assistant turn carries back to the gateway: its reasoning, and Gemini's thought signatures.

Vendors disagree. Kimi thinking models, Xiaomi MiMo and Claude-with-tools reject a tool turn whose reasoning
was dropped; MiniMax wants its reasoning back on every turn; DeepSeek rejects or ignores it; the rest ignore
it. `reasoning_pass_back="auto"` follows those rules, `"always"` / `"never"` override them. OpenRouter-style
`reasoning_details` carry signatures and go back verbatim unless the mode is `"never"`; Gemini thought
signatures are not reasoning text and always go back, because Gemini answers 400 without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

from langchain_core.messages import AIMessage, BaseMessage

PassBackMode = Literal["auto", "always", "never"]

TOOL_CALL_EXTRAS_KEY: Final = "tool_call_extra_content"
"""`additional_kwargs` key holding each tool call's vendor `extra_content` (Gemini signatures), by call id."""

GEMINI_SKIP_SIGNATURE: Final = "skip_thought_signature_validator"
"""Google's documented placeholder for function calls whose history did not come from Gemini."""

_ECHO_ON_TOOL_TURNS: Final = frozenset({"kimi", "mimo", "claude"})
_ECHO_ON_EVERY_TURN: Final = frozenset({"minimax"})


def reasoning_of(message: AIMessage) -> str:
    """The reasoning text of a message, also when another LangChain chat model put it in content blocks."""
    text = message.additional_kwargs.get("reasoning_content")
    if isinstance(text, str) and text:
        return text
    if isinstance(message.content, str):
        return ""
    pieces = []
    for block in message.content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "reasoning":
            pieces.append(block.get("reasoning") or _summary_text(block))
        elif block.get("type") == "thinking":
            pieces.append(block.get("thinking") or "")
    return "".join(piece for piece in pieces if isinstance(piece, str))


def _summary_text(block: dict[str, Any]) -> str:
    summary = block.get("summary")
    if not isinstance(summary, list):
        return ""
    return "".join(str(part.get("text", "")) for part in summary if isinstance(part, dict))


def should_echo_reasoning(family: str, mode: PassBackMode, *, has_tool_calls: bool) -> bool:
    """Whether an assistant turn's reasoning goes back to a model of `family`."""
    if mode != "auto":
        return mode == "always"
    return family in _ECHO_ON_EVERY_TURN or (has_tool_calls and family in _ECHO_ON_TOOL_TURNS)


def apply_pass_back(
    wire_messages: list[dict[str, Any]], messages: Sequence[BaseMessage], *, family: str, mode: PassBackMode
) -> list[dict[str, Any]]:
    """Add reasoning and tool-call extras to the wire form of earlier assistant turns, in place.

    `wire_messages[i]` must be the conversion of `messages[i]`.
    """
    for wire, message in zip(wire_messages, messages, strict=True):
        if isinstance(message, AIMessage):
            _echo_reasoning(wire, message, family, mode)
            _echo_tool_call_extras(wire, message, family)
    return wire_messages


def _echo_reasoning(wire: dict[str, Any], message: AIMessage, family: str, mode: PassBackMode) -> None:
    if mode == "never":
        return
    details = message.additional_kwargs.get("reasoning_details")
    if details:
        wire["reasoning_details"] = details
    reasoning = reasoning_of(message)
    if reasoning and should_echo_reasoning(family, mode, has_tool_calls=bool(wire.get("tool_calls"))):
        wire["reasoning_content"] = reasoning


def _echo_tool_call_extras(wire: dict[str, Any], message: AIMessage, family: str) -> None:
    calls = wire.get("tool_calls") or []
    extras = message.additional_kwargs.get(TOOL_CALL_EXTRAS_KEY) or {}
    for call in calls:
        if call.get("id") in extras:
            call["extra_content"] = extras[call["id"]]
    if family == "gemini" and calls and not any("extra_content" in call for call in calls):
        # Only the first call of a step needs a signature; this history did not come from Gemini.
        calls[0]["extra_content"] = {"google": {"thought_signature": GEMINI_SKIP_SIGNATURE}}
