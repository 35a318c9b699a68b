"""A create_agent tool loop kept in a SQLite checkpointer, interrupted, and resumed in a fresh process.

The first process runs the agent until it is about to call its tool (`interrupt_before=["tools"]`; with
`--crash-in-tool` the process dies inside the tool instead) and exits. A second, fresh process opens the same
database file and resumes the thread. Its next request still carries the reasoning of the checkpointed tool turn
(DeepSeek and Kimi answer 400 without it) and, for Gemini, the thought signatures: both live in the AIMessage's
`additional_kwargs`, which the checkpointer's serializer keeps.

Needs the cookbook extra: pip install -e ".[cookbook]". Live gateway with TOIOTECH_API_KEY, else the emulator.

    python cookbook/agent_checkpoint.py [--model gemini-3-pro-preview] [--crash-in-tool] [--async]

`--async` runs both processes on `AsyncSqliteSaver` and `ainvoke`, as an async web service would.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _gateway import gateway
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from langchain_toiotech import ChatToiotech

THREAD = {"configurable": {"thread_id": "weather-1"}}
CRASH_EXIT_CODE = 75
QUESTION = "Use get_weather for Florence, then answer in one sentence."


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    if os.environ.get("AGENT_CHECKPOINT_CRASH") == "1":
        os._exit(CRASH_EXIT_CODE)  # the process dies mid-tool: nothing after the model's turn is saved
    return f"It is 21 degrees and sunny in {city}."


def build_agent(saver: BaseCheckpointSaver[Any], args: argparse.Namespace) -> Any:
    """The same agent in both processes; only the checkpoint file connects them."""
    connection = {"base_url": args.base_url} if args.base_url else {}
    model = ChatToiotech(model=args.model, streaming=args.stream, **connection)
    interrupt = [] if args.crash_in_tool else ["tools"]
    return create_agent(model, tools=[get_weather], checkpointer=saver, interrupt_before=interrupt)


def start(args: argparse.Namespace) -> None:
    """First process: run until the tool step, so the model's tool turn is checkpointed, then stop."""
    with SqliteSaver.from_conn_string(args.db) as saver:
        agent = build_agent(saver, args)
        agent.invoke({"messages": [HumanMessage(QUESTION)]}, THREAD, durability="sync")
        report_pause(agent.get_state(THREAD))


def resume(args: argparse.Namespace) -> None:
    """Second, fresh process: load the thread from the file and carry on from where the first one stopped."""
    with SqliteSaver.from_conn_string(args.db) as saver:
        result = build_agent(saver, args).invoke(None, THREAD, durability="sync")
        print(f"[pid {os.getpid()}] resumed; final answer: {result['messages'][-1].text}")


async def astart(args: argparse.Namespace) -> None:
    """`start` on the async saver."""
    async with AsyncSqliteSaver.from_conn_string(args.db) as saver:
        agent = build_agent(saver, args)
        await agent.ainvoke({"messages": [HumanMessage(QUESTION)]}, THREAD, durability="sync")
        report_pause(await agent.aget_state(THREAD))


async def aresume(args: argparse.Namespace) -> None:
    """`resume` on the async saver."""
    async with AsyncSqliteSaver.from_conn_string(args.db) as saver:
        result = await build_agent(saver, args).ainvoke(None, THREAD, durability="sync")
        print(f"[pid {os.getpid()}] resumed; final answer: {result['messages'][-1].text}")


def report_pause(state: Any) -> None:
    turn = state.values["messages"][-1]
    print(f"[pid {os.getpid()}] paused before {list(state.next)}; checkpointed tool calls:", end=" ")
    reasoning = turn.additional_kwargs.get("reasoning_content")
    print([call["name"] for call in turn.tool_calls], "reasoning:", repr(reasoning))


def run_child(args: argparse.Namespace) -> None:
    if args.use_async:
        asyncio.run(astart(args) if args.phase == "start" else aresume(args))
    else:
        (start if args.phase == "start" else resume)(args)


def run_phase(phase: str, db: Path, args: argparse.Namespace, env: dict[str, str]) -> int:
    command = [sys.executable, __file__, "--phase", phase, "--db", str(db), "--model", args.model]
    command += ["--base-url", args.base_url] if args.base_url else []
    command += ["--stream"] if args.stream else []
    command += ["--crash-in-tool"] if args.crash_in_tool else []
    command += ["--async"] if args.use_async else []
    crash = {"AGENT_CHECKPOINT_CRASH": "1"} if args.crash_in_tool and phase == "start" else {}
    return subprocess.run(command, env={**env, **crash}, timeout=120, check=False).returncode  # noqa: S603


def main() -> None:
    args = parse_args()
    if args.phase:
        run_child(args)
        return
    with gateway() as gw, tempfile.TemporaryDirectory() as folder:
        args.base_url = gw.kwargs.get("base_url")
        env = {**os.environ, "TOIOTECH_API_KEY": gw.kwargs.get("api_key", os.environ.get("TOIOTECH_API_KEY", ""))}
        db = Path(folder) / "agent.sqlite"
        code = run_phase("start", db, args, env)
        if code == CRASH_EXIT_CODE:
            print(f"first process died inside the tool (exit {code}); its model turn was already checkpointed")
        elif code != 0:
            sys.exit(code)
        if run_phase("resume", db, args, env) != 0:
            sys.exit(1)
        if gw.emulator is not None:
            sent = [r.body for r in gw.emulator.requests if r.path.endswith("/chat/completions")][-1]["messages"]
            turn = next(m for m in sent if m.get("tool_calls"))
            print("resumed request, tool turn reasoning_content:", repr(turn.get("reasoning_content")))
            print("resumed request, tool call extra_content:", turn["tool_calls"][0].get("extra_content"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("TOIOTECH_MODEL", "deepseek-reasoner"))
    parser.add_argument("--stream", action="store_true", help="stream the model's answers")
    parser.add_argument("--crash-in-tool", action="store_true", help="kill the first process inside the tool")
    parser.add_argument("--async", dest="use_async", action="store_true", help="AsyncSqliteSaver and ainvoke")
    parser.add_argument("--phase", choices=["start", "resume"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    main()
