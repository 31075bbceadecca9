"""Endpoints and auth (spec section 2): Developer API, Vertex, express mode, environment."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from gemini_interactions.api import (
    APIConnectionError,
    Client,
    ConfigurationError,
    MissingAPIKeyError,
)

from .helpers import KEY, Recorder, json_response


class FakeCredentials:
    def __init__(self) -> None:
        self.token: str | None = None
        self.valid = False
        self.expired = False
        self.quota_project_id = "quota-proj"
        self.refreshes = 0

    def refresh(self, request: Any) -> None:
        self.refreshes += 1
        self.token = f"ya29.token-{self.refreshes}"
        self.valid = True


def url_of(client: Client) -> tuple[str, dict[str, str]]:
    rec = Recorder(lambda r: json_response({"id": "i", "status": "completed"}))
    client._http._transport = rec.transport  # route the real client through the recorder
    client.interactions.get("i")
    return str(rec.requests[0].url), dict(rec.requests[0].headers)


def test_key_from_environment_gemini(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    url, headers = url_of(Client())
    assert url.startswith("https://generativelanguage.googleapis.com/v1/interactions/i")
    assert headers["x-goog-api-key"] == KEY


def test_google_api_key_wins_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key")
    monkeypatch.setenv("GOOGLE_API_KEY", "google-key")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, headers = url_of(Client())
    assert headers["x-goog-api-key"] == "google-key"
    assert caught and "GOOGLE_API_KEY" in str(caught[0].message)
    assert "google-key" not in str(caught[0].message)


def test_argument_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "env-key")
    monkeypatch.setenv("GEMINI_BASE_URL", "http://127.0.0.1:9")
    url, headers = url_of(Client("arg-key", base_url="http://127.0.0.1:4010/"))
    assert url.startswith("http://127.0.0.1:4010/v1/interactions/i")
    assert headers["x-goog-api-key"] == "arg-key"


def test_base_url_from_either_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:5000")
    url, _ = url_of(Client(KEY))
    assert url.startswith("http://127.0.0.1:5000/v1/")


def test_api_version_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    # v1 by default since GA; v1beta is one setting away (argument or environment).
    assert url_of(Client(KEY))[0].startswith(
        "https://generativelanguage.googleapis.com/v1/interactions"
    )
    assert url_of(Client(KEY, api_version="v1beta"))[0].startswith(
        "https://generativelanguage.googleapis.com/v1beta/interactions"
    )
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "beta")
    assert "/v1beta/interactions" in url_of(Client(KEY))[0]
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "v1alpha")
    assert "/v1alpha/" in url_of(Client(KEY))[0]


def test_missing_key_is_a_clear_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="GEMINI_API_KEY") as caught:
        Client()
    assert isinstance(caught.value, ConfigurationError)
    with pytest.raises(MissingAPIKeyError):
        Client(vertex=True)
    # A bad argument is a ConfigurationError but not a missing key.
    with pytest.raises(ConfigurationError) as other:
        Client(KEY, project="p")
    assert not isinstance(other.value, MissingAPIKeyError)


def test_vertex_project_location_oauth() -> None:
    creds = FakeCredentials()
    client = Client(vertex=True, project="proj", location="us-central1", credentials=creds)
    url, headers = url_of(client)
    assert url.startswith(
        "https://us-central1-aiplatform.googleapis.com/v1beta1/projects/proj/locations/"
        "us-central1/interactions/i"
    )
    assert headers["authorization"] == "Bearer ya29.token-1"
    assert headers["x-goog-user-project"] == "quota-proj"
    assert "x-goog-api-key" not in headers
    assert "ya29" not in repr(client)


@pytest.mark.parametrize(
    ("location", "host"),
    [
        ("global", "https://aiplatform.googleapis.com"),
        ("us", "https://aiplatform.us.rep.googleapis.com"),
        ("eu", "https://aiplatform.eu.rep.googleapis.com"),
        ("europe-west4", "https://europe-west4-aiplatform.googleapis.com"),
    ],
)
def test_vertex_hosts(location: str, host: str) -> None:
    url, _ = url_of(
        Client(vertex=True, project="p", location=location, credentials=FakeCredentials())
    )
    assert url.startswith(f"{host}/v1beta1/projects/p/locations/{location}/interactions")


def test_vertex_from_environment_defaults_location_to_global(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "envproj")
    url, _ = url_of(Client(credentials=FakeCredentials()))
    assert url.startswith(
        "https://aiplatform.googleapis.com/v1beta1/projects/envproj/locations/global/"
    )


def test_vertex_token_is_refreshed_when_expired() -> None:
    creds = FakeCredentials()
    client = Client(vertex=True, project="p", location="global", credentials=creds)
    url_of(client)
    creds.expired = True
    _, headers = url_of(client)
    assert headers["authorization"] == "Bearer ya29.token-2"


def test_vertex_express_mode() -> None:
    url, headers = url_of(Client(KEY, vertex=True))
    assert url.startswith("https://aiplatform.googleapis.com/v1beta1/interactions/i")
    assert headers["x-goog-api-key"] == KEY


def test_vertex_without_project_or_key_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="project"):
        Client(vertex=True)


def test_project_without_vertex_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="vertex=True"):
        Client(KEY, project="p")


def test_a_callers_own_auth_header_wins_and_is_never_shown() -> None:
    client = Client(
        "AIza-managed-key",
        default_headers={"Authorization": "Bearer ya29.from-my-own-broker"},
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={})),
    )
    _, headers = url_of(client)
    assert headers["authorization"] == "Bearer ya29.from-my-own-broker"
    assert "x-goog-api-key" not in headers
    described = json.dumps(client.interactions.build_request(model="m", input="hi"))
    assert "ya29" not in described and "AIza" not in described
    assert "ya29" not in client.redact("token ya29.from-my-own-broker leaked")
    assert "own-header" in repr(client)


def test_own_key_header_needs_no_other_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    client = Client(default_headers={"x-goog-api-key": "AIza-header-only"})
    _, headers = url_of(client)
    assert headers["x-goog-api-key"] == "AIza-header-only"


class _BrokenCredentials:
    valid = False
    expired = True
    token = None
    quota_project_id = None

    def __init__(self, error: Exception) -> None:
        self.error = error

    def refresh(self, request: object) -> None:
        raise self.error


def test_vertex_refresh_failures_say_what_to_do() -> None:
    from google.auth import exceptions

    refused = _BrokenCredentials(exceptions.RefreshError("invalid_grant: token revoked"))
    client = Client(vertex=True, project="p", location="global", credentials=refused)
    with pytest.raises(ConfigurationError, match="application-default login"):
        url_of(client)
    offline = _BrokenCredentials(exceptions.TransportError("no route to oauth2.googleapis.com"))
    client = Client(vertex=True, project="p", location="global", credentials=offline)
    with pytest.raises(APIConnectionError, match="refresh the Vertex AI token"):
        url_of(client)


def test_vertex_without_application_default_credentials_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigurationError, match="Application Default Credentials"):
        Client(vertex=True, project="p", location="global")
