"""Media checks for content blocks: base64 validation, data URLs, MIME sniffing and audio formats."""

from __future__ import annotations

import base64
import mimetypes
import re
from typing import Any, Final, Literal

MediaKind = Literal["image", "video", "audio", "file"]

MIN_VIDEO_FPS: Final = 0.2
MAX_VIDEO_FPS: Final = 5.0
"""Frame sampling range Ark documents for `video_url.fps` (default 1)."""

SNIFF_BYTES: Final = 48
"""Leading bytes read to sniff a MIME type: enough for every signature below."""
SNIFF_CHARS: Final = SNIFF_BYTES * 4 // 3
"""Base64 characters that hold `SNIFF_BYTES` bytes."""

_BASE64_BODY: Final = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_NOT_BASE64: Final = re.compile(r"[^A-Za-z0-9+/=]")
_MIME_TYPE: Final = re.compile(r"[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*")
_DATA_URL: Final = re.compile(r"data:(?P<mime>[^;,]*)(?P<params>(?:;[^;,]*)*),(?P<data>.*)", re.DOTALL)

# Magic bytes at offset 0 → MIME type; the RIFF and ftyp containers are told apart in `_sniff_container`.
_SIGNATURES: Final = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
    b"BM": "image/bmp",
    b"%PDF-": "application/pdf",
    b"ID3": "audio/mpeg",
    b"OggS": "audio/ogg",
    b"fLaC": "audio/flac",
    b"#!AMR": "audio/amr",
}
_RIFF_FORMATS: Final = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_FTYP_BRANDS: Final = {
    b"qt  ": "video/quicktime",
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heic",
    b"msf1": "image/heic",
    b"avif": "image/avif",
    b"avis": "image/avif",
}
_EBML_MAGIC: Final = b"\x1a\x45\xdf\xa3"

# One container, two media kinds: the block's type decides which MIME type the bytes get.
_CONTAINER_FOR_KIND: Final = {
    ("audio", "video/mp4"): "audio/mp4",
    ("audio", "video/webm"): "audio/webm",
    ("audio", "video/x-matroska"): "audio/x-matroska",
    ("video", "audio/ogg"): "video/ogg",
}

_AUDIO_FORMATS: Final = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg-3": "mp3",
    "audio/wav": "wav",
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/vnd.wave": "wav",
    "audio/x-flac": "flac",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/m4a": "m4a",
}
"""MIME types whose subtype is not the `input_audio.format` name; others use the subtype without `x-`."""


class BlockProblem(ValueError):  # noqa: N818 - not raised to users: wrapped in ContentBlockError with the index
    """What is wrong with one content block; the caller adds the block's index."""


def check_base64(data: str) -> None:
    """Check that `data` is padded standard base64, without decoding all of it.

    Raises:
        BlockProblem: the data is empty, has characters outside the alphabet, or has a bad length.
    """
    if not data:
        msg = "the base64 data is empty"
        raise BlockProblem(msg)
    if _BASE64_BODY.fullmatch(data):
        if len(data) % 4:
            msg = f"the base64 data has length {len(data)}, not a multiple of 4 (missing '=' padding?)"
            raise BlockProblem(msg)
        return
    bad = _NOT_BASE64.search(data)
    if bad is None:  # only '=' out of place
        msg = "the base64 data has '=' padding before its end"
        raise BlockProblem(msg)
    char = bad.group()
    hint = ""
    if char.isspace():
        hint = "; encode without line breaks (base64.b64encode, not encodebytes)"
    elif char in "-_":
        hint = "; use the standard alphabet ('+' and '/'), not the URL-safe one"
    elif data.startswith("data:"):
        hint = "; put a data: URL in 'url', not in 'base64'"
    msg = f"the data is not valid base64 (character {char!r} at offset {bad.start()}){hint}"
    raise BlockProblem(msg)


def check_mime_type(mime_type: str) -> str:
    """Check the syntax of a MIME type and return it lower-cased.

    Raises:
        BlockProblem: `mime_type` is not `type/subtype`.
    """
    if not _MIME_TYPE.fullmatch(mime_type):
        msg = f"{mime_type!r} is not a MIME type (expected 'type/subtype', e.g. 'image/png')"
        raise BlockProblem(msg)
    return mime_type.lower()


def parse_data_url(url: str) -> tuple[str, str]:
    """Split a base64 `data:` URL into its MIME type and its checked base64 payload.

    Raises:
        BlockProblem: the URL is not a base64 data URL, has no MIME type, or its payload is not base64.
    """
    match = _DATA_URL.fullmatch(url)
    if match is None or ";base64" not in match.group("params").lower():
        msg = "only base64 data: URLs are accepted ('data:<mime type>;base64,<data>')"
        raise BlockProblem(msg)
    if not match.group("mime"):
        msg = "the data: URL has no MIME type ('data:<mime type>;base64,<data>')"
        raise BlockProblem(msg)
    data = match.group("data")
    check_base64(data)
    return check_mime_type(match.group("mime")), data


