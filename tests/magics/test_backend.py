"""`%gemini backend`: bad URLs, nothing listening, keys that must not travel, a cell without key."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from gemini_interactions._backend import redact_url

from .conftest import Kernel


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("backend http://[::1", "is not a URL"),
        ("backend http://127.0.0.1:1", "Nothing answers at http://127.0.0.1:1"),
    ],
)
def test_bad_or_silent_url_changes_nothing(kernel: Kernel, line: str, message: str) -> None:
    kernel.cell("", "one")
    before = kernel.state()
    out = kernel.line(line, fails=True)
    assert message in out.message, out.message
    text = out.message
    assert "\n" not in text and not out.outputs
    assert "backend offline" in text  # how to get going anyway
    assert kernel.state() == before


def test_urls_are_shown_without_credentials() -> None:
    assert (
        redact_url("https://user:pw@example.com/v1?key=AIzaX") == "https://***@example.com/v1?***"
    )
    assert redact_url("http://127.0.0.1:4010") == "http://127.0.0.1:4010"


def test_url_with_a_key_is_not_echoed(kernel: Kernel) -> None:
    from gemini_interactions.server import LocalServer, serve_in_thread

    with serve_in_thread(LocalServer()) as url:
        out = kernel.line(f"backend {url}/?key=AIzaInTheUrl")
    assert "AIzaInTheUrl" not in out.stdout + out.stderr


def test_the_offline_server_never_sees_the_real_key(kernel: Kernel, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-real-key-123")
    kernel.line("backend offline")
    kernel.cell("", "hello")
    received = kernel.magics.session.server.requests
    assert received and all(
        "x-goog-api-key" not in r.headers and "authorization" not in r.headers for r in received
    )


def test_a_cell_without_key_prints_one_paragraph_and_nothing_else(monkeypatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "gemini_interactions")
    try:
        with capture_output() as out:
            result = shell.run_cell("%%gemini\nhello", store_history=False)
        assert not result.success  # the cell fails, so Run All stops here
        text = "\n".join(result.error_in_exec._render_traceback_())  # type: ignore[union-attr]
        assert "GEMINI_API_KEY" in text and "%gemini backend offline" in text
        assert "\n" not in text and not out.outputs and out.stdout.strip() == text
        assert "Traceback" not in out.stdout and not out.stderr
        assert not len(shell._gemini_interactions_magics.session.registry)  # type: ignore[attr-defined]
    finally:
        shell.run_line_magic("unload_ext", "gemini_interactions")
