"""Expected results derived straight from the wire captures in tests/fixtures, independently of the package.

Nothing here imports `langchain_toiotech`: the expectations are computed from the capture bytes with plain
`json`, so a bug in the package's decoding, reasoning or usage code cannot leak into what the tests expect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests._support.paths import FIXTURES

STREAM_SUFFIXES = (".sse", ".chunks.jsonl")
_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"


def chat_captures() -> list[Path]:
    """Every chat-completions capture that holds a successful answer (no `.http` errors, no Responses API)."""
    return sorted(
        path
        for path in FIXTURES.iterdir()
        if "chat-completions" in path.name and path.name.endswith((*STREAM_SUFFIXES, ".json"))
    )


def is_stream_capture(path: Path) -> bool:
    """Whether the capture is a streamed answer (as opposed to a whole JSON completion)."""
    return path.name.endswith(STREAM_SUFFIXES)


def sse_body(path: Path) -> bytes:
    """The SSE bytes a gateway would send for a stream capture.

    `.sse` is served verbatim; `.chunks.jsonl` stores only the JSON payloads, so each line becomes a
    `data: <line>` event and the stream is closed with `data: [DONE]` as the sidecars describe.
    """
    if path.name.endswith(".sse"):
        return path.read_bytes()
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return "".join(f"data: {line}\n\n" for line in [*lines, "[DONE]"]).encode()


def sse_events(body: bytes) -> list[str]:
    """The `data:` payloads of an SSE body (single-line data events only, which is all the captures use)."""
    text = body.decode("utf-8").replace("\r\n", "\n")
    return [line[len("data:") :].strip() for line in text.split("\n") if line.startswith("data:")]


def stream_chunks(path: Path) -> list[dict[str, Any]]:
    """The chunk dicts of a stream capture, in order, without the `[DONE]` marker."""
    return [json.loads(data) for data in sse_events(sse_body(path)) if data and data != "[DONE]"]


def with_completed(path: Path, usage: dict[str, Any]) -> bytes:
    """A Responses excerpt plus the `response.completed` it left out (no output items, `usage` from its sidecar)."""
    response = {"id": "resp_excerpt", "object": "response", "status": "completed", "output": [], "usage": usage}
    event = {"type": "response.completed", "response": response}
    return path.read_bytes() + f"event: response.completed\ndata: {json.dumps(event)}\n\n".encode()


@dataclass
class Expected:
    """What a correct client must make of one capture."""

    content: str = ""
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    model_name: str | None = None
    response_id: str | None = None


def expected_from_capture(path: Path) -> Expected:
    """Derive the expected message from a capture file (stream or whole completion)."""
    if is_stream_capture(path):
        return _expected_from_chunks(stream_chunks(path))
    return _expected_from_body(json.loads(path.read_text(encoding="utf-8")))


def _expected_from_body(body: dict[str, Any]) -> Expected:
    choice = body["choices"][0]
    message = choice.get("message") or {}
    text, thinking = _content_parts(message.get("content"))
    content, think = _split_leading_think(text)
    calls = []
    for raw in message.get("tool_calls") or []:
        arguments = raw["function"].get("arguments") or ""
        calls.append({"id": raw.get("id"), "name": raw["function"]["name"], "args": _parse_args(arguments)})
    return Expected(
        content=content,
        reasoning=_reasoning_of(message) or thinking or think,
        tool_calls=calls,
        usage=map_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None,
        finish_reason=choice.get("finish_reason"),
        model_name=body.get("model"),
        response_id=body.get("id"),
    )


def _expected_from_chunks(chunks: list[dict[str, Any]]) -> Expected:
    content, reasoning = [], []
    calls: dict[Any, dict[str, Any]] = {}
    expected = Expected()
    for chunk in chunks:
        expected.model_name = chunk.get("model") or expected.model_name  # the latest name the gateway reported
        expected.response_id = expected.response_id or chunk.get("id")  # relays may change the id at the end
        if (usage := _usage_of(chunk)) is not None:
            expected.usage = map_usage(usage)  # the last figures win: never add usage objects up
        choices = chunk.get("choices") or []
        if not choices:
            continue
        choice = choices[0]
        expected.finish_reason = choice.get("finish_reason") or expected.finish_reason
        delta = choice.get("delta") or {}
        text, thinking = _content_parts(delta.get("content"))
        content.append(text)
        reasoning.append(_reasoning_of(delta) or thinking)
        for position, raw in enumerate(delta.get("tool_calls") or []):
            call = calls.setdefault(raw.get("index", position), {"id": None, "name": None, "arguments": ""})
            function = raw.get("function") or {}
            call["id"] = call["id"] or raw.get("id") or None
            call["name"] = call["name"] or function.get("name") or None
            call["arguments"] += function.get("arguments") or ""
    expected.content, think = _split_leading_think("".join(content))
    expected.reasoning = "".join(reasoning) or think
    expected.tool_calls = [
        {"id": call["id"], "name": call["name"], "args": _parse_args(call["arguments"])}
        for _, call in sorted(calls.items())
    ]
    return expected


def _content_parts(content: Any) -> tuple[str, str]:
    """`(text, thinking)` of a content value: a string, or Mistral's list of `text` and `thinking` parts."""
    if isinstance(content, str):
        return content, ""
    text, thinking = [], []
    for part in content or []:
        if part["type"] == "text":
            text.append(part["text"])
        elif part["type"] == "thinking":
            thinking += [inner["text"] for inner in part["thinking"] if inner["type"] == "text"]
    return "".join(text), "".join(thinking)


