"""`%config` after first use, and a background turn's `-o VAR` once it ends."""

from __future__ import annotations

from pydantic import BaseModel

from gemini_interactions.api import Interaction

from .conftest import Kernel


def test_config_backend_and_base_url_apply_after_first_use(kernel: Kernel, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-config-test-key")
    kernel.line("backend live")
    kernel.shell.run_line_magic("config", 'GeminiMagics.base_url = "https://proxy.example/"')
    out = kernel.cell("--dry-run", "hi")
    assert '"url": "https://proxy.example/' in out.stdout, out.stdout
    kernel.shell.run_line_magic("config", 'GeminiMagics.base_url = ""')
    kernel.shell.run_line_magic("config", 'GeminiMagics.backend = "offline"')
    assert "offline" in kernel.line("backend").stdout
    kernel.cell("", "hello")
    assert kernel.ns["_gemini"].status == "completed"
    kernel.shell.run_line_magic("config", 'GeminiMagics.backend = "live"')


def test_config_api_version_keeps_the_offline_server(kernel: Kernel) -> None:
    kernel.cell("", "hello")
    server = kernel.magics.session.server
    kernel.shell.run_line_magic("config", 'GeminiMagics.api_version = "v1alpha"')
    kernel.cell("-c", "still here")  # the offline chain can still be continued
    assert kernel.magics.session.server is server
    assert kernel.ns["_gemini"].status == "completed"
    kernel.shell.run_line_magic("config", 'GeminiMagics.api_version = ""')


class Report(BaseModel):
    name: str
    population: int


def test_background_out_var_gets_the_final_result(kernel: Kernel, monkeypatch) -> None:
    monkeypatch.setattr(kernel.magics.session.client().retry_policy, "sleep", lambda s: None)
    kernel.cell("--background -o report", "Research TPUs")
    assert kernel.ns["report"].status == "in_progress"
    kernel.cell("", "meanwhile")  # another cell; _gemini moves on
    kernel.line("wait")
    assert isinstance(kernel.ns["report"], Interaction)
    assert kernel.ns["report"].status == "completed" and "Offline report" in (
        kernel.ns["report"].output_text
    )


def test_background_out_var_is_set_by_the_poller(kernel: Kernel) -> None:
    kernel.magics.poll_interval = 0.05
    kernel.cell("--background -o report", "Research TPUs")
    poller = kernel.magics.session.background.pollers[-1]
    poller.thread.join(timeout=30)
    assert kernel.ns["report"].status == "completed"
    assert kernel.ns["_gemini"] is kernel.ns["report"]


def test_cancelled_background_turn_leaves_out_var_alone(kernel: Kernel) -> None:
    kernel.cell("--background -o report", "Research TPUs")
    running = kernel.ns["report"]
    kernel.line("cancel")
    assert kernel.ns["report"] is running and not kernel.magics.session.background.watched
