"""Deterministic example values built from a JSON schema (tool arguments, structured output).

Rules: strings are ``"example"`` (or the first ``enum`` value, or ``const``), integers 3, numbers 1.5,
booleans true, null None, arrays hold one item, objects get every property (required or not), recursively.
``$ref`` into ``$defs`` / ``definitions`` is followed, ``anyOf`` / ``oneOf`` take their first non-null branch,
and ``allOf`` merges object branches (``default`` is ignored, so optional fields still get a value).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

_MAX_DEPTH: Final = 12
_MISSING: Final = object()
_SCALARS: Final[dict[str, Any]] = {
    "string": "example",
    "integer": 3,
    "number": 1.5,
    "boolean": True,
    "null": None,
}
_STRING_FORMATS: Final[dict[str, str]] = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def example_value(schema: Mapping[str, Any] | bool) -> Any:  # noqa: FBT001 - JSON schema allows bare booleans
    """Build a deterministic value that validates against ``schema``.

    Args:
        schema: A JSON schema (draft 2020-12 / OpenAPI subset as used for tool parameters).

    Returns:
        The example value.
    """
    root: Mapping[str, Any] = schema if isinstance(schema, Mapping) else {}
    return _value(root, root, 0)


def _value(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return None
    if "$ref" in schema:
        return _value(_resolve(str(schema["$ref"]), root), root, depth + 1)
    literal = _literal(schema)
    if literal is not _MISSING:
        return literal
    branches = schema.get("anyOf", schema.get("oneOf"))
    if isinstance(branches, list) and branches:
        return _value(_first_non_null(branches), root, depth + 1)
    if isinstance(schema.get("allOf"), list):
        return _all_of(schema, root, depth)
    return _typed_value(schema, root, depth)


def _literal(schema: Mapping[str, Any]) -> Any:
    """The value fixed by ``const`` or ``enum``, else ``_MISSING``."""
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    return enum[0] if isinstance(enum, list) and enum else _MISSING


def _typed_value(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> Any:
    type_ = schema.get("type")
    if isinstance(type_, list):
        non_null = [name for name in type_ if name != "null"]
        type_ = non_null[0] if non_null else "null"
    if type_ is None:
        type_ = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if type_ == "object":
        return _object_value(schema, root, depth)
    if type_ == "array":
        return _array_value(schema, root, depth)
    if type_ == "string" and schema.get("format") in _STRING_FORMATS:
        return _STRING_FORMATS[str(schema["format"])]
    if type_ in {"integer", "number"}:
        return _number_value(schema, type_)
    return _SCALARS.get(str(type_), "example")


def _object_value(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> dict[str, Any]:
    properties = schema.get("properties")
    result: dict[str, Any] = {}
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            result[str(name)] = _value(sub if isinstance(sub, Mapping) else {}, root, depth + 1)
    required = schema.get("required")
    for name in required if isinstance(required, list) else []:
        result.setdefault(str(name), "example")
    return result


def _array_value(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> list[Any]:
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list) and prefix:
        return [_value(item if isinstance(item, Mapping) else {}, root, depth + 1) for item in prefix]
    items = schema.get("items")
    item_schema: Mapping[str, Any] = items if isinstance(items, Mapping) else {}
    min_items = schema.get("minItems")
    count = max(1, min_items) if isinstance(min_items, int) else 1
    return [_value(item_schema, root, depth + 1) for _ in range(count)]


def _number_value(schema: Mapping[str, Any], type_: str) -> int | float:
    value: int | float = 3 if type_ == "integer" else 1.5
    minimum = schema.get("minimum", schema.get("exclusiveMinimum"))
    maximum = schema.get("maximum", schema.get("exclusiveMaximum"))
    if isinstance(minimum, (int, float)) and value <= minimum:
        value = minimum + 1
    if isinstance(maximum, (int, float)) and value >= maximum:
        value = maximum - 1 if type_ == "integer" else (maximum + (minimum or 0)) / 2
    return int(value) if type_ == "integer" else float(value)


def _all_of(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> Any:
    merged: dict[str, Any] = {}
    for branch in schema.get("allOf", []):
        value = _value(branch if isinstance(branch, Mapping) else {}, root, depth + 1)
        if not isinstance(value, dict):
            return value
        merged.update(value)
    rest = {key: value for key, value in schema.items() if key != "allOf"}
    if "properties" in rest:
        merged.update(_object_value(rest, root, depth))
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
