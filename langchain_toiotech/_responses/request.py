"""The Responses-API request: messages → `input` items, chat-shaped parameters → their Responses forms.

Pure (no I/O). Chat-completions parameters that callers already use (`max_tokens`, `reasoning_effort`,
`response_format`, chat-shaped tools from `bind_tools`) are mapped to their Responses forms here, so
`bind_tools` and `with_structured_output` work the same on both routes (`_route` picks the route).

Reasoning items of earlier answers are kept in `additional_kwargs["reasoning_items"]` and sent back only
when the caller asked for a mode where that is safe: `store=True` (the gateway keeps them, ids resolve) or
`store=False` with encrypted reasoning (`include=["reasoning.encrypted_content"]`), OpenAI's stateless
pattern. Without either, an id the upstream never stored would fail the whole request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, Final, Literal

from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, SystemMessage, ToolMessage

from langchain_toiotech._blocks.core import Part
from langchain_toiotech._blocks.message_parts import (
    PartsPolicy,
    joined_text,
    parts_policy,
    system_content,
    text_of,
    tool_content,
)
from langchain_toiotech._blocks.responses import format_input_content
from langchain_toiotech._responses.response import REASONING_ITEMS_KEY, replayable_reasoning_item
from langchain_toiotech._shared.reasoning_controls import translate_reasoning

logger = logging.getLogger("langchain_toiotech")

JSONObject = dict[str, Any]
ReplayRule = Literal["all", "encrypted", ""]
_CHAT_ONLY_PARAMS: Final = ("n", "seed", "stop", "stream_options", "stream_usage", "messages")


def reasoning_params(knob: dict[str, Any] | None, family: str, model: str) -> JSONObject:
    """The unified `reasoning` knob as request fields; Responses' own `summary` key is accepted too."""
    if knob is None:
        return {}
    rest = {key: value for key, value in knob.items() if key != "summary"}
    params = translate_reasoning(rest, family, model) if rest else {}
    if knob.get("summary") is not None:
        params["reasoning_summary"] = knob["summary"]
    return params


def responses_payload(
    messages: Sequence[BaseMessage],
    params: JSONObject,
    *,
    stop: list[str] | str | None,
    stream: bool,
    video_fps: float | None = None,
) -> JSONObject:
    """The `/responses` request body for `messages`, from chat-style request parameters.

    `video_fps` is the model's default frame rate for videos that set none, as on the chat route.

    Raises:
        ValueError: a message or content block cannot be expressed, or `response_format` is unknown.
        TypeError: `response_format` is not a dict.
    """
    payload = dict(params)
    _drop_chat_only(payload, stop)
    _map_token_limit(payload)
    _map_reasoning(payload)
    _map_text_format(payload)
    _map_tools(payload)
    instructions, items = convert_input(
        messages,
        replay=_replay_rule(payload),
        instructions=_takes_instructions(payload),
        video_fps=video_fps,
        policy=parts_policy(str(payload.get("model", ""))),
    )
    if instructions is not None:
        payload["instructions"] = instructions
    payload["input"] = items
    if stream:
        payload["stream"] = True
    else:
        payload.pop("stream", None)
    return payload


def _drop_chat_only(payload: JSONObject, stop: list[str] | str | None) -> None:
    dropped = [key for key in ("stop", "seed") if payload.get(key) is not None]
    if stop:
        dropped.append("stop")
    if (payload.get("n") or 1) > 1:
        dropped.append("n")
    for key in _CHAT_ONLY_PARAMS:
        payload.pop(key, None)
    if dropped:
        logger.warning("The Responses API has no %s; the setting was not sent.", ", ".join(sorted(set(dropped))))


def _map_token_limit(payload: JSONObject) -> None:
    # max_completion_tokens already counts reasoning, as max_output_tokens does, so it is preferred.
    completion_limit = payload.pop("max_completion_tokens", None)
    token_limit = payload.pop("max_tokens", None)
    limit = completion_limit if completion_limit is not None else token_limit
    if limit is not None:
        payload.setdefault("max_output_tokens", limit)


def _map_reasoning(payload: JSONObject) -> None:
    effort = payload.pop("reasoning_effort", None)
    summary = payload.pop("reasoning_summary", None)
    reasoning = dict(payload.get("reasoning") or {})
    if effort is not None:
        reasoning.setdefault("effort", effort)
    if summary is not None:
        reasoning.setdefault("summary", summary)
    if reasoning:
        payload["reasoning"] = reasoning


def _map_text_format(payload: JSONObject) -> None:
    response_format = payload.pop("response_format", None)
    if response_format is None:
        return
    if not isinstance(response_format, dict):
        msg = f"response_format must be a dict on the Responses route, got {type(response_format).__name__}."
        raise TypeError(msg)
    payload["text"] = {**(payload.get("text") or {}), "format": text_format(response_format)}


