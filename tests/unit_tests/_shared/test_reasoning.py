"""Reasoning extraction: vendor fields, `<think>` blocks (whole and streamed in any split), and ChatToiotech output."""

from __future__ import annotations

import functools
import itertools
import json
import operator
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk

from langchain_toiotech import ChatToiotech
from langchain_toiotech._shared.reasoning import ThinkTagSplitter, reasoning_from_fields, split_think_tags
from tests._support.gateways import mock_clients

THINK_CONTENT = "<think>\nI think\n</think>\n\nAnswer"

# --- reasoning_from_fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"reasoning_content": "DeepSeek thinks"}, "DeepSeek thinks"),
        ({"reasoning": "vLLM thinks"}, "vLLM thinks"),
        ({"reasoning_details": [{"type": "reasoning.text", "text": "Claude thinks", "index": 0}]}, "Claude thinks"),
        ({"reasoning_details": [{"type": "reasoning.summary", "summary": "In short", "index": 0}]}, "In short"),
        ({"reasoning_details": [{"type": "reasoning.encrypted", "data": "gAAAA-secret", "index": 0}]}, ""),
        (
            {
                "reasoning_details": [
                    {"type": "reasoning.text", "text": "First. "},
                    {"type": "reasoning.encrypted", "data": "gAAAA"},
                    {"type": "reasoning.summary", "summary": "Second."},
                ]
            },
            "First. Second.",
        ),
        # The Anthropic signature arrives in a fragment of its own, with no text.
        ({"reasoning_details": [{"type": "reasoning.text", "text": "", "signature": "sig=="}]}, ""),
        ({"reasoning_details": [{"type": "reasoning.text", "text": None}]}, ""),
        ({"reasoning_details": []}, ""),
        ({"reasoning_details": None}, ""),
        ({}, ""),
        ({"content": "only an answer"}, ""),
        # Empty strings and nulls are "no reasoning" (Qwen-Omni's "", Kimi's trailing "").
        ({"reasoning_content": ""}, ""),
        ({"reasoning_content": None}, ""),
        ({"reasoning_content": "", "reasoning": "from reasoning"}, "from reasoning"),
        ({"reasoning_content": None, "reasoning": "from reasoning"}, "from reasoning"),
        ({"reasoning_content": "", "reasoning": None, "reasoning_details": [{"text": "details"}]}, "details"),
        ({"reasoning_content": 42}, ""),
    ],
)
def test_reasoning_from_fields(message: dict[str, Any], expected: str) -> None:
    assert reasoning_from_fields(message) == expected


def test_reasoning_sent_in_two_fields_is_not_doubled() -> None:
    """OpenRouter sends the same text as `reasoning` and as `reasoning_details[].text`."""
    delta = {"reasoning": "Step one.", "reasoning_details": [{"type": "reasoning.text", "text": "Step one."}]}
    assert reasoning_from_fields(delta) == "Step one."
    assert reasoning_from_fields({"reasoning_content": "Same", "reasoning": "Same"}) == "Same"


# --- split_think_tags (whole answers) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (THINK_CONTENT, ("I think", "Answer")),
        ("<think>I think</think>Answer", ("I think", "Answer")),
        ("  \n\n<think>\nI think\n</think>\nAnswer", ("I think", "Answer")),
        ("<think>\n\n</think>\n\nAnswer", ("", "Answer")),
        ("<think>x</think>", ("x", "")),
        ("<think>\ncut off by max_tokens", ("cut off by max_tokens", "")),
        ("No tag at all", ("", "No tag at all")),
        ("", ("", "")),
        ("Answer first <think>not reasoning</think>", ("", "Answer first <think>not reasoning</think>")),
        ("<thinking>not our tag</thinking>", ("", "<thinking>not our tag</thinking>")),
        ("<b>bold</b>", ("", "<b>bold</b>")),
        ("<think>a</think>B <think>c</think>", ("a", "B <think>c</think>")),
    ],
)
def test_split_think_tags(content: str, expected: tuple[str, str]) -> None:
    assert split_think_tags(content) == expected


# --- ThinkTagSplitter (streamed content, tags split across chunks) -----------------------------------------


def run_splitter(pieces: list[str]) -> tuple[str, str]:
    splitter = ThinkTagSplitter()
    reasoning, answer = [], []
    for piece in pieces:
        think, text = splitter.feed(piece)
        reasoning.append(think)
        answer.append(text)
    think, text = splitter.flush()
    return "".join([*reasoning, think]), "".join([*answer, text])


def splits(text: str, parts: int) -> list[list[str]]:
    """Every way to cut `text` into `parts` non-empty pieces."""
    return [
        [text[start:end] for start, end in itertools.pairwise([0, *cuts, len(text)])]
        for cuts in itertools.combinations(range(1, len(text)), parts - 1)
    ]


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_think_block_in_every_split(parts: int) -> None:
    all_splits = splits(THINK_CONTENT, parts)
    assert len(all_splits) == len(list(itertools.combinations(range(1, len(THINK_CONTENT)), parts - 1)))
    for pieces in all_splits:
        assert run_splitter(pieces) == ("I think", "Answer"), pieces


def test_think_block_in_one_character_pieces() -> None:
    assert run_splitter(list(THINK_CONTENT)) == ("I think", "Answer")


@pytest.mark.parametrize(
    "content",
    [
        "  \n\n<think>\nI think\n</think>\nAnswer",
        "<think>\nLine one\n\nLine two\n</think>\n\nThe answer\n\nhas lines",
        "<think>x < y and </b> is not a close tag</think>Answer",
        "<think>\ncut off by max_tokens",
        "<think>\ncut off right at </thi",
        "<think></think>Answer",
        "Plain answer",
        "  \n Plain answer with leading space",
        "<",
        "<thi",
        "<thinking>not our tag</thinking>",
        "Answer first <think>not reasoning</think>",
    ],
)
def test_streamed_split_agrees_with_whole_split(content: str) -> None:
    """However the content is cut into two or three pieces, streaming gives what the whole answer gives."""
    expected = split_think_tags(content)
    for parts in (1, 2, 3):
        for pieces in splits(content, parts) if len(content) >= parts else []:
            assert run_splitter(pieces) == expected, pieces


