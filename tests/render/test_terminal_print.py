"""The terminal view folds streamed deltas into what it prints: any split of the same thoughts
and text prints the same screen (a property test), thoughts marked line by line."""

from __future__ import annotations

import contextlib
import io

from hypothesis import given
from hypothesis import strategies as st

from gemini_interactions.chain import Turn
from gemini_interactions.render import AnswerView

pieces = st.text(alphabet=st.sampled_from("ab \n💭"), max_size=40)


def _screen(thought_chunks: list[str], text_chunks: list[str]) -> str:
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    view = AnswerView(terminal=True, show_thoughts=True, interval=0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        turn.status = "streaming"
        view.on_start(turn)
        for chunk in thought_chunks:
            turn.thoughts += chunk
            view.on_event(turn, None)
        for chunk in text_chunks:
            turn.text += chunk
            view.on_event(turn, None)
        turn.status = "completed"
        view.on_end(turn)
    return out.getvalue()


@given(st.lists(pieces, max_size=6), st.lists(pieces, max_size=6))
def test_any_split_prints_the_same_screen(thoughts: list[str], text: list[str]) -> None:
    whole = _screen(["".join(thoughts)], ["".join(text)])
    assert _screen(thoughts, text) == whole
    thought_lines = "".join(thoughts).splitlines()
    assert all(line.startswith("💭 ") for line in whole.splitlines()[: len(thought_lines)])
    assert "".join(text) in whole


def test_thoughts_are_not_printed_unless_asked() -> None:
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    view = AnswerView(terminal=True, show_thoughts=False, interval=0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        turn.thoughts, turn.text, turn.status = "secret plan", "Answer.", "completed"
        view.on_end(turn)
    assert "secret plan" not in out.getvalue() and "Answer." in out.getvalue()
