"""Turn a recorded payload file into a scripted reply.

Formats, chosen by file name: ``.sse`` (raw SSE body, sent byte for byte), ``.chunks.jsonl`` (one chunk JSON per
line; sent as ``data: <line>`` events followed by ``data: [DONE]``), ``.json`` (a 200 JSON body) and ``.http``
(status line, headers, blank line, body; the status, ``Content-Type``, ``Retry-After`` and other headers are kept,
framing headers are recomputed).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

from langchain_toiotech.testing._wire import DONE_EVENT, JSON_TYPE, SSE_TYPE, Reply, split_sse_blocks

_HEAD_END: Final = re.compile(rb"\r?\n\r?\n")
# Framing headers the emulator computes itself rather than replaying.
_FRAMING: Final = frozenset({"content-length", "transfer-encoding", "connection", "content-encoding"})


def load_fixture(path: str | os.PathLike[str]) -> Reply:
    """Read a recorded payload into a reply.

    Args:
        path: The payload file.

    Returns:
        The reply.

    Raises:
        ValueError: If the file name has none of the known suffixes.
    """
    file = Path(path)
    raw = file.read_bytes()
    name = file.name
    if name.endswith(".sse"):
        return Reply(content_type=SSE_TYPE, events=tuple(split_sse_blocks(raw)))
    if name.endswith(".chunks.jsonl"):
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        return Reply(content_type=SSE_TYPE, events=(*(b"data: " + line + b"\n\n" for line in lines), DONE_EVENT))
    if name.endswith(".json"):
        return Reply(body=raw, content_type=JSON_TYPE)
    if name.endswith(".http"):
        return parse_http(raw)
    msg = f"unknown fixture format (expected .sse, .chunks.jsonl, .json or .http): {name}"
    raise ValueError(msg)


def parse_http(raw: bytes) -> Reply:
    """Parse a recorded HTTP response (``HTTP/x 400 Reason`` + headers + blank line + body).

    Args:
        raw: The recorded response.

    Returns:
        The reply; an event-stream body is split into events so stream faults can apply.

    Raises:
        ValueError: If the status line is malformed.
    """
    gap = _HEAD_END.search(raw)
    head, body = (raw[: gap.start()], raw[gap.end() :]) if gap else (raw, b"")
    lines = head.decode("latin-1").splitlines()
    fields = lines[0].split(maxsplit=2)
    if len(fields) < 2 or not fields[1].isdigit():  # noqa: PLR2004 - "HTTP/x" and the status code
        msg = f"malformed status line: {lines[0]!r}"
        raise ValueError(msg)
    headers: dict[str, str] = {}
    content_type: str | None = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            content_type = value.strip()
        elif name.strip() and name.strip().lower() not in _FRAMING:
            headers[name.strip()] = value.strip()
    status = int(fields[1])
    if content_type is not None and content_type.startswith(SSE_TYPE):
        return Reply(status=status, content_type=content_type, headers=headers, events=tuple(split_sse_blocks(body)))
    return Reply(status=status, body=body, content_type=content_type, headers=headers)
