"""Our own client (``gemini_interactions.api``) against the server, in both revisions,
in-process (sync and async transports) and over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from gemini_interactions.api import AsyncClient, Client, NotFoundError, RateLimitError
from gemini_interactions.server import (
    LEGACY_REVISION,
    STEPS_REVISION,
    FaultPlan,
    Fixture,
    LocalServer,
    OfflineModel,
    serve_in_thread,
)

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}
STORY = "Once upon a time, a small server answered every request it was sent."


def fixtures() -> list[Fixture]:
    return [
        Fixture(
            match={"user_text": "story"},
            steps=[{"thought": "Plot."}, {"text": STORY}],
            chunk_size=7,
        ),
        Fixture(
            match={"user_text": "flaky"},
            steps=[{"text": STORY}],
            chunk_size=5,
            faults=FaultPlan(
                drop_after_events=6,
                drops=2,
                malformed_after_events=3,
                unknown_event_after=4,
                http_status=503,
                fail_first=1,
                retry_after=0.01,
            ),
        ),
    ]


@pytest.fixture(params=["in-process", "http"])
def make_client(request: pytest.FixtureRequest) -> Iterator[Any]:
    server = LocalServer(fixtures=fixtures(), offline_model=OfflineModel(background_seconds=0.4))
    if request.param == "in-process":
        yield lambda revision: Client(
            api_key="test-key", transport=server.transport(), api_revision=revision
        )
    else:
        with serve_in_thread(server) as url:
            yield lambda revision: Client(api_key="test-key", base_url=url, api_revision=revision)


@pytest.mark.parametrize("revision", [STEPS_REVISION, LEGACY_REVISION])
def test_create_stream_chain_get_delete(make_client: Any, revision: str) -> None:
    with make_client(revision) as client:
        first = client.interactions.create(model="m", input="tell me a story")
        assert first.output_text == STORY and first.status == "completed"
        with client.interactions.create(model="m", input="another story", stream=True) as stream:
            kinds = [event.event_type for event in stream]
        assert stream.interaction.output_text == STORY
        assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
        second = client.interactions.create(
            model="m", input="What did I ask?", previous_interaction_id=first.id
        )
        assert "story" in second.output_text
        got = client.interactions.get(first.id)
        assert got.output_text == STORY
        client.interactions.delete(first.id)
        with pytest.raises(NotFoundError):
            client.interactions.get(first.id)


@pytest.mark.parametrize("revision", [STEPS_REVISION, LEGACY_REVISION])
def test_function_calling_round_trip(make_client: Any, revision: str) -> None:
    with make_client(revision) as client:
        asked = client.interactions.create(model="m", input="get_weather in Paris", tools=[WEATHER])
        assert asked.status == "requires_action"
        call = asked.steps[-1]
        assert call.name == "get_weather" and call.arguments == {"city": "Paris"}
        result = {
            "type": "function_result",
            "call_id": call.id,
            "name": "get_weather",
            "result": {"sky": "clear"},
        }
        answered = client.interactions.create(
            model="m", input=[result], tools=[WEATHER], previous_interaction_id=asked.id
        )
        assert answered.status == "completed" and "clear" in answered.output_text


@pytest.mark.parametrize("revision", [STEPS_REVISION, LEGACY_REVISION])
def test_faults_are_survived(make_client: Any, revision: str) -> None:
    with make_client(revision) as client:
        with client.interactions.create(model="m", input="flaky", stream=True) as stream:
            for _ in stream:
                pass
        assert stream.interaction.output_text == STORY
        assert stream.resumes == 2 and stream.retries == 1


def test_background_wait_and_cancel(make_client: Any) -> None:
    with make_client(STEPS_REVISION) as client:
        started = client.interactions.create(model="m", input="Research TPUs", background=True)
        assert started.status == "in_progress"
        done = client.interactions.wait(started.id, poll_interval=0.1)
        assert done.status == "completed" and "Offline report" in done.output_text
        other = client.interactions.create(
            agent="deep-research-preview-04-2026", input="Slow", background=True
        )
        assert client.interactions.cancel(other.id).status == "cancelled"


def test_rate_limit_surfaces_when_retries_are_off() -> None:
    server = LocalServer(faults=FaultPlan(http_status=429, fail_first=1, retry_after=0.01))
    with Client(api_key="k", transport=server.transport(), max_retries=0) as client:
        with pytest.raises(RateLimitError):
            client.interactions.create(model="m", input="x")
        assert client.interactions.create(model="m", input="x").status == "completed"


@pytest.mark.parametrize("revision", [STEPS_REVISION, LEGACY_REVISION])
def test_async_client_in_process(revision: str) -> None:
    server = LocalServer(fixtures=fixtures())

    async def run() -> tuple[str, str, int]:
        async with AsyncClient(
            api_key="k", transport=server.async_transport(), api_revision=revision
        ) as client:
            made = await client.interactions.create(model="m", input="story time")
            stream = await client.interactions.create(model="m", input="flaky", stream=True)
            async with stream:
                async for _ in stream:
                    pass
            return made.output_text, stream.interaction.output_text, stream.resumes

    assert asyncio.run(run()) == (STORY, STORY, 2)


def test_our_client_tolerates_unknown_fields_and_events() -> None:
    faults = FaultPlan(unknown_fields=True, unknown_event_after=0, unknown_step=True)
    server = LocalServer(fixtures=fixtures(), faults=faults)
    with Client(api_key="k", transport=server.transport()) as client:
        streamed = client.interactions.create(model="m", input="tell me a story", stream=True)
        final = streamed.until_done()
        stored = client.interactions.get(final.id)
    assert final.output_text == STORY == stored.output_text
    assert final.steps[0].type == "future_step_kind"
