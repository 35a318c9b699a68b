"""Content blocks → chat-completions parts: every dialect, source kind and media type, the bad-input table, and
the documented Doubao video / thinking-vision requests rebuilt from LangChain blocks.

Each wire case runs twice: through `format_content` directly, and through `ChatToiotech.invoke` on a
MockTransport, where langchain-core first rewrites v0 blocks and OpenAI `input_audio` / `file` parts into v1
blocks; both must put the same part on the wire.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.messages.content import create_file_block, create_image_block, create_video_block
from pydantic import SecretStr, ValidationError

from langchain_toiotech import ChatToiotech
from langchain_toiotech._blocks.chat import (
    RESPONSES_ROUTE_HINT,
    ContentBlockError,
    format_block,
    format_content,
)
from langchain_toiotech._chat.messages import convert_messages
from langchain_toiotech._route import needs_responses_route
from tests._support.paths import FIXTURES

ARK_VIDEO_ANSWER = FIXTURES / "ark-doubao_chat-completions_nonstream_video-url-fps_reasoning-content.json"
TOIOTECH_VIDEO_ANSWER = (
    FIXTURES
    / "toiotech-doubao-seed-2-0-pro_chat-completions_nonstream_video-url-fps_reasoning-content_doc-example.json"
)
TOIOTECH_VIDEO_REQUEST = FIXTURES / "toiotech-doubao-seed-2-0-pro_chat-request_video-url-fps_doc-example.json"
CHATFIRE_VISION_ANSWER = FIXTURES / "chatfire-doubao_chat-completions_nonstream_thinking-vision_doc-example.json"
CHATFIRE_VISION_REQUEST = FIXTURES / "chatfire-doubao_chat-request_thinking-vision_doc-example.json"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# Just the first bytes of each format, padded: all the sniffer looks at.
PNG = b64(b"\x89PNG\r\n\x1a\n" + bytes(40))
JPEG = b64(b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(30))
GIF = b64(b"GIF89a" + bytes(30))
WEBP = b64(b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(30))
BMP = b64(b"BM" + bytes(40))
HEIC = b64(b"\x00\x00\x00\x18ftypheic" + bytes(30))
PDF = b64(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(30))
MP4 = b64(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + bytes(30))
MOV = b64(b"\x00\x00\x00\x14ftypqt  " + bytes(30))
WEBM = b64(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + bytes(30))
MKV = b64(b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska" + bytes(30))
AVI = b64(b"RIFF\x24\x00\x00\x00AVI LIST" + bytes(30))
WAV = b64(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(30))
MP3_ID3 = b64(b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(30))
MP3_FRAME = b64(b"\xff\xfb\x90\x64" + bytes(40))
AAC = b64(b"\xff\xf1\x50\x80" + bytes(40))
M4A = b64(b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + bytes(30))
OGG = b64(b"OggS\x00\x02" + bytes(40))
FLAC = b64(b"fLaC\x00\x00\x00\x22" + bytes(40))
TEXT = b64(b"plain notes, no magic number here\n")

IMG_URL = "https://ark-project.tos-cn-beijing.volces.com/doc_image/ark_demo_img_1.png"
VIDEO_URL = "https://ark-project.tos-cn-beijing.volces.com/doc_video/ark_vlm_video_input.mp4"
FRAMES = ["https://example.com/f1.jpg", "https://example.com/f2.jpg", "https://example.com/f3.jpg"]


def image_part(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url, **extra}}


def video_part(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "video_url", "video_url": {"url": url, **extra}}


def audio_part(data: str, audio_format: str) -> dict[str, Any]:
    return {"type": "input_audio", "input_audio": {"data": data, "format": audio_format}}


def file_part(filename: str, mime_type: str, data: str) -> dict[str, Any]:
    return {"type": "file", "file": {"filename": filename, "file_data": f"data:{mime_type};base64,{data}"}}


NATIVE_FILE_BY_ID = {"type": "file", "file": {"file_id": "file-abc123"}}
NATIVE_PDF = {"type": "file", "file": {"filename": "paper.pdf", "file_data": f"data:application/pdf;base64,{PDF}"}}
NATIVE_TEXT_FILE = {"type": "file", "file": {"filename": "notes.txt", "file_data": f"data:text/plain;base64,{TEXT}"}}

# (case id, block as the user writes it, the exact part expected on the wire)
WIRE_CASES: list[tuple[str, Any, dict[str, Any]]] = [
    # text
    ("string", "hello", {"type": "text", "text": "hello"}),
    ("text", {"type": "text", "text": "hello"}, {"type": "text", "text": "hello"}),
    ("text-with-id", {"type": "text", "text": "hi", "id": "lc_1"}, {"type": "text", "text": "hi"}),
    (
        "text-plain",
        {"type": "text-plain", "text": "a note", "mime_type": "text/plain"},
        {"type": "text", "text": "a note"},
    ),
    # images, LangChain v1
    ("v1-image-url", {"type": "image", "url": IMG_URL}, image_part(IMG_URL)),
    (
        "v1-image-url-detail",
        {"type": "image", "url": IMG_URL, "extras": {"detail": "low"}},
        image_part(IMG_URL, detail="low"),
    ),
    (
        "v1-image-url-ark-pixel-limit",
        {"type": "image", "url": IMG_URL, "extras": {"image_pixel_limit": {"max_pixels": 1_000_000}}},
        image_part(IMG_URL, image_pixel_limit={"max_pixels": 1_000_000}),
    ),
    (
        "v1-image-base64",
        {"type": "image", "base64": PNG, "mime_type": "image/png"},
        image_part(f"data:image/png;base64,{PNG}"),
    ),
    ("v1-image-base64-sniffed-jpeg", {"type": "image", "base64": JPEG}, image_part(f"data:image/jpeg;base64,{JPEG}")),
    (
        "v1-image-data-url",
        {"type": "image", "url": f"data:image/gif;base64,{GIF}"},
        image_part(f"data:image/gif;base64,{GIF}"),
    ),
    ("v1-image-factory", create_image_block(url=IMG_URL), image_part(IMG_URL)),
    # images, LangChain v0
    ("v0-image-url", {"type": "image", "source_type": "url", "url": IMG_URL}, image_part(IMG_URL)),
    (
        "v0-image-base64",
        {"type": "image", "source_type": "base64", "data": WEBP, "mime_type": "image/webp"},
        image_part(f"data:image/webp;base64,{WEBP}"),
    ),
    (
        "v0-image-url-detail",
        {"type": "image", "source_type": "url", "url": IMG_URL, "detail": "high"},
        image_part(IMG_URL, detail="high"),
    ),
    # images, OpenAI / Ark native
    ("native-image-url", image_part(IMG_URL, detail="auto"), image_part(IMG_URL, detail="auto")),
    (
        "native-image-url-bare-string",
        {"type": "image_url", "image_url": IMG_URL},
        {"type": "image_url", "image_url": IMG_URL},
    ),
    ("native-image-data-url", image_part(f"data:image/png;base64,{PNG}"), image_part(f"data:image/png;base64,{PNG}")),
    # videos, LangChain v1
    ("v1-video-url", {"type": "video", "url": VIDEO_URL}, video_part(VIDEO_URL)),
    ("v1-video-url-fps", {"type": "video", "url": VIDEO_URL, "fps": 2}, video_part(VIDEO_URL, fps=2)),
    (
        "v1-video-url-extras-fps",
        {"type": "video", "url": VIDEO_URL, "extras": {"fps": 0.5}},
        video_part(VIDEO_URL, fps=0.5),
    ),
    (
        "v1-video-fps-beats-extras",
        {"type": "video", "url": VIDEO_URL, "fps": 3, "extras": {"fps": 1}},
        video_part(VIDEO_URL, fps=3),
    ),
    (
        "v1-video-base64",
        {"type": "video", "base64": MP4, "mime_type": "video/mp4"},
        video_part(f"data:video/mp4;base64,{MP4}"),
    ),
    ("v1-video-base64-sniffed-mov", {"type": "video", "base64": MOV}, video_part(f"data:video/quicktime;base64,{MOV}")),
    (
        "v1-video-data-url",
        {"type": "video", "url": f"data:video/webm;base64,{WEBM}"},
        video_part(f"data:video/webm;base64,{WEBM}"),
    ),
    ("v1-video-factory", create_video_block(url=VIDEO_URL), video_part(VIDEO_URL)),
    # videos, LangChain v0 (core leaves v0 video alone, so the integration reads it itself)
    (
        "v0-video-url-fps",
        {"type": "video", "source_type": "url", "url": VIDEO_URL, "fps": 1},
        video_part(VIDEO_URL, fps=1),
    ),
    (
        "v0-video-base64",
        {"type": "video", "source_type": "base64", "data": AVI, "mime_type": "video/x-msvideo"},
        video_part(f"data:video/x-msvideo;base64,{AVI}"),
    ),
    # videos, Ark native, Qwen frame list, core's non_standard wrapper
    ("native-video-url-fps", video_part(VIDEO_URL, fps=1), video_part(VIDEO_URL, fps=1)),
    ("native-video-url", video_part(VIDEO_URL), video_part(VIDEO_URL)),
    ("qwen-frame-list", {"type": "video", "video": FRAMES}, {"type": "video", "video": FRAMES}),
    ("qwen-frame-list-fps", {"type": "video", "video": FRAMES, "fps": 2}, {"type": "video", "video": FRAMES, "fps": 2}),
    (
        "non-standard-video-url",
        {"type": "non_standard", "value": video_part(VIDEO_URL, fps=2)},
        video_part(VIDEO_URL, fps=2),
    ),
    # audio
    ("v1-audio-wav", {"type": "audio", "base64": WAV, "mime_type": "audio/wav"}, audio_part(WAV, "wav")),
    ("v1-audio-mpeg", {"type": "audio", "base64": MP3_ID3, "mime_type": "audio/mpeg"}, audio_part(MP3_ID3, "mp3")),
    ("v1-audio-x-wav", {"type": "audio", "base64": WAV, "mime_type": "audio/x-wav"}, audio_part(WAV, "wav")),
    ("v1-audio-sniffed-wav", {"type": "audio", "base64": WAV}, audio_part(WAV, "wav")),
    ("v1-audio-sniffed-mp3-frame", {"type": "audio", "base64": MP3_FRAME}, audio_part(MP3_FRAME, "mp3")),
    ("v1-audio-data-url", {"type": "audio", "url": f"data:audio/flac;base64,{FLAC}"}, audio_part(FLAC, "flac")),
    (
        "v0-audio-base64",
        {"type": "audio", "source_type": "base64", "data": OGG, "mime_type": "audio/ogg"},
        audio_part(OGG, "ogg"),
    ),
    ("native-input-audio-wav", audio_part(WAV, "wav"), audio_part(WAV, "wav")),
    ("native-input-audio-mp3", audio_part(MP3_ID3, "mp3"), audio_part(MP3_ID3, "mp3")),
    # file
    (
        "v1-file-base64-filename",
        {"type": "file", "base64": PDF, "mime_type": "application/pdf", "extras": {"filename": "paper.pdf"}},
        file_part("paper.pdf", "application/pdf", PDF),
    ),
    ("v1-file-base64-sniffed", {"type": "file", "base64": PDF}, file_part("document.pdf", "application/pdf", PDF)),
    (
        "v1-file-data-url",
        {"type": "file", "url": f"data:application/pdf;base64,{PDF}", "extras": {"filename": "a.pdf"}},
        file_part("a.pdf", "application/pdf", PDF),
    ),
    ("v1-file-id", {"type": "file", "file_id": "file-abc123"}, NATIVE_FILE_BY_ID),
    (
        "v1-file-factory",
        create_file_block(base64=PDF, mime_type="application/pdf", filename="r.pdf"),
        file_part("r.pdf", "application/pdf", PDF),
    ),
    (
        "v0-file-base64",
        {"type": "file", "source_type": "base64", "data": PDF, "mime_type": "application/pdf", "filename": "p.pdf"},
        file_part("p.pdf", "application/pdf", PDF),
    ),
    ("v0-file-id", {"type": "file", "source_type": "id", "id": "file-abc123"}, NATIVE_FILE_BY_ID),
    ("native-file-id", NATIVE_FILE_BY_ID, NATIVE_FILE_BY_ID),
    ("native-file-pdf", NATIVE_PDF, NATIVE_PDF),
    # core relabels every inline OpenAI file as application/pdf; the name and bytes restore text/plain
    ("native-file-text", NATIVE_TEXT_FILE, NATIVE_TEXT_FILE),
]


class RecordingGateway:
    """MockTransport handler that answers with a recorded completion and keeps the request bodies."""

    def __init__(self, answer: Path = ARK_VIDEO_ANSWER) -> None:
        self.answer = answer
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200, headers={"content-type": "application/json"}, content=self.answer.read_bytes())

    def model(self, **params: Any) -> ChatToiotech:
        params.setdefault("model", "doubao-seed-2-0-pro-260215")
        return ChatToiotech(
            api_key=SecretStr("sk-test"), http_client=httpx.Client(transport=httpx.MockTransport(self)), **params
        )

    def async_model(self, **params: Any) -> ChatToiotech:
        params.setdefault("model", "doubao-seed-2-0-pro-260215")
        client = httpx.AsyncClient(transport=httpx.MockTransport(self))
        return ChatToiotech(api_key=SecretStr("sk-test"), http_async_client=client, **params)


def sent_parts(gateway: RecordingGateway) -> list[Any]:
    assert len(gateway.bodies) == 1
    content: list[Any] = gateway.bodies[0]["messages"][0]["content"]
    return content


@pytest.mark.parametrize(("block", "expected"), [case[1:] for case in WIRE_CASES], ids=[case[0] for case in WIRE_CASES])
def test_format_content_puts_the_exact_part_on_the_wire(block: Any, expected: dict[str, Any]) -> None:
    assert format_content(["look:", block]) == [{"type": "text", "text": "look:"}, expected]


# Left out of the invoke runs:
# - langchain-core's tracing step converts `image` blocks itself and refuses base64 without a mime_type before
#   the integration sees the message, so sniffing images only helps callers of format_content;
# - file ids: whether an uploaded file goes to the Responses route is the router's decision (chat_models), the
#   chat-route shape is checked through format_content and convert_messages.
CORE_REJECTS: Final = {"v1-image-base64-sniffed-jpeg"}
ROUTED_ELSEWHERE: Final = {"v1-file-id", "v0-file-id", "native-file-id"}
MODEL_CASES = [case for case in WIRE_CASES if case[0] not in CORE_REJECTS | ROUTED_ELSEWHERE]


@pytest.mark.parametrize(
    ("block", "expected"), [case[1:] for case in MODEL_CASES], ids=[case[0] for case in MODEL_CASES]
)
def test_invoke_sends_the_same_part_after_core_normalises_the_message(block: Any, expected: dict[str, Any]) -> None:
    gateway = RecordingGateway()
    gateway.model().invoke([HumanMessage(content=["look:", block])])
    assert sent_parts(gateway) == [{"type": "text", "text": "look:"}, expected]


def test_core_refuses_image_base64_without_mime_type_before_any_request() -> None:
    gateway = RecordingGateway()
    with pytest.raises(ValueError, match="mime_type"):
        gateway.model().invoke([HumanMessage(content=[{"type": "image", "base64": JPEG}])])
    assert gateway.bodies == []


def test_a_plain_string_stays_a_string() -> None:
    assert format_content("just text") == "just text"


@pytest.mark.parametrize("block", [case[1] for case in WIRE_CASES if case[0] in ROUTED_ELSEWHERE])
def test_file_ids_keep_the_chat_shape_on_the_chat_route(block: dict[str, Any]) -> None:
    messages = convert_messages([HumanMessage(content=[block])])
    assert messages == [{"role": "user", "content": [NATIVE_FILE_BY_ID]}]
    assert not needs_responses_route([block])


def test_wire_json_keeps_integer_fps_as_written() -> None:
    part = format_block({"type": "video", "url": VIDEO_URL, "extras": {"fps": 1}}, 0)
    assert json.dumps(part) == json.dumps(video_part(VIDEO_URL, fps=1))
    assert '"fps": 1}' in json.dumps(part)


# -- sniffing: base64 without mime_type -------------------------------------------------------------------

SNIFF_CASES = [
    ("image", PNG, "image/png"),
    ("image", JPEG, "image/jpeg"),
    ("image", GIF, "image/gif"),
    ("image", WEBP, "image/webp"),
    ("image", BMP, "image/bmp"),
    ("image", HEIC, "image/heic"),
    ("video", MP4, "video/mp4"),
    ("video", MOV, "video/quicktime"),
    ("video", WEBM, "video/webm"),
    ("video", MKV, "video/x-matroska"),
    ("video", AVI, "video/x-msvideo"),
    ("video", OGG, "video/ogg"),
    ("audio", WAV, "wav"),
    ("audio", MP3_ID3, "mp3"),
    ("audio", MP3_FRAME, "mp3"),
    ("audio", AAC, "aac"),
    ("audio", OGG, "ogg"),
    ("audio", FLAC, "flac"),
    ("audio", M4A, "m4a"),
    ("audio", MP4, "m4a"),  # an mp4 container sent as audio is audio/mp4
    ("audio", WEBM, "webm"),
    ("file", PDF, "application/pdf"),
]


@pytest.mark.parametrize(("kind", "data", "expected"), SNIFF_CASES)
def test_missing_mime_type_is_read_from_the_first_bytes(kind: str, data: str, expected: str) -> None:
    part = format_block({"type": kind, "base64": data}, 0)
    if kind == "audio":
        assert part == audio_part(data, expected)
    elif kind == "file":
        assert part["file"]["file_data"] == f"data:{expected};base64,{data}"
    else:
        wire_key = f"{kind}_url"
        assert part[wire_key]["url"] == f"data:{expected};base64,{data}"


def test_sniffing_decodes_only_the_head_of_large_data() -> None:
    # Valid PNG head followed by 2 MB of base64 'A's: sniffing must not depend on (or decode) the rest.
    data = PNG + "A" * 2_000_000
    part = format_block({"type": "image", "base64": data}, 0)
    assert part["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")


def test_file_without_mime_type_or_magic_number_takes_the_type_from_its_name() -> None:
    part = format_block({"type": "file", "base64": TEXT, "extras": {"filename": "notes.txt"}}, 0)
    assert part == file_part("notes.txt", "text/plain", TEXT)


# -- fps ----------------------------------------------------------------------------------------------------


def test_model_video_fps_applies_to_videos_without_a_rate() -> None:
    gateway = RecordingGateway()
    content: list[Any] = [
        {"type": "video", "url": VIDEO_URL},
        {"type": "video", "url": VIDEO_URL, "extras": {"fps": 4}},
        video_part(VIDEO_URL),
        video_part(VIDEO_URL, fps=0.2),
        {"type": "video", "video": FRAMES},  # frame lists keep the caller's own timing
    ]
    gateway.model(video_fps=2).invoke([HumanMessage(content=content)])
    assert sent_parts(gateway) == [
        video_part(VIDEO_URL, fps=2.0),
        video_part(VIDEO_URL, fps=4),
        video_part(VIDEO_URL, fps=2.0),
        video_part(VIDEO_URL, fps=0.2),
        {"type": "video", "video": FRAMES},
    ]


@pytest.mark.parametrize("fps", [0.1, 5.5, 30])
def test_model_video_fps_outside_the_range_fails_at_construction(fps: float) -> None:
    with pytest.raises(ValidationError, match=r"outside the supported range 0\.2-5"):
        RecordingGateway().model(video_fps=fps)


@pytest.mark.parametrize("fps", [0.2, 1, 5])
def test_model_video_fps_range_is_inclusive(fps: float) -> None:
    assert RecordingGateway().model(video_fps=fps).video_fps == fps


# -- malformed blocks ---------------------------------------------------------------------------------------

# (case id, bad block, text the error must contain besides the block index)
BAD_CASES: list[tuple[str, Any, str]] = [
    ("no-type", {"url": IMG_URL}, "the block has no 'type'"),
    ("unknown-type", {"type": "hologram", "url": IMG_URL}, "unknown content block type 'hologram'"),
    ("not-a-dict", 42, "expected a dict or a string, got int"),
    ("text-not-string", {"type": "text", "text": ["a"]}, "needs a string 'text'"),
    ("image-no-source", {"type": "image"}, "needs one of 'url', 'base64' or 'file_id'"),
    ("video-no-source", {"type": "video", "mime_type": "video/mp4"}, "needs one of 'url', 'base64' or 'file_id'"),
    ("image-two-sources", {"type": "image", "url": IMG_URL, "base64": PNG}, "two sources (url, base64)"),
    ("file-two-sources", {"type": "file", "base64": PDF, "file_id": "file-1"}, "two sources (base64, file_id)"),
    ("empty-url", {"type": "image", "url": ""}, "'url' must be a non-empty string"),
    ("non-base64", {"type": "image", "base64": "not*base64", "mime_type": "image/png"}, "not valid base64"),
    (
        "base64-line-breaks",
        {"type": "audio", "base64": PNG[:8] + "\n" + PNG[8:], "mime_type": "audio/wav"},
        "line breaks",
    ),
    ("base64-url-safe", {"type": "image", "base64": "ab-_" * 4, "mime_type": "image/png"}, "URL-safe"),
    ("base64-bad-length", {"type": "image", "base64": PNG[:-3], "mime_type": "image/png"}, "not a multiple of 4"),
    ("base64-inner-padding", {"type": "image", "base64": "ab==cdef", "mime_type": "image/png"}, "'=' padding before"),
    ("data-url-in-base64", {"type": "image", "base64": f"data:image/png;base64,{PNG}"}, "put a data: URL in 'url'"),
    (
        "image-with-pdf-mime",
        {"type": "image", "base64": PDF, "mime_type": "application/pdf"},
        "cannot carry 'application/pdf'",
    ),
    ("image-sniffed-pdf", {"type": "image", "base64": PDF}, "an 'image' block cannot carry 'application/pdf'"),
    (
        "video-with-image-mime",
        {"type": "video", "base64": PNG, "mime_type": "image/png"},
        "a 'video' block cannot carry",
    ),
    ("audio-data-url-video", {"type": "audio", "url": f"data:video/mp4;base64,{MP4}"}, "an 'audio' block cannot carry"),
    ("image-unknown-bytes", {"type": "image", "base64": TEXT}, "match no known image format; set 'mime_type'"),
    ("bad-mime-syntax", {"type": "image", "base64": PNG, "mime_type": "png"}, "'png' is not a MIME type"),
    ("image-file-id", {"type": "image", "file_id": "file-1"}, RESPONSES_ROUTE_HINT),
    ("video-file-id", {"type": "video", "file_id": "file-1", "extras": {"fps": 1}}, RESPONSES_ROUTE_HINT),
    ("v0-image-id", {"type": "image", "source_type": "id", "id": "file-1"}, RESPONSES_ROUTE_HINT),
    ("responses-input-image", {"type": "input_image", "image_url": IMG_URL}, RESPONSES_ROUTE_HINT),
    ("v0-unknown-source", {"type": "image", "source_type": "s3", "url": IMG_URL}, "unknown source_type 's3'"),
    (
        "fps-too-high",
        {"type": "video", "url": VIDEO_URL, "fps": 10},
        "video fps 10 is outside the supported range 0.2-5",
    ),
    ("fps-too-low-extras", {"type": "video", "url": VIDEO_URL, "extras": {"fps": 0.1}}, "outside the supported range"),
    ("fps-string", {"type": "video", "url": VIDEO_URL, "fps": "2"}, "video fps must be a number, got '2'"),
    ("native-fps-too-high", video_part(VIDEO_URL, fps=6), "outside the supported range"),
    ("frame-list-fps-zero", {"type": "video", "video": FRAMES, "fps": 0}, "outside the supported range"),
    ("frame-list-empty", {"type": "video", "video": []}, "non-empty list of image URLs"),
    ("frame-list-local-path", {"type": "video", "video": ["frames/f1.jpg"]}, "is a local path"),
    (
        "file-scheme-image",
        {"type": "image", "url": "file:///tmp/cat.png"},
        "is a local path; the gateway cannot read your disk",
    ),
    ("bare-path-video", {"type": "video", "url": "clips/v.mp4"}, "is a local path"),
    ("windows-path-image", {"type": "image", "url": "C:\\photos\\cat.png"}, "is a local path"),
    ("ftp-image", {"type": "image", "url": "ftp://host/cat.png"}, "unsupported URL scheme 'ftp'"),
    ("data-url-not-base64", {"type": "image", "url": "data:image/svg+xml;utf8,<svg/>"}, "only base64 data: URLs"),
    ("data-url-no-mime", {"type": "image", "url": f"data:;base64,{PNG}"}, "the data: URL has no MIME type"),
    ("data-url-bad-base64", image_part("data:image/png;base64,@@@@"), "not valid base64"),
    (
        "audio-by-url",
        {"type": "audio", "url": "https://example.com/a.wav"},
        "inline data on the chat-completions route",
    ),
    ("audio-file-id", {"type": "audio", "file_id": "file-1"}, "inline data on the chat-completions route"),
    ("file-by-url", {"type": "file", "url": "https://example.com/a.pdf"}, "cannot fetch a file by URL"),
    ("native-image-no-url", {"type": "image_url", "image_url": {"detail": "low"}}, "needs 'image_url.url'"),
    ("native-video-no-url", {"type": "video_url", "video_url": {"fps": 1}}, "needs 'video_url.url'"),
    ("native-audio-no-format", {"type": "input_audio", "input_audio": {"data": WAV}}, "'input_audio.format'"),
    ("native-audio-bad-data", audio_part("%%%%", "wav"), "not valid base64"),
    ("native-file-two-sources", {"type": "file", "file": {"file_id": "f", "file_data": PDF}}, "exactly one of"),
    (
        "native-file-bad-data",
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,!!"}},
        "not valid base64",
    ),
    ("non-standard-empty", {"type": "non_standard", "value": None}, "needs a provider part"),
]


@pytest.mark.parametrize(("block", "problem"), [case[1:] for case in BAD_CASES], ids=[case[0] for case in BAD_CASES])
def test_malformed_block_names_its_index_and_problem(block: Any, problem: str) -> None:
    with pytest.raises(ContentBlockError) as raised:
        format_content(["fine", block])
    message = str(raised.value)
    assert message.startswith("Content block 1")
    assert problem in message
    assert isinstance(raised.value, ValueError)


# Through invoke, langchain-core sees some blocks first: it rewrites v0 blocks and native `file` parts (a file
# part with two sources comes out holding only the id), and refuses `image` base64 without a mime_type (see
# test_core_refuses_image_base64_without_mime_type_before_any_request). The rest reach the integration as written.
CORE_FIRST: Final = {
    "not-a-dict",
    "native-file-two-sources",
    "data-url-in-base64",
    "image-sniffed-pdf",
    "image-unknown-bytes",
}
REQUEST_BAD_CASES = [case for case in BAD_CASES if "source_type" not in str(case[1]) and case[0] not in CORE_FIRST]


@pytest.mark.parametrize(
    ("block", "problem"), [case[1:] for case in REQUEST_BAD_CASES], ids=[case[0] for case in REQUEST_BAD_CASES]
)
def test_malformed_block_fails_before_any_request(block: Any, problem: str) -> None:
    gateway = RecordingGateway()
    # use_responses_api=False would raise the Responses router's own error for file ids; the chat
    # route's check is what is tested here, so those cases go through convert_messages instead.
    if problem == RESPONSES_ROUTE_HINT:
        with pytest.raises(ValueError, match=r"Message 1 \(human\): Content block 1 \("):
            convert_messages([HumanMessage("hi"), HumanMessage(content=["fine", block])])
        return
    model = gateway.model()
    with pytest.raises(ValueError, match=r"Message 0 \(human\): Content block 1 \(") as raised:
        model.invoke([HumanMessage(content=["fine", block])])
    assert problem in str(raised.value)
    assert gateway.bodies == []


async def test_malformed_block_fails_before_any_async_request() -> None:
    gateway = RecordingGateway()
    with pytest.raises(ValueError, match="Content block 0 \\('image'\\): the block has two sources"):
        await gateway.async_model().ainvoke([HumanMessage(content=[{"type": "image", "url": IMG_URL, "base64": PNG}])])
    assert gateway.bodies == []


def test_error_names_the_message_and_the_block() -> None:
    messages = [HumanMessage("first"), AIMessage("ok"), HumanMessage(content=["a", "b", {"type": "video"}])]
    with pytest.raises(ContentBlockError, match=r"^Content block 2 \('video'\)") as raised:
        format_content(messages[2].content)
    with pytest.raises(ValueError, match=r"^Message 2 \(human\): Content block 2 \('video'\)") as wrapped:
        convert_messages(messages)
    assert wrapped.value.__cause__ is not None
    assert str(raised.value) in str(wrapped.value)


# -- which content needs the Responses route -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("text only", False),
        ([{"type": "image", "url": IMG_URL}, {"type": "video", "url": VIDEO_URL}], False),
        ([{"type": "file", "file_id": "file-1"}], False),  # chat-completions carries file ids for files
        ([{"type": "image", "file_id": "file-1"}], True),
        (["text", {"type": "video", "file_id": "file-1"}], True),
        ([{"type": "image", "source_type": "id", "id": "file-1"}], True),
        ([{"type": "input_image", "image_url": IMG_URL}], True),
        ([{"type": "input_video", "file_id": "file-1"}], True),
        ([{"type": "input_file", "file_id": "file-1"}], True),
        ([{"type": "input_text", "text": "hi"}], False),
    ],
)
def test_needs_responses_route(content: Any, expected: bool) -> None:
    assert needs_responses_route(content) is expected
    if not expected:
        format_content(content)  # whatever stays on the chat route formats there


# -- the documented requests, rebuilt from LangChain blocks ---------------------------------------------------


def canonical(value: Any) -> str:
    """JSON with sorted keys: the same structure and the same number types, whatever the key order."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def test_doubao_video_request_matches_the_gateway_docs() -> None:
    documented = json.loads(TOIOTECH_VIDEO_REQUEST.read_text(encoding="utf-8"))
    gateway = RecordingGateway(TOIOTECH_VIDEO_ANSWER)
    model = gateway.model(model="doubao-seed-2-0-pro-260215", max_completion_tokens=65535, reasoning_effort="medium")
    content: list[Any] = [
        {"type": "text", "text": "概括一下视频的主要内容"},
        create_video_block(url=VIDEO_URL, fps=1),  # extras={"fps": 1}
    ]
    model.invoke([HumanMessage(content=content)])
    assert canonical(gateway.bodies[0]) == canonical(documented)


