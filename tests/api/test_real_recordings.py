"""Recordings of Google's real service (tests/data/real, origins in its README), served by a real
HTTP server on 127.0.0.1 and read by our client: every event, step, delta, content block and
annotation comes out typed (none falls to an ``Unknown*`` class) and exactly as recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gemini_interactions.api import (
    LEGACY_REVISION,
    Client,
    Event,
    GoogleSearchCallStep,
    GoogleSearchResultStep,
    ImageContent,
    Interaction,
    InteractionCreatedEvent,
    InteractionStatusUpdateEvent,
    ModelOutputStep,
    StepDeltaEvent,
    StepStartEvent,
    TextContent,
    UnknownAnnotation,
    UnknownContent,
    UnknownEvent,
    UnknownStep,
    UrlCitation,
)
from gemini_interactions.api._base import WireModel
from gemini_interactions.api.lowlevel import UnknownDelta
from real_recordings import REAL, served, sse_body
from real_recordings import events as lines
from scripted_http import Exchange, scripted_server

KEY = "AIzaSy-TEST-SECRET-KEY-0123456789"
UNKNOWN = (UnknownEvent, UnknownDelta, UnknownStep, UnknownContent, UnknownAnnotation)


def replay(name: str, revision: str = "2026-05-20") -> tuple[list[Event], Interaction]:
    with (
        served(name) as url,
        Client(KEY, base_url=url, api_revision=revision, auto_continue=False) as client,
    ):
        assert url.startswith("http://127.0.0.1:")
        with client.interactions.create(model="gemini-2.5-flash", input="x", stream=True) as s:
            events = list(s)
        return events, s.interaction


def walk(value: Any) -> Iterator[Any]:
    """Every typed model inside ``value`` (depth first), the value itself included."""
    if isinstance(value, WireModel):
        yield value
        for name in type(value).model_fields:
            yield from walk(getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from walk(item)


def untyped(value: Any) -> list[str]:
    return [
        type(m).__name__ + f"({getattr(m, 'type', None) or getattr(m, 'event_type', None)})"
        for m in walk(value)
        if isinstance(m, UNKNOWN)
    ]


STREAMS = [
    "basic.chunks.txt",
    "google-search.chunks.txt",
    "tool-call-step1.chunks.txt",
    "tool-call-step2.chunks.txt",
    "multi-turn-stateful-turn2.chunks.txt",
]


@pytest.mark.parametrize("name", STREAMS)
def test_every_event_of_a_real_stream_is_typed(name: str) -> None:
    events, interaction = replay(name)
    assert len(events) == len(lines(name))
    assert untyped(events) == [] and untyped(interaction) == []
    # interaction.status_update follows interaction.created, and no event carries an id
    assert isinstance(events[0], InteractionCreatedEvent)
    assert isinstance(events[1], InteractionStatusUpdateEvent)
    assert events[1].status == "in_progress"
    assert all(e.event_id is None for e in events)
    assert interaction.model == "gemini-2.5-flash"


@pytest.mark.parametrize("name", ["basic.json", "google-search.json", "structured-output.json"])
def test_a_real_body_round_trips_exactly(name: str) -> None:
    data = json.loads((REAL / name).read_text("utf-8"))
    interaction = Interaction.model_validate(data)
    assert untyped(interaction) == []
    assert interaction.to_dict() == data  # nothing lost, renamed or added (service_tier, object)


def test_real_grounded_answer_keeps_every_citation_and_the_order_it_came_in() -> None:
    events, it = replay("google-search.chunks.txt")
    recorded = lines("google-search.chunks.txt")
    text = "".join(e["delta"]["text"] for e in recorded if e.get("delta", {}).get("type") == "text")
    # the answer (index 1) streams before the search call (2) and result (3)
    starts = [e.index for e in events if isinstance(e, StepStartEvent)]
    assert starts == [0, 1, 2, 3]
    assert [s.type for s in it.steps] == [
        "thought",
        "model_output",
        "google_search_call",
        "google_search_result",
    ]
    assert it.output_text == text
    answer = it.steps[1]
    assert isinstance(answer, ModelOutputStep)
    block = answer.content[0]
    assert isinstance(block, TextContent)
    citations = block.annotations or []
    assert len(citations) == 14 and all(isinstance(a, UrlCitation) for a in citations)
    urls = {a.url for a in citations if isinstance(a, UrlCitation)}
    assert len(urls) == 8
    assert all(
        u.startswith("https://vertexaisearch.cloud.google.com/grounding-api-redirect/")
        for u in urls
        if u
    )
    recorded_annotations = next(
        e["delta"]["annotations"]
        for e in recorded
        if e.get("delta", {}).get("type") == "text_annotation_delta"
    )
    assert [a.to_dict() for a in citations] == recorded_annotations
    # the search queries arrive in a delta, not at step.start
    call, result = it.steps[2], it.steps[3]
    assert isinstance(call, GoogleSearchCallStep) and isinstance(result, GoogleSearchResultStep)
    assert call.queries[0] == "notable AI developments last week May 8-15 2026"
    assert len(call.queries) == 4
    # the result carries Google's chip HTML only: no titles, no URLs
    recorded_result = next(
        e["delta"]["result"]
        for e in recorded
        if e.get("delta", {}).get("type") == "google_search_result"
    )
    assert result.to_dict()["result"] == recorded_result
    assert all(list(r) == ["search_suggestions"] for r in recorded_result)
    chips = result.search_suggestions
    assert len(chips) == len(recorded_result) == 8
    assert all(c.startswith("<style>") and ".chip" in c for c in chips)
    assert it.usage is not None and it.usage.total_tool_use_tokens is not None


def test_real_function_call_and_its_answer() -> None:
    _, call = replay("tool-call-step1.chunks.txt")
    assert call.status == "requires_action"
    assert [(c.name, c.arguments) for c in call.function_calls] == [
        ("getWeather", {"location": "San Francisco"})
    ]
    _, answer = replay("tool-call-step2.chunks.txt")
    assert answer.status == "completed"
    assert answer.output_text == (
        "The weather in San Francisco right now is sunny with a temperature of 27 degrees Celsius."
    )


def test_real_non_ascii_answer_is_kept() -> None:
    _, it = replay("multi-turn-stateful-turn2.chunks.txt")
    assert "Antoni Gaudí" in it.output_text
    assert it.usage is not None and it.usage.total_thought_tokens == 391


def test_real_legacy_image_answer_is_an_image_content() -> None:
    events, it = replay("legacy-image-output.chunks.txt", LEGACY_REVISION)
    assert untyped(events) == [] and untyped(it) == []
    assert it.revision == LEGACY_REVISION
    assert it.model == "gemini-3-pro-image-preview"
    image = it.output_image
    assert isinstance(image, ImageContent)
    assert image.mime_type == "image/jpeg"
    assert image.data == "__IMAGE_DATA_TRUNCATED__"  # Vercel's placeholder, kept as sent
    media = [e for e in events if isinstance(e, StepDeltaEvent) and e.delta is not None]
    assert any(e.delta is not None and e.delta.type == "image" for e in media)
    assert it.usage is not None and it.usage.output_tokens_by_modality is not None
    assert it.usage.output_tokens_by_modality[0].modality == "image"


def test_the_async_client_reads_a_real_stream_the_same() -> None:
    import asyncio

    from gemini_interactions.api import AsyncClient

    body = sse_body("google-search.chunks.txt")
    _, expected = replay("google-search.chunks.txt")

    def answer(exchange: Exchange) -> None:
        exchange.send(200, {"content-type": "text/event-stream"}, body)

    async def run(url: str) -> tuple[int, Interaction]:
        async with AsyncClient(KEY, base_url=url, auto_continue=False) as client:
            stream = await client.interactions.create(model="m", input="x", stream=True)
            async with stream:
                events = [e async for e in stream]
            return len(events), stream.interaction

    with scripted_server(answer) as server:
        count, it = asyncio.run(run(server.url))  # type: ignore[attr-defined]
    assert count == len(lines("google-search.chunks.txt"))
    assert it.to_dict() == expected.to_dict()
