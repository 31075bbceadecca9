"""Two real kernels (nbclient) talk offline; a chain saved in one and loaded in the other must not
continue the other kernel's conversation. Every kernel used to number offline interactions
alike, so the loaded turn's id named the second kernel's own first turn: "Your name is Bob",
recorded as completed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _run(cells: list[str], folder: Path) -> list[str]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return [json.dumps(cell.get("outputs", []), ensure_ascii=False) for cell in nb.cells]


def test_a_chain_from_another_kernel_is_not_continued_here(tmp_path: Path) -> None:
    setup = ["%load_ext gemini_interactions", "%gemini backend offline"]
    first = _run([*setup, "%%gemini\nMy name is Ada.", "%gemini save chains.json"], tmp_path)
    assert "Saved 1 chain(s)" in first[-1]
    second = _run(
        [
            *setup,
            "%%gemini\nMy name is Bob.",
            "%gemini load chains.json --replace",
            "%%gemini --continue\nWhat is my name?",
            "%gemini history",
        ],
        tmp_path,
    )
    refused: Any = second[4]
    assert "cannot be continued" in refused and "earlier offline server" in refused
    assert "Your name is" not in refused and "Traceback" not in refused
    assert "What is my name" not in second[5]  # nothing was recorded
