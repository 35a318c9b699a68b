"""One call's route: which endpoint, the JSON body it sends, and how the answer is read. Pure; no I/O."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, get_args

import httpx
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult

from langchain_toiotech._blocks.core import by_file_id, responses_only
from langchain_toiotech._blocks.media import check_fps
from langchain_toiotech._blocks.message_parts import parts_policy
from langchain_toiotech._chat.messages import convert_messages, create_chat_result
from langchain_toiotech._chat.stream import ChatStreamAssembler
from langchain_toiotech._http.deadline import StreamDeadlines
from langchain_toiotech._http.events import (
    aiter_chat_chunks,
    aiter_responses_events,
    iter_chat_chunks,
    iter_responses_events,
    stream_error_from_payload,
)
from langchain_toiotech._http.limits import ReplyLimits
from langchain_toiotech._responses.request import reasoning_params, responses_payload
from langchain_toiotech._responses.response import create_responses_result
from langchain_toiotech._responses.stream import ResponsesStreamAssembler
from langchain_toiotech._shared.pass_back import PassBackMode, apply_pass_back
from langchain_toiotech._shared.profiles import is_responses_only, model_family
from langchain_toiotech._shared.reasoning_controls import translate_reasoning
from langchain_toiotech._shared.v1_stream import StreamAssembler, V1BlockIndexes

JSONObject = dict[str, Any]
CHAT_PATH: Final = "/chat/completions"
RESPONSES_PATH: Final = "/responses"


@dataclass(frozen=True)
class RequestDefaults:
    """The model's settings every request starts from; call-time keyword arguments override them."""

    model: str
    params: JSONObject
    """Generation fields and `model_kwargs`, already without unset values."""
    extra_body: JSONObject
    reasoning: JSONObject | None
    stop: list[str] | str | None
    stream_usage: bool
    video_fps: float | None
    pass_back: PassBackMode
    use_responses_api: bool | None


@dataclass(frozen=True)
class Route:
    """Where one call goes and what it sends; the readers match the endpoint."""

    responses: bool
    path: str
    payload: JSONObject

    def read(self, body: JSONObject) -> ChatResult:
        """The `ChatResult` of a non-stream answer."""
        return create_responses_result(body) if self.responses else read_chat_body(body)

    def assembler(self, *, v1: bool = False) -> StreamAssembler:
        """A fresh assembler for this route's stream events; `v1` numbers its content blocks for core's merge."""
        assembler = ResponsesStreamAssembler() if self.responses else ChatStreamAssembler()
        return V1BlockIndexes(assembler) if v1 else assembler

    @property
    def events(self) -> Callable[[httpx.Response, StreamDeadlines, ReplyLimits], Iterator[JSONObject]]:
        """The decoder of this route's stream."""
        return iter_responses_events if self.responses else iter_chat_chunks

    @property
    def aevents(self) -> Callable[[httpx.Response, StreamDeadlines, ReplyLimits], AsyncIterator[JSONObject]]:
        """Async twin of `events`."""
        return aiter_responses_events if self.responses else aiter_chat_chunks


def plan_request(
    defaults: RequestDefaults,
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    *,
    stream: bool,
    kwargs: JSONObject,
) -> Route:
    """The route of one call; a `model=` passed to the call decides it as much as the model's own name.

    Raises:
        ValueError: a message, block or reasoning setting cannot be expressed on the chosen route.
    """
    kwargs = dict(kwargs)
    defaults = _call_settings(defaults, kwargs)
    model = str(kwargs.get("model") or defaults.model)
    call = _Call(defaults, messages, stop if stop is not None else defaults.stop, model, stream, kwargs)
    if use_responses_route(messages, setting=defaults.use_responses_api, model=model):
        return Route(responses=True, path=RESPONSES_PATH, payload=_responses_body(call))
    return Route(responses=False, path=CHAT_PATH, payload=_chat_body(call))


def use_responses_route(messages: Sequence[BaseMessage], *, setting: bool | None, model: str) -> bool:
    """Decide the route: an explicit setting wins; otherwise responses-only models and uploaded files.

    Raises:
        ValueError: the caller forced the chat route for media only the Responses API can reference.
    """
    if setting is False:
        if any(needs_responses_route(content) for content in _user_contents(messages)):
            msg = (
                "use_responses_api=False, but a message references an uploaded image or video by file_id (or "
                "holds a Responses-only part); the gateway accepts those only through the Responses API. "
                "Leave use_responses_api unset, or send the media inline (url or base64)."
            )
            raise ValueError(msg)
        return False
    return setting is True or is_responses_only(model) or _references_uploaded_files(messages)


