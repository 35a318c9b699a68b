"""Each vendor's contract for the reasoning of earlier assistant turns, with the documentation it comes from.

A rule says which earlier assistant messages carry their reasoning back (`echo`), which of them must carry the
field even when they have no reasoning text (`required`, filled with `placeholder`), and where the text goes
(`reasoning_content`, or MiniMax's `<think>` block inside `content`). "Tool turn" means an assistant message
with `tool_calls`. Sources were read in December 2026; where a vendor is silent or contradicts itself the rule
picks what the vendor accepts and the comment says so. /work-independent copy of the audit: README, "Reasoning".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Echo = Literal["never", "tool_turns", "every_turn"]
Required = Literal["none", "tool_turns", "every_turn"]


@dataclass(frozen=True, slots=True)
class PassBackRule:
    """How a model wants the reasoning of earlier assistant turns."""

    echo: Echo
    """Which assistant turns carry their reasoning text back."""
    required: Required = "none"
    """Which assistant turns must carry the field even without reasoning text (the vendor answers 400)."""
    placeholder: str = ""
    """The value a required field gets when the turn has no reasoning text."""
    think_tag: bool = False
    """The reasoning goes back as a leading `<think>` block of `content` instead of `reasoning_content`."""


NEVER: Final = PassBackRule("never")

# DeepSeek thinking mode (V3.2, V4, and `deepseek-reasoner` / `deepseek-chat`, which now alias V4):
# https://api-docs.deepseek.com/guides/thinking_mode, "Tool Calls": "for turns that do perform tool calls, the
# reasoning_content must be fully passed back to the API in all subsequent requests. If your code does not
# correctly pass back reasoning_content, the API will return a 400 error." A later revision of the page (quoted
# verbatim by several agent projects, Sept. 2026) widens it: "for requests carrying the tools parameter, the
# reasoning_content must be fully passed back ... even for turns where the model did not perform a tool call",
# and agent tools met the 400 on plain-text turns of tool conversations (NousResearch/hermes-agent#15228); without
# tools "it will be ignored". So every assistant turn carries it, which every version of the rule accepts. The
# field must be present: an omitted one gives 400 "Missing `reasoning_content` field in the assistant message at
# message index N" (langchain-ai/langchain#34436), and DeepSeek's own agent adapter hit the 400 by leaving it out
# when the reasoning was empty (deepseek-ai/deepseek-harness discussions #739, #1850), so a turn without
# reasoning sends "" (as looplj/axonhub#1491 does).
DEEPSEEK: Final = PassBackRule("every_turn", required="every_turn", placeholder="")

# DeepSeek-R1 and its distills keep the legacy reasoner contract: "if the reasoning_content field is included in
# the sequence of input messages, the API will return a 400 error" (https://api-docs.deepseek.com/guides/
# reasoning_model; hosts that still serve R1 document the same, e.g. Baidu Qianfan,
# https://ai.baidu.com/ai-doc/WENXINWORKSHOP/0m9cwwyjj). So nothing goes back.
DEEPSEEK_R1: Final = NEVER

# Kimi thinking models (kimi-k2-thinking, k2.5, k2.6 and later): with thinking on, Moonshot answers 400 "thinking
# is enabled but reasoning_content is missing in assistant tool call message at index N" (the FAQ of
# https://platform.moonshot.ai/docs/guide/use-kimi-k2-thinking-model, which asks to keep reasoning_content in the
# context; LibreChat's Moonshot notes and continuedev/continue#11711 quote the error). Every turn's reasoning goes
# back, as Moonshot's multi-step tool example does. K2.5/K2.6 treat "" as missing while " " passes, checked
# against api.moonshot.ai (theopenco/llmgateway#2093, earendil-works/pi#4178), hence the one-space placeholder.
KIMI_THINKING: Final = PassBackRule("every_turn", required="tool_turns", placeholder=" ")
_KIMI_THINKING_NAME: Final = re.compile(r"thinking|kimi-k2\.[5-9]|kimi-k[3-9]")

# Xiaomi MiMo (V2, V2.5), translated: in every later request, an assistant message that made tool calls must
# carry its complete reasoning_content, otherwise the API answers 400 (https://platform.xiaomimimo.com/docs/
# zh-CN/usage-guide/passing-back-reasoning_content); the MiMo-V2-Flash README asks to "persist all history
# reasoning_content".
# The placeholder is "" as for DeepSeek (same error text); no report says MiMo rejects it.
MIMO: Final = PassBackRule("every_turn", required="tool_turns", placeholder="")

# GLM 4.5+: interleaved thinking is on by default and "thinking blocks should be explicitly preserved and
# returned together with the tool results"; preserved thinking (`clear_thinking: false`, default on the coding
# endpoint) needs every turn's complete, unmodified reasoning_content (https://docs.z.ai/guides/capabilities/
# thinking-mode, https://docs.bigmodel.cn/cn/guide/capabilities/thinking-mode). Omitting it is no error.
GLM: Final = PassBackRule("every_turn")

# MiniMax M2: "the complete model response (i.e., the assistant message) must be append to the conversation
# history"; on the OpenAI API "the content field will contain <think> tag content, which must be preserved
# completely", and with reasoning_split=True the reasoning_details (https://platform.minimax.io/docs/
# api-reference/text-openai-api, https://platform.minimax.io/docs/guides/text-m2-function-call). We split the
# <think> block off the answer, so it goes back in that form; reasoning_details go back verbatim instead.
MINIMAX: Final = PassBackRule("every_turn", think_tag=True)

# Qwen on DashScope: the model "does not read" historical reasoning_content by default and reads it with
# `preserve_thinking: true` (https://www.alibabacloud.com/help/en/model-studio/deep-thinking); no error either
# way, so it goes back for users who turn preservation on.
QWEN: Final = PassBackRule("every_turn")

# Tencent Hunyuan / TokenHub interleaved thinking, translated: with slow thinking and tool calls, developers must
# fill reasoning_content back in on the next call (https://cloud.tencent.com/document/product/1823/130930, step 4).
HUNYUAN: Final = PassBackRule("tool_turns")

# Claude behind an OpenAI-format gateway: native Claude needs the signed thinking blocks of a tool loop
# (https://platform.claude.com/docs/en/build-with-claude/extended-thinking), which only travel as OpenRouter-style
# reasoning_details (sent verbatim). new-api drops reasoning_content when it converts to the Messages API
# (QuantumNous/new-api relay/channel/claude/relay-claude.go) and Anthropic's own OpenAI layer returns no thinking
# text (https://platform.claude.com/docs/en/api/openai-sdk): the text goes back on tool turns for gateways that
# rebuild thinking blocks from it, harmless elsewhere. Uncertain: depends on the gateway.
CLAUDE: Final = PassBackRule("tool_turns")

# Not sent back (docs silent or no input field): Doubao on Ark's chat route (https://www.volcengine.com/docs/82379/
# 1449737 says nothing; its Responses API takes reasoning items only from doubao 1.8 on), OpenAI's chat route
# (reasoning continuity lives in Responses reasoning items, https://platform.openai.com/docs/guides/reasoning),
# xAI Grok (Chat Completions "has no field for the model's encrypted reasoning", https://docs.x.ai/developers/
# model-capabilities/text/best-practices), Gemini (thought signatures instead, see `_shared.pass_back`) and unknown
# models.
_BY_FAMILY: Final[dict[str, PassBackRule]] = {
    "deepseek": DEEPSEEK,
    "mimo": MIMO,
    "glm": GLM,
    "minimax": MINIMAX,
    "qwen": QWEN,
    "hunyuan": HUNYUAN,
    "claude": CLAUDE,
}
_DEEPSEEK_R1_NAME: Final = re.compile(r"(^|[-_/.])r1($|[-_.])")


def pass_back_rule(family: str, model: str) -> PassBackRule:
    """The rule of `model` (of `family`, see `model_family`)."""
    name = model.lower().rsplit("/", 1)[-1]
    if family == "deepseek" and _DEEPSEEK_R1_NAME.search(name):
        return DEEPSEEK_R1
    if family == "kimi":  # moonshot-v1 and kimi-k2-0905 do not think: Moonshot documents no field for them
        return KIMI_THINKING if _KIMI_THINKING_NAME.search(name) else NEVER
    return _BY_FAMILY.get(family, NEVER)
