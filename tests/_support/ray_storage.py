"""What a Ray cluster stored, as bytes: its GCS tables and key-value store, object store blocks and memory, files."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

import ray
from ray._private import ray_constants
from ray._private.state import state
from ray.experimental import internal_kv


def _node() -> Any:
    node = ray._private.worker._global_node
    assert node is not None, "Ray is not initialised"
    return node


def gcs_bytes() -> dict[str, bytes]:
    """The GCS job table (job configs with their runtime_env), actor table, and every key-value namespace."""
    accessor = state._connect_and_get_accessor()
    jobs = accessor.get_job_table(skip_submission_job_info_field=False, skip_is_running_tasks_field=True)
    actors = accessor.get_actor_table(None, None)
    stored = {"job table": b"".join(jobs), "actor table": b"".join(actors)}
    namespaces = {getattr(ray_constants, name) for name in dir(ray_constants) if name.startswith("KV_NAMESPACE_")}
    for namespace in namespaces:
        keys = internal_kv._internal_kv_list(b"", namespace=namespace)
        values = (key + (internal_kv._internal_kv_get(key, namespace=namespace) or b"") for key in keys)
        stored[f"kv {namespace!r}"] = b"".join(values)
    return stored


def block_bytes(datasets: Iterable[Any]) -> bytes:
    """The serialized blocks of materialized datasets, exactly as the object store (or owner) holds them."""
    core_worker = ray._private.worker.global_worker.core_worker  # type: ignore[attr-defined] # set by ray.init
    refs = [ref for dataset in datasets for bundle in dataset.iter_internal_ref_bundles() for ref in bundle.block_refs]
    objects = core_worker.get_objects(refs, 30_000)
    return b"".join(bytes(item.data or b"") + bytes(item.metadata or b"") for item in objects)


def object_store_memory() -> bytes:
    """The raylet's shared-memory object store, byte for byte (the actors' constructor arguments live there)."""
    node = _node()
    raylet = node.all_processes[ray_constants.PROCESS_TYPE_RAYLET][0].process.pid
    maps = Path(f"/proc/{raylet}/maps").read_text().splitlines()
    regions = [line.split()[0] for line in maps if "/dev/shm/plasma" in line]  # noqa: S108 - Ray's own file
    assert regions, "found no object store mapping"
    return b"".join(Path(f"/proc/{raylet}/map_files/{region}").read_bytes() for region in regions)


def session_files() -> dict[str, bytes]:
    """Every file of the cluster's session directory: logs, runtime resources, spilled objects."""
    root = Path(_node().get_session_dir_path())
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def actor_pids(class_name_part: str) -> list[int]:
    """Pids of the live actors whose class name contains `class_name_part`."""
    actors = state.actor_table(None)
    return [
        int(actor["Pid"])
        for actor in actors.values()
        if class_name_part in actor["ActorClassName"] and actor["State"] == "ALIVE" and actor["Pid"]
    ]


def actor_restarts(class_name_part: str) -> int:
    """Restarts, summed over the actors whose class name contains `class_name_part`."""
    actors = state.actor_table(None)
    return sum(int(actor["NumRestarts"]) for actor in actors.values() if class_name_part in actor["ActorClassName"])


class StoreWatch:
    """Scans the object store's memory over and over while a job runs (its actors' arguments live only then).

    `seen` collects every needle found in any scan; the last scan runs when the watch stops.
    """

    def __init__(self, *needles: bytes, every: float = 1.0) -> None:
        self.needles = needles
        self.seen: set[bytes] = set()
        self.scans = 0
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-watch", daemon=True)

    def _scan(self) -> None:
        memory = object_store_memory()
        self.seen.update(needle for needle in self.needles if needle in memory)
        self.scans += 1

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._scan()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._scan()
