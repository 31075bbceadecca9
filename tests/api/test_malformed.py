"""A server (or an old recording) that sends fields of the wrong shape never crashes the client,
and never costs the user the parts of the answer that were well formed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gemini_interactions.api import Client, Interaction, StepDeltaEvent, StreamDroppedError
from gemini_interactions.api.lowlevel import fold_events, parse_event

from .helpers import KEY, Recorder, frame, json_response, sse_response, text_stream_events

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
FIELDS = ["index", "delta", "interaction", "event_type", "event_id", "step", "error", "usage"]
NESTED = ["text", "type", "arguments", "status", "steps", "content", "usage", "id"]


def stream_of(events: list[dict[str, Any]]) -> tuple[list[Any], Interaction]:
    """The events a user sees and the final interaction; a stream whose terminal event was
    unreadable ends as a dropped one, with the partial interaction on the error."""
    raw = b"".join(frame(e, data_only=True) for e in events)
    client = Client(KEY, transport=Recorder(sse_response([raw])).transport, auto_resume=False)
    seen: list[Any] = []
    with client.interactions.create(model="m", input="x", stream=True) as stream:
        try:
            seen.extend(stream)
        except StreamDroppedError as exc:
            assert isinstance(exc.interaction, Interaction)
            return seen, exc.interaction
    return seen, stream.interaction


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(min_value=0),
    field=st.sampled_from(FIELDS),
    nested=st.sampled_from([None, *NESTED]),
    value=json_values,
)
def test_one_malformed_field_anywhere_never_crashes_a_stream(
    which: int, field: str, nested: str | None, value: Any
) -> None:
    events = text_stream_events(["Hello", ", ", "world"])
    event = events[which % len(events)]
    if nested is not None and isinstance(event.get(field), dict):
        event[field][nested] = value
    else:
        event[field] = value
    seen, interaction = stream_of(events)
    assert isinstance(interaction, Interaction)
    assert len(seen) <= len(events)
    interaction.output_text  # noqa: B018 - derived values must not crash either


@pytest.mark.parametrize(
    "bad",
    [
        {"event_type": "step.delta", "index": "abc", "delta": {"type": "text", "text": "?"}},
        {"event_type": "step.delta", "index": [1], "delta": {"type": "text", "text": "?"}},
        {"event_type": "step.delta", "index": 0, "delta": "not an object"},
        {"event_type": "step.start", "index": 0, "step": "not an object"},
        {"event_type": "interaction.status_update", "status": 5, "usage": "lots"},
        {"event_type": 7},
        {"event_type": "error", "error": {"code": [1], "message": 5}},
        {"event_type": "step.stop", "index": 0, "usage": "x", "metadata": "y"},
    ],
)
def test_a_malformed_event_is_yielded_typed_and_the_answer_survives(bad: dict[str, Any]) -> None:
    events = text_stream_events(["Hello", ", ", "world"])
    events.insert(3, bad)
    seen, interaction = stream_of(events)
    if bad.get("event_type") == "error":
        # an error event ends the stream: what a server sends after it is read, not shown
        assert len(seen) == 4 and seen[-1].event_type == "error"
    else:
        assert len(seen) == len(events)
    if bad.get("event_type") != "error":
        # a delta whose index is unreadable goes to the step started last
        assert interaction.output_text.replace("?", "") == "Hello, world"


def test_odd_indices_are_read_as_numbers_or_the_last_started_step() -> None:
    snapshot = fold_events(
        [
            {"event_type": "step.start", "index": 0, "step": {"type": "thought"}},
            {"event_type": "step.start", "index": "1", "step": {"type": "model_output"}},
            {"event_type": "step.delta", "index": 1.0, "delta": {"type": "text", "text": "a"}},
            {"event_type": "step.delta", "delta": {"type": "text", "text": "b"}},
            {"event_type": "step.delta", "index": "x", "delta": {"type": "text", "text": "c"}},
        ]
    )
    assert [s["type"] for s in snapshot["steps"]] == ["thought", "model_output"]
    assert snapshot["steps"][1]["content"] == [{"type": "text", "text": "abc"}]


def test_non_string_fragments_and_content_of_the_wrong_shape() -> None:
    snapshot = fold_events(
        [
            {
                "event_type": "step.start",
                "index": 0,
                "step": {"type": "model_output", "content": "Hi"},
            },
            {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": None}},
            {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": 5}},
            {"event_type": "step.delta", "index": 0, "delta": {"type": "text_annotation_delta"}},
            {"event_type": "step.start", "index": 1, "step": {"type": "function_call"}},
            {
                "event_type": "step.delta",
                "index": 1,
                "delta": {"type": "arguments_delta", "arguments": {"a": 1}},
            },
            {"event_type": "step.stop", "index": 1},
            {
                "event_type": "step.delta",
                "index": 2,
                "delta": {"type": "thought_summary", "content": "hm"},
            },
        ]
    )
    assert snapshot["steps"][0]["content"] == [{"type": "text", "text": "Hi5", "annotations": []}]
    assert snapshot["steps"][1]["arguments"] == {"a": 1}
    assert snapshot["steps"][2]["summary"] == [{"type": "text", "text": "hm"}]


def test_a_resource_with_a_malformed_field_keeps_the_rest() -> None:
    body = {
        "id": "v1_x",
        "status": "completed",
        "usage": {"total_tokens": "many", "total_input_tokens": 3},
        "steps": [
            "not a step",
            {"type": "model_output", "content": [{"type": "text", "text": "kept"}, 42]},
        ],
    }
    client = Client(KEY, transport=Recorder(json_response(body)).transport)
    it = client.interactions.get("v1_x")
    assert it.output_text == "kept"
    assert it.usage is not None and it.usage.total_input_tokens == 3
    assert Interaction.model_validate({"id": "a", "steps": "x"}).steps == []


def test_the_typed_event_of_a_well_formed_payload_is_unchanged() -> None:
    payload = {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "a"}}
    event = parse_event(json.loads(json.dumps(payload)))
    assert isinstance(event, StepDeltaEvent) and event.delta.text == "a"
