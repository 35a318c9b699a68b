"""Model families and profiles: the gateway catalogue's own annotations, vendor facts, and `ChatToiotech.profile`."""

from __future__ import annotations

import warnings
from typing import Any, get_type_hints

import pytest
from langchain_core.language_models import ModelProfile
from pydantic import SecretStr

from langchain_toiotech import ChatToiotech
from langchain_toiotech._shared.profiles import (
    FAMILIES,
    ModelSpec,
    is_responses_only,
    model_family,
    model_profile,
    model_spec,
)
from tests._support.catalogue import ENTRIES

DECLARED_KEYS = frozenset(get_type_hints(ModelProfile)) - {"__pydantic_config__"}

# Vendor group header in the catalogue → the family its models must get ("unknown": no family yet).
VENDOR_FAMILIES = {
    "OpenAI": {"openai", "openai-reasoning"},
    "Google": {"gemini"},
    "Anthropic": {"claude"},
    "DeepSeek": {"deepseek"},
    "MiniMax": {"minimax"},
    "Moonshot": {"kimi"},
    "xAI": {"grok"},
    "字节跳动": {"doubao"},
    "智谱": {"glm"},
    "阿里巴巴": {"qwen"},
    "腾讯": {"hunyuan"},
    "小米": {"mimo"},
    "百度": {"unknown"},
    "讯飞": {"unknown"},
    "蚂蚁": {"unknown"},
    "阶跃星辰": {"unknown"},
    "日日新": {"unknown"},
}
IMAGE_NOTES = ("视觉理解", "图片理解", "多模态", "图片+文本")
VIDEO_NOTES = ("视频理解", "视频+文本")
AUDIO_NOTES = ("音频+文本",)


def test_the_catalogue_excerpt_parses_into_models() -> None:
    names = {name for _, _, name, _ in ENTRIES}
    assert {"gpt-5.1-codex", "doubao-seed-2-0-pro-260215", "qwen3.5-omni-plus", "glm-4.6v", "kimi-k2.5"} <= names
    assert not any("通用接口" in name or name.endswith("-") for name in names)  # page titles are skipped
    assert {vendor for _, vendor, _, _ in ENTRIES} == set(VENDOR_FAMILIES)


@pytest.mark.parametrize(("vendor", "model"), sorted({(v, m) for _, v, m, _ in ENTRIES}))
def test_every_catalogue_model_gets_its_vendor_family(vendor: str, model: str) -> None:
    assert model_family(model) in VENDOR_FAMILIES[vendor]


@pytest.mark.parametrize("model", sorted({m for _, _, m, _ in ENTRIES}))
def test_every_catalogue_profile_uses_only_langchain_keys(model: str) -> None:
    profile = model_profile(model)
    assert set(profile) <= DECLARED_KEYS
    assert profile["text_inputs"] is True
    assert isinstance(profile["tool_calling"], bool)
    for key in ("max_input_tokens", "max_output_tokens"):
        assert key not in profile or (isinstance(profile[key], int) and profile[key] > 0)


@pytest.mark.parametrize(("model", "note"), [(m, n) for _, _, m, n in ENTRIES if "仅支持/v1/responses" in n])
def test_models_the_catalogue_marks_responses_only(model: str, note: str) -> None:
    assert note == "仅支持/v1/responses"
    assert is_responses_only(model)
    assert model_spec(model).responses_only


@pytest.mark.parametrize(
    ("section", "model", "note"),
    [(s, m, n) for s, _, m, n in ENTRIES if s == "多模态模型" or any(x in n for x in (*IMAGE_NOTES, *VIDEO_NOTES))],
)
def test_models_the_catalogue_lists_as_multimodal_take_images(section: str, model: str, note: str) -> None:
    profile = model_profile(model)
    assert profile["image_inputs"], (section, note)
    assert profile["image_url_inputs"]


@pytest.mark.parametrize(("model", "note"), [(m, n) for _, _, m, n in ENTRIES if any(x in n for x in VIDEO_NOTES)])
def test_models_the_catalogue_shows_with_video_take_video(model: str, note: str) -> None:
    assert model_profile(model)["video_inputs"], note


