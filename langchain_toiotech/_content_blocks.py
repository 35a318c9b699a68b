"""Content blocks of a user message (LangChain v1, legacy v0, OpenAI/Ark native) → chat-completions parts.

| block | wire part |
|---|---|
| `text`, Responses `input_text` | `{"type": "text", "text"}` |
| `image` (url / base64 / data: URL) | `{"type": "image_url", "image_url": {"url", "detail"?}}` |
| `video` (url / base64 / data: URL) | `{"type": "video_url", "video_url": {"url", "fps"?}}` |
| `video` with a `video` frame list (Qwen) | unchanged |
| `audio` (base64 / data: URL) | `{"type": "input_audio", "input_audio": {"data", "format"}}` |
| `file` (base64 / data: URL) | `{"type": "file", "file": {"filename", "file_data"}}` |
| `file` (file_id) | `{"type": "file", "file": {"file_id"}}` |
| native `image_url`, `video_url`, `input_audio`, `file` | unchanged once checked |

`image` and `video` blocks holding a `file_id` (and Responses `input_*` parts) only travel on the Responses
route; `needs_responses_route` tells the chat model so, and the chat route rejects them with one message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, NoReturn

from langchain_toiotech._media import (
    MAX_VIDEO_FPS,
    MIN_VIDEO_FPS,
    BlockProblem,
    MediaKind,
    audio_format,
    check_base64,
    check_fit,
    check_fps,
    check_media_url,
    check_mime_type,
    default_filename,
    guess_from_filename,
    parse_data_url,
    sniff_mime_type,
)
from langchain_toiotech._native_parts import frame_list, native_audio, native_file, native_image_url, native_video_url

Part = dict[str, Any]
SourceKind = Literal["url", "base64", "file_id"]

RESPONSES_ROUTE_HINT: Final = (
    "cannot travel on the chat-completions route; it needs the Responses API (use_responses_api=True)"
)
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


def format_content(content: str | Sequence[Any], *, video_fps: float | None = None) -> str | list[Part]:
    """Format a message's content for the wire; a string stays a string.

    Args:
        content: The message content: a string, or a list of strings and content blocks.
        video_fps: The model's default frame rate for video blocks that do not set one.

    Raises:
        ContentBlockError: a block has no source, two sources, an unknown type, or bad values.
    """
    if isinstance(content, str):
        return content
    return [format_block(block, index, video_fps=video_fps) for index, block in enumerate(content)]


def format_block(block: Any, index: int, *, video_fps: float | None = None) -> Part:
    """Format one block of a user message.

    Raises:
        ContentBlockError: the block is malformed; the message names `index` and the problem.
    """
    if isinstance(block, str):
        return {"type": "text", "text": block}
    if not isinstance(block, dict):
        msg = f"Content block {index}: expected a dict or a string, got {type(block).__name__}"
        raise ContentBlockError(msg)
    try:
        return _dispatch(block, video_fps)
    except BlockProblem as problem:
        msg = f"Content block {index} ({block.get('type')!r}): {problem}"
        raise ContentBlockError(msg) from None


def _dispatch(block: dict[str, Any], video_fps: float | None) -> Part:
    if block.get("type") == "non_standard":
        block = _unwrap_non_standard(block)
    kind = block.get("type")
    if not isinstance(kind, str):
        _unknown_type(block)
    if kind in _VIDEO_FORMATTERS:
        return _VIDEO_FORMATTERS[kind](block, video_fps)
    formatter = _FORMATTERS.get(kind)
    if formatter is None:
        _unknown_type(block)
    return formatter(block)


def needs_responses_route(content: str | Sequence[Any]) -> bool:
    """Whether some block of `content` can only be sent through the Responses API.

    True for `image` / `video` blocks that reference an uploaded file (`file_id`, or v0 `source_type: "id"`)
    and for Responses-API parts (`input_image`, `input_video`, `input_file`).
    """
    if isinstance(content, str):
        return False
    return any(isinstance(block, dict) and _responses_only(block) for block in content)


def _responses_only(block: dict[str, Any]) -> bool:
    kind = block.get("type")
    if kind in _RESPONSES_PARTS:
        return True
    return kind in {"image", "video"} and bool(block.get("file_id") or block.get("source_type") == "id")


def _reject_on_chat_route(block: dict[str, Any]) -> None:
    if _responses_only(block):
        what = "a file_id" if block.get("type") in {"image", "video"} else "a Responses-API part"
        msg = f"{what} {RESPONSES_ROUTE_HINT}"
        raise BlockProblem(msg)


def _unknown_type(block: dict[str, Any]) -> NoReturn:
    kind = block.get("type")
    msg = "the block has no 'type'" if kind is None else f"unknown content block type {kind!r}"
    raise BlockProblem(msg)


def block_option(block: dict[str, Any], key: str) -> Any:
    """A setting from the block itself or from its `extras` (v1 keeps provider settings there)."""
    if block.get(key) is not None:
        return block[key]
    extras = block.get("extras")
    return extras.get(key) if isinstance(extras, dict) else None


def _text(block: dict[str, Any]) -> Part:
    text = block.get("text")
    if not isinstance(text, str):
        msg = "a text block needs a string 'text'"
        raise BlockProblem(msg)
    return {"type": "text", "text": text}


def block_source(block: dict[str, Any]) -> BlockSource:
    """The single source of a v1 or v0 data block."""
    if "source_type" in block:  # v0: {"source_type": "url" | "base64" | "id", "url" | "data" | "id": ...}
        source_type = block["source_type"]
        if source_type not in _V0_SOURCE_KEYS:
            msg = f"unknown source_type {source_type!r} (expected 'url', 'base64' or 'id')"
            raise BlockProblem(msg)
        key = _V0_SOURCE_KEYS[source_type]
        present = [key] if block.get(key) is not None else []
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


def _media_url(block: dict[str, Any], kind: MediaKind) -> str:
    """The `url` of an image or video part: the block's http(s) URL, or its bytes as a data: URL."""
    _reject_on_chat_route(block)
    source = block_source(block)
    if source.kind == "url" and not source.value.startswith("data:"):
        return check_media_url(source.value, kind)
    mime_type, data = inline_data(source, kind)
    return f"data:{mime_type};base64,{data}"


