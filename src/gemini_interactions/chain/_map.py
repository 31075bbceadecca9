"""``run_map``: one prompt template over every element of a list, tuple, Series or DataFrame.

Each element is its own interaction (chained on a shared turn when one is given, so a long shared
context is sent once), prepared by ``Chain.prepare`` as a ``send`` would be. A ``MapRun`` builds
and keys every element's request, reuses what the run store holds, sends the rest on a ``Pool``
(``_pool.py``: at most ``concurrency`` in flight, one pace for every attempt so a 429 slows them
all, a budget that admits) and records the run as one turn with ``Chain.record``. Retries are the
client's own (one policy, never retries on retries). A failed element stays a failure in its
place. Finished elements are in the run store by their exact request, so re-running the same map
after an interrupt, failures or a crash sends only what is missing.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..api._events import InteractionCreatedEvent
from ..api._request import build_create_body
from ..api._retry import paced
from ._display import Bundle, mimebundle
from ._errors import ChainUsageError, Spelling, python_spelling
from ._options import SendOptions
from ._paths import PART, step
from ._pool import Budget, Pool
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


class _ItemObserver(TurnObserver):
    def __init__(self, pool: Pool[MapItem], on_created: Callable[[Turn, str], None] | None = None):
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
    run = MapRun(
        chain,
        template,
        data,
        name=name,
        options=options,
        new=new,
        from_turn=from_turn,
        concurrency=concurrency,
        rpm=rpm,
        store=store,
        retry_failed=retry_failed,
        fresh=fresh,
        max_total_tokens=max_total_tokens,
        max_cost=max_cost,
    )
    return run.run(on_progress, interval)


class MapRun:
    """One map run: its elements' requests (built and keyed when it is made, nothing sent),
    what the store already holds, then ``run`` sends the rest on a ``Pool`` and records the
    run as one turn of the chain."""

    def __init__(
        self,
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
        store: RunStore | str | os.PathLike[str] | None = None,
        retry_failed: bool = False,
        fresh: bool = False,
        max_total_tokens: int | None = None,
        max_cost: float | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if max_total_tokens is not None and max_total_tokens < 1:
            raise ChainUsageError("max_total_tokens must be at least 1.")
        if max_cost is not None and not max_cost > 0:
            raise ChainUsageError("max_cost must be more than 0 (USD).")
        self.chain = chain
        self.template = template
        self.data = data
        self.name = name
        self.concurrency, self.rpm = concurrency, rpm
        self.retry_failed, self.fresh = retry_failed, fresh
        self.max_total_tokens = max_total_tokens
        self.max_cost = max_cost
        outgoing = chain.prepare(options, new=new, from_turn=from_turn)
        self.client = client = outgoing.client
        self.parent = outgoing.parent
        self.previous = previous = outgoing.previous_interaction_id
        self.prepared = prepared = outgoing.prepared
        base = prepared.base_params()
        self.model: str | None = base.get("agent") or base.get("model")
        self.tier = prepared.options.service_tier
        model, tier = self.model, self.tier
        if max_cost is not None and not priced(model, tier):
            raise ChainUsageError(
                f"{{max_cost}} needs a price for {model or 'the model'}"
                f"{f' ({tier} tier)' if tier else ''} and the price table has none, so nothing "
                "was sent. Add its price (USD per million tokens) with %config "
                f"GeminiMagics.prices = {{{model!r}: {{'input': ..., 'output': ...}}}} (or "
                "set_prices), or cap the run with {max_total_tokens} instead.",
                max_cost=f"{max_cost}",
                max_total_tokens="N",
            )
        self.runs = runs = store if isinstance(store, RunStore) else RunStore.at(store)
        context = _RunContext(runs, prepared.schema)
        streaming = prepared.options.stream and not prepared.background
        where = client.base_url
        self.items: list[MapItem] = []
        for position, (label, value) in enumerate(iter_elements(data)):
            prompt = fill(template, value, position)
            params = {**base, "input": prepared.first_input(prompt)}
            # the body build_request would describe (its URL and headers are the same for all)
            body = build_create_body({**params, "stream": streaming or None})
            loose = _digest(where, body)
            if previous:
                body["previous_interaction_id"] = previous
            key = _digest(where, body) if previous else loose
            self.items.append(MapItem(position, label, prompt, key, loose, context))
        self.progress = MapProgress(total=len(self.items))
        # one cell: the same template over the same variable with the same options (model, tier)
        same = json.dumps(base, sort_keys=True, default=str)
        self.cell = hashlib.sha256(
            f"{chain.name}\n{name}\n{template}\n{same}".encode()
        ).hexdigest()[:16]
        self.budget = Budget(max_total_tokens, max_cost)
        self.spent_usage: dict[str, int] = {}  # what this run paid for (reused ones: nothing)
        self.pool: Pool[MapItem] | None = None

    # --- before anything is sent ---------------------------------------------------------------

    def _reuse(self) -> list[MapItem]:
        """Mark what the store already holds (fetching what was in flight when a kernel died);
        the elements left to send."""
        items, progress, fresh = self.items, self.progress, self.fresh
        stored = {} if fresh else self.runs.lookup([item.key for item in items])
        recovered = self._recover(stored)
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
        if self.retry_failed:
            # only the stored failures go again; an element never sent stays unsent
            for item in items:
                if not item.ok and item.key not in stored:
                    item.status, item.error = (
                        "not sent",
                        "Not sent: --retry-failed sends failures only.",
                    )
        todo = [item for item in items if item.status == "pending"]
        if not fresh:
            _moved(self.chain, self.runs, todo, progress)
        return todo

    def _recover(self, stored: dict[str, Stored]) -> dict[str, Stored]:
        """Elements that were in flight when their kernel died (stored as ``sent`` with their
        interaction id): fetched from the server when it finished them, so they are not paid
        for again; one the server no longer has (or has not finished) is sent again."""
        waiting = [
            item
            for item in self.items
            if (found := stored.get(item.key)) and found.status == "sent"
        ]
        if not waiting:
            return {}
        turns = self.runs.turns([item.key for item in waiting])
        out: dict[str, Stored] = {}
        for item in waiting:
            found = stored[item.key]
            data = turns.get(item.key)
            if data is None or not found.interaction_id:
                continue
            try:
                interaction = self.client.interactions.get(found.interaction_id)
            except Exception:
                continue  # gone, or the server cannot say: it is sent again
            if interaction.status not in _ANSWERED or interaction.function_calls:
                continue
            turn = Turn.from_dict(data)
            turn.interactions = [interaction]
            turn.status = str(interaction.status)
            usage = turn.usage
            tokens = usage.get("total_tokens", 0)
            spent = cost(turn.model or self.model, usage, self.tier)
            self._put(item, turn, turn.status, None, usage, tokens, spent, found.previous)
            out[item.key] = Stored(
                item.key, turn.status, None, interaction.id, found.previous, tokens, spent
            )
        return out

    # --- on the pool's worker threads ----------------------------------------------------------

    def _one(self, item: MapItem) -> None:
        """Send one element and write it to the store before it counts as done."""
        pool, prepared = self.pool, self.prepared
        assert pool is not None
        parent = self.parent
        turn = Turn(
            0, self.chain.name, item.prompt, parent.number if parent else None, self.previous
        )
        item.status, item.error = "pending", None
        parsed_error: str | None = None

        def created(turn: Turn, interaction_id: str) -> None:
            self._created(item, turn, interaction_id)

        observer = _ItemObserver(pool, created if prepared.options.store else None)
        try:
            with paced(pool.admit):
                run_turn(self.client, turn, prepared, observer)
            if prepared.schema is not None and turn.joined:
                try:
                    prepared.schema.parse(turn.output_text)
                except ValueError as exc:
                    parsed_error = str(exc)
        except Exception:
            pass  # run_turn recorded why on the turn
        usage = turn.usage
        tokens = usage.get("total_tokens", 0)
        spent = cost(turn.model or self.model, usage, self.tier)
        error = turn.error or parsed_error
        status = turn.status if error is None else "failed"
        with pool.lock:
            self.budget.ended(tokens, spent)
            if status not in _ANSWERED and pool.stop.is_set():
                # cut short by the interrupt (its pacing gone with the loop): not a failure
                item.status, item.error = "interrupted", "Interrupted before it finished."
                return
        previous = self.previous

        def committed(failure: RunStoreError | None) -> None:
            # Counted as done only now that its row is in the store: a kill after this loses
            # nothing paid for. Runs on the store's writer thread, so this worker is already
            # free for the next element.
            if failure is not None:
                pool.fail(failure)  # said when the run stops; what was stored is kept
                return
            progress = self.progress
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
                    self.spent_usage[key] = self.spent_usage.get(key, 0) + value

        try:
            self._put(item, turn, status, error, usage, tokens, spent, previous, committed)
        except RunStoreError as exc:
            pool.fail(exc)

    def _created(self, item: MapItem, turn: Turn, interaction_id: str) -> None:
        """Paid for from here on: a kernel killed mid-answer finds it by this id on the re-run
        and fetches the answer instead of asking again. Queued: the stream goes on at once."""
        pool = self.pool
        assert pool is not None

        def committed(failure: RunStoreError | None) -> None:
            if failure is not None:
                pool.fail(failure)

        self.runs.put(
            key=item.key,
            loose=item.loose,
            cell=self.cell,
            status="sent",
            error=None,
            interaction_id=interaction_id,
            previous=self.previous,
            model=self.model,
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
            then=committed,
        )

    def _put(
        self,
        item: MapItem,
        turn: Turn,
        status: str,
        error: str | None,
        usage: dict[str, int],
        tokens: int,
        spent: float | None,
        previous: str | None,
        then: Callable[[RunStoreError | None], None] | None = None,
    ) -> None:
        """One element as it ended: committed to the store before this returns, or (with
        ``then``) queued, ``then`` told once it is committed."""
        self.runs.put(
            key=item.key,
            loose=item.loose,
            cell=self.cell,
            status=status,
            error=error,
            interaction_id=turn.id,
            previous=previous,
            model=turn.model or self.model,
            tokens=tokens,
            cost=spent,
            usage=usage,
            text=turn.output_text,
            turn=turn.to_dict(),
            then=then,
        )

    # --- the run -------------------------------------------------------------------------------

    def run(
        self, on_progress: Callable[[MapProgress], None] | None = None, interval: float = 0.1
    ) -> MapResult:
        """Send what the store does not hold (``on_progress`` every ``interval`` seconds);
        see ``run_map``."""
        progress = self.progress
        todo = self._reuse()
        self.runs.start_cell(
            self.cell, self.chain.name, self.template, self.name, self.model, len(self.items)
        )

        def notice(text: str) -> None:
            progress.notice = text

        self.pool = pool = Pool[MapItem](self.concurrency, self.rpm, self.budget, notice)
        if on_progress is not None:
            on_progress(progress)  # before anything is sent: what is reused, what goes again
        thread = pool.start(todo, self._one)
        interrupted = False
        try:
            while thread.is_alive():
                thread.join(interval)
                if on_progress is not None:
                    on_progress(progress)
            self.runs.flush()  # every element that ended is counted
        except KeyboardInterrupt:
            interrupted = True
            pool.stop.set()
            with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: still keep the rest
                thread.join(5)
                self.runs.flush(5)
        result = self._result(interrupted, pool.errors)
        stopped: MapBudgetReached | None = None
        if self.budget.reached:
            message, parameters = _budget_message(
                self.budget, result, self.max_total_tokens, self.max_cost
            )
            stopped = MapBudgetReached(message, result, **parameters)
            result.stopped = str(stopped)
        self._record(result, interrupted)
        result.run_tokens, result.run_cost = progress.tokens, progress.cost
        state = "interrupted" if interrupted else "stopped" if self.budget.reached else "ended"
        self.runs.end_cell(self.cell, state)
        if on_progress is not None:
            progress.notice = None
            on_progress(progress)
        if interrupted:
            raise MapInterrupted(result)
        if pool.errors:
            raise pool.errors[0]  # a failing store, or a bug in the pool; the rest is recorded
        if stopped is not None:
            raise stopped
        return result

    def _result(self, interrupted: bool, errors: list[BaseException]) -> MapResult:
        items = self.items
        for item in items:
            if item.status == "pending":
                if interrupted:
                    item.status, item.error = "interrupted", "Interrupted before it finished."
                elif self.budget.reached:
                    item.status, item.error = "not sent", "Not sent: the run stopped at its budget."
                elif errors:
                    item.status, item.error = "not sent", "Not sent: the run stopped on an error."
        if interrupted:
            # The requests in flight are left to finish (the server bills an answer it generated
            # whether or not it is read): they land in the store for the re-run, so nothing is
            # paid twice, and never change the result the user already holds.
            items = [item.copy() for item in items]
        data = self.data
        index = getattr(data, "index", None) if not isinstance(data, list | tuple) else None
        return MapResult(items, index, store=self.runs)

    def _record(self, result: MapResult, interrupted: bool) -> None:
        """One turn in the chain for the whole run (never the head: it has no single answer);
        its elements' turns stay in the run store and are read when export or save asks."""
        chain, parent, progress = self.chain, self.parent, self.progress
        failed = sum(item.status == "failed" for item in result.items)
        unsent = sum(item.status == "not sent" for item in result.items)
        problems = [f"{failed} of {len(result)} element(s) failed"] if failed else []
        why = "budget" if result.stopped else "--retry-failed"
        problems += [f"{unsent} not sent ({why})"] * bool(unsent)
        turn = Turn(
            number=0,  # numbered by chain.record
            chain=chain.name,
            prompt=self.template,
            parent=parent.number if parent is not None else None,
            previous_interaction_id=self.previous,
            options={
                **self.prepared.summary(),
                "map": {
                    "over": self.name,
                    "items": len(result),
                    "failed": failed,
                    "reused": result.reused,
                    "sent": sum(
                        not item.reused and item.status not in ("interrupted", "not sent")
                        for item in result.items
                    ),
                    "model": self.model,
                    # what this run paid for: a re-run that reuses everything costs nothing
                    "usage": self.spent_usage or {"total_tokens": progress.tokens},
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
        turn.items = StoredTurns(result.store, [item.key for item in result.items], bare)
        turn.ended_at = time.time()
        chain.record(turn)
        result.turn = turn.number


def _sent(found: Stored | None) -> bool:
    """Stored as in flight (its interaction id known, its answer not)."""
    return found is not None and found.status == "sent"


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
    budget: Budget, result: MapResult, max_tokens: int | None, max_cost: float | None
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
