"""The import direction: `connectors/` knows trackers and nothing of the service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import connectors

CONNECTORS_ROOT = Path(connectors.__file__).parent


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module a piece of Python source imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "source",
    [
        "import service",
        "import service.clock as c",
        "from service.store import items",
        "def f():\n    from service import config\n",
    ],
)
def test_the_checker_sees_every_form_of_importing_service(source):
    assert "service" in imported_modules(source)


def test_connectors_never_import_service():
    files = sorted(CONNECTORS_ROOT.rglob("*.py"))
    assert files, "no connector sources found"
    offenders = [
        str(path.relative_to(CONNECTORS_ROOT))
        for path in files
        if "service" in imported_modules(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
