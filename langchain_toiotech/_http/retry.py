"""Retry policy: which failures are retried and how long to wait before the next attempt."""

from __future__ import annotations

import email.utils
import logging
import random
import time
from typing import Final

import httpx

from langchain_toiotech._http.deadline import time_left
from langchain_toiotech.errors import APIConnectionError, APIStatusError, ToiotechError

logger = logging.getLogger(__name__)

INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
MAX_RETRY_AFTER: Final = 60.0
RETRYABLE_STATUSES: Final = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})


def should_retry(error: ToiotechError) -> bool:
    """Tell whether another attempt may succeed where this one failed.

    Connection errors and timeouts are retried (except a request refused on this machine before it was sent,
    marked `is_retryable = False`), and so are 408, 409, 429 and the 5xx statuses, except a 429 that says the
    quota is exhausted. 400, 401, 403, 404, 413, 422 and 501 are final.
    """
    if isinstance(error, APIConnectionError):
        return bool(getattr(error, "is_retryable", True))
    if isinstance(error, APIStatusError):
        return error.status_code in RETRYABLE_STATUSES and getattr(error, "is_retryable", True)
    return False


def next_delay(error: ToiotechError, attempt: int, max_retries: int) -> float | None:
    """Seconds to wait before retrying, or None when the error is final or the call's deadline comes first."""
    if attempt >= max_retries or not should_retry(error):
        return None
    delay = retry_delay(attempt, getattr(error, "response", None))
    left = time_left()
    if left is not None and delay >= left:
        logger.info("Not retrying: the call's timeout ends in %.2f s, before the next attempt: %s", left, error)
        return None
    logger.info("Retrying in %.2f s (attempt %d of %d): %s", delay, attempt + 2, max_retries + 1, error)
    return delay


def retry_delay(attempt: int, response: httpx.Response | None) -> float:
    """Seconds to wait before retry number `attempt + 1`.

    A `Retry-After` (or `retry-after-ms`) the server sends is honoured when it lies in (0, 60] seconds;
    otherwise the wait is 0.5 s doubled per attempt, capped at 8 s, and scaled down by up to a quarter
    at random so that many clients retrying at once spread out.
    """
    if response is not None:
        server_delay = parse_retry_after(response.headers)
        if server_delay is not None and 0 < server_delay <= MAX_RETRY_AFTER:
            return server_delay
    backoff = min(INITIAL_RETRY_DELAY * 2.0**attempt, MAX_RETRY_DELAY)
    jitter = 1.0 - 0.25 * random.random()  # noqa: S311 - spreading retries needs no cryptographic randomness
    return backoff * jitter


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """Read `retry-after-ms`, then `Retry-After` as seconds or as an HTTP date, in seconds from now."""
    if milliseconds := headers.get("retry-after-ms"):
        try:
            return float(milliseconds) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return float(email.utils.mktime_tz(parsed)) - time.time()
