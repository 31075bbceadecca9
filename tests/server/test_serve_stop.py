"""``gemini-interactions serve`` stopped with Ctrl-C: one line and exit 0, as a person types it."""

from __future__ import annotations

import signal
import subprocess
import sys


def test_ctrl_c_stops_serve_with_one_line_and_exit_0() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gemini_interactions.cli", "serve", "--port", "0", "--no-auth"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip() == "gemini-interactions serve: stopped.", err
