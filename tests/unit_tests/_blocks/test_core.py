import base64
from typing import Any

import pytest

from langchain_toiotech._blocks.core import ContentBlockError, render_block, responses_only
from langchain_toiotech._blocks.media import BlockProblem, sniff_mime_type, sniff_mime_type_of_bytes
from langchain_toiotech._blocks.native import native_url

PNG_HEAD = b"\x89PNG\r\n\x1a\n" + bytes(40)
WAV_HEAD = b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(32)
MP4_HEAD = b"\x00\x00\x00\x18ftypisom" + bytes(36)


@pytest.mark.parametrize(
    ("head", "kind", "expected"),
    [
        (PNG_HEAD, "image", "image/png"),
        (WAV_HEAD, "audio", "audio/wav"),
        (MP4_HEAD, "video", "video/mp4"),
        (MP4_HEAD, "audio", "audio/mp4"),
        (b"%PDF-1.7\n", "file", "application/pdf"),
        (b"plain text", "file", None),
        (b"", "file", None),
    ],
)
def test_sniffing_bytes_and_base64_agree(head: bytes, kind: Any, expected: str | None) -> None:
    assert sniff_mime_type_of_bytes(head, kind) == expected
    if head:
        assert sniff_mime_type(base64.b64encode(head).decode(), kind) == expected


def _upper(block: dict[str, Any]) -> dict[str, Any]:
    if "text" not in block:
        msg = "no text"
        raise BlockProblem(msg)
    return {"type": "shout", "text": block["text"].upper()}


def test_render_block_turns_strings_into_the_routes_text_part() -> None:
    assert render_block("hi", 0, _upper, "input_text") == {"type": "input_text", "text": "hi"}
    assert render_block({"type": "x", "text": "hi"}, 0, _upper, "text") == {"type": "shout", "text": "HI"}


def test_render_block_names_the_index_of_a_bad_block() -> None:
    with pytest.raises(ContentBlockError, match=r"^Content block 3 \('x'\): no text$"):
        render_block({"type": "x"}, 3, _upper, "text")
    with pytest.raises(ContentBlockError, match="Content block 1: expected a dict or a string, got int"):
        render_block(7, 1, _upper, "text")


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"type": "image", "file_id": "file-1"}, True),
        ({"type": "video", "source_type": "id", "id": "file-1"}, True),
        ({"type": "input_file", "file_id": "file-1"}, True),
        ({"type": "file", "file_id": "file-1"}, False),  # chat takes a file by id
        ({"type": "image", "url": "https://x.test/a.png"}, False),
        ("text", False),
    ],
)
def test_responses_only(block: Any, expected: bool) -> None:
    assert responses_only(block) is expected


def test_native_url_reads_a_dict_or_a_bare_string() -> None:
    url = "https://x.test/a.png"
    assert native_url({"image_url": {"url": url, "detail": "low"}}, "image_url", "image") == (
        url,
        {"url": url, "detail": "low"},
    )
    assert native_url({"image_url": url}, "image_url", "image") == (url, {})
    with pytest.raises(BlockProblem, match=r"needs 'video_url\.url'"):
        native_url({"video_url": {"fps": 1}}, "video_url", "video")
