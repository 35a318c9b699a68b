"""Reasoning text from every vendor shape: `reasoning_content`, `reasoning`, `reasoning_details`, `<think>`."""

from __future__ import annotations

import re
from typing import Any, Final

_THINK_OPEN: Final = "<think>"
_THINK_CLOSE: Final = "</think>"
_LEADING_THINK: Final = re.compile(r"^\s*<think>(.*?)(?:</think>|\Z)\s*", re.DOTALL)


def reasoning_from_fields(message: dict[str, Any]) -> str:
    """Reasoning carried in a message or delta's own fields; `""` when there is none.

    Vendors use `reasoning_content` (DeepSeek, Doubao, Qwen, Kimi, GLM, new-api), `reasoning`
    (vLLM, OpenRouter) or `reasoning_details[].text` / `.summary` (OpenRouter). Empty strings and nulls
    mean "no reasoning" (Qwen-Omni sends `""`; Kimi keeps sending `""` after thinking ends).
    """
    for key in ("reasoning_content", "reasoning"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    details = message.get("reasoning_details")
    if isinstance(details, list):
        texts = [_detail_text(detail) for detail in details if isinstance(detail, dict)]
        return "".join(text for text in texts if text)
    return ""


def _detail_text(detail: dict[str, Any]) -> str:
    if detail.get("type") == "reasoning.encrypted":
        return ""
    text = detail.get("text") or detail.get("summary") or ""
    return text if isinstance(text, str) else ""


def split_think_tags(content: str) -> tuple[str, str]:
    """Split a leading `<think>…</think>` block off a whole answer: `(reasoning, answer)`.

    An opening tag that is never closed (the answer was cut by `max_tokens`) makes everything reasoning.
    """
    match = _LEADING_THINK.match(content)
    if match is None:
        return "", content
    return match.group(1).strip(), content[match.end() :]


class ThinkTagSplitter:
    """Separates a leading `<think>…</think>` block in streamed content, tags split across chunks too.

    Text is held back only while it could still be the start of a tag (or whitespace that may turn out to
    be layout around one), so the answer streams with no delay once thinking ends; `flush()` returns
    whatever is held when the stream ends. However the content is split, the result equals
    `split_think_tags` on the whole content.
    """

    def __init__(self) -> None:
        """Start at the beginning of the content, where a `<think>` block may open."""
        self._state = "start"
        self._pending = ""

    def feed(self, text: str) -> tuple[str, str]:
        """Take the next content delta; return `(reasoning, answer)` that can be emitted now."""
        self._pending += text
        if self._state == "start":
            return self._feed_start()
        if self._state in {"opened", "thinking"}:
            return self._feed_thinking()
        return self._take_answer()

    def flush(self) -> tuple[str, str]:
        """Return what is still held at the end of the stream."""
        held, self._pending = self._pending, ""
        if self._state in {"opened", "thinking"}:
            return held.rstrip(), ""
        return "", held

    def _feed_start(self) -> tuple[str, str]:
        stripped = self._pending.lstrip()
        if not stripped:
            return "", ""
        if stripped.startswith(_THINK_OPEN):
            self._state = "opened"  # inside the block, no reasoning text emitted yet
            self._pending = stripped[len(_THINK_OPEN) :]
            return self._feed_thinking()
        if _THINK_OPEN.startswith(stripped):
            return "", ""  # could still become "<think>"
        self._state = "answer"
        return self._take_answer()

    def _feed_thinking(self) -> tuple[str, str]:
        if self._state == "opened":
            # The layout newline after "<think>" may arrive in a later delta than the tag itself.
            self._pending = self._pending.lstrip()
        end = self._pending.find(_THINK_CLOSE)
        if end >= 0:
            reasoning = self._pending[:end].rstrip()
            self._pending = self._pending[end + len(_THINK_CLOSE) :]
            self._state = "after_think"
            return reasoning, self._take_answer()[1]
        keep = _partial_suffix(self._pending, _THINK_CLOSE)
        # Trailing whitespace is held too: it is layout if "</think>" comes next, reasoning if more text does.
        reasoning = self._pending[: len(self._pending) - keep].rstrip()
        self._pending = self._pending[len(reasoning) :]
        if reasoning:
            self._state = "thinking"
        return reasoning, ""

    def _take_answer(self) -> tuple[str, str]:
        if self._state == "after_think":
            # Whitespace between </think> and the answer is layout, not answer text.
            self._pending = self._pending.lstrip()
            if not self._pending:
                return "", ""
            self._state = "answer"
        answer, self._pending = self._pending, ""
        return "", answer


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a proper start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0
