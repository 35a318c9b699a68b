"""Agent tool loops that each vendor accepts, against the live gateway (needs TOIOTECH_API_KEY).

Run with: TOIOTECH_API_KEY=sk-... pytest tests/integration_tests/test_pass_back_live.py --allow-hosts=api.toiotech.com

Each model gets a question that takes two tool calls, so the third request carries two earlier tool turns: the
DeepSeek, Kimi and MiMo thinking modes answer 400 when their reasoning is missing, Gemini 3 when a thought signature
is. Set TOIOTECH_PASS_BACK_MODELS (comma-separated) to test other names.
"""

from __future__ import annotations

import os

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool

from langchain_toiotech import ChatToiotech

pytestmark = pytest.mark.skipif(not os.environ.get("TOIOTECH_API_KEY"), reason="needs TOIOTECH_API_KEY")

DEFAULT_MODELS = "deepseek-reasoner,kimi-k2.5,kimi-k2-thinking,mimo-v2-pro,glm-4.6,minimax-m2,gemini-3-pro-preview"
MODELS = [name.strip() for name in os.environ.get("TOIOTECH_PASS_BACK_MODELS", DEFAULT_MODELS).split(",") if name]


@tool
def get_date() -> str:
    """Get today's date (YYYY-MM-DD)."""
    return "2026-12-01"


@tool
def get_weather(city: str, date: str) -> str:
    """Get the weather forecast for a city on a date (YYYY-MM-DD)."""
    return f"Cloudy, 7 to 13 degrees in {city} on {date}."


QUESTION = "What will the weather be in Hangzhou tomorrow? Call get_date first, then get_weather."


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("model", MODELS)
async def test_agent_tool_loop_is_accepted(model: str, *, stream: bool) -> None:
    agents = pytest.importorskip("langchain.agents")
    agent = agents.create_agent(ChatToiotech(model=model, streaming=stream), tools=[get_date, get_weather])
    result = await agent.ainvoke({"messages": [HumanMessage(QUESTION)]})
    tool_turns = [m for m in result["messages"] if isinstance(m, AIMessage) and m.tool_calls]
    assert tool_turns, "the model called no tool, so nothing was passed back"
    assert result["messages"][-1].text
