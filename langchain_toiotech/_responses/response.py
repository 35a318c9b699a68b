"""The Responses-API answer: a response body's `output` items → `AIMessage` and `ChatResult` (pure, no I/O).

The readers of reasoning items live here too: the stream assembler and the request (which replays them) share them.
"""

from __future__ import annotations

from typing import Any, Final

from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from langchain_toiotech._http.events import stream_error_from_payload
from langchain_toiotech._shared.answer import parse_raw_tool_calls, response_metadata, warn_if_truncated
from langchain_toiotech._shared.usage import create_usage_metadata

JSONObject = dict[str, Any]

REASONING_ITEMS_KEY: Final = "reasoning_items"
"""`additional_kwargs` key holding an answer's Responses reasoning items, for stateless replay."""

_REPLAYED_REASONING_KEYS: Final = ("type", "id", "summary", "encrypted_content")
_INCOMPLETE_FINISH_REASONS: Final = {"max_output_tokens": "length", "content_filter": "content_filter"}
_REASONING_SEPARATOR: Final = "\n\n"


def replayable_reasoning_item(item: JSONObject) -> JSONObject:
    """The fields of a reasoning output item worth keeping for a later turn."""
    return {key: item[key] for key in _REPLAYED_REASONING_KEYS if key in item}


def reasoning_texts(item: JSONObject) -> list[str]:
    """A reasoning item's texts: summary parts (OpenAI, Ark's full thinking), then reasoning_text content."""
    parts = [*(item.get("summary") or []), *(item.get("content") or [])]
    return [str(part["text"]) for part in parts if isinstance(part, dict) and part.get("text")]


def function_call_as_chat(item: JSONObject) -> JSONObject:
    """A `function_call` output item in the chat `tool_calls[]` shape (call_id becomes the tool call id)."""
    return {
        "id": item.get("call_id") or item.get("id"),
        "type": "function",
        "function": {"name": item.get("name"), "arguments": item.get("arguments") or ""},
    }


def finish_reason(response: JSONObject, *, tool_calls: bool) -> str:
    """Chat's finish reason for a response: stop, tool_calls, length (max_output_tokens), content_filter."""
    if response.get("status") == "incomplete":
        reason = str((response.get("incomplete_details") or {}).get("reason") or "incomplete")
        return _INCOMPLETE_FINISH_REASONS.get(reason, reason)
    return "tool_calls" if tool_calls else "stop"


def responses_metadata(response: JSONObject, reason: str) -> JSONObject:
    """`response_metadata` of a Responses answer: model, provider, finish reason, id, status."""
    metadata = response_metadata(response, reason)
    for key in ("status", "incomplete_details"):
        if response.get(key) is not None:
            metadata[key] = response[key]
    warn_if_truncated(response.get("model"), reason, limit_field="max_output_tokens")
    return metadata


def output_message(response: JSONObject) -> AIMessage:
    """The answer in a response's `output` items, without metadata."""
    text: list[str] = []
    refusal: list[str] = []
    reasoning: list[str] = []
    reasoning_items: list[JSONObject] = []
    raw_calls: list[JSONObject] = []
    for item in response.get("output") or []:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "message":
            text += [str(part.get("text") or "") for part in item.get("content") or [] if _is_part(part, "output_text")]
            refusal += [
                str(part.get("refusal") or "") for part in item.get("content") or [] if _is_part(part, "refusal")
            ]
        elif kind == "reasoning":
            reasoning += reasoning_texts(item)
            reasoning_items.append(replayable_reasoning_item(item))
        elif kind == "function_call":
            raw_calls.append(function_call_as_chat(item))
    additional_kwargs: JSONObject = {}
    if reasoning:
        additional_kwargs["reasoning_content"] = _REASONING_SEPARATOR.join(reasoning)
    if reasoning_items:
        additional_kwargs[REASONING_ITEMS_KEY] = reasoning_items
    if "".join(refusal):
        additional_kwargs["refusal"] = "".join(refusal)
    tool_calls, invalid_tool_calls = parse_raw_tool_calls(raw_calls)
    return AIMessage(
        content="".join(text),
        additional_kwargs=additional_kwargs,
        tool_calls=tool_calls,
        invalid_tool_calls=invalid_tool_calls,
    )


def _is_part(part: Any, kind: str) -> bool:
    return isinstance(part, dict) and part.get("type") == kind


def create_responses_result(body: JSONObject) -> ChatResult:
    """Convert a non-stream Responses body to a `ChatResult`.

    The response id goes to `response_metadata["id"]` only, as on the chat route (relays may repeat ids,
    and LangGraph's message reducer would then replace an earlier turn).

    Raises:
        StreamError: the body reports a failed response or an error.
    """
    if body.get("error") or body.get("status") == "failed":
        raise stream_error_from_payload(body, prefix="The gateway answered with an error")
    message = output_message(body)
    reason = finish_reason(body, tool_calls=bool(message.tool_calls or message.invalid_tool_calls))
    message.response_metadata = responses_metadata(body, reason)
    usage = body.get("usage")
    message.usage_metadata = create_usage_metadata(usage) if isinstance(usage, dict) else None
    generation = ChatGeneration(message=message, generation_info={"finish_reason": reason})
    llm_output = {"token_usage": usage, "model_name": body.get("model"), "id": body.get("id")}
    return ChatResult(generations=[generation], llm_output=llm_output)
