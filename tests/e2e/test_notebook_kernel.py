"""A real kernel (nbclient) runs a notebook of %%gemini cells against a local HTTP server.

The server runs in this test process (``serve_in_thread`` on 127.0.0.1), so the test reads the
requests it received directly; the kernel reaches it over HTTP with ``%gemini backend URL``,
exactly as a user would point a notebook at ``gemini-interactions serve``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from gemini_interactions.server import LocalServer, serve_in_thread  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CONFIG = '-m gemini-e2e -s "Answer briefly." --temperature 0.2'
SETUP = '''\
from pydantic import BaseModel

def get_weather(city: str) -> dict:
    """Current weather in a city.

    Args:
        city: The city name.
    """
    return {"city": city, "temp_c": 21}

class City(BaseModel):
    name: str
    population: int
'''


def _notebook(url: str) -> Any:
    v4 = nbformat.v4
    cells = [
        v4.new_code_cell("%load_ext gemini_interactions"),
        v4.new_code_cell(f"%gemini backend {url}"),
        v4.new_code_cell(SETUP),
        v4.new_code_cell(f"%%gemini {CONFIG}\nMy name is Ann. Explain recursion."),
        v4.new_code_cell(f"%%gemini -c {CONFIG}\nWhat is my name?"),
        v4.new_code_cell(f"%%gemini -c {CONFIG}\nGive one example."),
        v4.new_code_cell(f"%%gemini --from 1 {CONFIG}\nExplain iteration instead."),
        v4.new_code_cell(f"%%gemini -c {CONFIG} --tools get_weather\nUse get_weather for Paris"),
        v4.new_code_cell(f"%%gemini -c {CONFIG} --schema City -o city\nName a big city."),
        v4.new_code_cell("print('CITY', type(city).__name__, city.name, city.population)"),
        v4.new_code_cell("%gemini history"),
    ]
    return v4.new_notebook(cells=cells)


def _provenance(cell: Any) -> dict[str, Any]:
    for output in reversed(cell.outputs):  # the last output holds the turn's final state
        meta = output.get("metadata", {}).get("gemini_interactions")
        if meta:
            return dict(meta)
    raise AssertionError(f"no provenance in {cell.source!r}: {cell.outputs}")


def test_notebook_chain_over_http(tmp_path: Path) -> None:
    server = LocalServer()
    with serve_in_thread(server) as url:
        nb = _notebook(url)
        client = nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        )
        client.execute()
    nbformat.validate(nb)
    nbformat.write(nb, tmp_path / "executed.ipynb")

    cells = nb.cells
    for cell in cells[3:9]:
        assert not any(o.get("name") == "stderr" for o in cell.outputs), cell.outputs
        # displays only (updates applied), each readable without a kernel
        assert {o.output_type for o in cell.outputs} == {"display_data"}, cell.outputs
        for output in cell.outputs:
            assert set(output.data) >= {"text/plain", "text/html"}
    t1, t2, t3, branch, tools, schema = (_provenance(c) for c in cells[3:9])
    assert all(p["status"] == "completed" for p in (t1, t2, t3, branch, tools, schema))
    assert t1["previous_interaction_id"] is None
    assert t2["previous_interaction_id"] == t1["interaction_id"]
    assert t3["previous_interaction_id"] == t2["interaction_id"]
    assert branch["previous_interaction_id"] == t1["interaction_id"]  # the branch
    assert tools["previous_interaction_id"] == branch["interaction_id"]
    assert schema["previous_interaction_id"] == tools["interaction_id"]
    assert "Ann" in "".join(o.data.get("text/markdown", "") for o in cells[4].outputs)
    assert "CITY City" in "".join(o.get("text", "") for o in cells[9].outputs)

    # What the server received: one POST per turn, plus one for the tool round.
    posts = [r.json for r in server.requests if r.method == "POST"]
    assert len(posts) == 7
    prev = [p.get("previous_interaction_id") for p in posts]
    assert prev[:4] == [
        None,
        t1["interaction_id"],
        t2["interaction_id"],
        t1["interaction_id"],
    ]
    assert prev[4] == branch["interaction_id"]  # the tool turn's first request
    assert posts[5]["input"][0]["type"] == "function_result"  # the tool round trip
    assert posts[5]["input"][0]["result"] == {"city": "Paris", "temp_c": 21}
    assert prev[6] == tools["interaction_id"]
    for body in posts:  # turn-scoped config is re-sent on every request
        assert body["model"] == "gemini-e2e"
        assert body["system_instruction"] == "Answer briefly."
        assert body["generation_config"] == {"temperature": 0.2}
    assert [t["name"] for t in posts[4]["tools"]] == ["get_weather"]
    assert posts[5]["tools"] == posts[4]["tools"]
    assert "tools" not in posts[6] and "tools" not in posts[0]
    assert posts[6]["response_format"]["schema"]["required"] == ["name", "population"]


def test_quickstart_notebook_runs_offline() -> None:
    """``notebooks/01-quickstart.ipynb`` (what ``make demo`` executes) runs and answers offline."""
    path = Path(__file__).parents[2] / "notebooks" / "01-quickstart.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    answers = [
        "\n".join(
            o.data["text/plain"]
            for o in cell.outputs
            if o.output_type == "display_data" and "gemini_interactions" in o.get("metadata", {})
        )
        for cell in nb.cells
        if cell.cell_type == "code" and cell.source.startswith("%%gemini")
    ]
    assert len(answers) == 3
    assert "Ada" in answers[1] and "get_weather" in answers[2]
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


FIXTURES = Path(__file__).parents[1] / "magics" / "data" / "fixtures.json"


def _run_all(cells: list[str], tmp_path: Path, *, allow_errors: bool = False) -> Any:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    return nb


def test_run_all_stops_at_a_mistake_showing_one_paragraph(tmp_path: Path) -> None:
    setup = ["%load_ext gemini_interactions", f"%gemini backend offline --fixtures {FIXTURES}"]
    cells = [*setup, "%%gemini\nhello", "%%gemini --tools nosuch\nhi", "print('after')"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    with pytest.raises(nbclient.exceptions.CellExecutionError) as caught:
        client.execute()
    assert "Unknown tool 'nosuch'" in str(caught.value)
    mistake, after = nb.cells[3], nb.cells[4]
    assert [o.output_type for o in mistake.outputs] == ["error"]
    paragraph = mistake.outputs[0].traceback
    assert len(paragraph) == 1 and paragraph[0].startswith("Unknown tool 'nosuch'")
    assert "Traceback" not in paragraph[0] and "\n" not in paragraph[0]
    assert after.outputs == [] and after.execution_count is None  # Run All stopped

    # Every kind of failure ends its cell the same way; the chain is as the message says.
    failures = [
        "%%gemini --temperature 5\nhi",  # a bad option (argparse/pydantic)
        "%%gemini --from 9\nhi",  # a turn that does not exist
        "%%gemini -c\nplease fail",  # an API error: the turn is recorded, the head stays
        "%%gemini -c --schema nope\nhi",  # an unknown schema
        "%gemini frobnicate",  # a line command that does not exist
    ]
    nb = _run_all(
        [*setup, "%%gemini\nhello", *failures, "%gemini history"], tmp_path, allow_errors=True
    )
    for cell in nb.cells[3:-1]:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert len(errors) == 1 and len(errors[0].traceback) == 1, cell.outputs
        assert "Traceback" not in errors[0].traceback[0] and "\n" not in errors[0].traceback[0]
        assert not any(o.get("name") == "stderr" for o in cell.outputs), cell.outputs
    failed_turn = nb.cells[5].outputs
    assert failed_turn[0].output_type == "display_data" and failed_turn[-1].output_type == "error"
    assert "HTTP 400" in failed_turn[-1].traceback[0]
    history = nb.cells[-1].outputs[0].data["text/plain"]
    assert [line.split()[:2] for line in history.splitlines()[1:]] == [["1*", "new"], ["2", "1"]]
