"""Every delta type folds by its rule; output_text is derived as the API documents it."""

from __future__ import annotations

from typing import Any

import pytest

from gemini_interactions.api.lowlevel import fold_events, to_interaction


def fold_one(step: dict[str, Any] | None, *deltas: dict[str, Any]) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    if step is not None:
        events.append({"event_type": "step.start", "index": 0, "step": step})
    events += [{"event_type": "step.delta", "index": 0, "delta": d} for d in deltas]
    events.append({"event_type": "step.stop", "index": 0})
    steps: list[dict[str, Any]] = fold_events(events)["steps"]
    assert len(steps) == 1
    return steps[0]


@pytest.mark.parametrize("kind", ["image", "audio", "document", "video"])
def test_media_deltas_push_blocks(kind: str) -> None:
    step = fold_one(
        {"type": "model_output", "content": []},
        {"type": "text", "text": "Look: "},
        {"type": kind, "data": "AAAA", "mime_type": f"{kind}/x"},
        {"type": kind, "uri": "https://example.com/2"},
        {"type": "text", "text": "done"},
    )
    assert [b["type"] for b in step["content"]] == ["text", kind, kind, "text"]
    assert step["content"][1] == {"type": kind, "data": "AAAA", "mime_type": f"{kind}/x"}
    assert step["content"][3]["text"] == "done"


def test_text_annotation_delta_extends_the_last_text_block() -> None:
    cite = {"type": "url_citation", "url": "u", "start_index": 0, "end_index": 2}
    step = fold_one(
        None,
        {"type": "text", "text": "Hi"},
        {"type": "text_annotation_delta", "annotations": [cite]},
        {"type": "text_annotation_delta", "annotations": [cite]},
    )
    assert step == {
        "type": "model_output",
        "content": [{"type": "text", "text": "Hi", "annotations": [cite, cite]}],
    }


def test_thought_summary_text_appends_and_image_pushes_and_signature_last_wins() -> None:
    step = fold_one(
        {"type": "thought"},
        {"type": "thought_summary", "content": {"type": "text", "text": "**Plan**"}},
        {"type": "thought_summary", "content": {"type": "text", "text": " more"}},
        {"type": "thought_signature", "signature": "s1"},
        {"type": "thought_summary", "content": {"type": "image", "data": "II"}},
        {"type": "thought_signature", "signature": "s2"},
    )
    assert step == {
        "type": "thought",
        "signature": "s2",
        "summary": [{"type": "text", "text": "**Plan** more"}, {"type": "image", "data": "II"}],
    }


def test_arguments_fragments_assemble_and_bad_json_is_kept_raw() -> None:
    ok = fold_one(
        {"type": "function_call", "id": "c", "name": "f", "arguments": {}},
        {"type": "arguments_delta", "arguments": '{"a": [1, '},
        {"type": "arguments_delta", "arguments": "2]}"},
    )
    assert ok["arguments"] == {"a": [1, 2]}
    bad = fold_one(None, {"type": "arguments_delta", "arguments": '{"a": '})
    assert bad == {"type": "function_call", "arguments": '{"a": '}


