"""Responses-API stream events → `ChatGenerationChunk`s, as `_chat.stream.ChatStreamAssembler` does for chat.

One `ResponsesStreamAssembler` per stream; pure (no I/O), so the sync and async paths feed it the same event
dicts. Deltas become chunks as they arrive; a part that arrives only whole (a relay that sends `.done`
events, or a JSON body where a stream was asked for) is emitted from its `.done` event or from the final
`response.output`, never twice. Usage, model name, finish reason and status go on the last chunk only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from langchain_core.messages import AIMessageChunk, ToolCallChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_toiotech._http.events import RESPONSES_TERMINAL
from langchain_toiotech._http.reply_shape import arguments_text
from langchain_toiotech._responses.response import (
    REASONING_ITEMS_KEY,
    finish_reason,
    reasoning_texts,
    replayable_reasoning_item,
    responses_metadata,
)
from langchain_toiotech._shared.answer import MODEL_PROVIDER
from langchain_toiotech._shared.usage import create_usage_metadata

JSONObject = dict[str, Any]

_REASONING_SEPARATOR: Final = "\n\n"


class ResponsesStreamAssembler:
    """Turns the events of one Responses stream into generation chunks."""

    def __init__(self) -> None:
        """Start a stream with nothing seen yet."""
        self._response: JSONObject = {}
        self._text_items: set[int] = set()  # output indices whose text was emitted
        self._call_items: set[int] = set()  # output indices whose call id and name were emitted
        self._call_args: set[int] = set()  # output indices whose arguments were emitted
        self._reasoning_parts: set[tuple[int, str, int]] = set()
        self._reasoning_items: set[int] = set()  # output indices with any reasoning text emitted
        self._finished_items: set[int] = set()
        self._reasoning_started = False
        self._tool_calls = False
        self._handlers: dict[str, Callable[[JSONObject], list[AIMessageChunk]]] = {
            "response.output_text.delta": self._text_delta,
            "response.output_text.done": self._text_done,
            "response.refusal.delta": self._refusal_delta,
            "response.reasoning_summary_text.delta": self._reasoning_delta,
            "response.reasoning_summary_text.done": self._reasoning_done,
            "response.reasoning_text.delta": self._reasoning_delta,
            "response.reasoning_text.done": self._reasoning_done,
            "response.output_item.added": self._item_added,
            "response.function_call_arguments.delta": self._arguments_delta,
            "response.function_call_arguments.done": self._arguments_done,
            "response.output_item.done": self._item_done_event,
        }

    def feed(self, event: JSONObject) -> list[ChatGenerationChunk]:
        """Take one event dict; return the generation chunks it produces (often one, maybe none).

        Failed events (`error`, `response.failed`) never reach it: the events reader raises on them.
        """
        kind = str(event.get("type") or "")
        if isinstance(event.get("response"), dict):
            self._response = {**self._response, **event["response"]}
        if kind in RESPONSES_TERMINAL:
            messages = self._leftover_output()
        else:
            handler = self._handlers.get(kind)
            messages = handler(event) if handler else []
        return [ChatGenerationChunk(message=message) for message in messages]

    def finish(self) -> list[ChatGenerationChunk]:
        """Return the closing chunk: usage, model name, finish reason, status, `chunk_position="last"`."""
        reason = finish_reason(self._response, tool_calls=self._tool_calls)
        usage = self._response.get("usage")
        message = AIMessageChunk(
            content="",
            response_metadata=responses_metadata(self._response, reason),
            usage_metadata=create_usage_metadata(usage) if isinstance(usage, dict) else None,
            chunk_position="last",
        )
        return [ChatGenerationChunk(message=message, generation_info={"finish_reason": reason})]

    def _text_delta(self, event: JSONObject) -> list[AIMessageChunk]:
        self._text_items.add(_index(event))
        return _chunks(content=str(event.get("delta") or ""))

    def _text_done(self, event: JSONObject) -> list[AIMessageChunk]:
        return _unless_streamed(event, "text", self._text_delta, streamed=_index(event) in self._text_items)

    def _refusal_delta(self, event: JSONObject) -> list[AIMessageChunk]:
        refusal = str(event.get("delta") or "")
        return [_message(additional_kwargs={"refusal": refusal})] if refusal else []

    def _reasoning_delta(self, event: JSONObject) -> list[AIMessageChunk]:
        delta = arguments_text(event.get("delta"))
        if not delta:
            return []
        part = _reasoning_part(event)
        if part not in self._reasoning_parts:
            self._reasoning_parts.add(part)
            delta = self._separated(delta)
        self._reasoning_items.add(part[0])
        return [_message(additional_kwargs={"reasoning_content": delta})]

    def _separated(self, text: str) -> str:
        """Text of a new reasoning part, set apart from the previous part as the non-stream answer joins them."""
        started, self._reasoning_started = self._reasoning_started, True
        return _REASONING_SEPARATOR + text if started else text

    def _reasoning_done(self, event: JSONObject) -> list[AIMessageChunk]:
        return _unless_streamed(
            event, "text", self._reasoning_delta, streamed=_reasoning_part(event) in self._reasoning_parts
        )

    def _item_added(self, event: JSONObject) -> list[AIMessageChunk]:
        item = event.get("item")
        if not isinstance(item, dict) or item.get("type") != "function_call":
            return []
        index = _index(event)
        self._call_items.add(index)
        self._tool_calls = True
        arguments = arguments_text(item.get("arguments"))
        if arguments:
            self._call_args.add(index)
        call = ToolCallChunk(
            name=item.get("name"), args=arguments, id=item.get("call_id"), index=index, type="tool_call_chunk"
        )
        return [_message(tool_call_chunks=[call])]

    def _arguments_delta(self, event: JSONObject) -> list[AIMessageChunk]:
        delta = arguments_text(event.get("delta"))
        if not delta:
            return []
        index = _index(event)
        self._call_args.add(index)
        self._tool_calls = True
        call = ToolCallChunk(name=None, args=delta, id=None, index=index, type="tool_call_chunk")
        return [_message(tool_call_chunks=[call])]

    def _arguments_done(self, event: JSONObject) -> list[AIMessageChunk]:
        return _unless_streamed(event, "arguments", self._arguments_delta, streamed=_index(event) in self._call_args)

    def _item_done_event(self, event: JSONObject) -> list[AIMessageChunk]:
        item = event.get("item")
        return self._item_done(_index(event), item) if isinstance(item, dict) else []

    def _item_done(self, index: int, item: JSONObject) -> list[AIMessageChunk]:
        """Whatever part of a finished item was not streamed; a reasoning item is also kept for replay."""
        if index in self._finished_items:
            return []
        self._finished_items.add(index)
        kind = item.get("type")
        if kind == "function_call":
            added = [] if index in self._call_items else self._item_added({"output_index": index, "item": item})
            return added + self._arguments_done({"output_index": index, "arguments": item.get("arguments")})
        if kind == "message" and index not in self._text_items:
            texts = [part.get("text") for part in item.get("content") or [] if isinstance(part, dict)]
            return self._text_delta({"output_index": index, "delta": "".join(str(text or "") for text in texts)})
        if kind == "reasoning":
            return self._reasoning_item_done(index, item)
        return []

    def _reasoning_item_done(self, index: int, item: JSONObject) -> list[AIMessageChunk]:
        additional_kwargs: JSONObject = {REASONING_ITEMS_KEY: [replayable_reasoning_item(item)]}
        if index not in self._reasoning_items and (texts := reasoning_texts(item)):
            self._reasoning_items.add(index)
            additional_kwargs["reasoning_content"] = self._separated(_REASONING_SEPARATOR.join(texts))
        return [_message(additional_kwargs=additional_kwargs)]

    def _leftover_output(self) -> list[AIMessageChunk]:
        """Output items of the final response that no event delivered (e.g. a JSON body instead of a stream)."""
        messages: list[AIMessageChunk] = []
        for index, item in enumerate(self._response.get("output") or []):
            if isinstance(item, dict):
                messages += self._item_done(index, item)
        return messages


def _unless_streamed(
    event: JSONObject, field: str, as_delta: Callable[[JSONObject], list[AIMessageChunk]], *, streamed: bool
) -> list[AIMessageChunk]:
    """A `.done` event's whole value as one delta, unless its deltas already delivered it."""
    return [] if streamed else as_delta({**event, "delta": event.get(field)})


def _reasoning_part(event: JSONObject) -> tuple[int, str, int]:
    """Which reasoning part an event belongs to: (output index, summary or text, part index)."""
    if str(event.get("type")).startswith("response.reasoning_summary"):
        return _index(event), "summary", _int(event.get("summary_index"))
    return _index(event), "text", _int(event.get("content_index"))


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _index(event: JSONObject) -> int:
    return _int(event.get("output_index"))


def _message(
    *,
    content: str = "",
    additional_kwargs: JSONObject | None = None,
    tool_call_chunks: list[ToolCallChunk] | None = None,
) -> AIMessageChunk:
    return AIMessageChunk(
        content=content,
        additional_kwargs=additional_kwargs or {},
        tool_call_chunks=tool_call_chunks or [],
        response_metadata={"model_provider": MODEL_PROVIDER},
    )


def _chunks(*, content: str) -> list[AIMessageChunk]:
    return [_message(content=content)] if content else []
