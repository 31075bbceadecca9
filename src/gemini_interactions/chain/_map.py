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
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..api._events import InteractionCreatedEvent
from ..api._retry import paced
from ._display import Bundle, mimebundle
from ._errors import ChainUsageError, Spelling, python_spelling
from ._options import PreparedTurn, SendOptions, prepare
from ._paths import PART, step
from ._prices import cost, format_cost, priced
from ._runner import run_turn
from ._runs import RunStore, RunStoreError, Stored, StoredTurns
from ._turn import JOINED_STATUSES, Turn, TurnObserver

if TYPE_CHECKING:
    from ..api._retry import RetryNotice
    from ._chain import Chain

_ITEM = re.compile(r"\{(i|item(?:\.[A-Za-z_]\w*|\[[^\[\]{}\n]*\])*)\}")


def iter_elements(data: Any) -> Iterator[tuple[Any, Any]]:
    """(label, element) one at a time, as ``elements`` gives them: a 100,000-row DataFrame's
    rows are never all held as Series at once."""
    if hasattr(data, "iterrows") and hasattr(data, "columns"):
        return iter(data.iterrows())
    if hasattr(data, "index") and hasattr(data, "items") and hasattr(data, "dtype"):
        return iter(data.items())
    if isinstance(data, list | tuple):
        return enumerate(data)
    raise TypeError(
        f"A map runs over a list, tuple, pandas Series or DataFrame, not a {type(data).__name__}"
    )


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
                value = _row_step(value, part, path, i)
            except (AttributeError, KeyError, IndexError, TypeError) as exc:
                raise ChainUsageError(
                    f"Cannot fill in {{{path}}} for element {i}: {type(exc).__name__}: {exc}"
                ) from None
        return str(value)

    return _ITEM.sub(replace, template)


def _row_step(value: Any, part: re.Match[str], path: str, i: int) -> Any:
    """One step of ``{item.col}``: on a pandas row (a Series) ``.col`` is the column only,
    never a Series attribute (``name``, ``index``, ``size``, ``values``, ``shape``, ``count``
    are common column names; ``.name`` would be the row's index label)."""
    attr = part.group(1)
    if attr is not None and _is_row(value):
        if attr in value.index:
            return value[attr]
        columns = ", ".join(str(c) for c in list(value.index)[:12])
        raise ChainUsageError(
            f"{{{path}}} names no column of element {i} (its columns: {columns}); nothing was "
            "sent. A column wins over pandas' own attributes, so {item.name} is the name column."
        )
    return step(value, part)


def _is_row(value: Any) -> bool:
    kind = type(value)
    return kind.__name__ == "Series" and kind.__module__.startswith("pandas")


_ANSWERED = JOINED_STATUSES  # completed, incomplete, idle: an answer came


class MapItem:
    """One element's interaction: what was asked, how it ended, its tokens and id. Compact: the
    answer text, usage and whole turn stay in the run store and are read when asked for."""

    __slots__ = (
        "_run",
        "cost",
        "error",
        "interaction_id",
        "key",
        "label",
        "loose",
        "position",
        "previous",
        "prompt",
        "reused",
        "status",
        "tokens",
    )

    def __init__(
        self,
        position: int,
        label: Any,
        prompt: str,
        key: str,
        loose: str = "",
        run: _RunContext | None = None,
    ) -> None:
        self.position = position
        self.label = label
        self.prompt = prompt
        self.key = key
        """A digest of the exact request and where it goes: the same request is never paid
        for twice."""
        self.loose = loose
        """The same digest without the conversation it continues (to say why a re-run sends)."""
        self.status = "pending"
        self.error: str | None = None
        self.tokens = 0
        self.cost: float | None = None
        self.interaction_id: str | None = None
        self.previous: str | None = None
        self.reused = False
        self._run = run

    def __repr__(self) -> str:
        return f"MapItem({self.position}, {self.label!r}, status={self.status!r})"

    def copy(self) -> MapItem:
        twin = MapItem.__new__(MapItem)
        for name in MapItem.__slots__:
            setattr(twin, name, getattr(self, name))
        return twin

    @property
    def ok(self) -> bool:
        return self.status in _ANSWERED and self.error is None

    @property
    def text(self) -> str:
        """The answer text (read from the run store)."""
        if self._run is None or self.status == "pending":
            return ""
        return self._run.store.text(self.key)

    @property
    def usage(self) -> dict[str, int]:
        return self._run.store.usage(self.key) if self._run is not None else {}

    @property
    def parsed(self) -> Any:
        """The answer parsed into the run's schema (None without one)."""
        if self._run is None or self._run.schema is None or not self.ok:
            return None
        try:
            return self._run.schema.parse(self.text)
        except ValueError:
            return None

    @property
    def value(self) -> Any:
        """The parsed object with a schema, else the answer text; None for a failure."""
        if not self.ok:
            return None
        parsed = self.parsed
        return parsed if parsed is not None else self.text


