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


def test_terminal_ends_a_turn_with_tools_with_a_text_timeline(kernel, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gemini_interactions.magics._session import Session

    monkeypatch.setattr(Session, "_terminal", lambda self: True)

    def get_weather(city: str) -> str:
        """Weather."""
        return f"sunny in {city}"

    kernel.ns["get_weather"] = get_weather
    out = kernel.cell("--tools get_weather", "Use get_weather for Paris")
    assert ". call     get_weather(" in out.stdout  # the text timeline, one line a step


def test_background_answer_ends_with_static_html(kernel) -> None:  # type: ignore[no-untyped-def]
    from gemini_interactions.chain import Turn
    from gemini_interactions.render import BackgroundView

    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.status, turn.text = "completed", "Done <b>now</b>."
    data, _ = BackgroundView().bundle(turn)
    assert "Done &lt;b&gt;now&lt;/b&gt;." in data["text/html"] and "Done" in data["text/plain"]
