"""Per-request decisions: log, authenticate, then a queued fault, a scripted reply, or the default route."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from langchain_toiotech.testing._faults import Fault, fault_reply
from langchain_toiotech.testing._files import FileStore
from langchain_toiotech.testing._models import ModelRegistry
from langchain_toiotech.testing._records import Incoming, RecordedRequest
from langchain_toiotech.testing._routes import EmulatorConfig, Router, route_key
from langchain_toiotech.testing._wire import Reply, error_object, json_reply, with_request_id

_T = TypeVar("_T")


@dataclass(frozen=True)
class Outcome:
    """What to send for one request.

    Attributes:
        reply: The reply, or None to close the connection without answering.
        fault: The fault that applies to the reply's delivery, if any.
        request_id: The request id (``X-Oneapi-Request-Id``).
    """

    reply: Reply | None
    fault: Fault | None
    request_id: str

    @property
    def status(self) -> int | None:
        """The status sent (None when the connection is dropped)."""
        return self.reply.status if self.reply is not None else None


@dataclass
class _Entry(Generic[_T]):
    item: _T
    remaining: int


class _Queue(Generic[_T]):
    """FIFO of items, each usable a given number of times."""

    def __init__(self) -> None:
        self._entries: deque[_Entry[_T]] = deque()

    def push(self, item: _T, times: int) -> None:
        self._entries.append(_Entry(item, times))

    def pop(self) -> _T | None:
        if not self._entries:
            return None
        entry = self._entries[0]
        entry.remaining -= 1
        if entry.remaining == 0:
            self._entries.popleft()
        return entry.item

    def __len__(self) -> int:
        return len(self._entries)


class Gateway:
    """Thread-safe emulator state shared by all connection threads."""

    def __init__(
        self, config: EmulatorConfig, models: ModelRegistry | None = None, max_records: int | None = None
    ) -> None:
        """Create the state.

        Args:
            config: The emulator configuration.
            models: The served models (default: the gateway's catalogue).
            max_records: Most requests kept in the log, oldest dropped first (None: all).
        """
        self.config = config
        self.files = FileStore(config.files_api, config.file_processing_polls)
        self.models = models if models is not None else ModelRegistry()
        self.router = Router(config, self.files, self.models)
        self._lock = threading.Lock()
        self._records: deque[RecordedRequest] = deque(maxlen=max_records)
        self._faults: dict[str, _Queue[Fault]] = {}
        self._scripts: dict[str, _Queue[Reply]] = {}
        self._request_counter = 0

    @property
    def records(self) -> list[RecordedRequest]:
        """A copy of the request log, in arrival order."""
        with self._lock:
            return list(self._records)

    def clear_records(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._records.clear()

    def enqueue_fault(self, fault: Fault, path: str, times: int) -> None:
        """Queue a fault for a path (``"*"``: any path).

        Args:
            fault: The fault.
            path: The path, with or without ``/v1``.
            times: How many requests it applies to.
        """
        _check_times(times)
        with self._lock:
            self._faults.setdefault(route_key(path), _Queue()).push(fault, times)

    def enqueue_reply(self, path: str, reply: Reply, times: int) -> None:
        """Queue a scripted reply for a path (``"*"``: any path).

        Args:
            path: The path, with or without ``/v1``.
            reply: The reply.
            times: How many requests it answers.
        """
        _check_times(times)
        with self._lock:
            self._scripts.setdefault(route_key(path), _Queue()).push(reply, times)

    def pending(self) -> int:
        """Number of queued faults and scripted replies not used yet.

        Returns:
            The count of queue entries.
        """
        with self._lock:
            faults = sum(len(queue) for queue in self._faults.values())
            return faults + sum(len(queue) for queue in self._scripts.values())

    def handle(self, incoming: Incoming) -> Outcome:
        """Decide the outcome of one request.

        Args:
            incoming: The parsed request.

        Returns:
            The outcome.
        """
        with self._lock:
            self._request_counter += 1
            request_id = f"20260101000000{self._request_counter:09d}emu"
            self._records.append(replace(incoming.record(), request_id=request_id))
        outcome = self._decide(incoming, request_id)
        self._record_status(request_id, outcome.status)
        return outcome

    def _record_status(self, request_id: str, status: int | None) -> None:
        """Write the answer's status into the request's log entry (still near the end, unless dropped)."""
        with self._lock:
            for offset in range(1, len(self._records) + 1):
                record = self._records[-offset]
                if record.request_id == request_id:
                    self._records[-offset] = replace(record, status=status)
                    return

    def _decide(self, incoming: Incoming, request_id: str) -> Outcome:
        denied = self._check_auth(incoming, request_id)
        if denied is not None:
            return Outcome(denied, None, request_id)
        fault, scripted = self._take(route_key(incoming.path))
        if fault is not None and fault.drop_connection:
            return Outcome(None, fault, request_id)
        if fault is not None and fault.status is not None:
            return Outcome(fault_reply(fault, request_id), fault, request_id)
        reply = scripted if scripted is not None else self._route(incoming, request_id)
        return Outcome(reply, fault, request_id)

    def _route(self, incoming: Incoming, request_id: str) -> Reply:
        try:
            return self.router.route(incoming, request_id)
        except Exception as exc:  # noqa: BLE001 - an emulator bug must reach the test as a 500, not kill the thread
            message = with_request_id(f"emulator error: {type(exc).__name__}: {exc}", request_id)
            return json_reply(error_object(message, "emulator_error", "emulator_error"), 500)

    def _take(self, key: str) -> tuple[Fault | None, Reply | None]:
        with self._lock:
            fault = self._pop(self._faults, key)
            if fault is not None and fault.replaces_reply:
                return fault, None
            return fault, self._pop(self._scripts, key)

    @staticmethod
    def _pop(queues: dict[str, _Queue[_T]], key: str) -> _T | None:
        for name in (key, "*"):
            queue = queues.get(name)
            item = queue.pop() if queue is not None else None
            if item is not None:
                return item
        return None

    def authorised(self, headers: Mapping[str, str]) -> bool:
        """Tell whether a request's headers carry an accepted Bearer token (the server asks before the body).

        Args:
            headers: Headers with lower-cased names.

        Returns:
            Whether the request may proceed.
        """
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip()
        return scheme.lower() == "bearer" and bool(token) and self.config.api_key in {None, token}

    def _check_auth(self, incoming: Incoming, request_id: str) -> Reply | None:
        if self.authorised(incoming.headers):
            return None
        token = incoming.headers.get("authorization", "").partition(" ")[2].strip()
        message = "无效的令牌" if token else "未提供令牌"
        body = error_object(with_request_id(message, request_id), "new_api_error", "invalid_api_key")
        return json_reply(body, 401)


def _check_times(times: int) -> None:
    if times < 1:
        msg = f"times must be at least 1, got {times}"
        raise ValueError(msg)
