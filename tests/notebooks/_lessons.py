"""What the lesson-notebook tests share: where the lessons are and how to read their cells."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LESSONS = [
    "01-quickstart",
    "02-chains-and-branches",
    "03-tools",
    "04-structured-output",
    "05-research-agent",
    "06-multimodal",
    "07-workshop",
    "08-reproducible-notebooks",
    "09-research-at-scale",
    "10-sources-and-images",
    "11-agents-and-tools",
]
SETUP = re.compile(r"^%gemini backend offline --fixtures (fixtures/(\d\d-[\w-]+)\.json)$", re.M)


def read(name: str) -> Any:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)  # type: ignore[no-untyped-call]


def code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))
