"""The engine is the functional core: it imports only the standard library and itself."""
from __future__ import annotations

import ast
import glob
import os
import sys

import pytest

ENGINE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bot", "engine")
FILES = sorted(glob.glob(os.path.join(ENGINE, "*.py")))
# Standard-library modules that would let the engine reach the outside world on its own.
IMPURE = {"os", "time", "random", "secrets", "socket", "subprocess", "threading", "asyncio", "urllib", "http",
          "logging", "datetime", "uuid", "sqlite3", "shutil", "tempfile", "io", "pathlib", "sys"}


def imported_modules(path: str) -> list[tuple[str, int]]:
    """(top-level module, level) of every import in a file."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append(((node.module or "").split(".")[0], node.level))
    return found


def test_engine_has_modules():
    assert len(FILES) >= 7


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_engine_imports_only_the_standard_library(path: str):
    for module, level in imported_modules(path):
        if level > 0:
            continue  # a relative import stays inside bot/engine
        assert module in sys.stdlib_module_names, f"{os.path.basename(path)} imports {module!r}"
        assert module not in IMPURE, f"{os.path.basename(path)} imports {module!r}, which reaches the outside world"


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_engine_relative_imports_stay_inside(path: str):
    for module, level in imported_modules(path):
        assert level <= 1, f"{os.path.basename(path)} imports from outside bot/engine"
