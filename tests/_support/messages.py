"""Reading replies in tests: a call made in any of the four modes, streamed chunks summed into one message, text."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.runnables import Runnable

CALL_MODES = ("invoke", "ainvoke", "stream", "astream")


def summed(chunks: Iterable[BaseMessage]) -> AIMessageChunk:
    """Add streamed chunks into the one message LangChain would build from them.

    `Runnable.stream` on a bound model is typed as yielding `AIMessage`; every item is a chunk at run time, and
    this checks it rather than casting.
    """
    pieces: list[AIMessageChunk] = []
    for chunk in chunks:
        assert isinstance(chunk, AIMessageChunk), f"a stream yielded {type(chunk).__name__}, not a chunk"
        pieces.append(chunk)
    assert pieces, "the stream yielded nothing"
    return functools.reduce(operator.add, pieces)


def streamed_text(model: BaseChatModel, prompt: str) -> str:
    """The text of a whole streamed reply."""
    return "".join(str(chunk.content) for chunk in model.stream(prompt))


def content_text(message: BaseMessage) -> str:
    """The content of a message that must be plain text (not a list of content blocks)."""
    assert isinstance(message.content, str), f"content is {message.content!r}, not text"
    return message.content


async def reply_of(model: Runnable[LanguageModelInput, AIMessage], mode: str, prompt: LanguageModelInput) -> AIMessage:
    """Call `model` in one of `CALL_MODES` and return the whole reply (a stream's chunks summed).

    A stream is read to its end, so an error it raises midway (or at its end) reaches the caller as it would a user.
    """
    if mode == "invoke":
        return model.invoke(prompt)
    if mode == "ainvoke":
        return await model.ainvoke(prompt)
    if mode == "stream":
        return summed(list(model.stream(prompt)))
    assert mode == "astream", f"unknown call mode {mode!r}"
    return summed([chunk async for chunk in model.astream(prompt)])
