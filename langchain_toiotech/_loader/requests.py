"""What the file loader sends and keeps, without I/O: local files, prompts, content blocks, page schema, Documents."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from langchain_core.documents import Document
from langchain_core.documents.base import Blob
from langchain_core.messages import AIMessage, HumanMessage

from langchain_toiotech._blocks.media import default_filename
from langchain_toiotech._files.kinds import (
    OCTET_STREAM,
    FileKind,
    check_file_name,
    check_upload_path,
    describe_size,
    detect_mime_type,
    kind_of,
    mime_type_of,
)

Mode = Literal["single", "page"]

DEFAULT_INLINE_LIMIT: Final = 20 * 2**20
"""Largest file sent inline when the gateway has no Files API.

Ark takes base64 items under 50 MB each in requests of at most 64 MB. 20 MiB of file is ~27 MiB of base64,
well inside both, and bounds what one request holds in memory (the bytes, their base64 and the JSON body are
all built in memory: roughly 4x the file).
"""

DOCUMENT_PROMPT: Final = (
    "Transcribe this document into Markdown, faithfully and completely. Keep every piece of text in reading "
    "order with its headings, lists and emphasis; render tables as Markdown tables; for every figure, chart, "
    "diagram or photo, write a short bracketed description of what it shows, including any numbers it "
    "conveys. Do not summarise, translate, correct or comment. Output only the Markdown."
)
IMAGE_PROMPT: Final = (
    "Transcribe all text in this image into Markdown, faithfully and in reading order, rendering tables as "
    "Markdown tables; then describe the image itself (what it shows, including any chart values) in a short "
    "bracketed paragraph. Do not summarise, translate or comment. Output only the Markdown."
)
VIDEO_PROMPT: Final = (
    "Describe this video as Markdown: a timestamped list of what happens, one line per scene or event, each "
    "starting with its [HH:MM:SS] time; then a '## Transcript' section with every spoken word and on-screen "
    "text, verbatim, each line with its [HH:MM:SS] time. Output only the Markdown."
)
PAGE_INSTRUCTION: Final = (
    "Answer with one entry per page of the document, in page order, putting that page's Markdown in 'content'."
)
_DEFAULT_PROMPTS: Final[dict[FileKind, str]] = {"file": DOCUMENT_PROMPT, "image": IMAGE_PROMPT, "video": VIDEO_PROMPT}

PAGES_SCHEMA: Final[dict[str, Any]] = {
    "title": "document_pages",
    "description": "The document's content, one entry per page, in page order.",
    "type": "object",
    "properties": {
        "pages": {
            "type": "array",
            "description": "One entry per page of the document, first page first.",
            "items": {
                "type": "object",
                "properties": {"content": {"type": "string", "description": "The page's content as Markdown."}},
                "required": ["content"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["pages"],
    "additionalProperties": False,
}
"""Page mode's structured output; `page` metadata is the entry's 0-based position, not a number the model wrote."""


@dataclass(frozen=True)
class LocalFile:
    """One file to extract: from a path (streamed on upload) or from a blob's in-memory bytes."""

    source: str
    filename: str
    mime_type: str
    size: int
    path: Path | None = None
    data: bytes | None = None

    @property
    def kind(self) -> FileKind:
        """The Responses part that carries it."""
        return kind_of(self.mime_type)

    def read_bytes(self) -> bytes:
        """The whole file, for inline sending."""
        if self.data is not None:
            return self.data
        if self.path is None:  # pragma: no cover - the constructors always set one of them
            msg = "a LocalFile needs a path or data"
            raise ValueError(msg)
        return self.path.read_bytes()


def local_file(path: Path, source: str | None = None) -> LocalFile:
    """Check a path (as an upload would) and describe it.

    Raises:
        FileNotFoundError, IsADirectoryError: the path is missing or a directory.
        ValueError: empty, over 512 MiB, or audio (the Responses API has no audio input).
    """
    size = check_upload_path(path)
    described = LocalFile(str(path) if source is None else source, path.name, detect_mime_type(path), size, path)
    return _readable(described)


def local_file_from_blob(blob: Blob) -> LocalFile:
    """Describe a blob: its bytes when it holds them, else the file at its path.

    Raises:
        FileNotFoundError, IsADirectoryError, ValueError: as `local_file`, or a blob with neither data nor path.
    """
    if blob.data is None:
        if blob.path is None:
            msg = "the blob has neither data nor a path"
            raise ValueError(msg)
        return local_file(Path(blob.path), blob.source)
    data = blob.as_bytes()
    if not data:
        msg = f"{blob.source or 'the blob'} is empty (0 bytes)"
        raise ValueError(msg)
    name = Path(str(blob.path)).name if blob.path else None
    if name is not None:
        check_file_name(name, blob.source or name)
    mime_type = mime_type_of(data, name)
    if mime_type == OCTET_STREAM and blob.mimetype:
        mime_type = blob.mimetype
    filename = name or str(blob.metadata.get("filename") or default_filename(mime_type))
    return _readable(LocalFile(blob.source or filename, filename, mime_type, len(data), data=data))


