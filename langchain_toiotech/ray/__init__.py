"""Bulk loading and batch inference on Ray Data: class UDFs that build their clients once per worker.

`pip install "langchain-toiotech[ray]"`. Two UDFs for `Dataset.map_batches`, each with a thin wrapper:

- `ToiotechDocumentUDF` / `load_documents`: files from `ray.data.read_binary_files(paths, include_paths=True)`
  into one row per Document (`DOCUMENT_SCHEMA`), through `ToiotechBlobParser`'s pipeline (upload, wait,
  extract, delete).
- `ToiotechChatUDF` / `run_chat`: `ChatToiotech` over rows of `prompt` (or `messages`), adding text,
  reasoning, finish reason, model and usage columns (`CHAT_SCHEMA`), rows in input order.

Failures are per row, never per job: a file or prompt that fails gets a row with `error_type`,
`error_message` and `error_source`, so a rerun can take only those rows
(`result.filter(expr=col("error_type").is_not_null())`, `col` from `ray.data.expressions`). A bad
configuration (no key, an unknown option) still fails the job, at its first worker's start.

**The key never travels.** Workers read `TOIOTECH_API_KEY` from their own environment: a local cluster's
workers inherit the driver's; on a real cluster set it on every node (for KubeRay, an `env` entry from a
Kubernetes Secret in the worker pod template). The UDFs refuse an `api_key` argument, since Ray stores
constructor arguments with its actors; do not put the key in `runtime_env={"env_vars": ...}` either, which
Ray keeps in the job's metadata. `base_url` is no secret and may be passed.

**Uploads are never orphaned.** Each upload is named `toiotech-ray.<run_id>.<worker>.<filename>` and deleted
once its file is read or has failed. A worker killed mid-file leaves its upload on the gateway; Ray Data
restarts the worker under the same actor id and retries its batch, and the restarted worker first deletes
the uploads its predecessor left. `delete_run_uploads(run_id)` on the driver after the job sweeps what a
worker lost for good (its node gone) left; Ark itself deletes a forgotten upload after its retention period.

**Rate limits.** A job has at most `concurrency x max_concurrency` requests in flight (workers x requests
per worker). Each worker's client retries a 429 itself, waiting the `Retry-After` the gateway sent (up to
60 s; `max_retries`, default 2), so workers back off independently and the rows succeed once the limit
allows. Size the job below the limit: with a limit of R requests per minute and calls taking L seconds,
keep `concurrency x max_concurrency <= R x L / 60` (600 RPM at 2 s a call: 20 in flight, e.g. 2 workers x
10). Past that, every extra request only earns a 429 and a wait.

```python
from pathlib import Path

import ray

from langchain_toiotech.ray import delete_run_uploads, load_documents, new_run_id, run_chat

prompts = ray.data.from_items([{"id": n, "prompt": f"Say {n}"} for n in range(4)])
answers = run_chat(prompts, "gpt-4o-mini", concurrency=1, max_concurrency=4).take_all()
print([row["text"] for row in answers])

run_id = new_run_id()
# Paths every worker can read: absolute (workers run elsewhere), on shared storage, or s3://... URIs.
files = ray.data.read_binary_files([str(Path("report.pdf").resolve())], include_paths=True)
documents = load_documents(files, "doubao-seed-1-8", run_id=run_id, mode="page").take_all()
print([(row["source"], row["page"], row["error_type"]) for row in documents])
delete_run_uploads(run_id)
```
"""

from __future__ import annotations

from langchain_toiotech.ray._chat import ToiotechChatUDF
from langchain_toiotech.ray._datasets import load_documents, run_chat
from langchain_toiotech.ray._documents import ToiotechDocumentUDF
from langchain_toiotech.ray._schemas import CHAT_SCHEMA, DOCUMENT_SCHEMA
from langchain_toiotech.ray._uploads import delete_run_uploads, new_run_id

__all__ = [
    "CHAT_SCHEMA",
    "DOCUMENT_SCHEMA",
    "ToiotechChatUDF",
    "ToiotechDocumentUDF",
    "delete_run_uploads",
    "load_documents",
    "new_run_id",
    "run_chat",
]
