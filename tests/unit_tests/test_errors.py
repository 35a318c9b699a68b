"""`make_status_error` on real and documented gateway error bodies.

The bodies come from the recorded fixtures in `tests/fixtures/` and from the shapes documented for new-api
(the software behind the toiotech gateway), Claude-format routes, Volcengine Ark and DeepSeek.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
)

from langchain_toiotech.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    make_status_error,
)
from tests._support.paths import FIXTURES

REQUEST = httpx.Request("POST", "https://api.toiotech.com/v1/chat/completions")
NEW_API_REQUEST_ID = "20260622164054695403138c96lrRzi"


def parse_http_fixture(name: str) -> httpx.Response:
    """Build a response from a `.http` capture: status line, headers, blank line, body."""
    raw = (FIXTURES / name).read_bytes()
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    status_line, *header_lines = head.decode().split("\n")
    _version, status, _reason = status_line.split(" ", 2)
    headers: list[tuple[str, str]] = []
    for line in filter(None, header_lines):
        key, _, value = line.partition(":")
        # The capture's Content-Length counts the body as sent; httpx recomputes it from `content`.
        if key.lower() != "content-length":
            headers.append((key.strip(), value.strip()))
    response = httpx.Response(int(status), headers=headers, content=body, request=REQUEST)
    response.read()
    return response


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
    response = httpx.Response(
        status,
        headers={"content-type": "application/json", **(headers or {})},
        content=content.encode() if isinstance(content, str) else content,
        request=REQUEST,
    )
    response.read()
    return response


def fixture_response(name: str, status: int) -> httpx.Response:
    return json_response(status, (FIXTURES / name).read_bytes())


def new_api_body(message: str, code: str | int, error_type: str = "new_api_error") -> dict[str, Any]:
    """new-api's error shape: the request id is appended to the message."""
    return {
        "error": {
            "message": f"{message} (request id: {NEW_API_REQUEST_ID})",
            "type": error_type,
            "param": "",
            "code": code,
        }
    }


UNCHECKED = object()


@dataclass
class Case:
    response: httpx.Response
    error_class: type[APIStatusError]
    also: tuple[type[BaseException], ...] = ()
    not_: tuple[type[BaseException], ...] = ()
    message_contains: tuple[str, ...] = ()
    code: str | object | None = UNCHECKED
    retryable: bool | None = None


CONTEXT_HTTP = parse_http_fixture("openai_chat-completions_http400_context-length-exceeded.http")
CONTEXT_BODY = json.loads(CONTEXT_HTTP.content)
UNSUPPORTED_BODY = json.loads((FIXTURES / "openai_error_http400_unsupported-parameter.json").read_text())
MOONSHOT_BODY = json.loads((FIXTURES / "moonshot-kimi_error_http404_model-not-found.json").read_text())
RATE_LIMIT_MESSAGE = "您已达到请求数限制：1分钟内最多请求60次"  # noqa: RUF001 - the gateway's own punctuation
QUOTA_MESSAGE = "用户额度不足, 剩余额度: ＄0.000000"  # noqa: RUF001 - the gateway's own punctuation
NO_CHANNEL_MESSAGE = "当前分组 default 下对于模型 gpt-9 无可用渠道"
DEEPSEEK_OVERFLOW = (
    "This model's maximum context length is 65536 tokens. However, you requested 70000 tokens "
    "(70000 in the messages, 0 in the completion). Please reduce the length of the messages or completion."
)
CLAUDE_BODY: dict[str, Any] = {
    "type": "error",
    "error": {"type": "invalid_request_error", "message": "max_tokens: field required"},
}
ARK_BODY: dict[str, Any] = {
    "error": {
        "code": "InvalidParameter",
        "message": "The parameter `temperature` specified in the request is not valid. Request id: 0217186",
        "param": "temperature",
        "type": "BadRequest",
    }
}
NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