def test_doubao_video_request_with_the_model_default_fps() -> None:
    documented = json.loads(TOIOTECH_VIDEO_REQUEST.read_text(encoding="utf-8"))
    gateway = RecordingGateway()
    model = gateway.model(max_completion_tokens=65535, reasoning_effort="medium", video_fps=1)
    model.invoke(
        [
            HumanMessage(
                content=[{"type": "text", "text": "概括一下视频的主要内容"}, {"type": "video", "url": VIDEO_URL}]
            )
        ]
    )
    # video_fps is a float field, so the rate goes out as 1.0: equal as JSON numbers, not as text.
    assert gateway.bodies[0] == documented


def test_chatfire_thinking_vision_request_matches_the_docs() -> None:
    documented = json.loads(CHATFIRE_VISION_REQUEST.read_text(encoding="utf-8"))
    gateway = RecordingGateway(CHATFIRE_VISION_ANSWER)
    model = gateway.model(model="doubao-1-5-thinking-vision-pro-250428", extra_body={"thinking": {"type": "enabled"}})
    model.invoke([HumanMessage(content=[{"type": "text", "text": "图片里有什么?"}, {"type": "image", "url": IMG_URL}])])
    assert canonical(gateway.bodies[0]) == canonical(documented)


def expected_answer(path: Path) -> dict[str, Any]:
    """Text, reasoning and usage as the recorded body states them (plain JSON reading, no package code)."""
    body = json.loads(path.read_text(encoding="utf-8"))
    message, usage = body["choices"][0]["message"], body["usage"]
    return {
        "text": message["content"],
        "reasoning": message["reasoning_content"],
        "usage": {
            "input_tokens": usage["prompt_tokens"],
            "output_tokens": usage["completion_tokens"],
            "total_tokens": usage["total_tokens"],
            "input_token_details": {"cache_read": usage["prompt_tokens_details"]["cached_tokens"]},
            "output_token_details": {"reasoning": usage["completion_tokens_details"]["reasoning_tokens"]},
        },
        "model": body["model"],
        "finish_reason": body["choices"][0]["finish_reason"],
    }


@pytest.mark.parametrize(
    "answer", [ARK_VIDEO_ANSWER, TOIOTECH_VIDEO_ANSWER, CHATFIRE_VISION_ANSWER], ids=lambda p: p.name
)
def test_documented_multimodal_answers_parse_into_text_reasoning_and_usage(answer: Path) -> None:
    expected = expected_answer(answer)
    gateway = RecordingGateway(answer)
    content: list[Any] = [
        {"type": "text", "text": "describe"},
        {"type": "video", "url": VIDEO_URL, "extras": {"fps": 1}},
    ]
    message = gateway.model(reasoning_effort="medium").invoke([HumanMessage(content=content)])
    assert message.content == expected["text"]
    assert message.additional_kwargs["reasoning_content"] == expected["reasoning"]
    assert message.usage_metadata == expected["usage"]
    assert message.response_metadata["model_name"] == expected["model"]
    assert message.response_metadata["finish_reason"] == expected["finish_reason"]
    assert [block["type"] for block in message.content_blocks] == ["reasoning", "text"]
