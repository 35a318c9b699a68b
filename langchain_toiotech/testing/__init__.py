"""A loopback emulator of the toiotech gateway for tests and benchmarks (standard library only).

```python
from langchain_toiotech.testing import Fault, GatewayEmulator

with GatewayEmulator() as gw:
    gw.enqueue_fault(Fault(status=429, retry_after="1"), path="/chat/completions")
    ...  # point a client at gw.base_url, then inspect gw.requests
```

:func:`emulator_process` serves it from a child process instead, which other processes (Ray workers,
benchmarks) reach over loopback. :func:`sample_pdf`, :func:`sample_png`, :func:`sample_mp4` and
:func:`write_sample_folder` make well-formed input files (PDFs with pages, images, videos) for the loader.

Strict by default (``strict=False`` for the permissive emulator): only ``/v1/...`` routes; only the gateway's
catalogue models (plus ``models=`` / :meth:`GatewayEmulator.register_model`), others get the gateway's 404; per
model, as the profile table says: reasoning or not and in the vendor's shape, the media it takes (else the
vendor's 400), the routes that serve it; Ark video fps in 0.2-5; the DeepSeek, Kimi, MiMo, Gemini 3 and Claude
history contracts (``_contracts``) answered with the vendor's 400.

Default replies (nothing scripted):

- ``POST /v1/chat/completions``: content ``"Hello from the toiotech emulator. You said: <last user text>"``,
  plus ``" (saw 1 image, 1 video at fps 2)"`` for media parts; reasoning ``"Thinking about: <text>"`` from
  reasoning models, dropped by ``thinking: {"type": "disabled"}``, ``enable_thinking: false`` or
  ``reasoning_effort: "none"``. After a ``tool`` message: ``"... The tool said: <tool output>"``.
- Long streams: a last user text containing ``"stream N chunks"``, or ``max_tokens`` /
  ``max_completion_tokens`` (Responses: ``max_output_tokens``) = N, gives exactly N content deltas (padded with
  ``" w<i>"`` words, or cut with ``finish_reason: "length"`` when a token limit cuts the reply).
- Tool calls (``_tools``): when the last user text names a tool or uses words of its name or description, or
  ``tool_choice`` forces one; several when parallel calls are allowed. Arguments fill the tool's JSON schema from
  the conversation (``_schema_values``). Ids are ``call_emu_<n>``; Gemini calls carry a thought signature.
- Structured output: ``response_format`` ``json_schema`` (Responses: ``text.format``) → JSON built from the
  schema (one array entry per page of an attached PDF where the array is about pages); ``json_object`` → the
  keys the prompt asks for, else ``{"answer": "<reply text>"}``.
- ``POST /v1/responses`` (named events, no ``[DONE]``), ``/v1/files`` (Ark, OpenAI or 501),
  ``POST /v1/embeddings`` (deterministic unit vectors of the model's length), ``GET /v1/models``; anything else
  is new-api's 404.

``GatewayEmulator(latency=0.1)`` (``--latency 0.1``) makes every reply, on every route, wait that long before its
first byte, as a gateway's round trip would, for benchmarks of concurrency. Every response carries an
``X-Oneapi-Request-Id`` header. Run ``python -m langchain_toiotech.testing --port N`` to serve from the command line.
"""

from __future__ import annotations

from langchain_toiotech.testing._emulator import GatewayEmulator
from langchain_toiotech.testing._faults import Fault
from langchain_toiotech.testing._models import EmulatedModel
from langchain_toiotech.testing._process import emulator_process
from langchain_toiotech.testing._records import RecordedRequest
from langchain_toiotech.testing._samples import sample_mp4, sample_pdf, sample_png, write_sample_folder
from langchain_toiotech.testing._server_limits import ServerLimits

__all__ = [
    "EmulatedModel",
    "Fault",
    "GatewayEmulator",
    "RecordedRequest",
    "ServerLimits",
    "emulator_process",
    "sample_mp4",
    "sample_pdf",
    "sample_png",
    "write_sample_folder",
]
