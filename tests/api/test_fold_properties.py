"""Property tests for everything that folds streams: splitting, resuming, replaying."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gemini_interactions.api import Client, Interaction
from gemini_interactions.api._sse import sse_payloads
from gemini_interactions.api.lowlevel import Fold, LegacyEventTranslator, fold_events

from .helpers import (
    KEY,
    TRANSCRIPTS,
    Recorder,
    frame,
    sse_response,
    text_stream_events,
)

ALL = sorted(p.name for p in TRANSCRIPTS.glob("*.sse") if not p.name.startswith("resume"))
texts = st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=30)


def fold_bytes(chunks: list[bytes]) -> dict[str, Any]:
    translator, fold = LegacyEventTranslator(), Fold()
    for payload in sse_payloads(chunks):
        fold.feed(translator.translate(payload))
    return fold.snapshot()


def split(raw: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(raw) + 1) for c in cuts})
    pieces, start = [], 0
    for p in points:
        pieces.append(raw[start:p])
        start = p
    pieces.append(raw[start:])
    return pieces


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(ALL), cuts=st.lists(st.integers(min_value=0), max_size=40))
def test_any_split_of_a_transcript_folds_the_same(name: str, cuts: list[int]) -> None:
    raw = (TRANSCRIPTS / name).read_bytes()
    assert fold_bytes(split(raw, cuts)) == fold_bytes([raw])


@settings(max_examples=60)
@given(
    pieces=texts,
    cuts=st.lists(st.integers(min_value=0), max_size=30),
    data_only=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
)
def test_any_split_any_framing_of_a_synthetic_stream(
    pieces: list[str], cuts: list[int], data_only: bool, newline: str, bom: bool
) -> None:
    raw = b"".join(
        frame(e, data_only=data_only, newline=newline) for e in text_stream_events(pieces)
    )
    if bom:
        raw = b"\xef\xbb\xbf" + raw
    reference = fold_events(text_stream_events(pieces))
    folded = fold_bytes(split(raw, cuts))
    assert folded == reference
    text = folded["steps"][0]["content"][0]["text"] if pieces != [""] * len(pieces) else ""
    assert text == "".join(pieces)
    assert folded["steps"][1]["arguments"] == {"q": "".join(pieces)}


@settings(max_examples=60, deadline=None)
@given(pieces=texts, cut=st.integers(min_value=0), partial=st.integers(min_value=0, max_value=40))
def test_a_stream_cut_anywhere_resumes_to_the_same_text(
    pieces: list[str], cut: int, partial: int
) -> None:
    """The connection drops after any event (even inside the next one); the client resumes with
    GET ?stream=true&last_event_id and ends with exactly the same interaction."""
    events = text_stream_events(pieces)
    blocks = [frame(e) for e in events]
    k = 1 + cut % len(blocks)  # at least interaction.created arrived, so the id is known
    head = blocks[:k]
    if k < len(blocks):
        head.append(blocks[k][: partial % len(blocks[k])])

    def resume(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET"
        assert request.url.params["stream"] == "true"
        last = request.url.params["last_event_id"]
        after = [b for e, b in zip(events, blocks, strict=True) if e["event_id"] > last]
        return sse_response(after)

    rec = Recorder(sse_response(head, drop=True), resume)
    client = Client(KEY, transport=rec.transport)
    with client.interactions.create(model="m", input="x", stream=True) as stream:
        seen = [e for e in stream]
    final = stream.interaction
    assert final.output_text == "".join(pieces) or (
        final.steps[0].content == [] and not "".join(pieces)
    )
    assert final.model_dump(exclude={"last_event_id"}) == (
        Client(KEY, transport=Recorder(sse_response(blocks)).transport)
        .interactions.create(model="m", input="x", stream=True)
        .until_done()
        .model_dump(exclude={"last_event_id"})
    )
    # every event was delivered exactly once
    assert [e.event_id for e in seen] == [e["event_id"] for e in events]
    assert stream.resumes == (0 if k == len(blocks) else 1)


@given(pieces=texts, replay_from=st.integers(min_value=0))
def test_replayed_events_change_nothing(pieces: list[str], replay_from: int) -> None:
    events = text_stream_events(pieces)
    start = replay_from % len(events)
    assert fold_events(events + events[start:]) == fold_events(events)


def test_legacy_and_steps_renderings_fold_to_equal_timelines() -> None:
    legacy = [
        {
            "event_type": "interaction.start",
            "interaction": {"id": "i1", "status": "in_progress", "role": "model"},
        },
        {"event_type": "content.start", "index": 0, "content": {"type": "thought"}},
        {
            "event_type": "content.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "Plan"}},
        },
        {
            "event_type": "content.delta",
            "index": 0,
            "delta": {"type": "thought_signature", "signature": "sig"},
        },
        {"event_type": "content.stop", "index": 0},
        {"event_type": "content.start", "index": 1, "content": {"type": "text"}},
        {"event_type": "content.delta", "index": 1, "delta": {"type": "text", "text": "Hi "}},
        {
            "event_type": "content.delta",
            "index": 1,
            "delta": {
                "type": "text",
                "text": "there",
                "annotations": [{"start_index": 0, "end_index": 2, "source": "https://a.example"}],
            },
        },
        {"event_type": "content.stop", "index": 1},
        {"event_type": "content.start", "index": 2, "content": {"type": "function_call"}},
        {
            "event_type": "content.delta",
            "index": 2,
            "delta": {"type": "function_call", "id": "fc", "name": "f", "arguments": {"a": 1}},
        },
        {"event_type": "content.stop", "index": 2},
        {
            "event_type": "interaction.complete",
            "interaction": {
                "id": "i1",
                "status": "requires_action",
                "outputs": [],
                "role": "model",
            },
        },
    ]
    steps = [
        {"event_type": "interaction.created", "interaction": {"id": "i1", "status": "in_progress"}},
        {"event_type": "step.start", "index": 0, "step": {"type": "thought"}},
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "Plan"}},
        },
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_signature", "signature": "sig"},
        },
        {"event_type": "step.stop", "index": 0},
        {"event_type": "step.start", "index": 1, "step": {"type": "model_output", "content": []}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "Hi "}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "there"}},
        {
            "event_type": "step.delta",
            "index": 1,
            "delta": {
                "type": "text_annotation_delta",
                "annotations": [
                    {
                        "type": "url_citation",
                        "start_index": 0,
                        "end_index": 2,
                        "url": "https://a.example",
                    }
                ],
            },
        },
        {"event_type": "step.stop", "index": 1},
        {
            "event_type": "step.start",
            "index": 2,
            "step": {"type": "function_call", "id": "fc", "name": "f", "arguments": {}},
        },
        {
            "event_type": "step.delta",
            "index": 2,
            "delta": {"type": "arguments_delta", "arguments": '{"a": 1}'},
        },
        {"event_type": "step.stop", "index": 2},
        {
            "event_type": "interaction.completed",
            "interaction": {"id": "i1", "status": "requires_action"},
        },
    ]
    translator = LegacyEventTranslator()
    from_legacy = fold_events(translator.translate(e) for e in legacy)
    assert from_legacy == fold_events(steps)
    assert translator.saw_legacy


def test_legacy_resource_and_steps_resource_are_the_same_interaction() -> None:
    from gemini_interactions.api.lowlevel import to_interaction

    legacy = {
        "id": "i2",
        "status": "completed",
        "role": "model",
        "outputs": [
            {"type": "thought", "signature": "s"},
            {"type": "text", "text": "A"},
            {"type": "image", "mime_type": "image/png", "data": "AAAA"},
            {
                "type": "google_search_result",
                "call_id": "g",
                "result": {"rendered_content": "<div/>", "url": "u"},
            },
        ],
    }
    steps = {
        "id": "i2",
        "status": "completed",
        "steps": [
            {"type": "thought", "signature": "s"},
            {
                "type": "model_output",
                "content": [
                    {"type": "text", "text": "A"},
                    {"type": "image", "mime_type": "image/png", "data": "AAAA"},
                ],
            },
            {
                "type": "google_search_result",
                "call_id": "g",
                "result": [{"search_suggestions": "<div/>", "url": "u"}],
            },
        ],
    }
    a = to_interaction(legacy, "2026-05-07")
    b = to_interaction(steps, "2026-05-07")
    assert a.steps == b.steps
    assert a.model_dump(mode="json") == b.model_dump(mode="json")


@given(
    text=st.text(max_size=20),
    index=st.integers(min_value=0, max_value=5),
    kind=st.sampled_from(["text", "arguments_delta"]),
    with_id=st.booleans(),
)
def test_fast_typed_events_equal_validated_ones(
    text: str, index: int, kind: str, with_id: bool
) -> None:
    from gemini_interactions.api._events import _EVENT_ADAPTER, parse_event

    field = "text" if kind == "text" else "arguments"
    payload: dict[str, Any] = {
        "event_type": "step.delta",
        "index": index,
        "delta": {"type": kind, field: text},
    }
    if with_id:
        payload["event_id"] = f"ev_{index}"
    fast, slow = parse_event(payload), _EVENT_ADAPTER.validate_python(payload)
    assert type(fast) is type(slow) and type(fast.delta) is type(slow.delta)
    assert fast == slow
    assert fast.model_dump(exclude_unset=True) == slow.model_dump(exclude_unset=True)
    assert fast.model_dump() == slow.model_dump()


@given(
    deltas=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2),
            st.sampled_from(["text", "arguments_delta"]),
            st.text(max_size=8),
            st.one_of(st.none(), st.integers(min_value=0, max_value=6)),
        ),
        max_size=30,
    )
)
def test_the_hot_delta_fold_equals_the_general_one(
    deltas: list[tuple[int, str, str, int | None]],
) -> None:
    """The stream folds nearly every event through ``Fold.feed_hot``: it must leave exactly
    what ``Fold.feed`` leaves, replayed event ids included."""
    from gemini_interactions.api._events import hot_delta_event

    general, hot = Fold(), Fold()
    for index, kind, text, event_id in deltas:
        field = "text" if kind == "text" else "arguments"
        payload: dict[str, Any] = {
            "event_type": "step.delta",
            "index": index,
            "delta": {"type": kind, field: text},
        }
        if event_id is not None:
            payload["event_id"] = f"ev_{event_id}"
        assert hot_delta_event(payload) is not None
        assert general.feed(payload) == hot.feed_hot(payload)
    for index in range(3):
        stop = {"event_type": "step.stop", "index": index}
        general.feed(stop)
        hot.feed(stop)
    assert general.snapshot() == hot.snapshot()
    assert general.last_event_id == hot.last_event_id


@settings(max_examples=80, deadline=None)
@given(pieces=texts, cut=st.integers(min_value=0))
def test_a_fold_resumed_from_a_saved_snapshot_ends_the_same(pieces: list[str], cut: int) -> None:
    """A stream folded up to any event, saved (as a chains file keeps it: JSON through the
    model) and resumed after its last event id in another process, ends exactly as the
    uninterrupted fold: every part once."""
    events = [{**e, "event_id": f"ev_{i:04d}"} for i, e in enumerate(text_stream_events(pieces))]
    k = 1 + cut % len(events)
    saved = Interaction.model_validate(Fold().feed_all(events[:k]).snapshot()).to_dict()
    resumed = Fold.resumed(json.loads(json.dumps(saved))).feed_all(events[k:]).snapshot()
    assert resumed == fold_events(events)
