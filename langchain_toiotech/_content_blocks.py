"""Content blocks of a user message (LangChain v1, legacy v0, OpenAI/Ark native) → chat-completions parts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

Part = dict[str, Any]

MIN_VIDEO_FPS: Final = 0.2
MAX_VIDEO_FPS: Final = 5.0
_NATIVE_PART_KEYS: Final = {
    "image_url": "image_url",
    "video_url": "video_url",
    "input_audio": "input_audio",
}


class ContentBlockError(ValueError):
    """A content block is malformed; the message names the block's index and the problem."""


def _fail(index: int, problem: str) -> ContentBlockError:
    return ContentBlockError(f"Content block {index}: {problem}")


def format_content(content: str | Sequence[Any]) -> str | list[Part]:
    """Format a message's content for the wire; a string stays a string.

    Raises:
        ContentBlockError: a block has no source, two sources, an unknown type, or bad values.
    """
    if isinstance(content, str):
        return content
    return [format_block(block, index) for index, block in enumerate(content)]


def format_block(block: Any, index: int) -> Part:
    """Format one block of a user message."""
    if isinstance(block, str):
        return {"type": "text", "text": block}
    if not isinstance(block, dict):
        raise _fail(index, f"expected a dict or a string, got {type(block).__name__}")
    kind = block.get("type")
    formatter = _FORMATTERS.get(kind) if isinstance(kind, str) else None
    if formatter is None:
        raise _fail(index, f"unknown content block type {kind!r}")
    return formatter(block, index)


def _text(block: dict[str, Any], index: int) -> Part:
    text = block.get("text")
    if not isinstance(text, str):
        raise _fail(index, "a text block needs a string 'text'")
    return {"type": "text", "text": text}


def _native(block: dict[str, Any], index: int) -> Part:
    kind = block["type"]
    key = _NATIVE_PART_KEYS.get(kind, kind)
    if key not in block:
        raise _fail(index, f"a {kind!r} part needs a {key!r} field")
    if kind == "video_url" and isinstance(block[key], dict) and "fps" in block[key]:
        _check_fps(block[key]["fps"], index)
    return dict(block)


def _source(block: dict[str, Any], index: int) -> tuple[str, str]:
    """Which single source a v1/v0 data block has: ("url"|"base64"|"file_id", value)."""
    sources = [key for key in ("url", "base64", "file_id") if block.get(key)]
    if not sources:
        raise _fail(
            index,
            f"a {block['type']!r} block needs one of 'url', 'base64' or 'file_id'",
        )
    if len(sources) > 1:
        raise _fail(
            index,
            f"a {block['type']!r} block has two sources ({', '.join(sources)}); keep one",
        )
    return sources[0], str(block[sources[0]])


def _data_url(block: dict[str, Any], index: int, data: str) -> str:
    mime_type = block.get("mime_type")
    if not mime_type:
        raise _fail(index, f"a base64 {block['type']!r} block needs a 'mime_type'")
    return f"data:{mime_type};base64,{data}"


def _file_id_unsupported(block: dict[str, Any], index: int) -> ContentBlockError:
    return _fail(
        index,
        f"a {block['type']!r} block with a 'file_id' cannot travel on the chat-completions route; "
        "reference uploaded images and videos through the Responses API (use_responses_api=True)",
    )


def _image(block: dict[str, Any], index: int) -> Part:
    kind, value = _source(block, index)
    if kind == "file_id":
        raise _file_id_unsupported(block, index)
    url = value if kind == "url" else _data_url(block, index, value)
    image_url: dict[str, Any] = {"url": url}
    detail = block.get("detail") or block.get("extras", {}).get("detail")
    if detail:
        image_url["detail"] = detail
    return {"type": "image_url", "image_url": image_url}


def _check_fps(fps: Any, index: int) -> float:
    if isinstance(fps, bool) or not isinstance(fps, (int, float)):
        raise _fail(index, f"video fps must be a number, got {fps!r}")
    if not MIN_VIDEO_FPS <= fps <= MAX_VIDEO_FPS:
        raise _fail(
            index,
            f"video fps {fps} is outside the supported range {MIN_VIDEO_FPS}-{MAX_VIDEO_FPS}",
        )
    return float(fps)


def _video(block: dict[str, Any], index: int) -> Part:
    if isinstance(block.get("video"), list):
        return dict(block)  # Qwen's frame-list video passes through unchanged
    kind, value = _source(block, index)
    if kind == "file_id":
        raise _file_id_unsupported(block, index)
    video_url: dict[str, Any] = {"url": value if kind == "url" else _data_url(block, index, value)}
    fps = block.get("fps", block.get("extras", {}).get("fps"))
    if fps is not None:
        video_url["fps"] = _check_fps(fps, index)
    return {"type": "video_url", "video_url": video_url}


def _audio(block: dict[str, Any], index: int) -> Part:
    kind, value = _source(block, index)
    if kind != "base64":
        raise _fail(
            index,
            "an 'audio' block must carry 'base64' data on the chat-completions route",
        )
    mime_type = str(block.get("mime_type") or "")
    audio_format = mime_type.rpartition("/")[2].removeprefix("x-").replace("mpeg", "mp3")
    if not audio_format:
        raise _fail(index, "a base64 'audio' block needs a 'mime_type' such as 'audio/wav'")
    return {
        "type": "input_audio",
        "input_audio": {"data": value, "format": audio_format},
    }


def _file(block: dict[str, Any], index: int) -> Part:
    if isinstance(block.get("file"), dict):
        return dict(block)  # OpenAI-native file part: {"type": "file", "file": {...}}
    kind, value = _source(block, index)
    if kind == "file_id":
        return {"type": "file", "file": {"file_id": value}}
    if kind == "url":
        raise _fail(
            index,
            "a 'file' block cannot be sent by URL on the chat-completions route; use base64",
        )
    extras = block.get("extras") or {}
    filename = block.get("filename") or extras.get("filename") or "document"
    return {
        "type": "file",
        "file": {"filename": filename, "file_data": _data_url(block, index, value)},
    }


_FORMATTERS: Final[dict[str, Callable[[dict[str, Any], int], Part]]] = {
    "text": _text,
    "image_url": _native,
    "video_url": _native,
    "input_audio": _native,
    "image": _image,
    "video": _video,
    "audio": _audio,
    "file": _file,
}
