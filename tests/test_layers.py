"""The layering CONTRIBUTING.md states (its "Layers" rule), checked on the source: imports point
one way only. ``FORBIDDEN`` below is that rule as data; change both together."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "gemini_interactions"

# layer -> module prefixes it must never import (absolute names after resolving relative ones)
FORBIDDEN = {
    "api": (
        "IPython",
        "ipywidgets",
        "nbformat",
        "gemini_interactions.server",
        "gemini_interactions.chain",
        "gemini_interactions.magics",
        "gemini_interactions.render",
        "gemini_interactions.export",
    ),
    "server": (
        "IPython",
        "ipywidgets",
        "gemini_interactions.magics",
        "gemini_interactions.render",
        "gemini_interactions.chain",
        "gemini_interactions.export",
    ),
    "chain": (
        "IPython",
        "ipywidgets",
        "gemini_interactions.magics",
        "gemini_interactions.render",
        "gemini_interactions.export",
    ),
    "render": (
        "httpx",
        "gemini_interactions.server",
        "gemini_interactions.magics",
        "gemini_interactions.api._client",
        "gemini_interactions.api._resource",
    ),
    "export": ("IPython", "gemini_interactions.render", "gemini_interactions.magics"),
    "_cell": (
        "IPython",
        "ipywidgets",
        "gemini_interactions.magics",
        "gemini_interactions.render",
        "gemini_interactions.export",
    ),
}


def imports_of(path: Path) -> set[str]:
    package = ".".join(("gemini_interactions", *path.relative_to(SRC).with_suffix("").parts[:-1]))
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("layer", sorted(name for name in FORBIDDEN if (SRC / name).exists()))
def test_layer_imports_point_down_only(layer: str) -> None:
    root = SRC / layer
    offences = []
    for path in sorted(root.rglob("*.py")):
        for name in imports_of(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer]):
                offences.append(f"{path.relative_to(SRC)} imports {name}")
    assert offences == []