def sniff_mime_type(data: str, kind: MediaKind) -> str | None:
    """The MIME type of base64 `data` told by its first bytes, or None when they match no known signature.

    Only the first `SNIFF_CHARS` characters are decoded, so sniffing a 50 MB video costs nothing.
    `data` must already have passed `check_base64`.
    """
    head_chars = data[:SNIFF_CHARS]
    return sniff_mime_type_of_bytes(base64.b64decode(head_chars + "=" * (-len(head_chars) % 4)), kind)


def sniff_mime_type_of_bytes(head: bytes, kind: MediaKind) -> str | None:
    """The MIME type told by a file's first bytes (`SNIFF_BYTES` are enough), or None when none matches."""
    mime_type = _sniff_container(head) or _sniff_signature(head) or _sniff_mpeg_audio(head)
    if mime_type is None:
        return None
    return _CONTAINER_FOR_KIND.get((kind, mime_type), mime_type)


def _sniff_signature(head: bytes) -> str | None:
    for magic, mime_type in _SIGNATURES.items():
        if head.startswith(magic):
            return mime_type
    return None


def _sniff_container(head: bytes) -> str | None:
    if head[:4] == b"RIFF":
        return _RIFF_FORMATS.get(head[8:12])
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], "video/mp4")
    if head[:4] == _EBML_MAGIC:
        return "video/webm" if b"webm" in head else "video/x-matroska"
    return None


def _sniff_mpeg_audio(head: bytes) -> str | None:
    # An MPEG audio frame starts with 11 set bits; the two "layer" bits are 00 for AAC (ADTS), else MP3.
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:  # noqa: PLR2004 - frame sync bits
        return None
    return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"


def check_fit(mime_type: str, kind: MediaKind) -> None:
    """Check that a MIME type suits a block type: `image/*` for images and so on; a file may be anything.

    Raises:
        BlockProblem: the MIME type belongs to another kind of media.
    """
    if kind != "file" and not mime_type.startswith(f"{kind}/"):
        article = "an" if kind[0] in "aeiou" else "a"
        msg = f"{article} {kind!r} block cannot carry {mime_type!r} data"
        raise BlockProblem(msg)


def check_media_url(url: str, kind: MediaKind) -> str:
    """Accept an http(s) URL, or a base64 data: URL of the right media type, and return it unchanged.

    Raises:
        BlockProblem: a local path, another scheme, or a bad data: URL.
    """
    scheme = url.partition(":")[0].lower() if ":" in url else ""
    if scheme in {"http", "https"}:
        return url
    if scheme == "data":
        mime_type, _ = parse_data_url(url)
        check_fit(mime_type, kind)
        return url
    hint = "read the file and send it as 'base64' with a 'mime_type'"
    if scheme == "file" or not scheme or len(scheme) == 1:  # one letter: a Windows drive (C:/...)
        msg = f"{url[:80]!r} is a local path; the gateway cannot read your disk ({hint})"
    else:
        msg = f"unsupported URL scheme {scheme!r}: use an http(s) or a base64 data: URL, or {hint}"
    raise BlockProblem(msg)


def check_fps(fps: Any) -> float:
    """Check a video frame rate against Ark's documented range and return it unchanged.

    Raises:
        BlockProblem: `fps` is not a number or lies outside 0.2-5.
    """
    if isinstance(fps, bool) or not isinstance(fps, (int, float)):
        msg = f"video fps must be a number, got {fps!r}"
        raise BlockProblem(msg)
    if not MIN_VIDEO_FPS <= fps <= MAX_VIDEO_FPS:
        msg = f"video fps {fps} is outside the supported range {MIN_VIDEO_FPS}-{MAX_VIDEO_FPS:g}"
        raise BlockProblem(msg)
    return fps


def audio_format(mime_type: str) -> str:
    """The `input_audio.format` for an audio MIME type: `audio/mpeg` → `mp3`, `audio/x-wav` → `wav`."""
    return _AUDIO_FORMATS.get(mime_type, mime_type.partition("/")[2].removeprefix("x-"))


def guess_from_filename(filename: str | None) -> str | None:
    """The MIME type a file name suggests (`report.pdf` → `application/pdf`), if any."""
    if not filename:
        return None
    return mimetypes.guess_type(filename, strict=False)[0]


def default_filename(mime_type: str) -> str:
    """A file name for inline file data sent without one; new-api and OpenAI want a name with `file_data`."""
    extension = mimetypes.guess_extension(mime_type, strict=False) or ""
    return f"document{extension}"
