"""The API key never leaves through reprs, dumps, tracing params, error messages or DEBUG logs.

A loopback HTTP server (not a mock) is used for the log tests, so that httpx and httpcore really open a
connection and write their DEBUG records; gateways that echo the key back in an error are simulated too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import httpx
import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.load import dumpd, dumps
from langchain_core.messages import BaseMessage
from langchain_core.tracers.base import BaseTracer

from langchain_toiotech import ChatToiotech
from langchain_toiotech._http import client as http_client
from langchain_toiotech._http.client import TransportSettings
from langchain_toiotech.errors import APIConnectionError, APIStatusError, ToiotechError
from tests._support.gateways import mock_clients
from tests._support.loopback import serve_loopback
from tests._support.messages import CALL_MODES, reply_of
from tests._support.sleeps import record_retry_sleeps

SECRET = "sk-test-SECRET-1234567890"
BASE_URL = "https://gateway.test/v1"
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}
ECHO_MESSAGE = f"Invalid token {SECRET} (request id: 20260622164054695403138c96lrRzi)"
LOGGERS = ("httpx", "httpcore", "langchain_toiotech")


def assert_no_secret(text: object) -> None:
    rendered = text if isinstance(text, str) else repr(text)
    assert SECRET not in rendered
    # Nor a recognisable piece of it (a prefix-truncated echo or a partial mask).
    assert "SECRET-1234567890" not in rendered


def make_model(handler: Any = None, **kwargs: Any) -> ChatToiotech:
    handler = handler or (lambda _request: httpx.Response(200, json=COMPLETION))
    return ChatToiotech(
        model="gpt-4o-mini",
        api_key=SECRET,
        base_url=kwargs.pop("base_url", BASE_URL),
        **mock_clients(handler),
        **kwargs,
    )


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry back-off is recorded, not slept."""
    record_retry_sleeps(monkeypatch)


# --- the model object ------------------------------------------------------------------------------------------


def test_model_representations_hide_the_key() -> None:
    model = make_model(temperature=0.2, default_headers={"X-Team": "search"})

    assert model.api_key is not None
    assert model.api_key.get_secret_value() == SECRET  # the key is really there, only hidden
    assert str(model.api_key) == "**********"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # `dict()` is deprecated in favour of `asdict()`
        legacy_dict = model.dict()
    assert legacy_dict["model"] == "gpt-4o-mini"  # the call really rendered the model
    for rendering in (
        legacy_dict,
        repr(model),
        str(model),
        model.model_dump(),
        model.model_dump_json(),
        model.model_dump(mode="json"),
        model.asdict(),
        model._identifying_params,
        model._get_ls_params(),
        model._get_invocation_params(),
        model.to_json(),
        dumpd(model),
        dumps(model),
        model._settings,
        repr(model._settings),
    ):
        assert_no_secret(rendering)


def test_print_shows_the_mask(capsys: pytest.CaptureFixture[str]) -> None:
    model = make_model()

    print(model.api_key)  # noqa: T201 - what a user would do

    assert capsys.readouterr().out.strip() == "**********"


def test_transport_settings_repr_hides_the_key() -> None:
    settings = TransportSettings(base_url=BASE_URL, api_key=SECRET)

    assert_no_secret(repr(settings))
    assert_no_secret(str(settings))
    assert settings.headers()["Authorization"] == f"Bearer {SECRET}"  # only the headers carry it


def test_serialised_model_names_the_env_var_not_the_key() -> None:
    model = make_model()

    assert model.lc_secrets == {"api_key": "TOIOTECH_API_KEY"}
    assert_no_secret(json.dumps(model.to_json(), default=repr))


