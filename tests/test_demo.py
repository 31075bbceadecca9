"""``make demo`` keeps its promise: offline, no key, a real kernel, answers printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.e2e
def test_demo_runs_offline_and_prints_answers_and_timelines(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        # any attempt to reach the network would go to a dead proxy
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    result = subprocess.run(
        [sys.executable, "-m", "gemini_interactions.demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    # 1. the quickstart chain through the magics in a kernel
    assert "In  » %%gemini --continue\nWhat is my name?" in out
    assert "Your name is **Ada**" in out
    assert "get_weather(city=Paris)" in out
    # 2. recorded streams folded into timelines
    assert "17 × 3 = 51." in out
    assert "get_weather" in out and "requires_action" in out
    assert "Spain won Euro 2024" in out
