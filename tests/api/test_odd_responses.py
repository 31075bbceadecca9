"""Responses that are not what the API promises (a proxy's HTML page, a list, null, an error
wrapped in a list, a resume that fails) end in a ``GeminiError`` that says what came, and a
stream that fails keeps what it had already received."""

from __future__ import annotations

import httpx
import pytest

from gemini_interactions.api import (
    APIConnectionError,
    APIStatusError,
    BadRequestError,
    Client,
    InternalServerError,
    NotFoundError,
    RetryPolicy,
)

from .helpers import KEY, Recorder, frame, json_response, sse_response, text_stream_events

PROXY_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{color:red}</style>"
    b"</head><body><h1>502 Bad Gateway</h1><p>The upstream server failed &amp; gave up.</p>"
    b"<script>track()</script></body></html>"
)
NO_RETRY = RetryPolicy(max_retries=0, sleep=lambda s: None)


def client(*answers: httpx.Response | object) -> Client:
    return Client(KEY, transport=Recorder(*answers).transport, retry_policy=NO_RETRY)  # type: ignore[arg-type]


def test_an_html_error_page_becomes_its_title_and_text_not_markup() -> None:
    page = httpx.Response(502, headers={"content-type": "text/html"}, content=PROXY_PAGE)
    with pytest.raises(InternalServerError) as info:
        client(page).interactions.get("v1_x")
    assert str(info.value) == "HTTP 502: 502 Bad Gateway The upstream server failed & gave up."
    assert info.value.body.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            [{"error": {"code": 400, "message": "Bad field", "status": "INVALID_ARGUMENT"}}],
            "HTTP 400 INVALID_ARGUMENT: Bad field",
        ),
        ({"error": "quota gone"}, "HTTP 400: quota gone"),
        ({"error": {"code": [1], "message": "odd code", "status": 7}}, "HTTP 400: odd code"),
    ],
)
def test_error_bodies_of_other_shapes_keep_the_message(body: object, message: str) -> None:
    with pytest.raises(BadRequestError) as info:
        client(json_response(body, 400)).interactions.get("v1_x")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"[1, 2]", "JSON a list, not an object"),
        (b"null", "JSON null, not an object"),
        (PROXY_PAGE, "something that is not JSON: 502 Bad Gateway"),
    ],
)
def test_a_success_that_is_no_interaction_says_what_came(content: bytes, what: str) -> None:
    odd = httpx.Response(200, content=content)
    with pytest.raises(APIStatusError, match="expected an interaction but the server answered"):
        client(odd).interactions.get("v1_x")
    with pytest.raises(APIStatusError) as info:
        client(odd).interactions.create(model="m", input="hi")
    assert what in str(info.value)


def test_delete_accepts_any_success_body() -> None:
    client(httpx.Response(200, content=b"OK")).interactions.delete("v1_x")
    client(httpx.Response(200, content=b"")).interactions.delete("v1_x")


def test_a_captive_portal_answering_a_stream_is_a_clear_error() -> None:
    portal = httpx.Response(
        200, headers={"content-type": "text/html"}, content=b"<html>Sign in to CafeWifi</html>"
    )
    stream = client(portal).interactions.create(model="m", input="hi", stream=True)
    with pytest.raises(APIStatusError) as info:
        stream.until_done()
    assert "expected an event stream" in str(info.value)
    assert "text/html: Sign in to CafeWifi" in str(info.value)


def dropped_then(answer: httpx.Response | object) -> Client:
    events = [frame(e) for e in text_stream_events(["Hello", ", ", "world"])]
    return client(sse_response(events[:5], drop=True), answer)


def test_a_resume_that_is_refused_keeps_the_partial_answer() -> None:
    gone = json_response({"error": {"code": 404, "message": "gone", "status": "NOT_FOUND"}}, 404)
    stream = dropped_then(gone).interactions.create(model="m", input="hi", stream=True)
    with pytest.raises(NotFoundError) as info:
        stream.until_done()
    assert info.value.interaction is not None
    assert info.value.interaction.output_text == "Hello, world"


def test_a_resume_that_cannot_connect_keeps_the_partial_answer() -> None:
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Wi-Fi is down")

    stream = dropped_then(offline).interactions.create(model="m", input="hi", stream=True)
    with pytest.raises(APIConnectionError) as info:
        stream.until_done()
    assert info.value.interaction is not None
    assert info.value.interaction.output_text == "Hello, world"


def test_camel_case_fields_of_an_early_sdk_recording_are_read() -> None:
    early = {
        "id": "v1_old",
        "status": "requires_action",
        "previousInteractionId": "v1_before",
        "continuationToken": "tok",
        "usage": {"totalInputTokens": 5, "totalTokens": 9},
        "outputs": [
            {"type": "text", "text": "Let me look.", "annotations": []},
            {"type": "function_call", "id": "fc_1", "name": "f", "arguments": {}},
        ],
    }
    it = client(json_response(early)).interactions.get("v1_old")
    assert it.previous_interaction_id == "v1_before"
    assert it.continuation_token == "tok"
    assert it.usage is not None and it.usage.total_input_tokens == 5
    assert it.output_text == "Let me look."
    dumped = it.to_dict()
    assert "previous_interaction_id" in dumped and "previousInteractionId" not in dumped
    result = client(
        json_response({"id": "v1_r", "steps": [{"type": "function_result", "callId": "fc_1"}]})
    ).interactions.get("v1_r")
    assert result.steps[0].to_dict() == {"type": "function_result", "call_id": "fc_1"}
