"""Options nobody reads and paths nobody can send fail before any request, naming what is wrong.

`ToiotechFileLoader(path, model=..., delete_afer=False)` used to be accepted and to delete the uploads anyway;
a file name that is not UTF-8 raised a bare `UnicodeEncodeError` mid-load, and a symlink loop a bare `OSError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents.base import Blob

from langchain_toiotech import ToiotechBlobParser, ToiotechFileLoader, ToiotechFiles
from langchain_toiotech.errors import FileLoadError
from langchain_toiotech.testing import GatewayEmulator

KEY = "sk-test"
MODEL = "doubao-seed-1-6-251015"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200))

TYPOS: dict[str, tuple[Callable[..., object], str]] = {
    "loader": (lambda **kw: ToiotechFileLoader("x.pdf", model=MODEL, api_key=KEY, **kw), "ToiotechFileLoader"),
    "parser": (lambda **kw: ToiotechBlobParser(MODEL, api_key=KEY, **kw), "ToiotechBlobParser"),
    "files": (lambda **kw: ToiotechFiles(api_key=KEY, **kw), "ToiotechFiles"),
}
MEANT = {
    "loader": [("delete_afer", "delete_after"), ("show_progres", "show_progress"), ("promt", "prompt")],
    "parser": [("delete_afer", "delete_after"), ("inline_limit", "inline_limit_bytes"), ("fsp", "fps")],
    "files": [("files_base_ur", "files_base_url"), ("max_retires", "max_retries"), ("api_kye", "api_key")],
}
CASES = [(owner, typo, meant) for owner, pairs in MEANT.items() for typo, meant in pairs]


@pytest.mark.parametrize(("owner", "typo", "meant"), CASES)
def test_a_misspelt_option_is_refused_with_the_option_meant(owner: str, typo: str, meant: str) -> None:
    factory, name = TYPOS[owner]

    with pytest.raises(TypeError) as caught:
        factory(**{typo: False})

    assert str(caught.value) == f"{name}() got an unexpected keyword argument {typo!r}; did you mean {meant!r}?"


@pytest.mark.parametrize("owner", TYPOS)
def test_an_unknown_option_with_nothing_close_lists_the_options(owner: str) -> None:
    factory, name = TYPOS[owner]

    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'zzz'; it takes .*api_key"):
        factory(zzz=1)


def test_every_documented_option_is_still_accepted(tmp_path: Path) -> None:
    options: dict[str, Any] = {
        "prompt": "Describe it.",
        "mode": "page",
        "fps": 1.0,
        "delete_after": False,
        "inline_limit_bytes": 1000,
        "processing_timeout": 5.0,
        "base_url": "http://127.0.0.1:1/v1",
        "files_base_url": "http://127.0.0.1:1/v1",
        "timeout": 5.0,
        "max_retries": 0,
        "default_headers": {"X-Team": "a"},
        "chat_kwargs": {"temperature": 0.0},
    }
    loader = ToiotechFileLoader(tmp_path, MODEL, api_key=KEY, glob="*.pdf", max_concurrency=2, **options)
    ToiotechBlobParser(MODEL, api_key=KEY, **options)
    assert loader._extractor.settings.delete_after is False


# --- paths ------------------------------------------------------------------------------------------------


def non_utf8_file(folder: Path) -> Path:
    try:
        path = Path(os.fsdecode(bytes(folder) + b"/report-\xff\xfe.png"))
        path.write_bytes(PNG)
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    return path


def link_loop(folder: Path) -> Path:
    (folder / "loop-a").symlink_to(folder / "loop-b")
    (folder / "loop-b").symlink_to(folder / "loop-a")
    return folder / "loop-a"


PROBLEMS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "non-utf8-name": (non_utf8_file, r"the file name is not valid UTF-8 \(b'report-\\xff\\xfe.png'\)"),
    "symlink-loop": (link_loop, "is a loop of symbolic links"),
}


@pytest.mark.parametrize(("make", "problem"), PROBLEMS.values(), ids=PROBLEMS.keys())
async def test_a_path_that_cannot_be_uploaded_fails_before_any_request(
    make: Callable[[Path], Path], problem: str, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-good-one.png").write_bytes(PNG)  # sorted first: it must not be uploaded either
    path = make(folder)
    with GatewayEmulator(files_api="openai") as gw:
        files = ToiotechFiles(api_key=KEY, base_url=gw.base_url)
        attempts: list[Callable[[], Any]] = [
            lambda: files.upload(path),
            lambda: ToiotechFileLoader(path, MODEL, api_key=KEY, base_url=gw.base_url).load(),
            lambda: ToiotechFileLoader(folder, MODEL, api_key=KEY, base_url=gw.base_url).load(),
            lambda: ToiotechBlobParser(MODEL, api_key=KEY, base_url=gw.base_url).parse(Blob.from_path(path)),
        ]
        for attempt in attempts:
            # The parser wraps what fails on a blob in FileLoadError (its documented error), the cause kept.
            with pytest.raises((ValueError, FileLoadError), match=problem) as caught:
                attempt()
            assert repr(str(path)) in str(caught.value)  # it names the path
        with pytest.raises(ValueError, match=problem):
            await files.aupload(path)
        with pytest.raises(ValueError, match=problem):
            await ToiotechFileLoader(folder, MODEL, api_key=KEY, base_url=gw.base_url).aload()
        assert gw.requests == []


def test_a_blob_with_a_non_utf8_name_and_its_bytes_is_refused_before_any_request(tmp_path: Path) -> None:
    path = non_utf8_file(tmp_path)
    with GatewayEmulator(files_api="openai") as gw:
        parser = ToiotechBlobParser(MODEL, api_key=KEY, base_url=gw.base_url)
        with pytest.raises(FileLoadError, match="the file name is not valid UTF-8") as caught:
            parser.parse(Blob(data=PNG, path=path))
        assert isinstance(caught.value.__cause__, ValueError)
        assert gw.requests == []
