"""Files API wire shapes (Ark and OpenAI) without I/O: upload form fields, file objects, the polling schedule."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

from langchain_toiotech._blocks.media import check_fps
from langchain_toiotech._files.kinds import check_upload_path, detect_mime_type, kind_of
from langchain_toiotech.errors import FileProcessingError, FileProcessingTimeoutError

FileState = Literal["processing", "active", "failed"]

FPS_FIELD: Final = "preprocess_configs[video][fps]"
"""Ark's multipart field for the frame rate a video is sampled at (0.2-5, default 1)."""
Expiry: TypeAlias = int | datetime | timedelta
"""When the gateway may delete an upload: Unix seconds, an aware `datetime`, or a `timedelta` from now."""
MIN_RETENTION: Final = timedelta(days=1)
MAX_RETENTION: Final = timedelta(days=30)
"""Ark keeps a file 7 days by default; `expire_at` may set 1 to 30 days."""
FIRST_POLL_DELAY: Final = 0.5
MAX_POLL_DELAY: Final = 5.0
"""Polling starts fast (small images are ready in well under a second) and backs off to Ark SDK-like pauses."""
DEFAULT_WAIT_TIMEOUT: Final = 600.0
"""Seconds `wait_until_active` waits; the Ark SDK gives up after the same 10 minutes."""

# Ark: processing → active | failed. OpenAI: uploaded | processed | error (legacy; usable on upload).
# DeepSeek sends no status at all: its files are usable at once. Any other status is polled.
_ACTIVE_STATUSES: Final = frozenset({"active", "processed", "uploaded"})
_FAILED_STATUSES: Final = frozenset({"failed", "error", "cancelled"})

_clock = time.monotonic  # module-level so tests can drive the polling deadline


@dataclass(frozen=True)
class FileObject:
    """A file as the gateway's Files API describes it (Ark or OpenAI shape).

    Attributes:
        id: The file id to reference in requests (`{"type": "file", "file_id": ...}` content blocks).
        filename: The name it was uploaded under.
        bytes: Its size.
        purpose: `user_data`, `assistants`, ...
        status: The status as sent (`processing`, `active`, `failed`; OpenAI `uploaded`, `processed`, `error`;
            None when the gateway sends none, as DeepSeek).
        created_at: Upload time, Unix seconds.
        expire_at: When the gateway deletes it (Ark `expire_at`, OpenAI `expires_at`), Unix seconds.
        mime_type: The type the gateway detected (Ark only).
        error: Why processing failed, when it did.
        error_code: The gateway's code for that failure (Ark `error.code`).
        raw: The object exactly as received.
    """

    id: str
    filename: str | None = None
    bytes: int | None = None
    purpose: str | None = None
    status: str | None = None
    created_at: int | None = None
    expire_at: int | None = None
    mime_type: str | None = None
    error: str | None = None
    error_code: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def state(self) -> FileState:
        """`active` (usable), `failed`, or `processing` (wait and retrieve again)."""
        if self.status is None or self.status in _ACTIVE_STATUSES:
            return "active"
        if self.status in _FAILED_STATUSES:
            return "failed"
        return "processing"


@dataclass(frozen=True)
class UploadRequest:
    """A checked upload: the file, its MIME type, and the multipart form fields besides `file`."""

    path: Path
    size: int
    mime_type: str
    fields: dict[str, str]


def prepare_upload(
    path: str | Path,
    *,
    purpose: str,
    fps: float | None,
    expire_at: Expiry | None,
) -> UploadRequest:
    """Check an upload before any request is made and build its form fields.

    Raises:
        FileNotFoundError: the path does not exist.
        IsADirectoryError: the path is a directory.
        ValueError: empty or over 512 MiB; no purpose; `fps` for a file that is not a video, or outside
            0.2-5; `expire_at` not 1 to 30 days ahead.
    """
    file_path = Path(path)
    size = check_upload_path(file_path)
    if not purpose:
        msg = "purpose must be a non-empty string such as 'user_data'"
        raise ValueError(msg)
    mime_type = detect_mime_type(file_path)
    fields = {"purpose": purpose}
    if fps is not None:
        if kind_of(mime_type) != "video":
            msg = f"fps applies to videos only; {file_path.name!r} looks like {mime_type}"
            raise ValueError(msg)
        fields[FPS_FIELD] = str(_checked_fps(fps))
    if expire_at is not None:
        fields["expire_at"] = str(expiry_timestamp(expire_at))
    return UploadRequest(file_path, size, mime_type, fields)


def _checked_fps(fps: float) -> float:
    try:
        return check_fps(fps)
    except ValueError as problem:  # the content-block error type; a plain ValueError here
        raise ValueError(str(problem)) from None


