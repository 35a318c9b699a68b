"""`ChatToiotech`'s own fields and what every request starts from; LangChain's hooks live in `chat_models`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from pydantic import Field, field_validator

from langchain_toiotech._config.derived import keep_with, kept_with
from langchain_toiotech._config.settings import RequestFieldClient
from langchain_toiotech._shared.pass_back import PassBackMode

if TYPE_CHECKING:
    from langchain_toiotech._route import RequestDefaults

_GENERATION_FIELDS: Final = (
    "temperature",
    "max_tokens",
    "max_completion_tokens",
    "top_p",
    "n",
    "seed",
    "reasoning_effort",
)
"""The OpenAI generation fields, sent at the top level of the body when set."""

SHAPING_FIELDS: Final = (
    "stop",
    "reasoning",
    "extra_body",
    "video_fps",
    "reasoning_pass_back",
    "use_responses_api",
    "stream_usage",
    "output_version",
)
"""Fields beyond the generation ones that shape a request or its reading (`ChatToiotech._identifying_params`)."""


class ChatFields(RequestFieldClient):
    """The chat model's settings (see `ChatToiotech`), validated, and the request defaults built from them."""

    model: str = Field(alias="model_name")
    """Model name as the gateway knows it."""
    stream_chunk_timeout: float | None = None
    """Longest silence allowed in a stream, the wait for its first bytes included (default: `timeout`).

    A stall raises `APITimeoutError` instead of hanging; the gateway's `: PING` comments count as bytes, so
    a slow reasoning model that pings stays alive, but only until `timeout` if no content has come by then
    (the first content must arrive within `timeout` of the call's start), and until `stream_total_timeout`.
    """
    stream_total_timeout: float | None = None
    """The most a whole stream may take, in seconds, from the call's start to its last chunk (default: no bound).

    Past it the stream raises `APITimeoutError` after the chunks that arrived, whatever the server sends.
    """
    temperature: float | None = None
    """Sampling temperature."""
    max_tokens: int | None = None
    """Maximum tokens to generate."""
    max_completion_tokens: int | None = None
    """Maximum tokens to generate including reasoning (OpenAI o-series / GPT-5, Doubao)."""
    top_p: float | None = None
    """Nucleus sampling probability mass."""
    stop: list[str] | str | None = Field(default=None, alias="stop_sequences")
    """Stop sequences."""
    n: int | None = None
    """Number of choices to generate (non-streaming calls only)."""
    seed: int | None = None
    """Seed for reproducible sampling where the vendor supports it."""
    reasoning_effort: str | None = None
    """Reasoning effort (`minimal`, `low`, `medium`, `high`) for models that accept it."""
    reasoning: dict[str, Any] | None = None
    """Unified reasoning knob `{"effort", "budget_tokens", "enabled"}`, translated per model family.

    Raw vendor fields (`reasoning_effort`, `extra_body`, `model_kwargs`) win where both are set.
    """
    reasoning_pass_back: PassBackMode = "auto"  # noqa: S105 - "pass" here is not a password
    """Send earlier turns' reasoning back: `auto` follows the family's rule, `always` or `never` override."""
    video_fps: float | None = None
    """Default fps for video blocks that do not set one; 0.2 to 5 (Ark's range). None leaves it to the vendor (1)."""
    use_responses_api: bool | None = None
    """Send requests to the Responses API (`/responses`); None = automatic.

    Automatic picks it for models the gateway serves only there (gpt-5.1-codex, gpt-5.2-pro) and for
    messages that reference uploaded files by `file_id`; True or False forces a route.
    """
    streaming: bool = False
    """Stream even when `invoke` is called."""
    stream_usage: bool = True
    """Ask for usage in streams (`stream_options.include_usage`)."""
    extra_body: dict[str, Any] | None = None
    """Vendor fields merged into the top level of the JSON body (as the OpenAI SDK's `extra_body`)."""

    @field_validator("video_fps")
    @classmethod
    def _check_video_fps(cls, value: float | None) -> float | None:
        if value is None:
            return None
        # `_blocks.media` (data URLs, base64, file sniffing) serves the request path; only this check is needed before
        # it.
        from langchain_toiotech._blocks.media import check_fps  # noqa: PLC0415

        return check_fps(value)

    @property
    def model_name(self) -> str:
        """The model's name, under langchain-openai's attribute name (`model` is ours)."""
        return self.model

    def _set_fields(self, names: Iterable[str]) -> dict[str, Any]:
        """The named fields that are set (not None), in order: what a request body or a trace carries of them."""
        return {name: value for name in names if (value := getattr(self, name)) is not None}

    @property
    def _default_params(self) -> dict[str, Any]:
        return self._set_fields(_GENERATION_FIELDS)

    def _stream_chunk_timeout(self) -> float | None:
        return self.stream_chunk_timeout

    def _stream_total_timeout(self) -> float | None:
        return self.stream_total_timeout

    @property
    def _request_defaults(self) -> RequestDefaults:
        # Built once and kept while no field is assigned (`_config.derived`); `model_kwargs` changed in place is
        # compared on each call. The other dicts are held, not copied, so in-place changes to them show anyway.
        kept: RequestDefaults | None = kept_with(self, "request_defaults", self.model_kwargs)
        if kept is not None:
            return kept
        # `_route` brings the whole request and reply path (conversion, streams, httpcore): loaded by the first
        # request, so that defining and constructing the model does not pay for it.
        from langchain_toiotech._route import RequestDefaults  # noqa: PLC0415

        defaults = RequestDefaults(
            model=self.model,
            params={**self._default_params, **self.model_kwargs},
            extra_body={} if self.extra_body is None else self.extra_body,  # the dict itself: see above
            reasoning=self.reasoning,
            stop=self.stop,
            stream_usage=self.stream_usage,
            video_fps=self.video_fps,
            pass_back=self.reasoning_pass_back,
            use_responses_api=self.use_responses_api,
        )
        keep_with(self, "request_defaults", defaults, self.model_kwargs)
        return defaults
