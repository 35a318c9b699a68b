"""Vendor contracts on the conversation history, checked on every strict chat request.

Each rule states the vendor's documented requirement on its own terms (not the client's pass-back code), so a
client that breaks it gets the same 400 the live gateway relays from the vendor:

- DeepSeek thinking mode: every assistant turn that made tool calls carries ``reasoning_content`` back
  (https://api-docs.deepseek.com/guides/thinking_mode#tool-calls: "if your code does not correctly pass back
  reasoning_content, the API will return a 400 error"); with ``tools`` in the request every assistant turn does
  (the guide's newer wording). Message as the API writes it, e.g. in abhigyanpatwari/GitNexus#43 and
  continuedev/continue#10193.
- Kimi K2.5 / K2 thinking: a tool-call turn keeps its ``reasoning_content`` while thinking is on
  (https://platform.moonshot.ai/docs/guide/use-kimi-k2-thinking-model, "keep the reasoning_content"); the
  Moonshot 400 "thinking is enabled but reasoning_content is missing in assistant tool call message at index N"
  (QuantumNous/new-api#3121, continuedev/continue#11711); K2.5 reads ``""`` as missing.
- Gemini 3: the first function call of each step in the current turn returns its thought signature
  (https://ai.google.dev/gemini-api/docs/thought-signatures: "Gemini 3 Pro enforces strict validation... missing
  signatures will result in a 400 error"; OpenAI format: ``extra_content.google.thought_signature``; the
  placeholder ``skip_thought_signature_validator`` is accepted). Message as in nanbingxyz/5ire#405.
- Claude extended thinking with tools: the last assistant turn before its tool results starts with its thinking
  block (https://docs.claude.com/en/docs/build-with-claude/extended-thinking, "Preserving thinking blocks"); through
  an OpenAI-format gateway that block is the turn's ``reasoning_content`` (or ``reasoning_details``). Anthropic's
  message as in anomalyco/opencode#3077.
- Xiaomi MiMo thinking: every assistant turn with tool calls passes its ``reasoning_content`` back
  (https://platform.xiaomimimo.com/docs/en-US/usage-guide/passing-back-reasoning_content); MiMo's 400 body
  ``{"code": "400", "message": "Param Incorrect", "param": "The reasoning_content in the thinking mode must be
  passed back to the API.", "type": ""}`` (chatboxai/chatbox#3716, earendil-works/pi#4602).
- JSON mode (OpenAI, DeepSeek, DashScope): ``response_format: {"type": "json_object"}`` needs the word "json"
  somewhere in the messages (https://platform.openai.com/docs/guides/structured-outputs#json-mode: "the API will
  throw an error if the string "JSON" does not appear somewhere in the context"); each vendor's 400 text as
  recorded in client code that works around it (OpenAI's "'messages' must contain the word 'json' in some
  form, to use 'response_format' of type 'json_object'.", DeepSeek's "Prompt must contain ...", and on the
  Responses route "Response input messages must contain ..." with ``param: "text.format"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from langchain_toiotech.testing._models import EmulatedModel
from langchain_toiotech.testing._prompt import text_of, thinking_disabled
from langchain_toiotech.testing._strict import StrictRequest
from langchain_toiotech.testing._wire import Reply, error_reply, json_reply, with_request_id

GEMINI_SKIP_SIGNATURE: Final = "skip_thought_signature_validator"
"""Google's documented placeholder for histories that did not come from Gemini."""
_CLAUDE_DOCS: Final = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        return []
    return [message if isinstance(message, Mapping) else {} for message in messages]


def _tool_turns(messages: Sequence[Mapping[str, Any]]) -> list[int]:
    return [
        index
        for index, message in enumerate(messages)
        if message.get("role") == "assistant" and isinstance(message.get("tool_calls"), list) and message["tool_calls"]
    ]


def _thinking_enabled(body: Mapping[str, Any]) -> bool:
    thinking = body.get("thinking")
    return isinstance(thinking, Mapping) and thinking.get("type") in {"enabled", "adaptive"}


def _deepseek(body: Mapping[str, Any], model: EmulatedModel, request_id: str) -> Reply | None:
    thinking = _thinking_enabled(body) or (model.reasoning and not thinking_disabled(body))
    if not thinking:
        return None
    messages = _messages(body)
    # Tool turns always; with `tools` in the request, every assistant turn (the guide's newer wording, in
    # t14-passback's audit: "for requests carrying the tools parameter, the reasoning_content must be fully passed
    # back ... even for turns where the model did not perform a tool call").
    tools = bool(body.get("tools"))
    turns = [i for i, m in enumerate(messages) if m.get("role") == "assistant"] if tools else _tool_turns(messages)
    for index in turns:
        if not isinstance(messages[index].get("reasoning_content"), str):
            text = (
                f"Missing `reasoning_content` field in the assistant message at message index {index}. For more "
                "information, please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls"
            )
            return error_reply(400, with_request_id(text, request_id), code="invalid_request_error", param=None)
    return None


def _kimi(body: Mapping[str, Any], model: EmulatedModel, request_id: str) -> Reply | None:
    if not model.reasoning or thinking_disabled(body):
        return None
    messages = _messages(body)
    # kimi-k2-thinking accepts "" but K2.5 and later read it as missing (theopenco/llmgateway#2093, checked against
    # api.moonshot.ai: "" -> 400, " " -> 200).
    empty_ok = "k2-thinking" in model.name
    for index in _tool_turns(messages):
        reasoning = messages[index].get("reasoning_content")
        if not isinstance(reasoning, str) or (reasoning == "" and not empty_ok):
            text = (
                f"thinking is enabled but reasoning_content is missing in assistant tool call message at index {index}"
            )
            return json_reply(
                {"error": {"message": with_request_id(text, request_id), "type": "invalid_request_error"}}, 400
            )
    return None


