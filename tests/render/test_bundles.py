"""A finished turn's static outputs say what the live cell ended with."""

from __future__ import annotations

from gemini_interactions.api import Interaction
from gemini_interactions.chain import Turn
from gemini_interactions.render._bundles import answer_outputs, answer_text


def test_a_tool_turns_words_before_its_call_stay_in_a_re_render() -> None:
    # Round 1 said something, then called a tool; round 2 answered. The live view showed both;
    # `show`, the export and the saved outputs must not drop round 1's words.
    turn = Turn(1, "chat", "Weather?", None, None, status="completed")
    turn.text = "Let me check the weather.\n\nIt is sunny."
    turn.interactions = [
        Interaction.model_validate(
            {
                "id": f"i{n}",
                "steps": [{"type": "model_output", "content": [{"type": "text", "text": t}]}],
            }
        )
        for n, t in enumerate(["Let me check the weather.", "It is sunny."])
    ]
    shown = "".join(
        b.get("text/markdown", "") for b, _ in answer_outputs(turn, show_thoughts=False)
    )
    assert "Let me check the weather." in shown and "It is sunny." in shown
    assert answer_text(turn) == turn.text
