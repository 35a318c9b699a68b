"""The package's layering: which folders may import which, read from the source (ast) without importing it.

The arrows (see ARCHITECTURE.md): `_http` knows no LangChain types and nothing above it; content blocks and what both
routes share know neither route; the two routes do not know each other. A failure names the module, the line and
the import that breaks an arrow. The tests have one arrow of their own: no test module imports another.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._support.paths import REPO_ROOT

PACKAGE = "langchain_toiotech"
ROOT = REPO_ROOT / PACKAGE
TESTS = REPO_ROOT / "tests"
MAX_ROOT_PRIVATE_MODULES = 5

# What the HTTP layer may import of the package (besides itself); langchain_core and friends are forbidden there.
HTTP_MAY_IMPORT = ("_http", "errors", "_error_codes", "_version")
# folder -> package parts (first component under langchain_toiotech) it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "_blocks": ("_chat", "_responses", "chat_models"),
    "_shared": ("_chat", "_responses", "chat_models"),
    "_chat": ("_responses",),
    "_responses": ("_chat",),
}


@dataclass(frozen=True)
class Import:
    """One imported module, where it is imported."""

    module: str
    line: int


def imports_of(source: str) -> list[Import]:
    """Every absolute module a source imports, at any depth (functions, `TYPE_CHECKING` blocks included).

    `from langchain_toiotech import _x` counts as an import of `langchain_toiotech._x`: it may name a module.
    """
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == PACKAGE:
                found += [Import(f"{PACKAGE}.{alias.name}", node.lineno) for alias in node.names]
            else:
                found.append(Import(node.module, node.lineno))
    return found


def part_of(module: str) -> str | None:
    """The first component under the package (`_http`, `errors`, ...), or None for a module outside it."""
    pieces = module.split(".")
    if pieces[0] != PACKAGE:
        return None
    return pieces[1] if len(pieces) > 1 else ""


def violations(folder: str, source: str, where: str) -> list[str]:
    """The imports of one module of `folder` that break an arrow, each as a readable sentence."""
    problems: list[str] = []
    for imported in imports_of(source):
        part = part_of(imported.module)
        at = f"{where}:{imported.line} imports {imported.module}"
        if folder == "_http":
            if imported.module.split(".")[0].startswith("langchain") and part is None:
                problems.append(f"{at}: the HTTP layer knows no LangChain types")
            elif part is not None and part not in HTTP_MAY_IMPORT:
                problems.append(f"{at}: the HTTP layer may import only {', '.join(HTTP_MAY_IMPORT)}")
        elif part in FORBIDDEN.get(folder, ()):
            problems.append(f"{at}: {folder} must not import {', '.join(FORBIDDEN[folder])}")
    return problems


def modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def folder_of(path: Path) -> str:
    relative = path.relative_to(ROOT)
    return relative.parts[0] if len(relative.parts) > 1 else ""


def test_the_package_is_found() -> None:
    # Guards the tests below against passing on an empty walk.
    assert {folder_of(path) for path in modules()} >= {*FORBIDDEN, "_http", "_config", "_files", "_loader"}


@pytest.mark.parametrize("folder", ["_http", *FORBIDDEN])
def test_no_import_breaks_an_arrow(folder: str) -> None:
    checked = [path for path in modules() if folder_of(path) == folder]
    assert checked, f"no module in {folder}"
    problems = [
        problem
        for path in checked
        for problem in violations(folder, path.read_text(encoding="utf-8"), str(path.relative_to(ROOT.parent)))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("folder", "source", "expected"),
    [
        ("_http", "from langchain_core.messages import AIMessage\n", "knows no LangChain types"),
        ("_http", "from langchain_toiotech._config.settings import X\n", "may import only"),
        ("_http", "def f():\n    from langchain_toiotech import chat_models\n", "langchain_toiotech.chat_models"),
        ("_shared", "from langchain_toiotech._chat.stream import X\n", "_shared must not import"),
        ("_blocks", "import langchain_toiotech.chat_models\n", "_blocks must not import"),
        ("_chat", "from langchain_toiotech._responses.request import X\n", "_chat must not import _responses"),
        ("_responses", "from langchain_toiotech._chat.messages import X\n", "_responses must not import _chat"),
    ],
)
def test_a_forbidden_import_is_named(folder: str, source: str, expected: str) -> None:
    (problem,) = violations(folder, source, "m.py")
    assert expected in problem
    assert problem.startswith("m.py:")


def test_allowed_imports_pass() -> None:
    source = (
        "import httpx\n"
        "from langchain_toiotech._http.limits import X\n"
        "from langchain_toiotech.errors import Y\n"
        "from langchain_toiotech import _version\n"
    )
    assert violations("_http", source, "m.py") == []
    assert violations("_chat", "from langchain_toiotech._shared.answer import Z\n", "m.py") == []


def test_few_private_modules_stay_at_the_root() -> None:
    private = sorted(path.stem for path in ROOT.glob("_*.py") if path.stem != "__init__")
    assert len(private) <= MAX_ROOT_PRIVATE_MODULES, f"private modules at the package root: {private}"


def test_every_module_says_its_role_in_one_line() -> None:
    missing = []
    for path in modules():
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        lines = (docstring or "").splitlines()
        if not lines or not lines[0].strip() or (len(lines) > 1 and lines[1].strip()):
            missing.append(str(path.relative_to(ROOT.parent)))
    assert not missing, f"modules without a one-line docstring summary: {missing}"


def imported_test_modules(source: str) -> list[Import]:
    """The test modules (`tests.<...>.test_<name>`) a source imports, including `from tests.x import test_y`."""
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [
            Import(name, node.lineno)
            for name in names
            if name.split(".")[0] == "tests" and name.rsplit(".", 1)[-1].startswith("test_")
        ]
    return found


def test_no_test_module_imports_another() -> None:
    # What tests share lives in tests/_support/ (ARCHITECTURE.md, "Tests"): importing a test module runs its
    # collection-time code again and ties one suite to another's layout.
    problems = [
        f"{path.relative_to(REPO_ROOT)}:{imported.line} imports {imported.module}"
        for path in sorted(TESTS.rglob("*.py"))
        for imported in imported_test_modules(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "move what they share to tests/_support/:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        "from tests.unit_tests.test_docs import python_fences\n",
        "from tests.unit_tests import test_docs\n",
        "import tests.behaviour.test_captures_responses\n",
        "def f():\n    from tests.unit_tests._shared.test_profiles import ENTRIES\n",
    ],
)
def test_an_import_of_a_test_module_is_found(source: str) -> None:
    (found,) = {imported.line for imported in imported_test_modules(source)}
    assert found == source.count("\n")
    assert not imported_test_modules("from tests._support.captures import sse_body\nimport tests.ray_tests.conftest\n")
