"""`ToiotechFiles.list` / `alist` always end, against loopback gateways that paginate for ever.

A real HTTP server on 127.0.0.1 answers `GET /files` with a page of ids and `has_more: true` every time: one
with a fresh cursor on every page (the listing could run for ever), one that ignores `after` (the cursor
repeats). The listing must stop with `FileListError` (carrying what it read) or at the caller's `limit`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from langchain_toiotech import ToiotechFiles
from langchain_toiotech.errors import FileListError, ToiotechError
from tests._support.loopback import QuietHandler, serve_loopback

PAGE_SIZE = 3


@dataclass
class EndlessListing:
    """What the server does: fresh ids on every page, or the same first page whatever `after` says."""

    ignore_after: bool = False
    queries: list[dict[str, str]] = field(default_factory=list)

    def page(self, query: dict[str, str]) -> dict[str, Any]:
        self.queries.append(query)
        start = 0 if self.ignore_after or "after" not in query else int(query["after"].removeprefix("file-")) + 1
        ids = [f"file-{number}" for number in range(start, start + PAGE_SIZE)]
        data = [
            {"id": file_id, "object": "file", "bytes": 1, "filename": "a.txt", "purpose": "user_data"}
            for file_id in ids
        ]
        return {"object": "list", "data": data, "has_more": True, "first_id": ids[0], "last_id": ids[-1]}


@pytest.fixture
def listing() -> EndlessListing:
    return EndlessListing()


@pytest.fixture
def gateway(listing: EndlessListing) -> Iterator[str]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            url = urlsplit(self.path)
            assert url.path == "/v1/files"
            query = {key: values[-1] for key, values in parse_qs(url.query).items()}
            self.send_body("application/json", json.dumps(listing.page(query)).encode())

    with serve_loopback(Handler) as base_url:
        yield base_url


def client(base_url: str) -> ToiotechFiles:
    return ToiotechFiles(api_key="sk-list", base_url=base_url, max_retries=0)


async def listed(files: ToiotechFiles, *, use_async: bool, **kwargs: Any) -> list[str]:
    found = await files.alist(**kwargs) if use_async else files.list(**kwargs)
    return [obj.id for obj in found]


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_fresh_cursors_for_ever_stop_at_max_pages(
    gateway: str, listing: EndlessListing, *, use_async: bool
) -> None:
    with pytest.raises(FileListError, match=r"has_more after 40 pages \(max_pages\)") as caught:
        await listed(client(gateway), use_async=use_async, max_pages=40)
    assert len(listing.queries) == 40
    assert caught.value.pages == 40
    # Nothing read is lost: the error carries every file of the 40 pages, in order.
    assert [obj.id for obj in caught.value.files] == [f"file-{number}" for number in range(40 * PAGE_SIZE)]
    assert isinstance(caught.value, ToiotechError)


def test_the_default_page_bound(gateway: str, listing: EndlessListing) -> None:
    with pytest.raises(FileListError, match="1,000 pages"):
        client(gateway).list()
    assert len(listing.queries) == 1000
    assert listing.queries[1] == {"after": f"file-{PAGE_SIZE - 1}"}


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_a_repeated_cursor_raises_at_once(gateway: str, listing: EndlessListing, *, use_async: bool) -> None:
    listing.ignore_after = True
    with pytest.raises(FileListError, match=r"would repeat the cursor after='file-2'") as caught:
        await listed(client(gateway), use_async=use_async, purpose="user_data")
    assert listing.queries == [{"purpose": "user_data"}, {"purpose": "user_data", "after": "file-2"}]
    assert [obj.id for obj in caught.value.files] == ["file-0", "file-1", "file-2"]


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(("limit", "pages"), [(1, 1), (3, 1), (4, 2), (10, 4)])
async def test_limit_returns_the_first_files_and_stops_fetching(
    gateway: str, listing: EndlessListing, limit: int, pages: int, *, use_async: bool
) -> None:
    assert await listed(client(gateway), use_async=use_async, limit=limit) == [f"file-{n}" for n in range(limit)]
    assert len(listing.queries) == pages
    assert all("limit" not in query for query in listing.queries)  # not sent: gateways differ on its maximum


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"limit": 0}, "limit must be"),
        ({"limit": -5}, "limit must be"),
        ({"limit": True}, "limit must be"),
        ({"limit": 2.5}, "limit must be"),
        ({"max_pages": 0}, "max_pages must be"),
        ({"max_pages": "10"}, "max_pages must be"),
    ],
)
async def test_bad_bounds_fail_before_any_request(
    gateway: str, listing: EndlessListing, kwargs: dict[str, Any], match: str, *, use_async: bool
) -> None:
    with pytest.raises(ValueError, match=match):
        await listed(client(gateway), use_async=use_async, **kwargs)
    assert listing.queries == []
