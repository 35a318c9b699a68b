"""Embeddings wire helpers: input checks, batching, vector decoding and ordering by `index`.

Pure functions over lists and JSON dicts, no I/O, so `ToiotechEmbeddings` keeps only orchestration.
"""

from __future__ import annotations

import array
import base64
import binascii
import sys
from collections.abc import Sequence
from typing import Any, Final

from langchain_toiotech._http.events import stream_error_from_payload
from langchain_toiotech.errors import EmbeddingResponseError

_FLOAT32_BYTES: Final = 4


def check_texts(texts: object) -> list[str]:
    """Check what `embed_documents` was given, before any request is sent.

    Args:
        texts: The caller's argument; a list (or tuple) of non-empty strings is expected.

    Returns:
        The texts as a list.

    Raises:
        TypeError: `texts` is a single string or not a list, or an item is not a string.
        ValueError: An item is the empty string, which OpenAI-compatible gateways reject with 400.
    """
    if isinstance(texts, str):
        msg = "embed_documents takes a list of texts, got a single str: wrap it in a list or call embed_query."
        raise TypeError(msg)
    if not isinstance(texts, (list, tuple)):
        msg = f"embed_documents takes a list of str, got {type(texts).__name__}."
        raise TypeError(msg)
    for index, text in enumerate(texts):
        check_text(text, where=f"texts[{index}]")
    return list(texts)


def check_text(text: object, *, where: str = "text") -> str:
    """Check one text (the argument of `embed_query`, or one item of a batch).

    Args:
        text: The value to check.
        where: How to name the value in the error message, such as `texts[3]`.

    Returns:
        The text.

    Raises:
        TypeError: The value is not a string.
        ValueError: The value is the empty string.
    """
    if not isinstance(text, str):
        msg = f"{where} must be a str, got {type(text).__name__}."
        raise TypeError(msg)
    if not text:
        msg = f"{where} is an empty string; the gateway rejects empty inputs (HTTP 400). Drop or replace it."
        raise ValueError(msg)
    return text


def batched(texts: Sequence[str], size: int) -> list[list[str]]:
    """Split texts into consecutive batches of at most `size` items (input order kept)."""
    return [list(texts[start : start + size]) for start in range(0, len(texts), size)]


def decode_vector(value: object) -> list[float]:
    """Turn one `embedding` value into floats.

    A string is base64 of little-endian float32 (`encoding_format: "base64"`); a list is plain numbers.
    Both are accepted whatever was asked for, because some upstream vendors only ever send floats and
    the gateway passes their reply through.

    Raises:
        EmbeddingResponseError: The value is neither valid base64 float32 nor a list of numbers.
    """
    if isinstance(value, str):
        return _decode_base64(value)
    if isinstance(value, list):
        try:
            return [float(number) for number in value]
        except (TypeError, ValueError) as error:
            msg = "An embedding in the gateway's reply holds something other than numbers."
            raise EmbeddingResponseError(msg) from error
    msg = f"An embedding in the gateway's reply is a {type(value).__name__}, not a list or a base64 string."
    raise EmbeddingResponseError(msg)


def _decode_base64(value: str) -> list[float]:
    # array('f') copies the bytes in one C call; about 9x faster than json-parsing the same floats.
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as error:
        msg = "An embedding in the gateway's reply is not valid base64."
        raise EmbeddingResponseError(msg) from error
    if len(raw) % _FLOAT32_BYTES:
        msg = f"A base64 embedding decodes to {len(raw)} bytes, not a whole number of float32 values."
        raise EmbeddingResponseError(msg)
    vector = array.array("f")
    vector.frombytes(raw)
    if sys.byteorder == "big":
        vector.byteswap()
    return vector.tolist()


def vectors_in_order(body: dict[str, Any], count: int) -> list[list[float]]:
    """Read the vectors of one reply and put them in input order by each item's `index`.

    Args:
        body: The decoded `/embeddings` reply.
        count: How many inputs the request carried.

    Returns:
        One vector per input, in input order.

    Raises:
        StreamError: The reply is an in-band `{"error": ...}` object (as the chat model raises).
        EmbeddingResponseError: `data` is missing, or its indexes do not cover `0..count-1` exactly once.
    """
    data = body.get("data")
    if not isinstance(data, list):
        if body.get("error") is not None:
            raise stream_error_from_payload(body, prefix="The gateway answered with an error")
        msg = "The gateway's embeddings reply has no `data` list."
        raise EmbeddingResponseError(msg, body=body)
    if len(data) != count:
        msg = f"The gateway returned {len(data)} embeddings for {count} inputs."
        raise EmbeddingResponseError(msg, body=body)
    items = [item if isinstance(item, dict) else {} for item in data]
    if all("index" not in item for item in items):
        # OpenAI always sends `index`; a relay that drops it leaves position as the only order there is.
        return [decode_vector(item.get("embedding")) for item in items]
    vectors: list[list[float] | None] = [None] * count
    for item in items:
        index = item.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
            msg = f"An embedding in the gateway's reply has index {index!r}, outside 0..{count - 1}."
            raise EmbeddingResponseError(msg, body=body)
        if vectors[index] is not None:
            msg = f"The gateway's reply holds two embeddings with index {index}."
            raise EmbeddingResponseError(msg, body=body)
        vectors[index] = decode_vector(item.get("embedding"))
    # `count` items, none out of range, none twice: every slot is filled; the filter only narrows the type.
    return [vector for vector in vectors if vector is not None]
