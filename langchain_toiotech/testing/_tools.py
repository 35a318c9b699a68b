"""Deciding whether, and which, tools the emulated model calls.

A tool is called when the request has ``tools``, ``tool_choice`` is not ``"none"``, the last message is not a
tool result, and either ``tool_choice`` forces a call (``"required"`` or a named function) or the last user text
mentions a tool by name (``get_weather`` or ``get weather``, case-insensitive). Several mentioned tools give
parallel calls unless ``parallel_tool_calls`` is false.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_toiotech.testing._prompt import Prompt


@dataclass(frozen=True)
class ToolSpec:
    """A function tool offered by the request.

    Attributes:
        name: The function name.
        parameters: Its JSON schema (empty when absent).
    """

    name: str
    parameters: Mapping[str, Any] = field(default_factory=dict)

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
        if isinstance(name, str) and name:
            specs.append(ToolSpec(name, parameters if isinstance(parameters, Mapping) else {}))
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
    mentioned = [tool for tool in tools if tool.mentioned_in(prompt.text)]
    if tool_choice == "required" and not mentioned:
        mentioned = [tools[0]]
    return mentioned if parallel else mentioned[:1]
