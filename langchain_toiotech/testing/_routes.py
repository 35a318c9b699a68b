"""Default (unscripted) replies: the route table and per-route request checks."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from langchain_toiotech.testing._behaviour import VENDOR_STYLE
from langchain_toiotech.testing._chat import chat_reply
from langchain_toiotech.testing._contracts import check_contracts
from langchain_toiotech.testing._embeddings import embeddings_reply, models_reply
from langchain_toiotech.testing._files import FileStore
from langchain_toiotech.testing._models import EmulatedModel, ModelRegistry
from langchain_toiotech.testing._pdf import data_url_pages
from langchain_toiotech.testing._plan import ReplyContext
from langchain_toiotech.testing._prompt import responses_prompt
from langchain_toiotech.testing._records import Incoming
from langchain_toiotech.testing._responses import responses_reply
from langchain_toiotech.testing._strict import StrictRequest, check_media, media_parts, resolve_model
from langchain_toiotech.testing._wire import Reply, error_reply, json_reply, with_request_id

REASONING_STYLES: Final = (VENDOR_STYLE, "reasoning_content", "reasoning", "reasoning_details", "think_tags", None)
_JSON_ROUTES: Final = frozenset({"/chat/completions", "/responses", "/embeddings"})


@dataclass(frozen=True)
class EmulatorConfig:
    """Behaviour switches of one emulator (see ``GatewayEmulator`` for their meaning)."""

    api_key: str | None = None
    reasoning_style: str | None = VENDOR_STYLE
    files_api: str = "ark"
    file_processing_polls: int = 1
    ping_every: int = 0
    chunk_delay: float = 0.0
    strict: bool = True
    latency: float = 0.0


def route_key(path: str) -> str:
    """Normalise a path for matching: no ``/v1`` prefix, no trailing slash.

    Args:
        path: A request path or a path given to ``enqueue_*`` (``"/v1/chat/completions"`` or
            ``"chat/completions"``); ``"*"`` stays as is.

    Returns:
        The key, e.g. ``"/chat/completions"``.
    """
    if path == "*":
        return path
    key = "/" + path.split("?", 1)[0].strip("/")
    if key == "/v1" or key.startswith("/v1/"):
        key = key[3:] or "/"
    return key


class Router:
    """Computes the default reply of each route."""

    def __init__(self, config: EmulatorConfig, files: FileStore, models: ModelRegistry) -> None:
        """Create a router.

        Args:
            config: The emulator configuration.
            files: The file store behind ``/files``.
            models: The served models.
        """
        self.config = config
        self.files = files
        self.models = models
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}

    def next_number(self, kind: str) -> int:
        """Add one to the counter named ``kind`` and return its new value (1 on the first call)."""
        with self._lock:
            self._counters[kind] = self._counters.get(kind, 0) + 1
            return self._counters[kind]

    def next_call_id(self) -> str:
        """A fresh tool call id.

        Returns:
            ``call_emu_<n>``.
        """
        return f"call_emu_{self.next_number('call')}"

    def route(self, incoming: Incoming, request_id: str) -> Reply:
        """Answer a request that no fault or script took.

        Args:
            incoming: The request.
            request_id: Its request id.

        Returns:
            The reply.
        """
        key = route_key(incoming.path)
        method = incoming.method
        if self.config.strict and not _under_v1(incoming.path):
            key = "/unknown"  # the gateway serves its API under /v1 only
        if key == "/files" or key.startswith("/files/"):
            return self.files.handle(method, key.split("/")[2:], incoming.form, incoming.query)
        if method == "GET" and key == "/models":
            return models_reply(self.models.names())
        if method == "GET" and key.startswith("/models/"):
            return self._model(key.removeprefix("/models/"), request_id)
        if method == "POST" and key in _JSON_ROUTES:
            body = _json_object(incoming, request_id)
            if isinstance(body, Reply):
                return body
            return self._post(key, body, request_id)
        return error_reply(404, f"Invalid URL ({method} {incoming.path})")

    def _post(self, key: str, body: Mapping[str, Any], request_id: str) -> Reply:
        model = None
        if self.config.strict or key == "/embeddings":
            resolved = resolve_model(body, key, self.models, request_id)
            if isinstance(resolved, Reply):
                if self.config.strict:
                    return resolved
            else:
                model = resolved
        if key == "/embeddings":
            return embeddings_reply(body, model.embedding_dimensions if model is not None else None)
        invalid = self._invalid_input(key, body, request_id)
        if invalid is not None:
            return invalid
        refused = self._strict_refusal(key, body, model, request_id) if model is not None else None
        if refused is not None:
            return refused
        pages = self._attached_pages(body.get("messages") if key == "/chat/completions" else body.get("input"))
        context = ReplyContext(self.config.reasoning_style, self.next_call_id, model, pages)
        if key == "/chat/completions":
            return chat_reply(body, context, completion_id=f"chatcmpl-emu-{self.next_number('chat')}")
        return responses_reply(body, context, number=self.next_number("response"))

    def _attached_pages(self, items: Any) -> int | None:
        """Pages of the PDFs a request attaches (inline ``file_data`` or an uploaded ``file_id``), if any."""
        counts = []
        for part in media_parts(items):
            if part.kind != "file":
                continue
            data, file_id = part.source.get("file_data"), part.source.get("file_id")
            pages = data_url_pages(data) if isinstance(data, str) else None
            if pages is None and isinstance(file_id, str):
                pages = self.files.pages(file_id)
            if pages is not None:
                counts.append(pages)
        return sum(counts) if counts else None

    def _invalid_input(self, key: str, body: Mapping[str, Any], request_id: str) -> Reply | None:
        if key == "/chat/completions":
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                return error_reply(400, with_request_id("'messages' must be a non-empty array", request_id))
            return None
        if "input" not in body:
            return error_reply(400, with_request_id("Missing required parameter: 'input'.", request_id), param="input")
        return self._inactive_file(body, request_id)

    @staticmethod
    def _strict_refusal(key: str, body: Mapping[str, Any], model: EmulatedModel, request_id: str) -> Reply | None:
        request = StrictRequest(body, key, model, request_id)
        refused = check_media(request)
        return refused if refused is not None else check_contracts(request)

    def _model(self, name: str, request_id: str) -> Reply:
        if self.models.get(name) is not None:
            return json_reply({"id": name, "object": "model", "created": 1767225600, "owned_by": "toiotech"})
        message = with_request_id(f"The model '{name}' does not exist", request_id)
        return error_reply(404, message, code="model_not_found", param="model")

    def _inactive_file(self, body: Mapping[str, Any], request_id: str) -> Reply | None:
        """Ark answers 403 ``OperationDenied.InvalidState`` for a file that is unknown or not active yet."""
        if self.files.api != "ark":
            return None
        for file_id in responses_prompt(body.get("input"), None).file_ids:
            if not self.files.is_active(file_id):
                message = f"The file {file_id} is not in the active state. Request id: {request_id}"
                error = {"code": "OperationDenied.InvalidState", "message": message, "param": "", "type": "Forbidden"}
                return json_reply({"error": error}, 403)
        return None


def _json_object(incoming: Incoming, request_id: str) -> Mapping[str, Any] | Reply:
    if incoming.body_error is not None:
        return error_reply(
            400, with_request_id(incoming.body_error, request_id), type_="new_api_error", code="bad_request_body"
        )
    if not isinstance(incoming.json, Mapping):
        message = with_request_id("The request body must be a JSON object", request_id)
        return error_reply(400, message, type_="new_api_error", code="bad_request_body")
    return incoming.json


def _under_v1(path: str) -> bool:
    """The gateway serves its API under ``/v1`` only: a base URL without it gets new-api's 404 live."""
    return path == "/v1" or path.startswith("/v1/")
