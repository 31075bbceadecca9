"""What a newcomer hits in the first hour: dry run, %config, %reload_ext, show, help."""

from __future__ import annotations

import json
from typing import Any

from gemini_interactions._cell._commands import COMMANDS

from .conftest import FIXTURES, Kernel, forget_kept, said


def final(captured: Any) -> Any:
    from .conftest import saved

    return saved(captured)


def config(kernel: Kernel, line: str) -> str:
    from IPython.utils.capture import capture_output

    with capture_output() as out:
        value = kernel.shell.run_line_magic("config", line)
    return out.stdout if value is None else str(value)


# --- a. the dry run shows where the cell would really go ----------------------------------------


def test_dry_run_on_the_offline_backend_shows_the_offline_server(
    kernel: Kernel, monkeypatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-dry-run-key-0001")
    kernel.line("backend offline")
    request = json.loads(kernel.cell("--dry-run", "hello").stdout)
    assert request["backend"].startswith("offline")
    assert "googleapis.com" not in request["url"] and request["url"].startswith(
        "http://offline.invalid/"
    )
    # The offline server gets no key at all, so none is shown (not even masked).
    assert not {"x-goog-api-key", "authorization"} & {h.lower() for h in request["headers"]}
    kernel.cell("", "hello")  # and the real cell goes there, keyless
    assert kernel.ns["_gemini"].status == "completed"


def test_dry_run_on_the_live_backend_names_it(kernel: Kernel, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-dry-run-key-0002")
    kernel.line("backend live")
    request = json.loads(kernel.cell("--dry-run", "hello").stdout)
    assert request["backend"].startswith("live")
    assert request["url"].startswith("https://generativelanguage.googleapis.com/")
    assert request["headers"]["x-goog-api-key"] == "***"


def test_dry_run_on_a_local_url_shows_the_placeholder_it_sends(kernel: Kernel, monkeypatch) -> None:
    from gemini_interactions.server import LocalServer, serve_in_thread

    monkeypatch.setenv("GEMINI_API_KEY", "AIza-dry-run-key-0003")
    with serve_in_thread(LocalServer()) as url:
        kernel.line(f"backend {url}")
        request = json.loads(kernel.cell("--dry-run", "hello").stdout)
        kernel.line("backend offline")
    assert request["url"].startswith(url) and "a running server" in request["backend"]
    assert request["headers"]["x-goog-api-key"] == "local-server"  # never the real key
    assert "AIza-dry-run-key-0003" not in json.dumps(request)


# --- b. %config and %gemini backend agree --------------------------------------------------------


def test_config_shows_the_backend_set_by_the_line_command(kernel: Kernel) -> None:
    assert config(kernel, "GeminiMagics.backend") == f"offline --fixtures {FIXTURES}"
    kernel.line("backend offline")
    assert config(kernel, "GeminiMagics.backend") == "offline"
    assert "Current: 'offline'" in config(kernel, "GeminiMagics")
    from gemini_interactions.server import LocalServer, serve_in_thread

    with serve_in_thread(LocalServer()) as url:
        kernel.line(f"backend {url}/?key=AIzaNotForShow")
        shown = config(kernel, "GeminiMagics")
        assert f"Current: '{url}/?***'" in shown and "AIzaNotForShow" not in shown
        kernel.line("backend offline")
    assert "offline" in kernel.line("backend").stdout


def test_setting_the_backend_line_command_keeps_its_server(kernel: Kernel) -> None:
    kernel.line("backend offline")
    kernel.cell("", "one")
    server = kernel.magics.session.server
    kernel.cell("-c", "two")  # syncing %config did not rebuild the client or the server
    assert kernel.magics.session.server is server
    assert kernel.ns["_gemini"].status == "completed"


def test_config_backend_takes_the_line_commands_words(kernel: Kernel) -> None:
    kernel.shell.run_line_magic("config", f'GeminiMagics.backend = "offline --fixtures {FIXTURES}"')
    assert "--fixtures" in kernel.line("backend").stdout
    # a fixture answers, so the fixtures were loaded
    assert "too hot" in said(kernel.shell, "%%gemini\nplease fail")
    before = config(kernel, "GeminiMagics.backend")
    from IPython.utils.capture import capture_output

    with capture_output() as out:
        kernel.shell.run_line_magic("config", 'GeminiMagics.backend = "marsnet"')
    assert "stays" in out.stderr and "Unknown backend 'marsnet'" in out.stderr
    assert config(kernel, "GeminiMagics.backend") == before
    assert "--fixtures" in kernel.line("backend").stdout


# --- c. %reload_ext keeps the backend, chains and settings, and says so ---------------------------


def test_reload_ext_keeps_backend_and_chains_and_says_so(kernel: Kernel) -> None:
    from IPython.utils.capture import capture_output

    kernel.line("backend offline")
    kernel.cell("--chain ann", "My name is Ann.")
    kernel.magics.model = "gemini-kept"
    with capture_output() as out:
        kernel.shell.run_line_magic("reload_ext", "gemini_interactions")
    assert "kept the backend offline" in out.stdout and "the chain ann" in out.stdout
    assert "model" in out.stdout
    assert "offline" in kernel.line("backend").stdout
    assert config(kernel, "GeminiMagics.backend") == "offline"
    assert config(kernel, "GeminiMagics.model") == "gemini-kept"
    kernel.cell("--chain ann -c", "What is my name?")  # goes on, on the same offline server
    answer = kernel.ns["_gemini"]
    assert answer.status == "completed" and "Ann" in answer.output_text
    assert kernel.posts()[-1]["model"] == "gemini-kept"
    # one instance answers %config, not a stale one from before the reload
    mine = [c for c in kernel.shell.configurables if type(c).__name__ == "GeminiMagics"]
    assert mine == [kernel.magics]


def test_reload_ext_resumes_polling_a_background_turn(kernel: Kernel) -> None:
    kernel.magics.poll_interval = 0.05
    kernel.cell("--background -o report", "Research TPUs")
    kernel.shell.run_line_magic("reload_ext", "gemini_interactions")
    session = kernel.magics.session
    assert session.background.pollers, "the reloaded magics poll the running turn again"
    session.background.pollers[-1].thread.join(timeout=30)
    assert kernel.ns["report"].status == "completed"


def test_unload_then_load_in_a_fresh_test_starts_clean(kernel: Kernel) -> None:
    forget_kept(kernel.shell)
    assert not len(kernel.magics.session.registry)


# --- d. show honours the turn's own --thoughts ----------------------------------------------------


def test_show_displays_thoughts_only_for_a_turn_that_asked(kernel: Kernel) -> None:
    live = kernel.cell("--chain t", "Explain recursion")  # the server sends summaries anyway
    assert "💭" not in final(live).data["text/html"]
    assert kernel.magics.session.registry.get("t").turns[0].thoughts  # there were some to hide
    assert "💭" not in final(kernel.line("show 1 --chain t")).data["text/html"]
    kernel.cell("--chain t --thoughts", "Explain recursion")
    assert "💭" in final(kernel.line("show 2 --chain t")).data["text/html"]


# --- h. help and the unknown-command message list what exists ------------------------------------


def test_help_and_unknown_command_list_only_real_commands(kernel: Kernel) -> None:
    help_text = kernel.line("").shown
    unknown = said(kernel.shell, "%gemini frobnicate")
    assert "Unknown command `%gemini frobnicate`" in unknown
    for stub in ("not available yet",):
        assert stub not in help_text and stub not in unknown
    for name in COMMANDS:
        assert f"%gemini {name}" in help_text and name in unknown
        # every listed command runs (no "not available yet")
        answer = said(kernel.shell, f"%gemini {name} --bogus-arg")
        assert "Unknown command" not in answer and "not available" not in answer


# --- f. a schema answer is a highlighted, pretty-printed JSON block ---------------------------


def test_schema_answer_displays_as_a_json_block(kernel: Kernel) -> None:
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    kernel.ns["City"] = City
    out = kernel.cell("--schema City", "A big city")
    city = kernel.ns["_gemini"]
    markdown, plain = final(out).data["text/markdown"], final(out).data["text/plain"]
    pretty = json.dumps(city.model_dump(), indent=2, ensure_ascii=False)
    assert f"```json\n{pretty}\n```" in markdown
    assert pretty in plain
    assert "```json" not in final(kernel.cell("", "A big city")).data["text/markdown"]
