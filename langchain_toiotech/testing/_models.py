"""The models the emulator serves: the gateway's catalogue, read through the profile table, plus registered names.

Strict mode answers only these names (anything else is a 404, as on the gateway); each name carries the facts the
emulator acts on: its family (reasoning shape, vendor contracts), whether it reasons, which media it takes, and
which routes serve it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final, TypedDict, Unpack

from langchain_toiotech._shared.catalogue import CATALOGUE, EMBEDDING_DIMENSIONS
from langchain_toiotech._shared.profiles import model_family, model_spec

MEDIA_KINDS: Final = ("image", "video", "audio", "file")
_PROFILE_KEYS: Final = {"image": "image_inputs", "video": "video_inputs", "audio": "audio_inputs", "file": "pdf_inputs"}
# Families whose vendors publish no Responses API (DeepSeek, Moonshot, Zhipu, MiniMax, Xiaomi and Tencent document
# chat completions only), so the gateway has nothing to relay a /v1/responses request to. OpenAI and Ark (Doubao)
# serve both routes; Claude, Gemini, Qwen and xAI are left open because gateways convert for them.
_CHAT_ONLY_FAMILIES: Final = frozenset({"deepseek", "kimi", "glm", "minimax", "mimo", "hunyuan"})
_CHAT_ONLY_NAMES: Final = ("audio", "realtime")  # OpenAI's audio and realtime models have no Responses support


@dataclass(frozen=True)
class EmulatedModel:
    """What the strict emulator knows about one model name.

    Attributes:
        name: The model name, as requests send it.
        family: The vendor family (``"deepseek"``, ``"gemini"``, ...; ``"unknown"`` for none): decides the
            reasoning shape and which vendor contracts apply.
        reasoning: Whether the model returns reasoning.
        inputs: Media kinds it takes besides text: any of ``"image"``, ``"video"``, ``"audio"``, ``"file"``.
        tool_calling: Whether it takes function tools.
        responses_only: Served only on ``/v1/responses`` (chat completions answer 404).
        chat_only: Served only on ``/v1/chat/completions`` (Responses answers 400).
        embedding_dimensions: Vector length when this is an embeddings model (served only on ``/v1/embeddings``).
    """

    name: str
    family: str = "unknown"
    reasoning: bool = False
    inputs: frozenset[str] = frozenset()
    tool_calling: bool = True
    responses_only: bool = False
    chat_only: bool = False
    embedding_dimensions: int | None = None


def model_from_table(name: str) -> EmulatedModel:
    """Describe a model from the package's profile table (family, capabilities, routes).

    Args:
        name: The model name.

    Returns:
        The description.
    """
    if name in EMBEDDING_DIMENSIONS:
        return EmulatedModel(name, model_family(name), embedding_dimensions=EMBEDDING_DIMENSIONS[name])
    spec = model_spec(name)
    profile = spec.profile
    lowered = name.lower()
    return EmulatedModel(
        name=name,
        family=spec.family,
        reasoning=bool(profile.get("reasoning_output")),
        inputs=frozenset(kind for kind, key in _PROFILE_KEYS.items() if profile.get(key)),
        tool_calling=bool(profile.get("tool_calling", True)),
        responses_only=spec.responses_only,
        chat_only=spec.family in _CHAT_ONLY_FAMILIES or any(part in lowered for part in _CHAT_ONLY_NAMES),
    )


class ModelFacts(TypedDict, total=False):
    """Facts to set when registering a model; any left out come from the profile table.

    Attributes:
        like: Copy the facts of this model (e.g. a catalogue name) instead of reading the new name in the table.
        family: The vendor family (``"deepseek"``, ``"kimi"``, ``"gemini"``, ``"claude"``...): reasoning shape and
            vendor contract.
        reasoning: Whether it reasons.
        inputs: The media it takes: any of ``"image"``, ``"video"``, ``"audio"``, ``"file"``.
        tool_calling: Whether it takes function tools.
        responses_only: Serve it only on ``/v1/responses``.
        embedding_dimensions: Make it an embeddings model with this vector length.
    """

    like: str
    family: str
    reasoning: bool
    inputs: Iterable[str]
    tool_calling: bool
    responses_only: bool
    embedding_dimensions: int


def describe_model(name: str, **facts: Unpack[ModelFacts]) -> EmulatedModel:
    """Build a model description for registration: from the table (or another model), then the given facts.

    Args:
        name: The new model name.
        **facts: See :class:`ModelFacts`.

    Returns:
        The description.

    Raises:
        ValueError: If ``inputs`` names an unknown media kind or ``embedding_dimensions`` is not positive.
    """
    base = replace(model_from_table(facts.get("like", name)), name=name)
    inputs = facts.get("inputs")
    kinds = frozenset(inputs) if inputs is not None else base.inputs
    if not kinds <= set(MEDIA_KINDS):
        msg = f"inputs must be a subset of {MEDIA_KINDS}, got {sorted(kinds)}"
        raise ValueError(msg)
    embedding_dimensions = facts.get("embedding_dimensions")
    if embedding_dimensions is not None and embedding_dimensions < 1:
        msg = f"embedding_dimensions must be positive, got {embedding_dimensions}"
        raise ValueError(msg)
    family = facts.get("family", base.family)
    return replace(
        base,
        family=family,
        reasoning=facts.get("reasoning", base.reasoning),
        inputs=kinds,
        tool_calling=facts.get("tool_calling", base.tool_calling),
        responses_only=facts.get("responses_only", base.responses_only),
        chat_only=base.chat_only if "family" not in facts else family in _CHAT_ONLY_FAMILIES,
        embedding_dimensions=embedding_dimensions if embedding_dimensions is not None else base.embedding_dimensions,
    )


class ModelRegistry:
    """Thread-safe name → model table: the catalogue plus the names a test registers."""

    def __init__(self, extra: Iterable[str | EmulatedModel] = ()) -> None:
        """Load the catalogue and the extra models.

        Args:
            extra: Names (described from the profile table) or full descriptions to serve as well.
        """
        self._lock = threading.Lock()
        self._models: dict[str, EmulatedModel] = {name: model_from_table(name) for name in CATALOGUE}
        for item in extra:
            self.add(item if isinstance(item, EmulatedModel) else describe_model(item))

    def add(self, model: EmulatedModel) -> None:
        """Serve a model (replacing any description of the same name).

        Args:
            model: The description.
        """
        with self._lock:
            self._models[model.name] = model

    def get(self, name: str) -> EmulatedModel | None:
        """Look a name up exactly, as the gateway does.

        Args:
            name: The requested model name.

        Returns:
            The description, or None for a name the gateway would not know.
        """
        with self._lock:
            return self._models.get(name)

    def names(self) -> tuple[str, ...]:
        """Every served name, catalogue first.

        Returns:
            The names.
        """
        with self._lock:
            return tuple(self._models)

    def snapshot(self) -> Mapping[str, EmulatedModel]:
        """A copy of the table.

        Returns:
            The names and descriptions.
        """
        with self._lock:
            return dict(self._models)
