"""ChatStreamAssembler on literal chunk dicts: tool-call fragment styles, reasoning details, the closing chunk."""

from __future__ import annotations

import functools
import json
import operator
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_toiotech._chat.stream import ChatStreamAssembler


def delta_chunk(delta: dict[str, Any], *, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


def call_fragment(
    index: int | None,
    *,
    arguments: str = "",
    call_id: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    fragment: dict[str, Any] = {"function": {"arguments": arguments}}
    if index is not None:
        fragment["index"] = index
    if call_id is not None:
        fragment["id"] = call_id
        fragment["type"] = "function"
    if name is not None:
        fragment["function"]["name"] = name
    return fragment


def messages(chunks: list[dict[str, Any]]) -> list[AIMessageChunk]:
    assembler = ChatStreamAssembler()
    generated = [generation for chunk in chunks for generation in assembler.feed(chunk)]
    generated += assembler.finish()
    result = []
    for generation in generated:
        assert isinstance(generation.message, AIMessageChunk)
        result.append(generation.message)
    return result


def assemble(chunks: list[dict[str, Any]]) -> AIMessageChunk:
    return functools.reduce(operator.add, messages(chunks))


def split_arguments(arguments: dict[str, Any], size: int) -> list[str]:
    text = json.dumps(arguments, ensure_ascii=False)
    return [text[start : start + size] for start in range(0, len(text), size)]


# --- tool calls ---------------------------------------------------------------------------------------------


def test_openai_style_fragments_id_and_name_only_on_the_first() -> None:
    beijing, luoyang = {"location": "北京", "format": "celsius"}, {"location": "洛阳"}
    chunks = [delta_chunk({"role": "assistant", "content": None})]
    chunks.append(delta_chunk({"tool_calls": [call_fragment(0, call_id="call_a", name="get_weather")]}))
    chunks += [delta_chunk({"tool_calls": [call_fragment(0, arguments=part)]}) for part in split_arguments(beijing, 4)]
    chunks.append(delta_chunk({"tool_calls": [call_fragment(1, call_id="call_b", name="get_history")]}))
    chunks += [delta_chunk({"tool_calls": [call_fragment(1, arguments=part)]}) for part in split_arguments(luoyang, 3)]
    chunks.append(delta_chunk({}, finish="tool_calls"))
    full = assemble(chunks)
    assert full.tool_calls == [
        {"name": "get_weather", "args": beijing, "id": "call_a", "type": "tool_call"},
        {"name": "get_history", "args": luoyang, "id": "call_b", "type": "tool_call"},
    ]
    assert full.invalid_tool_calls == []
    assert full.response_metadata["finish_reason"] == "tool_calls"


def test_interleaved_fragments_of_parallel_calls() -> None:
    first, second = {"a": 1}, {"b": "two"}
    parts_1, parts_2 = split_arguments(first, 2), split_arguments(second, 2)
    chunks = [
        delta_chunk(
            {
                "tool_calls": [
                    call_fragment(0, call_id="call_1", name="one"),
                    call_fragment(1, call_id="call_2", name="two"),
                ]
            }
        )
    ]
    for index in range(max(len(parts_1), len(parts_2))):
        fragments = [
            call_fragment(n, arguments=parts[index]) for n, parts in ((0, parts_1), (1, parts_2)) if index < len(parts)
        ]
        chunks.append(delta_chunk({"tool_calls": fragments}))
    full = assemble(chunks)
    assert [(call["name"], call["args"], call["id"]) for call in full.tool_calls] == [
        ("one", first, "call_1"),
        ("two", second, "call_2"),
    ]


def test_vendor_repeating_id_and_name_in_every_fragment_is_not_doubled() -> None:
    """Hunyuan / OpenRouter repeat `id`, `type` and `function.name` on every fragment."""
    arguments = {"city": "Shenzhen", "unit": "c"}
    chunks = [
        delta_chunk({"tool_calls": [call_fragment(0, arguments=part, call_id="call_rep", name="weather")]})
        for part in split_arguments(arguments, 5)
    ]
    chunks.append(delta_chunk({}, finish="tool_calls"))
    produced = messages(chunks)
    full = functools.reduce(operator.add, produced)
    assert full.tool_calls == [{"name": "weather", "args": arguments, "id": "call_rep", "type": "tool_call"}]
    names = [tc["name"] for message in produced for tc in message.tool_call_chunks if tc["name"]]
    ids = [tc["id"] for message in produced for tc in message.tool_call_chunks if tc["id"]]
    assert names == ["weather"]
    assert ids == ["call_rep"]


def test_whole_call_in_one_chunk_glm() -> None:
    call = {
        "id": "call_-8303617501649735809",
        "index": 0,
        "type": "function",
        "function": {"name": "weather", "arguments": '{"location": "Florence, Italy"}'},
    }
    full = assemble([delta_chunk({"content": "Checking.", "tool_calls": [call]}, finish="tool_calls")])
    assert full.content == "Checking."
    assert full.tool_calls == [
        {"name": "weather", "args": {"location": "Florence, Italy"}, "id": call["id"], "type": "tool_call"}
    ]


def test_parallel_whole_calls_in_the_finish_chunk_ark() -> None:
    calls = [
        {
            "function": {
                "arguments": json.dumps({"location": city}, ensure_ascii=False),
                "name": "get_current_weather",
            },
            "id": f"call_{index}",
            "index": index,
            "type": "function",
        }
        for index, city in enumerate(["北京", "洛阳"])
    ]
    chunks = [
        delta_chunk({"content": "", "reasoning_content": "用户需要", "role": "assistant"}),
        delta_chunk(
            {"content": "", "reasoning_content": "", "role": "assistant", "tool_calls": calls}, finish="tool_calls"
        ),
    ]
    full = assemble(chunks)
    assert [(call["id"], call["args"]) for call in full.tool_calls] == [
        ("call_0", {"location": "北京"}),
        ("call_1", {"location": "洛阳"}),
    ]
    assert full.additional_kwargs["reasoning_content"] == "用户需要"


def test_missing_index_uses_the_position_in_the_list() -> None:
    calls = [
        {"id": "call_x", "type": "function", "function": {"name": "first", "arguments": '{"n": 1}'}},
        {"id": "call_y", "type": "function", "function": {"name": "second", "arguments": '{"n": 2}'}},
    ]
    full = assemble([delta_chunk({"tool_calls": calls}, finish="tool_calls")])
    assert [(call["name"], call["args"], call["id"]) for call in full.tool_calls] == [
        ("first", {"n": 1}, "call_x"),
        ("second", {"n": 2}, "call_y"),
    ]


def test_missing_index_across_chunks_continues_the_single_call() -> None:
    arguments = {"query": "langchain"}
    chunks = [delta_chunk({"tool_calls": [call_fragment(None, call_id="call_s", name="search")]})]
    chunks += [
        delta_chunk({"tool_calls": [call_fragment(None, arguments=part)]}) for part in split_arguments(arguments, 4)
    ]
    full = assemble(chunks)
    assert full.tool_calls == [{"name": "search", "args": arguments, "id": "call_s", "type": "tool_call"}]


@pytest.mark.parametrize("arguments", ["{location: Florence}", "not json", "[1, 2]"])
def test_unparsable_arguments_become_an_invalid_tool_call(arguments: str) -> None:
    # (A merely truncated object such as '{"a": "Flo' is completed by core's partial-JSON parser, so it is valid.)
    chunks = [
        delta_chunk({"tool_calls": [call_fragment(0, call_id="call_bad", name="weather")]}),
        delta_chunk({"tool_calls": [call_fragment(0, arguments=arguments[:3])]}),
        delta_chunk({"tool_calls": [call_fragment(0, arguments=arguments[3:])]}),
        delta_chunk({}, finish="tool_calls"),
    ]
    full = assemble(chunks)
    assert full.tool_calls == []
    assert len(full.invalid_tool_calls) == 1
    invalid = full.invalid_tool_calls[0]
    assert (invalid["name"], invalid["args"], invalid["id"]) == ("weather", arguments, "call_bad")


def test_non_dict_tool_call_entries_are_skipped() -> None:
    good = call_fragment(0, arguments="{}", call_id="call_ok", name="noop")
    full = assemble([delta_chunk({"tool_calls": [None, "junk", good]})])
    assert [(call["name"], call["id"]) for call in full.tool_calls] == [("noop", "call_ok")]


# --- reasoning details, text, closing chunk ----------------------------------------------------------------


OPENROUTER_DETAILS = [
    [{"type": "reasoning.text", "text": "Step ", "format": "anthropic-claude-v1", "index": 0}],
    [{"type": "reasoning.text", "text": "one.", "format": "anthropic-claude-v1", "index": 0}],
    # The signature arrives in a fragment of its own, with no text.
    [
        {
            "type": "reasoning.text",
            "text": "",
            "signature": "EqQBCkgIARABGAIiQL==",
            "format": "anthropic-claude-v1",
            "index": 0,
        }
    ],
    [{"type": "reasoning.encrypted", "data": "gAAAAB-opaque", "format": "anthropic-claude-v1", "index": 1}],
]


def openrouter_reasoning_stream() -> list[dict[str, Any]]:
    chunks = [
        delta_chunk({"reasoning": item[0].get("text") or None, "reasoning_details": item})
        for item in OPENROUTER_DETAILS
    ]
    chunks.append(delta_chunk({"content": "Answer."}, finish="stop"))
    return chunks


def test_reasoning_details_fragments_are_all_kept() -> None:
    """Every fragment reaches a chunk, also those with no text (signature, encrypted data)."""
    produced = messages(openrouter_reasoning_stream())
    kept = [
        message.additional_kwargs["reasoning_details"]
        for message in produced
        if "reasoning_details" in message.additional_kwargs
    ]
    assert len(kept) == len(OPENROUTER_DETAILS)
    assert kept[0] == OPENROUTER_DETAILS[0]  # the first fragment of each entry is verbatim
    assert kept[3] == OPENROUTER_DETAILS[3]
    for sent, wire in zip(kept, OPENROUTER_DETAILS, strict=True):
        # Later fragments keep everything but a constant repeated from an earlier fragment of the same entry.
        assert {key: value for key, value in wire[0].items() if key != "format"} == {
            key: value for key, value in sent[0].items() if key != "format"
        }


def test_reasoning_details_sum_to_the_entries_openrouter_meant() -> None:
    full = assemble(openrouter_reasoning_stream())
    assert full.additional_kwargs["reasoning_content"] == "Step one."
    assert full.content == "Answer."
    assert full.additional_kwargs["reasoning_details"] == [
        {
            "type": "reasoning.text",
            "text": "Step one.",
            "format": "anthropic-claude-v1",
            "index": 0,
            "signature": "EqQBCkgIARABGAIiQL==",
        },
        {"type": "reasoning.encrypted", "data": "gAAAAB-opaque", "format": "anthropic-claude-v1", "index": 1},
    ]


def test_whole_reasoning_details_in_one_chunk_are_verbatim() -> None:
    details = [
        {"type": "reasoning.summary", "summary": "Short.", "format": "openai-responses-v1", "index": 0},
        {"type": "reasoning.encrypted", "data": "gAAAAB", "format": "openai-responses-v1", "index": 1},
    ]
    full = assemble([delta_chunk({"reasoning_details": details}), delta_chunk({"content": "Hi"}, finish="stop")])
    assert full.additional_kwargs["reasoning_details"] == details
    assert full.additional_kwargs["reasoning_content"] == "Short."


def test_empty_deltas_produce_no_chunks_until_the_closing_one() -> None:
    produced = messages(
        [
            delta_chunk({"role": "assistant", "content": "", "reasoning_content": ""}),
            delta_chunk({"content": None}),
            delta_chunk({}, finish="stop"),
        ]
    )
    assert len(produced) == 1
    assert produced[0].chunk_position == "last"
    assert produced[0].response_metadata["finish_reason"] == "stop"


def test_only_choice_zero_is_read() -> None:
    chunk = {
        "id": "c",
        "model": "m",
        "choices": [
            {"index": 1, "delta": {"content": "second choice"}},
            {"index": 0, "delta": {"content": "first choice"}, "finish_reason": "stop"},
        ],
    }
    assert assemble([chunk]).content == "first choice"


def test_held_tag_prefix_is_released_at_the_end() -> None:
    full = assemble([delta_chunk({"content": "<thi"}), delta_chunk({}, finish="stop")])
    assert full.content == "<thi"


def test_closing_chunk_carries_metadata_and_usage_once() -> None:
    usage = {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}
    chunks = [
        delta_chunk({"content": "Hi"}, system_fingerprint="fp_9"),
        delta_chunk({}, finish="stop"),
        {"id": "chatcmpl-other", "model": "test-model-2", "choices": [], "usage": usage},
    ]
    produced = messages(chunks)
    assert [message.chunk_position for message in produced] == [None, "last"]
    assert produced[0].usage_metadata is None
    assert produced[0].response_metadata == {"model_provider": "toiotech"}
    last = produced[-1]
    assert last.usage_metadata == {"input_tokens": 9, "output_tokens": 4, "total_tokens": 13}
    assert last.response_metadata["model_name"] == "test-model-2"
    assert last.response_metadata["id"] == "chatcmpl-1"
    assert last.response_metadata["system_fingerprint"] == "fp_9"
    assert last.response_metadata["finish_reason"] == "stop"
