"""Measure how thin the magics shell is (issue 22): three numbers to compare before and after.

    python tools/shell_metrics.py

1. **magics/ lines**: total lines of ``src/gemini_interactions/magics/*.py``.
2. **cross-module private uses**: read every module of the package with ``ast``. A *private name*
   is a non-dunder name starting with ``_`` that a module defines: a top-level function, class or
   assignment target, a name assigned or defined in a class body, or an attribute assigned on
   ``self``/``cls`` (``self._x = ...``). A *use* is counted when a module

   - imports a private name (``from .x import _name``) that another module defines, or
   - reads or writes an attribute ``obj._name`` (including ``self._name``) where ``_name`` is
     defined by no class or top level of the using module but is defined by another module.

   Private *module* names (``_session`` in ``from ._session import Session``) are the package's
   layout, not a reach-in, and are not counted. Each use site counts once; the report lists the
   count per (using module -> defining module) pair.
3. **a cell's path**: a real ``InteractiveShell`` loads the extension and runs one
   ``%%gemini --dry-run`` cell twice (the first does the lazy imports), the second under
   ``sys.settrace``; every package module that runs a Python call is listed in first-visit order,
   and the number of times control comes back into ``magics/_session.py`` after leaving it for
   another package module is reported. The dry run sends nothing, so no key or network is needed.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "gemini_interactions"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        yield ".".join(rel.parts), ast.parse(path.read_text(), str(path))


def _targets(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            yield from _targets(elt)


def defined_private(tree: ast.Module) -> set[str]:
    """The private names a module defines (see the module docstring)."""
    names: set[str] = set()

    def body(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    names.update(_targets(target))
            elif isinstance(stmt, ast.AnnAssign):
                names.update(_targets(stmt.target))
            if isinstance(stmt, ast.ClassDef):
                body(stmt.body)

    body(tree.body)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"self", "cls"}
        ):
            names.add(node.attr)
    return {name for name in names if _is_private(name)}


def private_uses() -> Counter[tuple[str, str]]:
    """(using module, defining module) -> number of cross-module private-name use sites."""
    trees = dict(_modules())
    defined = {module: defined_private(tree) for module, tree in trees.items()}
    owners: dict[str, list[str]] = {}
    for module, names in defined.items():
        for name in names:
            owners.setdefault(name, []).append(module)
    uses: Counter[tuple[str, str]] = Counter()
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Attribute):
                if node.attr in defined[module]:
                    continue
                names = [node.attr]
            else:
                continue
            for name in names:
                others = [m for m in owners.get(name, []) if m != module]
                if _is_private(name) and others and name not in defined[module]:
                    uses[(module, others[0] if len(others) == 1 else "/".join(sorted(others)))] += 1
    return uses


def magics_lines() -> int:
    return sum(len(p.read_text().splitlines()) for p in (PACKAGE / "magics").glob("*.py"))


CELL = "Say hello to {who} in one word."


def cell_path() -> tuple[list[str], int]:
    """Package modules a dry-run cell runs through, first-visit order; re-entries to _session."""
    os.environ.pop("GEMINI_API_KEY", None)
    os.environ.pop("GOOGLE_API_KEY", None)
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "gemini_interactions")
    shell.user_ns["who"] = "world"
    prefix = str(PACKAGE) + os.sep
    order: list[str] = []
    current = ""
    reentries = 0
    session = "gemini_interactions.magics._session"

    def trace(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal current, reentries
        filename = frame.f_code.co_filename
        # Module bodies run by a lazy import are loading, not the cell's options passing through.
        if event != "call" or not filename.startswith(prefix) or frame.f_code.co_name == "<module>":
            return None
        rel = Path(filename).relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts)
        if module not in order:
            order.append(module)
        if module != current:
            if module == session and current:
                reentries += 1
            current = module
        return None

    with contextlib.redirect_stdout(io.StringIO()):
        shell.run_cell_magic("gemini", "--dry-run", CELL)
        sys.settrace(trace)
        try:
            shell.run_cell_magic("gemini", "--dry-run", CELL)
        finally:
            sys.settrace(None)
    return order, reentries


def main() -> int:
    uses = private_uses()
    print(f"magics/ lines: {magics_lines()}")
    print(f"cross-module private uses: {sum(uses.values())}")
    for (user, owner), count in sorted(uses.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:4d}  {user} -> {owner}")
    order, reentries = cell_path()
    print(f"cell path (%%gemini --dry-run, {len(order)} modules, first visit):")
    for module in order:
        print(f"  {module}")
    print(f"returns into magics._session after leaving it: {reentries}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
