"""The turn's time axis data: spans from when events arrived, kept through save and load."""

from __future__ import annotations

import time
from pathlib import Path

from gemini_interactions.api._events import StepDeltaEvent, StepStartEvent, StepStopEvent
from gemini_interactions.chain import Chain, StepTime
from gemini_interactions.chain._timing import TimingRecorder
from gemini_interactions.export import load_chains, save_chains


def _events(*items: dict[str, object]) -> list[object]:
    kinds = {"step.start": StepStartEvent, "step.delta": StepDeltaEvent, "step.stop": StepStopEvent}
    return [kinds[str(item["event_type"])].model_validate(item) for item in items]


def test_spans_follow_event_arrival_on_the_clock() -> None:
    now = [100.0]
    spans: list[StepTime] = []
    timer = TimingRecorder(spans, time.time(), clock=lambda: now[0])
    timer.request_sent(1)
    thought, text_start, text, stop = _events(
        {"event_type": "step.delta", "index": 0, "delta": {"type": "thought_summary"}},
        {"event_type": "step.start", "index": 1, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "hi"}},
        {"event_type": "step.stop", "index": 1, "step_usage": {"total_output_tokens": 7}},
    )
    now[0] = 102.0  # two seconds waiting for the first event
    timer.event(thought)
    now[0] = 105.0
    timer.event(text_start)
    now[0] = 106.5
    timer.event(text)
    timer.event(stop)
    timer.round_done(None)
    kinds = [(s.kind, round(s.start, 1), round(s.end, 1), s.tokens) for s in spans]
    # A thought that never saw step.start is synthesized from its delta; still open at the
    # round's end, it ends there.
    assert kinds == [
        ("waiting", 0.0, 2.0, None),
        ("thought", 2.0, 6.5, None),
        ("model_output", 5.0, 6.5, 7),
    ]


def test_a_round_that_does_not_stream_is_one_request_span() -> None:
    now = [0.0]
    spans: list[StepTime] = []
    timer = TimingRecorder(spans, time.time(), clock=lambda: now[0])
    timer.request_sent(1)
    now[0] = 3.0
    timer.round_done(None)
    assert [(s.kind, s.duration) for s in spans] == [("request", 3.0)]


def test_a_tool_round_records_the_wait_the_call_the_tool_and_the_answer(
    chain: Chain, tmp_path: Path
) -> None:
    def get_weather(city: str) -> dict[str, str]:
        """Current weather in a city.

        Args:
            city: The city name.
        """
        time.sleep(0.2)  # the notebook's own function takes a visible while
        return {"city": city, "sky": "sunny"}

    turn = chain.send("Use get_weather for the weather in Paris", tools=[get_weather])
    kinds = [(s.kind, s.round) for s in turn.timing]
    assert kinds[0] == ("waiting", 1)
    assert ("function_call", 1) in kinds and ("waiting", 2) in kinds
    tool = next(s for s in turn.timing if s.kind == "tool")
    assert tool.name == "get_weather" and tool.round == 1 and tool.duration >= 0.199
    call = next(s for s in turn.timing if s.kind == "function_call")
    answer = next(s for s in turn.timing if s.kind == "model_output")
    # In time order: the model writes the call, the notebook runs it, the model answers.
    assert call.end <= tool.start + 1e-3 and tool.end <= answer.start + 1e-3
    assert turn.duration is not None and answer.end <= turn.duration + 0.05
    path = save_chains(tmp_path / "chains.json", [chain])
    loaded = load_chains(path)[0][0].turns[0]
    assert [s.to_dict() for s in loaded.timing] == [s.to_dict() for s in turn.timing]
