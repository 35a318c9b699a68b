"""Incremental ``multipart/form-data`` parser that keeps file sizes and digests, never file contents.

Bytes are fed in blocks as they arrive from the socket. File parts (those with a ``filename``) only update a
running byte count and a SHA-256, so memory stays flat however large the upload; plain text fields are kept,
up to ``_MAX_FIELD_BYTES`` each.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Final

from langchain_toiotech.testing._pdf import PageCounter

_MAX_FIELD_BYTES: Final = 1 << 20
_MAX_HEADER_BYTES: Final = 16 << 10
_PARAM: Final = re.compile(r';\s*([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


class MultipartError(ValueError):
    """Raised when a multipart body is malformed."""


@dataclass
class FilePart:
    """Summary of one uploaded file part.

    Attributes:
        name: The form field name.
        filename: The file name sent by the client.
        content_type: The part's ``Content-Type`` (``application/octet-stream`` when absent).
        size: Number of bytes received.
        sha256: Hex SHA-256 of the bytes received.
        pages: The page count when the file is a PDF, else None.
    """

    name: str
    filename: str
    content_type: str
    size: int = 0
    sha256: str = ""
    pages: int | None = None


@dataclass
class FormData:
    """A parsed form: text fields and file summaries.

    Attributes:
        fields: Text fields by name (the last value wins).
        files: File parts in arrival order.
    """

    fields: dict[str, str] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The form as logged: text fields, plus ``{"filename", "content_type", "size"}`` per file part.

        Returns:
            The summary dict.
        """
        logged: dict[str, Any] = dict(self.fields)
        for part in self.files:
            logged[part.name] = {"filename": part.filename, "content_type": part.content_type, "size": part.size}
        return logged


def boundary_of(content_type: str) -> bytes | None:
    """Extract the boundary of a ``multipart/form-data`` content type.

    Args:
        content_type: The ``Content-Type`` header value.

    Returns:
        The boundary, or None when the type is not multipart/form-data or has no boundary.
    """
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    params = _params(content_type)
    boundary = params.get("boundary")
    return boundary.encode("latin-1") if boundary else None


def _params(header: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in _PARAM.findall(header):
        text = value.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':  # noqa: PLR2004 - a quoted string
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        found[key.lower()] = text
    return found


class _PartSink:
    """Receives the body of one part: hashes file parts, buffers text fields."""

    def __init__(self, headers: dict[str, str]) -> None:
        params = _params(";" + headers.get("content-disposition", "").partition(";")[2])
        self.name = params.get("name", "")
        self.filename = params.get("filename")
        self.content_type = headers.get("content-type", "application/octet-stream")
        self._digest = hashlib.sha256()
        self._pages = PageCounter()
        self._size = 0
        self._text = bytearray()

    def write(self, data: bytes) -> None:
        self._size += len(data)
        if self.filename is not None:
            self._digest.update(data)
            self._pages.feed(data)
        elif len(self._text) < _MAX_FIELD_BYTES:
            self._text += data[: _MAX_FIELD_BYTES - len(self._text)]

    def finish(self, form: FormData) -> None:
        if self.filename is None:
            form.fields[self.name] = self._text.decode("utf-8", "replace")
            return
        digest = self._digest.hexdigest()
        part = FilePart(self.name, self.filename, self.content_type, self._size, digest, self._pages.pages)
        form.files.append(part)


class MultipartParser:
    """Feed-based parser: call :meth:`feed` with each block, then :meth:`close`."""

    def __init__(self, boundary: bytes) -> None:
        """Create a parser.

        Args:
            boundary: The multipart boundary from the ``Content-Type`` header.
        """
        # Starting the buffer with CRLF makes the first delimiter look like every other one.
        self._delimiter = b"\r\n--" + boundary
        self._buffer = b"\r\n"
        self._state = "preamble"
        self._sink: _PartSink | None = None
        self.form = FormData()

    def feed(self, data: bytes) -> None:
        """Consume one block of the body.

        Args:
            data: The next bytes.

        Raises:
            MultipartError: If part headers are malformed or too large.
        """
        self._buffer += data
        while self._state != "done" and self._step():
            pass

    def close(self) -> FormData:
        """Finish parsing.

        Returns:
            The parsed form.

        Raises:
            MultipartError: If the body ended before the closing delimiter.
        """
        if self._state != "done":
            msg = "multipart body ended before the closing boundary"
            raise MultipartError(msg)
        return self.form

    def _step(self) -> bool:
        if self._state == "preamble":
            return self._skip_to_delimiter()
        if self._state == "delimiter":
            return self._after_delimiter()
        if self._state == "headers":
            return self._read_headers()
        return self._read_body()

    def _skip_to_delimiter(self) -> bool:
        index = self._buffer.find(self._delimiter)
        if index < 0:
            self._buffer = self._buffer[-len(self._delimiter) :]
            return False
        self._buffer = self._buffer[index + len(self._delimiter) :]
        self._state = "delimiter"
        return True

    def _after_delimiter(self) -> bool:
        if self._buffer.startswith(b"--"):
            self._state = "done"
            return False
        line_end = self._buffer.find(b"\r\n")
        if line_end < 0:
            return False
        self._buffer = self._buffer[line_end + 2 :]
        self._state = "headers"
        return True

    def _read_headers(self) -> bool:
        end = 0 if self._buffer.startswith(b"\r\n") else self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > _MAX_HEADER_BYTES:
                msg = "multipart part headers too large"
                raise MultipartError(msg)
            return False
        headers: dict[str, str] = {}
        for line in self._buffer[:end].decode("utf-8", "replace").split("\r\n"):
            name, sep, value = line.partition(":")
            if not sep:
                msg = f"malformed multipart header line: {line!r}"
                raise MultipartError(msg)
            headers[name.strip().lower()] = value.strip()
        self._buffer = self._buffer[end + (2 if end == 0 else 4) :]
        self._sink = _PartSink(headers)
        self._state = "body"
        return True

    def _read_body(self) -> bool:
        sink = self._sink
        if sink is None:  # pragma: no cover - the state machine sets it before entering "body"
            msg = "multipart parser lost its part"
            raise MultipartError(msg)
        index = self._buffer.find(self._delimiter)
        if index < 0:
            # Keep a tail that may hold the start of a delimiter split across blocks.
            keep = len(self._delimiter) - 1
            if len(self._buffer) > keep:
                sink.write(self._buffer[:-keep])
                self._buffer = self._buffer[-keep:]
            return False
        sink.write(self._buffer[:index])
        sink.finish(self.form)
        self._sink = None
        self._buffer = self._buffer[index + len(self._delimiter) :]
        self._state = "delimiter"
        return True
