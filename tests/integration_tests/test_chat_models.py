"""langchain-tests' standard integration suite against the live gateway (needs TOIOTECH_API_KEY).

Run with: TOIOTECH_API_KEY=sk-... pytest tests/integration_tests --allow-hosts=api.toiotech.com
(plus the address your resolver gives for it); TOIOTECH_TEST_MODEL picks another model.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_toiotech import ChatToiotech
from tests._support.standard import ChatToiotechSuite, ProfileInputs, UsageDetails, answer

pytestmark = pytest.mark.skipif(not os.environ.get("TOIOTECH_API_KEY"), reason="needs TOIOTECH_API_KEY")

MODEL = os.environ.get("TOIOTECH_TEST_MODEL", "gpt-4o-mini")
REASONING_MODEL = os.environ.get("TOIOTECH_TEST_REASONING_MODEL", "deepseek-reasoner")


class TestChatToiotechIntegration(ChatToiotechSuite, ProfileInputs, ChatModelIntegrationTests):
    model_name = MODEL  # the capability flags come from the package's own profile table

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": MODEL, "temperature": 0}

    @property
    def supported_usage_metadata_details(self) -> UsageDetails:
        return {"invoke": ["reasoning_output"], "stream": ["reasoning_output"]}

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        return answer(
            ChatToiotech(model=REASONING_MODEL), [HumanMessage("In one word: what is 17 * 3?")], stream=stream
        )


def test_reasoning_content_live() -> None:
    message = ChatToiotech(model=REASONING_MODEL).invoke("Is 91 prime? Answer yes or no.")
    assert message.additional_kwargs.get("reasoning_content")
    assert message.usage_metadata is not None


def test_responses_only_model_live() -> None:
    message = ChatToiotech(model=os.environ.get("TOIOTECH_TEST_RESPONSES_MODEL", "gpt-5.1-codex")).invoke("Say hi.")
    assert message.text
    assert message.response_metadata["id"].startswith("resp")
