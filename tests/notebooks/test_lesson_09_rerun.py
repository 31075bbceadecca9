"""Lesson 09's words about re-running its --map cell match what happens, in a real kernel: a
re-run reuses every row; after other turns moved the chain's head, a --continue re-run says,
before sending, that it sends the rows again and names --from 1; --from 1 reuses them all."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbclient
import nbformat
import pytest

from ._lessons import NOTEBOOKS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _text(cell: nbformat.NotebookNode) -> str:
    return "\n".join(
        o.get("text", "") if o.output_type == "stream" else o.get("data", {}).get("text/plain", "")
        for o in cell.outputs
    )


def test_lesson_09_rerun_reuses_rows_and_names_the_from_that_would(tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns("out", ".ipynb_checkpoints"))
    nb = nbformat.read(folder / "09-research-at-scale.ipynb", as_version=4)
    mapped = next(
        c.source
        for c in nb.cells
        if c.cell_type == "code"
        and "--map papers --continue" in c.source
        and "--dry" not in c.source
    )
    v4 = nbformat.v4
    nb.cells += [
        v4.new_code_cell(mapped),  # at the end: other turns (--context, fix) moved the head
        v4.new_code_cell(mapped.replace("--continue", "--from 1")),
        v4.new_code_cell(mapped.replace("--continue", "--from 1")),
    ]
    nbclient.NotebookClient(
        nb, timeout=90, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    moved, pinned, again = (_text(c) for c in nb.cells[-3:])
    # the line updates in place, so the saved cell keeps the note with its final counts (that
    # it is said before sending is checked in tests/magics/test_map_runs.py)
    first_line = nb.cells[-3].outputs[0]["data"]["text/plain"]
    assert "sending 6 element(s) again that finished before in another context" in first_line
    assert "they continued turn 1; --from 1 would reuse them" in first_line
    assert "(6 reused, 0 sent)" in pinned and "(6 reused, 0 sent)" in again, pinned
    assert "6/6 done" in moved
