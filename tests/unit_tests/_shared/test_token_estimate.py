from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, trim_messages
from pydantic import BaseModel

from langchain_toiotech import ChatToiotech
from langchain_toiotech._shared.token_estimate import estimate_tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("abcd", 1), ("abcde", 2), ("你好世界", 4), ("こんにちは", 5), ("안녕", 2), ("hi 你好", 2 + 1)],
)
def test_estimate_tokens(text: str, expected: int) -> None:
    assert estimate_tokens(text) == expected


def test_model_counts_offline_without_a_tokenizer_download() -> None:
    model = ChatToiotech(model="deepseek-chat")
    assert model.get_num_tokens("a" * 400) == 100
    messages = [SystemMessage("be brief"), HumanMessage("hello there")]
    base = model.get_num_tokens_from_messages(messages)
    assert base > model.get_num_tokens("be brief hello there")

    class Weather(BaseModel):
        city: str

    assert model.get_num_tokens_from_messages(messages, tools=[Weather]) > base


def test_custom_token_ids_win() -> None:
    model = ChatToiotech(model="x", custom_get_token_ids=lambda text: list(range(len(text.split()))))
    assert model.get_num_tokens("one two three") == 3


def test_trim_messages_works_with_the_model_as_counter() -> None:
    model = ChatToiotech(model="x")
    history = [SystemMessage("s"), *[HumanMessage("word " * 50) if i % 2 == 0 else AIMessage("ok") for i in range(20)]]
    trimmed = trim_messages(history, max_tokens=200, token_counter=model, strategy="last", include_system=True)
    assert trimmed[0].type == "system"
    assert 1 < len(trimmed) < len(history)
    assert model.get_num_tokens_from_messages(trimmed) <= 200
