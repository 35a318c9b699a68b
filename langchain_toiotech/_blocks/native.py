"""Wire-native user parts (OpenAI / Ark `image_url`, `video_url`, `input_audio`, `file`; Qwen frame lists).

They are already in the chat-completions shape, so they go out unchanged once checked; the one addition is the
model's default `fps` on a `video_url` that sets none.
"""

from __future__ import annotations

from typing import Any, Final

from langchain_toiotech._blocks.media import (
    BlockProblem,
    MediaKind,
    check_base64,
    check_fps,
    check_media_url,
    parse_data_url,
)

Part = dict[str, Any]


_MISSING_URL: Final = {
    "image_url": "an 'image_url' part needs 'image_url.url' (or 'image_url' as a URL string)",
    "video_url": "a 'video_url' part needs 'video_url.url'",
}


def native_url(block: dict[str, Any], key: str, kind: MediaKind) -> tuple[str, Part]:
    """The checked URL of a native `image_url` / `video_url` part, and its settings (empty for a bare string).

    Both routes read native parts through here: the chat route sends them as they are, the Responses route
    flattens them into `input_image` / `input_video`.

    Raises:
        BlockProblem: the part has no URL, or the URL is a local path or of the wrong media type.
    """
    value = block.get(key)
    url = value.get("url") if isinstance(value, dict) else value
    if not isinstance(url, str) or not url:
        raise BlockProblem(_MISSING_URL[key])
    return check_media_url(url, kind), value if isinstance(value, dict) else {}


def native_image_url(block: dict[str, Any]) -> Part:
    """`{"type": "image_url", "image_url": {"url", "detail"?} | "<url>"}`; new-api also takes the bare string."""
    native_url(block, "image_url", "image")
    return dict(block)


def native_video_url(block: dict[str, Any], video_fps: float | None) -> Part:
    """`{"type": "video_url", "video_url": {"url", "fps"?}}`, with the model's default fps when it sets none."""
    _, value = native_url(block, "video_url", "video")
    if value.get("fps") is not None:
        check_fps(value["fps"])
    elif value and video_fps is not None:
        return {**block, "video_url": {**value, "fps": check_fps(video_fps)}}
    return dict(block)


def frame_list(block: dict[str, Any]) -> Part:
    """Qwen's `{"type": "video", "video": [frame URLs], "fps"?}`, sent as given.

    The model's default fps is not added: for a frame list the rate describes how the frames were taken,
    which only the caller knows.
    """
    frames = block["video"]
    if not isinstance(frames, list) or not frames:
        msg = "a frame-list video needs 'video' to be a non-empty list of image URLs"
        raise BlockProblem(msg)
    for position, frame in enumerate(frames):
        if not isinstance(frame, str):
            msg = f"frame {position} of the frame list is not a URL string"
            raise BlockProblem(msg)
        check_media_url(frame, "image")
    if block.get("fps") is not None:
        check_fps(block["fps"])
    return dict(block)


def native_audio(block: dict[str, Any]) -> Part:
    """`{"type": "input_audio", "input_audio": {"data": "<base64>", "format": "wav"}}`."""
    value = block.get("input_audio")
    if not isinstance(value, dict) or not all(isinstance(value.get(key), str) for key in ("data", "format")):
        msg = "an 'input_audio' part needs 'input_audio.data' (base64) and 'input_audio.format' (e.g. 'wav')"
        raise BlockProblem(msg)
    if not value["format"]:
        msg = "'input_audio.format' is empty"
        raise BlockProblem(msg)
    check_base64(value["data"])
    return dict(block)


def native_file(block: dict[str, Any]) -> Part:
    """`{"type": "file", "file": {"file_id"} | {"filename"?, "file_data": "data:…;base64,…"}}`."""
    value = block["file"]
    sources = [key for key in ("file_id", "file_data") if isinstance(value, dict) and value.get(key) is not None]
    if len(sources) != 1:
        msg = "a native 'file' part needs exactly one of 'file.file_id' or 'file.file_data'"
        raise BlockProblem(msg)
    source = value[sources[0]]
    if not isinstance(source, str) or not source:
        msg = f"'file.{sources[0]}' must be a non-empty string"
        raise BlockProblem(msg)
    if sources[0] == "file_data":
        if source.startswith("data:"):
            parse_data_url(source)
        else:
            check_base64(source)
    return dict(block)
