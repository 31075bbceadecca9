"""The worker pool a map runs on: worker threads, one shared pace, and a budget that admits.

At most ``concurrency`` elements are in flight (anyio worker threads sharing the caller's
client and its connection pool). Every attempt, first or retry, takes its turn from the pool
(``Pool.admit``), so a 429 slows the whole pool: all wait out its ``Retry-After``, then go at the
rate the server was accepting; ``rpm`` is a fixed cap on top (aiolimiter). A ``Budget`` stops
taking elements before a run would pass its tokens or cost.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Budget:
    """Stops taking elements before a run passes its budget, reserving for those in flight at
    the most any element of this run has cost so far (one at a time until one finished)."""

    max_tokens: int | None
    max_cost: float | None
    tokens: int = 0
    cost: float = 0.0
    in_flight: int = 0
    most_tokens: int | None = None
    most_cost: float | None = None
    reached: str | None = None

    @property
    def active(self) -> bool:
        return self.max_tokens is not None or self.max_cost is not None

    def verdict(self) -> str:
        """``go`` (one more may start), ``wait`` (until one in flight ends) or ``stop``."""
        checks = (
            (self.max_tokens, self.tokens, self.most_tokens, "tokens"),
            (self.max_cost, self.cost, self.most_cost, "cost"),
        )
        for limit, spent, most, what in checks:
            if limit is None:
                continue
            if spent >= limit:
                self.reached = what
                return "stop"
            if most is None:
                if self.in_flight:
                    return "wait"
                continue
            if spent + (self.in_flight + 1) * most > limit:
                if self.in_flight:
                    return "wait"
                self.reached = what
                return "stop"
        return "go"

    def ended(self, tokens: int, cost: float | None) -> None:
        self.in_flight -= 1
        self.tokens += tokens
        self.most_tokens = max(self.most_tokens or 0, tokens)
        if cost is not None:
            self.cost += cost
            self.most_cost = max(self.most_cost or 0.0, cost)


class Pool(Generic[T]):
    """Worker threads over a sequence of elements, and what they share: the pause a 429 asks
    for, the pace of every attempt, the budget, and a ``stop`` any of them may set.

    Every attempt of every element (first tries and the client's retries alike) asks ``admit``
    for its turn, so a 429 slows the whole pool, not the one request that met it: all wait out
    its ``Retry-After``, then go at a pace learned from what the server accepted (attempts
    started minus those refused): below the last second's count at the first 429, and a little
    below the accepted rate at each later cut (at most one per half second). A second without
    a 429 lets the pace rise by a twentieth, so a low estimate does not stick. ``rpm`` is a
    fixed cap on top. ``notice`` hears the pace when a 429 changes it.
    """

    WINDOW = 1.0

    def __init__(
        self,
        concurrency: int,
        rpm: float | None,
        budget: Budget,
        notice: Callable[[str], None] = lambda text: None,
    ) -> None:
        from aiolimiter import AsyncLimiter

        self.concurrency = concurrency
        self.budget = budget
        self.notice = notice
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        """What stopped the pool (a failing store, a bug in the loop): raised by the caller."""
        self.pause_until = 0.0
        # One attempt per interval, never a burst: a server's limit holds over any second.
        self.fixed = AsyncLimiter(1, 60.0 / rpm) if rpm else None
        self.rate: float | None = None
        # One limiter for the learned pace, its bucket a second deep (as a server's usually
        # is): each attempt takes 1/rate of it, so a new rate applies to the very next attempt
        # and never runs beside an old limiter's waiters.
        self.adaptive = AsyncLimiter(1, 1)
        self.primed = False
        self.starts: collections.deque[float] = collections.deque()
        self.refused: collections.deque[float] = collections.deque()
        self.last_429 = 0.0
        self.first_429: float | None = None
        self.last_cut = 0.0

    # --- running ------------------------------------------------------------------------------

    def start(self, elements: Iterable[T], work: Callable[[T], None]) -> threading.Thread:
        """``work(element)`` on worker threads, at most ``concurrency`` at once, in a daemon
        thread of its own (the caller's thread stays free for progress and Ctrl-C). Each worker
        takes the next element, so a 1,000-element run never queues 1,000 tasks and a stop
        leaves the unstarted ones untouched."""

        def loop() -> None:
            import anyio

            try:
                anyio.run(self._main, list(elements), work)
            except BaseException as exc:
                self.errors.append(exc)

        thread = threading.Thread(target=loop, name="gemini-map", daemon=True)
        thread.start()
        return thread

    def fail(self, exc: BaseException) -> None:
        """Stop taking elements because of ``exc`` (raised by the caller when the run ends)."""
        with self.lock:
            self.errors.append(exc)
        self.stop.set()

    async def _main(self, elements: list[T], work: Callable[[T], None]) -> None:
        import anyio

        threads = anyio.CapacityLimiter(self.concurrency)
        left = iter(elements)

        async def worker() -> None:
            for element in left:
                if self.stop.is_set() or self.budget.reached or not await self._admitted():
                    return
                await anyio.to_thread.run_sync(
                    work, element, limiter=threads, abandon_on_cancel=True
                )

        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                while not self.stop.is_set():
                    await anyio.sleep(0.05)
                tg.cancel_scope.cancel()

            tg.start_soon(watch)
            async with anyio.create_task_group() as workers:
                for _ in range(min(self.concurrency, len(elements))):
                    workers.start_soon(worker)
            self.stop.set()

    async def _admitted(self) -> bool:
        """Whether the budget lets one more element start (waiting while those in flight may
        still decide it)."""
        import anyio

        budget = self.budget
        while budget.active:
            with self.lock:
                verdict = budget.verdict()
                if verdict == "go":
                    break
            if verdict == "stop":
                return False
            await anyio.sleep(0.01)
        with self.lock:
            budget.in_flight += 1
        return True

    # --- pacing -------------------------------------------------------------------------------

    def _forget(self, now: float) -> None:
        for times in (self.starts, self.refused):
            while times and times[0] < now - self.WINDOW:
                times.popleft()

    def on_429(self, wait: float) -> None:
        now = time.monotonic()
        with self.lock:
            self._forget(now)
            self.refused.append(now)
            self.last_429 = now
            self.pause_until = max(self.pause_until, now + wait)
            if self.first_429 is None:
                # Until now the server's bucket was full, so the last second's count holds
                # its burst on top of its rate: start below it.
                self.first_429 = self.last_cut = now
                went = len(self.starts) - len(self.refused)
                self.rate = max(1.0, 0.75 * went / self.WINDOW)
            elif now - self.last_cut >= self.WINDOW / 2 and self.rate is not None:
                # Refused again: since the first 429 the server accepts exactly its rate, so
                # go a little below what it accepted (one cut per half second, not per 429).
                since = max(now - self.WINDOW, self.first_429)
                went = sum(1 for t in self.starts if t >= since)
                refused = sum(1 for t in self.refused if t >= since)
                accepted = (went - refused) / max(now - since, 1e-3)
                self.rate = max(1.0, 0.95 * min(self.rate, accepted))
                self.last_cut = now
            self.notice(f"rate limited: the pool slowed to {self.rate:.0f}/s")

    def admit(self, wait: float) -> None:
        """Block this worker thread until its attempt may go (after at least ``wait``)."""
        free = self.fixed is None and self.rate is None
        if wait <= 0 and free and self.pause_until <= time.monotonic():
            self._started()
            return
        import anyio.from_thread

        anyio.from_thread.run(self._admit, wait)

    async def _admit(self, wait: float) -> None:
        import anyio

        await anyio.sleep(wait)
        while (left := self.pause_until - time.monotonic()) > 0:
            await anyio.sleep(left)
        if self.fixed is not None:
            await self.fixed.acquire()
        if (rate := self._recovered()) is not None:
            if not self.primed:
                # Unused until the first 429, the bucket is empty and would let a whole
                # second's worth through at once: fill it, so pacing starts at once.
                self.primed = True
                await self.adaptive.acquire(1.0)
            await self.adaptive.acquire(1.0 / rate)
        self._started()

    def _recovered(self) -> float | None:
        """The pace now (None: unpaced), a twentieth faster after each quiet second."""
        now = time.monotonic()
        with self.lock:
            if self.rate is not None and now - self.last_429 > self.WINDOW:
                self.last_429 = now
                self.rate *= 1.05
            return self.rate

    def _started(self) -> None:
        now = time.monotonic()
        with self.lock:
            self._forget(now)
            self.starts.append(now)
