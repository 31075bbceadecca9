"""A saved notebook with a background cell: its output is the final answer alone, `%gemini wait`
adds no second copy, and a later cell's `_gemini` survives the background turn's end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _text(output: Any) -> str:
    if output.get("output_type") == "stream":
        return str(output.get("text", ""))
    data = output.get("data", {})
    return str(data.get("text/markdown", "")) + str(data.get("text/plain", ""))


def test_saved_background_cell_ends_as_the_answer_alone(tmp_path: Path) -> None:
    v4 = nbformat.v4
    cells = [
        v4.new_code_cell("%load_ext gemini_interactions\n%gemini backend offline"),
        v4.new_code_cell("%%gemini --background -o report\nResearch TPUs"),
        v4.new_code_cell("%gemini backend offline"),  # switching while it runs
        v4.new_code_cell("%%gemini\nmeanwhile"),
        v4.new_code_cell("later = _gemini"),
        v4.new_code_cell("%gemini wait"),
        v4.new_code_cell(
            "print('REPORT', report.status, 'Offline report' in report.output_text)\n"
            "print('LATER KEPT', _gemini is later)"
        ),
    ]
    nb = v4.new_notebook(cells=cells)
    nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    nbformat.write(nb, tmp_path / "saved.ipynb")
    saved = nbformat.read(tmp_path / "saved.ipynb", as_version=4)
    background, wait, check = saved.cells[1], saved.cells[5], saved.cells[6]
    assert len(background.outputs) == 1, background.outputs
    shown = _text(background.outputs[0])
    assert "Offline report" in shown and "⏳" not in shown and "running" not in shown
    waited = "".join(_text(o) for o in wait.outputs)
    assert "Offline report" not in waited and "shown in the cell that started it" in waited
    printed = "".join(_text(o) for o in check.outputs)
    assert "REPORT completed True" in printed and "LATER KEPT True" in printed
