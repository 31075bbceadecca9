"""``run_map``: one prompt template over every element of a list, tuple, Series or DataFrame.

Each element is its own interaction (chained on a shared turn when one is given, so a long shared
context is sent once). At most ``concurrency`` requests are in flight (anyio worker threads on
one shared client and connection pool); ``rpm`` caps the rate (aiolimiter). Every attempt, first
or retry, takes its turn from the pool (``_Pool``), so a 429 slows the whole pool: all wait out
its ``Retry-After``, then go at the rate the server was accepting. Retries are the client's own
(one policy, never retries on retries). A failed element stays a failure in its place. Finished
elements are remembered on the chain by their exact request, so re-running the same map after
an interrupt or failures sends only what is missing.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..api._retry import paced
from ._errors import ChainUsageError
from ._options import PreparedTurn, SendOptions, prepare
from ._paths import PART, step
from ._runner import run_turn
from ._turn import JOINED_STATUSES, Turn, TurnObserver

if TYPE_CHECKING:
    from ..api._retry import RetryNotice
    from ._chain import Chain

_ITEM = re.compile(r"\{(i|item(?:\.[A-Za-z_]\w*|\[[^\[\]{}\n]*\])*)\}")


def elements(data: Any) -> tuple[list[Any], list[Any]]:
    """(labels, elements): a DataFrame's rows (index, row), a Series' values, a list's items."""
    if hasattr(data, "iterrows") and hasattr(data, "columns"):
        pairs = list(data.iterrows())
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if hasattr(data, "index") and hasattr(data, "items") and hasattr(data, "dtype"):
        pairs = list(data.items())
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if isinstance(data, list | tuple):
        return list(range(len(data))), list(data)
    raise TypeError(
        f"A map runs over a list, tuple, pandas Series or DataFrame, not a {type(data).__name__}"
    )


def fill(template: str, item: Any, i: int) -> str:
    """``template`` with ``{i}``, ``{item}``, ``{item.col}`` and ``{item[col]}`` filled in;
    every other brace stays as typed."""

    def replace(match: re.Match[str]) -> str:
        path = match.group(1)
        if path == "i":
            return str(i)
        value = item
        for part in PART.finditer(path[4:]):
            try:
                value = step(value, part)
            except (AttributeError, KeyError, IndexError, TypeError) as exc:
                raise ChainUsageError(
                    f"Cannot fill in {{{path}}} for element {i}: {type(exc).__name__}: {exc}"
                ) from None
        return str(value)

    return _ITEM.sub(replace, template)


@dataclass
class MapItem:
    """One element's interaction: what was asked, how it ended, what came back."""

    position: int
    label: Any
    prompt: str
    key: str
    """A digest of the exact request: the same request is never paid for twice."""
    status: str = "pending"
    text: str = ""
    parsed: Any = None
    error: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    interaction_id: str | None = None
    turn: Turn | None = field(default=None, repr=False)
    """The element's own turn (its request and interaction): what export and save re-send."""

    @property
    def ok(self) -> bool:
        return self.status in JOINED_STATUSES and self.error is None

    @property
    def value(self) -> Any:
        """The parsed object with a schema, else the answer text; None for a failure."""
        if not self.ok:
            return None
        return self.parsed if self.parsed is not None else self.text


