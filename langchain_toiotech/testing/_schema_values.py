"""Deterministic values built from a JSON schema and the conversation (tool arguments, structured output).

Rules: ``const`` / the first ``enum`` value win; strings take the user's quoted phrases in order (unicode as
written: ``'你好啊集团'``), a place named after "in" for location-like fields, a known ``format``, else
``"example"``; numbers take the user's numbers in order within ``minimum`` / ``maximum`` (else 3 and 1.5);
booleans true; arrays hold three items (within ``minItems`` / ``maxItems``), or one per page of the attached PDF
when the array is about pages; objects get every property, recursively. ``$ref`` into ``$defs`` / ``definitions``
is followed, ``anyOf`` / ``oneOf`` take their first non-null branch, ``allOf`` merges object branches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

_MAX_DEPTH: Final = 12
_ARRAY_ITEMS: Final = 3
_MISSING: Final = object()
_STRING_FORMATS: Final[dict[str, str]] = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_QUOTED: Final = re.compile(r"'([^']+)'|\"([^\"]+)\"|“([^”]+)”|「([^」]+)」|‘([^’]+)’")  # noqa: RUF001 - CJK quotes
_NUMBER: Final = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])|(?<=\()\d+(?=\))")
_PLACE: Final = re.compile(r"\b(?:in|at|for)\s+([A-Z][\w'’-]*(?:[ ,]+[A-Z][\w'’.-]*)*)")  # noqa: RUF001
_PLACE_FIELDS: Final = ("location", "city", "place", "country", "region", "town", "address")


@dataclass(frozen=True)
class Hints:
    """What the conversation offers to fill a schema with.

    Attributes:
        strings: Quoted phrases of the user's text, in order.
        numbers: Numbers in the user's text, in order.
        place: A capitalised place after "in" / "at" / "for", if any.
        pages: Pages of the PDF(s) attached to the request, if known.
    """

    strings: tuple[str, ...] = ()
    numbers: tuple[float, ...] = ()
    place: str | None = None
    pages: int | None = None

    @classmethod
    def from_text(cls, text: str, pages: int | None = None) -> Hints:
        """Read the hints out of the user's text.

        Args:
            text: The last user message's text.
            pages: Pages of the attached PDF(s).

        Returns:
            The hints.
        """
        strings = tuple(next(group for group in match.groups() if group) for match in _QUOTED.finditer(text))
        numbers = tuple(float(match.group(0)) for match in _NUMBER.finditer(text))
        place = _PLACE.search(text)
        return cls(strings, numbers, place.group(1).rstrip(" ,.") if place else None, pages)


@dataclass
class _Cursor:
    """Hands out the conversation's strings and numbers, each once."""

    hints: Hints
    strings: int = 0
    numbers: int = 0
    page: int | None = field(default=None)


def example_value(schema: Mapping[str, Any] | bool, hints: Hints | None = None) -> Any:  # noqa: FBT001
    """Build a deterministic value that validates against ``schema``.

    Args:
        schema: A JSON schema (draft 2020-12 / OpenAPI subset as used for tool parameters); JSON schema allows a
            bare boolean.
        hints: What the conversation offers (quoted phrases, numbers, a place, a page count).

    Returns:
        The example value.
    """
    root: Mapping[str, Any] = schema if isinstance(schema, Mapping) else {}
    return _value(root, root, 0, _Cursor(hints or Hints()), "")


def _value(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int, cursor: _Cursor, name: str) -> Any:
    if depth > _MAX_DEPTH:
        return None
    if "$ref" in schema:
        return _value(_resolve(str(schema["$ref"]), root), root, depth + 1, cursor, name)
    literal = _literal(schema)
    if literal is not _MISSING:
        return literal
    branches = schema.get("anyOf", schema.get("oneOf"))
    if isinstance(branches, list) and branches:
        return _value(_first_non_null(branches), root, depth + 1, cursor, name)
    if isinstance(schema.get("allOf"), list):
        return _all_of(schema, root, depth, cursor)
    return _typed_value(schema, root, depth, cursor, name)


def _literal(schema: Mapping[str, Any]) -> Any:
    """The value fixed by ``const`` or ``enum``, else ``_MISSING``."""
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    return enum[0] if isinstance(enum, list) and enum else _MISSING


def _type_of(schema: Mapping[str, Any]) -> str:
    type_ = schema.get("type")
    if isinstance(type_, list):
        non_null = [item for item in type_ if item != "null"]
        type_ = non_null[0] if non_null else "null"
    if type_ is None:
        type_ = "object" if "properties" in schema else "array" if "items" in schema else "string"
    return str(type_)


