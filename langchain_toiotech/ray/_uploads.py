"""Uploads tagged with their run and worker, so that none outlives a job, even one whose worker was killed.

An upload is named `toiotech-ray.<run_id>.<worker>.<filename>`. The pipeline deletes it once its file is read
(or has failed). A worker killed mid-file cannot: its upload stays on the gateway. Ray Data restarts a dead
actor under the same actor id (`max_restarts=-1`), and the restarted worker deletes its predecessor's uploads
before taking work (`sweep_predecessor`), while the file itself is retried. `delete_run_uploads(run_id)`, run
on the driver after the job, deletes whatever is left (a node lost for good); Ark's own retention (7 days by
default) is the last resort.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import uuid
from typing import Any, Final

from langchain_toiotech.errors import ToiotechError
from langchain_toiotech.files import ToiotechFiles

logger = logging.getLogger("langchain_toiotech")

TAG_PREFIX: Final = "toiotech-ray"
_RUN_ID: Final = re.compile(r"[0-9a-z]{6,32}")
_WORKER_CHARS: Final = 12


def new_run_id() -> str:
    """A fresh run id (12 lowercase hex characters) to pass to `load_documents` and `delete_run_uploads`.

    Make it on the driver: every worker of the job must tag its uploads with the same one.

    ```python
    from langchain_toiotech.ray import new_run_id

    run_id = new_run_id()
    assert len(run_id) == 12
    ```
    """
    return secrets.token_hex(6)


def check_run_id(run_id: str) -> str:
    """Refuse a run id that cannot tag a file name unambiguously.

    Raises:
        ValueError: not 6 to 32 characters of lowercase letters and digits.
    """
    if not isinstance(run_id, str) or _RUN_ID.fullmatch(run_id) is None:
        msg = f"run_id must be 6 to 32 lowercase letters or digits (see new_run_id()), got {run_id!r}"
        raise ValueError(msg)
    return run_id


def run_prefix(run_id: str, worker: str | None = None) -> str:
    """The file-name prefix of a run's uploads, or of one worker's uploads in it."""
    prefix = f"{TAG_PREFIX}.{check_run_id(run_id)}."
    return prefix if worker is None else f"{prefix}{worker}."


def worker_tag() -> tuple[str, bool]:
    """This worker's tag and whether it is a restart of a worker that died.

    Inside a Ray actor the tag is the actor id's end, which a restarted actor keeps; elsewhere (a test, a
    plain process) a random one, never a restart.
    """
    # A Ray worker has imported Ray before it builds a UDF; a process that has not is no worker. And
    # get_runtime_context() would start a local cluster in a process that has none: ask first.
    ray = sys.modules.get("ray")
    context = ray.get_runtime_context() if ray is not None and ray.is_initialized() else None
    actor_id = context.get_actor_id() if context is not None else None
    if context is None or actor_id is None:
        return uuid.uuid4().hex[:_WORKER_CHARS], False
    return actor_id[-_WORKER_CHARS:], bool(context.was_current_actor_reconstructed)


def tagged_name(prefix: str, filename: str) -> str:
    """The name an upload is sent under."""
    return f"{prefix}{filename}"


def untagged(name: str, prefix: str) -> str:
    """The file's own name, without the tag."""
    return name.removeprefix(prefix)


def delete_tagged(files: ToiotechFiles, prefix: str) -> list[str]:
    """Delete every upload whose name starts with `prefix`; a failed deletion is logged and left out.

    Returns:
        The ids deleted.
    """
    deleted: list[str] = []
    for uploaded in files.list():
        if not (uploaded.filename or "").startswith(prefix):
            continue
        try:
            files.delete(uploaded.id)
        except ToiotechError as error:
            logger.warning("Could not delete leftover upload %s (%s): %s", uploaded.id, uploaded.filename, error)
            continue
        deleted.append(uploaded.id)
    return deleted


def delete_run_uploads(run_id: str, **client_options: Any) -> list[str]:
    """Delete every upload a run's workers left on the gateway (run it on the driver after the job).

    Normally there are none: each file's upload is deleted once it is read, and a restarted worker deletes
    those of the worker it replaces. This sweeps what a worker lost for good (its node gone) left behind.

    Args:
        run_id: The run id given to `load_documents` / `ToiotechDocumentUDF`.
        **client_options: `ToiotechFiles` options (`base_url`, `files_base_url`, `timeout`...); the key comes
            from `TOIOTECH_API_KEY` unless `api_key` is given (this runs on the driver, not in Ray).

    Returns:
        The ids of the uploads deleted.

    Raises:
        ValueError: `run_id` is malformed.
        ToiotechError: the listing failed.
    """
    prefix = run_prefix(run_id)
    return delete_tagged(ToiotechFiles(**client_options), prefix)
