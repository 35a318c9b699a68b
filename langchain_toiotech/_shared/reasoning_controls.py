"""The unified `reasoning` knob, translated into each model family's own request fields.

`reasoning={"effort": "low" | "medium" | "high" | "minimal", "budget_tokens": N, "enabled": bool}` becomes:

| family | effort | budget_tokens | enabled |
|---|---|---|---|
| openai-reasoning | `reasoning_effort` | error | False → `reasoning_effort: "none"` (gpt-5.1+) |
| openai (gpt-4o…) | error | error | False is a no-op |
| doubao | `reasoning_effort` | error | `thinking.type` |
| claude | `thinking.budget_tokens` 1024 / 4096 / 16384 | `thinking.budget_tokens` | `thinking.type` |
| gemini | `reasoning_effort` | literal `extra_body.google.thinking_config` | `include_thoughts` / budget 0 |
| qwen | error | `thinking_budget` | `enable_thinking` |
| glm, kimi, mimo, hunyuan | error | error | `thinking.type` |
| minimax | error | error | `thinking.type` adaptive / disabled |
| deepseek | `reasoning_effort` ("high" only) | error | `thinking.type` |
| grok | `reasoning_effort` ("low", "high") | error | error |
| unknown | `reasoning_effort` | `thinking.budget_tokens` | `thinking.type` |

A combination a family cannot express raises `ValueError` before any request, never a silent drop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, NoReturn, TypedDict, cast

EFFORTS: Final = ("minimal", "low", "medium", "high")
SUMMARIES: Final = ("auto", "concise", "detailed")
CLAUDE_BUDGETS: Final = {"minimal": 1024, "low": 1024, "medium": 4096, "high": 16384}
CLAUDE_DEFAULT_BUDGET: Final = 4096


class ReasoningKnob(TypedDict, total=False):
    """The unified reasoning setting: any subset of effort, budget and on/off."""

    effort: str
    budget_tokens: int
    enabled: bool
    summary: str


def _reject(family: str, model: str, what: str, hint: str) -> NoReturn:
    message = f"reasoning={{{what}}} cannot be expressed for {model!r} (family {family}); {hint}"
    raise ValueError(message)


def validate_knob(knob: dict[str, Any]) -> ReasoningKnob:
    """Check the knob's keys and values.

    Raises:
        ValueError: an unknown key, an unknown effort, a non-positive budget, or a non-bool `enabled`.
    """
    unknown = set(knob) - {"effort", "budget_tokens", "enabled", "summary"}
    if unknown:
        msg = f"Unknown reasoning keys {sorted(unknown)}; use 'effort', 'budget_tokens', 'enabled' and 'summary'."
        raise ValueError(msg)
    if "summary" in knob and knob["summary"] not in SUMMARIES:
        msg = f"reasoning summary {knob['summary']!r} is not one of {', '.join(SUMMARIES)}."
        raise ValueError(msg)
    if "effort" in knob and knob["effort"] not in EFFORTS:
        msg = f"reasoning effort {knob['effort']!r} is not one of {', '.join(EFFORTS)}."
        raise ValueError(msg)
    budget = knob.get("budget_tokens")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or budget < 0):
        msg = f"reasoning budget_tokens must be a whole number of tokens, got {budget!r}."
        raise ValueError(msg)
    if "enabled" in knob and not isinstance(knob["enabled"], bool):
        msg = f"reasoning enabled must be True or False, got {knob['enabled']!r}."
        raise ValueError(msg)
    if knob.get("enabled") is False and ("effort" in knob or budget):
        msg = "reasoning enabled=False cannot be combined with an effort or a budget."
        raise ValueError(msg)
    return cast("ReasoningKnob", dict(knob))


def _thinking_type(knob: ReasoningKnob, enabled_type: str = "enabled") -> dict[str, Any]:
    if "enabled" not in knob:
        return {}
    return {"thinking": {"type": enabled_type if knob["enabled"] else "disabled"}}


def _openai_reasoning(knob: ReasoningKnob, model: str) -> dict[str, Any]:
    if "budget_tokens" in knob:
        _reject("openai-reasoning", model, "budget_tokens", "OpenAI models take an effort, not a budget")
    if knob.get("enabled") is False:
        if not model.startswith(("gpt-5.1", "gpt-5.2", "gpt-5.4")):
            _reject("openai-reasoning", model, "enabled: False", "this model always reasons")
        return {"reasoning_effort": "none"}
    return _effort(knob)


def _effort(knob: ReasoningKnob) -> dict[str, Any]:
    """The knob's effort as the `reasoning_effort` field, where a family sends it as given."""
    return {"reasoning_effort": knob["effort"]} if "effort" in knob else {}


def _openai_plain(knob: ReasoningKnob, model: str) -> dict[str, Any]:
    if "effort" in knob or "budget_tokens" in knob or knob.get("enabled"):
        _reject("openai", model, ", ".join(knob), "this model does not reason; pick o-series or gpt-5")
    return {}


