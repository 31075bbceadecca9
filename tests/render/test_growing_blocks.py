"""One long block (a 100 KB code fence, paragraph, table, list or math block) streams in pieces
sent once each, and the saved notebook keeps it as one block."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_interactions.chain import Turn
from gemini_interactions.render import LiveView
from gemini_interactions.render._markdown import BlockChunks


class Frontend:
    """A frontend's output area: outputs in order, an update changes every output with its
    display id (several outputs may share one, as in JupyterLab)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.outputs: list[dict[str, Any]] = []

    def display(self, data: dict[str, str], *, metadata: Any, display_id: Any) -> Handle:
        content = {"data": data, "metadata": metadata, "transient": {"display_id": display_id}}
        self.messages.append(content)
        self.outputs.append(content)
        return Handle(self, str(display_id))

    @property
    def bytes(self) -> int:
        return sum(len(json.dumps(m)) for m in self.messages)

    def shown(self) -> list[dict[str, str]]:
        return [o["data"] for o in self.outputs if o["data"] != {"text/plain": ""}]


class Handle:
    def __init__(self, frontend: Frontend, key: str) -> None:
        self.frontend, self.key = frontend, key

    def update(self, data: dict[str, str], *, raw: bool, metadata: Any) -> None:
        content = {"data": data, "metadata": metadata, "transient": {"display_id": self.key}}
        self.frontend.messages.append(content)
        for n, output in enumerate(self.frontend.outputs):
            if output["transient"]["display_id"] == self.key:
                self.frontend.outputs[n] = content


def _lines(shape: str, count: int) -> str:
    if shape == "code":
        lines = "".join(
            f'    total += compute(item_{i}, "key") if a < b else {i}\n' for i in range(count)
        )
        return "```python\n" + lines + "```\n"
    if shape == "paragraph":
        return "".join(f"Sentence {i} says one thing, then stops. " for i in range(count)) + "\n"
    if shape == "table":
        rows = "".join(f"| {i} | item {i} |\n" for i in range(count))
        return "| id | name |\n|---|---|\n" + rows + "\n"
    if shape == "list":
        items = (f"{i + 1}. item **{i}**, a short line about one point\n" for i in range(count))
        return "".join(items) + "\n"
    return "$$\n" + "".join(f"x_{{{i}}} = \\frac{{1}}{{{i}}} \\\\\n" for i in range(count)) + "$$\n"


SHAPES = ["code", "paragraph", "table", "list", "math"]


def stream(answer: str, piece: int = 20, gap: float = 0.004) -> tuple[Frontend, list[Any]]:
    """``answer`` in ``piece``-character deltas, ``gap`` seconds apart; also what was on screen
    after each delta (the outputs' HTML, in order)."""
    frontend, now = Frontend(), [0.0]
    view = LiveView(clock=lambda: now[0], display=frontend.display)
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.status = "streaming"
    view.on_start(turn)
    screens = []
    for i in range(0, len(answer), piece):
        now[0] += gap
        turn.add_text(answer[i : i + piece])
        view.on_event(turn, None)
        screens.append([o["data"].get("text/html", "") for o in frontend.outputs])
    turn.status = "completed"
    turn.ended_at = turn.started_at + now[0]
    view.on_end(turn)
    return frontend, screens


@pytest.mark.parametrize("shape", SHAPES)
def test_a_long_block_is_sent_in_pieces_once_and_saved_as_one_block(shape: str) -> None:
    answer = _lines(shape, 1500)
    frontend, screens = stream(answer)
    assert frontend.bytes <= 5 * len(answer), (shape, frontend.bytes / len(answer))
    # While it grew, pieces were shown one after another (and no piece twice).
    pieces = max(len(s) for s in screens)
    assert pieces > 10, shape
    shown = frontend.shown()
    block, status = shown
    assert block["text/markdown"] == answer and block["text/plain"] == answer
    assert "completed" in status["text/plain"]
    # The saved form is one block of the whole text, rendered as one (one <pre>, <table> ...).
    html = block["text/html"]
    whole = {"code": "pre", "table": "table", "list": "ol", "paragraph": "p"}
    if shape in whole:  # (the first element carries the answer's class)
        assert len(re.findall(f"<{whole[shape]}[ >]", html)) == 1, shape
    assert "1499" in html


