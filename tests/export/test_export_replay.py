"""Record a chain offline in a real shell (a key in the environment), export it with its cassette,
replay it in a new kernel with no key, and save/load it: what a reader of the notebook sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from gemini_interactions.server import LocalServer, serve_in_thread

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
KEY = "AIzaSyFAKEKEY1234567890abcdef"
SCRIPT = '''
import os, sys
os.environ["GEMINI_API_KEY"] = KEY_HERE
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance()
def run(src):
    r = sh.run_cell(src)
    assert r.success, src
run("%load_ext gemini_interactions")
run("%gemini backend " + sys.argv[1])
run("""
from pydantic import BaseModel
def get_weather(city: str) -> dict:
    \\"\\"\\"Current weather in a city.

    Args:
        city: The city name.
    \\"\\"\\"
    return {"city": city, "temp_c": 21}

class City(BaseModel):
    name: str
    population: int
""")
open("note.txt", "w").write("hello attachment")
run("%%gemini\\nMy name is Ann. Explain recursion.")
run("%%gemini -c\\nWhat is my name?")
run("%%gemini --from 1\\nExplain iteration instead.")
run("%%gemini -c --tools get_weather\\nUse get_weather for Paris")
run("%%gemini -c --schema City\\nName a big city.")
run("%%gemini -c --attach note.txt\\nSummarise the file.")
run("%gemini export out.ipynb --cassette")
run("%gemini export out.py")
run("%gemini save chains.json")
'''.replace("KEY_HERE", repr(KEY))


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """A real server on 127.0.0.1 that outlives the kernels (a restart loses the kernel only)."""
    with serve_in_thread(LocalServer(require_auth=False)) as url:
        yield url


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, server_url: str) -> Path:
    folder = tmp_path_factory.mktemp("export")
    subprocess.run(
        [sys.executable, "-c", SCRIPT, server_url], cwd=folder, check=True, capture_output=True
    )
    return folder


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


def test_exported_notebook_is_valid_and_complete(recorded: Path) -> None:
    nb = nbformat.read(recorded / "out.ipynb", as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert all(cell.get("id") for cell in nb.cells)
    assert nb.metadata["gemini_interactions"]["package_version"]
    assert nb.cells[1].metadata["tags"] == ["parameters"]
    sources = "\n".join(c.source for c in nb.cells)
    assert "def get_weather" in sources and "class City(BaseModel)" in sources
    turns = [c for c in nb.cells if c.source.startswith("%%gemini")]
    assert [c.source.splitlines()[0].split()[1:2] for c in turns] == [
        ["-m"],
        ["-c"],
        ["--from"],
        ["-c"],
        ["-c"],
        ["-c"],
    ]
    assert "--tools get_weather" in turns[3].source and "--schema City" in turns[4].source
    assert "--attach note.txt" in turns[5].source
    assert all(c.outputs for c in turns)


def test_no_credential_in_any_written_file(recorded: Path) -> None:
    for path in recorded.iterdir():
        if path.is_file():
            assert KEY not in path.read_text(encoding="utf-8", errors="replace"), path


def test_replay_passes_then_fails_on_a_tampered_answer(recorded: Path) -> None:
    ok = _cli("replay", "out.ipynb", cwd=recorded)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count(": ok") == 6
    nb = nbformat.read(recorded / "out.ipynb", as_version=4)
    turn = next(c for c in nb.cells if c.get("metadata", {}).get("gemini_interactions"))
    turn.metadata["gemini_interactions"]["answer"] = "something else"
    nbformat.write(nb, recorded / "tampered.ipynb")
    (recorded / "tampered.cassette.json").write_text((recorded / "out.cassette.json").read_text())
    bad = _cli("replay", "tampered.ipynb", cwd=recorded)
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout


def test_cli_export_of_a_saved_file_replays(recorded: Path) -> None:
    made = _cli("export", "chains.json", "cli.ipynb", cwd=recorded)
    assert made.returncode == 0, made.stderr
    ran = _cli("replay", "cli.ipynb", cwd=recorded)
    assert ran.returncode == 0, ran.stdout


def test_script_export_names_every_turn(recorded: Path) -> None:
    text = (recorded / "out.py").read_text()
    compile(text, "out.py", "exec")
    assert text.count("chain.send(") == 6 and "tools=[get_weather]" in text


def test_script_export_runs_against_a_server(recorded: Path, server_url: str) -> None:
    # A reader runs the script with a key; GEMINI_BASE_URL points it at our server instead.
    env = {**os.environ, "GEMINI_API_KEY": "reader-key-0000", "GEMINI_BASE_URL": server_url}
    done = subprocess.run(
        [sys.executable, "out.py"],
        cwd=recorded,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    blocks = done.stdout.split("--- turn ")[1:]
    assert [b.split(" ", 1)[0] for b in blocks] == ["1", "2", "3", "4", "5", "6"]
    assert all(b.split("\n", 1)[1].strip() for b in blocks), done.stdout
    assert "21" in blocks[3]  # the tool ran: its result (temp_c 21) is in turn 4's answer


def test_save_restart_load_continue(recorded: Path, server_url: str) -> None:
    script = (
        "import sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
        "sh = InteractiveShell.instance()\n"
        "for src in ['%load_ext gemini_interactions', '%gemini backend ' + sys.argv[1],\n"
        "            '%gemini load chains.json', '%%gemini -c\\nAnd now?',\n"
        "            '%gemini save after.json']:\n"
        "    assert sh.run_cell(src).success, src\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, server_url], cwd=recorded, check=True, capture_output=True
    )
    data = json.loads((recorded / "after.json").read_text())
    turns = data["chains"][0]["turns"]
    assert len(turns) == 7 and turns[-1]["parent"] == 6
    assert turns[-1]["status"] == "completed"
    assert turns[-1]["previous_interaction_id"] == turns[5]["interaction_id"]


def test_replay_answers_come_from_the_cassette(recorded: Path, tmp_path: Path) -> None:
    # The offline model is deterministic, so a passing replay alone does not show the cassette
    # was read: change the recorded answers in the cassette only, and replay must see it.
    for path in recorded.iterdir():
        if path.is_file():
            (tmp_path / path.name).write_bytes(path.read_bytes())
    cassette = tmp_path / "out.cassette.json"
    text = cassette.read_text()
    assert "Offline demo model" in text
    cassette.write_text(text.replace("Offline demo model", "Answer from the cassette"))
    changed = _cli("replay", "out.ipynb", cwd=tmp_path)
    assert changed.returncode == 1, changed.stdout
    assert changed.stdout.count("MISMATCH (the answer differs)") >= 4, changed.stdout


def test_papermill_parameters_run_the_export_live_with_another_model(
    recorded: Path, server_url: str
) -> None:
    # The parameters cell is papermill's: one `-p backend` sends the turns to a server instead
    # of the cassette ("live"), `-p model` changes the model of every turn that used the default.
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    params = ["-p", "backend", server_url, "-p", "model", "gemini-papermill-test"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            "out.ipynb",
            "pm.ipynb",
            "--cwd",
            str(recorded),
            *params,
        ],
        cwd=recorded,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    nb = nbformat.read(recorded / "pm.ipynb", as_version=4)
    turns = [c for c in nb.cells if c.source.startswith("%%gemini")]
    models = set()
    for cell in turns:
        assert not [o for o in cell.outputs if o.get("output_type") == "error"]
        for output in cell.outputs:
            meta = output.get("metadata", {}).get("gemini_interactions", {})
            if meta.get("model"):  # the model asked for, when another one answered
                models.add(meta.get("asked_model") or meta["model"])
    assert models == {"gemini-papermill-test"}
