"""The Files API and the loader against the live gateway (needs TOIOTECH_API_KEY; copes with a 501 Files API)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from langchain_toiotech import ToiotechFileLoader, ToiotechFiles
from langchain_toiotech.errors import NotFoundError

pytestmark = pytest.mark.skipif(not os.environ.get("TOIOTECH_API_KEY"), reason="needs TOIOTECH_API_KEY")

VISION_MODEL = os.environ.get("TOIOTECH_TEST_VISION_MODEL", "doubao-seed-1-8")
RED_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


def test_upload_wait_delete_or_a_clear_501(tmp_path: Path) -> None:
    image = tmp_path / "pixel.png"
    image.write_bytes(RED_PIXEL_PNG)
    files = ToiotechFiles()
    try:
        uploaded = files.upload(image)
    except NotFoundError as error:  # stock new-api has no Files API
        assert error.status_code in {404, 405, 501}  # noqa: PT017 - a 501 is an answer here, not a failure
        return
    ready = files.wait_until_active(uploaded, timeout=300)
    assert ready.id == uploaded.id
    assert files.delete(ready.id)


def test_loader_reads_an_image(tmp_path: Path) -> None:
    image = tmp_path / "pixel.png"
    image.write_bytes(RED_PIXEL_PNG)
    (document,) = ToiotechFileLoader(image, model=VISION_MODEL).load()
    assert document.page_content
    assert document.metadata["source"] == str(image)
    assert document.metadata["mime_type"] == "image/png"
