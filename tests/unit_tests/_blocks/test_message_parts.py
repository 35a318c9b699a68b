"""System and tool messages made of blocks: text keeps its boundaries, media goes as parts or fails up front."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.language_models import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_toiotech import ChatToiotech
from langchain_toiotech.testing import GatewayEmulator

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()
PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
TWO_LINES: list[str | dict[str, Any]] = [{"type": "text", "text": "line one"}, {"type": "text", "text": "line two"}]
IMAGE = {"type": "image", "base64": PNG, "mime_type": "image/png"}
PDF_FILE = {"type": "file", "base64": PDF, "mime_type": "application/pdf", "filename": "report.pdf"}
CALL = {"name": "look", "args": {"what": "chart"}, "id": "call_1", "type": "tool_call"}


def _conversation(tool_content: Any, system: Any = "Be brief.") -> list[BaseMessage]:
    return [
        SystemMessage(system),
        HumanMessage("Look at the chart."),
        AIMessage("", tool_calls=[CALL]),
        ToolMessage(tool_content, tool_call_id="call_1"),
    ]


def _sent(gw: GatewayEmulator, model: str, messages: list[BaseMessage]) -> dict[str, Any]:
    ChatToiotech(model=model, base_url=gw.base_url, api_key="sk-parts").invoke(messages)
    body: dict[str, Any] = gw.requests[-1].body
    return body


def _wire_message(body: dict[str, Any], role: str) -> dict[str, Any]:
    return next(message for message in body["messages"] if message["role"] == role)


@pytest.mark.parametrize("role", ["system", "tool"])
def test_text_blocks_go_as_text_parts_to_openai(gw: GatewayEmulator, role: str) -> None:
    messages = _conversation(TWO_LINES, system=TWO_LINES) if role == "system" else _conversation(TWO_LINES)
    wire = _wire_message(_sent(gw, "gpt-4o-mini", messages), role)
    assert wire["content"] == [{"type": "text", "text": "line one"}, {"type": "text", "text": "line two"}]


@pytest.mark.parametrize("role", ["system", "tool"])
@pytest.mark.parametrize("model", ["deepseek-chat", "qwen3-max", "glm-4.6"])
def test_text_blocks_keep_a_boundary_where_only_strings_are_taken(gw: GatewayEmulator, role: str, model: str) -> None:
    messages = _conversation(["line one", "line two"], system=["line one", "line two"])
    assert _wire_message(_sent(gw, model, messages), role)["content"] == "line one\nline two"


def test_an_image_in_a_tool_result_is_an_image_part(gw: GatewayEmulator) -> None:
    content = [{"type": "text", "text": "The chart:"}, IMAGE]
    wire = _wire_message(_sent(gw, "gpt-4o", _conversation(content)), "tool")
    assert wire["content"] == [
        {"type": "text", "text": "The chart:"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    ]


def test_a_pdf_in_a_tool_result_is_a_file_part(gw: GatewayEmulator) -> None:
    wire = _wire_message(_sent(gw, "gpt-4.1", _conversation([PDF_FILE])), "tool")
    (part,) = wire["content"]
    assert part["type"] == "file"
    assert part["file"]["file_data"] == f"data:application/pdf;base64,{PDF}"


def test_a_tool_json_block_beside_an_image_goes_as_text(gw: GatewayEmulator) -> None:
    wire = _wire_message(_sent(gw, "gpt-4o", _conversation([{"type": "json", "value": 1}, IMAGE])), "tool")
    assert wire["content"][0] == {"type": "text", "text": '{"type": "json", "value": 1}'}
    assert wire["content"][1]["type"] == "image_url"


@pytest.mark.parametrize(
    ("model", "block", "what"),
    [
        ("deepseek-chat", IMAGE, "images"),
        ("doubao-seed-1-8", IMAGE, "images"),
        ("claude-sonnet-4-5", PDF_FILE, "files"),
        ("o3-mini", IMAGE, "images"),
        ("gpt-4o", {"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"}, "audio blocks"),
    ],
)
def test_media_the_model_cannot_take_in_a_tool_result_fails_before_any_request(
    gw: GatewayEmulator, model: str, block: dict[str, Any], what: str
) -> None:
    chat = ChatToiotech(model=model, base_url=gw.base_url, api_key="sk-parts")
    with pytest.raises(ValueError, match=rf"Message 3 \(tool\): Content block 1 \('{block['type']}'\).*{what}"):
        chat.invoke(_conversation([{"type": "text", "text": "Here:"}, block]))
    assert gw.requests == []


def test_responses_route_sends_parts_in_function_call_output(gw: GatewayEmulator) -> None:
    content = [{"type": "text", "text": "The chart:"}, IMAGE]
    body = _sent(gw, "gpt-5.1-codex", _conversation(content, system=TWO_LINES))
    assert body["instructions"] == "line one\nline two"
    (output,) = [item for item in body["input"] if item.get("type") == "function_call_output"]
    assert output["output"] == [
        {"type": "input_text", "text": "The chart:"},
        {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}"},
    ]


def test_responses_route_keeps_text_boundaries(gw: GatewayEmulator) -> None:
    messages = [HumanMessage("Hi"), SystemMessage(TWO_LINES), *_conversation(TWO_LINES)[1:]]
    body = _sent(gw, "gpt-5.1-codex", messages)
    system = next(item for item in body["input"] if item.get("role") == "system")
    assert system["content"] == [{"type": "input_text", "text": "line one"}, {"type": "input_text", "text": "line two"}]
    (output,) = [item for item in body["input"] if item.get("type") == "function_call_output"]
    assert output["output"] == system["content"]


def test_responses_route_refuses_media_the_model_cannot_take(gw: GatewayEmulator) -> None:
    chat = ChatToiotech(model="doubao-seed-1-8", base_url=gw.base_url, api_key="sk-parts", use_responses_api=True)
    with pytest.raises(ValueError, match=r"Content block 0 \('image'\)"):
        chat.invoke(_conversation([IMAGE]))
    assert gw.requests == []


def profile_of(model: str) -> ModelProfile:
    profile = ChatToiotech(model=model).profile
    assert profile is not None
    return profile


def test_the_profile_says_what_takes_media_in_tool_results() -> None:
    assert profile_of("gpt-4o")["image_tool_message"] is True
    assert profile_of("gpt-4o")["pdf_tool_message"] is True
    assert profile_of("deepseek-chat")["image_tool_message"] is False
    assert profile_of("some-new-model")["image_tool_message"] is True  # the gateway decides
