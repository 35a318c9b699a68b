"""`ToiotechFileLoader` and `ToiotechBlobParser`: PDFs, images and videos read by a vision model into Documents."""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx
from langchain_core.document_loaders import BaseBlobParser, BaseLoader
from langchain_core.documents import Document
from langchain_core.documents.base import Blob
from pydantic import SecretStr
from typing_extensions import TypedDict, Unpack

from langchain_toiotech._blocks.media import check_fps
from langchain_toiotech._config.field_checks import check_known_options
from langchain_toiotech._files.kinds import is_link_loop
from langchain_toiotech._files.objects import DEFAULT_WAIT_TIMEOUT
from langchain_toiotech._loader.ordered_pool import aiter_ordered, iter_ordered
from langchain_toiotech._loader.pipeline import CancelledExtraction, Extraction, ExtractionSettings, FileExtractor
from langchain_toiotech._loader.requests import DEFAULT_INLINE_LIMIT, LocalFile, local_file, local_file_from_blob
from langchain_toiotech.chat_models import ChatToiotech
from langchain_toiotech.errors import FileLoadError
from langchain_toiotech.files import ToiotechFiles

__all__ = ["BlobParserOptions", "ToiotechBlobParser", "ToiotechFileLoader"]

logger = logging.getLogger("langchain_toiotech")

DEFAULT_GLOB = "**/[!.]*"
"""Files under a directory: everything, recursively, except hidden files (as LangChain's `DirectoryLoader`)."""
_TQDM_HINT = "show_progress=True needs tqdm: pip install 'langchain-toiotech[loader]'"


class BlobParserOptions(TypedDict, total=False):
    """Keyword arguments of `ToiotechBlobParser`, also accepted by `ToiotechFileLoader` (see their docs)."""

    prompt: str | None
    mode: Literal["single", "page"]
    fps: float | None
    delete_after: bool
    inline_limit_bytes: int
    processing_timeout: float
    api_key: str | SecretStr | None
    base_url: str | None
    files_base_url: str | None
    timeout: float | httpx.Timeout | None
    max_retries: int
    default_headers: dict[str, str] | None
    http_client: httpx.Client | None
    http_async_client: httpx.AsyncClient | None
    chat_kwargs: dict[str, Any] | None


_CLIENT_OPTIONS = (
    "api_key",
    "base_url",
    "timeout",
    "max_retries",
    "default_headers",
    "http_client",
    "http_async_client",
)


_LOADER_ARGUMENTS = ("file_path", "model", "glob", "max_concurrency", "show_progress")


def _build_extractor(
    owner: str, model: str, options: BlobParserOptions, own_arguments: tuple[str, ...] = ()
) -> FileExtractor:
    # A TypedDict only guides type checkers: at run time a misspelt option would otherwise be ignored.
    check_known_options(owner, options, [*BlobParserOptions.__annotations__, *own_arguments])
    settings = ExtractionSettings(
        model=model,
        prompt=options.get("prompt"),
        mode=options.get("mode", "single"),
        fps=options.get("fps"),
        delete_after=options.get("delete_after", True),
        inline_limit_bytes=options.get("inline_limit_bytes", DEFAULT_INLINE_LIMIT),
        processing_timeout=options.get("processing_timeout", DEFAULT_WAIT_TIMEOUT),
    )
    _check_settings(settings)
    # Unset options stay unset, so the clients read TOIOTECH_API_KEY / TOIOTECH_BASE_URL themselves.
    given: dict[str, Any] = dict(options)
    client = {name: given[name] for name in _CLIENT_OPTIONS if given.get(name) is not None}
    files = ToiotechFiles(**client, files_base_url=given.get("files_base_url"))
    chat = {**client, **(given.get("chat_kwargs") or {}), "model": model, "use_responses_api": True}
    llm = ChatToiotech(**chat)
    return FileExtractor(settings, files, llm)


def _check_settings(settings: ExtractionSettings) -> None:
    if not settings.model:
        msg = "model must name a vision model the gateway serves, e.g. 'doubao-seed-1-8'"
        raise ValueError(msg)
    if settings.mode not in {"single", "page"}:
        msg = f"mode must be 'single' or 'page', got {settings.mode!r}"
        raise ValueError(msg)
    if settings.fps is not None:
        try:
            check_fps(settings.fps)
        except ValueError as problem:
            raise ValueError(str(problem)) from None
    if settings.inline_limit_bytes < 0 or settings.processing_timeout < 0:
        msg = "inline_limit_bytes and processing_timeout must be 0 or more"
        raise ValueError(msg)


def _named(source: str, error: Exception) -> FileLoadError:
    return FileLoadError(f"Could not load {source!r}: {type(error).__name__}: {error}", source=source)


def _extract(extractor: FileExtractor, file: LocalFile, cancel: threading.Event | None = None) -> Extraction:
    try:
        return extractor.extract(file, cancel)
    except CancelledExtraction:
        raise
    except Exception as error:
        raise _named(file.source, error) from error


