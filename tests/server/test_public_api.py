"""The public surface of ``gemini_interactions.server`` is pinned, and its layering kept."""

from __future__ import annotations

import subprocess
import sys

import gemini_interactions.server as server


def test_all_is_pinned() -> None:
    assert sorted(server.__all__) == [
        "Cassette",
        "Clock",
        "EngineRequest",
        "EngineResponse",
        "FakeClock",
        "FaultPlan",
        "Fixture",
        "LEGACY_REVISION",
        "Limits",
        "LocalServer",
        "OFFLINE_MODEL",
        "OfflineModel",
        "RecordedRequest",
        "STEPS_REVISION",
        "SystemClock",
        "load_fixtures",
        "serve",
        "serve_in_thread",
    ]
    for name in server.__all__:
        assert getattr(server, name) is not None


def test_server_does_not_import_ipython_or_upper_layers() -> None:
    code = (
        "import sys, gemini_interactions.server as s; s.LocalServer().asgi_app();"
        "up = tuple('gemini_interactions.' + n for n in ('magics', 'chain', 'render'));"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'IPython' or m.startswith(up)];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
