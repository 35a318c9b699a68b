"""LangChain integration for the toiotech AI gateway."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from langchain_toiotech._version import __version__

if TYPE_CHECKING:
    from langchain_toiotech._http.limits import ReplyLimits
    from langchain_toiotech.chat_models import ChatToiotech
    from langchain_toiotech.document_loaders import ToiotechBlobParser, ToiotechFileLoader
    from langchain_toiotech.embeddings import ToiotechEmbeddings
    from langchain_toiotech.files import ToiotechFiles

__all__ = [
    "ChatToiotech",
    "ReplyLimits",
    "ToiotechBlobParser",
    "ToiotechEmbeddings",
    "ToiotechFileLoader",
    "ToiotechFiles",
    "__version__",
]

# Public classes load on first use, so `python -m langchain_toiotech.testing` and `langchain_toiotech.errors`
# do not pay for langchain-core's model machinery they never touch.
_LAZY: dict[str, str] = {
    "ChatToiotech": "langchain_toiotech.chat_models",
    "ToiotechEmbeddings": "langchain_toiotech.embeddings",
    "ToiotechFiles": "langchain_toiotech.files",
    "ToiotechFileLoader": "langchain_toiotech.document_loaders",
    "ToiotechBlobParser": "langchain_toiotech.document_loaders",
    "ReplyLimits": "langchain_toiotech._http.limits",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        msg = f"module 'langchain_toiotech' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
