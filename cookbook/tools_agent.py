"""A LangChain agent (`create_agent`, LangGraph underneath) with two tools, driven by a reasoning model.

Needs the cookbook extra: pip install -e ".[cookbook]". Live gateway with TOIOTECH_API_KEY, else the emulator.
"""

from __future__ import annotations

import os

from _gateway import gateway
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from langchain_toiotech import ChatToiotech

MODEL = os.environ.get("TOIOTECH_MODEL", "kimi-k2-thinking")


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is 21 degrees and sunny in {city}."


@tool
def get_local_time(city: str) -> str:
    """Get the local time in a city."""
    return f"It is 14:05 in {city}."


def main() -> None:
    with gateway() as gw:
        # Kimi thinking models reject a tool turn whose reasoning was dropped; ChatToiotech sends it back.
        model = ChatToiotech(model=MODEL, **gw.kwargs)
        agent = create_agent(model, tools=[get_weather, get_local_time], system_prompt="Answer briefly.")
        question = "Use get_weather and get_local_time for Florence, then summarise."
        result = agent.invoke({"messages": [HumanMessage(question)]})
        for message in result["messages"]:
            calls = ", ".join(call["name"] for call in getattr(message, "tool_calls", []) or [])
            print(f"{message.type:>6}: {message.text or ''}{f' [calls: {calls}]' if calls else ''}")
        tool_rounds = sum(1 for message in result["messages"] if message.type == "tool")
        print(f"tool results: {tool_rounds}")
        print("final answer:", result["messages"][-1].text)


if __name__ == "__main__":
    main()
