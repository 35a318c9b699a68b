"""One file → Documents: upload, wait until active, ask the model through the Responses API, clean up.

The sync and async pipelines differ only in `await`; what they send and keep is built by `_loader.requests`.
An upload is deleted whenever its Documents will not reach the caller (a failure, a cancellation) and, with
`delete_after`, also after success, so a loader never leaves files behind on the gateway.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.documents import Document
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable

from langchain_toiotech._files.objects import FileObject
from langchain_toiotech._loader.requests import (
    PAGES_SCHEMA,
    LocalFile,
    Mode,
    base_metadata,
    check_inline_size,
    extraction_message,
    inline_block,
    page_documents,
    single_document,
    uploaded_block,
    uses_pages,
)
from langchain_toiotech.chat_models import ChatToiotech
from langchain_toiotech.errors import APIStatusError, NotFoundError, ToiotechError
from langchain_toiotech.files import ToiotechFiles

logger = logging.getLogger("langchain_toiotech")

_T = TypeVar("_T")

_METHOD_NOT_ALLOWED = 405


class CancelledExtraction(Exception):  # noqa: N818 - a control-flow signal, not an error a caller sees
    """The loader stopped (its consumer closed it, or another file failed) before this file finished."""


@dataclass(frozen=True)
class ExtractionSettings:
    """How each file is extracted."""

    model: str
    prompt: str | None
    mode: Mode
    fps: float | None
    delete_after: bool
    inline_limit_bytes: int
    processing_timeout: float


@dataclass(frozen=True)
class Extraction:
    """A file's Documents, and the id of its upload when it was kept (`delete_after=False`).

    A loader that drops these Documents (an earlier file failed) deletes `kept_file_id`, since the caller
    never saw it.
    """

    documents: list[Document]
    kept_file_id: str | None = None


def files_api_missing(error: APIStatusError) -> bool:
    """Whether a Files API error means the gateway has none: 404/501 (`NotFoundError`) or 405."""
    return isinstance(error, NotFoundError) or error.status_code == _METHOD_NOT_ALLOWED


@contextmanager
def on_disk(file: LocalFile) -> Iterator[Path]:
    """The file's path; a blob held in memory is written to a temporary file under its own name first."""
    if file.path is not None:
        yield file.path
        return
    with tempfile.TemporaryDirectory(prefix="toiotech-upload-") as directory:
        path = Path(directory) / (Path(file.filename).name or "document")
        path.write_bytes(file.read_bytes())
        yield path


