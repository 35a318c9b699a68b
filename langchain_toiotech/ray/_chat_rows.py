"""Pure parts of the chat UDF: a row's input as LangChain messages, a reply or an error as output columns."""

from __future__ import annotations

import json
from typing import Any, Final

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, convert_to_messages

from langchain_toiotech.ray._schemas import row_error

_SOURCE_CHARS: Final = 200
"""A failed row without an id names itself by the start of its prompt."""


class RowInputError(ValueError):
    """A row's prompt or messages cannot be sent (found before any request)."""


def row_messages(prompt: Any, messages: Any, system_prompt: str | None) -> list[BaseMessage]:
    """The messages one row sends: its `prompt`, else its `messages` (a JSON string or a list of role dicts).

    Raises:
        RowInputError: the row has neither, or its messages are not a list of messages.
    """
    if isinstance(prompt, str) and prompt:
        parsed: list[BaseMessage] = convert_to_messages([("human", prompt)])
    elif messages is not None:
        parsed = _parse_messages(messages)
    else:
        msg = "the row has neither a prompt nor messages"
        raise RowInputError(msg)
    if system_prompt is not None and not any(isinstance(message, SystemMessage) for message in parsed):
        parsed.insert(0, SystemMessage(system_prompt))
    return parsed


def _parse_messages(messages: Any) -> list[BaseMessage]:
    if isinstance(messages, str):
        try:
            messages = json.loads(messages)
        except json.JSONDecodeError as error:
            msg = f"messages is not JSON: {error}"
            raise RowInputError(msg) from None
    if not isinstance(messages, list) or not messages:
        msg = f"messages must be a non-empty list of {{'role', 'content'}} objects, got {type(messages).__name__}"
        raise RowInputError(msg)
    try:
        return convert_to_messages([_without_nulls(message) for message in messages])
    except (ValueError, TypeError, KeyError, NotImplementedError) as error:
        msg = f"messages could not be read: {error}"
        raise RowInputError(msg) from None


def _without_nulls(message: Any) -> Any:
    # Arrow stores a list of structs with every key of every struct: absent keys come back as None.
    return {key: value for key, value in message.items() if value is not None} if isinstance(message, dict) else message


def row_source(row_id: Any, prompt: Any, messages: Any) -> str:
    """What a failed row is called: its id when the dataset has one, else the start of its prompt."""
    if row_id is not None:
        return str(row_id)
    text = prompt if isinstance(prompt, str) and prompt else messages
    shown = text if isinstance(text, str) else json.dumps(text, default=str, ensure_ascii=False)
    return shown[:_SOURCE_CHARS]


def answer_columns(message: AIMessage) -> dict[str, Any]:
    """The output columns of a reply: text, reasoning, finish reason, model and usage."""
    usage = message.usage_metadata
    details = usage.get("output_token_details") if usage else None
    reasoning = message.additional_kwargs.get("reasoning_content")
    return {
        "text": message.text,
        "reasoning": reasoning if isinstance(reasoning, str) else None,
        "finish_reason": message.response_metadata.get("finish_reason"),
        "model": message.response_metadata.get("model_name"),
        "input_tokens": usage["input_tokens"] if usage else None,
        "output_tokens": usage["output_tokens"] if usage else None,
        "total_tokens": usage["total_tokens"] if usage else None,
        "reasoning_tokens": details.get("reasoning") if details else None,
    }


def failure_columns(error: BaseException, source: str) -> dict[str, Any]:
    """The output columns of a failed row: null answer, the error's type, message and source."""
    return row_error(error, source).columns()
