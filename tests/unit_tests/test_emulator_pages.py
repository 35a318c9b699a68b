"""Page mode against the strict emulator: one entry per page of a real PDF, uploaded or inline."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from langchain_toiotech import ToiotechFileLoader
from langchain_toiotech._extraction import PAGES_SCHEMA
from langchain_toiotech.testing import GatewayEmulator
from langchain_toiotech.testing._pdf import PageCounter, count_pages


def pdf_with_pages(count: int) -> bytes:
    """A well-formed PDF 1.4 (catalogue, page tree, `count` pages with a text stream each, xref, trailer)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode())
    for index in range(count):
        stream = f"BT /F1 24 Tf 72 720 Td (Page {index + 1}) Tj ET".encode()
        page = f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * index} 0 R >>"
        objects += [page.encode(), b"<< /Length %d >>\nstream\n%b\nendstream" % (len(stream), stream)]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.mark.parametrize("pages", [1, 3, 7])
def test_page_objects_are_counted_also_across_blocks(pages: int) -> None:
    data = pdf_with_pages(pages)
    assert count_pages(data) == pages
    counter = PageCounter()
    for start in range(0, len(data), 7):  # blocks cut through the /Type /Page tags
        counter.feed(data[start : start + 7])
    assert counter.pages == pages
    assert count_pages(b"not a pdf /Type /Page") is None


@pytest.mark.parametrize("pages", [1, 3])
def test_the_loader_gets_one_document_per_page(gw: GatewayEmulator, tmp_path: Path, pages: int) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_with_pages(pages))
    loader = ToiotechFileLoader(path, model="doubao-seed-1-8", mode="page", base_url=gw.base_url, api_key="sk-test")
    documents = loader.load()
    assert [document.metadata["page"] for document in documents] == list(range(pages))
    assert [document.page_content for document in documents] == [f"Page {n + 1}" for n in range(pages)]


def test_inline_pdf_on_chat_gets_an_entry_per_page(client: httpx.Client) -> None:
    data = "data:application/pdf;base64," + base64.b64encode(pdf_with_pages(4)).decode()
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
