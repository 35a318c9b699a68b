"""A copy with other connection settings sends with them, even after the original has made calls.

Each emulator accepts only its own key (anything else gets a 401), and its request log shows who asked what.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFiles
from langchain_toiotech.testing import GatewayEmulator

KEY_A, KEY_B = "sk-gateway-a", "sk-gateway-b"


@pytest.fixture
def gateways() -> Iterator[tuple[GatewayEmulator, GatewayEmulator]]:
    with GatewayEmulator(api_key=KEY_A) as first, GatewayEmulator(api_key=KEY_B) as second:
        yield first, second


def paths(gateway: GatewayEmulator) -> list[str]:
    return [request.path for request in gateway.requests]


def chat_call(model: Any, mode: str) -> None:
    if mode == "sync":
        model.invoke("hello")
        assert "".join(str(chunk.content) for chunk in model.stream("hello"))
    else:

        async def both() -> None:
            await model.ainvoke("hello")
            assert "".join([str(chunk.content) async for chunk in model.astream("hello")])

        asyncio.run(both())


def embeddings_call(model: Any, mode: str) -> None:
    if mode == "sync":
        assert model.embed_query("hello")
    else:
        assert asyncio.run(model.aembed_query("hello"))


def files_call(files: Any, mode: str, upload: Path) -> None:
    if mode == "sync":
        assert files.retrieve(files.upload(upload).id)
    else:

        async def both() -> None:
            assert await files.aretrieve((await files.aupload(upload)).id)

        asyncio.run(both())


def clients(base_url: str, upload: Path) -> dict[str, tuple[Any, Callable[[Any, str], None]]]:
    return {
        "chat": (ChatToiotech(model="deepseek-chat", base_url=base_url, api_key=KEY_A), chat_call),
        "embeddings": (
            ToiotechEmbeddings(model="text-embedding-3-small", base_url=base_url, api_key=KEY_A),
            embeddings_call,
        ),
        "files": (ToiotechFiles(base_url=base_url, api_key=KEY_A), lambda files, mode: files_call(files, mode, upload)),
    }


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("kind", ["chat", "embeddings", "files"])
@pytest.mark.parametrize("new_key", [KEY_B, SecretStr(KEY_B)], ids=["str-key", "secret-key"])
def test_a_copy_uses_its_own_url_and_key(
    gateways: tuple[GatewayEmulator, GatewayEmulator], tmp_path: Path, kind: str, mode: str, new_key: Any
) -> None:
    first, second = gateways
    upload = tmp_path / "notes.txt"
    upload.write_text("hello")
    original, call = clients(first.base_url, upload)[kind]
    call(original, mode)  # first use: the original's transport is built and cached
    sent_to_first = paths(first)

    copy = original.model_copy(update={"base_url": second.base_url, "api_key": new_key})
    call(copy, mode)  # a 401 from `second` if the old key were sent, a request in `first`'s log if the old URL

    assert paths(second) == sent_to_first  # the same requests, now to the second gateway
    assert paths(first) == sent_to_first  # and none more to the first
    assert copy.api_key == SecretStr(KEY_B)  # a plain-string key is wrapped as on construction
    assert KEY_B not in repr(copy)
    call(original, mode)  # the original keeps its own settings
    assert len(paths(first)) == 2 * len(sent_to_first)


def test_changing_a_field_after_use_takes_effect(gateways: tuple[GatewayEmulator, GatewayEmulator]) -> None:
    first, second = gateways
    model = ChatToiotech(model="deepseek-chat", base_url=first.base_url, api_key=KEY_A)
    model.invoke("hello")

    model.base_url, model.api_key = second.base_url, SecretStr(KEY_B)
    model.invoke("hello")

    assert len(first.requests) == len(second.requests) == 1


def test_a_copy_with_the_same_settings_shares_the_transport(gateways: tuple[GatewayEmulator, GatewayEmulator]) -> None:
    first, _ = gateways
    model = ChatToiotech(model="deepseek-chat", base_url=first.base_url, api_key=KEY_A)
    model.invoke("hello")

    copy = model.model_copy(update={"temperature": 0.5})

    assert copy._transport is model._transport  # nothing rebuilt when no connection setting changed
    assert copy.invoke("hello").content


def test_headers_changed_in_place_after_use_are_sent(gateways: tuple[GatewayEmulator, GatewayEmulator]) -> None:
    first, _ = gateways
    headers = {"X-Team": "search"}
    model = ChatToiotech(model="deepseek-chat", base_url=first.base_url, api_key=KEY_A, default_headers=headers)
    model.invoke("hello")

    assert model.default_headers is not None
    model.default_headers["X-Team"] = "ranking"  # the same dict, changed in place: the transports must see it
    model.invoke("hello")

    assert [request.headers.get("x-team") for request in first.requests] == ["search", "ranking"]


def test_request_fields_changed_after_use_are_sent(gateways: tuple[GatewayEmulator, GatewayEmulator]) -> None:
    # The request defaults are built once and kept (`_config.derived`): every way a field can change after the
    # first call must still reach the next request, and a copy's update must not leak into its original.
    first, _ = gateways
    model = ChatToiotech(
        model="deepseek-chat", base_url=first.base_url, api_key=KEY_A, temperature=0.1, extra_body={}, max_tokens=9
    )
    model.invoke("hello")
    model.temperature = 0.2  # assigned
    model.invoke("hello")
    model.model_kwargs["top_k"] = 4  # changed in place
    assert model.extra_body is not None
    model.extra_body["seed_hint"] = "a"  # changed in place, from an empty dict
    model.invoke("hello")
    copy = model.model_copy(update={"temperature": 0.3, "max_tokens": None})
    copy.invoke("hello")
    model.invoke("hello")

    sent = [request.body for request in first.requests]
    assert [body["temperature"] for body in sent] == [0.1, 0.2, 0.2, 0.3, 0.2]
    assert [body.get("top_k") for body in sent] == [None, None, 4, 4, 4]
    assert [body.get("seed_hint") for body in sent] == [None, None, "a", "a", "a"]
    assert [body.get("max_tokens") for body in sent] == [9, 9, 9, None, 9]


def test_identifying_params_follow_every_change_and_are_the_callers_to_change() -> None:
    # They key the LLM cache of a non-serialisable subclass: a kept copy that missed a change would serve a stale
    # answer. Kept while no field is assigned (`_config.derived`), so each kind of change is checked here.
    model = ChatToiotech(model="deepseek-chat", base_url="http://127.0.0.1:9/v1", api_key=KEY_A, temperature=0.1)
    first = model._identifying_params
    first["temperature"] = 99  # the caller's own copy
    assert model._identifying_params["temperature"] == 0.1

    model.temperature = 0.2
    assert model._identifying_params["temperature"] == 0.2
    model.model_kwargs["top_k"] = 4  # in place, after the assigned field's params were kept
    assert model._identifying_params["top_k"] == 4
    copy = model.model_copy(update={"model": "deepseek-reasoner"})
    assert copy._identifying_params["model"] == "deepseek-reasoner"
    assert model._identifying_params["model"] == "deepseek-chat"
