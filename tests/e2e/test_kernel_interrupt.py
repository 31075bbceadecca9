"""In a real kernel: Kernel > Interrupt during a stream, and no key in a saved notebook.

These drive an IPython kernel the way Jupyter does (jupyter_client), so they check what a person
sees: the interrupt arrives as SIGINT in the middle of a streaming answer.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

jupyter_client = pytest.importorskip("jupyter_client")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FAKE_KEY = "AIzaSy-E2E-NEVER-SHOW-THIS-KEY-123"
SLOW = {
    "fixtures": [
        {
            "name": "slow",
            "match": {"user_text": "long story"},
            "steps": [{"text": [f"word{i} " for i in range(60)]}],
            "latency_ms": 100,
        }
    ]
}


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[Any]:
    env = {**os.environ, "GEMINI_API_KEY": FAKE_KEY}
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    try:
        yield manager, client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(client: Any, code: str, *, on_output: Any = None, timeout: float = 60) -> list[Any]:
    """Execute code; return its iopub messages (outputs) once the kernel is idle again."""
    msg_id = client.execute(code)
    outputs: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind in ("stream", "display_data", "update_display_data", "execute_result", "error"):
            outputs.append(msg)
            if on_output is not None:
                on_output(msg)
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return outputs
    raise TimeoutError(code)


def text_of(outputs: list[Any]) -> str:
    parts = []
    for msg in outputs:
        content = msg["content"]
        data = content.get("data") or {}
        # The live output's growing answer is in its HTML (its text/plain is the status line).
        text = data.get("text/markdown") or data.get("text/html") or data.get("text/plain")
        parts.append(str(text or ""))
        parts.append(str(content.get("text") or ""))
        parts.extend(content.get("traceback") or [])
    return "\n".join(parts)


def test_interrupt_keeps_the_partial_answer_and_does_not_move_the_head(
    kernel: Any, tmp_path: Path
) -> None:
    manager, client = kernel
    fixtures = tmp_path / "slow.json"
    fixtures.write_text(json.dumps(SLOW))
    run(client, "%load_ext gemini_interactions")
    run(client, f"%gemini backend offline --fixtures {fixtures}")
    first = run(client, "%%gemini\nHello there.")
    assert "offline demo model" in text_of(first).lower()

    interrupted: list[bool] = []

    def interrupt_once_words_arrive(msg: Any) -> None:
        if not interrupted and "word3" in text_of([msg]):
            interrupted.append(True)
            manager.interrupt_kernel()

    outputs = run(
        client, "%%gemini -c\nTell me a long story.", on_output=interrupt_once_words_arrive
    )
    assert interrupted, "the answer never started streaming"
    shown = text_of(outputs)
    assert "word3" in shown and "word59" not in shown  # the partial answer stays in the cell
    assert "interrupted" in shown.lower()
    assert "Traceback" not in shown and "KeyboardInterrupt" not in shown
    # the cell ends in the error state, as an interrupted cell does, showing one paragraph
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1 and len(errors[0]["traceback"]) == 1, errors
    assert errors[0]["traceback"][0].startswith("Interrupted. The partial answer is kept as turn 2")
    assert isinstance(errors[0]["ename"], str)

    history = text_of(run(client, "%gemini history"))
    lines = [line for line in history.splitlines() if line.startswith("|")]
    assert any("interrupted" in line for line in lines), history
    assert any(line.startswith("| 1\\*") for line in lines), history  # the head did not move

    # and the chain goes on from the head, as if the interrupted turn had not happened
    again = text_of(run(client, "%%gemini -c\nWhat did I say first?"))
    assert "Hello there." in again


def test_no_api_key_in_a_saved_notebook(tmp_path: Path) -> None:
    v4 = nbformat.v4
    cells = [
        v4.new_code_cell("%load_ext gemini_interactions"),
        v4.new_code_cell("%%gemini --dry-run\nHello"),  # the live backend, key from the env
        v4.new_code_cell("%gemini backend offline"),
        v4.new_code_cell("%%gemini --thoughts\nHello"),
        v4.new_code_cell("%%gemini -c --search\nAnd the news?"),
        v4.new_code_cell("%gemini history"),
        v4.new_code_cell("%gemini usage"),
        v4.new_code_cell("%gemini backend live"),
        v4.new_code_cell("%%gemini --tools nosuch\nfail"),
    ]
    nb = v4.new_notebook(cells=cells)
    os.environ["GEMINI_API_KEY"] = FAKE_KEY
    try:
        with pytest.raises(nbclient.exceptions.CellExecutionError):  # the last cell's mistake
            nbclient.NotebookClient(
                nb,
                timeout=120,
                kernel_name="python3",
                resources={"metadata": {"path": str(tmp_path)}},
            ).execute()
    finally:
        del os.environ["GEMINI_API_KEY"]
    assert nb.cells[-1].outputs[0].output_type == "error"
    saved = tmp_path / "saved.ipynb"
    nbformat.write(nb, saved)
    text = saved.read_text()
    assert FAKE_KEY not in text
    assert "x-goog-api-key" in text and "***" in text  # the dry run showed the header, redacted
    assert "Offline demo model" in text
