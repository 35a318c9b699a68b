"""`run_chat` and `load_documents`: `map_batches` with the compute, batch format and resources these UDFs want."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from langchain_toiotech.ray._chat import ToiotechChatUDF
from langchain_toiotech.ray._documents import ToiotechDocumentUDF
from langchain_toiotech.ray._inputs import check_concurrency, refuse_key
from langchain_toiotech.ray._uploads import check_run_id

if TYPE_CHECKING:
    import ray.data

DEFAULT_NUM_CPUS = 0.25
"""CPUs reserved per worker: the work is waiting on the gateway, so a worker needs little of one (and a small
cluster's read tasks still get theirs: a full CPU per actor can starve them)."""


def _check_workers(concurrency: int, num_cpus: float) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        msg = f"concurrency (Ray workers) must be a positive integer, got {concurrency!r}"
        raise ValueError(msg)
    if not num_cpus > 0:
        msg = f"num_cpus must be more than 0, got {num_cpus!r}"
        raise ValueError(msg)


def _workers(concurrency: int) -> ray.data.ActorPoolStrategy:
    import ray.data  # noqa: PLC0415 - Ray loads where a job is built, never with the package

    return ray.data.ActorPoolStrategy(size=concurrency)


def run_chat(
    dataset: ray.data.Dataset,
    model: str,
    *,
    concurrency: int = 1,
    max_concurrency: int = 8,
    batch_size: int = 64,
    num_cpus: float = DEFAULT_NUM_CPUS,
    **options: Any,
) -> ray.data.Dataset:
    """Answer every row of a dataset of prompts (or message lists) with `ToiotechChatUDF`.

    Lazy, like every Ray Data transform: nothing runs until the result is consumed (`write_parquet`,
    `take_all`, `materialize`). At most `concurrency x max_concurrency` requests are in flight.

    Args:
        dataset: Rows with a `prompt` (or `messages`) column, and any others to keep.
        model: The gateway's model name.
        concurrency: Ray workers (actors), each with its own model and connections.
        max_concurrency: Requests in flight per worker.
        batch_size: Rows per batch handed to a worker.
        num_cpus: CPUs reserved per worker.
        **options: `ToiotechChatUDF` options (`prompt_column`, `messages_column`, `id_column`,
            `system_prompt`) and `ChatToiotech` fields (`base_url`, `temperature`...), never `api_key`.

    Returns:
        The input columns followed by `CHAT_SCHEMA`'s, in input order.

    Raises:
        ValueError: an `api_key` was given, or a bound is not positive (before anything is sent to Ray).
    """
    refuse_key("run_chat", options)
    _check_workers(concurrency, num_cpus)
    return dataset.map_batches(
        ToiotechChatUDF,
        fn_constructor_args=(model,),
        fn_constructor_kwargs={"max_concurrency": check_concurrency(max_concurrency), **options},
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=_workers(concurrency),
        num_cpus=num_cpus,
    )


def load_documents(
    dataset: ray.data.Dataset,
    model: str,
    *,
    run_id: str,
    mode: Literal["single", "page"] = "single",
    concurrency: int = 1,
    max_concurrency: int = 4,
    batch_size: int = 8,
    num_cpus: float = DEFAULT_NUM_CPUS,
    **options: Any,
) -> ray.data.Dataset:
    """Read every file of `ray.data.read_binary_files(..., include_paths=True)` into Document rows.

    Lazy, like `run_chat`. After consuming the result, `delete_run_uploads(run_id)` sweeps any upload a lost
    worker left behind.

    Args:
        dataset: Rows with `bytes` and `path` columns.
        model: A vision model the gateway serves through the Responses API.
        run_id: `new_run_id()`, made on the driver.
        mode: `"single"` (one row per file) or `"page"` (one per PDF page).
        concurrency: Ray workers (actors).
        max_concurrency: Files in flight per worker.
        batch_size: Files per batch handed to a worker.
        num_cpus: CPUs reserved per worker.
        **options: `ToiotechDocumentUDF` options, never `api_key`.

    Returns:
        `DOCUMENT_SCHEMA` rows.

    Raises:
        ValueError: an `api_key` was given, a bad `run_id`, or a bound is not positive.
    """
    refuse_key("load_documents", options)
    _check_workers(concurrency, num_cpus)
    return dataset.map_batches(
        ToiotechDocumentUDF,
        fn_constructor_args=(model,),
        fn_constructor_kwargs={
            "run_id": check_run_id(run_id),
            "mode": mode,
            "max_concurrency": check_concurrency(max_concurrency),
            **options,
        },
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=_workers(concurrency),
        num_cpus=num_cpus,
    )
