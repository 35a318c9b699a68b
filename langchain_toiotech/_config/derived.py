"""Values a client builds from its fields once and reuses on every call, until a field is assigned.

Each call used to rebuild them (the transports' settings compared field by field, the request defaults merged
anew), although the fields change rarely: a field assigned after use (`model.temperature = 0.2`) or a copy that
updates one (`model_copy(update=...)`) drops them all (`GatewayClient.__setattr__` and `model_copy` call
`forget`), and each value checks, when it is read, the one kind of change no assignment shows: a dict field
changed in place (`model.model_kwargs["top_k"] = 5`).

They live in the instance's `__dict__`, beside the fields, which pydantic neither validates, compares nor
dumps. A shallow copy shares the mapping while neither copy has changed a field (its values are then right for
both); it is never changed in place, only replaced, so a later `keep` on one copy never reaches the other.
"""

from __future__ import annotations

from typing import Any, Final

_ATTRIBUTE: Final = "_derived_from_fields"


def derived(instance: object, name: str) -> Any:
    """The value `name` kept for this instance's fields, or None (never kept, or a field was assigned since)."""
    kept: dict[str, Any] | None = instance.__dict__.get(_ATTRIBUTE)
    return None if kept is None else kept.get(name)


def keep(instance: object, name: str, value: object) -> None:
    """Keep `value` as built from the instance's current fields."""
    kept: dict[str, Any] = instance.__dict__.get(_ATTRIBUTE) or {}
    instance.__dict__[_ATTRIBUTE] = {**kept, name: value}


def forget(instance: object) -> None:
    """Drop every kept value: a field of the instance has been assigned."""
    instance.__dict__.pop(_ATTRIBUTE, None)


def kept_with(instance: object, name: str, fields: dict[str, Any]) -> Any:
    """The value kept as `name` if the dict field it was built from still equals `fields` (None otherwise)."""
    kept = derived(instance, name)
    return kept[0] if kept is not None and kept[1] == fields else None


def keep_with(instance: object, name: str, value: object, fields: dict[str, Any]) -> None:
    """Keep `value` as `name`, with a copy of the dict field it was built from (see `kept_with`)."""
    keep(instance, name, (value, dict(fields)))
