"""The pure pieces of the reply limits: `ReplyLimits`, `parse_json`, `BoundedDecoder`, the `reply_limits` field."""

from __future__ import annotations

import gzip
import inspect
import json
import re
import textwrap
import zlib

import httpx
import pytest
from langchain_core.exceptions import ModelAPIError
from pydantic import ValidationError

from langchain_toiotech import ChatToiotech, ReplyLimits, ToiotechEmbeddings, ToiotechFiles
from langchain_toiotech._http.limits import DEFAULT_REPLY_LIMITS, MAX_JSON_DEPTH, BoundedDecoder, parse_json
from langchain_toiotech.errors import (
    MalformedResponseError,
    MalformedStreamError,
    ResponseTooLargeError,
    StreamError,
    ToiotechError,
)

MIB = 1024 * 1024


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def decode_all(decoder: BoundedDecoder, raw: bytes, read_size: int = 1000) -> list[bytes]:
    pieces: list[bytes] = []
    for start in range(0, len(raw), read_size):
        pieces.extend(decoder.decode(raw[start : start + read_size]))
    pieces.extend(decoder.flush())
    return pieces


# ReplyLimits


def test_defaults_leave_room_for_the_largest_legitimate_replies() -> None:
    embeddings_batch_json = 2048 * 3072 * 22  # 2,048 inputs x 3,072 floats, at most ~22 characters each
    assert DEFAULT_REPLY_LIMITS.max_body_bytes > embeddings_batch_json
    four_k_png_base64 = 4096 * 4096 * 2 * 4 // 3  # a 4096 x 4096 PNG photograph (~2 bytes a pixel), base64
    assert DEFAULT_REPLY_LIMITS.max_event_bytes > four_k_png_base64
    assert DEFAULT_REPLY_LIMITS.max_error_body_bytes >= MIB
    assert ReplyLimits() == DEFAULT_REPLY_LIMITS


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_a_limit_must_be_a_positive_byte_count(value: object) -> None:
    with pytest.raises(ValueError, match=r"reply_limits\.max_event_bytes must be a positive number of bytes"):
        ReplyLimits(max_event_bytes=value)  # type: ignore[arg-type]


# parse_json


def test_parse_json_parses() -> None:
    assert parse_json(b'{"a": [1, 2]}', what="the reply") == {"a": [1, 2]}
    assert parse_json('"x"', what="the reply") == "x"


def test_deep_json_is_a_typed_error_naming_the_problem() -> None:
    with pytest.raises(MalformedResponseError, match="the chat completion as JSON nested more than 128") as caught:
        parse_json(deep_json(100_000).encode(), what="the chat completion")
    assert isinstance(caught.value, ModelAPIError)
    assert isinstance(caught.value.__cause__, RecursionError)
    assert caught.value.what == "the chat completion"
    assert len(str(caught.value)) < 400  # an excerpt, not the body


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 600, 990])
def test_json_that_parses_but_nests_past_the_limit_is_refused(depth: int) -> None:
    # json.loads accepts these; code that walks them recursively (redaction, langchain-core's merges) may not.
    text = '{"a": ' * depth + "1" + "}" * depth
    with pytest.raises(MalformedResponseError, match="nested more than 128 levels deep"):
        parse_json(text, what="the reply")


def test_many_containers_at_a_shallow_depth_are_fine() -> None:
    batch = {"data": [{"embedding": [0.5] * 8, "index": index} for index in range(MAX_JSON_DEPTH * 4)]}
    assert parse_json(json.dumps(batch), what="the embeddings") == batch
    nested = deep_json(MAX_JSON_DEPTH - 1)  # inside the outer object: exactly the limit
    assert parse_json(f'{{"x": {nested}, "y": "{"[" * 1000}"}}', what="the reply") is not None


@pytest.mark.parametrize("data", [b"<html>", b"{", b"\xff\xfe\xff", ""])
def test_text_that_is_not_json_is_a_typed_error(data: bytes | str) -> None:
    with pytest.raises(MalformedResponseError, match="a stream event that is not valid JSON"):
        parse_json(data, what="a stream event")


def test_a_malformed_stream_event_is_also_a_stream_error() -> None:
    error = MalformedStreamError("bad event", what="a stream event")
    assert isinstance(error, StreamError)
    assert isinstance(error, MalformedResponseError)
    assert error.body is None
    assert error.what == "a stream event"


