"""A background turn's stream resumes after a kernel is killed: kernel A streams part of a slow
background turn from a 127.0.0.1 server, saves the chains (its last event id with them) and is
killed (kill -9); kernel B loads the file and the turn's stream goes on from that event id (the
server sees `last_event_id`), the answer has every part once, and `wait`, the timeline and
`cancel` work on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kernel_kill import kill_kernel

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupyter_client = pytest.importorskip("jupyter_client")

from gemini_interactions.server import LocalServer, OfflineModel, serve_in_thread  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SESSION = "get_ipython().magics_manager.registry['GeminiMagics'].session"
TURN = f"turn = {SESSION}.registry.get('chat').turns[0]"


def _stream_part_then_kill(url: str, saved: Path) -> None:
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
            # until the stream brought a step of the answer (not the whole of it)
            f"import time\n{TURN}\ndeadline = time.time() + 30\n"
            "while not (turn.interaction and turn.interaction.steps) and time.time() < deadline:\n"
            "    time.sleep(0.05)",
            f"%gemini save {saved}",
        ):
            reply = client.execute_interactive(code, timeout=60)
            assert reply["content"]["status"] == "ok", (code, reply["content"])
        kill_kernel(manager)
    finally:
        client.stop_channels()
        manager.cleanup_resources()


def _saved_turn(saved: Path) -> dict[str, object]:
    turn = json.loads(saved.read_text())["chains"][0]["turns"][0]
    assert turn["status"] == "running"  # saved while it ran, part of it streamed
    assert turn["interactions"][-1]["steps"]
    return dict(turn["interactions"][-1])


def _resumes(server: LocalServer, interaction_id: str) -> list[str]:
    """The event ids the server was asked to resume this interaction's stream after."""
    return [
        value
        for request in server.requests
        if request.method == "GET" and request.path.endswith(f"/interactions/{interaction_id}")
        for key, value in request.query
        if key == "last_event_id"
    ]


def _run(cells: list[str]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    return notebook


def test_the_stream_resumes_from_its_last_event_in_a_new_kernel(tmp_path: Path) -> None:
    saved = tmp_path / "chains.json"
    server = LocalServer(offline_model=OfflineModel(background_seconds=10))
    with serve_in_thread(server) as url:
        _stream_part_then_kill(url, saved)
        before = _saved_turn(saved)
        last = str(before["last_event_id"])
        assert last.startswith("ev_")
        notebook = _run(
            [
                "%load_ext gemini_interactions",
                f"%gemini backend {url}",
                f"%gemini load {saved}",
                # the resumed stream (not a poll) ends it: no `%gemini wait` before this
                f"import time\n{TURN}\ndeadline = time.time() + 60\n"
                "while turn.status == 'running' and time.time() < deadline:\n"
                "    time.sleep(0.05)\n"
                f"fresh = {SESSION}.registry.get('chat').client_for(turn)"
                ".interactions.get(turn.id)\n"
                "print('STATUS', turn.status, turn.last_event_id is not None)\n"
                "print('SAME', turn.output_text == fresh.output_text,"
                " [s.to_dict() for s in turn.interaction.steps]"
                " == [s.to_dict() for s in fresh.steps if s.type != 'user_input'])\n"
                "print('REPORTS', turn.output_text.count('# Offline report'))",
                f"%gemini wait {before['id']}",
                "%gemini timeline 1",
            ]
        )
        assert _resumes(server, str(before["id"])) == [last]
    loaded = _text(notebook.cells[2])
    assert "following it again" in loaded
    assert "Offline report" in loaded and "completed" in loaded  # its display, live again
    checked = _text(notebook.cells[3])
    assert "STATUS completed True" in checked
    assert "SAME True True" in checked  # every step once: nothing lost, nothing twice
    assert "REPORTS 1" in checked
    assert "Turn 1 of chain 'chat' is completed" in _text(notebook.cells[4])
    assert "Research TPUs" in _text(notebook.cells[5])


def test_a_resumed_turn_can_be_cancelled(tmp_path: Path) -> None:
    saved = tmp_path / "chains.json"
    server = LocalServer(offline_model=OfflineModel(background_seconds=30))
    with serve_in_thread(server) as url:
        _stream_part_then_kill(url, saved)
        before = _saved_turn(saved)
        notebook = _run(
            [
                "%load_ext gemini_interactions",
                f"%gemini backend {url}",
                f"%gemini load {saved}",
                "%gemini cancel",
                f"{TURN}\nprint('STATUS', turn.status, {SESSION}.registry.get('chat').head)",
            ]
        )
        assert _resumes(server, str(before["id"])) == [before["last_event_id"]]
        cancels = [r for r in server.requests if r.method == "POST" and r.path.endswith("/cancel")]
        assert len(cancels) == 1
    assert "following it again" in _text(notebook.cells[2])
    assert "cancel" in _text(notebook.cells[3]).lower()
    assert "STATUS cancelled None" in _text(notebook.cells[4])


def _text(cell: nbformat.NotebookNode) -> str:
    return "\n".join(
        o.get("text", "")
        if o.output_type == "stream"
        else "\n".join(str(v) for v in o.get("data", {}).values())
        for o in cell.outputs
    )
