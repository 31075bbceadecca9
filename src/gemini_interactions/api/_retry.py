"""Retry policy: which failures are retried and how long to wait.

The defaults mirror the official SDK: 4 retries, 0.5 s doubling to an 8 s cap, a random factor
in (0.75, 1], and a server's ``retry-after-ms`` / ``Retry-After`` replacing the computed wait.
Two bounds keep a notebook from hanging silently: a server's wait is capped
(``max_server_wait``), and one request stops retrying once its retries would take longer than
``max_total_wait``. Every wait is announced as a ``RetryNotice`` to whoever listens
(``retry_notices``), so a live view can say "rate limited (429), retrying in 12 s, try 2 of 5".
Time and randomness are injectable so tests never sleep.
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

RETRY_STATUSES = frozenset({408, 409, 429})
MAX_SERVER_WAIT = 60.0
"""A Retry-After beyond this is treated as this, so a confused server cannot hang a notebook."""
MAX_TOTAL_WAIT = 120.0
"""One request stops retrying once its retries would have taken longer than this."""
_REASONS = {408: "request timeout", 409: "conflict", 429: "rate limited"}


@dataclass(frozen=True)
class RetryNotice:
    """A failed attempt that will be retried: why, how long the wait is, which try comes next."""

    reason: str
    """``rate limited (429)``, ``server error (503)``, ``connection failed (ConnectError)`` ..."""
    wait: float
    next_try: int
    """The number of the try that follows the wait (the first retry is try 2)."""
    max_tries: int
    asked: float | None = None
    """What the server's Retry-After asked for, when it was more than the cap."""
    status_code: int | None = None

    def __str__(self) -> str:
        seconds = f"{self.wait:.0f}" if self.wait >= 10 else f"{self.wait:.1f}"
        text = f"{self.reason}, retrying in {seconds} s, try {self.next_try} of {self.max_tries}"
        if self.asked is not None:
            text += f" (the server asked for {self.asked:.0f} s; capped)"
        return text


def reason(status_code: int | None = None, error: BaseException | None = None) -> str:
    if status_code is not None:
        what = _REASONS.get(status_code, "server error" if status_code >= 500 else "HTTP error")
        return f"{what} ({status_code})"
    name = type(error).__name__ if error is not None else "error"
    what = "no response" if "Timeout" in name else "connection failed"
    return f"{what} ({name})"


@dataclass
class _Scope:
    callback: Callable[[RetryNotice], None] | None
    waited: float = 0.0
    """Seconds of retry waits already taken in this scope, over all its requests."""


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "gemini_retry_scope", default=None
)


@contextlib.contextmanager
def retry_notices(callback: Callable[[RetryNotice], None] | None) -> Iterator[None]:
    """Within the block (this thread or task), every retry wait is announced to ``callback``,
    and the waits of all the block's requests together stay within ``max_total_wait`` (a chain
    turn is one block: its stream, resumes and tool rounds share one budget)."""
    token = _scope.set(_Scope(callback))
    try:
        yield
    finally:
        _scope.reset(token)


_pacer: contextvars.ContextVar[Callable[[float], None] | None] = contextvars.ContextVar(
    "gemini_retry_pacer", default=None
)


@contextlib.contextmanager
def paced(pacer: Callable[[float], None]) -> Iterator[None]:
    """Within the block (this thread or task), a client calls ``pacer(wait)`` before each
    attempt instead of sleeping the retry's ``wait`` itself (0 before a first attempt; the
    async client calls it in a worker thread, as it may block): a pool of requests (``--map``)
    spaces all its attempts, first ones and retries alike, to the rate a server accepts. The
    client's policy still decides whether and how often to retry."""
    token = _pacer.set(pacer)
    try:
        yield
    finally:
        _pacer.reset(token)


def current_pacer() -> Callable[[float], None] | None:
    """The pacer of the ``paced`` block this thread or task is in, or None."""
    return _pacer.get()


def waited_in_scope() -> float:
    """Retry waits already taken in the current ``retry_notices`` block (0 outside one)."""
    scope = _scope.get()
    return scope.waited if scope is not None else 0.0


def announce(notice: RetryNotice) -> None:
    """Count the wait against the current block's budget and tell its listener."""
    scope = _scope.get()
    if scope is not None:
        scope.waited += notice.wait
        if scope.callback is not None:
            scope.callback(notice)


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
    max_server_wait: float = MAX_SERVER_WAIT
    """The cap on a server's ``Retry-After``."""
    max_total_wait: float = MAX_TOTAL_WAIT
    """One request's retries (waits and failed attempts) end when they would pass this."""
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = field(default=random.random)

    def should_retry_status(self, status_code: int) -> bool:
        return status_code in RETRY_STATUSES or status_code >= 500

    def delay(self, retry_number: int, headers: Mapping[str, str] | None = None) -> float:
        """The wait before retry number ``retry_number`` (1-based)."""
        if headers is not None:
            asked = retry_after(headers)
            if asked is not None and asked > 0:
                return min(asked, self.max_server_wait)
        base = min(self.initial_delay * self.factor ** (retry_number - 1), self.max_delay)
        # a factor in (0.75, 1]: spreads clients out without ever waiting longer than the cap
        return base * (1.0 - 0.25 * self.rand())
