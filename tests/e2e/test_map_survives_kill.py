"""A --map run survives its kernel being killed (kill -9, not an interrupt): a new kernel re-runs
the same cell; nothing the dead kernel had finished is sent again, rows in flight whose
interaction id had arrived are fetched by id (not asked again), every row is answered, none lost
(the 127.0.0.1 server's request log counts). The kill comes once 6 rows are done and at least
one is in flight with its id, read from the run store beside the running kernel."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path

import pytest

from kernel_kill import kill_kernel

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupyter_client = pytest.importorskip("jupyter_client")

from gemini_interactions.server import LocalServer, serve_in_thread  # noqa: E402
from gemini_interactions.server._faults import FaultPlan  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROWS = 30
CELL = "%%gemini --map df -o out --concurrency 4\nSummarise {item.title}."


def _setup(url: str) -> list[str]:
    return [
        "%load_ext gemini_interactions",
        f"%gemini backend {url}",
        f"import pandas as pd\ndf = pd.DataFrame({{'title': [f'p{{k}}' for k in range({ROWS})]}})",
    ]


def _posted(server: LocalServer) -> list[str]:
    return [
        r.json["input"]
        for r in server.requests
        if r.method == "POST" and isinstance(r.json, dict) and isinstance(r.json.get("input"), str)
    ]


def _in_store(path: Path, status: str) -> set[str]:
    """The prompts of the rows the store holds with ``status``."""
    import json

    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT turn FROM items WHERE status = ?", (status,)).fetchall()
    return {json.loads(turn)["prompt"] for (turn,) in rows}


def _in_flight(store: Path) -> int:
    """Rows whose answer is under way (their interaction id arrived), read beside the kernel."""
    if not store.exists():
        return 0
    with sqlite3.connect(store, timeout=5) as db:
        found: int = db.execute("SELECT count(*) FROM items WHERE status = 'sent'").fetchone()[0]
    return found


def _kill_mid_run(url: str, at: int, store: Path) -> None:
    """Run the map in a kernel and kill -9 it once ``at`` rows are done and one is in flight."""
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        for code in _setup(url):
            client.execute_interactive(code, timeout=60)
        msg_id = client.execute(CELL)
        while True:
            msg = client.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            shown = str((msg["content"].get("data") or {}).get("text/plain", ""))
            done = re.match(r"(\d+)/", shown)
            if done and int(done[1]) >= at and _in_flight(store) >= 1:
                break
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                raise AssertionError("the run ended before the kill")
        kill_kernel(manager)
    finally:
        client.stop_channels()
        manager.cleanup_resources()


def test_a_map_killed_mid_run_resumes_in_a_new_kernel_without_resending_finished_rows() -> None:
    store = Path(os.environ["GEMINI_INTERACTIONS_RUNS"])
    # events trickle in, so a row's id arrives well before its answer ends
    server = LocalServer(faults=FaultPlan(trickle=0.005, trickle_bytes=64))
    with serve_in_thread(server) as url:
        _kill_mid_run(url, at=6, store=store)
        time.sleep(1.0)  # what was in flight at the kill reaches its end on the server
        finished = _in_store(store, "completed")
        in_flight = _in_store(store, "sent")  # under way at the kill, their ids known
        assert in_flight
        first = _posted(server)
        assert 6 <= len(finished) < ROWS, len(finished)

        v4 = nbformat.v4
        cells = [v4.new_code_cell(code) for code in [*_setup(url), CELL]]
        cells.append(
            v4.new_code_cell(
                "t = out.to_pandas()\n"
                f"print('ROWS', len(out), all(f'p{{k}}' in out[k] for k in range({ROWS})),"
                " (t.status == 'completed').sum(), int(t.reused.sum()))"
            )
        )
        notebook = v4.new_notebook(cells=cells)
        nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
        second = _posted(server)[len(first) :]

    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert f"ROWS {ROWS} True {ROWS}" in printed, printed
    summary = "".join(
        str(o.get("data", {}).get("text/plain", "")) for o in notebook.cells[-2].outputs
    )
    assert "reused" in summary and "sent" in summary
    # nothing the killed kernel had finished, or knew the id of, is sent again
    assert not (finished | in_flight) & set(second), sorted((finished | in_flight) & set(second))
    assert len(second) == len(set(second))
    everything = set(first) | set(second)
    assert everything == {f"Summarise p{k}." for k in range(ROWS)}  # every row answered
    # Sent twice: only a row whose request reached the server but whose interaction id had not
    # reached the kernel when it died (nothing on the client could name it); at most one per
    # request in flight, and none when every row in flight had its id.
    twice = set(first) & set(second)
    assert len(twice) <= 4 and not twice & (finished | in_flight)
    reused = int(printed.split()[-1])
    assert reused == len(finished | in_flight)  # the ones in flight were fetched by id
