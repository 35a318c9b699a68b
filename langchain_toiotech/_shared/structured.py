"""Tool binding arguments and structured-output runnables for chat-completions models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, Literal

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import (
    convert_to_openai_function,
    convert_to_openai_tool,
)
from langchain_core.utils.pydantic import is_basemodel_subclass

StructuredOutputMethod = Literal["function_calling", "json_mode", "json_schema"]
ToolLike = dict[str, Any] | type | Callable[..., Any] | BaseTool


def format_tools(tools: Sequence[ToolLike], *, strict: bool | None) -> list[dict[str, Any]]:
    """Tools in the chat-completions `tools` shape."""
    return [convert_to_openai_tool(tool, strict=strict) for tool in tools]


def format_tool_choice(tool_choice: Any, tools: list[dict[str, Any]]) -> Any:
    """Map LangChain's `tool_choice` values to the wire.

    A tool name forces that tool; `"any"` and `True` become `"required"`; `"auto"`, `"none"`,
    `"required"` and dicts pass through.

    Raises:
        ValueError: the name matches no bound tool.
    """
    if tool_choice is True or tool_choice == "any":
        return "required"
    if isinstance(tool_choice, dict) or tool_choice in {"auto", "none", "required"}:
        return tool_choice
    if isinstance(tool_choice, str):
        names = [tool["function"]["name"] for tool in tools]
        if tool_choice not in names:
            msg = f"tool_choice={tool_choice!r} names no bound tool; the tools are {names}."
            raise ValueError(msg)
        return {"type": "function", "function": {"name": tool_choice}}
    msg = f"Unrecognised tool_choice {tool_choice!r}: use a tool name, 'auto', 'none', 'any' or 'required'."
    raise ValueError(msg)


def json_schema_response_format(schema: dict[str, Any] | type, *, strict: bool | None) -> dict[str, Any]:
    """The `response_format` for `method="json_schema"`."""
    if isinstance(schema, dict) and schema.get("type") == "json_schema" and "json_schema" in schema:
        return schema
    if isinstance(schema, dict) and "name" in schema and "schema" in schema:
        return {"type": "json_schema", "json_schema": schema}
    function = convert_to_openai_function(schema, strict=bool(strict))
    json_schema = {"name": function["name"], "schema": function["parameters"]}
    if function.get("description"):
        json_schema["description"] = function["description"]
    if strict is not None:
        json_schema["strict"] = strict
    return {"type": "json_schema", "json_schema": json_schema}


def _tool_parser(schema: dict[str, Any] | type, tool_name: str) -> Runnable[AIMessage, Any]:
    if isinstance(schema, type) and is_basemodel_subclass(schema):
        return PydanticToolsParser(tools=[schema], first_tool_only=True)
    return JsonOutputKeyToolsParser(key_name=tool_name, first_tool_only=True)


def _json_parser(schema: dict[str, Any] | type | None) -> Runnable[AIMessage, Any]:
    if isinstance(schema, type) and is_basemodel_subclass(schema):
        return PydanticOutputParser(pydantic_object=schema)
    return JsonOutputParser()


def _bind_for_method(
    model: Any, schema: dict[str, Any] | type | None, method: StructuredOutputMethod, *, strict: bool | None
) -> tuple[Runnable[LanguageModelInput, AIMessage], Runnable[AIMessage, Any]]:
    ls_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    if method == "json_mode":
        bound = model.bind(response_format={"type": "json_object"}, ls_structured_output_format=ls_format)
        return bound, _json_parser(schema)
    if schema is None:
        msg = f"with_structured_output(method={method!r}) needs a schema."
        raise ValueError(msg)
    if method == "json_schema":
        response_format = json_schema_response_format(schema, strict=strict)
        return model.bind(response_format=response_format, ls_structured_output_format=ls_format), _json_parser(schema)
    tool_name = convert_to_openai_tool(schema)["function"]["name"]
    bound = model.bind_tools(
        [schema], tool_choice=tool_name, parallel_tool_calls=False, strict=strict, ls_structured_output_format=ls_format
    )
    return bound, _tool_parser(schema, tool_name)


def structured_output_runnable(
    model: Any,
    schema: dict[str, Any] | type | None,
    *,
    method: StructuredOutputMethod,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, Any]:
    """Bind `model` for structured output and attach the matching parser.

    Raises:
        ValueError: an unknown method, or no schema where the method needs one.
    """
    if method not in {"function_calling", "json_mode", "json_schema"}:
        msg = f"Unrecognised method {method!r}: use 'function_calling', 'json_schema' or 'json_mode'."
        raise ValueError(msg)
    bound, parser = _bind_for_method(model, schema, method, strict=strict)
    if not include_raw:
        return bound | parser
    parse = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
    fallback = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=bound) | parse.with_fallbacks([fallback], exception_key="parsing_error")
