"""Quickstart: invoke, stream with reasoning, and read usage.

Runs against the live gateway when TOIOTECH_API_KEY is set, otherwise against the bundled offline emulator.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage

from langchain_toiotech import ChatToiotech
from langchain_toiotech.testing import GatewayEmulator

MODEL = os.environ.get("TOIOTECH_MODEL", "deepseek-reasoner")


def main() -> None:
    with ExitStack() as stack:
        if os.environ.get("TOIOTECH_API_KEY"):
            print(f"Using the live toiotech gateway with model {MODEL}.")
            model = ChatToiotech(model=MODEL)
        else:
            gateway = stack.enter_context(GatewayEmulator())
            print(f"No TOIOTECH_API_KEY set: using the offline gateway emulator at {gateway.base_url}.")
            model = ChatToiotech(model=MODEL, base_url=gateway.base_url, api_key="sk-emulator")

        messages = [
            SystemMessage("You are a concise assistant."),
            HumanMessage("Name one reason to use an AI gateway."),
        ]
        answer = model.invoke(messages)
        print("\n== invoke ==")
        print("answer:   ", answer.content)
        print("reasoning:", answer.additional_kwargs.get("reasoning_content", "(none)"))
        print("usage:    ", answer.usage_metadata)

        print("\n== stream ==")
        full: AIMessageChunk | None = None
        for chunk in model.stream(messages):
            print(chunk.content, end="", flush=True)
            full = chunk if full is None else full + chunk
        assert full is not None
        print()
        print("reasoning:", full.additional_kwargs.get("reasoning_content", "(none)"))
        print("usage:    ", full.usage_metadata)
        print("finish:   ", full.response_metadata.get("finish_reason"))


if __name__ == "__main__":
    main()
