"""In a real kernel (which runs an asyncio loop, so async tools run on a thread of their own):
Kernel > Interrupt while an async tool runs cancels the tool; nothing of it goes on afterwards."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from . import test_kernel_interrupt as _base

kernel = _base.kernel  # the fixture: a real kernel in tmp_path, as Jupyter starts one
run, text_of = _base.run, _base.text_of

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOOL = '''
import asyncio, pathlib, threading
async def fetch(city: str) -> str:
    """Fetch a city, slowly."""
    pathlib.Path("started.txt").write_text("yes")
    await asyncio.sleep(3)
    pathlib.Path("written.txt").write_text("the coroutine went on")
    return "late"
'''


def test_an_interrupt_cancels_an_async_tool_in_a_kernel(kernel: Any, tmp_path: Path) -> None:
    manager, client = kernel
    run(client, "%load_ext gemini_interactions")
    run(client, "%gemini backend offline")
    run(client, TOOL)
    msg_id = client.execute("%%gemini --tools fetch\nUse fetch for Paris")
    deadline = time.monotonic() + 60
    while not (tmp_path / "started.txt").exists():
        assert time.monotonic() < deadline, "the tool never started"
        time.sleep(0.05)
    time.sleep(0.3)
    manager.interrupt_kernel()
    outputs: list[Any] = []
    while True:
        msg = client.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        outputs.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1 and errors[0]["traceback"][0].startswith("Interrupted."), errors
    threads = text_of(
        run(client, "import threading; print([t.name for t in threading.enumerate()])")
    )
    assert "gemini-tool" not in threads, threads
    time.sleep(3.5)
    assert not (tmp_path / "written.txt").exists()


def test_a_sync_tool_past_its_time_limit_is_stopped_in_a_kernel(
    kernel: Any, tmp_path: Path
) -> None:
    _, client = kernel
    run(client, "%load_ext gemini_interactions")
    run(client, "%gemini backend offline")
    run(client, 'import time\ndef slow(city: str) -> str:\n    """Slow."""\n    time.sleep(60)\n')
    started = time.monotonic()
    shown = text_of(run(client, "%%gemini --tools slow --tool-timeout 1\nUse slow for Paris"))
    assert time.monotonic() - started < 30
    assert "did not finish within 1 s" in shown and "completed" in shown
    assert "Traceback" not in shown