def expiry_timestamp(expire_at: Expiry, *, now: float | None = None) -> int:
    """Turn `expire_at` (Unix seconds, an aware datetime, or a delay from now) into checked Unix seconds.

    Raises:
        ValueError: a naive datetime, or a time that is not between 1 and 30 days from now.
    """
    current = time.time() if now is None else now
    if isinstance(expire_at, timedelta):
        timestamp = current + expire_at.total_seconds()
    elif isinstance(expire_at, datetime):
        if expire_at.tzinfo is None:
            msg = "expire_at must be a timezone-aware datetime (e.g. datetime.now(timezone.utc) + timedelta(days=7))"
            raise ValueError(msg)
        timestamp = expire_at.timestamp()
    elif isinstance(expire_at, int) and not isinstance(expire_at, bool):
        timestamp = float(expire_at)
    else:
        msg = f"expire_at must be Unix seconds, a datetime or a timedelta, got {type(expire_at).__name__}"
        raise TypeError(msg)
    ahead = timedelta(seconds=timestamp - current)
    if not MIN_RETENTION <= ahead <= MAX_RETENTION:
        when = datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")
        msg = f"expire_at must be 1 to 30 days from now (Ark's retention range), got {when}"
        raise ValueError(msg)
    return int(timestamp)


def parse_file_object(body: dict[str, Any]) -> FileObject:
    """Read an Ark- or OpenAI-shaped file object.

    Raises:
        FileProcessingError: the reply has no string `id`.
    """
    file_id = body.get("id")
    if not isinstance(file_id, str) or not file_id:
        msg = f"The gateway's file reply has no id: {str(body)[:200]}"
        raise FileProcessingError(msg, body=body)
    error = body.get("error")
    error_obj = error if isinstance(error, dict) else {}
    message = error_obj.get("message") or (error if isinstance(error, str) else None) or body.get("status_details")
    return FileObject(
        id=file_id,
        filename=_text(body.get("filename")),
        bytes=_integer(body.get("bytes")),
        purpose=_text(body.get("purpose")),
        status=_text(body.get("status")),
        created_at=_integer(body.get("created_at")),
        expire_at=_integer(body.get("expire_at", body.get("expires_at"))),
        mime_type=_text(body.get("mime_type")),
        error=_text(message),
        error_code=_text(error_obj.get("code")),
        raw=body,
    )


def parse_file_list(body: dict[str, Any]) -> tuple[list[FileObject], bool]:
    """The file objects of a list reply and whether more pages follow (`has_more`)."""
    data = body.get("data")
    items = [parse_file_object(item) for item in data if isinstance(item, dict)] if isinstance(data, list) else []
    return items, body.get("has_more") is True


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def failure(file: FileObject) -> FileProcessingError:
    """The error for a file the gateway marked failed, with its reason."""
    name = f" ({file.filename})" if file.filename else ""
    reason = file.error or "no reason given"
    code = f" [{file.error_code}]" if file.error_code else ""
    msg = f"File {file.id}{name} failed processing on the gateway (status {file.status!r}){code}: {reason}"
    return FileProcessingError(msg, file_id=file.id, code=file.error_code, body=file.raw)


class PollSchedule:
    """When to retrieve a processing file again: 0.5 s doubling to 5 s, never past the deadline.

    Shared by the sync and async waits, which differ only in how they sleep.
    """

    def __init__(self, file_id: str, timeout: float) -> None:
        """Start the clock for one wait.

        Raises:
            ValueError: `timeout` is negative.
        """
        if timeout < 0:
            msg = f"timeout must be 0 or more seconds, got {timeout}"
            raise ValueError(msg)
        self.file_id = file_id
        self._timeout = timeout
        self._deadline = _clock() + timeout
        self._delay = FIRST_POLL_DELAY

    def next_delay(self, file: FileObject) -> float | None:
        """Seconds to wait before the next retrieve, or None when `file` is active.

        Raises:
            FileProcessingError: the file failed (with the gateway's reason).
            FileProcessingTimeoutError: the file is still processing and the timeout has run out.
        """
        if file.state == "active":
            return None
        if file.state == "failed":
            raise failure(file)
        remaining = self._deadline - _clock()
        if remaining <= 0:
            msg = (
                f"File {self.file_id} was still {file.status!r} after {self._timeout:g} s; it may yet become "
                "active: wait again with a longer timeout, or delete it"
            )
            raise FileProcessingTimeoutError(msg, file_id=self.file_id, body=file.raw)
        delay = min(self._delay, remaining)
        self._delay = min(self._delay * 2, MAX_POLL_DELAY)
        return delay
