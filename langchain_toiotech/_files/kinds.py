"""Local files before an upload: size and type checks, MIME type by magic number then extension, media kind."""

from __future__ import annotations

import errno
import mimetypes
import os
import stat
from pathlib import Path
from typing import Final, Literal

from langchain_toiotech._blocks.media import SNIFF_BYTES, sniff_mime_type_of_bytes

FileKind = Literal["image", "video", "audio", "file"]

MAX_UPLOAD_BYTES: Final = 512 * 2**20
"""Ark's per-file limit on the Files API (documented as "512 MB"; read as MiB, the larger reading)."""

OCTET_STREAM: Final = "application/octet-stream"
_MEDIA_KINDS: Final[dict[str, FileKind]] = {"image": "image", "video": "video", "audio": "audio"}


def check_upload_path(path: Path) -> int:
    """Check that `path` is a regular, non-empty file the Files API accepts, and return its size.

    Raises:
        FileNotFoundError: nothing exists at `path`.
        IsADirectoryError: `path` is a directory.
        ValueError: `path` is a loop of symbolic links, is not a regular file, is empty, is larger than
            512 MiB, or has a name that is not valid UTF-8.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        msg = f"No such file: {str(path)!r}"
        raise FileNotFoundError(msg) from None
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        msg = f"{str(path)!r} is a loop of symbolic links: following it never reaches a file"
        raise ValueError(msg) from None
    if stat.S_ISDIR(info.st_mode):
        msg = f"{str(path)!r} is a directory; upload the files in it one by one"
        raise IsADirectoryError(msg)
    if not stat.S_ISREG(info.st_mode):
        msg = f"{str(path)!r} is not a regular file"
        raise ValueError(msg)
    if info.st_size == 0:
        msg = f"{str(path)!r} is empty (0 bytes); the Files API rejects empty files"
        raise ValueError(msg)
    if info.st_size > MAX_UPLOAD_BYTES:
        msg = (
            f"{str(path)!r} is {describe_size(info.st_size)}; the Files API accepts at most "
            f"{describe_size(MAX_UPLOAD_BYTES)} per file"
        )
        raise ValueError(msg)
    check_file_name(path.name, str(path))
    return info.st_size


def check_file_name(name: str, source: str) -> None:
    """Check that a file name can be sent: the multipart form carries it as UTF-8.

    A name made of bytes that are not UTF-8 (a file from an old archive or another system's encoding) reaches
    Python with surrogate escapes, which no encoder accepts.

    Raises:
        ValueError: The name is not valid UTF-8; the message names the file and shows its bytes.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        msg = (
            f"{source!r}: the file name is not valid UTF-8 ({os.fsencode(name)!r}), so an upload cannot carry "
            "it; rename the file"
        )
        raise ValueError(msg) from None


def is_link_loop(path: Path) -> bool:
    """Tell whether `path` is a symbolic link that loops (a directory listing should report it, not skip it)."""
    try:
        path.stat()
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


def mime_type_of(head: bytes, filename: str | None) -> str:
    """The MIME type of a file from its first bytes, else from its name, else `application/octet-stream`.

    The bytes win over the name: a JPEG saved as `.png` is sent as `image/jpeg`, which is what the model must
    decode. Text formats have no signature, so `.md`, `.csv` and the like are named by their extension.
    """
    sniffed = sniff_mime_type_of_bytes(head[:SNIFF_BYTES], "file")
    if sniffed:
        return sniffed
    guessed = mimetypes.guess_type(filename, strict=False)[0] if filename else None
    return guessed or OCTET_STREAM


def detect_mime_type(path: Path) -> str:
    """The MIME type of a local file; reads only its first bytes."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    return mime_type_of(head, path.name)


def kind_of(mime_type: str) -> FileKind:
    """Which Responses input part carries a file: `input_image`, `input_video`, or `input_file` for the rest."""
    return _MEDIA_KINDS.get(mime_type.partition("/")[0], "file")


def describe_size(size: int) -> str:
    """A byte count for messages: `512 MiB`, `1.5 KiB`, `12 bytes`."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"
