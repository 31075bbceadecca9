"""Clocks: the only source of time for the server, so tests can run background jobs instantly."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Seconds since the Unix epoch, plus the two ways to wait for a later time."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    async def asleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time; waits really wait."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


# 2026-06-01T12:00:00Z, the instant the recorded transcripts use.
FAKE_EPOCH = 1780315200.0


class FakeClock:
    """A clock that only moves when told to; sleeping moves it, so waits cost no real time.

    Background runs, latencies and trickles become instant and deterministic: a test advances
    the clock to watch a background interaction progress.
    """

    def __init__(self, start: float = FAKE_EPOCH) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += max(seconds, 0.0)

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        self.advance(seconds)
        # Yield to the loop so concurrent tasks interleave as they would with real time.
        await asyncio.sleep(0)


def iso(ts: float) -> str:
    """The API's timestamp format, second precision (``2026-06-01T12:00:00Z``)."""
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
