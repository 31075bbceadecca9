"""Streams: byte-compatible framing, both revisions, both framings, resume, usage."""

from __future__ import annotations

from pathlib import Path

import httpx

from gemini_interactions.server import FakeClock, Fixture, LocalServer

from .helpers import PREFIX, client_for, create, parse_sse, text_of

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "data" / "transcripts"
HELLO = Fixture(
    id="v1_ChdUZXh0RXhhbXBsZQ",
    match={"user_text": "Say hello"},
    steps=[{"text": ["Hello", ", world!"]}],
    latency_ms=200,
    usage={
        "total_input_tokens": 6,
        "total_output_tokens": 4,
        "total_thought_tokens": 0,
        "total_tokens": 10,
    },
)


SAY_HELLO = {"model": "gemini-3-flash-preview", "input": "Say hello to the world."}


def hello_server() -> LocalServer:
    return LocalServer(fixtures=[HELLO], clock=FakeClock())


def test_reproduces_the_text_transcript_byte_for_byte() -> None:
    with client_for(hello_server()) as http:
        body = {
            "model": "gemini-3-flash-preview",
            "input": "Say hello to the world.",
            "stream": True,
        }
        raw = create(http, body).content
    assert raw == (TRANSCRIPTS / "text.sse").read_bytes()


def test_resume_after_ev_0004_matches_the_transcript() -> None:
    with client_for(hello_server()) as http:
        body = {
            "model": "gemini-3-flash-preview",
            "input": "Say hello to the world.",
            "stream": True,
        }
        create(http, body)
        query = {"last_event_id": "ev_0004", "stream": "true"}
        raw = http.get(f"{PREFIX}/v1_ChdUZXh0RXhhbXBsZQ", params=query).content
        assert raw == (TRANSCRIPTS / "resume_after_ev_0004.sse").read_bytes()
        whole = http.get(f"{PREFIX}/v1_ChdUZXh0RXhhbXBsZQ", params={"stream": "true"}).content
        assert whole == (TRANSCRIPTS / "text.sse").read_bytes()


def test_event_ids_increase_and_steps_balance(http: httpx.Client) -> None:
    tools = [{"type": "google_search"}, {"type": "code_execution"}]
    raw = create(http, {"model": "m", "input": "What is 6*7?", "tools": tools, "stream": True})
    events = parse_sse(raw.content)
    ids = [e["event_id"] for e in events]
    assert ids == [f"ev_{i:04d}" for i in range(1, len(ids) + 1)]
    starts = [e["index"] for e in events if e["event_type"] == "step.start"]
    stops = [e["index"] for e in events if e["event_type"] == "step.stop"]
    assert starts == stops == list(range(len(starts)))
    kinds = [e["step"]["type"] for e in events if e["event_type"] == "step.start"]
    assert kinds == [  # the grounded answer before its search steps, as Google sends it
        "thought",
        "code_execution_call",
        "code_execution_result",
        "model_output",
        "google_search_call",
        "google_search_result",
    ]
    assert "42" in text_of(events)
    notes = [e for e in events if e.get("delta", {}).get("type") == "text_annotation_delta"]
    assert [len(e["delta"]["annotations"]) for e in notes] == [2]
    assert len([e for e in events if e.get("delta", {}).get("type") == "text"]) > 3


def test_function_call_arguments_stream_as_string_fragments(http: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {"location": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
        "required": ["location"],
    }
    tools = [{"type": "function", "name": "get_weather", "parameters": schema}]
    body = {"model": "m", "input": "get_weather in Boston, MA", "tools": tools, "stream": True}
    events = parse_sse(create(http, body).content)
    fragments = [
        e["delta"]["arguments"]
        for e in events
        if e["event_type"] == "step.delta" and e["delta"]["type"] == "arguments_delta"
    ]
    assert len(fragments) > 1 and all(isinstance(f, str) for f in fragments)
    import json

    assert json.loads("".join(fragments)) == {"location": "Boston, MA", "unit": "celsius"}
    assert events[-1]["interaction"]["status"] == "requires_action"


def test_legacy_revision_streams_content_events_data_only(http: httpx.Client) -> None:
    tools = [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]
    body = {
        "model": "gemini-2.5-flash",
        "input": "call get_weather",
        "tools": tools,
        "stream": True,
    }
    raw = create(http, body, **{"Api-Revision": "2026-05-07"}).content
    assert b"event:" not in raw
    events = parse_sse(raw)
    kinds = [e["event_type"] for e in events]
    assert kinds[0] == "interaction.start" and kinds[-1] == "interaction.complete"
    assert set(kinds) <= {
        "interaction.start",
        "interaction.status_update",
        "content.start",
        "content.delta",
        "content.stop",
        "interaction.complete",
    }
    call = [e["delta"] for e in events if e.get("delta", {}).get("type") == "function_call"]
    assert call and isinstance(call[0]["arguments"], dict) and call[0]["name"] == "get_weather"
    final = events[-1]["interaction"]
    assert final["outputs"] == [] and final["role"] == "model"
    assert final["status"] == "requires_action"
    # The revision sticks to the interaction: a GET without the header still answers legacy.
    got = http.get(f"{PREFIX}/{final['id']}").json()
    assert "outputs" in got and "steps" not in got
    resumed = parse_sse(
        http.get(
            f"{PREFIX}/{final['id']}", params={"stream": "true", "last_event_id": "ev_0003"}
        ).content
    )
    assert resumed[0]["event_id"] == "ev_0004"
    assert resumed[-1]["event_type"] == "interaction.complete"


def test_later_revisions_and_no_header_speak_steps(http: httpx.Client) -> None:
    for headers in ({}, {"api-revision": "2026-05-20"}, {"API-REVISION": "2026-07-01"}):
        body = create(http, {"model": "m", "input": "x"}, **headers).json()
        assert "steps" in body and "outputs" not in body


def test_data_only_framing_option() -> None:
    with client_for(LocalServer(data_only_framing=True, clock=FakeClock())) as http:
        raw = create(http, {"model": "m", "input": "x", "stream": True}).content
    assert b"event:" not in raw and raw.startswith(b"data: {")
    assert parse_sse(raw)[-1]["event_type"] == "interaction.completed"


def test_step_start_payload_shapes(http: httpx.Client) -> None:
    events = parse_sse(create(http, {"model": "m", "input": "x", "stream": True}).content)
    created = events[0]
    assert created["interaction"]["status"] == "in_progress"
    assert created["interaction"]["object"] == "interaction"
    assert next(e["step"] for e in events if e["event_type"] == "step.start") == {"type": "thought"}
    completed = events[-1]["interaction"]
    assert completed["usage"]["total_tokens"] > 0