def test_a_piece_holds_whole_lines_and_renders_like_the_block() -> None:
    answer = _lines("code", 400)
    _, screens = stream(answer)
    middle = screens[len(screens) // 2]
    pieces = [h for h in middle if h.startswith("<pre")]
    assert len(pieces) > 3
    assert pieces[0].startswith('<pre style="margin:0"><code class="language-python">    total')
    assert all(p.endswith("\n</code></pre>") for p in pieces)
    # every line shown once, in order: the pieces read as one block
    text = "".join(p.split(">", 2)[2].removesuffix("</code></pre>") for p in pieces)
    lines = text.splitlines()
    expected = '    total += compute(item_{0}, "key") if a &lt; b else {0}'
    assert lines == [expected.format(i) for i in range(len(lines))]


def test_a_short_answer_and_the_first_token_are_shown_as_before() -> None:
    frontend, screens = stream("Hello **there**, a first paragraph.\n\nA second paragraph.")
    assert "Hello" in screens[0][-1]  # the first token, at once, in the live output
    assert len(frontend.shown()) == 2  # a block, and the last with the status: as before


def test_an_interrupted_turn_keeps_its_growing_fence_as_one_block() -> None:
    frontend, now = Frontend(), [0.0]
    view = LiveView(clock=lambda: now[0], display=frontend.display)
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.status = "streaming"
    view.on_start(turn)
    answer = _lines("code", 600)
    for i in range(0, len(answer), 40):
        now[0] += 0.01
        turn.add_text(answer[i : i + 40])
        view.on_event(turn, None)
    turn.status = "interrupted"  # the user stopped it: the block so far is kept as one block
    turn.ended_at = turn.started_at + now[0]
    view.on_end(turn)
    block = frontend.shown()[0]
    assert block["text/markdown"] == answer and len(re.findall("<pre[ >]", block["text/html"])) == 1


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=30),
    st.lists(st.floats(min_value=0.0, max_value=0.3), min_size=1, max_size=30),
)
def test_whatever_the_deltas_the_pieces_never_repeat_and_the_saved_block_is_whole(
    shape: str, sizes: list[int], gaps: list[float]
) -> None:
    answer = "Intro.\n\n" + _lines(shape, 300) + "\nOutro."
    frontend, now = Frontend(), [0.0]
    view = LiveView(clock=lambda: now[0], display=frontend.display)
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.status = "streaming"
    view.on_start(turn)
    at, n = 0, 0
    while at < len(answer):
        size, gap = sizes[n % len(sizes)], gaps[n % len(gaps)]
        turn.add_text(answer[at : at + size])
        at, n, now[0] = at + size, n + 1, now[0] + gap
        view.on_event(turn, None)
    turn.status = "completed"
    view.on_end(turn)
    shown = frontend.shown()
    markdown = [o.get("text/markdown", "") for o in shown]
    last = markdown[-1]
    markdown[-1] = last[: last.rindex("<sub>")]
    assert "".join(markdown).rstrip() == answer.rstrip()
    assert all("text/plain" in o and "text/html" in o for o in shown)


@given(st.sampled_from(SHAPES), st.integers(min_value=0, max_value=4000))
def test_a_cut_never_splits_a_line_an_item_or_a_sentence(shape: str, end: int) -> None:
    text = _lines(shape, 120)[:end]
    chunks = BlockChunks(text)
    cut = chunks.cut(text, first=True)
    piece = text[:cut]
    if not cut:
        return
    if shape == "paragraph":
        assert piece.endswith(". ") or piece.endswith("\n")
    elif shape == "list":
        assert piece.endswith("\n") and text[cut:].lstrip()[:1].isdigit()
    else:
        assert piece.endswith("\n")