CASES = {
    "openai-context-length-fixture": Case(
        CONTEXT_HTTP,
        ContextLengthExceededError,
        also=(BadRequestError, ContextOverflowError, ModelInvalidRequestError),
        message_contains=("400", CONTEXT_BODY["error"]["message"]),
        code=CONTEXT_BODY["error"]["code"],
    ),
    "openai-unsupported-parameter-fixture": Case(
        fixture_response("openai_error_http400_unsupported-parameter.json", 400),
        BadRequestError,
        also=(ModelInvalidRequestError,),
        not_=(ContextLengthExceededError, ContextOverflowError),
        message_contains=(UNSUPPORTED_BODY["error"]["message"],),
        # `code` is null in the body, so the structured `type` stands in for it.
        code=UNSUPPORTED_BODY["error"]["type"],
    ),
    "moonshot-model-not-found-fixture": Case(
        fixture_response("moonshot-kimi_error_http404_model-not-found.json", 404),
        NotFoundError,
        also=(ModelNotFoundError,),
        message_contains=("404", MOONSHOT_BODY["error"]["message"]),
        code=MOONSHOT_BODY["error"]["type"],
    ),
    "new-api-401-invalid-token": Case(
        json_response(401, new_api_body("无效的令牌", "")),
        AuthenticationError,
        also=(ModelAuthenticationError,),
        message_contains=("无效的令牌",),
        code="new_api_error",
    ),
    "new-api-403-insufficient-user-quota": Case(
        json_response(403, new_api_body(QUOTA_MESSAGE, "insufficient_user_quota")),
        PermissionDeniedError,
        also=(ModelPermissionDeniedError,),
        message_contains=(QUOTA_MESSAGE,),
        code="insufficient_user_quota",
    ),
    "new-api-429-limiter": Case(
        json_response(429, new_api_body(RATE_LIMIT_MESSAGE, "")),
        RateLimitError,
        also=(ModelRateLimitError,),
        message_contains=(RATE_LIMIT_MESSAGE,),
        code="new_api_error",
        retryable=True,
    ),
    "openai-429-insufficient-quota": Case(
        json_response(
            429,
            {
                "error": {
                    "message": "You exceeded your current quota, please check your plan and billing details.",
                    "type": "insufficient_quota",
                    "param": None,
                    "code": "insufficient_quota",
                }
            },
        ),
        RateLimitError,
        also=(ModelRateLimitError,),
        message_contains=("exceeded your current quota",),
        code="insufficient_quota",
        retryable=False,
    ),
    "new-api-503-no-channel": Case(
        json_response(503, new_api_body(NO_CHANNEL_MESSAGE, "model_not_found")),
        InternalServerError,
        also=(ModelAPIError,),
        # new-api says model_not_found with a 503; the status decides the class, so it stays retryable.
        not_=(NotFoundError,),
        message_contains=("503", NO_CHANNEL_MESSAGE),
        code="model_not_found",
    ),
    "new-api-501-not-implemented": Case(
        json_response(501, new_api_body("API not implemented", "api_not_implemented")),
        NotFoundError,
        also=(ModelNotFoundError,),
        not_=(InternalServerError,),
        message_contains=("501", "API not implemented"),
        code="api_not_implemented",
    ),
    "new-api-integer-code": Case(
        json_response(500, new_api_body("upstream exploded", 500, error_type="upstream_error")),
        InternalServerError,
        message_contains=("upstream exploded",),
        code="500",
    ),
    "claude-format": Case(
        json_response(400, CLAUDE_BODY),
        BadRequestError,
        not_=(ContextLengthExceededError,),
        message_contains=(CLAUDE_BODY["error"]["message"],),
        code=CLAUDE_BODY["error"]["type"],
    ),
    "claude-format-prompt-too-long": Case(
        json_response(
            400,
            {
                "type": "error",
                "error": {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens"},
            },
        ),
        ContextLengthExceededError,
        also=(ContextOverflowError,),
        message_contains=("prompt is too long",),
    ),
    "ark-invalid-parameter": Case(
        json_response(400, ARK_BODY),
        BadRequestError,
        not_=(ContextLengthExceededError,),
        message_contains=(ARK_BODY["error"]["message"],),
        code=ARK_BODY["error"]["code"],
    ),
    "deepseek-overflow-message-only": Case(
        json_response(400, {"error": {"message": DEEPSEEK_OVERFLOW, "type": "invalid_request_error"}}),
        ContextLengthExceededError,
        also=(BadRequestError, ContextOverflowError),
        message_contains=(DEEPSEEK_OVERFLOW,),
    ),
    "nginx-html-502": Case(
        json_response(502, NGINX_502, headers={"content-type": "text/html"}),
        InternalServerError,
        also=(ModelAPIError,),
        message_contains=("502", "Bad Gateway", "non-JSON"),
        code=None,
    ),
    "bare-error-string": Case(
        json_response(413, {"error": "request body too large"}),
        BadRequestError,
        message_contains=("413", "request body too large"),
        code=None,
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_status_error_class_and_message(case: Case) -> None:
    error = make_status_error(case.response)

    assert type(error) is case.error_class
    assert isinstance(error, (APIStatusError, ModelError))
    for cls in case.also:
        assert isinstance(error, cls), cls
    for cls in case.not_:
        assert not isinstance(error, cls), cls
    for fragment in case.message_contains:
        assert fragment in str(error)
    if case.code is not UNCHECKED:
        assert error.code == case.code
    if case.retryable is not None:
        assert error.is_retryable is case.retryable


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_status_error_attributes(case: Case) -> None:
    error = make_status_error(case.response)

    assert error.status_code == case.response.status_code
    assert error.response is case.response
    try:
        expected_body: Any = json.loads(case.response.content)
    except json.JSONDecodeError:
        expected_body = case.response.text
    assert error.body == expected_body


def test_unsupported_parameter_keeps_param_in_body() -> None:
    error = make_status_error(fixture_response("openai_error_http400_unsupported-parameter.json", 400))

    # `code` is null on the wire; the parameter the gateway complains about stays reachable in `body`.
    assert UNSUPPORTED_BODY["error"]["code"] is None
    assert isinstance(error.body, dict)
    assert error.body["error"]["param"] == UNSUPPORTED_BODY["error"]["param"] == "temperature"


def test_context_overflow_is_caught_by_langchain_core_handlers() -> None:
    # Code that only knows langchain-core (summarising middleware, fallbacks) catches it by the core class.
    with pytest.raises(ContextOverflowError) as caught:
        raise make_status_error(CONTEXT_HTTP)
    assert isinstance(caught.value, ContextLengthExceededError)


def test_html_502_message_is_short_and_not_a_json_traceback() -> None:
    error = make_status_error(json_response(502, NGINX_502, headers={"content-type": "text/html"}))

    message = str(error)
    assert message.startswith("Error code: 502")
    assert "<" not in message  # tags are stripped
    assert "Traceback" not in message
    assert "JSONDecodeError" not in message
    assert "Expecting value" not in message
    assert error.body == NGINX_502


def test_request_id_from_header_wins_over_message() -> None:
    response = json_response(
        401,
        new_api_body("无效的令牌", ""),
        headers={"X-Oneapi-Request-Id": "header-request-id-1"},
    )

    assert make_status_error(response).request_id == "header-request-id-1"


def test_request_id_from_message_when_no_header() -> None:
    error = make_status_error(json_response(503, new_api_body(NO_CHANNEL_MESSAGE, "model_not_found")))

    assert error.request_id == NEW_API_REQUEST_ID


def test_request_id_absent() -> None:
    error = make_status_error(fixture_response("moonshot-kimi_error_http404_model-not-found.json", 404))

    assert error.request_id is None


@pytest.mark.parametrize(
    ("status", "error_class", "retryable"),
    [
        (400, BadRequestError, False),
        (401, AuthenticationError, False),
        (402, APIStatusError, False),
        (403, PermissionDeniedError, False),
        (404, NotFoundError, False),
        (408, APIStatusError, True),
        (409, APIStatusError, True),
        (413, BadRequestError, False),
        (422, BadRequestError, False),
        (429, RateLimitError, True),
        (500, InternalServerError, True),
        (501, NotFoundError, False),
        (502, InternalServerError, True),
        (503, InternalServerError, True),
        (504, InternalServerError, True),
        (529, InternalServerError, True),
    ],
)
def test_status_decides_class_and_retryability(
    status: int, error_class: type[APIStatusError], *, retryable: bool
) -> None:
    body = {"error": {"message": "something failed", "type": "some_type", "param": None, "code": None}}

    error = make_status_error(json_response(status, body))

    assert type(error) is error_class
    assert error.status_code == status
    # langchain-core's retry helpers read `is_retryable`; it must agree with the transport's own policy.
    assert error.is_retryable is retryable
    assert str(error) == f"Error code: {status} - something failed"
