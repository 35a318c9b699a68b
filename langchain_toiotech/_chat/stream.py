"""Chat-completions stream chunks → `ChatGenerationChunk`s, with the vendors' stream quirks absorbed.

One `ChatStreamAssembler` per stream. It is pure (no I/O): the sync and async paths feed it the same
chunk dicts. Usage is kept as the last non-null object seen anywhere and emitted once at the end;
`model_name`, `finish_reason` and ids go on that last chunk only, so summing chunks never concatenates
them; tool-call fragments keep `id`/`name` only on the first fragment of each call index.
"""

from __future__ import annotations

from typing import Any, Final

from langchain_core.messages import AIMessageChunk, ToolCallChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_toiotech._http.reply_shape import arguments_text
from langchain_toiotech._shared.answer import MODEL_PROVIDER, response_metadata, warn_if_truncated
from langchain_toiotech._shared.answer_parts import split_content
from langchain_toiotech._shared.pass_back import TOOL_CALL_EXTRAS_KEY
from langchain_toiotech._shared.reasoning import ThinkTagSplitter, reasoning_from_fields
from langchain_toiotech._shared.usage import create_usage_metadata, find_usage

JSONObject = dict[str, Any]
# reasoning_details fields that are fragments of one value (concatenated on purpose) or merge keys.
_DETAIL_KEPT_FIELDS: Final = frozenset({"text", "summary", "data", "signature", "index", "type", "id"})


