"""Terminal IPython (a real one, in a subprocess): thoughts are printed as they stream."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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

    monkeypatch.setattr(Session, "terminal", lambda self: True)

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


STREAMED = """
ip = get_ipython()
ip.run_line_magic("load_ext", "gemini_interactions")
ip.run_line_magic("gemini", "backend {url}")
ip.run_cell_magic("gemini", "--code", "Compute 2*3 and explain recursion in a few words")
print("=== timeline")
ip.run_line_magic("gemini", "timeline")
"""


def test_terminal_prints_the_answer_as_it_streams_and_a_text_timeline(tmp_path: Path) -> None:
    """A trickled stream from a real server on 127.0.0.1: the answer's first words are on the
    terminal well before its status line, and ``%gemini timeline`` prints a compact text tree."""
    import threading
    import time

    from gemini_interactions.server import FaultPlan, LocalServer, serve_in_thread

    with serve_in_thread(LocalServer(faults=FaultPlan(trickle=0.02, trickle_bytes=32))) as url:
        script = tmp_path / "streamed.ipy"
        script.write_text(STREAMED.format(url=url))
        env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython"), "PYTHONUNBUFFERED": "1"}
        argv = [sys.executable, "-m", "IPython", "--no-banner", "--HistoryManager.enabled=False"]
        proc = subprocess.Popen(
            [*argv, str(script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert proc.stdout is not None
        chunks: list[tuple[float, str]] = []

        def read() -> None:
            assert proc.stdout is not None
            while piece := proc.stdout.read1(4096):  # type: ignore[attr-defined]
                chunks.append((time.monotonic(), piece.decode(errors="replace")))

        reader = threading.Thread(target=read)
        reader.start()
        assert proc.wait(timeout=120) == 0
        reader.join(timeout=10)
    out = "".join(text for _, text in chunks)

    def first(needle: str) -> float:
        seen = ""
        for when, text in chunks:
            seen += text
            if needle in seen:
                return when
        raise AssertionError(f"{needle!r} never printed:\n{out}")

    started, ended = first("Offline demo model"), first("completed")
    assert ended - started > 0.3, out  # printed piece by piece, not all at the end
    answer, timeline = out.split("=== timeline", 1)
    assert "code     print(2*3)" in answer  # the turn's own step list
    lines = timeline.strip().splitlines()
    assert lines[0] == "Timeline of chain 'chat'", lines
    assert lines[1].startswith("turn 1 · cell [1] completed Compute 2*3"), lines
    assert any("Code execution" in line for line in lines[2:]), lines
    assert len(lines) < 20 and "<" not in timeline  # compact, and text (no HTML)


HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m \x9b31m\rover\x08"
ESCAPES = """
import json, pathlib
ip = get_ipython()
hostile = HOSTILE_HERE
fixtures = {"fixtures": [
    {"name": "answer", "match": {"user_text": "escape"},
     "steps": [{"thought": "thinking " + hostile}, {"text": ["Answer: ", hostile, " done"]}]},
]}
pathlib.Path("f.json").write_text(json.dumps(fixtures))
def probe(city: str) -> str:
    '''A tool answering with terminal escapes.'''
    return "tool says " + hostile
ip.user_ns["probe"] = probe
ip.run_line_magic("load_ext", "gemini_interactions")
ip.run_line_magic("gemini", "backend offline --fixtures f.json")
ip.run_cell_magic("gemini", "--thoughts", "escape please")
ip.run_cell_magic("gemini", "--chain t --tools probe", "Use probe for Paris")
print("=== show")
ip.run_line_magic("gemini", "show 1")
print("=== timeline")
ip.run_line_magic("gemini", "timeline --chain t")
""".replace("HOSTILE_HERE", repr(HOSTILE))


def test_terminal_output_strips_escape_sequences_from_model_and_tool_text(
    tmp_path: Path,
) -> None:
    script = tmp_path / "escapes.ipy"
    script.write_text(ESCAPES)
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")}
    env.pop("GEMINI_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--HistoryManager.enabled=False", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    out = done.stdout + done.stderr
    for control in ("\x1b", "\x07", "\x9b", "\r", "\x08"):
        assert control not in out, repr(out[max(0, out.find(control) - 80) :][:200])
    assert "Answer: red 31mover done" in out  # the words stay, the sequences go
    assert "tool says red" in out  # the tool card line
    show = out.split("=== show", 1)[1].split("=== timeline", 1)[0]
    assert "Answer: red" in show
    assert "tool says red" in out.split("=== timeline", 1)[1]


def test_our_own_dimming_of_thoughts_is_kept_on_a_colour_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gemini_interactions.chain import Turn
    from gemini_interactions.render import TerminalPrinter

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.add_thoughts("a \x1b]0;title\x07thought\n")
    turn.add_text("the \x1b[2Janswer")
    view = TerminalPrinter(show_thoughts=True)
    view._print(turn)
    view._end_thought()
    out = capsys.readouterr().out
    assert out.startswith("\x1b[2m💭 a thought\n") and "\x1b[22m" in out
    assert "the answer" in out and "title" not in out and "\x1b[2J" not in out
