"""The columns the Ray UDFs write, and the per-row error fields shared by both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa

_MAX_MESSAGE_CHARS: Final = 2_000
"""A failed row keeps this much of its error's message: enough to act on, bounded however long the body was."""

ERROR_FIELDS: Final = [
    pa.field("error_type", pa.string()),
    pa.field("error_message", pa.string()),
    pa.field("error_source", pa.string()),
]

_USAGE_FIELDS: Final = [
    pa.field("model", pa.string()),
    pa.field("input_tokens", pa.int64()),
    pa.field("output_tokens", pa.int64()),
    pa.field("total_tokens", pa.int64()),
]
"""The model that answered and the tokens it counted: the same columns in both schemas."""

CHAT_SCHEMA: Final = pa.schema(
    [
        pa.field("text", pa.string()),
        pa.field("reasoning", pa.string()),
        pa.field("finish_reason", pa.string()),
        *_USAGE_FIELDS,
        pa.field("reasoning_tokens", pa.int64()),
        *ERROR_FIELDS,
    ]
)
"""Columns `ToiotechChatUDF` adds to each batch (the input columns stay in front of them).

Fixed types, so a batch whose rows all failed (every value null) still concatenates with the others.
"""

DOCUMENT_SCHEMA: Final = pa.schema(
    [
        pa.field("source", pa.string()),
        pa.field("filename", pa.string()),
        pa.field("mime_type", pa.string()),
        pa.field("page", pa.int64()),
        pa.field("page_content", pa.string()),
        pa.field("metadata_json", pa.string()),
        *_USAGE_FIELDS,
        *ERROR_FIELDS,
    ]
)
"""Columns of the rows `ToiotechDocumentUDF` returns: one per Document, or one per failed file."""


@dataclass(frozen=True)
class RowError:
    """Why one row failed: what a rerun of only the failed rows needs to know."""

    type: str
    message: str
    source: str | None

    def columns(self) -> dict[str, Any]:
        """The error columns of the row."""
        return {"error_type": self.type, "error_message": self.message, "error_source": self.source}


def row_error(error: BaseException, source: str | None) -> RowError:
    """Describe a failure; the type is the root cause's (`RateLimitError`, not the loader's wrapper).

    Messages come from the package's errors, which never carry the key; they are cut to a bounded length.
    """
    cause = error.__cause__ if error.__cause__ is not None else error
    message = str(error) or type(error).__name__
    if len(message) > _MAX_MESSAGE_CHARS:
        message = message[: _MAX_MESSAGE_CHARS - 1] + "…"
    return RowError(type(cause).__name__, message, source)


def to_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows (dicts; absent columns are null) as a table of exactly `schema`."""
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    return pa.Table.from_pydict(columns, schema=schema)
