"""What an export must carry that a chain of plain text turns does not: a system instruction
that spans lines (with braces, quotes and `$`), attachments that were notebook variables, a
file attached from another folder and the service tier; re-running the export sends byte for
byte the recorded requests. And chains files: same-name chains are not replaced silently, and a
chain's defaults come back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from gemini_interactions.chain import Chain
from gemini_interactions.export import load_chains, save_chains

SYSTEM = "Be brief.\nKeep {braces}, \"double\" and 'single' quotes, and $dollars as typed."
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
SCRIPT = f"""
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance()
def run(src):
    assert sh.run_cell(src).success, src
run("%load_ext gemini_interactions")
run("%gemini backend offline")
run("system = " + {SYSTEM!r}.__repr__())
run("%config GeminiMagics.system_instruction = system")
run("%%gemini\\nHello, who are you?")
run("%%gemini -c -s 'One line only.'\\nAnd briefly?")
run("%config GeminiMagics.system_instruction = ''")
run("%%gemini -c --service-tier flex\\nNo system now.")
run("img = " + {PNG!r}.__repr__())
run("%%gemini -c --attach img\\nDescribe the image.")
run("%%gemini -c --attach img --attach notes/note.txt\\nAgain, with the note.")
run("%gemini export out/nb.ipynb --cassette")
run("%gemini save chains.json")
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fidelity")
    (folder / "out").mkdir()
    (folder / "notes").mkdir()
    (folder / "notes" / "note.txt").write_text("a note beside the notebook")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    (folder / "stdout.txt").write_text(done.stdout)
    return folder


def _turn_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.source.startswith("%%gemini")]


def test_a_multi_line_system_instruction_keeps_each_magic_line_one_line(recorded: Path) -> None:
    nb = nbformat.read(recorded / "out" / "nb.ipynb", as_version=4)
    cells = _turn_cells(nb)
    assert len(cells) == 5
    lines = [cell.source.split("\n", 1)[0] for cell in cells]
    assert [("-s" in line.split()) for line in lines] == [False, True, False, False, False]
    assert "-s 'One line only.'" in lines[1]
    assert "--service-tier flex" in cells[2].source
    config = [c.source for c in nb.cells if "GeminiMagics.system_instruction" in c.source]
    assert len(config) == 2 and repr(SYSTEM) in config[0] and "= ''" in config[1]


def test_variable_attachments_travel_as_files_beside_the_export(recorded: Path) -> None:
    stdout = (recorded / "stdout.txt").read_text()
    assert "'img' is not a file here" in stdout and "nb_files/img.png" in stdout
    assert (recorded / "out" / "nb_files" / "img.png").read_bytes() == PNG
    cells = _turn_cells(nbformat.read(recorded / "out" / "nb.ipynb", as_version=4))
    assert "--attach nb_files/img.png" in cells[3].source
    # a file outside the export's folder travels with it (its recorded bytes), never by path
    assert "--attach nb_files/img.png --attach nb_files/note.txt" in cells[4].source


