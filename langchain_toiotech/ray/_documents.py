"""`ToiotechDocumentUDF`: files from `ray.data.read_binary_files` read into Document rows, as `ToiotechBlobParser`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal, get_args

import pyarrow as pa
from langchain_core.documents import Document
from langchain_core.documents.base import Blob

from langchain_toiotech.document_loaders import BlobParserOptions, ToiotechBlobParser
from langchain_toiotech.errors import ToiotechError
from langchain_toiotech.files import ToiotechFiles
from langchain_toiotech.ray._document_rows import document_rows, failed_file_row, filename_of
from langchain_toiotech.ray._inputs import WorkerSlots, as_table, check_concurrency, refuse_key
from langchain_toiotech.ray._schemas import DOCUMENT_SCHEMA, to_table
from langchain_toiotech.ray._uploads import check_run_id, delete_tagged, run_prefix, tagged_name, worker_tag

logger = logging.getLogger("langchain_toiotech")

_FILES_OPTIONS = ("base_url", "files_base_url", "timeout", "max_retries", "default_headers")
_REFUSED = ("delete_after", "http_client", "http_async_client")


class ToiotechDocumentUDF:
    """A Ray Data class UDF that reads each file of a batch into Document rows through the gateway.

    The input is `ray.data.read_binary_files(paths, include_paths=True)` (columns `bytes` and `path`); use it
    with `Dataset.map_batches(ToiotechDocumentUDF, fn_constructor_args=(model,), fn_constructor_kwargs={"run_id":
    run_id}, concurrency=N, batch_format="pyarrow")` or through `load_documents`. Each file takes the
    `ToiotechBlobParser` pipeline: upload, wait until active, extract with the vision model, delete the upload.
    The output has `DOCUMENT_SCHEMA`'s columns: one row per Document (per file, or per page in page mode), in
    input order; a file that fails is one row with its error (type, message, source = its path) and no
    Document columns, so `filter(expr=col("error_type").is_not_null())` lists the files to run again. The file bytes
    are not in the output.

    Uploads are named `toiotech-ray.<run_id>.<worker>.<filename>`; a worker restarted after a crash deletes
    the uploads of the worker it replaces before taking work, and `delete_run_uploads(run_id)` sweeps the rest
    (see the module `langchain_toiotech.ray`). The key is read from the worker's `TOIOTECH_API_KEY`.

    Args:
        model: A vision model the gateway serves through the Responses API.
        run_id: The job's run id (`new_run_id()` on the driver), shared by all its workers.
        mode: `"single"` (one Document per file) or `"page"` (one per PDF page).
        max_concurrency: Files in flight per worker, shared by all the batches Ray runs on it at once.
        path_column: The column holding each file's path.
        bytes_column: The column holding each file's bytes.
        **options: `ToiotechBlobParser` options (`prompt`, `fps`, `inline_limit_bytes`, `processing_timeout`,
            `base_url`, `files_base_url`, `timeout`, `max_retries`, `chat_kwargs`), never `api_key`; uploads
            are always deleted (no `delete_after`).

    Raises:
        ValueError: a refused option, a bad `run_id`, `mode` or `max_concurrency`, or no `TOIOTECH_API_KEY` in
            the worker's environment.
        TypeError: an unknown option (named, with the ones it takes).
    """

    def __init__(
        self,
        model: str,
        *,
        run_id: str,
        mode: Literal["single", "page"] = "single",
        max_concurrency: int = 4,
        path_column: str = "path",
        bytes_column: str = "bytes",
        **options: Any,
    ) -> None:
        """Build the worker's parser, and delete what a crashed predecessor left; see the class docstring."""
        owner = type(self).__name__
        refuse_key(owner, options)
        refused = [name for name in _REFUSED if name in options]
        if refused:
            msg = f"{owner} does not take {', '.join(refused)}: uploads are always deleted, clients built per worker"
            raise ValueError(msg)
        if mode not in get_args(Literal["single", "page"]):
            msg = f"mode must be 'single' or 'page', got {mode!r}"
            raise ValueError(msg)
        self._slots = WorkerSlots(check_concurrency(max_concurrency))
        self.path_column = path_column
        self.bytes_column = bytes_column
        parser_options: BlobParserOptions = {**options, "mode": mode}  # type: ignore[typeddict-item] # checked by the parser
        self._parser = ToiotechBlobParser(model, **parser_options)
        worker, restarted = worker_tag()
        self._prefix = run_prefix(check_run_id(run_id), worker)
        if restarted:
            self._sweep_predecessor({name: options[name] for name in _FILES_OPTIONS if name in options})

    def _sweep_predecessor(self, client_options: dict[str, Any]) -> None:
        # The worker this one replaces died mid-file, before it could delete that file's upload. A failed sweep
        # must not stop this worker (Ray would restart it for ever, e.g. on a gateway without a Files API, which
        # has no uploads to sweep): delete_run_uploads after the job is the fallback.
        try:
            deleted = delete_tagged(ToiotechFiles(**client_options), self._prefix)
        except ToiotechError as error:
            logger.warning("Could not look for uploads left by the worker this one replaces: %s", error)
            return
        if deleted:
            logger.info("Deleted %d upload(s) left by the worker this one replaces: %s", len(deleted), deleted)

    async def __call__(self, batch: Any) -> pa.Table:
        """Read every file of a batch; see the class docstring.

        Args:
            batch: Rows with a path and the file's bytes (pyarrow, pandas or a dict of numpy arrays).

        Returns:
            `DOCUMENT_SCHEMA` rows, file after file, in input order.
        """
        table = as_table(batch)
        paths = table.column(self.path_column).to_pylist() if self.path_column in table.column_names else []
        contents = table.column(self.bytes_column).to_pylist() if self.bytes_column in table.column_names else []
        if len(paths) != table.num_rows or len(contents) != table.num_rows:
            msg = f"a batch needs the columns {self.path_column!r} and {self.bytes_column!r}, got {table.column_names}"
            raise ValueError(msg)
        files = await asyncio.gather(*(self._read(path, data) for path, data in zip(paths, contents, strict=True)))
        return to_table([row for rows in files for row in rows], DOCUMENT_SCHEMA)

    async def _read(self, path: Any, data: Any) -> list[dict[str, Any]]:
        source = str(path)
        try:
            documents = await self._documents(source, data)
        except Exception as error:  # noqa: BLE001 - a file's failure is its row's error, never the batch's
            return [failed_file_row(source, error)]
        return document_rows(source, filename_of(source), documents)

    async def _documents(self, source: str, data: Any) -> list[Document]:
        if not isinstance(data, bytes):
            msg = f"{source!r}: expected the file's bytes, got {type(data).__name__}"
            raise TypeError(msg)
        # The upload carries the tag in its name; the row keeps the file's own name and path.
        blob = Blob(data=data, path=tagged_name(self._prefix, filename_of(source)), metadata={"source": source})
        async with self._slots.get():
            return [document async for document in self._parser.alazy_parse(blob)]
