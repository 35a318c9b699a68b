"""Which gateway error codes, statuses and message phrases mean what: the tables `errors` classifies by."""

from __future__ import annotations

from typing import Final

CONTEXT_OVERFLOW_CODES: Final = frozenset(
    {
        "context_length_exceeded",
        "model_context_window_exceeded",
        "context_window_exceeded",
    }
)
"""Structured `error.code` / `error.type` values that mean the prompt is too long."""

CONTEXT_OVERFLOW_PHRASES: Final = (
    "maximum context length",
    "context length exceeded",
    "context_length_exceeded",
    "prompt is too long",
    "input is too long",
    "exceeds the context window",
)
"""Message fragments used only when a vendor sends no structured code (DeepSeek, Claude relays)."""

QUOTA_EXHAUSTED_CODES: Final = frozenset(
    {
        "insufficient_quota",
        "insufficient_user_quota",
        "QuotaExceeded",
        "exceeded_current_quota_error",
    }
)
"""429 codes that no retry can fix: the account is out of credit, not rate limited."""

RETRYABLE_CLIENT_STATUSES: Final = frozenset({408, 409})
"""4xx statuses a retry can clear (request timeout, conflict); they have no `langchain_core` class of their own,
so without this they would inherit `ModelError.is_retryable = False` and never be retried."""
