"""Every recorded transcript (``tests/data/transcripts``, whose README gives the request behind
each) folds to the interaction pinned here."""

from __future__ import annotations

from typing import Any

import pytest

from gemini_interactions.api import Client, Interaction

from .helpers import KEY, Recorder, sse_response, transcript


def stream_transcript(name: str, revision: str = "2026-05-20") -> Interaction:
    rec = Recorder(sse_response([transcript(name)]))
    client = Client(KEY, transport=rec.transport, api_revision=revision, auto_continue=False)
    with client.interactions.create(model="m", input="x", stream=True) as stream:
        events = list(stream)
    assert events, "a transcript yields events"
    return stream.interaction


def dump_steps(it: Interaction) -> list[dict[str, Any]]:
    return [s.to_dict() for s in it.steps]


def test_text() -> None:
    it = stream_transcript("text.sse")
    assert it.status == "completed"
    assert dump_steps(it) == [
        {"type": "model_output", "content": [{"type": "text", "text": "Hello, world!"}]}
    ]
    assert it.output_text == "Hello, world!"
    assert it.usage is not None and it.usage.total_tokens == 10
    assert it.last_event_id == "ev_0007"
    assert it.id == "v1_ChdUZXh0RXhhbXBsZQ"


def test_thought_then_text() -> None:
    it = stream_transcript("thought_then_text.sse")
    steps = dump_steps(it)
    assert steps[0] == {
        "type": "thought",
        "summary": [{"type": "text", "text": "**Checking the arithmetic**\n\n17 times 3 is 51."}],
        "signature": "CiQBVKhc7tSig0001",
    }
    assert steps[1]["type"] == "model_output"
    assert steps[1]["content"] == [{"type": "text", "text": "17 × 3 = 51."}]
    assert it.output_text == "17 × 3 = 51."


def test_function_call() -> None:
    it = stream_transcript("function_call.sse")
    assert it.status == "requires_action"
    assert dump_steps(it)[1] == {
        "type": "function_call",
        "id": "fc_7h2k",
        "name": "get_weather",
        "arguments": {"location": "Boston, MA", "unit": "fahrenheit"},
    }
    assert [c.name for c in it.function_calls] == ["get_weather"]


def test_google_search() -> None:
    it = stream_transcript("google_search.sse")
    assert len(it.steps) == 3
    assert it.output_text == "Spain won Euro 2024, beating England 2-1 in the final."
    block = dump_steps(it)[2]["content"][0]
    assert [a["type"] for a in block["annotations"]] == ["url_citation"]
    assert it.usage is not None and it.usage.grounding_tool_count is not None


def test_code_execution() -> None:
    it = stream_transcript("code_execution.sse")
    steps = dump_steps(it)
    assert steps[1]["type"] == "code_execution_result"
    assert steps[1]["result"] == "5050\n"
    assert it.output_text == "The sum of 1..100 is 5050."


def test_error_midstream_keeps_partial_text() -> None:
    it = stream_transcript("error_midstream.sse")
    assert it.output_text == "Here is the first part of a long ans"
    assert it.status == "failed"
    assert it.error_event is not None and it.error_event.code == "resource_exhausted"


def test_continuation_hop_final_token_wins() -> None:
    it = stream_transcript("continuation_hop.sse")
    assert it.status == "requires_continuation"
    assert it.continuation_token == "Y2twdDoy"


def test_legacy_text() -> None:
    it = stream_transcript("legacy_outputs_text.sse", revision="2026-05-07")
    assert dump_steps(it) == [
        {"type": "model_output", "content": [{"type": "text", "text": "Hi there!"}]}
    ]
    assert it.revision == "2026-05-07"


def test_legacy_function_call() -> None:
    it = stream_transcript("legacy_outputs_function_call.sse", revision="2026-05-07")
    assert dump_steps(it) == [
        {"type": "thought", "signature": "CiQBLegacySig01"},
        {
            "type": "function_call",
            "id": "fc_abc123",
            "name": "get_weather",
            "arguments": {"location": "Boston, MA"},
        },
    ]
    assert it.status == "requires_action"


@pytest.mark.parametrize(
    "name",
    [
        "text.sse",
        "thought_then_text.sse",
        "function_call.sse",
        "google_search.sse",
        "code_execution.sse",
        "error_midstream.sse",
        "continuation_hop.sse",
        "legacy_outputs_text.sse",
        "legacy_outputs_function_call.sse",
    ],
)
def test_snapshot_round_trips(name: str) -> None:
    it = stream_transcript(name)
    again = Interaction.model_validate(it.model_dump(mode="json", exclude_unset=True))
    assert again == it


def test_resume_transcript_completes_the_cut_text_stream() -> None:
    from .helpers import split_events

    blocks = split_events(transcript("text.sse"))
    head = blocks[:4]  # up to and including ev_0004
    rec = Recorder(
        sse_response(head, drop=True), sse_response([transcript("resume_after_ev_0004.sse")])
    )
    stream = Client(KEY, transport=rec.transport).interactions.create(
        model="m", input="x", stream=True
    )
    it = stream.until_done()
    assert it == stream_transcript("text.sse")
    assert rec.requests[1].url.params["last_event_id"] == "ev_0004"
    assert stream.resumes == 1


def test_done_sentinel_ends_the_stream() -> None:
    from .helpers import split_events

    blocks = [*split_events(transcript("text.sse"))[:5], b"data: [DONE]\n\n", b"data: {}\n\n"]
    rec = Recorder(sse_response(blocks))
    it = (
        Client(KEY, transport=rec.transport)
        .interactions.create(model="m", input="x", stream=True)
        .until_done()
    )
    assert it.output_text == "Hello, world!"
    assert len(rec.requests) == 1


def test_closing_a_stream_early_releases_the_connection() -> None:
    import httpx

    closed: list[bool] = []

    class Body(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield transcript("text.sse")[:400]
            yield b"event: step.delta\n"

        def close(self) -> None:
            closed.append(True)

    rec = Recorder(
        httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Body())
    )
    client = Client(KEY, transport=rec.transport)
    with client.interactions.create(model="m", input="x", stream=True) as stream:
        first = next(iter(stream))
        assert first.event_type == "interaction.created"
    assert closed == [True]