def _stop_if(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CancelledExtraction


class FileExtractor:
    """Runs the per-file pipeline with one Files client and one chat model (sync or async)."""

    def __init__(self, settings: ExtractionSettings, files: ToiotechFiles, llm: ChatToiotech) -> None:
        """Keep the clients; `llm` must route to the Responses API (`use_responses_api=True`)."""
        self.settings = settings
        self.files = files
        self.llm = llm
        self._no_files_api: str | None = None  # why the gateway has no Files API, once it said so

    @cached_property
    def _pages(self) -> Runnable[Any, Any]:
        return self.llm.with_structured_output(PAGES_SCHEMA, method="json_schema", include_raw=True)

    def _fps_for(self, file: LocalFile) -> float | None:
        return self.settings.fps if file.kind == "video" else None

    def _inline_instead(self, file: LocalFile, error: APIStatusError | None = None) -> None:
        if error is not None and self._no_files_api is None:
            self._no_files_api = f"it answered {error.status_code} on POST /files"
            logger.info("The gateway has no Files API (%s); sending files inline instead.", error)
        check_inline_size(file, self.settings.inline_limit_bytes, self._no_files_api or "unknown")

    def _block(self, file: LocalFile, uploaded: FileObject | None) -> dict[str, Any]:
        fps = self._fps_for(file)
        return inline_block(file, fps) if uploaded is None else uploaded_block(file, uploaded.id, fps)

    def _documents(self, file: LocalFile, uploaded: FileObject | None, reply: AIMessage, result: Any) -> list[Document]:
        metadata = base_metadata(file, None if uploaded is None else uploaded.id, self.settings.model, reply)
        return single_document(reply, metadata) if result is None else page_documents(result, metadata)

    # -- sync ----------------------------------------------------------------------------------------------

    def extract(self, file: LocalFile, cancel: threading.Event | None = None) -> Extraction:
        """Upload (or inline), wait, ask the model, and clean up; see the module docstring.

        Raises:
            CancelledExtraction: `cancel` was set between two steps.
            ValueError: no Files API and the file is over the inline limit, or a bad page-mode reply.
            ToiotechError: a request failed, or the file failed processing.
        """
        uploaded: FileObject | None = None
        keep = False
        try:
            uploaded = self._upload(file)
            _stop_if(cancel)
            if uploaded is not None:
                uploaded = self.files.wait_until_active(uploaded, timeout=self.settings.processing_timeout)
                _stop_if(cancel)
            documents = self._ask(file, uploaded)
            keep = uploaded is not None and not self.settings.delete_after
            return Extraction(documents, uploaded.id if keep and uploaded is not None else None)
        finally:
            if uploaded is not None and not keep:
                self.delete_quietly(uploaded.id)

    def _upload(self, file: LocalFile) -> FileObject | None:
        if self._no_files_api is not None:
            self._inline_instead(file)
            return None
        try:
            with on_disk(file) as path:
                return self.files.upload(path, fps=self._fps_for(file))
        except APIStatusError as error:
            if not files_api_missing(error):
                raise
            self._inline_instead(file, error)
            return None

    def _ask(self, file: LocalFile, uploaded: FileObject | None) -> list[Document]:
        message = extraction_message(file, self._block(file, uploaded), self.settings.prompt, self.settings.mode)
        if uses_pages(file, self.settings.mode):
            result = self._pages.invoke([message])
            return self._documents(file, uploaded, _raw_reply(result), result)
        return self._documents(file, uploaded, self.llm.invoke([message]), None)

    def delete_quietly(self, file_id: str) -> None:
        """Delete an upload; a failure is logged, never raised over the error that led here."""
        try:
            self.files.delete(file_id)
        except ToiotechError as error:
            logger.warning("Could not delete uploaded file %s: %s", file_id, error)

    # -- async ---------------------------------------------------------------------------------------------

    async def aextract(self, file: LocalFile) -> Extraction:
        """Async twin of `extract`; cancelling its task stops it and still deletes the upload."""
        uploaded: FileObject | None = None
        keep = False
        try:
            uploaded = await self._aupload_shielded(file)
            if uploaded is not None:
                uploaded = await self.files.await_until_active(uploaded, timeout=self.settings.processing_timeout)
            documents = await self._aask(file, uploaded)
            keep = uploaded is not None and not self.settings.delete_after
            return Extraction(documents, uploaded.id if keep and uploaded is not None else None)
        finally:
            if uploaded is not None and not keep:
                await self.adelete_quietly(uploaded.id)

    async def _aupload_shielded(self, file: LocalFile) -> FileObject | None:
        # A cancellation that cut the upload off mid-reply would leave a stored file whose id we never
        # learnt; so the upload runs to its end, and is deleted, before the cancellation goes on.
        uploaded, interrupted = await _run_to_end(self._aupload(file))
        if interrupted:
            if uploaded is not None:
                await self.adelete_quietly(uploaded.id)
            raise asyncio.CancelledError
        return uploaded

    async def _aupload(self, file: LocalFile) -> FileObject | None:
        if self._no_files_api is not None:
            self._inline_instead(file)
            return None
        try:
            with on_disk(file) as path:
                return await self.files.aupload(path, fps=self._fps_for(file))
        except APIStatusError as error:
            if not files_api_missing(error):
                raise
            self._inline_instead(file, error)
            return None

    async def _aask(self, file: LocalFile, uploaded: FileObject | None) -> list[Document]:
        message = extraction_message(file, self._block(file, uploaded), self.settings.prompt, self.settings.mode)
        if uses_pages(file, self.settings.mode):
            result = await self._pages.ainvoke([message])
            return self._documents(file, uploaded, _raw_reply(result), result)
        return self._documents(file, uploaded, await self.llm.ainvoke([message]), None)

    async def adelete_quietly(self, file_id: str) -> None:
        """Async twin of `delete_quietly`; it deletes even when its task is cancelled meanwhile.

        Raises:
            asyncio.CancelledError: the task was cancelled during the deletion (re-raised once it is done).
        """
        _, interrupted = await _run_to_end(self._adelete_logged(file_id))
        if interrupted:
            raise asyncio.CancelledError

    async def _adelete_logged(self, file_id: str) -> None:
        try:
            await self.files.adelete(file_id)
        except ToiotechError as error:
            logger.warning("Could not delete uploaded file %s: %s", file_id, error)


async def _run_to_end(work: Awaitable[_T]) -> tuple[_T, bool]:
    """Await `work` to its end even if the calling task is cancelled meanwhile.

    The loader cancels the files in flight when its consumer stops; a file cancelled while its upload or
    deletion is under way would otherwise stay on the gateway. Returns the result and whether a cancellation
    arrived, for the caller to re-raise once its cleanup is done.
    """
    task = asyncio.ensure_future(work)
    interrupted = False
    while True:
        try:
            return await asyncio.shield(task), interrupted
        except asyncio.CancelledError:
            if task.done():  # the work itself was cancelled, not only the wait for it
                raise
            interrupted = True


def _raw_reply(result: Any) -> AIMessage:
    raw = result.get("raw") if isinstance(result, dict) else None
    if not isinstance(raw, AIMessage):
        msg = "the structured-output runnable returned no raw message"
        raise TypeError(msg)
    return raw