@pytest.mark.parametrize(
    ("start", "deltas", "expected"),
    [
        (
            {"type": "code_execution_call", "id": "ce"},
            [
                {
                    "type": "code_execution_call",
                    "arguments": {"language": "python"},
                    "signature": "a",
                },
                {
                    "type": "code_execution_call",
                    "arguments": {"code": "print(1)"},
                    "signature": "b",
                },
            ],
            {
                "type": "code_execution_call",
                "id": "ce",
                "arguments": {"language": "python", "code": "print(1)"},
                "signature": "b",
            },
        ),
        (
            {"type": "code_execution_result", "call_id": "ce"},
            [
                {"type": "code_execution_result", "result": "50"},
                {"type": "code_execution_result", "result": "50\n", "is_error": False},
            ],
            {
                "type": "code_execution_result",
                "call_id": "ce",
                "result": "5050\n",
                "is_error": False,
            },
        ),
        (
            {"type": "url_context_call", "id": "u"},
            [{"type": "url_context_call", "arguments": {"urls": ["a"]}}],
            {"type": "url_context_call", "id": "u", "arguments": {"urls": ["a"]}},
        ),
        (
            {"type": "url_context_result", "call_id": "u"},
            [
                {"type": "url_context_result", "result": [{"url": "a", "status": "success"}]},
                {"type": "url_context_result", "result": [{"url": "b", "status": "paywall"}]},
            ],
            {
                "type": "url_context_result",
                "call_id": "u",
                "result": [{"url": "a", "status": "success"}, {"url": "b", "status": "paywall"}],
            },
        ),
        (
            {"type": "google_search_call", "id": "g"},
            [{"type": "google_search_call", "arguments": {"queries": ["q"]}, "signature": "s"}],
            {
                "type": "google_search_call",
                "id": "g",
                "arguments": {"queries": ["q"]},
                "signature": "s",
            },
        ),
        (
            {"type": "google_search_result", "call_id": "g"},
            [{"type": "google_search_result", "result": [{"search_suggestions": "<a/>"}]}],
            {
                "type": "google_search_result",
                "call_id": "g",
                "result": [{"search_suggestions": "<a/>"}],
            },
        ),
        (
            {"type": "google_maps_call", "id": "m"},
            [{"type": "google_maps_call", "arguments": {"queries": ["cafe"]}}],
            {"type": "google_maps_call", "id": "m", "arguments": {"queries": ["cafe"]}},
        ),
        (
            {"type": "google_maps_result", "call_id": "m"},
            [
                {"type": "google_maps_result", "result": [{"places": []}]},
                {"type": "google_maps_result", "result": [{"widget_context_token": "w"}]},
            ],
            {
                "type": "google_maps_result",
                "call_id": "m",
                "result": [{"places": []}, {"widget_context_token": "w"}],
            },
        ),
        (
            {"type": "file_search_call", "id": "f"},
            [{"type": "file_search_call", "signature": "s"}],
            {"type": "file_search_call", "id": "f", "signature": "s"},
        ),
        (
            {"type": "file_search_result", "call_id": "f"},
            [{"type": "file_search_result", "result": [{"title": "t"}]}],
            {"type": "file_search_result", "call_id": "f", "result": [{"title": "t"}]},
        ),
        (
            {"type": "mcp_server_tool_call", "id": "p"},
            [
                {
                    "type": "mcp_server_tool_call",
                    "name": "forecast",
                    "server_name": "w",
                    "arguments": {"city": "Paris"},
                },
                {"type": "mcp_server_tool_call", "arguments": {"days": 2}},
            ],
            {
                "type": "mcp_server_tool_call",
                "id": "p",
                "name": "forecast",
                "server_name": "w",
                "arguments": {"city": "Paris", "days": 2},
            },
        ),
        (
            {"type": "mcp_server_tool_result", "call_id": "p"},
            [
                {"type": "mcp_server_tool_result", "result": [{"type": "text", "text": "18"}]},
                {"type": "mcp_server_tool_result", "result": [{"type": "text", "text": "°C"}]},
            ],
            {
                "type": "mcp_server_tool_result",
                "call_id": "p",
                "result": [{"type": "text", "text": "18"}, {"type": "text", "text": "°C"}],
            },
        ),
        (
            {"type": "function_result", "call_id": "c"},
            [
                {"type": "function_result", "result": "par", "name": "f"},
                {"type": "function_result", "result": "tial", "is_error": True},
            ],
            {
                "type": "function_result",
                "call_id": "c",
                "result": "partial",
                "name": "f",
                "is_error": True,
            },
        ),
        (
            {"type": "retrieval_call", "id": "r"},
            [
                {
                    "type": "retrieval_call",
                    "arguments": {"queries": ["x"]},
                    "retrieval_type": "rag_store",
                }
            ],
            {
                "type": "retrieval_call",
                "id": "r",
                "arguments": {"queries": ["x"]},
                "retrieval_type": "rag_store",
            },
        ),
        (
            {"type": "retrieval_result", "call_id": "r"},
            [{"type": "retrieval_result", "is_error": False, "signature": "s"}],
            {"type": "retrieval_result", "call_id": "r", "is_error": False, "signature": "s"},
        ),
        (
            {"type": "processing_call", "id": "x"},
            [{"type": "processing_call", "signature": "s"}],
            {"type": "processing_call", "id": "x", "signature": "s"},
        ),
        (
            {"type": "processing_result", "call_id": "x"},
            [{"type": "processing_result", "signature": "s"}],
            {"type": "processing_result", "call_id": "x", "signature": "s"},
        ),
    ],
)
def test_tool_delta_rules(
    start: dict[str, Any], deltas: list[dict[str, Any]], expected: dict[str, Any]
) -> None:
    assert fold_one(start, *deltas) == expected
    # without a step.start the step is synthesised from the delta type
    synthesised = fold_one(None, *deltas)
    assert synthesised["type"] == expected["type"]


