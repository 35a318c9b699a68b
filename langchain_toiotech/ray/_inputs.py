"""Ray Data batches in, and the options that must never travel with a UDF."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Final

import pyarrow as pa

_KEY_OPTIONS: Final = ("api_key", "openai_api_key")
_KEY_HEADERS: Final = ("authorization", "x-api-key", "api-key", "proxy-authorization")
_KEY_HINT: Final = (
    "Ray stores a UDF's constructor arguments with its actors (and runtime_env env_vars with the job): the key "
    "would travel to every worker and sit in the cluster's metadata. Set TOIOTECH_API_KEY in the workers' "
    "environment instead (a local cluster inherits the driver's; on a real cluster, the nodes')."
)


def refuse_key(owner: str, options: Mapping[str, Any]) -> None:
    """Refuse options that would put a credential into what Ray serialises.

    Raises:
        ValueError: an `api_key`, or a `default_headers` credential header, was given.
    """
    given = [name for name in _KEY_OPTIONS if options.get(name) is not None]
    headers = options.get("default_headers") or {}
    given += [f"default_headers[{name!r}]" for name in headers if str(name).lower() in _KEY_HEADERS]
    chat_kwargs = options.get("chat_kwargs")  # the document UDF's options for its chat model
    if isinstance(chat_kwargs, Mapping):
        given += [f"chat_kwargs[{name!r}]" for name in _KEY_OPTIONS if chat_kwargs.get(name) is not None]
    if given:
        msg = f"{owner} does not take {', '.join(given)}. {_KEY_HINT}"
        raise ValueError(msg)


def as_table(batch: Any) -> pa.Table:
    """A batch in any of Ray Data's formats (pyarrow, pandas, dict of numpy arrays) as a pyarrow table.

    Raises:
        TypeError: the batch is none of them.
    """
    if isinstance(batch, pa.Table):
        return batch
    if isinstance(batch, Mapping):
        return pa.Table.from_pydict({name: list(values) for name, values in batch.items()})
    if hasattr(batch, "to_dict") and hasattr(batch, "columns"):  # a pandas DataFrame, without importing pandas
        return pa.Table.from_pandas(batch, preserve_index=False)
    msg = f"expected a pyarrow, pandas or numpy batch, got {type(batch).__name__}"
    raise TypeError(msg)


def check_concurrency(max_concurrency: int) -> int:
    """The per-worker bound on requests in flight.

    Raises:
        ValueError: it is not a positive integer.
    """
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
        msg = f"max_concurrency must be a positive integer, got {max_concurrency!r}"
        raise ValueError(msg)
    return max_concurrency


class WorkerSlots:
    """One bound on the requests a worker has in flight, shared by every batch Ray runs on it at once.

    Ray Data runs several batches of an async UDF concurrently on one actor (and several tasks per actor), so
    a bound per `abatch` call would multiply; this semaphore is per UDF instance. It is rebuilt if the event
    loop changes (a UDF called from `asyncio.run` in turn, outside Ray), since a semaphore belongs to one loop.
    """

    def __init__(self, limit: int) -> None:
        """Allow `limit` requests at once."""
        self.limit = limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None

    def get(self) -> asyncio.Semaphore:
        """The semaphore of the running loop."""
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self.limit)
        return self._semaphore
