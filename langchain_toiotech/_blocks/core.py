"""The content-block core both routes render from: the walk over a message's blocks, sources, inline data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from langchain_toiotech._blocks.media import (
    BlockProblem,
    MediaKind,
    check_base64,
    check_fit,
    check_mime_type,
    guess_from_filename,
    parse_data_url,
    sniff_mime_type,
)

Part = dict[str, Any]
SourceKind = Literal["url", "base64", "file_id"]

_RESPONSES_PARTS: Final = frozenset({"input_image", "input_video", "input_file"})
_V0_SOURCE_KEYS: Final = {"url": "url", "base64": "data", "id": "id"}
_V0_SOURCE_KINDS: Final[dict[str, SourceKind]] = {"url": "url", "base64": "base64", "id": "file_id"}
_V1_SOURCE_KINDS: Final[dict[str, SourceKind]] = {"url": "url", "base64": "base64", "file_id": "file_id"}


class ContentBlockError(ValueError):
    """A content block is malformed; the message names the block's index and the problem."""


@dataclass(frozen=True)
class BlockSource:
    """Where a data block's bytes are: a URL, inline base64 (with its MIME type) or a file id."""

    kind: SourceKind
    value: str
    mime_type: str | None = None


def render_block(block: Any, index: int, render: Callable[[dict[str, Any]], Part], text_type: str) -> Part:
    """Render one block with a route's renderer; a string is a text part of the route's `text_type`.

    Raises:
        ContentBlockError: the block is not a dict or a string, or `render` found it malformed; the message
            names `index` and the problem.
    """
    if isinstance(block, str):
        return {"type": text_type, "text": block}
    if not isinstance(block, dict):
        msg = f"Content block {index}: expected a dict or a string, got {type(block).__name__}"
        raise ContentBlockError(msg)
    try:
        return render(block)
    except BlockProblem as problem:
        msg = f"Content block {index} ({block.get('type')!r}): {problem}"
        raise ContentBlockError(msg) from None


def responses_only(block: Any) -> bool:
    """Whether a block travels only on the Responses route: an uploaded image or video, or a Responses part."""
    if not isinstance(block, dict):
        return False
    kind = block.get("type")
    if kind in _RESPONSES_PARTS:
        return True
    return kind in {"image", "video"} and by_file_id(block)


def by_file_id(block: dict[str, Any]) -> bool:
    """Whether a data block refers to an uploaded file (v1 `file_id`, v0 `source_type: "id"`)."""
    return bool(block.get("file_id") or block.get("source_type") == "id")


def block_option(block: dict[str, Any], key: str) -> Any:
    """A setting from the block itself or from its `extras` (v1 keeps provider settings there)."""
    if block.get(key) is not None:
        return block[key]
    extras = block.get("extras")
    return extras.get(key) if isinstance(extras, dict) else None


def block_source(block: dict[str, Any]) -> BlockSource:
    """The single source of a v1 or v0 data block."""
    if "source_type" in block:  # v0: {"source_type": "url" | "base64" | "id", "url" | "data" | "id": ...}
        source_type = block["source_type"]
        if source_type not in _V0_SOURCE_KEYS:
            msg = f"unknown source_type {source_type!r} (expected 'url', 'base64' or 'id')"
            raise BlockProblem(msg)
        key = _V0_SOURCE_KEYS[source_type]
        kind = _V0_SOURCE_KINDS[source_type]
    else:
        present = [key for key in ("url", "base64", "file_id") if block.get(key) is not None]
        if not present:
            msg = "the block needs one of 'url', 'base64' or 'file_id'"
            raise BlockProblem(msg)
        if len(present) > 1:
            msg = f"the block has two sources ({', '.join(present)}); keep one"
            raise BlockProblem(msg)
        key = present[0]
        kind = _V1_SOURCE_KINDS[key]
    value = block.get(key)
    if not isinstance(value, str) or not value:
        msg = f"'{key}' must be a non-empty string"
        raise BlockProblem(msg)
    mime_type = block.get("mime_type")
    if mime_type is not None and not isinstance(mime_type, str):
        msg = "'mime_type' must be a string"
        raise BlockProblem(msg)
    return BlockSource(kind, value, mime_type or None)


def is_remote(source: BlockSource) -> bool:
    """Whether a source is a URL the gateway fetches (http(s)), not inline data or a file id."""
    return source.kind == "url" and not source.value.startswith("data:")


def inline_data(source: BlockSource, kind: MediaKind, filename: str | None = None) -> tuple[str, str]:
    """The MIME type and base64 data of an inline source (a base64 value or a data: URL)."""
    if source.kind == "url":
        mime_type, data = parse_data_url(source.value)
    else:
        data = source.value
        check_base64(data)
        mime_type = _mime_type_of(source, data, kind, filename)
    check_fit(mime_type, kind)
    return mime_type, data


def _mime_type_of(source: BlockSource, data: str, kind: MediaKind, filename: str | None) -> str:
    sniffed = sniff_mime_type(data, kind)
    if source.mime_type:
        declared = check_mime_type(source.mime_type)
        # langchain-core turns every OpenAI `file` part into a block labelled application/pdf
        # (`_convert_openai_format_to_data_block`); the bytes or the file name tell the real type.
        if kind == "file" and declared == "application/pdf" and sniffed != declared:
            return sniffed or guess_from_filename(filename) or declared
        return declared
    mime_type = sniffed or (guess_from_filename(filename) if kind == "file" else None)
    if mime_type is None:
        msg = f"base64 data without a 'mime_type', and its first bytes match no known {kind} format; set 'mime_type'"
        raise BlockProblem(msg)
    return mime_type
