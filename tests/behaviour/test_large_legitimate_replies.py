"""The default reply limits let the largest legitimate replies through, over real HTTP on loopback.

A full embeddings batch (2,048 inputs x 3,072 floats, over 100 MB of JSON) and a base64 image in one stream event
(40 MB) are read whole; a reply just over a lowered limit is refused, so the limit is the one doing the work.
The embeddings client, which holds several hundred MB, runs in a child capped in address space (`capped_child`).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator

import pytest

from langchain_toiotech import ChatToiotech
from langchain_toiotech._http.limits import DEFAULT_REPLY_LIMITS
from langchain_toiotech.errors import ResponseTooLargeError
from tests._support.capped_child import BASELINE_MIB, run_capped
from tests._support.flood_server import MIB, FloodServer, http_head, whole

INPUTS = 2048
DIMENSIONS = 3072
FLOAT = "-0.012345678901234567"  # as long as the floats a real reply carries


def embeddings_reply() -> Iterator[bytes]:
    """The JSON text of a full batch in pieces, one embedding each: the test runner never holds it whole.

    Built by joining strings (json.dumps of 6 million floats takes seconds).
    """
    vector = "[" + ",".join([FLOAT] * DIMENSIONS) + "]"
    yield b'{"object":"list","model":"e","data":['
    for index in range(INPUTS):
        yield f'{"," if index else ""}{{"object":"embedding","index":{index},"embedding":{vector}}}'.encode()
    yield b'],"usage":{"prompt_tokens":1,"total_tokens":1}}'


EMBED_CHILD = textwrap.dedent(
    """
    import sys
    from langchain_toiotech import ToiotechEmbeddings

    inputs = int(sys.argv[2])
    embeddings = ToiotechEmbeddings(model="e", api_key="k", base_url=sys.argv[1], chunk_size=inputs)
    vectors = embeddings.embed_documents([f"text {index}" for index in range(inputs)])
    report = {"count": len(vectors), "dimensions": sorted({len(vector) for vector in vectors}), "last": vectors[-1][-1]}
    """
)
# Measured: a 563 MiB peak (the 132 MiB body, its text, 6 million floats, and the ~75 MiB baseline).
EMBED_PEAK_MIB = 640 + BASELINE_MIB


def test_a_full_embeddings_batch_is_read_whole() -> None:
    # Over 100 MB of JSON read and decoded into 6 million floats: in a capped child, as anything that large is.
    length = sum(map(len, embeddings_reply()))
    assert 100 * MIB < length < DEFAULT_REPLY_LIMITS.max_body_bytes
    with FloodServer(http_head("200 OK", "application/json", length=length), embeddings_reply) as server:
        report = run_capped(EMBED_CHILD, server.base_url, str(INPUTS))
    assert report["count"] == INPUTS
    assert report["dimensions"] == [DIMENSIONS]
    assert report["last"] == float(FLOAT)
    assert report["peak_rss_mib"] < EMBED_PEAK_MIB, report


def image_stream(image_bytes: int) -> bytes:
    """A chat stream whose second event carries `image_bytes` of base64 (an image model's inline answer)."""
    events = [
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Here:"}}]},
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "A" * image_bytes}}]},
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    return b"".join(f"data: {json.dumps(event)}\n\n".encode() for event in events) + b"data: [DONE]\n\n"


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_base64_image_in_one_stream_event_is_read_whole(mode: str) -> None:
    body = image_stream(40 * MIB)
    with FloodServer(http_head("200 OK", "text/event-stream", length=len(body)), whole(body)) as server:
        model = ChatToiotech(model="m", api_key="k", base_url=server.base_url, max_retries=0)
        text = ""
        if mode == "stream":
            for chunk in model.stream("draw"):
                text += str(chunk.content)
        else:
            async for chunk in model.astream("draw"):
                text += str(chunk.content)
    assert len(text) == len("Here:") + 40 * MIB


def test_the_same_event_over_a_lowered_limit_is_refused() -> None:
    body = image_stream(2 * MIB)
    with FloodServer(http_head("200 OK", "text/event-stream", length=len(body)), whole(body)) as server:
        model = ChatToiotech(
            model="m", api_key="k", base_url=server.base_url, max_retries=0, reply_limits={"max_event_bytes": MIB}
        )
        with pytest.raises(ResponseTooLargeError, match="max_event_bytes"):
            list(model.stream("draw"))