def _mimo(body: Mapping[str, Any], model: EmulatedModel, request_id: str) -> Reply | None:
    if not model.reasoning or thinking_disabled(body):
        return None
    messages = _messages(body)
    for index in _tool_turns(messages):
        if not isinstance(messages[index].get("reasoning_content"), str):
            param = "The reasoning_content in the thinking mode must be passed back to the API."
            error = {
                "code": "400",
                "message": with_request_id("Param Incorrect", request_id),
                "param": param,
                "type": "",
            }
            return json_reply({"error": error}, 400)
    return None


def _signature(call: Any) -> str | None:
    extra = call.get("extra_content") if isinstance(call, Mapping) else None
    google = extra.get("google") if isinstance(extra, Mapping) else None
    signature = google.get("thought_signature") if isinstance(google, Mapping) else None
    return signature if isinstance(signature, str) and signature else None


def _gemini(body: Mapping[str, Any], model: EmulatedModel, request_id: str) -> Reply | None:
    if not model.name.startswith("gemini-3"):
        return None  # Gemini 2.5 accepts a missing signature (the docs: validation is strict from Gemini 3 on)
    messages = _messages(body)
    users = [index for index, message in enumerate(messages) if message.get("role") == "user"]
    current = users[-1] if users else -1
    contents = [index for index, message in enumerate(messages) if message.get("role") not in {"system", "developer"}]
    for index in _tool_turns(messages):
        first = messages[index]["tool_calls"][0]
        if index > current and _signature(first) is None:
            name = first.get("function", {}).get("name", "") if isinstance(first, Mapping) else ""
            position = contents.index(index) + 1
            text = (
                "Function call is missing a thought_signature in functionCall parts. This is required for tools to "
                "work correctly, and missing thought_signature may lead to degraded model performance. Additional "
                f"data, function call `default_api:{name}` , position {position}. Please refer to "
                "https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
            )
            return error_reply(400, with_request_id(text, request_id), type_="upstream_error", code="INVALID_ARGUMENT")
    return None


def _claude(body: Mapping[str, Any], model: EmulatedModel, request_id: str) -> Reply | None:  # noqa: ARG001
    if not _thinking_enabled(body):
        return None
    messages = _messages(body)
    turns = _tool_turns(messages)
    if not turns or messages[-1].get("role") != "tool":
        return None
    last = turns[-1]
    message = messages[last]
    if message.get("reasoning_content") or message.get("reasoning_details"):
        return None
    anthropic_index = sum(1 for m in messages[:last] if m.get("role") not in {"system", "developer"})
    found = "text" if message.get("content") else "tool_use"
    text = (
        f"messages.{anthropic_index}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. "
        "When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the "
        "lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from "
        "previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at "
        + _CLAUDE_DOCS
    )
    return error_reply(400, with_request_id(text, request_id), code=None, param=None)


_Rule = Callable[[Mapping[str, Any], EmulatedModel, str], Reply | None]
CONTRACTS: Final[dict[str, _Rule]] = {
    "deepseek": _deepseek,
    "kimi": _kimi,
    "mimo": _mimo,
    "gemini": _gemini,
    "claude": _claude,
}
"""Family → its history rule."""


_JSON_WORD_FAMILIES: Final = frozenset({"openai", "openai-reasoning", "deepseek", "qwen"})


def _mentions_json(items: Any) -> bool:
    if not isinstance(items, Sequence) or isinstance(items, str):
        return isinstance(items, str) and "json" in items.lower()
    return any("json" in text_of(item.get("content")).lower() for item in items if isinstance(item, Mapping))


def _json_word_refusal(request: StrictRequest) -> Reply | None:
    """JSON mode without the word "json" in the messages: the vendor's 400."""
    body, route, model, request_id = request.body, request.route, request.model, request.request_id
    if model.family not in _JSON_WORD_FAMILIES:
        return None
    if route == "/responses":
        text_field = body.get("text")
        fmt = text_field.get("format") if isinstance(text_field, Mapping) else None
        if not (isinstance(fmt, Mapping) and fmt.get("type") == "json_object") or _mentions_json(body.get("input")):
            return None
        text = "Response input messages must contain the word 'json' in some form to use 'text.format' of type "
        text += "'json_object'."
        return error_reply(400, with_request_id(text, request_id), code=None, param="text.format")
    fmt = body.get("response_format")
    if not (isinstance(fmt, Mapping) and fmt.get("type") == "json_object") or _mentions_json(body.get("messages")):
        return None
    if model.family == "deepseek":
        text = "Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'"
    else:
        text = "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
    return error_reply(400, with_request_id(text, request_id), code=None, param="messages")


def check_contracts(request: StrictRequest) -> Reply | None:
    """Apply the model family's contracts to a request: JSON mode's word, then the history rule (chat).

    Args:
        request: The request.

    Returns:
        The vendor's 400 when the request breaks a contract, else None.
    """
    refused = _json_word_refusal(request)
    if refused is not None or request.route != "/chat/completions":
        return refused
    rule = CONTRACTS.get(request.model.family)
    return rule(request.body, request.model, request.request_id) if rule is not None else None
