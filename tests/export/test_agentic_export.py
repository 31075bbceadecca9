"""Issue 17's options through export: a chain made offline from cells with an MCP server (its
token in the environment), file search, Maps, an image answer, a tool object, a config, a Deep
Research plan approved, and a sandbox continued; exported with its cassette, the notebook says
each option as the flag that sends it again (secrets as variable names), and replays offline in
a new kernel with no key and no token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cli_run import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TOKEN = "Bearer mcp-secret-Vb7nQ2rT5wX9"
SCRIPT = r'''
import os
os.environ["GUIDE_TOKEN"] = TOKEN_HERE
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance()
def run(src):
    r = sh.run_cell(src)
    assert r.success, src
run("%load_ext gemini_interactions")
run("%gemini backend offline")
run("""guide = {"url": "https://mcp.example.com/sse",
         "headers": {"Authorization": {"env": "GUIDE_TOKEN"}}, "allowed_tools": ["find_cafes"]}""")
where = '{"seed": 7, "maps": {"latitude": 38.72, "longitude": -9.14}}'
run(f"%%gemini --mcp guide=guide --file-search my-notes --maps --config '{where}'\n"
    "Good cafes in Lisbon?")
run("""%%gemini -c --format image --tool '{"type": "url_context"}'
A lighthouse at dusk""")
run("%%gemini --plan --visualize\nResearch the history of TPUs")
run("%gemini wait")
run("%%gemini -c\ngo ahead")
run("%gemini wait")
run("""%%gemini --agent antigravity-preview-09-2026 --environment '{"sources": []}'
Set up a repo""")
run("%gemini wait")
run("%%gemini -c\nAdd tests")
run("%gemini wait")
run("%gemini export out.ipynb --cassette")
run("%gemini save chains.json")
'''.replace("TOKEN_HERE", repr(TOKEN))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("agentic-export")
    ran = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    return folder


def test_each_option_is_written_as_its_flag(recorded: Path) -> None:
    nb = nbformat.read(recorded / "out.ipynb", as_version=4)
    lines = [c.source.splitlines()[0] for c in nb.cells if c.source.startswith("%%gemini")]
    assert lines[0] == (
        '%%gemini -m {model} --mcp \'guide={{"url": "https://mcp.example.com/sse", '
        '"headers": {{"Authorization": {{"env": "GUIDE_TOKEN"}}}}, "allowed_tools": '
        '["find_cafes"]}}\' --file-search my-notes --maps --config \'{{"maps": '
        '{{"latitude": 38.72, "longitude": -9.14}}, "seed": 7}}\''
    )
    assert '--format image --tool \'{{"type": "url_context"}}\'' in lines[1]
    assert lines[2] == "%%gemini --agent deep-research-preview-04-2026 --plan --visualize"
    assert lines[3] == "%%gemini -c --agent deep-research-preview-04-2026 --visualize"
    assert lines[4] == (
        "%%gemini --agent antigravity-preview-09-2026 --environment '{\"sources\": []}'"
    )
    assert lines[5] == "%%gemini -c --agent antigravity-preview-09-2026"  # same sandbox
    sources = [c.source for c in nb.cells]
    assert sources.count("%gemini wait") == 4  # after each background turn
    assert any("GUIDE_TOKEN" in s and "os.environ.setdefault" in s for s in sources)


def test_no_secret_in_any_written_file(recorded: Path) -> None:
    for path in recorded.iterdir():
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "mcp-secret" not in text, path
    saved = json.loads((recorded / "chains.json").read_text())
    options = saved["chains"][0]["turns"][0]["options"]
    assert options["mcp_servers"]["guide"]["headers"] == {"Authorization": {"env": "GUIDE_TOKEN"}}


def test_the_export_replays_offline_with_no_token(recorded: Path) -> None:
    ran = run_cli("replay", "out.ipynb", cwd=recorded)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.count(": ok") == 6
