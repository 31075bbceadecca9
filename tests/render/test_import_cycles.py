"""render/'s modules import one another one way only: no cycle, lazy imports included (a lazy
import inside a function hides a cycle from Python, not from a reader)."""

from __future__ import annotations

import ast
from pathlib import Path

RENDER = Path(__file__).parents[2] / "src" / "gemini_interactions" / "render"
PACKAGE = "gemini_interactions.render"


def _module(path: Path) -> str:
    return PACKAGE if path.stem == "__init__" else f"{PACKAGE}.{path.stem}"


def _render_imports(path: Path) -> set[str]:
    """The render modules ``path`` imports anywhere in it (module level or inside functions)."""
    modules = {_module(p) for p in RENDER.glob("*.py")}
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["gemini_interactions", "render"][: 3 - node.level]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # ``from . import _x`` and ``from .. render import _x`` name modules; others, names.
            names = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in modules]
            names = names or [module]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]  # a name inside a module: the module
            if name.startswith(PACKAGE):
                found.add(name)
    found.discard(_module(path))
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def _graph() -> dict[str, set[str]]:
    return {_module(p): _render_imports(p) for p in sorted(RENDER.glob("*.py"))}


def test_render_has_no_import_cycle() -> None:
    graph = _graph()
    assert len(graph) > 10 and sum(map(len, graph.values())) > 10  # the walk found imports
    assert _cycles(graph) == []


def test_submodules_do_not_import_the_package() -> None:
    # The package's __init__ imports the submodules: one importing it back would be a cycle.
    users = [name for name, deps in _graph().items() if PACKAGE in deps and name != PACKAGE]
    assert users == []


def test_the_check_sees_a_lazy_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]
