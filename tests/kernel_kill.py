"""Killing a real kernel as a crash or a laptop going to sleep would: SIGKILL, no clean-up."""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def kill_kernel(manager: Any) -> None:
    """SIGKILL the kernel ``manager`` started and wait (10 s at most) until it is gone."""
    os.kill(manager.provisioner.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while manager.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not manager.is_alive()
