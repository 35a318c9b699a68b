"""The ``/v1/files`` routes in three flavours: Ark, OpenAI, or stock new-api's 501.

Uploads are parsed incrementally as they stream from the socket (see ``_multipart``); only each file's size and
SHA-256 are kept, never its bytes. Ark files report ``"processing"`` on upload and on the first
``file_processing_polls`` GETs, then ``"active"``; ``fail_file`` turns one ``"failed"`` with an ``error``.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from langchain_toiotech.testing._multipart import FilePart, FormData
from langchain_toiotech.testing._wire import Reply, error_reply, json_reply

FILES_APIS: Final = ("ark", "openai", "unsupported")
_DEFAULT_RETENTION: Final = 7 * 24 * 3600
_FPS_FIELD: Final = "preprocess_configs[video][fps]"


@dataclass
class _StoredFile:
    obj: dict[str, Any]
    sha256: str
    polls_left: int
    pages: int | None = None


def not_implemented() -> Reply:
    """Stock new-api's answer on every ``/v1/files`` path.

    Returns:
        The 501 reply.
    """
    body = {"error": {"message": "API not implemented", "type": "new_api_error", "code": "api_not_implemented"}}
    return json_reply(body, 501)


class FileStore:
    """Thread-safe store of uploaded file objects."""

    def __init__(self, api: str, polls: int) -> None:
        """Create a store.

        Args:
            api: ``"ark"``, ``"openai"`` or ``"unsupported"``.
            polls: How many GETs a fresh Ark upload stays ``"processing"``.
        """
        self.api = api
        self._polls = polls
        self._lock = threading.Lock()
        self._files: dict[str, _StoredFile] = {}
        self._counter = 0

    def handle(self, method: str, parts: list[str], form: FormData | None, query: Mapping[str, str]) -> Reply:
        """Dispatch a ``/files`` request.

        Args:
            method: HTTP method.
            parts: Path segments after ``files`` (``[]`` or ``[file_id]`` or ``[file_id, "content"]``).
            form: The parsed multipart form of an upload.
            query: Query parameters.

        Returns:
            The reply.
        """
        if self.api == "unsupported":
            return not_implemented()
        file_id = parts[0] if parts else ""
        routes: dict[tuple[str, int], Callable[[], Reply]] = {
            ("POST", 0): lambda: self._upload(form),
            ("GET", 0): lambda: self._list(query),
            ("GET", 1): lambda: self._retrieve(file_id),
            ("DELETE", 1): lambda: self._delete(file_id),
            ("GET", 2): lambda: self._content(file_id) if parts[-1] == "content" else self._bad_url(method, parts),
        }
        action = routes.get((method, len(parts)))
        return action() if action is not None else self._bad_url(method, parts)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Copies of the stored file objects, by file id."""
        with self._lock:
            return {file_id: dict(stored.obj) for file_id, stored in self._files.items()}

    def digest(self, file_id: str) -> str:
        """The SHA-256 (hex digest) of uploaded file ``file_id``."""
        with self._lock:
            return self._files[file_id].sha256

    def fail(self, file_id: str, message: str, code: str = "InvalidParameter") -> None:
        """Mark a file ``"failed"`` with an Ark-style ``error`` object.

        Args:
            file_id: The file id.
            message: The error message.
            code: The error code.
        """
        with self._lock:
            obj = self._files[file_id].obj
            obj["status"] = "failed" if self.api == "ark" else "error"
            obj["error"] = {"code": code, "message": message, "param": "", "type": "BadRequest"}
            if self.api == "openai":
                obj["status_details"] = message

    def is_active(self, file_id: str) -> bool:
        """Whether file ``file_id`` exists and may be used (status ``"active"`` on Ark, ``"processed"`` on OpenAI)."""
        with self._lock:
            stored = self._files.get(file_id)
            return stored is not None and stored.obj.get("status") in {"active", "processed"}

    def pages(self, file_id: str) -> int | None:
        """The page count of uploaded PDF ``file_id``; None for an unknown file or one that is not a PDF."""
        with self._lock:
            stored = self._files.get(file_id)
            return stored.pages if stored is not None else None

    def _upload(self, form: FormData | None) -> Reply:
        part = next((item for item in form.files if item.name == "file"), None) if form else None
        if form is None or part is None:
            return error_reply(400, "'file' is a required multipart field", param="file")
        purpose = form.fields.get("purpose")
        if not purpose:
            return error_reply(400, "'purpose' is a required multipart field", param="purpose")
        with self._lock:
            self._counter += 1
            file_id = f"file-emu-{self._counter}"
            build = self._ark_object if self.api == "ark" else self._openai_object
            obj = build(file_id, part, form.fields)
            self._files[file_id] = _StoredFile(obj, part.sha256, self._polls, part.pages)
            return json_reply(dict(obj))

    @staticmethod
    def _ark_object(file_id: str, part: FilePart, fields: Mapping[str, str]) -> dict[str, Any]:
        created = int(time.time())
        mime = mimetypes.guess_type(part.filename)[0] or part.content_type
        expire = fields.get("expire_at", "")
        obj: dict[str, Any] = {
            "object": "file",
            "id": file_id,
            "purpose": fields["purpose"],
            "filename": part.filename,
            "bytes": part.size,
            "mime_type": mime,
            "created_at": created,
            "expire_at": int(expire) if expire.isdigit() else created + _DEFAULT_RETENTION,
            "status": "processing",
        }
        if mime.startswith("video/"):
            fps = fields.get(_FPS_FIELD)
            obj["preprocess_configs"] = {"video": {"fps": _number(fps) if fps else 1.0}}
        return obj

    @staticmethod
    def _openai_object(file_id: str, part: FilePart, fields: Mapping[str, str]) -> dict[str, Any]:
        created = int(time.time())
        seconds = fields.get("expires_after[seconds]", "")
        return {
            "id": file_id,
            "object": "file",
            "bytes": part.size,
            "created_at": created,
            "expires_at": created + int(seconds) if seconds.isdigit() else None,
            "filename": part.filename,
            "purpose": fields["purpose"],
            "status": "processed",
            "status_details": None,
        }

    def _retrieve(self, file_id: str) -> Reply:
        with self._lock:
            stored = self._files.get(file_id)
            if stored is None:
                return self._missing(file_id)
            if stored.obj["status"] == "processing":
                if stored.polls_left > 0:
                    stored.polls_left -= 1
                else:
                    stored.obj["status"] = "active"
            return json_reply(dict(stored.obj))

    def _list(self, query: Mapping[str, str]) -> Reply:
        with self._lock:
            objs = [dict(stored.obj) for stored in self._files.values()]
        purpose = query.get("purpose")
        if purpose:
            objs = [obj for obj in objs if obj.get("purpose") == purpose]
        if query.get("order") == "desc":
            objs.reverse()
        limit = query.get("limit", "")
        has_more = limit.isdigit() and len(objs) > int(limit)
        if has_more:
            objs = objs[: int(limit)]
        first_id = objs[0]["id"] if objs else None
        last_id = objs[-1]["id"] if objs else None
        body = {"object": "list", "data": objs, "has_more": has_more, "first_id": first_id, "last_id": last_id}
        return json_reply(body)

    def _delete(self, file_id: str) -> Reply:
        with self._lock:
            if self._files.pop(file_id, None) is None:
                return self._missing(file_id)
        return json_reply({"id": file_id, "object": "file", "deleted": True})

    def _missing(self, file_id: str) -> Reply:
        if self.api == "ark":
            message = f"The specified file {file_id} is not found."
            error = {"code": "ResourceNotFound.File", "message": message, "param": "file_id", "type": "NotFound"}
            return json_reply({"error": error}, 404)
        return error_reply(404, f"No such File object: {file_id}", code=None, param="id")

    def _content(self, file_id: str) -> Reply:
        with self._lock:
            known = file_id in self._files
        if not known:
            return self._missing(file_id)
        return error_reply(404, "The emulator keeps only file sizes and digests, not contents", code=None)

    @staticmethod
    def _bad_url(method: str, parts: list[str]) -> Reply:
        return error_reply(404, f"Invalid URL ({method} /v1/files/{'/'.join(parts)})")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0