def test_re_running_the_export_sends_the_recorded_requests(
    recorded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(recorded / "out" / "nb.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("%gemini save replayed.json"))
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):  # the kernel replays with no key
        monkeypatch.delenv(name, raising=False)
    NotebookClient(
        nb, timeout=120, resources={"metadata": {"path": str(recorded / "out")}}
    ).execute()
    before = json.loads((recorded / "chains.json").read_text())["chains"][0]["turns"]
    after = json.loads((recorded / "out" / "replayed.json").read_text())["chains"][0]["turns"]
    assert [t["requests"] for t in after] == [t["requests"] for t in before]
    assert after[0]["requests"][0]["system_instruction"] == SYSTEM
    assert "system_instruction" not in after[2]["requests"][0]
    assert [t["text"] for t in after] == [t["text"] for t in before]


@pytest.fixture()
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    sh = InteractiveShell.instance()
    sh.run_cell("%load_ext gemini_interactions")
    sh._gemini_interactions_magics._session = None
    assert sh.run_cell("%gemini backend offline").success
    return sh


def _run(sh: Any, source: str) -> tuple[bool, str]:
    with capture_output() as out:
        result = sh.run_cell(source, store_history=False)
    return result.success, out.stdout + out.stderr


def _prompts(sh: Any) -> list[str]:
    chain = sh._gemini_interactions_magics.session.registry.get("chat")
    return [t.prompt for t in chain.turns]


def test_load_does_not_silently_replace_a_chain_with_other_turns(shell: Any) -> None:
    assert _run(shell, "%%gemini\nFirst, saved.")[0]
    assert _run(shell, "%gemini save one.json")[0]
    # Loading the file this kernel saved, even after more turns, is safe: it holds them all.
    assert _run(shell, "%gemini load one.json")[0]
    assert _run(shell, "%%gemini -c\nSecond, not saved.")[0]
    ok, text = _run(shell, "%gemini load one.json")
    assert not ok and "'chat'" in text and "--replace" in text and "Nothing was loaded" in text
    assert "Traceback" not in text
    assert _prompts(shell) == ["First, saved.", "Second, not saved."]
    ok, text = _run(shell, "%gemini load one.json --replace")
    assert ok and "Replaced this kernel's chat" in text
    assert _prompts(shell) == ["First, saved."]


def test_a_chains_defaults_survive_save_and_load(tmp_path: Path) -> None:
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return "sunny"

    chain = Chain(name="papers", model="gemini-3-pro-preview", thinking="low", tools=[get_weather])
    save_chains(tmp_path / "c.json", [chain])
    (loaded,), _ = load_chains(tmp_path / "c.json", {"get_weather": get_weather})
    assert loaded.defaults == {
        "model": "gemini-3-pro-preview",
        "thinking": "low",
        "tools": [get_weather],
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (bare,), _ = load_chains(tmp_path / "c.json")
    assert bare.defaults == {"model": "gemini-3-pro-preview", "thinking": "low"}
    assert any("get_weather" in str(w.message) for w in caught)


def test_a_tool_whose_source_is_lost_gets_a_comment_and_a_warning(
    shell: Any, tmp_path: Path
) -> None:
    # exec'd code has no source file: the export cannot copy it, and says so.
    code = "def add(a: int, b: int) -> int:\n    '''Add two numbers.'''\n    return a + b\n"
    assert _run(shell, f"exec({code!r})")[0]
    assert _run(shell, "%%gemini --tools add\nUse add on 2 and 3.")[0]
    ok, text = _run(shell, "%gemini export lost.ipynb")
    assert ok and "Warning: The source of 'add' could not be recovered" in text
    nb = nbformat.read(tmp_path / "lost.ipynb", as_version=4)
    assert any("# TODO: define add here" in c.source for c in nb.cells)
    nbformat.validate(nb)


NEEDS_CELLS = [
    "import math\nimport statistics as st\nfrom datetime import date\nfrom typing import Literal",
    "from pydantic import BaseModel, Field\nSCALE = 2\n",
    "def _double(x: float) -> float:\n    return x * SCALE\n",
    "def hypot(a: float, b: float) -> float:\n"
    "    '''The hypotenuse of a right triangle.'''\n"
    "    return _double(math.sqrt(a * a + b * b)) / SCALE + 0 * st.mean([a, b])\n",
    "class Event(BaseModel):\n"
    "    day: date\n"
    "    kind: Literal['talk', 'poster']\n"
    "    title: str = Field(description='the title')\n",
]


def test_exported_tools_and_schemas_bring_what_they_use(shell: Any, tmp_path: Path) -> None:
    # Tools and schemas use modules imported, helpers and constants defined in other cells;
    # the export defines them too, so its sources cell runs in a fresh interpreter.
    for cell in NEEDS_CELLS:
        assert _run(shell, cell)[0], cell
    assert _run(shell, "%%gemini --tools hypot\nUse hypot on 3 and 4.")[0]
    assert _run(shell, "%%gemini -c --schema Event\nName one event.")[0]
    ok, text = _run(shell, "%gemini export needs.ipynb")
    assert ok and "Warning" not in text, text
    nb = nbformat.read(tmp_path / "needs.ipynb", as_version=4)
    sources = next(c.source for c in nb.cells if "def hypot" in c.source)
    for line in (
        "import math",
        "import statistics as st",
        "from datetime import date",
        "from typing import Literal",
        "from pydantic import Field",
        "SCALE = 2",
        "def _double",
    ):
        assert line in sources, line
    namespace: dict[str, Any] = {}
    # a fresh namespace, like a new kernel (and none of this module's __future__ imports)
    exec(compile(sources, "sources", "exec", dont_inherit=True), namespace)
    assert namespace["hypot"](3.0, 4.0) == 5.0
    assert namespace["Event"](day="2026-12-01", kind="talk", title="t").day.year == 2026
    # a helper that is also a tool is defined once, as the tool
    assert _run(shell, "%%gemini --tools hypot,_double\nUse hypot on 3 and 4, then _double.")[0]
    assert _run(shell, "%gemini export both.ipynb")[0]
    both = nbformat.read(tmp_path / "both.ipynb", as_version=4)
    code = next(c.source for c in both.cells if "def hypot" in c.source)
    assert code.count("def _double") == 1
    script = tmp_path / "needs.py"
    assert _run(shell, f"%gemini export {script.name}")[0]
    compile(script.read_text(), "needs.py", "exec")
    assert "import statistics as st" in script.read_text()


def test_a_tool_using_a_notebook_value_the_export_cannot_write_is_warned(shell: Any) -> None:
    assert _run(shell, "table = object()")[0]
    assert _run(
        shell, "def lookup(key: str) -> str:\n    '''Look a key up.'''\n    return str(table)"
    )[0]
    assert _run(shell, "%%gemini --tools lookup\nUse lookup on 'a'.")[0]
    ok, text = _run(shell, "%gemini export table.ipynb")
    assert ok and "'lookup' uses notebook variable(s)" in text and "table (object)" in text


def test_a_map_run_is_exported_saved_and_replayed(
    shell: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A --map run is one turn of the chain with one interaction per element: the export
    # defines its input, re-sends every element from the cassette, and save/load keeps them.
    import pandas as pd

    shell.user_ns["cities"] = ["Paris", "Rome", "Oslo"]
    shell.user_ns["papers"] = pd.DataFrame({"title": ["A", "B"], "year": [2020, 2021]})
    assert _run(shell, "%%gemini\nYou will get names; answer in one line.")[0]
    assert _run(shell, "%%gemini -c --map cities -o facts\nOne fact about {item}.")[0]
    assert _run(shell, "%%gemini --from 1 --map papers\n{item.title} ({item[year]}), row {i}")[0]
    shell.user_ns["cities"] = ["changed"]  # the notebook moved on: the sent prompts are used
    ok, text = _run(shell, "%gemini export maps.ipynb --cassette")
    assert ok and "Exported 3 turn(s)" in text, text
    assert "'cities' is not in the notebook as it was sent" in text
    nb = nbformat.read(tmp_path / "maps.ipynb", as_version=4)
    sources = [c.source for c in nb.cells]
    assert any("prompts_2 = ['One fact about Paris.'" in s for s in sources)
    assert any("papers = pd.DataFrame(" in s for s in sources)
    lines = [s.split("\n", 1)[0] for s in sources if s.startswith("%%gemini")]
    assert "-c" in lines[1] and "--map prompts_2" in lines[1]
    assert "--from 1" in lines[2] and "--map papers" in lines[2]
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    from gemini_interactions.export import replay

    checks = replay(tmp_path / "maps.ipynb")
    assert [c.matches for c in checks] == [True, True, True], checks
    cell = next(c for c in nb.cells if "--map papers" in c.source)
    cell.metadata["gemini_interactions"]["items"][1]["answer"] = "tampered"
    nbformat.write(nb, tmp_path / "tampered.ipynb")
    (tmp_path / "tampered.cassette.json").write_bytes(
        (tmp_path / "maps.cassette.json").read_bytes()
    )
    bad = replay(tmp_path / "tampered.ipynb")
    assert bad[2].detail == "1 of 2 --map element(s) differ", bad
    assert _run(shell, "%gemini export maps.py")[0]
    from gemini_interactions.server import LocalServer, serve_in_thread

    with serve_in_thread(LocalServer(require_auth=False)) as url:
        env = {**os.environ, "GEMINI_API_KEY": "reader-key-0000", "GEMINI_BASE_URL": url}
        done = subprocess.run(
            [sys.executable, "maps.py"], cwd=tmp_path, env=env, capture_output=True, text=True
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--- turn 2 (--map prompts_2, 3 elements)" in done.stdout
    assert "--- turn 3 (--map papers, 2 elements)" in done.stdout
    assert _run(shell, "%gemini save maps.json")[0]
    (chain,), _ = load_chains(tmp_path / "maps.json")
    assert [len(t.items) for t in chain.turns] == [0, 3, 2]
    assert chain.turns[2].items[1].output_text and chain.turns[2].items[1].id
