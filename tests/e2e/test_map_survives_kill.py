"""A --map run survives its kernel being killed (kill -9, not an interrupt): a new kernel re-runs
the same cell and nothing finished is sent again, every row answered, none lost (the server's
request log on 127.0.0.1 counts)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from pathlib import Path

import pytest

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


def _finished_in_store(path: Path) -> set[str]:
    import json

    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT turn FROM items WHERE status = 'completed'").fetchall()
    return {json.loads(turn)["prompt"] for (turn,) in rows}


def _kill_mid_run(url: str, at: int) -> None:
    """Run the map in a kernel and kill -9 it once ``at`` rows are done."""
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
            if done and int(done[1]) >= at:
                pid = manager.provisioner.pid  # type: ignore[union-attr]
                os.kill(pid, signal.SIGKILL)
                break
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                raise AssertionError("the run ended before the kill")
        deadline = time.monotonic() + 10
        while manager.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not manager.is_alive()
    finally:
        client.stop_channels()
        manager.cleanup_resources()


def test_a_map_killed_mid_run_resumes_in_a_new_kernel_without_resending_finished_rows() -> None:
    store = Path(os.environ["GEMINI_INTERACTIONS_RUNS"])
    # events trickle in: the ids of the rows in flight have arrived when the kernel dies
    server = LocalServer(faults=FaultPlan(trickle=0.005, trickle_bytes=64))
    with serve_in_thread(server) as url:
        _kill_mid_run(url, at=6)
        time.sleep(1.0)  # what was in flight at the kill reaches its end on the server
        finished = _finished_in_store(store)
        with sqlite3.connect(store) as db:
            in_flight = db.execute("SELECT count(*) FROM items WHERE status = 'sent'").fetchone()[0]
        assert in_flight >= 1  # rows whose answer was under way when the kernel died
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
    # nothing the killed kernel had finished is sent again, and no row is sent twice
    assert not finished & set(second), sorted(finished & set(second))
    assert len(second) == len(set(second))
    # every row answered; the ones in flight at the kill were fetched by id, not asked again
    everything = set(first) | set(second)
    assert everything == {f"Summarise p{k}." for k in range(ROWS)}
    assert sorted(first + second) == sorted(everything), "a row was sent twice"
    reused = int(printed.split()[-1])
    assert reused >= len(finished)
