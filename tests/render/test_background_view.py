"""A background turn's status display: what the agent is doing, and what it is thinking now."""

from __future__ import annotations

from typing import Any

from gemini_interactions.api.lowlevel import to_interaction
from gemini_interactions.chain import Turn
from gemini_interactions.render import BackgroundView


def _running(steps: list[dict[str, Any]], *, thoughts: bool = True) -> Turn:
    turn = Turn(
        number=1,
        chain="research",
        prompt="Sleep and memory",
        parent=None,
        previous_interaction_id=None,
        options={"thoughts": True} if thoughts else {},
        status="running",
    )
    interaction = {"id": "v1_r", "status": "in_progress", "steps": steps}
    turn.interactions.append(to_interaction(interaction, "2026-05-20"))
    return turn


def _thought(text: str) -> dict[str, Any]:
    return {"type": "thought", "summary": [{"type": "text", "text": text}]}


def test_the_newest_thought_summary_shows_under_the_status_while_the_agent_works() -> None:
    turn = _running(
        [
            _thought("Looking for meta-analyses first."),
            {"type": "google_search_call", "id": "s", "arguments": {"queries": ["sleep"]}},
            _thought("**Two** reviews disagree on naps; <b>checking</b> the # of subjects."),
        ]
    )
    data, _ = BackgroundView().bundle(turn)
    assert "searching the web" not in data["text/plain"]  # the newest step is a thought
    assert "thinking; 2 thoughts, 1 search so far" in data["text/plain"]
    assert "💭 **Two** reviews disagree on naps" in data["text/plain"]
    assert "meta-analyses" not in data["text/plain"]  # only the newest thought
    html = data["text/html"]
    assert "<blockquote>" in html and "**Two** reviews" in html  # its markup shown, not obeyed
    assert "<b>checking</b>" not in html and "&lt;b&gt;checking" in html


def test_a_long_thought_is_cut_to_its_end_so_each_update_costs_the_same() -> None:
    words = " ".join(f"word{i}" for i in range(2000))
    data, _ = BackgroundView().bundle(_running([_thought(words)]))
    assert "word1999" in data["text/plain"] and "word0 " not in data["text/plain"]
    assert len(data["text/plain"]) < 700 and "…word" in data["text/plain"]


def test_no_thought_line_when_thoughts_were_not_asked_for_or_have_no_words_yet() -> None:
    hidden = BackgroundView(show_thoughts=False).bundle(_running([_thought("secret plan")]))[0]
    assert "💭" not in hidden["text/plain"] and "secret plan" not in hidden["text/plain"]
    empty = BackgroundView().bundle(_running([{"type": "thought", "signature": "x"}]))[0]
    assert "💭" not in empty["text/plain"] and "thinking" in empty["text/plain"]
