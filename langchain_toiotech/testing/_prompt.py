"""What a request asks: last user text, media parts seen, tool results, prompt size, reasoning switches.

Chat ``messages`` and Responses ``input`` are both reduced to a :class:`Prompt`, so the deterministic reply
("Hello from the toiotech emulator. You said: <text> (saw 1 video at fps 2)") is written once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

GREETING: Final = "Hello from the toiotech emulator."
_WORD: Final = re.compile(r"\s*\S+|\s+$")

# Content part type -> media kind, for chat parts and Responses input parts.
PART_KINDS: Final = {
    "image_url": "image",
    "input_image": "image",
    "video_url": "video",
    "video": "video",
    "input_video": "video",
    "input_audio": "audio",
    "audio_url": "audio",
    "file": "file",
    "input_file": "file",
}


@dataclass
class _Media:
    counts: Counter[str] = field(default_factory=Counter)
    fps: list[str] = field(default_factory=list)
    file_ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, part: Mapping[str, Any]) -> None:
        kind = PART_KINDS[str(part.get("type"))]
        self.counts[kind] += 1
        nested = part.get(str(part.get("type")))
        details: Mapping[str, Any] = nested if isinstance(nested, Mapping) else part
        fps = details.get("fps", part.get("fps"))
        if kind == "video" and isinstance(fps, (int, float)):
            self.fps.append(f"{fps:g}")
        file_id = details.get("file_id", part.get("file_id"))
        if isinstance(file_id, str):
            self.file_ids.setdefault(kind, []).append(file_id)

    def notes(self) -> tuple[str, ...]:
        found: list[str] = []
        for kind in ("image", "video", "audio", "file"):
            count = self.counts[kind]
            if not count:
                continue
            note = f"{count} {kind}{'s' if count != 1 else ''}"
            if kind == "video" and self.fps:
                note += f" at fps {', '.join(self.fps)}"
            if kind in self.file_ids:
                note += f" ({', '.join(self.file_ids[kind])})"
            found.append(note)
        return tuple(found)


@dataclass(frozen=True)
class Prompt:
    """The parts of a request that decide the reply.

    Attributes:
        text: Text of the last user message (text parts joined by spaces).
        media: Notes on the media parts of that message, e.g. ``("1 video at fps 2",)``.
        file_ids: Every ``file_id`` referenced anywhere in the request.
        tool_output: Content of the last message when it is a tool result, else None.
        words: Number of words across all messages (the prompt size).
    """

    text: str
    media: tuple[str, ...] = ()
    file_ids: tuple[str, ...] = ()
    tool_output: str | None = None
    words: int = 0

    def reply_text(self) -> str:
        """The deterministic answer text.

        Returns:
            The text.
        """
        if self.tool_output is not None:
            return f"{GREETING} The tool said: {self.tool_output}"
        seen = f" (saw {', '.join(self.media)})" if self.media else ""
        return f"{GREETING} You said: {self.text}{seen}"

    def reasoning_text(self) -> str:
        """The deterministic reasoning text.

        Returns:
            The text.
        """
        subject = self.tool_output if self.tool_output is not None else self.text
        return f"Thinking about: {subject}"


def split_words(text: str) -> list[str]:
    """Split text into word-sized stream deltas that join back to the text.

    Args:
        text: The text.

    Returns:
        The pieces (leading whitespace stays with the following word).
    """
    return _WORD.findall(text) or [text]


def text_of(content: Any) -> str:
    """Text of a message content: a string, or the text parts of a part list joined by spaces.

    Args:
        content: Message content.

    Returns:
        The text.
    """
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        texts = [str(part.get("text", "")) for part in content if isinstance(part, Mapping) and "text" in part]
        return " ".join(texts)
    return ""


def _media_of(content: Any) -> _Media:
    media = _Media()
    if isinstance(content, Sequence) and not isinstance(content, str):
        for part in content:
            if isinstance(part, Mapping) and part.get("type") in PART_KINDS:
                media.add(part)
    return media


def _all_file_ids(items: Sequence[Any]) -> tuple[str, ...]:
    found: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            ids = _media_of(item.get("content")).file_ids.values()
            found.extend(file_id for id_list in ids for file_id in id_list)
    return tuple(found)


def chat_prompt(messages: Sequence[Any]) -> Prompt:
    """Reduce chat ``messages`` to a prompt.

    Args:
        messages: The request's messages.

    Returns:
        The prompt.
    """
    items = [message for message in messages if isinstance(message, Mapping)]
    users = [message for message in items if message.get("role") == "user"]
    last_user = users[-1] if users else {}
    tool_output = None
    if items and items[-1].get("role") in {"tool", "function"}:
        tool_output = text_of(items[-1].get("content"))
    return Prompt(
        text=text_of(last_user.get("content")),
        media=_media_of(last_user.get("content")).notes(),
        file_ids=_all_file_ids(items),
        tool_output=tool_output,
        words=sum(len(text_of(message.get("content")).split()) for message in items),
    )


def responses_prompt(input_: Any, instructions: Any = None) -> Prompt:
    """Reduce a Responses ``input`` (string or item list) plus ``instructions`` to a prompt.

    Args:
        input_: The request's ``input``.
        instructions: The request's ``instructions``.

    Returns:
        The prompt.
    """
    extra = len(instructions.split()) if isinstance(instructions, str) else 0
    if isinstance(input_, str):
        return Prompt(text=input_, words=len(input_.split()) + extra)
    items = [item for item in input_ if isinstance(item, Mapping)] if isinstance(input_, Sequence) else []
    messages = [item for item in items if item.get("role") is not None]
    users = [item for item in messages if item.get("role") == "user"]
    last_user = users[-1] if users else {}
    tool_output = None
    if items and items[-1].get("type") == "function_call_output":
        output = items[-1].get("output")
        tool_output = output if isinstance(output, str) else text_of(output)
    return Prompt(
        text=text_of(last_user.get("content")),
        media=_media_of(last_user.get("content")).notes(),
        file_ids=_all_file_ids(messages),
        tool_output=tool_output,
        words=sum(len(text_of(item.get("content")).split()) for item in messages) + extra,
    )


def thinking_disabled(body: Mapping[str, Any]) -> bool:
    """Whether the request switches reasoning off.

    Recognised: ``thinking: {"type": "disabled"}``, ``enable_thinking: false``, ``reasoning_effort: "none"``,
    ``reasoning: {"effort": "none"}``, also inside a literal ``extra_body`` object.

    Args:
        body: The request body.

    Returns:
        True when reasoning must be omitted.
    """
    extra = body.get("extra_body")
    for source in (body, extra if isinstance(extra, Mapping) else {}):
        thinking = source.get("thinking")
        reasoning = source.get("reasoning")
        if isinstance(thinking, Mapping) and thinking.get("type") == "disabled":
            return True
        if source.get("enable_thinking") is False or source.get("reasoning_effort") == "none":
            return True
        if isinstance(reasoning, Mapping) and reasoning.get("effort") == "none":
            return True
    return False
