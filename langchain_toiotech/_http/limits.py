"""Reply size limits, bounded Content-Encoding decoding and JSON parsing that never escapes as a raw error.

A gateway, proxy or relay controls every byte we read. Without a bound, an 8 MB gzip bomb inflates to
gigabytes and one line without a newline grows until the process dies. Every reader in the transport counts
decompressed bytes against a `ReplyLimits` and decodes through `BoundedDecoder`, which never inflates more
than one small piece at a time. No LangChain types here; the errors are the package's own.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Final, cast

from langchain_toiotech.errors import MalformedResponseError

__all__ = ["DEFAULT_REPLY_LIMITS", "BoundedDecoder", "ReplyLimits", "parse_json"]

_MIB: Final = 1024 * 1024
DECODE_PIECE_BYTES: Final = 64 * 1024
"""The most a decoder inflates at once: a bomb costs one piece of memory before its limit is checked."""

ACCEPT_ENCODING: Final = "gzip, deflate"
"""What the client offers: the encodings `BoundedDecoder` can bound (never br or zstd, whatever is installed)."""


@dataclass(frozen=True, slots=True)
class ReplyLimits:
    """The most the client reads of one reply, counted in decompressed bytes.

    Going over a limit raises `ResponseTooLargeError` (an error body is cut to its limit instead: the status
    is the error, the body only explains it). Raise a limit with `reply_limits={"max_body_bytes": ...}` on
    any toiotech client.

    Attributes:
        max_body_bytes: One non-streamed JSON reply (chat, Responses, embeddings, files). 256 MiB: the largest
            embeddings batch (2,048 inputs x 3,072 floats) is about 130 MB of JSON text.
        max_error_body_bytes: What is kept of a 4xx/5xx body for the error message and `error.body`. 1 MiB:
            gateway error bodies are a few hundred bytes.
        max_event_bytes: One SSE line, and the data of one SSE event. 64 MiB: a base64 image in one event
            (a 4096 x 4096 PNG photograph is about 45 MB) stays below it.
        max_drain_bytes: What is read after a stream's terminal event to keep its connection for reuse. 64 KiB:
            normally nothing follows but the end of the body.
    """

    max_body_bytes: int = 256 * _MIB
    max_error_body_bytes: int = 1 * _MIB
    max_event_bytes: int = 64 * _MIB
    max_drain_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        """Reject a limit that is not a positive number of bytes.

        Raises:
            ValueError: A limit is not a positive integer.
        """
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                msg = f"reply_limits.{field.name} must be a positive number of bytes, got {value!r}."
                raise ValueError(msg)


DEFAULT_REPLY_LIMITS: Final = ReplyLimits()
"""The limits every client uses unless given `reply_limits`."""

_CONTAINERS: Final = (list, dict)

_EXCERPT_CHARS: Final = 200
MAX_JSON_DEPTH: Final = 128
"""The deepest nesting a reply may have. Replies nest a dozen levels; Python code that walks parsed JSON
recursively (ours, langchain-core's merging and copying) needs a frame or more per level, and would hit the
recursion limit (1,000) on JSON that `json.loads` itself still accepts."""


def excerpt(data: bytes | str) -> str:
    """The start of a reply, for an error message (never the whole of a large body)."""
    text = data[: _EXCERPT_CHARS * 4].decode("utf-8", "replace") if isinstance(data, bytes) else data
    return repr(text[:_EXCERPT_CHARS])


def parse_json(data: bytes | str, *, what: str, error: type[MalformedResponseError] = MalformedResponseError) -> object:
    """Parse JSON text; anything that is not JSON, or is nested too deeply to parse, is a typed error.

    Args:
        data: The JSON text (bytes are decoded as UTF-8, UTF-16 or UTF-32, as `json.loads` detects).
        what: The reply it came from, for the message ("the chat completion", "a stream event").
        error: The class to raise (`MalformedStreamError` for a stream event).

    Returns:
        The parsed value.

    Raises:
        MalformedResponseError: The text is not JSON, or nests deeper than Python's recursion limit allows.
    """
    try:
        value = json.loads(data)
    except RecursionError as cause:
        raise _too_deep(data, what, error) from cause
    except ValueError as cause:  # JSONDecodeError and UnicodeDecodeError
        msg = f"The gateway sent {what} that is not valid JSON: {excerpt(data)}"
        raise error(msg, what=what) from cause
    # Counting brackets is a bound on the depth that costs almost nothing; only a reply with more of them
    # than the limit (an embeddings batch, a long list) has its nesting measured.
    brackets = data.count("[") + data.count("{") if isinstance(data, str) else data.count(b"[") + data.count(b"{")
    if brackets > MAX_JSON_DEPTH and _nests_deeper_than(value, MAX_JSON_DEPTH):
        raise _too_deep(data, what, error)
    return value


def _too_deep(data: bytes | str, what: str, error: type[MalformedResponseError]) -> MalformedResponseError:
    # Built only when raised: the excerpt decodes and quotes the body, which every good reply would pay for.
    msg = f"The gateway sent {what} as JSON nested more than {MAX_JSON_DEPTH} levels deep: {excerpt(data)}"
    return error(msg, what=what)


def _nests_deeper_than(value: object, limit: int) -> bool:
    """Tell whether parsed JSON nests more than `limit` containers deep, without recursion."""
    level: list[object] = [value] if isinstance(value, list | dict) else []
    for _ in range(limit):
        below: list[object] = []
        for node in level:
            children = list(node.values()) if isinstance(node, dict) else cast("list[object]", node)
            # `map(type)` runs in C: a list of 3,072 floats is checked without a Python-level loop.
            kinds = set(map(type, children))
            if list in kinds or dict in kinds:
                below.extend(child for child in children if type(child) in _CONTAINERS)
        if not below:
            return False
        level = below
    return True


class _Inflater:
    """One zlib stream (gzip or deflate) inflated `piece_size` bytes at a time."""

    def __init__(self, encoding: str, piece_size: int) -> None:
        self._encoding = encoding
        self._piece_size = piece_size
        # httpx's DeflateDecoder reads zlib-wrapped deflate and falls back to raw deflate on the first
        # error: servers send both under `deflate`. Do the same.
        self._first = True
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)

    def decode(self, data: bytes) -> Iterator[bytes]:
        while not self._inflater.eof:
            try:
                piece = self._inflater.decompress(data, self._piece_size)
            except zlib.error as error:
                if self._first and self._encoding == "deflate":
                    self._first = False
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                msg = f"The gateway sent a {self._encoding} body that does not decompress: {error}"
                raise MalformedResponseError(msg, what="the compressed body") from error
            self._first = False
            if piece:
                yield piece
            # A full piece may leave input behind (`unconsumed_tail`) or output still inside zlib (a long
            # match half copied), so go on; a short piece from all the input means zlib needs more input.
            stuck = not piece and len(self._inflater.unconsumed_tail) == len(data)
            data = self._inflater.unconsumed_tail
            if stuck or (not data and len(piece) < self._piece_size):
                return

    def flush(self) -> Iterator[bytes]:
        rest = self._inflater.flush()
        for start in range(0, len(rest), self._piece_size):
            yield rest[start : start + self._piece_size]


class BoundedDecoder:
    """Decode a `Content-Encoding` (identity, gzip, deflate, or a list of them) in pieces of at most N bytes.

    Unlike httpx's decoders, which inflate a whole network read at once (an 8 MB read of zeros becomes
    8 GB), this hands back at most `piece_size` bytes per step, so the caller can count and stop.

    Example:
        ```python
        import gzip

        from langchain_toiotech._http.limits import BoundedDecoder

        decoder = BoundedDecoder("gzip", piece_size=4)
        pieces = [*decoder.decode(gzip.compress(b"0123456789")), *decoder.flush()]
        assert b"".join(pieces) == b"0123456789"
        assert max(len(piece) for piece in pieces) <= 4
        ```
    """

    def __init__(self, content_encoding: str, piece_size: int = DECODE_PIECE_BYTES) -> None:
        """Prepare the decoders for a `Content-Encoding` header value.

        Raises:
            MalformedResponseError: An encoding other than identity, gzip or deflate (we never offer one).
        """
        self._piece_size = piece_size
        if not content_encoding:  # most replies: nothing to parse
            self._stages: list[_Inflater] = []
            return
        encodings = [name.strip().lower() for name in content_encoding.split(",")]
        encodings = ["gzip" if name == "x-gzip" else name for name in encodings if name not in {"", "identity"}]
        unknown = [name for name in encodings if name not in {"gzip", "deflate"}]
        if unknown:
            msg = (
                f"The gateway sent a body in Content-Encoding {content_encoding!r}, which the client did not "
                f"offer ({ACCEPT_ENCODING}) and cannot decode within its reply limits."
            )
            raise MalformedResponseError(msg, what="the compressed body")
        # Encodings are listed in the order they were applied, so they are undone last to first.
        self._stages = [_Inflater(name, piece_size) for name in reversed(encodings)]

    @property
    def passes_through(self) -> bool:
        """Tell whether the body is sent as it is (identity): each raw piece is then its own decoded piece."""
        return not self._stages

    def decode(self, data: bytes) -> Iterator[bytes]:
        """Decode the next raw bytes of the body, yielding pieces of at most `piece_size` bytes."""
        yield from self._through(0, self._split(data))

    def flush(self) -> Iterator[bytes]:
        """Decode what the decoders still hold once the raw body has ended."""
        for index, stage in enumerate(self._stages):
            yield from self._through(index + 1, stage.flush())

    def _split(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), self._piece_size):
            yield data[start : start + self._piece_size]

    def _through(self, index: int, pieces: Iterator[bytes]) -> Iterator[bytes]:
        """Feed `pieces` through the stages from `index` on, one bounded piece at a time."""
        if index == len(self._stages):
            yield from pieces
            return
        for piece in pieces:
            yield from self._through(index + 1, self._stages[index].decode(piece))
