"""Settings that could only fail on the first call fail when the client is built, naming the field.

Every public class that holds connection settings is built with each bad value: `ChatToiotech`,
`ToiotechEmbeddings`, `ToiotechFiles`, and `ToiotechFileLoader` (which builds a chat model and a Files client).
The base URL's query string is kept on every request; credentials in it are refused without being quoted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.load import dumpd

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFileLoader, ToiotechFiles
from langchain_toiotech.testing import GatewayEmulator

KEY = "sk-test-construction-0123456789"
VISION = "doubao-seed-1-6-251015"
FACTORIES: dict[str, Callable[..., Any]] = {
    "chat": lambda **kw: ChatToiotech(model="gpt-4o-mini", api_key=KEY, **kw),
    "embeddings": lambda **kw: ToiotechEmbeddings(api_key=KEY, **kw),
    "files": lambda **kw: ToiotechFiles(api_key=KEY, **kw),
    "loader": lambda **kw: ToiotechFileLoader("x.pdf", model=VISION, api_key=KEY, **kw),
}
CLIENTS = list(FACTORIES)

BAD_TIMEOUTS = {
    "negative": -1,
    "nan": math.nan,
    "zero": 0,
    "infinite": math.inf,
    "httpx-negative-read": httpx.Timeout(10.0, read=-1),
    "httpx-nan-connect": httpx.Timeout(10.0, connect=math.nan),
}


@pytest.mark.parametrize("value", BAD_TIMEOUTS.values(), ids=BAD_TIMEOUTS.keys())
@pytest.mark.parametrize("client", CLIENTS)
def test_a_timeout_that_cannot_work_fails_at_construction(client: str, value: object) -> None:
    with pytest.raises(ValueError, match=r"timeout(\.\w+)? must be a positive, finite number of seconds"):
        FACTORIES[client](timeout=value)


# Every other duration the chat model declares (stream_chunk_timeout, stream_total_timeout, ...).
STREAM_TIMEOUTS = sorted(name for name in ChatToiotech.model_fields if name.endswith("timeout") and name != "timeout")


@pytest.mark.parametrize("field", STREAM_TIMEOUTS)
@pytest.mark.parametrize("value", [-5, math.nan, 0, math.inf], ids=["negative", "nan", "zero", "infinite"])
def test_a_stream_timeout_that_cannot_work_fails_at_construction(field: str, value: float) -> None:
    assert "stream_chunk_timeout" in STREAM_TIMEOUTS
    with pytest.raises(ValueError, match=f"{field} must be a positive, finite number of seconds"):
        FACTORIES["chat"](**{field: value})
    with pytest.raises(ValueError, match=f"{field} must be"):
        FACTORIES["loader"](chat_kwargs={field: value})
    FACTORIES["chat"](**{field: 2.5})


@pytest.mark.parametrize("client", CLIENTS)
def test_good_timeouts_are_accepted(client: str) -> None:
    for value in (0.5, 30, httpx.Timeout(None), httpx.Timeout(60.0, connect=5.0), None):
        FACTORIES[client](timeout=value)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"temperature": math.nan}, "temperature"),
        ({"top_p": math.inf}, "top_p"),
        ({"model_kwargs": {"top_k": math.nan}}, r"model_kwargs\['top_k'\]"),
        ({"model_kwargs": {"modalities": {"a", "b"}}}, r"model_kwargs\['modalities'\]"),
        ({"extra_body": {"thinking": object()}}, r"extra_body\['thinking'\]"),
        ({"extra_body": {"x": [1, math.inf]}}, r"extra_body\['x'\]"),
    ],
    ids=["temperature-nan", "top_p-inf", "model_kwargs-nan", "model_kwargs-set", "extra_body-object", "nested-inf"],
)
def test_request_fields_json_cannot_carry_fail_at_construction(arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        FACTORIES["chat"](**arguments)
    with pytest.raises(ValueError, match=field):
        FACTORIES["loader"](chat_kwargs=arguments)


def test_embeddings_model_kwargs_json_cannot_carry_fail_at_construction() -> None:
    with pytest.raises(ValueError, match=r"model_kwargs\['user'\] cannot be sent as JSON"):
        FACTORIES["embeddings"](model_kwargs={"user": b"bytes"})


@pytest.mark.parametrize("client", CLIENTS)
def test_a_header_httpx_would_refuse_fails_at_construction_without_its_value(client: str) -> None:
    with pytest.raises(ValueError, match=r"default_headers\['X-Team'\] holds a control character") as caught:
        FACTORIES[client](default_headers={"X-Team": "search-secret-value\r\n"})
    assert "search-secret-value" not in str(caught.value)
    with pytest.raises(ValueError, match="invalid header name"):
        FACTORIES[client](default_headers={"X Team": "a"})


# --- base_url ----------------------------------------------------------------------------------------------

CREDENTIAL_URLS = {
    "user-password": "http://alice:hunter2-pass@gateway.test/v1",
    "user-only": "https://hunter2-pass@gateway.test/v1",
    "key-parameter": "https://gateway.test/v1?key=hunter2-pass",
    "api-key-parameter": "https://gateway.test/v1?api-version=1&api_key=hunter2-pass",
    "sas-signature": "https://gateway.test/v1?sv=2024&sig=hunter2-pass",
    "the-key-in-the-path": f"https://gateway.test/{KEY}/v1",
}


@pytest.mark.parametrize("url", CREDENTIAL_URLS.values(), ids=CREDENTIAL_URLS.keys())
@pytest.mark.parametrize("client", CLIENTS)
def test_a_base_url_holding_credentials_is_refused_without_quoting_them(client: str, url: str) -> None:
    with pytest.raises(ValueError, match=r"base_url (holds|has a query parameter)") as caught:
        FACTORIES[client](base_url=url)
    for secret in ("hunter2-pass", "alice", KEY):
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value)
    assert "gateway.test" in str(caught.value)  # it still says which URL


def test_files_base_url_is_checked_the_same_way() -> None:
    with pytest.raises(ValueError, match="files_base_url holds credentials") as caught:
        FACTORIES["files"](files_base_url="https://u:hunter2-pass@ark.test/api/v3")
    assert "hunter2-pass" not in str(caught.value)
    with pytest.raises(ValueError, match="files_base_url holds credentials"):
        FACTORIES["loader"](files_base_url="https://u:hunter2-pass@ark.test/api/v3")


def test_a_fragment_is_refused() -> None:
    with pytest.raises(ValueError, match="#fragment"):
        FACTORIES["chat"](base_url="https://gateway.test/v1#section")


def test_a_short_key_is_not_mistaken_for_part_of_the_url() -> None:
    ChatToiotech(model="m", api_key="1", base_url="http://127.0.0.1:1/v1")  # "1" is in the host, not a secret


async def test_the_base_url_query_is_sent_on_every_request(tmp_path: Path) -> None:
    png = tmp_path / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)))
    with GatewayEmulator(files_api="openai", reasoning_style=None) as gw:
        base_url = f"{gw.base_url}?api-version=2024-10-21"
        model = ChatToiotech(model="gpt-4o-mini", api_key=KEY, base_url=base_url)
        model.invoke("hi")
        [_ async for _ in model.astream("hi")]
        ChatToiotech(model="gpt-5.1-codex", api_key=KEY, base_url=base_url).invoke("hi")
        ToiotechEmbeddings(api_key=KEY, base_url=base_url).embed_query("hi")
        files = ToiotechFiles(api_key=KEY, base_url=base_url)
        uploaded = files.upload(png)
        files.list(purpose="user_data")
        files.delete(uploaded.id)
        requests = gw.requests

    assert [request.path for request in requests] == [
        "/v1/chat/completions",
        "/v1/chat/completions",
        "/v1/responses",
        "/v1/embeddings",
        "/v1/files",
        "/v1/files",
        f"/v1/files/{uploaded.id}",
    ]
    for request in requests:
        assert request.query["api-version"] == "2024-10-21"
    assert requests[5].query["purpose"] == "user_data"  # a call's own parameters are added to it


def test_a_base_url_with_a_query_is_shown_as_given_everywhere() -> None:
    # Nothing secret can be in it (see above), so it is shown whole: the api-version is part of the setup.
    url = "https://gateway.test/v1?api-version=2024-10-21"
    model = ChatToiotech(model="gpt-4o-mini", api_key=KEY, base_url=url)

    assert model._identifying_params["base_url"] == url
    assert url in repr(model)
    assert model._get_invocation_params()["base_url"] == url
    dumped = dumpd(model)
    assert dumped["kwargs"]["base_url"] == url
    assert dumped["kwargs"]["api_key"] == {"lc": 1, "type": "secret", "id": ["TOIOTECH_API_KEY"]}
    assert KEY not in json.dumps(dumpd(model)) + repr(model) + repr(model._get_invocation_params())
