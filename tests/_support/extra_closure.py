"""Run a script as if only `langchain-toiotech[extra]` were installed, inside the full test environment.

The test venv holds the test extra's libraries too, so a recipe that imports something its own extra forgets
(numpy for a vector store's similarity search, a checkpointer package) would pass here and fail in a user's
fresh venv. Building a venv per extra needs PyPI, which tests must not reach. Instead:

1. The distributions `langchain-toiotech[extra]` needs are computed from the installed distributions' metadata
   (`Requires-Dist` with markers and extras, followed transitively).
2. Each installed distribution's files (its RECORD) say which module packages it provides, to the depth
   where namespace packages part (`langgraph.checkpoint.sqlite` belongs to langgraph-checkpoint-sqlite alone).
3. The script runs in a subprocess whose `sitecustomize` puts a meta-path finder first: importing a module
   owned only by distributions outside the closure raises `ModuleNotFoundError`, as in the fresh venv. The
   standard library and modules no distribution claims (the project itself, the cookbook's `_gateway`) pass.
   `PYTHONPATH` carries the `sitecustomize`, so processes the script starts are guarded too.
"""

from __future__ import annotations

import functools
import json
import os
import site
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "langchain-toiotech"
_MODULE_DEPTH = 4
_MODULE_SUFFIXES = (".py", ".so", ".pyd")

_SITECUSTOMIZE = '''
import json, os, sys

class _OnlyTheExtra:
    """Refuses modules owned only by distributions the extra does not install."""

    def __init__(self, owners, allowed, extra):
        self.owners, self.allowed, self.extra = owners, allowed, extra

    def find_spec(self, name, path=None, target=None):
        parts = name.split(".")
        for depth in range(min(len(parts), %(depth)d), 0, -1):
            owners = self.owners.get(".".join(parts[:depth]))
            if owners is None:
                continue
            if self.allowed.intersection(owners):
                return None
            raise ModuleNotFoundError(
                f"No module named {name!r}: {', '.join(sorted(owners))} is not installed by {self.extra}", name=name
            )
        return None

with open(os.environ["TOIOTECH_EXTRA_GUARD"], encoding="utf-8") as _file:
    _guard = json.load(_file)
sys.meta_path.insert(0, _OnlyTheExtra(_guard["owners"], set(_guard["allowed"]), _guard["extra"]))
'''


@functools.cache
def requirement_closure(extra: str | None) -> frozenset[str]:
    """The canonical names of the distributions `langchain-toiotech[extra]` installs, itself included.

    Raises:
        LookupError: a distribution the closure needs is not installed here, so it cannot be checked.
    """
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(PROJECT, frozenset({extra} if extra else set()))]
    names: set[str] = set()
    while todo:
        name, extras = todo.pop()
        key = (canonicalize_name(name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as error:
            msg = f"{name} is needed by {PROJECT}[{extra or ''}] but not installed in this environment"
            raise LookupError(msg) from error
        names.add(key[0])
        for line in dist.requires or []:
            requirement = Requirement(line)
            environments = [{"extra": wanted} for wanted in (*extras, "")]
            if requirement.marker is None or any(requirement.marker.evaluate(env) for env in environments):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return frozenset(names)


def _site_directories() -> set[Path]:
    return {Path(path).resolve() for path in (*site.getsitepackages(), site.getusersitepackages())}


@functools.cache
def module_owners() -> dict[str, list[str]]:
    """Dotted package and module names (to the namespace-parting depth) → the distributions that provide them."""
    owners: defaultdict[str, set[str]] = defaultdict(set)
    for dist in metadata.distributions():
        if Path(str(dist.locate_file(""))).resolve() not in _site_directories():
            continue  # a copy a package vendors and puts on sys.path itself (ray's thirdparty_files psutil)
        owner = canonicalize_name(dist.metadata["Name"])
        for file in dist.files or []:
            parts = file.parts
            if not file.name.endswith(_MODULE_SUFFIXES) or ".." in parts or parts[0].endswith((".dist-info", ".data")):
                continue
            stem = file.name.split(".")[0]
            dotted = [*parts[:-1], *([] if stem == "__init__" else [stem])]
            for depth in range(1, min(len(dotted), _MODULE_DEPTH) + 1):
                owners[".".join(dotted[:depth])].add(owner)
    return {name: sorted(dists) for name, dists in owners.items()}


def run_with_only(
    script: Path, extra: str | None, workdir: Path, env: dict[str, str], timeout: float, *, args: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """Run `script` (with command line `args`) with only the modules of `langchain-toiotech[extra]` importable."""
    label = f"{PROJECT}[{extra}]" if extra else PROJECT
    guard = workdir / "guard.json"
    guard.write_text(
        json.dumps({"owners": module_owners(), "allowed": sorted(requirement_closure(extra)), "extra": label}),
        encoding="utf-8",
    )
    (workdir / "sitecustomize.py").write_text(_SITECUSTOMIZE % {"depth": _MODULE_DEPTH}, encoding="utf-8")
    paths = [str(workdir), *filter(None, [env.get("PYTHONPATH")])]
    child_env = {**env, "PYTHONPATH": os.pathsep.join(paths), "TOIOTECH_EXTRA_GUARD": str(guard)}
    return subprocess.run(  # noqa: S603 - our own scripts with our own interpreter
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=timeout,
        check=False,
    )
