"""Default replies of ``POST /v1/chat/completions``, non-stream and SSE.

Reasoning is written in the emulator's ``reasoning_style``: ``reasoning_content`` / ``reasoning`` strings,
OpenRouter-style ``reasoning_details`` entries, or a leading ``<think>…</think>`` block and newline inside
``content`` (split across stream chunks on purpose). Streams start with a ``delta.role`` chunk, carry
word-sized deltas, end with an empty-delta finish chunk, then (with ``stream_options.include_usage``) a
``choices: []`` usage chunk and ``data: [DONE]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from langchain_toiotech.testing._behaviour import chat_style, thought_signature
from langchain_toiotech.testing._plan import Plan, PlanRequest, ReplyContext, ToolCall, make_plan, plan_request
from langchain_toiotech.testing._prompt import chat_prompt
from langchain_toiotech.testing._wire import DONE_EVENT, SSE_TYPE, Reply, json_reply, sse_data

CREATED: Final = 1767225600  # 2026-01-01T00:00:00Z: a fixed clock keeps replies byte-for-byte deterministic
FINGERPRINT: Final = "fp_emu"
_THINK_OPEN: Final = ("<thi", "nk>\n")
_THINK_CLOSE: Final = ("\n</th", "ink>\n")
SSE_HEADERS: Final = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass(frozen=True)
class _Meta:
    completion_id: str
    model: str
    style: str | None
    include_usage: bool
    signature: dict[str, Any] | None = None  # Gemini's extra_content on the first tool call


def chat_reply(body: Mapping[str, Any], context: ReplyContext, *, completion_id: str) -> Reply:
    """Answer a chat completions request.

    Args:
        body: The parsed request body (``messages`` already validated as a list).
        context: The router's facts about the request.
        completion_id: The ``chatcmpl-…`` id to use.

    Returns:
        The reply (JSON, or an event stream when ``stream`` is true).
    """
    style = chat_style(context.style, body, context.model)
    plan = make_plan(_plan_request(body, style, context.pages), context.next_call_id)
    stream_options = body.get("stream_options")
    include_usage = isinstance(stream_options, Mapping) and stream_options.get("include_usage") is True
    signature = thought_signature(context.model, plan.tool_calls[0].call_id) if plan.tool_calls else None
    meta = _Meta(completion_id, str(body.get("model", "")), style, include_usage, signature)
    if body.get("stream") is True:
        events = _stream_events(plan, meta)
        return Reply(content_type=SSE_TYPE, headers=SSE_HEADERS, events=events)
    return json_reply(_completion(plan, meta))


def _plan_request(body: Mapping[str, Any], style: str | None, pages: int | None) -> PlanRequest:
    response_format = body.get("response_format")
    fmt: Mapping[str, Any] = response_format if isinstance(response_format, Mapping) else {}
    json_schema = fmt.get("json_schema")
    schema = json_schema.get("schema") if isinstance(json_schema, Mapping) else None
    limit = body.get("max_tokens", body.get("max_completion_tokens"))
    prompt = chat_prompt(body.get("messages", []))
    return plan_request(body, prompt, fmt, schema, limit, reasoning=style is not None, pages=pages)


def usage(plan: Plan) -> dict[str, Any]:
    """The chat ``usage`` object of a plan.

    Args:
        plan: The plan.

    Returns:
        The usage object.
    """
    completion = plan.completion_tokens
    return {
        "prompt_tokens": plan.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": plan.prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": plan.cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": plan.reasoning_tokens},
    }


def _tool_call_object(call: ToolCall, extra: dict[str, Any] | None) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": call.call_id, "type": "function"}
    obj["function"] = {"name": call.name, "arguments": call.arguments}
    if extra is not None:
        obj["extra_content"] = extra
    return obj


def _completion(plan: Plan, meta: _Meta) -> dict[str, Any]:
    content = plan.content_text
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if plan.reasoning:
        if meta.style == "think_tags":
            message["content"] = f"<think>\n{plan.reasoning_text}\n</think>\n{content or ''}"
        elif meta.style == "reasoning_details":
            message["reasoning_details"] = [_detail(plan.reasoning_text)]
        elif meta.style is not None:
            message[meta.style] = plan.reasoning_text
    if plan.tool_calls:
        extras = [meta.signature] + [None] * (len(plan.tool_calls) - 1)
        message["tool_calls"] = [
            _tool_call_object(call, extra) for call, extra in zip(plan.tool_calls, extras, strict=True)
        ]
    return {
        "id": meta.completion_id,
        "object": "chat.completion",
        "created": CREATED,
        "model": meta.model,
        "system_fingerprint": FINGERPRINT,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": plan.finish_reason}],
        "usage": usage(plan),
    }


def _detail(text: str) -> dict[str, Any]:
    return {"type": "reasoning.text", "text": text, "format": "unknown", "index": 0}


def _chunk(meta: _Meta, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
    chunk: dict[str, Any] = {
        "id": meta.completion_id,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": meta.model,
        "system_fingerprint": FINGERPRINT,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }
    if meta.include_usage:
        chunk["usage"] = None
    return sse_data(chunk)


def _stream_events(plan: Plan, meta: _Meta) -> Iterator[bytes]:
    yield _chunk(meta, {"role": "assistant", "content": ""})
    yield from _reasoning_deltas(plan, meta)
    for piece in plan.content or ():
        yield _chunk(meta, {"content": piece})
    for index, call in enumerate(plan.tool_calls):
        yield from _tool_call_deltas(meta, index, call)
    yield _chunk(meta, {}, plan.finish_reason)
    if meta.include_usage:
        usage_chunk = {
            "id": meta.completion_id,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": meta.model,
            "system_fingerprint": FINGERPRINT,
            "choices": [],
            "usage": usage(plan),
        }
        yield sse_data(usage_chunk)
    yield DONE_EVENT


def _reasoning_deltas(plan: Plan, meta: _Meta) -> Iterator[bytes]:
    if not plan.reasoning:
        return
    if meta.style == "think_tags":
        for piece in (*_THINK_OPEN, *plan.reasoning, *_THINK_CLOSE):
            yield _chunk(meta, {"content": piece})
        return
    for piece in plan.reasoning:
        if meta.style == "reasoning_details":
            yield _chunk(meta, {"content": None, "reasoning_details": [_detail(piece)]})
        elif meta.style is not None:
            yield _chunk(meta, {"content": None, meta.style: piece})


def _tool_call_deltas(meta: _Meta, index: int, call: ToolCall) -> Iterator[bytes]:
    header: dict[str, Any] = {
        "index": index,
        "id": call.call_id,
        "type": "function",
        "function": {"name": call.name, "arguments": ""},
    }
    if index == 0 and meta.signature is not None:
        header["extra_content"] = meta.signature
    yield _chunk(meta, {"tool_calls": [header]})
    for fragment in call.fragments():
        yield _chunk(meta, {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
