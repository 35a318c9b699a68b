"""Test your own chain offline with the bundled gateway emulator: scripted replies, request log, faults.

This script always uses the emulator (it is about offline tests). Copy the pattern into your pytest suite.
"""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_toiotech import ChatToiotech
from langchain_toiotech.errors import RateLimitError
from langchain_toiotech.testing import Fault, GatewayEmulator


def build_chain(model: ChatToiotech):  # noqa: ANN201 - a LangChain runnable
    """The chain under test: your own code, unchanged between production and tests."""
    prompt = ChatPromptTemplate.from_messages([("system", "Translate to French."), ("human", "{text}")])
    return prompt | model | StrOutputParser()


def main() -> None:
    with GatewayEmulator() as emulator:
        print(f"No TOIOTECH_API_KEY set: using the offline gateway emulator at {emulator.base_url}.")
        model = ChatToiotech(model="gpt-4o-mini", base_url=emulator.base_url, api_key="sk-test", max_retries=2)
        chain = build_chain(model)

        # 1. A scripted reply: the chain's output is exactly what you script.
        reply = {
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Bonjour"}, "finish_reason": "stop"}]
        }
        emulator.enqueue_reply("/chat/completions", json_body={"id": "chatcmpl-1", "model": "gpt-4o-mini", **reply})
        print("scripted answer:", chain.invoke({"text": "Hello"}))

        # 2. The request log shows what your chain sent (the key is never stored).
        sent = emulator.requests[-1]
        print("sent messages:", [message["role"] for message in sent.body["messages"]])
        print("authorization header in the log:", sent.headers["authorization"])

        # 3. Faults: a 429 with Retry-After is retried transparently ...
        emulator.clear_requests()
        emulator.enqueue_fault(Fault(status=429, retry_after="0"), path="/chat/completions")
        print("after one 429:", chain.invoke({"text": "Good night"}))
        print("attempts seen by the gateway:", len(emulator.requests))

        # ... and a persistent one surfaces as a typed error your code can handle.
        emulator.enqueue_fault(Fault(status=429), path="/chat/completions", times=3)
        try:
            chain.invoke({"text": "Thanks"})
        except RateLimitError as error:
            print("after three 429s:", type(error).__name__, error.status_code)


if __name__ == "__main__":
    main()
