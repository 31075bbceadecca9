"""``make demo`` keeps its promise: the quickstart offline in a real kernel, the executed notebook
and its HTML left under ``build/demo``, and a transcript a terminal reads well (no HTML tags)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gemini_interactions._transcript import markdown_text, notebook_transcript

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?>")
KEY = "AIzaSyDEMO-never-sent-0123456789"


def _offline_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        # any attempt to reach the network would go to a dead proxy
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        # a key in the user's environment must not make the demo go live, nor leak into it
        "GEMINI_API_KEY": KEY,
    }


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gemini_interactions.demo", *args],
        capture_output=True,
        text=True,
        env=_offline_env(tmp_path),
        cwd=ROOT,
        timeout=240,
    )


@pytest.mark.e2e
def test_demo_runs_the_quickstart_and_leaves_the_notebook_and_its_html(tmp_path: Path) -> None:
    out_dir = tmp_path / "demo"
    result = _demo(tmp_path, "--out", str(out_dir))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    out = result.stdout
    # the paths it printed exist: the executed notebook, its HTML, the transcript
    executed, html, text = (out_dir / f"01-quickstart.{ext}" for ext in ("ipynb", "html", "txt"))
    for path in (executed, html, text):
        assert f"  {path}\n" in out
        assert path.stat().st_size > 0
    # the chain ran through the magics in a kernel: prompts, answers, the tool call
    assert "%%gemini --continue\n        What is my name?" in out
    assert "Ada" in out.split("What is my name?", 1)[1].split("In [", 1)[0]
    assert "get_weather(city=Paris)" in out
    # readable as plain text: no HTML tags (the status line is <sub> in Markdown)
    assert "<sub>" not in out and TAG.search(out) is None, TAG.search(out)
    assert "chat · turn 2 · gemini-3-flash-preview [fixture] · ✅ completed" in out
    assert text.read_text(encoding="utf-8") in out
    # the executed notebook holds every answer, with no error; the HTML shows them
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    magic_cells = [c for c in notebook["cells"] if "".join(c["source"]).startswith("%%gemini")]
    assert len(magic_cells) >= 3
    for cell in magic_cells:  # each cell's turn completed, and its answer is in the notebook
        shown = (o.get("metadata", {}).get("gemini_interactions") for o in cell["outputs"])
        turns = [t for t in shown if t]
        assert turns and turns[-1]["status"] == "completed", cell["source"]
    page = html.read_text(encoding="utf-8")
    assert "get_weather" in page and "Ada" in page and "chat · turn 3" in page
    # the key was in the environment, and is nowhere in what the demo wrote or printed
    for written in (out, result.stderr, *(p.read_text(encoding="utf-8") for p in (executed, html))):
        assert KEY not in written and KEY[:12] not in written


@pytest.mark.e2e
def test_a_failing_cell_stops_the_demo_with_its_error(tmp_path: Path) -> None:
    import nbformat

    notebook = tmp_path / "broken.ipynb"
    cells = ["%load_ext gemini_interactions", "%gemini backend offline", "%%gemini --bogus\nHi"]
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), notebook
    )
    result = _demo(tmp_path, str(notebook), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "broken.ipynb failed" in result.stdout and "--bogus" in result.stdout
    assert not (tmp_path / "out" / "broken.html").exists()


def test_without_a_notebook_the_demo_says_where_the_lessons_are(tmp_path: Path) -> None:
    result = _demo(tmp_path, str(tmp_path / "missing.ipynb"))
    assert result.returncode == 2
    assert "source checkout" in result.stderr and "Traceback" not in result.stderr


def test_recorded_streams_fold_into_timelines(tmp_path: Path) -> None:
    result = _demo(tmp_path, "--recorded")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "17 × 3 = 51." in out
    assert "get_weather" in out and "requires_action" in out
    assert "Spain won Euro 2024" in out


def test_markdown_becomes_plain_text_without_tags_or_markers() -> None:
    source = textwrap.dedent(
        """\
        # Lesson one

        Some **bold**, *em*, `code <b>kept</b>` and a [link](https://example.org).

        - first
        - second
          continued

        | turn | tokens |
        | --- | --- |
        | 1 | 99 |
        | 12 | 7 |

        <details><summary>Solution</summary>

        Use `--continue`.

        </details>

        <sub>chat · turn 1 · completed</sub>

        ```python
        print("<not a tag>")
        ```
        """
    )
    text = markdown_text(source)
    assert text.startswith("Lesson one\n==========\n")
    assert "Some bold, em, `code <b>kept</b>` and a link (https://example.org)." in text
    assert "- first\n- second\n  continued" in text
    assert "turn  tokens\n----  ------\n1     99\n12    7" in text
    assert "Solution" in text and "Use `--continue`." in text
    assert "chat · turn 1 · completed" in text
    assert '    print("<not a tag>")' in text
    prose = text.replace("`code <b>kept</b>`", "").replace('"<not a tag>"', "")
    assert TAG.search(prose) is None and "**" not in prose


def test_transcript_shows_outputs_by_kind() -> None:
    cells = [
        {
            "cell_type": "code",
            "execution_count": 3,
            "source": "%%gemini\nHi",
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": "one\n"},
                {"output_type": "stream", "name": "stdout", "text": "two\n"},
                {
                    "output_type": "display_data",
                    "data": {"text/plain": "**raw**", "text/markdown": "Hello <sub>s</sub>"},
                },
                {"output_type": "display_data", "data": {"text/html": "<b>only</b> &amp; html"}},
                {"output_type": "error", "ename": "UsageError", "evalue": "\x1b[31mBad\x1b[0m."},
            ],
        }
    ]
    assert notebook_transcript(cells) == (
        "In [3]  %%gemini\n        Hi\nOut     one\n        two\n\n        Hello s\n\n"
        "        only & html\n\n        UsageError: Bad.\n"
    )


def test_a_notebook_the_demo_cannot_run_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    import io

    from gemini_interactions.demo import run_notebook

    out = io.StringIO()
    assert run_notebook(tmp_path / "missing.ipynb", tmp_path / "out", out) == 1
    assert "could not run missing.ipynb" in out.getvalue()
