"""The shape every reader of a chat reply relies on, checked once where the reply enters (no LangChain types)."""

from __future__ import annotations

import json
from typing import Any

from langchain_toiotech._http.limits import excerpt
from langchain_toiotech.errors import MalformedResponseError

JSONObject = dict[str, Any]


def chat_choices(
    body: JSONObject, *, what: str, error: type[MalformedResponseError] = MalformedResponseError
) -> list[JSONObject]:
    """A chat reply's `choices`: a list of objects (absent or null is an empty list).

    Raises:
        MalformedResponseError: `choices` is not a list, or holds something other than objects (`null`).
    """
    choices = body.get("choices")
    if choices is None:
        return []
    if not isinstance(choices, list) or not all(isinstance(choice, dict) for choice in choices):
        shown = excerpt(json.dumps(choices, ensure_ascii=False, default=str))
        msg = f"The gateway sent {what} whose `choices` is not a list of objects: {shown}"
        raise error(msg, what=what)
    return choices


def arguments_text(arguments: object) -> str:
    """A tool call's `function.arguments` as JSON text; some relays send the object itself instead of a string."""
    if arguments is None:
        return ""
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, ensure_ascii=False)
