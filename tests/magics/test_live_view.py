"""The live view through the magics (a real InteractiveShell, the offline backend): what a cell
shows as the turn happens, and what its saved outputs hold."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from IPython.utils.capture import capture_output

from .conftest import Kernel, saved

TOOLS = '''
def get_weather(city: str) -> dict:
    """Current weather in a city."""
    return {"city": city, "temp_c": 21}

def broken_weather(city: str) -> dict:
    """Current weather in a city, from a broken station."""
    raise RuntimeError("station offline")
'''


def _plain(captured: Any) -> list[str]:
    """Every display message's text, in the order the frontend got them."""
    return [str(o.data.get("text/plain", "")) for o in captured.outputs]


def test_a_function_call_card_shows_when_the_model_asks_then_running_then_done(
    kernel: Kernel,
) -> None:
    kernel.shell.run_cell(TOOLS)
    out = kernel.cell("--tools get_weather", "Use get_weather for Paris")
    shown = [t for t in _plain(out) if t.startswith("🔧 get_weather(")]
    # The model's function_call step makes the card, with its arguments, before the tool runs.
    first_with_args = next(i for i, t in enumerate(shown) if "city=Paris" in t)
    assert "[calling]" in shown[first_with_args], shown
    running = next(i for i, t in enumerate(shown) if "[running]" in t)
    assert first_with_args < running
    card = next(o for o in saved(out).outputs if "get_weather" in o.data["text/plain"])
    assert re.search(r"\[done, \d+\.\d\d s\]", card.data["text/plain"]), card.data
    html = card.data["text/html"]
    assert "<code>get_weather</code>" in html and "Paris" in html and "temp_c" in html
    assert ">done</code>" in html


def test_a_failing_tool_card_ends_in_error(kernel: Kernel) -> None:
    kernel.shell.run_cell(TOOLS)
    out = kernel.cell("--tools broken_weather", "Use broken_weather for Oslo")
    assert any("[calling]" in t for t in _plain(out) if "broken_weather" in t)
    card = next(o for o in saved(out).outputs if "broken_weather(" in o.data["text/plain"])
    assert "[error" in card.data["text/plain"] and "station offline" in card.data["text/html"]
    assert ">error</code>" in card.data["text/html"]


def test_saved_outputs_say_the_final_status_or_point_at_the_turns_record(
    kernel: Kernel,
) -> None:
    kernel.shell.run_cell(TOOLS)
    first = saved(kernel.cell("", "Hello there, tell me about Paris"))
    out = saved(kernel.cell("-c --thoughts --tools get_weather --search", "get_weather in Oslo"))
    *parts, last = [o.metadata["gemini_interactions"] for o in out.outputs]
    assert len(parts) >= 4  # thoughts, search card, function card, answer blocks
    assert parts == [{"chain": "chat", "turn": 2, "part": n} for n in range(len(parts))]
    assert last["status"] == "completed" and last["parts"] == len(out.outputs)
    assert last["interaction_id"].startswith("v1_") and last["model"]
    first_id = first.metadata["gemini_interactions"]["interaction_id"]
    assert last["previous_interaction_id"] == first_id
    assert last["options"]["tools"] == ["get_weather"] and last["options"]["search"] is True
    assert last["usage"]["total_tokens"] > 0 and last["started"] and last["ended"]
    assert "streaming" not in json.dumps([o.metadata for o in out.outputs])
    # Each output reads with no kernel: text and static HTML; the answer also as Markdown.
    for output in out.outputs:
        assert {"text/plain", "text/html"} <= set(output.data)
    assert "text/markdown" in out.outputs[-1].data


def test_a_failed_turn_says_failed_on_its_record(kernel: Kernel) -> None:
    out = saved(kernel.cell("", "error after some text", fails=True))
    *parts, last = [o.metadata["gemini_interactions"] for o in out.outputs]
    assert last["status"] == "failed"
    assert all(set(p) == {"chain", "turn", "part"} for p in parts)


def test_the_offline_model_quotes_the_prompt_as_typed(kernel: Kernel) -> None:
    html = saved(kernel.cell("", "Compute 2*3 and 4*5")).data["text/html"]
    assert "<code>Compute 2*3 and 4*5</code>" in html  # not "Compute 2<em>3 and 4</em>5"
    assert "<em>" not in html
    assert "<code>2*3</code> = 6" in html


def test_an_unknown_step_type_is_shown_with_its_type_and_fields(
    kernel: Kernel, tmp_path: Path
) -> None:
    steps = [
        {"type": "weather_radar_call", "id": "r1", "arguments": {"region": "Oslo"}},
        {"type": "weather_radar_result", "call_id": "r1", "result": {"rain": "light"}},
        {"text": "Rain soon."},
    ]
    fixtures = {"fixtures": [{"name": "radar", "match": {"user_text": "radar"}, "steps": steps}]}
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(fixtures))
    kernel.line(f"backend offline --fixtures {path}")
    out = kernel.cell("", "radar please")
    # Shown while the turn streams, as soon as the step arrives, not only at the end.
    live = [t for t in _plain(out) if "weather_radar_call" in t]
    assert live and "[running]" in live[0] and "Oslo" in live[0]
    card = next(o for o in saved(out).outputs if "weather_radar_call" in o.data["text/plain"])
    html = card.data["text/html"]
    assert "<code>weather_radar_call</code>" in html and "region" in html and "Oslo" in html
    assert "light" in html and ">done</code>" in html
    assert "Rain soon." in saved(out).data["text/markdown"]


def test_a_background_turn_shows_progress_while_polled_and_ends_as_the_answer(
    kernel: Kernel,
) -> None:
    kernel.magics.poll_interval = 0.2
    with capture_output() as captured:
        kernel.shell.run_cell("%%gemini --background\nResearch TPUs", store_history=False)
        turn = kernel.magics.session.registry.get("chat").turns[-1]
        deadline = time.monotonic() + 20
        while turn.status == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the poller's last update
    assert turn.status == "completed"
    assert len({o.transient["display_id"] for o in captured.outputs}) == 1  # one display
    progress = [t for t in _plain(captured) if t.startswith("⏳ Background turn")]
    doing = {t.split(" s: ", 1)[1] for t in progress}
    assert len(doing) >= 3, progress  # what it does and has done so far, growing while it runs
    assert len({re.search(r", (\d+) s: ", t).group(1) for t in progress}) >= 2  # type: ignore[union-attr]
    # plain words, never the wire's: "searching the web; 2 searches, 1 thought so far"
    assert all("_" not in t.split(" s: ", 1)[1] for t in progress), progress
    assert re.search(r"\d+ thoughts? so far|\d+ thoughts?, |, \d+ thoughts?", progress[-1])
    last = captured.outputs[-1]
    assert "Offline report" in last.data["text/markdown"] and "⏳" not in last.data["text/plain"]
    assert "Offline report: Research TPUs</h1>" in last.data["text/html"]
    record = last.metadata["gemini_interactions"]
    assert record["status"] == "completed" and record["interaction_id"] == turn.id
