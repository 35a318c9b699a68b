"""Default replies of ``POST /v1/responses``, non-stream and named-event SSE (no ``[DONE]``).

The stream follows OpenAI's order: ``response.created``, ``response.in_progress``, the reasoning item (summary
part and text deltas only when ``reasoning.summary`` is set), the message item (content part, text deltas) or
the function-call items (argument deltas), then ``response.completed`` with the full response and usage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from langchain_toiotech.testing._behaviour import responses_reasoning
from langchain_toiotech.testing._chat import CREATED, SSE_HEADERS
from langchain_toiotech.testing._plan import (
    Plan,
    PlanRequest,
    ReplyContext,
    ToolCall,
    fragments,
    make_plan,
    plan_request,
)
from langchain_toiotech.testing._prompt import responses_prompt
from langchain_toiotech.testing._wire import SSE_TYPE, Reply, json_reply, sse_named


@dataclass(frozen=True)
class _Shape:
    """Response-level fields echoed from the request."""

    response_id: str
    number: int
    body: Mapping[str, Any]
    summary: bool


def responses_reply(body: Mapping[str, Any], context: ReplyContext, *, number: int) -> Reply:
    """Answer a Responses API request.

    Args:
        body: The parsed request body.
        context: The router's facts about the request (a None style: no reasoning item).
        number: The response counter, used for ``resp_emu_<n>`` and item ids.

    Returns:
        The reply (JSON, or an event stream when ``stream`` is true).
    """
    reasoning = responses_reasoning(context.style, body, context.model)
    plan = make_plan(_plan_request(body, reasoning, context.pages), context.next_call_id)
    reasoning_field = body.get("reasoning")
    summary = isinstance(reasoning_field, Mapping) and reasoning_field.get("summary") is not None
    shape = _Shape(f"resp_emu_{number}", number, body, summary)
    if body.get("stream") is True:
        return Reply(content_type=SSE_TYPE, headers=SSE_HEADERS, events=_stream_events(plan, shape))
    return json_reply(_response(shape, "completed", _output_items(plan, shape), _usage(plan)))


def _plan_request(body: Mapping[str, Any], reasoning: bool, pages: int | None) -> PlanRequest:  # noqa: FBT001
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    fmt = fmt if isinstance(fmt, Mapping) else {}
    prompt = responses_prompt(body.get("input", ""), body.get("instructions"))
    limit = body.get("max_output_tokens")
    return plan_request(body, prompt, fmt, fmt.get("schema"), limit, reasoning=reasoning, pages=pages)


def _usage(plan: Plan) -> dict[str, Any]:
    output = plan.completion_tokens
    return {
        "input_tokens": plan.prompt_tokens,
        "input_tokens_details": {"cached_tokens": plan.cached_tokens},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": plan.reasoning_tokens},
        "total_tokens": plan.prompt_tokens + output,
    }


def _response(shape: _Shape, status: str, output: list[dict[str, Any]], usage: Any) -> dict[str, Any]:
    body = shape.body
    reasoning = body.get("reasoning")
    reasoning_obj = reasoning if isinstance(reasoning, Mapping) else {}
    text = body.get("text")
    return {
        "id": shape.response_id,
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": body.get("model", ""),
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": reasoning_obj.get("effort"), "summary": reasoning_obj.get("summary")},
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": text if isinstance(text, Mapping) else {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools", []),
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": body.get("metadata") or {},
    }


def _reasoning_item(plan: Plan, shape: _Shape) -> dict[str, Any]:
    summary = [{"type": "summary_text", "text": plan.reasoning_text}] if shape.summary else []
    return {"id": f"rs_emu_{shape.number}", "type": "reasoning", "summary": summary}


def _message_item(text: str, shape: _Shape, status: str = "completed") -> dict[str, Any]:
    content = [_text_part(text)] if status == "completed" else []
    return {
        "id": f"msg_emu_{shape.number}",
        "type": "message",
        "status": status,
        "content": content,
        "role": "assistant",
    }


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def _call_item(call: ToolCall, item_id: str, status: str = "completed") -> dict[str, Any]:
    arguments = call.arguments if status == "completed" else ""
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "arguments": arguments,
        "call_id": call.call_id,
        "name": call.name,
    }


def _output_items(plan: Plan, shape: _Shape) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if plan.reasoning:
        items.append(_reasoning_item(plan, shape))
    if plan.content is not None:
        items.append(_message_item("".join(plan.content), shape))
    items.extend(_call_item(call, f"fc_emu_{shape.number}_{i}") for i, call in enumerate(plan.tool_calls))
    return items


class _Events:
    """Numbers events (``sequence_number``) and frames them as ``event:`` + ``data:`` blocks."""

    def __init__(self) -> None:
        self.sequence = 0

    def __call__(self, type_: str, **fields: Any) -> bytes:
        payload = {"type": type_, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return sse_named(type_, payload)


def _stream_events(plan: Plan, shape: _Shape) -> Iterator[bytes]:
    emit = _Events()
    yield emit("response.created", response=_response(shape, "in_progress", [], None))
    yield emit("response.in_progress", response=_response(shape, "in_progress", [], None))
    index = 0
    if plan.reasoning:
        yield from _reasoning_events(emit, plan, shape, index)
        index += 1
    if plan.content is not None:
        yield from _message_events(emit, plan.content, shape, index)
        index += 1
    for number, call in enumerate(plan.tool_calls):
        yield from _call_events(emit, call, f"fc_emu_{shape.number}_{number}", index)
        index += 1
    output = _output_items(plan, shape)
    yield emit("response.completed", response=_response(shape, "completed", output, _usage(plan)))


def _reasoning_events(emit: _Events, plan: Plan, shape: _Shape, index: int) -> Iterator[bytes]:
    item = _reasoning_item(plan, shape)
    yield emit("response.output_item.added", output_index=index, item={**item, "summary": []})
    if shape.summary:
        ids = {"item_id": item["id"], "output_index": index, "summary_index": 0}
        yield emit("response.reasoning_summary_part.added", **ids, part={"type": "summary_text", "text": ""})
        for piece in plan.reasoning:
            yield emit("response.reasoning_summary_text.delta", **ids, delta=piece)
        text = plan.reasoning_text
        yield emit("response.reasoning_summary_text.done", **ids, text=text)
        yield emit("response.reasoning_summary_part.done", **ids, part={"type": "summary_text", "text": text})
    yield emit("response.output_item.done", output_index=index, item=item)


def _message_events(emit: _Events, pieces: tuple[str, ...], shape: _Shape, index: int) -> Iterator[bytes]:
    text = "".join(pieces)
    item_id = f"msg_emu_{shape.number}"
    yield emit("response.output_item.added", output_index=index, item=_message_item(text, shape, "in_progress"))
    ids = {"item_id": item_id, "output_index": index, "content_index": 0}
    yield emit("response.content_part.added", **ids, part=_text_part(""))
    for piece in pieces:
        yield emit("response.output_text.delta", **ids, delta=piece, logprobs=[])
    yield emit("response.output_text.done", **ids, text=text, logprobs=[])
    yield emit("response.content_part.done", **ids, part=_text_part(text))
    yield emit("response.output_item.done", output_index=index, item=_message_item(text, shape))


def _call_events(emit: _Events, call: ToolCall, item_id: str, index: int) -> Iterator[bytes]:
    yield emit("response.output_item.added", output_index=index, item=_call_item(call, item_id, "in_progress"))
    ids = {"item_id": item_id, "output_index": index}
    for fragment in fragments(call.arguments):
        yield emit("response.function_call_arguments.delta", **ids, delta=fragment)
    yield emit("response.function_call_arguments.done", **ids, arguments=call.arguments)
    yield emit("response.output_item.done", output_index=index, item=_call_item(call, item_id))
