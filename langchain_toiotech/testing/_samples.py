"""Small, well-formed input files the emulator reads as a real gateway would: PDFs with pages, PNGs, MP4s.

Tests, the cookbook and the benchmarks build their inputs here instead of each keeping its own bytes. The
emulator reads no pixels or frames; what it reads is what a real gateway checks first: a PDF's page objects
(page mode answers one entry per page, ``Page N`` for the text of page N), and the magic numbers that tell
images from videos.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Final

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_MP4_BRANDS: Final = b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41"


def sample_pdf(pages: int = 1) -> bytes:
    """A well-formed PDF 1.4: catalogue, page tree, `pages` pages with one text stream each, xref, trailer.

    Page N (from 1) shows the text ``Page N``, which is what the emulator's page mode answers for it.

    Args:
        pages: How many pages (at least 1).

    Returns:
        The file's bytes.

    Raises:
        ValueError: `pages` is below 1.
    """
    if pages < 1:
        msg = f"A PDF needs at least one page, got pages={pages}"
        raise ValueError(msg)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    for index in range(pages):
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


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    # Each chunk: length, type, data, then the CRC-32 of type and data (PNG spec, section 5.3).
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def sample_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (32, 96, 160)) -> bytes:
    """A valid PNG of one colour (8-bit RGB, no interlace), which any image reader opens.

    Args:
        width: Pixels across (at least 1).
        height: Pixels down (at least 1).
        rgb: The colour.

    Returns:
        The file's bytes.

    Raises:
        ValueError: A side is below 1.
    """
    if width < 1 or height < 1:
        msg = f"A PNG needs at least 1x1 pixels, got {width}x{height}"
        raise ValueError(msg)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes(rgb) * width  # filter type 0 (none), then the pixels
    return b"".join(
        (
            _PNG_SIGNATURE,
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(row * height)),
            _png_chunk(b"IEND", b""),
        )
    )


def sample_mp4(payload_bytes: int = 64) -> bytes:
    """An MP4 container's opening boxes: ``ftyp`` (brand isom) and an ``mdat`` of `payload_bytes` zero bytes.

    Enough for every MIME sniffer and for the emulator, which reads no frames; not a playable video.

    Args:
        payload_bytes: Size of the media data box's payload.

    Returns:
        The file's bytes.
    """
    ftyp = struct.pack(">I", 8 + len(_MP4_BRANDS)) + b"ftyp" + _MP4_BRANDS
    mdat = struct.pack(">I", 8 + payload_bytes) + b"mdat" + bytes(payload_bytes)
    return ftyp + mdat


def write_sample_folder(directory: Path, *, pdfs: int, images: int, videos: int, pages: int = 3) -> list[Path]:
    """Write `pdfs` PDFs of `pages` pages, `images` PNGs and `videos` MP4s into `directory`.

    Files are named ``report-0000.pdf``, ``scan-0000.png`` and ``clip-0000.mp4``; each PNG has its own colour, so
    no two files have the same bytes (a gateway that deduplicates uploads still sees every file).

    Args:
        directory: Where to write (created if missing).
        pdfs: How many PDFs.
        images: How many PNGs.
        videos: How many MP4s.
        pages: Pages per PDF.

    Returns:
        The paths written, PDFs first, then images, then videos.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pdf = sample_pdf(pages)
    for number in range(pdfs):
        written.append(directory / f"report-{number:04d}.pdf")
        # A trailing comment after %%EOF keeps the file valid and makes its bytes its own.
        written[-1].write_bytes(pdf + b"%% sample %d\n" % number)
    for number in range(images):
        written.append(directory / f"scan-{number:04d}.png")
        written[-1].write_bytes(sample_png(rgb=(number % 256, number // 256 % 256, 128)))
    for number in range(videos):
        written.append(directory / f"clip-{number:04d}.mp4")
        written[-1].write_bytes(sample_mp4(64 + number))
    return written