class RecordingCallback(BaseCallbackHandler):
    """Keeps what LangSmith-style tracers receive when a chat model starts."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any) -> None:
        self.seen.extend([serialized, kwargs.get("invocation_params"), kwargs.get("metadata")])


def test_tracing_payloads_hide_the_key() -> None:
    callback = RecordingCallback()

    make_model(temperature=0.1).invoke("hi", config={"callbacks": [callback]})

    assert callback.seen  # the callback really ran
    for payload in callback.seen:
        assert_no_secret(json.dumps(payload, default=repr))


# --- errors ----------------------------------------------------------------------------------------------------


def echo_status(code: int) -> Any:
    """A gateway that answers every request with an error echoing the key it received."""

    def handler(request: httpx.Request) -> httpx.Response:
        received = request.headers["Authorization"].removeprefix("Bearer ")
        body = {"error": {"message": f"Invalid token {received} (request id: x1)", "type": "new_api_error"}}
        return httpx.Response(code, json=body)

    return handler


def echo_in_band_json(_request: httpx.Request) -> httpx.Response:
    """A 200 whose JSON body is an error echoing the key (some relays do this)."""
    return httpx.Response(200, json={"error": {"message": ECHO_MESSAGE, "type": "new_api_error"}})


def echo_mid_stream(request: httpx.Request) -> httpx.Response:
    """A stream that starts, then reports an error echoing the key."""
    first = {**COMPLETION, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "he"}}]}
    events = [json.dumps(first), json.dumps({"error": {"message": ECHO_MESSAGE, "code": "upstream_error"}})]
    if not json.loads(request.content).get("stream"):
        return echo_in_band_json(request)
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        content="".join(f"data: {event}\n\n" for event in events).encode(),
    )


def echo_bad_stream_event(_request: httpx.Request) -> httpx.Response:
    """A stream whose event is not JSON and contains the key (the error quotes the bad data)."""
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        content=f"data: not json {SECRET}\n\n".encode(),
    )


def echo_non_stream_body(_request: httpx.Request) -> httpx.Response:
    """A stream request answered with plain text that echoes the key."""
    return httpx.Response(200, headers={"content-type": "text/plain"}, content=f"bad key {SECRET}".encode())


def unreachable(request: httpx.Request) -> httpx.Response:
    msg = "connection refused"
    raise httpx.ConnectError(msg, request=request)


def timing_out(request: httpx.Request) -> httpx.Response:
    msg = "timed out"
    raise httpx.ReadTimeout(msg, request=request)


STREAM_MODES = ("stream", "astream")
ERROR_GATEWAYS = {
    "401-echo": (echo_status(401), CALL_MODES),
    "503-echo-retried": (echo_status(503), CALL_MODES),
    "429-echo-retried": (echo_status(429), CALL_MODES),
    "200-json-error-echo": (echo_in_band_json, CALL_MODES),
    "mid-stream-error-echo": (echo_mid_stream, CALL_MODES),
    "stream-event-not-json": (echo_bad_stream_event, STREAM_MODES),
    "stream-answered-with-text": (echo_non_stream_body, STREAM_MODES),
    "connection-refused": (unreachable, CALL_MODES),
    "read-timeout": (timing_out, CALL_MODES),
}


def gateway_cases(gateways: dict[str, tuple[Any, tuple[str, ...]]]) -> list[Any]:
    """One test case per gateway and call mode."""
    return [
        pytest.param(handler, mode, id=f"{name}-{mode}")
        for name, (handler, modes) in gateways.items()
        for mode in modes
    ]


ERROR_CASES = gateway_cases(ERROR_GATEWAYS)


def error_chain(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


@pytest.mark.parametrize(("handler", "mode"), ERROR_CASES)
async def test_error_messages_never_contain_the_key(handler: Any, mode: str) -> None:
    model = make_model(handler, max_retries=1)

    with pytest.raises(ToiotechError) as caught:
        await reply_of(model, mode, "hi")

    for error in error_chain(caught.value):
        assert_no_secret(str(error))
        assert_no_secret(repr(error))
        assert_no_secret(error.args)


# --- DEBUG logs on a real loopback connection ------------------------------------------------------------------


class ScriptedHandler(BaseHTTPRequestHandler):
    """Answers POSTs from a class-level script of (status, body) pairs; the last one repeats."""

    script: ClassVar[list[tuple[int, dict[str, Any]]]] = []
    calls: ClassVar[int] = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, body = self.script[min(ScriptedHandler.calls, len(self.script) - 1)]
        ScriptedHandler.calls += 1
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's parameter name
        return


@pytest.fixture
def loopback() -> Iterator[str]:
    ScriptedHandler.calls = 0
    with serve_loopback(ScriptedHandler) as base_url:
        yield base_url


ERROR_ECHO = {"error": {"message": f"Invalid token {SECRET}", "type": "new_api_error"}}
LOG_SCENARIOS = {
    "success": [(200, COMPLETION)],
    "retried-then-success": [(503, ERROR_ECHO), (200, COMPLETION)],
    "failing": [(401, ERROR_ECHO)],
}


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("scenario", LOG_SCENARIOS.values(), ids=LOG_SCENARIOS.keys())
async def test_debug_logs_never_contain_the_key(
    scenario: list[tuple[int, dict[str, Any]]], *, use_async: bool, loopback: str, caplog: pytest.LogCaptureFixture
) -> None:
    ScriptedHandler.script = scenario
    caplog.set_level(logging.DEBUG)  # root logger: everything the user's DEBUG config would print

    async with httpx.AsyncClient() as async_client:
        with httpx.Client() as sync_client:
            model = ChatToiotech(
                model="gpt-4o-mini",
                api_key=SECRET,
                base_url=loopback,
                max_retries=1,
                http_client=sync_client,
                http_async_client=async_client,
            )
            try:
                if use_async:
                    await model.ainvoke("hi")
                else:
                    model.invoke("hi")
            except ToiotechError as error:
                assert_no_secret(str(error))

    assert ScriptedHandler.calls == len(scenario)
    logged_by = {record.name.split(".")[0] for record in caplog.records}
    assert {"httpx", "httpcore"} <= logged_by  # the connection really was logged at DEBUG
    if len(scenario) > 1:
        assert "langchain_toiotech" in logged_by  # the retry was logged
    for record in caplog.records:
        assert_no_secret(record.getMessage())
        assert_no_secret(record.args)
    assert_no_secret(caplog.text)


BAD_CONSTRUCTOR_ARGUMENTS = [
    ("chat", {"reasoning": {"effort": "high"}, "model": "gpt-4o-mini"}),
    ("chat", {"base_url": "ftp://x", "model": "m"}),
    ("chat", {"max_retries": -1, "model": "m"}),
    ("embeddings", {"base_url": "ftp://x"}),
    ("embeddings", {"chunk_size": 0}),
    ("files", {"base_url": "ftp://x"}),
    ("files", {"max_retries": -1}),
]


@pytest.mark.parametrize(("factory", "bad_arguments"), BAD_CONSTRUCTOR_ARGUMENTS)
def test_validation_errors_never_print_the_key_given_first(factory: str, bad_arguments: dict[str, Any]) -> None:
    # Pydantic prints the constructor input in a ValidationError; the key comes first here on purpose.
    from langchain_toiotech import ChatToiotech, ToiotechEmbeddings, ToiotechFiles  # noqa: PLC0415 - lazy names

    cls = {"chat": ChatToiotech, "embeddings": ToiotechEmbeddings, "files": ToiotechFiles}[factory]
    with pytest.raises(ValueError) as caught:  # noqa: PT011 - any validation error; the point is its text
        cls(api_key="sk-leak-me-1234567890", **bad_arguments)
    assert "leak-me" not in str(caught.value)
    assert "leak-me" not in repr(caught.value)


# --- the emulator's request log and the tracing payloads of every call path ------------------------------------


@pytest.mark.parametrize("mode", CALL_MODES)
async def test_emulator_request_log_never_holds_the_key(mode: str) -> None:
    from langchain_toiotech.testing import Fault, GatewayEmulator  # noqa: PLC0415 - only these tests need it

    # The emulator demands this exact key, so a success proves the key really went over the wire.
    with GatewayEmulator(api_key=SECRET, reasoning_style=None) as gw:
        gw.enqueue_fault(Fault(status=503), path="/chat/completions")  # a retried attempt is logged too
        model = ChatToiotech(model="gpt-4o-mini", api_key=SECRET, base_url=gw.base_url, max_retries=1)
        await reply_of(model, mode, "hi")
        wrong = ChatToiotech(model="gpt-4o-mini", api_key=f"{SECRET}-wrong", base_url=gw.base_url, max_retries=0)
        with pytest.raises(ToiotechError) as rejected:
            await reply_of(wrong, mode, "hi")
        log = gw.requests

    assert "401" in str(rejected.value)
    assert len(log) == 3
    assert {request.headers["authorization"] for request in log} == {"Bearer ***"}
    assert_no_secret(log)
    assert_no_secret(json.dumps([request.headers for request in log]))


@pytest.mark.parametrize("mode", CALL_MODES)
async def test_langsmith_params_and_callback_payloads_never_hold_the_key(mode: str) -> None:
    from langchain_toiotech.testing import GatewayEmulator  # noqa: PLC0415 - only these tests need it

    callback = RecordingCallback()
    with GatewayEmulator(api_key=SECRET, reasoning_style=None) as gw:
        model = ChatToiotech(
            model="gpt-4o-mini", api_key=SECRET, base_url=gw.base_url, temperature=0.3, default_headers={"X-T": "1"}
        )
        bound = model.bind(stop=["END"], max_tokens=64).with_config(callbacks=[callback])
        await reply_of(bound, mode, "hi")

    serialized, invocation_params, metadata = callback.seen
    assert metadata["ls_provider"] == "toiotech"  # these are the LangSmith params a tracer records
    assert metadata["ls_stop"] == ["END"]
    assert invocation_params["max_tokens"] == 64
    for payload in (serialized, invocation_params, metadata, model._get_ls_params(stop=["END"], max_tokens=64)):
        assert_no_secret(json.dumps(payload, default=repr))


# --- everything a callback handler or tracer is given, when an error body echoes the key -----------------------


def echo_everywhere(request: httpx.Request) -> httpx.Response:
    """A 401 that quotes the key in its body, in a header, and as a JSON name (a relay's debug dump)."""
    received = request.headers["Authorization"]
    body = {"error": {"message": f"invalid token {received}", "type": "new_api_error"}, received: {"k": 1}}
    return httpx.Response(401, json=body, headers={"X-Debug-Auth": received})


def recording(base: type) -> type:
    """A callback handler class whose every `on_*` hook records all it is given (sync or async hooks)."""

    def hook(name: str) -> Any:
        def record(self: Any, *args: Any, **kwargs: Any) -> None:
            self.seen.append((name, args, kwargs))

        async def arecord(self: Any, *args: Any, **kwargs: Any) -> None:
            self.seen.append((name, args, kwargs))

        return arecord if base is AsyncCallbackHandler else record

    hooks = {name: hook(name) for name in dir(BaseCallbackHandler) if name.startswith("on_")}
    return type(f"Recording{base.__name__}", (base,), {**hooks, "__init__": lambda self: setattr(self, "seen", [])})


class RunRecorder(BaseTracer):
    """A tracer keeping every run it would send (what LangSmith receives)."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Any] = []

    def _persist_run(self, run: Any) -> None:
        self.runs.append(run)


def everything_in(error: BaseException) -> list[object]:
    """The error's text, kept body and the response it carries, read as langchain-core and a user would."""
    response = getattr(error, "response", None)
    seen: list[object] = [str(error), repr(error), error.args, getattr(error, "body", None)]
    if isinstance(response, httpx.Response):
        seen += [response.text, response.json(), dict(response.headers), dict(response.request.headers)]
    return seen


CALLBACK_GATEWAYS = {
    "401-echo-body-header-name": (echo_everywhere, CALL_MODES),
    "503-echo-retried": (echo_status(503), CALL_MODES),
    "200-json-error-echo": (echo_in_band_json, CALL_MODES),
    "mid-stream-error-echo": (echo_mid_stream, STREAM_MODES),
}
CALLBACK_CASES = gateway_cases(CALLBACK_GATEWAYS)


@pytest.mark.parametrize(("handler", "mode"), CALLBACK_CASES)
async def test_callbacks_and_tracers_never_receive_the_key_from_an_error_body(handler: Any, mode: str) -> None:
    sync_handler = recording(BaseCallbackHandler)()
    async_handler = recording(AsyncCallbackHandler)()
    tracer = RunRecorder()
    model = make_model(handler, max_retries=1).with_config(callbacks=[sync_handler, async_handler, tracer])

    with pytest.raises(ToiotechError) as caught:
        await reply_of(model, mode, "hi")

    errors = [entry[1][0] for entry in sync_handler.seen if entry[0] == "on_llm_error"]
    assert errors, "on_llm_error really ran"
    assert {entry[0] for entry in async_handler.seen} >= {"on_chat_model_start", "on_llm_error"}
    assert tracer.runs
    assert tracer.runs[0].error
    for recorded in (sync_handler.seen, async_handler.seen, [run.model_dump() for run in tracer.runs]):
        assert_no_secret(repr(recorded))
    for error in [caught.value, *errors]:
        for piece in everything_in(error):
            assert_no_secret(piece)


async def test_response_metadata_keeps_the_redacted_error_body() -> None:
    # langchain-core reads error.response.json() into the error's response_metadata: it must still be there,
    # with only the key masked.
    sync_handler = recording(BaseCallbackHandler)()
    model = make_model(echo_everywhere, max_retries=0)

    with pytest.raises(ToiotechError) as caught:
        model.invoke("hi", config={"callbacks": [sync_handler]})

    [(_, _, kwargs)] = [entry for entry in sync_handler.seen if entry[0] == "on_llm_error"]
    metadata = kwargs["response"].generations[0][0].message.response_metadata
    assert metadata["status_code"] == 401
    assert metadata["body"]["error"]["message"] == "invalid token Bearer ***"
    assert metadata["body"]["Bearer ***"] == {"k": 1}
    assert metadata["headers"]["x-debug-auth"] == "Bearer ***"
    assert isinstance(caught.value, APIStatusError)
    assert caught.value.response.request.headers["authorization"] == "***"


# --- keys read from files and environment variables ---------------------------------------------------------

# A text file, a Windows .env line, a padded line, a file saved with a byte-order mark.
FILE_WRAPPINGS = [("", "\n"), ("", "\r\n"), (" \t", " \t\n\n"), ("\ufeff", "\r\n")]


def every_client(key: object, base_url: str) -> list[Any]:
    """One instance of every public class that holds a key (the loader holds a chat model and a Files client)."""
    from langchain_toiotech import ToiotechEmbeddings, ToiotechFileLoader, ToiotechFiles  # noqa: PLC0415

    given: dict[str, Any] = {} if key is None else {"api_key": key}
    loader = ToiotechFileLoader("x.pdf", model="doubao-seed-1-6-251015", base_url=base_url, **given)
    return [
        ChatToiotech(model="gpt-4o-mini", base_url=base_url, **given),
        ToiotechEmbeddings(base_url=base_url, **given),
        ToiotechFiles(base_url=base_url, **given),
        loader._extractor.llm,  # the clients the loader built
        loader._extractor.files,
    ]


@pytest.mark.parametrize(("before", "after"), FILE_WRAPPINGS, ids=["lf", "crlf", "padded", "bom"])
@pytest.mark.parametrize("source", ["argument", "environment"])
def test_a_key_read_from_a_file_is_used_without_its_whitespace(
    before: str, after: str, source: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_toiotech.testing import GatewayEmulator  # noqa: PLC0415 - only these tests need it

    key_file = tmp_path / "key.txt"
    key_file.write_text(f"{before}{SECRET}{after}", encoding="utf-8")
    read = key_file.read_text(encoding="utf-8")
    if source == "environment":
        monkeypatch.setenv("TOIOTECH_API_KEY", read)
    with GatewayEmulator(api_key=SECRET, reasoning_style=None) as gw:  # demands exactly the key
        clients = every_client(read if source == "argument" else None, gw.base_url)
        for client in clients:
            assert client.api_key.get_secret_value() == SECRET
        assert clients[0].invoke("hi").content
        assert clients[1].embed_query("hi")
        assert clients[2].list() == []


BAD_KEYS = {
    "newline-inside": f"{SECRET[:6]}\n{SECRET[6:]}",
    "nul": f"{SECRET}\x00",
    "delete": f"{SECRET}\x7f",
    "non-ascii": f"{SECRET}é",
    "typographic-quote": f"\u201c{SECRET}\u201d",
}


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
@pytest.mark.parametrize("index", range(3), ids=["chat", "embeddings", "files"])
def test_a_key_that_cannot_be_a_header_fails_at_construction(key: str, index: int) -> None:
    from langchain_toiotech import ToiotechEmbeddings, ToiotechFileLoader, ToiotechFiles  # noqa: PLC0415

    factories: list[Any] = [
        lambda: ChatToiotech(model="gpt-4o-mini", api_key=key),
        lambda: ToiotechEmbeddings(api_key=key),
        lambda: ToiotechFiles(api_key=key),
    ]
    loader = lambda: ToiotechFileLoader("x.pdf", model="doubao-seed-1-6-251015", api_key=key)  # noqa: E731
    for factory in (factories[index], loader):
        with pytest.raises(ValueError, match=r"api_key holds a (control|non-ASCII) character at|U\+00") as caught:
            factory()
        assert_no_secret(str(caught.value))
        assert_no_secret(repr(caught.value))


def test_an_illegal_header_is_not_retried_and_not_quoted(loopback: str, caplog: pytest.LogCaptureFixture) -> None:
    # The safety net under the construction check: whatever quotes a header on its way out is redacted, and a
    # request refused on this machine is not sent again (it never left).
    caplog.set_level(logging.DEBUG)
    settings = TransportSettings(base_url=loopback, api_key=f"{SECRET}\n", max_retries=3)
    ScriptedHandler.script = [(200, COMPLETION)]

    with httpx.Client() as http, pytest.raises(ToiotechError) as caught:
        http_client.Transport(settings, http).request_json("POST", "/chat/completions", json={})

    assert "LocalProtocolError" in str(caught.value)
    assert isinstance(caught.value, APIConnectionError)
    assert caught.value.is_retryable is False
    assert ScriptedHandler.calls == 0
    assert "Retrying" not in caplog.text
    for error in error_chain(caught.value):
        assert_no_secret(str(error))
        assert_no_secret(repr(error.args))
    # httpcore's own DEBUG record of the refused header is outside our reach; the construction check is what
    # keeps such a key from reaching it.
    assert_no_secret([record.getMessage() for record in caplog.records if record.name.startswith("langchain_toiotech")])


@pytest.mark.parametrize("use_async", [False, True])
async def test_a_failed_file_that_quotes_the_key_is_reported_without_it(tmp_path: Any, *, use_async: bool) -> None:
    from langchain_toiotech import ToiotechFiles  # noqa: PLC0415 - lazy public name
    from langchain_toiotech.errors import FileProcessingError  # noqa: PLC0415
    from langchain_toiotech.testing import GatewayEmulator  # noqa: PLC0415 - only these tests need it

    path = tmp_path / "clip.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)))
    with GatewayEmulator(api_key=SECRET, file_processing_polls=3) as gw:
        files = ToiotechFiles(api_key=SECRET, base_url=gw.base_url)
        uploaded = files.upload(path)
        gw.fail_file(uploaded.id, f"upstream rejected token {SECRET}")
        waiting = (
            files.await_until_active(uploaded.id)
            if use_async
            else asyncio.to_thread(files.wait_until_active, uploaded.id)
        )
        with pytest.raises(FileProcessingError) as caught:
            await waiting

    assert "upstream rejected token ***" in str(caught.value)
    assert "***" in repr(caught.value.body)
    for piece in everything_in(caught.value):
        assert_no_secret(piece)
