"""LangChain integration for the toiotech AI gateway."""

from langchain_toiotech._version import __version__
from langchain_toiotech.chat_models import ChatToiotech

__all__ = ["ChatToiotech", "__version__"]
