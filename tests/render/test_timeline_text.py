from __future__ import annotations

from gemini_interactions.api.lowlevel import to_interaction
from gemini_interactions.render import timeline_text


def test_timeline_lists_every_step_and_the_status() -> None:
    it = to_interaction(
        {
            "id": "v1_a",
            "status": "completed",
            "model": "gemini-x",
            "usage": {"total_tokens": 42},
            "steps": [
                {"type": "user_input", "content": [{"type": "text", "text": "Hi"}]},
                {"type": "thought", "summary": [{"type": "text", "text": "**Plan** greet"}]},
                {"type": "function_call", "id": "c", "name": "lookup", "arguments": {"q": "x"}},
                {
                    "type": "function_result",
                    "call_id": "c",
                    "name": "lookup",
                    "result": "boom",
                    "is_error": True,
                },
                {"type": "future_kind", "z": 1},
                {"type": "model_output", "content": [{"type": "text", "text": "Hello!"}]},
            ],
        },
        "2026-05-20",
    )
    text = timeline_text(it)
    lines = text.splitlines()
    assert len(lines) == 7
    assert "user" in lines[0] and "Hi" in lines[0]
    assert "lookup" in lines[2] and '"q": "x"' in lines[2]
    assert "[error]" in lines[3]
    assert "future_kind" in lines[4]
    assert "Hello!" in lines[5]
    assert "completed" in lines[6] and "42 tokens" in lines[6] and "v1_a" in lines[6]


def test_a_search_result_lists_its_sources_not_its_html() -> None:
    it = to_interaction(
        {
            "id": "v1_s",
            "status": "completed",
            "steps": [
                {"type": "google_search_call", "id": "s1", "arguments": {"queries": ["tpu"]}},
                {
                    "type": "google_search_result",
                    "call_id": "s1",
                    "result": [
                        {"search_suggestions": '<div class="chips">tpu</div>'},
                        {"url": "https://a.example/1", "title": "TPU history"},
                        {"url": "https://a.example/2"},
                    ],
                },
            ],
        },
        "2026-05-20",
    )
    found = timeline_text(it).splitlines()[1]
    assert "2 source(s): TPU history, https://a.example/2" in found and "<div" not in found


def test_render_public_api_is_pinned() -> None:
    import gemini_interactions.render as render

    assert set(render.__all__) == {
        "METADATA_KEY",
        "BackgroundView",
        "LiveView",
        "TerminalPrinter",
        "asked_for_thoughts",
        "display_bundle",
        "static_outputs",
        "step_card_html",
        "step_card_text",
        "timeline_text",
    }
