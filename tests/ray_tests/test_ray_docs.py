"""The Ray examples (langchain_toiotech.ray's docstring, README fences that run Ray) run as written, on the cluster."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import langchain_toiotech.ray
from tests._support.doc_examples import python_fences, readme_fences, run_fences, sample_files
from tests.ray_tests.conftest import RayCluster

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]


def test_ray_examples_run(ray_cluster: RayCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gateway = ray_cluster.gateway
    # The driver's half of the examples (delete_run_uploads) reads the same environment the workers were given.
    monkeypatch.setenv("TOIOTECH_BASE_URL", gateway.base_url)
    monkeypatch.setenv("TOIOTECH_API_KEY", ray_cluster.secret)
    sample_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    gateway.clear_requests()
    fences = python_fences(inspect.getdoc(langchain_toiotech.ray) or "") + readme_fences(ray=True)
    run_fences(fences, "the Ray examples")
    paths = {request.path for request in gateway.requests}
    assert {"/v1/chat/completions", "/v1/files", "/v1/responses"} <= paths
    assert gateway.files == {}