async def _aextract(extractor: FileExtractor, file: LocalFile) -> Extraction:
    try:
        return await extractor.aextract(file)
    except Exception as error:
        raise _named(file.source, error) from error


class ToiotechBlobParser(BaseBlobParser):
    """Blob parser that has a vision model read each blob (PDF, image, video) through the gateway.

    Per blob: upload it to the Files API, wait until it is active, ask the model (Responses API, the file
    referenced by `file_id`) with `prompt`, and return the answer as Documents; then delete the upload
    (`delete_after`). Use it with `GenericLoader` (langchain-community) for directory loading, or call
    `parse(blob)`. Takes `model` plus the `BlobParserOptions` keywords, documented on `ToiotechFileLoader`.
    A failure raises `FileLoadError` naming the blob's source; the original error is its `__cause__`.

    ```python
    from langchain_community.document_loaders.generic import GenericLoader
    from langchain_toiotech import ToiotechBlobParser

    loader = GenericLoader.from_filesystem("reports/", glob="**/*.pdf", parser=ToiotechBlobParser("doubao-seed-1-8"))
    documents = loader.load()
    ```
    """

    def __init__(self, model: str, **options: Unpack[BlobParserOptions]) -> None:
        """Build the Files client and the chat model; see `ToiotechFileLoader` for the options."""
        self._extractor = _build_extractor(type(self).__name__, model, options)

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        """Read one blob into Documents (one, or one per page in page mode).

        Raises:
            FileLoadError: the blob could not be read; names its source.
        """
        yield from _extract(self._extractor, self._local(blob)).documents

    async def alazy_parse(self, blob: Blob) -> AsyncIterator[Document]:
        """Async twin of `lazy_parse`."""
        extraction = await _aextract(self._extractor, self._local(blob))
        for document in extraction.documents:
            yield document

    @staticmethod
    def _local(blob: Blob) -> LocalFile:
        try:
            return local_file_from_blob(blob)
        except (OSError, ValueError) as error:
            source = str(blob.source or blob.path or "blob")
            raise _named(source, error) from error


class _ProgressBar(Protocol):
    def update(self, n: float | None = 1) -> bool | None: ...

    def close(self) -> None: ...


