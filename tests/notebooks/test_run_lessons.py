"""Every lesson runs top to bottom offline in a real kernel, as a reader would run it.

Each notebook is executed with nbclient in a copy of ``notebooks/`` (so the kernel's working
directory is the notebook's folder, as in Jupyter and Binder, and nothing is written into the
repository), with no API key in the environment and any proxy pointed at a closed local port.
A run fails on an error outside a cell tagged ``raises-exception`` (and on such a cell that did
not raise), on a ``%%gemini`` cell without an answer, on an answer the offline demo model made up
because no fixture matched, and on a fixture that no cell used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest

from ._lessons import LESSONS, NOTEBOOKS, code_cells, tags

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Appended to each run: the fixtures no request matched (the lesson's prose would then describe
# an answer that was not shown).
PROBE = """
import json as _json
_session = get_ipython().magics_manager.registry["GeminiMagics"].session
print("UNUSED-FIXTURES", _json.dumps([f.name for f in _session.server.fixtures if not f.used]))
"""
STATUS = re.compile(r"^<sub>.*</sub>$", re.M)
BUILT_IN = re.compile(r"--(search|code-execution|url-context)\b")
MAP_DONE = re.compile(r"^(\d+)/\1 done, 0 failed", re.M)


def _offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens: no way out
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert not any(k in os.environ for k in ("GEMINI_API_KEY", "GOOGLE_API_KEY"))


def _execute(name: str, folder: Path) -> Any:
    nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))  # type: ignore[no-untyped-call]
    nbclient.NotebookClient(
        nb,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return nb


def _answer(cell: Any) -> str:
    """The answer a ``%%gemini`` cell showed: its Markdown without the status line."""
    shown = [
        o.data.get("text/markdown", "")
        for o in cell.outputs
        if o.output_type == "display_data" and "gemini_interactions" in o.get("metadata", {})
    ]
    return STATUS.sub("", "\n".join(shown)).strip()


def _shown(cell: Any) -> str:
    parts = []
    for o in cell.outputs:
        parts.append(o.get("text", "") if o.output_type == "stream" else "")
        parts.append(o.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def lessons(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lessons") / "notebooks"
    shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns("out", ".ipynb_checkpoints"))
    return folder


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_offline_and_every_cell_answers(
    name: str, lessons: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offline_env(monkeypatch)
    nb = _execute(name, lessons)
    *cells, probe = code_cells(nb)
    for cell in cells:
        where = f"{name}: {cell.source.splitlines()[0]!r}"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" in tags(cell):
            assert errors, f"{where} is tagged raises-exception but did not raise"
            continue
        assert not errors, where
        text = _shown(cell)
        assert "Offline demo model" not in text + _answer(cell), f"{where}: no fixture matched"
        source = cell.source
        if source.startswith("%%gemini") and "--dry-run" in source.splitlines()[0]:
            assert '"input"' in text, where
        elif source.startswith("%%gemini") and "--map" in source.splitlines()[0]:
            assert MAP_DONE.search(text), f"{where}: not every item answered: {text[:300]}"
        elif source.startswith(("%%gemini", "%gemini fix")):
            assert len(_answer(cell)) >= 40, f"{where}: no answer shown"
        if BUILT_IN.search(source.splitlines()[0]):
            # A step that ran before the answer was written shows above it; a grounded answer
            # streamed before its search steps (Google's order) shows whole above the card.
            # Either way no card cuts the answer in two.
            shown = [o for o in cell.outputs if o.output_type == "display_data"][:-1]
            kinds = "".join("t" if "text/markdown" in o.data else "c" for o in shown)
            assert not re.search(r"tc+t", kinds), f"{where}: a card cuts the answer: {kinds}"
    unused = json.loads(_shown(probe).split("UNUSED-FIXTURES", 1)[1].strip())
    assert unused == [], f"{name}: fixtures no cell used: {unused}"
