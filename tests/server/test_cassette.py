"""Record mode (a proxy to a second local server) and replay: identical bytes, no credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gemini_interactions.server import Cassette, FakeClock, Fixture, LocalServer, serve_in_thread

from .helpers import KEY, PREFIX, create

BEARER = "ya29.a0-very-secret-oauth-token"
SECRET_TOOL = [
    {
        "type": "mcp_server",
        "name": "w",
        "url": "https://mcp.example",
        "headers": {"Authorization": f"Bearer {BEARER}"},
    },
    {
        "type": "retrieval",
        "retrieval_types": ["exa_ai_search"],
        "exa_ai_search_config": {"api_key": "exa-secret-key-123"},
    },
]


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    fixtures = [Fixture(match={"user_text": "fixture"}, steps=[{"text": "from the upstream"}])]
    with serve_in_thread(LocalServer(fixtures=fixtures, clock=FakeClock(), seed=3)) as url:
        yield url


def session(http: httpx.Client) -> list[bytes]:
    """A little conversation; returns every response body in order."""
    bodies = []
    first = create(http, {"model": "m", "input": "hello fixture"})
    bodies.append(first.content)
    iid = first.json()["id"]
    streamed = create(http, {"model": "m", "input": "What is 2*21?", "stream": True})
    assert streamed.headers["content-type"].startswith("text/event-stream")
    bodies.append(streamed.content)
    chained = {"model": "m", "input": "again", "previous_interaction_id": iid, "tools": SECRET_TOOL}
    bodies.append(create(http, chained).content)
    bodies.append(http.get(f"{PREFIX}/{iid}", params={"stream": "true"}).content)
    bodies.append(http.get(f"{PREFIX}/{iid}").content)
    missing = http.get(f"{PREFIX}/v1_missing")
    assert missing.status_code == 404
    bodies.append(missing.content)
    bodies.append(http.delete(f"{PREFIX}/{iid}").content)
    return bodies


def secret_client(transport: Any = None, base_url: str = "http://local.test") -> httpx.Client:
    return httpx.Client(
        transport=transport,
        base_url=base_url,
        headers={"x-goog-api-key": KEY, "authorization": f"Bearer {BEARER}"},
        params={"key": KEY},
    )


def check_no_secrets(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    for secret in (KEY, BEARER, "exa-secret-key-123"):
        assert secret not in text
    data: dict[str, Any] = json.loads(text)
    request = data["exchanges"][0]["request"]
    assert request["headers"]["x-goog-api-key"] == "REDACTED"
    assert request["headers"]["authorization"] == "REDACTED"
    assert ["key", "REDACTED"] in request["query"]
    return data


@pytest.mark.parametrize("face", ["in-process", "http"])
def test_record_then_replay_gives_identical_bytes(upstream: str, tmp_path: Path, face: str) -> None:
    path = tmp_path / "session.json"
    recorder = LocalServer(record=path, upstream=upstream)
    if face == "in-process":
        with secret_client(recorder.transport()) as http:
            recorded = session(http)
    else:
        with serve_in_thread(recorder) as url, secret_client(base_url=url) as http:
            recorded = session(http)
    # The proxy passed the upstream's answers through unchanged.
    assert b"from the upstream" in recorded[0]
    data = check_no_secrets(path)
    assert len(data["exchanges"]) == 7
    # Byte for byte, except where the upstream echoed a credential back (the tools).
    expected = [scrubbed(body) for body in recorded]
    assert expected[0] == recorded[0] and expected[1] == recorded[1]
    replayer = LocalServer(cassette=path)
    with secret_client(replayer.transport()) as http:
        assert session(http) == expected
    with (
        serve_in_thread(LocalServer(cassette=Cassette.load(path))) as url,
        secret_client(base_url=url) as http,
    ):
        assert session(http) == expected


def scrubbed(body: bytes) -> bytes:
    for secret in (BEARER, "exa-secret-key-123"):
        body = body.replace(secret.encode(), b"REDACTED")
    return body


def test_unrecorded_requests_fall_through_to_the_offline_model(
    upstream: str, tmp_path: Path
) -> None:
    path = tmp_path / "c.json"
    with secret_client(LocalServer(record=path, upstream=upstream).transport()) as http:
        create(http, {"model": "m", "input": "hello fixture"})
    replay = LocalServer(cassette=path)
    with secret_client(replay.transport()) as http:
        assert (
            b"from the upstream" in create(http, {"model": "m", "input": "hello fixture"}).content
        )
        other = create(http, {"model": "m", "input": "something new"}).json()
        assert other["model"].startswith("offline-demo")


def test_fixtures_win_over_the_cassette(upstream: str, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    with secret_client(LocalServer(record=path, upstream=upstream).transport()) as http:
        create(http, {"model": "m", "input": "hello fixture"})
    fixture = Fixture(match={"user_text": "fixture"}, steps=[{"text": "local fixture"}])
    with secret_client(LocalServer(cassette=path, fixtures=[fixture]).transport()) as http:
        assert b"local fixture" in create(http, {"model": "m", "input": "hello fixture"}).content


def test_record_mode_needs_both_halves(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="upstream"):
        LocalServer(record=tmp_path / "x.json")


def test_unreachable_upstream_is_a_502(tmp_path: Path) -> None:
    server = LocalServer(record=tmp_path / "x.json", upstream="http://127.0.0.1:9")
    with secret_client(server.transport()) as http:
        response = create(http, {"model": "m", "input": "x"})
    assert response.status_code == 502
    assert response.json()["error"]["status"] == "UNAVAILABLE"


def test_strict_replay_explains_a_request_that_was_not_recorded(
    upstream: str, tmp_path: Path
) -> None:
    path = tmp_path / "c.json"
    with secret_client(LocalServer(record=path, upstream=upstream).transport()) as http:
        create(http, {"model": "m", "input": "hello fixture"})
    replay = LocalServer(cassette=path, strict_cassette=True)
    with secret_client(replay.transport()) as http:
        assert (
            b"from the upstream" in create(http, {"model": "m", "input": "hello fixture"}).content
        )
        miss = create(http, {"model": "m", "input": "hello fixture!", "store": True})
        assert miss.status_code == 400
        error = miss.json()["error"]
        assert error["status"] == "FAILED_PRECONDITION"
        assert "differ in: input, store" in error["message"]


def test_a_legacy_recording_does_not_answer_a_steps_request(upstream: str, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    legacy = {"Api-Revision": "2026-05-07"}
    with secret_client(LocalServer(record=path, upstream=upstream).transport()) as http:
        recorded = create(http, {"model": "m", "input": "hello fixture"}, **legacy)
        assert "outputs" in recorded.json()
    with secret_client(LocalServer(cassette=path, strict_cassette=True).transport()) as http:
        assert create(http, {"model": "m", "input": "hello fixture"}, **legacy).json() == (
            recorded.json()
        )
        steps = create(http, {"model": "m", "input": "hello fixture"})
        assert steps.status_code == 400 and "Api-Revision" in steps.json()["error"]["message"]
        # No header and a later revision both mean "steps": the same recorded request.
        later = {"Api-Revision": "2026-06-01"}
        assert create(http, {"model": "m", "input": "hello fixture"}, **later).status_code == 400
