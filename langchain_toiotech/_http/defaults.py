"""Where a client connects and how often it retries when the caller says nothing: shared by fields and transport."""

from __future__ import annotations

from typing import Final

# Kept apart from `_http.client` so that the client classes' field defaults (`_config.settings`) do not load the
# transport: defining `ChatToiotech` must not import httpcore and the readers, which only the first request needs.
DEFAULT_BASE_URL: Final = "https://api.toiotech.com/v1"
DEFAULT_MAX_RETRIES: Final = 2
