"""Terminal IPython (a real one, in a subprocess): thoughts are printed as they stream."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
ip = get_ipython()
assert type(ip).__name__ == "TerminalInteractiveShell", type(ip)
ip.run_line_magic("load_ext", "gemini_interactions")
ip.run_line_magic("gemini", "backend offline")
print("=== with thoughts")
ip.run_cell_magic("gemini", "--thoughts --chain a", "Explain recursion")
print("=== without")
ip.run_cell_magic("gemini", "--chain b", "Explain recursion")
"""


def test_terminal_prints_thoughts_before_the_answer_and_only_when_asked(tmp_path: Path) -> None:
    script = tmp_path / "terminal.ipy"
    script.write_text(SCRIPT)
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")}
    env.pop("GEMINI_API_KEY", None)
    out = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--HistoryManager.enabled=False", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    ).stdout
    asked, unasked = out.split("=== with thoughts", 1)[1].split("=== without", 1)
    lines = asked.strip().splitlines()
    thought = next(i for i, line in enumerate(lines) if "Answering offline" in line)
    answer = next(i for i, line in enumerate(lines) if "Offline demo model" in line)
    assert lines[thought].startswith("💭 ") and thought < answer  # printed as they came
    assert all(line.startswith("💭 ") for line in lines[thought:answer] if line.strip())
    assert "💭" not in unasked and "Answering offline" not in unasked
    assert "Offline demo model" in unasked and "completed" in unasked.splitlines()[-1]


BACKGROUND = """
ip = get_ipython()
ip.run_line_magic("load_ext", "gemini_interactions")
ip.run_line_magic("gemini", "backend offline")
ip.run_line_magic("config", "GeminiMagics.poll_interval = 0.2")
ip.run_cell_magic("gemini", "--background", "Research TPUs")
ip.run_line_magic("gemini", "wait")
"""


def test_terminal_background_turn_prints_its_status_once_and_its_answer_once(
    tmp_path: Path,
) -> None:
    script = tmp_path / "background.ipy"
    script.write_text(BACKGROUND)
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")}
    out = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--HistoryManager.enabled=False", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    ).stdout
    assert out.count("⏳ Background turn 1") == 1, out  # polls do not reprint it
    assert out.count("# Offline report: Research TPUs") == 1, out  # wait does not repeat it
    assert "its answer is shown above" in out
