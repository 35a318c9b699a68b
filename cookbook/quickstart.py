"""Quickstart: invoke, stream with reasoning, and read usage.

Runs against the live gateway when TOIOTECH_API_KEY is set, otherwise against the bundled offline emulator.
"""

from __future__ import annotations

import os

from _gateway import gateway
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage

from langchain_toiotech import ChatToiotech

MODEL = os.environ.get("TOIOTECH_MODEL", "deepseek-reasoner")


def main() -> None:
    with gateway() as gw:
        model = ChatToiotech(model=MODEL, **gw.kwargs)
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
        if full is None:
            message = "The stream produced no chunks."
            raise SystemExit(message)
        print()
        print("reasoning:", full.additional_kwargs.get("reasoning_content", "(none)"))
        print("usage:    ", full.usage_metadata)
        print("finish:   ", full.response_metadata.get("finish_reason"))


if __name__ == "__main__":
    main()
