"""Every route, the auth rule and the validation rules of a create request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gemini_interactions.server import LocalServer

from .helpers import BASE, KEY, PREFIX, client_for, create

M = {"model": "gemini-3-flash-preview"}


def google_error(response: httpx.Response, code: int) -> dict[str, Any]:
    assert response.status_code == code, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["status"].isupper()
    return error


@pytest.mark.parametrize(
    "prefix",
    [
        "/v1beta",
        "/v1",
        "/v1alpha",
        "/v1beta1",
        "/v1beta1/projects/p/locations/us-central1",
    ],
)
def test_every_route_under_every_prefix(http: httpx.Client, prefix: str) -> None:
    created = http.post(f"{prefix}/interactions", json={**M, "input": "hi"})
    assert created.status_code == 200
    iid = created.json()["id"]
    assert http.get(f"{prefix}/interactions/{iid}").json()["id"] == iid
    assert http.get(f"{prefix}/interactions/{iid}", params={"stream": "false"}).status_code == 200
    cancelled = http.post(f"{prefix}/interactions/{iid}/cancel")
    assert cancelled.json()["status"] == "completed"  # finished: returned unchanged
    assert http.delete(f"{prefix}/interactions/{iid}").json() == {}
    google_error(http.get(f"{prefix}/interactions/{iid}"), 404)


def test_unknown_routes_answer_google_404(http: httpx.Client) -> None:
    assert google_error(http.get("/v2/interactions"), 404)["status"] == "NOT_FOUND"
    google_error(http.get("/v1beta/models"), 404)
    google_error(http.put(f"{PREFIX}/abc"), 404)
    google_error(http.get(PREFIX), 404)  # there is no list endpoint


def test_health_needs_no_key(server: LocalServer) -> None:
    with httpx.Client(transport=server.transport(), base_url=BASE) as bare:
        assert bare.get("/health").json() == {"status": "ok"}


def test_auth_accepts_key_header_query_or_bearer() -> None:
    server = LocalServer(require_auth=True)  # the in-process transport asks for none by default
    with httpx.Client(transport=server.transport(), base_url=BASE) as bare:
        body = {**M, "input": "hi"}
        assert google_error(bare.post(PREFIX, json=body), 401)["status"] == "UNAUTHENTICATED"
        assert bare.post(PREFIX, json=body, params={"key": KEY}).status_code == 200
        bearer = {"authorization": "Bearer ya29.token"}
        assert bare.post(PREFIX, json=body, headers=bearer).status_code == 200
        assert bare.post(PREFIX, json=body, headers={"authorization": "Bearer "}).status_code == 401


def test_auth_can_be_switched_off() -> None:
    with httpx.Client(transport=LocalServer(require_auth=False).transport(), base_url=BASE) as c:
        assert c.post(PREFIX, json={**M, "input": "hi"}).status_code == 200


def test_post_returns_outputs_get_returns_timeline(http: httpx.Client) -> None:
    posted = create(http, {**M, "input": "Tell me a joke."}).json()
    assert posted["object"] == "interaction"
    assert posted["status"] == "completed"
    assert [s["type"] for s in posted["steps"]] == ["thought", "model_output"]
    got = http.get(f"{PREFIX}/{posted['id']}").json()
    assert got["steps"][0] == {
        "type": "user_input",
        "content": [{"type": "text", "text": "Tell me a joke."}],
    }
    assert got["steps"][1:] == posted["steps"]
    assert got["usage"]["total_tokens"] == sum(
        v for k, v in got["usage"].items() if k.startswith("total_") and k != "total_tokens"
    )
    assert "input" not in got
    with_input = http.get(f"{PREFIX}/{posted['id']}", params={"include_input": "true"}).json()
    assert with_input["input"] == "Tell me a joke."


def test_previous_interaction_id_chains_and_echoes(http: httpx.Client, server: LocalServer) -> None:
    first = create(http, {**M, "input": "Hi, my name is Phil."}).json()
    second = create(
        http, {**M, "input": "What is my name?", "previous_interaction_id": first["id"]}
    )
    answer = second.json()
    assert answer["previous_interaction_id"] == first["id"]
    assert "Phil" in answer["steps"][-1]["content"][0]["text"]
    assert server.requests[-1].json["previous_interaction_id"] == first["id"]


def test_unknown_previous_id_is_404(http: httpx.Client) -> None:
    response = create(http, {**M, "input": "x", "previous_interaction_id": "v1_nope"})
    assert "v1_nope" in google_error(response, 404)["message"]


def test_store_false_is_answered_but_not_kept(http: httpx.Client) -> None:
    posted = create(http, {**M, "input": "hi", "store": False})
    assert posted.status_code == 200
    iid = posted.json()["id"]
    google_error(http.get(f"{PREFIX}/{iid}"), 404)
    google_error(create(http, {**M, "input": "again", "previous_interaction_id": iid}), 404)


def test_deleted_id_cannot_be_chained(http: httpx.Client) -> None:
    iid = create(http, {**M, "input": "hi"}).json()["id"]
    http.delete(f"{PREFIX}/{iid}")
    google_error(create(http, {**M, "input": "x", "previous_interaction_id": iid}), 404)
    google_error(http.delete(f"{PREFIX}/{iid}"), 404)
    google_error(http.post(f"{PREFIX}/{iid}/cancel"), 404)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"input": "x"}, "model"),
        ({"model": "m", "agent": "a", "input": "x", "background": True}, "model"),
        ({"agent": "a", "input": "x", "background": True, "generation_config": {}}, "agent"),
        ({"model": "m", "input": "x", "agent_config": {"type": "dynamic"}}, "agent"),
        ({"model": "m", "input": "x", "store": False, "background": True}, "background"),
        ({"agent": "a", "input": "x"}, "background"),
        ({"model": "m", "input": "x", "diarization": 1}, 'Unknown name "diarization"'),
        ({"model": "m"}, "input"),
        ({"model": "m", "input": [{"role": "user", "content": "hi"}]}, "Role-based"),
        ({"model": "m", "input": 5}, "input"),
        ({"model": "m", "input": "x", "continuation_token": "bogus"}, "continuation_token"),
        # Wrong JSON types are a 400 that names the field (they used to crash with a 500).
        ({"model": "m", "input": "x", "tools": [1]}, "tools[0]"),
        ({"model": "m", "input": "x", "tools": [{"type": "function"}]}, "needs a 'name'"),
        ({"model": "m", "input": "x", "generation_config": "fast"}, "'generation_config'"),
        ({"model": 3, "input": "x"}, "'model'"),
        ({"model": "m", "input": "x", "store": "no"}, "'store'"),
        ({"model": "m", "input": "x", "stream": 1}, "'stream'"),
        ({"model": "m", "input": "x", "previous_interaction_id": 5}, "previous_interaction_id"),
        ({"model": "m", "input": "x", "response_format": "json"}, "'response_format'"),
        ({"model": "m", "input": "x", "response_format": ["json"]}, "'response_format'"),
        ({"model": "m", "input": [{"type": "user_input", "content": "hi"}]}, "'content'"),
        ({"model": "m", "input": [{"type": 3}]}, "'type'"),
    ],
)
def test_validation_rules(http: httpx.Client, body: dict[str, Any], needle: str) -> None:
    assert needle in google_error(create(http, body), 400)["message"]


def test_invalid_json_is_400(http: httpx.Client) -> None:
    response = http.post(PREFIX, content=b"{not json", headers={"content-type": "application/json"})
    assert "Invalid JSON" in google_error(response, 400)["message"]
    google_error(http.post(PREFIX, content=b"[1, 2]"), 400)


def test_function_result_must_answer_an_open_call(http: httpx.Client) -> None:
    tools = [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]
    first = create(http, {**M, "input": "Use get_weather please", "tools": tools}).json()
    assert first["status"] == "requires_action"
    call = first["steps"][-1]
    wrong = {"type": "function_result", "call_id": "fc_wrong", "result": "x"}
    body = {**M, "tools": tools, "previous_interaction_id": first["id"], "input": [wrong]}
    assert "fc_wrong" in google_error(create(http, body), 400)["message"]
    right = {"type": "function_result", "call_id": call["id"], "name": "get_weather", "result": 1}
    body["input"] = [right]
    assert create(http, body).json()["status"] == "completed"
    # Stateless: the call travels in the input itself.
    stateless = [
        {"type": "user_input", "content": [{"type": "text", "text": "weather?"}]},
        call,
        right,
    ]
    assert create(http, {**M, "store": False, "input": stateless}).status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        "plain string",
        {"type": "text", "text": "one content object"},
        {"text": "content without type"},
        [
            {"type": "text", "text": "a"},
            {"type": "image", "mime_type": "image/png", "data": "AA=="},
        ],
        [{"type": "user_input", "content": [{"type": "text", "text": "step list"}]}],
        [
            {"type": "user_input", "content": [{"type": "text", "text": "Hi, I am Phil."}]},
            {"type": "model_output", "content": [{"type": "text", "text": "Hi Phil!"}]},
            {"type": "future_step_kind", "x": 1},
            {"type": "user_input", "content": [{"type": "text", "text": "My name?"}]},
        ],
    ],
)
def test_every_input_shape(http: httpx.Client, value: Any) -> None:
    posted = create(http, {**M, "input": value})
    assert posted.status_code == 200, posted.text
    timeline = http.get(f"{PREFIX}/{posted.json()['id']}").json()["steps"]
    assert any(s["type"] == "user_input" for s in timeline)


def test_role_turns_are_accepted_in_legacy(http: httpx.Client) -> None:
    turns = [
        {"role": "user", "content": [{"type": "text", "text": "Hello"}]},
        {"role": "model", "parts": [{"type": "text", "text": "Hi there!"}]},
        {"role": "user", "content": "Tell me a joke"},
    ]
    legacy = {"api-revision": "2026-05-07"}
    posted = create(http, {"model": "gemini-2.5-flash", "input": turns}, **legacy)
    assert posted.status_code == 200, posted.text
    body = posted.json()
    assert body["role"] == "model" and "outputs" in body and "steps" not in body
    assert body["outputs"][-1]["type"] == "text"


def test_unknown_last_event_id_is_400(http: httpx.Client) -> None:
    iid = create(http, {**M, "input": "hi"}).json()["id"]
    response = http.get(f"{PREFIX}/{iid}", params={"stream": "true", "last_event_id": "ev_9999"})
    google_error(response, 400)


def test_requests_are_recorded_with_credentials_redacted(server: LocalServer) -> None:
    with client_for(server, authorization="Bearer ya29.secret-token") as http:
        http.post(PREFIX, json={**M, "input": "hi"}, params={"key": KEY})
    seen = server.requests[-1]
    assert seen.method == "POST" and seen.path == PREFIX
    assert seen.json == {**M, "input": "hi"}
    assert seen.headers["x-goog-api-key"] == "REDACTED"
    assert seen.headers["authorization"] == "REDACTED"
    assert ("key", "REDACTED") in seen.query
    assert KEY not in repr(server.requests)


def test_legacy_function_result_inside_a_user_turn(http: httpx.Client) -> None:
    legacy = {"api-revision": "2026-05-07"}
    tools = [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]
    asked = create(http, {**M, "input": "please lookup x", "tools": tools}, **legacy).json()
    call = asked["outputs"][-1]
    assert call["type"] == "function_call"
    turn = {
        "role": "user",
        "content": [
            {"type": "function_result", "call_id": call["id"], "name": "lookup", "result": "42"}
        ],
    }
    body = {**M, "tools": tools, "previous_interaction_id": asked["id"], "input": [turn]}
    answered = create(http, body, **legacy).json()
    assert answered["status"] == "completed" and "42" in answered["outputs"][-1]["text"]


def test_a_server_bug_is_a_google_500_not_a_dropped_connection(server: LocalServer) -> None:
    class Broken:
        def respond(self, turn: Any) -> Any:
            raise RuntimeError("boom with key AIzaSyA0123456789abcdefghijklmnopqrstuv")

    server.engine.responders.insert(0, Broken())
    with client_for(server) as http:
        error = google_error(create(http, {**M, "input": "x"}), 500)
    assert error["status"] == "INTERNAL"
    assert "RuntimeError: boom" in error["message"] and "AIza" not in error["message"]