def _image(block: dict[str, Any]) -> Part:
    image_url: Part = {"url": _media_url(block, "image")}
    for key in ("detail", "image_pixel_limit"):  # OpenAI's detail, Ark's pixel limit
        if (value := block_option(block, key)) is not None:
            image_url[key] = value
    return {"type": "image_url", "image_url": image_url}


def _video(block: dict[str, Any], video_fps: float | None) -> Part:
    if "video" in block and "source_type" not in block:
        return frame_list(block)
    video_url: Part = {"url": _media_url(block, "video")}
    fps = block_option(block, "fps")
    if fps is None:
        fps = video_fps
    if fps is not None:
        video_url["fps"] = check_fps(fps)
    return {"type": "video_url", "video_url": video_url}


def _audio(block: dict[str, Any]) -> Part:
    source = block_source(block)
    if source.kind == "file_id" or (source.kind == "url" and not source.value.startswith("data:")):
        msg = "audio travels as inline data on the chat-completions route; send 'base64' with a 'mime_type'"
        raise BlockProblem(msg)
    mime_type, data = inline_data(source, "audio")
    return {"type": "input_audio", "input_audio": {"data": data, "format": audio_format(mime_type)}}


def _file(block: dict[str, Any]) -> Part:
    if "file" in block and "source_type" not in block:
        return native_file(block)
    source = block_source(block)
    if source.kind == "file_id":
        return {"type": "file", "file": {"file_id": source.value}}
    if source.kind == "url" and not source.value.startswith("data:"):
        msg = (
            "the chat-completions route cannot fetch a file by URL; "
            "send its bytes as 'base64' with a 'mime_type', or a 'file_id' from the Files API"
        )
        raise BlockProblem(msg)
    filename = block_option(block, "filename") or block.get("title")  # text-plain blocks name themselves by title
    mime_type, data = inline_data(source, "file", filename)
    return {
        "type": "file",
        "file": {"filename": filename or default_filename(mime_type), "file_data": f"data:{mime_type};base64,{data}"},
    }


def _plain_text(block: dict[str, Any]) -> Part:
    """v1 `text-plain` (also what core makes of a v0 `source_type: "text"` file): text, or a file."""
    if isinstance(block.get("text"), str):
        return {"type": "text", "text": block["text"]}
    return _file(block)


def _unwrap_non_standard(block: dict[str, Any]) -> dict[str, Any]:
    """A v1 `non_standard` block wraps a provider part (core's view of e.g. a `video_url` part)."""
    value = block.get("value")
    if not isinstance(value, dict) or value.get("type") in {None, "non_standard"}:
        msg = "a 'non_standard' block needs a provider part with a 'type' in 'value'"
        raise BlockProblem(msg)
    return value


def _responses_part(block: dict[str, Any]) -> Part:
    _reject_on_chat_route(block)
    return _text(block)  # input_text


_FORMATTERS: Final[dict[str, Callable[[dict[str, Any]], Part]]] = {
    "text": _text,
    "input_text": _responses_part,
    "input_image": _responses_part,
    "input_video": _responses_part,
    "input_file": _responses_part,
    "image": _image,
    "audio": _audio,
    "file": _file,
    "text-plain": _plain_text,
    "image_url": native_image_url,
    "input_audio": native_audio,
}
_VIDEO_FORMATTERS: Final[dict[str, Callable[[dict[str, Any], float | None], Part]]] = {
    "video": _video,
    "video_url": native_video_url,
}

__all__ = [
    "MAX_VIDEO_FPS",
    "MIN_VIDEO_FPS",
    "RESPONSES_ROUTE_HINT",
    "ContentBlockError",
    "check_fps",
    "format_block",
    "format_content",
    "needs_responses_route",
]
