"""What the langchain-tests standard suites share here.

langchain-tests takes one suite base class per test class, so the shared answers are mixins listed before it
(`class TestX(ChatToiotechSuite, ChatModelUnitTests)`): their properties come first in the MRO.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage

from langchain_toiotech import ChatToiotech, ToiotechEmbeddings
from langchain_toiotech._shared.profiles import model_profile
from tests._support.messages import summed

UsageDetails = dict[
    Literal["invoke", "stream"],
    list[Literal["audio_input", "audio_output", "reasoning_output", "cache_read_input", "cache_creation_input"]],
]
"""The type langchain-tests gives `supported_usage_metadata_details`."""

REASONING_AND_CACHE_READ: UsageDetails = {
    "invoke": ["reasoning_output", "cache_read_input"],
    "stream": ["reasoning_output", "cache_read_input"],
}

ENV_KEY = "sk-from-env"
ENV_BASE_URL = "https://gateway.example.com/v1"


def from_env_params(model: str) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """`init_from_env_params` for a class that reads TOIOTECH_API_KEY and TOIOTECH_BASE_URL."""
    env = {"TOIOTECH_API_KEY": ENV_KEY, "TOIOTECH_BASE_URL": ENV_BASE_URL}
    return env, {"model": model}, {"api_key": ENV_KEY, "base_url": ENV_BASE_URL}


def answer(model: ChatToiotech, messages: Sequence[BaseMessage], *, stream: bool) -> AIMessage:
    """The reply to `messages`, invoked or streamed and summed (the suites' `invoke_with_*` hooks)."""
    if not stream:
        return model.invoke(list(messages))
    return summed(model.stream(list(messages)))


class ChatToiotechSuite:
    """The chat class and the capabilities every ChatToiotech model has, whatever the model."""

    @property
    def chat_model_class(self) -> type[ChatToiotech]:
        return ChatToiotech

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True


class ProfileInputs:
    """Media-input flags read from the package's profile table for `model_name`."""

    model_name: str

    def profile_flag(self, key: str) -> bool:
        return bool(model_profile(self.model_name).get(key))

    @property
    def supports_image_inputs(self) -> bool:
        return self.profile_flag("image_inputs")

    @property
    def supports_image_urls(self) -> bool:
        return self.profile_flag("image_url_inputs")

    @property
    def supports_pdf_inputs(self) -> bool:
        return self.profile_flag("pdf_inputs")


class EmbeddingsSuite:
    """The embeddings class under the standard embeddings suites."""

    @property
    def embeddings_class(self) -> type[ToiotechEmbeddings]:
        return ToiotechEmbeddings
