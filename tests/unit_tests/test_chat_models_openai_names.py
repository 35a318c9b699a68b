"""Code written for ChatOpenAI keeps working: its field names, per-call options and LangSmith parameters."""

from __future__ import annotations

import builtins
import inspect
import logging
import warnings
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from pydantic import SecretStr

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFiles
from langchain_toiotech.testing import GatewayEmulator

KEY = "sk-openai-name-5e8d"


def _chat_requests(gw: GatewayEmulator) -> list[Any]:
    return [request for request in gw.requests if request.path == "/v1/chat/completions"]


def test_openai_api_key_and_base_are_our_key_and_url(gw: GatewayEmulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "transferred to model_kwargs" warning
        model = ChatToiotech(model="deepseek-chat", openai_api_key=KEY, openai_api_base=gw.base_url)
    assert isinstance(model.api_key, SecretStr)
    assert model.api_key.get_secret_value() == KEY
    assert model.base_url == gw.base_url
    assert model.model_kwargs == {}
    assert KEY not in repr(model)
    assert KEY not in str(model.asdict())
    model.invoke("hi")
    (sent,) = _chat_requests(gw)
    assert "openai_api_key" not in sent.body
    assert "openai_api_base" not in sent.body
    assert KEY not in str(sent.body)
    assert KEY not in caplog.text


@pytest.mark.parametrize("client", [ChatToiotech, ToiotechEmbeddings, ToiotechFiles])
def test_every_client_takes_the_openai_names(client: type, gw: GatewayEmulator) -> None:
    model = {} if client is ToiotechFiles else {"model_name": "deepseek-chat"}
    instance = client(openai_api_key=KEY, openai_api_base=gw.base_url, request_timeout=7, max_retries=1, **model)
    assert instance.api_key.get_secret_value() == KEY
    assert (instance.base_url, instance.timeout, instance.max_retries) == (gw.base_url, 7, 1)


def test_the_key_reaches_the_authorization_header() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]}
        return httpx.Response(200, json=body)

    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        ChatToiotech(model="m", openai_api_key=KEY, http_client=http).invoke("hi")
    assert seen == [f"Bearer {KEY}"]


def test_both_names_of_one_setting_are_refused_without_quoting_the_key() -> None:
    with pytest.raises(ValueError, match="api_key and openai_api_key") as caught:
        ChatToiotech(model="m", api_key=KEY, openai_api_key=KEY + "2")
    assert KEY not in str(caught.value)
    with pytest.raises(ValueError, match="base_url and openai_api_base"):
        ToiotechEmbeddings(base_url="https://a.example/v1", openai_api_base="https://b.example/v1")


@pytest.mark.parametrize("option", ["openai_proxy", "openai_organization", "organization"])
def test_openai_options_without_meaning_here_are_refused(option: str) -> None:
    with pytest.raises(ValueError, match=option):
        ChatToiotech(model="m", **{option: "x"})


def test_model_name_is_an_attribute() -> None:
    assert ChatToiotech(model="deepseek-chat").model_name == "deepseek-chat"
    assert ChatToiotech(model_name="deepseek-chat").model == "deepseek-chat"
    assert ToiotechEmbeddings(model="text-embedding-v4").model_name == "text-embedding-v4"


def _stream_options(gw: GatewayEmulator, model: ChatToiotech, **call: Any) -> tuple[Any, Any]:
    gw.clear_requests()
    full = None
    for chunk in model.stream("Count to three.", **call):
        full = chunk if full is None else full + chunk
    assert full is not None
    return _chat_requests(gw)[0].body.get("stream_options"), full.usage_metadata


def test_call_time_stream_options_win_over_the_default(gw: GatewayEmulator) -> None:
    model = ChatToiotech(model="deepseek-chat", base_url=gw.base_url, api_key=KEY)
    options, usage = _stream_options(gw, model)
    assert options == {"include_usage": True}
    assert usage is not None
    options, usage = _stream_options(gw, model, stream_options={"include_usage": False})
    assert (options, usage) == ({"include_usage": False}, None)
    options, usage = _stream_options(gw, model, stream_usage=False)
    assert (options, usage) == (None, None)


def test_model_kwargs_stream_options_are_honoured(gw: GatewayEmulator) -> None:
    no_usage = {"stream_options": {"include_usage": False}}
    model = ChatToiotech(model="deepseek-chat", base_url=gw.base_url, api_key=KEY, model_kwargs=no_usage)
    assert _stream_options(gw, model) == ({"include_usage": False}, None)
    options, usage = _stream_options(gw, model, stream_options={"include_usage": True})
    assert options == {"include_usage": True}
    assert usage is not None


def test_stream_options_never_go_with_a_non_streamed_call(gw: GatewayEmulator) -> None:
    model = ChatToiotech(model="deepseek-chat", base_url=gw.base_url, api_key=KEY)
    model.invoke("hi", stream_options={"include_usage": True})
    assert "stream_options" not in _chat_requests(gw)[0].body


