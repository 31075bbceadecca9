"""Chains files: refused whole when newer or broken (one paragraph, nothing loaded), and
written atomically so a crash mid-write keeps the previous copy."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import gemini_interactions.export as export_module
from gemini_interactions.export import ChainFileError, load_chains

PUBLIC = [
    "ChainFileError",
    "ExportError",
    "NotebookExport",
    "OutputsFor",
    "TurnCheck",
    "load_chains",
    "replay",
    "save_chains",
    "text_outputs",
    "to_notebook",
    "to_script",
    "write_atomic",
    "write_notebook",
]


def test_public_api_is_pinned() -> None:
    assert export_module.__all__ == PUBLIC


@pytest.fixture()
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    sh = InteractiveShell.instance()
    sh.run_cell("%load_ext gemini_interactions")
    magics = sh._gemini_interactions_magics
    magics._session = None
    magics.autosave = False
    assert sh.run_cell("%gemini backend offline").success
    yield sh
    magics.autosave = False
    sh.run_cell("%unload_ext gemini_interactions")  # the next test's kernel starts with no chains


def run(sh: Any, source: str) -> tuple[bool, str, Any]:
    with capture_output() as out:
        result = sh.run_cell(source, store_history=False)
    shown = "".join(o.data.get("text/plain", "") for o in out.outputs)  # displayed tables
    return result.success, out.stdout + out.stderr + shown, result.error_in_exec


def test_newer_or_broken_file_fails_the_cell_and_loads_nothing(shell: Any, tmp_path: Path) -> None:
    assert run(shell, "%%gemini\nHello there.")[0]
    assert run(shell, "%gemini save good.json")[0]
    data = json.loads((tmp_path / "good.json").read_text())
    (tmp_path / "newer.json").write_text(json.dumps({**data, "version": 99}))
    broken = json.loads(json.dumps(data))
    broken["chains"].append({"name": "other", "turns": [{"turn": 1}]})
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    (tmp_path / "cut.json").write_text((tmp_path / "good.json").read_text()[:50])
    before = list(shell._gemini_interactions_magics.session.registry.chains)
    for name, words in (("newer", "newer"), ("broken", "broken"), ("cut", "not valid JSON")):
        ok, text, error = run(shell, f"%gemini load {name}.json")
        assert not ok and words in str(error) and "Nothing was loaded" in str(error)
        assert error._render_traceback_() == [str(error)] and "Traceback" not in text
        assert list(shell._gemini_interactions_magics.session.registry.chains) == before
    with pytest.raises(ChainFileError):
        load_chains(tmp_path / "broken.json")


def test_autosave_survives_a_crash_mid_write(
    shell: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "talk.ipynb"))
    assert run(shell, "%config GeminiMagics.autosave = True")[0]
    assert run(shell, "%%gemini\nFirst turn.")[0]
    saved = tmp_path / "talk.gemini.json"
    first = saved.read_text()
    assert len(json.loads(first)["chains"][0]["turns"]) == 1

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    ok, text, _ = run(shell, "%%gemini -c\nSecond turn.")
    assert ok and "autosave failed" in text
    assert saved.read_text() == first  # the previous copy is whole
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "talk.ipynb"))
    assert run(shell, "%%gemini -c\nThird turn.")[0]
    assert len(json.loads(saved.read_text())["chains"][0]["turns"]) == 3


def test_help_lists_the_new_commands(shell: Any) -> None:
    _, text, _ = run(shell, "%gemini")
    for name in ("export", "save", "load"):
        assert f"%gemini {name}" in text


def test_export_attaches_the_render_layers_static_bundles(
    shell: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat

    from gemini_interactions import render

    def static_outputs(turn: Any) -> list[tuple[dict[str, str], dict[str, Any]]]:
        card = {"text/plain": f"card {turn.number}", "text/html": "<details>card</details>"}
        return [(card, {"gemini_interactions": {"turn": turn.number}})]

    monkeypatch.setattr(render, "static_outputs", static_outputs, raising=False)
    assert run(shell, "%%gemini\nHello there.")[0]
    assert run(shell, "%gemini export nb.ipynb")[0]
    nb = nbformat.read(tmp_path / "nb.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.source.startswith("%%gemini"))
    assert cell.outputs[0]["data"]["text/html"] == "<details>card</details>"
    assert run(shell, "%gemini export bare.ipynb --no-outputs")[0]
    bare = nbformat.read(tmp_path / "bare.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in bare.cells if c.cell_type == "code")
