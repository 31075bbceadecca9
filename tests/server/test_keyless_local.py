"""The README's in-process recipe needs no key; over HTTP the server still asks for one."""

from __future__ import annotations

import asyncio
import os

import pytest

from gemini_interactions.api import AsyncClient, AuthenticationError, Client, MissingAPIKeyError
from gemini_interactions.server import LocalServer, serve_in_thread


def _no_key_anywhere() -> None:
    # The autouse fixture of tests/conftest.py removed them; make the premise explicit.
    assert "GEMINI_API_KEY" not in os.environ and "GOOGLE_API_KEY" not in os.environ


def test_in_process_recipe_works_without_a_key() -> None:
    _no_key_anywhere()
    server = LocalServer()
    with Client(transport=server.transport()) as client:
        answer = client.interactions.create(model="gemini-3-flash-preview", input="Hello")
        with client.interactions.create(
            model="gemini-3-flash-preview",
            input="And again",
            previous_interaction_id=answer.id,
            stream=True,
        ) as stream:
            events = [event.event_type for event in stream]
        fetched = client.interactions.get(stream.interaction.id or "")
    assert answer.status == "completed" and "offline" in answer.output_text.lower()
    assert events[-1] == "interaction.completed"
    assert fetched.previous_interaction_id == answer.id
    assert all("x-goog-api-key" not in r.headers for r in server.requests)


def test_async_in_process_recipe_works_without_a_key() -> None:
    _no_key_anywhere()

    async def run() -> str:
        async with AsyncClient(transport=LocalServer().async_transport()) as client:
            answer = await client.interactions.create(model="m", input="Hello")
        return answer.status or ""

    assert asyncio.run(run()) == "completed"


def test_http_face_still_asks_for_a_key() -> None:
    _no_key_anywhere()
    with serve_in_thread(LocalServer()) as url:
        with (
            Client(base_url=url, max_retries=0) as keyless,
            pytest.raises(AuthenticationError, match="401"),
        ):
            keyless.interactions.create(model="m", input="Hello")
        with Client("any-key", base_url=url, max_retries=0) as keyed:
            assert keyed.interactions.create(model="m", input="Hello").status == "completed"


def test_in_process_can_still_demand_a_key() -> None:
    with (
        Client(transport=LocalServer(require_auth=True).transport(), max_retries=0) as client,
        pytest.raises(AuthenticationError),
    ):
        client.interactions.create(model="m", input="Hello")


def test_live_default_still_needs_a_key() -> None:
    _no_key_anywhere()
    with pytest.raises(MissingAPIKeyError, match="GEMINI_API_KEY"):
        Client()