def needs_responses_route(content: str | Sequence[Any]) -> bool:
    """Whether some block of `content` can only be sent through the Responses API.

    True for `image` / `video` blocks that reference an uploaded file (`file_id`, or v0 `source_type: "id"`)
    and for Responses-API parts (`input_image`, `input_video`, `input_file`).
    """
    return not isinstance(content, str) and any(responses_only(block) for block in content)


def _references_uploaded_files(messages: Sequence[BaseMessage]) -> bool:
    """Whether some block refers to an uploaded file by id (image, video or file) or is a Responses part."""
    return any(
        responses_only(block) or (isinstance(block, dict) and block.get("type") == "file" and by_file_id(block))
        for content in _user_contents(messages)
        for block in content
    )


def _user_contents(messages: Sequence[BaseMessage]) -> list[list[Any]]:
    return [
        message.content
        for message in messages
        if not isinstance(message, AIMessage) and not isinstance(message.content, str)
    ]


def _call_settings(defaults: RequestDefaults, kwargs: JSONObject) -> RequestDefaults:
    """The model's settings with the call's own values of those that are not request fields (taken out)."""
    changes: JSONObject = {}
    if "video_fps" in kwargs:
        fps = kwargs.pop("video_fps")
        changes["video_fps"] = None if fps is None else check_fps(fps)
    if "reasoning_pass_back" in kwargs:
        mode = kwargs.pop("reasoning_pass_back")
        if mode not in get_args(PassBackMode):
            msg = f"reasoning_pass_back must be one of {get_args(PassBackMode)}, got {mode!r}."
            raise ValueError(msg)
        changes["pass_back"] = mode
    if "use_responses_api" in kwargs:
        changes["use_responses_api"] = kwargs.pop("use_responses_api")
    return replace(defaults, **changes) if changes else defaults


def _include_usage(defaults: RequestDefaults, kwargs: JSONObject) -> bool:
    """Whether a stream asks for usage, decided as ChatOpenAI does.

    First `stream_usage=` on the call, then the call's `stream_options.include_usage`, then the model's
    (`model_kwargs`), then the model's `stream_usage`.
    """
    sources = (
        kwargs.pop("stream_usage", None),
        (kwargs.get("stream_options") or {}).get("include_usage"),
        (defaults.params.get("stream_options") or {}).get("include_usage"),
    )
    return next((source for source in sources if isinstance(source, bool)), defaults.stream_usage)


@dataclass(slots=True)  # built on every call: a frozen dataclass costs four times as much to make
class _Call:
    """One call's inputs, as both routes' body builders read them."""

    defaults: RequestDefaults
    messages: Sequence[BaseMessage]
    stop: list[str] | str | None
    """The call's stop sequences, else the model's."""
    model: str
    stream: bool
    kwargs: JSONObject
    """The call's request fields; the builders take out what is not one."""

    def fields(self, reasoning_fields: JSONObject) -> JSONObject:
        """The request fields, lowest precedence first: reasoning knob, model's raw fields, extra_body, call."""
        return {
            "model": self.defaults.model,
            **reasoning_fields,
            **self.defaults.params,
            **self.defaults.extra_body,
            **self.kwargs,
        }


def _chat_body(call: _Call) -> JSONObject:
    defaults, model = call.defaults, call.model
    include_usage = _include_usage(defaults, call.kwargs)
    knob = call.kwargs.pop("reasoning", defaults.reasoning)
    family = model_family(model)
    payload = call.fields(translate_reasoning(knob, family, model) if knob is not None else {})
    wire_messages = convert_messages(call.messages, video_fps=defaults.video_fps, policy=parts_policy(model))
    payload["messages"] = apply_pass_back(
        wire_messages, call.messages, family=family, model=model, mode=defaults.pass_back
    )
    if call.stop:
        payload["stop"] = call.stop
    payload.pop("stream", None)
    options = payload.pop("stream_options", None)
    if call.stream:  # stream_options outside a stream is a 400 on OpenAI, so it goes only with one
        payload["stream"] = True
        given = options if isinstance(options, dict) else None
        if include_usage or given is not None:
            payload["stream_options"] = {**(given or {}), "include_usage": include_usage}
    return payload


def _responses_body(call: _Call) -> JSONObject:
    knob = call.kwargs.pop("reasoning", call.defaults.reasoning)
    params = call.fields(reasoning_params(knob, model_family(call.model), call.model))
    return responses_payload(
        call.messages, params, stop=call.stop, stream=call.stream, video_fps=call.defaults.video_fps
    )


def read_chat_body(body: JSONObject) -> ChatResult:
    """The `ChatResult` of a chat completion; a 200 that carries an error raises, truncation is logged."""
    if body.get("error") is not None and not body.get("choices"):
        raise stream_error_from_payload(body, prefix="The gateway answered with an error")
    return create_chat_result(body)
