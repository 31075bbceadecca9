"""A real kernel maps a 50-row DataFrame over HTTP through a 429 burst and a dropped stream."""

from __future__ import annotations

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from gemini_interactions.server import LocalServer, serve_in_thread  # noqa: E402
from gemini_interactions.server._faults import FaultPlan  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_50_row_map_survives_a_429_burst_and_a_dropped_stream() -> None:
    faults = FaultPlan(http_status=429, fail_first=6, retry_after=0.2, drop_after_events=2, drops=1)
    server = LocalServer(faults=faults)
    with serve_in_thread(server) as url:
        v4 = nbformat.v4
        cells = [
            v4.new_code_cell("%load_ext gemini_interactions"),
            v4.new_code_cell(f"%gemini backend {url}"),
            v4.new_code_cell(
                "import pandas as pd\n"
                "df = pd.DataFrame({'title': [f'paper {k}' for k in range(50)]},"
                " index=[f'r{k}' for k in range(50)])"
            ),
            v4.new_code_cell("%%gemini --map df -o out --concurrency 8\nSummarise {item.title}."),
            v4.new_code_cell(
                "t = out.to_pandas()\n"
                "print('ROWS', len(out), list(t.index) == list(df.index),"
                " all(f'paper {k}' in out[k] for k in range(50)),"
                " (t.status == 'completed').sum())"
            ),
        ]
        notebook = v4.new_notebook(cells=cells)
        nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert "ROWS 50 True True 50" in printed
    assert faults.counters["http_errors"] == 6 and faults.counters["drops"] == 1
    answered = [
        r.json["input"]
        for r in server.requests
        if r.method == "POST" and isinstance(r.json, dict) and isinstance(r.json.get("input"), str)
    ]
    assert set(answered) == {f"Summarise paper {k}." for k in range(50)}


def test_kernel_interrupt_keeps_finished_rows_and_a_rerun_sends_only_the_rest() -> None:
    import re
    import time

    jupyter_client = pytest.importorskip("jupyter_client")
    server = LocalServer(faults=FaultPlan(latency=0.3))
    with serve_in_thread(server) as url:
        manager = jupyter_client.KernelManager(kernel_name="python3")
        manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)

            def run(code: str, interrupt_at: int | None = None) -> list[dict[str, object]]:
                msg_id = client.execute(code)
                outputs: list[dict[str, object]] = []
                sent = False
                while True:
                    msg = client.get_iopub_msg(timeout=120)
                    if msg["parent_header"].get("msg_id") != msg_id:
                        continue
                    content = msg["content"]
                    if msg["msg_type"] == "status" and content["execution_state"] == "idle":
                        return outputs
                    outputs.append({"type": msg["msg_type"], **content})
                    shown = str((content.get("data") or {}).get("text/plain", ""))
                    done = re.match(r"(\d+)/", shown)
                    if interrupt_at and not sent and done and int(done[1]) >= interrupt_at:
                        sent = True
                        manager.interrupt_kernel()

            run("%load_ext gemini_interactions")
            run(f"%gemini backend {url}")
            run("import pandas as pd\ndf = pd.DataFrame({'title': [f'p{k}' for k in range(40)]})")
            cell = "%%gemini --map df -o out --concurrency 4\nSummarise {item.title}."
            stopped = run(cell, interrupt_at=4)
            errors = [o for o in stopped if o["type"] == "error"]
            assert len(errors) == 1 and "finished element(s) of df are kept (in out)" in str(
                errors[0]["traceback"]
            )
            kept = run("print('KEPT', sum(v is not None for v in out), len(out))")
            kept_text = "".join(str(o.get("text", "")) for o in kept)
            finished = int(re.search(r"KEPT (\d+) 40", kept_text)[1])  # type: ignore[index]
            assert 4 <= finished < 40, kept_text
            time.sleep(1.0)  # what was in flight at the interrupt lands
            before = len(server.requests)
            run(cell)
            after = run("print('ALL', sum(v is not None for v in out), len(out))")
            assert "ALL 40 40" in "".join(str(o.get("text", "")) for o in after)
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    posts = [r.json["input"] for r in server.requests if r.method == "POST"]
    assert sorted(set(posts)) == sorted(f"Summarise p{k}." for k in range(40))
    assert len(posts) == len(set(posts))  # nothing finished was sent twice
    assert len(server.requests) - before <= 40 - finished
