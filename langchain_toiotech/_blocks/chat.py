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
route; `_route` sends them there, and the chat route rejects them with one message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, NoReturn

from langchain_toiotech._blocks.core import (
    ContentBlockError,
    Part,
    block_option,
    block_source,
    inline_data,
    is_remote,
    render_block,
    responses_only,
)
from langchain_toiotech._blocks.media import (
    MAX_VIDEO_FPS,
    MIN_VIDEO_FPS,
    BlockProblem,
    MediaKind,
    audio_format,
    check_fps,
    check_media_url,
    default_filename,
)
from langchain_toiotech._blocks.native import frame_list, native_audio, native_file, native_image_url, native_video_url

RESPONSES_ROUTE_HINT: Final = (
    "cannot travel on the chat-completions route; it needs the Responses API (use_responses_api=True)"
)


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
    return render_block(block, index, lambda part: _dispatch(part, video_fps), "text")


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


def _reject_on_chat_route(block: dict[str, Any]) -> None:
    if responses_only(block):
        what = "a file_id" if block.get("type") in {"image", "video"} else "a Responses-API part"
        msg = f"{what} {RESPONSES_ROUTE_HINT}"
        raise BlockProblem(msg)


def _unknown_type(block: dict[str, Any]) -> NoReturn:
    kind = block.get("type")
    msg = "the block has no 'type'" if kind is None else f"unknown content block type {kind!r}"
    raise BlockProblem(msg)


def _text(block: dict[str, Any]) -> Part:
    text = block.get("text")
    if not isinstance(text, str):
        msg = "a text block needs a string 'text'"
        raise BlockProblem(msg)
    return {"type": "text", "text": text}


def _media_url(block: dict[str, Any], kind: MediaKind) -> str:
    """The `url` of an image or video part: the block's http(s) URL, or its bytes as a data: URL."""
    _reject_on_chat_route(block)
    source = block_source(block)
    if is_remote(source):
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
    if source.kind == "file_id" or is_remote(source):
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
    if is_remote(source):
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
]
