"""Each wire fact is written once, in ``api``, and the local server speaks by it: create fields,
revision ids, API versions and what each status means."""

from __future__ import annotations

import httpx
import pytest

from gemini_interactions.api import LEGACY_REVISION, STEPS_REVISION, Client, ConfigurationError
from gemini_interactions.api._wire import (
    CREATE_FIELDS,
    RUNNING_STATUSES,
    SETTLED_STATUSES,
    TERMINAL_STATUSES,
)
from gemini_interactions.server import FakeClock, Fixture, LocalServer
from gemini_interactions.server._validate import FIELD_TYPES

from .helpers import BASE, KEY


def test_status_sets_follow_the_spec() -> None:
    assert {"queued", "in_progress"} == RUNNING_STATUSES
    assert {
        "completed",
        "failed",
        "cancelled",
        "incomplete",
        "budget_exceeded",
    } == TERMINAL_STATUSES
    # requires_action ends a turn, requires_continuation a hop, idle (google-genai 3.6) waits for
    # the next input: settled, but not terminal.
    assert {"requires_action", "requires_continuation", "idle"} == (
        SETTLED_STATUSES - TERMINAL_STATUSES
    )
    assert not RUNNING_STATUSES & SETTLED_STATUSES


def test_a_budget_exceeded_interaction_is_over_for_the_server_too() -> None:
    # The server once had its own status set without budget_exceeded: such an interaction had no
    # usage on GET, and a cancel rewrote it as cancelled.
    clock = FakeClock()
    fixture = Fixture(match={"user_text": "budget"}, steps=[{"text": "Partial."}])
    fixture.status = "budget_exceeded"
    server = LocalServer(fixtures=[fixture], clock=clock)
    with Client(transport=server.transport(), max_retries=0) as client:
        created = client.interactions.create(model="m", input="over budget")
        assert created.status == "budget_exceeded"
        clock.advance(5)
        assert client.interactions.cancel(created.id or "").status == "budget_exceeded"
        fetched = client.interactions.get(created.id or "")
    assert fetched.status == "budget_exceeded"
    assert fetched.usage is not None


def test_create_fields_are_one_list_for_client_and_server() -> None:
    assert set(FIELD_TYPES) <= set(CREATE_FIELDS)  # the server types only fields that exist
    with httpx.Client(transport=LocalServer().transport(), base_url=BASE) as http:
        for name in CREATE_FIELDS:
            # Every field the client may send is one the server knows (it may still refuse
            # the value, but never the name).
            body = {"model": "m", "input": "hi", name: None}
            answer = http.post("/v1/interactions", json=body)
            assert "Unknown name" not in answer.text, name
        unknown = http.post("/v1/interactions", json={"model": "m", "input": "hi", "temp": 1})
    assert unknown.status_code == 400
    assert 'Unknown name "temp"' in unknown.json()["error"]["message"]
    with pytest.raises(ConfigurationError, match="unknown argument 'temp'"):
        Client(KEY).interactions.build_request(model="m", input="hi", temp=1)


@pytest.mark.parametrize("version", ["v1", "v1beta"])
@pytest.mark.parametrize(
    ("header", "legacy"),
    [(None, False), (STEPS_REVISION, False), (LEGACY_REVISION, True)],
)
def test_server_answers_both_paths_and_revisions(
    version: str, header: str | None, legacy: bool
) -> None:
    headers = {"x-goog-api-key": KEY} | ({"api-revision": header} if header else {})
    with httpx.Client(transport=LocalServer().transport(), base_url=BASE) as http:
        body = http.post(
            f"/{version}/interactions", json={"model": "m", "input": "hi"}, headers=headers
        )
    assert body.status_code == 200
    resource = body.json()
    # No header: the steps revision, as the API has answered since general availability.
    assert ("outputs" in resource) is legacy
    assert ("steps" in resource) is not legacy


@pytest.mark.parametrize("api_version", [None, "v1beta"])
@pytest.mark.parametrize("revision", [None, LEGACY_REVISION])
def test_our_client_on_the_default_or_beta_path_in_either_revision(
    api_version: str | None, revision: str | None
) -> None:
    server = LocalServer()
    with Client(
        transport=server.transport(), api_version=api_version, api_revision=revision
    ) as client:
        answer = client.interactions.create(model="m", input="Hello")
        with client.interactions.create(model="m", input="Hi", stream=True) as stream:
            streamed = stream.until_done()
    assert answer.output_text and streamed.output_text
    assert answer.revision == streamed.revision == (revision or STEPS_REVISION)
    paths = {r.path for r in server.requests}
    assert paths == {f"/{api_version or 'v1'}/interactions"}
    sent = {r.headers.get("api-revision") for r in server.requests}
    assert sent == {revision}
