"""Build the VCR cassettes in tests/cassettes/ from documented request/response pairs and wire captures.

Each cassette pairs a request the gateway's (or a vendor's) documentation shows with the response recorded
for it, both taken from tests/fixtures/ (whose .src.txt sidecars name the sources). Run from the project
root after changing a fixture, then review the diff like code:

    python scripts/build_cassettes.py

To replace a cassette with a live recording instead, see "Cassettes" in README.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CASSETTES = ROOT / "tests" / "cassettes"
BASE_URL = "https://api.toiotech.com/v1"


def sidecar_request(fixture: str) -> dict[str, Any]:
    """The verbatim request body quoted in a fixture's sidecar (`request body ...:` then the JSON)."""
    text = (FIXTURES / f"{fixture}.src.txt").read_text(encoding="utf-8")
    match = re.search(r"^request body[^\n]*?:\s*\{", text, re.MULTILINE)
    if match is None:
        msg = f"{fixture}.src.txt quotes no request body"
        raise ValueError(msg)
    body, _ = json.JSONDecoder().raw_decode(text, match.end() - 1)
    return dict(body)


def qwen_omni_request() -> dict[str, Any]:
    text = (FIXTURES / "toiotech-qwen3-omni_chat-completions_nonstream_image-input_doc-example.json.src.txt").read_text(
        encoding="utf-8"
    )
    match = re.search(r"^request \(documented on the same page\):\s*\n(\{.*\})$", text, re.MULTILINE)
    assert match is not None
    return json.loads(match.group(1))


def sse_from_chunks(fixture: str) -> str:
    lines = (FIXTURES / fixture).read_text(encoding="utf-8").splitlines()
    return "".join(f"data: {line}\n\n" for line in lines if line.strip()) + "data: [DONE]\n\n"


def interaction(request: dict[str, Any], body: str, *, stream: bool) -> dict[str, Any]:
    content_type = "text/event-stream; charset=utf-8" if stream else "application/json"
    return {
        "request": {
            "method": "POST",
            "uri": f"{BASE_URL}/chat/completions",
            "body": json.dumps(request, ensure_ascii=False, indent=2),
            "headers": {"Content-Type": ["application/json"], "Authorization": ["**REDACTED**"]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": [content_type]},
            "body": {"string": body},
        },
    }


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def request_file(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


CASSETTE_SOURCES = {
    "test_toiotech_doubao_video_understanding": lambda: interaction(
        request_file("toiotech-doubao-seed-2-0-pro_chat-request_video-url-fps_doc-example.json"),
        fixture_text(
            "toiotech-doubao-seed-2-0-pro_chat-completions_nonstream_video-url-fps_reasoning-content_doc-example.json"
        ),
        stream=False,
    ),
    "test_chatfire_doubao_thinking_vision": lambda: interaction(
        request_file("chatfire-doubao_chat-request_thinking-vision_doc-example.json"),
        fixture_text("chatfire-doubao_chat-completions_nonstream_thinking-vision_doc-example.json"),
        stream=False,
    ),
    "test_toiotech_qwen3_omni_image": lambda: interaction(
        qwen_omni_request(),
        fixture_text("toiotech-qwen3-omni_chat-completions_nonstream_image-input_doc-example.json"),
        stream=False,
    ),
    "test_glm_reasoning_tool_call": lambda: interaction(
        sidecar_request("zhipu-glm_chat-completions_nonstream_reasoning-content_tool-call.json"),
        fixture_text("zhipu-glm_chat-completions_nonstream_reasoning-content_tool-call.json"),
        stream=False,
    ),
    "test_openai_stream_tool_call": lambda: interaction(
        sidecar_request("openai_chat-completions_stream_tool-calls_include-usage.sse"),
        fixture_text("openai_chat-completions_stream_tool-calls_include-usage.sse"),
        stream=True,
    ),
    "test_openai_stream_answer_after_tool_result": lambda: interaction(
        sidecar_request("openai_chat-completions_stream_text-after-tool-result_include-usage.sse"),
        fixture_text("openai_chat-completions_stream_text-after-tool-result_include-usage.sse"),
        stream=True,
    ),
}


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings (SSE bodies) as YAML block literals, so a cassette diff reads like the wire."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not value.rstrip("\n").endswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _represent_str)


def main() -> None:
    CASSETTES.mkdir(parents=True, exist_ok=True)
    for name, build in CASSETTE_SOURCES.items():
        cassette = {"interactions": [build()], "version": 1}
        path = CASSETTES / f"{name}.yaml"
        path.write_text(yaml.dump(cassette, Dumper=_LiteralDumper, allow_unicode=True, sort_keys=False), "utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
