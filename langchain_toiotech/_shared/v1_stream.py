"""Streamed `output_version="v1"` content: one index per block, so summing the chunks keeps the blocks apart.

langchain-core sums streamed content blocks by their `index`. Left to itself it numbers blocks by runs of one
type and keeps any index a block already has, and a tool-call chunk already has one: the call's position in
the wire's `tool_calls`, 0 for the first call. Reasoning numbered 0 by core and the first tool call (0 from the
wire) then merge into one block, `{"type": "reasoning", ..., "id": "call_...", "name": ..., "args": ...}`, and
the summed message has no tool call in `content_blocks`. Here every block gets its index from one counter per
stream: all reasoning shares one (as `invoke` gives one reasoning block), so does all text, and each tool call,
told apart by its wire index, has its own.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Protocol

from langchain_core.outputs import ChatGenerationChunk

JSONObject = dict[str, Any]
_TOOL_CALL_BLOCKS = frozenset({"tool_call_chunk", "tool_call", "invalid_tool_call"})


class StreamAssembler(Protocol):
    """What both routes' stream assemblers do: wire events in, generation chunks out."""

    def feed(self, chunk: JSONObject) -> list[ChatGenerationChunk]:
        """Take one wire event; return the generation chunks it produces."""
        ...

    def finish(self) -> list[ChatGenerationChunk]:
        """Return the closing chunk(s)."""
        ...


class V1BlockIndexes:
    """Wraps a stream assembler; its chunks come out as v1 content blocks, each block with its own index."""

    def __init__(self, assembler: StreamAssembler) -> None:
        """Number the blocks of the stream `assembler` reads."""
        self._assembler = assembler
        self._indexes: dict[Hashable, int] = {}
        self._count = 0

    def feed(self, chunk: JSONObject) -> list[ChatGenerationChunk]:
        """The assembler's chunks for one wire event, as numbered v1 blocks."""
        return [self._numbered(generation) for generation in self._assembler.feed(chunk)]

    def finish(self) -> list[ChatGenerationChunk]:
        """The assembler's closing chunks, as numbered v1 blocks."""
        return [self._numbered(generation) for generation in self._assembler.finish()]

    def _numbered(self, generation: ChatGenerationChunk) -> ChatGenerationChunk:
        message = generation.message
        blocks = [{**block, "index": self._index_of(dict(block))} for block in message.content_blocks]
        # output_version="v1" with list content tells core that the content already is v1 blocks.
        metadata = {**message.response_metadata, "output_version": "v1"}
        message = message.model_copy(update={"content": blocks, "response_metadata": metadata})
        return ChatGenerationChunk(message=message, generation_info=generation.generation_info)

    def _index_of(self, block: JSONObject) -> int:
        kind = block.get("type")
        key: Hashable
        if kind in _TOOL_CALL_BLOCKS:
            key = ("tool call", block.get("index"))
        elif kind in {"text", "reasoning"}:
            key = kind
        elif block.get("index") is None and block.get("id") is None:
            return self._next_index()  # an image or other whole block: alone in its index
        else:
            key = (kind, block.get("index"), block.get("id"))
        if key not in self._indexes:
            self._indexes[key] = self._next_index()
        return self._indexes[key]

    def _next_index(self) -> int:
        self._count += 1
        return self._count - 1
