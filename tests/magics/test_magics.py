"""Every option and line command of %%gemini / %gemini, in a real InteractiveShell, offline."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import gemini_interactions
from gemini_interactions.api import Interaction
from gemini_interactions.magics import GeminiMagics

from .conftest import Kernel


def final(captured: Any) -> Any:
    """The last display of a cell: the final state saved in the notebook."""
    from .conftest import saved

    return saved(captured)


def test_public_api_is_pinned() -> None:
    from gemini_interactions import magics

    assert gemini_interactions.__all__ == [
        "__version__",
        "load_ipython_extension",
        "unload_ipython_extension",
    ]
    assert magics.__all__ == [
        "GeminiMagics",
        "load_ipython_extension",
        "unload_ipython_extension",
    ]


def test_a_cell_streams_markdown_with_provenance(kernel: Kernel) -> None:
    out = kernel.cell("", "Explain recursion")
    assert not out.stderr
    last = final(out)
    assert set(last.data) == {"text/plain", "text/markdown", "text/html"}
    assert "Explain recursion" in last.data["text/markdown"]
    meta = last.metadata["gemini_interactions"]
    turn = kernel.magics.session.registry.current.head  # type: ignore[union-attr]
    assert meta["interaction_id"] == turn.id and meta["status"] == "completed"
    assert meta["previous_interaction_id"] is None
    # the model that answered (the offline demo, named after the one asked) and the one asked
    assert meta["model"] == "offline-demo/gemini-3-flash-preview"
    assert meta["asked_model"] == "gemini-3-flash-preview"
    assert meta["usage"]["total_tokens"] > 0 and meta["chain"] == "chat" and meta["turn"] == 1
    assert isinstance(kernel.ns["_gemini"], Interaction) and kernel.ns["_gemini"].id == turn.id
    assert len(out.outputs) >= 2  # a placeholder, then updates through the same handle


def test_continue_and_new_chains(kernel: Kernel) -> None:
    kernel.cell("", "My name is Ann.")
    first = kernel.ns["_gemini"]
    kernel.cell("--continue", "What is my name?")
    second = kernel.ns["_gemini"]
    kernel.cell("-c", "And again?")
    bodies = kernel.posts()
    assert "previous_interaction_id" not in bodies[0]
    assert bodies[1]["previous_interaction_id"] == first.id
    assert bodies[2]["previous_interaction_id"] == second.id
    assert "Ann" in second.output_text
    kernel.cell("", "A new conversation")
    assert "previous_interaction_id" not in kernel.posts()[3]
    # ... inside the same chain, numbered like In[n]: a new root, turn 4
    registry = kernel.magics.session.registry
    assert list(registry.chains) == ["chat"] and registry.current_name == "chat"
    chain = registry.get("chat")
    assert [(t.number, t.parent) for t in chain.turns] == [(1, None), (2, 1), (3, 2), (4, None)]
    assert chain.head is chain.turns[3]
    kernel.cell("--from 2", "Back to the first conversation")
    assert kernel.posts()[4]["previous_interaction_id"] == chain.turns[1].id
    assert final(kernel.cell("-c", "And on")).metadata["gemini_interactions"]["turn"] == 6
    assert kernel.posts()[5]["previous_interaction_id"] == chain.turns[4].id


def test_named_chains_and_use(kernel: Kernel) -> None:
    kernel.cell("", "Hello")
    kernel.cell("--chain research", "Topic one")
    kernel.cell("--chain poems", "Write a haiku")
    kernel.cell("--chain research -c", "More on topic one")
    registry = kernel.magics.session.registry
    research = registry.get("research")
    assert [t.previous_interaction_id for t in research.turns][1] == research.turns[0].id
    assert [t.number for t in research.turns] == [1, 2]  # its own numbering
    # --chain NAME is for that cell: --continue still means the current chain
    kernel.cell("-c", "And you?")
    chat = registry.get("chat")
    assert [t.number for t in chat.turns] == [1, 2] and chat.turns[1].parent == 1
    out = kernel.line("chains")
    table = final(out).data["text/plain"]
    assert "chat*" in table and "research " in table and "poems " in table
    kernel.line("use poems")
    kernel.cell("-c", "Another haiku")
    poems = registry.get("poems")
    assert kernel.posts()[-1]["previous_interaction_id"] == poems.turns[0].id
    kernel.cell("", "A new poem")
    assert [t.parent for t in poems.turns] == [None, 1, None]


def test_branch_with_from(kernel: Kernel) -> None:
    for prompt in ("one", "two", "three"):
        kernel.cell("-c" if prompt != "one" else "", prompt)
    chain = kernel.magics.session.registry.current
    assert chain is not None
    kernel.cell("--from 1", "branch from one")
    assert kernel.posts()[-1]["previous_interaction_id"] == chain.turns[0].id
    kernel.cell("--from -2", "branch from the branch's sibling")
    assert kernel.posts()[-1]["previous_interaction_id"] == chain.turns[2].id
    assert len(chain.turns) == 5 and chain.head is chain.turns[4]
    table = final(kernel.line("history")).data["text/plain"]
    rows = [line.split()[:2] for line in table.splitlines()]
    assert rows == [["turn", "from"], ["1", "new"], ["2", "1"], ["3", "2"], ["4", "1"], ["5*", "3"]]


def test_model_system_generation_options(kernel: Kernel) -> None:
    kernel.cell(
        '-m gemini-x -s "Be terse." --thinking low --thoughts --temperature 0.3 '
        "--max-output-tokens 200",
        "Hello",
    )
    body = kernel.posts()[0]
    assert body["model"] == "gemini-x" and body["system_instruction"] == "Be terse."
    assert body["generation_config"] == {
        "thinking_level": "low",
        "thinking_summaries": "auto",
        "temperature": 0.3,
        "max_output_tokens": 200,
    }
    assert "💭" in final(kernel.cell("--thoughts -c", "More")).data["text/html"]


def test_config_defaults(kernel: Kernel) -> None:
    kernel.shell.run_line_magic("config", 'GeminiMagics.model = "gemini-configured"')
    kernel.shell.run_line_magic("config", 'GeminiMagics.thinking_level = "high"')
    kernel.shell.run_line_magic("config", 'GeminiMagics.system_instruction = "Sys"')
    kernel.cell("", "Hello")
    body = kernel.posts()[0]
    assert body["model"] == "gemini-configured" and body["system_instruction"] == "Sys"
    assert body["generation_config"]["thinking_level"] == "high"
    kernel.shell.run_line_magic("config", 'GeminiMagics.model = "gemini-3-flash-preview"')
    kernel.shell.run_line_magic("config", 'GeminiMagics.thinking_level = ""')
    kernel.shell.run_line_magic("config", 'GeminiMagics.system_instruction = ""')


def test_no_store_warns(kernel: Kernel) -> None:
    out = kernel.cell("--no-store", "Forget this")
    assert kernel.posts()[0]["store"] is False
    assert "--no-store" in out.stderr and "cannot be continued" in out.stderr


def test_tools_round_trip(kernel: Kernel) -> None:
    calls: list[str] = []

    def get_weather(city: str) -> dict[str, Any]:
        """Current weather in a city.

        Args:
            city: The city.
        """
        calls.append(city)
        return {"temp": 21}

    async def slow_lookup(city: str) -> str:
        """Look a city up (async)."""
        return f"{city}!"

    kernel.ns.update(get_weather=get_weather, slow_lookup=slow_lookup)
    out = kernel.cell("--tools get_weather", "Use get_weather for Paris")
    assert calls == ["Paris"]
    first, second = kernel.posts()
    assert first["tools"][0]["name"] == "get_weather" and second["tools"] == first["tools"]
    assert second["input"][0]["type"] == "function_result"
    shown = final(out).data
    assert "get_weather(city=Paris) [done" in shown["text/plain"]
    assert '→ {"temp": 21}' in shown["text/plain"]
    assert "<code>get_weather</code>" in shown["text/html"] and "temp" in shown["text/html"]
    kernel.cell("--tools get_weather,slow_lookup -c", "Call slow_lookup for Rome")
    assert kernel.posts()[-1]["input"][0]["result"] == "Rome!"
    # the continued turn names the previous turn's final interaction (after its tool round)
    chain = kernel.magics.session.registry.current
    assert chain is not None
    assert kernel.posts()[2]["previous_interaction_id"] == chain.turns[0].interactions[-1].id


def test_raising_tool_and_max_tool_rounds(kernel: Kernel) -> None:
    def explode(city: str) -> str:
        """Fails."""
        raise ValueError("boom")

    def counter(n: int) -> int:
        """Counts."""
        return n

    kernel.ns.update(explode=explode, counter=counter)
    kernel.cell("--tools explode", "Call explode for Paris")
    result = kernel.posts()[1]["input"][0]
    assert result["is_error"] is True and result["result"] == "ValueError: boom"
    before = kernel.magics.session.registry.current.head  # type: ignore[union-attr]
    out = kernel.cell("-c --tools counter --max-tool-rounds 1", "loop forever", fails=True)
    assert "--max-tool-rounds N" in out.message and "head did not move" in out.message
    assert "max_tool_rounds" not in out.message  # the flag, not the Python parameter
    assert kernel.magics.session.registry.current.head is before  # type: ignore[union-attr]


def test_builtin_tool_flags(kernel: Kernel) -> None:
    kernel.cell("--search --code-execution --url-context", "Search https://example.com")
    assert [t["type"] for t in kernel.posts()[0]["tools"]] == [
        "google_search",
        "code_execution",
        "url_context",
    ]


class City(BaseModel):
    name: str
    population: int


def test_schema_and_out(kernel: Kernel) -> None:
    kernel.ns["City"] = City
    kernel.cell("--schema City -o city", "A big city")
    assert isinstance(kernel.ns["city"], City) and kernel.ns["_gemini"] is kernel.ns["city"]
    assert kernel.posts()[0]["response_format"]["schema"]["required"] == ["name", "population"]
    kernel.ns["spec"] = {"type": "object", "properties": {"n": {"type": "integer"}}}
    kernel.cell("--schema spec -o raw", "A number")
    assert isinstance(kernel.ns["raw"], dict)


def test_attach_file_and_variable(kernel: Kernel, tmp_path: Path) -> None:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(b"%PDF-1.4 x")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    kernel.ns["picture"] = png
    kernel.cell(f"--attach {pdf} --attach picture", "What are these?")
    content = kernel.posts()[0]["input"]
    assert [c["type"] for c in content] == ["text", "document", "image"]
    assert content[2]["data"] == base64.b64encode(png).decode()


def test_no_stream(kernel: Kernel) -> None:
    out = kernel.cell("--no-stream", "Hello")
    assert "stream" not in kernel.posts()[0]
    assert final(out).metadata["gemini_interactions"]["status"] == "completed"


def test_dry_run_sends_nothing_and_changes_nothing(kernel: Kernel) -> None:
    kernel.cell("", "first")
    before = kernel.state()
    out = kernel.cell("--dry-run -c --temperature 0.2", "second {x}")
    request = json.loads(out.stdout)
    assert request["json"]["previous_interaction_id"] == kernel.ns["_gemini"].id
    assert request["json"]["generation_config"] == {"temperature": 0.2}
    assert request["json"]["input"] == "second {x}"
    assert kernel.state() == before


def test_dry_run_redacts_the_key_and_needs_no_server(kernel: Kernel, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-secret-value")
    kernel.line("backend live")
    out = kernel.cell("--dry-run", "hello")
    assert "AIza-secret-value" not in out.stdout
    assert json.loads(out.stdout)["headers"]["x-goog-api-key"] == "***"


def test_interpolation(kernel: Kernel) -> None:
    class Obj:
        attr = "ATTR"

    kernel.ns.update(topic="recursion", d={"k": "VALUE", 1: "ONE"}, obj=Obj(), items=["zero"])
    prompt = (
        "Explain {topic} via {d[k]}, {d[1]}, {obj.attr}, {items[0]}; keep {{topic}}, {missing}, "
        'def f(): return {"a": {"b": 1}}, f"{x:>4}" and {}'
    )
    kernel.cell("--dry-run", prompt)
    kernel.cell("", prompt)
    sent = kernel.posts()[0]["input"]
    assert sent == (
        "Explain recursion via VALUE, ONE, ATTR, zero; keep {topic}, {missing}, "
        'def f(): return {"a": {"b": 1}}, f"{x:>4}" and {}'
    )
    kernel.cell("--raw", "Keep {topic}")
    assert kernel.posts()[1]["input"] == "Keep {topic}"


def test_background_wait_and_cancel(kernel: Kernel, monkeypatch) -> None:
    out = kernel.cell("--background", "Research TPUs")
    chain = kernel.magics.session.registry.current
    assert chain is not None
    turn = chain.turns[-1]
    assert turn.status == "running" and kernel.posts()[0]["background"] is True
    assert "Background turn 1" in final(out).data["text/plain"]
    client = kernel.magics.session.client()
    monkeypatch.setattr(client.retry_policy, "sleep", lambda s: None)
    waited = kernel.line("wait")
    assert turn.status == "completed" and chain.head is turn
    assert "Offline report" in final(waited).data["text/markdown"]
    assert kernel.ns["_gemini"].id == turn.id
    kernel.cell("--agent deep-research-preview-04-2026", "Research more")
    assert kernel.posts()[-1]["agent"] == "deep-research-preview-04-2026"
    agent_turn = chain.turns[-1]
    assert agent_turn.status == "running" and agent_turn.number == 2
    out = kernel.line(f"cancel {agent_turn.id}")
    assert agent_turn.status == "cancelled" and "cancelled" in out.stdout


def test_background_poller_updates_the_display(kernel: Kernel) -> None:
    kernel.magics.poll_interval = 0.05
    kernel.cell("--background", "Research TPUs")
    poller = kernel.magics.session.background.pollers[-1]
    poller.thread.join(timeout=30)
    assert poller.watched.turn.status == "completed"


def test_line_commands(kernel: Kernel) -> None:
    help_text = kernel.line("").shown
    assert "%gemini history" in help_text and "%%gemini?" in help_text
    assert "No chains yet" in kernel.line("chains").stdout
    kernel.cell("--chain a", "one")
    kernel.cell("--chain a -c", "two")
    kernel.cell("--chain b", "three")
    history = final(kernel.line("history --chain a"))
    assert "| 2\\* |" in history.data["text/markdown"]  # the head's *, escaped: shown as typed
    shown = final(kernel.line("show 1 --chain a"))
    assert shown.metadata["gemini_interactions"]["turn"] == 1
    usage = final(kernel.line("usage")).data["text/plain"]
    assert "gemini-3-flash-preview" in usage and "a " in usage
    assert "Current chain: a" in kernel.line("use a").stdout
    assert "Forgot chain 'a'" in kernel.line("reset").stdout
    assert kernel.magics.session.registry.current is None
    assert "Forgot chain 'b'" in kernel.line("reset b").stdout
    kernel.cell("", "x")
    assert "Forgot every chain" in kernel.line("reset --all").stdout
    assert "offline" in kernel.line("backend").stdout


def test_backend_url(kernel: Kernel) -> None:
    from gemini_interactions.server import LocalServer, serve_in_thread

    server = LocalServer()
    with serve_in_thread(server) as url:
        assert url in kernel.line(f"backend {url}").stdout
        kernel.cell("", "Over HTTP")
    assert server.requests[-1].json["input"] == "Over HTTP"
    assert server.requests[-1].headers.get("x-goog-api-key") in ("REDACTED", None)


def test_no_key_prints_one_paragraph(kernel: Kernel, monkeypatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    kernel.line("backend offline")
    kernel.cell("", "one")
    before = kernel.state()
    out = kernel.line("backend live", fails=True)
    assert "GEMINI_API_KEY" in out.message and "the backend stays offline" in out.message
    assert "this cell" not in out.message  # it is a line command, not a cell
    assert "\n" not in out.message and not out.outputs
    assert kernel.state() == before


def test_failed_turn_shows_status_and_message(kernel: Kernel) -> None:
    kernel.cell("", "hello")
    chain = kernel.magics.session.registry.current
    assert chain is not None
    head = chain.head
    out = kernel.cell("-c", "please fail", fails=True)
    assert "HTTP 400" in out.message and "too hot" in out.message
    assert chain.head is head and not out.stderr
    assert chain.turns[-1].status == "failed"
    assert final(out).metadata["gemini_interactions"]["status"] == "failed"


def test_interrupt_keeps_partial_answer(kernel: Kernel, monkeypatch) -> None:
    from gemini_interactions.render import _live as _render

    kernel.cell("", "hello")
    chain = kernel.magics.session.registry.current
    assert chain is not None
    head = chain.head
    seen = {"n": 0}
    original = _render.LiveView.on_event

    def interrupting(self: Any, turn: Any, event: Any) -> None:
        original(self, turn, event)
        if turn.text:
            seen["n"] += 1
            if seen["n"] == 3:
                raise KeyboardInterrupt

    monkeypatch.setattr(_render.LiveView, "on_event", interrupting)
    out = kernel.cell("-c", "Tell me a long story", fails=True)
    turn = chain.turns[-1]
    assert turn.status == "interrupted" and turn.text and "streamed." not in turn.text
    assert chain.head is head and "Interrupted" in out.message
    assert isinstance(out.error, KeyboardInterrupt)  # the cell ends as an interrupted one does
    last = final(out)
    assert last.metadata["gemini_interactions"]["status"] == "interrupted"
    assert "interrupted" in last.data["text/markdown"]


def test_terminal_prints_deltas(kernel: Kernel, monkeypatch) -> None:
    monkeypatch.setattr(type(kernel.magics.session), "terminal", lambda self: True)
    out = kernel.cell("", "Tell me a long story")
    assert "Once upon a time there was a kernel that streamed." in out.stdout
    assert "completed" in out.stdout and not out.outputs


def test_help_lists_every_option() -> None:
    doc = GeminiMagics.gemini.__doc__ or ""
    for flag in (
        "--continue",
        "--chain",
        "--from",
        "--model",
        "--agent",
        "--system",
        "--thinking",
        "--thoughts",
        "--temperature",
        "--max-output-tokens",
        "--no-store",
        "--tools",
        "--max-tool-rounds",
        "--search",
        "--code-execution",
        "--url-context",
        "--schema",
        "--attach",
        "--out",
        "--background",
        "--no-stream",
        "--dry-run",
        "--raw",
    ):
        assert flag in doc, flag


def test_unload_removes_the_magics(kernel: Kernel) -> None:
    kernel.shell.run_line_magic("unload_ext", "gemini_interactions")
    assert "gemini" not in kernel.shell.magics_manager.magics["cell"]
    assert "gemini" not in kernel.shell.magics_manager.magics["line"]
    kernel.shell.run_line_magic("load_ext", "gemini_interactions")
    kernel.magics.poll_interval = 0
    kernel.line("backend offline")


def test_load_ext_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "ip.run_line_magic('load_ext', 'gemini_interactions')\n"
        "heavy = [m for m in ('httpx', 'pydantic', 'gemini_interactions.api',"
        " 'gemini_interactions.server', 'gemini_interactions.chain') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("interval", [0.1])
def test_updates_are_rate_bounded(interval: float) -> None:
    from gemini_interactions.chain import Turn
    from gemini_interactions.render import LiveView

    now = {"t": 0.0}
    view = LiveView(interval=interval, clock=lambda: now["t"])
    shown: list[str] = []

    def render(turn: Any, *, final: bool = False) -> None:
        shown.append(turn.text)
        view._next = now["t"] + interval  # one message per update

    view.render = render  # type: ignore[method-assign]
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    view.on_start(turn)
    for i in range(1000):  # 1000 deltas over one second
        now["t"] = i / 1000
        turn.text += "x"
        view.on_event(turn, None)
    turn.status = "completed"
    view.on_end(turn)
    assert shown[1] == "x"  # the first token at once
    assert len(shown) <= 2 + 1 / interval + 1  # start, first token, ~10/s, end
    assert shown[-1] == "x" * 1000  # the end at once


def test_help_usage_reads_as_a_cell_magic(kernel: Kernel) -> None:
    doc = GeminiMagics.gemini.__doc__ or ""
    assert "%%gemini [-c]" in doc and "  %gemini [-c]" not in doc


def test_dry_run_abbreviates_attachment_data(kernel: Kernel, tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 300_000)
    out = kernel.cell(f"--dry-run --attach {big}", "What is this?")
    assert len(out.stdout) < 2_000
    data = json.loads(out.stdout)["json"]["input"][1]["data"]
    assert data.endswith("base64 characters, sent in full)") and data.startswith("iVBORw0KGgo")
    kernel.cell(f"--attach {big}", "What is this?")
    sent = kernel.posts()[-1]["input"][1]["data"]
    assert base64.b64decode(sent) == big.read_bytes()  # the real request is whole


def test_no_store_note_says_how_to_go_on(kernel: Kernel) -> None:
    out = kernel.cell("--no-store", "Forget this")
    assert "start the next cell without --continue" in out.stderr
    kernel.cell("", "one")
    out = kernel.cell("-c --no-store", "two")
    assert "branch from turn 2 with --from 2" in out.stderr


def test_lambda_partial_and_callable_object_as_tools(kernel: Kernel) -> None:
    import functools

    def mul(a: int, b: int) -> int:
        """Multiply."""
        return a * b

    class Shout:
        def __call__(self, text: str) -> str:
            """Upper-case a text."""
            return text.upper()

    kernel.ns.update(twice=lambda x: x + x, double=functools.partial(mul, b=2), shout=Shout())
    out = kernel.cell("--tools twice,double,shout", "Call twice")
    assert not out.stderr, out.stderr
    names = [t["name"] for t in kernel.posts()[0]["tools"]]
    assert names == ["twice", "double", "shout"]  # the notebook names


def test_the_readme_tool_example_works_offline(kernel: Kernel) -> None:
    calls: list[str] = []

    def get_weather(city: str) -> str:
        calls.append(city)
        return f"sunny in {city}"

    kernel.ns["get_weather"] = get_weather
    kernel.cell("--thoughts", "My name is Ada. In two sentences, what is recursion?")
    out = kernel.cell(
        "--continue --tools get_weather", "What is my name, and what is the weather in Paris?"
    )
    assert calls == ["Paris"]
    text = final(out).data["text/plain"]
    assert "get_weather(city=Paris)" in text and "sunny in Paris" in text
    assert "Your name is **Ada**" in text and "Offline demo model" in text
