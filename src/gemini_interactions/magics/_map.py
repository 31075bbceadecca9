"""The ``--map`` cell: resolve the variable, show progress through a display handle, publish."""

from __future__ import annotations

import html
import json
import time
from typing import TYPE_CHECKING, Any

from ..chain import ChainUsageError
from ..chain._map import (
    MapBudgetReached,
    MapInterrupted,
    MapProgress,
    MapResult,
    fill,
    iter_elements,
    run_map,
)
from ..chain._prices import format_cost
from ._errors import MagicUsageError, TurnFailed, TurnInterrupted
from ._failure import flag, usage_message

if TYPE_CHECKING:
    from ..chain import Chain, SendOptions
    from ._options import CellOptions
    from ._session import Session


class _Progress:
    """One line, updated in place (a display handle in a notebook, printed in a terminal)."""

    TERMINAL_EVERY = 2.0
    """Seconds between two lines printed in a terminal (which cannot update a line in place)."""

    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal
        self.handle: Any = None
        self.last = ""
        self.printed = 0.0

    def __call__(self, progress: MapProgress) -> None:
        progress.spell = flag
        line = progress.line()
        if line == self.last:
            return
        self.last = line
        if self.terminal:
            now = time.monotonic()
            if not self.printed or now - self.printed >= self.TERMINAL_EVERY:
                self.printed = now
                print(line, flush=True)
            return
        from IPython.display import display

        bundle = {"text/plain": line, "text/html": f"<code>{html.escape(line)}</code>"}
        if self.handle is None:
            self.handle = display(bundle, raw=True, display_id=True)  # type: ignore[no-untyped-call]
        else:
            self.handle.update(bundle, raw=True)

    def summary(self, result: MapResult, progress_line: str) -> None:
        counts: dict[str, int] = {}
        for item in result.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        reused = result.reused
        sent = sum(
            not item.reused and item.status not in ("interrupted", "not sent", "pending")
            for item in result.items
        )
        rows: list[tuple[str, Any]] = [
            *counts.items(),
            ("reused", reused),
            ("sent", sent),
            ("tokens", f"{result.tokens:,} ({result.run_tokens:,} in this run)"),
            ("cost", f"{format_cost(result.cost)} ({format_cost(result.run_cost)} in this run)"),
        ]
        plain = "\n".join([progress_line, *(f"{k:<12}{v}" for k, v in rows)])
        body = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in rows)
        table = f"<table><tr><th>status</th><th>items</th></tr>{body}</table>"
        bundle = {"text/plain": plain, "text/html": table}
        if self.terminal:
            print(plain)
        elif self.handle is None:
            from IPython.display import display

            display(bundle, raw=True)  # type: ignore[no-untyped-call]
        else:
            self.handle.update(bundle, raw=True)


def run_map_cell(
    session: Session,
    opts: CellOptions,
    chain: Chain,
    registered: bool,
    prompt: str,
    options: SendOptions,
) -> None:
    name = opts.map or ""
    data = session._lookup(name, "--map variable", "Define the list or DataFrame first.")
    first: str | None = None
    count = 0
    try:  # every element, before anything is sent: a bad {item.x} in element 37 is a mistake
        for i, (_, value) in enumerate(iter_elements(data)):
            filled = fill(prompt, value, i)
            first = filled if first is None else first
            count += 1
    except (TypeError, ValueError) as exc:
        raise MagicUsageError(f"{exc}.".replace("..", ".")) from None
    if first is None:
        raise MagicUsageError(f"--map {name}: it is empty, so there is nothing to send.")
    new = not (opts.continue_ or opts.from_turn is not None)
    if opts.dry_run:
        if chain.client is None:
            chain.client = session.dry_run_client()
        try:
            request = chain.build_request(first, new=new, from_turn=opts.from_turn, options=options)
        except ChainUsageError as exc:
            raise MagicUsageError(usage_message(exc, opts.schema_name)) from None
        print(f"--map {name}: {count} request(s); the first:")
        print(json.dumps(request["json"], indent=2, ensure_ascii=False, default=str))
        return
    chain.client = session.client()
    view = _Progress(session._terminal())
    try:
        result = run_map(
            chain,
            prompt,
            data,
            name=name,
            options=options,
            new=new,
            from_turn=opts.from_turn,
            concurrency=opts.concurrency,
            rpm=opts.rpm,
            on_progress=view,
            store=session.runs_store(),
            retry_failed=opts.retry_failed,
            fresh=opts.fresh,
            max_total_tokens=opts.max_total_tokens,
            max_cost=opts.max_cost,
        )
    except MapBudgetReached as stopped:
        session._register(chain, registered)
        view.summary(stopped.result, view.last)
        _publish(session, opts, stopped.result)
        raise TurnFailed(usage_message(stopped)) from None
    except ChainUsageError as exc:
        raise MagicUsageError(usage_message(exc, opts.schema_name)) from None
    except MapInterrupted as stopped:
        session._register(chain, registered)
        _publish(session, opts, stopped.result)
        done = len(stopped.result) - len(stopped.result.failed)
        where = f" (in {opts.out})" if opts.out else ""
        raise TurnInterrupted(
            f"Interrupted. The {done} finished element(s) of {name} are kept{where}; run the "
            "cell again to send only the missing or failed ones."
        ) from None
    except KeyboardInterrupt:  # a Ctrl-C outside the pool's own handling (while recording)
        session._register(chain, registered)
        raise TurnInterrupted(
            f"Interrupted while --map {name} was stopping, before the run was recorded. Run the "
            "cell again: the elements that finished are in the run store and are not sent "
            "again."
        ) from None
    session._register(chain, registered)
    view.summary(result, view.last)
    _publish(session, opts, result)


def _publish(session: Session, opts: CellOptions, result: MapResult) -> None:
    with session.background.lock:
        session.namespace["_gemini"] = result
        if opts.out:
            session.namespace[opts.out] = result
