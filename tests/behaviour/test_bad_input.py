"""Invalid arguments and messages fail early, with the right class and a message that names the problem.

Every case runs against a gateway that counts requests: none may be sent.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel, ValidationError

from langchain_toiotech import ChatToiotech
from tests._support.messages import CALL_MODES, reply_of

API_KEY = "sk-test-bad-input"
BASE_URL = "https://gateway.test/v1"
PNG_PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
VIDEO_URL = "https://cdn.example.com/clip.mp4"
IMAGE_URL = "https://cdn.example.com/cat.png"


class CountingGateway:
    """A MockTransport handler that answers nothing useful and counts how often it was reached."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return httpx.Response(500, json={"error": {"message": f"unexpected request to {request.url}"}})


@pytest.fixture
def gateway() -> CountingGateway:
    return CountingGateway()


def client_kwargs(gateway: CountingGateway) -> dict[str, Any]:
    transport = httpx.MockTransport(gateway)
    return {
        "http_client": httpx.Client(transport=transport),
        "http_async_client": httpx.AsyncClient(transport=transport),
    }


def make_model(gateway: CountingGateway, **kwargs: Any) -> ChatToiotech:
    kwargs.setdefault("base_url", BASE_URL)
    return ChatToiotech(model="gpt-4o-mini", api_key=API_KEY, **client_kwargs(gateway), **kwargs)


# --- constructor arguments ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        pytest.param({"base_url": "ftp://x"}, ["base_url", "ftp://x"], id="ftp-scheme"),
        pytest.param({"base_url": "api.toiotech.com"}, ["base_url", "api.toiotech.com"], id="no-scheme"),
        pytest.param({"base_url": "https://"}, ["base_url"], id="no-host"),
        pytest.param({"max_retries": -1}, ["max_retries", "-1"], id="negative-max-retries"),
    ],
)
def test_invalid_constructor_arguments(kwargs: dict[str, Any], fragments: list[str], gateway: CountingGateway) -> None:
    arguments = {"model": "gpt-4o-mini", "api_key": API_KEY, "base_url": BASE_URL, **kwargs}

    with pytest.raises(ValueError, match=re.escape(fragments[0])) as caught:
        ChatToiotech(**arguments, **client_kwargs(gateway))

    assert isinstance(caught.value, ValidationError)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert gateway.calls == 0


@pytest.mark.parametrize("api_key", [None, ""], ids=["unset", "empty"])
def test_missing_api_key_names_the_env_var(
    api_key: str | None, gateway: CountingGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOIOTECH_API_KEY", raising=False)
    arguments: dict[str, Any] = {"model": "gpt-4o-mini", "base_url": BASE_URL}
    if api_key is not None:
        arguments["api_key"] = api_key

    with pytest.raises(ValueError, match="TOIOTECH_API_KEY") as caught:
        ChatToiotech(**arguments, **client_kwargs(gateway))

    assert "api_key" in str(caught.value)
    assert gateway.calls == 0


def test_api_key_is_read_from_the_env_var(gateway: CountingGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    # The counterpart of the test above: the variable the message names is the one that is read.
    monkeypatch.setenv("TOIOTECH_API_KEY", "sk-from-env")

    model = ChatToiotech(model="gpt-4o-mini", base_url=BASE_URL, **client_kwargs(gateway))

    assert model.api_key is not None
    assert model.api_key.get_secret_value() == "sk-from-env"


def test_plain_http_to_a_remote_host_warns_about_the_key(gateway: CountingGateway) -> None:
    with pytest.warns(UserWarning, match="unencrypted") as record:
        make_model(gateway, base_url="http://example.com/v1")

    (warning,) = [entry for entry in record if issubclass(entry.category, UserWarning)]
    assert "http://example.com/v1" in str(warning.message)
    assert warning.filename == __file__  # it points at the caller's line, not at pydantic or langchain-core
    assert gateway.calls == 0


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8080/v1",
        "http://localhost:3000/v1",
        "http://[::1]:8080/v1",
        "http://127.0.0.2/v1",
        "https://example.com/v1",
    ],
)
def test_no_warning_for_loopback_or_https(base_url: str, gateway: CountingGateway) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = make_model(gateway, base_url=base_url)

    assert model.base_url == base_url


# --- messages -----------------------------------------------------------------------------------------------------


def human(*blocks: Any) -> list[HumanMessage]:
    return [HumanMessage(content=list(blocks))]


