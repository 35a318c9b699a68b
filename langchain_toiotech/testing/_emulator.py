"""``GatewayEmulator``: the public handle that starts the loopback server and scripts its answers."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Unpack

from langchain_toiotech.testing._faults import Fault
from langchain_toiotech.testing._files import FILES_APIS
from langchain_toiotech.testing._gateway import Gateway
from langchain_toiotech.testing._models import EmulatedModel, ModelFacts, ModelRegistry, describe_model
from langchain_toiotech.testing._records import RecordedRequest
from langchain_toiotech.testing._replay import load_fixture
from langchain_toiotech.testing._routes import REASONING_STYLES, EmulatorConfig
from langchain_toiotech.testing._server import EmulatorServer
from langchain_toiotech.testing._server_limits import DEFAULT_SERVER_LIMITS, ServerLimits
from langchain_toiotech.testing._wire import JSON_TYPE, SSE_TYPE, Reply, dumps, split_sse_blocks, sse_item

if TYPE_CHECKING:  # typing.Self is 3.11+; the stub-only import keeps the runtime on the standard library
    from typing import Self


class GatewayEmulator:
    """A loopback emulator of the toiotech (new-api) gateway, served from a daemon thread.

    Use it as a context manager (sync or async) or call :meth:`start` / :meth:`stop`. Faults and scripted
    replies are consumed first-in first-out per path; paths given to ``enqueue_*`` match with or without ``/v1``,
    and ``"*"`` matches any path (consulted after the exact path). Requests with neither get deterministic default
    replies.

    Strict by default: it answers like the live gateway where a mistake would fail there. Only ``/v1/...`` routes
    exist; only the catalogue's model names (and those given to ``models=`` or :meth:`register_model`) are served,
    others get the gateway's 404; each model reasons, takes media and serves routes as the profile table says;
    vendor contracts on the history (reasoning and signatures passed back) are checked. ``strict=False`` gives the
    permissive emulator: any model name, paths with or without ``/v1``, reasoning from every model, no contracts.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        reasoning_style: str | None = "vendor",
        files_api: str = "ark",
        file_processing_polls: int = 1,
        ping_every: int = 0,
        chunk_delay: float = 0.0,
        strict: bool = True,
        models: Iterable[str | EmulatedModel] = (),
        limits: ServerLimits = DEFAULT_SERVER_LIMITS,
        latency: float = 0.0,
    ) -> None:
        """Configure the emulator (nothing is bound until :meth:`start`).

        Args:
            host: Interface to bind.
            port: Port to bind; 0 picks a free one.
            api_key: When set, requests must send ``Authorization: Bearer <api_key>``; when None any non-empty
                Bearer token is accepted. Failures get new-api's 401 ``invalid_api_key`` body.
            reasoning_style: Where chat replies put reasoning: ``"vendor"`` (each family's own shape: DeepSeek,
                Qwen, Kimi... ``reasoning_content``, MiniMax ``<think>`` tags, OpenAI none in chat), or one shape
                for every reasoning model: ``"reasoning_content"``, ``"reasoning"``, ``"reasoning_details"``,
                ``"think_tags"``; None: no reasoning anywhere, Responses included.
            files_api: ``"ark"`` (processing → active file objects), ``"openai"`` (``"processed"`` file objects)
                or ``"unsupported"`` (501 ``api_not_implemented`` like stock new-api).
            file_processing_polls: How many GETs a fresh Ark upload stays ``"processing"``.
            ping_every: Default ``: PING`` comment interval in stream events (0: none).
            chunk_delay: Default pause between stream events, in seconds.
            strict: Answer like the live gateway (see the class docstring); False for the permissive emulator.
            models: Extra model names to serve besides the catalogue: names the profile table understands
                (``"doubao-seed-1-6-251015"``) or :class:`EmulatedModel` descriptions.
            limits: What the HTTP server keeps and how long it waits (:class:`ServerLimits`: body size, request
                log length, idle timeout, connections, JSON depth).
            latency: Seconds every reply waits before its first byte, on every route (chat, Responses, files,
                embeddings, models, errors alike), as a gateway's round trip would; a fault's
                ``first_byte_delay`` adds to it. Benchmarks use it (0.1) to measure concurrency, not CPU.

        Raises:
            ValueError: If ``reasoning_style`` or ``files_api`` is unknown, or ``latency`` is negative.
        """
        if reasoning_style not in REASONING_STYLES:
            msg = f"reasoning_style must be one of {REASONING_STYLES}, got {reasoning_style!r}"
            raise ValueError(msg)
        if files_api not in FILES_APIS:
            msg = f"files_api must be one of {FILES_APIS}, got {files_api!r}"
            raise ValueError(msg)
        if not latency >= 0:  # also refuses NaN
            msg = f"latency must be 0 or more seconds, got {latency!r}"
            raise ValueError(msg)
        self._address = (host, port)
        config = EmulatorConfig(
            api_key, reasoning_style, files_api, file_processing_polls, ping_every, chunk_delay, strict, latency
        )
        self._gateway = Gateway(config, ModelRegistry(models), max_records=limits.max_logged_requests)
        self._limits = limits
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and start serving (no-op when already running).

        Returns:
            The emulator itself.
        """
        with self._lifecycle:
            if self._server is not None:
                return self
            server = EmulatorServer(self._address, self._gateway, self._limits)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"toiotech-emulator:{server.server_port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and the listening socket (idempotent)."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()  # no new connections
        server.close_connections()  # then cut the open ones, before waking stalled writers
        server.stopping.set()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        """Start the emulator.

        Returns:
            The emulator.
        """
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        """Stop the emulator, whatever ended the block (the exception, if any, propagates)."""
        self.stop()

    async def __aenter__(self) -> Self:
        """Start the emulator (the server still runs on a thread).

        Returns:
            The emulator.
        """
        return self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the emulator, whatever ended the block (the exception, if any, propagates)."""
        self.stop()

    # -- addresses ---------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port."""
        return self._running().server_port

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ``http://127.0.0.1:<port>/v1``."""
        host = self._address[0]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/v1"

    # -- request log -------------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log in arrival order (credentials redacted)."""
        return self._gateway.records

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._gateway.clear_records()

    # -- scripting -----------------------------------------------------------------------------------------------

    def enqueue_fault(self, fault: Fault, path: str = "*", times: int = 1) -> None:
        """Apply a fault to the next ``times`` requests on ``path``.

        Args:
            fault: The fault.
            path: The path (with or without ``/v1``); ``"*"`` for any path.
            times: Number of requests it applies to.
        """
        self._gateway.enqueue_fault(fault, path, times)

    def enqueue_reply(
        self,
        path: str,
        *,
        status: int = 200,
        json_body: Any = None,
        sse_events: Sequence[Mapping[str, Any] | str] | None = None,
        raw: bytes | str | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests on ``path`` with a scripted reply.

        Give at most one of ``json_body``, ``sse_events`` and ``raw``. Stream items that are mappings become
        ``data: <json>`` events; strings starting with an SSE field (``data:``, ``event:``, ``id:``, ``retry:``)
        or ``:`` are sent verbatim; other strings (``"[DONE]"``) become ``data: <string>``. A ``raw`` body with
        an event-stream content type is split into events so stream faults apply to it.

        Args:
            path: The path (with or without ``/v1``); ``"*"`` for any path.
            status: HTTP status.
            json_body: A JSON body.
            sse_events: Stream events.
            raw: A raw body.
            content_type: Overrides the content type (default: JSON, event stream, or octet stream).
            headers: Extra response headers.
            times: Number of requests it answers.

        Raises:
            ValueError: If more than one body is given.
        """
        if sum(value is not None for value in (json_body, sse_events, raw)) > 1:
            msg = "give at most one of json_body, sse_events and raw"
            raise ValueError(msg)
        extra = dict(headers or {})
        if sse_events is not None:
            events = tuple(sse_item(item) for item in sse_events)
            reply = Reply(status, content_type=content_type or SSE_TYPE, headers=extra, events=events)
        elif raw is not None:
            data = raw.encode() if isinstance(raw, str) else raw
            kind = content_type or "application/octet-stream"
            stream = tuple(split_sse_blocks(data)) if kind.startswith(SSE_TYPE) else None
            reply = Reply(status, data, content_type=kind, headers=extra, events=stream)
        else:
            body = dumps(json_body) if json_body is not None else b""
            reply = Reply(status, body, content_type=content_type or JSON_TYPE, headers=extra)
        self._gateway.enqueue_reply(path, reply, times)

    def replay(self, path: str, fixture: str | os.PathLike[str], times: int = 1) -> None:
        """Answer the next request(s) on ``path`` with a recorded payload.

        Args:
            path: The path (with or without ``/v1``); ``"*"`` for any path.
            fixture: A ``.sse``, ``.chunks.jsonl``, ``.json`` or ``.http`` file.
            times: Number of requests it answers.
        """
        self._gateway.enqueue_reply(path, load_fixture(fixture), times)

    @property
    def pending(self) -> int:
        """Number of queued faults and scripted replies not consumed yet."""
        return self._gateway.pending()

    # -- models ------------------------------------------------------------------------------------------------

    @property
    def strict(self) -> bool:
        """Whether the emulator answers like the live gateway (the default)."""
        return self._gateway.config.strict

    def register_model(self, name: str, **facts: Unpack[ModelFacts]) -> EmulatedModel:
        """Serve another model name (a fine-tune, a dated snapshot, a channel alias), effective immediately.

        Its facts come from the profile table for ``name`` (or for ``like``), then the keyword overrides.

        ```python
        from langchain_toiotech.testing import GatewayEmulator

        with GatewayEmulator() as gw:
            gw.register_model("doubao-seed-1-6-251015")  # the table knows Doubao names
            gw.register_model("acme-reasoner", like="deepseek-reasoner")  # DeepSeek's behaviour and contract
            gw.register_model("acme-embed", embedding_dimensions=768)
            gw.register_model("acme-vl", family="qwen", reasoning=False, inputs=["image", "video"])
        ```

        Args:
            name: The model name requests will send.
            **facts: ``like`` (a model whose facts to copy, e.g. a catalogue name), ``family`` (the vendor
                family, which decides the reasoning shape and the vendor contract), ``reasoning``, ``inputs``
                (any of ``"image"``, ``"video"``, ``"audio"``, ``"file"``), ``tool_calling``, ``responses_only``,
                ``embedding_dimensions`` (an embeddings model); see :class:`ModelFacts`.

        Returns:
            The description now served.
        """
        model = describe_model(name, **facts)
        self._gateway.models.add(model)
        return model

    @property
    def models(self) -> dict[str, EmulatedModel]:
        """The served models by name (the catalogue plus registered ones)."""
        return dict(self._gateway.models.snapshot())

    # -- files -----------------------------------------------------------------------------------------------------

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """Copies of the uploaded file objects by id (as the API would show them)."""
        return self._gateway.files.snapshot()

    def fail_file(self, file_id: str, message: str, code: str = "InvalidParameter") -> None:
        """Mark an uploaded file as failed (Ark ``"failed"`` + ``error``; OpenAI ``"error"``).

        Args:
            file_id: The file id.
            message: The error message.
            code: The error code.
        """
        self._gateway.files.fail(file_id, message, code)

    def file_sha256(self, file_id: str) -> str:
        """The SHA-256 of an uploaded file's bytes (the bytes themselves are not kept).

        Args:
            file_id: The file id.

        Returns:
            The hex digest.
        """
        return self._gateway.files.digest(file_id)

    def _running(self) -> EmulatorServer:
        server = self._server
        if server is None:
            msg = "the emulator is not running; call start() or use it as a context manager"
            raise RuntimeError(msg)
        return server