def _claude(knob: ReasoningKnob, _model: str) -> dict[str, Any]:
    if knob.get("enabled") is False:
        return {"thinking": {"type": "disabled"}}
    if not knob:
        return {}
    budget = knob.get("budget_tokens") or CLAUDE_BUDGETS.get(knob.get("effort", ""), CLAUDE_DEFAULT_BUDGET)
    return {"thinking": {"type": "enabled", "budget_tokens": budget}}


def _gemini(knob: ReasoningKnob, model: str) -> dict[str, Any]:
    if "effort" in knob and "budget_tokens" in knob:
        _reject("gemini", model, "effort, budget_tokens", "Gemini takes an effort or a budget, not both")
    if "effort" in knob and not knob.get("enabled"):
        return {"reasoning_effort": knob["effort"]}
    config: dict[str, Any] = {}
    if knob.get("enabled") is False:
        if "pro" in model:
            _reject("gemini", model, "enabled: False", "Gemini Pro models cannot switch thinking off")
        config["thinking_budget"] = 0
    if "budget_tokens" in knob:
        config["thinking_budget"] = knob["budget_tokens"]
    if knob.get("enabled"):
        config["include_thoughts"] = True
    payload: dict[str, Any] = {"extra_body": {"google": {"thinking_config": config}}} if config else {}
    return {**payload, **_effort(knob)}


def _qwen(knob: ReasoningKnob, model: str) -> dict[str, Any]:
    if "effort" in knob:
        _reject("qwen", model, "effort", "Qwen takes enabled and budget_tokens")
    payload: dict[str, Any] = {}
    if "enabled" in knob:
        payload["enable_thinking"] = knob["enabled"]
    if "budget_tokens" in knob:
        payload["enable_thinking"] = True
        payload["thinking_budget"] = knob["budget_tokens"]
    return payload


def _thinking_switch_only(family: str) -> Callable[[ReasoningKnob, str], dict[str, Any]]:
    def translate(knob: ReasoningKnob, model: str) -> dict[str, Any]:
        extra = [key for key in ("effort", "budget_tokens") if key in knob]
        if extra:
            _reject(family, model, ", ".join(extra), "this family only switches thinking on or off")
        return _thinking_type(knob, "adaptive" if family == "minimax" else "enabled")

    return translate


def _doubao(knob: ReasoningKnob, model: str) -> dict[str, Any]:
    if "budget_tokens" in knob:
        _reject("doubao", model, "budget_tokens", "Doubao takes an effort and a thinking switch")
    return {**_thinking_type(knob), **_effort(knob)}


def _deepseek(knob: ReasoningKnob, model: str) -> dict[str, Any]:
    if "budget_tokens" in knob:
        _reject("deepseek", model, "budget_tokens", "DeepSeek has no thinking budget")
    if "effort" in knob and knob["effort"] != "high":
        _reject("deepseek", model, f"effort: {knob['effort']}", "DeepSeek accepts effort 'high' only")
    payload = _thinking_type(knob)
    if "effort" in knob:
        payload["reasoning_effort"] = "high"
    return payload


def _grok(knob: ReasoningKnob, model: str) -> dict[str, Any]:
    if "budget_tokens" in knob or "enabled" in knob:
        _reject("grok", model, ", ".join(k for k in knob if k != "effort"), "Grok takes an effort only")
    if "effort" in knob and knob["effort"] not in {"low", "high"}:
        _reject("grok", model, f"effort: {knob['effort']}", "Grok accepts 'low' or 'high'")
    return _effort(knob)


def _unknown(knob: ReasoningKnob, _model: str) -> dict[str, Any]:
    payload = _thinking_type(knob)
    if "budget_tokens" in knob:
        payload["thinking"] = {"type": "enabled", "budget_tokens": knob["budget_tokens"]}
    return {**payload, **_effort(knob)}


_TRANSLATORS: Final[dict[str, Callable[[ReasoningKnob, str], dict[str, Any]]]] = {
    "openai-reasoning": _openai_reasoning,
    "openai": _openai_plain,
    "claude": _claude,
    "gemini": _gemini,
    "qwen": _qwen,
    "doubao": _doubao,
    "deepseek": _deepseek,
    "grok": _grok,
    "glm": _thinking_switch_only("glm"),
    "kimi": _thinking_switch_only("kimi"),
    "mimo": _thinking_switch_only("mimo"),
    "hunyuan": _thinking_switch_only("hunyuan"),
    "minimax": _thinking_switch_only("minimax"),
}


def translate_reasoning(knob: dict[str, Any], family: str, model: str) -> dict[str, Any]:
    """The chat-completions fields that express `knob` for a model of `family`.

    Raises:
        ValueError: the knob is malformed or the family cannot express it.
    """
    checked = validate_knob(knob)
    if "summary" in checked:
        msg = (
            "reasoning summary is a Responses API setting: chat completions return no summaries. "
            "Set use_responses_api=True, or drop 'summary'."
        )
        raise ValueError(msg)
    return _TRANSLATORS.get(family, _unknown)(checked, model)


def check_knob(knob: dict[str, Any], family: str, model: str) -> None:
    """Validate a knob before the route is known: every key but `summary` must suit the family.

    Raises:
        ValueError: the knob is malformed or the family cannot express it.
    """
    validate_knob(knob)
    translate_reasoning({key: value for key, value in knob.items() if key != "summary"}, family, model)
