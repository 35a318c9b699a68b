"""`ChatToiotech`: LangChain chat model for the toiotech gateway's chat-completions API."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Self

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import (
    BaseChatModel,
    LangSmithParams,
    LanguageModelInput,
    ModelProfile,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import model_validator

from langchain_toiotech._config.chat_fields import SHAPING_FIELDS, ChatFields
from langchain_toiotech._config.derived import keep_with, kept_with
from langchain_toiotech._config.serialization import GatewaySerializable
from langchain_toiotech._shared.profiles import model_family, model_profile
from langchain_toiotech._shared.reasoning_controls import check_knob
from langchain_toiotech._shared.tracing import langsmith_params
from langchain_toiotech._version import __version__

if TYPE_CHECKING:
    from langchain_toiotech._route import Route
    from langchain_toiotech._shared.structured import StructuredOutputMethod, ToolLike

# What only a request, a tool binding or a token count needs is imported by the method that needs it, not here:
# `_route` (conversion, streams, the transport and httpcore under it), `_shared.structured` (langchain-core's output
# parsers and tools) and `_shared.token_estimate`. Importing the class then costs little more than `BaseChatModel`
# itself; the first call pays the rest once. `test_imports.py` pins which modules stay unloaded.

logger = logging.getLogger("langchain_toiotech")


class ChatToiotech(ChatFields, GatewaySerializable, BaseChatModel):
    """Chat model for the toiotech AI gateway (OpenAI-compatible, ~150 models from many vendors).

    Reasoning text from every vendor (`reasoning_content`, `reasoning`, `reasoning_details`, or a
    leading `<think>` block) lands in `additional_kwargs["reasoning_content"]`; usage carries cache and
    reasoning tokens; streams detect truncation and in-band errors instead of returning a short answer.

    Setup:
        ```bash
        pip install langchain-toiotech
        export TOIOTECH_API_KEY="sk-..."
        ```

    Key init args — completion params:
        model: Model name as the gateway knows it (`"deepseek-reasoner"`, `"doubao-seed-1-8"`, ...).
        temperature, max_tokens, max_completion_tokens, top_p, stop, n, seed: as in OpenAI's API.
        reasoning: The unified knob `{"effort", "budget_tokens", "enabled"}`, translated per family.
        reasoning_effort, extra_body, model_kwargs: raw vendor fields, sent as given.
        video_fps: Default frame rate for video blocks that set none (0.2 to 5).

    Key init args — client params:
        api_key: Defaults to `TOIOTECH_API_KEY`. base_url: `TOIOTECH_BASE_URL`, else
        `https://api.toiotech.com/v1`. timeout, stream_chunk_timeout, stream_total_timeout, max_retries (2),
        default_headers, http_client, http_async_client, use_responses_api (None: automatic).

    Instantiate:
        ```python
        from langchain_toiotech import ChatToiotech

        model = ChatToiotech(model="deepseek-reasoner")
        ```

    Invoke:
        ```python
        message = model.invoke("Why is the sky blue? One sentence.")
        print(message.content)
        print(message.additional_kwargs["reasoning_content"])
        ```

    Stream:
        ```python
        full = None
        for chunk in model.stream("Why is the sky blue?"):
            print(chunk.content, end="")
            full = chunk if full is None else full + chunk
        print(full.additional_kwargs["reasoning_content"])
        ```

    Async:
        ```python
        import asyncio


        async def main() -> None:
            message = await model.ainvoke("Hello")
            async for chunk in model.astream("Hello"):
                print(chunk.content, end="")
            print(await model.abatch(["Hi", "Hey"]))


        asyncio.run(main())
        ```

    Image and video input:
        ```python
        from langchain_core.messages import HumanMessage

        vision = ChatToiotech(model="doubao-seed-1-8")
        question = HumanMessage(
            [
                {"type": "text", "text": "What happens in this clip?"},
                {"type": "video", "url": "https://example.com/clip.mp4", "fps": 2},
                {"type": "image", "url": "https://example.com/frame.png"},
            ]
        )
        print(vision.invoke([question]).content)
        ```

    Reasoning controls (one knob, translated per family; what a family cannot express raises `ValueError`):
        ```python
        claude = ChatToiotech(model="claude-sonnet-4-5-20250929", reasoning={"budget_tokens": 2048})
        qwen_fast = ChatToiotech(model="qwen3-max", reasoning={"enabled": False})
        print(claude.invoke("Is 97 prime?").additional_kwargs.get("reasoning_content"))
        ```

        | family | effort | budget_tokens | enabled |
        |---|---|---|---|
        | OpenAI o-series / GPT-5 | `reasoning_effort` | error | False → effort `none` (5.1+) |
        | Doubao | `reasoning_effort` | error | `thinking.type` |
        | Claude | budget 1024/4096/16384 | `thinking.budget_tokens` | `thinking.type` |
        | Gemini | `reasoning_effort` | `extra_body.google.thinking_config` | `include_thoughts` |
        | Qwen | error | `thinking_budget` | `enable_thinking` |
        | GLM, Kimi, MiMo, MiniMax | error | error | `thinking.type` |
        | DeepSeek | `high` only | error | `thinking.type` |
        | Grok | `low` / `high` | error | error |

        `summary` works on the Responses route only. `reasoning_pass_back="auto"` sends an earlier turn's
        reasoning back by each vendor's contract: DeepSeek (every turn, `""` when a turn has none), Kimi and
        MiMo (every turn; tool turns always carry the field), GLM, Qwen, MiniMax (as `<think>`), Hunyuan and
        Claude tool turns; none to DeepSeek-R1, Doubao, OpenAI, Gemini or Grok.

    Tools and structured output:
        ```python
        from pydantic import BaseModel


        class GetWeather(BaseModel):
            city: str  # the class docstring, when present, becomes the tool's description


        tool_call = model.bind_tools([GetWeather]).invoke("Call GetWeather for Rome").tool_calls
        forecast = model.with_structured_output(GetWeather).invoke("Weather in Rome?")
        ```

    Token usage (`stream_usage=True` by default puts it on exactly one streamed chunk):
        ```python
        print(model.invoke("Hello").usage_metadata)
        # {'input_tokens': ..., 'output_tokens': ..., 'total_tokens': ...,
        #  'input_token_details': {'cache_read': ...}, 'output_token_details': {'reasoning': ...}}
        ```

    Response metadata:
        `model_name`, `finish_reason`, `id`, `system_fingerprint` (when sent) and
        `model_provider="toiotech"`. A `finish_reason` of `length` or `content_filter` is also logged as a
        warning, so a truncated answer is never silent. Models the gateway serves only on `/responses`
        (gpt-5.1-codex, gpt-5.2-pro) and messages referencing uploaded files by `file_id` take the
        Responses route automatically.
    """

    def __init__(self, **kwargs: Any) -> None:
        """Create the model; see the class docstring for the arguments."""
        # Declared here so type checkers take `model=` and a plain `str` api_key instead of pydantic's
        # synthesized signature (the field aliases and SecretStr would not type-check).
        super().__init__(**kwargs)

    @model_validator(mode="after")
    def _validate_settings(self) -> Self:
        if self.reasoning is not None:
            check_knob(self.reasoning, model_family(self.model), self.model)  # fail at construction
        self._add_version("langchain-toiotech", __version__)
        return self

    def _resolve_model_profile(self) -> ModelProfile | None:
        return model_profile(self.model)

    @property
    def _llm_type(self) -> str:
        return "toiotech-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        # What shapes the request or its reading: tracing shows it, and it keys the LLM cache of a subclass that
        # turns serialisation off. Kept until a field changes (`_config.derived`); each caller gets its own copy.
        if (params := kept_with(self, "identifying_params", self.model_kwargs)) is None:
            params = {
                "model": self.model,
                "base_url": self.base_url,
                **self._set_fields(SHAPING_FIELDS),
                **self._default_params,
                **self.model_kwargs,
            }
            keep_with(self, "identifying_params", params, self.model_kwargs)
        return dict(params)

    def get_num_tokens(self, text: str) -> int:
        """Estimate the tokens in `text` offline (about 4 characters a token; CJK one per character).

        The gateway's models use many tokenizers, so this is an estimate for budgeting (`trim_messages`,
        context checks); exact counts come back in `usage_metadata`. Set `custom_get_token_ids` to use a
        real tokenizer instead.
        """
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        from langchain_toiotech._shared.token_estimate import estimate_tokens  # noqa: PLC0415 - see the imports

        return estimate_tokens(text)

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """Estimate the prompt tokens of `messages` (and tool schemas); see `get_num_tokens`."""
        if self.custom_get_token_ids is not None:
            return super().get_num_tokens_from_messages(messages, tools)
        from langchain_toiotech._shared.token_estimate import estimate_message_tokens  # noqa: PLC0415 - see the imports

        return estimate_message_tokens(messages, tools)

    def _get_invocation_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        if type(self).dict is BaseChatModel.dict:
            # What core's version returns, without its detour through the deprecated `dict()`, whose wrapper
            # checks the caller's stack on each of the two calls per invoke. A subclass's own `dict()` still wins.
            params = {**self.asdict(), "stop": stop, **kwargs}
        else:
            params = super()._get_invocation_params(stop=stop, **kwargs)
        if params.get("stop") is None:
            params["stop"] = self.stop  # the model's own stop sequences, which the request sends
        return params

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        # What `langsmith_params` reads (model, temperature, token limits, stop), from the kept request defaults:
        # core's `_get_invocation_params` goes through the deprecated `dict()`, whose caller check walks the stack.
        invocation = {"model": self.model, **self._request_defaults.params, **kwargs}
        invocation["stop"] = self.stop if stop is None else stop
        return langsmith_params(invocation, stop)

    def _plan(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any], *, stream: bool
    ) -> Route:
        """Where a call goes and what it sends; the four LangChain hooks below differ only in how they send it."""
        from langchain_toiotech._route import plan_request  # noqa: PLC0415 - see the imports

        return plan_request(self._request_defaults, messages, stop, stream=stream, kwargs=kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,  # noqa: ARG002 - callbacks fire in core
        **kwargs: Any,
    ) -> ChatResult:
        route = self._plan(messages, stop, kwargs, stream=False)
        return self._transport.request("POST", route.path, route.read, json=route.payload)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,  # noqa: ARG002 - callbacks fire in core
        **kwargs: Any,
    ) -> ChatResult:
        route = self._plan(messages, stop, kwargs, stream=False)
        return await self._async_transport.request("POST", route.path, route.read, json=route.payload)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        route = self._plan(messages, stop, kwargs, stream=True)
        assembler = route.assembler(v1=self.output_version == "v1")
        with self._transport.stream(route.path, route.payload) as opened:
            for wire_chunk in route.events(opened.response, opened.deadlines, self._settings.reply_limits):
                for chunk in assembler.feed(wire_chunk):
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            # Before the transport reads what follows the terminal event: the caller has its answer at once.
            yield from assembler.finish()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        route = self._plan(messages, stop, kwargs, stream=True)
        assembler = route.assembler(v1=self.output_version == "v1")
        async with self._async_transport.stream(route.path, route.payload) as opened:
            async for wire_chunk in route.aevents(opened.response, opened.deadlines, self._settings.reply_limits):
                for chunk in assembler.feed(wire_chunk):
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            for chunk in assembler.finish():
                yield chunk

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (functions, pydantic classes, LangChain tools, OpenAI tool dicts) to the model.

        Args:
            tools: The tools the model may call.
            tool_choice: A tool name to force it, `"any"`/`"required"`/`True` to force some tool,
                `"auto"` or `"none"`.
            strict: Ask for schema-exact arguments where the vendor supports it.
            parallel_tool_calls: Allow (True) or forbid (False) several calls in one turn.
            **kwargs: Other request fields to bind.

        Returns:
            The model with the tools bound.
        """
        from langchain_toiotech._shared.structured import format_tool_choice, format_tools  # noqa: PLC0415 - see the imports

        formatted = format_tools(tools, strict=strict)
        if tool_choice is not None and tool_choice is not False:
            kwargs["tool_choice"] = format_tool_choice(tool_choice, formatted)
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredOutputMethod = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Return a runnable whose output matches `schema`.

        Args:
            schema: A pydantic class, TypedDict, JSON schema or OpenAI function schema.
            method: `"function_calling"` (default: a forced tool call, which every tool-capable vendor
                supports), `"json_schema"` (`response_format` with the schema) or `"json_mode"`
                (`response_format={"type": "json_object"}`; put the format in the prompt).
            include_raw: Return `{"raw", "parsed", "parsing_error"}` instead of raising on bad output.
            strict: Ask the vendor to follow the schema exactly where supported.
            **kwargs: Not accepted; present for signature compatibility.

        Returns:
            A runnable producing a pydantic object or a dict.

        Raises:
            ValueError: unknown keyword arguments or method, or a missing schema.
        """
        if kwargs:
            msg = f"Unsupported arguments to with_structured_output: {sorted(kwargs)}."
            raise ValueError(msg)
        from langchain_toiotech._shared.structured import structured_output_runnable  # noqa: PLC0415 - see the imports

        return structured_output_runnable(self, schema, method=method, include_raw=include_raw, strict=strict)


def _store_signatures(cls: type, names: tuple[str, ...]) -> None:
    """Give `cls`'s methods `names` a stored `__signature__` (PEP 362), which `inspect.signature` returns as is.

    langchain-core asks `inspect.signature(self._generate)` on every call whether `_generate` takes a
    `run_manager` (`BaseChatModel._generate_with_cache`, and `_agenerate` alike). Building a signature costs
    about 140 us a call on a 2-core machine, four times what reading a stored one costs.
    """
    for name in names:
        method = getattr(cls, name)
        method.__signature__ = inspect.signature(method)


_store_signatures(ChatToiotech, ("_generate", "_agenerate"))

__all__ = ["ChatToiotech"]