def _typed_value(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int, cursor: _Cursor, name: str) -> Any:
    type_ = _type_of(schema)
    if type_ == "object":
        return _object_value(schema, root, depth, cursor)
    if type_ == "array":
        return _array_value(schema, root, depth, cursor, name)
    if type_ in {"integer", "number"}:
        return _number_value(schema, type_, cursor)
    if type_ == "boolean":
        return True
    if type_ == "null":
        return None
    return _string_value(schema, cursor, name)


def _string_value(schema: Mapping[str, Any], cursor: _Cursor, name: str) -> str:
    if schema.get("format") in _STRING_FORMATS:
        return _STRING_FORMATS[str(schema["format"])]
    if cursor.page is not None:
        return f"Page {cursor.page + 1}"
    hints = cursor.hints
    if hints.place and any(word in name.lower() for word in _PLACE_FIELDS):
        return hints.place
    if cursor.strings < len(hints.strings):
        cursor.strings += 1
        return hints.strings[cursor.strings - 1]
    return "example"


def _object_value(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int, cursor: _Cursor) -> dict[str, Any]:
    properties = schema.get("properties")
    result: dict[str, Any] = {}
    if isinstance(properties, Mapping):
        for key, sub in properties.items():
            result[str(key)] = _value(sub if isinstance(sub, Mapping) else {}, root, depth + 1, cursor, str(key))
    required = schema.get("required")
    for key in required if isinstance(required, list) else []:
        result.setdefault(str(key), "example")
    return result


def _about_pages(schema: Mapping[str, Any], name: str) -> bool:
    description = schema.get("description")
    return "page" in name.lower() or (isinstance(description, str) and "page" in description.lower())


def _array_value(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int, cursor: _Cursor, name: str) -> Any:
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list) and prefix:
        return [_value(item if isinstance(item, Mapping) else {}, root, depth + 1, cursor, name) for item in prefix]
    items = schema.get("items")
    item_schema: Mapping[str, Any] = items if isinstance(items, Mapping) else {}
    pages = cursor.hints.pages if _about_pages(schema, name) else None
    count = pages if pages is not None else _ARRAY_ITEMS
    low, high = schema.get("minItems"), schema.get("maxItems")
    count = max(count, low) if isinstance(low, int) else count
    count = min(count, high) if isinstance(high, int) else count
    values = []
    for index in range(count):
        if pages is not None:
            cursor.page = index
        values.append(_value(item_schema, root, depth + 1, cursor, name))
    if pages is not None:
        cursor.page = None
    return values


def _number_value(schema: Mapping[str, Any], type_: str, cursor: _Cursor) -> int | float:
    numbers = cursor.hints.numbers
    value: float = 3 if type_ == "integer" else 1.5
    if cursor.numbers < len(numbers):
        cursor.numbers += 1
        value = numbers[cursor.numbers - 1]
    minimum = schema.get("minimum", schema.get("exclusiveMinimum"))
    maximum = schema.get("maximum", schema.get("exclusiveMaximum"))
    if isinstance(minimum, (int, float)) and value <= minimum:
        value = minimum + 1
    if isinstance(maximum, (int, float)) and value >= maximum:
        value = maximum - 1 if type_ == "integer" else (maximum + (minimum or 0)) / 2
    return int(value) if type_ == "integer" else float(value)


def _all_of(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int, cursor: _Cursor) -> Any:
    merged: dict[str, Any] = {}
    for branch in schema.get("allOf", []):
        value = _value(branch if isinstance(branch, Mapping) else {}, root, depth + 1, cursor, "")
        if not isinstance(value, dict):
            return value
        merged.update(value)
    rest = {key: value for key, value in schema.items() if key != "allOf"}
    if "properties" in rest:
        merged.update(_object_value(rest, root, depth, cursor))
    return merged


def _first_non_null(branches: list[Any]) -> Mapping[str, Any]:
    for branch in branches:
        if isinstance(branch, Mapping) and branch.get("type") != "null":
            return branch
    first = branches[0]
    return first if isinstance(first, Mapping) else {}


def _resolve(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    if not ref.startswith("#"):
        return {}
    node: Any = root
    for token in ref.lstrip("#").strip("/").split("/"):
        if not token:
            continue
        key = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or key not in node:
            return {}
        node = node[key]
    return node if isinstance(node, Mapping) else {}
