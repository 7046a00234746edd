"""The layout shows the architecture: packages by concern in layers, imports only downwards, no circles, and
one composition root (create_app) that builds every collaborator."""
from __future__ import annotations

import ast
import glob
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Lowest first. A module may import its own package and any package of a lower layer, nothing else.
LAYERS = (
    ("engine", "platform"),     # the pure core; the platform (config, Redis client, logging, keys, queue)
    ("understanding", "flows"),
    ("channels",),
    ("tips",),
    ("officers", "broadcasts"),  # broadcasts: community alerts to residents who opted in
    ("conversations",),
    ("services",),              # what create_app() built, for the layer above
    ("web", "jobs"),
    ("cli",),                   # commands; `retention purge` runs the purge job by hand
    ("app",),                   # bot/__init__.py: create_app(), the one composition root
)
RANK = {package: rank for rank, names in enumerate(LAYERS) for package in names}
PACKAGES = sorted(name for name in RANK if os.path.isdir(os.path.join(ROOT, "bot", name)))


def module_name(path: str) -> str:
    """bot/tips/photos.py -> bot.tips.photos; bot/tips/__init__.py -> bot.tips."""
    name = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
    return name.removesuffix(".__init__")


def is_module(name: str) -> bool:
    """Whether a dotted name is a module or package of this repository."""
    base = os.path.join(ROOT, *name.split("."))
    return os.path.isfile(base + ".py") or os.path.isfile(os.path.join(base, "__init__.py"))


MODULES = {module_name(p): p for p in glob.glob(os.path.join(ROOT, "bot", "**", "*.py"), recursive=True)}


def imports_of(name: str) -> set[str]:
    """The repository modules a module imports (anywhere in it, type-only imports included)."""
    path = MODULES[name]
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "bot"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "bot":
                continue
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if is_module(f"{base}.{alias.name}") else base)
    return found - {name}


GRAPH = {name: imports_of(name) for name in MODULES}


def layer_package(name: str) -> str:
    """The package (or top-level module) a module belongs to, as LAYERS names it."""
    parts = name.split(".")
    return "app" if len(parts) == 1 else parts[1]


def test_every_module_is_in_a_layer():
    assert {layer_package(name) for name in MODULES} <= set(RANK), "a bot/ package or module is missing in LAYERS"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_only_down_the_layers(name: str):
    mine = layer_package(name)
    wrong = [f"{name} imports {target}: {mine} may not import {layer_package(target)}"
             for target in sorted(GRAPH[name])
             if layer_package(target) != mine and RANK[layer_package(target)] >= RANK[mine]
             and target != "bot"]
    assert not wrong, "\n".join(wrong)


def test_the_root_package_is_imported_by_nobody_inside_bot():
    """Only wsgi.py, worker.py, tests and benchmarks start from create_app()."""
    assert [name for name, targets in GRAPH.items() if "bot" in targets] == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    assert cycles(GRAPH) == []


def test_the_circle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_says_what_it_owns_and_may_import(package: str):
    doc = ast.get_docstring(ast.parse(open(os.path.join(ROOT, "bot", package, "__init__.py")).read())) or ""
    assert len(doc) > 60 and ("May import" in doc or package == "engine"), f"bot/{package}/__init__.py"


def test_line_is_only_the_loop():
    """Line receives, advances, commits and renders; it is handed its collaborators and builds none."""
    tree = ast.parse(open(os.path.join(ROOT, "bot", "conversations", "line.py")).read())
    line = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Line")
    methods = {node.name for node in line.body if isinstance(node, ast.FunctionDef)}
    public = {name for name in methods if not name.startswith("_")}
    assert public == {"receive", "drain", "officer_wrote", "handle", "hints_needed", "render", "trouble"}
    init = next(node for node in line.body if isinstance(node, ast.FunctionDef) and node.name == "__init__")
    assert not [node for node in ast.walk(init) if isinstance(node, ast.Call)], "Line.__init__ builds something"


BUILT_ONCE = ("ConversationStore", "TipRepository", "HandleStore", "PhotoStore", "Deliveries", "DutyRoster", "Stats",
              "Spool", "Outbox", "FlowLibrary", "FlowRevisions", "Renderer", "OfficerDirectory", "OfficerAlerts",
              "Accounts", "SecondFactors", "SingleSignOn", "AuditLog", "JobQueue", "Senders", "PhotoIntake", "Line", "Services",
              "Subscribers", "BroadcastStore", "Broadcaster", "Pacer")


@pytest.mark.parametrize("cls", BUILT_ONCE)
def test_collaborators_are_built_only_in_the_composition_root(cls: str):
    builders = set()
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == cls:
                builders.add(name)
    assert builders == {"bot"}, f"{cls} is built in {sorted(builders)}"
