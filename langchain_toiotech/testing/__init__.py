"""A loopback emulator of the toiotech gateway for tests and benchmarks (standard library only).

```python
from langchain_toiotech.testing import Fault, GatewayEmulator

with GatewayEmulator() as gw:
    gw.enqueue_fault(Fault(status=429, retry_after="1"), path="/chat/completions")
    ...  # point a client at gw.base_url, then inspect gw.requests
```

Default replies (nothing scripted):

- ``POST /v1/chat/completions``: content ``"Hello from the toiotech emulator. You said: <last user text>"``,
  plus ``" (saw 1 image, 1 video at fps 2)"`` for media parts; reasoning ``"Thinking about: <text>"`` in the
  ``reasoning_style`` shape, dropped by ``thinking: {"type": "disabled"}``, ``enable_thinking: false`` or
  ``reasoning_effort: "none"``. After a ``tool`` message: ``"... The tool said: <tool output>"``.
- Long streams: a last user text containing ``"stream N chunks"``, or ``max_tokens`` /
  ``max_completion_tokens`` (Responses: ``max_output_tokens``) = N, gives exactly N content deltas (padded with
  ``" w<i>"`` words, or cut with ``finish_reason: "length"`` when a token limit cuts the reply).
- Tool calls: when ``tools`` are offered, ``tool_choice`` is not ``"none"`` and the last message is not a tool
  result, and either ``tool_choice`` forces a call (``"required"`` or a named function) or the last user text
  names a tool (``get_weather`` or ``get weather``). Arguments are built from the tool's JSON schema
  (strings ``"example"`` or the first enum value, integers 3, numbers 1.5, booleans true, one array item).
  Ids are ``call_emu_<n>``; several named tools give parallel calls unless ``parallel_tool_calls`` is false.
- Structured output: ``response_format`` ``json_schema`` (Responses: ``text.format``) → JSON built from the
  schema; ``json_object`` → ``{"answer": "<reply text>"}``.
- ``POST /v1/responses`` (named events, no ``[DONE]``), ``/v1/files`` (Ark, OpenAI or 501),
  ``POST /v1/embeddings`` (hash-based unit vectors), ``GET /v1/models``; anything else is new-api's 404.

Every response carries an ``X-Oneapi-Request-Id`` header. Run ``python -m langchain_toiotech.testing --port N``
to serve from the command line.
"""

from __future__ import annotations

from langchain_toiotech.testing._emulator import GatewayEmulator
from langchain_toiotech.testing._faults import Fault
from langchain_toiotech.testing._models import EmulatedModel
from langchain_toiotech.testing._records import RecordedRequest
from langchain_toiotech.testing._server_limits import ServerLimits

__all__ = ["EmulatedModel", "Fault", "GatewayEmulator", "RecordedRequest", "ServerLimits"]