@dataclass
class _RunContext:
    """What a run's items share: where their answers are, how to parse them."""

    store: RunStore
    schema: Any = None


@dataclass
class MapProgress:
    total: int
    done: int = 0
    failed: int = 0
    reused: int = 0
    tokens: int = 0
    cost: float | None = 0.0
    started: float = field(default_factory=time.monotonic)
    notice: str | None = None
    moved: int = 0
    """Elements about to be sent again: they finished before in another context."""
    moved_from: int | None = None
    """The turn those continued (``from_turn`` would reuse them); None: see ``moved_new``."""
    moved_new: bool = False
    """Those were sent as a new conversation."""
    spell: Spelling = python_spelling
    """How the line writes a parameter (the magics write ``--from N``)."""

    @property
    def context(self) -> str | None:
        """Why finished elements are sent again (their context changed), said before they go."""
        if not self.moved:
            return None
        if self.moved_from is not None:
            then = (
                f"they continued turn {self.moved_from}; "
                f"{self.spell('from_turn', str(self.moved_from))} would reuse them"
            )
        elif self.moved_new:
            then = (
                "they were sent as a new conversation; "
                + self.spell("new", "True")
                + (" would reuse them")
            )
        else:
            then = "they continued a turn this chain no longer has"
        return (
            f"sending {self.moved} element(s) again that finished before in another context: {then}"
        )

    @property
    def sent(self) -> int:
        """Elements answered or failed in this run (reused ones not counted)."""
        return self.done + self.failed - self.reused

    ended: float | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the start, until every element ended (the rate stays what it was)."""
        if self.ended is None and self.done + self.failed >= self.total:
            self.ended = time.monotonic()
        return (self.ended or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        """Elements finished per second in this run (reused ones not counted)."""
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        left = self.total - self.done - self.failed
        return left / self.rate if self.rate > 0 else None

    def line(self) -> str:
        eta = f", ETA {self.eta:.0f} s" if self.eta is not None and self.eta > 0 else ""
        reused = f" ({self.reused} reused, {self.sent} sent)" if self.reused else ""
        text = (
            f"{self.done + self.failed}/{self.total} done{reused}, {self.failed} failed, "
            f"{self.rate:.1f}/s{eta}, {self.tokens:,} tokens, cost {format_cost(self.cost)}"
            + (" in this run" if self.reused else "")
        )
        notes = [n for n in (self.context, self.notice) if n]
        return text + "".join(f" ({n})" for n in notes)


class MapResult(Sequence[Any]):
    """Aligned with the input: ``result[k]`` is element k's value (None for a failure);
    ``items`` has each element's status, error, tokens and interaction id. Answers are read
    from the run store (``result.store``) when asked for."""

    def __init__(
        self,
        items: list[MapItem],
        index: Any = None,
        turn: int | None = None,
        store: RunStore | None = None,
    ):
        self.items = items
        self.input_index = index
        self.turn = turn
        self.store = store
        self.stopped: str | None = None
        """Why the run stopped before every element was sent (a budget), else None."""
        self.run_tokens = 0
        """Tokens this run paid for (``tokens`` counts every element, reused ones too)."""
        self.run_cost: float | None = 0.0
        """USD this run paid for (an estimate; None: a model without a known price)."""

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

    @property
    def reused(self) -> int:
        return sum(item.reused for item in self.items)

    @property
    def tokens(self) -> int:
        return sum(item.tokens for item in self.items)

    @property
    def cost(self) -> float | None:
        """USD for every element (reused ones at what they cost then); None if any is unpriced."""
        total = 0.0
        for item in self.items:
            if item.status in ("pending", "interrupted", "not sent"):
                continue
            if item.cost is None:
                return None
            total += item.cost
        return total

    def __repr__(self) -> str:
        return f"MapResult({len(self.items)} items, {len(self.failed)} failed)"

    def _repr_mimebundle_(
        self, include: Container[str] | None = None, exclude: Container[str] | None = None
    ) -> Bundle | None:
        """The run in a notebook: its summary and a row per element (``chain._display``)."""
        return mimebundle(self, include, exclude)

    def rows(self) -> list[dict[str, Any]]:
        texts = self.store.texts([i.key for i in self.items]) if self.store is not None else {}
        out = []
        for item in self.items:
            text = texts.get(item.key, "") if item.ok else None
            row: dict[str, Any] = {"answer": text}
            parsed: Any = item.parsed if item.ok else None
            if hasattr(parsed, "model_dump"):
                parsed = parsed.model_dump()
            if isinstance(parsed, dict):
                row.update(parsed)
            row.update(
                status=item.status,
                error=item.error,
                tokens=item.tokens,
                cost=item.cost,
                reused=item.reused,
                interaction_id=item.interaction_id,
            )
            out.append(row)
        return out

    def to_pandas(self) -> Any:
        """A DataFrame (one row per element, the input's index for pandas input), its answers
        read from the run store."""
        import pandas as pd

        index = self.input_index if self.input_index is not None else [i.label for i in self.items]
        return pd.DataFrame(self.rows(), index=index)


class MapInterrupted(KeyboardInterrupt):
    """An interrupted map: ``result`` holds every element finished before it (the others are
    ``interrupted``); running the same map again sends only those."""

    def __init__(self, result: MapResult) -> None:
        super().__init__("interrupted")
        self.result = result


class MapBudgetReached(ChainUsageError):
    """A map stopped at its ``max_total_tokens`` / ``max_cost``: ``result`` keeps every element
    finished (the rest are ``not sent``); the message says how far it got and how to go on."""

    def __init__(self, message: str, result: MapResult, **parameters: str) -> None:
        super().__init__(message, **parameters)
        self.result = result


@dataclass
class _Budget:
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
    def __init__(self, pool: _Pool, on_created: Callable[[Turn, str], None] | None = None):
        self.pool = pool
        self.on_created = on_created

    def on_event(self, turn: Turn, event: Any) -> None:
        if self.on_created is not None and isinstance(event, InteractionCreatedEvent):
            found = event.interaction.id
            if found and len(turn.requests) == 1:
                self.on_created(turn, found)

    def on_retry(self, turn: Turn, notice: RetryNotice) -> None:
        if notice.status_code == 429:
            self.pool.on_429(notice.wait)


def _digest(where: str, body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(f"{where}\n{text}".encode()).hexdigest()


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
    interval: float = 0.1,
    store: RunStore | str | os.PathLike[str] | None = None,
    retry_failed: bool = False,
    fresh: bool = False,
    max_total_tokens: int | None = None,
    max_cost: float | None = None,
) -> MapResult:
    """Send ``template`` once per element of ``data`` (see the module docstring); the chain
    keeps one turn for the run, listing its elements' interaction ids. Every element is written
    to the run ``store`` (default: ``gemini_runs.sqlite`` beside the notebook) as it finishes;
    a re-run sends only those missing or failed (``retry_failed``: the failed ones only;
    ``fresh``: every one). An interrupt raises ``MapInterrupted`` (a ``KeyboardInterrupt``)
    whose ``result`` keeps every finished element; a budget (``max_total_tokens``,
    ``max_cost`` in USD) raises ``MapBudgetReached`` once it would be passed."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if max_total_tokens is not None and max_total_tokens < 1:
        raise ChainUsageError("max_total_tokens must be at least 1.")
    if max_cost is not None and not max_cost > 0:
        raise ChainUsageError("max_cost must be more than 0 (USD).")
    client = chain._client()
    options = options or SendOptions(**chain.defaults)
    parent = chain._parent(new, from_turn)
    prepared = prepare(options)
    base = prepared.base_params()
    model = base.get("agent") or base.get("model")
    tier = prepared.options.service_tier
    if max_cost is not None and not priced(model, tier):
        raise ChainUsageError(
            f"{{max_cost}} needs a price for {model or 'the model'}"
            f"{f' ({tier} tier)' if tier else ''} and the price table has none, so nothing was "
            "sent. Add its price (USD per million tokens) with %config GeminiMagics.prices = "
            f"{{{model!r}: {{'input': ..., 'output': ...}}}} (or set_prices), or cap "
            "the run with {max_total_tokens} instead.",
            max_cost=f"{max_cost}",
            max_total_tokens="N",
        )
    runs = store if isinstance(store, RunStore) else RunStore.at(store)
    context = _RunContext(runs, prepared.schema)
    previous = parent.id if parent is not None else None
    streaming = prepared.options.stream and not prepared.background
    where = client.base_url
    items: list[MapItem] = []
    for position, (label, value) in enumerate(iter_elements(data)):
        prompt = fill(template, value, position)
        params = {**base, "input": prepared.first_input(prompt)}
        body = client.interactions.build_request(stream=streaming or None, **params)["json"]
        loose = _digest(where, body)
        if previous:
            body["previous_interaction_id"] = previous
        key = _digest(where, body) if previous else loose
        items.append(MapItem(position, label, prompt, key, loose, context))
    progress = MapProgress(total=len(items))
    # one cell: the same template over the same variable with the same options (model, tier)
    same = json.dumps(base, sort_keys=True, default=str)
    cell = hashlib.sha256(f"{chain.name}\n{name}\n{template}\n{same}".encode()).hexdigest()[:16]
    stored = {} if fresh else runs.lookup([item.key for item in items])
    recovered = _recover(client, runs, items, stored, model, tier, cell)
    for item in items:
        found = recovered.get(item.key) or stored.get(item.key)
        if found is None:
            continue
        if found.ok:
            item.status, item.error = found.status, None
            item.interaction_id, item.previous = found.interaction_id, found.previous
            item.tokens, item.cost, item.reused = found.tokens, found.cost, True
            progress.done += 1
            progress.reused += 1
    if retry_failed:
        # only the stored failures go again; an element never sent stays unsent
        for item in items:
            if not item.ok and item.key not in stored:
                item.status, item.error = (
                    "not sent",
                    "Not sent: --retry-failed sends failures only.",
                )
    todo = [item for item in items if item.status == "pending"]
    if not fresh:
        _moved(chain, runs, todo, progress)
    runs.start_cell(cell, chain.name, template, name, model, len(items))
    pool = _Pool(progress, rpm)
    budget = _Budget(max_total_tokens, max_cost)
    spent_usage: dict[str, int] = {}  # what this run paid for (reused elements cost nothing)
    stop = threading.Event()
    errors: list[BaseException] = []

    def one(item: MapItem) -> None:
        turn = Turn(0, chain.name, item.prompt, parent.number if parent else None, previous)
        item.status, item.error = "pending", None
        parsed_error: str | None = None

        def created(turn: Turn, interaction_id: str) -> None:
            # Paid for from here on: a kernel killed mid-answer finds it by this id on the
            # re-run and fetches the answer instead of asking again.
            runs.put(
                key=item.key,
                loose=item.loose,
                cell=cell,
                status="sent",
                error=None,
                interaction_id=interaction_id,
                previous=previous,
                model=model,
                tokens=0,
                cost=0.0,
                usage={},
                text="",
                # what a re-run needs to rebuild the element's turn around the fetched answer
                turn={
                    "chain": turn.chain,
                    "prompt": turn.prompt,
                    "parent": turn.parent,
                    "previous_interaction_id": turn.previous_interaction_id,
                    "requests": turn.requests,
                    "status": "sent",
                    "store": turn.store,
                },
            )

        observer = _ItemObserver(pool, created if prepared.options.store else None)
        try:
            with paced(pool.admit):
                run_turn(client, turn, prepared, observer)
            if prepared.schema is not None and turn.joined:
                try:
                    prepared.schema.parse(turn.output_text)
                except ValueError as exc:
                    parsed_error = str(exc)
        except Exception:
            pass  # run_turn recorded why on the turn
        usage = turn.usage
        tokens = usage.get("total_tokens", 0)
        spent = cost(turn.model or model, usage, tier)
        error = turn.error or parsed_error
        status = turn.status if error is None else "failed"
        with pool.lock:
            budget.ended(tokens, spent)
            if status not in _ANSWERED and stop.is_set():
                # cut short by the interrupt (its pacing gone with the loop): not a failure
                item.status, item.error = "interrupted", "Interrupted before it finished."
                return
        # written before it counts as done: a kill after this line loses nothing paid for
        try:
            finished(item, turn, status, error, usage, tokens, spent)
        except RunStoreError as exc:
            with pool.lock:
                errors.append(exc)  # said when the run stops; what was stored is kept
            stop.set()
            return
        with pool.lock:
            item.interaction_id, item.previous = turn.id, previous
            item.tokens, item.cost = tokens, spent
            item.status, item.error = status, error
            if item.ok:
                progress.done += 1
            else:
                progress.failed += 1
            progress.tokens += tokens
            progress.cost = _add(progress.cost, spent)
            for key, value in usage.items():
                spent_usage[key] = spent_usage.get(key, 0) + value

    def finished(
        item: MapItem,
        turn: Turn,
        status: str,
        error: str | None,
        usage: dict[str, int],
        tokens: int,
        spent: float | None,
    ) -> None:
        runs.put(
            key=item.key,
            loose=item.loose,
            cell=cell,
            status=status,
            error=error,
            interaction_id=turn.id,
            previous=previous,
            model=turn.model or model,
            tokens=tokens,
            cost=spent,
            usage=usage,
            text=turn.output_text,
            turn=turn.to_dict(),
        )

    async def main() -> None:
        import anyio

        # As many worker tasks as slots, each taking the next element: a 1,000-item run never
        # queues 1,000 tasks, and an interrupt leaves the unstarted ones untouched.
        threads = anyio.CapacityLimiter(concurrency)
        left = iter(todo)

        async def admitted() -> bool:
            while budget.active:
                with pool.lock:
                    verdict = budget.verdict()
                    if verdict == "go":
                        break
                if verdict == "stop":
                    return False
                await anyio.sleep(0.01)
            with pool.lock:
                budget.in_flight += 1
            return True

        async def worker() -> None:
            for item in left:
                if stop.is_set() or budget.reached or not await admitted():
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

    if on_progress is not None:
        on_progress(progress)  # before anything is sent: what is reused, what goes again and why
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
        if item.status == "pending":
            if interrupted:
                item.status, item.error = "interrupted", "Interrupted before it finished."
            elif budget.reached:
                item.status, item.error = "not sent", "Not sent: the run stopped at its budget."
            elif errors:
                item.status, item.error = "not sent", "Not sent: the run stopped on an error."
    if interrupted:
        # The requests in flight are left to finish (the server bills an answer it generated
        # whether or not it is read): they land in the store for the re-run, so nothing is
        # paid twice, and never change the result the user already holds.
        items = [item.copy() for item in items]
    index = getattr(data, "index", None) if not isinstance(data, list | tuple) else None
    result = MapResult(items, index, store=runs)
    stopped: MapBudgetReached | None = None
    if budget.reached:
        message, parameters = _budget_message(budget, result, max_total_tokens, max_cost)
        stopped = MapBudgetReached(message, result, **parameters)
        result.stopped = str(stopped)
    _record(
        chain, template, name, parent, prepared, result, interrupted, model, progress, spent_usage
    )
    result.run_tokens, result.run_cost = progress.tokens, progress.cost
    runs.end_cell(cell, "interrupted" if interrupted else "stopped" if budget.reached else "ended")
    if on_progress is not None:
        progress.notice = None
        on_progress(progress)
    if interrupted:
        raise MapInterrupted(result)
    if errors:
        raise errors[0]  # a bug in the pool itself; the finished items are recorded
    if stopped is not None:
        raise stopped
    return result


def _recover(
    client: Any,
    runs: RunStore,
    items: list[MapItem],
    stored: dict[str, Stored],
    model: str | None,
    tier: str | None,
    cell: str,
) -> dict[str, Stored]:
    """Elements that were in flight when their kernel died (stored as ``sent`` with their
    interaction id): fetched from the server when it finished them, so they are not paid for
    again; one the server no longer has (or has not finished) is sent again."""
    waiting = [item for item in items if (found := stored.get(item.key)) and found.status == "sent"]
    if not waiting:
        return {}
    turns = runs.turns([item.key for item in waiting])
    out: dict[str, Stored] = {}
    for item in waiting:
        found = stored[item.key]
        data = turns.get(item.key)
        if data is None or not found.interaction_id:
            continue
        try:
            interaction = client.interactions.get(found.interaction_id)
        except Exception:
            continue  # gone, or the server cannot say: it is sent again
        if interaction.status not in _ANSWERED or interaction.function_calls:
            continue
        turn = Turn.from_dict(data)
        turn.interactions = [interaction]
        turn.status = str(interaction.status)
        usage = turn.usage
        tokens = usage.get("total_tokens", 0)
        spent = cost(turn.model or model, usage, tier)
        runs.put(
            key=item.key,
            loose=item.loose,
            cell=cell,
            status=turn.status,
            error=None,
            interaction_id=interaction.id,
            previous=found.previous,
            model=turn.model or model,
            tokens=tokens,
            cost=spent,
            usage=usage,
            text=turn.output_text,
            turn=turn.to_dict(),
        )
        out[item.key] = Stored(
            item.key, turn.status, None, interaction.id, found.previous, tokens, spent
        )
    return out


def _add(total: float | None, value: float | None) -> float | None:
    return None if total is None or value is None else total + value


def _moved(chain: Chain, runs: RunStore, todo: list[MapItem], progress: MapProgress) -> None:
    """Why elements about to be sent were answered before: the same request in another
    context (a ``--continue`` map whose chain head moved). Said before they go."""
    if not todo:
        return
    before = runs.finished_like([item.loose for item in todo])
    moved = [before[item.loose] for item in todo if item.loose in before]
    if not moved:
        return
    previous = collections.Counter(found.previous for found in moved).most_common(1)[0][0]
    where = chain.find(previous) if previous else None
    progress.moved = len(moved)
    progress.moved_from = where.number if where is not None else None
    progress.moved_new = previous is None


def _budget_message(
    budget: _Budget, result: MapResult, max_tokens: int | None, max_cost: float | None
) -> tuple[str, dict[str, str]]:
    """The paragraph a budget stop says, with its parameters (spelled by the caller)."""
    done = sum(item.ok for item in result.items)
    left = sum(item.status == "not sent" for item in result.items)
    failed = sum(item.status == "failed" for item in result.items)
    if budget.reached == "tokens":
        spent = f"{budget.tokens:,} tokens of the {{max_total_tokens}} budget"
        name, value = "max_total_tokens", f"{max_tokens}"
    else:
        spent = f"{format_cost(budget.cost)} of the {{max_cost}} budget"
        name, value = "max_cost", f"{max_cost}"
    rest = f"the {left + failed} missing or failed" if left + failed else "nothing more"
    return (
        f"Stopped at the budget: {done} of {len(result)} element(s) are done, {spent} spent "
        f"in this run; {left} were not sent, so that the next one could not pass it. "
        f"Everything finished is kept (in the run store); run it again with a larger "
        f"{{{name}}} to send {rest}, never the finished ones."
    ), {name: value}


def _record(
    chain: Chain,
    template: str,
    name: str,
    parent: Turn | None,
    prepared: PreparedTurn,
    result: MapResult,
    interrupted: bool,
    model: str | None,
    progress: MapProgress,
    usage: dict[str, int] | None = None,
) -> None:
    """One turn in the chain for the whole run (never the head: it has no single answer); its
    elements' turns stay in the run store and are read when export or save asks."""
    failed = sum(item.status == "failed" for item in result.items)
    unsent = sum(item.status == "not sent" for item in result.items)
    problems = [f"{failed} of {len(result)} element(s) failed"] if failed else []
    problems += [f"{unsent} not sent ({'budget' if result.stopped else '--retry-failed'})"] * bool(
        unsent
    )
    keys = [item.key for item in result.items]
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
                    "reused": result.reused,
                    "sent": sum(
                        not item.reused and item.status not in ("interrupted", "not sent")
                        for item in result.items
                    ),
                    "model": model,
                    # what this run paid for: a re-run that reuses everything costs nothing
                    "usage": usage or {"total_tokens": progress.tokens},
                    "cost": progress.cost,
                    "store": result.store.path if result.store is not None else None,
                    "interaction_ids": [item.interaction_id for item in result.items],
                },
            },
            status="interrupted" if interrupted else ("incomplete" if problems else "completed"),
            error="; ".join(problems) + "." if problems else None,
        )
        prompts = [item.prompt for item in result.items]
        number = turn.parent

        def bare(position: int) -> Turn:
            return Turn(0, chain.name, prompts[position], number, turn.previous_interaction_id)

        assert result.store is not None
        turn.items = StoredTurns(result.store, keys, bare)
        turn.ended_at = time.time()
        chain.turns.append(turn)
        result.turn = turn.number
