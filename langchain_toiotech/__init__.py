"""LangChain integration for the toiotech AI gateway."""

from langchain_toiotech._version import __version__
from langchain_toiotech.chat_models import ChatToiotech
from langchain_toiotech.embeddings import ToiotechEmbeddings

__all__ = ["ChatToiotech", "ToiotechEmbeddings", "__version__"]
