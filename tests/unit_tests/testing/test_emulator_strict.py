"""Strict mode (the default): routes, model names, per-family reasoning, media, fps and routes per model."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import pytest

from langchain_toiotech import ChatToiotech
from langchain_toiotech._shared.catalogue import CATALOGUE
from langchain_toiotech.errors import BadRequestError, NotFoundError
from langchain_toiotech.testing import EmulatedModel, GatewayEmulator
from langchain_toiotech.testing.__main__ import _limits, _parser
from langchain_toiotech.testing._server_limits import ServerLimits
from tests._support.catalogue import ENTRIES

TLS = httpx.create_ssl_context()
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return client.post(path, json=body)


def _chat(client: httpx.Client, model: str, content: Any = "hi", **extra: Any) -> httpx.Response:
    return _post(
        client, "/chat/completions", {"model": model, "messages": [{"role": "user", "content": content}], **extra}
    )


def _message(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    message: dict[str, Any] = response.json()["choices"][0]["message"]
    return message


# -- routes and model names ---------------------------------------------------------------------------------------


def test_paths_without_v1_are_the_gateways_404(gw: GatewayEmulator) -> None:
    root = gw.base_url.removesuffix("/v1")
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    response = httpx.post(f"{root}/chat/completions", json=body, headers={"Authorization": "Bearer k"}, verify=TLS)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (POST /chat/completions)"
    model = ChatToiotech(model="gpt-4o-mini", base_url=root, api_key="sk-test", max_retries=0)
    with pytest.raises(NotFoundError, match="Invalid URL"):
        model.invoke("hi")  # a base_url missing /v1 fails offline as it fails live


def test_an_unknown_model_is_a_404_in_the_gateways_shape(client: httpx.Client) -> None:
    requests: list[tuple[str, dict[str, Any]]] = [
        ("/chat/completions", {"model": "gpt-4o-mni", "messages": [{"role": "user", "content": "hi"}]}),
        ("/responses", {"model": "gpt-4o-mni", "input": "hi"}),
        ("/embeddings", {"model": "text-embedding-3-smol", "input": "hi"}),
    ]
    for path, body in requests:
        response = _post(client, path, body)
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "model_not_found"
        assert error["param"] == "model"
        assert error["type"] == "invalid_request_error"
        assert error["message"].startswith(f"The model `{body['model']}` does not exist")
        assert error["message"].endswith("emu)")  # new-api's " (request id: ...)" suffix


def test_chat_toiotech_sees_a_typo_as_not_found(gw: GatewayEmulator) -> None:
    model = ChatToiotech(model="deepseek-reasoners", base_url=gw.base_url, api_key="sk-test")
    with pytest.raises(NotFoundError, match="deepseek-reasoners"):
        model.invoke("hi")
    assert len(gw.requests) == 1  # a 404 is not retried


def test_the_model_list_is_the_catalogue(client: httpx.Client) -> None:
    names = [item["id"] for item in client.get("/models").json()["data"]]
    assert names == list(CATALOGUE)
    assert len(names) > 120
    assert client.get("/models/kimi-k2.5").status_code == 200
    assert client.get("/models/kimi-k9").status_code == 404


def test_every_model_the_docs_catalogue_names_is_served() -> None:
    # The "doubao-1.8" pages are request styles whose example requests send `doubao-seed-1-8`.
    names = {name for _, _, name, _ in ENTRIES if not name.startswith("doubao-1.8")}
    assert names <= set(CATALOGUE)
    assert "doubao-seed-1-8" in CATALOGUE


def test_registered_models_are_served_with_their_facts() -> None:
    extra = EmulatedModel("acme-vision", family="qwen", inputs=frozenset({"image"}))
    with (
        GatewayEmulator(models=["doubao-seed-1-6-251015", extra]) as gw,
        httpx.Client(base_url=gw.base_url, headers={"Authorization": "Bearer k"}, verify=TLS) as client,
    ):
        assert _chat(client, "doubao-seed-1-6-251015").status_code == 200
        assert _chat(client, "acme-vision", [IMAGE, {"type": "text", "text": "see"}]).status_code == 200
        assert _chat(client, "my-finetune").status_code == 404
        registered = gw.register_model("my-finetune", like="deepseek-reasoner")
        assert registered.family == "deepseek"
        assert _message(_chat(client, "my-finetune"))["reasoning_content"] == "Thinking about: hi"
        gw.register_model("acme-embed", embedding_dimensions=768)
        vector = _post(client, "/embeddings", {"model": "acme-embed", "input": "x"}).json()["data"][0]["embedding"]
        assert len(vector) == 768
        assert {"my-finetune", "acme-embed", "acme-vision"} <= set(gw.models)


def test_register_model_rejects_unknown_media_kinds(gw: GatewayEmulator) -> None:
    with pytest.raises(ValueError, match="inputs must be a subset"):
        gw.register_model("x", inputs=["smell"])


def test_permissive_mode_answers_anything() -> None:
    with GatewayEmulator(strict=False) as gw:
        assert not gw.strict
        root = gw.base_url.removesuffix("/v1")
        body = {"model": "made-up", "messages": [{"role": "user", "content": [IMAGE]}]}
        response = httpx.post(f"{root}/chat/completions", json=body, headers={"Authorization": "Bearer k"}, verify=TLS)
    assert response.json()["choices"][0]["message"]["reasoning_content"].startswith("Thinking about")


def test_the_command_line_has_a_permissive_switch() -> None:
    assert _parser().parse_args(["--permissive", "--model", "a", "--model", "b"]).permissive
    assert _parser().parse_args([]).permissive is False
    assert _parser().parse_args(["--model", "a", "--model", "b"]).model == ["a", "b"]


def test_every_server_limit_has_its_command_line_option() -> None:
    options = ["--max-body-bytes", "11", "--max-upload-bytes", "12", "--idle-timeout", "1.5"]
    options += ["--max-connections", "13", "--max-logged-requests", "14", "--max-json-depth", "15"]
    assert _limits(_parser().parse_args(options)) == ServerLimits(11, 12, 1.5, 13, 14, 15)
    assert _limits(_parser().parse_args([])) == ServerLimits(max_logged_requests=0)  # nothing reads a CLI log


# -- reasoning per family -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "extra", "key"),
    [
        ("deepseek-reasoner", {}, "reasoning_content"),
        ("kimi-k2-thinking", {}, "reasoning_content"),
        ("qwen3-max", {}, "reasoning_content"),
        ("glm-4.6", {}, "reasoning_content"),
        ("doubao-seed-1-8", {}, "reasoning_content"),
        ("claude-sonnet-4-5-20250929", {"thinking": {"type": "enabled", "budget_tokens": 2048}}, "reasoning_content"),
        (
            "gemini-2.5-flash",
            {"extra_body": {"google": {"thinking_config": {"include_thoughts": True}}}},
            "reasoning_content",
        ),
    ],
)
def test_reasoning_models_reason_in_their_vendors_shape(
    client: httpx.Client, model: str, extra: dict[str, Any], key: str
) -> None:
    assert _message(_chat(client, model, **extra))[key] == "Thinking about: hi"


@pytest.mark.parametrize(
    "model", ["gpt-4o-mini", "deepseek-chat", "qwen-max", "glm-4-plus", "claude-sonnet-4-5-20250929", "gpt-5"]
)
def test_no_reasoning_text_where_the_vendor_sends_none(client: httpx.Client, model: str) -> None:
    message = _message(_chat(client, model))
    assert set(message) == {"role", "content"}  # gpt-5 reasons, but chat completions carry no reasoning text
    assert "<think>" not in message["content"]


def test_minimax_thinks_in_tags_inside_content(client: httpx.Client) -> None:
    assert _message(_chat(client, "minimax-m2"))["content"].startswith("<think>\nThinking about: hi\n</think>\n")


def test_reasoning_switched_off_by_the_request(client: httpx.Client) -> None:
    assert "reasoning_content" not in _message(_chat(client, "qwen3-max", enable_thinking=False))
    assert "reasoning_content" not in _message(_chat(client, "doubao-seed-1-8", thinking={"type": "disabled"}))


def test_gemini_tool_calls_carry_a_thought_signature(client: httpx.Client) -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    calls = _message(_chat(client, "gemini-3-pro-preview", "use get_weather", tools=[tool]))["tool_calls"]
    assert calls[0]["extra_content"]["google"]["thought_signature"].startswith("emu-sig-")
    other = _message(_chat(client, "gpt-4o-mini", "use get_weather", tools=[tool]))["tool_calls"]
    assert "extra_content" not in other[0]


# -- media, fps and routes ------------------------------------------------------------------------------------------


def test_deepseek_refuses_an_image_with_its_own_message(client: httpx.Client) -> None:
    response = _chat(client, "deepseek-chat", [{"type": "text", "text": "see"}, IMAGE])
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith(
        "Failed to deserialize the JSON body into the target type: messages[0]: unknown variant `image_url`, "
        "expected `text` at line 1 column "
    )


@pytest.mark.parametrize(
    ("model", "part"),
    [
        ("gpt-4", IMAGE),
        ("gpt-4o-mini", {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}}),
        ("gpt-4o-mini", {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}),
        ("kimi-k2", {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBE"}}),
    ],
)
def test_media_the_model_does_not_take_is_refused(client: httpx.Client, model: str, part: dict[str, Any]) -> None:
    response = _chat(client, model, [{"type": "text", "text": "see"}, part])
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith(f"Invalid content type. {part['type']} is only supported by certain models.")
    assert error["param"] == "messages.[0].content.[1].type"


def test_chat_toiotech_gets_the_media_refusal_as_a_bad_request(gw: GatewayEmulator) -> None:
    model = ChatToiotech(model="gpt-4o-mini", base_url=gw.base_url, api_key="sk-test")
    video = {"type": "video", "url": "https://example.com/v.mp4"}
    with pytest.raises(BadRequestError, match="video_url is only supported"):
        model.invoke([("human", [{"type": "text", "text": "what happens?"}, video])])


@pytest.mark.parametrize(("fps", "ok"), [(0.2, True), (1, True), (5, True), (0.1, False), (30, False)])
def test_ark_video_fps_outside_its_range_is_refused(client: httpx.Client, fps: float, *, ok: bool) -> None:
    video = {"type": "video_url", "video_url": {"url": "https://x/v.mp4", "fps": fps}}
    response = _chat(client, "doubao-seed-2-0-pro-260215", [{"type": "text", "text": "see"}, video])
    assert (response.status_code == 200) is ok, response.text
    if not ok:
        error = response.json()["error"]
        assert error["code"] == "InvalidParameter"
        assert error["param"] == "messages[0].content[1].video_url.fps"
        assert "specified in the request is not valid" in error["message"]


def test_responses_only_models_are_refused_on_chat(client: httpx.Client) -> None:
    response = _chat(client, "gpt-5.1-codex")
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith(
        "This model is only supported in v1/responses and not in v1/chat/completions."
    )
    assert _post(client, "/responses", {"model": "gpt-5.1-codex", "input": "hi"}).status_code == 200


def test_chat_only_models_are_refused_on_responses(client: httpx.Client) -> None:
    response = _post(client, "/responses", {"model": "deepseek-reasoner", "input": "hi"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "convert_request_failed"
    assert _post(client, "/responses", {"model": "doubao-seed-1-8", "input": "hi"}).status_code == 200


def test_an_embeddings_model_is_not_a_chat_model(client: httpx.Client) -> None:
    response = _chat(client, "text-embedding-3-small")
    assert response.status_code == 404
    assert "not a chat model" in response.json()["error"]["message"]
    assert _post(client, "/embeddings", {"model": "gpt-4o-mini", "input": "x"}).status_code == 400


# -- embeddings -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "extra", "length"),
    [
        ("text-embedding-3-small", {}, 1536),
        ("text-embedding-3-large", {}, 3072),
        ("text-embedding-ada-002", {}, 1536),
        ("text-embedding-3-large", {"dimensions": 256}, 256),
    ],
)
def test_embeddings_have_the_models_dimension(
    client: httpx.Client, model: str, extra: dict[str, Any], length: int
) -> None:
    body = {"model": model, "input": ["a", "b", "a"], **extra}
    vectors = [item["embedding"] for item in _post(client, "/embeddings", body).json()["data"]]
    assert {len(vector) for vector in vectors} == {length}
    assert all(math.isclose(math.fsum(v * v for v in vector), 1.0) for vector in vectors)
    assert vectors[0] == vectors[2]
    assert vectors[0] != vectors[1]
    again = _post(client, "/embeddings", body).json()["data"][0]["embedding"]
    assert json.dumps(again) == json.dumps(vectors[0])  # deterministic across requests


def test_dimensions_only_for_models_that_take_them(client: httpx.Client) -> None:
    response = _post(client, "/embeddings", {"model": "text-embedding-ada-002", "input": "x", "dimensions": 256})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "This model does not support specifying dimensions."
    too_long = _post(client, "/embeddings", {"model": "text-embedding-3-small", "input": "x", "dimensions": 4096})
    assert too_long.status_code == 400


def test_the_request_log_has_each_answers_status_and_request_id_never_the_key(
    client: httpx.Client, gw: GatewayEmulator
) -> None:
    ok = _chat(client, "gpt-4o-mini")
    refused = _chat(client, "gpt-4o-mni")
    first, second = gw.requests
    assert (first.status, second.status) == (200, 404)
    assert first.request_id == ok.headers["x-oneapi-request-id"]
    assert second.request_id in refused.json()["error"]["message"]
    assert second.body["model"] == "gpt-4o-mni"
    assert second.headers["authorization"] == "Bearer ***"
