"""A missing key is told apart from other configuration problems by its type, not its wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_interactions._backend import Backend
from gemini_interactions.chain import ChainUsageError

from .conftest import Kernel


def test_no_key_for_the_live_api_says_so(kernel: Kernel) -> None:
    with pytest.raises(ChainUsageError, match="No Gemini API key"):
        kernel.magics.session.set_backend(Backend("live"))


def test_vertex_without_credentials_is_not_called_a_missing_key(
    kernel: Kernel, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # google-auth's own message mentions "an API key"; it is still not a missing key.
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "proj")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))
    with pytest.raises(ChainUsageError) as caught:
        kernel.magics.session.set_backend(Backend("live"))
    message = str(caught.value)
    assert "Application Default Credentials" in message
    assert "No Gemini API key" not in message