class ToiotechFileLoader(BaseLoader):
    """Load PDFs, images and videos as Documents, read by a vision model through the toiotech gateway.

    Per file: upload it (Files API, streamed from disk), wait until the gateway has processed it, ask the
    model through the Responses API (`input_file` / `input_image` / `input_video` referencing the `file_id`)
    with the extraction prompt, yield `Document(page_content=<the model's text>, metadata=...)`, and delete
    the upload (`delete_after=True`). Default prompts ask for faithful Markdown of all text, tables and
    figures, and for videos a timestamped description plus transcript.

    Metadata: `source` (the path), `filename`, `mime_type`, `file_id` (None when sent inline), `model`, `usage`
    (the extraction call's token usage), and in page mode `page` (0-based int). In page mode the model
    answers with structured output, one entry per page, and each page becomes a Document carrying the
    file's single call `usage` (sum usage over files, not pages). Images and videos have no pages and stay
    one Document without `page`. Some vector stores (Chroma) take only flat metadata: drop `usage` and None
    values first (`langchain_community.vectorstores.utils.filter_complex_metadata`).

    Gateways without a Files API (stock new-api answers 501; 404 and 405 count too) get each file inline, as
    base64, up to `inline_limit_bytes` (default 20 MiB: Ark takes base64 items under 50 MB in requests of at
    most 64 MB, and an inline request is held in memory at roughly 4x the file size); a larger file fails
    with an error that says both. Bad paths (missing, empty, over 512 MiB, audio) fail before any request.

    A failure raises `FileLoadError` naming the file, after the Documents of the files before it were
    yielded. Uploads never outlive the loader: the upload of a file that failed, and of files running beside
    it, is deleted, as is every upload when the caller stops iterating early (`break`, `close()`; for
    `alazy_load`, `aclose()` it, e.g. with `contextlib.aclosing`). With `delete_after=False`, uploads whose
    Documents were yielded are kept, so their `file_id`s can be reused.

    Setup:
        ```bash
        pip install "langchain-toiotech[loader]"  # [loader] adds tqdm, for show_progress=True
        export TOIOTECH_API_KEY="sk-..."
        ```

    Instantiate:
        ```python
        from langchain_toiotech import ToiotechFileLoader

        loader = ToiotechFileLoader(
            ["report.pdf", "scans/"],  # a path, a list, or directories (searched with `glob`)
            model="doubao-seed-1-8",
            mode="page",  # one Document per PDF page
            fps=0.5,  # video frames sampled per second (0.2-5)
            max_concurrency=4,
            show_progress=True,
        )
        ```

    Lazy load:
        ```python
        for document in loader.lazy_load():
            print(document.metadata["source"], document.metadata.get("page"), document.page_content[:80])
        ```

    Async load:
        ```python
        documents = [document async for document in loader.alazy_load()]
        ```

    Args:
        file_path: A file, a directory, or a list of them; directories are searched with `glob`.
        model: A vision model the gateway serves through the Responses API.
        glob: Pattern for files under a directory (default: all, recursively, except hidden ones).
        max_concurrency: Files processed at once: threads in `lazy_load` (1: one after another in the
            calling thread), tasks in `alazy_load`. Documents are always yielded in file order.
        show_progress: Show a tqdm progress bar over files (needs the `loader` extra).
        **options: `BlobParserOptions`: `prompt` (replaces the default prompt), `mode` (`"single"` or
            `"page"`), `fps`, `delete_after` (True), `inline_limit_bytes`, `processing_timeout` (seconds to wait
            for an upload to become active, 600), `api_key`, `base_url`, `files_base_url`, `timeout`,
            `max_retries`, `default_headers`, `http_client`, `http_async_client`, and `chat_kwargs` (other
            `ChatToiotech` fields, e.g. `{"max_tokens": 8000, "reasoning_effort": "minimal"}`).
    """

    def __init__(
        self,
        file_path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        model: str,
        *,
        glob: str = DEFAULT_GLOB,
        max_concurrency: int = 4,
        show_progress: bool = False,
        **options: Unpack[BlobParserOptions],
    ) -> None:
        """Check the options and build the clients; paths are read when loading starts."""
        if max_concurrency < 1:
            msg = f"max_concurrency must be 1 or more, got {max_concurrency}"
            raise ValueError(msg)
        if show_progress:
            _tqdm()  # fail now, not after the first upload
        paths = [file_path] if isinstance(file_path, (str, os.PathLike)) else list(file_path)
        self.file_paths = [Path(path) for path in paths]
        self.glob = glob
        self.max_concurrency = max_concurrency
        self.show_progress = show_progress
        self._extractor = _build_extractor(type(self).__name__, model, options, _LOADER_ARGUMENTS)

    def _files(self) -> list[LocalFile]:
        """Every file to load, checked before any request."""
        files: list[LocalFile] = []
        for path in self.file_paths:
            if not path.is_dir():
                files.append(local_file(path))
                continue
            # A link loop is not a file, yet skipping it would hide a mistake: local_file reports it.
            found = sorted(child for child in path.glob(self.glob) if child.is_file() or is_link_loop(child))
            if not found:
                logger.warning("No files match %r under %s.", self.glob, path)
            files.extend(local_file(child) for child in found)
        return files

    def lazy_load(self) -> Iterator[Document]:
        """Yield each file's Documents in file order; see the class docstring.

        Raises:
            FileNotFoundError, ValueError: a path is missing or unusable (before any request).
            FileLoadError: a file failed; names it.
        """
        files = self._files()
        bar = _progress(len(files)) if self.show_progress else None
        results: Generator[Extraction, None, None]
        if self.max_concurrency == 1:
            results = (_extract(self._extractor, file) for file in files)
        else:
            results = iter_ordered(
                files,
                lambda file, cancel: _extract(self._extractor, file, cancel),
                limit=self.max_concurrency,
                discard=self._discard,
            )
        try:
            for extraction in results:
                yield from self._advance(bar, extraction.documents)
        finally:
            results.close()  # stopping early stops the files in flight too, and deletes their uploads
            if bar is not None:
                bar.close()

    async def alazy_load(self) -> AsyncIterator[Document]:
        """Async twin of `lazy_load`, with up to `max_concurrency` files in flight."""
        files = self._files()
        bar = _progress(len(files)) if self.show_progress else None
        results = aiter_ordered(
            files,
            lambda file: _aextract(self._extractor, file),
            limit=self.max_concurrency,
            discard=self._adiscard,
        )
        try:
            async for extraction in results:
                for document in self._advance(bar, extraction.documents):
                    yield document
        finally:
            await results.aclose()  # as in lazy_load
            if bar is not None:
                bar.close()

    @staticmethod
    def _advance(bar: _ProgressBar | None, documents: list[Document]) -> list[Document]:
        if bar is not None:
            bar.update(1)
        return documents

    def _discard(self, extraction: Extraction) -> None:
        if extraction.kept_file_id is not None:
            self._extractor.delete_quietly(extraction.kept_file_id)

    async def _adiscard(self, extraction: Extraction) -> None:
        if extraction.kept_file_id is not None:
            await self._extractor.adelete_quietly(extraction.kept_file_id)


def _tqdm() -> Any:
    try:
        return importlib.import_module("tqdm.auto").tqdm
    except ImportError as error:
        raise ImportError(_TQDM_HINT) from error


def _progress(total: int) -> _ProgressBar:
    bar: _ProgressBar = _tqdm()(total=total, desc="Loading files", unit="file")
    return bar
