"""Strict mode's request checks before any answer: the model, the route that serves it, the media it takes, fps.

Each refusal is the error the live gateway (or the vendor behind it, relayed by new-api) sends:

- unknown model: 404 ``model_not_found`` in new-api's shape (``gateway-protocol.md`` 11.1);
- an embeddings model on chat: OpenAI's 404 "This is not a chat model and thus not supported in the
  v1/chat/completions endpoint. Did you mean to use v1/completions?";
- a Responses-only model on chat: OpenAI's 404 "This model is only supported in v1/responses and not in
  v1/chat/completions." (the catalogue marks gpt-5.1-codex and gpt-5.2-pro "仅支持/v1/responses");
- a chat-only model on Responses: new-api's 400 when the channel's adaptor cannot convert a Responses request;
- media the model does not take: the vendor's 400 (``_media_errors``);
- video ``fps`` outside Ark's 0.2-5 (Ark's chat and Responses docs, https://www.volcengine.com/docs/82379/1362931):
  Ark's ``InvalidParameter`` 400.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from langchain_toiotech.testing._media_errors import media_refusal
from langchain_toiotech.testing._models import EmulatedModel, ModelRegistry
from langchain_toiotech.testing._prompt import PART_KINDS
from langchain_toiotech.testing._wire import Reply, dumps, error_reply, json_reply, with_request_id

ARK_FPS_RANGE: Final = (0.2, 5.0)
"""Ark's documented range for ``video_url.fps`` / ``input_video.fps`` (default 1)."""
_CHAT: Final = "/chat/completions"


@dataclass(frozen=True)
class MediaPart:
    """One media part of a request, with where it sits.

    Attributes:
        message: Index of its message (chat) or input item (Responses).
        part: Index of the part inside the message's content.
        type: The part's ``type`` (``"image_url"``, ``"input_video"``...).
        kind: The media kind (``"image"``, ``"video"``, ``"audio"``, ``"file"``).
        fps: Its video ``fps``, when one is given.
        source: The object holding the part's ``url`` / ``file_data`` / ``file_id`` (the nested one in chat shape).
    """

    message: int
    part: int
    type: str
    kind: str
    fps: Any = None
    source: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StrictRequest:
    """A chat or Responses request under strict mode's checks (``check_media``, ``check_contracts``).

    Attributes:
        body: The JSON body.
        route: ``"/chat/completions"`` or ``"/responses"``.
        model: The model it names.
        request_id: The request id (appended to messages as new-api does).
    """

    body: Mapping[str, Any]
    route: str
    model: EmulatedModel
    request_id: str


def media_parts(items: Any) -> Iterator[MediaPart]:
    """Every media part of chat ``messages`` or a Responses ``input`` list, in order.

    Args:
        items: The messages or input items.

    Yields:
        The media parts.
    """
    if not isinstance(items, Sequence) or isinstance(items, str):
        return
    for index, item in enumerate(items):
        content = item.get("content") if isinstance(item, Mapping) else None
        if not isinstance(content, Sequence) or isinstance(content, str):
            continue
        for position, part in enumerate(content):
            type_ = part.get("type") if isinstance(part, Mapping) else None
            if not isinstance(type_, str) or type_ not in PART_KINDS:
                continue
            nested = part.get(type_)
            source = nested if isinstance(nested, Mapping) else part
            yield MediaPart(index, position, type_, PART_KINDS[type_], source.get("fps"), source)


def resolve_model(
    body: Mapping[str, Any], route: str, registry: ModelRegistry, request_id: str
) -> EmulatedModel | Reply:
    """The model a request names, or the gateway's refusal of it on this route.

    Args:
        body: The JSON body.
        route: ``"/chat/completions"``, ``"/responses"`` or ``"/embeddings"``.
        registry: The served models.
        request_id: The request id (appended to messages as new-api does).

    Returns:
        The model, or the error reply.
    """
    name = body.get("model")
    if not isinstance(name, str) or not name:
        message = with_request_id("you must provide a model parameter", request_id)
        return error_reply(400, message, code=None, param=None)
    model = registry.get(name)
    if model is None:
        text = f"The model `{name}` does not exist or you do not have access to it."
        return error_reply(404, with_request_id(text, request_id), code="model_not_found", param="model")
    return _route_refusal(model, route, request_id) or model


def _route_refusal(model: EmulatedModel, route: str, request_id: str) -> Reply | None:
    if route == "/embeddings":
        if model.embedding_dimensions is None:
            text = f"The model `{model.name}` does not support embeddings."
            return error_reply(400, with_request_id(text, request_id), code=None, param="model")
        return None
    if model.embedding_dimensions is not None:
        text = "This is not a chat model and thus not supported in the v1/chat/completions endpoint."
        text += " Did you mean to use v1/completions?"
        return error_reply(404, with_request_id(text, request_id), code=None, param="model")
    if route == _CHAT and model.responses_only:
        text = "This model is only supported in v1/responses and not in v1/chat/completions."
        return error_reply(404, with_request_id(text, request_id), code=None, param="model")
    if route != _CHAT and model.chat_only:
        text = f"model {model.name} does not support the Responses API (/v1/responses): not implemented"
        return error_reply(400, with_request_id(text, request_id), type_="new_api_error", code="convert_request_failed")
    return None


def check_media(request: StrictRequest) -> Reply | None:
    """Refuse media the model does not take, and Ark video fps outside its range.

    Args:
        request: The request.

    Returns:
        The vendor's 400, or None when every part is acceptable.
    """
    body, route, model, request_id = request.body, request.route, request.model, request.request_id
    items = body.get("messages") if route == _CHAT else body.get("input")
    for part in media_parts(items):
        if part.kind not in model.inputs:
            column = _column_of(body, part.type)
            return media_refusal(
                model, message=part.message, part=part.part, part_type=part.type, column=column, request_id=request_id
            )
        if part.kind == "video" and model.family == "doubao" and part.fps is not None:
            refused = _fps_refusal(part, route, request_id)
            if refused is not None:
                return refused
    return None


def _column_of(body: Mapping[str, Any], part_type: str) -> int:
    """Column (1-based) just past the first ``"type":"<part_type>"`` tag in the compact JSON of the body."""
    text = dumps(body).decode()
    tag = f'"type":"{part_type}"'
    found = text.find(tag)
    return (found + len(tag) if found >= 0 else len(text)) + 1


def _fps_refusal(part: MediaPart, route: str, request_id: str) -> Reply | None:
    fps = part.fps
    low, high = ARK_FPS_RANGE
    if isinstance(fps, (int, float)) and not isinstance(fps, bool) and low <= fps <= high:
        return None
    where = "messages" if route == _CHAT else "input"
    field = "video_url.fps" if part.type == "video_url" else "fps"
    param = f"{where}[{part.message}].content[{part.part}].{field}"
    if isinstance(fps, (int, float)) and not isinstance(fps, bool):
        bound = (
            f"above maximum value, expected a value <= {high:g}"
            if fps > high
            else (f"below minimum value, expected a value >= {low:g}")
        )
        reason = f"number {bound}, but got {fps:g} instead"
    else:
        reason = f"expected a number, but got {fps!r} instead"
    message = f"The parameter `{param}` specified in the request is not valid: {reason}. Request id: {request_id}"
    error = {"code": "InvalidParameter", "message": message, "param": param, "type": "BadRequest"}
    return json_reply({"error": error}, 400)