def test_deltas_interleaved_across_indices_are_kept_apart() -> None:
    events = [
        {"event_type": "step.delta", "index": 2, "delta": {"type": "text", "text": "B1"}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "A1"}},
        {"event_type": "step.delta", "index": 2, "delta": {"type": "text", "text": "B2"}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "A2"}},
    ]
    steps = fold_events(events)["steps"]
    assert [s["content"][0]["text"] for s in steps] == ["A1A2", "B1B2"]


def test_usage_is_the_latest_total_never_a_sum() -> None:
    events = [
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "text", "text": "a"},
            "metadata": {"total_usage": {"total_tokens": 3}},
        },
        {
            "event_type": "step.stop",
            "index": 0,
            "usage": {"total_tokens": 5},
            "step_usage": {"total_tokens": 2},
        },
        {
            "event_type": "interaction.completed",
            "interaction": {"id": "i", "status": "completed", "usage": {"total_tokens": 9}},
        },
    ]
    folded = fold_events(events)
    assert folded["usage"] == {"total_tokens": 9}
    assert folded["steps"][0]["step_usage"] == {"total_tokens": 2}


def test_completed_snapshot_with_steps_wins() -> None:
    events = [
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "partial"}},
        {
            "event_type": "interaction.completed",
            "interaction": {
                "id": "i",
                "status": "completed",
                "steps": [{"type": "model_output", "content": [{"type": "text", "text": "whole"}]}],
            },
        },
    ]
    assert fold_events(events)["steps"][0]["content"][0]["text"] == "whole"


def out(*steps: dict[str, Any]) -> str:
    return to_interaction({"steps": list(steps)}, "2026-05-20").output_text


def text(t: str) -> dict[str, Any]:
    return {"type": "text", "text": t}


def test_output_text_rules() -> None:
    user = {"type": "user_input", "content": [text("question")]}
    thought = {"type": "thought", "signature": "s"}
    call = {"type": "function_call", "id": "c", "name": "f", "arguments": {}}
    image = {"type": "image", "data": "AA"}
    mo = lambda *c: {"type": "model_output", "content": list(c)}  # noqa: E731
    assert out() == ""
    assert out(user) == ""
    assert out(mo(text("A")), thought, mo(text("B"))) == "AB"  # across thoughts: joined
    assert out(mo(text("A")), call) == "A"  # text before a trailing call still counts
    assert out(mo(text("A"), image, text("B"))) == "B"  # text before an image does not
    assert out(mo(text("old")), user, mo(text("new"))) == "new"  # stops at user input
    assert out(mo(text("A")), call, mo(text("B"))) == "B"  # a call ends the walk
    search = {"type": "google_search_result", "call_id": "g", "result": []}
    assert out(search, mo(text("X"))) == "X"


def test_output_media_helpers() -> None:
    it = to_interaction(
        {
            "steps": [
                {
                    "type": "model_output",
                    "content": [
                        {"type": "image", "data": "1"},
                        {"type": "audio", "data": "2"},
                        {"type": "image", "data": "3"},
                    ],
                }
            ]
        },
        "2026-05-20",
    )
    assert it.output_image is not None and it.output_image.data == "3"
    assert it.output_audio is not None and it.output_audio.data == "2"
    assert it.output_video is None