@dataclass
class MapProgress:
    total: int
    done: int = 0
    failed: int = 0
    reused: int = 0
    tokens: int = 0
    started: float = field(default_factory=time.monotonic)
    notice: str | None = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Elements finished per second in this run (reused ones not counted)."""
        sent = self.done + self.failed - self.reused
        return sent / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        left = self.total - self.done - self.failed
        return left / self.rate if self.rate > 0 else None

    def line(self) -> str:
        eta = f", ETA {self.eta:.0f} s" if self.eta is not None and self.eta > 0 else ""
        text = (
            f"{self.done + self.failed}/{self.total} done, {self.failed} failed, "
            f"{self.rate:.1f}/s{eta}, {self.tokens} tokens"
        )
        return text + (f" ({self.notice})" if self.notice else "")


class MapResult(Sequence[Any]):
    """Aligned with the input: ``result[k]`` is element k's value (None for a failure);
    ``items`` has each element's status, error, tokens and interaction id."""

    def __init__(self, items: list[MapItem], index: Any = None, turn: int | None = None):
        self.items = items
        self.input_index = index
        self.turn = turn

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [item.value for item in self.items[k]]
        return self.items[k].value

    def __iter__(self) -> Iterator[Any]:
        return (item.value for item in self.items)

    @property
    def failed(self) -> list[MapItem]:
        return [item for item in self.items if not item.ok]

    def __repr__(self) -> str:
        return f"MapResult({len(self.items)} items, {len(self.failed)} failed)"

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for item in self.items:
            row: dict[str, Any] = {"answer": item.text if item.ok else None}
            parsed = item.parsed
            if hasattr(parsed, "model_dump"):
                parsed = parsed.model_dump()
            if isinstance(parsed, dict):
                row.update(parsed)
            row.update(
                status=item.status,
                error=item.error,
                tokens=item.usage.get("total_tokens", 0),
                interaction_id=item.interaction_id,
            )
            out.append(row)
        return out

    def to_pandas(self) -> Any:
        """A DataFrame (one row per element, the input's index for pandas input)."""
        import pandas as pd

        index = self.input_index if self.input_index is not None else [i.label for i in self.items]
        return pd.DataFrame(self.rows(), index=index)


class MapInterrupted(KeyboardInterrupt):
    """An interrupted map: ``result`` holds every element finished before it (the others are
    ``interrupted``); running the same map again sends only those."""

    def __init__(self, result: MapResult) -> None:
        super().__init__("interrupted")
        self.result = result


class _Pool:
    """What the items share: the pause a 429 asks for, and the pace of every attempt.

    Every attempt of every element (first tries and the client's retries alike) asks ``admit``
    for its turn, so a 429 slows the whole pool, not the one request that met it: all wait out
    its ``Retry-After``, then go at a pace learned from what the server accepted (attempts
    started minus those refused): below the last second's count at the first 429, and a little
    below the accepted rate at each later cut (at most one per half second). A second without
    a 429 lets the pace rise by a twentieth, so a low estimate does not stick. ``rpm`` is a
    fixed cap on top.
    """

    WINDOW = 1.0

    def __init__(self, progress: MapProgress, rpm: float | None) -> None:
        from aiolimiter import AsyncLimiter

        self.lock = threading.Lock()
        self.progress = progress
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
            self.progress.notice = f"rate limited: the pool slowed to {self.rate:.0f}/s"

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


class _ItemObserver(TurnObserver):
    def __init__(self, pool: _Pool) -> None:
        self.pool = pool

    def on_retry(self, turn: Turn, notice: RetryNotice) -> None:
        if notice.status_code == 429:
            self.pool.on_429(notice.wait)


