"""The timeline's time axis: bars where and as long as the steps were, static SVG markup."""

from __future__ import annotations

import re
import time
from pathlib import Path

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain, StepTime, Turn
from gemini_interactions.export import load_chains, save_chains
from gemini_interactions.render._timeline_view import timeline_bundle
from gemini_interactions.render._waterfall import waterfall_html
from gemini_interactions.server import LocalServer

FIXTURES = Path(__file__).parent.parent / "magics" / "data" / "fixtures.json"


def _turn(number: int, spans: list[StepTime], parent: int | None = None) -> Turn:
    turn = Turn(number, "c", f"prompt {number} <b>x</b>", parent, None, status="completed")
    turn.ended_at = turn.started_at + max(s.end for s in spans)
    turn.timing = spans
    return turn


def _rects(svg: str) -> list[dict[str, str]]:
    return [
        dict(re.findall(r'([\w-]+)="([^"]*)"', m))
        for m in re.findall(r"<rect ([^>]*data-kind[^>]*)>", svg)
    ]


def test_a_long_search_and_a_short_answer_do_not_look_like_the_reverse() -> None:
    slow_search = _turn(
        1,
        [
            StepTime("waiting", 1, 0.0, 1.0),
            StepTime("google_search_call", 1, 1.0, 41.0, index=0),
            StepTime("model_output", 1, 41.0, 43.0, index=1, tokens=300),
        ],
    )
    slow_answer = _turn(
        2,
        [
            StepTime("waiting", 1, 0.0, 1.0),
            StepTime("google_search_call", 1, 1.0, 3.0, index=0),
            StepTime("model_output", 1, 3.0, 43.0, index=1),
        ],
    )
    rects = _rects(waterfall_html([slow_search, slow_answer]))
    widths = {(r["data-kind"], i // 3): float(r["width"]) for i, r in enumerate(rects)}
    assert widths[("google_search_call", 0)] > 15 * widths[("model_output", 0)]
    assert widths[("model_output", 1)] > 15 * widths[("google_search_call", 1)]
    # on one shared axis: the two turns' 43 s end at the same x
    ends = [float(r["x"]) + float(r["width"]) for r in rects if r["data-kind"] == "model_output"]
    assert abs(ends[0] - ends[1]) < 0.5


def test_parallel_calls_sit_side_by_side_and_every_bar_says_what_it_was() -> None:
    turn = _turn(
        1,
        [
            StepTime("function_call", 1, 0.5, 1.0, index=0, name="get_weather"),
            StepTime("function_call", 1, 0.6, 1.1, index=1, name="get_time"),
            StepTime("tool", 1, 1.1, 3.0, name="get_weather"),
        ],
    )
    svg = waterfall_html([turn])
    calls = [r for r in _rects(svg) if r["data-kind"] == "function_call"]
    assert calls[0]["y"] != calls[1]["y"]
    assert "<title>your function get_weather: 1.9 s" in svg
    assert "your Python function" in svg  # the legend


def test_geometry_is_in_attributes_and_text_is_escaped() -> None:
    turn = _turn(1, [StepTime("thought", 1, 0.0, 2.0, index=0)])
    svg = waterfall_html([turn])
    assert svg.startswith("<svg") and "style=" not in svg and "<b>" not in svg
    assert "&lt;b&gt;" in svg


def test_branches_are_indented_and_named_a_straight_chain_is_not() -> None:
    turns = [
        _turn(1, [StepTime("model_output", 1, 0.0, 1.0)]),
        _turn(2, [StepTime("model_output", 1, 0.0, 1.0)], parent=1),
        _turn(3, [StepTime("model_output", 1, 0.0, 1.0)], parent=1),
    ]
    svg = waterfall_html(turns)
    assert "turn 3 ← turn 1" in svg and "turn 2 ←" not in svg


def test_the_timeline_output_draws_the_axis_above_the_cards_and_after_a_load(
    tmp_path: Path,
) -> None:
    server = LocalServer(fixtures=[FIXTURES], require_auth=False)
    chain = Chain(Client(transport=server.transport(), max_retries=0), name="t")

    def slow(city: str) -> str:
        """Slow lookup.

        Args:
            city: The city.
        """
        time.sleep(0.3)
        return city

    chain.send("Use slow for the weather in Paris", tools=[slow])
    html = timeline_bundle(chain)["text/html"]
    assert html.index("<svg") < html.index("gemini-turn")
    tool = next(r for r in _rects(html) if r["data-kind"] == "tool")
    assert float(tool["width"]) > 100  # 0.3 s of a ~0.3 s turn: most of the axis
    path = save_chains(tmp_path / "c.json", [chain])
    loaded = load_chains(path)[0][0]
    assert waterfall_html(loaded.turns) == waterfall_html(chain.turns)


def test_a_map_run_is_a_latency_histogram_and_throughput() -> None:
    run = Turn(1, "c", "{x}", None, None, status="completed")
    items = []
    for i in range(10):
        item = Turn(0, "c", str(i), None, None, status="completed")
        item.started_at = run.started_at + i * 0.5
        item.ended_at = item.started_at + 1 + (i % 3)
        items.append(item)
    run.items = items
    svg = waterfall_html([run])
    assert 'data-axis="map"' in svg and "10 element(s)" in svg
    assert "latency" in svg and "throughput" in svg


def test_a_background_turn_shows_how_long_it_ran_after_it_was_sent() -> None:
    turn = _turn(1, [StepTime("request", 1, 0.0, 0.4)])
    turn.ended_at = turn.started_at + 30.0  # polled until it ended, half a minute later
    rects = _rects(waterfall_html([turn]))
    assert [r["data-kind"] for r in rects] == ["request", "background"]
    assert float(rects[1]["width"]) > 50 * float(rects[0]["width"])


def test_a_map_element_read_back_from_the_run_store_keeps_when_it_ran() -> None:
    item = Turn(0, "c", "x", None, None, status="completed")
    item.ended_at = item.started_at + 1.5
    item.timing = [StepTime("model_output", 1, 0.2, 1.5, index=0)]
    back = Turn.from_dict(item.to_dict())  # what the run store keeps of an element
    assert back.started_at == item.started_at and back.ended_at == item.ended_at
    assert [s.to_dict() for s in back.timing] == [s.to_dict() for s in item.timing]
