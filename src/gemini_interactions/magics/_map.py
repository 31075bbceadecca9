"""The ``--map`` cell's run: progress through a display handle, and a summary table."""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING, Any

from ..chain._map import MapBudgetReached, MapProgress, MapResult, run_map
from ..chain._prices import format_cost
from ._failure import flag

if TYPE_CHECKING:
    from ._plan import CellPlan
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


def run_map_cell(session: Session, plan: CellPlan) -> MapResult:
    """Run the planned ``--map`` cell with its progress line and summary table; the session
    keeps the chain and publishes the result (a stopped run's too)."""
    assert plan.map is not None
    view = _Progress(session.terminal())
    opts = plan.options
    try:
        result = run_map(
            plan.chain,
            plan.prompt,
            plan.map.data,
            name=plan.map.name,
            options=opts,
            new=plan.new,
            from_turn=plan.from_turn,
            concurrency=plan.map.concurrency,
            rpm=plan.map.rpm,
            on_progress=view,
            store=session.runs_store(),
            retry_failed=plan.map.retry_failed,
            fresh=plan.map.fresh,
            max_total_tokens=plan.map.max_total_tokens,
            max_cost=plan.map.max_cost,
        )
    except MapBudgetReached as stopped:
        view.summary(stopped.result, view.last)
        raise
    view.summary(result, view.last)
    return result
