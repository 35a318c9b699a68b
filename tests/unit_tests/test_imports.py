import re
import subprocess
import sys
from pathlib import Path

import pytest

import langchain_toiotech
from langchain_toiotech import __all__

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
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
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
