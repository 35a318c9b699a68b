"""Default replies of ``POST /v1/embeddings`` and ``GET /v1/models``.

Vectors are deterministic: SHA-256 blocks of the input text mapped to [-1, 1], unit-normalised, as long as the
model's own vectors (1536 for text-embedding-3-small and ada-002, 3072 for text-embedding-3-large) unless the
request sets ``dimensions``, which only the text-embedding-3 models take (OpenAI's 400 "This model does not support
specifying dimensions." otherwise). ``encoding_format: "base64"`` gives base64 of little-endian float32.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any, Final

from langchain_toiotech.testing._wire import Reply, error_reply, json_reply

DEFAULT_DIMENSIONS: Final = 1536
"""Vector length for a model the emulator does not know (permissive mode): text-embedding-3-small's."""
_MAX_DIMENSIONS: Final = 65536
_FIXED_LENGTH: Final = ("text-embedding-ada-002", "text-embedding-v1")


def embedding_vector(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """The deterministic unit vector of a text.

    Args:
        text: The input text.
        dimensions: Vector length.

    Returns:
        The vector (Euclidean norm 1).
    """
    raw = bytearray()
    block = 0
    while len(raw) < 4 * dimensions:
        raw += hashlib.sha256(f"{block}\x00{text}".encode()).digest()
        block += 1
    values = [(word / 0xFFFFFFFF) * 2 - 1 for word in struct.unpack(f"<{dimensions}I", bytes(raw[: 4 * dimensions]))]
    norm = math.sqrt(sum(value * value for value in values)) or 1.0
    return [value / norm for value in values]


def _inputs(value: Any) -> list[str] | None:
    """Normalise ``input`` to texts; token arrays are hashed through their JSON form."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, int) for item in value):
        return [json.dumps(value)]
    if isinstance(value, list) and value:
        texts = [item if isinstance(item, str) else json.dumps(item) for item in value]
        return texts if all(isinstance(item, (str, list)) for item in value) else None
    return None


def embeddings_reply(body: Mapping[str, Any], model_dimensions: int | None = None) -> Reply:
    """Answer an embeddings request.

    Args:
        body: The parsed request body.
        model_dimensions: The model's vector length (None: a model the emulator does not know).

    Returns:
        The reply; 400 for a missing or empty input, or bad ``dimensions``.
    """
    texts = _inputs(body.get("input"))
    if texts is None:
        return error_reply(400, "'input' is a required property and must be a string or an array", param="input")
    if any(text == "" for text in texts):
        return error_reply(400, "'$.input' is invalid. Please check the API reference.", param="input")
    if "dimensions" in body and body.get("model") in _FIXED_LENGTH:
        return error_reply(400, "This model does not support specifying dimensions.", param="dimensions")
    largest = model_dimensions or _MAX_DIMENSIONS
    dimensions = body.get("dimensions", model_dimensions or DEFAULT_DIMENSIONS)
    if not isinstance(dimensions, int) or isinstance(dimensions, bool) or not 0 < dimensions <= largest:
        return error_reply(400, f"Invalid value for 'dimensions': {dimensions!r}", param="dimensions")
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = embedding_vector(text, dimensions)
        encoded: Any = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode() if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(max(1, len(text.split())) for text in texts)
    return json_reply(
        {
            "object": "list",
            "data": data,
            "model": body.get("model", ""),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


def models_reply(names: Sequence[str]) -> Reply:
    """Answer ``GET /v1/models``.

    Args:
        names: The served model names.

    Returns:
        An OpenAI model list.
    """
    data = [{"id": model, "object": "model", "created": 1767225600, "owned_by": "toiotech"} for model in names]
    return json_reply({"object": "list", "data": data})
