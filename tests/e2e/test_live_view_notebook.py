"""The live view in a real kernel: what the saved notebook shows, and what the frontend receives."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOOLS = '''\
def get_weather(city: str) -> dict:
    """Current weather in a city."""
    return {"city": city, "temp_c": 21}
'''


def test_saved_notebook_shows_answer_thoughts_and_cards_without_a_kernel() -> None:
    v4 = nbformat.v4
    nb = v4.new_notebook(
        cells=[
            v4.new_code_cell("%load_ext gemini_interactions\n%gemini backend offline"),
            v4.new_code_cell(TOOLS),
            v4.new_code_cell("%%gemini --thoughts\nExplain recursion <b>boldly</b>."),
            v4.new_code_cell("%%gemini -c --tools get_weather\nUse get_weather for Paris"),
        ]
    )
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nbformat.validate(nb)
    for cell in nb.cells[2:]:
        assert cell.outputs and {o.output_type for o in cell.outputs} == {"display_data"}
        for output in cell.outputs:  # every output reads with no widget state and no kernel
            assert set(output.data) >= {"text/plain", "text/html"}, output.data
        # The last output holds the turn's record, with its final status; the others point at it.
        *parts, last = [o.metadata["gemini_interactions"] for o in cell.outputs]
        assert last["interaction_id"] and last["status"] == "completed"
        assert last["parts"] == len(cell.outputs) and last["started"] and last["ended"]
        turn = last["turn"]
        assert parts == [{"chain": "chat", "turn": turn, "part": n} for n in range(len(parts))]
        assert "text/markdown" in cell.outputs[-1].data
    assert nb.cells[3].outputs[-1].metadata["gemini_interactions"]["previous_interaction_id"]
    thought = "".join(o.data["text/html"] for o in nb.cells[2].outputs)
    assert "💭 <strong>Thought for" in thought and "recursion" in thought
    assert "<b>boldly</b>" not in thought and "&lt;b&gt;boldly&lt;/b&gt;" in thought
    tools = nb.cells[3].outputs
    html = "".join(o.data["text/html"] for o in tools)
    assert "<code>get_weather</code>" in html and "done" in html and "temp_c" in html
    assert "completed" in tools[-1].data["text/plain"]


_DRIVE = """
from gemini_interactions.chain import Turn
from gemini_interactions.render import LiveView
para = "A sentence of a paragraph that goes on. " * 10 + "\\n\\n"
fence = "```python\\n" + "x = 1\\n\\n" * 20 + "```\\n\\n"
text = (para * 4 + fence) * {n}
now = [0.0]
view = LiveView(clock=lambda: now[0])
turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
turn.status = "streaming"
view.on_start(turn)
for i in range(0, len(text), 20):
    now[0] += 0.004
    turn.add_text(text[i:i + 20])
    view.on_event(turn, None)
turn.status = "completed"
view.on_end(turn)
print(len(text))
"""


def _sent(client: Any, code: str) -> tuple[int, int, list[dict[str, Any]]]:
    """(bytes of the display messages, the answer's size, the messages) of running ``code``."""
    msg_id = client.execute(code)
    nbytes, size, shown = 0, 0, []
    while True:
        msg = client.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind in ("display_data", "update_display_data"):
            nbytes += len(json.dumps(msg["content"]))
            shown.append(msg["content"])
        elif kind == "stream":
            size = int(msg["content"]["text"])
        elif kind == "error":
            raise AssertionError(msg["content"]["traceback"])
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            return nbytes, size, shown


def test_finished_blocks_are_sent_once_so_bytes_grow_with_the_answer() -> None:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        small, small_size, _ = _sent(kc, _DRIVE.format(n=5))
        large, large_size, shown = _sent(kc, _DRIVE.format(n=10))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert large_size == 2 * small_size
    assert large <= 4 * large_size  # the old whole-answer view sent ~100x, the first live 4.9x
    assert large <= 2.2 * small  # doubling the answer about doubles what is sent
    # Each fenced code block is whole in one output: never split across outputs.
    finals: dict[str, str] = {}
    for content in shown:
        display_id = content.get("transient", {}).get("display_id", str(len(finals)))
        finals[display_id] = content["data"]["text/plain"]
    for text in finals.values():
        assert text.count("```") % 2 == 0, text


_LONG = """
from gemini_interactions.chain import Turn
from gemini_interactions.render import LiveView
code = "".join(f"    total += compute(item_{i}, 'key')\\n" for i in range(1500))
text = "Intro.\\n\\n```python\\n" + code + "```\\n\\nOutro."
now = [0.0]
view = LiveView(clock=lambda: now[0])
turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
turn.status = "streaming"
view.on_start(turn)
for i in range(0, len(text), 40):
    now[0] += 0.008
    turn.add_text(text[i:i + 40])
    view.on_event(turn, None)
turn.status = "completed"
turn.ended_at = turn.started_at + now[0]
view.on_end(turn)
"""


def test_a_long_fence_streams_in_pieces_and_the_saved_notebook_keeps_it_whole() -> None:
    """Through ipykernel and nbclient (which applies an update to every output of a display
    id, as JupyterLab does): the pieces are emptied and one output holds the whole fence."""
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_code_cell(_LONG)])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nbformat.validate(nb)
    outputs = nb.cells[0].outputs
    shown = [o for o in outputs if o.data != {"text/plain": ""}]
    assert len(outputs) > len(shown) + 10  # it streamed in pieces
    blocks = [o.data.get("text/markdown", "") for o in shown]
    fences = [b for b in blocks if "```python" in b]
    assert len(fences) == 1 and fences[0].count("total += compute") == 1500
    html = "".join(o.data["text/html"] for o in shown)
    assert len(re.findall("<pre[ >]", html)) == 1 and html.count("item_1499") == 1
    assert "Outro." in "".join(blocks) and "completed" in shown[-1].data["text/plain"]
