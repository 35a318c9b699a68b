"""Cursor pagination over `GET /files` (`after` = the last id seen), bounded, shared by `list` and `alist`."""

from __future__ import annotations

from typing import Any, Final

from langchain_toiotech._files.objects import FileObject, parse_file_list
from langchain_toiotech.errors import FileListError

DEFAULT_MAX_LIST_PAGES: Final = 1000
"""Pages `ToiotechFiles.list` reads at most. OpenAI answers up to 10,000 files a page, and a gateway that sends
20 a page still lists 20,000 files in 1,000 pages; a gateway that says `has_more` for ever is stopped here."""


class FilePages:
    """The state of one listing: the files so far, the next page's query, and the bounds that end it.

    The listing ends when a page says `has_more: false`, when `limit` files are in hand (a partial list the
    caller asked for), or with `FileListError`: a page that says `has_more` but brings no new id (the gateway
    ignores `after`, so the next cursor would repeat), or `max_pages` pages that all say `has_more`.
    """

    def __init__(self, purpose: str | None, *, limit: int | None, max_pages: int) -> None:
        """Check the bounds (before any request) and start at the first page."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            msg = f"limit must be a positive number of files or None, not {limit!r}."
            raise ValueError(msg)
        if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
            msg = f"max_pages must be a positive number of pages, not {max_pages!r}."
            raise ValueError(msg)
        self.files: list[FileObject] = []
        self._limit = limit
        self._max_pages = max_pages
        self._pages = 0
        self._seen: set[str] = set()
        self._params: dict[str, str] | None = {"purpose": purpose} if purpose else {}

    def next_params(self) -> dict[str, str] | None:
        """The query of the next page to fetch; None when the listing is complete."""
        return self._params

    def add(self, body: dict[str, Any]) -> None:
        """Take one page's reply; raise `FileListError` if the listing would not end."""
        items, has_more = parse_file_list(body)
        self._pages += 1
        fresh = [item for item in items if item.id not in self._seen]
        self._seen.update(item.id for item in fresh)
        self.files.extend(fresh)
        if self._limit is not None and len(self.files) >= self._limit:
            del self.files[self._limit :]
            self._params = None
            return
        if not has_more or self._params is None:
            self._params = None
            return
        if not fresh:
            self._stop(
                f"page {self._pages} of the file list says has_more but brings no new file, so the next request "
                f"would repeat the cursor after={self._params.get('after')!r} (the gateway ignores `after` or "
                f"misreports has_more)"
            )
        if self._pages >= self._max_pages:
            self._stop(f"the file list still says has_more after {self._pages:,} pages (max_pages)")
        self._params = {**self._params, "after": fresh[-1].id}

    def _stop(self, reason: str) -> None:
        msg = (
            f"Stopped listing files: {reason}. The {len(self.files):,} files read so far are on this error's "
            f"`files`; pass limit=N for the first N files, or raise max_pages if the account really has more."
        )
        raise FileListError(msg, files=self.files, pages=self._pages)
