"""Hardening, round 2 (issue 21) as a notebook user meets it: export names with odd
characters, exports of chains with nothing to export, files from others, tools that misbehave,
and tools that run turns themselves."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from .conftest import Kernel, saved


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
    # quotes, braces and $ (which IPython expands in a line magic) survive too
    odd = "it's {x} $HOME notebook.ipynb"
    kernel.line(f'export "{odd}" --cassette')
    ran = _cli("replay", odd, cwd=tmp_path)
    assert ran.returncode == 0 and "1 of 1 turns match" in ran.stdout, ran.stdout + ran.stderr


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


# --- tools that misbehave -------------------------------------------------------------------


def _results(kernel: Kernel) -> list[dict[str, object]]:
    return [
        step
        for post in kernel.posts()
        if isinstance(post.get("input"), list)
        for step in post["input"]
        if isinstance(step, dict) and step.get("type") == "function_result"
    ]


def _tool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "gemini-tool" and t.is_alive()]


def test_a_sync_tool_past_its_time_limit_is_stopped_and_the_model_told(kernel: Kernel) -> None:
    def slow(city: str) -> str:
        """Look a city up, slowly."""
        time.sleep(30)
        return "never"

    kernel.ns["slow"] = slow
    started = time.monotonic()
    kernel.cell("--tools slow --tool-timeout 0.5", "Use slow for Paris")
    assert time.monotonic() - started < 10
    (result,) = _results(kernel)
    assert result["is_error"] is True
    assert "did not finish within 0.5 s" in str(result["result"])
    chain = kernel.magics.session.registry.current
    assert chain is not None and chain.turns[-1].status == "completed"


def test_an_async_tool_past_the_configured_limit_is_cancelled_and_leaves_no_thread(
    kernel: Kernel, tmp_path: Path
) -> None:
    marker = tmp_path / "written.txt"

    async def fetch(city: str) -> str:
        """Fetch a city, slowly."""
        await asyncio.sleep(2)
        marker.write_text("the coroutine went on")
        return "late"

    kernel.ns["fetch"] = fetch
    kernel.shell.run_line_magic("config", "GeminiMagics.tool_timeout = 0.5")
    kernel.cell("--tools fetch", "Use fetch for Paris")
    (result,) = _results(kernel)
    assert "did not finish within 0.5 s" in str(result["result"])
    time.sleep(2.5)
    assert not marker.exists()
    assert not _tool_threads()


def test_an_interrupt_cancels_an_async_tool_and_leaves_no_thread(
    kernel: Kernel, tmp_path: Path
) -> None:
    marker = tmp_path / "written.txt"
    started = threading.Event()

    async def fetch(city: str) -> str:
        """Fetch a city, slowly."""
        started.set()
        await asyncio.sleep(2)
        marker.write_text("the coroutine went on")
        return "late"

    def interrupt() -> None:
        # What Kernel > Interrupt does: SIGINT to the kernel while the tool runs.
        if started.wait(30):
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGINT)

    kernel.ns["fetch"] = fetch
    timer = threading.Thread(target=interrupt)
    timer.start()
    out = kernel.cell("--tools fetch", "Use fetch for Paris", fails=True)
    timer.join()
    assert started.is_set()
    assert out.message.startswith("Interrupted.")
    assert not _tool_threads()
    time.sleep(2.5)
    assert not marker.exists()


def test_tool_limits_are_cell_options_config_traits_and_in_the_help(kernel: Kernel) -> None:
    from gemini_interactions.magics import GeminiMagics

    helped = GeminiMagics.gemini.__doc__ or ""
    assert "--tool-timeout" in helped and "--tool-result-chars" in helped
    traits = GeminiMagics.class_traits(config=True)
    assert traits["tool_timeout"].default_value == 300.0
    assert traits["tool_result_chars"].default_value == 100_000
    out = kernel.cell("--tool-result-chars 10", "Hello", fails=True)
    assert "--tool-result-chars" in out.message


def test_a_huge_tool_result_is_cut_in_the_request_the_card_and_the_saved_files(
    kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def dump(city: str) -> str:
        """Everything about a city."""
        return "x" * 5_000_000

    kernel.ns["dump"] = dump
    captured = kernel.cell("--tools dump", "Use dump for Paris")
    (result,) = _results(kernel)
    assert 100_000 <= len(str(result["result"])) < 100_200
    assert "the result was 5,000,000 characters" in str(result["result"])
    shown = saved(captured)  # what the notebook keeps, live updates applied
    html = shown.data["text/html"]
    # the card (4,000 characters and the size) and the offline answer quoting the 100,000 sent
    assert "characters in all; the first 4,000 shown" in html
    assert len(html) < 300_000
    assert "5,000,000 characters" in shown.data.get("text/plain", "") + html
    kernel.line("save chains.json")
    kernel.line("export out.ipynb")
    assert (tmp_path / "chains.json").stat().st_size < 1_000_000  # a few copies of 100k
    # (the offline model quotes the tool results in its answer: the answer holds the 100k)
    assert (tmp_path / "out.ipynb").stat().st_size < 1_000_000
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    card = next(c for c in nb.cells if c.source.startswith("%%gemini")).outputs[0]
    assert "dump" in card.data["text/html"] and len(card.data["text/html"]) < 10_000
    assert "5,000,000 characters in all" not in card.data["text/html"]
    assert "characters in all; the first 4,000 shown" in card.data["text/html"]


KEY = "AIzaSyQ7vTbXw3LmN9pRk2HsD5fJ8gUcZ1eYoAa"


def test_the_api_key_in_a_tool_error_is_never_shown_saved_or_sent(
    kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GEMINI_API_KEY", KEY)

    def weather(city: str) -> dict[str, str]:
        """The weather in a city."""
        url = f"https://weather.example/v1?city={city}&key={os.environ['GEMINI_API_KEY']}"
        if city == "Paris":
            raise ConnectionError(f"cannot reach {url}")
        return {"url": url.replace("key=", "key%3D"), "echo": KEY[:20]}

    kernel.ns["weather"] = weather
    first = kernel.cell("--tools weather", "Use weather for Paris")
    second = kernel.cell("--tools weather", "Use weather for Rome")
    kernel.line("save chains.json")
    kernel.line("export out.ipynb")
    seen = [json.dumps(_results(kernel))]
    for ran in (first, second):
        seen += [ran.stdout, ran.stderr, json.dumps([o.data for o in ran.outputs], default=str)]
    seen += [(tmp_path / name).read_text() for name in ("chains.json", "out.ipynb")]
    for text in seen:
        assert not any(KEY[i : i + 8] in text for i in range(len(KEY) - 8)), text[:400]
    assert "cannot reach https://weather.example/v1?city=Paris&key=***" in seen[0]


def test_a_tool_that_runs_a_cell_itself_is_refused_and_the_outer_turn_is_kept(
    kernel: Kernel,
) -> None:
    def ask(question: str) -> str:
        """Ask Gemini a sub-question."""
        kernel.shell.run_cell_magic("gemini", "", f"Sub-question: {question}")
        return "asked"

    kernel.ns["ask"] = ask
    kernel.cell("--tools ask", "Use ask for Paris")  # the kernel's first turn
    chain = kernel.magics.session.registry.current
    assert chain is not None and [t.number for t in chain.turns] == [1]
    assert chain.head is chain.turns[0] and chain.turns[0].status == "completed"
    (result,) = _results(kernel)
    assert result["is_error"] is True
    assert "Tool 'ask' ran a `%%gemini` cell while the turn that called it" in str(result["result"])
    kernel.cell("-c --tools ask", "Use ask for Rome")
    assert [t.number for t in chain.turns] == [1, 2] and chain.head is chain.turns[1]
    history = kernel.line("history")
    assert "Sub-question" not in history.stdout


def test_a_tool_that_sends_on_its_own_chain_does_not_recurse(kernel: Kernel) -> None:
    def again(topic: str) -> str:
        """Ask again."""
        chain = kernel.magics.session.registry.current
        assert chain is not None
        chain.send(f"Use again for {topic}", tools=[again])
        return "never"

    kernel.ns["again"] = again
    kernel.cell("", "Hello")
    kernel.cell("-c --tools again", "Use again for Paris")
    (result,) = _results(kernel)
    assert "ChainUsageError: Tool 'again' tried to send a turn" in str(result["result"])
    chain = kernel.magics.session.registry.current
    assert chain is not None and len(chain.turns) == 2


# --- deep timelines -------------------------------------------------------------------------


def _grow(kernel: Kernel, count: int, *, comb: bool = False) -> None:
    """The current chain continued to ``count`` turns, each a copy of the last real one
    (``comb``: every turn also has a one-turn side branch, a branching point each)."""
    import dataclasses

    chain = kernel.magics.session.registry.current
    assert chain is not None
    model = chain.turns[-1]
    while len(chain.turns) < count:
        number = len(chain.turns) + 1
        parent = number - 2 if comb and number % 2 == 1 and number > 2 else number - 1
        chain.turns.append(
            dataclasses.replace(model, number=number, parent=parent, tool_runs=[], items=[])
        )
    chain._head = count


def _nesting(html: str) -> int:
    depth = deepest = 0
    for piece in html.split("<ul")[1:]:
        depth += 1
        deepest = max(deepest, depth)
        depth -= piece.count("</ul>")
    return deepest


def test_the_timeline_of_10000_continued_turns_renders_and_folds_older_turns(
    kernel: Kernel,
) -> None:
    kernel.cell("", "Hello")
    kernel.cell("-c", "And then?")
    _grow(kernel, 10_000)
    shown = kernel.line("timeline")
    html = shown.outputs[0].data["text/html"]
    text = shown.outputs[0].data["text/plain"]
    assert "10000 turn(s)" in html
    assert "9,900 earlier turn(s) folded (turns 1 to 9900)" in html
    assert "<strong>turn 10000" in html and "<strong>turn 9900 " not in html
    assert "<strong>turn 9900<" not in html
    assert _nesting(html) == 1  # continued turns go on in one list
    assert len(html) < 2_000_000
    assert "9,900 earlier turn(s) folded" in text and "turn 10000" in text


def test_a_timeline_with_a_branch_at_every_turn_nests_boundedly(kernel: Kernel) -> None:
    kernel.cell("", "Hello")
    kernel.cell("-c", "And then?")
    _grow(kernel, 1_000, comb=True)
    html = kernel.line("timeline").outputs[0].data["text/html"]
    assert 20 <= _nesting(html) <= 26
    assert "↳ from turn " in html


# --- secrets in exports ---------------------------------------------------------------------

SECRETS_CELL = '''
import os
TOKEN = os.environ["HF_TOKEN"]
HF_TOKEN = "hf_LiteralInTheNotebook1234567"
DB_PASSWORD = "s3cr3t-pass"
SORT_KEY = "lastname"
def lookup(query: str) -> str:
    """Look a query up."""
    return query + TOKEN[:0] + HF_TOKEN[:0] + DB_PASSWORD[:0] + SORT_KEY[:0]
'''


def test_exports_and_save_read_credentials_from_the_environment_never_copy_them(
    kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_TOKEN", "hf_FromTheEnvironment987654321")
    assert kernel.shell.run_cell(SECRETS_CELL, store_history=False).success
    kernel.cell("--tools lookup", "Use lookup for cats")
    said = {
        "py": kernel.line("export out.py"),
        "ipynb": kernel.line("export out.ipynb"),
        "json": kernel.line("save chains.json"),
    }
    for suffix, ran in said.items():
        text = (tmp_path / f"{'chains' if suffix == 'json' else 'out'}.{suffix}").read_text()
        for secret in ("hf_FromTheEnvironment", "hf_LiteralInTheNotebook", "s3cr3t-pass"):
            assert secret not in text, (suffix, secret)
        code = text if suffix == "py" else json.dumps(json.loads(text))
        for line in (
            "TOKEN = os.environ['HF_TOKEN']",
            "HF_TOKEN = os.environ['HF_TOKEN']",
            "DB_PASSWORD = os.environ['DB_PASSWORD']",
            "SORT_KEY = 'lastname'",  # a key name with a plain word: not a credential
            "import os",
        ):
            assert line in code, (suffix, line)
        warned = ran.stderr
        assert "'HF_TOKEN' looks like a credential" in warned, (suffix, warned)
        assert "'DB_PASSWORD' looks like a credential" in warned, (suffix, warned)
        assert "'TOKEN'" not in warned  # read from the environment: the same read, no warning
    monkeypatch.setenv("DB_PASSWORD", "set as the warning says")
    namespace: dict[str, object] = {}
    script = (tmp_path / "out.py").read_text()
    sources = script[script.index("import os") : script.index("def lookup")]
    exec(sources, namespace)  # the export's own definitions, in a fresh namespace
    assert namespace["TOKEN"] == "hf_FromTheEnvironment987654321"


# --- chains files from others ---------------------------------------------------------------


def _saved_chain(kernel: Kernel, tmp_path: Path) -> dict[str, object]:
    kernel.ns["shout"] = None
    assert kernel.shell.run_cell(
        'def shout(word: str) -> str:\n    """Shout a word."""\n    return word.upper()\n',
        store_history=False,
    ).success
    kernel.cell("--tools shout", "Use shout for hello")
    kernel.cell("-c", "And then?")
    kernel.line("save good.json")
    data: dict[str, object] = json.loads((tmp_path / "good.json").read_text())
    return data


def _turns(data: dict[str, object]) -> list[dict[str, object]]:
    return data["chains"][0]["turns"]  # type: ignore[index, no-any-return]


ATTACKS = {
    "a time too large": (lambda d: _turns(d)[0].update(started_at=1), "1e400", "too large"),
    "requests that are text": (
        lambda d: _turns(d)[0].update(requests="abc"),
        None,
        "requests that are not a list of objects",
    ),
    "a parent of 1.5": (lambda d: _turns(d)[1].update(parent=1.5), None, "parent 1.5"),
    "attachments that are a number": (
        lambda d: _turns(d)[0]["options"].update(attachments=5),  # type: ignore[attr-defined]
        None,
        "attachments that are not a list of names",
    ),
    "a head of true": (lambda d: d["chains"][0].update(head=True), None, "head True"),  # type: ignore[index]
    "NaN": (lambda d: _turns(d)[0].update(ended_at=7), "NaN", "NaN is not a number"),
    "100,000-deep nesting": (
        lambda d: _turns(d)[0].update(notices="DEEP"),
        '"notices":' + "[" * 100_000 + "]" * 100_000,
        "nested too deeply",
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_crafted_chains_file_is_refused_in_one_paragraph_and_loads_nothing(
    kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, attack: str
) -> None:
    monkeypatch.chdir(tmp_path)
    data = _saved_chain(kernel, tmp_path)
    change, raw, says = ATTACKS[attack]
    change(data)
    text = json.dumps(data)
    if raw == "1e400":
        text = text.replace('"started_at": 1,', '"started_at": 1e400,')
    elif raw == "NaN":
        text = text.replace('"ended_at": 7', '"ended_at": NaN')
    elif raw is not None:
        text = text.replace('"notices": "DEEP"', raw)
    (tmp_path / "bad.json").write_text(text)
    kernel.magics.autosave = True
    before = kernel.state()
    out = kernel.line("load bad.json --replace", fails=True)
    assert says in out.message and "Nothing was loaded" in out.message, out.message
    assert kernel.state() == before
    # and everything goes on: show, timeline, export, save, a next turn with autosave
    kernel.line("show 1")
    kernel.line("timeline")
    kernel.line("export after.ipynb")
    kernel.cell("-c", "Still here?")


def test_loading_a_file_with_tool_sources_says_they_are_code(
    kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _saved_chain(kernel, tmp_path)
    out = kernel.line("load good.json")
    assert "good.json holds the source code of shout" in out.stdout
    assert "A chains file is code" in out.stdout


def test_an_attachment_outside_the_export_folder_is_copied_in_or_left_out(
    kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "note.txt").write_text("a harmless note")
    kernel.cell("--attach note.txt", "Summarise the note.")
    kernel.line("save good.json")
    data = json.loads((tmp_path / "good.json").read_text())
    turn = _turns(data)[0]
    turn["options"]["attachments"] = ["../../../etc/passwd"]
    (tmp_path / "recorded.json").write_text(json.dumps(data))
    turn["requests"][0]["input"] = turn["requests"][0]["input"][:1]  # no recorded data
    (tmp_path / "unrecorded.json").write_text(json.dumps(data))
    (tmp_path / "out").mkdir()
    for name in ("recorded", "unrecorded"):
        kernel.line(f"load {name}.json --replace")
        ran = kernel.line(f"export out/{name}.ipynb")
        nb = nbformat.read(tmp_path / "out" / f"{name}.ipynb", as_version=4)
        source = "\n".join(cell.source for cell in nb.cells)  # what runs (not the metadata)
        assert "etc/passwd" not in source and "--attach ../" not in source
        said = ran.stdout + ran.stderr
        assert "'../../../etc/passwd' is outside the export's folder" in said
    copied = (tmp_path / "out" / "recorded_files" / "passwd.txt").read_text()
    assert copied == "a harmless note"  # the recorded bytes, not the file the path names


def test_a_tool_cannot_reset_or_switch_the_chains_under_its_own_turn(kernel: Kernel) -> None:
    def tidy(what: str) -> str:
        """Tidy up."""
        kernel.shell.run_line_magic("gemini", "reset --all")
        return "tidied"

    kernel.ns["tidy"] = tidy
    kernel.cell("", "Hello")
    kernel.cell("-c --tools tidy", "Use tidy for everything")
    (result,) = _results(kernel)
    assert "Tool 'tidy' ran `%gemini reset`" in str(result["result"])
    chain = kernel.magics.session.registry.current
    assert chain is not None and [t.number for t in chain.turns] == [1, 2]
    assert chain.head is chain.turns[1]
