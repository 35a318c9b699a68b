"""Content sent as a list of parts: Mistral's text / thinking parts and toiotech's Gemini image rewrite.

The recorded Mistral captures (tests/fixtures/mistral-*) are replayed end to end by test_captures_chat.py;
these cases cover the shapes around them: thinking that switches to plain string deltas, parts mixed with
images, reference parts, and the exact chunks a stream yields.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_toiotech._chat.messages import convert_dict_to_message
from langchain_toiotech._chat.stream import ChatStreamAssembler
from langchain_toiotech._shared.answer_parts import ContentParts, split_content

IMAGE = {"type": "image_url", "image_url": {"url": "https://toiotech.s3.cn-northwest-1.example/cat.png"}}


def thinking(*texts: str, **extra: Any) -> dict[str, Any]:
    return {"type": "thinking", "thinking": [{"type": "text", "text": text} for text in texts], **extra}


def stream(deltas: list[dict[str, Any]]) -> list[AIMessageChunk]:
    assembler = ChatStreamAssembler()
    chunks = [{"id": "c1", "model": "magistral", "choices": [{"index": 0, "delta": delta}]} for delta in deltas]
    generated = [generation for chunk in chunks for generation in assembler.feed(chunk)]
    messages = [generation.message for generation in [*generated, *assembler.finish()]]
    assert all(isinstance(message, AIMessageChunk) for message in messages)
    return messages  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain", ContentParts(text="plain")),
        (None, ContentParts()),
        ({"type": "text"}, ContentParts()),
        ([{"type": "text", "text": "2 + 2"}, {"type": "text", "text": " = 4"}], ContentParts(text="2 + 2 = 4")),
        ([thinking("a", "b", closed=True), {"type": "text", "text": "4"}], ContentParts(text="4", reasoning="ab")),
        ([{"type": "thinking", "thinking": "as a string"}], ContentParts(reasoning="as a string")),
        # Mistral's thinking may cite sources with reference parts: they carry no text.
        (
            [
                {
                    "type": "thinking",
                    "thinking": [{"type": "reference", "reference_ids": [1]}, {"type": "text", "text": "x"}],
                }
            ],
            ContentParts(reasoning="x"),
        ),
        (
            [{"type": "text", "text": "Here:"}, IMAGE],
            ContentParts(text="Here:", blocks=[{"type": "text", "text": "Here:"}, IMAGE]),
        ),
    ],
)
def test_split_content(raw: Any, expected: ContentParts) -> None:
    assert split_content(raw) == expected


def test_thinking_parts_then_plain_string_deltas() -> None:
    """Mistral Medium 3.5 streams thinking as part lists, then the answer as plain string fragments."""
    produced = stream(
        [
            {"role": "assistant", "content": [thinking("Add ")]},
            {"content": [thinking("two and two.")]},
            {"content": "The answer"},
            {"content": " is 4."},
        ]
    )
    assert [message.additional_kwargs.get("reasoning_content") for message in produced[:2]] == ["Add ", "two and two."]
    assert [message.content for message in produced[2:4]] == ["The answer", " is 4."]
    full = functools.reduce(operator.add, produced)
    assert full.content == "The answer is 4."
    assert full.additional_kwargs["reasoning_content"] == "Add two and two."


def test_text_parts_go_through_the_think_tag_splitter() -> None:
    full = functools.reduce(
        operator.add,
        stream(
            [{"content": [{"type": "text", "text": "<think>hm"}]}, {"content": [{"type": "text", "text": "</think>4"}]}]
        ),
    )
    assert full.content == "4"
    assert full.additional_kwargs["reasoning_content"] == "hm"


def test_a_delta_with_an_image_part_keeps_it() -> None:
    produced = stream([{"content": [thinking("draw"), {"type": "text", "text": "Here:"}, IMAGE]}])
    assert produced[0].content == [{"type": "text", "text": "Here:"}, IMAGE]
    assert produced[0].additional_kwargs["reasoning_content"] == "draw"


def test_whole_reply_with_thinking_and_an_image_keeps_the_blocks_in_order() -> None:
    message = convert_dict_to_message(
        {"role": "assistant", "content": [thinking("draw a cat"), {"type": "text", "text": "Here:"}, IMAGE]}
    )
    assert message.content == [{"type": "text", "text": "Here:"}, IMAGE]
    assert message.additional_kwargs["reasoning_content"] == "draw a cat"


def test_whole_reply_of_text_parts_is_a_string() -> None:
    message = convert_dict_to_message({"role": "assistant", "content": [thinking("t"), {"type": "text", "text": "3"}]})
    assert message.content == "3"
    assert message.additional_kwargs == {"reasoning_content": "t"}


def test_reasoning_fields_win_over_thinking_parts() -> None:
    """One source only: a relay that fills both must not double the reasoning."""
    message = convert_dict_to_message(
        {"role": "assistant", "reasoning_content": "t", "content": [thinking("t"), {"type": "text", "text": "3"}]}
    )
    assert message.additional_kwargs["reasoning_content"] == "t"