def _readable(file: LocalFile) -> LocalFile:
    if file.kind == "audio":
        msg = (
            f"{file.source!r} is audio ({file.mime_type}); the Responses API has no audio input, so a model "
            "cannot read it through this loader"
        )
        raise ValueError(msg)
    return file


def prompt_for(file: LocalFile, prompt: str | None, mode: Mode) -> str:
    """The instruction sent with a file: the caller's, or the default for its kind; page mode asks for pages."""
    text = prompt if prompt is not None else _DEFAULT_PROMPTS[file.kind]
    return f"{text}\n\n{PAGE_INSTRUCTION}" if uses_pages(file, mode) else text


def uses_pages(file: LocalFile, mode: Mode) -> bool:
    """Page mode splits documents; an image or a video has no pages and stays one Document."""
    return mode == "page" and file.kind == "file"


def uploaded_block(file: LocalFile, file_id: str, fps: float | None) -> dict[str, Any]:
    """A v1 content block referencing an uploaded file (the chat model sends it as `input_<kind>`)."""
    block: dict[str, Any] = {"type": file.kind, "file_id": file_id}
    if file.kind == "video" and fps is not None:
        block["extras"] = {"fps": fps}
    return block


def inline_block(file: LocalFile, fps: float | None) -> dict[str, Any]:
    """A v1 content block carrying the file's bytes as base64."""
    extras: dict[str, Any] = {"filename": file.filename}
    if file.kind == "video" and fps is not None:
        extras["fps"] = fps
    data = base64.b64encode(file.read_bytes()).decode("ascii")
    return {"type": file.kind, "base64": data, "mime_type": file.mime_type, "extras": extras}


def check_inline_size(file: LocalFile, limit: int, reason: str) -> None:
    """Refuse to send a file inline when it is over the limit, explaining both facts.

    Raises:
        ValueError: the file is larger than `limit` bytes.
    """
    if file.size <= limit:
        return
    msg = (
        f"{file.source!r} is {describe_size(file.size)}: the gateway has no Files API ({reason}), and files sent "
        f"inline are limited to inline_limit_bytes={limit} ({describe_size(limit)}; Ark accepts base64 items "
        "under 50 MB in requests of at most 64 MB). Use a gateway with a Files API (files_base_url), or raise "
        "inline_limit_bytes if your gateway accepts larger requests."
    )
    raise ValueError(msg)


def extraction_message(file: LocalFile, block: dict[str, Any], prompt: str | None, mode: Mode) -> HumanMessage:
    """The one user message of an extraction: the file first, as in Ark's examples, then the instruction."""
    return HumanMessage(content=[block, {"type": "text", "text": prompt_for(file, prompt, mode)}])


def base_metadata(file: LocalFile, file_id: str | None, model: str, reply: AIMessage) -> dict[str, Any]:
    """Metadata every Document of a file carries."""
    usage = reply.usage_metadata
    return {
        "source": file.source,
        "filename": file.filename,
        "mime_type": file.mime_type,
        "file_id": file_id,
        "model": model,
        "usage": dict(usage) if usage is not None else None,
    }


def single_document(reply: AIMessage, metadata: dict[str, Any]) -> list[Document]:
    """The whole file as one Document: the model's text, without its reasoning."""
    return [Document(page_content=reply.text, metadata=metadata)]


def page_documents(result: Any, metadata: dict[str, Any]) -> list[Document]:
    """One Document per page entry of a `with_structured_output(..., include_raw=True)` result.

    Raises:
        ValueError: the reply is not the requested JSON, or it lists no pages.
    """
    error = result.get("parsing_error") if isinstance(result, dict) else None
    parsed = result.get("parsed") if isinstance(result, dict) else None
    pages = parsed.get("pages") if isinstance(parsed, dict) else None
    if error is not None or not isinstance(pages, list):
        msg = f"the model's page-mode reply is not the requested JSON ({error or 'no pages list'})"
        raise ValueError(msg) from error
    contents = [page.get("content") for page in pages if isinstance(page, dict)]
    texts = [content for content in contents if isinstance(content, str)]
    if not texts or len(texts) != len(pages):
        msg = f"the model's page-mode reply has no pages, or a page without string content: {str(parsed)[:200]}"
        raise ValueError(msg)
    return [Document(page_content=content, metadata={**metadata, "page": index}) for index, content in enumerate(texts)]
