"""The magics' state in one kernel (``KernelState`` plus the notebook) and how a cell runs.

Created on the first ``%%gemini`` or ``%gemini`` use, so ``%load_ext`` imports none of this.
A cell is planned first (``plan_cell``: names resolved, options checked, chain chosen, nothing
changed); only then is a turn sent, a ``--map`` run started or a dry run shown.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .._cell._plan import CellPlan, dry_run_text, plan_cell
from .._kernel import KernelState
from ..chain import ChainUsageError, MapBudgetReached, TurnFailedError
from ..chain._map import MapInterrupted, MapResult
from ..chain._trace import Tracing
from ..render import BackgroundView, LiveView, TerminalPrinter, asked_for_thoughts
from ._failure import fail, flag, unparsed

if TYPE_CHECKING:
    from ..chain import Chain, Turn, TurnObserver
    from ._magics import GeminiMagics


def say(message: str) -> None:
    """One paragraph for the user, no traceback."""
    print(message, file=sys.stderr)


class Session(KernelState):
    def __init__(self, magics: GeminiMagics) -> None:
        super().__init__(magics, lambda: self.namespace)
        self.magics = magics
        self.tracing = Tracing()

    @property
    def namespace(self) -> dict[str, Any]:
        ns: dict[str, Any] = self.magics.shell.user_ns if self.magics.shell else {}
        return ns

    @property
    def hidden_names(self) -> set[str]:
        """IPython's own names in the namespace (In, Out, exit ...): never interpolated."""
        shell = self.magics.shell
        return set(getattr(shell, "user_ns_hidden", {}) or {}) if shell else set()

    def terminal(self) -> bool:
        """Whether the shell is terminal IPython (text printed) rather than a notebook."""
        return type(self.magics.shell).__module__.startswith("IPython.terminal")

    def close(self) -> None:
        super().close()
        self.tracing.close()

    def detach(self) -> None:
        """The magics are unloaded: stop polling (``attach`` resumes it)."""
        self.background.stop()

    def attach(self, magics: GeminiMagics) -> str:
        """Serve newly loaded magics (``%reload_ext``); what was kept, in words."""
        self.magics = self.settings = magics
        running = self.background.resume(magics.poll_interval)
        names = [
            chain.name + (" (current)" if chain.name == self.registry.current_name else "")
            for chain in self.registry
        ]
        if not names:
            return ""
        text = ("the chain " if len(names) == 1 else "the chains ") + ", ".join(names)
        if running:
            text += f", whose {running} background turn(s) are still followed"
        return text

    # --- a cell ----------------------------------------------------------------------------------

    def run_cell(self, line: str, cell: str) -> None:
        plan = plan_cell(
            cell,
            line,
            settings=self.magics,
            namespace=self.namespace,
            registry=self.registry,
            hidden=self.hidden_names,
            line=line,
        )
        chain = plan.chain
        try:
            if plan.dry_run:
                print(dry_run_text(plan, self))
                return
            self.check_parent_held(chain, new=plan.new, from_turn=plan.from_turn)
        except Exception as exc:
            fail(exc, self.backend, plan)
        chain.client = self.client()
        before = len(chain.turns)
        try:
            if plan.map is not None:
                result = self._run_map(plan)
            else:
                turn, handle = self._send(plan, line)
        except BaseException as exc:
            refused = isinstance(exc, ChainUsageError) and not isinstance(exc, MapBudgetReached)
            if not refused:  # a turn was sent (or a run started): what it added is kept
                self.stamp(chain, before)
                self.registry.keep(chain)
            if isinstance(exc, (MapBudgetReached, MapInterrupted)):
                self.publish(exc.result, plan.out)
            if isinstance(exc, TurnFailedError):
                self.autosave()
            fail(exc, self.backend, plan, before)
        self.stamp(chain, before)
        self.registry.keep(chain)
        if plan.map is not None:
            self.publish(result, plan.out)
            return
        self.autosave()
        if turn.parse_error:
            raise unparsed(turn, plan.out)
        self.publish(turn.result, plan.out)
        if turn.status == "running":
            self.follow(chain, turn, out=plan.out, handle=handle)
        if not turn.store:
            way = (
                "start the next cell without --continue"
                if turn.parent is None
                else f"to go on, branch from turn {turn.parent} with --from {turn.parent}"
            )
            say(
                f"Note: turn {turn.number} was sent with --no-store, so it cannot be continued "
                f"(--continue from it will refuse); {way}."
            )

    def _send(self, plan: CellPlan, line: str) -> tuple[Turn, Any]:
        options, chain = plan.options, plan.chain
        view: TerminalPrinter | LiveView
        if self.terminal():
            view = TerminalPrinter(show_thoughts=options.thoughts, source=self.source())
        else:
            view = LiveView(
                interval=self.magics.update_interval,
                show_thoughts=options.thoughts,
                extra_metadata={"magic": line.strip()},
                source=self.source(),
            )
        turn = chain.send(
            plan.prompt,
            new=plan.new,
            from_turn=plan.from_turn,
            observer=self.traced(view),
            options=options,
        )
        return turn, view.handle

    def _run_map(self, plan: CellPlan) -> MapResult:
        """The ``--map`` run, with its progress line and summary table (a stopped run's too)."""
        from ..chain._map import run_map
        from ..render._map_progress import MapProgressView

        assert plan.map is not None
        view, planned = MapProgressView(self.terminal(), flag), plan.map
        try:
            result = run_map(
                plan.chain,
                plan.prompt,
                planned.data,
                name=planned.name,
                options=plan.options,
                new=plan.new,
                from_turn=plan.from_turn,
                on_progress=view,
                store=self.runs_store(),
                **planned.settings,
            )
        except MapBudgetReached as stopped:
            view.summary(stopped.result, view.last)
            raise
        view.summary(result, view.last)
        return result

    def traced(self, view: TurnObserver) -> TurnObserver:
        """``view``, wrapped in a tracer when ``%config GeminiMagics.tracing`` is on."""
        m = self.magics
        if not m.tracing:
            return view
        return self.tracing.observer(view, endpoint=m.tracing_endpoint, content=m.tracing_content)

    def follow(
        self, chain: Chain, turn: Turn, *, out: str | None = None, handle: Any = None
    ) -> None:
        """Show a running background turn's status (in the cell's own display ``handle``, so it
        ends as the answer alone) and follow it; without ``handle``: rejoined after a load."""
        view = BackgroundView(
            show_thoughts=asked_for_thoughts(turn), handle=handle, terminal=self.terminal()
        )
        interval = self.magics.poll_interval
        if handle is None:
            self.background.rejoin(chain, turn, interval=interval, view=view)
        else:
            self.background.watch(
                chain, turn, out=out, snapshot=turn.result, view=view, interval=interval
            )

    def autosave(self) -> None:
        from ._export import autosave

        try:
            autosave(self)
        except OSError as exc:  # the turn is kept; only the copy on disk is behind
            say(f"Note: autosave failed ({exc.strerror or exc}); `%gemini save` to retry.")

    def publish(self, result: Any, out: str | None) -> None:
        """The cell's result into ``_gemini`` and ``-o VAR``."""
        with self.background.lock:  # a background turn ending now sees this cell's result
            self.namespace["_gemini"] = result
            if out:
                self.namespace[out] = result

    def answer_view(self, turn: Turn) -> TerminalPrinter | LiveView:
        """A view to show a finished turn again, with thoughts only if the turn asked for them."""
        if self.terminal():
            return TerminalPrinter(show_thoughts=asked_for_thoughts(turn))
        return LiveView(show_thoughts=asked_for_thoughts(turn))

    def runs_store(self) -> Any:
        """The run store --map writes to (``%config GeminiMagics.runs_store``, else beside
        the notebook)."""
        from ..chain._runs import RunStore

        return RunStore.at(self.magics.runs_store or None)

    def stamp(self, chain: Chain, before: int) -> None:
        """The turns this cell added remember its execution count (timeline: ``cell [n]``) and
        where they were sent (a map run's elements too)."""
        source = self.source()
        for turn in chain.turns[before:]:
            for each in (turn, *turn.items):
                if each.source is None:
                    each.source = source
        # The running cell's own count: IPython has already moved execution_count on to the
        # next cell's when the cell stores history (as every kernel's cell does).
        running = getattr(getattr(self.magics.shell, "displayhook", None), "exec_result", None)
        count = getattr(running, "execution_count", None)
        if isinstance(count, int) and count > 0:
            for turn in chain.turns[before:]:
                turn.cell = count