BAD_MESSAGES = {
    "empty-message-list": ([], ["empty"]),
    "unknown-block-type": (
        human({"type": "text", "text": "look"}, {"type": "hologram", "url": IMAGE_URL}),
        ["block 1", "'hologram'"],
    ),
    # langchain-core's tracing formatter rejects this one before the model sees it, without a block index.
    "base64-image-without-mime-type": (
        human({"type": "text", "text": "what is this?"}, {"type": "image", "base64": PNG_PIXEL}),
        ["mime_type", "base64"],
    ),
    "video-fps-zero": (
        human({"type": "video", "url": VIDEO_URL, "fps": 0}),
        ["block 0", "fps", "0.2", "5"],
    ),
    "video-fps-ten": (
        human({"type": "text", "text": "describe"}, {"type": "video", "url": VIDEO_URL, "fps": 10}),
        ["block 1", "fps", "10", "0.2", "5"],
    ),
    "native-video-url-fps-ten": (
        human({"type": "video_url", "video_url": {"url": VIDEO_URL, "fps": 10}}),
        ["block 0", "fps", "10"],
    ),
    "image-with-two-sources": (
        human({"type": "image", "url": IMAGE_URL, "base64": PNG_PIXEL, "mime_type": "image/png"}),
        ["block 0", "url", "base64"],
    ),
}


@pytest.mark.parametrize("mode", CALL_MODES)
@pytest.mark.parametrize(("messages", "fragments"), BAD_MESSAGES.values(), ids=BAD_MESSAGES.keys())
async def test_bad_messages_fail_before_any_request(
    messages: Any, fragments: list[str], mode: str, gateway: CountingGateway
) -> None:
    model = make_model(gateway)

    with pytest.raises(ValueError, match=re.escape(fragments[0])) as caught:
        await reply_of(model, mode, messages)

    message = str(caught.value).lower()
    for fragment in fragments:
        assert fragment.lower() in message, (fragment, str(caught.value))
    assert gateway.calls == 0


# --- tools and structured output ----------------------------------------------------------------------------------


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"sunny in {city}"


class Person(BaseModel):
    name: str


BAD_BINDINGS: dict[str, tuple[Callable[[ChatToiotech], Any], list[str]]] = {
    "tool-choice-not-bound": (
        lambda model: model.bind_tools([get_weather], tool_choice="get_time"),
        ["get_time", "get_weather"],
    ),
    "structured-output-unknown-method": (
        lambda model: model.with_structured_output(Person, method="nope"),  # type: ignore[arg-type]
        ["'nope'", "json_schema"],
    ),
    "structured-output-json-schema-without-schema": (
        lambda model: model.with_structured_output(None, method="json_schema"),
        ["json_schema", "schema"],
    ),
    "structured-output-function-calling-without-schema": (
        lambda model: model.with_structured_output(None, method="function_calling"),
        ["function_calling", "schema"],
    ),
    "structured-output-unknown-keyword": (
        lambda model: model.with_structured_output(Person, temperature=0),
        ["temperature"],
    ),
}


@pytest.mark.parametrize(("bind", "fragments"), BAD_BINDINGS.values(), ids=BAD_BINDINGS.keys())
def test_bad_tool_and_structured_output_arguments(
    bind: Callable[[ChatToiotech], Any], fragments: list[str], gateway: CountingGateway
) -> None:
    model = make_model(gateway)

    with pytest.raises(ValueError, match=re.escape(fragments[0])) as caught:
        bind(model)

    for fragment in fragments:
        assert fragment in str(caught.value)
    assert gateway.calls == 0


def test_tool_choice_naming_a_bound_tool_is_accepted(gateway: CountingGateway) -> None:
    # The counterpart of the unbound case: the check compares against the bound names, not a fixed list.
    bound = make_model(gateway).bind_tools([get_weather], tool_choice="get_weather")

    assert bound.kwargs["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}  # type: ignore[attr-defined]
    assert gateway.calls == 0


def test_files_client_rejects_an_unknown_argument() -> None:
    from langchain_toiotech import ToiotechFiles  # noqa: PLC0415 - lazy public name

    with pytest.raises(TypeError, match="'files_base_ur'; did you mean 'files_base_url'"):
        ToiotechFiles(api_key="sk-test", files_base_ur="https://ark.example.com/api/v3")


def test_chat_model_sends_an_unknown_argument_as_a_request_field_with_a_warning() -> None:
    from langchain_toiotech import ChatToiotech  # noqa: PLC0415 - lazy public name

    with pytest.warns(UserWarning, match="top_k"):
        model = ChatToiotech(model="m", api_key="sk-test", top_k=5)
    assert model.model_kwargs == {"top_k": 5}
