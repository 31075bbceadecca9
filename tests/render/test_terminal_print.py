"""The terminal view folds streamed deltas into what it prints: any split of the same thoughts
and text prints the same screen (a property test), thoughts marked line by line."""

from __future__ import annotations

import contextlib
import io
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gemini_interactions.chain import Turn
from gemini_interactions.render import TerminalPrinter

pieces = st.text(alphabet=st.sampled_from("ab \n💭"), max_size=40)


def _screen(thought_chunks: list[str], text_chunks: list[str]) -> str:
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    view = TerminalPrinter(show_thoughts=True)
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
    view = TerminalPrinter(show_thoughts=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        turn.thoughts, turn.text, turn.status = "secret plan", "Answer.", "completed"
        view.on_end(turn)
    assert "secret plan" not in out.getvalue() and "Answer." in out.getvalue()


def test_media_answers_print_a_line_each_and_are_saved(tmp_path: Any, monkeypatch: Any) -> None:
    import base64

    from gemini_interactions.api import Interaction

    monkeypatch.chdir(tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    steps = [
        {
            "type": "model_output",
            "content": [
                {"type": "text", "text": "Here."},
                {"type": "image", "mime_type": "image/png", "data": base64.b64encode(png).decode()},
                {
                    "type": "audio",
                    "mime_type": "audio/L16;codec=pcm;rate=24000",
                    "data": base64.b64encode(b"\0\1" * 2400).decode(),
                },
                {"type": "video", "mime_type": "video/mp4", "uri": "https://v.example/x.mp4"},
            ],
        }
    ]
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.interactions.append(Interaction.model_validate({"id": "i", "steps": steps}))
    turn.status = "completed"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TerminalPrinter().on_end(turn)
    lines = out.getvalue().splitlines()
    image = next(line for line in lines if line.startswith("🖼️ image"))
    assert "(image/png, 108 bytes), saved to gemini_media/image-" in image
    audio = next(line for line in lines if line.startswith("🔊 audio"))
    assert "(audio/wav" in audio and "saved to gemini_media/audio-" in audio  # PCM as WAV
    assert any(line == "🎞️ video (video/mp4) at https://v.example/x.mp4" for line in lines)
    saved = sorted(p.name for p in (tmp_path / "gemini_media").iterdir())
    assert len(saved) == 2 and (tmp_path / "gemini_media" / saved[1]).read_bytes() == png
    assert (tmp_path / "gemini_media" / saved[0]).read_bytes()[:4] == b"RIFF"


def test_a_grounded_answer_prints_its_sources() -> None:
    from gemini_interactions.api import Interaction

    text = "Spain won Euro 2024."
    steps = [
        {
            "type": "model_output",
            "content": [
                {
                    "type": "text",
                    "text": text,
                    "annotations": [
                        {
                            "type": "url_citation",
                            "url": "https://uefa.example/",
                            "title": "uefa",
                            "start_index": 0,
                            "end_index": len(text),
                        }
                    ],
                }
            ],
        }
    ]
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.interactions.append(Interaction.model_validate({"id": "i", "steps": steps}))
    turn.text, turn.status = text, "completed"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TerminalPrinter().on_end(turn)
    assert "Sources:\n[1] uefa — https://uefa.example/" in out.getvalue()
