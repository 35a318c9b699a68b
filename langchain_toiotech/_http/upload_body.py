"""A file read for upload that must keep, to the byte, the size it had when the request was built.

The multipart body declares its length before the first byte is sent. A file that grows or shrinks while it
uploads (a log being written, a download still running) then makes h11 refuse the request with a raw
`LocalProtocolError`, or leaves the server waiting for bytes that never come. Reading through `SizedUpload`
notices the change itself and raises `FileChangedError`, which names the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from langchain_toiotech.errors import FileChangedError


class SizedUpload:
    """The file-like object httpx's multipart encoder reads: its length is fixed when it is opened.

    It offers `read`, `seek` and `tell` (no `fileno`, so httpx takes the length from here, the size the
    upload was declared with, not from a second look at the disk).
    """

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        """Wrap an open file and record its size now."""
        self._handle = handle
        self._path = path
        self.size = os.fstat(handle.fileno()).st_size
        self._read = 0

    def read(self, size: int = -1) -> bytes:
        """The next bytes, as long as the file still has exactly the size it was declared with.

        Raises:
            FileChangedError: The file now has more bytes, or fewer, than when the upload started.
        """
        data = self._handle.read(size)
        self._read += len(data)
        if self._read > self.size:
            msg = (
                f"{self._path} grew while it was being uploaded (it had {self.size:,} bytes when the upload "
                "started); nothing was stored. Upload it again once it is complete."
            )
            raise FileChangedError(msg, path=str(self._path))
        if not data and size != 0 and self._read < self.size:
            msg = (
                f"{self._path} shrank while it was being uploaded (only {self._read:,} of the {self.size:,} bytes "
                "it had when the upload started could be read); nothing was stored. Upload it again."
            )
            raise FileChangedError(msg, path=str(self._path))
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move within the file; the end is where it was when the upload started."""
        if whence == os.SEEK_END:
            return self.size + offset
        position = self._handle.seek(offset, whence)
        self._read = position
        return position

    def tell(self) -> int:
        """The current position."""
        return self._handle.tell()
