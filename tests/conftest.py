from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests check what a fold or a renderer does, not how fast: on a loaded 2-core machine
# hypothesis' timing checks (deadline, "input generation too slow") fail by wall-clock noise.
# Speed is measured in benchmarks/.
settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("project")

DATA = Path(__file__).parent / "data"
TRANSCRIPTS = DATA / "transcripts"


@pytest.fixture(autouse=True)
def _own_run_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test's map runs go to its own run store (kernels it starts inherit the variable):
    nothing is reused from another test, and nothing is written into the repository."""
    monkeypatch.setenv("GEMINI_INTERACTIONS_RUNS", str(tmp_path / "runs.sqlite"))


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a developer's real key or endpoint."""
    for name in (
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "GEMINI_BASE_URL",
        "GOOGLE_GEMINI_BASE_URL",
        "GOOGLE_VERTEX_BASE_URL",
        "GOOGLE_GENAI_USE_VERTEXAI",
        "GOOGLE_GENAI_USE_ENTERPRISE",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
        "GOOGLE_GENAI_API_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)
