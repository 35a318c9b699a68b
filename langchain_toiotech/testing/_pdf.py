"""Counting a PDF's pages without parsing it: its page objects are dictionaries tagged ``/Type /Page``.

The page tree's leaves (PDF 32000-1:2008, 7.7.3.3) each carry ``/Type /Page``; the tree's inner nodes carry
``/Type /Pages``. Counting the leaf tags gives the page count of ordinary (uncompressed-object) PDFs, which is
what tests send; a PDF whose objects all sit in compressed object streams counts 0 and is reported as unknown.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

_PAGE: Final = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_OVERLAP: Final = 32  # longer than any tag match, so a tag cut between two blocks is still seen once
_MAX_INLINE: Final = 64 << 20  # base64 characters decoded for an inline file (Ark's request limit)


class PageCounter:
    """Counts page objects in bytes fed block by block (an upload streaming in)."""

    def __init__(self) -> None:
        """Start with no bytes seen."""
        self._tail = b""
        self._pages = 0
        self._is_pdf: bool | None = None

    def feed(self, data: bytes) -> None:
        """Scan the next block.

        Args:
            data: The block.
        """
        if self._is_pdf is None:
            self._is_pdf = data[:5] == b"%PDF-" if data else None
        if not self._is_pdf:
            return
        window = self._tail + data
        start = len(self._tail)
        self._pages += sum(1 for match in _PAGE.finditer(window) if match.end() > start)
        self._tail = window[-_OVERLAP:]

    @property
    def pages(self) -> int | None:
        """The page count, or None when the bytes are not a PDF (or hide their pages)."""
        return self._pages if self._is_pdf and self._pages else None


def count_pages(data: bytes) -> int | None:
    """The page count of a whole PDF.

    Args:
        data: The file's bytes.

    Returns:
        The count, or None when it is not a PDF.
    """
    counter = PageCounter()
    counter.feed(data)
    return counter.pages


def data_url_pages(url: str) -> int | None:
    """The page count of a PDF given inline as a ``data:`` URL or bare base64.

    Args:
        url: ``data:application/pdf;base64,...`` or base64 text.

    Returns:
        The count, or None when it is not a readable PDF.
    """
    payload = url.partition(",")[2] if url.startswith("data:") else url
    if len(payload) > _MAX_INLINE:
        return None
    try:
        return count_pages(base64.b64decode(payload, validate=False))
    except (binascii.Error, ValueError):
        return None
