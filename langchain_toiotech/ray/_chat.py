"""`ToiotechChatUDF`: ChatToiotech over a Ray Data batch of prompts or message lists, one answer row per row."""

from __future__ import annotations

import asyncio
from typing import Any

import pyarrow as pa
from langchain_core.messages import AIMessage, BaseMessage

from langchain_toiotech.chat_models import ChatToiotech
from langchain_toiotech.ray._chat_rows import answer_columns, failure_columns, row_messages, row_source
from langchain_toiotech.ray._inputs import WorkerSlots, as_table, check_concurrency, refuse_key
from langchain_toiotech.ray._schemas import CHAT_SCHEMA, to_table


class ToiotechChatUDF:
    """A Ray Data class UDF that answers each row's `prompt` (or `messages`) with `ChatToiotech`.

    Use it with `Dataset.map_batches(ToiotechChatUDF, fn_constructor_args=(model,), concurrency=N,
    batch_format="pyarrow")`, or through `run_chat`. Each Ray worker (actor) builds its model once and keeps
    up to `max_concurrency` requests in flight, shared by all the batches Ray runs on it at once. Rows keep
    their order and every input column; `CHAT_SCHEMA`'s columns are added (replacing columns of the same name,
    so the output of a run can be run again). A row that fails gets null answer columns and its error's type,
    message and source (its `id_column` value, else the start of its prompt) instead of failing the batch;
    a 429 is first retried by the worker's own client, honouring `Retry-After` (`max_retries`, default 2).

    The key is never an argument: each worker reads `TOIOTECH_API_KEY` from its environment, so it is not in
    what Ray serialises (the UDF, its arguments, the rows, the job's runtime_env).

    Args:
        model: The gateway's model name.
        max_concurrency: Requests in flight per worker.
        prompt_column: The column holding a prompt string.
        messages_column: The column holding a conversation: a JSON string or a list of `{"role", "content"}`
            objects; used for rows whose prompt is null or absent.
        id_column: The column that names a row in its error (optional).
        system_prompt: A system message put first in every conversation that has none.
        **chat_kwargs: Other `ChatToiotech` fields (`base_url`, `temperature`, `max_tokens`, `reasoning`,
            `timeout`, `max_retries`...), never `api_key`.

    Raises:
        ValueError: an `api_key` or a credential header was given, or `max_concurrency` is not positive; or
            `ChatToiotech` refused its fields (no `TOIOTECH_API_KEY` in the worker's environment).
    """

    def __init__(
        self,
        model: str,
        *,
        max_concurrency: int = 8,
        prompt_column: str = "prompt",
        messages_column: str = "messages",
        id_column: str = "id",
        system_prompt: str | None = None,
        **chat_kwargs: Any,
    ) -> None:
        """Build the worker's chat model; see the class docstring."""
        refuse_key(type(self).__name__, chat_kwargs)
        self._slots = WorkerSlots(check_concurrency(max_concurrency))
        self.prompt_column = prompt_column
        self.messages_column = messages_column
        self.id_column = id_column
        self.system_prompt = system_prompt
        self._llm = ChatToiotech(model=model, **chat_kwargs)

    async def __call__(self, batch: Any) -> pa.Table:
        """Answer every row of a batch, in order; see the class docstring.

        Args:
            batch: The rows (pyarrow, pandas or a dict of numpy arrays).

        Returns:
            The input columns followed by `CHAT_SCHEMA`'s, one row per input row.
        """
        table = as_table(batch)
        rows = table.to_pylist()
        answers = await asyncio.gather(*(self._answer(row) for row in rows))
        kept = table.drop_columns([name for name in CHAT_SCHEMA.names if name in table.column_names])
        added = to_table(list(answers), CHAT_SCHEMA)
        for field, column in zip(CHAT_SCHEMA, added.columns, strict=True):
            kept = kept.append_column(field, column)
        return kept

    async def _answer(self, row: dict[str, Any]) -> dict[str, Any]:
        prompt, messages = row.get(self.prompt_column), row.get(self.messages_column)
        source = row_source(row.get(self.id_column), prompt, messages)
        try:
            conversation = row_messages(prompt, messages, self.system_prompt)
            reply = await self._ask(conversation)
        except Exception as error:  # noqa: BLE001 - a row's failure is its row's error, never the batch's
            return failure_columns(error, source)
        return answer_columns(reply)

    async def _ask(self, conversation: list[BaseMessage]) -> AIMessage:
        async with self._slots.get():
            reply = await self._llm.ainvoke(conversation)
        if not isinstance(reply, AIMessage):  # pragma: no cover - a chat model answers with an AIMessage
            msg = f"expected an AIMessage, got {type(reply).__name__}"
            raise TypeError(msg)
        return reply
