"""What an earlier assistant turn carries back to the gateway: its reasoning, and Gemini's thought signatures.

Vendors disagree (`_shared.pass_back_rules` has each one's contract and source): DeepSeek, Kimi and MiMo answer 400 to a
tool loop whose reasoning was dropped, GLM, MiniMax and Qwen want it for quality, others take none.
`reasoning_pass_back="auto"` follows those rules; `"always"` sends every turn's reasoning (placeholders kept);
`"never"` sends none. OpenRouter-style `reasoning_details` carry signatures and go back verbatim unless the mode
is `"never"`; Gemini thought signatures are not reasoning text and always go back (Gemini answers 4xx without).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final, Literal

from langchain_core.messages import AIMessage, BaseMessage

from langchain_toiotech._shared.pass_back_rules import PassBackRule, pass_back_rule

PassBackMode = Literal["auto", "always", "never"]

TOOL_CALL_EXTRAS_KEY: Final = "tool_call_extra_content"
"""`additional_kwargs` key holding each tool call's vendor `extra_content` (Gemini signatures), by call id."""

GEMINI_SKIP_SIGNATURE: Final = "skip_thought_signature_validator"
"""Google's documented placeholder for function calls whose history did not come from Gemini."""

_THINK_OPEN: Final = "<think>\n"
_THINK_CLOSE: Final = "\n</think>\n\n"


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


def apply_pass_back(
    wire_messages: list[dict[str, Any]],
    messages: Sequence[BaseMessage],
    *,
    family: str,
    model: str,
    mode: PassBackMode,
) -> list[dict[str, Any]]:
    """Add reasoning and tool-call extras to the wire form of earlier assistant turns, in place.

    `wire_messages[i]` must be the conversion of `messages[i]`.
    """
    rule = pass_back_rule(family, model)
    if mode == "always":
        rule = replace(rule, echo="every_turn")
    for wire, message in zip(wire_messages, messages, strict=True):
        if isinstance(message, AIMessage):
            if mode != "never":
                _echo_reasoning(wire, message, rule)
            _echo_tool_call_extras(wire, message, family)
    return wire_messages


def _echo_reasoning(wire: dict[str, Any], message: AIMessage, rule: PassBackRule) -> None:
    details = message.additional_kwargs.get("reasoning_details")
    if details:
        wire["reasoning_details"] = details
    tool_turn = bool(wire.get("tool_calls"))
    required = rule.required == "every_turn" or (rule.required == "tool_turns" and tool_turn)
    echoed = required or rule.echo == "every_turn" or (rule.echo == "tool_turns" and tool_turn)
    reasoning = reasoning_of(message) if echoed else ""
    if rule.think_tag:
        if reasoning and not details:  # reasoning_details already carry it (MiniMax reasoning_split)
            wire["content"] = f"{_THINK_OPEN}{reasoning}{_THINK_CLOSE}{wire.get('content') or ''}"
    elif reasoning:
        wire["reasoning_content"] = reasoning
    elif required:
        wire["reasoning_content"] = rule.placeholder


def _echo_tool_call_extras(wire: dict[str, Any], message: AIMessage, family: str) -> None:
    calls = wire.get("tool_calls") or []
    extras = message.additional_kwargs.get(TOOL_CALL_EXTRAS_KEY) or {}
    for call in calls:
        if call.get("id") in extras:
            call["extra_content"] = extras[call["id"]]
    # Gemini 3 answers 4xx to a function-calling history without signatures, also at minimal thinking; a history
    # that did not come from Gemini gets Google's documented placeholder on the first call of each step
    # (https://ai.google.dev/gemini-api/docs/thought-signatures).
    if family == "gemini" and calls and not any("extra_content" in call for call in calls):
        calls[0]["extra_content"] = {"google": {"thought_signature": GEMINI_SKIP_SIGNATURE}}
