"""LangChain's LLM cache tells apart every setting that changes the request or its reading, and keys no secret.

langchain-core keys a serialisable model's cache entries by its `dumpd` (constructor arguments that differ from
their defaults) plus the call's arguments; each case below changes one field and must reach the gateway twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.globals import set_llm_cache

from langchain_toiotech import ChatToiotech
from langchain_toiotech.testing import GatewayEmulator

PROMPT = "Is the cache keyed by everything?"
KEY = "sk-cache-key-7f3a9"

# (field, first value, second value, other settings): each pair changes the request or how it is read.
FieldPair = tuple[str, Any, Any, dict[str, Any]]
FIELD_PAIRS: list[FieldPair] = [
    ("reasoning", {"enabled": True}, {"enabled": False}, {}),
    ("extra_body", {"thinking": {"type": "enabled"}}, {"thinking": {"type": "disabled"}}, {}),
    ("stop", ["END"], ["STOP"], {}),
    ("reasoning_pass_back", "always", "never", {}),
    ("use_responses_api", True, False, {"model": "gpt-5.1"}),
    ("video_fps", 1, 2, {}),
    ("model_kwargs", {"top_k": 1}, {"top_k": 2}, {}),
    ("output_version", "v0", "v1", {}),
    ("model", "deepseek-reasoner", "deepseek-chat", {}),
    ("temperature", 0.1, 0.9, {}),
    ("max_tokens", 50, 60, {}),
    ("max_completion_tokens", 50, 60, {}),
    ("top_p", 0.5, 0.9, {}),
    ("seed", 1, 2, {}),
    ("reasoning_effort", "low", "high", {"model": "gpt-5.1"}),
    ("stream_usage", True, False, {"streaming": True}),
    ("streaming", True, False, {}),
    ("default_headers", {"X-Route": "a"}, {"X-Route": "b"}, {}),
]


@pytest.fixture
def cache() -> Iterator[InMemoryCache]:
    memory = InMemoryCache()
    set_llm_cache(memory)
    yield memory
    set_llm_cache(None)


def _model(gw: GatewayEmulator, **settings: Any) -> ChatToiotech:
    settings.setdefault("model", "deepseek-reasoner")
    return ChatToiotech(base_url=gw.base_url, api_key=KEY, **settings)


def _model_requests(gw: GatewayEmulator) -> int:
    return sum(1 for request in gw.requests if request.path in {"/v1/chat/completions", "/v1/responses"})


@pytest.mark.parametrize("case", FIELD_PAIRS, ids=[pair[0] for pair in FIELD_PAIRS])
def test_each_field_is_part_of_the_cache_key(gw: GatewayEmulator, cache: InMemoryCache, case: FieldPair) -> None:
    field, first, second, others = case
    one = _model(gw, **{**others, field: first})
    other = _model(gw, **{**others, field: second})
    one.invoke(PROMPT)
    one.invoke(PROMPT)  # a hit: the cache is on
    assert _model_requests(gw) == 1
    other.invoke(PROMPT)
    assert _model_requests(gw) == 2, f"{field}={second!r} was answered from the entry of {field}={first!r}"


@pytest.mark.parametrize("case", FIELD_PAIRS, ids=[pair[0] for pair in FIELD_PAIRS])
async def test_each_field_keys_the_async_cache(gw: GatewayEmulator, cache: InMemoryCache, case: FieldPair) -> None:
    field, first, second, others = case
    one = _model(gw, **{**others, field: first})
    other = _model(gw, **{**others, field: second})
    await one.ainvoke(PROMPT)
    await one.ainvoke(PROMPT)  # a hit: the cache is on
    assert _model_requests(gw) == 1
    await other.ainvoke(PROMPT)
    assert _model_requests(gw) == 2, f"{field}={second!r} was answered from the entry of {field}={first!r}"


def test_the_reasoning_answer_is_not_served_for_reasoning_off(gw: GatewayEmulator, cache: InMemoryCache) -> None:
    thinking = _model(gw, reasoning={"enabled": True}).invoke(PROMPT)
    plain = _model(gw, reasoning={"enabled": False}).invoke(PROMPT)
    assert thinking.additional_kwargs.get("reasoning_content")
    assert not plain.additional_kwargs.get("reasoning_content")


def test_call_arguments_are_part_of_the_cache_key(gw: GatewayEmulator, cache: InMemoryCache) -> None:
    model = _model(gw)
    model.invoke(PROMPT, stop=["a"])
    model.invoke(PROMPT, stop=["b"])
    model.bind(reasoning={"enabled": False}).invoke(PROMPT)
    model.bind(reasoning={"enabled": False}).invoke(PROMPT)
    assert _model_requests(gw) == 3


def test_the_cache_key_holds_no_secret(gw: GatewayEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOIOTECH_API_KEY", "sk-from-the-environment-55")
    headers = {"Authorization": "Bearer sk-header-secret-1", "X-Api-Key": "hdr-secret-2", "X-Route": "eu"}
    for model in (_model(gw, default_headers=headers), ChatToiotech(model="m", base_url=gw.base_url)):
        llm_string = model._get_llm_string(stop=None)
        for secret in (KEY, "sk-from-the-environment-55", "sk-header-secret-1", "hdr-secret-2"):
            assert secret not in llm_string
    assert "eu" in _model(gw, default_headers=headers)._get_llm_string()


def test_models_that_differ_only_by_key_share_entries(gw: GatewayEmulator, cache: InMemoryCache) -> None:
    # The key picks the account, not the answer (as for ChatOpenAI, whose key is a secret reference too).
    ChatToiotech(model="deepseek-chat", base_url=gw.base_url, api_key="sk-one").invoke(PROMPT)
    ChatToiotech(model="deepseek-chat", base_url=gw.base_url, api_key="sk-two").invoke(PROMPT)
    assert _model_requests(gw) == 1


def test_the_base_url_is_part_of_the_cache_key(cache: InMemoryCache) -> None:
    with GatewayEmulator() as first, GatewayEmulator() as second:
        ChatToiotech(model="deepseek-chat", base_url=first.base_url, api_key=KEY).invoke(PROMPT)
        ChatToiotech(model="deepseek-chat", base_url=second.base_url, api_key=KEY).invoke(PROMPT)
        assert _model_requests(first) == _model_requests(second) == 1
