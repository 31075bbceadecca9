"""Retry policy: which failures are retried and how long to wait (spec 9.1).

The defaults mirror the official SDK: 4 retries, 0.5 s doubling to an 8 s cap, a random factor
in (0.75, 1], and a server's ``retry-after-ms`` / ``Retry-After`` replacing the computed wait.
Time and randomness are injectable so tests never sleep.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

RETRY_STATUSES = frozenset({408, 409, 429})
MAX_SERVER_WAIT = 120.0
"""A Retry-After beyond this is treated as this, so a confused server cannot hang a notebook."""


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``Retry-After``."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - (time.time() if now is None else now)


@dataclass
class RetryPolicy:
    max_retries: int = 4
    initial_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = field(default=random.random)

    def should_retry_status(self, status_code: int) -> bool:
        return status_code in RETRY_STATUSES or status_code >= 500

    def delay(self, retry_number: int, headers: Mapping[str, str] | None = None) -> float:
        """The wait before retry number ``retry_number`` (1-based)."""
        if headers is not None:
            asked = retry_after(headers)
            if asked is not None and asked > 0:
                return min(asked, MAX_SERVER_WAIT)
        base = min(self.initial_delay * self.factor ** (retry_number - 1), self.max_delay)
        # a factor in (0.75, 1]: spreads clients out without ever waiting longer than the cap
        return base * (1.0 - 0.25 * self.rand())