def test_call_time_settings_are_not_sent_as_request_fields(gw: GatewayEmulator) -> None:
    model = ChatToiotech(model="doubao-seed-1-8", base_url=gw.base_url, api_key=KEY, video_fps=1)
    video = HumanMessage([{"type": "text", "text": "What?"}, {"type": "video", "url": "https://e.example/v.mp4"}])
    model.invoke([video], video_fps=2, reasoning_pass_back="never", use_responses_api=False)
    (sent,) = _chat_requests(gw)
    assert not {"video_fps", "reasoning_pass_back", "use_responses_api"} & set(sent.body)
    assert sent.body["messages"][0]["content"][1]["video_url"]["fps"] == 2
    with pytest.raises(ValueError, match="reasoning_pass_back"):
        model.invoke("hi", reasoning_pass_back="sometimes")
    model.invoke("hi", use_responses_api=True)
    assert gw.requests[-1].path == "/v1/responses"


def test_langsmith_params_match_chatopenai() -> None:
    model = ChatToiotech(model="gpt-5.1", temperature=0.3, max_tokens=77, stop=["END"])
    assert model._get_ls_params() == {
        "ls_provider": "toiotech",
        "ls_model_name": "gpt-5.1",
        "ls_model_type": "chat",
        "ls_temperature": 0.3,
        "ls_max_tokens": 77,
        "ls_stop": ["END"],
    }
    called = model._get_ls_params(stop=["HALT"], model="gpt-4o", max_tokens=5)
    assert (called["ls_stop"], called["ls_model_name"], called["ls_max_tokens"]) == (["HALT"], "gpt-4o", 5)
    completion = ChatToiotech(model="o3", max_completion_tokens=900, stop="END")._get_ls_params()
    assert (completion["ls_max_tokens"], completion["ls_stop"]) == (900, ["END"])


def test_ls_params_have_the_keys_chatopenai_reports() -> None:
    chat_openai = pytest.importorskip("langchain_openai").ChatOpenAI
    settings = {"model": "gpt-4o", "temperature": 0.3, "max_tokens": 77, "stop": ["END"], "api_key": "sk-x"}
    theirs = chat_openai(**settings)._get_ls_params()
    ours = ChatToiotech(**settings)._get_ls_params()
    assert set(ours) == set(theirs)
    assert {key: value for key, value in ours.items() if key != "ls_provider"} == {
        key: value for key, value in theirs.items() if key != "ls_provider"
    }


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.invocation_params: list[dict[str, Any]] = []
        self.metadata: list[dict[str, Any]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.invocation_params.append(kwargs["invocation_params"])
        self.metadata.append(kwargs.get("metadata") or {})


def test_model_level_stop_shows_in_invocation_params(gw: GatewayEmulator) -> None:
    recorder = _Recorder()
    model = ChatToiotech(model="deepseek-chat", base_url=gw.base_url, api_key=KEY, stop=["END"], max_tokens=9)
    model.invoke("hi", config={"callbacks": [recorder]})
    model.invoke("hi", stop=["HALT"], config={"callbacks": [recorder]})
    assert [params["stop"] for params in recorder.invocation_params] == [["END"], ["HALT"]]
    assert recorder.metadata[0]["ls_stop"] == ["END"]
    assert recorder.metadata[0]["ls_max_tokens"] == 9
    assert [request.body["stop"] for request in _chat_requests(gw)] == [["END"], ["HALT"]]


def test_openai_names_inside_model_kwargs_are_fields_too(gw: GatewayEmulator) -> None:
    model = ChatToiotech(model="deepseek-chat", base_url=gw.base_url, model_kwargs={"openai_api_key": KEY, "top_k": 3})
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == KEY
    assert model.model_kwargs == {"top_k": 3}
    model.invoke("hi")
    assert KEY not in str(gw.requests[-1].body)
    with pytest.raises(ValueError, match="openai_api_key given both") as caught:
        ChatToiotech(model="m", openai_api_key=KEY, model_kwargs={"openai_api_key": KEY})
    assert KEY not in str(caught.value)


def test_invocation_params_are_what_core_builds() -> None:
    # The direct build must return exactly core's dict (through the deprecated `dict()`), model stop included.
    with pytest.warns(UserWarning, match="seed"):  # a field given in model_kwargs is moved, as ChatOpenAI does
        model = ChatToiotech(model="gpt-4o", temperature=0.2, stop=["END"], model_kwargs={"seed": 3})
    for stop, extra in ((None, {}), (["HALT"], {"max_tokens": 5})):
        core = BaseChatModel._get_invocation_params(model, stop=stop, **extra)
        if core["stop"] is None:
            core["stop"] = ["END"]
        assert model._get_invocation_params(stop=stop, **extra) == core


class _Relabelled(ChatToiotech):
    def dict(self, **_kwargs: Any) -> builtins.dict[str, Any]:
        return {"relabelled": True}


def test_a_subclass_dict_override_still_shapes_invocation_params() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = _Relabelled.model_validate({"model": "gpt-4o"})._get_invocation_params()
    assert params["relabelled"] is True


def test_core_reads_a_stored_signature_that_still_offers_run_manager() -> None:
    model = ChatToiotech(model="gpt-4o")
    for name in ("_generate", "_agenerate"):
        assert "__signature__" in vars(getattr(ChatToiotech, name))
        parameters = inspect.signature(getattr(model, name)).parameters
        assert list(parameters) == ["messages", "stop", "run_manager", "kwargs"]
