"""What a chat call reports to LangSmith and callbacks: the standard `ls_*` parameters, as ChatOpenAI's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import LangSmithParams

# The fields that bound the answer's length, by route: chat completions and the Responses API.
_TOKEN_LIMIT_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


def langsmith_params(invocation: Mapping[str, Any], stop: list[str] | str | None) -> LangSmithParams:
    """The `ls_*` parameters of one call from its invocation parameters (model settings, then call arguments).

    Args:
        invocation: The call's invocation parameters: `model`, `temperature`, token limits, `stop`, ...
        stop: The stop sequences given to the call, which win over the model's own.
    """
    params = LangSmithParams(ls_provider="toiotech", ls_model_name=str(invocation["model"]), ls_model_type="chat")
    temperature = invocation.get("temperature")
    if isinstance(temperature, int | float) and not isinstance(temperature, bool):
        params["ls_temperature"] = temperature
    limit = next((invocation[name] for name in _TOKEN_LIMIT_FIELDS if isinstance(invocation.get(name), int)), None)
    if limit is not None:
        params["ls_max_tokens"] = limit
    stop_sequences = stop or invocation.get("stop")
    if stop_sequences:
        params["ls_stop"] = [stop_sequences] if isinstance(stop_sequences, str) else list(stop_sequences)
    return params
