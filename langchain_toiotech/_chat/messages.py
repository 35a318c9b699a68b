"""Pure mapping between LangChain messages and chat-completions wire dicts; no I/O."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatResult

from langchain_toiotech._blocks.chat import format_content
from langchain_toiotech._blocks.message_parts import PartsPolicy, parts_policy, system_content, text_of, tool_content
from langchain_toiotech._http.reply_shape import chat_choices
from langchain_toiotech._shared.answer import parse_raw_tool_calls, response_metadata, warn_if_truncated
from langchain_toiotech._shared.answer_parts import split_content
from langchain_toiotech._shared.pass_back import TOOL_CALL_EXTRAS_KEY
from langchain_toiotech._shared.reasoning import reasoning_from_fields, split_think_tags
from langchain_toiotech._shared.usage import create_usage_metadata
from langchain_toiotech.errors import MalformedResponseError

JSONObject = dict[str, Any]


def convert_messages(
    messages: Sequence[BaseMessage], *, video_fps: float | None = None, policy: PartsPolicy | None = None
) -> list[JSONObject]:
    """Convert a conversation for the chat-completions `messages` field.

    Args:
        messages: The conversation.
        video_fps: The model's default frame rate for video blocks that set none.
        policy: What the model takes in system and tool messages (default: an unknown model's).

    Raises:
        ValueError: the conversation is empty, or a message has a role or block the gateway cannot take.
    """
    if not messages:
        msg = "Cannot call the model with an empty list of messages."
        raise ValueError(msg)
    converted = []
    for position, message in enumerate(messages):
        try:
            converted.append(convert_message_to_dict(message, video_fps=video_fps, policy=policy))
        except ValueError as error:
            msg = f"Message {position} ({message.type}): {error}"
            raise ValueError(msg) from error
    return converted


def convert_message_to_dict(
    message: BaseMessage, *, video_fps: float | None = None, policy: PartsPolicy | None = None
) -> JSONObject:
    """Convert one LangChain message to a chat-completions message dict."""
    policy = policy or parts_policy("")

    def format_parts(blocks: list[Any]) -> list[Any]:
        return list(format_content(blocks, video_fps=video_fps))

    if isinstance(message, HumanMessage):
        wire: JSONObject = {"role": "user", "content": format_content(message.content, video_fps=video_fps)}
    elif isinstance(message, AIMessage):
        wire = _assistant_to_dict(message)
    elif isinstance(message, SystemMessage):
        wire = {"role": "system", "content": system_content(message.content, policy)}
    elif isinstance(message, ToolMessage):
        wire = {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "content": tool_content(message.content, policy, format_parts),
        }
    elif isinstance(message, ChatMessage):
        wire = {"role": message.role, "content": format_content(message.content, video_fps=video_fps)}
    else:
        msg = f"Unsupported message type {type(message).__name__}."
        raise TypeError(msg)
    if message.name:
        wire["name"] = message.name
    return wire


def _assistant_to_dict(message: AIMessage) -> JSONObject:
    # Content from other providers may hold reasoning / tool_use blocks: only the text goes back.
    text = text_of(message.content)
    tool_calls = [tool_call_to_dict(call) for call in message.tool_calls]
    tool_calls += [_invalid_tool_call_to_dict(call) for call in message.invalid_tool_calls]
    wire: JSONObject = {
        "role": "assistant",
        "content": text or (None if tool_calls else ""),
    }
    if tool_calls:
        wire["tool_calls"] = tool_calls
    return wire


def tool_call_to_dict(call: ToolCall) -> JSONObject:
    """A LangChain tool call as a chat-completions `tool_calls[]` entry."""
    arguments = json.dumps(call["args"], ensure_ascii=False)
    return {
        "id": call["id"],
        "type": "function",
        "function": {"name": call["name"], "arguments": arguments},
    }


def _invalid_tool_call_to_dict(call: InvalidToolCall) -> JSONObject:
    return {
        "id": call.get("id"),
        "type": "function",
        "function": {
            "name": call.get("name") or "",
            "arguments": call.get("args") or "",
        },
    }


def tool_call_extras(raw_calls: Sequence[Any]) -> JSONObject:
    """Each tool call's vendor `extra_content` (Gemini thought signatures), by call id, to send back later."""
    return {
        str(raw["id"]): raw["extra_content"]
        for raw in raw_calls
        if isinstance(raw, dict) and raw.get("id") and raw.get("extra_content")
    }


def convert_dict_to_message(wire: JSONObject) -> AIMessage:
    """Convert a completion's `choices[i].message` to an `AIMessage` (reasoning included)."""
    parts = split_content(wire.get("content"))
    reasoning = reasoning_from_fields(wire) or parts.reasoning
    content: str | list[Any] = parts.blocks
    if not parts.blocks:
        think, content = split_think_tags(parts.text)
        reasoning = reasoning or think
    additional_kwargs: JSONObject = {}
    if reasoning:
        additional_kwargs["reasoning_content"] = reasoning
    for key in ("reasoning_details", "refusal"):
        if wire.get(key):
            additional_kwargs[key] = wire[key]
    raw_tool_calls = wire.get("tool_calls") or []
    if extras := tool_call_extras(raw_tool_calls):
        additional_kwargs[TOOL_CALL_EXTRAS_KEY] = extras
    tool_calls, invalid_tool_calls = parse_raw_tool_calls(raw_tool_calls)
    return AIMessage(
        content=content,
        additional_kwargs=additional_kwargs,
        tool_calls=tool_calls,
        invalid_tool_calls=invalid_tool_calls,
    )


def create_chat_result(body: JSONObject) -> ChatResult:
    """Convert a non-stream chat completion body to a `ChatResult`, one generation per choice.

    The gateway's completion id goes to `response_metadata["id"]`, not to `message.id`: relays may repeat
    ids, and LangGraph's message reducer would then replace an earlier turn with a later one.
    """
    usage = body.get("usage")
    usage_metadata = create_usage_metadata(usage) if isinstance(usage, dict) else None
    generations = []
    for choice in chat_choices(body, what="a chat completion"):
        message = convert_dict_to_message(choice.get("message") or {})
        finish_reason = choice.get("finish_reason")
        message.response_metadata = response_metadata(body, finish_reason)
        warn_if_truncated(body.get("model"), finish_reason)
        message.usage_metadata = usage_metadata
        generations.append(ChatGeneration(message=message, generation_info={"finish_reason": finish_reason}))
    if not generations:
        msg = f"The gateway answered without any choices: {json.dumps(body)[:300]}"
        raise MalformedResponseError(msg, what="a chat completion")
    llm_output = {
        "token_usage": usage,
        "model_name": body.get("model"),
        "id": body.get("id"),
    }
    return ChatResult(generations=generations, llm_output=llm_output)
