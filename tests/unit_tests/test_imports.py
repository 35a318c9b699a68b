import json
import re
import subprocess
import sys

import pytest

import langchain_toiotech
from langchain_toiotech import __all__
from tests._support.paths import REPO_ROOT

EXPECTED_ALL = [
    "ChatToiotech",
    "ReplyLimits",
    "ToiotechBlobParser",
    "ToiotechEmbeddings",
    "ToiotechFileLoader",
    "ToiotechFiles",
    "__version__",
]


def test_all_imports() -> None:
    assert sorted(EXPECTED_ALL) == sorted(__all__)


def test_every_public_name_resolves() -> None:
    for name in __all__:
        assert getattr(langchain_toiotech, name) is not None
    assert set(__all__) <= set(dir(langchain_toiotech))


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        langchain_toiotech.NoSuchThing  # noqa: B018


def test_version_matches_pyproject() -> None:
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^version = "([^"]+)"', pyproject, re.MULTILINE)
    assert match is not None
    assert langchain_toiotech.__version__ == match.group(1)


def test_errors_and_emulator_import_without_the_chat_model_machinery() -> None:
    code = (
        "import sys, langchain_toiotech.errors, langchain_toiotech.testing; "
        "print('langchain_core.language_models' in sys.modules, 'langchain_toiotech.chat_models' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.split() == ["False", "False"]


# What `from langchain_toiotech import ChatToiotech` and constructing the model must not load: the request and reply
# path (routing, conversion, streams, the transport with its pools, admission gates, readers, redaction of replies and
# httpcore's backends under the deadline layer), tool binding and structured output (`_shared.structured`), the token
# estimate and the emulator. Each loads when a call first needs it. The import measure in `benchmarks/run.py` (ratio
# against `from langchain_openai import ChatOpenAI`) is what this protects; no time is asserted here.
LOADED_ON_FIRST_USE = (
    "langchain_toiotech._http.admission",
    "langchain_toiotech._shared.catalogue",
    "langchain_toiotech._chat.stream",
    "langchain_toiotech._http.client",
    "langchain_toiotech._blocks.chat",
    "langchain_toiotech._chat.messages",
    "langchain_toiotech._http.deadline",
    "langchain_toiotech._blocks.media",
    "langchain_toiotech._blocks.message_parts",
    "langchain_toiotech._http.pools",
    "langchain_toiotech._http.reading",
    "langchain_toiotech._http.release",
    "langchain_toiotech._responses",
    "langchain_toiotech._http.retry",
    "langchain_toiotech._route",
    "langchain_toiotech._http.sse",
    "langchain_toiotech._http.events",
    "langchain_toiotech._shared.structured",
    "langchain_toiotech._shared.token_estimate",
    "langchain_toiotech._http.upload_body",
    "langchain_toiotech.testing",
    "httpcore",
    "h11",
)

_FIRST_USE_SCRIPT = """
import json, sys

import httpx

from langchain_toiotech import ChatToiotech

lazy = json.loads(sys.argv[1])
model = ChatToiotech(model="deepseek-reasoner", api_key="sk-import-test", max_retries=0)
report = {"after_construction": sorted(name for name in lazy if name in sys.modules)}


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={
        "id": "c1", "object": "chat.completion", "model": "deepseek-reasoner",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "pong"}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    })


used = model.model_copy(update={"http_client": httpx.Client(transport=httpx.MockTransport(answer))})
report["answer"] = used.invoke("ping").content
report["tokens"] = model.get_num_tokens("ping") > 0
tool = {"type": "function", "function": {"name": "f", "parameters": {}}}
report["tools"] = "tools" in model.bind_tools([tool]).kwargs
report["after_use"] = sorted(name for name in lazy if name in sys.modules)
print(json.dumps(report))
"""


def test_the_chat_model_imports_and_constructs_without_the_request_path() -> None:
    result = subprocess.run(  # noqa: S603 - a fresh interpreter: this process has loaded everything already
        [sys.executable, "-c", _FIRST_USE_SCRIPT, json.dumps(LOADED_ON_FIRST_USE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    assert report["after_construction"] == []
    # Then the first call loads what it needs and works: the lazy imports are not broken.
    assert report["answer"] == "pong"
    assert report["tokens"] is True
    assert report["tools"] is True
    assert {"langchain_toiotech._route", "langchain_toiotech._http.client", "httpcore"} <= set(report["after_use"])
    assert {"langchain_toiotech._shared.structured", "langchain_toiotech._shared.token_estimate"} <= set(
        report["after_use"]
    )


def test_the_package_alone_loads_only_its_version() -> None:
    code = "import sys, langchain_toiotech; print(sorted(m for m in sys.modules if m.startswith('langchain_toiotech')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)  # noqa: S603
    assert result.stdout.strip() == "['langchain_toiotech', 'langchain_toiotech._version']"


RAY_ALL = [
    "CHAT_SCHEMA",
    "DOCUMENT_SCHEMA",
    "ToiotechChatUDF",
    "ToiotechDocumentUDF",
    "delete_run_uploads",
    "load_documents",
    "new_run_id",
    "run_chat",
]


def test_the_ray_module_surface() -> None:
    import langchain_toiotech.ray as ray_module  # noqa: PLC0415 - the optional module, imported on purpose

    assert sorted(ray_module.__all__) == sorted(RAY_ALL)
    assert all(getattr(ray_module, name) is not None for name in RAY_ALL)


def test_ray_loads_only_with_a_job() -> None:
    # The package and its public modules never import Ray (or pyarrow); langchain_toiotech.ray imports pyarrow
    # for its schemas, and Ray only where a job is built or a worker starts.
    code = (
        "import sys, langchain_toiotech\n"
        "from langchain_toiotech import ChatToiotech, ToiotechBlobParser, ToiotechEmbeddings, ToiotechFiles\n"
        "import langchain_toiotech.testing\n"
        "before = sorted(m for m in ('ray', 'pyarrow') if m in sys.modules)\n"
        "import langchain_toiotech.ray\n"
        "print(before, sorted(m for m in ('ray', 'pyarrow') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)  # noqa: S603
    assert result.stdout.split("\n")[0] == "[] ['pyarrow']"
