"""The Gemini Enterprise Agent Platform (Vertex) as the official SDK reaches it: our client must
build the same request (method, URL, credentials header, body) as google-genai's enterprise
client for the same project, location and credentials, and for express mode with a key.

Both clients get a stand-in credentials object and a transport that records instead of sending
(nothing leaves the process).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from gemini_interactions.api import Client

KEY = "AIzaSyEXPRESS-standin-key-000000000000"


class StandIn:
    """Application Default Credentials as google-auth hands them out, already fresh."""

    token = "ya29.standin-token"
    valid = True
    expired = False
    quota_project_id = None

    def refresh(self, request: Any) -> None:
        pass

    def before_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class Recording:
    """A transport handler that keeps each request and answers with a finished interaction."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(
            200,
            json={"id": "v1_x", "status": "completed", "object": "interaction", "steps": []},
        )


def sdk_request(**kwargs: Any) -> httpx.Request:
    from google import genai
    from google.genai import types

    recording = Recording()
    http = httpx.Client(transport=httpx.MockTransport(recording))
    client = genai.Client(
        vertexai=True, http_options=types.HttpOptions(httpx_client=http), **kwargs
    )
    client.interactions.create(model="gemini-3-flash-preview", input="hi")
    return recording.requests[0]


def our_request(**kwargs: Any) -> httpx.Request:
    recording = Recording()
    transport = httpx.MockTransport(recording)
    client = Client(vertex=True, transport=transport, max_retries=0, **kwargs)
    client.interactions.create(model="gemini-3-flash-preview", input="hi")
    return recording.requests[0]


@pytest.mark.parametrize("location", ["us-central1", "global", "europe-west4"])
def test_project_and_location_reach_the_same_url_with_the_same_credentials(
    location: str,
) -> None:
    theirs = sdk_request(project="my-proj", location=location, credentials=StandIn())
    ours = our_request(project="my-proj", location=location, credentials=StandIn())
    assert ours.method == theirs.method == "POST"
    assert ours.url == theirs.url
    assert f"/v1beta1/projects/my-proj/locations/{location}/interactions" in str(ours.url)
    assert ours.headers["authorization"] == theirs.headers["authorization"]
    assert "x-goog-api-key" not in ours.headers and "x-goog-api-key" not in theirs.headers
    assert json.loads(ours.content) == json.loads(theirs.content)


def test_express_mode_reaches_the_same_url_with_the_key() -> None:
    theirs = sdk_request(api_key=KEY)
    ours = our_request(api_key=KEY)
    assert ours.url.copy_with(query=None) == theirs.url.copy_with(query=None)
    key = theirs.headers.get("x-goog-api-key") or theirs.url.params.get("key")
    assert key == KEY
    assert ours.headers.get("x-goog-api-key") == KEY
    assert "authorization" not in ours.headers
