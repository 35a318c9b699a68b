"""The bounded SSE decoder: httpx-sse's framing, event for event, plus a bound on each line and event."""

from __future__ import annotations

import codecs
import inspect
import itertools
import re
import textwrap

import pytest
from httpx_sse._decoders import SSEDecoder as ReferenceDecoder
from httpx_sse._decoders import SSELineDecoder as ReferenceLineDecoder
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_toiotech._http.sse import ServerSentEvent, SSEDecoder
from langchain_toiotech.errors import ResponseTooLargeError

Event = tuple[str, str, str, int | None]


def decode(chunks: list[bytes], max_event_bytes: int = 1 << 20) -> list[Event]:
    decoder = SSEDecoder(max_event_bytes)
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    events += decoder.flush()
    return [(event.event, event.data, event.id, event.retry) for event in events]


def reference(chunks: list[bytes]) -> list[Event]:
    """What httpx-sse makes of the same bytes (its iter_sse, with httpx's incremental UTF-8 decoding)."""
    text = codecs.getincrementaldecoder("utf-8")("replace")
    lines_of = ReferenceLineDecoder()
    decoder = ReferenceDecoder()
    lines = [line for chunk in chunks if (piece := text.decode(chunk)) for line in lines_of.decode(piece)]
    lines += lines_of.flush()
    events = [decoder.decode(line.rstrip("\n")) for line in lines]
    return [(event.event, event.data, event.id, event.retry) for event in events if event is not None]


def cut(raw: bytes, points: list[int]) -> list[bytes]:
    edges = sorted({0, len(raw), *(point % (len(raw) + 1) for point in points)})
    return [raw[start:end] for start, end in itertools.pairwise(edges) if end > start]


LINES = st.sampled_from(
    [
        'data: {"choices": []}',
        "data:no-space",
        "data:  two spaces",
        "data",
        "data: é 漢字 🎉",
        "event: response.completed",
        "event",
        ": PING",
        ":",
        "id: 7",
        "id: a\0b",
        "retry: 1500",
        "retry: soon",
        "unknown: field",
        "",
        "",
        "data: [DONE]",
    ]
)
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.tuples(LINES, ENDINGS), max_size=25),
    last=st.sampled_from(["", "data: unfinished", "\n"]),
    points=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)
def test_same_events_as_httpx_sse_wherever_the_bytes_are_cut(
    lines: list[tuple[str, str]], last: str, points: list[int]
) -> None:
    raw = ("".join(line + ending for line, ending in lines) + last).encode()
    assert decode(cut(raw, points)) == reference(cut(raw, points))


def test_a_crlf_split_between_two_reads_is_one_line_end() -> None:
    assert decode([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]) == [("message", "a\nb", "", None)]


def test_multi_line_data_event_type_id_and_retry() -> None:
    raw = b"event: delta\nid: 3\nretry: 10\ndata: one\ndata: two\n\ndata: next\n\n"
    assert decode([raw]) == [("delta", "one\ntwo", "3", 10), ("message", "next", "3", None)]


def test_comments_and_an_unfinished_event_at_the_end_yield_nothing() -> None:
    assert decode([b": PING\n\n: PING\n\ndata: cut off"]) == []


def test_a_leading_byte_order_mark_is_dropped() -> None:
    assert decode([b"\xef\xbb\xbfdata: x\n\n"]) == [("message", "x", "", None)]


def test_a_line_longer_than_the_limit_raises_before_it_is_all_buffered() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    list(decoder.feed(b"data: " + b"x" * 900))
    with pytest.raises(ResponseTooLargeError, match="one stream line larger than 1,000 bytes") as caught:
        list(decoder.feed(b"x" * 200))
    assert caught.value.limit == "max_event_bytes"


def test_a_line_longer_than_the_limit_inside_one_read_raises() -> None:
    with pytest.raises(ResponseTooLargeError, match="one stream line"):
        decode([b"data: " + b"x" * 2000 + b"\n\n"], max_event_bytes=1000)


def test_data_lines_without_a_blank_line_raise_once_the_event_is_over_the_limit() -> None:
    lines = [b"data: " + b"y" * 93 + b"\n"] * 1000  # 100 bytes a line: the limit is passed at about line 100
    with pytest.raises(ResponseTooLargeError, match="one stream event larger than 10,000 bytes"):
        decode(lines, max_event_bytes=10_000)


def test_an_event_just_under_the_limit_passes() -> None:
    data = "z" * 999
    assert decode([f"data: {data}\n\n".encode()], max_event_bytes=1006) == [("message", data, "", None)]


def test_events_are_plain_values() -> None:
    assert ServerSentEvent() == ServerSentEvent(event="message", data="", id="", retry=None)


def test_the_decoder_example_runs() -> None:
    (example,) = re.findall(r"```python\n(.*?)```", inspect.getdoc(SSEDecoder) or "", re.DOTALL)
    exec(compile(textwrap.dedent(example), "SSEDecoder example", "exec"), {})  # noqa: S102 - our own docs
