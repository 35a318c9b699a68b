"""User content blocks (LangChain v1, legacy v0, chat-native, Responses-native) → Responses `input` parts.

Text becomes `input_text`; `image` / `image_url` become `input_image` (`image_url` or `file_id`, `detail`);
`video` / `video_url` become Ark's `input_video` (`video_url` or `file_id`, `fps`); `file` becomes
`input_file` (`file_id`, `file_url`, or `file_data` with `filename`); `input_*` parts pass once checked.
Sources are read and checked by the block core (`_blocks.core`) the chat route renders from too, so a block
is accepted or refused the same way on both routes and only the wire shape differs. Audio has no Responses
part: it fails with the block's index instead of being dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from langchain_toiotech._blocks.core import Part, block_option, block_source, inline_data, is_remote, render_block
from langchain_toiotech._blocks.media import BlockProblem, MediaKind, check_fps, check_media_url, default_filename
from langchain_toiotech._blocks.native import native_url


def format_input_content(content: str | Sequence[Any], *, video_fps: float | None = None) -> list[Part]:
    """Format a user message's content as Responses input parts.

    Args:
        content: The message content: a string, or a list of strings and content blocks.
        video_fps: The model's default frame rate for videos that do not set one (as on the chat route).

    Raises:
        ContentBlockError: a block is malformed or has no Responses form; the message names its index.
    """
    if isinstance(content, str):
        return [{"type": "input_text", "text": content}]
    parts = [format_input_part(block, index) for index, block in enumerate(content)]
    if video_fps is not None:
        for part in parts:
            if part["type"] == "input_video" and part.get("fps") is None:
                part["fps"] = check_fps(video_fps)
    return parts


def format_input_part(block: Any, index: int) -> Part:
    """Format one content block as a Responses input part.

    Raises:
        ContentBlockError: the block is malformed; the message names `index` and the problem.
    """
    return render_block(block, index, _format, "input_text")


def _format(block: dict[str, Any]) -> Part:
    kind = block.get("type")
    formatter = _FORMATTERS.get(kind) if isinstance(kind, str) else None
    if formatter is None:
        what = "the block has no 'type'" if kind is None else f"{kind!r} blocks have no Responses API form"
        raise BlockProblem(what)
    return formatter(block)


def _text(block: dict[str, Any]) -> Part:
    if not isinstance(block.get("text"), str):
        msg = "a text block needs a string 'text'"
        raise BlockProblem(msg)
    return {"type": "input_text", "text": block["text"]}


def _native(block: dict[str, Any]) -> Part:
    if block["type"] == "input_video" and block.get("fps") is not None:
        check_fps(block["fps"])
    return dict(block)


def _media(block: dict[str, Any], kind: MediaKind, url_key: str) -> Part:
    """`{url_key: http(s) or data: URL}` or `{"file_id": id}` for a v1/v0 data block."""
    source = block_source(block)
    if source.kind == "file_id":
        return {"file_id": source.value}
    if is_remote(source):
        return {url_key: check_media_url(source.value, kind)}
    mime_type, data = inline_data(source, kind)
    return {url_key: f"data:{mime_type};base64,{data}"}


def _image(block: dict[str, Any]) -> Part:
    part: Part = {"type": "input_image", **_media(block, "image", "image_url")}
    if (detail := block_option(block, "detail")) is not None:
        part["detail"] = detail
    return part


def _native_image_url(block: dict[str, Any]) -> Part:
    url, value = native_url(block, "image_url", "image")
    part: Part = {"type": "input_image", "image_url": url}
    if value.get("detail") is not None:
        part["detail"] = value["detail"]
    return part


def _video(block: dict[str, Any]) -> Part:
    if "video" in block and "source_type" not in block:
        msg = "a frame-list video (Qwen) has no Responses API form; send it on the chat route"
        raise BlockProblem(msg)
    part: Part = {"type": "input_video", **_media(block, "video", "video_url")}
    if (fps := block_option(block, "fps")) is not None:
        part["fps"] = check_fps(fps)
    return part


def _native_video_url(block: dict[str, Any]) -> Part:
    url, value = native_url(block, "video_url", "video")
    part: Part = {"type": "input_video", "video_url": url}
    if value.get("fps") is not None:
        part["fps"] = check_fps(value["fps"])
    return part


def _file(block: dict[str, Any]) -> Part:
    if "file" in block and "source_type" not in block:
        return _native_file(block)
    source = block_source(block)
    if source.kind == "file_id":
        return {"type": "input_file", "file_id": source.value}
    if is_remote(source):
        return {"type": "input_file", "file_url": check_media_url(source.value, "file")}
    filename = block_option(block, "filename")
    mime_type, data = inline_data(source, "file", filename)
    return {
        "type": "input_file",
        "filename": filename or default_filename(mime_type),
        "file_data": f"data:{mime_type};base64,{data}",
    }


def _native_file(block: dict[str, Any]) -> Part:
    """Chat's `{"type": "file", "file": {"file_id"} | {"filename", "file_data"}}`, flattened."""
    value = block["file"]
    if not isinstance(value, dict) or not (value.get("file_id") or value.get("file_data")):
        msg = "a native 'file' part needs 'file.file_id' or 'file.file_data'"
        raise BlockProblem(msg)
    return {"type": "input_file", **value}


def _plain_text(block: dict[str, Any]) -> Part:
    return _text(block) if isinstance(block.get("text"), str) else _file(block)


def _non_standard(block: dict[str, Any]) -> Part:
    value = block.get("value")
    if not isinstance(value, dict) or value.get("type") == "non_standard":
        msg = "a 'non_standard' block needs a provider part with a 'type' in 'value'"
        raise BlockProblem(msg)
    return _format(value)


_FORMATTERS: Final[dict[str, Callable[[dict[str, Any]], Part]]] = {
    "text": _text,
    "text-plain": _plain_text,
    "input_text": _text,
    "input_image": _native,
    "input_video": _native,
    "input_file": _native,
    "image": _image,
    "image_url": _native_image_url,
    "video": _video,
    "video_url": _native_video_url,
    "file": _file,
    "non_standard": _non_standard,
}
