"""The emulated model's answer, decided once and rendered by the chat and Responses routes.

Long streams: a last user text like ``"stream 5000 chunks"`` or a ``max_tokens`` / ``max_completion_tokens`` /
``max_output_tokens`` of N gives exactly N content pieces (stream deltas). A shorter natural reply is padded with
``" w<i>"`` words; a longer one is cut, with ``finish_reason`` ``"length"`` when the cut came from a token limit.
Tool calls and JSON (structured) output ignore N so that their JSON stays valid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from langchain_toiotech.testing._models import EmulatedModel
from langchain_toiotech.testing._prompt import Prompt, split_words
from langchain_toiotech.testing._schema_values import Hints, example_value
from langchain_toiotech.testing._tools import ToolSpec, parse_tools, select_tools

_CHUNKS_TRIGGER: Final = re.compile(r"\bstream\s+(\d+)\s+chunks?\b", re.IGNORECASE)
_MAX_CHUNKS: Final = 1_000_000
_PIECE: Final = 8  # characters per JSON / tool-argument stream fragment
_CACHE_BLOCK: Final = 64  # prompt tokens are "cached" in blocks of this size
_KEY: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True)
class ToolCall:
    """One tool call of the answer.

    Attributes:
        call_id: The call id (``call_emu_<n>``).
        name: The function name.
        arguments: The JSON-encoded arguments.
    """

    call_id: str
    name: str
    arguments: str

    def fragments(self) -> list[str]:
        """The arguments cut into stream fragments of a few characters.

        Returns:
            The fragments; they join back to ``arguments``.
        """
        return fragments(self.arguments)


@dataclass(frozen=True)
class Plan:
    """The answer, independent of wire format.

    Attributes:
        reasoning: Reasoning pieces (empty when reasoning is off).
        content: Content pieces, or None when the answer is only tool calls.
        tool_calls: Tool calls.
        finish_reason: ``"stop"``, ``"length"`` or ``"tool_calls"``.
        prompt_tokens: Prompt size (words + 3).
        cached_tokens: Cached prompt tokens (whole blocks of 64 below the prompt size).
    """

    reasoning: tuple[str, ...]
    content: tuple[str, ...] | None
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    prompt_tokens: int
    cached_tokens: int

    @property
    def reasoning_text(self) -> str:
        """The whole reasoning text."""
        return "".join(self.reasoning)

    @property
    def content_text(self) -> str | None:
        """The whole content text, or None."""
        return None if self.content is None else "".join(self.content)

    @property
    def reasoning_tokens(self) -> int:
        """Reasoning token count (one per reasoning piece)."""
        return len(self.reasoning)

    @property
    def completion_tokens(self) -> int:
        """Completion token count: reasoning, content and argument pieces."""
        calls = sum(len(call.fragments()) for call in self.tool_calls)
        return len(self.reasoning) + len(self.content or ()) + calls


@dataclass(frozen=True)
class PlanRequest:
    """The request facts a plan depends on.

    Attributes:
        prompt: The reduced prompt.
        reasoning: Whether to include reasoning.
        tools: Function tools offered.
        tool_choice: The request's ``tool_choice``.
        parallel: Whether parallel tool calls are allowed.
        output_schema: JSON schema of a structured-output request, or None.
        json_object: Whether plain JSON mode was requested.
        max_tokens: The request's token limit, if any.
        pages: Pages of the PDF(s) the request attaches, if known (page-mode answers get one entry each).
    """

    prompt: Prompt
    reasoning: bool
    tools: Sequence[ToolSpec] = ()
    tool_choice: Any = None
    parallel: bool = True
    output_schema: Mapping[str, Any] | None = None
    json_object: bool = False
    max_tokens: int | None = None
    pages: int | None = None


@dataclass(frozen=True)
class ReplyContext:
    """What the router knows of a chat or Responses request beyond its body; both routes plan from it.

    Attributes:
        style: The emulator's reasoning style.
        next_call_id: Returns a fresh tool call id.
        model: The model (strict mode), which decides reasoning and its shape; None in permissive mode.
        pages: Pages of the PDFs the request attaches, if known.
    """

    style: str | None
    next_call_id: Callable[[], str]
    model: EmulatedModel | None = None
    pages: int | None = None


def plan_request(
    body: Mapping[str, Any],
    prompt: Prompt,
    output_format: Mapping[str, Any],
    schema: Any,
    limit: Any,
    *,
    reasoning: bool,
    pages: int | None,
) -> PlanRequest:
    """The plan request of a chat or Responses body: the routes name tools, tool choice and parallelism alike.

    Args:
        body: The request body.
        prompt: Its reduced prompt.
        output_format: Its output format (``response_format`` or ``text.format``; empty when absent).
        schema: The JSON schema that format carries, if any.
        limit: The value of the route's token limit field.
        reasoning: Whether to include reasoning.
        pages: Pages of the PDFs the request attaches, if known.

    Returns:
        The request facts.
    """
    kind = output_format.get("type")
    return PlanRequest(
        prompt=prompt,
        reasoning=reasoning,
        tools=parse_tools(body.get("tools")),
        tool_choice=body.get("tool_choice"),
        parallel=body.get("parallel_tool_calls") is not False,
        output_schema=schema if kind == "json_schema" and isinstance(schema, Mapping) else None,
        json_object=kind == "json_object",
        max_tokens=limit if isinstance(limit, int) and not isinstance(limit, bool) else None,
        pages=pages,
    )


def fragments(text: str) -> list[str]:
    """Cut text into fragments of a few characters.

    Args:
        text: The text.

    Returns:
        The fragments (at least one).
    """
    return [text[i : i + _PIECE] for i in range(0, len(text), _PIECE)] or [""]


def make_plan(request: PlanRequest, next_call_id: Callable[[], str]) -> Plan:
    """Decide the answer.

    Args:
        request: The request facts.
        next_call_id: Returns a fresh tool call id.

    Returns:
        The plan.
    """
    prompt = request.prompt
    reasoning = tuple(split_words(prompt.reasoning_text())) if request.reasoning else ()
    prompt_tokens = prompt.words + 3
    cached = (prompt_tokens - 1) // _CACHE_BLOCK * _CACHE_BLOCK
    chosen = select_tools(request.tools, request.tool_choice, prompt, parallel=request.parallel)
    hints = Hints.from_text(prompt.text, request.pages)
    if chosen:
        calls = tuple(ToolCall(next_call_id(), tool.name, _arguments(tool, hints)) for tool in chosen)
        return Plan(reasoning, None, calls, "tool_calls", prompt_tokens, cached)
    if request.output_schema is not None or request.json_object:
        value = example_value(request.output_schema, hints) if request.output_schema is not None else None
        text = json.dumps(value if value is not None else _json_mode_object(prompt), ensure_ascii=False)
        return Plan(reasoning, tuple(fragments(text)), (), "stop", prompt_tokens, cached)
    content, finish = _content_pieces(prompt, request.max_tokens)
    return Plan(reasoning, content, (), finish, prompt_tokens, cached)


def _arguments(tool: ToolSpec, hints: Hints) -> str:
    return json.dumps(example_value(tool.parameters, hints), ensure_ascii=False, separators=(",", ":"))


def _json_mode_object(prompt: Prompt) -> dict[str, str]:
    """JSON mode has no schema: answer with the keys the prompt asks for ("with 'setup' and 'punchline' keys")."""
    keys = [key for key in Hints.from_text(prompt.text).strings if _KEY.fullmatch(key)]
    if not keys:
        return {"answer": prompt.reply_text()}
    return {key: f"{key} for: {prompt.text}" for key in dict.fromkeys(keys)}


def _content_pieces(prompt: Prompt, max_tokens: int | None) -> tuple[tuple[str, ...], str]:
    words = split_words(prompt.reply_text())
    match = _CHUNKS_TRIGGER.search(prompt.text) if prompt.tool_output is None else None
    count = int(match.group(1)) if match else max_tokens
    if count is None or count <= 0:
        return tuple(words), "stop"
    count = min(count, _MAX_CHUNKS)
    if count < len(words):
        return tuple(words[:count]), "stop" if match else "length"
    return tuple(words) + tuple(f" w{index}" for index in range(len(words), count)), "stop"
