"""Content of system and tool messages made of blocks: text boundaries kept, media sent as parts or refused.

`SystemMessage(["line one", "line two"])` used to reach the wire as `"line oneline two"`, and an image in a
`ToolMessage` as a JSON string with its base64 inlined as prompt text. Now:

- Several text blocks go as a list of text parts where the vendor takes one in system and tool messages
  (OpenAI's chat API: the `content` of a system or tool message is "string or array of text parts"; the
  Responses API's `function_call_output.output` is a string or a list of `input_text` / `input_image` /
  `input_file`), else joined with a newline between blocks.
- Images and PDFs in a tool result go as the route's own parts where the model profile's
  `image_tool_message` / `pdf_tool_message` say the model takes them (OpenAI's models, as in langchain-openai's
  profile data, and unknown models, where the gateway has the last word); anywhere else, and for audio or video
  in any tool result, a `ValueError` names the block before any request is made.
- Other blocks (a tool's own JSON) keep their old form: the whole content as a JSON string.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from langchain_toiotech._shared.profiles import model_family, model_profile

Part = dict[str, Any]
PartFormatter = Callable[[list[Any]], list[Part]]

# Vendors whose chat API takes a list of text parts as a system or tool message's content. Others
# (DeepSeek, for one) document a string only, so their text blocks are joined.
_TEXT_PARTS_FAMILIES: Final = frozenset({"openai", "openai-reasoning"})
_TEXT_TYPES: Final = frozenset({"text", "input_text", "output_text"})
_ANSWER_TEXT_TYPES: Final = frozenset({"text", "output_text"})
_IMAGE_TYPES: Final = frozenset({"image", "image_url", "input_image"})
_FILE_TYPES: Final = frozenset({"file", "input_file"})
_NEVER_IN_TOOL_RESULTS: Final = frozenset({"audio", "input_audio", "video", "video_url", "input_video"})
TEXT_SEPARATOR: Final = "\n"


@dataclass(frozen=True)
class PartsPolicy:
    """What a model takes in system and tool messages beyond a plain string.

    Attributes:
        model: The model the policy is for.
        text_parts: A list of text parts as the content of a system or tool message.
        tool_images: Images in a tool result (the profile's `image_tool_message`).
        tool_pdfs: PDF files in a tool result (the profile's `pdf_tool_message`).
    """

    model: str
    text_parts: bool
    tool_images: bool
    tool_pdfs: bool


@functools.lru_cache(maxsize=256)
def parts_policy(model: str) -> PartsPolicy:
    """The policy of one model, from its family and its profile (cached: every request asks, the answer is fixed)."""
    profile = model_profile(model)
    return PartsPolicy(
        model=model,
        text_parts=model_family(model) in _TEXT_PARTS_FAMILIES,
        tool_images=bool(profile.get("image_tool_message")),
        tool_pdfs=bool(profile.get("pdf_tool_message")),
    )


def _kind(block: Any) -> str:
    if isinstance(block, str):
        return "text"
    return str(block.get("type")) if isinstance(block, dict) else type(block).__name__


def _texts(content: Sequence[Any]) -> list[str] | None:
    """The texts of content made only of text blocks, else None."""
    if not all(_kind(block) in _TEXT_TYPES for block in content):
        return None
    return [block if isinstance(block, str) else str(block.get("text", "")) for block in content]


def joined_text(content: str | Sequence[Any]) -> str:
    """Text content as one string, a newline between blocks; other blocks are left out."""
    if isinstance(content, str):
        return content
    return TEXT_SEPARATOR.join(
        block if isinstance(block, str) else str(block.get("text", ""))
        for block in content
        if _kind(block) in _TEXT_TYPES
    )


def text_of(content: str | Sequence[Any]) -> str:
    """The text of a content value, keeping text blocks and dropping reasoning, tool-use and media."""
    if isinstance(content, str):
        return content
    pieces = []
    for block in content:
        if isinstance(block, str):
            pieces.append(block)
        elif isinstance(block, dict) and block.get("type") in _ANSWER_TEXT_TYPES:
            pieces.append(str(block.get("text", "")))
    return "".join(pieces)


def system_content(content: str | Sequence[Any], policy: PartsPolicy, text_part: str = "text") -> str | list[Part]:
    """A system message's content: text parts where the vendor takes them, else the joined text."""
    texts = None if isinstance(content, str) else _texts(content)
    if texts is None or len(texts) < 2 or not policy.text_parts:  # noqa: PLR2004 - one text needs no list
        return joined_text(content)
    return [{"type": text_part, "text": text} for text in texts]


def tool_content(content: str | Sequence[Any], policy: PartsPolicy, format_parts: PartFormatter) -> str | list[Part]:
    """A tool result's content on the wire; `format_parts` is the route's formatter of content blocks.

    Raises:
        ValueError: a media block the model does not take in tool results; the message names the block.
    """
    if isinstance(content, str):
        return content
    blocks = list(content)
    texts = _texts(blocks)
    if texts is not None:
        if policy.text_parts and len(texts) > 1:
            return format_parts(blocks)
        return TEXT_SEPARATOR.join(texts)
    kinds = [_kind(block) for block in blocks]
    media = [index for index, kind in enumerate(kinds) if kind in _IMAGE_TYPES | _FILE_TYPES | _NEVER_IN_TOOL_RESULTS]
    if not media:
        return json.dumps(blocks, ensure_ascii=False)  # a tool's own structured output
    for index in media:
        _check_media(kinds[index], index, policy)
    # A tool's own JSON block beside the media has no part of its own: it goes as text.
    return format_parts(
        [
            block if _is_part(kind) else json.dumps(block, ensure_ascii=False)
            for block, kind in zip(blocks, kinds, strict=True)
        ]
    )


def _is_part(kind: str) -> bool:
    return kind in _TEXT_TYPES | _IMAGE_TYPES | _FILE_TYPES


def _check_media(kind: str, index: int, policy: PartsPolicy) -> None:
    if kind in _IMAGE_TYPES and policy.tool_images:
        return
    if kind in _FILE_TYPES and policy.tool_pdfs:
        return
    what = "images" if kind in _IMAGE_TYPES else "files" if kind in _FILE_TYPES else f"{kind} blocks"
    model = policy.model or "the model"
    msg = (
        f"Content block {index} ({kind!r}) of a tool result: {model} does not take {what} in tool results. "
        "Return text from the tool and put the media in a HumanMessage after the ToolMessage."
    )
    raise ValueError(msg)
