"""The package version, kept equal to pyproject.toml's by `tests/unit_tests/test_imports.py`."""

from __future__ import annotations

# A literal rather than importlib.metadata: reading distribution metadata costs ~25 ms at import.
__version__ = "0.1.0"
