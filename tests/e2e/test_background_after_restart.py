"""A background turn outlives its kernel: kernel A starts it on a 127.0.0.1 server, saves the
chains and is killed (kill -9); kernel B loads the file, shows the turn's status again, and
`%gemini wait` and the timeline work on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel_kill import kill_kernel

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupyter_client = pytest.importorskip("jupyter_client")

from gemini_interactions.server import LocalServer, serve_in_thread  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _start_then_kill(url: str, saved: Path) -> None:
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        for code in (
            "%load_ext gemini_interactions",
            f"%gemini backend {url}",
            "%%gemini --background\nResearch TPUs",
            f"%gemini save {saved}",
        ):
            reply = client.execute_interactive(code, timeout=60)
            assert reply["content"]["status"] == "ok", (code, reply["content"])
        kill_kernel(manager)
    finally:
        client.stop_channels()
        manager.cleanup_resources()


def test_a_background_turn_is_followed_again_in_a_new_kernel(tmp_path: Path) -> None:
    saved = tmp_path / "chains.json"
    server = LocalServer()
    with serve_in_thread(server) as url:
        _start_then_kill(url, saved)
        assert '"status":"running"' in saved.read_text()  # saved while it ran
        v4 = nbformat.v4
        cells = [
            v4.new_code_cell("%load_ext gemini_interactions"),
            v4.new_code_cell(f"%gemini backend {url}"),
            v4.new_code_cell(f"%gemini load {saved}"),
            v4.new_code_cell("%gemini wait"),
            v4.new_code_cell("%gemini timeline 1"),
            v4.new_code_cell(
                "chain = get_ipython().magics_manager.registry['GeminiMagics'].session"
                ".registry.get('chat')\nprint('STATUS', chain.turns[0].status, chain.head.number)"
            ),
        ]
        notebook = v4.new_notebook(cells=cells)
        nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    loaded = _text(notebook.cells[2])
    assert "following it again" in loaded
    # the load cell's status display follows the turn to its end, in place
    assert "Offline report" in loaded and "completed" in loaded
    assert "Research TPUs" in _text(notebook.cells[4])
    assert "STATUS completed 1" in _text(notebook.cells[5])


def _text(cell: nbformat.NotebookNode) -> str:
    return "\n".join(
        o.get("text", "")
        if o.output_type == "stream"
        else "\n".join(str(v) for v in o.get("data", {}).values())
        for o in cell.outputs
    )
