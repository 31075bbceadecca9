"""`%gemini backend enterprise [--project P] [--location L]`: a cell reaches the Gemini Enterprise
Agent Platform (Vertex) as the official SDK's enterprise client does, tested against our server
with a stand-in credentials object; a missing extra, credentials or project is one paragraph."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gemini_interactions.api._errors import ConfigurationError
from gemini_interactions.server import LocalServer, serve_in_thread

from .conftest import Kernel


class StandIn:
    """Application Default Credentials as google-auth hands them out, already fresh."""

    token = "ya29.standin-token"
    valid = True
    expired = False
    quota_project_id = None

    def refresh(self, request: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[LocalServer, str]]:
    local = LocalServer(require_auth=False)
    with serve_in_thread(local) as url:
        yield local, url


@pytest.fixture
def adc(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("gemini_interactions.api._config._default_credentials", StandIn)


def test_a_cell_reaches_the_project_and_location_with_the_credentials(
    kernel: Kernel, server: tuple[LocalServer, str], adc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, url = server
    monkeypatch.setenv("GOOGLE_VERTEX_BASE_URL", url)
    said = kernel.line("backend enterprise --project my-proj --location us-central1")
    assert "enterprise --project my-proj --location us-central1" in said.stdout
    assert kernel.magics.backend == "enterprise --project my-proj --location us-central1"
    kernel.cell("", "Hello from the platform")
    posts = [r for r in local.requests if r.method == "POST"]
    assert posts[-1].path == "/v1beta1/projects/my-proj/locations/us-central1/interactions"
    assert posts[-1].json["input"] == "Hello from the platform"
    dry = kernel.cell("--dry-run", "x")
    assert "/v1beta1/projects/my-proj/locations/us-central1/interactions" in dry.stdout
    assert "ya29.standin-token" not in dry.stdout


def test_the_url_is_the_official_sdks(kernel: Kernel, adc: None) -> None:
    from peers.test_enterprise_sdk import StandIn as TheirStandIn
    from peers.test_enterprise_sdk import sdk_request

    kernel.line("backend enterprise --project my-proj --location europe-west4")
    dry = kernel.cell("--dry-run --no-stream", "hi")
    theirs = sdk_request(project="my-proj", location="europe-west4", credentials=TheirStandIn())
    assert f'"url": "{theirs.url}"' in dry.stdout


def test_config_takes_the_same_words(kernel: Kernel, adc: None) -> None:
    kernel.shell.run_line_magic("config", 'GeminiMagics.backend = "enterprise --project p2"')
    assert kernel.magics.session.backend.kind == "enterprise"
    dry = kernel.cell("--dry-run", "hi")
    assert "/projects/p2/locations/global/interactions" in dry.stdout


def test_no_project_or_credentials_is_one_paragraph(
    kernel: Kernel, adc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = kernel.state()
    out = kernel.line("backend enterprise", fails=True)
    assert (
        "needs a project" in out.message and "gcloud auth application-default login" in out.message
    )
    assert kernel.state() == before

    def no_extra() -> None:
        raise ConfigurationError(
            "Vertex AI needs google-auth: pip install 'gemini-interactions[vertex]'."
        )

    monkeypatch.setattr("gemini_interactions.api._config._default_credentials", no_extra)
    out = kernel.line("backend enterprise --project p", fails=True)
    assert "pip install 'gemini-interactions[vertex]'" in out.message
    assert kernel.state() == before
    out = kernel.line("backend enterprise --project", fails=True)
    assert "it needs a value" in out.message
