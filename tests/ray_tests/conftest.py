"""One local Ray cluster and one emulator process for the Ray tests (both stopped at the end)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import pytest

from tests.ray_tests._emulator_process import EmulatorProcess

CANARY_ENV: Final = "canary-runtime-env-" + secrets.token_hex(8)
"""Put in the job's runtime_env, where a key must never go: proves the scan of Ray's job metadata reads it."""

OBJECT_STORE_BYTES: Final = 80 * 2**20
"""Small enough to scan the whole object store's memory for the key (Ray's minimum is 75 MiB)."""


@dataclass(frozen=True)
class RayCluster:
    secret: str
    gateway: EmulatorProcess


@pytest.fixture(scope="package")
def ray_cluster() -> Iterator[RayCluster]:
    import ray  # noqa: PLC0415 - deselected runs (-m "not ray") never pay for importing Ray
    import ray.data  # noqa: PLC0415

    secret = "sk-ray-" + secrets.token_hex(16)
    gateway = EmulatorProcess(api_key=secret)
    environment = {
        "TOIOTECH_API_KEY": secret,  # workers inherit it from the raylet, which inherits it from this process
        "TOIOTECH_BASE_URL": gateway.base_url,
        "RAY_AUTH_MODE": "disabled",  # a loopback test cluster; token auth would write ~/.ray/auth_token
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        try:
            ray.init(
                num_cpus=2,
                include_dashboard=False,
                log_to_driver=False,
                object_store_memory=OBJECT_STORE_BYTES,
                _node_ip_address="127.0.0.1",
                runtime_env={"env_vars": {"TOIOTECH_RAY_TEST_CANARY": CANARY_ENV}},
            )
            # Rows come back in input order only when asked (as the module docstring says).
            ray.data.DataContext.get_current().execution_options.preserve_order = True
            yield RayCluster(secret, gateway)
        finally:
            ray.shutdown()
            gateway.stop()
    assert not os.environ.get("TOIOTECH_API_KEY", "").startswith("sk-ray-")
