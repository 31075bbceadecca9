"""A ``map`` run shown while it runs: its progress line, then a table of what happened."""

from __future__ import annotations

import html
import time
from typing import Any

from ..chain._errors import Spelling, python_spelling
from ..chain._map import MapProgress, MapResult
from ..chain._prices import format_cost
from ._style import NO_TEX


class MapProgressView:
    """A map run's progress as one line, updated in place (a display handle in a notebook,
    printed in a terminal), and its summary table at the end. ``spell`` writes the options
    its line names (a shell's flags; Python's keywords by default)."""

    TERMINAL_EVERY = 2.0
    """Seconds between two lines printed in a terminal (which cannot update a line in place)."""

    def __init__(self, terminal: bool, spell: Spelling = python_spelling) -> None:
        self.terminal = terminal
        self.spell = spell
        self.handle: Any = None
        self.last = ""
        self.printed = 0.0

    def __call__(self, progress: MapProgress) -> None:
        progress.spell = self.spell
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
        bundle = summary_bundle(result, progress_line)
        if self.terminal:
            print(bundle["text/plain"])
        elif self.handle is None:
            from IPython.display import display

            display(bundle, raw=True)  # type: ignore[no-untyped-call]
        else:
            self.handle.update(bundle, raw=True)


def summary_bundle(result: MapResult, progress_line: str) -> dict[str, str]:
    """The table a map run ends with (under its last progress line): items per status, reused,
    sent, tokens and cost (this run's in brackets)."""
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
    table = f'<table class="{NO_TEX}"><tr><th>status</th><th>items</th></tr>{body}</table>'
    return {"text/plain": plain, "text/html": table}
