"""The sample input files and the emulator served from a child process (langchain_toiotech.testing)."""

from __future__ import annotations

import base64
import socket
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from langchain_toiotech import ToiotechFileLoader
from langchain_toiotech._blocks.media import sniff_mime_type
from langchain_toiotech.testing import (
    GatewayEmulator,
    emulator_process,
    sample_mp4,
    sample_pdf,
    sample_png,
    write_sample_folder,
)
from langchain_toiotech.testing._pdf import count_pages


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, data) chunks of a PNG, checking each CRC as a decoder would."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def test_the_png_decodes_to_its_size_and_colour() -> None:
    chunks = png_chunks(sample_png(3, 2, rgb=(1, 2, 3)))
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">II", chunks[0][1][:8]) == (3, 2)
    assert zlib.decompress(chunks[1][1]) == (b"\x00" + bytes([1, 2, 3]) * 3) * 2
    assert sniff_mime_type(base64.b64encode(sample_png()).decode(), "image") == "image/png"


def test_the_mp4_is_sniffed_as_a_video() -> None:
    data = sample_mp4(10)
    assert data[4:8] == b"ftyp"
    assert struct.unpack(">I", data[:4])[0] + 18 == len(data)  # ftyp box, then an mdat of 8 + 10 bytes
    assert sniff_mime_type(base64.b64encode(data).decode(), "video") == "video/mp4"


@pytest.mark.parametrize(
    "make", [lambda: sample_pdf(0), lambda: sample_png(0, 1), lambda: sample_png(1, 0)], ids=["pdf", "width", "height"]
)
def test_impossible_samples_are_refused(make: Callable[[], bytes]) -> None:
    with pytest.raises(ValueError, match="at least"):
        make()


def test_the_folder_holds_distinct_files_the_loader_reads(gw: GatewayEmulator, tmp_path: Path) -> None:
    paths = write_sample_folder(tmp_path / "in", pdfs=2, images=2, videos=1, pages=3)
    assert [path.name for path in paths] == [
        "report-0000.pdf",
        "report-0001.pdf",
        "scan-0000.png",
        "scan-0001.png",
        "clip-0000.mp4",
    ]
    assert len({path.read_bytes() for path in paths}) == len(paths)
    assert [count_pages(path.read_bytes()) for path in paths[:2]] == [3, 3]
    loader = ToiotechFileLoader(paths, model="doubao-seed-1-8", mode="page", base_url=gw.base_url, api_key="sk-t")
    documents = loader.load()
    assert [(doc.metadata["filename"], doc.metadata.get("page")) for doc in documents][:3] == [
        ("report-0000.pdf", 0),
        ("report-0000.pdf", 1),
        ("report-0000.pdf", 2),
    ]
    assert len(documents) == 2 * 3 + 2 + 1
    assert not gw.files


def test_the_child_process_serves_and_stops(tmp_path: Path) -> None:
    with emulator_process("--api-key", "sk-child") as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{base_url}/models", headers={"Authorization": "Bearer sk-child"}).status_code == 200
        assert httpx.get(f"{base_url}/models", headers={"Authorization": "Bearer sk-other"}).status_code == 401
    address = urlsplit(base_url)
    with pytest.raises(ConnectionRefusedError), socket.create_connection((address.hostname, address.port), timeout=2):
        pass


def test_a_child_that_cannot_start_is_reported() -> None:
    with pytest.raises(RuntimeError, match="did not print its base URL"), emulator_process("--no-such-option"):
        pass
