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
    assert "<h1 " in step_card_html(answer) and "&lt;b&gt;" in step_card_html(answer)
    prompt = {"type": "user_input", "content": [{"type": "text", "text": "Compute 2*3*4"}]}
    assert "Compute 2*3*4" in step_card_html(prompt)


def _card(raw: list[dict[str, object]], **kwargs: object) -> tuple[str, str]:
    cards = pair_steps(_steps(raw))
    assert len(cards) == 1, cards
    card = cards[0]
    return (
        step_card_html(card.step, card.result, **kwargs),  # type: ignore[arg-type]
        step_card_text(card.step, card.result, **kwargs),  # type: ignore[arg-type]
    )


def test_maps_card_lists_places_with_links_and_reviews() -> None:
    html, text = _card(
        [
            {"type": "google_maps_call", "id": "m", "arguments": {"queries": ["cafés in Graz"]}},
            {
                "type": "google_maps_result",
                "call_id": "m",
                "result": [
                    {
                        "places": [
                            {
                                "name": "Café Sacher",
                                "place_id": "places/1",
                                "url": "https://maps.google.com/?cid=1",
                                "review_snippets": [
                                    {"title": "Great cake", "url": "https://maps.google.com/r/1"}
                                ],
                            },
                            {"name": "Café Central", "url": "https://maps.google.com/?cid=2"},
                        ]
                    }
                ],
            },
        ]
    )
    assert "Google Maps" in html and "· 2 places" in html and "cafés in Graz" in html
    assert '<a href="https://maps.google.com/?cid=1">Café Sacher</a>' in html
    assert '<a href="https://maps.google.com/r/1">Great cake</a>' in html
    assert "Café Central https://maps.google.com/?cid=2" in text


def test_mcp_card_names_server_tool_arguments_and_result_text() -> None:
    html, text = _card(
        [
            {
                "type": "mcp_server_tool_call",
                "id": "c",
                "name": "get_forecast",
                "server_name": "weather",
                "arguments": {"city": "Oslo"},
            },
            {
                "type": "mcp_server_tool_result",
                "call_id": "c",
                "name": "get_forecast",
                "server_name": "weather",
                "result": [{"type": "text", "text": "Snow, -3 °C"}],
            },
        ]
    )
    assert "MCP <code>get_forecast</code> on <code>weather</code>" in html
    assert "Oslo" in html and "Snow, -3 °C" in html and "done" in html
    assert text.startswith("🧩 MCP get_forecast on weather(") and "Snow, -3 °C" in text


def test_tool_search_card_shows_names_looked_for_and_functions_loaded() -> None:
    html, text = _card(
        [
            {"type": "tool_search_call", "id": "t", "arguments": {"function_names": ["plot"]}},
            {
                "type": "tool_search_result",
                "call_id": "t",
                "result": [{"name": "plot", "description": "Plot a series."}],
            },
        ]
    )
    assert "Tool search" in html and "· 1 tool" in html and "Plot a series." in html
    assert "Tool search: plot" in text


def test_file_search_and_retrieval_cards() -> None:
    from gemini_interactions.render._citations import Source

    cited = [Source("file_citation", "report.pdf", None, "page 3")]
    html, text = _card(
        [
            {"type": "file_search_call", "id": "f"},
            {"type": "file_search_result", "call_id": "f"},
        ],
        cited=cited,
    )
    assert "File search" in html and "1 cited chunk" in html and "report.pdf, page 3" in html
    assert "Cited: report.pdf, page 3" in text
    html, _ = _card(
        [
            {
                "type": "retrieval_call",
                "id": "r",
                "retrieval_type": "vertex_ai_search",
                "arguments": {"queries": ["dose"]},
            },
            {
                "type": "retrieval_result",
                "call_id": "r",
                "result": [{"title": "Guide", "uri": "https://d.example/g", "text": "Use 5 mg."}],
            },
        ]
    )
    assert "Retrieval (vertex_ai_search)" in html and "Use 5 mg." in html
    assert '<a href="https://d.example/g">Guide</a>' in html


def test_computer_use_and_thought_images() -> None:
    call = {"type": "function_call", "id": "c", "name": "click_at", "arguments": {"x": 3, "y": 4}}
    assert "Computer use: <code>click_at</code>" in step_card_html(call)
    assert step_card_text(call).startswith("🖱️ Computer use: click_at(x=3, y=4)")
    thought = {
        "type": "thought",
        "summary": [
            {"type": "text", "text": "Sketch:"},
            {"type": "image", "mime_type": "image/png", "data": "iVBORw0KGgo="},
        ],
    }
    assert '<img alt="thought image" src="data:image/png;base64,iVBORw0KGgo=">' in (
        step_card_html(thought)
    )
    assert "(+1 image)" in step_card_text(thought)


def test_a_search_card_never_says_zero_for_a_grounded_answer() -> None:
    from gemini_interactions.render._citations import Source

    raw: list[dict[str, object]] = [
        {"type": "google_search_call", "id": "g", "arguments": {"queries": ["q"]}},
        {"type": "google_search_result", "call_id": "g", "result": [{"search_suggestions": "<a>"}]},
    ]
    html, text = _card(raw, cited=[Source("url_citation", "a.example", "https://a.example/")])
    assert "Used 1 source" in html and "Used 1 source" in text
    html, text = _card(raw)  # nothing to count: no count at all
    assert "0 source" not in html + text and "Used" not in html + text