def text_format(response_format: JSONObject) -> JSONObject:
    """A chat `response_format` as a Responses `text.format` (flat json_schema: name, schema, strict).

    Raises:
        ValueError: the format type is unknown.
    """
    kind = response_format.get("type")
    if kind in {"text", "json_object"}:
        return {"type": kind}
    if kind != "json_schema":
        msg = f"Unsupported response_format type {kind!r}; use 'json_schema', 'json_object' or 'text'."
        raise ValueError(msg)
    if "schema" in response_format:  # already in the Responses shape
        return dict(response_format)
    spec = response_format.get("json_schema") or {}
    fmt: JSONObject = {"type": "json_schema", "name": spec.get("name", "output"), "schema": spec.get("schema", {})}
    fmt.update({key: spec[key] for key in ("description", "strict") if key in spec})
    return fmt


def _map_tools(payload: JSONObject) -> None:
    if isinstance(payload.get("tools"), list):
        payload["tools"] = [_flat_tool(tool) for tool in payload["tools"]]
    choice = payload.get("tool_choice")
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        payload["tool_choice"] = {"type": "function", "name": choice["function"].get("name")}


def _flat_tool(tool: Any) -> Any:
    if not (isinstance(tool, dict) and tool.get("type") == "function" and isinstance(tool.get("function"), dict)):
        return tool  # already flat, or a built-in tool such as web_search
    # A missing `strict` means strict mode on the Responses API but not on chat: keep chat's meaning.
    return {"type": "function", "strict": False, **tool["function"]}


def _takes_instructions(payload: JSONObject) -> bool:
    # Ark refuses `instructions` together with context caching; the caller's own instructions stay theirs.
    caching = payload.get("caching")
    return "instructions" not in payload and not (isinstance(caching, dict) and caching.get("type") == "enabled")


def _replay_rule(payload: JSONObject) -> ReplayRule:
    store = payload.get("store")
    if store is True:
        return "all"
    return "encrypted" if store is False and "reasoning.encrypted_content" in (payload.get("include") or []) else ""


def convert_input(
    messages: Sequence[BaseMessage],
    *,
    replay: ReplayRule = "",
    instructions: bool = True,
    video_fps: float | None = None,
    policy: PartsPolicy | None = None,
) -> tuple[str | None, list[JSONObject]]:
    """Convert a conversation to `(instructions, input items)`.

    A single leading system message becomes `instructions`; other system messages stay in place as
    `system` items. `replay` is "all", "encrypted" or "" (which stored reasoning items go back). `policy`
    says what the model takes in system messages and tool results (default: an unknown model's).

    Raises:
        ValueError: the conversation is empty, or a message cannot be expressed.
    """
    if not messages:
        msg = "Cannot call the model with an empty list of messages."
        raise ValueError(msg)
    system_count = sum(isinstance(message, SystemMessage) for message in messages)
    lead = instructions and system_count == 1 and isinstance(messages[0], SystemMessage)
    items: list[JSONObject] = []
    for position, message in enumerate(messages[1:] if lead else messages, start=int(lead)):
        try:
            items.extend(_message_items(message, replay, video_fps, policy or parts_policy("")))
        except ValueError as error:
            msg = f"Message {position} ({message.type}): {error}"
            raise ValueError(msg) from error
    return (joined_text(messages[0].content) if lead else None), items


def _message_items(
    message: BaseMessage, replay: ReplayRule, video_fps: float | None, policy: PartsPolicy
) -> list[JSONObject]:
    if isinstance(message, AIMessage):
        return _assistant_items(message, replay)
    if isinstance(message, SystemMessage):
        return [{"role": "system", "content": system_content(message.content, policy, text_part="input_text")}]
    if isinstance(message, ToolMessage):

        def format_parts(blocks: list[Any]) -> list[Part]:
            return format_input_content(blocks, video_fps=video_fps)

        output = tool_content(message.content, policy, format_parts)
        return [{"type": "function_call_output", "call_id": message.tool_call_id, "output": output}]
    if isinstance(message, ChatMessage) and message.role == "assistant":
        return [_assistant_text(text_of(message.content))]
    if isinstance(message, ChatMessage) and message.role != "user":
        return [{"role": message.role, "content": format_input_content(message.content, video_fps=video_fps)}]
    if message.type not in {"human", "chat"}:
        msg = f"Unsupported message type {type(message).__name__}."
        raise TypeError(msg)
    return [{"role": "user", "content": format_input_content(message.content, video_fps=video_fps)}]


def _assistant_items(message: AIMessage, replay: ReplayRule) -> list[JSONObject]:
    items: list[JSONObject] = []
    if replay:
        items.extend(
            replayable_reasoning_item(item)
            for item in message.additional_kwargs.get(REASONING_ITEMS_KEY) or []
            if isinstance(item, dict) and (replay == "all" or item.get("encrypted_content"))
        )
    if text := text_of(message.content):
        items.append(_assistant_text(text))
    items.extend(
        {"type": "function_call", "call_id": call["id"], "name": call["name"], "arguments": json.dumps(call["args"])}
        for call in message.tool_calls
    )
    items.extend(
        {"type": "function_call", "call_id": call.get("id"), "name": call.get("name"), "arguments": call.get("args")}
        for call in message.invalid_tool_calls
    )
    return items


def _assistant_text(text: str) -> JSONObject:
    # Earlier answers go back as output_text: OpenAI rejects input_text in an assistant turn.
    return {"role": "assistant", "content": [{"type": "output_text", "text": text}]}