class ChatStreamAssembler:
    """Turns the chunk dicts of one stream into generation chunks."""

    def __init__(self) -> None:
        """Start a stream with nothing seen yet."""
        self._usage: JSONObject | None = None
        self._finish_reason: str | None = None
        self._last_body: JSONObject = {}
        self._first_id: str | None = None
        self._think = ThinkTagSplitter()
        self._tool_fields_sent: set[tuple[Any, str]] = set()
        self._tool_ids: dict[Any, str] = {}
        self._detail_fields: dict[tuple[int, str], str] = {}

    def feed(self, chunk: JSONObject) -> list[ChatGenerationChunk]:
        """Take one chunk dict; return the generation chunks it produces (often one, maybe none)."""
        if (usage := find_usage(chunk)) is not None:
            self._usage = usage  # replace, never add: some vendors repeat running totals
        self._remember_metadata(chunk)
        choice = _first_choice(chunk)
        if choice is None:
            return []
        if choice.get("finish_reason"):
            self._finish_reason = str(choice["finish_reason"])
        delta = choice.get("delta") or {}
        message = self._delta_to_chunk(delta if isinstance(delta, dict) else {})
        if message is None:
            return []
        return [ChatGenerationChunk(message=message)]

    def finish(self) -> list[ChatGenerationChunk]:
        """Return the closing chunk: held text, usage, model name, finish reason, `chunk_position="last"`."""
        reasoning, answer = self._think.flush()
        metadata = response_metadata(self._last_body, self._finish_reason)
        if self._first_id and "id" not in metadata:
            metadata["id"] = self._first_id
        warn_if_truncated(metadata.get("model_name"), self._finish_reason)
        message = AIMessageChunk(
            content=answer,
            additional_kwargs={"reasoning_content": reasoning} if reasoning else {},
            response_metadata=metadata,
            usage_metadata=create_usage_metadata(self._usage) if self._usage else None,
            chunk_position="last",
        )
        return [ChatGenerationChunk(message=message, generation_info={"finish_reason": self._finish_reason})]

    def _remember_metadata(self, chunk: JSONObject) -> None:
        # A relay's stop chunk can carry another id: keep the first id and the latest model/fingerprint.
        if self._first_id is None and chunk.get("id"):
            self._first_id = str(chunk["id"])
        self._last_body = {
            **self._last_body,
            **{k: v for k, v in chunk.items() if v is not None},
        }
        self._last_body["id"] = self._first_id

    def _delta_to_chunk(self, delta: JSONObject) -> AIMessageChunk | None:
        parts = split_content(delta.get("content"))  # a string, or Mistral's list of text / thinking parts
        reasoning = reasoning_from_fields(delta) or parts.reasoning
        answer: str | list[Any] = parts.blocks or ""
        if parts.text and not parts.blocks:
            think, answer = self._think.feed(parts.text)
            reasoning += think
        raw_calls = delta.get("tool_calls") or []
        extras = self._tool_call_extras(raw_calls)
        tool_call_chunks = self._tool_call_chunks(raw_calls)
        details = self._reasoning_details(delta.get("reasoning_details"))
        # A details fragment without text (an Anthropic signature, encrypted reasoning) still counts.
        if not (reasoning or answer or tool_call_chunks or extras or details):
            return None
        additional_kwargs: JSONObject = {"reasoning_content": reasoning} if reasoning else {}
        if extras:
            additional_kwargs[TOOL_CALL_EXTRAS_KEY] = extras
        if details:
            additional_kwargs["reasoning_details"] = details
        return AIMessageChunk(
            content=answer,
            additional_kwargs=additional_kwargs,
            tool_call_chunks=tool_call_chunks,
            response_metadata={"model_provider": MODEL_PROVIDER},
        )

    def _reasoning_details(self, raw: Any) -> list[Any] | None:
        """A delta's `reasoning_details`, minus constants OpenRouter repeats on every fragment of an entry.

        LangChain merges entries with the same `index` when chunks are summed and concatenates their
        string fields, so a repeated `format` would come out as "anthropic-claude-v1anthropic-claude-v1"
        and be passed back to the gateway like that. Text, signature and data fragments are kept as sent.
        """
        if not isinstance(raw, list) or not raw:
            return None
        details = []
        for detail in raw:
            if isinstance(detail, dict) and isinstance(detail.get("index"), int):
                index = detail["index"]
                details.append({key: value for key, value in detail.items() if not self._repeated(index, key, value)})
            else:
                details.append(detail)
        return details

    def _repeated(self, index: int, key: str, value: Any) -> bool:
        if key in _DETAIL_KEPT_FIELDS or not isinstance(value, str):
            return False
        if self._detail_fields.get((index, key)) == value:
            return True
        self._detail_fields[(index, key)] = value
        return False

    def _tool_call_extras(self, raw_calls: list[Any]) -> JSONObject:
        """Gemini's thought signatures by call id; a later fragment may carry one without the id."""
        extras: JSONObject = {}
        for position, raw in enumerate(raw_calls):
            if not isinstance(raw, dict):
                continue
            index = raw.get("index", position)
            if raw.get("id"):
                self._tool_ids.setdefault(index, str(raw["id"]))
            if raw.get("extra_content") and index in self._tool_ids:
                extras[self._tool_ids[index]] = raw["extra_content"]
        return extras

    def _tool_call_chunks(self, raw_calls: list[Any]) -> list[ToolCallChunk]:
        chunks = []
        for position, raw in enumerate(raw_calls):
            if not isinstance(raw, dict):
                continue
            index = raw.get("index", position)
            function = raw.get("function") or {}
            chunks.append(
                ToolCallChunk(
                    name=self._once(index, "name", function.get("name")),
                    args=arguments_text(function.get("arguments")),
                    id=self._once(index, "id", raw.get("id")),
                    index=index,
                    type="tool_call_chunk",
                )
            )
        return chunks

    def _once(self, index: Any, field: str, value: Any) -> str | None:
        """The first non-empty value of a call's field; later repeats (Hunyuan, OpenRouter) become None.

        LangChain concatenates string fields when it sums chunks, so a repeated id or name would double.
        """
        if not value or (index, field) in self._tool_fields_sent:
            return None
        self._tool_fields_sent.add((index, field))
        return str(value)


def _first_choice(chunk: JSONObject) -> JSONObject | None:
    for choice in chunk.get("choices") or []:
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            return choice
    return None
