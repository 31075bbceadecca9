"""Step cards: what a reader of the saved notebook sees for each step type."""

from __future__ import annotations

from gemini_interactions.api import Interaction
from gemini_interactions.render._cards import pair_steps, step_card_html, step_card_text


def _steps(raw: list[dict[str, object]]) -> list[object]:
    return list(Interaction.model_validate({"id": "x", "steps": raw}).steps)


def test_function_call_card_shows_name_arguments_result_duration_and_badge() -> None:
    call = {"type": "function_call", "id": "c1", "name": "weather", "arguments": {"city": "Oslo"}}
    result = {"type": "function_result", "call_id": "c1", "result": {"temp": 3}}
    html = step_card_html(call, result, duration=0.25)
    assert "<details" in html and "weather" in html and "Oslo" in html and "temp" in html
    assert "done" in html and "0.25 s" in html
    assert "running" in step_card_html(call)
    failed = step_card_html(call, {**result, "is_error": True})
    assert "error" in failed
    assert "weather" in step_card_text(call, result) and "done" in step_card_text(call, result)


def test_search_card_lists_queries_and_sources_as_links() -> None:
    steps = _steps(
        [
            {"type": "google_search_call", "id": "g", "arguments": {"queries": ["euro 2024"]}},
            {
                "type": "google_search_result",
                "call_id": "g",
                "result": [
                    {"url": "https://a.example/", "title": "A"},
                    {"url": "https://b.example/", "title": "B"},
                ],
            },
        ]
    )
    (card,) = pair_steps(steps)
    html = step_card_html(card.step, card.result)
    assert "euro 2024" in html and "Used 2 sources" in html
    assert '<a href="https://a.example/">A</a>' in html


def test_code_card_shows_code_and_output() -> None:
    steps = _steps(
        [
            {"type": "code_execution_call", "id": "e", "arguments": {"code": "print(1 + 1)"}},
            {"type": "code_execution_result", "call_id": "e", "result": "2\n"},
        ]
    )
    (card,) = pair_steps(steps)
    html = step_card_html(card.step, card.result)
    assert "<pre><code" in html and "print" in html and "Output" in html and ">2" in html


def test_url_card_and_unknown_step_are_shown_never_dropped() -> None:
    steps = _steps(
        [
            {"type": "url_context_call", "id": "u", "arguments": {"urls": ["https://c.example/"]}},
            {"type": "future_step_kind", "colour": "teal"},
        ]
    )
    cards = pair_steps(steps)
    assert "https://c.example/" in step_card_html(cards[0].step)
    unknown = step_card_html(cards[1].step)
    assert "future_step_kind" in unknown and "teal" in unknown
    assert "future_step_kind" in step_card_text(cards[1].step)


def test_values_are_escaped() -> None:
    call = {
        "type": "function_call",
        "id": "c",
        "name": "f",
        "arguments": {"x": "<script>1</script>"},
    }
    html = step_card_html(call)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_thoughts_and_answers_read_as_markdown_and_prompts_as_typed() -> None:
    thought = {"type": "thought", "summary": [{"type": "text", "text": "**Plan** the `call`"}]}
    html = step_card_html(thought)
    assert "<strong>Plan</strong>" in html and "<code>call</code>" in html and "**" not in html
    answer = {"type": "model_output", "content": [{"type": "text", "text": "# Hi <b>x</b>"}]}
    assert "<h1>" in step_card_html(answer) and "&lt;b&gt;" in step_card_html(answer)
    prompt = {"type": "user_input", "content": [{"type": "text", "text": "Compute 2*3*4"}]}
    assert "Compute 2*3*4" in step_card_html(prompt)
