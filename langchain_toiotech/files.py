"""`ToiotechFiles`: upload, inspect, wait for and delete files on the gateway's Files API (Ark or OpenAI shape)."""

from __future__ import annotations

import asyncio
import builtins
import time
from pathlib import Path
from typing import Any, Final

from pydantic import ConfigDict, model_validator

from langchain_toiotech._config.field_checks import check_known_options
from langchain_toiotech._config.settings import (
    GatewayClient,
    check_base_url,
)
from langchain_toiotech._files.objects import (
    DEFAULT_WAIT_TIMEOUT,
    Expiry,
    FileObject,
    PollSchedule,
    parse_file_object,
    prepare_upload,
)
from langchain_toiotech._files.pages import DEFAULT_MAX_LIST_PAGES, FilePages
from langchain_toiotech._http.redaction import redacting

__all__ = ["FileObject", "ToiotechFiles"]

_FILES_PATH: Final = "/files"


def _sleep(seconds: float) -> None:
    # Module-level so tests can skip the polling pauses without touching time.sleep for everyone.
    time.sleep(seconds)


async def _asleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


class ToiotechFiles(GatewayClient):
    """Client of the gateway's Files API: upload a local file once, then reference it by `file_id`.

    Works with both shapes a gateway may expose: Volcengine Ark's (`processing` → `active` | `failed`,
    `preprocess_configs[video][fps]`, `expire_at`) and OpenAI's (`uploaded` / `processed` / `error`, or no status
    at all as DeepSeek, which means usable at once). A gateway built on stock new-api has no Files API and
    answers 501 (`NotFoundError`); `ToiotechFileLoader` then falls back to inline data.

    Uploads stream the file from disk (memory use does not grow with its size) and are retried like every
    other call, each attempt re-reading the file from its first byte. Bad input fails before any request:
    a missing path (`FileNotFoundError`), a directory (`IsADirectoryError`), an empty file or one over 512 MiB,
    `fps` for a non-video or outside 0.2-5, `expire_at` not 1 to 30 days ahead (`ValueError`).

    Every method has an async twin with an `a` prefix: `aupload`, `aretrieve`, `await_until_active`,
    `adelete`, `alist` (so the twin of `wait_until_active` reads "await until active").

    Setup:
        ```bash
        pip install langchain-toiotech
        export TOIOTECH_API_KEY="sk-..."
        ```

    Upload, wait, use, delete:
        ```python
        from langchain_core.messages import HumanMessage
        from langchain_toiotech import ChatToiotech, ToiotechFiles

        files = ToiotechFiles()
        uploaded = files.upload("clip.mp4", fps=0.5)  # Ark samples the video at 0.5 frames per second
        ready = files.wait_until_active(uploaded.id, timeout=300)
        model = ChatToiotech(model="doubao-seed-1-8")
        answer = model.invoke(
            [HumanMessage([{"type": "video", "file_id": ready.id}, {"type": "text", "text": "What happens?"}])]
        )
        files.delete(ready.id)
        ```

    Key init args (client params):
        api_key: Defaults to `TOIOTECH_API_KEY`. base_url: defaults to `TOIOTECH_BASE_URL`, then
        `https://api.toiotech.com/v1`. files_base_url: where `/files` lives when not under `base_url`
        (e.g. `https://ark.cn-beijing.volces.com/api/v3`). timeout, max_retries (2), default_headers,
        http_client, http_async_client.
    """

    # The Files API takes no free-form request fields: a misspelt argument must fail, not vanish.
    model_config = ConfigDict(extra="forbid")

    files_base_url: str | None = None
    """Base URL of the Files API (`<files_base_url>/files`); None uses `base_url`."""

    def __init__(self, **kwargs: Any) -> None:
        """Create the client; see the class docstring for the arguments."""
        # Declared here so type checkers take `model=` and a plain `str` api_key instead of pydantic's
        # synthesized signature (the field aliases and SecretStr would not type-check).
        super().__init__(**kwargs)

    @model_validator(mode="before")
    @classmethod
    def _check_argument_names(cls, values: Any) -> Any:
        if isinstance(values, dict):
            aliases = {field.alias for field in cls.model_fields.values() if field.alias}
            check_known_options(cls.__name__, values, set(cls.model_fields) | aliases)
        return values

    def _check_connection(self) -> None:
        super()._check_connection()
        if self.files_base_url is not None:
            check_base_url(self.files_base_url, name="files_base_url", api_key=self.api_key)

    def _transport_base_url(self) -> str:
        return self.files_base_url or self.base_url

    def upload(
        self, path: str | Path, purpose: str = "user_data", fps: float | None = None, expire_at: Expiry | None = None
    ) -> FileObject:
        """Upload a local file (multipart `POST /files`), streamed from disk.

        Args:
            path: The file; at most 512 MiB, not empty.
            purpose: The Files API purpose; `user_data` is what vision models read.
            fps: For videos, the frame rate Ark samples at (0.2-5; Ark's default is 1), sent as
                `preprocess_configs[video][fps]`.
            expire_at: When Ark deletes the file: Unix seconds, an aware `datetime`, or a `timedelta` from now;
                1 to 30 days ahead (default retention: 7 days). Sent as Ark's `expire_at` field.

        Returns:
            The file object; on Ark it is usually `processing`: see `wait_until_active`.

        Raises:
            FileNotFoundError: `path` does not exist.
            IsADirectoryError: `path` is a directory.
            ValueError: the file or an argument is rejected (see the class docstring); no request was made.
            ToiotechError: the upload failed; `NotFoundError` when the gateway has no Files API (404/501).
        """
        request = prepare_upload(path, purpose=purpose, fps=fps, expire_at=expire_at)
        return self._transport.upload(_FILES_PATH, request.path, request.fields, request.mime_type, parse_file_object)

    async def aupload(
        self, path: str | Path, purpose: str = "user_data", fps: float | None = None, expire_at: Expiry | None = None
    ) -> FileObject:
        """Async twin of `upload`, with the same arguments, checks and errors."""
        request = prepare_upload(path, purpose=purpose, fps=fps, expire_at=expire_at)
        return await self._async_transport.upload(
            _FILES_PATH, request.path, request.fields, request.mime_type, parse_file_object
        )

    def retrieve(self, file_id: str) -> FileObject:
        """Fetch a file object (`GET /files/{id}`) to read its status.

        Raises:
            ToiotechError: the request failed; `NotFoundError` for an unknown id.
        """
        return self._transport.request("GET", _file_path(file_id), parse_file_object)

    async def aretrieve(self, file_id: str) -> FileObject:
        """Async twin of `retrieve`."""
        return await self._async_transport.request("GET", _file_path(file_id), parse_file_object)

    def wait_until_active(self, file: str | FileObject, timeout: float = DEFAULT_WAIT_TIMEOUT) -> FileObject:
        """Poll a file until the gateway can use it: every 0.5 s at first, backing off to every 5 s.

        Args:
            file: A file id, or a file object (one that is already usable is returned without a request).
            timeout: Seconds to wait in all (default 600, as the Ark SDK).

        Returns:
            The usable file object (Ark `active`; OpenAI `processed` / `uploaded` or no status).

        Raises:
            FileProcessingError: the gateway marked the file failed; the message holds its reason.
            FileProcessingTimeoutError: it was still processing after `timeout` seconds.
            ToiotechError: a retrieve request failed.
        """
        current, schedule = self._start_wait(file, timeout)
        if current is None:
            current = self.retrieve(schedule.file_id)
        # The failure next_delay raises keeps the file object the gateway sent, which may echo the key.
        with redacting(self._settings.api_key):
            while (delay := schedule.next_delay(current)) is not None:
                _sleep(delay)
                current = self.retrieve(schedule.file_id)
        return current

    async def await_until_active(
        self,
        file: str | FileObject,
        timeout: float = DEFAULT_WAIT_TIMEOUT,  # noqa: ASYNC109 - the same signature as its sync twin
    ) -> FileObject:
        """Async twin of `wait_until_active`."""
        current, schedule = self._start_wait(file, timeout)
        if current is None:
            current = await self.aretrieve(schedule.file_id)
        with redacting(self._settings.api_key):
            while (delay := schedule.next_delay(current)) is not None:
                await _asleep(delay)
                current = await self.aretrieve(schedule.file_id)
        return current

    @staticmethod
    def _start_wait(file: str | FileObject, timeout: float) -> tuple[FileObject | None, PollSchedule]:
        # A file object already in hand counts as the first poll: an OpenAI-shaped upload needs no request.
        if isinstance(file, FileObject):
            return file, PollSchedule(file.id, timeout)
        return None, PollSchedule(file, timeout)

    def delete(self, file_id: str) -> bool:
        """Delete a file (`DELETE /files/{id}`).

        Returns:
            Whether the gateway reports it deleted.

        Raises:
            ToiotechError: the request failed; `NotFoundError` for an unknown id.
        """
        return self._transport.request("DELETE", _file_path(file_id), _deleted)

    async def adelete(self, file_id: str) -> bool:
        """Async twin of `delete`."""
        return await self._async_transport.request("DELETE", _file_path(file_id), _deleted)

    def list(
        self, purpose: str | None = None, *, limit: int | None = None, max_pages: int = DEFAULT_MAX_LIST_PAGES
    ) -> list[FileObject]:
        """List the account's files (`GET /files`), following `has_more` pages with `after` cursors.

        The listing always ends: a gateway that keeps saying `has_more` cannot make it loop for ever.

        Args:
            purpose: Only files uploaded with this purpose.
            limit: Return at most this many files: the first `limit` in the gateway's order, and stop fetching
                pages once they are in hand (a partial list, by request). None lists them all.
            max_pages: Pages read at most (default 1,000) before `FileListError`.

        Returns:
            The file objects, in the gateway's order; an id repeated on a later page is kept once.

        Raises:
            ValueError: `limit` or `max_pages` is not a positive integer; no request was made.
            FileListError: the listing would not end: a page said `has_more` but brought no new file (the
                next cursor would repeat), or `max_pages` pages all said `has_more`. Its `files` holds what was
                read.
            ToiotechError: a request failed.
        """
        pages = FilePages(purpose, limit=limit, max_pages=max_pages)
        while (params := pages.next_params()) is not None:
            self._transport.request("GET", _FILES_PATH, pages.add, params=params)
        return pages.files

    async def alist(
        self, purpose: str | None = None, *, limit: int | None = None, max_pages: int = DEFAULT_MAX_LIST_PAGES
    ) -> builtins.list[FileObject]:
        """Async twin of `list`, with the same arguments, bounds and errors."""
        pages = FilePages(purpose, limit=limit, max_pages=max_pages)
        while (params := pages.next_params()) is not None:
            await self._async_transport.request("GET", _FILES_PATH, pages.add, params=params)
        return pages.files


def _file_path(file_id: str) -> str:
    if not file_id or "/" in file_id:
        msg = f"not a file id: {file_id!r}"
        raise ValueError(msg)
    return f"{_FILES_PATH}/{file_id}"


def _deleted(body: dict[str, Any]) -> bool:
    return body.get("deleted", True) is True