@pytest.mark.parametrize(("model", "note"), [(m, n) for _, _, m, n in ENTRIES if any(x in n for x in AUDIO_NOTES)])
def test_models_the_catalogue_shows_with_audio_take_audio(model: str, note: str) -> None:
    assert model_profile(model)["audio_inputs"], note


@pytest.mark.parametrize("model", sorted({m for _, v, m, n in ENTRIES if "thinking" in f"{m} {n}" and v != "百度"}))
def test_thinking_models_in_the_catalogue_output_reasoning(model: str) -> None:
    assert model_profile(model)["reasoning_output"] is True


# Vendor facts the table encodes (model pages of each vendor; OpenAI limits as in models.dev).
FACTS: list[tuple[str, dict[str, Any]]] = [
    ("deepseek-reasoner", {"image_inputs": False, "reasoning_output": True, "max_input_tokens": 128_000}),
    ("deepseek-chat", {"image_inputs": False, "reasoning_output": False, "tool_calling": True}),
    ("deepseek-r1-250120", {"reasoning_output": True}),  # Ark's dated name
    ("deepseek-v4-flash", {"reasoning_output": True}),  # thinks by default
    ("gpt-4", {"image_inputs": False, "structured_output": False, "max_input_tokens": 8192}),
    ("gpt-4o-mini", {"image_inputs": True, "pdf_inputs": True, "video_inputs": False, "max_output_tokens": 16_384}),
    ("gpt-4.1", {"max_input_tokens": 1_047_576, "reasoning_output": False}),
    ("gpt-5", {"reasoning_output": True, "structured_output": True, "max_input_tokens": 272_000}),
    ("gpt-5.2-pro", {"structured_output": False}),
    ("gpt-5-chat", {"reasoning_output": False}),
    ("o3-mini", {"image_inputs": False, "reasoning_output": True}),
    ("o3-deep-research", {"tool_calling": False}),
    ("gpt-oss-120b", {"image_inputs": False, "reasoning_output": True}),
    ("gpt-4o-audio-preview", {"audio_inputs": True, "audio_outputs": True}),
    ("gemini-2.5-pro", {"video_inputs": True, "audio_inputs": True, "pdf_inputs": True, "max_input_tokens": 1_048_576}),
    ("gemini-2.0-flash", {"reasoning_output": False, "max_output_tokens": 8192}),
    ("gemini-2.5-flash-image", {"image_outputs": True, "tool_calling": False}),
    ("claude-sonnet-4-5-20250929", {"pdf_inputs": True, "video_inputs": False, "max_output_tokens": 64_000}),
    ("claude-opus-4-20250514", {"max_output_tokens": 32_000}),
    ("claude-opus-4-6", {"max_output_tokens": 128_000}),
    ("doubao-seed-1-8-251228", {"image_inputs": True, "video_inputs": True, "reasoning_output": True}),
    ("doubao-1-5-thinking-vision-pro-250428", {"image_inputs": True, "reasoning_output": True}),
    ("doubao-1-5-pro-32k", {"image_inputs": False, "max_input_tokens": 32_768}),
    ("qwen3-235b-a22b-instruct-2507", {"reasoning_output": False}),
    ("qwen3-vl-235b-a22b-instruct", {"video_inputs": True, "reasoning_output": False}),
    ("qwen3-omni-flash-2025-12-01", {"audio_inputs": True, "audio_outputs": True, "video_inputs": True}),
    ("qwen-max", {"reasoning_output": False}),
    ("kimi-k2", {"image_inputs": False, "max_input_tokens": 131_072}),
    ("kimi-k2-thinking", {"reasoning_output": True, "max_input_tokens": 262_144}),
    ("kimi-k2.6", {"reasoning_output": True}),
    ("kimi-k3", {"reasoning_output": True}),
    ("moonshot-v1-8k-vision-preview", {"image_inputs": True, "max_input_tokens": 8192}),
    ("moonshot-v1-128k", {"max_input_tokens": 131_072}),
    ("glm-4-plus", {"reasoning_output": False}),
    ("glm-4.6", {"reasoning_output": True, "max_input_tokens": 204_800}),
    ("glm-4.6v", {"image_inputs": True, "video_inputs": True}),
    ("grok-4-1-fast-non-reasoning", {"reasoning_output": False, "max_input_tokens": 2_000_000}),
    ("minimax-m2", {"reasoning_output": True}),
    ("mimo-v2-omni", {"audio_inputs": True, "video_inputs": True}),
    ("hunyuan-t1-latest", {"reasoning_output": True}),
]