def _usage_of(chunk: dict[str, Any]) -> dict[str, Any] | None:
    usage = chunk.get("usage")
    choices = chunk.get("choices") or []
    if not isinstance(usage, dict) and choices:
        usage = choices[0].get("usage")  # Kimi's legacy placement
    return usage if isinstance(usage, dict) else None


def _reasoning_of(message: dict[str, Any]) -> str:
    """Reasoning from the first field that has some; empty strings and nulls count as nothing.

    One field only: OpenRouter repeats the same text in `reasoning` and `reasoning_details[].text`.
    """
    for key in ("reasoning_content", "reasoning"):
        if isinstance(message.get(key), str) and message[key]:
            return str(message[key])
    texts = [detail.get("text") for detail in message.get("reasoning_details") or []]
    return "".join(text for text in texts if isinstance(text, str))


def _split_leading_think(content: str) -> tuple[str, str]:
    """`(answer, reasoning)`: a `<think>` block at the very start of the answer is reasoning."""
    stripped = content.lstrip()
    if not stripped.startswith(_THINK_OPEN):
        return content, ""
    inner, _, rest = stripped[len(_THINK_OPEN) :].partition(_THINK_CLOSE)
    return rest.lstrip(), inner.strip()


def _parse_args(arguments: str) -> dict[str, Any]:
    return json.loads(arguments) if arguments else {}


def map_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Wire usage → LangChain usage metadata, as LangChain's OpenAI mapping does.

    Only keys the wire object actually carries appear in the details (audio counts included, as in
    `langchain_openai`), so a missing figure is never reported as zero.
    """
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    expected: dict[str, Any] = {
        "input_tokens": usage["prompt_tokens"],
        "output_tokens": usage["completion_tokens"],
        "total_tokens": usage["total_tokens"],
    }
    input_details = {}
    cache_read = prompt_details.get("cached_tokens", usage.get("prompt_cache_hit_tokens"))
    if cache_read is not None:
        input_details["cache_read"] = cache_read
    if prompt_details.get("audio_tokens") is not None:
        input_details["audio"] = prompt_details["audio_tokens"]
    output_details = {}
    if completion_details.get("reasoning_tokens") is not None:
        output_details["reasoning"] = completion_details["reasoning_tokens"]
    if completion_details.get("audio_tokens") is not None:
        output_details["audio"] = completion_details["audio_tokens"]
    if input_details:
        expected["input_token_details"] = input_details
    if output_details:
        expected["output_token_details"] = output_details
    return expected
