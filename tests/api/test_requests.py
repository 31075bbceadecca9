"""What goes on the wire for each kind of request: path, headers, body (spec sections 2 and 3)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from gemini_interactions.api import STEPS_REVISION, Client, ConfigurationError

from .helpers import KEY, Recorder, json_response

DONE = {"id": "v1_x", "status": "completed", "steps": []}


def send(**params: Any) -> tuple[Recorder, dict[str, Any]]:
    rec = Recorder(lambda r: json_response(DONE))
    Client(KEY, transport=rec.transport).interactions.create(**params)
    return rec, rec.body()


def test_plain_string_create_path_and_headers() -> None:
    rec, body = send(model="gemini-3-flash-preview", input="What is the capital of France?")
    req = rec.requests[0]
    assert req.method == "POST"
    # Since GA: the v1 path and no Api-Revision header, as the official SDK 3.x sends.
    assert str(req.url) == "https://generativelanguage.googleapis.com/v1/interactions"
    assert req.headers["x-goog-api-key"] == KEY
    assert "api-revision" not in req.headers
    assert req.headers["accept"] == "application/json"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["user-agent"].startswith("gemini-interactions/")
    assert body == {"model": "gemini-3-flash-preview", "input": "What is the capital of France?"}


def test_multimodal_content_list() -> None:
    content = [
        {"text": "What is in this picture?"},
        {"type": "image", "mime_type": "image/png", "data": "iVBORw0KGgo="},
        {"type": "document", "uri": "https://example.com/a.pdf", "mime_type": "application/pdf"},
    ]
    _, body = send(model="m", input=content)
    assert body["input"][0] == {"type": "text", "text": "What is in this picture?"}
    assert body["input"][1:] == content[1:]


def test_function_results_with_tools_and_previous_id() -> None:
    tools = [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Current weather",
            "parameters": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        }
    ]
    results = [
        {
            "type": "function_result",
            "call_id": "fc_7h2k",
            "name": "get_weather",
            "result": {"temp_f": 72, "sky": "sunny"},
        }
    ]
    _, body = send(model="m", previous_interaction_id="v1_prev", tools=tools, input=results)
    assert body == {
        "model": "m",
        "previous_interaction_id": "v1_prev",
        "tools": tools,
        "input": results,
    }


def test_system_instruction_generation_config_response_format() -> None:
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    _, body = send(
        model="m",
        input="x",
        system_instruction="Be brief.",
        generation_config={
            "thinking_level": "low",
            "thinking_summaries": "auto",
            "max_output_tokens": 100,
            "temperature": 0.2,
        },
        response_format={"type": "text", "mime_type": "application/json", "schema": schema},
    )
    assert body["system_instruction"] == "Be brief."
    assert body["generation_config"]["thinking_level"] == "low"
    assert body["response_format"]["schema"] == schema


def test_pydantic_models_are_accepted_as_json_objects() -> None:
    class Tool(BaseModel):
        type: str = "google_search"

    _, body = send(model="m", input="x", tools=[Tool(), {"type": "code_execution"}])
    assert body["tools"] == [{"type": "code_execution"}] or body["tools"][1] == {
        "type": "code_execution"
    }


def test_background_agent() -> None:
    rec = Recorder(lambda r: json_response({"id": "v1_bg", "status": "in_progress"}))
    it = Client(KEY, transport=rec.transport).interactions.create(
        agent="deep-research-preview-04-2026",
        input="Research TPUs.",
        background=True,
        agent_config={"type": "deep-research", "thinking_summaries": "auto"},
    )
    assert it.status == "in_progress"
    assert rec.body() == {
        "agent": "deep-research-preview-04-2026",
        "input": "Research TPUs.",
        "background": True,
        "agent_config": {"type": "deep-research", "thinking_summaries": "auto"},
    }


def test_stream_create_sets_stream_and_accept() -> None:
    from .helpers import sse_response, transcript

    rec = Recorder(sse_response([transcript("text.sse")]))
    Client(KEY, transport=rec.transport).interactions.create(
        model="m", input="x", stream=True
    ).until_done()
    assert rec.body()["stream"] is True
    assert rec.requests[0].headers["accept"] == "text/event-stream"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"model": "m", "agent": "a", "input": "x"}, "'model' or 'agent'"),
        ({"agent": "a", "generation_config": {}, "input": "x"}, "generation_config"),
        ({"input": "x"}, "model="),
        ({"model": "m"}, "input="),
        ({"model": "m", "input": "x", "store": False, "background": True}, "store=False"),
    ],
)
def test_client_side_validation(params: dict[str, Any], message: str) -> None:
    rec = Recorder(lambda r: json_response(DONE))
    with pytest.raises(ConfigurationError, match=message):
        Client(KEY, transport=rec.transport).interactions.create(**params)
    assert rec.requests == []


def test_unknown_top_level_fields_go_through_extra_body() -> None:
    _, body = send(model="m", input="x", extra_body={"future_field": {"a": 1}})
    assert body["future_field"] == {"a": 1}


def test_get_cancel_delete_paths() -> None:
    rec = Recorder(lambda r: json_response(DONE if r.method != "DELETE" else {}))
    client = Client(KEY, transport=rec.transport)
    client.interactions.get("v1_x")
    client.interactions.get("v1_x", include_input=True)
    client.interactions.cancel("v1_x")
    client.interactions.delete("v1_x")
    urls = [(r.method, str(r.url)) for r in rec.requests]
    base = "https://generativelanguage.googleapis.com/v1/interactions/v1_x"
    assert urls == [
        ("GET", base + "?stream=false"),
        ("GET", base + "?include_input=true&stream=false"),
        ("POST", base + "/cancel"),
        ("DELETE", base),
    ]
    assert rec.requests[2].content == b""
    assert "content-type" not in rec.requests[2].headers


def test_get_stream_resume_query_order() -> None:
    from .helpers import sse_response, transcript

    rec = Recorder(sse_response([transcript("resume_after_ev_0004.sse")]))
    Client(KEY, transport=rec.transport).interactions.get(
        "v1_x", stream=True, last_event_id="ev_0004", include_input=True
    ).until_done()
    assert rec.requests[0].url.query == b"include_input=true&last_event_id=ev_0004&stream=true"
    assert rec.requests[0].headers["accept"] == "text/event-stream"


def test_bad_interaction_id_is_refused_before_sending() -> None:
    rec = Recorder(lambda r: json_response(DONE))
    with pytest.raises(ConfigurationError):
        Client(KEY, transport=rec.transport).interactions.get("../../etc")
    assert rec.requests == []


def test_build_request_is_exact_and_redacted() -> None:
    client = Client(KEY)
    req = client.interactions.build_request(model="m", input="hi", tools=[{"type": "url_context"}])
    assert req["method"] == "POST"
    assert req["url"].endswith("/v1/interactions")
    assert "api-revision" not in req["headers"]
    assert req["json"] == {"model": "m", "input": "hi", "tools": [{"type": "url_context"}]}
    assert req["headers"]["x-goog-api-key"] == "***"
    assert KEY not in repr(req)


def test_legacy_revision_header_is_configurable() -> None:
    rec = Recorder(
        lambda r: json_response(
            {
                "id": "i",
                "status": "completed",
                "role": "model",
                "outputs": [{"type": "text", "text": "hi"}],
            }
        )
    )
    it = Client(KEY, transport=rec.transport, api_revision="2026-05-07").interactions.create(
        model="m", input="x"
    )
    assert rec.requests[0].headers["api-revision"] == "2026-05-07"
    assert it.output_text == "hi"
    assert it.revision == "2026-05-07"


def test_steps_revision_header_is_sent_when_asked_and_answers_read_as_steps() -> None:
    rec = Recorder(lambda r: json_response(DONE))
    sent = Client(KEY, transport=rec.transport, api_revision=STEPS_REVISION)
    assert sent.interactions.create(model="m", input="x").revision == STEPS_REVISION
    assert rec.requests[0].headers["api-revision"] == STEPS_REVISION
    # Without the header the API speaks steps, and the interaction says so.
    unsent = Client(KEY, transport=rec.transport).interactions.create(model="m", input="x")
    assert "api-revision" not in rec.requests[1].headers
    assert unsent.revision == STEPS_REVISION
    assert (
        "api-revision"
        not in Client(KEY).interactions.build_request(model="m", input="x")["headers"]
    )


def test_non_stream_create_answered_with_a_stream_is_folded() -> None:
    from .helpers import sse_response, transcript

    rec = Recorder(sse_response([transcript("text.sse")]))
    it = Client(KEY, transport=rec.transport).interactions.create(model="m", input="x")
    assert "stream" not in rec.body()
    assert it.output_text == "Hello, world!" and it.status == "completed"


def test_timeouts_default_to_no_read_timeout_and_are_configurable() -> None:
    import httpx

    rec = Recorder(lambda r: json_response(DONE))
    Client(KEY, transport=rec.transport).interactions.create(model="m", input="x")
    default = rec.requests[-1].extensions["timeout"]
    assert default["connect"] == 10.0 and default["read"] is None  # a create answers when done
    Client(KEY, transport=rec.transport).interactions.get("v1_x")
    assert rec.requests[-1].extensions["timeout"]["read"] == 60.0  # a poll may stall: bounded
    Client(KEY, transport=rec.transport, timeout=3.0).interactions.get("v1_x")
    assert rec.requests[-1].extensions["timeout"]["connect"] == 3.0
    custom = httpx.Timeout(1.0, read=30.0)
    Client(KEY, transport=rec.transport, timeout=custom).interactions.get("v1_x")
    assert rec.requests[-1].extensions["timeout"]["read"] == 30.0


def test_a_misspelt_argument_is_refused_not_dropped() -> None:
    rec = Recorder(lambda r: json_response(DONE))
    with pytest.raises(ConfigurationError, match=r"'sytem_instruction'.*'system_instruction'"):
        Client(KEY, transport=rec.transport).interactions.create(
            model="m", input="x", sytem_instruction="Be brief."
        )
    assert rec.requests == []