@pytest.mark.parametrize(("model", "facts"), FACTS, ids=[model for model, _ in FACTS])
def test_profile_table_facts(model: str, facts: dict[str, Any]) -> None:
    profile = model_profile(model)
    assert {key: profile.get(key) for key in facts} == facts


@pytest.mark.parametrize("model", ["ernie-x1-32k", "SparkDesk-v4.0", "some-new-model"])
def test_unknown_models_get_a_permissive_profile(model: str) -> None:
    profile = model_profile(model)
    for key in ("image_inputs", "pdf_inputs", "audio_inputs", "video_inputs", "tool_calling", "structured_output"):
        assert profile[key] is True
    assert "reasoning_output" not in profile  # unknown, not claimed either way


def test_context_window_in_the_name_of_an_unknown_model() -> None:
    assert model_profile("ernie-x1-32k")["max_input_tokens"] == 32 * 1024


def test_names_match_case_insensitively_and_after_a_channel_prefix() -> None:
    assert model_profile("OpenAI/GPT-4o") == model_profile("gpt-4o")
    assert model_profile("volcengine/Doubao-Seed-1-8-251228") == model_profile("doubao-seed-1-8-251228")


def test_profiles_are_fresh_copies() -> None:
    first = model_profile("gpt-4o")
    first["image_inputs"] = False
    assert model_profile("gpt-4o")["image_inputs"] is True


def test_every_family_has_its_own_rules() -> None:
    permissive = model_profile("some-new-model")
    for family in FAMILIES:
        # a representative name for each family pattern must not fall back to the unknown-model default
        sample = {
            "openai-reasoning": "o3",
            "openai": "gpt-4o",
            "deepseek": "deepseek-chat",
            "doubao": "doubao-1-5-pro-32k",
            "qwen": "qwen-max",
            "kimi": "kimi-k2",
            "glm": "glm-4-plus",
            "gemini": "gemini-2.5-pro",
            "claude": "claude-sonnet-4-6",
            "grok": "grok-4",
            "minimax": "minimax-m2",
            "mimo": "mimo-v2-pro",
            "hunyuan": "hunyuan-t1-latest",
        }[family.name]
        assert model_family(sample) == family.name
        assert model_profile(sample) != permissive, family.name


def test_model_spec_bundles_family_profile_and_route() -> None:
    spec = model_spec("gpt-5.2-pro")
    assert spec == ModelSpec(family="openai-reasoning", profile=model_profile("gpt-5.2-pro"), responses_only=True)
    assert not model_spec("doubao-seed-2-0-pro-260215").responses_only


def chat(model: str, **params: Any) -> ChatToiotech:
    return ChatToiotech(model_name=model, api_key=SecretStr("sk-test"), **params)


@pytest.mark.parametrize(
    "model", ["doubao-seed-2-0-pro-260215", "deepseek-reasoner", "qwen3.5-omni-plus", "new-model-x"]
)
def test_chat_model_exposes_the_profile_without_warnings(model: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # core warns about keys ModelProfile does not declare
        llm = chat(model)
    assert llm.profile == model_profile(model)


def test_a_profile_given_by_the_caller_wins() -> None:
    mine = ModelProfile(image_inputs=False, max_input_tokens=1000)
    assert chat("doubao-seed-2-0-pro-260215", profile=mine).profile == mine