def run_map(
    chain: Chain,
    template: str,
    data: Any,
    *,
    name: str = "items",
    options: SendOptions | None = None,
    new: bool = True,
    from_turn: int | None = None,
    concurrency: int = 4,
    rpm: float | None = None,
    on_progress: Callable[[MapProgress], None] | None = None,
    interval: float = 0.2,
) -> MapResult:
    """Send ``template`` once per element of ``data`` (see the module docstring); the chain
    keeps one turn for the run, listing its elements' interaction ids. An interrupt raises
    ``MapInterrupted`` (a ``KeyboardInterrupt``) whose ``result`` keeps every finished element
    (re-run to send the rest)."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    client = chain._client()
    options = options or SendOptions(**chain.defaults)
    parent = chain._parent(new, from_turn)
    prepared = prepare(options)
    labels, values = elements(data)
    previous = parent.id if parent is not None else None
    base = prepared.base_params()
    streaming = prepared.options.stream and not prepared.background
    done: dict[str, MapItem] = chain.__dict__.setdefault("_map_done", {})
    items: list[MapItem] = []
    for position, (label, value) in enumerate(zip(labels, values, strict=True)):
        prompt = fill(template, value, position)
        params = {**base, "input": prepared.first_input(prompt)}
        if previous:
            params["previous_interaction_id"] = previous
        body = client.interactions.build_request(stream=streaming or None, **params)["json"]
        key = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        prior = done.get(key)  # answered before: kept, at this run's position and label
        items.append(
            dataclasses.replace(prior, position=position, label=label)
            if prior is not None
            else MapItem(position, label, prompt, key)
        )
    progress = MapProgress(total=len(items))
    for item in items:
        if item.ok:
            progress.done += 1
            progress.reused += 1
            progress.tokens += item.usage.get("total_tokens", 0)
    todo = [item for item in items if not item.ok]
    pool = _Pool(progress, rpm)
    stop = threading.Event()
    errors: list[BaseException] = []

    def one(item: MapItem) -> None:
        turn = Turn(0, chain.name, item.prompt, parent.number if parent else None, previous)
        item.status, item.error = "pending", None
        try:
            with paced(pool.admit):
                run_turn(client, turn, prepared, _ItemObserver(pool))
            if prepared.schema is not None and turn.joined:
                try:
                    item.parsed = prepared.schema.parse(turn.output_text)
                except ValueError as exc:
                    turn.error = str(exc)
        except Exception:
            pass  # run_turn recorded why on the turn
        item.text = turn.output_text
        item.usage = turn.usage
        item.interaction_id = turn.id
        item.turn = turn
        item.error = turn.error
        item.status = turn.status if turn.error is None else "failed"
        with pool.lock:
            if item.ok:
                progress.done += 1
                done[item.key] = item
            elif stop.is_set():
                # cut short by the interrupt (its pacing gone with the loop): not a failure
                item.status, item.error = "interrupted", "Interrupted before it finished."
                return
            else:
                progress.failed += 1
            progress.tokens += item.usage.get("total_tokens", 0)

    async def main() -> None:
        import anyio

        # As many worker tasks as slots, each taking the next element: a 1,000-item run never
        # queues 1,000 tasks, and an interrupt leaves the unstarted ones untouched.
        threads = anyio.CapacityLimiter(concurrency)
        left = iter(todo)

        async def worker() -> None:
            for item in left:
                if stop.is_set():
                    return
                await anyio.to_thread.run_sync(one, item, limiter=threads, abandon_on_cancel=True)

        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                while not stop.is_set():
                    await anyio.sleep(0.05)
                tg.cancel_scope.cancel()

            tg.start_soon(watch)
            async with anyio.create_task_group() as work:
                for _ in range(min(concurrency, len(todo))):
                    work.start_soon(worker)
            stop.set()

    def loop() -> None:
        import anyio

        try:
            anyio.run(main)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=loop, name="gemini-map", daemon=True)
    thread.start()
    interrupted = False
    try:
        while thread.is_alive():
            thread.join(interval)
            if on_progress is not None:
                on_progress(progress)
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: still keep what finished
            thread.join(5)
    for item in items:
        if item.status == "pending" and not item.ok:
            item.status = "interrupted" if interrupted else item.status
            item.error = item.error or ("Interrupted before it finished." if interrupted else None)
    if interrupted:
        # The requests in flight are left to finish (the server bills an answer it generated
        # whether or not it is read): they land in the re-run's reuse, so nothing is paid
        # twice, and never change the result the user already holds.
        items = [dataclasses.replace(item) for item in items]
    index = getattr(data, "index", None) if not isinstance(data, list | tuple) else None
    result = MapResult(items, index)
    _record(chain, template, name, parent, prepared, result, interrupted)
    if on_progress is not None:
        progress.notice = None
        on_progress(progress)
    if interrupted:
        raise MapInterrupted(result)
    if errors:
        raise errors[0]  # a bug in the pool itself; the finished items are recorded
    return result


def _record(
    chain: Chain,
    template: str,
    name: str,
    parent: Turn | None,
    prepared: PreparedTurn,
    result: MapResult,
    interrupted: bool,
) -> None:
    """One turn in the chain for the whole run (never the head: it has no single answer)."""
    failed = len(result.failed)
    with chain._lock:
        turn = Turn(
            number=len(chain.turns) + 1,
            chain=chain.name,
            prompt=template,
            parent=parent.number if parent is not None else None,
            previous_interaction_id=parent.id if parent is not None else None,
            options={
                **prepared.summary(),
                "map": {
                    "over": name,
                    "items": len(result),
                    "failed": failed,
                    "interaction_ids": [item.interaction_id for item in result.items],
                },
            },
            status="interrupted" if interrupted else ("completed" if not failed else "incomplete"),
            error=f"{failed} of {len(result)} element(s) failed." if failed else None,
        )
        turn.items = [
            item.turn or Turn(0, chain.name, item.prompt, turn.parent, turn.previous_interaction_id)
            for item in result.items
        ]
        turn.ended_at = time.time()
        chain.turns.append(turn)
        result.turn = turn.number
