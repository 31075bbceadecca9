"""Fixture files, matching rules, step shorthands, errors, chunking and continuation hops."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gemini_interactions.server import FakeClock, Fixture, LocalServer, load_fixtures

from .helpers import PREFIX, client_for, create, parse_sse, text_of

FIXTURES: dict[str, Any] = {
    "fixtures": [
        {
            "name": "first",
            "match": {"user_text": "weather", "turn": 1, "tools": ["get_weather"]},
            "steps": [
                {"thought": "Need the tool."},
                {
                    "function_call": {
                        "id": "fc_paris",
                        "name": "get_weather",
                        "arguments": {"city": "Paris"},
                    }
                },
            ],
        },
        {
            "name": "result",
            "match": {"call_id": "fc_paris"},
            "steps": [{"text": "Sunny, 21 °C in Paris."}],
        },
        {
            "name": "second-turn",
            "match": {"user_text": "weather", "turn": 2},
            "steps": [{"text": "Still sunny."}],
        },
        {
            "name": "regex",
            "match": {"user_regex": "^quota\\b"},
            "error": {"status": 429, "message": "Slow down.", "retry_after": 2},
        },
        {"name": "agent", "match": {"agent": "deep-research-*"}, "steps": [{"text": "Agent!"}]},
        {
            "name": "model",
            "match": {"model": "gemini-2.5-*", "user_text": "model match"},
            "steps": [{"text": "Matched on model."}],
        },
        {
            "name": "legacy",
            "match": {"revision": "legacy", "user_text": "which revision"},
            "steps": [{"text": "legacy"}],
        },
        {"name": "steps", "match": {"user_text": "which revision"}, "steps": [{"text": "steps"}]},
        {
            "name": "once",
            "match": {"user_text": "only once"},
            "times": 1,
            "steps": [{"text": "the fixture"}],
        },
        {
            "name": "rich",
            "match": {"user_text": "everything"},
            "chunk_size": 3,
            "latency_ms": 100,
            "steps": [
                {
                    "google_search": {
                        "queries": ["euro 2024 winner"],
                        "sources": [{"url": "https://www.uefa.com/", "title": "uefa"}],
                    }
                },
                {"text": "Spain won."},
                {"code_execution": {"code": "print(1)", "output": "1\n"}},
                {"url_context": {"urls": ["https://a.example"]}},
                {"type": "future_step_kind", "payload": {"x": 1}},
                {"text": "Done."},
            ],
        },
        {
            "name": "hops",
            "match": {"user_text": "long story"},
            "continuation_hops": 3,
            "steps": [{"text": "Chapter 1. It was a dark and stormy night."}],
        },
    ]
}
WEATHER_TOOL = [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]


@pytest.fixture
def fixture_file(tmp_path: Path) -> Path:
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(FIXTURES), encoding="utf-8")
    return path


@pytest.fixture
def fx(fixture_file: Path) -> httpx.Client:
    return client_for(LocalServer(fixtures=[fixture_file], clock=FakeClock()))


def answer(response: httpx.Response) -> str:
    return str(response.json()["steps"][-1]["content"][0]["text"])


def test_tool_round_trip_by_turn_and_call_id(fx: httpx.Client) -> None:
    first = create(fx, {"model": "m", "input": "weather in Paris?", "tools": WEATHER_TOOL}).json()
    assert first["status"] == "requires_action"
    assert first["steps"][1]["id"] == "fc_paris"
    result = {"type": "function_result", "call_id": "fc_paris", "result": "sunny"}
    body = {"model": "m", "input": [result], "previous_interaction_id": first["id"]}
    second = create(fx, body)
    assert answer(second) == "Sunny, 21 °C in Paris."
    third = create(
        fx,
        {
            "model": "m",
            "input": "and the weather now?",
            "previous_interaction_id": second.json()["id"],
        },
    )
    assert answer(third) == "Still sunny."


def test_declared_tools_are_required(fx: httpx.Client) -> None:
    # Without the tool, "first" does not match; the offline model answers instead.
    posted = create(fx, {"model": "m", "input": "weather in Paris?"}).json()
    assert "Offline demo" in posted["steps"][-1]["content"][0]["text"]


def test_error_fixture_with_retry_after(fx: httpx.Client) -> None:
    response = create(fx, {"model": "m", "input": "quota please"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.json()["error"] == {
        "code": 429,
        "message": "Slow down.",
        "status": "RESOURCE_EXHAUSTED",
    }


def test_model_agent_revision_and_times(fx: httpx.Client) -> None:
    agent = {"agent": "deep-research-pro-preview-12-2025", "input": "x", "background": True}
    iid = create(fx, agent).json()["id"]
    assert answer(fx.get(f"{PREFIX}/{iid}")) == "Agent!"
    assert answer(create(fx, {"model": "gemini-2.5-pro", "input": "model match"})) == (
        "Matched on model."
    )
    assert "Offline" in answer(create(fx, {"model": "gemini-3-pro", "input": "model match"}))
    assert answer(create(fx, {"model": "m", "input": "which revision?"})) == "steps"
    legacy = create(
        fx, {"model": "m", "input": "which revision?"}, **{"api-revision": "2026-05-07"}
    )
    assert legacy.json()["outputs"][-1]["text"] == "legacy"
    assert answer(create(fx, {"model": "m", "input": "only once"})) == "the fixture"
    assert "Offline" in answer(create(fx, {"model": "m", "input": "only once"}))


def test_step_shorthands_chunking_and_latency(fixture_file: Path) -> None:
    clock = FakeClock()
    with client_for(LocalServer(fixtures=[fixture_file], clock=clock)) as http:
        start = clock.now()
        raw = create(http, {"model": "m", "input": "everything", "stream": True}).content
        events = parse_sse(raw)
        assert clock.now() - start >= 0.1 * (len(events) - 2) - 1e-3
        steps = http.get(f"{PREFIX}/{events[0]['interaction']['id']}").json()["steps"][1:]
    assert [s["type"] for s in steps] == [
        "google_search_call",
        "google_search_result",
        "model_output",
        "code_execution_call",
        "code_execution_result",
        "url_context_call",
        "url_context_result",
        "future_step_kind",
        "model_output",
    ]
    note = steps[2]["content"][0]["annotations"][0]
    assert note == {
        "type": "url_citation",
        "url": "https://www.uefa.com/",
        "title": "uefa",
        "start_index": 0,
        "end_index": len(b"Spain won."),
    }
    texts = [e["delta"]["text"] for e in events if e.get("delta", {}).get("type") == "text"]
    assert texts[:4] == ["Spa", "in ", "won", "."]
    assert text_of(events) == "Spain won.Done."
    assert any(e.get("delta", {}).get("type") == "text_annotation_delta" for e in events)


def test_continuation_hops(fx: httpx.Client) -> None:
    events = parse_sse(create(fx, {"model": "m", "input": "a long story", "stream": True}).content)
    final = events[-1]["interaction"]
    assert final["status"] == "requires_continuation"
    checkpoints = [e for e in events if e.get("continuation_token")]
    assert checkpoints and checkpoints[0]["event_type"] == "interaction.status_update"
    text, token, owner = text_of(events), final["continuation_token"], final["id"]
    hops = 1
    while token:
        body = {"model": "m", "previous_interaction_id": owner, "continuation_token": token}
        hop = create(fx, body).json()
        assert hop["id"] != owner and hop["previous_interaction_id"] == owner
        text += hop["steps"][-1]["content"][0]["text"]
        token, owner = hop.get("continuation_token"), hop["id"]
        hops += 1
    assert hops == 3 and hop["status"] == "completed"
    assert text == "Chapter 1. It was a dark and stormy night."


def test_continuation_token_needs_its_owner(fx: httpx.Client) -> None:
    first = create(fx, {"model": "m", "input": "long story"}).json()
    other = create(fx, {"model": "m", "input": "hi"}).json()
    bad = {
        "model": "m",
        "previous_interaction_id": other["id"],
        "continuation_token": first["continuation_token"],
    }
    assert create(fx, bad).status_code == 400


def test_bad_fixture_files_fail_loudly(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"match": {"usr_text": "x"}}]))
    with pytest.raises(ValueError, match="usr_text"):
        load_fixtures(path)
    path.write_text(json.dumps([{"steps": [{"nonsense": 1}]}]))
    # A bad step fails when the file is loaded, not as a 500 at the first request.
    with pytest.raises(ValueError, match="not understood"):
        LocalServer(fixtures=[path])
    with pytest.raises(ValueError, match="turn"):
        Fixture(match={"turn": "1"}, steps=[{"text": "a"}])


def test_yaml_fixtures_when_pyyaml_is_installed(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "fx.yaml"
    path.write_text(yaml.safe_dump(FIXTURES))
    assert len(load_fixtures(path)) == len(FIXTURES["fixtures"])


def test_fixture_objects_in_python() -> None:
    server = LocalServer(fixtures=[Fixture(match={"user_text": "ping"}, steps=[{"text": "pong"}])])
    with client_for(server) as http:
        assert answer(create(http, {"model": "m", "input": "ping"})) == "pong"


def test_continuation_without_storage_resends_the_input(fx: httpx.Client) -> None:
    body = {"model": "m", "input": "long story", "store": False}
    first = create(fx, body).json()
    assert first["status"] == "requires_continuation"
    hop = create(fx, {**body, "continuation_token": first["continuation_token"]}).json()
    assert hop["status"] == "requires_continuation" and hop["id"] != first["id"]


def test_fixtures_script_image_and_audio_answers() -> None:
    steps = [
        {"image": {"bar_chart": [2, 7, 1]}, "caption": "Your chart:"},
        {"audio": {"tone_seconds": 0.5}},
    ]
    server = LocalServer(fixtures=[Fixture(match={"user_text": "media"}, steps=steps)])
    with client_for(server) as http:
        raw = create(http, {"model": "m", "input": "media please", "stream": True}).content
    events = parse_sse(raw)
    media = [e["delta"] for e in events if e.get("delta", {}).get("type") in ("image", "audio")]
    assert [(d["type"], d["mime_type"]) for d in media] == [
        ("image", "image/png"),
        ("audio", "audio/wav"),
    ]
    assert text_of(events) == "Your chart:"
