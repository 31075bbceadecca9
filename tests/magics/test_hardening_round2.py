"""Hardening, round 2 (issue 21) as a notebook user meets it: export names with odd
characters, exports of chains with nothing to export, files from others, tools that misbehave,
and tools that run turns themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .conftest import Kernel


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "gemini_interactions.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_an_export_named_with_a_space_replays_from_its_own_cassette(
    kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    kernel.cell("", "Hello there")
    kernel.line('export "my notebook.ipynb" --cassette')
    nb = nbformat.read(tmp_path / "my notebook.ipynb", as_version=4)
    assert "'my notebook.cassette.json'" in nb.cells[1].source
    ran = _cli("replay", "my notebook.ipynb", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 of 1 turns match" in ran.stdout


def test_exporting_a_chain_with_no_completed_turn_says_what_it_means(
    kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    kernel.cell("", "Hello there")
    chain = kernel.magics.session.registry.current
    assert chain is not None
    chain.turns[0].status = "failed"  # as a turn that never got its answer
    chain._head = None
    out = kernel.line("export out.ipynb", fails=True)
    assert "None" not in out.message
    assert "no completed turn to export among its 1 turn(s)" in out.message
    assert not (tmp_path / "out.ipynb").exists()
