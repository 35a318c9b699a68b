"""Pure parts of the document UDF: a file's Documents, or its failure, as rows of `DOCUMENT_SCHEMA`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from langchain_core.documents import Document

from langchain_toiotech.ray._schemas import row_error

_USAGE_COLUMNS = ("input_tokens", "output_tokens", "total_tokens")


def filename_of(source: str) -> str:
    """The last part of a path or URI (`s3://bucket/a/report.pdf` -> `report.pdf`)."""
    return PurePosixPath(source.replace("\\", "/")).name or source


def document_rows(source: str, filename: str, documents: Sequence[Document]) -> list[dict[str, Any]]:
    """One row per Document of a file, in page order.

    The file's one extraction call has one usage: it goes on the file's first row only, so that summing a
    usage column over the dataset counts each call once (every row's `metadata_json` still carries it).
    """
    rows: list[dict[str, Any]] = []
    for index, document in enumerate(documents):
        metadata = {**document.metadata, "source": source, "filename": filename}
        usage = metadata.get("usage") if index == 0 else None
        page = metadata.get("page")
        rows.append(
            {
                "source": source,
                "filename": filename,
                "mime_type": metadata.get("mime_type"),
                "page": page if isinstance(page, int) else None,
                "page_content": document.page_content,
                "metadata_json": json.dumps(metadata, default=str, ensure_ascii=False),
                "model": metadata.get("model"),
                **{name: usage.get(name) if isinstance(usage, dict) else None for name in _USAGE_COLUMNS},
            }
        )
    return rows


def failed_file_row(source: str, error: BaseException) -> dict[str, Any]:
    """The one row of a file that could not be read: its source and its error, nothing else."""
    return {"source": source, "filename": filename_of(source), **row_error(error, source).columns()}
