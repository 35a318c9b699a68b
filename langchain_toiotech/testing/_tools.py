"""Deciding whether, and which, tools the emulated model calls.

A tool is called when the request has ``tools``, ``tool_choice`` is not ``"none"``, the last message is not a
tool result, and either ``tool_choice`` forces a call (a named function: that one; ``"required"`` / ``"any"``: the
best match, else the first tool) or the last user text asks for it: it names the tool (``get_weather`` or
``get weather``, case-insensitive) or uses a word of the tool's name or description ("What is the weather in
Paris?" matches ``get_weather``). Several matching tools give parallel calls unless ``parallel_tool_calls`` is
false.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from langchain_toiotech.testing._prompt import Prompt

_WORD: Final = re.compile(r"[a-z]{4,}")
# Words that say nothing about what a tool does (tool descriptions and questions are full of them).
_COMMON: Final = frozenset(
    [
        "about",
        "after",
        "also",
        "args",
        "call",
        "calls",
        "calling",
        "does",
        "each",
        "from",
        "function",
        "given",
        "have",
        "input",
        "into",
        "just",
        "make",
        "more",
        "only",
        "other",
        "output",
        "result",
        "return",
        "returns",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "tool",
        "tools",
        "using",
        "value",
        "what",
        "when",
        "where",
        "which",
        "will",
        "with",
        "would",
        "your",
    ]
)


@dataclass(frozen=True)
class ToolSpec:
    """A function tool offered by the request.

    Attributes:
        name: The function name.
        parameters: Its JSON schema (empty when absent).
        description: Its description.
    """

    name: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def keywords(self) -> frozenset[str]:
        """Words of the name and description that say what the tool is about.

        Returns:
            The lower-cased words of four letters or more, common words left out.
        """
        words = _WORD.findall(f"{self.name.replace('_', ' ')} {self.description}".lower())
        return frozenset(words) - _COMMON

    def relevance(self, text: str) -> int:
        """How strongly ``text`` asks for this tool.

        Args:
            text: The user text.

        Returns:
            100 when the text names the tool, else the number of the tool's keywords it uses.
        """
        if self.mentioned_in(text):
            return 100
        return len(self.keywords() & set(_WORD.findall(text.lower())))

    def mentioned_in(self, text: str) -> bool:
        """Whether ``text`` mentions this tool.

        Args:
            text: The user text.

        Returns:
            True when the name (or the name with ``_`` read as spaces) occurs in the text.
        """
        lowered = text.lower()
        name = self.name.lower()
        return name in lowered or name.replace("_", " ") in lowered


def parse_tools(tools: Any) -> tuple[ToolSpec, ...]:
    """Read function tools in chat shape (``{"type", "function": {...}}``) or flat Responses shape.

    Args:
        tools: The request's ``tools`` value.

    Returns:
        The function tools, in request order; other tool types are skipped.
    """
    if not isinstance(tools, Sequence) or isinstance(tools, str):
        return ()
    specs: list[ToolSpec] = []
    for tool in tools:
        if not isinstance(tool, Mapping) or tool.get("type", "function") != "function":
            continue
        nested = tool.get("function")
        definition: Mapping[str, Any] = nested if isinstance(nested, Mapping) else tool
        name = definition.get("name")
        parameters = definition.get("parameters")
        description = definition.get("description")
        if isinstance(name, str) and name:
            schema = parameters if isinstance(parameters, Mapping) else {}
            specs.append(ToolSpec(name, schema, description if isinstance(description, str) else ""))
    return tuple(specs)


def forced_name(tool_choice: Any) -> str | None:
    """The function name a ``tool_choice`` object forces, in chat or Responses shape.

    Args:
        tool_choice: The request's ``tool_choice``.

    Returns:
        The name, or None when no specific function is forced.
    """
    if not isinstance(tool_choice, Mapping):
        return None
    nested = tool_choice.get("function")
    source: Mapping[str, Any] = nested if isinstance(nested, Mapping) else tool_choice
    name = source.get("name")
    return name if isinstance(name, str) else None


def select_tools(
    tools: Sequence[ToolSpec],
    tool_choice: Any,
    prompt: Prompt,
    *,
    parallel: bool,
) -> list[ToolSpec]:
    """Choose the tools to call.

    Args:
        tools: Tools offered by the request.
        tool_choice: The request's ``tool_choice``.
        prompt: The reduced prompt.
        parallel: Whether several calls may be made in one turn.

    Returns:
        The tools to call, in request order; empty to answer with text.
    """
    if not tools or tool_choice == "none" or prompt.tool_output is not None:
        return []
    name = forced_name(tool_choice)
    if name is not None:
        return [tool for tool in tools if tool.name == name][:1]
    scores = [tool.relevance(prompt.text) for tool in tools]
    best = max(scores)
    named = [tool for tool, score in zip(tools, scores, strict=True) if score >= 100]  # noqa: PLR2004 - named
    matching = named or [tool for tool, score in zip(tools, scores, strict=True) if best and score == best]
    if tool_choice in {"required", "any"} and not matching:
        matching = [tools[0]]
    return matching if parallel else matching[:1]