def test_too_large_names_the_limit_and_how_to_raise_it() -> None:
    error = ResponseTooLargeError(limit="max_body_bytes", max_bytes=256 * MIB, what="the JSON body")
    assert isinstance(error, ToiotechError)
    assert isinstance(error, ModelAPIError)
    assert not error.is_retryable
    assert "268,435,456 bytes" in str(error)
    assert "reply_limits={'max_body_bytes': ...}" in str(error)
    assert (error.limit, error.max_bytes, error.what) == ("max_body_bytes", 256 * MIB, "the JSON body")


# BoundedDecoder


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as RFC 9110 says
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
        ("GZIP", gzip.compress),
        ("identity", lambda data: data),
        ("", lambda data: data),
    ],
)
def test_decodes_each_encoding_in_bounded_pieces(encoding: str, compress: object) -> None:
    body = bytes(range(256)) * 4000  # about 1 MB
    pieces = decode_all(BoundedDecoder(encoding, piece_size=4096), compress(body))  # type: ignore[operator]
    assert b"".join(pieces) == body
    assert max(map(len, pieces)) <= 4096


def test_a_bomb_is_inflated_one_piece_at_a_time() -> None:
    bomb = gzip.compress(bytes(64 * MIB), compresslevel=9)  # 64 MiB of zeros in about 64 KB
    assert len(bomb) < 100_000
    decoder = BoundedDecoder("gzip", piece_size=65536)
    pieces = decoder.decode(bomb)  # one network read holding the whole bomb
    first = next(pieces)
    assert len(first) == 65536
    inflated = len(first) + sum(len(piece) for _, piece in zip(range(10), pieces, strict=False))
    assert inflated == 11 * 65536  # the caller stopped after 11 pieces; nothing more was inflated


def test_stacked_encodings_are_undone_last_to_first() -> None:
    body = b"hello " * 10_000
    raw = gzip.compress(zlib.compress(body))  # deflate applied first, then gzip
    pieces = decode_all(BoundedDecoder("deflate, gzip", piece_size=1000), raw)
    assert b"".join(pieces) == body
    assert max(map(len, pieces)) <= 1000


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br", "compress"])
def test_an_encoding_the_client_did_not_offer_is_a_typed_error(encoding: str) -> None:
    with pytest.raises(MalformedResponseError, match="did not offer"):
        BoundedDecoder(encoding)


def test_a_corrupt_compressed_body_is_a_typed_error() -> None:
    raw = gzip.compress(b"x" * 1000)
    corrupt = raw[:20] + bytes(20) + raw[40:]
    with pytest.raises(MalformedResponseError, match="does not decompress"):
        decode_all(BoundedDecoder("gzip"), corrupt)


def test_bytes_after_the_end_of_a_gzip_stream_are_ignored() -> None:
    assert b"".join(decode_all(BoundedDecoder("gzip"), gzip.compress(b"ok") + b"junk")) == b"ok"


# The reply_limits field


@pytest.mark.parametrize("client_class", [ChatToiotech, ToiotechEmbeddings, ToiotechFiles])
def test_reply_limits_field_takes_a_dict_of_the_limits_to_change(client_class: type) -> None:
    extra = {"model": "m"} if client_class is ChatToiotech else {}
    client = client_class(api_key="k", reply_limits={"max_body_bytes": 512 * MIB}, **extra)
    expected = ReplyLimits(max_body_bytes=512 * MIB)
    assert client.reply_limits == expected
    assert client._settings.reply_limits == expected
    assert client_class(api_key="k", reply_limits=expected, **extra).reply_limits == expected
    assert client_class(api_key="k", **extra)._settings.reply_limits == DEFAULT_REPLY_LIMITS


def test_reply_limits_with_an_unknown_name_or_a_bad_value_fails_at_construction() -> None:
    with pytest.raises(ValidationError, match="no limit named max_bytes; the limits are max_body_bytes"):
        ChatToiotech(model="m", api_key="k", reply_limits={"max_bytes": 1})
    with pytest.raises(ValidationError, match="must be a positive number of bytes"):
        ChatToiotech(model="m", api_key="k", reply_limits={"max_event_bytes": 0})


def test_only_encodings_that_can_be_bounded_are_offered() -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={"object": "list", "data": []})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    files = ToiotechFiles(api_key="k", base_url="https://gateway.test/v1", http_client=client)
    files.list()
    assert seen[0]["accept-encoding"] == "gzip, deflate"


def test_the_bounded_decoder_example_runs() -> None:
    doc = inspect.getdoc(BoundedDecoder) or ""
    (example,) = re.findall(r"```python\n(.*?)```", doc, re.DOTALL)
    exec(compile(textwrap.dedent(example), "BoundedDecoder example", "exec"), {})  # noqa: S102 - our own docs
