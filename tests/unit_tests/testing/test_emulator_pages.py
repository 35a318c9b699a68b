"""Page mode against the strict emulator: one entry per page of a real PDF, uploaded or inline."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from langchain_toiotech import ToiotechFileLoader
from langchain_toiotech._loader.requests import PAGES_SCHEMA
from langchain_toiotech.testing import GatewayEmulator, sample_pdf
from langchain_toiotech.testing._pdf import PageCounter, count_pages


@pytest.mark.parametrize("pages", [1, 3, 7])
def test_page_objects_are_counted_also_across_blocks(pages: int) -> None:
    data = sample_pdf(pages)
    assert count_pages(data) == pages
    counter = PageCounter()
    for start in range(0, len(data), 7):  # blocks cut through the /Type /Page tags
        counter.feed(data[start : start + 7])
    assert counter.pages == pages
    assert count_pages(b"not a pdf /Type /Page") is None


@pytest.mark.parametrize("pages", [1, 3])
def test_the_loader_gets_one_document_per_page(gw: GatewayEmulator, tmp_path: Path, pages: int) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(sample_pdf(pages))
    loader = ToiotechFileLoader(path, model="doubao-seed-1-8", mode="page", base_url=gw.base_url, api_key="sk-test")
    documents = loader.load()
    assert [document.metadata["page"] for document in documents] == list(range(pages))
    assert [document.page_content for document in documents] == [f"Page {n + 1}" for n in range(pages)]


def test_inline_pdf_on_chat_gets_an_entry_per_page(client: httpx.Client) -> None:
    data = "data:application/pdf;base64," + base64.b64encode(sample_pdf(4)).decode()
    content = [
        {"type": "text", "text": "Transcribe each page."},
        {"type": "file", "file": {"filename": "a.pdf", "file_data": data}},
    ]
    response_format = {"type": "json_schema", "json_schema": {"name": "pages", "schema": PAGES_SCHEMA}}
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": content}],
        "response_format": response_format,
    }
    answer = client.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"]
    assert json.loads(answer) == {"pages": [{"content": f"Page {n}"} for n in range(1, 5)]}
