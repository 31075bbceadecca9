"""A turn's streamed text is folded from deltas: any split of an answer gives the same text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gemini_interactions.chain import Turn


def _turn() -> Turn:
    return Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)


@given(st.lists(st.text(max_size=8), max_size=40), st.sets(st.integers(0, 40)))
def test_any_split_and_any_reads_give_the_same_text(pieces: list[str], reads: set[int]) -> None:
    turn = _turn()
    seen = ""
    for i, piece in enumerate(pieces):
        turn.add_text(piece)
        turn.add_thoughts(piece.upper())
        if i in reads:  # the live view reads while the answer grows
            seen = turn.text
            assert seen == "".join(pieces[: i + 1])
    assert turn.text == "".join(pieces) and turn.text.startswith(seen)
    assert turn.thoughts == "".join(p.upper() for p in pieces)


def test_text_can_be_set_and_extended() -> None:
    turn = _turn()
    turn.text = "Hello"
    turn.add_text(", world")
    turn.text += "!"
    assert turn.text == "Hello, world!" and turn.output_text == "Hello, world!"
