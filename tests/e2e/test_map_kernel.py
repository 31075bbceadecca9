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