@pytest.mark.parametrize(
    "pieces",
    [
        ["<"],
        ["<", "b>bold</b>"],
        ["<thi"],
        ["<thi", "s is fine"],
        ["<t", "hinkpad"],
        [" ", "<", "x"],
        ["<think", "ing>"],
    ],
)
def test_content_that_only_looks_like_a_tag_comes_out_unchanged(pieces: list[str]) -> None:
    assert run_splitter(pieces) == ("", "".join(pieces))


def test_answer_streams_without_delay_once_thinking_ended() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("<think>hm</think>") == ("hm", "")
    assert splitter.feed("Ans") == ("", "Ans")
    assert splitter.feed("wer <think>") == ("", "wer <think>")


def test_plain_answer_is_not_held_back() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("Hello") == ("", "Hello")
    assert splitter.feed(" <think>") == ("", " <think>")


# --- through ChatToiotech ----------------------------------------------------------------------------------


def sse(events: list[dict[str, Any]]) -> bytes:
    return ("".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n").encode()


def sse_of_contents(contents: list[str]) -> bytes:
    events = [{"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": text}}]} for text in contents]
    events.append({"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return sse(events)


def model_serving(body: bytes, content_type: str, **kwargs: Any) -> ChatToiotech:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": content_type}, content=body)

    return ChatToiotech(
        model="m",
        api_key="sk-reasoning-test",
        **mock_clients(handler),
        **kwargs,
    )


def summed(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    return functools.reduce(operator.add, chunks)


SPLIT_TAG_DELTAS = ["<thi", "nk>\nLet me", " see\n</th", "ink>\n\nThe answer", " is 4."]


def test_stream_with_think_tags_split_across_deltas() -> None:
    model = model_serving(sse_of_contents(SPLIT_TAG_DELTAS), "text/event-stream")
    chunks = list(model.stream("2+2?"))
    full = summed(chunks)
    assert full.content == "The answer is 4."
    assert full.additional_kwargs["reasoning_content"] == "Let me see"
    assert "<" not in "".join(str(chunk.content) for chunk in chunks)


async def test_astream_with_think_tags_split_across_deltas() -> None:
    model = model_serving(sse_of_contents(SPLIT_TAG_DELTAS), "text/event-stream")
    full = summed([chunk async for chunk in model.astream("2+2?")])
    assert full.content == "The answer is 4."
    assert full.additional_kwargs["reasoning_content"] == "Let me see"


def test_invoke_with_think_tags_in_content() -> None:
    body = {
        "id": "c1",
        "model": "minimax-m2",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": THINK_CONTENT}, "finish_reason": "stop"}],
    }
    message = model_serving(json.dumps(body).encode(), "application/json").invoke("hi")
    assert message.content == "Answer"
    assert message.additional_kwargs["reasoning_content"] == "I think"


def test_reasoning_field_deltas_are_concatenated_and_empty_ones_ignored() -> None:
    events: list[dict[str, Any]] = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "", "reasoning_content": ""}}]},
        {"choices": [{"index": 0, "delta": {"content": None, "reasoning_content": "Count "}}]},
        {"choices": [{"index": 0, "delta": {"reasoning": "the "}}]},
        {"choices": [{"index": 0, "delta": {"reasoning_details": [{"type": "reasoning.text", "text": "letters."}]}}]},
        {"choices": [{"index": 0, "delta": {"content": "Three.", "reasoning_content": ""}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "model": "m"},
    ]
    full = summed(list(model_serving(sse(events), "text/event-stream").stream("hi")))
    assert full.additional_kwargs["reasoning_content"] == "Count the letters."
    assert full.content == "Three."


REASONING_BODY = {
    "id": "c1",
    "model": "deepseek-reasoner",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Three.", "reasoning_content": "Count the letters."},
            "finish_reason": "stop",
        }
    ],
}


def assert_reasoning_then_text(content: Any) -> None:
    assert isinstance(content, list)
    kinds = [block["type"] for block in content]
    assert kinds == ["reasoning", "text"]
    assert content[0]["reasoning"] == "Count the letters."
    assert content[1]["text"] == "Three."


def test_output_version_v1_invoke_puts_reasoning_block_first() -> None:
    model = model_serving(json.dumps(REASONING_BODY).encode(), "application/json", output_version="v1")
    assert_reasoning_then_text(model.invoke("hi").content)


def test_output_version_v1_stream_puts_reasoning_block_first() -> None:
    events = [
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"reasoning_content": "Count the "}}]},
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"reasoning_content": "letters."}}]},
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": "Thr"}}]},
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": "ee."}, "finish_reason": "stop"}]},
    ]
    model = model_serving(sse(events), "text/event-stream", output_version="v1")
    assert_reasoning_then_text(summed(list(model.stream("hi"))).content)


def test_output_version_v1_stream_from_think_tags() -> None:
    model = model_serving(sse_of_contents(SPLIT_TAG_DELTAS), "text/event-stream", output_version="v1")
    content = summed(list(model.stream("hi"))).content
    assert isinstance(content, list)
    reasoning, text = content
    assert isinstance(reasoning, dict)
    assert isinstance(text, dict)
    assert [reasoning["type"], text["type"]] == ["reasoning", "text"]
    assert reasoning["reasoning"] == "Let me see"
    assert text["text"] == "The answer is 4."
