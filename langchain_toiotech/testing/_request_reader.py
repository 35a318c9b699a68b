"""Reading one request off the socket: its head, then its body in 64 KiB blocks, bounded in size and depth.

Bodies are read in blocks (``Content-Length`` or chunked); a multipart body is parsed block by block as it
arrives, so uploads of any size use constant memory. A JSON body is capped at ``max_body_bytes`` and refused
(in ``body_error``, answered 400) when it is not JSON or nests deeper than ``max_json_depth``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from email.message import Message
from typing import Final, Protocol
from urllib.parse import parse_qsl, urlsplit

from langchain_toiotech.testing._multipart import MultipartError, MultipartParser, boundary_of
from langchain_toiotech.testing._records import Incoming
from langchain_toiotech.testing._server_limits import DEFAULT_SERVER_LIMITS, ServerLimits, json_depth_exceeds

BLOCK: Final = 64 << 10


class Readable(Protocol):
    """The part of a buffered socket reader the body parser uses."""

    def read(self, size: int, /) -> bytes:
        """Read up to ``size`` bytes."""
        ...

    def readline(self, size: int, /) -> bytes:
        """Read one line of at most ``size`` bytes."""
        ...


class BodyError(ValueError):
    """Raised when the request body framing is broken, or the body is too large (``status`` 413)."""

    def __init__(self, message: str, status: int = 400) -> None:
        """Create the error; ``status`` is the HTTP status to answer with."""
        super().__init__(message)
        self.status = status


def _too_large(limit: int) -> BodyError:
    return BodyError(f"request body larger than the emulator's limit of {limit} bytes", 413)


def declared_length(headers: Mapping[str, str]) -> int | None:
    """The ``Content-Length`` of a request, None when it is chunked.

    Raises:
        BodyError: The header is not a non-negative integer.
    """
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    try:
        length = int(headers.get("content-length", "0") or "0")
    except ValueError as exc:
        msg = "invalid Content-Length"
        raise BodyError(msg) from exc
    if length < 0:
        msg = "invalid Content-Length"
        raise BodyError(msg)
    return length


def _body_blocks(headers: Mapping[str, str], rfile: Readable, limit: int) -> Iterator[bytes]:
    remaining = declared_length(headers)
    if remaining is None:
        total = 0
        for block in _chunked_blocks(rfile):
            total += len(block)
            if total > limit:  # counted as it arrives: a chunked body declares no size
                raise _too_large(limit)
            yield block
        return
    if remaining > limit:  # refused before a byte of it is read
        raise _too_large(limit)
    yield from _exactly(rfile, remaining, "request body")


def _exactly(rfile: Readable, size: int, what: str) -> Iterator[bytes]:
    while size > 0:
        block = rfile.read(min(size, BLOCK))
        if not block:
            msg = f"{what} ended early"
            raise BodyError(msg)
        size -= len(block)
        yield block


def _chunked_blocks(rfile: Readable) -> Iterator[bytes]:
    while True:
        size_line = rfile.readline(1 << 10)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            msg = "invalid chunk size"
            raise BodyError(msg) from exc
        if size == 0:
            while rfile.readline(1 << 10) not in {b"\r\n", b"\n", b""}:
                pass  # skip trailers
            return
        yield from _exactly(rfile, size, "chunked body")
        rfile.readline(1 << 10)  # the CRLF after the chunk data


def request_head(method: str, target: str, header_message: Message) -> Incoming:
    """The request as known before its body is read: method, path, query and headers.

    Args:
        method: The HTTP method.
        target: The request target (path and query).
        header_message: The parsed headers.

    Returns:
        The request, without a body.
    """
    split = urlsplit(target)
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    headers = {name.lower(): value for name, value in header_message.items()}
    return Incoming(method=method, path=split.path, query=query, headers=headers)


def read_incoming(
    method: str, target: str, header_message: Message, rfile: Readable, limits: ServerLimits = DEFAULT_SERVER_LIMITS
) -> Incoming:
    """Read and parse one request's body.

    Args:
        method: The HTTP method.
        target: The request target (path and query).
        header_message: The parsed headers.
        rfile: The connection's read stream, positioned at the body.
        limits: The body size and JSON depth bounds.

    Returns:
        The parsed request; a body that is not JSON, or nests too deep, is reported in ``body_error``.

    Raises:
        BodyError: If the body framing is broken or the body too large (the connection cannot be reused).
    """
    base = request_head(method, target, header_message)
    content_type = base.headers.get("content-type", "")
    boundary = boundary_of(content_type)
    if boundary is not None:
        return _read_multipart(base, _body_blocks(base.headers, rfile, limits.max_upload_bytes), boundary)
    raw = b"".join(_body_blocks(base.headers, rfile, limits.max_body_bytes))
    looks_json = "json" in content_type.lower() or (not content_type and raw.lstrip()[:1] in {b"{", b"["})
    if not raw or not looks_json:
        return replace(base, raw=raw)
    try:
        decoded = json.loads(raw)
    except RecursionError:
        return replace(base, raw=raw, body_error="invalid JSON body: nested too deeply")
    except ValueError as exc:
        return replace(base, raw=raw, body_error=f"invalid JSON body: {exc}")
    if json_depth_exceeds(decoded, limits.max_json_depth):
        message = f"invalid JSON body: nested more than {limits.max_json_depth} deep"
        return replace(base, raw=raw, body_error=message)
    return replace(base, raw=raw, json=decoded)


def _read_multipart(base: Incoming, blocks: Iterator[bytes], boundary: bytes) -> Incoming:
    parser = MultipartParser(boundary)
    try:
        for block in blocks:
            parser.feed(block)
        return replace(base, form=parser.close())
    except MultipartError as exc:
        for _ in blocks:  # drain the rest so the connection stays usable
            pass
        return replace(base, body_error=f"invalid multipart body: {exc}")
