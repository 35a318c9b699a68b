"""LangChain serialisation: `dumpd` / `dumps` write the clients without any credential, `load` / `loads` revive them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.load import dumpd, dumps, load, loads
from langchain_core.load.serializable import Serializable
from langchain_core.messages import AIMessage
from langchain_core.prompts import ChatPromptTemplate, HumanMessagePromptTemplate, PromptTemplate
from langchain_core.runnables import RunnableBinding, RunnableSequence
from pydantic import BaseModel

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings
from langchain_toiotech.testing import GatewayEmulator

KEY = "sk-serialised-never-9d2c"
HEADER_SECRET = "hdr-credential-4b1e"
LOAD_OPTIONS: dict[str, Any] = {"valid_namespaces": ["langchain_toiotech"], "secrets_map": {"TOIOTECH_API_KEY": KEY}}


class GetWeather(BaseModel):
    """Look up the weather."""

    city: str


def _chat(**settings: Any) -> ChatToiotech:
    return ChatToiotech(model="deepseek-reasoner", api_key=KEY, **settings)


@pytest.mark.parametrize(
    ("client", "name"),
    [
        (lambda: _chat(reasoning={"enabled": True}, video_fps=2), "ChatToiotech"),
        (lambda: ToiotechEmbeddings(api_key=KEY, dimensions=64), "ToiotechEmbeddings"),
    ],
    ids=["chat", "embeddings"],
)
def test_dump_names_the_public_class_and_holds_the_key_as_a_secret(client: Any, name: str) -> None:
    serialized = dumpd(client())
    assert serialized["type"] == "constructor"
    assert serialized["id"] == ["langchain_toiotech", name]
    assert serialized["kwargs"]["api_key"] == {"lc": 1, "type": "secret", "id": ["TOIOTECH_API_KEY"]}
    assert KEY not in json.dumps(serialized)


def test_a_key_from_the_environment_is_a_secret_reference_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOIOTECH_API_KEY", "sk-env-only-31")
    text = dumps(ChatToiotech(model="deepseek-chat"))
    assert "sk-env-only-31" not in text
    assert '"id": ["TOIOTECH_API_KEY"]' in text


def test_credential_headers_are_left_out_of_the_dump() -> None:
    headers = {"Authorization": f"Bearer {HEADER_SECRET}", "X-Api-Key": HEADER_SECRET, "X-Route": "eu"}
    model = _chat(default_headers=headers)
    text = dumps(model)
    assert HEADER_SECRET not in text
    assert json.loads(text)["kwargs"]["default_headers"] == {"X-Route": "eu"}
    assert model.default_headers == headers  # the model itself keeps them
    only_credentials = dumpd(_chat(default_headers={"authorization": "Bearer x"}))
    assert "default_headers" not in only_credentials["kwargs"]


def test_chat_model_round_trips_with_a_secrets_map() -> None:
    model = _chat(
        reasoning={"enabled": True},
        extra_body={"thinking": {"type": "enabled"}},
        stop=["END"],
        reasoning_pass_back="never",
        use_responses_api=False,
        video_fps=2,
        temperature=0.2,
        max_tokens=64,
        model_kwargs={"top_k": 5},
        output_version="v1",
        timeout=30,
        max_retries=1,
        default_headers={"X-Route": "eu"},
        reply_limits={"max_event_bytes": 1 << 20},
    )
    loaded = loads(dumps(model), allowed_objects=[ChatToiotech], **LOAD_OPTIONS)
    assert isinstance(loaded, ChatToiotech)
    assert loaded.asdict() == model.asdict()
    assert loaded.api_key is not None
    assert loaded.api_key.get_secret_value() == KEY
    for field in ("reasoning", "extra_body", "stop", "reasoning_pass_back", "use_responses_api", "video_fps"):
        assert getattr(loaded, field) == getattr(model, field)
    assert (loaded.timeout, loaded.max_retries, loaded.output_version) == (30, 1, "v1")
    assert loaded.reply_limits == model.reply_limits
    assert "reply_limits" not in dumpd(_chat())["kwargs"]  # the defaults are not written out


def test_embeddings_round_trip_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    embeddings = ToiotechEmbeddings(api_key=KEY, model="text-embedding-v4", dimensions=64, chunk_size=10)
    monkeypatch.setenv("TOIOTECH_API_KEY", "sk-loaded-from-env")
    loaded = loads(
        dumps(embeddings),
        allowed_objects=[ToiotechEmbeddings],
        valid_namespaces=["langchain_toiotech"],
        secrets_from_env=True,
    )
    assert isinstance(loaded, ToiotechEmbeddings)
    assert (loaded.model, loaded.dimensions, loaded.chunk_size) == ("text-embedding-v4", 64, 10)
    assert loaded.api_key is not None
    assert loaded.api_key.get_secret_value() == "sk-loaded-from-env"


def test_a_loaded_chain_calls_the_gateway(gw: GatewayEmulator) -> None:
    prompt = ChatPromptTemplate.from_messages([("human", "Say {word}")])
    model = ChatToiotech(model="deepseek-chat", base_url=gw.base_url, api_key=KEY)
    chain = prompt | model.bind_tools([GetWeather], tool_choice="GetWeather")
    parts: list[type[Serializable]] = [
        ChatToiotech,
        ChatPromptTemplate,
        HumanMessagePromptTemplate,
        PromptTemplate,
        RunnableBinding,
    ]
    loaded = load(dumpd(chain), allowed_objects=[*parts, RunnableSequence], **LOAD_OPTIONS)
    message = loaded.invoke({"word": "hello"})
    assert isinstance(message, AIMessage)
    assert message.tool_calls[0]["name"] == "GetWeather"
    sent = gw.requests[-1]
    assert sent.body["tools"][0]["function"]["name"] == "GetWeather"
    assert sent.headers["authorization"] == "Bearer ***"


def test_loading_needs_the_namespace_allowed() -> None:
    text = dumps(_chat())
    with pytest.raises(ValueError, match="Invalid namespace"):
        loads(text, allowed_objects=[ChatToiotech], secrets_map={"TOIOTECH_API_KEY": KEY})
    with pytest.raises(ValueError, match="not allowed"):
        loads(text, allowed_objects="all", **LOAD_OPTIONS)


def test_loading_without_the_key_fails_naming_the_variable() -> None:
    text = dumps(_chat())
    with pytest.raises(ValueError, match="TOIOTECH_API_KEY"):
        loads(text, allowed_objects=[ChatToiotech], valid_namespaces=["langchain_toiotech"])


def test_credentials_in_the_base_url_never_reach_a_dump() -> None:
    # Refused at construction (with a message that does not quote them), so no dump can carry them.
    with pytest.raises(ValueError, match="credentials") as caught:
        _chat(base_url="https://user:s3cret-pw@gateway.example/v1")
    assert "s3cret-pw" not in str(caught.value)
