"""Default (unscripted) replies: the route table and per-route request checks."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from langchain_toiotech.testing._chat import chat_reply
from langchain_toiotech.testing._embeddings import MODEL_IDS, embeddings_reply, models_reply
from langchain_toiotech.testing._files import FileStore
from langchain_toiotech.testing._prompt import responses_prompt
from langchain_toiotech.testing._records import Incoming
from langchain_toiotech.testing._responses import responses_reply
from langchain_toiotech.testing._wire import Reply, error_reply, json_reply, with_request_id

REASONING_STYLES: Final = ("reasoning_content", "reasoning", "reasoning_details", "think_tags", None)


@dataclass(frozen=True)
class EmulatorConfig:
    """Behaviour switches of one emulator (see ``GatewayEmulator`` for their meaning)."""

    api_key: str | None = None
    reasoning_style: str | None = "reasoning_content"
    files_api: str = "ark"
    file_processing_polls: int = 1
    ping_every: int = 0
    chunk_delay: float = 0.0


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

    def __init__(self, config: EmulatorConfig, files: FileStore) -> None:
        """Create a router.

        Args:
            config: The emulator configuration.
            files: The file store behind ``/files``.
        """
        self.config = config
        self.files = files
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}

    def next_number(self, kind: str) -> int:
        """Increment and return a named counter (1 for the first call).

        Args:
            kind: The counter name.

        Returns:
            The new value.
        """
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
        if key == "/files" or key.startswith("/files/"):
            return self.files.handle(method, key.split("/")[2:], incoming.form, incoming.query)
        if method == "GET" and key == "/models":
            return models_reply()
        if method == "GET" and key.startswith("/models/"):
            return _model(key.removeprefix("/models/"), request_id)
        if method == "POST" and key in {"/chat/completions", "/responses", "/embeddings"}:
            body = _json_object(incoming, request_id)
            if isinstance(body, Reply):
                return body
            return self._post(key, body, request_id)
        return error_reply(404, f"Invalid URL ({method} {incoming.path})")

    def _post(self, key: str, body: Mapping[str, Any], request_id: str) -> Reply:
        style = self.config.reasoning_style
        if key == "/embeddings":
            return embeddings_reply(body)
        if key == "/chat/completions":
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                return error_reply(400, with_request_id("'messages' must be a non-empty array", request_id))
            completion_id = f"chatcmpl-emu-{self.next_number('chat')}"
            return chat_reply(body, style=style, completion_id=completion_id, next_call_id=self.next_call_id)
        if "input" not in body:
            return error_reply(400, with_request_id("Missing required parameter: 'input'.", request_id), param="input")
        denied = self._inactive_file(body, request_id)
        if denied is not None:
            return denied
        number = self.next_number("response")
        return responses_reply(body, style=style, number=number, next_call_id=self.next_call_id)

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


def _model(model: str, request_id: str) -> Reply:
    if model in MODEL_IDS:
        return json_reply({"id": model, "object": "model", "created": 1767225600, "owned_by": "toiotech"})
    message = with_request_id(f"The model '{model}' does not exist", request_id)
    return error_reply(404, message, code="model_not_found", param="model")
