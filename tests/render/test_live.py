"""The live view's messages, against a stand-in frontend that keeps what a saved notebook keeps:
bytes linear in the thought and the answer, and finished outputs that are whole and final."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_interactions.chain import Turn
from gemini_interactions.render import LiveView


class Frontend:
    """Display messages as a frontend gets them; ``outputs`` is what the notebook saves."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.outputs: dict[str, dict[str, Any]] = {}

    def display(self, data: dict[str, str], *, metadata: Any, display_id: Any) -> Handle:
        key = str(display_id)
        self._got(key, data, metadata)
        return Handle(self, key)

    def _got(self, key: str, data: dict[str, str], metadata: Any) -> None:
        content = {"data": data, "metadata": metadata, "transient": {"display_id": key}}
        self.messages.append(content)
        self.outputs[key] = content

    @property
    def bytes(self) -> int:
        return sum(len(json.dumps(m)) for m in self.messages)

    @property
    def saved(self) -> list[dict[str, Any]]:
        return list(self.outputs.values())


class Handle:
    def __init__(self, frontend: Frontend, key: str) -> None:
        self.frontend, self.key = frontend, key

    def update(self, data: dict[str, str], *, raw: bool, metadata: Any) -> None:
        self.frontend._got(self.key, data, metadata)


def _turn() -> Turn:
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.status = "streaming"
    return turn


def stream(thought: str, answer: str, piece: int = 20) -> Frontend:
    """``thought`` then ``answer`` trickled in ``piece``-character deltas, 4 ms apart."""
    frontend, now = Frontend(), [0.0]
    view = LiveView(clock=lambda: now[0], display=frontend.display)
    turn = _turn()
    view.on_start(turn)
    for text, add in ((thought, turn.add_thoughts), (answer, turn.add_text)):
        for i in range(0, len(text), piece):
            now[0] += 0.004
            add(text[i : i + piece])
            view.on_event(turn, None)
    turn.status = "completed"
    turn.ended_at = turn.started_at + now[0]
    view.on_end(turn)
    return frontend


def _thought(paragraphs: int) -> str:
    return "".join(
        f"**Step {n}.** I weigh option {n} against the others, slowly. " * 4 + "\n\n"
        for n in range(paragraphs)
    )


ANSWER = (
    "A paragraph of the answer that explains a point. " * 5 + "\n\n"
    "```python\nx = 1\n\ny = 2\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n"
)


def test_a_long_thought_costs_bytes_linear_in_its_length() -> None:
    """A thought is not re-sent whole on every update: only its last paragraph while it streams,
    then the whole of it once, collapsed."""
    small_thought, large_thought = _thought(100), _thought(200)
    small, large = stream(small_thought, ANSWER), stream(large_thought, ANSWER)
    size = len(large_thought) + len(ANSWER)
    assert large.bytes <= 4 * size, large.bytes / size  # it was 157x: quadratic
    assert large.bytes <= 2.2 * small.bytes
    thoughts = [o for o in large.saved if "💭" in o["data"]["text/plain"]]
    (saved,) = thoughts  # one output for the thought, collapsed, whole
    html = saved["data"]["text/html"]
    assert html.startswith("<details") and "💭 <strong>Thought for" in html
    assert "Step 0." in html and "Step 199." in html
    assert saved["data"]["text/plain"].count("I weigh option") == 4 * 200
    # While it streamed it was open, showing what was being thought.
    streaming = [m["data"]["text/html"] for m in large.messages if "Thinking…" in str(m)]
    assert streaming and all("<details open " in h for h in streaming)
    assert any("Step 150." in h for h in streaming)


def test_an_answer_costs_under_4_5_times_its_size_and_every_saved_output_is_whole() -> None:
    answer = ANSWER * 150
    frontend = stream("", answer)
    assert frontend.bytes <= 4.5 * len(answer), frontend.bytes / len(answer)  # was 5.0x
    saved = frontend.saved
    for output in saved:
        data = output["data"]
        assert {"text/plain", "text/html"} <= set(data), data
        assert "⏳" not in data["text/plain"] + data["text/html"]
    blocks = [o["data"] for o in saved[:-1]]
    assert all("text/markdown" in b for b in blocks)  # the answer, also as Markdown
    assert "".join(b["text/markdown"] for b in blocks) + saved[-1]["data"]["text/markdown"]
    joined = "".join(b["text/plain"] for b in blocks)
    assert joined.startswith(answer[:1000]) and joined.count("```python") == 150
    # Updates of the live output carry no second and third copy of the growing tail.
    live = [m for m in frontend.messages if "⏳" in m["data"]["text/plain"]]
    assert live and all(set(m["data"]) == {"text/plain", "text/html"} for m in live)


def test_the_last_output_carries_the_record_and_the_others_point_at_it() -> None:
    frontend = stream(_thought(3), ANSWER * 3)
    saved = frontend.saved
    *parts, last = [o["metadata"]["gemini_interactions"] for o in saved]
    assert last["status"] == "completed" and last["parts"] == len(saved)
    assert {"interaction_id", "previous_interaction_id", "model", "options", "usage"} <= set(last)
    assert last["started"] and last["ended"]
    assert parts == [{"chain": "c", "turn": 1, "part": n} for n in range(len(parts))]
    assert "streaming" not in json.dumps([o["metadata"] for o in saved])


def test_a_call_repeated_by_a_later_round_is_one_card_and_one_never_run_says_so() -> None:
    from gemini_interactions.api import Interaction
    from gemini_interactions.render import static_outputs

    call = {"type": "function_call", "id": "c1", "name": "f", "arguments": {"x": 1}}
    other = {"type": "function_call", "id": "c2", "name": "g", "arguments": {}}
    turn = _turn()
    rounds = [("a", [call]), ("b", [call, other])]
    turn.interactions = [
        Interaction.model_validate({"id": i, "status": "requires_action", "steps": steps})
        for i, steps in rounds
    ]
    turn.status = "requires_action"
    cards = [d["text/plain"] for d, _ in static_outputs(turn) if d["text/plain"].startswith("🔧")]
    assert cards == ["🔧 f(x=1) [not run]", "🔧 g() [not run]"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=60),
    st.lists(st.floats(min_value=0.0, max_value=0.3), min_size=1, max_size=60),
)
def test_whatever_the_chunks_and_pace_the_saved_outputs_hold_it_all(
    sizes: list[int], gaps: list[float]
) -> None:
    """Only the live output is left out of the saved copy's text: the thought is saved whole,
    and the answer's blocks, in order, are the answer."""
    thought, answer = _thought(4), ANSWER * 3
    frontend, now = Frontend(), [0.0]
    view = LiveView(clock=lambda: now[0], display=frontend.display)
    turn = _turn()
    view.on_start(turn)
    for text, add in ((thought, turn.add_thoughts), (answer, turn.add_text)):
        at, n = 0, 0
        while at < len(text):
            size, gap = sizes[n % len(sizes)], gaps[n % len(gaps)]
            add(text[at : at + size])
            at, n, now[0] = at + size, n + 1, now[0] + gap
            view.on_event(turn, None)
    turn.status = "completed"
    view.on_end(turn)
    saved = frontend.saved
    assert saved[0]["data"]["text/plain"].startswith("💭 Thought for")
    assert thought.strip() in saved[0]["data"]["text/plain"]
    last = saved[-1]["data"]["text/markdown"]
    blocks = [o["data"]["text/markdown"] for o in saved[1:-1]] + [last[: last.rindex("<sub>")]]
    assert "".join(blocks).rstrip() == answer.rstrip()
