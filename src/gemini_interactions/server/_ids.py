"""Identifiers of one server instance.

Each server mints ids under an instance number: given (``seed``), the same seed and the same
requests give the same ids (tests, ``serve --seed``); left out, the number is random, so servers
started one after another in a kernel, in two kernels, or before and after a restart never hand out
an id another one did. A repeated id is worse than an unknown one: ``previous_interaction_id``
would silently continue another conversation (a 404 at least says so).
"""

from __future__ import annotations

import base64
import itertools
import secrets
import threading


def b64(raw: str) -> str:
    """URL-safe base64 without padding, the alphabet real interaction ids use."""
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def event_id(n: int) -> str:
    """Event ids count per interaction, like the recorded transcripts (``ev_0001``)."""
    return f"ev_{n:04d}"


class IdFactory:
    """Counters per kind of id, prefixed by the instance number (``seed``): a given seed repeats
    its ids; a random one (the default) is 48 bits, so two servers never hand out the same id."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = secrets.randbits(48) if seed is None else seed
        self._lock = threading.Lock()
        self._counters: dict[str, itertools.count[int]] = {}

    def _next(self, kind: str) -> int:
        with self._lock:
            counter = self._counters.setdefault(kind, itertools.count(1))
            return next(counter)

    def interaction(self) -> str:
        return "v1_" + b64(f"offline:{self.seed}:{self._next('interaction'):06d}")

    def call(self, prefix: str) -> str:
        """Ids of tool calls (``fc_``, ``gs_``, ``ce_``, ``uc_``)."""
        return f"{prefix}_{self.seed:x}{self._next(prefix):04d}"

    def signature(self) -> str:
        return b64(f"sig:{self.seed}:{self._next('signature'):06d}")

    def continuation_token(self) -> str:
        return b64(f"ckpt:{self.seed}:{self._next('token'):06d}")
